"""``firewall-rules.csv`` and its page: one rule per row, as change-request systems take
them (contract §7, §12.4), from the destinations :mod:`ngdpkit.checks.network` names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass
from functools import partial
from typing import Any

from ..checks.network import EGRESS_LOOKUP, NGDP, destinations
from ..checks.system import server_name_ok, usable_egress, usable_internal_ip, usable_push_url
from ..settings import Environment

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


@dataclass(frozen=True, slots=True)
class FirewallRule:
    """One row of the firewall order as step 04 stores it (``results.firewall``); its
    fields are :data:`FIREWALL_COLUMNS`, in that order."""

    source: str
    source_server: str
    source_ip: str
    destination_host: str
    ip: str
    port: int
    protocol: str
    direction: str
    purpose: str
    environment: str
    basis: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> FirewallRule:
        """A row of :func:`firewall_rules` as the typed record."""
        from ..inputs.typed import structure

        return structure(row, cls)

    def cells(self) -> tuple[Any, ...]:
        """The values in the order of :data:`FIREWALL_COLUMNS`."""
        return astuple(self)


# The page and the workbook speak the document's language; the CSV keeps these English names.
FIREWALL_HEADERS = {
    "da": {
        "source": "Kilde",
        "source_server": "Kildeserver",
        "source_ip": "Kilde-IP (intern; servernavn, hvis den ikke er angivet)",
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
        "source_ip": "Source IP (internal; the server's name where none is given)",
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
        "not published": "ikke offentliggjort af NgDP: reglen skal tillade enhver kilde (hele internettet)",
        "ngdp": "NgDP's API (REST_PULL og REST_PUSH)",
        "digitaliser": "digitaliser.dk, krævet af leverandørens vejledning",
        "validation": "certifikatvalidering (OCSP, spærrelister og CA-certifikater) for TLS-certifikaterne på digitaliser.dk og digitalpost.dk",
        "oces3": "OCES3-certifikatstatus (OCSP /ocsp, CRL'er under /oces/)",
        "push": "NgDP leverer meddelelser og kvitteringer til WorkZone Push Service. En load balancer, WAF eller reverse proxy foran den skal sende TLS-forbindelsen uåbnet videre (eller selv kræve NgDP's klientcertifikat), for kun kravet om NgDP's klientcertifikat i Push Service holder andre afsendere ude",
        "egress": "valgfrit: server-check.ps1 slår serverens udgående IP-adresse op (kun med -EgressIpUrl)",
        "nat": "udgående adresse efter NAT: registreres i Administrativ Adgang (ikke en kilde i den indre firewall)",
        "no inspection": "ingen TLS-inspektion mod NgDP: gensidig TLS fejler, hvis en proxy bryder forbindelsen op",
        "dns": "serverne skal kunne slå de offentlige navne i denne ordre op (NgDP, digitaliser.dk, certifikatudstedernes adresser) hos organisationens egne navneservere. En firewall, der kun tager IP-adresser, skal have navnene som objekter (FQDN)",
        "(the organisation's DNS servers)": "(organisationens egne navneservere)",
        "egress address (NAT)": "udgående adresse (NAT)",
        "(note, not a rule)": "(bemærkning, ikke en regel)",
        "(portal only: not a rule)": "(kun til portalen: ikke en regel)",
        "(each server's internal address)": "(hver servers interne adresse)",
    },
    "en": {
        "internal": "internal address",
        "public egress": "public egress address (NAT)",
        "not published": "not published by NgDP: the rule must allow any source (the whole Internet)",
        "ngdp": "NgDP API (REST_PULL and REST_PUSH)",
        "digitaliser": "digitaliser.dk, required by the vendor page",
        "validation": "certificate validation (OCSP, revocation lists and CA certificates) for the digitaliser.dk and digitalpost.dk TLS certificates",
        "oces3": "OCES3 certificate status (OCSP /ocsp, CRLs under /oces/)",
        "push": "NgDP delivers messages and receipts to the WorkZone Push Service. A load balancer, WAF or reverse proxy in front of it must pass the TLS connection through unopened (or demand NgDP's client certificate itself), since only the Push Service's demand for NgDP's client certificate keeps other senders out",
        "egress": "optional: server-check.ps1 looks up the server's egress IP (only with -EgressIpUrl)",
        "nat": "egress address after NAT: registered in Administrativ Adgang (not a source on the inside firewall)",
        "no inspection": "no TLS inspection towards NgDP: mutual TLS breaks when a proxy opens the connection",
        "dns": "the servers must resolve the public names of this order (NgDP, digitaliser.dk, the certificate issuers' hosts) at the organisation's own DNS servers. A firewall that takes only IP addresses needs the names as FQDN objects",
    },
}


def firewall_word(language: str, value: Any) -> Any:
    """A firewall cell in the document's language (the CSV keeps the English words)."""
    if not isinstance(value, str):
        return value
    if language == "da" and value.startswith(PUBLIC_ADDRESS_OF) and value.endswith(")"):
        return f"(offentlig adresse for {value[len(PUBLIC_ADDRESS_OF) : -1]})"
    return FIREWALL_WORDS.get(language, {}).get(value, value)


NOT_A_RULE = "(note, not a rule)"  # the source of the rows that ask for no TLS inspection
# What stands in an address cell that holds no address, so that a change-request system
# importing the CSV fails on the row: an empty cell is read as "any" by many (a Windows
# administrator's cold read: the note rows had no source address, the NAT rows no
# destination, and with no servers the rules themselves had no source)
PORTAL_ONLY = "(portal only: not a rule)"
SERVERS_ADDRESSES = "(each server's internal address)"
PUBLIC_ADDRESS_OF = "(public address of "  # the push rule's destination, when no IP is given
# The DNS note's destination: the servers resolve the order's host names through the
# organisation's own resolvers, whose addresses the kit does not know (an operations read:
# every row but NgDP's said "(resolve by DNS)" and nothing in the CSV or the workbook said
# that the servers must be able to)
DNS_SERVERS = "(the organisation's DNS servers)"


def firewall_rules(env: Environment) -> list[dict[str, Any]]:
    """Rows of ``firewall-rules.csv``: one rule per row, as change-request systems take them
    (contract §12.4).

    One row per server, destination address and port, the source being the server's
    internal address when ``servers[].internal_ip`` gives it, else its name (an outbound rule
    on the inside firewall sees the server, never the post-NAT address). The egress (NAT)
    addresses are listed once each, for the portal, and one row asks for no TLS inspection
    towards NgDP.
    """
    # a value the run refuses (SERVER_NAME_INVALID, IP_INVALID) never becomes a rule: a
    # server with no usable name is left out, one with no usable internal_ip is named
    named = [s for s in env.servers or () if server_name_ok(s.name)]
    servers = [(s.name.strip(), usable_internal_ip(s) or s.name.strip()) for s in named]
    if not servers:
        servers = [("WorkZone web and agent servers", SERVERS_ADDRESSES)]
    rows = _outgoing_rows(env, servers) + _ngdp_rows(env, servers)
    # a push_base_url the run refuses (a private address, a port out of range) is no rule
    if (
        env.protocol == "REST_PUSH"
        and env.push_base_url
        and usable_push_url(env.push_base_url, env.protocol)
    ):
        from urllib.parse import urlsplit

        parts = urlsplit(env.push_base_url)
        host = parts.hostname or env.push_base_url
        push_servers = [s for s in named if "push" in s.role.lower()]
        target = ", ".join(s.name.strip() for s in push_servers) or "WorkZone Push Service"
        address = next((ip for s in push_servers if (ip := usable_internal_ip(s))), "")
        rows.append(
            {
                "source": "NgDP",
                "source_server": "",
                "source_ip": "not published",
                "destination_host": f"{host} ({target})",
                "ip": address or f"{PUBLIC_ADDRESS_OF}{host})",
                "port": parts.port or 443,
                "protocol": "TCP (HTTPS)",
                "direction": "incoming",
                "purpose": "push",
                "environment": env.name,
                "basis": "inferred",
            }
        )
    return rows


def _row(env: Environment, **cells: Any) -> dict[str, Any]:
    return {"environment": env.name, **cells}


def _outgoing_rows(env: Environment, servers: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Every server to every destination it must reach, one address and port per row."""
    rows: list[dict[str, Any]] = []
    row = partial(_row, env)
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
    return rows


def _ngdp_rows(env: Environment, servers: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """No TLS inspection towards NgDP, the egress (NAT) addresses once each for the portal,
    and the optional egress lookup per server."""
    rows: list[dict[str, Any]] = []
    row = partial(_row, env)
    ngdp = NGDP[env.kind]
    for ip in ngdp["ips"]:
        rows.append(
            row(
                # not a rule: a change-request system importing "any" would open NgDP to
                # every source (the Windows administrator's cold review); a row that is no
                # address fails an import instead
                source=NOT_A_RULE,
                source_server="",
                source_ip=NOT_A_RULE,
                destination_host=ngdp["host"],
                ip=ip,
                port=443,
                protocol="TCP (HTTPS)",
                direction="outgoing",
                purpose="no inspection",
                basis="inferred",
            )
        )
    # a note, once: names resolved, through the organisation's resolvers (not a rule to the
    # Internet, so no source either)
    rows.append(
        row(
            source=NOT_A_RULE,
            source_server="",
            source_ip=NOT_A_RULE,
            destination_host=DNS_SERVERS,
            ip=DNS_SERVERS,
            port=53,
            protocol="UDP/TCP (DNS)",
            direction="outgoing",
            purpose="dns",
            basis="inferred",
        )
    )
    # listed once each, for the portal, never a source above; a value the run refuses
    # (0.0.0.0/0, a private range, no address) is left out (the attacker's pass)
    for egress in usable_egress(env.server_ips):
        rows.append(
            row(
                source="egress address (NAT)",
                source_server="",
                source_ip=egress,
                # no host either: a tool that builds a rule from the host name (an FQDN
                # object) took "egress → api.digitalpost.dk" for one (an operations read)
                destination_host=PORTAL_ONLY,
                ip=PORTAL_ONLY,
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
    return rows


def firewall_table(
    rows: Iterable[FirewallRule], language: str
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the firewall order in the document's language (page, workbook)."""
    headers = [FIREWALL_HEADERS[language][c] for c in FIREWALL_COLUMNS]
    return headers, [[firewall_word(language, v) for v in r.cells()] for r in rows]


def firewall_csv_rows(rows: Iterable[FirewallRule]) -> list[list[Any]]:
    """The machine copy: English words, the purpose spelled out."""
    return [[firewall_word("en", v) for v in r.cells()] for r in rows]
