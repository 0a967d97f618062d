"""The organisation and its sender/receiver system (contract §5, settings and system codes).

IP rules use explicit network tables, not ``ipaddress.is_private``/``is_global``,
whose answers changed between Python patch releases (``docs/domain.md``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import findings as F
from ..findings import Finding
from ..guids import UUID as _UUID
from ..redact import CPR_DATE_GAP, CPR_LAST_FOUR, parse_authorization
from ..redact import authorization_parts as authorization_parts  # re-exported
from .evidence import server_key

WORKZONE_PROTOCOLS = ("REST_PULL", "REST_PUSH")
OTHER_NGDP_PROTOCOLS = ("AS4", "REST_PUBLISH_SUBSCRIBE", "SMTP", "SFTP")
MAX_RANGE = 32

# Every IANA special-purpose range (IPv4 and IPv6 registries) that is not a public egress
# address; the documentation ranges stay apart (IP_DOCUMENTATION_RANGE, a warning).
NOT_PUBLIC_NAMES = {
    "0.0.0.0/8": "'this network'",
    "10.0.0.0/8": "private",
    "100.64.0.0/10": "carrier-grade NAT (CGNAT)",
    "127.0.0.0/8": "loopback",
    "169.254.0.0/16": "link-local",
    "172.16.0.0/12": "private",
    "192.0.0.0/24": "IETF protocol assignment",
    "192.31.196.0/24": "AS112 (IPv4)",
    "192.52.193.0/24": "AMT",
    "192.88.99.0/24": "6to4 relay anycast",
    "192.168.0.0/16": "private",
    "192.175.48.0/24": "AS112 direct delegation",
    "198.18.0.0/15": "benchmarking",
    "224.0.0.0/4": "multicast",
    "240.0.0.0/4": "reserved",
    "::/128": "unspecified",
    "::1/128": "loopback",
    "::/96": "IPv4-compatible (deprecated)",
    "::ffff:0:0/96": "IPv4-mapped",
    "64:ff9b::/96": "NAT64",
    "64:ff9b:1::/48": "local-use NAT64",
    "100::/64": "discard-only",
    "100:0:0:1::/64": "dummy IPv6 prefix",
    "2001::/23": "IETF protocol assignment (Teredo among them)",
    "2002::/16": "6to4",
    "2620:4f:8000::/48": "AS112 direct delegation (IPv6)",
    "5f00::/16": "SRv6 segment identifier",
    "fc00::/7": "private (unique local)",
    "fe80::/10": "link-local",
    "fec0::/10": "site-local (deprecated)",
    "ff00::/8": "multicast",
}
NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in NOT_PUBLIC_NAMES)
DOCUMENTATION = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
)
_DNS_NAME = re.compile(
    r"^(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?\Z"
)


def host_problem(host: str) -> str:
    """Why ``host`` cannot be a public address NgDP calls, or "" when it can: a DNS name
    (letters, digits, hyphens; its last label not numeric) or a public IP in canonical form.
    ``127.1``, ``0177.0.0.1`` and ``0x7f.1`` are loopback to many resolvers: refused."""
    text = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        if str(ip) != text.strip("[]"):
            return "its host is an IP address not in canonical form"
        bad = next((n for n in NOT_PUBLIC if ip.version == n.version and ip in n), None)
        if bad is not None:
            return f"its host is a {NOT_PUBLIC_NAMES[str(bad)]} address, not a public one"
        return ""
    if text in ("localhost", "localhost.localdomain") or text.endswith(".localhost"):
        return "localhost is not reachable from NgDP"
    if not _DNS_NAME.match(text):
        return "its host is neither a public DNS name nor an IP address in canonical form"
    return ""


def cvr_valid(cvr: str) -> bool:
    """8 digits whose weighted sum (2,7,6,5,4,3,2,1) is divisible by 11."""
    if not re.fullmatch(r"[0-9]{8}", cvr):
        return False
    return sum(int(d) * w for d, w in zip(cvr, (2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0


# A CPR number typed where a CVR number belongs: 10 digits, or 6 and 4 with a dash between,
# the 6 in pairs set apart by a space, a dot or a dash too ("01 01 70 1299", "01-01-70-1299",
# "01.01.70.1299"), in full-width digits and dashes too (:func:`redact.ascii_form`)
# (``redact.CPR`` also reads a day and a month in it; this reads the shape alone)
_CPR_SHAPE = re.compile(
    rf"[0-9]{{2}}{CPR_DATE_GAP}[0-9]{{2}}{CPR_DATE_GAP}[0-9]{{2}}" + CPR_LAST_FOUR
)


def cpr_shaped(text: str) -> bool:
    """Whether ``text``, given as a CVR number, could be a CPR number: personal data, which
    the kit then never repeats (on the console, a page or a log)."""
    from ..redact import ascii_form, holds_cpr

    # full-width digits and dashes read as ASCII ones ("０１０１７０－１２９９" was quoted)
    return bool(_CPR_SHAPE.fullmatch(ascii_form(text).strip())) or holds_cpr(text)


def shown_cvr(cvr: str) -> str:
    """``cvr`` as a page, a notebook's header or a workbook's About sheet names the
    organisation by it: a CPR number typed as the CVR (:func:`cpr_shaped`) is not repeated
    there (CVR_INVALID says what is wrong; every sign-off page's header showed the number)."""
    from ..redact import HIDDEN_CPR

    return HIDDEN_CPR if cpr_shaped(cvr) else cvr


def check_cvr(cvr: str) -> list[Finding]:
    if cvr_valid(cvr):
        return []
    if cpr_shaped(cvr):  # a CPR number typed into the CVR: said so, never shown on a page
        return [
            F.error(
                "CVR_INVALID",
                "organisation.cvr has the shape of a CPR number (10 digits), not of a CVR number (8 digits passing the modulus-11 check); a CPR number is personal data, so it is not repeated here. Correct organisation.cvr in the settings to the organisation's 8-digit CVR number.",
                "organisation.cvr",
            )
        ]
    return [
        F.error(
            "CVR_INVALID",
            "CVR {cvr!r} is not 8 digits passing the modulus-11 check: correct organisation.cvr in the settings to the organisation's 8-digit CVR number.",
            "organisation.cvr",
            cvr=cvr,
        )
    ]


NIL_GUID = "00000000-0000-0000-0000-000000000000"


def check_system_id(system_id: str | None, key: str) -> list[Finding]:
    if system_id and system_id.strip().lower().strip("{}") == NIL_GUID:
        # the settings reference's example, uncommented as it stood: no system has it, and
        # the dozen findings it leads to (every contact point "of another system") named
        # the key nowhere (a consultant's cold run of `init`)
        return [
            F.error(
                "SYSTEM_ID_INVALID",
                "System ID {system_id!r} is the all-zero example of the settings, not a system's ID: copy the ID Administrativ Adgang shows for the system.",
                key,
                system_id=system_id,
            )
        ]
    if system_id and not _UUID.match(system_id.strip().lower()):
        return [
            F.error(
                "SYSTEM_ID_INVALID",
                "System ID {system_id!r} is not a UUID as Administrativ Adgang shows it.",
                key,
                system_id=system_id,
            )
        ]
    return []


def check_protocol(protocol: str, key: str) -> list[Finding]:
    if protocol in WORKZONE_PROTOCOLS:
        return []
    extra = (
        " (an NgDP protocol that WorkZone does not use)"
        if protocol.upper() in OTHER_NGDP_PROTOCOLS
        else ""
    )
    return [
        F.error(
            "PROTOCOL_INVALID",
            "Protocol {protocol!r} is not REST_PULL or REST_PUSH{extra}; KMD says WorkZone supports REST_PULL, and REST_PUSH with more work.",
            key,
            protocol=protocol,
            extra=extra,
        )
    ]


@dataclass(frozen=True, slots=True)
class PushEndpoints:
    """The two endpoints NgDP pushes to (:func:`push_endpoints`), as step 04's system, the
    portal registration and the dispatcher configuration hold them."""

    receipt_endpoint: str
    message_endpoint: str

    @classmethod
    def of(cls, base_url: str, system_id: str) -> PushEndpoints:
        return cls(**push_endpoints(base_url, system_id))


def push_endpoints(base_url: str, system_id: str) -> dict[str, str]:
    """The two endpoints the vendor page prescribes, from the push service's base address."""
    base = base_url.rstrip("/")
    return {
        "receipt_endpoint": f"{base}/api/MeMoV1/{system_id}/receipt",
        "message_endpoint": f"{base}/api/MeMoV1/memos/?system-uuid={system_id}",
    }


# what a push base URL's path may not hold: anything but unreserved characters, "/" and a
# %-escape (RFC 3986's sub-delimiters, quotes, spaces, "$" and the rest)
_PATH_REFUSED = re.compile(r"[^A-Za-z0-9._~/%-]|%(?![0-9A-Fa-f]{2})")


def check_push_url(url: str | None, *, protocol: str, key: str) -> list[Finding]:
    if protocol == "REST_PULL":
        if url:
            return [
                F.warning(
                    "PUSH_URL_UNUSED",
                    "push_base_url {url!r} is set but the protocol is REST_PULL, so NgDP never calls it.",
                    key,
                    url=url,
                )
            ]
        return []
    if protocol != "REST_PUSH":
        return []
    if not url:
        return [
            F.error(
                "PUSH_URL_MISSING",
                "REST_PUSH needs push_base_url, the public HTTPS base address of the WorkZone Push Service.",
                key,
            )
        ]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return [
            F.error(
                "PUSH_URL_INVALID",
                "push_base_url {url!r} is not a valid URL ({exc}).",
                key,
                url=url,
                exc=exc,
            )
        ]
    if parts.scheme.lower() != "https":
        return [
            F.error(
                "PUSH_URL_NOT_HTTPS",
                "push_base_url {url!r} must start with https://; NgDP only delivers over HTTPS.",
                key,
                url=url,
            )
        ]
    why = ""
    if not host:
        why = "it has no host name"
    elif parts.username or parts.password:
        why = "it holds a user name or password"
    elif parts.query or parts.fragment:
        why = "it holds a query or fragment; give the base address only"
    elif _PATH_REFUSED.search(parts.path) or re.search(r"[\x00-\x20\x7f]", url):
        # the raw value too: urlsplit drops a tab or line break before the path is seen
        # a Push Service's address never holds them, and the value goes into the portal,
        # the firewall order and the server check's PowerShell (a Windows administrator's
        # look: "/x'+$(calc)+'" passed, quoted safely there, but carried on everywhere)
        why = "its path holds characters a Push Service's address never has (quotes, spaces, $ and the like): letters, digits, . _ ~ - / and %-escapes only"
    else:
        why = host_problem(host)
    if why:
        return [
            F.error(
                "PUSH_URL_INVALID",
                "push_base_url {url!r} cannot be used: {why}.",
                key,
                url=url,
                why=why,
            )
        ]
    return []


def check_ips(values: tuple[str, ...] | list[str], key: str) -> list[Finding]:
    found: list[Finding] = []
    networks: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for value in values:
        text = value.strip()
        try:
            net = ipaddress.ip_network(text, strict=True)
        except ValueError:
            try:
                ipaddress.ip_network(text, strict=False)
                found.append(
                    F.error(
                        "IP_INVALID",
                        "{text!r} has host bits set; write the network address (e.g. {value}).",
                        key,
                        text=text,
                        value=ipaddress.ip_network(text, strict=False),
                    )
                )
            except ValueError:
                found.append(
                    F.error(
                        "IP_INVALID", "{text!r} is not an IP address or CIDR range.", key, text=text
                    )
                )
            continue
        if net.num_addresses > MAX_RANGE:
            found.append(
                F.error(
                    "IP_RANGE_TOO_LARGE",
                    "{text} covers {num_addresses} addresses; NgDP accepts at most {max_range} per entry.",
                    key,
                    text=text,
                    num_addresses=net.num_addresses,
                    max_range=MAX_RANGE,
                )
            )
        bad = next((n for n in NOT_PUBLIC if net.version == n.version and net.subnet_of(n)), None)  # type: ignore[arg-type]
        if bad is not None:
            what = NOT_PUBLIC_NAMES.get(str(bad), "reserved")
            found.append(
                F.error(
                    "IP_NOT_PUBLIC",
                    "{text} is a {what} address; NgDP sees the servers' public egress address (ask operations, or see myip.com on the server).",
                    key,
                    text=text,
                    what=what,
                )
            )
        elif any(net.version == d.version and net.subnet_of(d) for d in DOCUMENTATION):  # type: ignore[arg-type]
            found.append(
                F.warning(
                    "IP_DOCUMENTATION_RANGE",
                    "{text} is in a documentation range (RFC 5737/3849): fine for a sample, never a real server.",
                    key,
                    text=text,
                )
            )
        for other_text, other in networks:
            if other.version != net.version:
                continue
            if other == net:
                found.append(F.warning("IP_DUPLICATE", "{text} is listed twice.", key, text=text))
            elif other.overlaps(net):  # type: ignore[arg-type, unused-ignore]
                found.append(
                    F.warning(
                        "IP_OVERLAP",
                        "{text} overlaps {other_text}.",
                        key,
                        text=text,
                        other_text=other_text,
                    )
                )
        networks.append((text, net))
    return found


# A server as the settings name it (contract §12.4): a NetBIOS name or an FQDN, labels of
# letters, digits, hyphens (and the underscore Windows allows in a computer name).
_SERVER_NAME = re.compile(
    r"^(?=.{1,253}\Z)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z"
)
NETBIOS_LENGTH = 15  # what $env:COMPUTERNAME holds of a longer first label


def server_name_ok(name: str) -> bool:
    """Whether ``name`` is a computer (NetBIOS) or DNS name: not an IP address (Windows would
    call ``10.1.2.3`` ``10``), no space, no ``;``."""
    text = name.strip()
    if not _SERVER_NAME.match(text):
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return True
    return False


# the message for each way a server's address fails (None: it is one usable IPv4 address)
_ADDRESS_NOT_ONE = (
    "{server}'s {field} {text!r} must be one IPv4 address in canonical form (no range, no name)."
)
_ADDRESS_IPV6 = "{server}'s {field} {text!r} is IPv6: NgDP's addresses are IPv4, so no rule runs from it to them; give the server's IPv4 address."
_ADDRESS_SPECIAL = "{server}'s {field} {text!r} is not a host's address (unspecified, broadcast, multicast, loopback, link-local or reserved): a firewall may read it as any address or none."


def server_address_problem(text: str) -> str | None:
    """Why ``text`` (already stripped) cannot be a server's ``internal_ip`` or ``ip``, as one
    of the templates above; None when it is one IPv4 host address in canonical form."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return _ADDRESS_NOT_ONE
    if str(address) != text:
        return _ADDRESS_NOT_ONE
    if address.version != 4:
        return _ADDRESS_IPV6
    if (
        address.is_unspecified
        or address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address in ipaddress.ip_network("240.0.0.0/4")  # reserved, broadcast included
    ):
        return _ADDRESS_SPECIAL
    return None


def usable_internal_ip(server: Any) -> str:
    """The server's ``internal_ip`` as the firewall order may write it: stripped, and only
    when it passes :func:`server_address_problem` ("" otherwise: the run says why)."""
    text = str(server.internal_ip or "").strip()
    return text if text and server_address_problem(text) is None else ""


# Accounts that stand for everyone or every user: the install script would give each of them
# read access to the NgDP certificate's private key (the attacker's pass: "Everyone")
BROAD_ACCOUNTS = frozenset(
    {
        "EVERYONE",
        "ALLE",
        "USERS",
        "BUILTIN\\USERS",
        "AUTHENTICATED USERS",
        "NT AUTHORITY\\AUTHENTICATED USERS",
        "DOMAIN USERS",
        "INTERACTIVE",
        "NT AUTHORITY\\INTERACTIVE",
        "ANONYMOUS LOGON",
        "NT AUTHORITY\\ANONYMOUS LOGON",
        "LOCAL",  # S-1-2-0: every user logged on at the console
        "GUESTS",
        "BUILTIN\\GUESTS",
        # a Danish Windows names them so (the SID, below, is the same in every language)
        "BRUGERE",
        "BUILTIN\\BRUGERE",
        "GODKENDTE BRUGERE",
        "NT AUTHORITY\\GODKENDTE BRUGERE",
        "GÆSTER",
        "BUILTIN\\GÆSTER",
    }
)

# SIDs of every user, as an account may be given (``*S-1-1-0``, as secedit writes it): the
# install script judges each account by the SID it translates to, with this same list
BROAD_SIDS = re.compile(
    r"S-1-1-0|S-1-2-0|S-1-5-4|S-1-5-7|S-1-5-11|S-1-5-32-545|S-1-5-32-546"
    r"|S-1-5-21-[0-9]+-[0-9]+-[0-9]+-51[345]"
)


def account_too_broad(account: str) -> bool:
    """Whether ``account`` is a group of everyone or every user (``Everyone``,
    ``BUILTIN\\Users`` or ``.\\Users``, ``<DOMAIN>\\Domain Users``, ``Domain Guests`` or
    ``Domain Computers``, their Danish names, or one of their SIDs), case ignored."""
    text = " ".join(account.split()).upper()
    # ".\\Users" is the local machine's Users (".\\" names this computer); and every group of
    # the domain whose SID the install script refuses (513, 514, 515) by its name too: the run
    # passed "SOEBY\\Domain Computers", which the script then refused on the server
    return (
        text.removeprefix(".\\") in BROAD_ACCOUNTS
        or text.rpartition("\\")[2] in BROAD_IN_ANY_DOMAIN
        or BROAD_SIDS.fullmatch(text.removeprefix("*")) is not None
    )


# Groups of every user, every guest or every computer, whatever domain names them
BROAD_IN_ANY_DOMAIN = (
    "DOMAIN USERS",
    "DOMÆNEBRUGERE",
    "DOMAIN GUESTS",
    "DOMÆNEGÆSTER",
    "DOMAIN COMPUTERS",
    "DOMÆNECOMPUTERE",
    "EVERYONE",
    "AUTHENTICATED USERS",
    "GODKENDTE BRUGERE",
)


def check_accounts(accounts: list[tuple[str, str]], key: str) -> list[Finding]:
    """``SERVICE_ACCOUNT_TOO_BROAD`` (error) for each (where, account) that stands for every
    user: the key must be readable by the service accounts alone."""
    return [
        F.error(
            "SERVICE_ACCOUNT_TOO_BROAD",
            "service_account {account!r} ({where}) stands for every user: the install script would let all of them read the NgDP certificate's private key. Give the service account itself.",
            key,
            where,
            account=account,
            where=where,
        )
        for where, account in accounts
        if account and account_too_broad(account)
    ]


def usable_egress(values: tuple[str, ...] | list[str]) -> list[str]:
    """The ``server_ips`` that the firewall order may list: each one that passes
    :func:`check_ips` with no error, stripped."""
    return [v.strip() for v in values if not any(f.severity == "error" for f in check_ips([v], ""))]


def usable_push_url(url: str | None, protocol: str) -> bool:
    """Whether ``push_base_url`` passes its own check: a refused one never becomes a rule."""
    return bool(url) and not any(
        f.severity == "error" for f in check_push_url(url, protocol=protocol, key="")
    )


def check_servers(servers: tuple[Any, ...], key: str) -> list[Finding]:
    """Each server's name and addresses, before they go into PowerShell and the firewall
    order: a name that is not a computer name (``wz agent01; x``, an IP address), a first
    label longer than Windows keeps, and an ``internal_ip`` or ``ip`` that is not one IPv4
    host address (a ``10.0.0.0/8`` would open a whole network to NgDP, ``0.0.0.0`` is "any"
    to several firewalls; NgDP's addresses are IPv4). The firewall order leaves out what
    fails here (:func:`usable_internal_ip`, :func:`server_name_ok`)."""
    found: list[Finding] = []
    for server in servers:
        name = server.name.strip()
        if not server_name_ok(name):
            found.append(
                F.error(
                    "SERVER_NAME_INVALID",
                    "{name!r} is not a computer name (NetBIOS) or a DNS name: letters, digits and hyphens, labels separated by dots.",
                    key,
                    name,
                    name=name,
                )
            )
        first = name.split(".", 1)[0]
        if server_name_ok(name) and len(first) > NETBIOS_LENGTH:
            found.append(
                F.info(
                    "SERVER_NAME_NETBIOS",
                    "Windows calls {name} {short} (a computer name keeps {limit} characters); the scripts and their evidence use that name.",
                    key,
                    name,
                    name=name,
                    short=server_key(name),  # a secret in the name hidden, never cut
                    limit=NETBIOS_LENGTH,
                )
            )
        for field_name in ("internal_ip", "ip"):
            text = str(getattr(server, field_name, "") or "").strip()
            template = server_address_problem(text) if text else None
            if template is None:
                continue
            found.append(
                F.error(
                    "IP_INVALID",
                    template,
                    f"{key}.{field_name}",
                    name,
                    server=name,
                    field=field_name,
                    text=text,
                )
            )
    return found


def check_authorization(
    value: str | None, system_id: str | None, key: str
) -> tuple[str, list[Finding]]:
    """A display text that never shows the value, and the findings."""
    if value is None:
        return "missing", []
    parsed = parse_authorization(value)
    if parsed is None:
        return "present, not recognised", [
            F.warning(
                "AUTHORIZATION_UNRECOGNISED",
                "The authorization header is not 'Basic' followed by base64 of '<system id>:<token>'; check it was copied whole from Administrativ Adgang.",
                key,
            )
        ]
    user = parsed[0].strip().lower()
    if system_id and user != system_id.strip().lower():
        return "present, for another system", [
            F.error(
                "AUTHORIZATION_SYSTEM_MISMATCH",
                "The authorization header is for system {value}, not this environment's system {system_id} (inferred: its user part is the system ID).",
                key,
                value=parsed[0],
                system_id=system_id,
            )
        ]
    return "present, matches the system" if system_id else "present", []
