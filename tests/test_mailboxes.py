from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.errors import InputError
from ngdpkit.inputs.mailboxes import read_mailbox_export
from tests.conftest import write_xlsx

HEAD = ["Postkasse-ID", "Postkassenavn", "Ansvarlig enhed", "Sag", "Emne-ID", "NgDP Guid"]


def codes(export, code: str) -> list:
    return [f for f in export.findings if f.code == code]


def test_title_row_merged_cell_numeric_ids_and_zeros(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Postkasser"
    ws.append(["Eksport af postkasser"])
    ws.merge_cells("A1:F1")
    ws.append(HEAD)
    ws.append([12345, "Børn og Unge", "Enhed Æ", "", "", ""])
    ws.append(["007", "  Navn\u00a0", "Ø", "", 2, ""])
    ws.append([None, None, None, None, None, None])
    ws.append([99, "Sidste", "Å", "", "", ""])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    e = read_mailbox_export(path, label="export.xlsx")
    assert list(e.frame["mailbox_id"]) == ["12345", "007", "99"]
    assert list(e.frame["mailbox_name"]) == ["Børn og Unge", "Navn", "Sidste"]
    assert list(e.frame["subject_id"]) == ["", "2", ""]
    assert list(e.frame["row"]) == [3, 4, 6]
    assert codes(e, "MAILBOX_ROWS_BLANK")[0].message.startswith("Skipped 1 blank row")
    assert codes(e, "MAILBOX_SHEET_USED")[0].severity == "info"


def test_precision_lost_is_error_non_digits_warning(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            HEAD[:2],
            [1234567890123456789, "big"],
            ["AB-12", "letters"],
            ["1234567890123456789", "text is fine"],
        ],
    )
    e = read_mailbox_export(path, label="e.xlsx")
    invalid = codes(e, "MAILBOX_ID_INVALID")
    assert [(f.severity, f.location) for f in invalid] == [
        ("error", "Sheet1!2"),
        ("warning", "Sheet1!3"),
    ]
    assert "more than 15 digits" in invalid[0].message


def test_missing_duplicate_and_blank_name(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "e.xlsx", [HEAD[:2], ["", "no id"], ["5", "a"], ["5", ""], ["6", "b"]]
    )
    e = read_mailbox_export(path, label="e.xlsx")
    assert [f.location for f in codes(e, "MAILBOX_ID_MISSING")] == ["Sheet1!2"]
    # Contract v3 §10: one finding per repeated value, with its count and first rows.
    dup = codes(e, "MAILBOX_ID_DUPLICATE")
    assert [f.location for f in dup] == ["Sheet1!3"]
    assert "2 times (rows 3, 4)" in dup[0].message
    assert [f.severity for f in codes(e, "MAILBOX_NAME_BLANK")] == ["warning"]


def test_formula_without_cached_value(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", [HEAD[:2], ["=1+1", "formula id"], ["7", "=A1"]])
    e = read_mailbox_export(path, label="e.xlsx")
    found = codes(e, "CELL_FORMULA_NO_VALUE")
    assert [f.location for f in found] == ["Sheet1!2", "Sheet1!3"]
    assert not codes(e, "MAILBOX_ID_MISSING")


def test_second_sheet_and_sheet_setting(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [["Noter"], ["intet her"]],
        title="Forside",
        extra_sheets={"Data": [HEAD[:2], ["1", "x"]]},
    )
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.sheet == "Data" and len(e) == 1
    assert "2 sheets" in codes(e, "MAILBOX_SHEET_USED")[0].message
    with pytest.raises(InputError, match="no sheet named 'Nope'"):
        read_mailbox_export(path, label="e.xlsx", sheet="Nope")


def test_header_collision_and_specific_alias(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "e.xlsx", [["Mailbox ID", "Postkasse-ID", "Navn"], ["1", "1", "x"]]
    )
    with pytest.raises(InputError, match="two columns match mailbox_id"):
        read_mailbox_export(path, label="e.xlsx")
    path = write_xlsx(
        tmp_path / "f.xlsx", [["Postkasse ID", "Navn", "Postkassenavn"], ["1", "Person", "Kasse"]]
    )
    assert read_mailbox_export(path, label="f.xlsx").frame["mailbox_name"].tolist() == ["Kasse"]


def test_column_override(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", [["PK nr.", "Navn"], ["0042", "x"]])
    e = read_mailbox_export(path, label="e.xlsx", columns={"mailbox_id": "PK nr."})
    assert e.frame["mailbox_id"].tolist() == ["0042"]


def test_guid_column_ignored_unless_own_environment(tmp_path: Path) -> None:
    guid = "7f9c69da-044c-5324-b789-212f3097dbac"
    path = write_xlsx(tmp_path / "e.xlsx", [HEAD, ["1", "x", "", "", "", guid]])
    e = read_mailbox_export(path, label="e.xlsx")
    assert codes(e, "MAILBOX_GUID_COLUMN_IGNORED") and e.frame["ngdp_guid"].tolist() == [""]
    own = read_mailbox_export(path, label="e.xlsx", use_guid_column=True)
    assert own.frame["ngdp_guid"].tolist() == [guid] and own.guid_column_used


@pytest.mark.parametrize(
    "encoding,delimiter", [("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", ",")]
)
def test_csv_delimiters_and_encodings(tmp_path: Path, encoding: str, delimiter: str) -> None:
    text = (
        delimiter.join(["Postkasse-ID", "Postkassenavn", "Enhed"])
        + "\r\n"
        + delimiter.join(["007", "Ældreplejen", "Ø"])
        + "\r\n"
    )
    path = tmp_path / "e.csv"
    path.write_bytes(text.encode(encoding))
    e = read_mailbox_export(path, label="e.csv")
    assert e.frame[["mailbox_id", "mailbox_name", "responsible_unit"]].values.tolist() == [
        ["007", "Ældreplejen", "Ø"]
    ]


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("e.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "save it as .xlsx"),
        ("e.xlsx", b"not a zip at all", "not an Excel workbook"),
        ("e.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "password-protected"),
        ("e.xlsx", b"", "empty"),
        ("e.txt", b"x", "unsupported file type"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_mailbox_export(path, label=name)
    assert len(info.value.problems) == 1 and name in info.value.problems[0]


def test_corrupt_zip_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with pytest.raises(InputError, match="cannot be read"):
        read_mailbox_export(path, label="c.xlsx")
    path = write_xlsx(tmp_path / "m.xlsx", [["Kolonne A", "Kolonne B"], ["1", "2"]])
    with pytest.raises(InputError, match="has columns: Kolonne A, Kolonne B"):
        read_mailbox_export(path, label="m.xlsx")
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(InputError, match="empty"):
        read_mailbox_export(path, label="empty.xlsx")


def test_size_bound_names_the_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as fh:  # sparse: costs no disk
        fh.truncate(201 * 1024 * 1024)
    with pytest.raises(InputError, match=r"huge.xlsx: 211 MB is over the 200 MB limit"):
        read_mailbox_export(path, label="huge.xlsx")


def test_thousands_of_one_id_give_one_small_finding(tmp_path: Path) -> None:
    """4,000 copies of one ID once gave a 283 MB run folder (every message listed every row)."""
    path = write_xlsx(tmp_path / "e.xlsx", [HEAD[:2], *[["0100233", f"n{i}"] for i in range(4000)]])
    e = read_mailbox_export(path, label="e.xlsx")
    dup = codes(e, "MAILBOX_ID_DUPLICATE")
    assert len(dup) == 1 and "4000 times" in dup[0].message and "3995 more" in dup[0].message
    assert len(dup[0].message) < 200


def test_reading_pauses_the_cycle_collector_and_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector is off while a table is read and back as it was afterwards, also when
    the file is refused."""
    import gc

    import ngdpkit.inputs.workbooks as workbooks

    seen: list[bool] = []
    real = workbooks._build

    def build(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(workbooks, "_build", build)
    path = write_xlsx(tmp_path / "m.xlsx", [HEAD, ["1", "A", "", "", "", ""]])
    try:
        assert gc.isenabled()
        read_mailbox_export(path, label="m.xlsx")
        assert seen == [False] and gc.isenabled()
        (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
        with pytest.raises(InputError):
            read_mailbox_export(tmp_path / "bad.xlsx", label="bad.xlsx")
        assert gc.isenabled()
        gc.disable()
        read_mailbox_export(path, label="m.xlsx")
        assert not gc.isenabled()  # left off, as the caller had it
    finally:
        gc.enable()


def test_a_cached_table_reads_back_as_the_workbook_would(tmp_path: Path) -> None:
    """``ngdpkit run``'s input check hands its tables to the notebooks: the export read back
    from the saved cache gives the same frame and the same findings (lost digits, formulas
    without a value, a title row, blank rows) as reading the workbook."""
    import json

    from ngdpkit.inputs.workbooks import TableCache

    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            ["Eksport"],
            HEAD[:2],
            [1234567890123456789, "big"],
            ["=1+1", "formula id"],
            [],
            ["007", "Ø  "],
        ],
    )
    collected = TableCache(collect=True)
    first = read_mailbox_export(path, label="e.xlsx", cache=collected)
    assert len(collected.tables) == 1
    folder = tmp_path / "tables"
    folder.mkdir()
    collected.save(folder)
    [saved] = list(folder.glob("*.json"))
    assert json.loads(saved.read_text(encoding="utf-8"))["format"] == TableCache.FORMAT

    again = read_mailbox_export(path, label="e.xlsx", cache=TableCache(folder))
    assert again.frame.equals(first.frame)
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in first.findings]
    assert {"MAILBOX_ID_INVALID", "CELL_FORMULA_NO_VALUE"} <= {f.code for f in again.findings}

    # The cache is what it claims to be, or it is not used: a table whose cells are not
    # text, and a file changed since it was read, are both read from the workbook again.
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["data"]["mailbox_id"][0] = ["not", "text"]
    saved.write_text(json.dumps(data), encoding="utf-8")
    tampered = read_mailbox_export(path, label="e.xlsx", cache=TableCache(folder))
    assert tampered.frame.equals(first.frame)
    write_xlsx(path, [HEAD[:2], ["42", "new"]])
    changed = read_mailbox_export(path, label="e.xlsx", cache=TableCache(folder))
    assert list(changed.frame["mailbox_id"]) == ["42"]


def test_a_table_that_changes_while_it_is_read_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is the file's SHA-256 before the read; a file that is different after the read
    is not kept, so a notebook never gets a table under the hash of other bytes."""
    from ngdpkit.inputs import workbooks

    path = write_xlsx(tmp_path / "e.xlsx", [HEAD[:2], ["1", "a"]])
    real = workbooks._read_table

    def read_then_change(*args: Any, **kwargs: Any) -> Any:
        table = real(*args, **kwargs)
        write_xlsx(path, [HEAD[:2], ["2", "b"]])
        return table

    monkeypatch.setattr(workbooks, "_read_table", read_then_change)
    cache = workbooks.TableCache(collect=True)
    read_mailbox_export(path, label="e.xlsx", cache=cache)
    assert cache.tables == {}


def test_a_renamed_column_says_how_to_name_the_exports_own_headers(tmp_path: Path) -> None:
    """A consultant's cold run: an export whose ID column reads "PK nummer" was refused with
    the headers it has, and no word of ``[inputs.columns]``, the way to name them."""
    path = write_xlsx(tmp_path / "m.xlsx", [["PK nummer", "Postkassenavn"], ["1", "a"]])
    with pytest.raises(InputError) as info:
        read_mailbox_export(path, label="m.xlsx")
    (problem,) = info.value.problems
    assert "has columns: PK nummer, Postkassenavn" in problem
    assert problem.endswith(
        'give its headers in the settings: [inputs.columns] mailbox_id = "<header>"'
    )
    # with them named, the same export reads
    table = read_mailbox_export(path, label="m.xlsx", columns={"mailbox_id": "PK nummer"})
    assert list(table.frame["mailbox_id"]) == ["1"]


def test_an_export_without_a_unit_or_subject_column_is_named(tmp_path: Path) -> None:
    """A consultant's Windows pass: an export headed "Afdeling" was read with every unit
    empty (the contact point plan proposed one contact point for all 200 mailboxes), and one
    headed "Emnenr" made each repeated ID a duplicate, without a word about the column. Each is
    named, with the export's own headers and the settings key that takes one; an export with
    both columns, or without a subject column and no repeated ID, says nothing."""
    path = write_xlsx(
        tmp_path / "afdeling.xlsx",
        [
            ["Postkasse-ID", "Postkassenavn", "Afdeling", "Emnenr"],
            ["0100233", "Pas", "Borgerservice", "1"],
            ["0100233", "Pas", "Borgerservice", "2"],
        ],
    )
    e = read_mailbox_export(path, label="afdeling.xlsx")
    subject, unit = sorted(codes(e, "MAILBOX_COLUMN_MISSING"), key=lambda f: f.severity)
    assert unit.severity == "warning" and subject.severity == "info"
    assert set(e.frame["responsible_unit"]) == {""}
    assert "no column for the responsible unit" in unit.message
    assert "Responsible unit, Ansvarlig enhed, Enhed, Unit" in unit.message
    assert "its columns are Postkasse-ID, Postkassenavn, Afdeling, Emnenr" in unit.message
    assert 'under [inputs]: columns = { responsible_unit = "<header>" }' in unit.message
    assert "no column for the subject (Emne-ID)" in subject.message
    assert 'under [inputs]: columns = { subject_id = "<header>" }' in subject.message
    assert codes(e, "MAILBOX_ID_DUPLICATE")  # the repeat is still an error
    from ngdpkit.findings import danish_text

    danish = danish_text(unit.template, unit.params) or ""
    assert danish.startswith("Eksporten har ingen kolonne til den ansvarlige enhed")
    # named in the settings: read, and nothing to say
    e = read_mailbox_export(
        path,
        label="afdeling.xlsx",
        columns={"responsible_unit": "Afdeling", "subject_id": "Emnenr"},
    )
    assert not codes(e, "MAILBOX_COLUMN_MISSING")
    assert set(e.frame["responsible_unit"]) == {"Borgerservice"}
    once = write_xlsx(
        tmp_path / "once.xlsx",
        [["Postkasse-ID", "Postkassenavn", "Ansvarlig enhed"], [1, "A", "U"]],
    )
    assert not codes(read_mailbox_export(once, label="once.xlsx"), "MAILBOX_COLUMN_MISSING")


def test_what_a_reader_cannot_see_is_taken_out_and_look_alikes_are_named(tmp_path: Path) -> None:
    """An attacker's pass: units that read alike ("Borger<U+200B>service", NFC and NFD
    "Åbo", a trailing soft hyphen) became contact points of their own in the plan, a mailbox ID
    with a zero-width space read as another's, and a password split by U+FFFC in a name reached
    the pages past the leak scan. Cell text loses what a reader cannot see and is composed
    (NFC), so each reads as it is; a unit mixing Latin with Cyrillic letters, which no cleaning
    can make the same, is named (once, with its rows)."""
    secret = "7sums_zEtqYAQhcmm7seyh2Q"
    path = write_xlsx(
        tmp_path / "export.xlsx",
        [
            HEAD,
            ["0100233", "Pas " + secret[:12] + "\ufffc" + secret[12:], "Borgerservice", "", "", ""],
            ["0100234", "Navn", "Borger\u200bservice", "", "", ""],
            ["0100235", "Navn", "Pleje pa\u030a A\u030abo", "", "", ""],
            ["0100236", "Navn", "Pleje på Åbo", "", "", ""],
            ["0100237", "Navn", "Teknik og Miljø\u00ad", "", "", ""],
            ["0100238", "\u3000=1+1", "Kultur\U000e0049\U000e0047", "", "", ""],
            ["0100239\u200b", "Navn", "Borgerservic\u0435", "", "", ""],
            ["0100240", "Navn", "Borgerservic\u0435", "", "", ""],
            ["0100241", "Navn", "\u2800Social\u2028og Sundhed\u202e", "", "", ""],
        ],
        title="Postkasser",
    )
    e = read_mailbox_export(path, label="export.xlsx")
    frame = e.frame
    assert frame["mailbox_name"][0] == "Pas " + secret  # whole: the leak scan finds it
    assert frame["mailbox_name"][5] == "=1+1"  # the formula start is first: neutralised later
    assert list(frame["responsible_unit"][:6]) == [
        "Borgerservice",
        "Borgerservice",
        "Pleje på Åbo",
        "Pleje på Åbo",
        "Teknik og Miljø",
        "Kultur",
    ]
    assert frame["responsible_unit"][8] == "Social og Sundhed"
    assert frame["mailbox_id"][6] == "0100239"
    (mixed,) = codes(e, "NAME_MIXED_SCRIPTS")
    assert mixed.severity == "warning" and mixed.location == "Postkasser!8"
    assert mixed.params["scripts"] == "Cyrillic, Latin"
    assert "rows 8, 9" in mixed.message
    from ngdpkit.findings import danish_text

    assert "flere skriftsystemer (kyrillisk, latinsk)" in (
        danish_text(mixed.template, mixed.params) or ""
    )


def test_an_id_excel_took_for_a_date_says_so(tmp_path: Path) -> None:
    """A consultant's Windows pass: an Emne-ID typed as "2" in a column formatted as dates was
    read as 1900-01-02 and reported only as "not all digits". The finding says Excel took the
    cell for a date and how to put it right."""
    import datetime as dt

    path = write_xlsx(
        tmp_path / "dates.xlsx",
        [
            HEAD,
            ["0100233", "Pas", "U", "", dt.datetime(1900, 1, 2), ""],
            [dt.date(2026, 1, 5), "B", "U", "", "", ""],
        ],
    )
    found = [
        f.message
        for f in codes(read_mailbox_export(path, label="dates.xlsx"), "MAILBOX_ID_INVALID")
    ]
    assert any(
        m.startswith("Subject ID '1900-01-02' is a date: Excel took the cell for one")
        for m in found
    ), found
    assert any(m.startswith("Mailbox ID '2026-01-05") and "is a date" in m for m in found), found


def test_spaces_of_every_width_are_one_plain_space_and_whole_lookalike_words_are_named(
    tmp_path: Path,
) -> None:
    """An attacker's second look: "Borger service" with a no-break space, and with two
    spaces (a page shows one), were contact points of their own in the plan; "ІТ-afdeling" in
    Cyrillic letters beside "IT-afdeling" was no finding (each word was in one script). Every
    space inside a cell is a plain one and a run one space; a Latin name with a word wholly
    in letters that read as Latin ones is NAME_MIXED_SCRIPTS."""
    units = [
        "Borger service",
        "Borger\u00a0service",
        "Borger  service",
        "Borger\u200a\u2009service",
        "\u0406\u0422-afdeling",
        "\uff29\uff34-afdeling",
        "Київ og Ærø",
    ]
    path = write_xlsx(
        tmp_path / "export.xlsx",
        [HEAD] + [[str(i), "Navn", unit, "", "", ""] for i, unit in enumerate(units, 1)],
        title="Postkasser",
    )
    e = read_mailbox_export(path, label="export.xlsx")
    assert set(e.frame["responsible_unit"][:4]) == {"Borger service"}
    named = {
        f.params["name"].strip("'"): f.params["scripts"] for f in codes(e, "NAME_MIXED_SCRIPTS")
    }
    assert named == {
        "\u0406\u0422-afdeling": "Cyrillic, Latin",
        "\uff29\uff34-afdeling": "Fullwidth, Latin",
    }


def test_one_unit_spelt_two_ways_is_named_and_one_contact_point_in_the_plan(
    tmp_path: Path,
) -> None:
    """A consultant's day one: "Børn og Unge" and "Børn og unge" (and "Teknik og Miljø" beside
    "Teknik og miljø") were two contact points each in the plan, and nothing said so. The
    plan proposes one, named as most rows spell it, and UNIT_NAME_VARIANTS names the
    spellings with their counts."""
    from ngdpkit.inputs.mapping import contact_point_plan

    units = ["Børn og Unge"] * 3 + ["Børn og unge", "Børn  og UNGE", "Teknik og Miljø"]
    path = write_xlsx(
        tmp_path / "export.xlsx",
        [HEAD] + [[str(100 + i), "Navn", u, "", "", ""] for i, u in enumerate(units)],
        title="Postkasser",
    )
    e = read_mailbox_export(path, label="export.xlsx")
    (variants,) = codes(e, "UNIT_NAME_VARIANTS")
    assert variants.severity == "warning" and variants.location == "Postkasser!2"
    assert variants.params["count"] == "3"
    assert "'Børn og Unge' 3" in variants.params["values"]
    assert "'Børn og unge' 1" in variants.params["values"]
    plan = {p.name: p.translations for p in contact_point_plan(e.frame)}
    assert plan == {
        "Børn og Unge": ("100", "101", "102", "103", "104"),
        "Teknik og Miljø": ("105",),
    }


def test_rows_hidden_in_excel_are_named(tmp_path: Path) -> None:
    """A consultant's day one: row 344, a hidden test mailbox, went into Borgerservice's
    translations in the plan without a word. Hidden rows are read like the others (they may
    be meant to migrate) and named in one warning; a CSV, or a workbook without one, says
    nothing."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Postkasser"
    ws.append(HEAD)
    for i in range(6):
        ws.append([f"010{i}", f"Navn {i}", "Borgerservice", "", "", ""])
    ws.row_dimensions[4].hidden = True
    ws.row_dimensions[6].hidden = True
    path = tmp_path / "export.xlsx"
    wb.save(path)
    e = read_mailbox_export(path, label="export.xlsx")
    (hidden,) = codes(e, "MAILBOX_ROWS_HIDDEN")
    assert hidden.severity == "warning" and hidden.location == "Postkasser!4"
    assert "2 rows hidden in Excel (rows 4, 6)" in hidden.message
    assert "mailboxes (0102, 0104)" in hidden.message
    assert len(e.frame) == 6  # read like the others
    ws.row_dimensions[4].hidden = False
    ws.row_dimensions[6].hidden = False
    wb.save(path)
    assert not codes(read_mailbox_export(path, label="export.xlsx"), "MAILBOX_ROWS_HIDDEN")


def test_one_hidden_row_is_said_in_the_singular(tmp_path: Path) -> None:
    """ "1 række er skjult i Excel (rækkerne 5) … deres postkasser" (a consultant's second
    look): one row is said as one."""
    import openpyxl

    from ngdpkit.findings import danish_text

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD)
    ws.append(["0100", "Navn", "Borgerservice", "", "", ""])
    ws.append(["0101", "Navn", "Borgerservice", "", "", ""])
    ws.row_dimensions[3].hidden = True
    path = tmp_path / "export.xlsx"
    wb.save(path)
    (hidden,) = codes(read_mailbox_export(path, label="export.xlsx"), "MAILBOX_ROWS_HIDDEN")
    assert hidden.message.startswith("Row 3 is hidden in Excel")
    assert (danish_text(hidden.template, hidden.params) or "").startswith(
        "Række 3 er skjult i Excel og læses som de andre, og dens postkasse (0101) flyttes med"
    )


def test_check_names_a_hidden_row_through_the_tables_read_ahead(sample_copy: Path) -> None:
    """The parent reads the workbooks ahead of the steps, and the steps take its tables: the
    export is read ahead with its hidden rows too, or check and run would say nothing."""
    import json

    import openpyxl

    from tests.conftest import cli

    book = sample_copy / "mailboxes.xlsx"
    wb = openpyxl.load_workbook(book)
    wb.active.row_dimensions[6].hidden = True
    wb.save(book)
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json")
    found = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "MAILBOX_ROWS_HIDDEN"]
    assert [f["location"] for f in found] == ["Postkasser!6"], found


def test_hostile_csvs_and_hidden_rows_the_byte_search_would_miss(tmp_path: Path) -> None:
    """An attacker's pass: a CSV field past the csv module's 128 KiB was exit 3; a file with
    CR-only line ends mixing Windows-1252 and UTF-8 lines was decoded whole as Windows-1252
    ("Ã†rø"); a row hidden as ``hidden = "1"``, ``hidden="&#49;"`` or without its ``r`` was
    not found."""
    import zipfile

    from ngdpkit.errors import InputError

    huge = tmp_path / "huge.csv"
    huge.write_bytes(("Postkasse-ID;Postkassenavn\r\n0100253;" + "A" * 200_000 + "\r\n").encode())
    with pytest.raises(InputError, match=r"huge.csv: line 2: not a readable CSV"):
        read_mailbox_export(huge, label="huge.csv")
    mac = tmp_path / "mac.csv"
    mac.write_bytes(
        b"Postkasse-ID;Postkassenavn;Ansvarlig enhed\r"
        + "1;Navn;Ærø\r".encode("cp1252")
        + "2;Navn;Ærø\r".encode()
    )
    assert set(read_mailbox_export(mac, label="mac.csv").frame["responsible_unit"]) == {"Ærø"}
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Postkasser"
    ws.append(HEAD)
    for i in range(4):
        ws.append([f"010{i}", "Navn", "U", "", "", ""])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    marks = {'<row r="3"': '<row r="3" hidden = "1"', '<row r="4"': '<row hidden="&#49;"'}
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(hostile, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for old, new in marks.items():
                    text = text.replace(old, new, 1)
                data = text.encode()
            dst.writestr(info, data)
    (hidden,) = codes(read_mailbox_export(hostile, label="hostile.xlsx"), "MAILBOX_ROWS_HIDDEN")
    assert "(rows 3, 4)" in hidden.message, hidden.message


def test_several_sheets_with_the_mailbox_columns_are_named(tmp_path: Path) -> None:
    """A consultant's pass on an export re-saved in Excel: a filtered copy of 43 rows placed
    first was read, and the full list after it (157 more mailboxes) left out with exit 0 and
    only MAILBOX_SHEET_USED. Every other sheet whose header row has the mailbox columns is
    named with its rows, with the way to choose; the settings' sheet, or one such sheet,
    says nothing."""
    from ngdpkit.findings import danish_text
    from ngdpkit.inputs.workbooks import TableCache

    rows = [[f"0100{i:03d}", f"Navn {i}", "Borgerservice", "", "", ""] for i in range(7)]
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [HEAD, *rows[:3]],
        title="Filtreret",
        extra_sheets={"Alle": [["Eksport"], HEAD, *rows, []], "Noter": [["intet her"]]},
    )
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.sheet == "Filtreret" and len(e) == 3
    (several,) = codes(e, "MAILBOX_SHEETS_SEVERAL")
    # the sheet left out holds more mailboxes than the one read: an error (a filtered copy)
    assert several.severity == "error" and several.location == "Filtreret"
    assert several.message.startswith(
        "Sheet 'Filtreret' was read (3 rows), but sheet 'Alle' (7 rows) also has the mailbox"
    )
    assert 'under [inputs]: mailboxes_sheet = "<sheet>"' in several.message
    assert (danish_text(several.template, several.params) or "").startswith(
        "Arket 'Filtreret' blev læst (3 rækker), men arket 'Alle' (7 rækker) har også"
    )
    # the tables the run reads ahead keep the other sheets
    collected = TableCache(collect=True)
    read_mailbox_export(path, label="e.xlsx", cache=collected)
    folder = tmp_path / "tables"
    folder.mkdir()
    collected.save(folder)
    again = read_mailbox_export(path, label="e.xlsx", cache=TableCache(folder))
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in e.findings]
    # the sheet named in the settings: the consultant chose
    chosen = read_mailbox_export(path, label="e.xlsx", sheet="Alle")
    assert len(chosen) == 7 and not codes(chosen, "MAILBOX_SHEETS_SEVERAL")
    # two others: both named, each with its rows
    three = write_xlsx(
        tmp_path / "three.xlsx",
        [HEAD, *rows[:1]],
        extra_sheets={"A": [HEAD, *rows[:2]], "B": [HEAD[:2], *rows[:4]]},
    )
    (several,) = codes(read_mailbox_export(three, label="t.xlsx"), "MAILBOX_SHEETS_SEVERAL")
    assert "but 2 other sheets ('A' (2), 'B' (4); their rows in brackets)" in several.message
    # the sheet read holds the most: a warning
    first_full = write_xlsx(
        tmp_path / "full-first.xlsx", [HEAD, *rows], extra_sheets={"Kopi": [HEAD, *rows[:2]]}
    )
    (several,) = codes(read_mailbox_export(first_full, label="f.xlsx"), "MAILBOX_SHEETS_SEVERAL")
    assert several.severity == "warning"
    single = write_xlsx(tmp_path / "one.xlsx", [HEAD, *rows], extra_sheets={"x": [["y"]]})
    assert not codes(read_mailbox_export(single, label="o.xlsx"), "MAILBOX_SHEETS_SEVERAL")


def test_blank_units_are_named_and_merged_cells_said(tmp_path: Path) -> None:
    """A consultant's pass: an export with a unit column and some units blank said nothing,
    and the plan proposed a contact point "(ingen enhed)". Blank units are one warning with
    their count and first rows; those in a merged range (Excel's "Merge & Center" keeps the
    value in the top-left cell only) are one more, naming the range and how to mend it. A
    unit that is a formula without its value is CELL_FORMULA_NO_VALUE, not a blank."""
    import openpyxl

    from ngdpkit.findings import danish_text

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Postkasser"
    ws.append(["Eksport"])
    ws.append(HEAD)
    ws.append(["0100250", "A", "Borgerservice", "", "", ""])
    for i in range(7):
        ws.append([f"010026{i}", "B", None, "", "", ""])
    ws.append(["0100270", "C", "", "", "", ""])
    ws.append(["0100271", "D", "=B1", "", "", ""])
    ws.merge_cells("C3:C9")  # "Borgerservice" in C3 only
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    e = read_mailbox_export(path, label="merged.xlsx")
    merged, plain = codes(e, "MAILBOX_UNIT_BLANK")
    assert (merged.severity, merged.location) == ("warning", "Postkasser!4")
    assert merged.message.startswith(
        "The responsible unit is blank in 6 rows (4, 5, 6, 7, 8 and 1 more) of sheet "
        "'Postkasser' because the cells are merged (C3:C9)"
    )
    assert "unmerge the cells in Excel and fill in each row's unit" in merged.message
    assert "fordi cellerne er flettet (C3:C9)" in (
        danish_text(merged.template, merged.params) or ""
    )
    assert plain.location == "Postkasser!10"
    assert plain.message.startswith(
        "The responsible unit is blank in 2 rows (10, 11) of sheet 'Postkasser': the "
        'contact point plan puts their mailboxes (0100266, 0100270) under "(ingen enhed)"'
    )
    assert [f.location for f in codes(e, "CELL_FORMULA_NO_VALUE")] == ["Postkasser!12"]
    assert (danish_text(plain.template, plain.params) or "").startswith(
        "Den ansvarlige enhed er tom i 2 rækker (10, 11) på arket 'Postkasser'"
    )
    # a CSV names no sheet; an export without blank units, or without the column, says nothing
    csv = tmp_path / "e.csv"
    csv.write_text("Postkasse-ID;Postkassenavn;Enhed\n1;A;U\n2;B;\n", encoding="utf-8")
    (blank,) = codes(read_mailbox_export(csv, label="e.csv"), "MAILBOX_UNIT_BLANK")
    assert blank.message.startswith("The responsible unit is blank in 1 row (3): the contact")
    full = write_xlsx(tmp_path / "full.xlsx", [HEAD[:3], ["1", "A", "U"]])
    assert not codes(read_mailbox_export(full, label="f.xlsx"), "MAILBOX_UNIT_BLANK")
    none = write_xlsx(tmp_path / "none.xlsx", [HEAD[:2], ["1", "A"]])
    assert not codes(read_mailbox_export(none, label="n.xlsx"), "MAILBOX_UNIT_BLANK")


def test_one_mailbox_as_text_and_as_a_number_is_a_duplicate(tmp_path: Path) -> None:
    """A consultant's pass: ``0100253`` (text) and ``100253`` (a number) are one mailbox, as
    the kit's matching compares IDs (as integers), and gave no MAILBOX_ID_DUPLICATE. IDs and
    subjects are compared so, and the finding names both spellings; one spelling keeps the
    finding it always had."""
    from ngdpkit.findings import danish_text

    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            HEAD,
            ["0100253", "A", "U", "", "", ""],
            [100253, "A", "U", "", "", ""],
            ["0100254", "B", "U", "", "01", ""],
            ["0100254", "B", "U", "", 1, ""],
            ["0100254", "B", "U", "", 2, ""],
            ["0100255", "C", "U", "", "", ""],
        ],
    )
    e = read_mailbox_export(path, label="e.xlsx")
    first, second = codes(e, "MAILBOX_ID_DUPLICATE")
    assert (first.severity, first.location) == ("error", "Sheet1!2")
    assert first.message.startswith(
        "Mailbox ID 0100253 appears 2 times (rows 2, 3), written as 0100253, 100253: the kit"
    )
    assert second.message.startswith(
        "Mailbox ID 0100254:01 appears 2 times (rows 4, 5), written as 0100254:01, 0100254:1"
    )
    assert (danish_text(first.template, first.params) or "").startswith(
        "Postkasse-ID 0100253 står 2 gange (rækkerne 2, 3), skrevet som 0100253, 100253"
    )
    # IDs of one length all starting with 0 (the common export) are not read as numbers
    plain = write_xlsx(tmp_path / "p.xlsx", [HEAD[:2], ["0100253", "A"], ["0100253", "B"]])
    (dup,) = codes(read_mailbox_export(plain, label="p.xlsx"), "MAILBOX_ID_DUPLICATE")
    assert dup.message == "Mailbox ID 0100253 appears 2 times (rows 2, 3)."


def test_a_formula_without_a_value_in_any_column_read_is_named(tmp_path: Path) -> None:
    """A consultant's pass: a unit or subject cell holding a formula with no saved value was
    read as blank without a word (ID and name cells gave CELL_FORMULA_NO_VALUE). Every column
    the kit reads gives it, naming the column in the run's language."""
    from ngdpkit.findings import danish_text

    path = write_xlsx(
        tmp_path / "e.xlsx",
        [HEAD, ["1", "A", "=C3", "", "=E3", ""], ["2", "B", "U", "=D2", "", ""]],
    )
    found = codes(read_mailbox_export(path, label="e.xlsx"), "CELL_FORMULA_NO_VALUE")
    assert [(f.location, f.params["value"]) for f in found] == [
        ("Sheet1!2", "responsible unit"),
        ("Sheet1!2", "subject id"),
        ("Sheet1!3", "case number"),
    ]
    assert all(f.severity == "error" for f in found)
    assert (danish_text(found[0].template, found[0].params) or "").startswith(
        "Cellen ansvarlig enhed indeholder en formel uden gemt værdi"
    )


def test_no_header_row_says_how_far_the_kit_looked(tmp_path: Path) -> None:
    """The exit-2 line lists the columns seen; a header below the rows searched (a long title
    block) reads as none, so the line says how many rows are searched."""
    deep = write_xlsx(tmp_path / "deep.xlsx", [*[["Titel"]] * 30, HEAD[:2], ["1", "A"]])
    with pytest.raises(InputError) as info:
        read_mailbox_export(deep, label="deep.xlsx")
    (problem,) = info.value.problems
    assert "has columns: Titel (the header row is looked for in the first 30 rows of each" in (
        problem
    )
    csv = tmp_path / "e.csv"
    csv.write_text("A;B\n1;2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"has columns: A, B \(.* in the first 30 rows\);"):
        read_mailbox_export(csv, label="e.csv")


def _with_merges(path: Path, merges: list[str]) -> Path:
    """``path`` (an openpyxl workbook of one sheet) with ``merges`` written into its sheet XML
    as Excel writes them (openpyxl merging thousands of ranges one by one is slow)."""
    out = path.with_name("merged-" + path.name)
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in merges)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>",
                    f'</sheetData><mergeCells count="{len(merges)}">{cells}</mergeCells>'.encode(),
                    1,
                )
            dst.writestr(item, data)
    return out


def test_merged_ranges_are_found_by_their_column_and_bounds_whatever_their_number(
    tmp_path: Path,
) -> None:
    """An attacker's look at the merged-cell hint: 50,000 merges over 100,000 blank units
    took 453 s (each range a pass over the rows), 6.5 million merges in another column 2.6
    GB, and a ref of 200,000 letters went into the message whole. Only ranges over the unit
    column count, each row is looked up among them, and a ref past Excel's XFD1048576 is no
    range."""
    rows = [["Eksport"], HEAD[:3]]
    rows += [[f"01{i:05d}", "M", "Enhed" if i % 2 == 0 else None] for i in range(4000)]
    plain = write_xlsx(tmp_path / "e.xlsx", rows)
    # every blank unit (rows 4, 6, …) under the merge with the unit above it; thousands of
    # merges in column A that cover nothing read; refs beyond the sheet
    merges = [f"C{r}:C{r + 1}" for r in range(3, 4003, 2)]
    merges += [f"A{r}:B{r}" for r in range(3, 4003)]
    merges += ["C4:" + "C" * 200 + "9", "C1:C99999999", "Q1:XFE2"]
    e = read_mailbox_export(_with_merges(plain, merges), label="e.xlsx")
    (blank,) = codes(e, "MAILBOX_UNIT_BLANK")
    assert blank.params["count"] == "2000" and blank.location == "Sheet1!4"
    assert blank.params["ranges"].startswith("C3:C4, C5:C6, C7:C8")
    assert "CCC" not in blank.message and "99999999" not in blank.message
    assert len(blank.message) < 1000


def test_thousands_of_duplicated_ids_make_the_first_findings_and_count_the_rest() -> None:
    """The same look: 100,000 rows each duplicated took 6 s building findings past the
    1,000 a code keeps; the rest are counted in the one summary, as before."""
    import pandas as pd

    from ngdpkit.inputs.mailboxes import _duplicate_findings

    class Sheet:
        def where(self, row: int) -> str:
            return f"Postkasser!{row}"

    n = 6000
    frame = pd.DataFrame(
        {
            "row": range(3, n + 3),
            "mailbox_id": [f"{i // 2:07d}" for i in range(n)],
            "subject_id": [""] * n,
        }
    )
    found = list(_duplicate_findings(Sheet(), frame, "e.xlsx"))
    assert len(found) == 1001
    assert found[0].message == "Mailbox ID 0000000 appears 2 times (rows 3, 4)."
    assert found[-1].params["count"] == "2000"


def test_a_formula_that_saved_an_empty_text_is_a_blank_not_a_formula_to_save(
    tmp_path: Path,
) -> None:
    """A consultant's retest: a unit cell =IFERROR(VLOOKUP(…);"") that Excel saved as an
    empty text (t="str", an empty <v>) was CELL_FORMULA_NO_VALUE, whose advice (open and save
    it in Excel) could never clear it. It is a blank unit; a formula never computed (an
    empty <v> without t, as openpyxl writes) is still CELL_FORMULA_NO_VALUE."""
    path = write_xlsx(
        tmp_path / "e.xlsx", [HEAD[:3], ["0100250", "A", "X"], ["0100251", "B", "=C1"]]
    )
    saved = _with_cells(
        path,
        tmp_path / "saved.xlsx",
        {"C2": '<c r="C2" t="str"><f>IFERROR(VLOOKUP(A2,X!A:B,2,0),"")</f><v></v></c>'},
    )
    e = read_mailbox_export(saved, label="saved.xlsx")
    assert [f.location for f in codes(e, "CELL_FORMULA_NO_VALUE")] == ["Sheet1!3"]
    (blank,) = codes(e, "MAILBOX_UNIT_BLANK")
    assert blank.params["value"] == "2"


def test_a_cell_showing_an_excel_error_is_named_not_read_as_blank(tmp_path: Path) -> None:
    """A consultant's retest: a unit cell whose VLOOKUP found nothing (#N/A) read "enheden er
    tom", and an ID cell showing #REF! "En postkasserække har intet postkasse-ID". The cell
    reader gives an error as a blank; the sheet's XML says what it shows, and the finding
    names the error and the cell."""
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [HEAD[:3], ["0100250", "A", "X"], ["0100251", "B", "Y"], ["0100252", "C", "Z"]],
    )
    broken = _with_cells(
        path,
        tmp_path / "broken.xlsx",
        {
            ref: f'<c r="{ref}" t="e"><f>VLOOKUP(A1,X!A:B,2,0)</f><v>{error}</v></c>'
            for ref, error in (("C3", "#N/A"), ("A4", "#REF!"))
        },
    )
    e = read_mailbox_export(broken, label="broken.xlsx")
    found = codes(e, "CELL_ERROR_VALUE")
    assert [(f.location, f.params["value"], f.params["error"], f.severity) for f in found] == [
        ("Sheet1!4", "mailbox id", "#REF!", "warning"),
        ("Sheet1!3", "responsible unit", "#N/A", "warning"),
    ]
    assert found[1].text("da").startswith("Cellen ansvarlig enhed viser Excels fejlværdi #N/A")
    assert not codes(e, "MAILBOX_UNIT_BLANK") and not codes(e, "MAILBOX_ID_MISSING")


def _with_cells(path: Path, out: Path, cells: dict[str, str]) -> Path:
    """``path`` (an openpyxl workbook of one sheet) written to ``out`` with each cell of
    ``cells`` (by reference) replaced by the given XML, as Excel writes what openpyxl cannot
    (a formula's saved empty text, an error value)."""
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        items = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    xml = items[sheet].decode()
    for ref, cell in cells.items():
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start) + len("</c>")
        xml = xml[:start] + cell + xml[end:]
    items[sheet] = xml.encode()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in items.items():
            zf.writestr(name, data)
    return out


def test_a_cpr_number_in_mailbox_names_and_units_is_named_by_column_and_rows_not_repeated(
    tmp_path: Path,
) -> None:
    """A DPO's review: CPR numbers in mailbox names and a unit ("Sagsbehandler Karen Nielsen
    0202851234", proposed as a public contact point) spread into every output without a word.
    One CPR_IN_TEXT (warning) per column, with the count and the first rows, in either
    language, never the number; a mailbox ID, a CVR and a date are no CPR number."""
    from ngdpkit.inputs.personal import ROWS_NAMED, export_cpr_findings

    rows = [HEAD[:3]]
    rows += [
        [f"010{i:04d}", f"Sag vedr. borger {1 + i:02d}0190-1234", "Borgerservice"] for i in range(5)
    ]
    rows += [["0100900", "Sagsbehandler", "Sagsbehandler Karen Nielsen 0202851234"]]
    rows += [["0100901", "CVR 98765433, 0100233, 2026-12-04", "Borgerservice"]]
    e = read_mailbox_export(write_xlsx(tmp_path / "e.xlsx", rows), label="e.xlsx")
    names, units = codes(e, "CPR_IN_TEXT")
    assert (names.severity, names.source, names.location) == ("warning", "e.xlsx", "Sheet1!2")
    assert names.params["count"] == "5" and names.params["column"] == "'Postkassenavn'"
    assert names.params["value"] == "2, 3, 4 and 2 more" and ROWS_NAMED == 3
    assert "mailbox-mapping.xlsx" in names.message and "portal-todo.xlsx" in names.message
    assert "postkassenavne (kolonnen 'Postkassenavn', rækkerne 2, 3, 4 og 2 mere)" in names.text(
        "da"
    )
    assert units.location == "Sheet1!7" and "row 7 (column 'Ansvarlig enhed')" in units.message
    assert "proposed contact point" in units.message and "NgDP viser borgerne" in units.text("da")
    for f in (names, units):
        said = f.text("en") + f.text("da") + str(f.params)
        assert "1234" not in said and "0202851234" not in said
    # the function itself on a frame without the columns' cells holding one: nothing
    clean = e.frame[e.frame["row"] == 8]
    assert export_cpr_findings(type("T", (), {"columns": {}})(), clean, "e.xlsx") == []


def test_a_cpr_number_in_the_case_column_is_named_by_column_and_rows_not_repeated(
    tmp_path: Path,
) -> None:
    """A DPO's pass: a case number that is a CPR number ("010190 1234", a case filed under
    the citizen) went into mailbox-mapping.xlsx and .csv and the pages without a word, where
    one in a mailbox name or a unit was named. One CPR_IN_TEXT (warning) for the column, with
    the count and the first rows, never the number; a KLE case number is no CPR number."""
    rows = [HEAD[:4]]
    rows += [["0100233", "Pas", "Borgerservice", "00.01.00-G01-26-24"]]
    rows += [["0100240", "Pas", "Borgerservice", "010190 1234"]]
    e = read_mailbox_export(write_xlsx(tmp_path / "e.xlsx", rows), label="e.xlsx")
    (case,) = codes(e, "CPR_IN_TEXT")
    assert (case.severity, case.location, case.params["column"]) == ("warning", "Sheet1!3", "'Sag'")
    assert "The case number in row 3" in case.message and "mailbox-mapping.xlsx" in case.message
    assert case.text("da").startswith("Sagsnummeret i række 3 (kolonnen 'Sag')")
    rows += [["0100250", "Pas", "Borgerservice", "CPR 0101901234"]]
    e = read_mailbox_export(write_xlsx(tmp_path / "e2.xlsx", rows), label="e2.xlsx")
    (case,) = codes(e, "CPR_IN_TEXT")
    assert case.params["count"] == "2" and case.params["value"] == "3, 4"
    assert case.text("da").startswith("2 sagsnumre (kolonnen 'Sag', rækkerne 3, 4)")
    said = case.text("en") + case.text("da") + str(case.params)
    assert "1234" not in said


def test_ids_marked_as_text_read_as_their_digits(tmp_path: Path) -> None:
    """An export consultant's pass: IDs written with Excel's text markers, a leading
    apostrophe in the cell ("'0100233", as some export tools write it) or a CSV's ="0100233"
    (so that Excel keeps the zero), read as "not all digits": every mailbox was unmapped, and
    on day one left out of the plan. Both are the bare digits, as Excel shows them; and a
    mailbox written both ways is one mailbox."""
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            HEAD[:5],
            ["'0100233", "a", "U", "", "'2"],
            ["'0100240", "b", "U", "", ""],
            ["0100240", "c", "U", "", ""],
            ["'01x", "d", "U", "", ""],
        ],
    )
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.frame["mailbox_id"].tolist() == ["0100233", "0100240", "0100240", "'01x"]
    assert e.frame["subject_id"].tolist() == ["2", "", "", ""]
    assert [f.location for f in codes(e, "MAILBOX_ID_DUPLICATE")] == ["Sheet1!3"]
    assert [f.location for f in codes(e, "MAILBOX_ID_INVALID")] == ["Sheet1!5"]
    csv_path = tmp_path / "e.csv"
    csv_path.write_bytes(
        'Postkasse-ID;Postkassenavn;Ansvarlig enhed\r\n="0100233";Børn;Ø\r\n="12"3;x;y\r\n'.encode(
            "cp1252"
        )
    )
    e = read_mailbox_export(csv_path, label="e.csv")
    assert e.frame["mailbox_id"].tolist() == ["0100233", '="12"3']
    assert e.frame["mailbox_name"].tolist() == ["Børn", "x"]
    assert [f.location for f in codes(e, "MAILBOX_ID_INVALID")] == ["row 3"]


def test_ids_whose_digits_are_lost_or_split_are_errors(tmp_path: Path) -> None:
    """An export consultant's pass: a CSV saved by Excel from a column of numbers holds
    "1,00233E+05" (its digits gone) or "100.233" (grouped in thousands), and IDs typed
    "0100 233", "0100-253", or two in one cell with a line break, were each "not all
    digits", a warning: on day one the mailbox was left
    out of the plan with exit 0. They are errors that say what happened; letters stay a
    warning."""
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            HEAD[:2],
            ["1,00233E+05", "a"],
            ["1.23457E+11", "b"],
            ["0100 233", "c"],
            ["0100-253", "d"],
            ["0100338\n0100355", "e"],
            ["100.233", "g"],
            ["100233.5", "h"],
            ["AB-12", "f"],
        ],
    )
    e = read_mailbox_export(path, label="e.xlsx")
    invalid = codes(e, "MAILBOX_ID_INVALID")
    assert [(f.location, f.severity) for f in invalid] == [
        ("Sheet1!2", "error"),
        ("Sheet1!3", "error"),
        ("Sheet1!4", "error"),
        ("Sheet1!5", "error"),
        ("Sheet1!6", "error"),
        ("Sheet1!7", "error"),
        ("Sheet1!8", "warning"),
        ("Sheet1!9", "warning"),
    ]
    assert "scientific notation" in invalid[0].message
    assert "write it as 0100233 if that is the ID" in invalid[2].message
    assert "'0100338 0100355'" in invalid[4].message
    assert "mellemrum, punktummer eller bindestreger" in invalid[3].text("da")
    assert "write it as 100233 if" in invalid[5].message


def test_a_hidden_sheet_with_the_mailboxes_is_named_when_no_visible_one_has_them(
    tmp_path: Path,
) -> None:
    """An export consultant's pass: the mailboxes on a hidden sheet behind a visible cover
    sheet were refused naming the cover sheet only. The refusal names the hidden sheet and
    how to read it."""
    import openpyxl

    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Forside"
    cover.append(["Eksport af e-Boks postkasser"])
    data = wb.create_sheet("Postkasser")
    data.append(HEAD[:2])
    data.append(["0100233", "a"])
    data.sheet_state = "hidden"
    path = tmp_path / "e.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as caught:
        read_mailbox_export(path, label="e.xlsx")
    said = str(caught.value)
    assert "\n" not in said
    assert "sheet 'Forside' has columns" in said
    assert "hidden sheet 'Postkasser' has them" in said
    assert "mailboxes_sheet = 'Postkasser'" in said
    assert read_mailbox_export(path, label="e.xlsx", sheet="Postkasser").frame[
        "mailbox_id"
    ].tolist() == ["0100233"]


def _as_strict(path: Path, out: Path) -> Path:
    """``path`` as Excel's "Strict Open XML Spreadsheet" names its parts."""
    swap = {
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
            b"http://purl.oclc.org/ooxml/spreadsheetml/main"
        ),
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
            b"http://purl.oclc.org/ooxml/officeDocument/relationships"
        ),
    }
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                for old, new in swap.items():
                    data = data.replace(old, new)
            zout.writestr(info, data)
    return out


def test_a_strict_open_xml_workbook_says_its_hidden_rows_and_formulas(tmp_path: Path) -> None:
    """An export consultant's pass: the export saved as "Strict Open XML Spreadsheet", with
    an autofilter that hid rows, was read without MAILBOX_ROWS_HIDDEN: its sheet was looked
    for in the usual namespaces only, so the hidden rows migrated without a word (and a
    formula without its value read as a blank)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Postkasser"
    for row in [HEAD[:3], ["0100233", "a", "U"], ["0100240", "b", "V"], ["0100250", "c", "=X1"]]:
        ws.append(row)
    ws.auto_filter.ref = "A1:C4"
    ws.row_dimensions[3].hidden = True
    wb.save(tmp_path / "t.xlsx")
    path = _as_strict(tmp_path / "t.xlsx", tmp_path / "strict.xlsx")
    e = read_mailbox_export(path, label="strict.xlsx")
    assert e.frame["mailbox_id"].tolist() == ["0100233", "0100240", "0100250"]
    assert [f.location for f in codes(e, "MAILBOX_ROWS_HIDDEN")] == ["Postkasser!3"]
    assert [f.location for f in codes(e, "CELL_FORMULA_NO_VALUE")] == ["Postkasser!4"]


def test_a_hidden_sheet_with_more_mailboxes_than_the_one_read_is_an_error(
    tmp_path: Path,
) -> None:
    """An export consultant's pass: the whole list on a hidden sheet, a visible copy of 3 of
    its rows read, "of 1 sheet", exit 0: the other mailboxes were left out without a word.
    A hidden sheet with the mailbox columns is MAILBOX_SHEET_HIDDEN, an error when it holds
    more rows than the sheet read, a warning when fewer; a hidden sheet without them is not."""
    import openpyxl

    rows = [[f"010023{i}", f"Kasse {i}"] for i in range(5)]
    wb = openpyxl.Workbook()
    copy = wb.active
    copy.title = "Til gennemsyn"
    for row in [HEAD[:2], *rows[:3]]:
        copy.append(row)
    full = wb.create_sheet("Alle")
    for row in [HEAD[:2], *rows]:
        full.append(row)
    full.sheet_state = "hidden"
    lookup = wb.create_sheet("Opslag")
    lookup.append(["Enhed", "Kode"])
    lookup.sheet_state = "veryHidden"
    path = tmp_path / "e.xlsx"
    wb.save(path)
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.sheet == "Til gennemsyn" and len(e) == 3
    assert not codes(e, "MAILBOX_SHEETS_SEVERAL")
    (hidden,) = codes(e, "MAILBOX_SHEET_HIDDEN")
    assert hidden.severity == "error"
    assert "the hidden sheet 'Alle' (5 rows)" in hidden.message
    assert "det skjulte ark 'Alle'" in hidden.text("da")
    assert codes(e, "MAILBOX_SHEET_USED")[0].message.endswith("of 1 visible sheet.")
    assert "filen har 1 synligt ark" in codes(e, "MAILBOX_SHEET_USED")[0].text("da")

    full.sheet_state = "visible"
    copy.sheet_state = "hidden"
    wb.active = 1
    wb.save(path)
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.sheet == "Alle" and len(e) == 5
    (hidden,) = codes(e, "MAILBOX_SHEET_HIDDEN")
    assert hidden.severity == "warning"
    assert "hidden sheet 'Til gennemsyn' (3 rows)" in hidden.message


def test_an_id_merged_over_its_subject_rows_names_the_merge(tmp_path: Path) -> None:
    """An export consultant's pass: a mailbox's ID merged over its three subject rows read
    "A mailbox row has no Mailbox ID" for the two rows below, with no word of the merge the
    unit's blank names. The rows below say the range."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [HEAD[:5], ["0100233", "a", "U", "", "1"], [None, "a", "U", "", "2"]]:
        ws.append(row)
    ws.append([None, "a", "U", "", "3"])
    ws.append([None, "b", "U", "", ""])
    ws.merge_cells("A2:A4")
    path = tmp_path / "e.xlsx"
    wb.save(path)
    e = read_mailbox_export(path, label="e.xlsx")
    missing = codes(e, "MAILBOX_ID_MISSING")
    assert [(f.location, f.severity) for f in missing] == [
        ("Sheet!3", "error"),
        ("Sheet!4", "error"),
        ("Sheet!5", "error"),
    ]
    assert "merged range A2:A4" in missing[0].message
    assert "flettede område A2:A4" in missing[1].text("da")
    assert missing[2].message == "A mailbox row has no Mailbox ID."


def test_a_hidden_lookup_list_of_ids_and_names_is_a_warning_not_an_error(tmp_path: Path) -> None:
    """A reviewer's look: a hidden sheet listing every e-Boks mailbox's ID and name (kept for
    a VLOOKUP), longer than the export read, made a sound export an error (exit 1), where it
    was read without a word before hidden sheets were looked at. It has none of the columns
    that place a mailbox (unit, subject, case, GUID), so it is no copy of the export: a
    warning that names it."""
    import openpyxl

    wb = openpyxl.Workbook()
    export = wb.active
    export.title = "Postkasser"
    for row in [HEAD[:5], ["0100233", "Byg", "Teknik", "", "1"], ["0100234", "Løn", "HR", "", ""]]:
        export.append(row)
    lookup = wb.create_sheet("Opslag")
    for row in [HEAD[:2], *([f"01002{i:02}", f"Kasse {i}"] for i in range(40))]:
        lookup.append(row)
    lookup.sheet_state = "hidden"
    path = tmp_path / "e.xlsx"
    wb.save(path)
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.sheet == "Postkasser" and len(e) == 2
    (hidden,) = codes(e, "MAILBOX_SHEET_HIDDEN")
    assert hidden.severity == "warning"
    assert "the hidden sheet 'Opslag' (40 rows)" in hidden.message


def test_an_id_a_danish_csv_holds_as_a_date_is_said_to_be_a_date(tmp_path: Path) -> None:
    """A reviewer's look: "02-01-1900", an ID Danish Excel took for a date and saved so in a
    CSV, was told to be written as 02011900 (digits with hyphens between them, an error); it
    is a date, a warning that says so, as "1900-01-02" is. Split digits stay an error."""
    path = tmp_path / "e.csv"
    path.write_text(
        "Postkasse ID;Postkassenavn\n02-01-1900;a\n2.1.1900;b\n0100-233;c\n", encoding="utf-8"
    )
    invalid = codes(read_mailbox_export(path, label="e.csv"), "MAILBOX_ID_INVALID")
    assert [f.severity for f in invalid] == ["warning", "warning", "error"]
    assert all("is a date" in f.message for f in invalid[:2])
    assert "02011900" not in invalid[0].message


def test_a_stray_double_quote_in_a_csv_that_swallows_rows_is_refused(tmp_path: Path) -> None:
    """A data specialist's pass: a CSV saved from Excel with a name typed as '"Pas og
    kørekort' (a double quote at the start of a value, and no closing one) read every row
    down to the next double quote as part of that one name: 10 of 200 mailboxes were gone
    from the export, the mapping and the outputs with exit 0; with no second quote, every row
    to the end of the file, in a name cut at Excel's 32,767 characters. Refused naming the line
    where the value opens; a value Excel quoted for a line break of its own is read."""
    rows = ["Postkasse-ID;Postkassenavn;Ansvarlig enhed;Sag"]
    rows += [f"01002{n:02};Navn {n};Borgerservice;" for n in range(10)]
    rows[3] = '0100202;"Pas og kørekort;Borgerservice;'
    rows[7] = '0100206;Boliger "Nord;Borgerservice;'  # the next double quote: closes it
    path = tmp_path / "e.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    with pytest.raises(InputError) as err:
        read_mailbox_export(path, label="e.csv")
    said = str(err.value)
    assert said.startswith("e.csv: line 4: a value opens with a double quote and runs over 5")
    assert "to line 8" in said and "'0100202;\"Pas og kørekort;Borgerservice;'" in said
    assert "remove the stray double quote" in said and "\n" not in said
    # no closing quote: every row to the end of the file
    rows[7] = "0100206;Boliger Nord;Borgerservice;"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    with pytest.raises(InputError, match="line 4: .* runs over 8 lines, to line 11"):
        read_mailbox_export(path, label="e.csv")
    # opened in the last column, closed in the first of the next line: its rest is columns
    rows[3] = '0100202;Pas;Borgerservice;"x'
    rows[4] = '0100203";Navn 3;Borgerservice;'
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    with pytest.raises(InputError, match="line 4: .* runs over 2 lines, to line 5"):
        read_mailbox_export(path, label="e.csv")
    # Excel's own quoting of a name with a line break (and a separator) in it is read
    path.write_bytes(
        'Postkasse-ID;Postkassenavn;Ansvarlig enhed;Sag\r\n0100233;"Pas; og\r\nkørekort";B;\r\n'
        "0100240;Flytning;B;\r\n".encode()
    )
    e = read_mailbox_export(path, label="e.csv")
    assert e.frame["mailbox_name"].tolist() == ["Pas; og kørekort", "Flytning"]
    assert e.frame["mailbox_id"].tolist() == ["0100233", "0100240"]


def test_a_repeated_header_row_and_total_rows_are_not_mailboxes(tmp_path: Path) -> None:
    """A data specialist's pass: two exports pasted into one sheet (the second's header row
    between them), and "I alt" under the IDs with a count, were read as mailboxes: each a
    MAILBOX_ID_INVALID warning and a MAILBOX_UNMAPPED error, and a mailbox "Postkasse-ID"
    named "Postkassenavn" in mailbox-mapping.xlsx. They are skipped with one info each kind,
    naming their rows; a mailbox named "Total omsorg" and a letter ID stay what they were."""
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            HEAD,
            ["0100233", "Pas", "Borgerservice", "", "", ""],
            ["postkasse id ", "POSTKASSENAVN", "Ansvarlig enhed", "Sag", "Emne-ID", "NgDP Guid"],
            ["0100240", "Total omsorg", "Ældre", "", "", ""],
            ["ABC", "Bogstaver", "Ældre", "", "", ""],
            ["I alt", "=COUNTA(A2:A5)", "", "", "", ""],
            ["", "Total: 3 postkasser", "", "", "", ""],
        ],
    )
    e = read_mailbox_export(path, label="e.xlsx")
    assert e.frame["mailbox_id"].tolist() == ["0100233", "0100240", "ABC"]
    assert e.frame["row"].tolist() == [2, 4, 5]
    header, totals = codes(e, "MAILBOX_ROWS_NOT_MAILBOXES")
    assert header.severity == "info" and header.location == "Sheet1!3"
    assert header.message == "Row 3 repeats the header row and is not read as a mailbox."
    assert header.text("da") == "Række 3 gentager overskriftsrækken og læses ikke som en postkasse."
    assert totals.location == "Sheet1!6"
    assert totals.message == (
        "2 rows are total rows (rows 6, 7: 'I alt', 'Total: 3 postkasser') and are not read "
        "as mailboxes."
    )
    assert totals.text("da").startswith("2 rækker er sumrækker (rækkerne 6, 7: 'I alt'")
    # the total's =COUNTA is no mailbox's cell, nor is the header row's GUID a GUID column
    assert not codes(e, "CELL_FORMULA_NO_VALUE") and not codes(e, "MAILBOX_GUID_COLUMN_IGNORED")
    assert [f.location for f in codes(e, "MAILBOX_ID_INVALID")] == ["Sheet1!5"]
    assert not codes(e, "MAILBOX_UNIT_BLANK") and not codes(e, "MAILBOX_NAME_BLANK")


def test_a_comma_csv_with_a_note_of_several_lines_is_read(tmp_path: Path) -> None:
    """A reviewer's look at the stray-quote refusal: an export saved by an English Excel (commas)
    with a note of two lines (Alt+Enter) in prose, whose commas make a row's worth of separators,
    was refused (exit 2) as "a value opens with a double quote" that is not there. Excel's own
    quoting is read; two halves of rows that a stray quote joined are still refused."""
    head = "Postkasse-ID,Postkassenavn,Ansvarlig enhed,Sag,Emne-ID,NgDP Guid,Bemærkning"
    note = (
        '"Flyttes til ny enhed, jf. aftale med Jens, Lone og IT,\r\n'
        'afventer svar, se sag 2024-17, opdateret 1. marts, af HR"'
    )
    path = tmp_path / "e.csv"
    path.write_bytes(
        "\r\n".join(
            [head, "0100233,Pas,Borgerservice,,,,", f"0100240,Flytning,Borgerservice,,,,{note}"]
            + [f"01002{n},Navn {n},Borgerservice,,,," for n in range(50, 55)]
        ).encode()
    )
    e = read_mailbox_export(path, label="e.csv")
    assert e.frame["mailbox_id"].tolist()[:3] == ["0100233", "0100240", "0100250"]
    assert len(e.frame) == 7
    # a stray quote that ran from one row into the next, closing in the same column
    path.write_bytes(
        (
            "Postkasse-ID;Postkassenavn;Ansvarlig enhed;Sag\r\n"
            '0100233;"Pas og kørekort;Borgerservice;\r\n'
            '0100240;"Flytning";Borgerservice;\r\n'
            "0100250;Navn;Borgerservice;\r\n"
        ).encode()
    )
    with pytest.raises(InputError, match="line 2: .* runs over 2 lines, to line 3"):
        read_mailbox_export(path, label="e.csv")


def test_a_total_row_that_names_what_it_counts_first_is_not_a_mailbox(tmp_path: Path) -> None:
    """A Danish proofreader's pass: Danish puts what was counted before "i alt" ("Postkasser
    i alt: 2", "Antal postkasser i alt (2)"), and such a total was still read as a mailbox:
    a MAILBOX_ID_INVALID warning under the IDs, a row without an ID under the names. A name
    that only begins so ("Postkasse i altanen") beside a blank ID stays a mailbox row."""
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [
            HEAD,
            ["0100233", "Pas", "Borgerservice", "", "", ""],
            ["0100240", "Flytning", "Borgerservice", "", "", ""],
            ["Postkasser i alt: 2", "", "", "", "", ""],
            ["", "Antal postkasser i alt (2)", "", "", "", ""],
            ["", "Postkasse i altanen", "Borgerservice", "", "", ""],
        ],
    )
    e = read_mailbox_export(path, label="e.xlsx")
    (totals,) = codes(e, "MAILBOX_ROWS_NOT_MAILBOXES")
    assert totals.location == "Sheet1!4"
    assert totals.text("da") == (
        "2 rækker er sumrækker (rækkerne 4, 5: 'Postkasser i alt: 2', 'Antal postkasser i alt "
        "(2)') og læses ikke som postkasser."
    )
    assert e.frame["row"].tolist() == [2, 3, 6]
    assert not codes(e, "MAILBOX_ID_INVALID")


def test_notes_under_a_total_row_are_not_mailboxes(tmp_path: Path) -> None:
    """A data specialist's pass: a report's notes under its total row ("Udskrevet
    03-12-2026 af jh", "Kilde: e-Boks", one beside a blank ID) were each a
    MAILBOX_ID_INVALID or MAILBOX_ID_MISSING and a MAILBOX_UNMAPPED error. They are skipped
    with one info naming them; a mailbox is never taken for one: a mailbox under the total
    (a subtotal) or a row with a bad ID and a name keeps every row under it a mailbox row."""
    rows = [
        HEAD,
        ["0100233", "Pas", "Borgerservice", "", "", ""],
        ["0100240", "Flytning", "Borgerservice", "", "", ""],
        ["I alt", "2", "", "", "", ""],
        ["Udskrevet 03-12-2026 af jh", "", "", "", "", ""],
        ["", "Kilde: e-Boks", "", "", "", ""],
    ]
    e = read_mailbox_export(write_xlsx(tmp_path / "e.xlsx", rows), label="e.xlsx")
    assert e.frame["mailbox_id"].tolist() == ["0100233", "0100240"]
    total, notes = codes(e, "MAILBOX_ROWS_NOT_MAILBOXES")
    assert notes.severity == "info" and notes.location == "Sheet1!5"
    assert notes.message == (
        "2 rows under the total row are notes (rows 5, 6: 'Udskrevet 03-12-2026 af jh', "
        "'Kilde: e-Boks') and are not read as mailboxes."
    )
    assert notes.text("da").startswith("2 rækker under sumrækken er noter (rækkerne 5, 6:")
    assert not codes(e, "MAILBOX_ID_INVALID") and not codes(e, "MAILBOX_ID_MISSING")
    # a mailbox under the total: the total was a subtotal, and nothing under it is a note
    more = [*rows, ["0100250", "Skat", "Borgerservice", "", "", ""]]
    e = read_mailbox_export(write_xlsx(tmp_path / "f.xlsx", more), label="f.xlsx")
    assert e.frame["row"].tolist() == [2, 3, 5, 6, 7]
    assert len(codes(e, "MAILBOX_ROWS_NOT_MAILBOXES")) == 1
    # a mailbox with a bad ID and a name under it: a mailbox row, and so are the notes
    bad = [*rows, ["01OO260", "Skat", "Borgerservice", "", "", ""]]
    e = read_mailbox_export(write_xlsx(tmp_path / "g.xlsx", bad), label="g.xlsx")
    assert e.frame["row"].tolist() == [2, 3, 5, 6, 7]
    assert [f.location for f in codes(e, "MAILBOX_ID_INVALID")][-1] == "Sheet1!7"


def test_notes_under_a_mapping_files_total_row_are_not_rows_of_it(tmp_path: Path) -> None:
    """The same notes under a hand-made mapping file's total row were rows with no Mailbox
    ID (MAPPING_ROW_UNUSED) or a GUID that is none (CONTACT_POINT_GUID_INVALID)."""
    from ngdpkit.inputs.mapping import read_mapping_file

    guid = "7f9c69da-044c-5324-b789-212f3097dbac"
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [
                ["Postkasse-ID", "Emne-ID", "NgDP Guid"],
                ["0100233", "", guid],
                ["I alt", "", "1"],
                ["", "", "Kilde: e-Boks"],
            ],
        ),
        label="m.xlsx",
    )
    assert mf.rows["mailbox_id"].tolist() == ["0100233"]
    assert [f.code for f in mf.findings] == ["MAILBOX_ROWS_NOT_MAILBOXES"] * 2


def test_a_unit_spelt_two_ways_names_the_rows_spelt_otherwise(tmp_path: Path) -> None:
    """A consultant's day one: among hundreds of "Borgerservice" rows two read
    "borgerservice", and UNIT_NAME_VARIANTS named only the unit's first row, a right one:
    the rows to correct were to be hunted for. The message names the rows spelt otherwise
    than the plan names the unit, in both languages."""
    units = ["Borgerservice"] * 4 + ["borgerservice"] + ["Borgerservice"] * 2 + ["borgerservice"]
    path = write_xlsx(
        tmp_path / "export.xlsx",
        [HEAD] + [[str(100 + i), "Navn", u, "", "", ""] for i, u in enumerate(units)],
        title="Postkasser",
    )
    e = read_mailbox_export(path, label="export.xlsx")
    (variants,) = codes(e, "UNIT_NAME_VARIANTS")
    assert variants.params["name"] == "'Borgerservice'"
    assert variants.params["rows"] == "6, 9"
    assert "spelt otherwise in rows 6, 9" in variants.text("en")
    assert "stavet anderledes i række 6, 9" in variants.text("da")


def test_a_long_id_excel_rounded_to_zeros_is_named_as_text_too(tmp_path: Path) -> None:
    """A consultant's first weeks: Excel keeps 15 digits of a number, so a longer ID typed
    or pasted into it comes out as 123456789012345000. As a number cell it was an error
    (MAILBOX_ID_INVALID); as text (a CSV saved from a column with the number format 0, or
    the value pasted back as text) nothing was said, and the mapping carried it. A warning
    names the file, the row and the value; a long ID whose last digits are not all zeros,
    and a short one ending in zeros, are IDs as any other."""
    rows = [
        ["0100233", "a"],
        ["123456789012345000", "b"],  # 18 digits, zeros after the 15th
        ["0001234567890123450", "c"],  # 16 digits after its leading zeros
        ["123456789012345678", "d"],  # long, but not Excel's zeros
        ["123456789012345", "e"],  # 15 digits: Excel keeps them
        ["1000000", "f"],
    ]
    csv = tmp_path / "e.csv"
    csv.write_text(
        "Postkasse-ID;Postkassenavn\r\n" + "".join(f"{i};{n}\r\n" for i, n in rows),
        encoding="utf-8",
    )
    for path, where in ((csv, "row {}"), (write_xlsx(tmp_path / "e.xlsx", [HEAD[:2], *rows]), "Sheet1!{}")):  # fmt: skip
        e = read_mailbox_export(path, label=path.name)
        rounded = codes(e, "MAILBOX_ID_ROUNDED")
        assert [(f.severity, f.source, f.location) for f in rounded] == [
            ("warning", path.name, where.format(3)),
            ("warning", path.name, where.format(4)),
        ]
        assert "Mailbox ID 123456789012345000 has 18 digits" in rounded[0].message
        assert "has 16 digits" in rounded[1].message
        assert rounded[0].text("da").startswith("Postkasse-ID 123456789012345000 har 18 cifre")
        assert not codes(e, "MAILBOX_ID_INVALID")
    # as a number cell it is the error it was, not said twice
    number = write_xlsx(tmp_path / "n.xlsx", [HEAD[:2], [123456789012345000, "b"]])
    e = read_mailbox_export(number, label="n.xlsx")
    assert [f.severity for f in codes(e, "MAILBOX_ID_INVALID")] == ["error"]
    assert not codes(e, "MAILBOX_ID_ROUNDED")


def test_a_rounded_id_in_the_export_is_named_beside_the_mapping_it_reaches(
    sample_copy: Path,
) -> None:
    """The run's mapping workbook carries the rounded ID as the export gave it: never
    silently, its Findings sheet names the warning with the export's row and the value."""
    import openpyxl

    from tests.conftest import cli

    book = sample_copy / "mailboxes.xlsx"
    wb = openpyxl.load_workbook(book)
    wb.active["A4"].value = "123456789012345000"  # a text cell, as pasted back from Excel
    wb.save(book)
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    rows = openpyxl.load_workbook(run_dir / "mailbox-mapping.xlsx")["Findings"].iter_rows(
        values_only=True
    )
    said = [row for row in rows if row[1] == "MAILBOX_ID_ROUNDED"]
    assert len(said) == 1 and said[0][3:] == ("mailboxes.xlsx", "Postkasser!4"), said
    assert "123456789012345000" in said[0][2]
    mapped = (run_dir / "mailbox-mapping.csv").read_text(encoding="utf-8-sig").splitlines()
    assert any(line.startswith("123456789012345000;") for line in mapped)


def test_a_long_id_excel_held_as_a_number_is_named_as_excel_shows_it(tmp_path: Path) -> None:
    """A consultant's look: a number cell of 123456789012345000 (as Excel keeps it, 15
    significant digits) was named "123456789012344992", the double's exact value, which is
    in no cell of the export and which a search in Excel or e-Boks never finds. The finding
    and the mapping name it as Excel shows it; it stays the error it was."""
    path = write_xlsx(
        tmp_path / "n.xlsx",
        [HEAD[:2], [123456789012345000, "a"], [1.2345678901234568e17, "b"], [12345, "c"]],
    )
    e = read_mailbox_export(path, label="n.xlsx")
    assert list(e.frame["mailbox_id"]) == ["123456789012345000", "123456789012346000", "12345"]
    invalid = codes(e, "MAILBOX_ID_INVALID")
    assert [(f.severity, f.location) for f in invalid] == [
        ("error", "Sheet1!2"),
        ("error", "Sheet1!3"),
    ]
    assert "Mailbox ID 123456789012345000 has more than 15 digits" in invalid[0].message
    assert invalid[1].text("da").startswith("Postkasse-ID 123456789012346000 har mere end 15")
    assert not any("344992" in f.message or "345680" in f.message for f in e.findings)


def test_the_advice_for_an_id_in_scientific_notation_is_not_the_number_format_0(
    tmp_path: Path,
) -> None:
    """A WorkZone consultant's read: an ID Excel wrote as "1.23457E+17" was to be mended
    "with the number format 0", which shows an ID of 16 or more digits as 123456789012345000
    (Excel keeps 15 significant digits): what MAILBOX_ID_ROUNDED warns of. The advice, in
    English and Danish, in the export and in a mapping file, says the digits cannot be
    recovered from the file and that the column is to be Text before the IDs are entered."""
    from ngdpkit.inputs.mapping import map_mailboxes, read_mapping_file

    path = write_xlsx(tmp_path / "e.xlsx", [HEAD[:2], ["1.23457E+17", "a"], ["0100233", "b"]])
    e = read_mailbox_export(path, label="e.xlsx")
    (invalid,) = codes(e, "MAILBOX_ID_INVALID")
    mapping = tmp_path / "m.csv"
    mapping.write_bytes(
        b"Postkasse-ID;NgDP Guid\r\n1,01159E+05;7f9c69da-044c-5324-b789-212f3097dbac\r\n"
    )
    m = map_mailboxes(
        e.frame,
        mapping=read_mapping_file(mapping, label="m.csv"),
        contact_points=None,
        system_id=None,
        default_contact_point=None,
        export_label="e.xlsx",
    )
    (unused,) = [f for f in m.findings if f.code == "MAPPING_ROW_UNUSED"]
    for finding in (invalid, unused):
        en, da = finding.text("en"), finding.text("da")
        assert "scientific notation" in en and "videnskabelig notation" in da
        assert "(or with the number format 0)" not in en and "(eller med talformatet 0)" not in da
        assert "cannot be recovered from" in en and "kan ikke genskabes fra" in da
        assert "format the column as Text before the ID" in en
        assert "formatér kolonnen som Tekst" in da and "før ID'e" in da
        assert "16 or more digits" in en and "16 cifre eller flere" in da
        assert "only 15 significant digits" in en and "kun 15 betydende cifre" in da
        assert "123456789012345000" in en and "123456789012345000" in da
    assert "export again from e-Boks" in invalid.text("en")
    assert "eksportér igen fra e-Boks" in invalid.text("da")


def test_the_danish_advice_for_an_id_in_scientific_notation_reads_in_order(
    tmp_path: Path,
) -> None:
    """The Danish advice put its condition last ("formatér kolonnen som Tekst, før ID'erne
    kommer i den, hvis eksporten går gennem Excel"), so the column seemed to be formatted
    after the IDs were in it; the condition comes first, as a Dane says it."""
    path = write_xlsx(tmp_path / "e.xlsx", [HEAD[:2], ["1,23457E+17", "a"], ["0100233", "b"]])
    (invalid,) = codes(read_mailbox_export(path, label="e.xlsx"), "MAILBOX_ID_INVALID")
    assert (
        "eksportér igen fra e-Boks, og går eksporten gennem Excel, så formatér kolonnen som "
        "Tekst, før ID'erne kommer i den."
    ) in invalid.text("da")
