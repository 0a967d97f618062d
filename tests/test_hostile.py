"""Hostile input and tampering (issue 11): no secret escapes, the signed record cannot change unnoticed, no input turns an
output into an attack. One hostile run of the sample carries most of the attacks at once
(a hostile organisation name, a header with a trailing newline, a GUID in braces, formula
cells and ANSI escapes in the export, quotes and ``#>`` in server names); the tampering
tests work on copies of its folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ngdpkit.redact import encodings, secret_parts
from ngdpkit.run.audit import verify
from ngdpkit.run.scan import needles, scan_file
from ngdpkit.secrets import read_dotenv
from tests.conftest import cli, run_cli

XSS = "<script>alert('x')</script> Kommune"
BRACED = " {9366B98E-64EF-58FE-A723-950F3D511167} "
FORMULAS = ['=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1+1"]
ANSI = "_x001B_[31mRØD_x001B_[0m postkasse"  # how a workbook carries ESC (ECMA-376 escaping)
SERVER = "wz-web01-t #> Write-Host 'pwned' $env:X `n æøå"
ACCOUNT = "ÆRØ\\svc-wørkzone'$(calc)"


def hostile_sample(sample: Path) -> dict[str, str]:
    """Edit a sample copy into the hostile one; returns the environment for the child."""
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('name = "Eksempel Kommune (fiktiv)"', f'name = "{XSS}"')
    text = text.replace(
        'default_contact_point = "9366b98e-64ef-58fe-a723-950f3d511167"',
        f'default_contact_point = "{BRACED}"',
    )
    text = text.replace(
        'servers = [{ name = "wz-web01-t", role = "web" }',
        f"servers = [{{ name = '''{SERVER}''', role = \"web\" }}",
    )
    text = text.replace(
        "service_account = 'EKSEMPEL\\svc-workzone-t'", f"service_account = '''{ACCOUNT}'''"
    )
    toml.write_text(text, encoding="utf-8")
    wb = openpyxl.load_workbook(sample / "mailboxes.xlsx")
    ws = wb.active
    for i, value in enumerate(FORMULAS):
        cell = ws.cell(row=4 + i, column=2, value=value)
        cell.data_type = "s"  # text that looks like a formula, as an export can hold it
    ws.append(["0999001", ANSI, "Borgerservice", "", None, None])  # unmapped: named in a finding
    wb.save(sample / "mailboxes.xlsx")
    env = read_dotenv(sample / "sample.env")
    env["NGDPKIT_TEST_AUTHORIZATION"] = env["NGDPKIT_TEST_AUTHORIZATION"] + "\n"
    return env


def secret_values(sample: Path) -> dict[str, list[str]]:
    return {k: secret_parts(v) for k, v in read_dotenv(sample / "sample.env").items()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Any]:
    sample = tmp_path_factory.mktemp("hostile") / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    env = hostile_sample(sample)
    (sample / "sample.env").rename(sample / "kept.env")  # the secrets come from the environment
    (sample / "migration.toml").write_text(
        (sample / "migration.toml")
        .read_text(encoding="utf-8")
        .replace("sample.env", "none.env")
        .replace('secrets_file = "none.env"', "# no secrets file"),
        encoding="utf-8",
    )
    (sample / "kept.env").rename(sample / "sample.env")
    r = run_cli("run", "--settings", str(sample / "migration.toml"), "--env", "test", env=env)
    check = run_cli("check", "--settings", str(sample / "migration.toml"), "--env", "test", env=env)
    run_dir = next((sample / "runs" / "test").glob("2*"))
    return {"sample": sample, "run": r, "check": check, "dir": run_dir, "env": env}


def test_hostile_run_completes(hostile: dict[str, Any]) -> None:
    r = hostile["run"]
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_no_secret_form_anywhere(hostile: dict[str, Any]) -> None:
    """Raw, with its trailing newline, base64, URL, HTML, JSON, HTML-then-JSON, PowerShell-quoted:
    no byte of any secret in any file of the run, the bundle, stdout or stderr."""
    pins = needles(secret_values(hostile["sample"]))
    leaks = [p for p in hostile["dir"].rglob("*") if p.is_file() and scan_file(p, pins)]
    assert leaks == []
    bundle = run_cli("bundle", str(hostile["dir"]))
    assert bundle.returncode == 0, bundle.stderr
    assert scan_file(Path(bundle.stdout.strip()), pins) == []
    header = hostile["env"]["NGDPKIT_TEST_AUTHORIZATION"]
    for text in (
        hostile["run"].stdout,
        hostile["run"].stderr,
        hostile["check"].stdout,
        hostile["check"].stderr,
        bundle.stdout,
    ):
        for parts in secret_values(hostile["sample"]).values():
            for part in parts:
                assert not any(form in text for form in encodings(part))
        assert header not in text


def test_secret_whitespace_is_a_warning(hostile: dict[str, Any]) -> None:
    findings = json.loads((hostile["dir"] / "findings.json").read_text(encoding="utf-8"))
    hits = [f for f in findings["findings"] if f["code"] == "SECRET_WHITESPACE"]
    assert [h["severity"] for h in hits] == ["warning"]
    assert "NGDPKIT_TEST_AUTHORIZATION" in hits[0]["message"]


def test_pages_escape_and_forbid_scripts(hostile: dict[str, Any]) -> None:
    pages = sorted((hostile["dir"] / "signoff").glob("*.html"))
    assert len(pages) >= 7
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), page.name
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
    overview = (hostile["dir"] / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert" in overview


def test_step_pages_escape_the_organisation(hostile: dict[str, Any]) -> None:
    page = (hostile["dir"] / "signoff" / "01_mailboxes.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert" in page and "<script>alert" not in page


def test_csv_cells_never_start_a_formula(hostile: dict[str, Any]) -> None:
    import csv

    text = (hostile["dir"] / "mailbox-mapping.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    names = [r[1] for r in rows[1:]]
    for value in ('=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "=1+1"):
        assert "'" + value in names, value
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)


def test_workbook_marks_formula_text_as_quote_prefixed(hostile: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(hostile["dir"] / "mailbox-mapping.xlsx")
    ws = wb["Mailbox mapping"]
    cells = [row[1] for row in ws.iter_rows(min_row=2)]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))]
    assert len(risky) >= 3 and all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_terminal_gets_no_control_characters(hostile: dict[str, Any]) -> None:
    out = hostile["check"].stdout
    assert "0999001" in out and "RØD" in out
    assert "\x1b" not in out and "\x1b" not in hostile["check"].stderr


def test_guid_setting_in_normal_form(hostile: dict[str, Any]) -> None:
    config = json.loads((hostile["dir"] / "dispatcher-config.json").read_text(encoding="utf-8"))
    assert config["parameters"]["ContactPointGuid"] == "9366b98e-64ef-58fe-a723-950f3d511167"


def ps_errors(text: str) -> list[Any]:
    import tree_sitter
    import tree_sitter_powershell

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    tree = parser.parse(text.encode("utf-8"))
    bad, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            bad.append(node.start_point)
        stack.extend(node.children)
    return bad


def ps_strings(text: str) -> list[str]:
    """The contents of every single-quoted literal in a script (``''`` undoubled)."""
    return [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", text)]


def test_scripts_hold_values_only_as_literals(hostile: dict[str, Any]) -> None:
    for name in ("install-certificate.ps1", "server-check.ps1"):
        raw = (hostile["dir"] / name).read_bytes()
        assert (
            raw.startswith(b"\xef\xbb\xbf")
            and b"\r\n" in raw
            and b"\n" not in raw.replace(b"\r\n", b"")
        )
        text = raw[3:].decode("utf-8")
        assert ps_errors(text) == [], name
        assert ACCOUNT in ps_strings(text), name
        comments = "\n".join(re.findall(r"<#.*?#>", text, flags=re.S))
        assert "wz-web01-t" not in comments and "svc" not in comments
    install = (hostile["dir"] / "install-certificate.ps1").read_bytes()[3:].decode("utf-8")
    assert any(SERVER in s for s in ps_strings(install))


def test_failed_values_are_never_embedded(sample_dir: Path) -> None:
    """An IP that is no IP never reaches a script (server-check.ps1 no longer embeds the
    egress list at all); a thumbprint that is not hex is refused at the script's top."""
    from dataclasses import replace

    from ngdpkit.deliverables.servercheck import install_certificate_script, server_check_script
    from ngdpkit.settings import load_settings

    env = load_settings(sample_dir / "migration.toml").environment("test")
    evil = "1.2.3.4' + $(Start-Process calc.exe) + '"
    script = server_check_script(
        replace(env, server_ips=(evil, "198.51.100.10")), thumbprint="AB12"
    )
    assert "calc.exe" not in script and ps_errors(script) == []
    bad_thumb = "AB' + $(Start-Process calc.exe) + '"
    for make in (server_check_script, install_certificate_script):
        text = make(env, thumbprint=bad_thumb)
        assert "calc.exe" not in text and ps_errors(text) == []
        top = text[: text.index("function ")]
        assert "throw 'ngdpkit refused to fill in this script" in top
        assert "thumbprint is not hexadecimal" in top


def test_run_folder_is_private(hostile: dict[str, Any]) -> None:
    if os.name == "nt":
        pytest.skip("file modes are a POSIX matter")
    run_dir = hostile["dir"]
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
    for p in run_dir.rglob("*"):
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p


def test_anchor_on_every_page_and_verify_intact(hostile: dict[str, Any]) -> None:
    run_dir = hostile["dir"]
    records = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]
    anchor = [r for r in records if r["event"] == "outputs_sealed"][-1]
    assert "dispatcher-config.json" in anchor["files"]
    assert not any(k.startswith("signoff/") for k in anchor["files"])
    for page in (run_dir / "signoff").glob("*.html"):
        assert anchor["hash"] in page.read_text(encoding="utf-8"), page.name
    r = cli("audit", "verify", str(run_dir), "--expect-hash", anchor["hash"])
    assert r.returncode == 0 and "anchor found" in r.stdout, r.stdout
    # The attacker's sixth look: a page rewritten with the chain after the anchor recomputed
    # still finds the anchor; the verdict says the pages are outside it.
    assert "the anchor does not pin them" in r.stdout and "dispatcher-config.json" in r.stdout


# --- audit verify against tampering (each on a copy of the hostile run) -------------------


def tampered(hostile: dict[str, Any], tmp_path: Path) -> tuple[Path, str]:
    copy = tmp_path / "run"
    shutil.copytree(hostile["dir"], copy)
    for p in [copy, *copy.rglob("*")]:
        p.chmod(0o700 if p.is_dir() else 0o600)
    records = [json.loads(x) for x in (copy / "audit.jsonl").read_text().splitlines()]
    anchor = [r for r in records if r["event"] == "outputs_sealed"][-1]["hash"]
    return copy, anchor


def rewrite_chain(run_dir: Path, keep: Any, change: Any = None) -> None:
    """What someone who can write the folder can do: drop/alter records, recompute every
    hash, and rewrite the manifest to match."""
    from ngdpkit.run.audit import GENESIS, record_hash, write_manifest

    records = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]
    out, prev = [], GENESIS
    for rec in records:
        if not keep(rec):
            continue
        rec = dict(rec)
        if change:
            change(rec)
        rec["seq"], rec["prev"] = len(out), prev
        rec["hash"] = record_hash(rec)
        prev = rec["hash"]
        out.append(rec)
    (run_dir / "audit.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in out)
    )

    class Trail:
        last_hash, count = prev, len(out)

    write_manifest(run_dir, Trail())  # type: ignore[arg-type]


def edit_dispatcher(run_dir: Path) -> None:
    path = run_dir / "dispatcher-config.json"
    data = json.loads(path.read_text())
    data["parameters"]["ContactPointGuid"] = "00000000-0000-4000-8000-000000000000"
    path.write_text(json.dumps(data))


def test_verify_changed_output(hostile: dict[str, Any], tmp_path: Path) -> None:
    run_dir, anchor = tampered(hostile, tmp_path)
    edit_dispatcher(run_dir)
    r = cli("audit", "verify", str(run_dir), "--expect-hash", anchor)
    assert r.returncode == 1 and "changed file: dispatcher-config.json" in r.stdout


def test_verify_missing_and_extra_files(hostile: dict[str, Any], tmp_path: Path) -> None:
    run_dir, _ = tampered(hostile, tmp_path)
    (run_dir / "firewall-rules.csv").unlink()
    (run_dir / "notes.txt").write_text("added later")
    verdict = verify(run_dir)
    assert not verdict.ok
    text = "\n".join(verdict.problems)
    assert "missing file: firewall-rules.csv" in text and "extra file: notes.txt" in text


def test_verify_output_record_removed_and_chain_recomputed(
    hostile: dict[str, Any], tmp_path: Path
) -> None:
    run_dir, _ = tampered(hostile, tmp_path)
    rewrite_chain(
        run_dir,
        keep=lambda r: not (r["event"] == "output_written" and r["path"] == "firewall-rules.csv"),
    )
    verdict = verify(run_dir)
    assert not verdict.ok
    assert any("without an output record: firewall-rules.csv" in p for p in verdict.problems)


def test_verify_manifest_rewritten_to_match(hostile: dict[str, Any], tmp_path: Path) -> None:
    """The output and its records rewritten, the chain and the manifest recomputed: only the
    sealed record (and so the anchor on the signed page) still tells."""
    run_dir, anchor = tampered(hostile, tmp_path)
    edit_dispatcher(run_dir)
    from ngdpkit.run.audit import file_digest

    digest = file_digest(run_dir / "dispatcher-config.json")

    def fix(rec: dict[str, Any]) -> None:
        if rec["event"] == "output_written" and rec["path"] == "dispatcher-config.json":
            rec["size"], rec["sha256"] = digest

    rewrite_chain(run_dir, keep=lambda r: True, change=fix)
    verdict = verify(run_dir)
    assert not verdict.ok
    assert any("no longer matches the anchor" in p for p in verdict.problems)


def test_verify_forged_chain_fails_the_printed_anchor(
    hostile: dict[str, Any], tmp_path: Path
) -> None:
    """Everything rewritten, the sealed record included: the folder is self-consistent, but
    the anchor printed on the signed page is no longer in it."""
    run_dir, anchor = tampered(hostile, tmp_path)
    edit_dispatcher(run_dir)
    from ngdpkit.run.audit import file_digest

    digests = {
        p.relative_to(run_dir).as_posix(): file_digest(p) for p in run_dir.rglob("*") if p.is_file()
    }

    def fix(rec: dict[str, Any]) -> None:
        if rec["event"] == "output_written" and rec["path"] in digests:
            rec["size"], rec["sha256"] = digests[rec["path"]]
        if rec["event"] == "outputs_sealed":
            rec["files"] = {k: digests[k][1] for k in rec["files"]}

    rewrite_chain(run_dir, keep=lambda r: True, change=fix)
    assert verify(run_dir).ok  # a chain without a signature can be recomputed ...
    r = cli("audit", "verify", str(run_dir), "--expect-hash", anchor)
    assert r.returncode == 1 and "no longer matches this folder" in r.stdout  # ... the paper tells


def test_verify_sealed_record_removed(hostile: dict[str, Any], tmp_path: Path) -> None:
    run_dir, anchor = tampered(hostile, tmp_path)
    rewrite_chain(run_dir, keep=lambda r: r["event"] != "outputs_sealed")
    verdict = verify(run_dir, expect_hash=anchor)
    assert not verdict.ok
    assert any("outputs_sealed" in p for p in verdict.problems)


# --- faults are one line, never a traceback ---------------------------------------------


def test_unwritable_out_is_exit_2(sample_copy: Path, tmp_path: Path) -> None:
    if os.name == "nt" or (hasattr(os, "geteuid") and os.geteuid() == 0):
        locked = tmp_path / "file-not-folder"
        locked.write_text("x")  # root writes anywhere: a file where a folder must go
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
    r = cli(
        "run", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--out",
        str(locked / "runs"),
    )  # fmt: skip
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and str(locked) in lines[0]


def test_malformed_evidence_is_exit_2(sample_copy: Path) -> None:
    evidence = sample_copy / "ev.json"
    evidence.write_text(
        json.dumps({"schema": "ngdpkit/server-check/1", "server": "WZ", "checks": 5})
    )
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text().replace(
            'protocol = "REST_PULL"', 'protocol = "REST_PULL"\nprobe_evidence = ["ev.json"]'
        )
    )
    for command in ("run", "check"):
        r = cli(command, "--settings", str(toml), "--env", "test")
        assert r.returncode == 2, (command, r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr
        assert "ev.json" in r.stderr and "checks" in r.stderr


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (("[environments.test]", '[environments."../../x"]'), "environment names"),
        (
            ("[inputs]", "[checks]\nprobe_timeout_s = 0\ncert_warn_days = -5\n\n[inputs]"),
            "positive",
        ),
        (('secrets_file = "sample.env"', 'secrets_file = "certs"'), "is a folder"),
        # an attacker's pass: "$" let one trailing line break through every name rule, and
        # the folder runs/test⏎ was made (then refused by bundle and audit verify)
        (("[environments.test]", '[environments."test\\n"]'), "environment names"),
        (('{ name = "wz-web01-t"', '{ name = "wz-web01-t\\n"'), "name holds a line break"),
        # a go-live date near the calendar's end crashed the run (OverflowError, exit 3)
        (("[inputs]", "[golive]\ndate = 9999-12-28\n\n[inputs]"), "between the years 2000"),
        (("[inputs]", "[golive]\neboks_disable = 0001-01-01T00:30:00\n\n[inputs]"), "2199"),
    ],
)
def test_settings_values_refused(sample_copy: Path, edit: tuple[str, str], expect: str) -> None:
    toml = sample_copy / "migration.toml"
    text = toml.read_text()
    assert edit[0] in text
    toml.write_text(text.replace(edit[0], edit[1], 1))
    r = cli("check", "--settings", str(toml), "--env", "all")
    assert r.returncode == 2 and expect in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_environment_name_cannot_leave_out(tmp_path: Path) -> None:
    from ngdpkit.errors import InputError
    from ngdpkit.run.folder import RunFolder

    with pytest.raises(InputError):
        RunFolder.create(tmp_path / "out", "../../x")
    assert not (tmp_path / "x").exists()


def test_kit_crash_is_one_line(tmp_path: Path) -> None:
    """A bug inside a command: exit 3 with one line, never a traceback."""
    code = (
        "import sys, ngdpkit.cli as c\n"
        "c.COMMANDS['sample'] = lambda a: 1/0\n"
        f"sys.exit(c.main(['sample', {str(tmp_path)!r}]))\n"
    )
    import subprocess

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "ZeroDivisionError" in r.stderr


# --- the sanitising boundary itself -----------------------------------------------------


def test_findings_and_console_never_hold_a_registered_secret(capsys: Any) -> None:
    from ngdpkit import findings as F
    from ngdpkit import redact
    from ngdpkit.cli import CleanStream

    redact.forget_all()
    try:
        header = "Basic " + __import__("base64").b64encode(b"sys-id:tok3n-Very-Secret").decode()
        from ngdpkit.secrets import resolve

        secret = resolve("X_AUTH", environ={"X_AUTH": header + "\n"})
        assert secret is not None and secret.whitespace and secret.reveal() == header
        # httpx's own words for a header with a newline
        f = F.error("REHEARSAL_SEND_REFUSED", f"Illegal header value b'{header}\\n'")
        assert "tok3n" not in f.message and header not in f.message
        assert "[hidden: X_AUTH]" in f.message
        stream = CleanStream(sys.stdout)
        stream.write(f"token tok3n-Very-Secret and \x1b[2J{header}\n")
        out = capsys.readouterr().out
        assert "tok3n-Very-Secret" not in out and "\x1b" not in out
    finally:
        redact.forget_all()


def test_pdf_browser_gets_no_secret(tmp_path: Path, monkeypatch: Any) -> None:
    """Chromium for --pdf starts with an environment without the secrets: a stand-in browser
    on PATH writes down what it was given."""
    from ngdpkit import redact
    from ngdpkit.documents.signoff import print_pdf
    from ngdpkit.secrets import resolve

    if os.name == "nt":
        pytest.skip("the stand-in browser is a shell script")
    redact.forget_all()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    seen = tmp_path / "seen.env"
    fake = bindir / "chromium"
    fake.write_text(
        "#!/bin/sh\nenv > " + str(seen) + "\n"
        'for a in "$@"; do case "$a" in --print-to-pdf=*) printf x > "${a#--print-to-pdf=}";; esac; done\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("NGDPKIT_T_PW", "pdf-secret-value-1234")
    monkeypatch.setenv("OTHER_COPY", "x pdf-secret-value-1234 y")
    try:
        assert resolve("NGDPKIT_T_PW") is not None
        page = tmp_path / "p.html"
        page.write_text("<p>x</p>")
        monkeypatch.setattr("ngdpkit.documents.signoff.BROWSER_PATHS", ())
        assert print_pdf(page, tmp_path / "p.pdf") is None
        text = seen.read_text()
        assert "pdf-secret-value-1234" not in text and "NGDPKIT_T_PW" not in text
        assert "PATH=" in text
    finally:
        redact.forget_all()


def test_rehearse_with_a_trailing_newline_leaks_nothing(sample_copy: Path, tmp_path: Path) -> None:
    """The before-stop check's case: the header pasted with a newline, then a rehearsal."""
    env = read_dotenv(sample_copy / "sample.env")
    header = env["NGDPKIT_TEST_AUTHORIZATION"]
    env["NGDPKIT_TEST_AUTHORIZATION"] = header + "\n"
    out = tmp_path / "out"
    r = run_cli(
        "rehearse", "--settings", str(sample_copy / "migration.toml"), "--env", "test",
        "--out", str(out), env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    pins = needles(secret_values(sample_copy))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and [p for p in files if scan_file(p, pins)] == []
    token = header.split()[1]
    assert token not in r.stdout + r.stderr
    acceptance = json.loads(next(out.rglob("acceptance.json")).read_text(encoding="utf-8"))
    assert "SECRET_WHITESPACE" in {f["code"] for f in acceptance["findings"]}
    assert acceptance["status"] != "errors"


# --- OCSP answers that must not count (contract §10) -----------------------------------


def _responder(issuing: Any, *, eku: bool, key: Any) -> Any:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OCSP responder")]))
        .issuer_name(issuing.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False
        )
    return builder.sign(issuing.key, hashes.SHA256())


def _answer(leaf: Any, issuer: Any, signer_cert: Any, signer_key: Any, **kw: Any) -> Any:
    import datetime as dt

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    now = dt.datetime.now(dt.UTC)
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=kw.get("about", leaf),
        issuer=issuer,
        algorithm=hashes.SHA256(),
        cert_status=ocsp.OCSPCertStatus.GOOD,
        this_update=kw.get("this_update", now - dt.timedelta(hours=1)),
        next_update=kw.get("next_update", now + dt.timedelta(days=1)),
        revocation_time=None,
        revocation_reason=None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer_cert)
    if signer_cert is not issuer:
        builder = builder.certificates([signer_cert])
    return builder.sign(signer_key, hashes.SHA256())


def test_ocsp_answers_are_checked(cas: dict[str, Any], leaf_key: Any) -> None:
    import datetime as dt

    from ngdpkit.checks.revocation import answer_problem
    from ngdpkit.rehearsal import pki

    now = dt.datetime.now(dt.UTC)
    issuing = cas["test"]["issuing"]
    cert = pki.make_leaf(issuing, key=leaf_key, cvr="98765433", organisation="T").cert
    other = pki.make_leaf(issuing, key=leaf_key, cvr="98765433", organisation="U").cert
    key = pki.rsa_key(2048)
    with_eku, without_eku = (
        _responder(issuing, eku=True, key=key),
        _responder(issuing, eku=False, key=key),
    )
    stranger = _responder(cas["other"]["issuing"], eku=True, key=key)

    def problem(signer: Any, signer_key: Any, **kw: Any) -> str:
        return answer_problem(
            _answer(cert, issuing.cert, signer, signer_key, **kw), cert, issuing.cert, now
        )

    assert problem(issuing.cert, issuing.key) == ""  # signed by the issuing CA
    assert problem(with_eku, key) == ""  # a delegated responder with id-kp-OCSPSigning
    assert "OCSPSigning" in problem(without_eku, key)  # another end-entity of the same CA
    assert "not issued by the issuing CA" in problem(stranger, key)
    assert "not about this certificate" in problem(issuing.cert, issuing.key, about=other)
    assert "stale" in problem(
        issuing.cert,
        issuing.key,
        this_update=now - dt.timedelta(days=400),
        next_update=now - dt.timedelta(days=365),
    )
    assert "future" in problem(
        issuing.cert,
        issuing.key,
        this_update=now + dt.timedelta(days=2),
        next_update=now + dt.timedelta(days=3),
    )
    assert "stale" in problem(
        issuing.cert, issuing.key, this_update=now - dt.timedelta(days=3), next_update=None
    )


# --- bounds on what an input unpacks to -------------------------------------------------


def _with_sheet_xml(path: Path, xml_chunks: Any) -> Path:
    """A real workbook whose first sheet part is replaced by streamed XML."""
    import zipfile

    from tests.conftest import write_xlsx

    base = write_xlsx(path.with_suffix(".base.xlsx"), [["Postkasse-ID", "Postkassenavn"]])
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with dst.open("xl/worksheets/sheet1.xml", "w") as fh:
                    for chunk in xml_chunks:
                        fh.write(chunk)
            else:
                dst.writestr(info, src.read(info))
    return path


def test_a_million_empty_rows_is_refused_before_parsing(tmp_path: Path) -> None:
    from ngdpkit.errors import InputError
    from ngdpkit.inputs.mailboxes import read_mailbox_export

    def chunks() -> Any:
        yield b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        for start in range(1, 1_000_003, 10_000):
            yield b"".join(b'<row r="%d"/>' % i for i in range(start, start + 10_000))
        yield b"</sheetData></worksheet>"

    path = _with_sheet_xml(tmp_path / "rows.xlsx", chunks())
    assert path.stat().st_size < 5_000_000
    with pytest.raises(InputError) as err:
        read_mailbox_export(path, label="rows.xlsx")
    assert "1,000,000 rows" in err.value.problems[0] and "rows.xlsx" in err.value.problems[0]


def test_parts_that_unpack_past_the_bound_are_refused(tmp_path: Path) -> None:
    from ngdpkit.errors import InputError
    from ngdpkit.inputs.mailboxes import read_mailbox_export

    def chunks() -> Any:
        yield b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        blank = b" " * (1 << 20)
        for _ in range(210):
            yield blank
        yield b"</sheetData></worksheet>"

    path = _with_sheet_xml(tmp_path / "bomb.xlsx", chunks())
    assert path.stat().st_size < 2_000_000
    r = cli("check", "--settings", str(_settings_with(tmp_path, path)), "--env", "test")
    assert r.returncode == 2 and "200 MB" in r.stderr and "bomb.xlsx" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    with pytest.raises(InputError):
        read_mailbox_export(path, label="bomb.xlsx")


def _settings_with(tmp_path: Path, mailboxes: Path) -> Path:
    toml = tmp_path / "m.toml"
    toml.write_text(
        f"""[organisation]
name = "T"
cvr = "98765433"
[inputs]
mailboxes = '{mailboxes.name}'
[environments.test]
protocol = "REST_PULL"
server_ips = ["198.51.100.10"]
""",
        encoding="utf-8",
    )
    return toml


# --- addresses that look public but are not ---------------------------------------------


@pytest.mark.parametrize(
    "ip",
    ["64:ff9b::c633:640a", "2002:c633:640a::", "2001:0:4136:e378::", "fec0::1", "192.88.99.1",
     "64:ff9b:1::1", "100::1", "5f00::1"],
)  # fmt: skip
def test_special_purpose_addresses_are_not_public(ip: str) -> None:
    from ngdpkit.checks.system import check_ips

    assert [f.code for f in check_ips([ip], "k")] == ["IP_NOT_PUBLIC"]


@pytest.mark.parametrize(
    "url",
    ["https://127.1", "https://0177.0.0.1", "https://0x7f.1/", "https://2130706433/",
     "https://[::ffff:127.0.0.1]/", "https://[64:ff9b::7f00:1]/", "https://intranet/"],
)  # fmt: skip
def test_push_hosts_must_be_public_and_canonical(url: str) -> None:
    from ngdpkit.checks.system import check_push_url

    assert [f.code for f in check_push_url(url, protocol="REST_PUSH", key="k")] == [
        "PUSH_URL_INVALID"
    ]


def test_public_push_hosts_pass() -> None:
    from ngdpkit.checks.system import check_push_url

    for url in (
        "https://wzpush.eksempel-kommune.dk",
        "https://80.198.95.23/",
        "https://[2a00:1450::1]/",
    ):
        assert check_push_url(url, protocol="REST_PUSH", key="k") == [], url


def test_damaged_p12_is_corrupt_not_a_bad_password(
    tmp_path: Path, cas: dict[str, Any], leaf_key: Any
) -> None:
    from ngdpkit.checks.certificates import load_certificate
    from ngdpkit.rehearsal import pki
    from ngdpkit.secrets import Secret

    issued = pki.make_leaf(cas["test"]["issuing"], key=leaf_key, cvr="98765433", organisation="T")
    data = bytearray(pki.to_p12(issued, "right-password-1", chain=(cas["test"]["issuing"].cert,)))
    data[len(data) // 2] ^= 0x5A  # one byte damaged on the way, inside an encrypted part
    path = tmp_path / "damaged.p12"
    path.write_bytes(bytes(data))

    def codes(password: str) -> list[str]:
        loaded = load_certificate(path, label="damaged.p12", password=Secret("PW", password))
        return [f.code for f in loaded.findings]

    assert codes("right-password-1") == ["CERT_FILE_CORRUPT"]
    intact = tmp_path / "intact.p12"
    intact.write_bytes(pki.to_p12(issued, "right-password-1"))
    wrong = load_certificate(intact, label="intact.p12", password=Secret("PW", "wrong-password-2"))
    assert [f.code for f in wrong.findings] == ["CERT_BAD_PASSWORD"]


def test_every_secret_form_planted_in_settings_values_is_caught(sample_copy: Path) -> None:
    """Each form of a secret (raw, base64, URL, HTML, JSON, HTML-then-JSON, PowerShell-quoted,
    Python literal) planted in settings values that reach pages, scripts and workbooks: none
    of it survives in the run folder, the bundle, stdout or stderr."""
    import base64
    import html as h
    from urllib.parse import quote

    from ngdpkit.settings import load_settings

    system_id = load_settings(sample_copy / "migration.toml").environment("test").system_id
    token = "t0k<en>&'q\"uo/te+=x"
    header = "Basic " + base64.b64encode(f"{system_id}:{token}".encode()).decode()
    env = read_dotenv(sample_copy / "sample.env")
    env["NGDPKIT_TEST_AUTHORIZATION"] = header + "\n"
    forms = [
        token,
        base64.b64encode(token.encode()).decode(),
        quote(token, safe=""),
        h.escape(token),
        json.dumps(token)[1:-1],
        json.dumps(h.escape(token))[1:-1],
        token.replace("'", "''"),
    ]
    servers = ", ".join(f'{{ name = {json.dumps("wz-" + f)}, role = "web" }}' for f in forms)
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        'servers = [{ name = "wz-web01-t", role = "web" }, { name = "wz-agent01-t", role = "agent" }]',
        f"servers = [{servers}]",
    )
    text = text.replace(
        'system_name = "WorkZone test - Eksempel Kommune"', f"system_name = {json.dumps(token)}"
    )
    toml.write_text(text, encoding="utf-8")
    r = run_cli("run", "--settings", str(toml), "--env", "test", env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    findings = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert "SECRET_LEAK" in {f["code"] for f in findings}
    pins = needles({"NGDPKIT_TEST_AUTHORIZATION": secret_parts(header)})
    assert [p for p in run_dir.rglob("*") if p.is_file() and scan_file(p, pins)] == []
    bundle = run_cli("bundle", str(run_dir))
    assert scan_file(Path(bundle.stdout.strip()), pins) == []
    for out in (r.stdout, r.stderr, bundle.stdout, bundle.stderr):
        assert not any(form in out for form in encodings(token))
    assert not (run_dir / "dispatcher-config.json").exists()
    assert verify(run_dir).ok


def test_a_secret_with_quotes_and_a_formula_start_is_caught_in_pages_and_the_csv(
    sample_copy: Path,
) -> None:
    """The attacker's sixth look: a token holding ``"`` and ``,=`` planted as a contact
    point's name reached the pages as Jinja2 escapes it (``&#34;``, not ``html.escape``'s
    ``&quot;``) and the mapping CSV with its quote doubled and a ``'`` before the ``=``; the
    scan knew neither form. Each file is read back here the way its reader decodes it."""
    import base64
    import html as h

    from ngdpkit.settings import load_settings

    system_id = load_settings(sample_copy / "migration.toml").environment("test").system_id
    token = "Tk\"q,=Secret'7890;@x1234"
    header = "Basic " + base64.b64encode(f"{system_id}:{token}".encode()).decode()
    env = read_dotenv(sample_copy / "sample.env")
    env["NGDPKIT_TEST_AUTHORIZATION"] = header
    book = sample_copy / "contact-points-test.xlsx"
    wb = openpyxl.load_workbook(book)
    wb.active["B2"] = token
    wb.save(book)
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test", env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    findings = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))["findings"]
    leaked = {f["source"].rsplit("/", 1)[-1] for f in findings if f["code"] == "SECRET_LEAK"}
    assert {"mailbox-mapping.csv", "index.html"} <= leaked, leaked
    for path in (p for p in run_dir.rglob("*") if p.is_file() and p.suffix != ".xlsx"):
        text = path.read_bytes().decode("utf-8", "replace")
        for read in (text, h.unescape(text), json.dumps(text)):
            as_csv = re.sub(r"([;,][\s\"']*)'", r"\1", read.replace('""', '"'))
            for shown in (read, as_csv, h.unescape(as_csv)):
                assert token not in shown and "Secret'7890" not in shown, path
    assert verify(run_dir).ok


def test_deeply_nested_evidence_and_contact_points_are_exit_2(sample_copy: Path) -> None:
    """Issue 26: 100,000 brackets were a RecursionError (exit 3)."""
    nested = "[" * 100_000 + "]" * 100_000
    (sample_copy / "ev.json").write_text(nested)
    (sample_copy / "cp.json").write_text(nested)
    toml = sample_copy / "migration.toml"
    text = toml.read_text()
    for edit in (
        ('protocol = "REST_PULL"', 'protocol = "REST_PULL"\nprobe_evidence = ["ev.json"]'),
        ('contact_points = "contact-points-test.xlsx"', 'contact_points = "cp.json"'),
    ):
        toml.write_text(text.replace(*edit))
        name = edit[1].split('"')[-2]
        r = cli("check", "--settings", str(toml), "--env", "test")
        assert r.returncode == 2, (name, r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr and name in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_an_attackers_look_at_the_sessions_new_surfaces(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 23's attacker pass, each mended here:
    - a secrets file in UTF-16 (what Windows PowerShell 5.1's ``>`` writes) or over 1 MB
      crashed check, run and ``cert inspect --settings`` (exit 3); it is one line, exit 2,
      naming the file and never its content, and a secret pasted into a wrong settings key
      is still hidden in the refusal that comes first;
    - ``confirm --by``/``--note`` holding a secret printed it and wrote it into
      ``confirmations.jsonl`` (every later run then stubbed its own pages): refused;
    - the secrets file's other value under ``SECRET_SHADOWED`` was hidden on the console
      but not looked for in the run's folder; and a short one ("test") hid every "test";
    - ``status --html migration.toml`` replaced the settings with a page, ``--html`` a
      folder crashed, a missing folder was created; one of two paths without settings
      passed."""
    from ngdpkit import redact
    from ngdpkit.run.scan import environment_secrets
    from ngdpkit.secrets import read_dotenv
    from ngdpkit.settings import load_settings
    from tests.conftest import cli

    settings = sample_copy / "migration.toml"
    env_file = sample_copy / "sample.env"
    good = env_file.read_bytes()
    secrets = read_dotenv(env_file)
    for var in secrets:
        monkeypatch.delenv(var, raising=False)

    # the secrets file as UTF-16, and over the bound
    env_file.write_bytes(good.decode("utf-8").encode("utf-16"))
    for command in (
        ("check", "--settings", str(settings), "--env", "test"),
        ("cert", "inspect", str(sample_copy / "certs" / "test.p12"), "--settings", str(settings)),
    ):
        r = cli(*command)
        assert r.returncode == 2, (command, r.stdout, r.stderr)
        assert (
            "sample.env: it looks like UTF-16" in r.stderr
            and "save the secrets file as UTF-8" in r.stderr
        )
        assert "Traceback" not in r.stderr
    env_file.write_bytes(good + b"#" * (1024 * 1024))
    r = cli("check", "--settings", str(settings), "--env", "test")
    assert r.returncode == 2 and "over the 1 MB bound for a secrets file" in r.stderr
    # a secret pasted into a wrong key, with the file unreadable for the run: still hidden
    env_file.write_bytes(good.decode("utf-8").encode("utf-16"))
    password = secrets["NGDPKIT_TEST_CERT_PASSWORD"]
    text = settings.read_text(encoding="utf-8")
    settings.write_text(f'language = "{password}"\n' + text, encoding="utf-8")
    r = cli("check", "--settings", str(settings), "--env", "test")
    assert r.returncode == 2 and password not in r.stdout + r.stderr
    settings.write_text(text, encoding="utf-8")
    env_file.write_bytes(good)

    # a confirmation holding a secret
    header = secrets["NGDPKIT_TEST_AUTHORIZATION"]
    for flag, value in (("--by", f"Mette {password}"), ("--note", f"header er {header}")):
        args = ["confirm", "--settings", str(settings), "--env", "test", "--step", "6"]
        args += ["--by", "Mette"] if flag == "--note" else []
        r = cli(*args, flag, value)
        assert r.returncode == 2, (flag, r.stdout, r.stderr)
        assert f"{flag} holds the value of" in r.stderr and "nothing was recorded" in r.stderr
        assert password not in r.stdout + r.stderr and header not in r.stdout + r.stderr
    assert not (sample_copy / "confirmations.jsonl").exists()

    # the shadowed value is looked for in the folder; a short one is not hidden anywhere
    monkeypatch.setenv("NGDPKIT_TEST_CERT_PASSWORD", "an old password left in the shell")
    loaded = load_settings(settings)
    looked_for = environment_secrets(loaded, loaded.environment("test"))
    assert "NGDPKIT_TEST_CERT_PASSWORD (sample.env)" in looked_for
    env_file.write_bytes(good.replace(password.encode(), b"test"))
    redact.forget_all()
    looked_for = environment_secrets(load_settings(settings), loaded.environment("test"))
    assert not any("(sample.env)" in name for name in looked_for)
    assert redact.redact("test and production") == "test and production"
    env_file.write_bytes(good)

    # status --html: only a page, in a folder that exists; every path must hold settings
    for target in (settings, tmp_path, tmp_path / "nowhere" / "s.html"):
        r = cli("status", str(sample_copy), "--html", str(target))
        assert r.returncode == 2 and "--html" in r.stderr, (target, r.stderr)
    assert settings.read_text(encoding="utf-8") == text and not (tmp_path / "nowhere").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("status", str(sample_copy), str(empty), "--html", str(tmp_path / "s.html"))
    assert r.returncode == 2 and r.stderr.strip().endswith(f"found in {empty}")
    assert not (tmp_path / "s.html").exists()


def test_a_ci_log_command_in_a_value_reaches_the_console_as_text(sample_copy: Path) -> None:
    """An attacker's look: "##vso[task.uploadfile]…" in an export cell or a settings value
    reached the console in a finding's line, which Azure Pipelines acts on anywhere in its
    log (in the step that holds the .p12); GitHub acts on "::" at a line's start and on "##[".
    Everything the kit prints is made plain text for a CI log; the finding keeps the value."""
    from ngdpkit.redact import ci_inert

    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    planted = "10.0.0.300##vso[task.uploadfile]/etc/passwd"
    settings.write_text(
        text.replace('"198.51.100.10", ', f'"198.51.100.10", "{planted}", ', 1), encoding="utf-8"
    )
    r = cli("check", "--settings", str(settings), "--env", "test")
    assert "IP_INVALID" in r.stdout, r.stdout + r.stderr
    assert "##vso[" not in r.stdout + r.stderr and "## vso[task.uploadfile]" in r.stdout
    assert ci_inert("12##[error]GODKEND") == "12## [error]GODKEND"
    assert ci_inert("ok\n  ::add-mask::x") == "ok\n  : :add-mask::x"
    # GitHub trims any space (.NET TrimStart): a no-break or ideographic space before "::"
    assert ci_inert("x\n\u00a0::error::P") == "x\n\u00a0: :error::P"
    assert ci_inert("\u3000::warning::w") == "\u3000: :warning::w"
    assert ci_inert("a::b ##VSO[x]") == "a::b ## VSO[x]" == ci_inert(ci_inert("a::b ##VSO[x]"))
