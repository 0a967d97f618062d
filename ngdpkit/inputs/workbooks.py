"""Reading untrusted spreadsheets (.xlsx, .xlsm, .csv) into text tables.

Every cell becomes text: IDs keep their leading zeros, a numeric cell reads as
its integer digits, surrounding and non-breaking spaces are trimmed, and no
formula is ever evaluated. The header row is found even below title rows, and
headers are matched to fields by normalised aliases (a specific alias beats a
generic one; two equally good columns for one field is refused).

python-calamine reads the workbook; openpyxl (with defusedxml) is the fallback
when calamine cannot. Problems that make a file unusable raise
:class:`~ngdpkit.errors.InputError` with one line naming the file.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import decimal
import gc
import hashlib
import io
import json
import os
import re
import threading
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..redact import UNSEEN_CLASS, shortened, whole_characters
from .workbook_bounds import MAX_ROWS, MAX_UNPACKED, check_unpacked  # noqa: F401  (re-exported)

MAX_BYTES = 200 * 1024 * 1024
HEADER_SCAN_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NON_ALNUM = re.compile(r"[^0-9a-zæøåäöü]+")
# Whitespace at a value's ends: every Unicode space (an ideographic space before "=1+1" kept
# it from being read as a formula), line breaks and the byte order mark
_TRIM = " \t\r\n\u00a0\u1680\u202f\u205f\u3000\ufeff" + "".join(map(chr, range(0x2000, 0x200B)))
# Control characters never survive the edge: a workbook can carry them (``_x001B_``), a
# terminal would obey them, and a workbook writer refuses them. Tabs and line breaks inside a
# value become spaces; ANSI escape sequences go whole.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROLS = {c: None for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]} | {
    0x09: " ",
    0x0A: " ",
    0x0D: " ",
    0x2028: " ",  # Unicode's line and paragraph separators: line breaks too
    0x2029: " ",
}
# Nor does what a reader cannot see (``redact.UNSEEN_RANGES``: zero-width characters, soft
# hyphens, direction marks, tags, fillers, U+FFFC): kept, it made two units that read alike
# two contact points in the plan, a mailbox ID that read as another's, and a secret split in
# a cell that the pages showed whole; taken out, the text is what the reader sees, and the leak
# scan finds the secret. Text is kept in Unicode's composed form (NFC): "å" typed as "a" and a
# combining ring is one unit, not two that look the same.
# Every other kind of space inside a value is a plain one, and a run of spaces one space: an
# attacker's second look made "Borger service" twice, once with a no-break space (pasted from
# a web page) and once with two spaces (which a page shows as one), two contact points in the
# plan that read the same; a hair space (U+200A, a pixel wide) split a password past the scan
_SPACES = "".join(c for c in _TRIM if c not in " \t\r\n\ufeff")
_HAS_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f" + _SPACES + "]|" + UNSEEN_CLASS)
_UNSEEN = re.compile(UNSEEN_CLASS)
_ASCII_CONTROL = re.compile("[\x00-\x1f\x7f]|  ")
_PRINTABLE_ASCII_RUNS = re.compile("[\x20-\x7e]+")
_SPACE_RUNS = re.compile("[ " + _SPACES + "]{2,}|[" + _SPACES + "]")


def _needs_cleaning(joined: str) -> bool:
    """Whether a column's cells, joined, hold anything :func:`clean_text` takes out, joins or
    composes. The unseen characters' class is slow to search (0.15 s over the names of 100,000
    mailboxes), so it searches only what is not printable ASCII (the æ, ø and å)."""
    if "  " in joined:
        return True
    if joined.isascii():
        return _ASCII_CONTROL.search(joined) is not None
    rest = _PRINTABLE_ASCII_RUNS.sub("", joined)
    return _HAS_CONTROL.search(rest) is not None or not unicodedata.is_normalized("NFC", joined)


def clean_text(value: str) -> str:
    """Untrusted cell text as the kit keeps it: no control characters and nothing a reader
    cannot see, composed (NFC), its spaces plain and single, trimmed of every kind of space."""
    if "\x1b" in value:
        value = _ANSI.sub("", value)
    value = value.strip(_TRIM).translate(_CONTROLS)
    if not value.isascii():
        value = unicodedata.normalize("NFC", _UNSEEN.sub("", whole_characters(value)))
    if "  " in value or not value.isascii():
        value = _SPACE_RUNS.sub(" ", value)
    return value.strip(_TRIM)


_WORD = re.compile(r"\w+")
# Cyrillic and Greek letters that read as Latin ones, for a whole word written in them
# ("ІТ-afdeling" beside "IT-afdeling"; Unicode's confusables, the common part)
_LOOKALIKE = frozenset(
    "АВЕКМНОРСТУХаеорсухІіЈјЅѕԁԛԝҮһ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικν"  # Greek
)


def mixed_scripts(text: str) -> tuple[str, ...]:
    """The scripts a name mixes where one reads as another, sorted (``("CYRILLIC",
    "LATIN")``); ``()`` when it does not. A word whose letters are of several scripts
    ("Borgerservicе" with a Cyrillic "е"), or a Latin name with a word written wholly in
    Cyrillic or Greek letters that read as Latin ones, or in full-width letters ("ІТ-afdeling",
    "ＩＴ-afdeling"): such a name reads like another and is not (an attacker's pass: the
    contact point plan proposed "Borgerservice" twice). A word wholly in another script that
    does not read as Latin ("Київ og Ærø") is not counted. Unicode's name of each letter says
    its script well enough for this (``LATIN SMALL LETTER AE``, ``CYRILLIC SMALL LETTER IE``,
    ``FULLWIDTH LATIN …``)."""
    if text.isascii():
        return ()
    mixed: set[str] = set()
    disguised: set[str] = set()
    latin = False
    for word in _WORD.findall(text):
        letters = [c for c in word if c.isalpha()]
        if word.isascii():
            latin = latin or bool(letters)
            continue
        scripts = {unicodedata.name(c, "UNNAMED").split(" ")[0] for c in letters}
        if len(scripts) > 1:
            mixed |= scripts
        elif scripts == {"LATIN"}:
            latin = True
        elif scripts == {"FULLWIDTH"} or (
            scripts <= {"CYRILLIC", "GREEK"} and all(c in _LOOKALIKE for c in letters)
        ):
            disguised |= scripts
    if disguised and latin:
        mixed |= disguised | {"LATIN"}
    return tuple(sorted(mixed))


def normalise_header(text: str) -> str:
    """Case-, space- and punctuation-insensitive form of a header."""
    return _NON_ALNUM.sub("", str(text).lower())


@dataclass(frozen=True)
class Field:
    """A logical column and the headers that name it.

    Attributes:
        specific: headers that can only mean this field.
        generic: looser headers (``Navn``), used only when no specific one is present.
        required: the table is unusable without it.
    """

    name: str
    specific: tuple[str, ...]
    generic: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class SheetMatch:
    """Another sheet of a workbook whose header row also has every required field (the table
    was read from the first such sheet): its name, its header row and its rows below it with
    a required cell filled in."""

    name: str
    header_row: int
    rows: int
    hidden: bool = False  # Excel hides the sheet
    fields: tuple[str, ...] = ()  # the fields its header row has


@dataclass
class Table:
    """Text cells of one sheet below its header row."""

    path: Path
    sheet: str
    header_row: int  # 1-based row number of the header, as Excel shows it
    columns: dict[str, int]  # field -> 0-based column index
    headers: list[str]
    data: dict[str, list[str]]  # field -> its cells, one per kept row (column-major)
    row_numbers: list[int]  # Excel row number of each row
    blank_rows: int
    lost_precision: set[tuple[int, str]] = field(default_factory=set)  # (row number, field)
    formula_no_value: set[tuple[int, str]] = field(default_factory=set)
    # (row number, field) of each text cell exactly EXCEL_CELL_MAX characters long: at
    # Excel's limit, so almost certainly cut (Excel and openpyxl cut a longer text silently)
    at_cell_limit: set[tuple[int, str]] = field(default_factory=set)
    hidden_rows: list[int] = field(default_factory=list)  # kept rows Excel hides
    sheet_chosen: bool = False
    sheet_count: int = 1
    # the other sheets that have the needed headers too, when the sheet was chosen by them
    other_sheets: tuple[SheetMatch, ...] = ()

    @property
    def rows(self) -> list[list[str]]:
        """The matched columns row by row, in field order of ``columns``."""
        return [list(r) for r in zip(*(self.data[n] for n in self.columns), strict=True)]

    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {"row": self.row_numbers, **{n: self.data[n] for n in self.columns}}, dtype=object
        ).astype({"row": "int64"})

    def where(self, row: int) -> str:
        return place(self.sheet, row)


def place(sheet: str, row: Any) -> str:
    """A row of a table as findings name it: ``Ark!12`` in a sheet, ``row 12`` in a CSV."""
    return f"{sheet}!{row}" if sheet else f"row {row}"


def is_owner_file(path: Path) -> bool:
    """``~$mailboxes.xlsx``, the small file Excel keeps beside ``mailboxes.xlsx`` while it is
    open (its user's name; no zip): a consultant who picked it in the file dialog read "not a
    valid .xlsx zip file" and took the export to be broken."""
    if not path.name.startswith("~$"):
        return False
    try:
        return path.stat().st_size < 4096 and not zipfile.is_zipfile(path)
    except OSError:
        return False


def check_size(path: Path, label: str) -> None:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{label}: {size / 1e6:.0f} MB is over the 200 MB limit for an input file")
    if size == 0:
        raise InputError(f"{label}: the file is empty (0 bytes)")


@contextlib.contextmanager
def cycle_collection_paused() -> Any:
    """Reading a sheet makes a list per row and no reference cycles: the cyclic garbage
    collector would walk those lists again and again for nothing (about a quarter of the
    read at 100,000 rows). Paused while a table is read, as it was before if it was off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TableCache:
    """Tables already read in this run, by the exact bytes they were read from.

    ``ngdpkit run`` reads every workbook once before any work (to refuse bad input), and
    its notebooks would read the same files again. The parent collects its tables here
    (``collect=True``) and saves them, after its checks pass, into a private folder next to
    the run folders that it removes when the run ends; the notebooks of that run look there
    first (:meth:`from_environment`). A table is found only under a key made of the file's
    SHA-256 and the way it was read (fields, sheet, column names), so a file changed since
    is read again. The files are plain JSON, checked field by field when read: nothing in
    them is executed.

    A collecting cache also keeps, in this process only, what a reader derives from a table
    (:meth:`derived`): ``check`` reads and parses its inputs side by side first, and its steps
    then take the parsed contact points and mapping file instead of parsing them again.
    """

    ENV = "NGDPKIT_TABLE_CACHE"  # the folder, for the run's kernels (not a secret)
    # 2: other_sheets; 3: whether each is hidden; 4: the fields each has; 5: at_cell_limit
    FORMAT = 5

    def __init__(self, folder: Path | None = None, *, collect: bool = False) -> None:
        self.folder = folder
        self.collect = collect
        self.tables: dict[str, Table] = {}
        self.results: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def from_environment(cls) -> TableCache | None:
        folder = os.environ.get(cls.ENV)
        return cls(Path(folder)) if folder and Path(folder).is_dir() else None

    def key(
        self,
        path: Path,
        fields: Sequence[Field],
        sheet: str | None,
        overrides: dict[str, str] | None,
        hidden: bool = True,
    ) -> str | None:
        """The table's key: the file's bytes and the way it was read. ``hidden``: the table
        holds the rows Excel hides (``Table.hidden_rows``), as the export, the mapping file
        and the contact points are read; a table read without them is another key, so a
        reader that asks for them never takes one read without (a mapping file's filter left
        on would go without a word)."""
        try:
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            return None  # the reader says what is wrong with the file
        spec = [self.FORMAT, digest, [dataclasses.astuple(f) for f in fields], sheet, overrides]
        if not hidden:
            spec.append("hidden rows not read")
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()

    def derived(self, what: tuple[Any, ...], path: Path, fields: Sequence[Field], make: Any) -> Any:
        """``make()``, the result a reader derives from the table of ``path`` read as
        ``fields`` (``what`` names the reader and its other arguments), made once per process
        for the same bytes. A cache that does not collect (a notebook's) keeps nothing."""
        key = self.key(path, fields, None, None) if self.collect else None
        if key is None:
            return make()
        if (key, *what) not in self.results:
            self.results[key, *what] = make()
        return self.results[key, *what]

    def get(self, key: str, path: Path) -> Table | None:
        if key in self.tables:
            return self.tables[key]
        if self.folder is None:
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return _table_from_json(data, path)
        except (OSError, ValueError, TypeError, KeyError):
            return None  # absent or not ours: read the workbook

    def save(self, folder: Path) -> None:
        """Every collected table as ``<key>.json`` in ``folder`` (written whole or not at all)."""
        for key, table in self.tables.items():
            tmp = folder / f".{key}.tmp"
            tmp.write_text(json.dumps(_table_to_json(table), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, folder / f"{key}.json")
        self.folder = folder


def _table_to_json(table: Table) -> dict[str, Any]:
    return {
        "format": TableCache.FORMAT,
        "sheet": table.sheet,
        "header_row": table.header_row,
        "columns": table.columns,
        "headers": table.headers,
        "data": table.data,
        "row_numbers": table.row_numbers,
        "blank_rows": table.blank_rows,
        "lost_precision": sorted(table.lost_precision),
        "formula_no_value": sorted(table.formula_no_value),
        "at_cell_limit": sorted(table.at_cell_limit),
        "hidden_rows": table.hidden_rows,
        "sheet_chosen": table.sheet_chosen,
        "sheet_count": table.sheet_count,
        "other_sheets": [
            [o.name, o.header_row, o.rows, o.hidden, list(o.fields)] for o in table.other_sheets
        ],
    }


def _table_from_json(data: dict[str, Any], path: Path) -> Table | None:
    """A saved table, or None when anything in it is not what :func:`_table_to_json` writes."""

    def texts(value: Any) -> bool:
        return isinstance(value, list) and all(type(v) is str for v in value)

    def ints(value: Any) -> bool:
        return isinstance(value, list) and all(type(v) is int for v in value)

    def cells(value: Any) -> bool:
        return isinstance(value, list) and all(
            isinstance(v, list) and len(v) == 2 and type(v[0]) is int and type(v[1]) is str
            for v in value
        )

    columns, table_data, numbers = data["columns"], data["data"], data["row_numbers"]
    ok = (
        data["format"] == TableCache.FORMAT
        and type(data["sheet"]) is str
        and type(data["header_row"]) is int
        and isinstance(columns, dict)
        and all(type(k) is str and type(v) is int for k, v in columns.items())
        and texts(data["headers"])
        and isinstance(table_data, dict)
        and list(table_data) == list(columns)
        and ints(numbers)
        and all(texts(v) and len(v) == len(numbers) for v in table_data.values())
        and type(data["blank_rows"]) is int
        and cells(data["lost_precision"])
        and cells(data["formula_no_value"])
        and cells(data.get("at_cell_limit"))
        and ints(data.get("hidden_rows"))
        and type(data["sheet_chosen"]) is bool
        and type(data["sheet_count"]) is int
        and isinstance(data["other_sheets"], list)
        and all(
            isinstance(o, list)
            and len(o) == 5
            and type(o[0]) is str
            and type(o[1]) is int
            and type(o[2]) is int
            and type(o[3]) is bool
            and isinstance(o[4], list)
            and all(type(f) is str for f in o[4])
            for o in data["other_sheets"]
        )
    )
    if not ok:
        return None
    return Table(
        path=path,
        sheet=data["sheet"],
        header_row=data["header_row"],
        columns=columns,
        headers=data["headers"],
        data=table_data,
        row_numbers=numbers,
        blank_rows=data["blank_rows"],
        lost_precision={(r, n) for r, n in data["lost_precision"]},
        formula_no_value={(r, n) for r, n in data["formula_no_value"]},
        at_cell_limit={(r, n) for r, n in data["at_cell_limit"]},
        hidden_rows=data["hidden_rows"],
        sheet_chosen=data["sheet_chosen"],
        sheet_count=data["sheet_count"],
        other_sheets=tuple(
            SheetMatch(n, h, r, x, tuple(f)) for n, h, r, x, f in data["other_sheets"]
        ),
    )


def read_table(
    path: Path,
    fields: Sequence[Field],
    *,
    label: str,
    sheet: str | None = None,
    overrides: dict[str, str] | None = None,
    cache: TableCache | None = None,
    hidden: bool = False,
) -> Table:
    """Read the first sheet (or ``sheet``) that has every required field.

    Args:
        path: .xlsx, .xlsm or .csv.
        fields: the columns to find.
        label: how the file is named in messages (relative to the settings file).
        sheet: a sheet name to use instead of searching.
        overrides: field -> exact header text (``[inputs.columns]``).
        cache: tables this run has read already (see :class:`TableCache`).
        hidden: also find the rows Excel hides (``Table.hidden_rows``; the export's reader
            asks, and the parent's reading ahead of it asks as it does).
    """
    key = cache.key(path, fields, sheet, overrides, hidden) if cache is not None else None
    if cache is not None and key is not None:
        found = cache.get(key, path)
        if found is not None:
            return found
    with cycle_collection_paused():
        table = _read_table(
            path, fields, label=label, sheet=sheet, overrides=overrides, hidden=hidden
        )
    if cache is not None and cache.collect and key is not None:
        if (
            cache.key(path, fields, sheet, overrides, hidden) == key
        ):  # not changed while it was read
            cache.tables[key] = table
    return table


def _read_table(
    path: Path,
    fields: Sequence[Field],
    *,
    label: str,
    sheet: str | None,
    overrides: dict[str, str] | None,
    hidden: bool = False,
) -> Table:
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError(
            f"{label}: .xls (Excel 97-2003) is not read; open it in Excel and save it as .xlsx"
        )
    if not path.is_file():
        raise InputError(f"{label}: file not found")
    if is_owner_file(path):
        raise InputError(
            f"{label}: this is the owner file Excel keeps beside a workbook while it is open, "
            f"not the workbook; name {path.name[2:]} instead (saved and closed in Excel)"
        )
    check_size(path, label)
    if suffix == ".csv":
        sheets = {"": _read_csv(path, label)}
        hidden_sheets: set[str] = set()
    elif suffix in (".xlsx", ".xlsm"):
        sheets, hidden_sheets = _read_workbook(path, label, sheet)
    else:
        raise InputError(
            f"{label}: unsupported file type {suffix or '(none)'}; use .xlsx, .xlsm or .csv"
        )

    if sheet is not None and suffix != ".csv":
        if sheet not in sheets:
            raise InputError(f"{label}: no sheet named {sheet!r} (sheets: {', '.join(sheets)})")
        candidates = [sheet]
    else:
        candidates = [n for n in sheets if n not in hidden_sheets]

    seen: list[str] = []
    for name in candidates:
        cells = sheets[name]
        if not any(any(str(c).strip(_TRIM) for c in row) for row in cells):
            seen.append(f"sheet {name!r} is empty" if name else "the file is empty")
            continue
        found = _find_header(cells, fields, overrides or {}, label, name)
        if isinstance(found, str):
            seen.append(found)
            continue
        header_index, columns = found
        table = _build(path, name, cells, header_index, columns, fields)
        table.sheet_chosen = sheet is None and suffix != ".csv"
        table.sheet_count = len(sheets) - len(hidden_sheets)
        if table.sheet_chosen:
            # the hidden sheets too: a hidden full list behind a visible copy of some of its
            # rows was left out without a word (an export consultant's pass: 157 of 200)
            rest = candidates[candidates.index(name) + 1 :]
            rest += [n for n in sheets if n in hidden_sheets]
            table.other_sheets = _other_matches(
                sheets, rest, fields, overrides or {}, label, hidden=hidden_sheets
            )
        if suffix in (".xlsx", ".xlsm"):
            with _one_unpacking():
                # every column read, not only the required ones (a unit or subject formula
                # without its value was read as blank without a word)
                _mark_formulas(table, {f.name for f in fields}, label)
                if hidden:  # the export only: 0.11 s more at 100,000 mailboxes
                    kept = set(table.row_numbers)
                    table.hidden_rows = [n for n in hidden_rows(path, name, label) if n in kept]
        return table
    raise _no_table(sheets, hidden_sheets, seen, fields, overrides or {}, label, suffix)


def _no_table(
    sheets: dict[str, list[list[Any]]],
    hidden_sheets: set[str],
    seen: list[str],
    fields: Sequence[Field],
    overrides: dict[str, str],
    label: str,
    suffix: str,
) -> InputError:
    """The refusal of a file none of whose (visible) sheets has the needed columns: what
    each sheet has, where the header was looked for, and the way out."""
    from ..settings import COLUMN_FIELDS

    wanted = [f for f in fields if f.required]
    required = ", ".join(f.specific[0] for f in wanted)
    # the export's own headers can be named in the settings: say how (a consultant's cold
    # run with a renamed column found the table of headers, and no way out of it)
    hint = (
        f'; if it names them otherwise, give its headers in the settings: [inputs.columns] {wanted[0].name} = "<header>"'
        if wanted and all(f.name in COLUMN_FIELDS for f in wanted)
        else ""
    )
    # where the kit looked: a header below row 30 (a long title block) reads as no header
    scanned = f"the header row is looked for in the first {HEADER_SCAN_ROWS} rows" + (
        " of each sheet" if suffix != ".csv" else ""
    )
    if hidden_sheets:
        hint = _hidden_hint(sheets, hidden_sheets, fields, overrides, label) or hint
    return InputError(
        f"{label}: no sheet has the needed columns ({required}); "
        + "; ".join(seen)
        + f" ({scanned})"
        + hint
    )


def _hidden_hint(
    sheets: dict[str, list[list[Any]]],
    hidden: set[str],
    fields: Sequence[Field],
    overrides: dict[str, str],
    label: str,
) -> str:
    """When no visible sheet has the needed columns: the hidden sheets that have them, as a
    hint ("" when none has). Only visible sheets are read, so an export whose mailboxes were
    on a hidden sheet behind a visible cover sheet was refused naming the cover sheet only,
    and no way to the mailboxes (an export consultant's pass)."""
    found = [m.name for m in _other_matches(sheets, sorted(hidden), fields, overrides, label)]
    if not found:
        return ""
    where = (
        f"; or name it in the settings, under [inputs]: mailboxes_sheet = {found[0]!r}"
        if "mailbox_name" in {f.name for f in fields if f.required}  # the export only
        else ""
    )
    named = ", ".join(repr(n) for n in found)
    return (
        f"; hidden sheet {named} has them: show it in Excel (right-click a sheet tab, Unhide)"
        + where
    )


def _other_matches(
    sheets: dict[str, list[list[Any]]],
    names: list[str],
    fields: Sequence[Field],
    overrides: dict[str, str],
    label: str,
    *,
    hidden: set[str] | frozenset[str] = frozenset(),
) -> tuple[SheetMatch, ...]:
    """The sheets among ``names`` whose header row has every required field too, with their
    rows (a filtered copy placed first was read, and the whole list after it left out without
    a word). Only their first rows are searched for a header; the rows are counted (cells with
    a required field filled in) only for a sheet that has one."""
    found = []
    for name in names:
        cells = sheets[name]
        try:
            match = _find_header(cells[:HEADER_SCAN_ROWS], fields, overrides, label, name)
        except InputError:  # two columns for one field: not a table the kit would read
            continue
        if isinstance(match, str):
            continue
        header_index, columns = match
        idx = [columns[f.name] for f in fields if f.required]
        rows = sum(
            1
            for row in cells[header_index + 1 :]
            if any(i < len(row) and row[i] is not None and str(row[i]).strip(_TRIM) for i in idx)
        )
        found.append(SheetMatch(name, header_index + 1, rows, name in hidden, tuple(columns)))
    return tuple(found)


def _find_header(
    cells: list[list[Any]],
    fields: Sequence[Field],
    overrides: dict[str, str],
    label: str,
    sheet: str,
) -> tuple[int, dict[str, int]] | str:
    best_found: list[str] = []
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        norm = [normalise_header(c) if isinstance(c, str) else "" for c in row]
        columns: dict[str, int] = {}
        for f in fields:
            if f.name in overrides:
                target = normalise_header(overrides[f.name])
                hits = [i for i, h in enumerate(norm) if h == target]
            else:
                hits = []
                for aliases in (f.specific, f.generic):
                    keys = {normalise_header(a) for a in aliases}
                    hits = [i for i, h in enumerate(norm) if h and h in keys]
                    if hits:
                        break
            if len(hits) > 1:
                names = " and ".join(f"{_col(i)} {row[i]!r}" for i in hits)
                where = f"sheet {sheet!r} row {index + 1}" if sheet else f"row {index + 1}"
                raise InputError(
                    f"{label}: {where}: two columns match {f.name}: {names}; "
                    f'rename one or set [inputs.columns] {f.name} = "..."'
                )
            if hits:
                columns[f.name] = hits[0]
        if all(f.name in columns for f in fields if f.required):
            return index, columns
        present = [str(c).strip() for c in row if isinstance(c, str) and c.strip()]
        if len(present) > len(best_found):
            best_found = present
    where = f"sheet {sheet!r}" if sheet else "the file"
    return f"{where} has columns: {', '.join(best_found) or '(none)'}"


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return f"column {name}"


def cell_text(value: Any) -> tuple[str, bool]:
    """A cell as text, and whether it was a number Excel could not hold exactly (over 15 digits)."""
    if value is None:
        return "", False
    if isinstance(value, str):
        return clean_text(value), False
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if isinstance(value, int):
        return str(value), len(str(abs(value)).lstrip("0")) > 15
    if isinstance(value, float):
        if value != value:  # NaN
            return "", False
        if value.is_integer():
            digits = f"{value:.0f}"
            if len(digits.lstrip("-").lstrip("0")) <= 15:
                return digits, False
            # as Excel shows it, 15 significant digits and zeros after: the double's exact
            # value (123456789012344992 for 123456789012345000) is in no cell the customer
            # sees, so a finding naming it could not be found in the export
            return f"{decimal.Decimal(f'{value:.15g}'):f}", True
        return repr(value), False
    if hasattr(value, "isoformat"):
        return value.isoformat(), False
    return clean_text(str(value)), False


EXCEL_CELL_MAX = 32_767  # Excel keeps at most this many characters of text in a cell


def _column_text(
    values: tuple[Any, ...],
    name: str,
    numbers: range,
    lost: set[tuple[int, str]],
    full: set[tuple[int, str]],
) -> list[str]:
    """One column as text; the common all-text column takes the fast path. A text cell of
    exactly Excel's limit goes into ``full`` (its length as written, before it is cleaned)."""
    texts = all(type(v) is str for v in values)
    lengths = map(len, values) if texts else (len(v) for v in values if type(v) is str)
    if max(lengths, default=0) >= EXCEL_CELL_MAX:
        full.update(
            (row, name)
            for row, v in zip(numbers, values, strict=True)
            if type(v) is str and len(v) == EXCEL_CELL_MAX
        )
    if texts:
        if not _needs_cleaning("".join(values)):  # one scan per column, not per cell
            return [v.strip(_TRIM) for v in values]
        return [clean_text(v) for v in values]
    out = []
    for excel_row, v in zip(numbers, values, strict=True):
        text, lost_digits = cell_text(v)
        if lost_digits:
            lost.add((excel_row, name))
        out.append(text)
    return out


def _build(
    path: Path,
    sheet: str,
    cells: list[list[Any]],
    header_index: int,
    columns: dict[str, int],
    fields: Sequence[Field],
) -> Table:
    order = [f.name for f in fields if f.name in columns]
    idx = [columns[n] for n in order]
    width = max(idx) + 1
    body = cells[header_index + 1 :]
    if len({len(row) for row in body} | {width}) > 1 or (body and len(body[0]) < width):
        body = [row if len(row) >= width else list(row) + [""] * (width - len(row)) for row in body]
    numbers = range(header_index + 2, header_index + 2 + len(body))
    lost: set[tuple[int, str]] = set()
    full: set[tuple[int, str]] = set()
    transposed = list(zip(*body, strict=False)) if body else [() for _ in range(width)]
    text_columns = [
        _column_text(tuple(transposed[i]) if body else (), name, numbers, lost, full)
        for name, i in zip(order, idx, strict=True)
    ]
    keep = (
        [j for j, values in enumerate(zip(*text_columns, strict=True)) if any(values)]
        if text_columns
        else []
    )
    if len(keep) == len(numbers):
        kept_columns = text_columns
        kept_numbers = list(numbers)
    else:
        kept_columns = [[col[j] for j in keep] for col in text_columns]
        kept_numbers = [numbers[j] for j in keep]
    lost = {(r, n) for r, n in lost if r in set(kept_numbers)} if lost else lost
    # Trailing blank rows are formatting, not data: count only blanks between data rows.
    blank = (kept_numbers[-1] - header_index - 1 - len(kept_numbers)) if kept_numbers else 0
    return Table(
        path=path,
        sheet=sheet,
        header_row=header_index + 1,
        columns={n: columns[n] for n in order},
        headers=[str(c) for c in cells[header_index]],
        data=dict(zip(order, kept_columns, strict=True)),
        row_numbers=kept_numbers,
        blank_rows=blank,
        lost_precision=lost,
        at_cell_limit=full,
    )


def _read_workbook(
    path: Path, label: str, only: str | None
) -> tuple[dict[str, list[list[Any]]], set[str]]:
    """The sheets (``only`` that one, when it is there), and the names of those Excel hides
    while others show (none, when every sheet is hidden)."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        raise InputError(
            f"{label}: the workbook is password-protected or in the old .xls format; "
            "remove the password or save it as .xlsx"
        )
    if not zipfile.is_zipfile(path):
        raise InputError(f"{label}: not an Excel workbook (not a valid .xlsx zip file)")
    check_unpacked(path, label)
    try:
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_path(str(path))
        visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")]
        hidden = {n for n in book.sheet_names if n not in visible} if visible else set()
        names = book.sheet_names
        if only is not None:
            names = [n for n in book.sheet_names if n == only] or book.sheet_names
            hidden = set()
        sheets = {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in names}
        return sheets, hidden
    except InputError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as calamine_exc:  # calamine's Rust panics are BaseExceptions
        return _read_with_openpyxl(path, label, calamine_exc)


_OPENPYXL = threading.Lock()  # the run reads workbooks side by side (run/preflight.py)


def _read_with_openpyxl(
    path: Path, label: str, first: BaseException
) -> tuple[dict[str, list[list[Any]]], set[str]]:
    try:
        with _OPENPYXL:  # its first import on one thread at a time (run/imports.py says why)
            import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {
                ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                for ws in book.worksheets
            }, set()
        finally:
            book.close()
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"{label}: the workbook cannot be read (corrupt or not .xlsx): {reason}"
        ) from first


_LINE_ENDS = re.compile(b"(\r\n|\r|\n)")


def csv_text(raw: bytes, label: str) -> str:
    """A CSV's bytes as text: UTF-8 (with or without its BOM), else Windows-1252 (what Danish
    Excel's "CSV (semikolonsepareret)" writes), line by line. A file Excel saved in
    Windows-1252 and the kit then appended UTF-8 lines to (a consultant's decisions file)
    reads right in both halves: a line that is UTF-8 is read as UTF-8 (Windows-1252 text with
    æ, ø or å is never valid UTF-8), any other as Windows-1252; read whole as Windows-1252, the
    appended "Ærlig Øjvind" reached the signed page as "Ã†rlig Ã˜jvind"."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    pieces = []
    # each line with its own end: CRLF, LF, or a CR alone (an old Mac's file, which csv reads
    # as a line end too; split at LF only, such a file was decoded whole as Windows-1252)
    for piece in _LINE_ENDS.split(raw.removeprefix(b"\xef\xbb\xbf")):
        try:
            pieces.append(piece.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                pieces.append(piece.decode("cp1252"))
            except UnicodeDecodeError:  # the 5 bytes cp1252 leaves undefined
                raise InputError(
                    f"{label}: the CSV is neither UTF-8 nor Windows-1252 text"
                ) from None
    return "".join(pieces)


def csv_encoding(raw: bytes) -> str:
    """The encoding to add lines to a CSV in: UTF-8 when it begins with the BOM (as the kit
    and Excel's "CSV UTF-8" write it), or when it is UTF-8 with letters beyond ASCII (Notepad
    writes no BOM); else Windows-1252, what Danish Excel's "CSV (semikolonsepareret)" writes,
    also for a file of ASCII only (a consultant's second look: such a file, its header and
    one decision, got UTF-8 lines that Excel showed as "Ã†rlig")."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "cp1252" if raw.isascii() else "utf-8"


def _read_csv(path: Path, label: str) -> list[list[Any]]:
    raw = path.read_bytes()
    # A CR alone ends a line too (old Mac files), and csv reads it so: count the larger.
    if max(raw.count(b"\n"), raw.count(b"\r")) > MAX_ROWS:
        raise InputError(f"{label}: more than {MAX_ROWS:,} lines, the bound for a table")
    text = csv_text(raw, label)
    if "\x00" in text:
        raise InputError(
            f"{label}: not a text CSV file (it holds NUL bytes; is it UTF-16 or a workbook?); "
            'in Excel, use Save As with "CSV UTF-8" or "CSV (semikolonsepareret)"; in '
            "PowerShell, Export-Csv -Encoding UTF8"
        )
    sample = "\n".join(line for line in text.splitlines()[:20] if line.strip())
    delimiter = ";" if sample.count(";") >= sample.count(",") and ";" in sample else ","
    if "\t" in sample and not any(d in sample for d in ";,"):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[Any]] = []
    spanning: list[tuple[int, int, int]] = []  # (record, its first line, its last line)
    last = 0
    try:
        for record in reader:
            if reader.line_num - last > 1:  # a quoted value with line breaks in it
                spanning.append((len(records), last + 1, reader.line_num))
            last = reader.line_num
            records.append(record)
    except csv.Error as exc:  # a field past the csv module's 128 KiB (an attacker's pass: exit 3)
        raise InputError(f"{label}: line {reader.line_num}: not a readable CSV ({exc})") from None
    if spanning:
        _refuse_runaway_quote(records, spanning, text, delimiter, label)
    return records


def _refuse_runaway_quote(
    records: list[list[Any]],
    spanning: list[tuple[int, int, int]],
    text: str,
    delimiter: str,
    label: str,
) -> None:
    """Refuse a CSV where a stray double quote at the start of a value ("Pas og kørekort
    typed with a quote before it) opened a quoted value that runs to the next double quote,
    lines further down: the rows between became part of one name, and their mailboxes were
    gone from the export, the mapping and the outputs with exit 0 (a data specialist's pass:
    10 of 200 mailboxes in one name; with no second quote, every row to the end of the file,
    a name cut at Excel's 32,767 characters in the outputs). A value that Excel quoted for a
    line break of its own (Alt+Enter) is read as before: what gives a runaway value away is
    the rows it took in, whose separators are in it, and what is left of the row it closed in
    standing as extra columns; together they make at least a row's worth of separators (the
    usual row's columns less one). A record of the usual row's columns, the shape of a value
    Excel quoted, is refused only when the value holds a row whole, or is two halves of rows
    (see :func:`_runaway_in_shape`): a note of a comma-separated export ("Flyttes, jf. aftale
    med Jens, Lone og IT,<line break>afventer svar, …") holds the row's worth of separators
    a prose note has, and was refused as a stray quote that is not there (a reviewer's look)."""
    from collections import Counter

    width = Counter(len(r) for r in records if r).most_common(1)[0][0]
    if width < 2:
        return
    for index, first, end in spanning:
        record = records[index]
        inside = sum(v.count(delimiter) for v in record if "\n" in v or "\r" in v)
        if inside + max(0, len(record) - width) < width - 1:
            continue  # a line break of the value's own
        if len(record) == width and not _runaway_in_shape(record, width, delimiter):
            continue  # a value Excel quoted, with its own line breaks and separators
        lines = re.split("\r\n|\r|\n", text, maxsplit=first)
        line = clean_text(lines[first - 1]) if first - 1 < len(lines) else ""
        raise InputError(
            f"{label}: line {first}: a value opens with a double quote and runs over "
            f"{end - first + 1} lines, to line {end}, taking in what read as rows of their own "
            f"({shortened(line, 80)!r}); a double quote at the start of a value opens "
            "a quoted value that only the next double quote closes: remove the stray double "
            "quote (or write it twice), save, and run again"
        )


def _runaway_in_shape(record: list[Any], width: int, delimiter: str) -> bool:
    """Whether a record of the usual row's columns holds rows that a stray double quote took
    in: a line of its multi-line value, after the first, with a row's separators (a row taken
    in whole: what the value ran over), or a value that is the end of one row and the start of
    the next (its first line's separators finish the row it opened in, and its last line's
    start the one it closed in, in the same column)."""
    for column, value in enumerate(record):
        lines = re.split("\r\n|\r|\n", value)
        if len(lines) < 2:
            continue
        counts = [line.count(delimiter) for line in lines]
        if max(counts[1:]) >= width - 1:
            return True
        if counts[0] >= 1 and column + 1 + counts[0] == width and counts[-1] == column:
            return True
    return False


# --- formula cells without a cached value -------------------------------------------------------
# calamine and openpyxl both read such a cell as empty; the sheet XML tells them apart.

_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _may_hold_formula(data: bytes) -> bool:
    """Whether a sheet's bytes may hold a formula element (``<f>``, ``<f t="shared" …/>``,
    ``<x:f>``) or a declaration (``<!``, parsed so that a DTD is refused as it always was).
    One substring search of the whole (a regular expression took 0.12 s over 100,000
    mailboxes' sheet, a search 0.025 s): a DTD stands before the root element, so only the
    bytes before it are searched for one, and prefixed elements (``:f``) are looked for only
    when the root element is prefixed (a file that hides a formula so anyway reads it as a
    blank, which the blank's own finding names)."""
    root = data.find(b"worksheet")
    if root < 1 or b"<!" in data[:root]:
        return True
    return b"<f" in data or (data[root - 1 : root] == b":" and b":f" in data)


def _mark_formulas(table: Table, wanted: set[str], label: str) -> None:
    """Tell a formula without a saved value from a blank, in the ``wanted`` columns. The sheet
    XML is searched only when one of them has a blank cell, and parsed only when its bytes
    hold a formula (optional columns are often blank throughout: the subject column of
    100,000 mailboxes)."""
    blank = [n for n in table.columns if n in wanted and "" in table.data[n]]
    if not blank:
        return
    refs, errors = formula_cells(table.path, table.sheet, label)
    if not refs and not errors:
        return
    frame_rows = {n: i for i, n in enumerate(table.row_numbers)}
    wanted_cols = {_col_letters(table.columns[n]): n for n in blank}

    def place(ref: str) -> tuple[str, int, int] | None:
        m = _CELL_REF.fullmatch(ref)
        name = wanted_cols.get(m.group(1)) if m else None
        at = frame_rows.get(int(m.group(2))) if m else None
        if m and name and at is not None and table.data[name][at] == "":
            return name, at, int(m.group(2))
        return None

    for ref in refs:
        found = place(ref)
        if found:
            table.formula_no_value.add((found[2], found[0]))
    # an error value (#N/A from a VLOOKUP that found nothing) reads as a blank through the
    # cell reader: the cell says what it shows, and a finding names it (a consultant's
    # retest: "#N/A" in the unit read "enheden er tom", in the ID "intet postkasse-ID")
    for ref, shown in errors.items():
        found = place(ref)
        if found:
            table.data[found[0]][found[1]] = shown


def _col_letters(index: int) -> str:
    return _col(index).removeprefix("column ")


# Excel's error values, as a cell of type "e" holds them
EXCEL_ERRORS = frozenset(
    ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)


def formula_cells(path: Path, sheet: str, label: str = "") -> tuple[list[str], dict[str, str]]:
    """The references of formulas that carry no cached value, and of cells that show one of
    Excel's error values with the error (``{"C5": "#N/A"}``), from the sheet XML."""

    def cells(fh: Any, ns: str, parse: Any) -> tuple[list[str], dict[str, str]]:
        data = fh.read()
        if not _may_hold_formula(data):
            return [], {}  # one scan of the bytes, as for hidden rows
        found: list[str] = []
        errors: dict[str, str] = {}
        for _event, elem in parse(io.BytesIO(data), events=("end",)):
            if elem.tag == f"{ns}c":
                has_formula = elem.find(f"{ns}f") is not None
                value = elem.find(f"{ns}v")
                # a formula whose saved result is the empty string (Excel writes t="str" and
                # an empty <v>: =IFERROR(VLOOKUP(…);"")) has its value: a blank, not a formula
                # to save again (a consultant's retest: that advice looped); openpyxl writes an
                # empty <v> without t for a formula it never computed
                saved = value is not None and (
                    bool((value.text or "").strip()) or elem.get("t") == "str"
                )
                if has_formula and not saved:
                    found.append(elem.get("r", ""))
                elif elem.get("t") == "e" and value is not None:
                    shown = (value.text or "").strip().upper()
                    if shown in EXCEL_ERRORS:
                        errors[elem.get("r", "")] = shown
                elem.clear()
        return found, errors

    said: tuple[list[str], dict[str, str]] = _in_sheet(path, sheet, label or path.name, cells) or (
        [],
        {},
    )
    return said


def hidden_rows(path: Path, sheet: str, label: str = "") -> list[int]:
    """The numbers of the sheet's rows Excel hides (a consultant's day one: a hidden test
    mailbox went into the plan's translations without a word). The sheet XML is parsed only
    when its bytes mark a row hidden."""

    def rows(fh: Any, ns: str, parse: Any) -> list[int]:
        data = fh.read()
        if not _may_hide_a_row(data):
            return []  # a scan of the bytes: 0.02 s over 100,000 mailboxes' sheet
        # parsed (and refused with a DTD) whenever the word is there: an attacker's pass hid
        # a row as hidden = "1" and hidden="&#49;", which the bytes did not spell as expected
        found: list[int] = []
        number = 0
        for _event, elem in parse(io.BytesIO(data), events=("end",)):
            if elem.tag == f"{ns}row":
                given = elem.get("r", "")
                number = int(given) if given.isdigit() else number + 1  # a row without r
                if str(elem.get("hidden", "")).strip().lower() in ("1", "true"):
                    found.append(number)
                elem.clear()
        return found

    found: list[int] = _in_sheet(path, sheet, label or path.name, rows) or []
    return found


# An element's name at a "<", with its prefix if it has one ("<row", "<x:row")
_TAG_NAME = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.-]*:)?([A-Za-z_][A-Za-z0-9_.-]*)")


def _may_hide_a_row(data: bytes) -> bool:
    """Whether a sheet's bytes may mark a row hidden: the word "hidden" stands in a row's
    start tag (``<row r="5" hidden="1">``, ``<x:row …>``), or the part declares a DTD
    (parsed, so that it is refused as it always was). A hidden column (``<col hidden="1"
    …/>``: a consultant's helper column, a common sight) holds the word too, and had the
    100,000 rows of a mapping file parsed for nothing, 4 s more to read it (a reviewer's
    look). No attribute value holds a "<", so the tag the word stands in opens at the last
    "<" before it; a word in a cell's text, a column or a comment is no row's."""
    at = data.find(b"hidden")
    if at < 0:
        return False
    root = data.find(b"worksheet")
    if root < 1 or b"<!" in data[:root]:
        return True
    while at >= 0:
        start = data.rfind(b"<", 0, at)
        tag = _TAG_NAME.match(data, start) if start >= 0 else None
        if tag is None or tag.group(1) == b"row":
            return True
        at = data.find(b"hidden", at + len(b"hidden"))
    return False


@dataclass(frozen=True)
class MergedRange:
    """A range of cells Excel merged ("Merge & Center"): only its top-left cell holds a value,
    the others read as blank. Columns are 0-based, rows as Excel numbers them."""

    ref: str  # as the sheet writes it: "C4:C27"
    first_col: int
    first_row: int
    last_col: int
    last_row: int

    def holds(self, col: int, row: int) -> bool:
        return self.first_col <= col <= self.last_col and self.first_row <= row <= self.last_row


def _col_index(letters: str) -> int:
    index = 0
    for c in letters:
        index = index * 26 + ord(c) - 64
    return index - 1


# A merged range as Excel writes it (``<mergeCell ref="C4:C27"/>``), each end within the sheet's
# bounds as Excel has them (XFD1048576): a ref beyond them is no range (an attacker's 200,000
# letters went into a message whole)
_MERGE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s+ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"'
)
MAX_COLUMN, MAX_ROW = 16383, 1048576  # XFD, 0-based; rows as Excel numbers them
MAX_MERGES = 100_000  # read at most: the hint names a few; past it the rest go unnamed


def merged_ranges(path: Path, sheet: str, label: str = "", *, column: int) -> list[MergedRange]:
    """The sheet's merged ranges (``<mergeCell ref="C4:C27"/>``) that cover ``column``
    (0-based), in the sheet's order, at most :data:`MAX_MERGES` of them read. Found in the
    sheet's bytes, never built as a tree: an attacker's 6.5 million merged cells in another
    column took 2.6 GB as elements and records. A merge hidden from this search (written in
    another form than Excel's) only goes unnamed in a hint."""

    def ranges(fh: Any, ns: str, parse: Any) -> list[MergedRange]:
        data = fh.read()
        if b"mergeCell" not in data:
            return []
        found: list[MergedRange] = []
        for n, m in enumerate(_MERGE.finditer(data)):
            if n >= MAX_MERGES:
                break
            c1, r1, c2, r2 = (g.decode("ascii").upper() for g in m.groups())
            cols = sorted((_col_index(c1), _col_index(c2)))
            rows = sorted((int(r1), int(r2)))
            if cols[1] > MAX_COLUMN or rows[1] > MAX_ROW or rows[0] < 1:
                continue
            if cols[0] <= column <= cols[1]:
                ref = f"{c1}{int(r1)}:{c2}{int(r2)}"
                found.append(MergedRange(ref, cols[0], rows[0], cols[1], rows[1]))
        return found

    found: list[MergedRange] = _in_sheet(path, sheet, label or path.name, ranges) or []
    return found


# The sheet XML one table's checks read (its formulas, then its hidden rows), kept between
# them on this thread only while :func:`_read_table` reads that table: unpacked once, not
# twice (0.06 s of 36 MB at 100,000 mailboxes), and let go when the table is read.
_SHEETS = threading.local()


@contextlib.contextmanager
def _one_unpacking() -> Iterator[None]:
    _SHEETS.keeping = True
    try:
        yield
    finally:
        _SHEETS.keeping = False
        _SHEETS.kept = None


# A workbook Excel saved as "Strict Open XML Spreadsheet" names its parts in other namespaces:
# read in the usual ones, its sheet was never found, and its hidden rows, formulas without a
# value and error values went unsaid (an export consultant's pass: 157 rows an autofilter
# hid migrated without a word)
_STRICT = "http://purl.oclc.org/ooxml/"
_STRICT_NAMESPACES = (
    "{" + _STRICT + "spreadsheetml/main}",
    "{" + _STRICT + "officeDocument/relationships}",
)


def _in_sheet(path: Path, sheet: str, label: str, read: Any) -> Any:
    """``read(file, namespace, iterparse)`` on the XML part of the sheet named ``sheet``,
    found as Excel finds it, through the package's relationships (the workbook part need not
    be ``xl/workbook.xml``); None when there is none. XML that declares entities or a DTD is
    refused (InputError), as are parts that cannot be read."""
    import posixpath

    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    pkg_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"

    def part(base: str, target: str) -> str:
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        return posixpath.normpath(joined)

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            main = "xl/workbook.xml"
            if "_rels/.rels" in names:
                for r in SafeET.fromstring(zf.read("_rels/.rels")).iter(f"{pkg_ns}Relationship"):
                    if str(r.get("Type", "")).endswith("/officeDocument"):
                        main = part("", r.get("Target", ""))
            if main not in names:
                return None
            folder, name = posixpath.split(main)
            rels_name = posixpath.join(folder, "_rels", name + ".rels")
            workbook = SafeET.fromstring(zf.read(main))
            if str(workbook.tag).startswith("{" + _STRICT):  # Excel's "Strict Open XML"
                ns, rel_ns = _STRICT_NAMESPACES
            rels = SafeET.fromstring(zf.read(rels_name)) if rels_name in names else []
            targets = {r.get("Id"): r.get("Target") or "" for r in rels}
            member = None
            for s in workbook.iter(f"{ns}sheet"):
                if s.get("name") == sheet:
                    member = part(folder, targets.get(s.get(f"{rel_ns}id"), ""))
            if member is None or member not in names:
                return None
            key = (str(path), sheet, zf.getinfo(member).CRC, zf.getinfo(member).file_size)
            kept = getattr(_SHEETS, "kept", None)
            if kept is not None and kept[0] == key:  # read a moment ago, for the same table
                return read(io.BytesIO(kept[1]), ns, SafeET.iterparse)
            with zf.open(member) as fh:
                data = fh.read()
            if getattr(_SHEETS, "keeping", False):
                _SHEETS.kept = (key, data)
            return read(io.BytesIO(data), ns, SafeET.iterparse)
    except DefusedXmlException as exc:
        raise InputError(
            f"{label}: the workbook's XML declares a DTD or entities ({type(exc).__name__}), "
            "which Excel never writes and the kit does not read; save it again from Excel"
        ) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        # ElementTree's ParseError is a SyntaxError; a zip member's bad CRC a BadZipFile
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(
            f"{label}: the workbook cannot be read (corrupt or not .xlsx): {reason}"
        ) from None
