"""The Windows scripts read as a Windows Server administrator would (issue 25, contract §12.4),
checked by rule on the parsed script (tree-sitter-powershell): nothing here runs PowerShell."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.deliverables.servercheck import (
    ambiguous_servers,
    install_certificate_script,
    read_evidence,
    server_check_script,
)
from ngdpkit.errors import InputError
from ngdpkit.settings import Server, load_settings
from tests.test_powershell import parser

# Every command the scripts may call: cmdlets that ship with Windows PowerShell 5.1 on Windows
# Server 2016 and later (Microsoft.PowerShell.*, PKI, NetTCPIP, DnsClient), and the scripts'
# own functions. A command outside this list would fail on a fresh server.
PS51 = {
    "Add-Member", "ConvertTo-Json", "ConvertFrom-Json", "ForEach-Object", "Get-Acl", "Get-Content",
    "Get-Date", "Get-Item", "Get-ChildItem", "Import-PfxCertificate", "Invoke-WebRequest",
    "Join-Path", "New-Object", "Out-File", "Read-Host", "Resolve-DnsName", "Select-Object",
    "Set-Acl", "Set-Content", "Sort-Object", "Split-Path", "Test-NetConnection", "Test-Path",
    "Where-Object", "Write-Host", "Write-Warning", "Write-Output", "Measure-Object",
    "Get-NetAdapter", "Invoke-RestMethod", "Start-Sleep", "Out-String", "Out-Null", "Remove-Item",
    "Get-Location", "Set-StrictMode",
    "New-ScheduledTaskAction", "New-ScheduledTaskPrincipal", "Register-ScheduledTask",
    "Start-ScheduledTask", "Unregister-ScheduledTask",  # the ScheduledTasks module (Server 2012 on)
    "netsh.exe",  # not a cmdlet: the Windows tool that shows the WinHTTP proxy
}  # fmt: skip


def env_of(sample_dir: Path, name: str = "test") -> Any:
    return load_settings(sample_dir / "migration.toml").environment(name)


def nodes(text: str, kind: str) -> list[Any]:
    tree = parser().parse(text.encode("utf-8"))
    out, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == kind:
            out.append(node)
        stack.extend(node.children)
    return out


def commands(text: str) -> set[str]:
    names = set()
    for node in nodes(text, "command"):
        name = node.child_by_field_name("command_name") or node.children[0]
        names.add(name.text.decode())
    return names


def function_body(text: str, name: str) -> str:
    """A generated script's function ``name``, from its ``function`` line to its closing brace."""
    body = text[text.index(f"function {name}") :]
    return body[: body.index("\n}")]


def functions(text: str) -> set[str]:
    return {
        c.text.decode()
        for n in nodes(text, "function_statement")
        for c in n.children
        if c.type == "function_name"
    }


def server_check_evidence(path: Path, checks: list[dict[str, Any]]) -> Path:
    """A server check's evidence file from WZWEB01, as server-check.ps1 writes it."""
    path.write_text(
        json.dumps(
            {
                "schema": "ngdpkit/server-check/1",
                "server": "WZWEB01",
                "taken_at": "2026-12-01T10:00:00Z",
                "checks": checks,
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def scripts(sample_dir: Path) -> dict[str, str]:
    env = env_of(sample_dir)
    return {
        "install": install_certificate_script(
            env,
            thumbprint="ABCDEF0123",
            issuing_ca=b"\x30\x03\x02\x01\x01",
            root_ca=b"\x30\x03\x02\x01\x02",
        ),
        "check": server_check_script(env, thumbprint="ABCDEF0123"),
    }


def test_every_command_exists_in_windows_powershell_5_1(scripts: dict[str, str]) -> None:
    for name, text in scripts.items():
        unknown = commands(text) - PS51 - functions(text)
        unknown = {c for c in unknown if not c.startswith(("$", "[", "("))}
        assert not unknown, (name, unknown)


def test_both_scripts_require_admin_and_51(scripts: dict[str, str]) -> None:
    for name, text in scripts.items():
        lines = text.splitlines()
        assert lines[0] == "#Requires -RunAsAdministrator", name
        assert lines[1] == "#Requires -Version 5.1", name


def test_no_secret_from_an_environment_variable(scripts: dict[str, str]) -> None:
    """No script reads a secret from, or tells anyone to type one into, an environment
    variable: PSReadLine keeps the typed line in clear text on every server."""
    for name, text in scripts.items():
        assert "$env:NGDPKIT" not in text, name
        for node in nodes(text, "assignment_expression"):
            assert not node.text.decode().lstrip().lower().startswith("$env:"), (name, node.text)
    check = scripts["check"]
    assert "Read-Host -AsSecureString" in check and "$AuthorizationFile" in check


def test_install_selects_by_thumbprint_and_does_nothing_twice(scripts: dict[str, str]) -> None:
    text = scripts["install"]
    imported = text.index("Import-PfxCertificate")
    kept = text.index("$cert.HasPrivateKey")
    assert kept < imported  # an installed certificate with its key is kept
    assert "@(Import-PfxCertificate" in text  # an array when the .p12 carries the chain
    assert "Where-Object { $_.Thumbprint -eq $Thumbprint }" in text
    assert "$cert.Thumbprint -ne $Thumbprint" not in text  # -ne on an array filters
    grant = text.index("[System.IO.File]::SetAccessControl($keyFile, $acl)")
    assert text.rindex("Get-NgdpReadRight $keyFile $account", 0, grant) < grant  # checked first


def test_install_embeds_both_cas_checked_by_thumbprint(scripts: dict[str, str]) -> None:
    import base64
    import hashlib

    text = scripts["install"]
    for der in (b"\x30\x03\x02\x01\x02", b"\x30\x03\x02\x01\x01"):  # the root, the issuing CA
        assert f"'{base64.b64encode(der).decode()}'" in text
        assert f"'{hashlib.sha1(der).hexdigest().upper()}'" in text  # noqa: S324
    assert "Install-NgdpCa $RootCa $RootThumbprint 'Root'" in text
    assert "$ca.Thumbprint -ne $Expected" in text
    body = text[text.index("function Install-NgdpCa") :]
    assert body.index("$ca.Thumbprint -ne $Expected") < body.index("$store.Add($ca)")


def test_both_key_folders_are_searched_whatever_type_dotnet_reports(
    scripts: dict[str, str],
) -> None:
    for text in scripts.values():
        body = function_body(text, "Get-NgdpKeyFile")
        assert "$rsa -is" not in body  # never trusts the type
        assert (
            "Microsoft\\Crypto\\Keys\\" in body and "Microsoft\\Crypto\\RSA\\MachineKeys\\" in body
        )


def test_install_writes_evidence_that_the_run_reads(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    text = scripts["install"]
    assert "ngdpkit-install-{0}-{1}.json" in text and "ConvertTo-Json" in text
    for key in ("kind = 'install'", "thumbprint =", "key_accounts =", "chain_ok =", "taken_at ="):
        assert key in text, key
    assert "Delete the .p12/.pfx" in text
    # what PowerShell 5.1 writes for one account (a string, not an array) is read as evidence
    evidence = tmp_path / "ngdpkit-install-WZWEB01-test.json"
    evidence.write_text(
        json.dumps(
            {
                "kind": "install",
                "server": "WZWEB01",
                "environment": "test",
                "thumbprint": "ABCDEF0123",
                "key_accounts": "EKSEMPEL\\svc",
                "chain_ok": True,
                "taken_at": "2026-12-01T10:00:00Z",
            }
        ),
        encoding="utf-8-sig",
    )
    summary, found = read_evidence(evidence, label="x.json", environment="test", registered_ips=())
    assert summary["kind"] == "install" and summary["thumbprint"] == "ABCDEF0123" and not found


def test_fqdn_server_names_are_keyed_by_their_first_label(sample_dir: Path) -> None:
    env = replace(
        env_of(sample_dir),
        servers=(Server("wzweb01.soeby.local", "web", service_account="SOEBY\\svc-web"),),
    )
    for text in (
        install_certificate_script(env, thumbprint="ABCDEF0123"),
        server_check_script(env, thumbprint="ABCDEF0123"),
    ):
        assert "'WZWEB01' = @('SOEBY\\svc-web')" in text
        assert "WZWEB01.SOEBY.LOCAL" not in text
    twins = replace(env, servers=(Server("wzweb01.soeby.local"), Server("WZWEB01")))
    assert [f.code for f in ambiguous_servers(twins)] == ["SERVER_NAME_AMBIGUOUS"]
    assert ambiguous_servers(env) == []


def test_a_long_name_is_keyed_as_windows_cuts_it_and_odd_names_and_addresses_are_errors(
    sample_dir: Path,
) -> None:
    """The Windows administrator's cold review: a server named ``wz-verylongservername01``
    never matched ``$env:COMPUTERNAME`` (``WZ-VERYLONGSERV``: Windows keeps 15 characters), so
    the install refused on it; ``internal_ip = "10.0.0.0/8"`` (a whole network opened to
    NgDP), ``"@SUM(1+1)"``, an IPv6 source for IPv4 destinations and a name ``wz agent01; x``
    passed without a word."""
    from ngdpkit.checks.system import check_servers

    env = replace(
        env_of(sample_dir),
        servers=(Server("wz-verylongservername01.soeby.local", service_account="S\\svc"),),
    )
    for text in (
        install_certificate_script(env, thumbprint="ABCDEF0123"),
        server_check_script(env, thumbprint="ABCDEF0123"),
    ):
        assert "'WZ-VERYLONGSERV' = @('S\\svc')" in text
    found = check_servers(
        (
            Server("wz-verylongservername01.soeby.local", internal_ip="10.20.30.40"),
            Server("wz-web01", internal_ip="10.0.0.0/8"),
            Server("wz agent01; x"),
            Server("wz-web02", internal_ip="fd00::5"),
            Server("wz-web03", internal_ip="@SUM(1+1)", ip="203.0.113.7"),
            Server("wz-web04", ip="010.1.2.3"),
            Server("WZ_WEB05"),
        ),
        "environments.test.servers",
    )
    said = [(f.code, f.severity, f.location) for f in found]
    assert said == [
        ("SERVER_NAME_NETBIOS", "info", "wz-verylongservername01.soeby.local"),
        ("IP_INVALID", "error", "wz-web01"),
        ("SERVER_NAME_INVALID", "error", "wz agent01; x"),
        ("IP_INVALID", "error", "wz-web02"),
        ("IP_INVALID", "error", "wz-web03"),
        ("IP_INVALID", "error", "wz-web04"),
    ], said
    assert "WZ-VERYLONGSERV" in found[0].message
    assert "IPv6" in found[3].message and found[5].source.endswith(".servers.ip")
    # two long names Windows cuts alike cannot be told apart
    twins = replace(
        env,
        servers=(Server("wz-verylongservername01"), Server("wz-verylongservername02")),
    )
    assert [f.code for f in ambiguous_servers(twins)] == ["SERVER_NAME_AMBIGUOUS"]


def test_an_aes_p12_is_flagged_with_the_reexport_command(sample_dir: Path) -> None:
    from ngdpkit.steps.n03_certificate import modern_encryption

    env = env_of(sample_dir)
    found = modern_encryption(env.certificate, "certs/test.p12")  # cryptography writes AES
    assert [f.code for f in found] == ["CERT_P12_MODERN_ENCRYPTION"]
    assert found[0].severity == "info" and "openssl pkcs12 -export -legacy" in found[0].message


def test_interception_and_proxy_from_the_evidence(tmp_path: Path, scripts: dict[str, str]) -> None:
    assert "Add-Check 'tls_issuer'" in scripts["check"] and "winhttp show proxy" in scripts["check"]

    def evidence(issuer: str, proxy: str) -> list[str]:
        path = tmp_path / "ev.json"
        checks = [
            {"kind": "tls_issuer", "target": "api", "ok": True, "detail": issuer, "status": None},
            {"kind": "proxy", "target": "WinHTTP", "ok": True, "detail": proxy, "status": None},
        ]
        path.write_text(
            json.dumps(
                {
                    "schema": "ngdpkit/server-check/1",
                    "server": "WZWEB01",
                    "taken_at": "2026-12-01T10:00:00Z",
                    "environment": "test",
                    "checks": checks,
                }
            )
        )
        return [
            f.code
            for f in read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]
        ]

    public = "CN=Sectigo RSA Domain Validation Secure Server CA, O=Sectigo Limited, C=GB"
    assert (
        evidence(public, "Current WinHTTP proxy settings: Direct access (no proxy server).") == []
    )
    assert evidence("CN=Zscaler Intermediate Root CA, O=Zscaler Inc.", "Direct access") == [
        "NET_TLS_INTERCEPTED"
    ]
    assert evidence(public, "Proxy Server(s) : proxy.soeby.local:8080") == ["NET_WINHTTP_PROXY"]


def test_server_check_uses_the_key_as_each_service_account(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """Issue 25: the check ran as the administrator; now a scheduled task signs with the key
    as each account Windows can run one as, and says when it cannot."""
    text = scripts["check"]
    assert (
        "foreach ($account in $accounts) { Test-NgdpKeyAsAccount $account $cert.Thumbprint }"
        in text
    )
    body = function_body(text, "Test-NgdpKeyAsAccount")
    for needed in (
        "New-ScheduledTaskPrincipal -UserId $Account",
        "-EncodedCommand",
        "SignData",
        "Unregister-ScheduledTask",
    ):
        assert needed in body, needed
    assert body.index("Unregister-ScheduledTask") > body.index("finally")  # never left behind
    path = server_check_evidence(
        tmp_path / "ev.json",
        [
            {
                "kind": "as_account",
                "target": "SOEBY\\gmsa-wz$",
                "ok": False,
                "detail": "Keyset does not exist",
                "status": None,
            },
            {
                "kind": "as_account_not_run",
                "target": "IIS APPPOOL\\WorkZone",
                "ok": True,
                "detail": "not run",
                "status": None,
            },
        ],
    )
    found = read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]
    assert [f.code for f in found] == ["CERT_NO_PRIVATE_KEY", "NET_ACCOUNT_NOT_TESTED"]
    assert "gmsa-wz$" in found[0].message and found[1].severity == "info"


def test_server_check_asks_the_push_binding_for_a_client_certificate(
    sample_dir: Path, tmp_path: Path
) -> None:
    """Issue 25: for REST_PUSH the script calls the receipt endpoint without a client
    certificate; an answer is NET_PUSH_UNPROTECTED on import."""
    push = env_of(sample_dir, "production")
    assert push.protocol == "REST_PUSH"
    text = server_check_script(push, thumbprint="ABCDEF0123")
    assert (
        f"$PushUrl = '{push.push_base_url.rstrip('/')}/api/MeMoV1/{push.system_id}/receipt'" in text
    )
    assert "$PushUrl = ''" in server_check_script(env_of(sample_dir), thumbprint="ABCDEF0123")
    path = tmp_path / "ev.json"
    path.write_text(
        json.dumps(
            {
                "schema": "ngdpkit/server-check/1",
                "server": "WZPUSH01",
                "taken_at": "2026-12-01T10:00:00Z",
                "checks": [
                    {
                        "kind": "push_client_cert",
                        "target": "https://push.example.dk/api/MeMoV1/x/receipt",
                        "ok": False,
                        "detail": "answered 200 without a client certificate",
                        "status": 200,
                    }
                ],
            }
        )
    )
    found = read_evidence(path, label="ev.json", environment="production", registered_ips=())[1]
    assert [(f.code, f.severity) for f in found] == [("NET_PUSH_UNPROTECTED", "warning")]


def test_windows_administrator_review(sample_dir: Path, scripts: dict[str, str]) -> None:
    """Issue 25's cold review by a Windows administrator: twins would be duplicate hash keys
    (PowerShell refuses the whole file), SslStream must name TLS 1.2, every account must exist
    before anything changes, and no server falls back to the environment's accounts."""
    env = env_of(sample_dir)
    twins = replace(
        env,
        servers=(
            Server("wzweb01.soeby.local", service_account="A"),
            Server("WZWEB01", service_account="B"),
        ),
    )
    for text in (
        install_certificate_script(twins, thumbprint="ABCDEF0123"),
        server_check_script(twins, thumbprint="ABCDEF0123"),
    ):
        assert "$AccountsByServer = @{}" in text
        top = text[: text.index("function ")]
        assert "throw 'ngdpkit refused" in top and "share the Windows name WZWEB01" in top
    one = replace(env, servers=(Server("wz-web01"), Server("wz-agent01", service_account="X\\a")))
    text = install_certificate_script(one, thumbprint="ABCDEF0123")
    table = text[text.index("$AccountsByServer = ") :].splitlines()[0]
    assert "'WZ-WEB01' = @(" in table and "'WZ-AGENT01' = @('X\\a')" in table  # every server
    assert "$ByServer.Count -eq 0" in text  # the default only when no server is listed
    install = scripts["install"]
    assert install.index("Assert-NgdpAccounts $accounts") < install.index("Install-NgdpCa $RootCa")
    check = scripts["check"]
    assert "[System.Security.Authentication.SslProtocols]::Tls12" in check
    assert "-Method Get" in check and "-Method Post" not in check
    advice = install.index("Delete the .p12/.pfx")
    assert advice < install.index("if (-not $chainOk) { throw")


def test_every_format_string_is_well_formed(scripts: dict[str, str]) -> None:
    """A literal brace in a '-f' format string must be doubled: '{ $x' throws a FormatException
    when the line runs (the Windows review found none, the next one might)."""
    import re

    for name, text in scripts.items():
        for node in nodes(text, "string_literal"):
            following = text.encode("utf-8")[node.end_byte : node.end_byte + 4].decode(
                "utf-8", "replace"
            )
            if not following.lstrip().startswith("-f"):
                continue
            body = node.text.decode("utf-8")[1:-1].replace("''", "'")
            rest = re.sub(r"\{\d+(?::[^{}]*)?\}", "", body.replace("{{", "").replace("}}", ""))
            assert "{" not in rest and "}" not in rest, (name, body)


def test_a_root_the_settings_named_is_installed_only_on_purpose(sample_dir: Path) -> None:
    """The Windows administrator's cold review: the install script put whatever root the
    settings' ``trust_anchors`` named into ``LocalMachine\\Root`` on every server (the run said
    only ``CERT_CUSTOM_TRUST_ANCHORS``, a warning), where Windows trusts it for every TLS
    connection. A root that is not one of the OCES3 roots the kit ships now needs
    ``-TrustCustomRoot``, and the script stops before it changes anything without it."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from ngdpkit.checks.trust import _bundled, bundled_root_ders

    env = env_of(sample_dir)
    custom = install_certificate_script(
        env, thumbprint="ABCDEF0123", issuing_ca=b"\x30\x03\x02\x01\x01", root_ca=b"\x30\x03"
    )
    real_root = _bundled("test")[0].public_bytes(Encoding.DER)
    assert real_root in bundled_root_ders()
    real = install_certificate_script(
        env, thumbprint="ABCDEF0123", issuing_ca=b"\x30\x03\x02\x01\x01", root_ca=real_root
    )
    assert "$RootIsOces3 = $false" in custom and "$RootIsOces3 = $true" in real
    for text in (custom, real):
        assert "[switch]$TrustCustomRoot" in text
        guard = text.index("if ($RootCa -and -not $RootIsOces3 -and -not $TrustCustomRoot)")
        # the refusal comes before the first change (the root's import), and says nothing
        # was changed
        assert guard < text.index("Install-NgdpCa $RootCa $RootThumbprint 'Root'")
        assert "throw ('Nothing was changed. The root CA in this script" in text[guard:]


def test_both_scripts_refuse_powershell_7_and_an_unwritable_folder_before_any_work(
    scripts: dict[str, str],
) -> None:
    """The cold review: under PowerShell 7 ``catch [System.Net.WebException]`` never matches
    (a 401 read as a failed https check), and Import-PfxCertificate goes through a
    compatibility session; the scripts say ``#Requires -PSEdition Desktop``. ``-OutDir`` was
    resolved by .NET against the process's folder (often System32) and a read-only share
    failed after minutes of checks; it is resolved and tried first. The server check printed
    only "Written: …" and exited 0 when every check failed."""
    for name, text in scripts.items():
        assert text.splitlines()[2] == "#Requires -PSEdition Desktop", name
        # one function in the scripts' shared part, called before the first work
        body = function_body(text, "Resolve-NgdpOutDir")
        resolve = body.index("GetUnresolvedProviderPathFromPSPath($Path)")
        assert resolve < body.index("[System.IO.File]::WriteAllText($probe, '')"), name
        first_work = (
            text.index("Write-Host ('ngdpkit: installing")
            if name == "install"
            else text.index("foreach ($d in $destinations)")
        )
        assert text.index("$OutDir = Resolve-NgdpOutDir $OutDir") < first_work, name
        assert text.count("GetUnresolvedProviderPathFromPSPath") == 1, name
    check = scripts["check"]
    tail = check[check.index("$failed = @($checks") :]
    # 2 when a check failed with the evidence written; a script that stops on an error exits 1
    assert "'FAIL'" in tail and "exit 2" in tail and "exit 1" not in tail
    assert tail.index("Write-Host ('Written: ' + $file)") < tail.index("exit 2")
    assert "($_.kind -eq 'tls_issuer') -and ($_.detail -notmatch 'Sectigo|USERTrust')" in tail


def test_the_key_is_used_as_an_account_only_when_asked(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """The Windows administrator's cold review: the server check registered, by default, a
    scheduled task running ``powershell.exe -EncodedCommand`` as the service account, which
    endpoint protection flags (a security team may isolate the server). It does so only with
    ``-TestKeyAsAccount``; without it the evidence says so, and the run reads it as
    ``NET_ACCOUNT_NOT_TESTED`` (info) naming the switch. An S4U task that writes nothing
    names the right it needs."""
    body = function_body(scripts["check"], "Test-NgdpKeyAsAccount")
    assert "[switch]$TestKeyAsAccount" in scripts["check"]
    assert body.index("if (-not $TestKeyAsAccount)") < body.index("New-ScheduledTaskAction")
    assert "Log on as a batch job" in body
    path = server_check_evidence(
        tmp_path / "ev.json",
        [
            {
                "kind": "as_account_not_run",
                "target": "SOEBY\\svc-wz",
                "ok": True,
                "detail": "not run as the account: the script ran without"
                " -TestKeyAsAccount (a one-off scheduled task); the ACL read back by SID"
                " is the evidence",
                "status": None,
            }
        ],
    )
    (found,) = read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]
    assert found.code == "NET_ACCOUNT_NOT_TESTED" and found.severity == "info"
    assert "without -TestKeyAsAccount" in found.message and "virtual" not in found.message
    assert "uden -TestKeyAsAccount" in found.text("da")


def test_a_read_right_is_read_whole_and_a_deny_outweighs_it(scripts: dict[str, str]) -> None:
    """The cold review: ``Get-NgdpReadRight`` counted any Allow entry for the account
    (``Synchronize`` alone, or ``Write``) as a read right and ignored Deny entries, so the
    evidence could say the account reads a key it cannot. It combines the account's Allow and
    Deny entries and answers only when Read is allowed whole and none of it denied."""
    for name, text in scripts.items():
        body = function_body(text, "Get-NgdpReadRight")
        assert "$allowed = $allowed -bor [int]$rule.FileSystemRights" in body, name
        assert "$denied = $denied -bor [int]$rule.FileSystemRights" in body, name
        assert "[System.Security.AccessControl.FileSystemRights]::Read" in body, name
        verdict = "if ((($allowed -band $read) -ne $read) -or (($denied -band $read) -ne 0)) { return '' }"
        assert verdict in body, name
        # GENERIC_READ and GENERIC_ALL as stored entries count as Read, allowed or denied
        convert = body.index("$allowed = ConvertTo-NgdpFileRights $allowed")
        assert convert < body.index(verdict), name
        assert "$denied = ConvertTo-NgdpFileRights $denied" in body[: body.index(verdict)], name
        generic = function_body(text, "ConvertTo-NgdpFileRights")
        for bit, rights in (("0x10000000", "FullControl"), ("0x80000000", "Read")):
            assert (
                f"if (($Mask -band {bit}) -ne 0) {{ $Mask = $Mask -bor [int]$rights::{rights} }}"
                in generic
            ), name


def test_a_right_prints_by_name_not_as_a_number(scripts: dict[str, str]) -> None:
    """The rights shown for an account (console and evidence) printed as a negative number
    when a stored entry held a generic right (GENERIC_READ is 0x80000000):
    ``FileSystemRights`` has no name for it. Each generic right counts as the file rights it
    stands for, and the generic bits are dropped before the rights are printed."""
    for name, text in scripts.items():
        generic = function_body(text, "ConvertTo-NgdpFileRights")
        for bit, rights in (("0x20000000", "ExecuteFile"), ("0x40000000", "Write")):
            assert (
                f"if (($Mask -band {bit}) -ne 0) {{ $Mask = $Mask -bor [int]$rights::{rights} }}"
                in generic
            ), name
        assert generic.rstrip().endswith("return ($Mask -band 0x0FFFFFFF)"), name
        read = function_body(text, "Get-NgdpReadRight")
        shown = "return ([System.Security.AccessControl.FileSystemRights]$allowed).ToString()"
        assert read.index("$allowed = ConvertTo-NgdpFileRights $allowed") < read.index(shown), name


def test_a_refused_server_value_never_becomes_a_firewall_rule(sample_dir: Path) -> None:
    """The administrator's second look: the run called ``internal_ip = "10.0.0.0/8"`` an
    error but still wrote it as the source of eleven rows of the firewall order (and a
    formula, and ``fe80::1``); ``0.0.0.0`` (any, to several firewalls), ``255.255.255.255``
    and a server named ``10.1.2.3`` passed; ``" 10.1.2.3 "`` went in with its spaces."""
    from ngdpkit.checks.system import check_servers
    from ngdpkit.deliverables.firewall import firewall_rules

    servers = (
        Server("wz-web01", internal_ip="10.0.0.0/8"),
        Server("wz-web02", internal_ip='=HYPERLINK("x")'),
        Server("wz-web03", internal_ip="fe80::1"),
        Server("wz-web04", internal_ip="0.0.0.0"),
        Server("wz-web05", internal_ip="255.255.255.255"),
        Server("wz-web06", internal_ip=" 10.1.2.3 "),
        Server("10.1.2.4"),
        Server("wz agent; x", internal_ip="10.1.2.5"),
    )
    found = check_servers(servers, "environments.test.servers")
    said = [(f.code, f.location) for f in found]
    assert said == [
        ("IP_INVALID", "wz-web01"),
        ("IP_INVALID", "wz-web02"),
        ("IP_INVALID", "wz-web03"),
        ("IP_INVALID", "wz-web04"),
        ("IP_INVALID", "wz-web05"),
        ("SERVER_NAME_INVALID", "10.1.2.4"),
        ("SERVER_NAME_INVALID", "wz agent; x"),
    ], said
    assert "a firewall may read it as any address" in found[3].message
    env = replace(env_of(sample_dir), servers=servers)
    rows = firewall_rules(env)
    sources = {r["source_ip"] for r in rows if r["source_server"]}
    assert sources == {"wz-web01", "wz-web02", "wz-web03", "wz-web04", "wz-web05", "10.1.2.3"}
    cells = " ".join(str(v) for r in rows for v in r.values())
    for refused in ("10.0.0.0/8", "HYPERLINK", "fe80", "0.0.0.0", "255.255.255.255", "wz agent"):
        assert refused not in cells, refused
    assert "10.1.2.4" not in {r["source_server"] for r in rows}


def test_the_scripts_read_what_they_need_first_and_survive_what_windows_throws(
    scripts: dict[str, str],
) -> None:
    """The administrator's second look: ``-AuthorizationFile`` was read after minutes of
    checks, outside any ``try`` (a missing or empty file lost them all); a ``Test-NetConnection``
    that threw ended the run with no evidence; the task's output was read the moment it
    existed, maybe half-written; ``Set-Acl`` writes the owner back, which fails on a key file
    another account owns."""
    check = scripts["check"]
    first_check = check.index("foreach ($d in $destinations)")
    assert check.index("Get-Content -LiteralPath $AuthorizationFile -Raw") < first_check
    assert check.index("Read-Host -AsSecureString") < first_check
    assert "is empty." in check[:first_check]
    for call in (
        "Test-NgdpTcp $d.Host $d.Port",
        "Test-NgdpTcp $ip 443",
    ):
        at = check.index(call)
        before = check[: check.rindex("\n", 0, at)].rstrip()
        assert before.endswith("try {"), call
    body = function_body(check, "Test-NgdpKeyAsAccount")
    assert "Set-Content -LiteralPath ''{0}'''" + " -f $part" in body
    assert "-Destination ''{1}'' -Force' -f $part, $out" in body
    install = scripts["install"]
    assert "Set-Acl -" not in install and "Get-Acl -LiteralPath $keyFile" not in install
    assert ".GetAccessControl('Access')" in install
    assert "[System.IO.File]::SetAccessControl($keyFile, $acl)" in install


def test_refused_egress_push_and_account_values_are_never_used(sample_dir: Path) -> None:
    """The attacker's pass on the mends: refused ``server_ips`` (``0.0.0.0/0``, a private
    range, no address) stood as NAT rows of the firewall order; a refused ``push_base_url``
    became an incoming rule, and one with port 99999 crashed step 04; the scripts embedded a
    refused server name (``wz;calc``) and would give ``Everyone`` read access to the key."""
    from ngdpkit.checks.system import check_accounts
    from ngdpkit.deliverables.firewall import firewall_rules

    env = replace(
        env_of(sample_dir, "production"),
        server_ips=("0.0.0.0/0", "10.0.0.0/8", "203.0.113.20", "not-an-ip;calc"),
        push_base_url="https://10.0.0.1:99999/",
    )
    rows = firewall_rules(env)
    nat = [r["source_ip"] for r in rows if r["purpose"] == "nat"]
    assert nat == ["203.0.113.20"]
    assert not [r for r in rows if r["direction"] == "incoming"]
    for url in ("https://10.0.0.1/", "http://wzpush.example.dk/"):
        assert not [
            r
            for r in firewall_rules(replace(env, push_base_url=url))
            if r["direction"] == "incoming"
        ]
    good = replace(env, push_base_url="https://wzpush.eksempel-kommune.dk/")
    assert [r["direction"] for r in firewall_rules(good)].count("incoming") == 1
    hostile = replace(
        env_of(sample_dir),
        servers=(
            Server("wz-web01-t", service_account="Everyone"),
            Server("wz;calc", service_account="BUILTIN\\Users"),
        ),
        service_account="SOEBY\\Domain Users",
    )
    found = check_accounts(
        [(s.name, s.service_account) for s in hostile.servers]
        + [("test", hostile.service_account)],
        "environments.test.service_account",
    )
    assert [f.code for f in found] == ["SERVICE_ACCOUNT_TOO_BROAD"] * 3
    assert (
        check_accounts([("x", "EKSEMPEL\\svc-workzone"), ("y", "NT AUTHORITY\\SYSTEM")], "k") == []
    )
    for text in (
        install_certificate_script(hostile, thumbprint="ABCDEF0123"),
        server_check_script(hostile, thumbprint="ABCDEF0123"),
    ):
        top = text[: text.index("function ")]
        assert "throw 'ngdpkit refused" in top
        assert "(SERVER_NAME_INVALID)" in top and "(SERVICE_ACCOUNT_TOO_BROAD)" in top


def test_a_production_server_never_trusts_a_root_the_settings_named(sample_dir: Path) -> None:
    """The administrator's second look: ``-TrustCustomRoot`` worked on a production script
    too, though it belongs on a test server only. A production script with a root that is
    not a shipped OCES3 root stops before any change, with or without the switch."""
    prod = env_of(sample_dir, "production")
    text = install_certificate_script(
        prod, thumbprint="ABCDEF0123", issuing_ca=b"\x30\x03\x02\x01\x01", root_ca=b"\x30\x03"
    )
    assert "$EnvironmentKind = 'production'" in text and "$RootIsOces3 = $false" in text
    guard = text.index("if ($RootCa -and -not $RootIsOces3 -and $EnvironmentKind -eq 'production')")
    assert guard < text.index("-and -not $TrustCustomRoot)") < text.index("Install-NgdpCa $RootCa")
    test = install_certificate_script(
        env_of(sample_dir), thumbprint="ABCDEF0123", root_ca=b"\x30\x03"
    )
    assert "$EnvironmentKind = 'test'" in test


def install_evidence(path: Path, **fields: Any) -> Path:
    """Install evidence from WZWEB01, as install-certificate.ps1 writes it."""
    data = {
        "kind": "install",
        "server": "WZWEB01",
        "environment": "test",
        "thumbprint": "ABCDEF0123",
        "key_accounts": ["EKSEMPEL\\svc"],
        "chain_ok": True,
        "custom_root": None,
        "taken_at": "2026-12-01T10:00:00Z",
    }
    data.update(fields)
    path.write_text(json.dumps(data), encoding="utf-8-sig")
    return path


def test_install_evidence_says_when_a_custom_root_was_trusted(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """Session 22's leftover: with ``-TrustCustomRoot`` the script put a root that is not an
    OCES3 root into ``LocalMachine\\Root``, and its evidence did not say so: the run that read
    it back could not tell the operations team to take it out again. The evidence names the
    root's thumbprint (null for an OCES3 root), and the run says it as a warning."""
    text = scripts["install"]
    field = (
        "custom_root = $(if ($RootCa -and -not $RootIsOces3) { $RootThumbprint } else { $null })"
    )
    assert field in text
    assert text.index("$evidence = [ordered]@{") < text.index(field) < text.index("ConvertTo-Json")

    plain = install_evidence(tmp_path / "plain.json")
    summary, found = read_evidence(plain, label="plain.json", environment="test", registered_ips=())
    assert summary["custom_root"] is None and not found

    custom = install_evidence(tmp_path / "custom.json", custom_root="0123456789abcdef0123")
    summary, found = read_evidence(
        custom, label="custom.json", environment="test", registered_ips=()
    )
    assert summary["custom_root"] == "0123456789ABCDEF0123"
    (warning,) = found
    assert (warning.code, warning.severity) == ("SERVER_CUSTOM_ROOT_TRUSTED", "warning")
    assert "0123456789ABCDEF0123" in warning.message and "LocalMachine\\Root" in warning.message
    assert "fjern den, når testen er slut" in warning.text("da")

    # the field is checked as every other field of the file (a hostile or broken file)
    for bad in ("not a thumbprint", 17, ["AB"], "<script>"):
        forged = install_evidence(tmp_path / "forged.json", custom_root=bad)
        with pytest.raises(InputError, match="not valid install evidence: custom_root"):
            read_evidence(forged, label="forged.json", environment="test", registered_ips=())


def test_install_evidence_keeps_what_was_changed_and_its_undo(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """An operations engineer's look: after a successful install the script forgot what it
    had changed (which CAs it added, which key rights it granted), and there is no way back
    but that list. The evidence keeps each change with its undo, the screen says it, and the
    run reads such evidence as before."""
    text = scripts["install"]
    # last first, as the trap says it (a Windows administrator's look: the first order invited
    # an undo that fails), and read back as commands (the JSON escapes their quotes)
    backwards = "for ($i = $changed.Count - 1; $i -ge 0; $i--) { $done += ,([ordered]@{ what"
    assert backwards in text
    evidence = text.index("$evidence = [ordered]@{")
    assert text.index(backwards) < evidence < text.index("    changes = $done")
    assert text.index("$changed.Clear()") < text.index("foreach ($c in $done)")
    assert "ConvertFrom-Json).changes | ForEach-Object {{ $_.undo }}" in text
    assert "-ServerNotInSettings needs -ServiceAccount" in text
    kept = install_evidence(
        tmp_path / "kept.json",
        changes=[{"what": "put the CA AB into LocalMachine\\Root", "undo": "Remove-Item …"}],
    )
    summary, found = read_evidence(kept, label="kept.json", environment="test", registered_ips=())
    assert summary["thumbprint"] == "ABCDEF0123" and not found


def test_install_evidence_of_another_environment_is_named(tmp_path: Path) -> None:
    """A server check's evidence of another environment was a warning, an install's was
    read silently (its step stayed planned without a word)."""
    other = install_evidence(tmp_path / "prod.json", environment="production")
    _, found = read_evidence(other, label="prod.json", environment="test", registered_ips=())
    assert [f.code for f in found] == ["PROBE_EVIDENCE_OTHER_ENVIRONMENT"]
    assert "'production'" in found[0].message
    assert "Belægget fra WZWEB01" in found[0].text("da")


def test_the_overview_names_a_custom_root_a_server_trusts() -> None:
    import dataclasses

    from ngdpkit.checks.evidence import EvidenceSummary
    from ngdpkit.documents.signoff import render_overview
    from tests.test_signoff import ctx

    seen = EvidenceSummary(
        "install",
        "WZWEB01",
        "2026-12-01T10:00:00Z",
        thumbprint="ABCDEF0123",
        chain_ok=True,
        key_accounts=1,
        custom_root="0123456789ABCDEF0123",
    )
    page = render_overview(dataclasses.replace(ctx("da"), evidence=(seen,)))
    assert (
        "WZWEB01 (01-12-2026 kl. 11:00): certifikatet installeret ABCDEF0123; stoler også på"
        " rod-CA&#39;en 0123456789ABCDEF0123, som ikke er en OCES3-rod" in page
    )
    plain = render_overview(
        dataclasses.replace(ctx("da"), evidence=(dataclasses.replace(seen, custom_root=None),))
    )
    assert "certifikatet installeret ABCDEF0123</li>" in plain and "OCES3-rod" not in plain


def test_install_with_whatif_changes_and_writes_nothing(scripts: dict[str, str]) -> None:
    """A Windows administrator's habit before a script changes a production server's
    certificate stores: ``-WhatIf``. The script declares ``SupportsShouldProcess``; with
    ``-WhatIf`` it checks the accounts and the root CA's policy, prints what it would change,
    and returns before the first change, before the password prompt and before any file is
    written (the folder's write test included)."""
    text = scripts["install"].replace("\r\n", "\n")  # the scripts are written with CRLF
    assert "[CmdletBinding(SupportsShouldProcess = $true)]" in text
    plan = text.index("if ($WhatIfPreference) {\n")
    end = text.index("\n    return\n}", plan)
    block = text[plan:end]
    # after every refusal, before every change
    assert text.index("Assert-NgdpAccounts $accounts") < plan
    assert text.rindex("throw ('Nothing was changed. The root CA in this script") < plan
    for change in (
        "Install-NgdpCa $RootCa $RootThumbprint 'Root'",
        "Read-Host -AsSecureString",
        "Import-PfxCertificate -FilePath",
        "[System.IO.File]::SetAccessControl($keyFile, $acl)",
        "Set-Content -LiteralPath $out",
    ):
        assert end < text.index(change), change
    # the plan only reads and prints
    assert commands(block) <= {"Write-Host", "Test-Path", "Get-Item", "Join-Path"}, commands(block)
    for says in ("LocalMachine\\{1}", "read access to the private key", "write its evidence to"):
        assert says in block, says
    assert "which is not an OCES3 root" in block
    # the shared folder check writes no test file under -WhatIf
    resolve = function_body(text, "Resolve-NgdpOutDir")
    skip = resolve.index("if ($WhatIfPreference) { return $Path }")
    assert skip < resolve.index("[System.IO.File]::WriteAllText($probe, '')")
    assert not nodes(text, "ERROR")


def test_evidence_that_counts_for_nothing_is_said(sample_dir: Path) -> None:
    """An attacker's look: install evidence of another certificate read as "certifikatet
    installeret CDCD…" without a word, evidence dated 2999 never went stale, and a file from
    a server the settings do not name was read silently. Each is a warning now."""
    import datetime as dt

    from ngdpkit.checks.evidence import EvidenceSummary
    from ngdpkit.deliverables.servercheck import evidence_coverage

    env = env_of(sample_dir)
    known = env.servers[0].name
    now = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)

    def install(
        server: str, thumbprint: str, taken: str = "2026-12-01T10:00:00Z"
    ) -> EvidenceSummary:
        return EvidenceSummary("install", server, taken, file="x.json", thumbprint=thumbprint,
                               chain_ok=True, key_accounts=1)  # fmt: skip

    def codes(*summaries: EvidenceSummary) -> list[str]:
        found = evidence_coverage(env, summaries, now=now, thumbprint="ABCDEF0123")
        return sorted(f.code for f in found if f.code != "NET_EVIDENCE_MISSING")

    assert codes(install(known, "abcdef0123")) == []
    assert codes(install(known, "CDCD")) == ["PROBE_EVIDENCE_OTHER_CERTIFICATE"]
    assert codes(install(known, "ABCDEF0123", "2999-01-01T00:00:00Z")) == ["PROBE_EVIDENCE_FUTURE"]
    (unknown,) = [
        f for f in evidence_coverage(env, [install("=HYPERLINK(1)", "ABCDEF0123")], now=now)
        if f.code == "PROBE_EVIDENCE_UNKNOWN_SERVER"
    ]  # fmt: skip
    assert unknown.severity == "warning" and known in unknown.message
    assert "tæller for ingen af dem" in unknown.text("da")
    # without the run's thumbprint (no certificate read), no certificate is judged
    plain = evidence_coverage(env, [install(known, "CDCD")], now=now)
    assert "PROBE_EVIDENCE_OTHER_CERTIFICATE" not in {f.code for f in plain}


def test_an_import_that_fails_leaves_no_ca_trusted(scripts: dict[str, str]) -> None:
    """An administrator's cold read: the CAs were put into LocalMachine\\Root and \\CA before
    the import, so a missing -PfxPath, a wrong password or an AES .p12 on Server 2016 stopped
    the script with a root trusted (with -TrustCustomRoot, one no evidence file names). The
    certificate is imported, or found installed, first."""
    text = scripts["install"].replace("\r\n", "\n")
    plan_end = text.index("\n    return\n}", text.index("if ($WhatIfPreference) {\n"))
    root = text.index("Install-NgdpCa $RootCa $RootThumbprint 'Root'", plan_end)
    for before in (
        "if (-not $PfxPath) { throw 'Give the .p12/.pfx with -PfxPath <file>.' }",
        "Read-Host -AsSecureString",
        "@(Import-PfxCertificate -FilePath",
        "throw ('The .p12/.pfx holds no certificate with thumbprint",
    ):
        assert plan_end < text.index(before, plan_end) < root, before
    assert root < text.index("$chainOk = $chain.Build($cert)")  # the chain needs the CAs
    # an edited CA still stops the script before any change, -WhatIf's plan too (the
    # administrator's second look: the thumbprint check had moved after the import)
    plan = text.index("if ($WhatIfPreference) {\n")
    for ca in (
        "Assert-NgdpCa $RootCa $RootThumbprint",
        "Assert-NgdpCa $IssuingCa $IssuingThumbprint",
    ):
        assert text.index("function Assert-NgdpCa") < text.index(ca) < plan, ca
    assert "throw ('Nothing was changed. The embedded CA has thumbprint" in text
    assert not nodes(text, "ERROR")


def test_the_server_check_reads_only_the_count_of_receipts(scripts: dict[str, str]) -> None:
    """An administrator's cold read: the https check and the key-as-account task fetched
    ``/receipts/``, a page of receipts WorkZone fetches on REST_PULL; the kit reads only the
    count NgDP allows (``page=0&size=1``), and never ``/memos/``."""
    text = scripts["check"]
    reads = re.findall(r"/receipts/[^'\s)]*", text)
    assert len(reads) == 2 and set(reads) == {"/receipts/?page=0&size=1"}, reads
    assert "/memos/" not in text.replace("/api/MeMoV1/memos/", "")


def test_a_push_service_this_server_does_not_trust_is_not_a_pass(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """An administrator's cold read: TrustFailure (this server does not trust the Push
    Service's own certificate) counted as "refused without a client certificate", a pass. It
    is a check of its own that fails, which the run reads as NET_PUSH_CERT_UNTRUSTED (a
    warning saying the binding could not be judged; NET_PUSH_UNPROTECTED's title, "answers
    without authorisation", was wrong for an endpoint that never answered: the second look)."""
    text = scripts["check"]
    trust = text.index("[System.Net.WebExceptionStatus]::TrustFailure")
    line = text[trust : text.index("\n", trust)]
    assert "Add-Check 'push_cert_untrusted' $PushUrl $false" in line, line
    assert "SecureChannelFailure" not in line
    path = tmp_path / "ev.json"
    check = {
        "kind": "push_cert_untrusted",
        "target": "https://push.example.dk/api/MeMoV1/x/receipt",
        "ok": False,
        "detail": "The remote certificate is invalid according to the validation procedure.",
        "status": None,
    }
    path.write_text(
        json.dumps(
            {
                "schema": "ngdpkit/server-check/1",
                "server": "WZPUSH01",
                "taken_at": "2026-12-01T10:00:00Z",
                "checks": [check],
            }
        )
    )
    found = read_evidence(path, label="ev.json", environment="production", registered_ips=())[1]
    assert [(f.code, f.severity) for f in found] == [("NET_PUSH_CERT_UNTRUSTED", "warning")]
    assert "kunne ikke afgøres" in found[0].text("da")


def test_evidence_times_do_not_follow_the_servers_culture(scripts: dict[str, str]) -> None:
    """An administrator's cold read: ``ToString('yyyy-MM-ddTHH:mm:ssZ')`` writes the culture's
    time separator (a "." in some), which the run then could not read as a time. Every time
    the scripts write is formatted in the invariant culture, with its literals quoted."""
    for name in ("install", "check"):
        text = scripts[name]
        formats = re.findall(r"\.ToString\((\"yyyy[^)]*)\)", text)
        assert formats, name
        for f in formats:
            assert "[System.Globalization.CultureInfo]::InvariantCulture" in f, (name, f)
            assert "'T'" in f and "'Z'" in f, (name, f)
        assert ".ToString('yyyy" not in text, name


def _evidence_of(tmp_path: Path, check: dict[str, Any]) -> list[Any]:
    path = server_check_evidence(tmp_path / "ev.json", [check])
    return read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]


def test_a_handshake_the_push_endpoint_ended_is_no_pass(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """A Windows administrator's cold read: SecureChannelFailure counted as "refused without a
    client certificate", a pass, though a TLS failure of another kind (protocol, cipher suites,
    the binding's own certificate) ends the handshake the same way. Only a 403 passes; an
    ended handshake is a check of its own, which the run reads as NET_PUSH_HANDSHAKE_ENDED
    (info: the kit did not see the binding ask for a certificate)."""
    text = scripts["check"]
    push = text[text.index("if ($PushUrl) {") : text.index("# The WinHTTP proxy")]
    at = push.index("[System.Net.WebExceptionStatus]::SecureChannelFailure)")
    line = push[at : push.index("\n", at)]
    assert "Add-Check 'push_handshake_refused' $PushUrl $true" in line, line
    passes = [x for x in push.splitlines() if "Add-Check 'push_client_cert' $PushUrl $true" in x]
    assert len(passes) == 1 and "SecureChannelFailure" not in passes[0], passes
    found = _evidence_of(
        tmp_path,
        {
            "kind": "push_handshake_refused",
            "target": "https://push.example.dk/api/MeMoV1/x/receipt",
            "ok": True,
            "detail": "the TLS handshake ended without a client certificate: The request was aborted: Could not create SSL/TLS secure channel.",
            "status": None,
        },
    )
    assert [(f.code, f.severity) for f in found] == [("NET_PUSH_HANDSHAKE_ENDED", "info")]
    assert "Could not create SSL/TLS secure channel" in found[0].message
    assert "afbrød TLS-handshaket" in found[0].text("da")
    assert "push.example.dk" in found[0].text("da")


def test_a_redirect_is_an_answer_not_a_failed_connection(
    scripts: dict[str, str], tmp_path: Path
) -> None:
    """An administrator's cold read: ``Invoke-WebRequest -MaximumRedirection 0`` stops on a 3xx
    with an error of its own, not a WebException, so a Push Service that redirects read as
    "not reached" and a redirected API call as a misleading failure. Every call goes through
    one function built on HttpWebRequest with AllowAutoRedirect off, which hands a 3xx back as
    an answer (the documented .NET Framework behaviour), and sends only a GET."""
    text = scripts["check"].replace("\r\n", "\n")
    code = "\n".join(
        line
        for line in re.sub(r"<#.*?#>", "", text, flags=re.S).splitlines()
        if not line.lstrip().startswith("#")
    )
    assert "-MaximumRedirection" not in code and "Invoke-WebRequest" not in code
    helper = function_body(text, "Invoke-NgdpRequest")
    assert "$request.AllowAutoRedirect = $false" in helper
    assert "if ($Method -ne 'Get') { throw" in helper
    assert helper.index("if ($Method -ne 'Get')") < helper.index("[System.Net.WebRequest]::Create")
    # a header Windows refuses is a failed check, not a stop with no evidence (second look)
    assert helper.index("    try {") < helper.index("[System.Net.WebRequest]::Create")
    assert helper.index("    try {") < helper.index("$request.Headers[$name] = $Headers[$name]")
    assert "$request.UserAgent = 'ngdpkit-server-check'" in helper
    # a WebException PowerShell hands over wrapped is found among the inner exceptions
    assert "$e = $e.InnerException" in helper and "$e.Response.StatusCode" in helper
    calls = [
        n.text.decode()
        for n in nodes(text, "command")
        if (n.child_by_field_name("command_name") or n.children[0]).text == b"Invoke-NgdpRequest"
    ]
    assert len(calls) == 2 and all(" -Method Get" in c for c in calls), calls
    # the task run as the account reads NgDP the same way
    inner = text[text.index("$inner = @(") : text.index(") -join")]
    assert "$r.AllowAutoRedirect = $false" in inner and "ClientCertificates.Add($c)" in inner
    # and a redirect there is no "ok" either (the run reads "ok" as the key used)
    said = "  if ((($status -ge 200) -and ($status -lt 300)) -or ($status -eq 401) -or ($status -eq 403)) { $said = ''ok'' }"
    assert (
        said in inner
        and "elseif (($status -ge 300) -and ($status -lt 400)) { $said = ''redirected to '' + $where }"
        in inner
    )
    assert inner.index("$said = ''answered''") < inner.index(said)  # a 407 or a 502 is no "ok"
    # the push endpoint: a redirect is an answer without a client certificate
    push = text[text.index("if ($PushUrl) {") : text.index("# The WinHTTP proxy")]
    order = [
        push.index(
            "[System.Net.WebExceptionStatus]::TrustFailure) { Add-Check 'push_cert_untrusted'"
        ),
        push.index("$a.Status -eq 403) { Add-Check 'push_client_cert' $PushUrl $true"),
        push.index("elseif ($a.Status -ne $null) { Add-Check 'push_client_cert' $PushUrl $false"),
        push.index("else { Add-Check 'push_not_judged'"),
    ]
    assert order == sorted(order)
    found = _evidence_of(
        tmp_path,
        {
            "kind": "push_client_cert",
            "target": "https://push.example.dk/api/MeMoV1/x/receipt",
            "ok": False,
            "detail": "answered 302 (a redirect to https://login.example.dk/) without a client certificate (the TLS handshake went through)",
            "status": 302,
        },
    )
    assert [(f.code, f.severity) for f in found] == [("NET_PUSH_UNPROTECTED", "warning")]
    assert "a redirect to https://login.example.dk/" in found[0].message
    # the API: NgDP does not redirect, so a 3xx fails the check and names where it pointed
    api = text[text.index("$a = Invoke-NgdpRequest -Uri ($ApiUrl") : text.index("# The egress")]
    redirect = api.index(
        "elseif (($a.Status -ge 300) -and ($a.Status -lt 400)) { Add-Check 'https' $ApiUrl $false"
    )
    assert api.index("($a.Status -ge 200) -and ($a.Status -lt 300)") < redirect
    found = _evidence_of(
        tmp_path,
        {
            "kind": "https",
            "target": "https://api.test.digitalpost.dk/apis/v1",
            "ok": False,
            "detail": "answered 302 (a redirect to http://proxy.local/login): NgDP does not redirect its API, so something between this server and NgDP answered",
            "status": 302,
        },
    )
    assert [(f.code, f.severity) for f in found] == [("NET_HTTP_REFUSED", "error")]
    assert "http://proxy.local/login" in found[0].message
    assert not nodes(text, "ERROR")


def test_the_tls_check_presents_the_certificate_when_it_is_installed(
    scripts: dict[str, str],
) -> None:
    """An administrator's cold read: the TLS check connected without a client certificate,
    and NgDP authenticates every call by mutual TLS. A front that asks for the certificate in
    the handshake may refuse a connection without one, and every server would fail the check
    (the TLS issuer then never read). The certificate is looked up first and presented; the
    check says whether .NET sent it (it sends one only when asked, from a CA the server
    names); refused with it, the handshake is tried once more without it, so that the issuer
    is still read; and no step of it waits for ever (the second look)."""
    text = scripts["check"].replace("\r\n", "\n")
    lookup = "$cert = Get-Item -LiteralPath ('Cert:\\LocalMachine\\My\\' + $Thumbprint)"
    assert text.count(lookup) == 1
    probe = function_body(text, "Test-NgdpTls")
    presented = probe.index("$tls.AuthenticateAsClient($ApiHost, $presented, ")
    assert probe.index("[void]$presented.Add($Certificate)") < presented
    without = probe.index("$tls.AuthenticateAsClient($ApiHost, $null, ")
    assert probe.rindex("if ($Certificate -eq $null) {", 0, without) >= 0
    assert "$seen.Sent = ($tls.LocalCertificate -ne $null)" in probe
    assert "$client.ConnectAsync($ApiHost, 443).Wait(45000)" in probe  # above Windows' 21 s
    # NgDP's certificate read in the validation callback: its issuer known when not trusted
    assert (
        "New-Object System.Net.Security.SslStream($client.GetStream(), $false, $validate)" in probe
    )
    assert "if ($remote -ne $null) { $seen.Issuer = $remote.Issuer }" in probe
    assert "}.GetNewClosure()" in probe
    assert "$client.ReceiveTimeout = 20000" in probe and "$client.SendTimeout = 20000" in probe
    called = text.index("$tlsSeen = Test-NgdpTls $cert")
    assert text.index(lookup) < called
    after = text[called : text.index("# REST_PUSH: NgDP calls")]
    assert "'the certificate offered, not sent: " in after
    # refused in the handshake with the certificate, NgDP's accepted: once more without;
    # the issuer written whenever it was read, a failed handshake too
    retry = after.index("$without = Test-NgdpTls $null")
    assert after.rindex("($tlsSeen.Stage -eq 'handshake')", 0, retry) > 0
    assert after.rindex("this server does not accept the certificate shown for NgDP") > retry
    # the retry's issuer kept: a certificate refused in the handshake leaves none (the third
    # look: .NET calls the callback only after a completed handshake)
    assert after.index("if (-not $tlsSeen.Issuer) { $tlsSeen.Issuer = $without.Issuer }") > retry
    assert (
        "if ($tlsSeen.Issuer) { Add-Check 'tls_issuer' $ApiHost $true $tlsSeen.Issuer $null }"
        in after
    )
    # the chain and key checks still follow the lookup, on the certificate it found
    assert text.index(lookup) < text.index("$built = $chain.Build($cert)")
    assert not nodes(text, "ERROR")


def test_a_failure_after_a_change_says_what_was_changed(scripts: dict[str, str]) -> None:
    """An administrator's cold read: a failure after the import (no key file, a refused
    grant) stopped the script with no evidence file, and a root trusted with -TrustCustomRoot
    went unnamed. Each change is noted as it is made (a CA put into a store, a certificate
    imported, a read right given), and a trap at the script's own level says them, with how to
    undo each, when a later step stops it; once the evidence is written, it names them."""
    text = scripts["install"].replace("\r\n", "\n")
    traps = nodes(text, "trap_statement")
    assert len(traps) == 1 and traps[0].parent.parent.type == "program"  # the script's scope
    trap = traps[0].text.decode()
    assert "for ($i = $changed.Count - 1; $i -ge 0; $i--) {" in trap  # last first
    assert "if ($changed[$i].Undo) { Write-Warning ('    undo: ' + $changed[$i].Undo) }" in trap
    assert trap.rstrip("}\n ").endswith("break")
    assert "no evidence written" in trap and "the cause shown below" in trap  # the error follows
    noted = [m.start() for m in re.finditer(r"\[void\]\$changed\.Add\(", text)]
    assert len(noted) == 4  # a CA, each certificate imported, a key given to one, a read right
    # an undo prints as a command of its own, its quoted values with every quote doubled
    assert "Format-NgdpQuoted $keyFile" in text and "Format-NgdpQuoted $account" in text
    quoting = function_body(text, "Format-NgdpQuoted")
    assert "[char]0x27 + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B" in quoting
    install_ca = function_body(text, "Install-NgdpCa")
    assert install_ca.index("$store.Add($ca)") < install_ca.index("[void]$changed.Add(")
    assert (
        "Undo = ('Remove-Item -LiteralPath Cert:\\LocalMachine\\{1}\\{0}' -f $ca.Thumbprint, $StoreName)"
        in install_ca
    )
    # only what the import added (a chain certificate already there is no change of its own)
    before = text.index("$before = @(Get-ChildItem -LiteralPath 'Cert:\\LocalMachine\\My'")
    imported = text.index(
        "foreach ($one in ($imported | Where-Object { $before -notcontains $_.Thumbprint })) { [void]$changed.Add("
    )
    assert before < text.index("@(Import-PfxCertificate") < imported
    # a key given to a certificate that was there: said only once it is there with its key
    key = text.index("if (($before -contains $Thumbprint) -and $cert.HasPrivateKey)")
    assert text.index("throw ('The .p12/.pfx holds no certificate with thumbprint") < key
    # made before the first line the trap covers (all of its scope), for Set-StrictMode
    assert text.index("$changed = New-Object System.Collections.ArrayList") < text.index(
        "Get-NgdpAccounts $ServiceAccount"
    )
    assert "$undo = \"`$a = (Get-Item -LiteralPath '{0}').GetAccessControl('Access')" in text
    assert text.index("[System.IO.File]::SetAccessControl($keyFile, $acl)") < text.index(
        "[void]$changed.Add(@{ What = ('gave {0} read access"
    )
    written = text.index("$evidence | ConvertTo-Json -Depth 4 | Set-Content")
    cleared = text.index("$changed.Clear()")
    assert written < cleared < text.index("if (-not $chainOk) { throw")
    assert not nodes(text, "ERROR")


def test_the_proxy_is_read_by_the_shape_of_netshs_output_in_any_language(
    tmp_path: Path, scripts: dict[str, str]
) -> None:
    """A consultant's Windows pass: a server with a Danish display language reported
    "Aktuelle WinHTTP-proxyindstillinger: Direkte adgang (ingen proxyserver)." and got two
    NET_WINHTTP_PROXY warnings, which kept the run from ever being ready. The server check
    joins netsh's lines with " | ", and the run reads their shape: a heading and one line
    without a value is direct; a heading and "label : value" lines is a proxy."""
    from ngdpkit.deliverables.servercheck import winhttp_direct

    assert "-join ' | '" in scripts["check"] and "winhttp show proxy" in scripts["check"]
    danish = "Aktuelle WinHTTP-proxyindstillinger: | Direkte adgang (ingen proxyserver)."
    german = "Aktuelle WinHTTP-Proxyeinstellungen: | Direkter Zugriff (kein Proxyserver)."
    english = "Current WinHTTP proxy settings: | Direct access (no proxy server)."
    for direct in (danish, german, english, "Current WinHTTP proxy settings: Direct access"):
        assert winhttp_direct(direct), direct
    proxied = (
        "Aktuelle WinHTTP-proxyindstillinger: | Proxyserver(e) : proxy.soeby.local:8080 | "
        "Tilsidesættelsesliste : (ingen)",
        "Current WinHTTP proxy settings: | Proxy Server(s) : myproxy | Bypass List : (none)",
        "Proxy Server(s) : proxy.soeby.local:8080",  # an older script's run-together text
        "something else entirely",
        "Error: access denied | The command failed",  # an error is no direct access
    )
    for proxy in proxied:
        assert not winhttp_direct(proxy), proxy


def test_the_server_checks_evidence_is_utf8_with_its_bom(scripts: dict[str, str]) -> None:
    """A consultant's second look: the evidence was UTF-8 without a BOM, which Windows
    PowerShell 5.1 reads as Windows-1252, so a file saved again through ``Get-Content |
    Out-File`` had "svc-wz-Ã¦Ã¸Ã¥" where the account said "svc-wz-æøå", on the signed page.
    It is written with its BOM, as the install script's is."""
    check = scripts["check"]
    assert "New-Object System.Text.UTF8Encoding($true)" in check
    assert "UTF8Encoding($false)" not in check


def test_a_proxy_setting_not_read_and_an_egress_that_is_no_address_are_said(
    tmp_path: Path,
) -> None:
    """A Windows administrator's review: netsh printing nothing, or failing ("not read:
    …"), read as direct access, and an egress "address" that was a proxy's HTML page (or a
    mistyped -EgressIp) was dropped without a word. Each is a warning."""

    def codes_of(proxy: str, egress: object) -> list[tuple[str, str]]:
        path = tmp_path / "ev.json"
        check = {"kind": "proxy", "target": "WinHTTP", "ok": True, "detail": proxy}
        evidence = {"schema": "ngdpkit/server-check/1", "server": "WZWEB01"}
        evidence |= {"taken_at": "2026-12-01T10:00:00Z", "environment": "test"}
        evidence |= {"egress_ip": egress, "checks": [check | {"status": None}]}
        path.write_text(json.dumps(evidence))
        found = read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]
        return [(f.code, f.severity) for f in found]

    direct = "Current WinHTTP proxy settings: | Direct access (no proxy server)."
    assert codes_of(direct, None) == []
    assert codes_of("", None) == [("NET_WINHTTP_PROXY", "warning")]
    assert codes_of("not read: Access is denied", None) == [("NET_WINHTTP_PROXY", "warning")]
    assert codes_of(direct, "<html>blocked</html>") == [("NET_EGRESS_IP_UNREGISTERED", "warning")]


def test_the_server_checks_own_calls_go_direct_and_a_session_proxy_is_said(
    tmp_path: Path, scripts: dict[str, str]
) -> None:
    """A Windows administrator's read: HttpWebRequest and Invoke-RestMethod take the proxy of
    the Internet settings of whoever runs the script (an administrator's, often set by Group
    Policy), which WorkZone's service account does not share. Through it, a proxy's own 403
    passed as a push binding that asks for a client certificate, and -EgressIpUrl named the
    proxy's address. The script's calls go direct, as its TCP and TLS checks and the firewall
    order do, and the proxy that session would have taken is a note the run says."""
    check = scripts["check"]
    assert "$request.Proxy = $null" in function_body(check, "Invoke-NgdpRequest")
    assert "Invoke-RestMethod" not in commands(check)
    egress = check[check.index("elseif ($EgressIpUrl) {") :]
    egress = egress[: egress.index("$result = [ordered]@{")]
    assert "$request.Proxy = $null" in egress and "$request.AllowAutoRedirect = $false" in egress
    assert "if ([int]$response.StatusCode -eq 200) { $egress = " in egress  # a redirect is none
    assert "[System.Net.WebRequest]::DefaultWebProxy" in check
    assert "Add-Check 'session_proxy'" in check
    judged = next(line for line in check.splitlines() if line.startswith("$judgedByRun = "))
    assert "'session_proxy'" in judged

    def found(detail: str) -> list[Any]:
        path = tmp_path / "ev.json"
        check = {"kind": "session_proxy", "target": "Internet settings of this session"}
        check |= {"ok": True, "detail": detail, "status": None}
        evidence = {"schema": "ngdpkit/server-check/1", "server": "WZWEB01"}
        evidence |= {"taken_at": "2026-12-01T10:00:00Z", "environment": "test", "checks": [check]}
        path.write_text(json.dumps(evidence))
        return read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]

    assert found("direct") == [] and found("not read: Access is denied") == []
    (proxy,) = found("http://proxy.soeby.local:8080/")
    assert (proxy.code, proxy.severity) == ("NET_SESSION_PROXY", "info")
    assert "http://proxy.soeby.local:8080/" in proxy.message and "direct" in proxy.message
    assert "proxyen http://proxy.soeby.local:8080/" in proxy.text("da")
    (proxy,) = found("http://svc:Hemmelig-42@proxy.soeby.local:8080/")
    assert "Hemmelig-42" not in json.dumps(proxy.to_dict("da")) + proxy.message
    assert "http://proxy.soeby.local:8080/" in proxy.message


def test_the_server_check_says_when_it_runs_on_a_server_the_settings_do_not_list(
    sample_dir: Path, scripts: dict[str, str]
) -> None:
    """The test and the production script have one name: an operations engineer ran the test
    script on a production server, read "All 30 checks passed" and handed back a file the run
    could not use. The script changes nothing, so it does not refuse; it says so first and
    last, naming the servers of its environment as $env:COMPUTERNAME spells them."""
    check = scripts["check"]
    assert "$ServerNames = @('WZ-WEB01-T', 'WZ-AGENT01-T')" in check
    assert "($ServerNames -notcontains $env:COMPUTERNAME)" in check
    first = check.index("Write-Warning $NotListed")
    last = check.index("if ($NotListed) { Write-Warning $NotListed }")
    assert first < check.index("$destinations = @(")
    assert check.index("Write-Host ('Written: ' + $file)") < last < check.index("    exit 2")
    env = env_of(sample_dir)
    fqdn = replace(env, servers=(Server(name="wzweb01.soeby.local", service_account="a"),))
    assert "$ServerNames = @('WZWEB01')" in server_check_script(fqdn, thumbprint="ABCDEF0123")
    none = replace(env, servers=())
    assert "$ServerNames = @()" in server_check_script(none, thumbprint="ABCDEF0123")


def test_a_second_install_keeps_the_undos_of_the_first(scripts: dict[str, str]) -> None:
    """A Windows administrator ran install-certificate.ps1 twice, as the README's first real
    run says (and as the run asks every 30 days for new evidence): the second run changed
    nothing and wrote its evidence over the first's, with an empty list of changes, so the
    only record of what taking the server out of NgDP needs was gone. The changes an earlier
    run's evidence lists stay, after this run's own, each once."""
    text = scripts["install"]
    body = function_body(text, "Get-NgdpEarlierChanges")
    assert "Test-Path -LiteralPath $Path -PathType Leaf" in body
    assert "ConvertFrom-Json).changes" in body and "catch { Write-Warning" in body
    backwards = text.index("for ($i = $changed.Count - 1; $i -ge 0; $i--) { $done += ,(")
    out = text.index("$out = Join-Path $OutDir ('ngdpkit-install-{0}-{1}.json'")
    earlier = text.index("foreach ($c in @(Get-NgdpEarlierChanges $out)) {")
    assert backwards < out < earlier < text.index("    changes = $done")
    assert "Where-Object { $_.what -eq $c.what }).Count -eq 0) { $done += ,$c }" in text
    assert text.count("$out = Join-Path") == 1
    assert "if ($madeNow -eq 0) { Write-Host 'Nothing was changed on this server" in text


# What a variable whose ``.Count`` is read may be assigned: an array, a hashtable or a list,
# which stays one whatever it holds. A function's or a pipeline's result is unrolled (one item
# comes back as itself), and ``.Count`` on a single string stops the script under
# ``Set-StrictMode -Version Latest`` in Windows PowerShell 5.1, which an administrator's
# profile may set for every script it runs.
COUNTABLE = ("@(", "@{", "[ordered]@{", "New-Object System.Collections.ArrayList")


def _code_only(text: str) -> str:
    """A script without its block and line comments (what PowerShell runs)."""
    text = re.sub(r"<#.*?#>", "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_every_count_is_read_of_an_array_under_strict_mode(scripts: dict[str, str]) -> None:
    """A Windows administrator's read under ``Set-StrictMode -Version Latest``: server-check.ps1
    took ``Get-NgdpAccounts`` as it came back, and on a server with one service account read
    ``.Count`` of a string (PropertyNotFoundStrict in 5.1: the check stopped with no evidence
    written). Every variable whose ``.Count`` is read is an array, a hashtable or a list in
    every assignment, or a parameter typed as one."""
    for name, text in scripts.items():
        code = _code_only(text)
        counted = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)\.Count\b", code))
        assert {"accounts", "checks", "failed"} <= counted or name == "install", (name, counted)
        for var in counted:
            assigned = re.findall(rf"(?im)\${var}\s*=(?!=)\s*(.+)$", code)
            typed = re.findall(rf"(?i)\[(?:string\[\]|hashtable)\]\${var}\b", code)
            assert assigned or typed, (name, var)
            for value in assigned:
                assert value.startswith(COUNTABLE), (name, var, value)
    for name, text in scripts.items():
        assert "$accounts = @(Get-NgdpAccounts $ServiceAccount" in text, name
        assert "function Get-NgdpAccounts([string[]]$Given, [hashtable]$ByServer" in text, name


def test_the_tcp_checks_never_ping_and_give_up_after_10_s(scripts: dict[str, str]) -> None:
    """A Windows administrator's read: ``Test-NetConnection -Port`` has no time limit (a port
    the firewall drops held it about 21 s per destination, eleven of them) and pinged after a
    failed connection, which every municipality's firewall drops. Each TCP check is one
    connection given 10 s, no ping, alike in Windows PowerShell 5.1 and PowerShell 7."""
    check = scripts["check"]
    assert not {"Test-NetConnection", "Test-Connection"} & commands(check)
    assert "-InformationLevel" not in check and "NetworkInformation.Ping" not in check
    body = function_body(check, "Test-NgdpTcp")
    assert "$client = New-Object System.Net.Sockets.TcpClient" in body
    assert "if ($client.ConnectAsync($Target, $Port).Wait(10000)) {" in body
    assert "finally { $client.Close() }" in body
    assert "no TCP connection within 10 s" in body
    for loop in ("foreach ($d in $destinations) {", "foreach ($ip in $NgdpIps) {"):
        block = check[check.index(loop) :]
        block = block[: block.index("\n}")]
        assert "$tcp = Test-NgdpTcp " in block and "$tcp.Message" in block, loop
    assert check.index("function Test-NgdpTcp") < check.index("foreach ($d in $destinations)")


def test_a_failed_egress_lookup_is_said_with_what_to_do(
    tmp_path: Path, scripts: dict[str, str]
) -> None:
    """A Windows administrator's read: ``-EgressIpUrl`` goes direct (through a proxy it named
    the proxy), so where only a proxy reaches the Internet the lookup fails, and the script
    said nothing: ``egress_ip`` was empty in the evidence. It says what that means and what to
    do, keeps a note in the evidence, and the run names it (info, no failed check)."""
    check = scripts["check"]
    egress = check[check.index("elseif ($EgressIpUrl) {") :]
    egress = egress[: egress.index("$result = [ordered]@{")]
    assert "catch { $egress = $null; $lookupFailed = $_.Exception.Message }" in egress
    assert "else { $lookupFailed = ('it answered {0}' -f [int]$response.StatusCode) }" in egress
    assert "Add-Check 'egress_lookup' $EgressIpUrl $false $lookupFailed $null" in egress
    warning = egress[egress.index("Write-Warning (") :]
    for words in ("only through a proxy", "name the proxy", "network team", "-EgressIp <that"):
        assert words in warning, words
    judged = next(line for line in check.splitlines() if line.startswith("$judgedByRun = "))
    assert "'egress_lookup'" in judged
    path = tmp_path / "ev.json"
    lookup = {"kind": "egress_lookup", "target": "https://api.ipify.org", "ok": False}
    lookup |= {"detail": "Unable to connect to the remote server", "status": None}
    tcp = {"kind": "tcp", "target": "api.test.digitalpost.dk:443", "ok": True, "detail": "remote"}
    evidence = {"schema": "ngdpkit/server-check/1", "server": "WZWEB01", "egress_ip": None}
    evidence |= {"taken_at": "2026-12-01T10:00:00Z", "environment": "test"}
    path.write_text(json.dumps(evidence | {"checks": [lookup, tcp]}))
    summary, found = read_evidence(
        path, label="ev.json", environment="test", registered_ips=("198.51.100.10",)
    )
    assert [(f.code, f.severity) for f in found] == [("NET_EGRESS_NOT_LOOKED_UP", "info")]
    assert "Unable to connect" in found[0].message and "-EgressIp" in found[0].message
    assert "https://api.ipify.org" in found[0].message
    assert "-EgressIp" in found[0].text("da") and "proxy" in found[0].text("da")
    assert summary["failed"] == 0 and summary["egress_ip"] is None
    lookup["target"] = "https://svc:Hemmelig-42@egress.soeby.local/"
    path.write_text(json.dumps(evidence | {"checks": [lookup]}))
    (said,) = read_evidence(path, label="ev.json", environment="test", registered_ips=())[1]
    assert "Hemmelig-42" not in json.dumps(said.to_dict("da")) + said.message


def test_each_script_says_how_to_check_its_hash_and_the_overview_lists_it(
    sample_run: dict[str, Any],
) -> None:
    """A Windows administrator's read: Outlook blocks a ``.ps1`` attachment, and a copy from
    mail or Teams carries the Mark of the Web, which a RemoteSigned policy from Group Policy
    refuses. Each script's header says to compare ``Get-FileHash`` with the SHA-256 the run's
    overview lists for it before ``Unblock-File``, and the overview and the manifest list it."""
    import hashlib

    run_dir = sample_run["run_dir"]
    overview = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    for name in ("server-check.ps1", "install-certificate.ps1"):
        data = (run_dir / name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert listed[name] == digest and digest.upper() in overview, name
        header = data.decode("utf-8-sig")
        header = header[: header.index("#>")]
        hashed = header.index(f"Get-FileHash -Algorithm SHA256 .\\{name}")
        assert hashed < header.index(f"Unblock-File .\\{name}"), name
        assert "signoff/index.html" in header and "Group Policy" in header, name


def test_an_earlier_evidence_is_read_leniently_under_strict_mode(scripts: dict[str, str]) -> None:
    """A Windows administrator's read under ``Set-StrictMode -Version Latest``: an earlier
    run's evidence without ``changes`` (an older kit's, or one edited by hand) threw on
    ``.changes`` and read as "could not be read", and a change without ``what`` threw on
    ``$c.what``. The function turns strict mode off in its own scope (the caller's stays)
    before it reads a property of the parsed file."""
    body = function_body(scripts["install"], "Get-NgdpEarlierChanges")
    off = body.index("Set-StrictMode -Off")
    assert off < body.index("ConvertFrom-Json).changes") and off < body.index("$c.what")
    code = "\n".join(x for x in body.splitlines() if not x.lstrip().startswith("#"))
    assert code.count("Set-StrictMode") == 1  # nothing else of the script is loosened
    assert scripts["install"].count("Set-StrictMode -Off") == 1


def test_the_server_check_ends_on_a_summary_for_the_ticket(scripts: dict[str, str]) -> None:
    """A Windows administrator's read: the warning of a failed egress lookup scrolled away
    among the check lines, and the script ended on "All 29 checks passed" with notes among
    them, which read as nothing left to do. It ends on one block to copy into a ticket: what
    passed, each failed check and each note, the egress address (or why there is none) and
    what to do, then one closing line. Read by rule on the parsed script: nothing here runs
    PowerShell."""
    check = scripts["check"]
    assert not nodes(check, "ERROR")
    assert {"Split-Path", "Write-Host", "Where-Object", "New-Object"} <= PS51
    code = _code_only(check)
    head = code.index("==== ngdpkit server check: summary (copy it into the ticket) ====")
    end = code.index("==== end of summary ====")
    assert code.index("foreach ($c in $checks) {") < code.index("Write-Host ('Written: ' + $file)")
    assert code.index("if ($NotListed) { Write-Warning $NotListed }") < head < end
    assert end < code.index("    exit 2")
    summary = code[head:end]
    # every check is counted once: failed, a note the run judges, or passed
    notes = "$notes = @($checks | Where-Object { ($failed -notcontains $_) -and ($judgedByRun -contains $_.kind) })"
    assert notes in code and code.index(notes) < head
    assert "$passed = $checks.Count - $failed.Count - $notes.Count" in code
    for line in (
        "Write-Host ('Passed: {0} of {1} checks' -f $passed, $checks.Count)",
        "foreach ($c in $failed) { Write-Host ('  FAIL {0} {1}: {2}' -f $c.kind, $c.target, $c.detail) }",
        "foreach ($c in $notes) { Write-Host ('  note {0} {1}: {2}' -f $c.kind, $c.target, $c.detail) }",
        "Write-Host ('Egress IP: {0}' -f $egressSaid)",
        "Write-Host ('Evidence: {0}' -f $file)",
        "foreach ($line in $todo) { Write-Host ('  - ' + $line) }",
    ):
        assert line in summary, line
    # the egress address in each case, and a failed lookup is a thing to do
    todo = code[code.index("$todo = New-Object System.Collections.ArrayList") : head]
    assert "if ($egress) { $egressSaid = $egress }" in todo
    lookup = todo[
        todo.index("elseif ($EgressIpUrl) {") : todo.index("else { $egressSaid = 'not given")
    ]
    assert "-EgressIp <that address>" in lookup and "network team" in lookup
    for cause, words in (
        ("if ($NotListed)", "script of environment"),
        ("if ($failed.Count -gt 0)", "run the script again"),
        ("if ($AuthorizationFile)", "Delete the file given as -AuthorizationFile"),
    ):
        said = next(x for x in todo.splitlines() if x.startswith(cause))
        assert "[void]$todo.Add(" in said and words in said, cause
    # handing the file back is always to do: an unconditional line
    assert any(x.startswith("[void]$todo.Add(('Hand {0} back") for x in todo.splitlines())
    # no secret: the header and its file's content are never read in the summary
    assert "$authorization" not in todo + summary and "Get-Content" not in todo + summary
    # after the summary one closing line; "All N checks passed" only without notes
    tail = code[end:]
    assert tail.count("Write-Host") == 2 and tail.count("Write-Warning") == 1
    assert "if ($notes.Count -gt 0) { Write-Host ('No check failed: {0} passed, {1} notes" in tail
    assert tail.index("if ($notes.Count -gt 0)") < tail.index("All {0} checks passed")


def test_each_script_says_where_a_trustworthy_hash_comes_from(scripts: dict[str, str]) -> None:
    """A Windows administrator's read: operations usually get the scripts alone (a share, a
    zip), and the header named only the overview of the run, which they do not have, so the
    hash came in the same zip or mail as the script. The header says to ask the consultant for
    the value by another way than the script came (the signed sign-off, signoff.pdf, or typed
    into the ticket), never from a file handed over beside it. Read on the parsed script."""
    for name, file in (("check", "server-check.ps1"), ("install", "install-certificate.ps1")):
        text = scripts[name]
        assert not nodes(text, "ERROR"), name
        (header,) = [
            c.text.decode() for c in nodes(text, "comment") if "Get-FileHash" in c.text.decode()
        ]
        header = " ".join(header.split())
        assert "signoff.pdf" in header, name
        assert "Ask the consultant for that value by another way than this file came" in header
        assert "never from a file handed over beside this one" in header, name
        assert header.index("another way") < header.index(f"Unblock-File .\\{file}"), name


def _assignment(text: str, variable: str) -> str:
    """The single-quoted value assigned to ``variable`` in the parsed script."""
    for node in nodes(text, "assignment_expression"):
        if node.children[0].text.decode() == variable:
            (value,) = [n for n in nodes(node.text.decode(), "verbatim_string_characters")]
            return value.text.decode()[1:-1].replace("''", "'")
    raise AssertionError(f"{variable} is not assigned")


def test_an_account_that_stands_for_every_user_is_refused_by_its_sid(
    scripts: dict[str, str],
) -> None:
    """A Windows administrator's read (session 38): the run refuses Everyone and Domain Users
    by their English names, but a Danish server names them otherwise, and an account given
    with -ServiceAccount reaches no run: the install script judges each account by its SID,
    which no language changes, and stops before it changes anything."""
    text = scripts["install"]
    assert not nodes(text, "ERROR")
    body = function_body(text, "Assert-NgdpAccounts")
    broad = re.compile(_assignment(body, "$broad"), re.IGNORECASE)  # -match ignores case
    for sid in (
        "S-1-1-0",  # Everyone (Alle)
        "S-1-5-11",  # Authenticated Users
        "S-1-5-32-545",  # BUILTIN\Users (BUILTIN\Brugere)
        "S-1-5-32-546",  # BUILTIN\Guests
        "S-1-5-4",  # INTERACTIVE
        "S-1-5-7",  # ANONYMOUS LOGON
        "S-1-5-21-1004336348-1177238915-682003330-513",  # Domain Users (Domænebrugere)
        "S-1-5-21-1004336348-1177238915-682003330-515",  # Domain Computers
    ):
        assert broad.search(sid), sid
    for sid in (
        "S-1-5-18",  # SYSTEM
        "S-1-5-20",  # NETWORK SERVICE
        "S-1-5-21-1004336348-1177238915-682003330-1105",  # a service account
        "S-1-5-21-1004336348-1177238915-682003330-5130",
        "S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415",  # IIS APPPOOL\…
    ):
        assert not broad.search(sid), sid
    assert "if ($sid.Value -match $broad) { throw ('Nothing was changed." in body
    # the SID is the one the account translates to, and the check runs before any change,
    # -WhatIf too, for an account given on the command line as for one from the settings
    assert "$sid = (New-Object System.Security.Principal.NTAccount($account)).Translate(" in body
    check = text.index("Assert-NgdpAccounts $accounts")
    assert text.index("$accounts = @(Get-NgdpAccounts $ServiceAccount") < check
    for change in ("Write-Host 'What if:", "@(Import-PfxCertificate", "Install-NgdpCa $RootCa"):
        assert check < text.index(change), change


def test_several_accounts_are_given_comma_separated_with_file(
    scripts: dict[str, str],
) -> None:
    """powershell -File hands -ServiceAccount DOM\\a,DOM\\b over as one text; the README sent
    the administrator to -Command instead, under which Windows PowerShell turns the exit code 2
    of a failed check into 1 (a script that stopped on an error). Both scripts split the
    given accounts at their commas (no Windows account name holds one), and the README gives
    the -File form."""
    for name, text in scripts.items():
        assert not nodes(text, "ERROR"), name
        body = function_body(text, "Get-NgdpAccounts")
        given = [
            n.text.decode()
            for n in nodes(body, "assignment_expression")
            if n.children[0].text.decode() == "$accounts" and "$Given" in n.text.decode()
        ]
        assert given == [
            "$accounts = @($Given | ForEach-Object { ([string]$_).Split(',') }"
            " | ForEach-Object { $_.Trim() } | Where-Object { $_ })"
        ], name
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert (
        "`powershell -ExecutionPolicy Bypass -File .\\server-check.ps1 -ServiceAccount DOM\\a,DOM\\b`"
        in readme
    )
    assert '-Command "& .\\server-check.ps1 -ServiceAccount' not in readme


def test_the_reexport_commands_run_in_windows_powershell_5_1(tmp_path: Path) -> None:
    """The re-export of an AES .p12 was one line joined by "&&", which Windows PowerShell 5.1
    refuses to parse (the pipeline chain operators came with PowerShell 7), with the file
    name unquoted: two commands now, each parsed as PowerShell, a name with a space quoted."""
    from ngdpkit.steps.n03_certificate import _PBES2_DER, modern_encryption

    p12 = tmp_path / "Søby test.p12"
    p12.write_bytes(b"\x30\x82" + _PBES2_DER + b"\x00")
    (found,) = modern_encryption(p12, "certs/Søby test.p12")
    assert "&&" not in found.message
    commands_given = [found.params["command"], found.params["command2"]]
    assert commands_given == [
        'openssl pkcs12 -in "Søby test.p12" -out key-and-cert.pem',
        'openssl pkcs12 -export -legacy -in key-and-cert.pem -out "legacy-Søby test.p12"',
    ]
    for command in commands_given:
        assert command in found.message
        assert not nodes(command, "ERROR") and len(nodes(command, "command")) == 1
    plain = tmp_path / "test.p12"
    plain.write_bytes(b"\x30\x82" + _PBES2_DER + b"\x00")
    (found,) = modern_encryption(plain, "certs/test.p12")
    assert found.params["command"] == "openssl pkcs12 -in test.p12 -out key-and-cert.pem"


def test_the_run_refuses_every_user_by_its_danish_name_or_sid_as_the_script_does(
    scripts: dict[str, str],
) -> None:
    """A Windows administrator's read (session 38): the run refused Everyone and Domain Users
    by their English names only; a Danish server calls BUILTIN\\Users BUILTIN\\Brugere, and an
    account may be given by its SID. The run's list of SIDs is the install script's."""
    from ngdpkit.checks.system import BROAD_SIDS, account_too_broad, check_accounts

    for account in (
        "BUILTIN\\Brugere",
        "brugere",
        "NT AUTHORITY\\Godkendte brugere",
        "SOEBY\\Domænebrugere",
        "BUILTIN\\Gæster",
        "*S-1-1-0",
        "S-1-5-32-545",
        "S-1-5-21-1004336348-1177238915-682003330-513",
    ):
        assert account_too_broad(account), account
    for account in (
        "SOEBY\\svc-workzone",
        "NT AUTHORITY\\SYSTEM",
        "S-1-5-18",
        "S-1-5-21-1004336348-1177238915-682003330-1105",
        "SOEBY\\brugere-wz",
    ):
        assert not account_too_broad(account), account
    found = check_accounts([("wz-web01-t", "BUILTIN\\Brugere")], "k")
    assert [f.code for f in found] == ["SERVICE_ACCOUNT_TOO_BROAD"]
    body = function_body(scripts["install"], "Assert-NgdpAccounts")
    assert _assignment(body, "$broad") == f"^({BROAD_SIDS.pattern})$"


def test_the_run_refuses_the_domain_groups_whose_sid_the_script_refuses() -> None:
    """A hostile second look (session 38): the install script refuses RIDs 513, 514 and 515
    (Domain Users, Guests, Computers) in any domain, the run only Domain Users by name, so
    "SOEBY\\Domain Computers" (every computer of the domain reading the key) passed the run
    and stopped the script on the server; ".\\Users", the local machine's Users, passed too."""
    from ngdpkit.checks.system import account_too_broad, check_accounts

    for account in (
        "SOEBY\\Domain Computers",
        "SOEBY\\Domain Guests",
        "soeby\\domænecomputere",
        "SOEBY\\Domænegæster",
        ".\\Users",
        ".\\Brugere",
        "LOCAL",
    ):
        assert account_too_broad(account), account
    for account in (".\\svc-workzone", "SOEBY\\svc-wz$", "svc-wz@soeby.dk", "SOEBY\\Domain Admins"):
        assert not account_too_broad(account), account
    found = check_accounts([("wz-web01-t", "SOEBY\\Domain Computers")], "k")
    assert [f.code for f in found] == ["SERVICE_ACCOUNT_TOO_BROAD"]


def _top_statements(text: str) -> list[Any]:
    """The statements of a generated script's top level, after its ``param`` block."""
    root = parser().parse(text.encode("utf-8")).root_node
    (body,) = [c for c in root.children if c.type == "statement_list"]
    return [c for c in body.children if c.type != "comment"]


def _inside(node: Any, kind: str) -> list[Any]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type == kind:
            out.append(n)
        stack.extend(n.children)
    return out


def test_both_scripts_stop_in_constrained_language_mode_before_any_work(
    scripts: dict[str, str],
) -> None:
    """A locked-down municipality's read (AppLocker or WDAC): a script outside the allowed
    folders, or sent by Invoke-Command -FilePath, runs in Constrained Language Mode, where its
    .NET calls fail half-way with "Method invocation is supported only on core types in this
    language mode". Each script reads the language mode first and stops in one line that
    names the mode and what to do, exit 1 (2 of the server check means "checks failed,
    evidence written"), before any command, .NET type or method call runs."""
    for name, text in scripts.items():
        top = _top_statements(text)
        (at,) = [
            i
            for i, s in enumerate(top)
            if s.type == "if_statement"
            and "$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage'" in s.text.decode()
        ]
        assert top[0].text.decode() == "$ErrorActionPreference = 'Stop'", name
        for before in top[:at]:
            for kind in ("command", "type_literal", "invokation_expression"):
                assert not _inside(before, kind), (name, before.text.decode()[:60])
        root = parser().parse(text.encode("utf-8")).root_node
        (param,) = [c for c in root.children if c.type == "param_block"]
        assert not _inside(param, "command") and not _inside(param, "invokation_expression")
        check = top[at]
        said = [c.text.decode() for c in _inside(check, "command")]
        assert len(said) == 1 and said[0].startswith("Write-Host ('Nothing was "), name
        for words in ("{0}", "AppLocker", "folder the AppLocker rules allow", "signed"):
            assert words in said[0], (name, words)
        (stop,) = _inside(check, "flow_control_statement")
        assert stop.text.decode() == "exit 1", name
        assert not _inside(check, "invokation_expression"), name


def test_a_script_sent_by_invoke_command_filepath_says_where_its_evidence_went(
    scripts: dict[str, str],
) -> None:
    """A Windows administrator pushes the scripts with Invoke-Command -FilePath: the text
    arrives without a file, so the evidence lands in the remote session's folder and the exit
    code stays there. The script says so, with that folder, before any work; it never reads
    ``$PSSenderInfo`` itself (unset locally, it stops a script under Set-StrictMode)."""
    for name, text in scripts.items():
        top = [s.text.decode() for s in _top_statements(text)]
        resolved = top.index("$OutDir = Resolve-NgdpOutDir $OutDir")
        said = top[resolved + 1]
        assert said.startswith(
            "if ((Test-Path -LiteralPath 'Variable:\\PSSenderInfo') -and -not $PSScriptRoot)"
        ), name
        assert "Invoke-Command -FilePath" in said and "$OutDir" in said, name
        assert "$PSSenderInfo" not in [v.text.decode() for v in nodes(text, "variable")], name


def test_the_hash_is_compared_before_the_script_is_signed(scripts: dict[str, str]) -> None:
    """Under an AllSigned policy the organisation signs the script, which appends a signature
    block: the hash listed in the sign-off overview no longer matches. The header and the
    README say to compare first and sign after, then to check the signature on each server,
    and the README says how to run the file on many servers (not Invoke-Command -FilePath)."""
    for name, file in (("check", "server-check.ps1"), ("install", "install-certificate.ps1")):
        (header,) = [
            c.text.decode()
            for c in nodes(scripts[name], "comment")
            if "Get-FileHash" in c.text.decode()
        ]
        header = " ".join(header.split())
        order = [
            header.index(f"Get-FileHash -Algorithm SHA256 .\\{file}"),
            header.index("compare the hash first and sign after"),
            header.index(f"Set-AuthenticodeSignature -FilePath .\\{file}"),
            header.index(f"(Get-AuthenticodeSignature .\\{file}).Status must then say Valid"),
            header.index("Invoke-Command -FilePath sends its text, not the file"),
        ]
        assert order == sorted(order), name
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Before running them on a locked-down server.**") :]
    section = " ".join(section[: section.index("**What was verified where.**")].split())
    assert section.index("**after** comparing each hash") < section.index("Get-FileHash")
    assert "(Get-AuthenticodeSignature .\\server-check.ps1).Status" in section
    assert "$ExecutionContext.SessionState.LanguageMode" in section
    assert "Copy-Item -ToSession" in section and "$LASTEXITCODE" in section
    assert "Copy-Item -FromSession" in section


def test_the_header_says_itself_how_to_run_the_script_on_many_servers(
    scripts: dict[str, str],
) -> None:
    """A server administrator's read (session 39): the header and the -FilePath warning sent
    the reader to "the README", which the administrator handed the scripts does not have.
    Both now name the three steps in PowerShell's own words, and ``Unblock-File`` stands on a
    line of its own like the header's other commands, not run into the next sentence."""
    for name, file in (("check", "server-check.ps1"), ("install", "install-certificate.ps1")):
        text = scripts[name]
        header = text[: text.index("#>")]
        flat = " ".join(header.split())
        for words in ("Copy-Item -ToSession", "Invoke-Command -Session", "Copy-Item -FromSession"):
            assert words in flat, (name, words)
        assert "the README says how" not in text, name
        lines = [line.strip() for line in header.splitlines()]
        assert f"Unblock-File .\\{file}" in lines, name
        (warning,) = [line for line in text.splitlines() if "came by Invoke-Command" in line]
        assert "Copy-Item -ToSession" in warning and "On many servers at once" in warning, name
