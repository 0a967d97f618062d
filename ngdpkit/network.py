"""What the servers must reach, as a firewall change request and as portal values (contract §7).

Facts from the vendor page (configure-digital-post.txt) and NGDP-FACTS.md; rows
that rest on inference say "inferred".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .settings import Environment
from .system import push_endpoints

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
FIREWALL_COLUMNS = (
    "source",
    "destination_host",
    "ip",
    "port",
    "protocol",
    "direction",
    "purpose",
    "environment",
    "basis",
)


def official_api_url(kind: str) -> str:
    return NGDP[kind]["api"]


@dataclass(frozen=True)
class Destination:
    host: str
    ips: tuple[str, ...]
    port: int
    scheme: str
    purpose: str
    inferred: bool = False
    direction: str = "outgoing"


def destinations(env: Environment) -> list[Destination]:
    """Every address the WorkZone servers of ``env`` must reach (or be reached at, for push)."""
    ngdp = NGDP[env.kind]
    out = [
        Destination(ngdp["host"], ngdp["ips"], 443, "https", "NgDP API (REST_PULL and REST_PUSH)"),
        Destination(
            "digitaliser.dk", (), 443, "https", "digitaliser.dk, required by the vendor page"
        ),
    ]
    out += [
        Destination(
            h,
            (),
            80,
            "http",
            "certificate validation (OCSP/CRL) for the digitaliser.dk and digitalpost.dk TLS certificates",
            True,
        )
        for h in VALIDATION_HOSTS
    ]
    out.append(
        Destination(
            OCES3_STATUS_HOST[env.kind],
            (),
            80,
            "http",
            f"OCES3 {env.kind} certificate status (OCSP /ocsp, CRLs under /oces/)",
            True,
        )
    )
    return out


def firewall_rules(env: Environment) -> list[dict[str, Any]]:
    """Rows of ``firewall-rules.csv``: a change request operations can act on."""
    servers = ", ".join(s.name for s in env.servers) or "WorkZone web and agent servers"
    egress = "; ".join(env.server_ips)
    source = f"{servers} (egress {egress})" if egress else servers
    rows = []
    for d in destinations(env):
        for ip in d.ips or ("(resolve by DNS)",):
            rows.append(
                {
                    "source": source,
                    "destination_host": d.host,
                    "ip": ip,
                    "port": d.port,
                    "protocol": f"TCP ({d.scheme.upper()})",
                    "direction": d.direction,
                    "purpose": d.purpose,
                    "environment": env.name,
                    "basis": "inferred" if d.inferred else "vendor page",
                }
            )
    if env.protocol == "REST_PUSH" and env.push_base_url:
        from urllib.parse import urlsplit

        host = urlsplit(env.push_base_url).hostname or env.push_base_url
        rows.append(
            {
                "source": "NgDP (source addresses not published; 80.198.95.62 is listed for both environments: inferred)",
                "destination_host": host,
                "ip": "(the push service's public address)",
                "port": urlsplit(env.push_base_url).port or 443,
                "protocol": "TCP (HTTPS)",
                "direction": "incoming",
                "purpose": "NgDP delivers messages and receipts to the WorkZone Push Service",
                "environment": env.name,
                "basis": "inferred",
            }
        )
    return rows


def portal_registration(
    env: Environment,
    *,
    contact_points: list[dict[str, Any]] | None,
    plan: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """What to type into Administrativ Adgang, in the portal's order."""
    endpoints = None
    if env.protocol == "REST_PUSH" and env.push_base_url:
        endpoints = push_endpoints(env.push_base_url, env.system_id or "<systemid>")
    points = (
        contact_points
        if contact_points is not None
        else [
            {
                "name": p["name"],
                "targets": p["targets"],
                "visible": p["visible"],
                "translations": p["translations"],
                "proposed": True,
            }
            for p in plan or []
        ]
    )
    return {
        "schema": "ngdpkit/portal-registration/1",
        "environment": env.name,
        "kind": env.kind,
        "portal": "https://admin.digitalpost.dk (Administrativ Adgang)",
        "system": {
            "name": env.system_name or f"WorkZone {env.name}",
            "protocol": env.protocol,
            "allowed_ips": list(env.server_ips),
            "endpoints": endpoints,
            "receipt_format": "MEMO",
            "system_id": env.system_id,
        },
        "contact_points": points,
        "notes": [
            "KMD recommends REST_PULL; REST_PUSH works but needs the Push Service reachable from the Internet.",
            "NgDP deactivates a push receiver after 7 days of failed delivery.",
            "After saving, note the system ID and the authorization header; the header is a secret: store it in the CI secret store or the secrets file, never in the settings.",
            "receipt_format MEMO is ngdpkit's suggestion for WorkZone (inferred); the portal also offers DP and DP2.",
        ],
    }
