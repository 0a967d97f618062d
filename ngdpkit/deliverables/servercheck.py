"""Proof from the servers: the PowerShell scripts operations run, and the evidence they hand back.

NgDP allow-lists the registered IPs, so the checks that matter run on the
WorkZone web and agent servers. ``server-check.ps1`` (Windows PowerShell 5.1)
writes a JSON file; ``probe_evidence`` in the settings imports it as findings
attributed to the server and the time it was taken.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import findings as F
from ..checks.evidence import (
    CLOCK_SKEW,
    STALE_DAYS,
    EvidenceSummary,
    evidence_server,
    evidence_taken,
    not_counted,
    server_key,
)
from ..checks.network import NGDP, destinations
from ..errors import InputError
from ..findings import Finding
from ..redact import shortened, without_lone_surrogates
from ..settings import Environment
from .powershell import HOST, THUMBPRINT, array, fill, literal, template

EVIDENCE_SCHEMA = "ngdpkit/server-check/1"
KIND_CODES = {
    "dns": "NET_DNS_FAILED",
    "tcp": "NET_UNREACHABLE",
    "tls": "NET_TLS_INVALID",
    "https": "NET_HTTP_REFUSED",
    "certificate": "CERT_NO_PRIVATE_KEY",
    "key": "CERT_NO_PRIVATE_KEY",
    "key_access": "CERT_NO_PRIVATE_KEY",
    "as_account": "CERT_NO_PRIVATE_KEY",  # the key used as the service account failed
    "chain": "CERT_CHAIN_INVALID",
}
# An evidence file is a few kilobytes (one server's checks); anything larger is not one, and
# is refused before it is read (an attacker's look: a check's 50 MB detail made a run of
# 80 s and 1.2 GB, and a 3 GB sparse file a MemoryError). Every text in it is cut too.
MAX_EVIDENCE_BYTES = 1024 * 1024
MAX_EVIDENCE_TEXT = 2000


def _accounts_code(env: Environment) -> tuple[str, str]:
    """``@{ 'WZ-WEB01' = @('…') }`` (keys as ``$env:COMPUTERNAME`` spells them) and the
    environment's own accounts."""
    # Every configured server, keyed as $env:COMPUTERNAME spells it (its first label,
    # upper-case, §12.4), with its own accounts or the environment's: a server that is not in
    # the table gets none. Two servers with one key would be a duplicate key, which
    # PowerShell refuses when it parses the file: then no table at all (the script refuses).
    if ambiguous_servers(env):
        return "@{}", array([])
    pairs = [
        f"{literal(server_key(s.name))} = {array(s.accounts(env.service_account))}"
        for s in env.servers
        if s.accounts(env.service_account)
    ]
    by_server = "@{ " + "; ".join(pairs) + " }" if pairs else "@{}"
    return by_server, array([env.service_account] if env.service_account else [])


def _common(env: Environment, thumbprint: str | None) -> tuple[dict[str, str], list[str]]:
    """The values both scripts embed, as PowerShell code, and the refusals for bad ones."""
    from ..checks.system import account_too_broad, server_name_ok

    refusals: list[str] = []
    thumb = thumbprint or ""
    if thumb and not THUMBPRINT.match(thumb):
        refusals.append("the certificate thumbprint is not hexadecimal")
        thumb = ""
    by_server, default = _accounts_code(env)
    refusals += [
        f"servers {f.params.get('values')} share the Windows name {f.params.get('name')}"
        for f in ambiguous_servers(env)
    ]
    # a value the run refuses is never used (the attacker's pass: "wz;calc" as a key, and
    # "Everyone" given read access to the private key)
    refusals += [
        f"server name {s.name.strip()!r} is not a computer or DNS name (SERVER_NAME_INVALID)"
        for s in env.servers
        if not server_name_ok(s.name)
    ]
    refusals += [
        f"service_account {account!r} stands for every user (SERVICE_ACCOUNT_TOO_BROAD)"
        for account in dict.fromkeys(
            [s.service_account for s in env.servers] + [env.service_account]
        )
        if account and account_too_broad(account)
    ]
    return (
        {
            "__KIND__": env.kind if env.kind in ("test", "production") else "test",
            "__ENVIRONMENT__": literal(env.name),
            "__THUMBPRINT__": literal(thumb),
            "__ACCOUNTS_BY_SERVER__": by_server,
            "__DEFAULT_ACCOUNTS__": default,
            "__KEY_FUNCTIONS__": template("ngdp-key.ps1").strip(),
        },
        refusals,
    )


def server_check_script(env: Environment, *, thumbprint: str | None) -> str:
    """The PowerShell 5.1 script for operations, filled in for ``env`` (values as literals)."""
    code, refusals = _common(env, thumbprint)
    hosts = [d for d in destinations(env) if HOST.match(d.host)]
    refusals += [
        f"destination host {d.host!r} is not a DNS name"
        for d in destinations(env)
        if d not in hosts
    ]
    rows = ",\n".join(f"    @{{ Host = {literal(d.host)}; Port = {int(d.port)} }}" for d in hosts)
    code.update(
        {
            "__DESTINATIONS__": rows,
            "__API_URL__": literal(NGDP[env.kind]["api"]),
            "__API_HOST__": literal(NGDP[env.kind]["host"]),
            "__NGDP_IPS__": array(NGDP[env.kind]["ips"]),
            "__PUSH_URL__": literal(_push_url(env)),
            "__SERVER_KEYS__": _server_keys(env),
            "__HANDLING__": handling_note("server-check.ps1"),
        }
    )
    return fill("server-check.ps1", code, refusals=refusals)


def _server_keys(env: Environment) -> str:
    """``@('WZ-WEB01', …)``: the environment's servers as ``$env:COMPUTERNAME`` spells them, so
    that the server check says when it runs on a server the settings do not list (``@()``
    when they list none). Each is a literal; a refused name makes the script refuse anyway."""
    return array([server_key(s.name) for s in env.servers])


def install_certificate_script(
    env: Environment,
    *,
    thumbprint: str | None,
    issuing_ca: bytes | None = None,
    root_ca: bytes | None = None,
) -> str:
    """The PowerShell script that installs the certificate, its issuing CA and the key's access.

    Day one (no thumbprint or no service account yet): the script is still written, but it
    stops at its top saying what is missing, so it never imports half-way.
    """
    import base64

    from ..checks.trust import bundled_root_ders

    code, refusals = _common(env, thumbprint)
    if not thumbprint:
        refusals.append(
            "the certificate's thumbprint is not known yet: add the certificate to the settings "
            "(or make it readable) and run ngdpkit again"
        )
    missing = [s.name for s in env.servers if not s.accounts(env.service_account)]
    if not env.servers and not env.service_account:
        missing = ["the environment"]
    if missing:
        refusals.append(
            "no service account is known for "
            + ", ".join(missing)
            + ": set service_account (per server or for the environment)"
        )
    servers = [f"{s.name} ({s.role or 'server'})" for s in env.servers] or [
        "every WorkZone web and agent server"
    ]
    code.update(
        {
            "__SERVER_LIST__": array(servers),
            "__ISSUING_CA__": literal(base64.b64encode(issuing_ca).decode() if issuing_ca else ""),
            "__ISSUING_THUMBPRINT__": literal(_sha1(issuing_ca)),
            "__ROOT_CA__": literal(base64.b64encode(root_ca).decode() if root_ca else ""),
            "__ROOT_THUMBPRINT__": literal(_sha1(root_ca)),
            "__ROOT_IS_BUNDLED__": "$true" if root_ca in bundled_root_ders() else "$false",
            "__HANDLING__": handling_note("install-certificate.ps1"),
        }
    )
    return fill("install-certificate.ps1", code, refusals=refusals)


def handling_note(script: str) -> str:
    """The part of a script's header both scripts share, for ``script``: compare its
    SHA-256 before running it, then sign it where Group Policy asks, and how to run it on
    many servers (``templates/script-handling.txt``, one text for both)."""
    return template("script-handling.txt").replace("__SCRIPT__", script).rstrip("\n")


def _push_url(env: Environment) -> str:
    """REST_PUSH: the receipt endpoint the server calls without a client certificate, to see
    that its binding asks for one ("" for REST_PULL, or while the values are not known)."""
    from ..checks.system import check_push_url, push_endpoints

    if env.protocol != "REST_PUSH" or not env.push_base_url or not env.system_id:
        return ""
    if any(
        f.severity == "error"
        for f in check_push_url(env.push_base_url, protocol=env.protocol, key="")
    ):
        return ""  # a value that failed its own check is never embedded
    return push_endpoints(env.push_base_url, env.system_id)["receipt_endpoint"]


def _sha1(der: bytes | None) -> str:
    """A certificate's thumbprint as Windows shows it (SHA-1 of the DER, upper-case hex)."""
    import hashlib

    return hashlib.sha1(der).hexdigest().upper() if der else ""  # noqa: S324  (a thumbprint)


_EVIDENCE_TYPES: dict[str, tuple[type, ...]] = {
    "server": (str,),
    "taken_at": (str,),
    "environment": (str, type(None)),
    "egress_ip": (str, type(None)),
    "checks": (list, dict, type(None)),
}
_CHECK_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "target": (str, type(None)),
    "detail": (str, type(None)),
    "ok": (bool,),
    "status": (int, type(None)),
}


def evidence_shape_problems(data: dict[str, Any]) -> list[str]:
    """Fields of the wrong type, one line each: the file is refused (exit 2), never half-read."""
    problems = []
    for key, types in _EVIDENCE_TYPES.items():
        if key in data and not isinstance(data[key], types):
            problems.append(
                f"'{key}' is {type(data[key]).__name__} ({shortened(str(data[key]), 40)!r})"
            )
    checks = data.get("checks")
    items = [checks] if isinstance(checks, dict) else checks if isinstance(checks, list) else []
    for i, check in enumerate(items):
        if not isinstance(check, dict):
            problems.append(f"checks[{i}] is {type(check).__name__}, not an object")
            continue
        for key, types in _CHECK_TYPES.items():
            if key in check and not isinstance(check[key], types):
                problems.append(
                    f"checks[{i}].{key} is {type(check[key]).__name__} ({shortened(str(check[key]), 40)!r})"
                )
    return problems


def _cleaned(value: Any) -> Any:
    """Every text of an evidence file as a workbook cell's: no control characters. A file
    handed in from a server is an input like any other (an attacker's pass: a check's detail
    carried ESC, BEL and NUL into runbook.html and the runbook workbook's first sheet)."""
    from ..inputs.workbooks import clean_text

    if isinstance(value, str):
        return clean_text(value[: MAX_EVIDENCE_TEXT * 2])[:MAX_EVIDENCE_TEXT]
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    return value


def evidence_text(raw: bytes, label: str) -> str:
    """An evidence file's bytes as text, however Windows PowerShell 5.1 saved it: the scripts
    write UTF-8, but a file saved again with ``Out-File`` is UTF-16 with its BOM, and one saved
    with ``Set-Content`` is Windows-1252 (a consultant's pass: both were "not a server-check
    JSON file ('utf-8' codec can't decode byte 0xff…)")."""
    for bom, encoding in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32")):
        if raw.startswith(bom):  # Out-File -Encoding UTF32
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(f"{label}: not readable UTF-32 text (save it as UTF-8)") from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{label}: not readable UTF-16 text (save it as UTF-8)") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(
            f"{label}: neither UTF-8, UTF-16 nor Windows-1252 text (save it as UTF-8)"
        ) from None


# The checks server-check.ps1 marks "note", never FAIL ($judgedByRun): the run judges them
# (NET_AUTH_NOT_TESTED, NET_ACCOUNT_NOT_TESTED, the proxy, a push endpoint not reached, an
# egress lookup that failed). They are no failed check of the server's access: an operations
# engineer's look found a check run without -AskAuthorization ("All 29 checks passed") kept
# step 3 from ever being done.
NOTES = (
    "auth_not_tested",
    "as_account_not_run",
    "proxy",
    "session_proxy",
    "push_not_judged",
    "egress_lookup",
)


def evidence_bytes(path: Path, label: str) -> bytes:
    """An evidence file's bytes, at most :data:`MAX_EVIDENCE_BYTES`: a regular file (a FIFO
    or a device, such as ``/dev/zero``, never waited on or read), its size judged before a
    byte is read and again by what was read (a file that grows meanwhile)."""
    bound = f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"
    too_large = f"{label}: larger than {bound}, the most an evidence file may be (server-check.ps1 and install-certificate.ps1 write a few kilobytes)"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise InputError(f"{label}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc})") from exc
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{label}: is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{label}: not a regular file (a FIFO, a device or a socket)")
        if st.st_size > MAX_EVIDENCE_BYTES:
            raise InputError(too_large)
        chunks, size = [], 0
        while size <= MAX_EVIDENCE_BYTES:
            chunk = os.read(fd, MAX_EVIDENCE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    if size > MAX_EVIDENCE_BYTES:
        raise InputError(too_large)
    return b"".join(chunks)


def read_evidence(
    path: Path, *, label: str, environment: str, registered_ips: tuple[str, ...]
) -> tuple[dict[str, Any], list[Finding]]:
    """Findings from one server's evidence file, each naming the server and the time."""
    # Kept whole: one evidence file read the way server-check.ps1 writes it, top to bottom;
    # every finding names the same server and time, and each block is a few lines.
    import ipaddress

    raw = evidence_bytes(path, label)
    try:
        data = _cleaned(without_lone_surrogates(json.loads(evidence_text(raw, label))))
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: not a server-check JSON file ({exc})") from exc
    except RecursionError as exc:
        raise InputError(f"{label}: not a server-check JSON file (nested too deeply)") from exc
    if isinstance(data, dict) and data.get("kind") == "install":
        return _install_evidence(data, label, environment)
    if not isinstance(data, dict) or data.get("schema") != EVIDENCE_SCHEMA:
        raise InputError(
            f"{label}: not written by server-check.ps1 (schema {data.get('schema') if isinstance(data, dict) else None!r})"
        )
    shape = evidence_shape_problems(data)
    if shape:
        raise InputError(f"{label}: not a valid server-check file: {shape[0]}")
    server = shortened(str(data.get("server", "?")), 255)
    taken = shortened(str(data.get("taken_at", "?")), 64)
    found = _other_environment(data, label, server, taken, environment)
    checks = data.get("checks") or []
    if isinstance(checks, dict):  # PowerShell 5.1 writes a one-element array as an object
        checks = [checks]
    for check in checks:
        if isinstance(check, dict) and check.get("kind") in (
            "tls_issuer",
            "proxy",
            "session_proxy",
            "push_client_cert",
            "push_cert_untrusted",
            "push_handshake_refused",
            "as_account_not_run",
        ):
            found += _seen_on_the_way(check, label, server, taken)
            continue
        if isinstance(check, dict) and check.get("kind") == "egress_lookup":
            found.append(_egress_not_looked_up(check, label, server, taken))
            continue
        if not isinstance(check, dict) or check.get("ok") is True:
            continue
        kind = shortened(str(check.get("kind", "")), 40)
        if kind == "auth_not_tested":
            found.append(
                F.info(
                    "NET_AUTH_NOT_TESTED",
                    "On {server} at {taken}: NgDP accepted the connection and the certificate but answered 401: the script ran without the authorization header, so the header was not tested.",
                    label,
                    server,
                    server=server,
                    taken=taken,
                )
            )
            continue
        code = KIND_CODES.get(kind, "NET_UNREACHABLE")
        target = shortened(str(check.get("target") or ""), 300)
        detail = shortened(str(check.get("detail") or ""), 300)
        status = check.get("status")
        if kind == "https" and status in (401, 403):
            msg = "On {server} at {taken}: reached NgDP ({target}) but it answered {status}: the system, the certificate or the server's IP is not accepted."
        elif kind == "https":
            msg = "On {server} at {taken}: the NgDP API call to {target} failed ({detail})."
        elif kind in ("key", "certificate", "key_access", "chain", "as_account"):
            msg = "On {server} at {taken}: {what} check failed for {target}: {detail}."
        else:
            msg = "On {server} at {taken}: {what} check of {target} failed: {detail}."
        what = (
            kind.replace("_", " ")
            if kind in ("key", "certificate", "key_access", "chain", "as_account")
            else kind.upper()
        )
        found.append(
            F.error(
                code,
                msg,
                label,
                server,
                server=server,
                taken=taken,
                target=target,
                status=status,
                detail=detail,
                what=what,
            )
        )
    egress = data.get("egress_ip")
    if egress:
        try:
            ip = ipaddress.ip_address(egress)
            if not any(ip in ipaddress.ip_network(n, strict=False) for n in registered_ips):
                found.append(
                    F.error(
                        "NET_EGRESS_IP_UNREGISTERED",
                        "On {server} at {taken}: the server's egress IP {egress} is not among server_ips ({values}); NgDP will refuse it.",
                        label,
                        server,
                        server=server,
                        taken=taken,
                        egress=egress,
                        values=", ".join(registered_ips),
                    )
                )
        except ValueError:  # a proxy's page where the address should be, or a typo
            found.append(
                F.warning(
                    "NET_EGRESS_IP_UNREGISTERED",
                    "On {server} at {taken}: the egress IP the server reported ({egress}) is not an IP address (a proxy's page, or a mistyped -EgressIp), so it was not held against server_ips.",
                    label,
                    server,
                    server=server,
                    taken=taken,
                    egress=shortened(str(egress), 60),
                )
            )
    summary = {
        "kind": "server-check",
        "server": server,
        "taken_at": taken,
        "egress_ip": shortened(str(egress), 60) if egress else egress,
        "checks": len(checks),
        "failed": sum(
            1
            for c in checks
            if isinstance(c, dict) and c.get("ok") is not True and c.get("kind") not in NOTES
        ),
        "file": label,
        "environment": _environment_of(data),
    }
    return summary, found


def _environment_of(data: dict[str, Any]) -> str | None:
    """The environment an evidence file says it was taken for (None: it does not say)."""
    said = data.get("environment")
    return None if said is None else shortened(str(said), 60)


def _other_environment(
    data: dict[str, Any], label: str, server: str, taken: str, environment: str
) -> list[Finding]:
    """``PROBE_EVIDENCE_OTHER_ENVIRONMENT``: a server's evidence written for another
    environment than the run's (a server check's or an install's)."""
    if data.get("environment") in (None, environment):
        return []
    return [
        F.warning(
            "PROBE_EVIDENCE_OTHER_ENVIRONMENT",
            "The evidence on {server} at {taken} was taken for environment {value!r}, not {environment!r}.",
            label,
            server,
            server=server,
            taken=taken,
            value=shortened(str(data.get("environment")), 60),
            environment=environment,
        )
    ]


# The public CA behind NgDP's and digitaliser.dk's TLS certificates (the validation hosts of
# the firewall order name it; inferred from the certificates they serve).
PUBLIC_TLS_ISSUERS = ("sectigo", "usertrust")


def _seen_on_the_way(check: dict[str, Any], label: str, server: str, taken: str) -> list[Finding]:
    """What stands between the server and NgDP: the issuer of the TLS certificate it saw for
    NgDP (another than the public CA means a TLS-inspecting proxy) and the WinHTTP proxy."""
    detail = shortened(str(check.get("detail") or ""), 300)
    if check.get("kind") == "as_account_not_run":
        asked = "-TestKeyAsAccount" not in detail  # a virtual account, or not asked for
        return [
            F.info(
                "NET_ACCOUNT_NOT_TESTED",
                "On {server} at {taken}: the key was not used as {account} (a virtual account cannot run a task); its read right, read back by SID, is the evidence."
                if asked
                else "On {server} at {taken}: the key was not used as {account} (server-check.ps1 ran without -TestKeyAsAccount); its read right, read back by SID, is the evidence.",
                label,
                server,
                server=server,
                taken=taken,
                account=shortened(str(check.get("target") or ""), 200),
            )
        ]
    # what each push finding names: the server, when, the endpoint and what it answered
    push = {
        "server": server,
        "taken": taken,
        "url": shortened(str(check.get("target") or ""), 300),
        "detail": detail,
    }
    if check.get("kind") == "push_client_cert":
        if check.get("ok") is True:
            return []
        return [
            F.warning(
                "NET_PUSH_UNPROTECTED",
                "On {server} at {taken}: the push endpoint {url} {detail}: NgDP calls it with its own certificate, and its binding should ask for one.",
                label,
                server,
                **push,
            )
        ]
    if check.get("kind") == "push_cert_untrusted":
        # TrustFailure: this server does not trust the Push Service's own certificate. No
        # sign of a client-certificate binding either way (a Windows administrator's read)
        return [
            F.warning(
                "NET_PUSH_CERT_UNTRUSTED",
                "On {server} at {taken}: this server does not trust the TLS certificate of the push endpoint {url} ({detail}); NgDP calls it and must trust that certificate, and whether its binding asks for a client certificate could not be judged.",
                label,
                server,
                **push,
            )
        ]
    if check.get("kind") == "push_handshake_refused":
        # SecureChannelFailure: a binding that requires a client certificate may end the
        # handshake so, and so does a TLS failure of another kind (a Windows administrator's
        # read: it counted as a pass, and hid a broken binding)
        return [
            F.info(
                "NET_PUSH_HANDSHAKE_ENDED",
                "On {server} at {taken}: the push endpoint {url} ended the TLS handshake of a call without a client certificate ({detail}). A binding that requires a client certificate may do so, and so does a TLS failure of another kind (protocol, cipher suites, the binding's own certificate): the acceptance test's reply, which NgDP pushes there, shows which.",
                label,
                server,
                **push,
            )
        ]
    if check.get("kind") == "tls_issuer":
        if detail and not any(name in detail.lower() for name in PUBLIC_TLS_ISSUERS):
            return [
                F.error(
                    "NET_TLS_INTERCEPTED",
                    "On {server} at {taken}: NgDP's TLS certificate was issued by {issuer}, not by the public CA NgDP uses (Sectigo/USERTrust; inferred): a proxy inspects TLS there, and mutual TLS with NgDP fails through it.",
                    label,
                    server,
                    server=server,
                    taken=taken,
                    issuer=detail,
                )
            ]
        return []
    if check.get("kind") == "session_proxy":
        return _session_proxy_findings(detail, label, server, taken)
    return _proxy_findings(detail, label, server, taken)


def _egress_not_looked_up(check: dict[str, Any], label: str, server: str, taken: str) -> Finding:
    """``-EgressIpUrl`` was given and the lookup failed. It goes direct (through a proxy it
    named the proxy, which NgDP never sees), so where only a proxy reaches the Internet it
    cannot work: said, with what to do, instead of an evidence file whose egress address is
    simply missing (a Windows administrator's read)."""
    return F.info(
        "NET_EGRESS_NOT_LOOKED_UP",
        "On {server} at {taken}: the egress IP was not looked up at {url} ({detail}), so it was not held against server_ips. The lookup goes direct, which fails where only a proxy reaches the Internet: run server-check.ps1 again with -EgressIp and the public address the network team names.",
        label,
        server,
        server=server,
        taken=taken,
        url=shortened(_without_userinfo(str(check.get("target") or "")), 200),
        detail=shortened(str(check.get("detail") or ""), 200),
    )


def _session_proxy_findings(detail: str, label: str, server: str, taken: str) -> list[Finding]:
    """The proxy .NET gave the session that ran the server check, for NgDP's address. The
    script's own calls go direct (a Windows administrator's read: they took the proxy of the
    administrator's Internet settings, which WorkZone's service account does not share, and a
    proxy's 403 passed as a push binding that asks for a client certificate); a proxy named
    there says the network may expect one, which WorkZone would need too."""
    if not detail or detail == "direct" or detail.startswith("not read: "):
        return []
    return [
        F.info(
            "NET_SESSION_PROXY",
            "On {server} at {taken}: the session that ran server-check.ps1 would reach NgDP through the proxy {proxy} (machine.config or the Internet settings of the person who ran it); the checks went direct, as the firewall order asks. If WorkZone is to reach NgDP through a proxy, WorkZone must be given it (its service account does not share a person's Internet settings), and it must not inspect TLS.",
            label,
            server,
            server=server,
            taken=taken,
            proxy=shortened(_without_userinfo(detail), 200),
        )
    ]


def _without_userinfo(address: str) -> str:
    """A proxy's address without the ``user:password@`` a PAC file or machine.config may give
    it: the finding goes onto pages and into the trail, a password never does."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        return address
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"


def _proxy_findings(detail: str, label: str, server: str, taken: str) -> list[Finding]:
    """The WinHTTP proxy as the server check read it (netsh's lines joined by " | ")."""
    if not detail.strip() or detail.startswith("not read"):
        # netsh printed nothing, or failed: no proxy is not known (a Windows administrator's
        # review: both read as direct, and checklist step 3 could pass)
        return [
            F.warning(
                "NET_WINHTTP_PROXY",
                "On {server} at {taken}: the WinHTTP proxy setting could not be read ({detail}); whether NgDP is reached directly is not known.",
                label,
                server,
                server=server,
                taken=taken,
                detail=detail.removeprefix("not read: ") or "netsh printed nothing",
            )
        ]
    if not winhttp_direct(detail):
        return [
            F.warning(
                "NET_WINHTTP_PROXY",
                "On {server} at {taken}: a WinHTTP proxy is set ({detail}); NgDP must be reached directly or through a proxy that does not inspect TLS.",
                label,
                server,
                server=server,
                taken=taken,
                detail=detail,
            )
        ]
    return []


def winhttp_direct(detail: str) -> bool:
    """Whether ``netsh winhttp show proxy``'s output, as the server check reports it, says
    WinHTTP goes direct. netsh speaks the server's display language: a Danish Windows said
    "Direkte adgang (ingen proxyserver)" and was warned of a proxy it did not have. Its shape
    does not change with the language: the check joins its lines with " | ", and a direct
    setting is the heading and one line without a value ("Direct access (no proxy server)."),
    a proxy the heading and two "label : value" lines (the server, the bypass list); anything
    else (an error netsh printed) is not direct. English text from an older script, whose
    lines were run together, is read by its words."""
    if "direct access" in detail.lower():
        return True
    lines = [line.strip() for line in detail.split(" | ") if line.strip()]
    return (
        len(lines) == 2
        and "winhttp" in lines[0].lower()  # netsh's heading names WinHTTP in every language
        and lines[0].endswith(":")
        and ":" not in lines[1]
    )


def ambiguous_servers(env: Environment) -> list[Finding]:
    """``SERVER_NAME_AMBIGUOUS``: two servers with the same first label cannot be told apart
    on Windows (``$env:COMPUTERNAME``), in the scripts or in their evidence."""
    seen: dict[str, list[str]] = {}
    for server in env.servers:
        seen.setdefault(server_key(server.name), []).append(server.name)
    return [
        F.error(
            "SERVER_NAME_AMBIGUOUS",
            "Servers {values} share the name {name} on Windows (the first label): scripts and evidence cannot tell them apart.",
            f"environments.{env.name}.servers",
            name,
            values=", ".join(names),
            name=name,
        )
        for name, names in seen.items()
        if len(names) > 1
    ]


def _install_evidence(
    data: dict[str, Any], label: str, environment: str
) -> tuple[dict[str, Any], list[Finding]]:
    """``install-certificate.ps1``'s evidence (contract §12.4): ``{"kind": "install",
    "server", "thumbprint", "key_accounts", "chain_ok", "taken_at"}``, and ``custom_root``
    (the thumbprint of a root CA that is not an OCES3 root, trusted with -TrustCustomRoot,
    or null)."""
    accounts = data.get("key_accounts")
    if isinstance(accounts, str):  # PowerShell 5.1 writes a one-element array as a string
        accounts = [accounts]
    problems = [
        k
        for k, ok in (
            ("server", isinstance(data.get("server"), str) and 0 < len(data["server"]) <= 255),
            (
                "thumbprint",
                isinstance(data.get("thumbprint"), str)
                and bool(THUMBPRINT.match(data["thumbprint"])),
            ),
            (
                "key_accounts",
                isinstance(accounts, list) and all(isinstance(a, str) for a in accounts),
            ),
            ("chain_ok", isinstance(data.get("chain_ok"), bool)),
            ("taken_at", isinstance(data.get("taken_at"), str) and len(data["taken_at"]) <= 64),
            (
                "custom_root",
                data.get("custom_root") is None
                or (
                    isinstance(data["custom_root"], str)
                    and bool(THUMBPRINT.match(data["custom_root"]))
                ),
            ),
        )
        if not ok
    ]
    if problems:
        raise InputError(f"{label}: not valid install evidence: {', '.join(problems)}")
    server, taken = str(data["server"]), str(data["taken_at"])
    found: list[Finding] = _other_environment(data, label, server, taken, environment)
    custom_root = str(data["custom_root"]).upper() if data.get("custom_root") else None
    if custom_root:
        found.append(
            F.warning(
                "SERVER_CUSTOM_ROOT_TRUSTED",
                "On {server} at {taken}: install-certificate.ps1 put the root CA {thumbprint}, which is not an OCES3 root, into LocalMachine\\Root (-TrustCustomRoot): Windows trusts it for every TLS connection of the server; remove it when the test is over.",
                label,
                server,
                server=server,
                taken=taken,
                thumbprint=custom_root,
            )
        )
    if not data["chain_ok"]:
        found.append(
            F.error(
                "CERT_CHAIN_INVALID",
                "On {server} at {taken}: Windows did not build the certificate's chain to a trusted root after the install.",
                label,
                server,
                server=server,
                taken=taken,
            )
        )
    summary = {
        "kind": "install",
        "server": server,
        "taken_at": taken,
        "thumbprint": str(data["thumbprint"]).upper(),
        "chain_ok": bool(data["chain_ok"]),
        "key_accounts": len(accounts or []),
        "custom_root": custom_root,
        "file": label,
        "environment": _environment_of(data),
    }
    return summary, found


def _evidence_that_counts_for_nothing(
    env: Environment,
    typed: Sequence[EvidenceSummary],
    now: dt.datetime,
    thumbprint: str | None,
) -> list[Finding]:
    names = [s.name for s in env.servers]
    ours = (thumbprint or "").upper()
    found: list[Finding] = []
    for s in typed:
        taken = evidence_taken(s.taken_at)
        said = (  # (whether it holds, code, message, its values)
            (
                taken is None,
                "PROBE_EVIDENCE_UNDATED",
                "The evidence in {file} from {server} is dated {value!r}, which is not a date and time with a time zone (ISO 8601, as the scripts write it: 2026-12-01T10:00:00Z): it counts for no checklist step; run the script there again.",
                {"file": s.file or "?", "value": shortened(s.taken_at, 64)},
            ),
            (
                bool(names) and evidence_server(s.server, names) is None,
                "PROBE_EVIDENCE_UNKNOWN_SERVER",
                "The evidence from {server} names a server that is not in the settings ({values}); it counts for none of them.",
                {"values": ", ".join(x.name for x in env.servers)},
            ),
            (
                taken is not None and taken > now + CLOCK_SKEW,
                "PROBE_EVIDENCE_FUTURE",
                "The evidence from {server} is dated {taken}, in the future: the server's clock or the file is wrong.",
                {"taken": shortened(s.taken_at, 64)},
            ),
            (
                s.kind == "install"
                and bool(ours)
                and bool(s.thumbprint)
                and (s.thumbprint or "").upper() != ours,
                "PROBE_EVIDENCE_OTHER_CERTIFICATE",
                "The install evidence from {server} is for the certificate {value}, not this run's {thumbprint}: install this one there (install-certificate.ps1) and hand back its evidence.",
                {"value": s.thumbprint, "thumbprint": ours},
            ),
        )
        where = s.file or f"environments.{env.name}.probe_evidence"
        server = shortened(s.server, 80)
        found += [
            F.warning(code, text, where, server, server=server, **values)
            for holds, code, text, values in said
            if holds
        ]
    return found


def evidence_coverage(
    env: Environment,
    summaries: Sequence[EvidenceSummary | dict[str, Any]],
    *,
    now: dt.datetime | None = None,
    thumbprint: str | None = None,
) -> list[Finding]:
    """``NET_EVIDENCE_MISSING`` for configured servers without evidence (one finding naming
    them), ``NET_EVIDENCE_STALE`` for evidence older than 30 days, and what makes a file
    count for nothing, said (an attacker's look found each read without a word):
    ``PROBE_EVIDENCE_UNDATED`` (no ISO 8601 date and time with a time zone),
    ``PROBE_EVIDENCE_UNKNOWN_SERVER`` (a server the settings do not name, exactly:
    :func:`~ngdpkit.checks.evidence.evidence_server`),
    ``PROBE_EVIDENCE_FUTURE`` (dated more than a day ahead) and
    ``PROBE_EVIDENCE_OTHER_CERTIFICATE`` (install evidence of another certificate than
    ``thumbprint``, the run's). A summary is the stored record or :func:`read_evidence`'s
    dict."""
    now = now or dt.datetime.now(dt.UTC)
    key = f"environments.{env.name}.probe_evidence"
    found: list[Finding] = []
    typed = [s if isinstance(s, EvidenceSummary) else EvidenceSummary.of(s) for s in summaries]
    found += _evidence_that_counts_for_nothing(env, typed, now, thumbprint)
    names = [s.name for s in env.servers]
    why = not_counted(typed, servers=names, environment=env.name, now=now)
    superseded = {i for i, reason in why.items() if reason == "superseded"}
    for s in (s for s in typed if id(s) in superseded):
        found.append(
            F.info(
                "PROBE_EVIDENCE_SUPERSEDED",
                "{file} from {server} ({taken}) is replaced by a newer file of the same server and kind, which counts; what it found no longer counts either (remove it from probe_evidence).",
                s.file or key,
                shortened(s.server, 80),
                file=s.file or key,
                server=shortened(s.server, 80),
                taken=shortened(s.taken_at, 64),
            )
        )
    # a server's own check, for this environment, with checks in it (a file without any
    # proves nothing: an attacker's look)
    seen = {
        evidence_server(s.server, names)
        for s in typed
        if s.kind == "server-check" and s.checks and s.environment in (None, env.name)
    }
    missing = [s.name for s in env.servers if server_key(s.name) not in seen]
    if missing:
        found.append(
            F.warning(
                "NET_EVIDENCE_MISSING",
                "No server-check evidence from {values}: run server-check.ps1 there and list the JSON it writes under probe_evidence.",
                key,
                values=", ".join(missing),
            )
        )
    for s in typed:
        taken = evidence_taken(s.taken_at)
        if taken is None:
            continue  # PROBE_EVIDENCE_UNDATED said it
        if now - taken > dt.timedelta(days=STALE_DAYS) and id(s) not in superseded:
            age = (now - taken).days
            found.append(
                F.warning(
                    "NET_EVIDENCE_STALE",
                    "The evidence from {value} was taken {age} days ago ({value2}); run server-check.ps1 again (evidence older than {stale_days} days no longer counts)."
                    if s.kind == "server-check"
                    else "The evidence from {value} was taken {age} days ago ({value2}); run install-certificate.ps1 again (it changes nothing installed already, and writes new evidence; evidence older than {stale_days} days no longer counts).",
                    s.file or key,
                    shortened(s.server, 80),
                    value=shortened(s.server, 80),
                    age=age,
                    value2=shortened(s.taken_at, 64),
                    stale_days=STALE_DAYS,
                )
            )
    return found
