"""Workbook bombs (issue 26): a few KB that would make calamine allocate hundreds of GB
and abort the process in Rust. Each is exit 2 within seconds, naming the bound, under a
4 GB address-space limit: never a native abort, never a traceback."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ngdpkit.errors import InputError
from ngdpkit.inputs.workbook_bounds import check_unpacked

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Postkasser" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WBRELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SST = f'<sst {NS} count="1" uniqueCount="1"><si><t>x</t></si></sst>'


def book(path: Path, sheet_data: str, shared: str = SST, *, root: str = "") -> Path:
    root = root or f"<worksheet {NS}><sheetData>{{}}</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", WBRELS)
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?>' + root.format(sheet_data))
        z.writestr("xl/sharedStrings.xml", shared)
    return path


def bombs(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (workbook, the words of the bound its refusal names)."""
    many = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(1, 30001))
    big_string = f'<sst {NS} count="1" uniqueCount="1"><si><t>{"y" * 2_000_000}</t></si></sst>'
    reordered = many.replace(' r="A', ' t="s" r="A').replace(' t="s"><v>', "><v>")
    return {
        "far cell": (
            book(
                tmp / "far.xlsx",
                '<row r="1"><c r="A1"><v>1</v></c></row><row r="999999"><c r="XFD999999"><v>1</v></c></row>',
            ),
            "cell references",
        ),
        "far cell, single quotes": (
            book(tmp / "far-q.xlsx", "<row r='1'><c r='XFD999999'><v>1</v></c></row>"),
            "cell references",
        ),
        "shared string": (book(tmp / "shared.xlsx", many, big_string), "shared text"),
        "shared string, other order": (
            book(tmp / "shared-o.xlsx", reordered, big_string),
            "shared text",
        ),
        "prefixed rows": (
            book(
                tmp / "xrows.xlsx",
                "<x:row/>" * 1_200_000,
                root='<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>{}</x:sheetData></x:worksheet>',
            ),
            "rows",
        ),
        "a wide row and a far row": (
            book(
                tmp / "wide.xlsx",
                "<row>"
                + "<c><v>1</v></c>" * 16_384
                + '</row><row r="1048576"><c><v>2</v></c></row>',
            ),
            "in one row",
        ),
        "cells without references": (
            book(
                tmp / "norefs.xlsx",
                # 50,001 rows x 20,000 cells: 33 times the bound (900,000 rows cost every
                # process that refuses it 0.3 s or more of scanning for the same refusal)
                "<row>" + "<c><v>1</v></c>" * 20_000 + "</row>" + "<row/>" * 50_000,
            ),
            "in one row",
        ),
    }


@pytest.fixture(scope="module")
def built_bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The bombs, built once for the module's tests (they only read them)."""
    return bombs(tmp_path_factory.mktemp("bombs"))


def test_each_bomb_is_refused_fast_in_process(built_bombs: dict[str, tuple[Path, str]]) -> None:
    for name, (path, words) in built_bombs.items():
        start = time.monotonic()
        with pytest.raises(InputError, match=words):
            check_unpacked(path, path.name)
        assert time.monotonic() - start < 5, name


def test_a_workbook_with_far_references_within_bounds_passes(tmp_path: Path) -> None:
    ok = book(tmp_path / "ok.xlsx", '<row r="5000"><c r="AB5000" t="s"><v>0</v></c></row>')
    check_unpacked(ok, ok.name)


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.parametrize("command", [["check", "--env", "test"], ["run", "--env", "all"]])
def test_commands_refuse_every_bomb_under_4_gb(
    sample_copy: Path, built_bombs: dict[str, tuple[Path, str]], command: list[str]
) -> None:
    for name, (path, words) in built_bombs.items():
        (sample_copy / "mailboxes.xlsx").write_bytes(path.read_bytes())
        start = time.monotonic()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "ngdpkit",
                command[0],
                "--settings",
                str(sample_copy / "migration.toml"),
                *command[1:],
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",
            preexec_fn=limited,
            timeout=120,
        )
        assert r.returncode == 2, (name, r.returncode, r.stderr[-800:])
        assert "Traceback" not in r.stderr and "panicked" not in r.stderr, name
        assert "mailboxes.xlsx" in r.stderr and words in r.stderr, (name, r.stderr)
        assert time.monotonic() - start < 30, name
    assert (
        not list((sample_copy / "runs").glob("*/2*")) if (sample_copy / "runs").exists() else True
    )


def test_a_csv_with_cr_only_line_ends_is_bounded(tmp_path: Path) -> None:
    from ngdpkit.inputs.workbooks import _read_csv

    path = tmp_path / "cr.csv"
    path.write_bytes(b"a;b\r" + b"1;2\r" * 1_000_001)
    with pytest.raises(InputError, match="1,000,000 lines"):
        _read_csv(path, "cr.csv")


def test_bombs_found_by_the_retest(tmp_path: Path) -> None:
    """Issue 26's retest: a wide row without references plus a far row reference, and a
    sheet stored outside xl/worksheets/ (the relationships may put it anywhere)."""
    wide = book(
        tmp_path / "wide.xlsx",
        "<row>" + "<c><v>1</v></c>" * 16_384 + '</row><row r="1048576"><c><v>2</v></c></row>',
    )
    with pytest.raises(InputError, match="in one row"):
        check_unpacked(wide, wide.name)
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(book(tmp_path / "base.xlsx", "")) as src, zipfile.ZipFile(moved, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"elsewhere/data.xml")
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"/xl/worksheets/sheet1.xml", b"/xl/elsewhere/data.xml")
            z.writestr(info.filename, data)
        z.writestr(
            "xl/elsewhere/data.xml",
            f'<worksheet {NS}><sheetData><row r="999999"><c r="XFD999999"><v>1</v></c></row></sheetData></worksheet>',
        )
    with pytest.raises(InputError, match="cell references"):
        check_unpacked(moved, moved.name)
