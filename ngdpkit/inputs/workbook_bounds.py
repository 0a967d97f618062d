"""Bounds on what a workbook unpacks to, decided before any parser sees it (contract §10).

calamine allocates the whole rectangle its cell references span and copies a shared string
into every cell that names it. So a 2 KB workbook with one cell at ``XFD999999`` asks for
16 billion cells, and one 2 MB shared string named by 30,000 cells for 60 GB: the process
aborts in Rust (issue 26). This module reads the zip's parts once, streaming and bounded,
and refuses (exit 2, naming the bound) a workbook whose

- parts unpack (declared or actually) to more than :data:`MAX_UNPACKED` bytes;
- sheet holds more than :data:`MAX_ROWS` rows (``<row>``, ``<x:row>``, any prefix);
- cell references span more than :data:`MAX_CELLS` cells (rows × columns);
- shared-string cells add up to more than :data:`MAX_SHARED_TEXT` characters.

The common case stays cheap: columns past Z and rows past 999,999 are looked for only
where they appear, and shared strings are counted cell by cell only when the longest one
times the number of shared-string cells could cross the bound.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..errors import InputError

MAX_UNPACKED = 200 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_CELLS = 30_000_000
MAX_SHARED_TEXT = 256 * 1024 * 1024

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # any namespace prefix
_ROW = re.compile(rb"<" + _P + rb"row[\s/>]")
_CELL = re.compile(rb"<" + _P + rb"c[\s/>]")
# The general patterns, for a sheet that uses namespace prefixes, single quotes or spaces
# around "=" (legal XML, rare in real exports): slower, since they have no literal prefix.
_REF = re.compile(rb"""<""" + _P + rb"""c\s[^>]*?\br\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")
_REFLESS = re.compile(rb"<" + _P + rb"c(?:\s*/?>|\s+(?!r\s*=)[^>]*>)")
_SHARED_CELL = re.compile(
    rb"""<""" + _P + rb"""c\s[^>]*?\bt\s*=\s*["']s["'][^>]*>\s*<""" + _P + rb"""v>\s*([0-9]+)\s*<"""
)
# Fast patterns for what Excel, openpyxl and rust_xlsxwriter write: <c r="A1" t="s">.
_ODD = (
    re.compile(rb"r(?:\s+=|=\s|=')"),
    re.compile(rb"t(?:\s+=|=\s|=')"),
    re.compile(rb":(?:c|row|v)[\s/>]"),
)  # three searches with a literal first byte: 0.1 s for 100,000 rows, one joint one 0.6 s
_WIDE = re.compile(rb'r="([A-Za-z]{2,})[0-9]')
_REFLESS_FAST = re.compile(rb'<c(?:>|/>| (?!r="))')
_SHARED_FAST = re.compile(
    rb'<c r="[A-Za-z]+[0-9]+"(?: s="[0-9]+")? t="s"(?: s="[0-9]+")?><v>([0-9]+)</v>'
)
_SI = re.compile(rb"<" + _P + rb"si[\s>].*?</" + _P + rb"si>", re.S)


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _mb(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def check_unpacked(path: Path, label: str) -> None:
    """Refuse a workbook bomb before any parser sees it; one decompression pass."""
    import zlib

    sheets: dict[str, bytes] = {}
    shared = b""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > MAX_UNPACKED:
                raise InputError(
                    f"{label}: its parts would unpack to {declared / 1e6:,.0f} MB, over the "
                    f"{_mb(MAX_UNPACKED)} bound for a workbook"
                )
            total = 0
            for info in infos:
                name = info.filename
                # Every XML part is looked at, wherever it lies: the workbook's relationships
                # may place a sheet (or the shared strings) outside xl/worksheets/.
                keep = name.lower().endswith(".xml")
                parts = bytearray()
                with zf.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_UNPACKED:
                            raise InputError(
                                f"{label}: it unpacks to more than the {_mb(MAX_UNPACKED)} "
                                "bound for a workbook"
                            )
                        if keep:
                            parts += chunk
                if not keep:
                    continue
                head = bytes(parts[:4096])
                if b"<sst" in head or b":sst" in head:
                    shared += bytes(parts)
                elif b"sheetData" in parts:
                    sheets[name] = bytes(parts)
    # UnicodeDecodeError: a part's name flagged UTF-8 that is not (a tester's look: the export
    # crashed check and run, exit 3, before any parser saw it)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        UnicodeDecodeError,
    ) as exc:
        raise InputError(f"{label}: the workbook is corrupt ({type(exc).__name__})") from exc
    lengths = [len(m) for m in _SI.findall(shared)] if shared else []
    text = 0
    for name, data in sheets.items():
        odd = _check_sheet(name, data, label)
        text += _shared_text(data, lengths, odd=odd)
        if text > MAX_SHARED_TEXT:
            raise InputError(
                f"{label}: its cells repeat shared text to more than {_mb(MAX_SHARED_TEXT)} "
                f"(sheet part {name}), the bound for a workbook"
            )


def _check_sheet(name: str, data: bytes, label: str) -> bool:
    """Rows, the area the references span and the width of rows without references;
    returns whether the sheet needs the general (slower) patterns."""
    odd = any(p.search(data) for p in _ODD)
    rows = len(_ROW.findall(data)) if odd else data.count(b"<row")  # <rowBreaks over-counts
    if rows > MAX_ROWS:
        raise InputError(
            f"{label}: sheet part {name} holds more than {MAX_ROWS:,} rows, the bound for a sheet"
        )
    if odd:
        refs = _REF.findall(data)
        last_row = max((int(r) for _, r in refs), default=rows)
        last_col = max((column_number(c) for c, _ in refs), default=1)
        area = max(last_row, rows) * max(last_col, 1)
    else:  # look for far columns (AA on) and far rows only where they could be
        last_col = max([26, *(column_number(m) for m in _WIDE.findall(data))])
        # Only a row reference of at least this many digits can make the area too large.
        digits = len(str(MAX_CELLS // last_col))
        far = re.findall(rb'r="[A-Za-z]*([0-9]{%d,})"' % digits, data)
        area = max([rows, 1, *(int(m) for m in far)]) * last_col
    if area > MAX_CELLS:
        raise InputError(
            f"{label}: the cell references of sheet part {name} span {area:,} cells, over the "
            f"{MAX_CELLS:,}-cell bound for a sheet"
        )
    # A cell without a reference takes the next column: its row is as wide as it has cells,
    # and the sheet as tall as its farthest row reference says.
    if (_REFLESS if odd else _REFLESS_FAST).search(data):
        widest = max(len(_CELL.findall(row)) for row in _ROW.split(data))
        refs = re.findall(rb"""\br\s*=\s*["'][A-Za-z]*([0-9]{1,12})["']""", data)
        tallest = max([rows, 1, *(int(r) for r in refs)])
        if tallest * widest > MAX_CELLS:
            raise InputError(
                f"{label}: sheet part {name} spans {tallest * widest:,} cells "
                f"({widest:,} in one row), over the {MAX_CELLS:,}-cell bound for a sheet"
            )
    return odd


def _shared_text(data: bytes, lengths: list[int], *, odd: bool) -> int:
    """The characters (at most) that the shared-string cells of one sheet unpack to."""
    if not lengths:
        return 0
    indices = [] if odd else _SHARED_FAST.findall(data)
    if odd or len(indices) != data.count(b't="s"'):  # another attribute order: the general one
        indices = _SHARED_CELL.findall(data)
    if len(indices) * max(lengths) <= MAX_SHARED_TEXT // 4:
        return len(indices) * max(lengths)
    return sum(lengths[int(i)] if int(i) < len(lengths) else 0 for i in indices)
