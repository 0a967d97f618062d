"""What the servers must reach, as a firewall change request and as portal values (contract §7).

Facts from the vendor page and NgDP's OpenAPI (``docs/domain.md``); rows
that rest on inference say "inferred".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mapping import PlanEntry

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
    "source_server",
    "source_ip",
    "destination_host",
    "ip",
    "port",
    "protocol",
    "direction",
    "purpose",
    "environment",
    "basis",
)
# The page and the workbook speak the document's language; the CSV keeps these English names.
FIREWALL_HEADERS = {
    "da": {
        "source": "Kilde",
        "source_server": "Kildeserver",
        "source_ip": "Kilde-IP (intern)",
        "destination_host": "Destination (værtsnavn)",
        "ip": "Destinations-IP",
        "port": "Port",
        "protocol": "Protokol",
        "direction": "Retning",
        "purpose": "Formål",
        "environment": "Miljø",
        "basis": "Grundlag",
    },
    "en": {
        "source": "Source",
        "source_server": "Source server",
        "source_ip": "Source IP (internal)",
        "destination_host": "Destination host",
        "ip": "Destination IP",
        "port": "Port",
        "protocol": "Protocol",
        "direction": "Direction",
        "purpose": "Purpose",
        "environment": "Environment",
        "basis": "Basis",
    },
}
FIREWALL_WORDS = {
    "da": {
        "outgoing": "udgående",
        "incoming": "indgående",
        "vendor page": "leverandørens vejledning",
        "inferred": "udledt",
        "optional": "valgfri",
        "internal": "intern adresse",
        "public egress": "offentlig udgående adresse (NAT)",
        "(resolve by DNS)": "(slås op i DNS)",
        "not published": "ikke offentliggjort af NgDP",
        "ngdp": "NgDP's API (REST_PULL og REST_PUSH)",
        "digitaliser": "digitaliser.dk, krævet af leverandørens vejledning",
        "validation": "certifikatvalidering (OCSP/CRL) for TLS-certifikaterne på digitaliser.dk og digitalpost.dk",
        "oces3": "OCES3-certifikatstatus (OCSP /ocsp, CRL'er under /oces/)",
        "push": "NgDP leverer meddelelser og kvitteringer til WorkZone Push Service",
        "egress": "valgfrit: server-check.ps1 slår serverens udgående IP-adresse op (kun med -EgressIpUrl)",
        "nat": "udgående adresse efter NAT: registreres i Administrativ Adgang (ikke en kilde i den indre firewall)",
        "no inspection": "ingen TLS-inspektion mod NgDP: gensidig TLS bryder, hvis en proxy åbner forbindelsen",
        "egress address (NAT)": "udgående adresse (NAT)",
        "any": "alle",
    },
    "en": {
        "internal": "internal address",
        "public egress": "public egress address (NAT)",
        "not published": "not published by NgDP",
        "ngdp": "NgDP API (REST_PULL and REST_PUSH)",
        "digitaliser": "digitaliser.dk, required by the vendor page",
        "validation": "certificate validation (OCSP/CRL) for the digitaliser.dk and digitalpost.dk TLS certificates",
        "oces3": "OCES3 certificate status (OCSP /ocsp, CRLs under /oces/)",
        "push": "NgDP delivers messages and receipts to the WorkZone Push Service",
        "egress": "optional: server-check.ps1 looks up the server's egress IP (only with -EgressIpUrl)",
        "nat": "egress address after NAT: registered in Administrativ Adgang (not a source on the inside firewall)",
        "no inspection": "no TLS inspection towards NgDP: mutual TLS breaks when a proxy opens the connection",
    },
}
EGRESS_LOOKUP = "api.ipify.org"


def firewall_word(language: str, value: Any) -> Any:
    """A firewall cell in the document's language (the CSV keeps the English words)."""
    if not isinstance(value, str):
        return value
    return FIREWALL_WORDS.get(language, {}).get(value, value)


def official_api_url(kind: str) -> str:
    return NGDP[kind]["api"]


def vendor_address(kind: str) -> str:
    """NgDP's address as the vendor page lists it for the dispatcher (no API path; the REST
    API lies under ``/apis/v1`` of it, per NgDP's OpenAPI)."""
    return f"https://{NGDP[kind]['host']}"


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


def firewall_rules(env: Environment) -> list[dict[str, Any]]:
    """Rows of ``firewall-rules.csv``: one rule per row, as change-request systems take them
    (contract §12.4).

    One row per server, destination address and port, the source being the server's
    internal address when ``servers[].internal_ip`` gives it, else its name (an outbound rule
    on the inside firewall sees the server, never the post-NAT address). The egress (NAT)
    addresses are listed once each, for the portal, and one row asks for no TLS inspection
    towards NgDP.
    """
    servers = [(s.name, s.internal_ip or s.name) for s in env.servers or ()]
    if not servers:
        servers = [("WorkZone web and agent servers", "")]
    rows: list[dict[str, Any]] = []

    def row(**cells: Any) -> dict[str, Any]:
        return {"environment": env.name, **cells}

    for d in destinations(env):
        for name, source_ip in servers:
            for ip in d.ips or ("(resolve by DNS)",):
                rows.append(
                    row(
                        source=name,
                        source_server=name,
                        source_ip=source_ip,
                        destination_host=d.host,
                        ip=ip,
                        port=d.port,
                        protocol=f"TCP ({d.scheme.upper()})",
                        direction=d.direction,
                        purpose=d.purpose,
                        basis="inferred" if d.inferred else "vendor page",
                    )
                )
    ngdp = NGDP[env.kind]
    for ip in ngdp["ips"]:
        rows.append(
            row(
                source="any",
                source_server="",
                source_ip="",
                destination_host=ngdp["host"],
                ip=ip,
                port=443,
                protocol="TCP (HTTPS)",
                direction="outgoing",
                purpose="no inspection",
                basis="inferred",
            )
        )
    for egress in env.server_ips:  # listed once each, for the portal: never a source above
        rows.append(
            row(
                source="egress address (NAT)",
                source_server="",
                source_ip=egress,
                destination_host=ngdp["host"],
                ip="",
                port=443,
                protocol="TCP (HTTPS)",
                direction="outgoing",
                purpose="nat",
                basis="vendor page",
            )
        )
    for name, source_ip in servers:  # named so the request is complete; not required
        rows.append(
            row(
                source=name,
                source_server=name,
                source_ip=source_ip,
                destination_host=EGRESS_LOOKUP,
                ip="(resolve by DNS)",
                port=443,
                protocol="TCP (HTTPS)",
                direction="outgoing",
                purpose="egress",
                basis="optional",
            )
        )
    if env.protocol == "REST_PUSH" and env.push_base_url:
        from urllib.parse import urlsplit

        parts = urlsplit(env.push_base_url)
        host = parts.hostname or env.push_base_url
        push_servers = [s for s in env.servers if "push" in s.role.lower()]
        target = ", ".join(s.name for s in push_servers) or "WorkZone Push Service"
        address = next((s.internal_ip for s in push_servers if s.internal_ip), "")
        rows.append(
            {
                "source": "NgDP",
                "source_server": "",
                "source_ip": "not published",
                "destination_host": f"{host} ({target})",
                "ip": address or f"(public address of {host})",
                "port": parts.port or 443,
                "protocol": "TCP (HTTPS)",
                "direction": "incoming",
                "purpose": "push",
                "environment": env.name,
                "basis": "inferred",
            }
        )
    return rows


def firewall_table(rows: list[dict[str, Any]], language: str) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the firewall order in the document's language (page, workbook)."""
    headers = [FIREWALL_HEADERS[language][c] for c in FIREWALL_COLUMNS]
    return headers, [
        [firewall_word(language, r.get(c, "")) for c in FIREWALL_COLUMNS] for r in rows
    ]


def firewall_csv_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The machine copy: English words, the purpose spelled out."""
    return [[firewall_word("en", r.get(c, "")) for c in FIREWALL_COLUMNS] for r in rows]


PORTAL_NOTES = {
    "en": (
        "KMD recommends REST_PULL; REST_PUSH works but needs the Push Service reachable from the Internet.",
        "NgDP deactivates a push receiver after 7 days of failed delivery.",
        "After saving, note the system ID and the authorization header. The header is a secret: it goes to whoever enters it in WorkZone through the channel agreed with the customer (authorization_handover), and to ngdpkit's runs through the CI secret store or the secrets file; never into the settings or an email.",
        "receipt_format MEMO is ngdpkit's suggestion for WorkZone (inferred); the portal also offers DP and DP2.",
    ),
    "da": (
        "KMD anbefaler REST_PULL; REST_PUSH virker også, men kræver at Push Service kan nås fra internettet.",
        "NgDP deaktiverer en push-modtager efter 7 dages mislykket levering.",
        "Notér system-ID og autorisationsheader efter at have gemt. Headeren er en hemmelighed: den gives til den, der indtaster den i WorkZone, gennem den kanal, der er aftalt med kunden (authorization_handover), og til ngdpkits kørsler gennem CI's hemmelighedslager eller secrets-filen; aldrig i indstillingerne eller en mail.",
        "Kvitteringsformatet MEMO er ngdpkits forslag til WorkZone (udledt); portalen tilbyder også DP og DP2.",
    ),
}


def portal_registration(
    env: Environment,
    *,
    contact_points: list[dict[str, Any]] | None,
    plan: tuple[PlanEntry, ...] | None,
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
                "name": p.name,
                "targets": list(p.targets),
                "visible": p.visible,
                "translations": list(p.translations),
                "proposed": True,
            }
            for p in plan or ()
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
        "notes": list(PORTAL_NOTES["en"]),
    }


PORTAL_LABELS = {
    "da": {
        "name": "Systemnavn",
        "protocol": "Protokol",
        "allowed_ips": "IP-adresser",
        "receipt_endpoint": "Endepunkt for kvitteringer",
        "message_endpoint": "Endepunkt for meddelelser (MeMo)",
        "receipt_format": "Kvitteringsformat",
        "contact_points": "Kontaktpunkter",
    },
    "en": {
        "name": "System name",
        "protocol": "Protocol",
        "allowed_ips": "IP addresses",
        "receipt_endpoint": "Receipt endpoint",
        "message_endpoint": "Message endpoint (MeMo)",
        "receipt_format": "Receipt format",
        "contact_points": "Contact points",
    },
}


def portal_fields(portal: dict[str, Any], language: str) -> list[tuple[str, Any]]:
    """The portal's fields in its order, numbered the same way for PULL and PUSH."""
    labels = PORTAL_LABELS["da" if language == "da" else "en"]
    s = portal["system"]
    values: list[tuple[str, Any]] = [
        ("name", s["name"]),
        ("protocol", s["protocol"]),
        ("allowed_ips", ", ".join(s["allowed_ips"])),
    ]
    if s.get("endpoints"):
        values += [
            ("receipt_endpoint", s["endpoints"]["receipt_endpoint"]),
            ("message_endpoint", s["endpoints"]["message_endpoint"]),
        ]
    values += [
        ("receipt_format", s["receipt_format"]),
        ("contact_points", len(portal.get("contact_points") or [])),
    ]
    return [(f"{i}. {labels[key]}", value) for i, (key, value) in enumerate(values, start=1)]


def mapped_translations(mapping: Any) -> dict[str, list[str]]:
    """Contact point GUID -> every postkasse (``id`` or ``id:emne``) this run maps to it, from
    whatever source, with the IDs exactly as the export writes them, each once."""
    if mapping is None or not len(mapping):
        return {}
    chosen = mapping.loc[
        (mapping["status"] == "mapped") & (mapping["ngdp_guid"] != ""),
        ["ngdp_guid", "mailbox_id", "subject_id"],
    ].astype(str)
    out: dict[str, dict[str, None]] = {}
    for guid, mid, sid in zip(
        chosen["ngdp_guid"].tolist(),
        chosen["mailbox_id"].tolist(),
        chosen["subject_id"].tolist(),
        strict=True,
    ):
        out.setdefault(guid, {})[f"{mid}:{sid}" if sid else mid] = None
    return {guid: list(entries) for guid, entries in out.items()}


def mapped_keys(mapping: Any) -> set[tuple[int, int | None]]:
    """(postkasse, emne) of every mapped row as integers, as NgDP stores translations."""
    import pandas as pd

    if mapping is None or not len(mapping):
        return set()
    chosen = mapping.loc[mapping["status"] == "mapped", ["mailbox_id", "subject_id"]]
    mid = pd.to_numeric(chosen["mailbox_id"], errors="coerce")
    sid = pd.to_numeric(chosen["subject_id"].replace("", None), errors="coerce")
    return {
        (int(m), None if s != s else int(s))
        for m, s in zip(mid.tolist(), sid.tolist(), strict=True)
        if m == m
    }
