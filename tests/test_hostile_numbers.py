"""Numbers a hostile or damaged input holds where an ID belongs, and workbook packages built
unlike Excel's (the attacker's sixth look): each is a finding or a one-line exit 2, never
a crash (exit 3).

``str.isdigit`` takes ``²``, ``¹²³`` and Arabic-Indic digits, which ``int()`` then refuses
or reads as another number; ``int()`` refuses a text of more than 4,300 digits; NgDP's JSON
may hold ``Infinity``, ``1e400`` or ``true`` where a number belongs."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ngdpkit.inputs import is_number
from tests.conftest import cli, edit_settings

HUGE = "7" * 5000


def check(sample: Path, env: str = "test") -> tuple[int, list[dict[str, str]], str]:
    r = cli("check", "--settings", str(sample / "migration.toml"), "--env", env, "--json")
    assert "Traceback" not in r.stderr and r.returncode in (0, 1, 2), r.stdout + r.stderr
    if r.returncode == 2:
        return 2, [], r.stderr
    found = json.loads(r.stdout)["findings"]
    return r.returncode, found, r.stderr


def set_settings(sample: Path, old: str, new: str) -> None:
    edit_settings(sample / "migration.toml", (old, new))


@pytest.mark.parametrize("text", ["1", "0100233", "0" * 18])
def test_is_number_takes_ascii_digits(text: str) -> None:
    assert is_number(text)


@pytest.mark.parametrize(
    "text", ["", "²", "¹²³", "٠١٠٠٢٥٣", "١", "0" * 19, HUGE, "-1", "1.0", " 1"]
)
def test_is_number_refuses_what_int_refuses_or_misreads(text: str) -> None:
    assert not is_number(text)


@pytest.mark.parametrize("token", ["0100233:²", "¹²³", HUGE, f"0100233:{HUGE}", "٠١٠٠٢٣٣"])
def test_a_translation_that_is_no_ascii_number_is_a_finding(sample_copy: Path, token: str) -> None:
    book = sample_copy / "contact-points-test.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb.active
    ws["I2"] = f"{ws['I2'].value} {token}"
    wb.save(book)
    code, found, _ = check(sample_copy)
    assert code in (0, 1)
    invalid = [f for f in found if f["code"] == "CONTACT_POINT_VALUE_INVALID"]
    assert len(invalid) == 1 and invalid[0]["location"].endswith("2"), invalid


@pytest.mark.parametrize("mailbox", ["²", HUGE, "٠١٠٠٢٥٣", "0100233:²"])
def test_a_decision_for_no_ascii_number_is_not_used(sample_copy: Path, mailbox: str) -> None:
    assert_decision_not_used(sample_copy, mailbox, "2026-12-04T10:00:00+01:00")


def assert_decision_not_used(sample: Path, mailbox: str, when: str) -> None:
    """A decisions file of one retire decision: ``check`` finds it DECISION_INVALID."""
    (sample / "decisions-test.csv").write_text(
        "Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note\r\n"
        f"{mailbox};retire;;Anne;{when};x\r\n",
        encoding="utf-8-sig",
    )
    code, found, _ = check(sample)
    assert code in (0, 1)
    assert [f["code"] for f in found if f["code"].startswith("DECISION_")] == ["DECISION_INVALID"]


def test_a_register_row_with_no_ascii_number_is_left_out(sample_copy: Path) -> None:
    register = sample_copy / "register.csv"
    register.write_text(
        "Mailbox ID;Subject ID;NgDP Guid\r\n²;;7f9c69da-044c-5324-b789-212f3097dbac\r\n"
        f"{HUGE};;7f9c69da-044c-5324-b789-212f3097dbac\r\n",
        encoding="utf-8-sig",
    )
    set_settings(
        sample_copy,
        'contact_points = "contact-points-test.xlsx"',
        'contact_points = "contact-points-test.xlsx"\nworkzone_register = "register.csv"',
    )
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("postkasseId", "Infinity"),
        ("postkasseId", "1e400"),
        ("postkasseId", "-100233"),
        ("postkasseId", "true"),
        ("postkasseId", "1.5"),
        ("postkasseEmneId", "-Infinity"),
        ("postkasseId", json.dumps(HUGE)),
    ],
)
def test_a_json_translation_that_is_no_whole_number_is_a_finding(
    sample_copy: Path, field: str, raw: str
) -> None:
    translation = {"postkasseId": 100233, "postkasseEmneId": None}
    body = json.dumps(translation).replace(
        f'"{field}": {json.dumps(translation[field])}', f'"{field}": {raw}'
    )
    assert raw in body
    (sample_copy / "cp.json").write_text(
        '[{"id": "7f9c69da-044c-5324-b789-212f3097dbac", "name": "Borgerservice", '
        f'"targets": ["CITIZEN"], "translations": [{body}]}}]',
        encoding="utf-8",
    )
    set_settings(
        sample_copy, 'contact_points = "contact-points-test.xlsx"', 'contact_points = "cp.json"'
    )
    code, found, _ = check(sample_copy)
    assert code in (0, 1)
    assert "CONTACT_POINT_VALUE_INVALID" in {f["code"] for f in found}


@pytest.mark.parametrize(
    "targets", ["5", '"CITIZEN"', '[{"a": 1}, ["CITIZEN"], "CITIZEN"]', "null"]
)
def test_json_targets_that_are_no_list_of_words_are_read_as_none_or_the_words(
    sample_copy: Path, targets: str
) -> None:
    (sample_copy / "cp.json").write_text(
        '[{"id": "7f9c69da-044c-5324-b789-212f3097dbac", "name": "Borgerservice", '
        f'"targets": {targets}, "active": "false", '
        '"translations": [{"postkasseId": 100233}]}]',
        encoding="utf-8",
    )
    set_settings(
        sample_copy, 'contact_points = "contact-points-test.xlsx"', 'contact_points = "cp.json"'
    )
    code, found, _ = check(sample_copy)
    assert code in (0, 1)
    flags = [f for f in found if f["code"] == "CONTACT_POINT_VALUE_INVALID"]
    assert len(flags) == 1 and flags[0]["params"]["key"] == "active", flags


def _rewrite_zip(path: Path, edit: dict[str, bytes | None], rename: dict[str, str]) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for old, new in rename.items():
        parts[new] = parts.pop(old)
    for name, data in edit.items():
        if data is None:
            parts.pop(name, None)
        else:
            parts[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _export_with_a_blank_id(sample: Path) -> Path:
    """The sample's export with one blank Mailbox ID: the kit then looks for a formula
    without its value in the sheet's XML."""
    book = sample / "mailboxes.xlsx"
    wb = openpyxl.load_workbook(book)
    first_id = next(c for row in wb.active.iter_rows() for c in row if str(c.value or "").isdigit())
    first_id.value = None
    wb.save(book)
    return book


def test_a_sheet_declaring_an_entity_is_refused_in_one_line(sample_copy: Path) -> None:
    book = _export_with_a_blank_id(sample_copy)
    with zipfile.ZipFile(book) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x "y">]>' + sheet.split(b"?>", 1)[-1]
    )
    _rewrite_zip(book, {"xl/worksheets/sheet1.xml": hostile}, {})
    code, _, err = check(sample_copy)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "mailboxes.xlsx" in err and "DTD or entities" in err


def test_a_workbook_part_where_the_relationships_put_it_is_read(sample_copy: Path) -> None:
    """The package's relationships may name another part than ``xl/workbook.xml``; Excel
    follows them, and so does the kit's look for formulas without a value."""
    book = _export_with_a_blank_id(sample_copy)
    with zipfile.ZipFile(book) as zf:
        rels = zf.read("_rels/.rels")
        types = zf.read("[Content_Types].xml")
    _rewrite_zip(
        book,
        {
            "_rels/.rels": rels.replace(b"xl/workbook.xml", b"xl/wb.xml"),
            "[Content_Types].xml": types.replace(b"/xl/workbook.xml", b"/xl/wb.xml"),
        },
        {"xl/workbook.xml": "xl/wb.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/wb.xml.rels"},
    )
    code, found, err = check(sample_copy)
    assert code in (0, 1), err
    assert "MAILBOX_ID_MISSING" in {f["code"] for f in found}


@pytest.mark.parametrize("command", ["sample", "init", "notebooks", "check"])
def test_a_path_with_a_line_break_or_an_escape_is_refused_in_one_line(
    tmp_path: Path, command: str
) -> None:
    """The attacker's seventh look: a folder named ``n1\\nFAKE\\x1b[31mX`` was printed as two
    console lines (a forged line in a CI log) by ``init``, ``notebooks``, ``run`` and
    ``rehearse``. A path argument the kit cannot show as it is, is refused before any write."""
    odd = tmp_path / "n1\nFAKE\x1b[31mX"
    args = {
        "sample": ["sample", str(odd)],
        "init": ["init", str(odd / "k"), "--organisation", "S", "--cvr", "98765433"],
        "notebooks": ["notebooks", str(odd)],
        "check": ["check", "--settings", str(odd / "migration.toml"), "--env", "test"],
    }[command]
    r = cli(*args)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "U+000A" in r.stderr and "FAKE" not in r.stderr + r.stdout
    assert not odd.exists()


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_decision_dated_past_the_calendars_edge_is_not_used(sample_copy: Path, when: str) -> None:
    """The attacker's seventh look: ``check`` took the date and ``run`` crashed on it (exit 3,
    ``OverflowError``: in UTC it is past year 9999, or before year 1)."""
    assert_decision_not_used(sample_copy, "0100233", when)
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr


def test_the_calendars_edge_is_shown_as_written() -> None:
    from ngdpkit.findings import local_time

    assert local_time("9999-12-31T23:59:59-23:59", "da") == "9999-12-31T23:59-23:59"
