from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ngdpkit.deliverables.outputs import (
    MAPPING_HEADERS,
    atomic_write,
    mapping_csv_bytes,
    write_mapping_workbook,
    write_workbook,
)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "mailbox_id": "007",
                "mailbox_name": '=HYPERLINK("http://x")',
                "responsible_unit": "Ø",
                "case": "+1",
                "ngdp_guid": "a",
                "contact_point": "A",
                "source": "mapping file",
                "status": "mapped",
                "subject_id": "",
            },
            {
                "mailbox_id": "8",
                "mailbox_name": "@SUM(1)",
                "responsible_unit": "Å",
                "case": "-2",
                "ngdp_guid": "",
                "contact_point": "",
                "source": "",
                "status": "unmapped",
                "subject_id": "2",
            },
        ]
    )


def test_csv_for_danish_excel() -> None:
    data = mapping_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.split("\r\n")[0] == ";".join(MAPPING_HEADERS)
    assert "\r\n007;" in text and text.endswith("\r\n")


def assert_rows_in_order(path: Path) -> None:
    """Each sheet lists its rows once, in ascending order, as Excel requires (a row given
    twice makes Excel offer to repair the file)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                rows = [int(r) for r in re.findall(rb"<row r=\"(\d+)\"", zf.read(name))]
                assert rows == sorted(set(rows)), (name, rows)


def test_workbook_never_holds_a_formula(tmp_path: Path) -> None:
    path = write_mapping_workbook(
        tmp_path / "m.xlsx",
        frame(),
        [
            {
                "severity": "error",
                "code": "MAILBOX_UNMAPPED",
                "message": "=bad",
                "source": "",
                "location": "",
            }
        ],
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Mailbox mapping"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I3"
    assert [c.value for c in ws[1]] == list(MAPPING_HEADERS)
    assert ws["B2"].value == '=HYPERLINK("http://x")' and ws["B2"].data_type == "s"
    assert ws["A2"].value == "007"
    assert ws["A3"].fill.fgColor.rgb.endswith("FDE8E6")  # unmapped row highlighted
    assert_rows_in_order(path)  # its last row, filled, once
    assert wb["Findings"]["C2"].data_type == "s"
    import zipfile

    with zipfile.ZipFile(path) as zf:
        assert all(
            b"<f>" not in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")
        )


def test_atomic_write_leaves_no_temp(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.txt", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_mapping_files_from_a_worker_process_are_the_inline_files(tmp_path: Path) -> None:
    """The mapping files are written apart from the run's main thread while notebooks 03-05
    execute (on two threads; here in a spawned process, the strictest separation): byte for
    byte what the run would write itself."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import pandas as pd

    from ngdpkit.deliverables.outputs import (
        MAPPING_COLUMNS,
        mapping_csv_bytes,
    )
    from ngdpkit.run.mapping_files import write_mapping_outputs
    from ngdpkit.steps.records import write_step_file

    frame = pd.DataFrame(
        [
            {c: f"{c}-{i}" for c in MAPPING_COLUMNS} | {"mailbox_name": "=HYPERLINK(1)"}
            for i in range(50)
        ]
    )
    (tmp_path / "steps").mkdir()
    write_step_file(
        tmp_path / "steps", "02_contact_points", {"status": "ok", "results": {"mapping": frame}}
    )
    findings = [{"severity": "error", "code": "MAILBOX_UNMAPPED", "message": "-x", "source": ""}]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result = pool.submit(write_mapping_outputs, str(tmp_path), findings).result(timeout=120)
    data = (tmp_path / "mailbox-mapping.csv").read_bytes()
    assert data == mapping_csv_bytes(frame)
    assert result["csv_sha256"] == hashlib.sha256(data).hexdigest()
    assert b"'=HYPERLINK(1)" in data
    wb = openpyxl.load_workbook(tmp_path / "mailbox-mapping.xlsx")
    assert wb["Mailbox mapping"].max_row == 51 and wb["Findings"]["C2"].value == "-x"
    assert wb["Findings"]["C2"].quotePrefix


def test_workbook_cells_hold_what_excel_can_show(tmp_path: Path) -> None:
    """Control characters are dropped, a text over Excel's 32,767-character cell limit is cut
    (instead of failing the run), text that looks like ECMA-376 escaping stays as typed,
    numbers stay numbers, and an Arrow-backed table (as read from a step's Parquet file)
    is written the same as a plain one."""
    from ngdpkit.deliverables.outputs import MAPPING_COLUMNS, write_workbook

    rows = frame()
    rows.loc[0, "mailbox_name"] = "bell\x07 and\x1b[2J esc"
    rows.loc[1, "mailbox_name"] = "x" * 40_000
    rows.loc[1, "responsible_unit"] = "_x0041_ literal"
    for table in (rows, rows.astype("string[pyarrow]")):
        path = write_mapping_workbook(tmp_path / "m.xlsx", table, [])
        ws = openpyxl.load_workbook(path)["Mailbox mapping"]
        assert ws["B2"].value == "bell and[2J esc"
        assert ws["B3"].value == "x" * 32_767
        # Stored escaped (_x005F_), as ECMA-376 asks; read back as typed.
        assert ws["C3"].value == "_x0041_ literal"
        back = pd.read_excel(path, engine="calamine", dtype=str)
        assert back.iloc[1, 2] == "_x0041_ literal"
        assert ws["A2"].value == "007" and ws["A2"].data_type == "s"
        assert ws["D2"].quotePrefix and not ws["D2"].fill.fill_type  # "+1", a mapped row
        assert ws.max_column == len(MAPPING_COLUMNS)
        assert_rows_in_order(path)
    path = write_workbook(
        tmp_path / "n.xlsx", [("Numbers", ("Port", "Name"), [[443, "a"], [None, "=b"]], None)]
    )
    ws = openpyxl.load_workbook(path)["Numbers"]
    assert ws["A2"].value == 443 and ws["A2"].data_type == "n"
    assert ws["A3"].value is None and ws["B3"].value == "=b" and ws["B3"].data_type == "s"
    assert ws["B3"].quotePrefix
    assert_rows_in_order(path)  # the last row marked quote-prefixed, once


def test_the_mapping_files_can_be_written_apart(tmp_path: Path) -> None:
    """A run writes the workbook and the CSV on two threads: each part writes only its own
    file, and the CSV is the one written together with the workbook."""
    import pandas as pd

    from ngdpkit.deliverables.outputs import (
        MAPPING_COLUMNS,
        mapping_csv_bytes,
        mapping_csv_table,
    )
    from ngdpkit.run.mapping_files import write_mapping_outputs
    from ngdpkit.steps.records import write_step_file

    frame = pd.DataFrame([{c: f"{c}-{i}" for c in MAPPING_COLUMNS} for i in range(20)])
    (tmp_path / "steps").mkdir()
    write_step_file(
        tmp_path / "steps", "02_contact_points", {"status": "ok", "results": {"mapping": frame}}
    )
    assert write_mapping_outputs(str(tmp_path), [], parts=("xlsx",)) == {}
    assert not (tmp_path / "mailbox-mapping.csv").exists()
    assert (
        openpyxl.load_workbook(tmp_path / "mailbox-mapping.xlsx")["Mailbox mapping"].max_row == 21
    )
    (tmp_path / "mailbox-mapping.xlsx").unlink()
    result = write_mapping_outputs(str(tmp_path), [], parts=("csv",))
    data = (tmp_path / "mailbox-mapping.csv").read_bytes()
    assert data == mapping_csv_bytes(frame)
    assert set(result) == {"csv_sha256", "csv_table"}  # the hash, and the cells it wrote
    assert result["csv_sha256"] == hashlib.sha256(data).hexdigest()
    assert result["csv_table"].equals(mapping_csv_table(frame))
    assert not (tmp_path / "mailbox-mapping.xlsx").exists()


def test_csv_fields_with_either_separator_are_quoted_and_full_width_formulas_neutralised() -> None:
    """Issue 26: ``x,=cmd|' /C calc'!A0`` was written unquoted; English Excel opens the file
    with "," and read the part after the comma as a formula. ``＝1+1`` was not prefixed."""
    import csv
    import io

    import pandas as pd

    from ngdpkit.deliverables.outputs import csv_bytes, mapping_csv_bytes

    evil = "x,=cmd|' /C calc'!A0"
    frame = pd.DataFrame(
        {"mailbox_id": ["1", "2", "3"], "mailbox_name": [evil, "\uff1d1+1", 'a "b"; c']}
    )
    for data in (
        mapping_csv_bytes(frame),
        csv_bytes(
            ["Mailbox ID", "Mailbox name"], [["1", evil], ["2", "\uff1d1+1"], ["3", 'a "b"; c']]
        ),
    ):
        text = data.decode("utf-8-sig")
        assert "\"x,'=cmd|' /C calc'!A0\"" in text and "'\uff1d1+1" in text
        for delimiter in (";", ","):  # as a Danish and as an English Excel would split it
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                assert not any(
                    cell.lstrip().startswith(("=", "+", "@", "\uff1d")) for cell in row
                ), row
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        names = [r[1] for r in rows[1:]]
        assert names == ["x,'=cmd|' /C calc'!A0", "'\uff1d1+1", 'a "b"; c']


def test_the_column_search_for_an_inner_formula_is_the_cell_search() -> None:
    """The whole-column pattern (handed to Arrow) finds exactly what the cell pattern finds:
    every character Python's ``\\s`` takes, and no other, between a separator and a formula."""
    import re

    import pandas as pd

    from ngdpkit.deliverables.outputs import _INNER_FORMULA, _INNER_FORMULA_COLUMN, _SPACES

    assert _SPACES == "".join(c for c in map(chr, range(0x110000)) if re.match(r"\s", c))
    cells = [f"a,{c}=cmd" for c in _SPACES] + [f"a;{c}+1" for c in "\u200b\x00x"]
    cells += ["a, '\"@x", "plain", "x=1", "a,\uff1d1", ";;", ",\t\n-"]
    column = pd.Series(cells, dtype=object).astype(str)
    found = column.str.contains(_INNER_FORMULA_COLUMN, regex=True)
    assert list(found) == [_INNER_FORMULA.search(c) is not None for c in cells]
    assert found.sum() == len(_SPACES) + 3


def test_a_sheet_without_a_formatted_row_streams_its_texts_and_reads_back_the_same(
    tmp_path: Path,
) -> None:
    """Issue 31: a sheet with no filled or quote-prefixed row is written with inline texts
    (half the time for the to-do's 99,000 rows); one with a formatted row keeps shared
    strings, since the streaming writer repeats a formatted last row. Both read back cell for
    cell, every row once."""
    import re
    import zipfile

    plain = [[f"{i:08d}", f"Postkasse {i} æøå", "mapped"] for i in range(50)]
    marked = [*plain[:-1], ["00000049", "=1+1", "error"]]  # the last row quote-prefixed, filled
    headers = ("Mailbox ID", "Mailbox name", "Status")
    highlight = {"ok": {"mapped"}, "colour": {"error": "error"}}
    book = write_workbook(
        tmp_path / "w.xlsx",
        [("Plain", headers, plain, 2), ("Marked", headers, marked, 2)],
        highlight=highlight,
    )
    with zipfile.ZipFile(book) as z:
        first = z.read("xl/worksheets/sheet1.xml").decode()
        second = z.read("xl/worksheets/sheet2.xml").decode()
    assert 't="inlineStr"' in first and 't="inlineStr"' not in second
    for xml, count in ((first, 51), (second, 51)):
        rows = re.findall(r'<row r="(\d+)"', xml)
        assert rows == [str(i) for i in range(1, count + 1)]
    wb = openpyxl.load_workbook(book)
    assert [[c.value for c in r] for r in wb["Plain"].iter_rows(min_row=2)] == plain
    last = wb["Marked"]["B51"]
    assert last.value == "=1+1" and last.data_type == "s" and last.quotePrefix


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["", ";", '"', "a;b", 'say "hi"', "line\r\nend", "\n", "\r", ",", "Æblegrød", "=1+1", "'x"]
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(_TEXT, min_size=3, max_size=3), min_size=1, max_size=6),
    arrow=st.booleans(),
)
def test_the_whole_column_csv_is_the_row_by_row_csv(rows: list[list[str]], arrow: bool) -> None:
    """Issue 31: csv_of joins whole columns in Arrow and takes the bytes from Arrow's buffer
    (0.08 s at 100,000 mailboxes instead of 0.2-0.55 s). For any texts, from pandas' Arrow
    text or from Python objects, its bytes are those of the row-by-row writer."""
    from ngdpkit.deliverables.outputs import csv_bytes, csv_cell, csv_of

    headers = ["Mailbox ID", "Navn; enhed", 'Sag "x"']
    table = pd.DataFrame(
        {h: [csv_cell(r[i]) for r in rows] for i, h in enumerate(headers)},
        dtype="str" if arrow else object,
    )
    assert csv_of(table) == csv_bytes(headers, rows)
    # Arrow text in chunks, as a table read from Parquet holds it past 131,072 rows
    chunked = pd.concat([table.iloc[: len(rows) // 2], table.iloc[len(rows) // 2 :]])
    assert csv_of(chunked) == csv_bytes(headers, rows)
