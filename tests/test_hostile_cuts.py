"""Session 43's attacker pass on secrets and the cut of long values: a value quoted in a
finding is cut to 200 characters (``findings.PARAM_CHARACTERS``) and any other to 1,000, after
the registered secrets are hidden. What was found, each mended here:

- a seal password only in the process environment (CI) is unknown to the steps' kernels,
  which start without it: a cell holding it behind padding was quoted cut to its first 17
  characters in six files of the run, which the scan for the whole secret did not see;
- a cut fell inside the ``[hidden: NAME]`` marker of a secret the kernel did know;
- an option given twice (``confirm --by`` a pasted password, twice) printed it whole;
- a 5,000-digit mailbox ID in a mapping file six folders deep made a console line of 1,525
  characters in ``check``."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl

from ngdpkit import redact
from ngdpkit.redact import SHORT_SECRET
from ngdpkit.run.scan import needles, scan_bytes
from ngdpkit.secrets import read_dotenv
from tests.conftest import cli
from tests.test_signing import all_bytes

SEAL = "Seal-Pa55word-Q7zK9mXw"  # only in the process environment, as a CI job holds it
SEAL_VAR = "NGDPKIT_SEAL_PASSWORD"


def with_seal_password_env(sample: Path) -> Path:
    """The sample's settings with a seal whose password is what is looked at (no .p12)."""
    (sample / "seal.p12").write_bytes(b"not a p12: the password is what is looked at")
    toml = sample / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + f'\n[signing]\ncertificate = "seal.p12"\ncertificate_password_env = "{SEAL_VAR}"\n',
        encoding="utf-8",
    )
    return toml


def test_a_cut_value_leaves_no_beginning_of_the_seal_password_and_no_broken_marker(
    sample_copy: Path,
) -> None:
    toml = with_seal_password_env(sample_copy)
    cert_password = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    book = openpyxl.load_workbook(sample_copy / "contact-points-test.xlsx")
    sheet = book.active
    # each a translation token quoted cut at 197 characters: the seal password begins at 180
    # (its first 17 were left), the test password's marker at 190 (the cut fell inside it)
    seal_cell = "A" * 180 + SEAL + "B" * 300
    marker_cell = "C" * 190 + cert_password + "D" * 300
    sheet["I2"] = f"{sheet['I2'].value} {seal_cell} {marker_cell}"
    book.save(sample_copy / "contact-points-test.xlsx")

    result = cli("run", "--settings", str(toml), "--env", "test", env={SEAL_VAR: SEAL})
    assert result.returncode == 1, result.stdout + result.stderr
    run_dir = Path([x for x in result.stdout.splitlines() if x.strip()][-1].strip())
    written = all_bytes(run_dir)
    console = result.stdout + result.stderr
    assert SEAL[:SHORT_SECRET].encode() not in written
    assert SEAL[:SHORT_SECRET] not in console
    found = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))
    rows = found if isinstance(found, list) else found["findings"]
    leaks = [f for f in rows if f["code"] == "SECRET_LEAK"]
    # what the scan does for a whole secret: the files are stubs, the leak is an error
    assert leaks and all(SEAL_VAR in f["message"] for f in leaks)
    # no marker is left cut: each one that opens closes
    broken = re.compile(rb"\[hidden: [A-Za-z0-9_ .()-]*(?![A-Za-z0-9_ .()-]|\])")
    assert not broken.search(written), broken.search(written)
    assert not broken.search(console.encode())


def test_the_redaction_and_the_scan_know_a_secrets_beginning_before_a_cut() -> None:
    redact.forget_all()
    try:
        redact.register(SEAL_VAR, SEAL)
        for mark in ("...", "…"):
            text = f"'AAAA{SEAL[:12]}{mark}' is not a number"
            assert redact.redact(text) == f"'AAAA[hidden: {SEAL_VAR}]{mark}' is not a number"
            pins = needles({SEAL_VAR: [SEAL]})
            assert scan_bytes("f.json", json.dumps({"m": text}).encode(), pins) == [SEAL_VAR]
            assert scan_bytes("f.json", json.dumps({"m": text}, ensure_ascii=False).encode(), pins)
        # a cut that falls inside a marker keeps it whole in a quoted value (a message says
        # a secret was there), and leaves it out whole where the limit is hard (clip)
        from ngdpkit import findings as F

        f = F.warning("X", "Bad {value!r}.", value="C" * 190 + SEAL + "D" * 300)
        assert f.message == "Bad '" + "C" * 190 + f"[hidden: {SEAL_VAR}]...'."
        long_name = "NGDPKIT_" + "X" * 100
        redact.register(long_name, "Zq" + SEAL)
        f = F.warning("X", "Bad {value!r}.", value="C" * 190 + "Zq" + SEAL + "D" * 300)
        assert f.message == "Bad '" + "C" * 190 + "...'."  # past MARKER_KEPT: left out
        assert redact.clip("C" * 190 + SEAL, 200) == "C" * 190
        # fewer than SHORT_SECRET characters, or no cut after them, are ordinary text
        for text in (f"{SEAL[:7]}...", f"{SEAL[:12]} and more"):
            assert redact.redact(text) == text
            assert scan_bytes("f.txt", text.encode(), needles({SEAL_VAR: [SEAL]})) == []
    finally:
        redact.forget_all()


def test_an_option_given_twice_hides_the_secrets_it_can_know(sample_copy: Path) -> None:
    settings = sample_copy / "migration.toml"
    password = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    ci_token = "ci-only-Token-8c1f2a9b"
    for first, env in ((password, {}), (ci_token, {"NGDPKIT_CI_DEPLOY_TOKEN": ci_token})):
        # --settings after the option: the secrets file it names is read all the same
        r = cli(
            "confirm", "--by", f"Mette {first}", "--by", "Mette",
            "--settings", str(settings), "--env", "test", "--step", "6", env=env,
        )  # fmt: skip
        assert r.returncode == 2, r.stderr
        assert "--by is given twice" in r.stderr and "[hidden: " in r.stderr
        assert first not in r.stdout + r.stderr


def test_no_finding_makes_a_console_line_over_1300_characters(sample_copy: Path) -> None:
    deep = Path(*(["d" * 60] * 6))
    (sample_copy / deep).mkdir(parents=True)
    book = openpyxl.load_workbook(sample_copy / "mapping-test.xlsx")
    book.active["A2"] = "9" * 5000
    book.save(sample_copy / deep / "mapping-test.xlsx")
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'mapping = "mapping-test.xlsx"', f'mapping = "{deep.as_posix()}/mapping-test.xlsx"'
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(toml), "--env", "test")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = (r.stdout + r.stderr).splitlines()
    assert any("MAPPING_ROW_UNUSED" in x for x in lines)
    assert max(map(len, lines)) <= 1300


def long_name_in_export(sample: Path, long_name: str) -> None:
    """The first mailbox's name in the e-Boks export, as Excel never writes it (an inline
    string past 32,767 characters)."""
    export = sample / "mailboxes.xlsx"
    with zipfile.ZipFile(export) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    where = "xl/worksheets/sheet1.xml"
    text = members[where].decode("utf-8")
    first = '<c r="B4" t="inlineStr"><is><t>'
    at = text.index(first) + len(first)
    end = text.index("</t>", at)
    members[where] = (text[:at] + long_name + text[end:]).encode("utf-8")
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, data in members.items():
            zout.writestr(n, data)


def test_a_cell_over_excels_limit_is_cut_after_its_secret_is_hidden(sample_copy: Path) -> None:
    """A workbook not written by Excel may hold a cell of 40,000 characters; the kit's own
    workbooks cut it at Excel's 32,767, which left the certificate password's first 17
    characters in mailbox-mapping.xlsx and portal-todo.xlsx (the scan looked for the whole)."""
    password = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    long_name_in_export(sample_copy, "x" * 32_750 + password + "y" * 5_000)

    result = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    run_dir = Path([x for x in result.stdout.splitlines() if x.strip()][-1].strip())
    assert password[:SHORT_SECRET].encode() not in all_bytes(run_dir)


def test_the_system_ids_beginning_before_a_cut_is_no_secret(sample_copy: Path) -> None:
    """A DPO's look: the header's decoded part begins with the system id, which the settings
    and every page show, so its first 8 characters before "…" counted as the header: a
    mailbox named "Integrationstest (system 5b3f2c1e-8d4a…)" failed the run with ten
    SECRET_LEAK and stubbed the mapping files, and ``confirm --note`` with it was refused.
    A cut's beginning counts from the token on; the token's beginning is still hidden."""
    header = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_AUTHORIZATION"]
    parsed = redact.parse_authorization(header)
    assert parsed is not None
    system_id, token = parsed
    b64 = header.split(" ", 1)[1]
    public = (f"{system_id[:13]}…", f"{system_id}:...", f"Basic {b64[:48]}…", f"{b64[:40]}&hellip;")
    secret = (f"{system_id}:{token[:9]}...", f"{token[:10]}…", f"Basic {b64[:56]}…")
    parts = redact.secret_parts(header)
    redact.forget_all()
    try:
        redact.register("NGDPKIT_TEST_AUTHORIZATION", header)
        for text in public:
            assert redact.redact(text) == text
            assert scan_bytes("f.txt", text.encode(), needles({"A": parts})) == []
        for text in secret:
            assert "[hidden: NGDPKIT_TEST_AUTHORIZATION]" in redact.redact(text), text
            assert scan_bytes("f.txt", text.encode(), needles({"A": parts})) == ["A"], text
    finally:
        redact.forget_all()

    settings = sample_copy / "migration.toml"
    r = cli(
        "confirm", "--settings", str(settings), "--env", "test", "--step", "4",
        "--by", "Mette Jensen", "--note", f"System {system_id[:13]}… oprettet",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    book.active["B4"] = f"Integrationstest (system {system_id[:13]}…)"
    book.save(sample_copy / "mailboxes.xlsx")
    result = cli("run", "--settings", str(settings), "--env", "test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SECRET_LEAK" not in result.stdout + result.stderr


def test_an_option_given_twice_before_an_abbreviated_settings_hides_its_secrets(
    sample_copy: Path,
) -> None:
    """argparse takes ``--sett FILE`` for ``--settings FILE``: the refusal of an option
    given twice read only the whole word, so the password the settings' secrets file holds,
    pasted as ``--by`` twice, was printed whole (an attacker's look)."""
    settings = str(sample_copy / "migration.toml")
    password = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    for given in (["--sett", settings], [f"--setti={settings}"]):
        r = cli(
            "confirm", "--by", f"Mette {password}", "--by", "Mette",
            *given, "--env", "test", "--step", "6",
        )  # fmt: skip
        assert r.returncode == 2, r.stderr
        assert "--by is given twice" in r.stderr and "[hidden: " in r.stderr
        assert password not in r.stdout + r.stderr


def test_a_bearer_tokens_public_beginning_before_a_cut_is_no_secret() -> None:
    """Every JSON web token begins "eyJhbGci" (its header, then its claims, base64url of
    JSON): "Bearer eyJ…" in a text, or another token's header and claims cut, read as the
    header of a ``Bearer`` setting. Its cut counts from the signature on."""
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ3b3Jrem9uZSJ9.Kx9wqTz3secretSig"
    header = f"Bearer {jwt}"
    parts = redact.secret_parts(header)
    redact.forget_all()
    try:
        redact.register("NGDPKIT_TEST_AUTHORIZATION", header)
        for text in ("Bearer eyJ…", f"Bearer {jwt[:60]}…", f"{jwt[:40]}..."):
            assert redact.redact(text) == text
            assert scan_bytes("f.txt", text.encode(), needles({"A": parts})) == []
        for text in (f"{header[:-6]}…", f"{jwt[:-6]}..."):
            assert "[hidden: NGDPKIT_TEST_AUTHORIZATION]" in redact.redact(text), text
            assert scan_bytes("f.txt", text.encode(), needles({"A": parts})) == ["A"], text
    finally:
        redact.forget_all()


def test_a_workbooks_about_value_cut_leaves_a_marker_whole() -> None:
    """The About sheet's and the page headers' values are cut at 120 characters with "…"
    after their secrets are hidden: the cut fell inside the marker ("[hidden: NGDPKIT_TE…")."""
    from ngdpkit.deliverables.workbook_about import plain

    redact.forget_all()
    try:
        redact.register("NGDPKIT_TEST_CERT_PASSWORD", SEAL)
        assert plain("X" * 100 + SEAL + " Kommune") == "X" * 100 + "…"
        assert plain("X" * 200) == "X" * 119 + "…"
    finally:
        redact.forget_all()


def test_a_bounded_console_line_of_cpr_numbers_keeps_its_bound_and_no_numbers_date(
    sample_copy: Path,
) -> None:
    """A hostile second look: the console line's bound cut before the CPR-shaped words were
    hidden: each number hidden after the cut ("CPR number withheld", 19 characters for 11)
    grew the line of a mailbox named by 90 CPR numbers to 1,739 characters past its severity
    and code, and a cut inside a longer run of them (one digit run to the cut's rule, too
    long to leave out) could keep "010170-" (a number's date)."""
    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    book.active["A4"] = "7777777"  # mapped nowhere: MAILBOX_UNMAPPED quotes its name
    book.active["B4"] = " ".join(["010170-1234"] * 90)
    book.save(sample_copy / "mailboxes.xlsx")
    toml = sample_copy / "migration.toml"
    for language in ("en", "da"):
        text = toml.read_text(encoding="utf-8")
        toml.write_text(
            re.sub(r'(?m)^language = "[a-z]+"', f'language = "{language}"', text),
            encoding="utf-8",
        )
        r = cli("check", "--settings", str(toml), "--env", "test", "--all")
        assert r.returncode == 1, r.stdout + r.stderr
        line = next(x for x in r.stdout.splitlines() if "MAILBOX_UNMAPPED" in x)
        said = line.split("MAILBOX_UNMAPPED", 1)[1].strip()
        assert len(said) <= 1200, (language, len(said))
        assert "010170" not in line
        words = "CPR number withheld" if language == "en" else "CPR-nummer udeladt"
        assert words in line
    from ngdpkit.documents.display import CONSOLE_CHARACTERS, console_said

    many = "Mailbox names " + " ".join(["010170-1234"] * 120)  # two values of a template
    for language in ("en", "da"):
        said = console_said(many, "mailboxes.xlsx row 4", language)
        assert len(said) <= CONSOLE_CHARACTERS and "010170" not in said, said[-40:]
