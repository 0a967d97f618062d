from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ngdpkit.deliverables.firewall import firewall_rules
from ngdpkit.deliverables.portal import portal_registration
from ngdpkit.deliverables.servercheck import (
    install_certificate_script,
    read_evidence,
    server_check_script,
)
from ngdpkit.settings import load_settings


def env(sample_dir: Path, name: str):
    return load_settings(sample_dir / "migration.toml").environment(name)


def balanced(text: str) -> bool:
    stack = []
    pairs = {")": "(", "}": "{", "]": "["}
    in_single = False
    for ch in text:
        if ch == "'":
            in_single = not in_single
        if in_single:
            continue
        if ch in "({[":
            stack.append(ch)
        elif ch in ")}]":
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack and not in_single


def test_server_check_script_is_filled_and_ps51_compatible(sample_dir: Path) -> None:
    e = env(sample_dir, "test")
    text = server_check_script(e, thumbprint="ABCDEF")
    assert not re.search(r"__[A-Z_]+__", text)
    assert (
        "api.test.digitalpost.dk" in text
        and "ca1.cti-gov.dk" in text
        and "Test-NgdpTcp $d.Host $d.Port" in text
    )
    assert "Cert:\\LocalMachine\\My" in text and "ABCDEF" in text
    assert "\r\n" in text and balanced(text)
    for ps7_only in ("??", "?.", "-Parallel", " ? "):
        assert ps7_only not in text
    inst = install_certificate_script(e, thumbprint="ABCDEF")
    assert (
        "Import-PfxCertificate" in inst
        and "wz-web01-t" in inst
        and "svc-workzone-t" in inst
        and balanced(inst)
    )


def test_the_install_script_refuses_a_server_the_settings_do_not_list(sample_dir: Path) -> None:
    """An operations engineer's look: on a server the settings do not list, the script said
    "pass -ServiceAccount", and with it installed that environment's key anywhere (the test
    and production scripts have one name). It stops before any change, -WhatIf included,
    unless told -ServerNotInSettings."""
    text = install_certificate_script(env(sample_dir, "test"), thumbprint="ABCDEF")
    check = text.index(
        "-not $AccountsByServer.ContainsKey($env:COMPUTERNAME) -and -not $ServerNotInSettings"
    )
    assert "[switch]$ServerNotInSettings" in text
    assert (
        check
        < text.index("$accounts = @(Get-NgdpAccounts")
        < text.index("What if: nothing is changed")
    )
    assert check < text.index("Install-NgdpCa $RootCa")
    assert "Nothing was changed. This server, {0}, is not one of the servers" in text[check:]


def test_a_header_read_from_a_file_is_named_for_deletion(sample_dir: Path) -> None:
    """An operations engineer's look: -AuthorizationFile left the NgDP header on the server
    and nothing said to delete it. After the evidence is written, the script says so."""
    text = server_check_script(env(sample_dir, "test"), thumbprint="ABCDEF")
    written = text.index("Write-Host ('Written: ' + $file)")
    told = text.index("still holds the NgDP authorization header: delete it")
    assert written < told < text.index("if ($failed.Count -gt 0)")
    assert text[written:told].count("if ($AuthorizationFile) {") == 1
    # and when the file is read (a stop on the way would leave the end's warning unsaid)
    read = text.index("$raw = Get-Content -LiteralPath $AuthorizationFile -Raw")
    first = text.index("holds the NgDP authorization header: delete it when the check is done")
    assert read < first < written


def test_evidence_import(tmp_path: Path, sample_dir: Path) -> None:
    e = env(sample_dir, "test")
    evidence = {
        "schema": "ngdpkit/server-check/1",
        "environment": "test",
        "server": "WZ-WEB01-T",
        "taken_at": "2026-11-20T09:15:00Z",
        "egress_ip": "198.51.100.99",
        "checks": [
            {
                "kind": "dns",
                "target": "api.test.digitalpost.dk",
                "ok": True,
                "detail": "80.198.95.44",
                "status": None,
            },
            {
                "kind": "tcp",
                "target": "ca1.cti-gov.dk:80",
                "ok": False,
                "detail": "remote ",
                "status": None,
            },
            {
                "kind": "https",
                "target": "https://api.test.digitalpost.dk/apis/v1",
                "ok": False,
                "detail": "401",
                "status": 401,
            },
        ],
    }
    path = tmp_path / "ev.json"
    path.write_text("\ufeff" + json.dumps(evidence), encoding="utf-8")
    summary, found = read_evidence(
        path, label="ev.json", environment="test", registered_ips=e.server_ips
    )
    assert summary["failed"] == 2 and summary["server"] == "WZ-WEB01-T"
    assert [(f.code, f.location) for f in found] == [
        ("NET_UNREACHABLE", "WZ-WEB01-T"),
        ("NET_HTTP_REFUSED", "WZ-WEB01-T"),
        ("NET_EGRESS_IP_UNREGISTERED", "WZ-WEB01-T"),
    ]
    assert all("WZ-WEB01-T at 2026-11-20T09:15:00Z" in f.message for f in found)


def test_firewall_and_portal(sample_dir: Path) -> None:
    prod = env(sample_dir, "production")
    rows = firewall_rules(prod)
    api = [
        r for r in rows if r["destination_host"] == "api.digitalpost.dk" and r["purpose"] == "ngdp"
    ]
    assert {r["ip"] for r in api} == {"80.198.95.23", "80.198.95.62"} and all(
        r["port"] == 443 and r["basis"] == "vendor page" for r in api
    )
    assert any(r["destination_host"] == "ca1.gov.dk" and r["basis"] == "inferred" for r in rows)
    assert any(r["direction"] == "incoming" for r in rows)
    portal = portal_registration(prod, contact_points=[], plan=None)
    assert portal["system"]["endpoints"]["receipt_endpoint"].endswith(
        f"/api/MeMoV1/{prod.system_id}/receipt"
    )
    assert list(portal["system"]) == [
        "name",
        "protocol",
        "allowed_ips",
        "endpoints",
        "receipt_format",
        "system_id",
    ]


def test_generated_powershell_parses(sample_dir: Path) -> None:
    """The scripts parse with a PowerShell grammar (tree-sitter-powershell): no ERROR or MISSING node."""
    import tree_sitter
    import tree_sitter_powershell

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    for name in ("test", "production"):
        e = env(sample_dir, name)
        for text in (
            server_check_script(e, thumbprint="ABCDEF0123"),
            install_certificate_script(e, thumbprint="ABCDEF0123"),
        ):
            tree = parser.parse(text.encode("utf-8"))
            bad = []
            stack = [tree.root_node]
            while stack:
                node = stack.pop()
                if node.type == "ERROR" or node.is_missing:
                    bad.append(
                        (node.start_point, text.encode()[node.start_byte : node.end_byte][:60])
                    )
                stack.extend(node.children)
            assert not bad and not tree.root_node.has_error, bad
    broken = parser.parse(b"if ($x { Write-Host 'x' ")
    assert broken.root_node.has_error  # the check can fail


def test_evidence_text_keeps_no_control_character(sample_dir: Path, tmp_path: Path) -> None:
    """An attacker's pass: a check's detail in an evidence file carried ESC, BEL and NUL into
    runbook.html and the runbook workbook's first sheet. Every text of the file is read as a
    workbook cell is: no control characters."""
    e = env(sample_dir, "test")
    evidence = {
        "schema": "ngdpkit/server-check/1",
        "environment": "test",
        "server": "WZ-WEB01-T\x1b[2J",
        "taken_at": "2026-11-20T09:15:00Z",
        "egress_ip": None,
        "checks": [
            {
                "kind": "proxy",
                "target": "WinHTTP",
                "ok": False,
                "detail": "=cmd|' /C calc'!A0 \x1b]8;;http://evil.test\x07klik\x1b]8;;\x07\x00\r\nLIVE",
                "status": None,
            }
        ],
    }
    path = tmp_path / "ev.json"
    path.write_text(json.dumps(evidence), encoding="utf-8")
    summary, found = read_evidence(
        path, label="ev.json", environment="test", registered_ips=e.server_ips
    )
    assert summary["server"] == "WZ-WEB01-T"
    said = json.dumps([f.message for f in found]) + json.dumps(summary)
    assert found and not any(c in said for c in ("\x1b", "\x07", "\x00", "\r"))
    assert "klik" in said and "\\u001b" not in said


def test_evidence_saved_again_by_windows_powershell_reads_as_it_was_written(
    tmp_path: Path, sample_dir: Path
) -> None:
    """A consultant's Windows pass: evidence saved again with PowerShell 5.1's ``Out-File``
    (UTF-16 with its BOM) or ``Set-Content`` (Windows-1252) was "not a server-check JSON file
    ('utf-8' codec can't decode byte 0xff…)". Each reads as the UTF-8 file does; bytes no
    encoding reads are one line that says how to save it. A finding's Danish time says "kl."
    once ("På WZ-WEB01-T kl. 20-11-2026 kl. 10:15" said it twice)."""
    from ngdpkit.errors import InputError
    from ngdpkit.findings import danish_text

    check = {"kind": "cert_key", "target": "EKSEMPEL\\svc-wz-æøå", "ok": False}
    evidence = {"schema": "ngdpkit/server-check/1", "environment": "test"}
    evidence |= {"server": "WZ-WEB01-T", "taken_at": "2026-11-20T09:15:00Z"}
    evidence |= {"egress_ip": "198.51.100.99"}
    evidence["checks"] = [check | {"detail": "Adgang nægtet", "status": None}]
    text = json.dumps(evidence, ensure_ascii=False)
    read = {}
    for name, data in {
        "utf8": text.encode("utf-8"),
        "out-file": b"\xff\xfe" + text.encode("utf-16-le"),
        "set-content": text.encode("cp1252"),
        "out-file utf32": b"\xff\xfe\x00\x00" + text.encode("utf-32-le"),
    }.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(data)
        _summary, found = read_evidence(
            path, label=path.name, environment="test", registered_ips=("198.51.100.99",)
        )
        read[name] = [(f.code, f.params) for f in found]
    assert read["utf8"] and read["out-file"] == read["utf8"] == read["set-content"]
    assert read["out-file utf32"] == read["utf8"]
    assert any("svc-wz-æøå" in str(params) for _code, params in read["utf8"])
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x81\x8d\x8f")
    with pytest.raises(InputError) as refused:
        read_evidence(bad, label="bad.json", environment="test", registered_ips=())
    assert refused.value.problems == [
        "bad.json: neither UTF-8, UTF-16 nor Windows-1252 text (save it as UTF-8)"
    ]
    path = tmp_path / "utf8.json"
    _summary, found = read_evidence(
        path, label=path.name, environment="test", registered_ips=("198.51.100.99",)
    )
    danish = [danish_text(f.template, f.params) or "" for f in found]
    assert danish and all(d.count(" kl. ") <= 1 for d in danish), danish
    assert any(d.startswith("På WZ-WEB01-T 20-11-2026 kl. 10:15") for d in danish), danish
