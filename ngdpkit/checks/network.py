"""What the servers must reach (contract §7): NgDP's API by environment, the certificate
status and validation hosts, and each push endpoint, as :class:`Destination` records the
probes test and the firewall rules (:mod:`ngdpkit.deliverables.firewall`) are written from.

Facts from the vendor page and NgDP's OpenAPI (``docs/domain.md``); rows
that rest on inference say "inferred".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..settings import Environment

NGDP: dict[str, dict[str, Any]] = {
    "test": {
        "host": "api.test.digitalpost.dk",
        "ips": ("80.198.95.44", "80.198.95.62"),
        "api": "https://api.test.digitalpost.dk/apis/v1",
    },
    "production": {
        "host": "api.digitalpost.dk",
        "ips": ("80.198.95.23", "80.198.95.62"),
        "api": "https://api.digitalpost.dk/apis/v1",
    },
}


OCES3_STATUS_HOST = {"production": "ca1.gov.dk", "test": "ca1.cti-gov.dk"}


VALIDATION_HOSTS = (
    "ocsp.sectigo.com",
    "crl.sectigo.com",
    "crt.sectigo.com",
    "ocsp.usertrust.com",
    "crl.usertrust.com",
    "crt.usertrust.com",
)


EGRESS_LOOKUP = "api.ipify.org"


def official_api_url(kind: str) -> str:
    return str(NGDP[kind]["api"])


def vendor_address(kind: str) -> str:
    """NgDP's address as the vendor page lists it for the dispatcher (no API path; the REST
    API lies under ``/apis/v1`` of it, per NgDP's OpenAPI)."""
    return f"https://{NGDP[kind]['host']}"


@dataclass(frozen=True, slots=True)
class NetworkRun:
    """Where step 04's network checks ran (``results.network``): online or not (``online``
    only when the probes ran), and the machine's name."""

    online: bool = False
    ran_on: str = ""
    # ``--online ngdp``: NgDP was read, the network was not checked (the overview said
    # "Netværkskontroller: <machine>" over checks that never ran)
    ngdp_only: bool = False


@dataclass(frozen=True)
class Destination:
    host: str
    ips: tuple[str, ...]
    port: int
    scheme: str
    purpose: str  # a key of FIREWALL_WORDS
    inferred: bool = False
    direction: str = "outgoing"


def destinations(env: Environment) -> list[Destination]:
    """Every address the WorkZone servers of ``env`` must reach (or be reached at, for push)."""
    ngdp = NGDP[env.kind]
    out = [
        Destination(ngdp["host"], ngdp["ips"], 443, "https", "ngdp"),
        Destination("digitaliser.dk", (), 443, "https", "digitaliser"),
    ]
    out += [Destination(h, (), 80, "http", "validation", True) for h in VALIDATION_HOSTS]
    out.append(Destination(OCES3_STATUS_HOST[env.kind], (), 80, "http", "oces3", True))
    return out
