"""``mailbox-mapping.xlsx`` says whose it is, for which environment and run (session 32): its
document properties, its printed page header and footer, and an About sheet after the
register's sheets; the register's first sheet and the CSV stay as WorkZone and machines
read them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from ngdpkit.deliverables.checklist import Readiness
from ngdpkit.deliverables.outputs import (
    MAPPING_COLUMNS,
    MAPPING_HEADERS,
    MAPPING_SHEET,
    csv_of,
    mapping_csv_table,
    stamp_mapping_workbook,
    write_mapping_workbook,
)
from ngdpkit.deliverables.workbook_about import WorkbookLabel, page_setup
from ngdpkit.run.mapping_files import MappingFiles
from ngdpkit.steps.records import ContactPointsRecord, read_step
from tests.conftest import cli

HOSTILE = '=HYPERLINK("http://x")&"\x07\x1b[31m\u202e_x001B_ A&B\r\n' + "Kommune " * 40
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def shown_text(value: str) -> bool:
    """No control or format character (a bidi override among them)."""
    return not any(unicodedata.category(c) in ("Cc", "Cf") for c in value)


def about_rows(book: Any, name: str = "Om") -> list[str]:
    return [row[0] for row in book[name].iter_rows(values_only=True)]


def test_mapping_workbook_names_organisation_environment_and_run(
    sample_run: dict[str, Any],
) -> None:
    run_dir: Path = sample_run["run_dir"]
    book = openpyxl.load_workbook(run_dir / "mailbox-mapping.xlsx")
    found = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))
    # the overview's readiness (the checklist's), not one of its own
    words = Readiness(**found["readiness"]).words("da")
    errors = sum(f["severity"] == "error" for f in found["findings"])
    warnings = sum(f["severity"] == "warning" for f in found["findings"])
    props = book.properties
    assert props.title == (
        f"Postkassetilknytning – Eksempel Kommune (fiktiv) – test – kørsel {run_dir.name}"
    )
    assert props.subject == f"{words} ({errors} fejl, {warnings} advarsler)"
    assert props.keywords.split("; ")[0] == "test"
    assert "miljøet test" in props.description and props.creator.startswith("ngdpkit ")
    assert book.sheetnames == [MAPPING_SHEET, "Findings", "Om"]  # the About sheet last
    sheet = book[MAPPING_SHEET]
    assert sheet.oddHeader.left.text == "Eksempel Kommune (fiktiv)"
    assert sheet.oddHeader.center.text == "Miljø: test"
    assert sheet.oddHeader.right.text == f"kørsel {run_dir.name}"
    assert sheet.oddFooter.right.text == "Side &P af &N"
    # the About sheet prints with the same header (a proofreader's look: it had none)
    assert book["Om"].oddHeader.center.text == "Miljø: test"
    lines = about_rows(book)
    assert lines[0] == props.title
    assert (
        "Miljø: test – filen må kun indlæses i WorkZone i miljøet test, ikke i et andet miljø"
        in lines
    )
    assert f"Kørsel (kørselsmappe): {run_dir.name}" in lines
    assert f"Kørslens status (hele miljøet, ikke kun denne fil) – {props.subject}" in lines
    assert any(line.startswith("Anker: se signoff/index.html") for line in lines)
    assert lines[-1].startswith("ngdpkit-version: ")


def test_mapping_sheet_and_csv_are_as_before(sample_run: dict[str, Any]) -> None:
    """What WorkZone imports keeps its shape: the header row first, one row per mailbox;
    the CSV is the bytes the mapping alone gives, with nothing of the run in it."""
    run_dir: Path = sample_run["run_dir"]
    record = read_step(run_dir / "steps" / "02_contact_points.json").record
    assert isinstance(record, ContactPointsRecord)
    data = (run_dir / "mailbox-mapping.csv").read_bytes()
    assert data == csv_of(mapping_csv_table(record.mapping))
    assert data.startswith(b"\xef\xbb\xbf" + ";".join(MAPPING_HEADERS).encode() + b"\r\n")
    assert run_dir.name.encode() not in data and b"Postkassetilknytning" not in data
    rows = list(openpyxl.load_workbook(run_dir / "mailbox-mapping.xlsx")[MAPPING_SHEET].values)
    assert rows[0] == MAPPING_HEADERS
    assert len(rows) - 1 == len(record.mapping) == data.count(b"\r\n") - 1


def test_test_and_production_workbooks_tell_themselves_apart(
    sample_run_all: dict[str, Any], sample_run: dict[str, Any]
) -> None:
    test, production = sample_run_all["folders"]
    books = {
        d.parent.name: openpyxl.load_workbook(d / "mailbox-mapping.xlsx")
        for d in (test, production)
    }
    assert {n: b.properties.keywords.split("; ")[0] for n, b in books.items()} == {
        "test": "test",
        "production": "production",
    }
    assert " – production – " in books["production"].properties.title
    assert (
        "Miljø: production – filen må kun indlæses i WorkZone i miljøet production, ikke i et andet miljø"
        in about_rows(books["production"])
    )
    # the same inputs give the same CSV, byte for byte, whatever the run
    same = (sample_run["run_dir"] / "mailbox-mapping.csv").read_bytes()
    assert (test / "mailbox-mapping.csv").read_bytes() == same


def hostile_about(**changes: Any) -> WorkbookLabel:
    fields: dict[str, Any] = {
        "organisation": HOSTILE,
        "cvr": "=1+1",
        "environment": "test&\x00prod",
        "run_id": "20261206T112041Z-48cbc4",
        "version": "0.2.0",
    }
    return WorkbookLabel(**(fields | changes))


def frame() -> pd.DataFrame:
    return pd.DataFrame([dict.fromkeys(MAPPING_COLUMNS, "x")])


def test_a_hostile_organisation_name_is_only_shown(tmp_path: Path) -> None:
    path = write_mapping_workbook(tmp_path / "m.xlsx", frame(), [], hostile_about())
    book = openpyxl.load_workbook(path)
    lines = about_rows(book)
    assert lines and all(isinstance(v, str) and not v.startswith(FORMULA_START) for v in lines)
    assert all(shown_text(v) and len(v) <= 400 for v in lines)
    # control and format characters dropped; a literal _x001B_ (which Excel would read as
    # ESC) escaped as rust_xlsxwriter escapes it in the other sheets' cells: Excel shows the
    # text, openpyxl leaves the escape as it is
    assert lines[1].startswith('Organisation: =HYPERLINK("http://x")&"[31m_x005F_x001B_ A&B Kom')
    assert lines[1].endswith("… (CVR =1+1)")  # cut, and read as text after its label
    assert any(line.startswith("Miljø: test&prod – ") for line in lines)
    props = book.properties
    for value in (props.title, props.subject, props.keywords, props.description):
        assert shown_text(value) and len(value) <= 400
    header = book[MAPPING_SHEET].oddHeader
    # openpyxl reads a header's escape back, as Excel does: the text, not ESC
    assert header.left.text.startswith('=HYPERLINK("http://x")&&"[31m_x001B_ A&&B')
    assert header.center.text == "Miljø: test&&prod"  # "&" is a code in a header: doubled
    assert zipfile.ZipFile(path).testzip() is None


def test_page_headers_stay_within_excel_limit() -> None:
    for char in ("&", "_x001B_"):
        about = hostile_about(organisation=char * 300, environment=char * 40, run_id=char * 99)
        for language in ("da", "en"):
            texts = page_setup(dataclasses.replace(about, language=language))
            assert all(len(v) <= 255 for v in texts.values()), texts


def test_stamping_again_says_the_readiness_and_keeps_the_sheets(tmp_path: Path) -> None:
    """The workbook is begun before the run knows its readiness; stamped when it does, only
    its properties and About sheet change, every other part's bytes copied as they were."""
    about = hostile_about(organisation="Eksempel Kommune", environment="test", language="en")
    path = write_mapping_workbook(tmp_path / "m.xlsx", frame(), [], about)
    before = zipfile.ZipFile(path)
    parts = {i.filename: before.read(i.filename) for i in before.infolist()}
    assert (
        "The run's status (the whole environment, not only this file) – decided when the run has finished: see signoff/index.html"
        in about_rows(openpyxl.load_workbook(path), "About")
    )
    stamp_mapping_workbook(path, about.known("not ready: errors in the findings", 2, 1))
    after = zipfile.ZipFile(path)
    assert after.testzip() is None and after.namelist() == list(parts)
    changed = {n for n in parts if after.read(n) != parts[n]}
    assert changed == {"docProps/core.xml", "xl/worksheets/sheet3.xml"}
    book = openpyxl.load_workbook(path)
    assert book.properties.subject == "not ready: errors in the findings (2 errors, 1 warning)"
    assert (
        "The run's status (the whole environment, not only this file) – not ready: errors in the findings (2 errors, 1 warning)"
        in about_rows(book, "About")
    )
    assert list(book[MAPPING_SHEET].values) == [MAPPING_HEADERS, ("x",) * len(MAPPING_HEADERS)]


def test_the_writers_stamp_the_readiness_once_the_run_knows_it(tmp_path: Path) -> None:
    """The workbook begun from the hand-over says the readiness is not known yet; finishing
    with it stamps the one already written, the findings unchanged."""
    begun = hostile_about(organisation="Eksempel Kommune", environment="test")
    writers = MappingFiles(tmp_path, lambda found: [], begun)
    writers.start(frame(), [])
    writers.finish([], begun.known("klar", 0, 1))
    book = openpyxl.load_workbook(tmp_path / "mailbox-mapping.xlsx")
    assert book.properties.subject == "klar (0 fejl, 1 advarsel)"
    assert (
        "Kørslens status (hele miljøet, ikke kun denne fil) – klar (0 fejl, 1 advarsel)"
        in about_rows(book)
    )
    assert (
        writers.sha256
        == hashlib.sha256((tmp_path / "mailbox-mapping.csv").read_bytes()).hexdigest()
    )


def test_diff_sees_past_what_names_the_run(tmp_path: Path) -> None:
    """Each run's workbook names its own run (About sheet, page header): a second run of the
    same mapping is not "mailbox-mapping.xlsx har nyt indhold"; another mapping is."""
    from types import SimpleNamespace

    from ngdpkit.compare.diff import output_changes

    name = "mailbox-mapping.xlsx"

    def run(folder: str, run_id: str, rows: pd.DataFrame) -> SimpleNamespace:
        (tmp_path / folder).mkdir()
        about = hostile_about(environment="test", run_id=run_id)
        write_mapping_workbook(tmp_path / folder / name, rows, [], about)
        digest = hashlib.sha256((tmp_path / folder / name).read_bytes()).hexdigest()
        return SimpleNamespace(manifest={name: digest}, path=tmp_path / folder)

    a = run("a", "20261206T112041Z-48cbc4", frame())
    b = run("b", "20261207T090000Z-123456", frame())
    assert a.manifest != b.manifest
    assert output_changes(a, b) == ()  # type: ignore[arg-type]
    other = frame().assign(ngdp_guid="y")
    c = run("c", "20261207T100000Z-abcdef", other)
    assert [ch.params["file"] for ch in output_changes(a, c)] == [name]  # type: ignore[arg-type]


def test_a_secret_is_hidden_before_a_value_is_cut_and_escapes_stay_literal() -> None:
    """An attacker's look: a 152-character token set as the organisation's name was cut to
    119 characters in the workbook's properties and About sheet (47 in its page header), so
    the leak scan, which looks for the whole, stubbed every other file and left the workbook
    with most of the token. A registered secret is hidden before a value is cut. And
    ``_x0041_x0042_`` holds two escapes: the second, beginning on the first's last "_",
    was left for Excel to decode (a right-to-left override came back through ``_x202e_``)."""
    from openpyxl.utils.escape import unescape

    from ngdpkit import redact
    from ngdpkit.deliverables.workbook_about import plain, xstring

    token = "Zq" + "7f3K9pLmW2xR8vT1nB6cY4hJ0dS5gA" * 5
    redact.register("NGDPKIT_TEST_AUTHORIZATION", token)
    try:
        for limit in (119, 47):
            shown = plain(token, limit)
            assert token[:20] not in shown and "[hidden: NGDPKIT_TEST_AUTHORIZATION]" in shown
    finally:
        redact.forget_all()
    for text in ("a_x0041_x0042_b", "Kommune _x0000_x202e_lanigiro", "_x0041_" * 3):
        assert unescape(xstring(text)) == text, text


def test_the_checklist_and_runbook_workbooks_say_their_environment(
    sample_run: dict[str, Any],
) -> None:
    """A WorkZone administrator's look: checklist.xlsx and runbook.xlsx had no title and no
    printed header, and test's runbook, printed, carries test's ContactPointGuid to type on
    production's day. Each says organisation, environment and run in its properties and on
    every printed page, as the mapping workbook does."""
    run_dir: Path = sample_run["run_dir"]
    for name, what in (("checklist.xlsx", "Tjekliste"), ("runbook.xlsx", "Drejebog")):
        book = openpyxl.load_workbook(run_dir / name)
        title = book.properties.title
        assert title == f"{what} – Eksempel Kommune (fiktiv) – test – kørsel {run_dir.name}"
        assert book.properties.keywords.split("; ")[0] == "test"
        assert all(ws.oddHeader.center.text == "Miljø: test" for ws in book.worksheets), name
    r = cli("audit", "verify", str(run_dir))
    assert r.returncode == 0, r.stdout


def test_a_restamped_workbook_is_scanned_in_the_parts_it_wrote_anew(tmp_path: Path) -> None:
    """The 100,000-mailbox workbook, stamped again once the run knew its readiness, was
    scanned whole a second time (1 s of the run's outputs). The ledger builds on the scan
    of what the file held and scans only the parts written anew; a secret in those is
    found, one in the old parts is kept, and without a scan to build on nothing is assumed."""
    from ngdpkit.deliverables.outputs import LEDGER, atomic_write

    def scanner(name: str, data: bytes) -> tuple[str, ...]:
        return tuple(n for n in ("OLD", "NEW") if n.encode() in data)

    path = tmp_path / "book.xlsx"
    assert LEDGER.rescanned(path, [b"NEW"]) is None  # nothing noted of it
    token = object()
    LEDGER.scan_as_written(token, scanner)
    try:
        atomic_write(path, b"PK.. OLD ..")
        assert LEDGER.rescanned(path, [b"<x>NEW</x>"]) == (token, ("NEW", "OLD"))
        assert LEDGER.rescanned(path, [b"<x/>"]) == (token, ("OLD",))
        path.write_bytes(b"changed since")  # another writer: no scan to build on
        assert LEDGER.rescanned(path, [b"<x/>"]) is None
    finally:
        LEDGER.scan_as_written(token, None)
