"""A contact point file cut at Excel's 32,767 characters in a cell: Excel (and openpyxl when it
writes) cuts a longer text there without a word, most often in the middle of an ID. Read as it
was, half an ID ("0") became a translation and the run told the portal administrator to remove
postkasse "0" (a consultant's 20,000 mailboxes); the translations after the cut were gone
without a word. The cut cell is named (CONTACT_POINT_CELL_CUT) and its last ID is not read."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from ngdpkit.inputs.contact_points import read_contact_points
from ngdpkit.inputs.mailboxes import read_mailbox_export
from ngdpkit.inputs.mapping import read_mapping_file
from ngdpkit.inputs.workbooks import EXCEL_CELL_MAX, TableCache

HEAD = ["Kontaktpunkt ID", "Kontaktpunkt navn", "Borgere", "Postkasse IDs"]
CUT_GUID = "6a1f0f52-3c4e-4d55-9d2a-0b1f7c9e0001"
WHOLE_GUID = "6a1f0f52-3c4e-4d55-9d2a-0b1f7c9e0002"


def whole(length: int, first: int) -> str:
    """A cell of exactly ``length`` characters of space-separated whole 7-digit IDs from
    ``first`` on (led by a shorter ID, a postkasse all the same, to make up the length)."""
    count = (length + 1) // 8
    rest = length - (8 * count - 1)
    lead = f"{'123456'[: rest - 1]} " if rest else ""
    return lead + " ".join(f"{first + i:07d}" for i in range(count))


def cut(length: int, first: int) -> str:
    """A cell cut at ``length`` characters as Excel cuts it: its last ID cut after 3 digits."""
    return whole(length + 4, first)[:length]


def ids(text: str) -> list[int]:
    return [int(t) for t in text.split()]


def book(path: Path, rows: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in [HEAD, *rows]:
        ws.append(row)
    wb.save(path)
    return path


def translations(read: object, guid: str) -> list[int]:
    (point,) = (p for p in read.points if p.id == guid)  # type: ignore[attr-defined]
    return [pk for pk, _ in point.translations]


def test_a_translations_cell_at_excels_limit_is_named_and_its_last_id_not_read(
    tmp_path: Path,
) -> None:
    at_limit = cut(EXCEL_CELL_MAX, 100_000)
    kept = whole(EXCEL_CELL_MAX - 1, 200_000)
    assert len(at_limit) == EXCEL_CELL_MAX and at_limit.endswith(" 0104095"[:4])
    assert len(kept) == EXCEL_CELL_MAX - 1 and kept.endswith(" 0204094")
    path = book(
        tmp_path / "kp.xlsx",
        [[CUT_GUID, "Borgerservice", "ja", at_limit], [WHOLE_GUID, "Jobcenter", "ja", kept]],
    )
    read = read_contact_points(path, label="kp.xlsx", system_id=None)
    (found,) = [f for f in read.findings if f.code == "CONTACT_POINT_CELL_CUT"]
    assert found.severity == "error"
    assert (found.source, found.location) == ("kp.xlsx", "Sheet!2")
    assert (found.params["name"], found.params["token"]) == ("'Borgerservice'", "'010'")
    assert "rows below it" in found.message and "contact-point-plan.xlsx" in found.message
    assert "32.767 tegn" in found.text("da") and "'010'" in found.text("da")
    # the half ID is no translation; every whole one before it is
    assert translations(read, CUT_GUID) == ids(at_limit)[:-1]
    assert 10 not in translations(read, CUT_GUID)
    # one character less is a cell Excel kept whole: read to its last ID, without a word
    assert translations(read, WHOLE_GUID) == ids(kept)
    assert not [f for f in read.findings if f.code.startswith("CONTACT_POINT_VALUE")]


def test_the_fix_the_finding_gives_is_read_whole(tmp_path: Path) -> None:
    """The translations that did not fit go on in rows below, with the contact point's name,
    no ID and nothing else (as contact-point-plan.xlsx writes them): read as the point's."""
    first = whole(EXCEL_CELL_MAX - 10, 100_000)
    rest = whole(800, 300_000)
    path = book(
        tmp_path / "kp.xlsx",
        [[CUT_GUID, "Borgerservice", "ja", first], ["", "Borgerservice", "", rest]],
    )
    read = read_contact_points(path, label="kp.xlsx", system_id=None)
    assert [f.code for f in read.findings if f.severity != "info"] == []
    assert translations(read, CUT_GUID) == ids(first) + ids(rest)


def test_a_continuation_row_cut_at_the_limit_is_named_too(tmp_path: Path) -> None:
    first = whole(1000, 100_000)
    more = cut(EXCEL_CELL_MAX, 300_000)
    path = book(
        tmp_path / "kp.xlsx",
        [[CUT_GUID, "Borgerservice", "ja", first], ["", "Borgerservice", "", more]],
    )
    read = read_contact_points(path, label="kp.xlsx", system_id=None)
    (found,) = [f for f in read.findings if f.code == "CONTACT_POINT_CELL_CUT"]
    assert (found.location, found.params["name"]) == ("Sheet!3", "'Borgerservice'")
    assert translations(read, CUT_GUID) == ids(first) + ids(more)[:-1]


def test_a_csv_cell_at_the_limit_is_named_and_a_longer_one_is_not(tmp_path: Path) -> None:
    """A CSV has no limit of its own, but one Excel saved holds the cut cell as it was."""
    at_limit = cut(EXCEL_CELL_MAX, 100_000)
    longer = whole(EXCEL_CELL_MAX + 100, 200_000)
    path = tmp_path / "kp.csv"
    path.write_text(
        ";".join(HEAD)
        + f"\n{CUT_GUID};Borgerservice;ja;{at_limit}\n{WHOLE_GUID};Jobcenter;ja;{longer}\n",
        encoding="utf-8",
    )
    read = read_contact_points(path, label="kp.csv", system_id=None)
    (found,) = [f for f in read.findings if f.code == "CONTACT_POINT_CELL_CUT"]
    assert (found.location, found.params["token"]) == ("row 2", "'010'")
    assert translations(read, CUT_GUID) == ids(at_limit)[:-1]
    assert translations(read, WHOLE_GUID) == ids(longer)


def test_a_saved_table_keeps_the_cells_at_the_limit(tmp_path: Path) -> None:
    """The run's table cache (a worker's tables read again by the next step) keeps them."""
    path = book(tmp_path / "kp.xlsx", [[CUT_GUID, "Borgerservice", "ja", cut(EXCEL_CELL_MAX, 1)]])
    collected = TableCache(collect=True)
    first = read_contact_points(path, label="kp.xlsx", system_id=None, cache=collected)
    folder = tmp_path / "tables"
    folder.mkdir()
    collected.save(folder)
    [saved] = list(folder.glob("*.json"))
    assert json.loads(saved.read_text(encoding="utf-8"))["at_cell_limit"] == [[2, "postkasse_ids"]]
    again = read_contact_points(path, label="kp.xlsx", system_id=None, cache=TableCache(folder))
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in first.findings]
    assert "CONTACT_POINT_CELL_CUT" in {f.code for f in again.findings}


def test_the_export_and_the_mapping_file_refuse_a_list_cut_at_the_limit(tmp_path: Path) -> None:
    """Their cells hold one ID or GUID each: a cell of 32,767 characters is none, and is
    refused as it is, never mapped (the export's mailbox ID, the mapping file's NgDP Guid)."""
    listed = cut(EXCEL_CELL_MAX, 100_000)
    guids = " ".join([CUT_GUID] * 1000)[:EXCEL_CELL_MAX]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (["Postkasse ID", "Postkassenavn", "Ansvarlig enhed"], [listed, "A", "U"]):
        ws.append(row)
    wb.save(tmp_path / "export.xlsx")
    export = read_mailbox_export(tmp_path / "export.xlsx", label="export.xlsx")
    assert [(f.code, f.severity) for f in export.findings if f.location == "Sheet!2"] == [
        ("MAILBOX_ID_INVALID", "error")
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (["Postkasse ID", "NgDP Guid"], ["0100233", guids]):
        ws.append(row)
    wb.save(tmp_path / "mapping.xlsx")
    mapping = read_mapping_file(tmp_path / "mapping.xlsx", label="mapping.xlsx")
    assert [(f.code, f.severity) for f in mapping.findings] == [
        ("CONTACT_POINT_GUID_INVALID", "error")
    ]
    assert mapping.rows.empty


def test_a_cell_at_the_limit_without_separators_is_said_briefly(tmp_path: Path) -> None:
    """A cell of one long word (or one long word before a short one): said, the word named
    shortened, nothing read from it as a translation."""
    word = "7" * (EXCEL_CELL_MAX - 800) + " " + "x" * 799
    path = book(
        tmp_path / "kp.xlsx",
        [
            [CUT_GUID, "Borgerservice", "ja", "9" * EXCEL_CELL_MAX],
            [WHOLE_GUID, "Jobcenter", "ja", word],
        ],
    )
    read = read_contact_points(path, label="kp.xlsx", system_id=None)
    cut_findings = [f for f in read.findings if f.code == "CONTACT_POINT_CELL_CUT"]
    assert [f.location for f in cut_findings] == ["Sheet!2", "Sheet!3"]
    assert all(len(f.message) < 1000 for f in cut_findings)
    assert translations(read, CUT_GUID) == [] and translations(read, WHOLE_GUID) == []
