"""The run folder's data files (contract §7), written atomically (temp file + rename).

CSV files are for Danish Excel and for machines: ``;``-separated, UTF-8 with
BOM, CRLF. Workbooks are the human copies: frozen header, filters, widths,
problem rows highlighted. A text cell that Excel could read as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``
(OWASP's advice, contract §10): in a CSV as a literal ``'`` (:func:`cell_text`), in a
workbook as Excel stores a typed ``'``: a text cell marked ``quotePrefix``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..redact import CSV_INNER_FORMULA

if TYPE_CHECKING:
    from .firewall import FirewallRule
    from .workbook_about import WorkbookLabel

MAPPING_HEADERS = (
    "Mailbox ID",
    "Mailbox name",
    "Responsible unit",
    "Case",
    "NgDP Guid",
    "Contact point name",
    "Source",
    "Status",
    "Subject ID",
)
MAPPING_COLUMNS = (
    "mailbox_id",
    "mailbox_name",
    "responsible_unit",
    "case",
    "ngdp_guid",
    "contact_point",
    "source",
    "status",
    "subject_id",
)
# What a spreadsheet may read as the start of a formula (OWASP), with the full-width forms
# that Excel also takes from an East Asian keyboard (＝1+1 is a formula there).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A CSV written with ";" is opened with "," by an English Excel, which then splits
# "x,=cmd|..." at the comma, quoted or not (a quote inside a field is no quote there), and
# runs the part after it. So every field holding either separator is quoted, and a formula
# start right after a separator inside a field gets its "'" too.
_NEEDS_QUOTES = re.compile(r'[;,"\r\n]')
_INNER_FORMULA = CSV_INNER_FORMULA  # one pattern, which the leak scan also writes secrets in
# The same search for a whole column, with Python's ``\s`` spelt out (what str.isspace
# holds): pandas hands a pattern holding ``\s`` to Python's re one cell at a time, this one
# to Arrow's RE2 at once (8 columns of 100,000 cells: 0.5 s less on the mapping's writer).
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_INNER_FORMULA_COLUMN = f"[;,][{_SPACES}\"']*[=+\\-@\uff1d\uff0b\uff0d\uff20]"


def cell_text(value: Any) -> Any:
    """A cell value that no spreadsheet will run: text that could start a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


StatKey = tuple[int, int, int, int, int]  # device, inode, size, mtime and ctime in ns


def stat_key(path: Path) -> StatKey:
    """What changes whenever a file's bytes do: a rewrite (a new inode by rename), an edit in
    place (size, mtime and the ctime, which no user can set back)."""
    st = os.stat(path, follow_symlinks=False)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass(frozen=True, slots=True)
class Written:
    """One file as this process last wrote or read it whole: its SHA-256, and the names of
    the secrets a scan found in those bytes (``None``: not scanned; ``token`` says by which
    scanner)."""

    key: StatKey
    size: int
    sha256: str
    secrets: tuple[str, ...] | None = None
    token: object = None
    # the leak scan's own placeholder (:func:`stub_text`), whose leak it has said already
    placeholder: bool = False
    # bytes that may be a placeholder (:data:`STUB_START`'s words, short): a writer's, which
    # the scan reads to name its secrets
    stub: bool = False


class WriteLedger:
    """What this process has written, so that nothing is read back to be hashed or scanned
    (issue 31). Every :func:`atomic_write` notes its bytes: their SHA-256, and, while a run
    has set a ``scanner``, the secrets found in them, on the writer's own thread. An entry
    counts only while the file's :func:`stat_key` is the one noted: a file changed since in
    any way is hashed and scanned from disk again. Nothing of the bytes is kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Written] = {}
        self._scanner: tuple[object, Callable[[str, bytes], tuple[str, ...]]] | None = None

    def scan_as_written(
        self, token: object, scanner: Callable[[str, bytes], tuple[str, ...]] | None
    ) -> None:
        """From now on, scan what is written with ``scanner(file name, bytes)``, its results
        tagged ``token`` (a run's secrets); ``None`` stops."""
        with self._lock:
            self._scanner = None if scanner is None else (token, scanner)

    def note(
        self,
        path: Path,
        data: bytes,
        key: StatKey | None = None,
        *,
        scanned: tuple[object, tuple[str, ...]] | None = None,
        placeholder: bool = False,
    ) -> Written:
        """``data`` is what ``path`` holds now (just written, or just read whole), its
        ``key`` taken before it was read; ``scanned`` is a scan already made of it (token,
        names), else the run's scanner, if one is set, scans it now; ``placeholder``: the
        leak scan's own placeholder of it."""
        digest = hashlib.sha256(data).hexdigest()
        if scanned is None:
            with self._lock:
                scanner = self._scanner
            if scanner is not None:
                scanned = (scanner[0], tuple(scanner[1](path.name, data)))
        entry = Written(
            key or stat_key(path),
            len(data),
            digest,
            None if scanned is None else scanned[1],
            None if scanned is None else scanned[0],
            placeholder,
            len(data) <= STUB_MOST and data.startswith(STUB_START.split("(", 1)[0].encode()),
        )
        with self._lock:
            self._files[os.path.abspath(path)] = entry
        return entry

    def rescanned(
        self, path: Path, changed: Sequence[bytes]
    ) -> tuple[object, tuple[str, ...]] | None:
        """The scan of a new version of ``path`` whose only new bytes are ``changed`` (parts
        replaced in a ZIP package, the rest copied byte for byte): what the run's scanner
        found in the version noted, with what it finds in ``changed``; None when there is no
        such scan to build on (then the new bytes are scanned whole)."""
        before = self.current(path)
        with self._lock:
            scanner = self._scanner
        if before is None or scanner is None or before.secrets is None:
            return None
        if before.token is not scanner[0]:
            return None
        found = set(before.secrets)
        for part in changed:
            found.update(scanner[1](path.name + ".part.xml", part))
        return scanner[0], tuple(sorted(found))

    def current(self, path: Path) -> Written | None:
        """The entry for ``path`` if the file is still exactly what was noted."""
        with self._lock:
            entry = self._files.get(os.path.abspath(path))
        if entry is None:
            return None
        try:
            return entry if stat_key(path) == entry.key else None
        except OSError:
            return None


LEDGER = WriteLedger()


STUB_MOST = 4096  # the most bytes a placeholder has (its names are bounded)
# how the placeholder of a file that held a secret begins (audit verify recognises it); the
# leak scan (:func:`ngdpkit.run.scan.scrub_folder`) writes it, and so does a writer that hid
# a secret where it had to cut (:func:`write_workbook`)
STUB_START = "This file ({name}) was removed by ngdpkit because it contained a secret"


# A name the placeholder lists: a secret's variable (capitals, digits and _, as the settings
# allow it), and for a value the secrets file shadows, that file's name in parentheses,
# whatever letters it is named with ("Søby Kommune.env", "kunde+test's.env"; a consultant's
# look: such a name made the readers say "not valid JSON" of the placeholder again). No
# control character, and nothing of a path.
STUB_NAME = r"[A-Za-z0-9_]{1,200}(?: \([^\x00-\x1f\x7f/\\]{1,255}\))?"


def stub_text(path: Path, names: list[str]) -> str:
    return (
        STUB_START.format(name=path.name)
        + f" ({', '.join(names)}). Nothing of the secret is kept here. Find and fix what wrote it, then run again.\n"
    )


def atomic_write(
    path: Path,
    data: bytes | str,
    *,
    scanned: tuple[object, tuple[str, ...]] | None = None,
    placeholder: bool = False,
) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename;
    the bytes are noted in :data:`LEDGER` (hashed, and scanned while a run scans as it
    writes; ``scanned``: a scan already made of them, :meth:`WriteLedger.rescanned`;
    ``placeholder``: the leak scan's own placeholder, :func:`stub_text`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.replace(tmp, path)
            key = _fd_key(fh.fileno())  # this inode after the rename, whoever writes next
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    LEDGER.note(path, raw, key, scanned=scanned, placeholder=placeholder)
    return path


def _fd_key(fd: int) -> StatKey:
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def private_new_file(path: Path, data: bytes) -> Path:
    """Create ``path`` with ``data``, readable by its user only (0600), never through a link
    and never over an existing file (``O_EXCL|O_NOFOLLOW``): FileExistsError if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            key = _fd_key(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    LEDGER.note(path, data, key)
    return path


def write_json(path: Path, data: Any) -> Path:
    return atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def csv_cell(value: Any) -> str:
    """A CSV cell's text that no spreadsheet will run, whichever separator it splits on."""
    text = "" if value is None else str(cell_text(value))
    return _INNER_FORMULA.sub(r"\1'\2", text) if ("," in text or ";" in text) else text


def csv_field(value: Any) -> str:
    """One CSV field: formula text neutralised (:func:`csv_cell`), quoted when it holds a
    separator, a quote or a line end (either separator: see :data:`_NEEDS_QUOTES`)."""
    text = csv_cell(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    lines = [";".join(csv_field(h) for h in headers)]
    lines += [";".join(csv_field(v) for v in row) for row in rows]
    return b"\xef\xbb\xbf" + "".join(line + "\r\n" for line in lines).encode("utf-8")


def mapping_csv_table(frame: Any) -> Any:
    """The cells of the mapping's machine copy, as text under the register's headers.

    Whole columns at a time (pandas): a text that could start a formula gets its ``'``.
    """
    import pandas as pd

    table = frame.reindex(columns=list(MAPPING_COLUMNS), fill_value="").fillna("").astype(str)
    risky = tuple(_FORMULA_START)

    def neutral(column: Any) -> Any:
        column = column.where(~column.str.startswith(risky), "'" + column)
        inner = column.str.contains(_INNER_FORMULA_COLUMN, regex=True)
        if inner.any():
            column = column.where(~inner, column.str.replace(_INNER_FORMULA, r"\1'\2", regex=True))
        return column

    table = pd.DataFrame({c: neutral(table[c]) for c in table})
    table.columns = [csv_cell(h) for h in MAPPING_HEADERS]
    return table


def mapping_csv_bytes(frame: Any) -> bytes:
    """The machine copy of the mapping: register headers in English, one row per mailbox."""
    return csv_of(mapping_csv_table(frame))


def csv_of(table: Any) -> bytes:
    """A table of text (formulas already neutralised) as the kit's CSV: UTF-8 with BOM,
    ``;``, CRLF, every field holding a separator, a quote or a line end quoted.

    Whole columns at a time in Arrow, from the columns' own Arrow arrays when pandas holds
    its text in Arrow, and the joined text taken as bytes from Arrow's buffer: 0.08 s for
    100,000 rows of 9 columns, most of it outside the GIL (through Python objects, 0.2 s,
    and 0.55 s the first time in a process; pandas' own writer, which cannot quote a field
    for holding ``,``, took 0.18 s)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    quote, empty = pa.scalar('"', text), pa.scalar("", text)
    header = ";".join(csv_field(h) for h in table.columns)
    if len(table) == 0:
        return b"\xef\xbb\xbf" + (header + "\r\n").encode("utf-8")
    columns = []
    for name in table.columns:
        cells = _arrow_text(table[name].astype(str), text)
        risky = pc.match_substring_regex(cells, _NEEDS_QUOTES.pattern)
        if pc.any(risky).as_py():
            doubled = pc.replace_substring(cells, '"', '""')
            cells = pc.if_else(
                risky, pc.binary_join_element_wise(quote, doubled, quote, empty), cells
            )
        columns.append(cells)
    rows = pc.binary_join_element_wise(*columns, pa.scalar(";", text))
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(rows)], pa.int64()), rows)
    joined = pc.binary_join(whole, pa.scalar("\r\n", text))  # one text: the whole body
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    start, end = offsets[joined.offset : joined.offset + 2].tolist()
    body = memoryview(joined.buffers()[2])[start:end]  # its UTF-8 bytes, never decoded
    return b"".join((b"\xef\xbb\xbf", header.encode("utf-8"), b"\r\n", body, b"\r\n"))


def _arrow_text(column: Any, text: Any) -> Any:
    """A column of texts as an Arrow array of ``text``: its own Arrow array when pandas
    keeps one (no Python object per cell), else converted from its values. A column with a
    missing value goes the second way, which refuses it as it always did."""
    import pyarrow as pa

    try:
        cells = pa.array(column.array, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        cells = None
    if isinstance(cells, pa.ChunkedArray):  # a table read from Parquet: 131,072 rows a chunk
        cells = cells.combine_chunks()
    if (
        cells is None
        or cells.null_count
        or not (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type))
    ):
        return pa.array(column.to_numpy(), text)
    return cells.cast(text)


MAPPING_FINDING_PREFIXES = ("MAILBOX_", "CONTACT_POINT", "MAPPING_", "CELL_", "UNIT_")


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold them
_FILLS = {"error": "#FDE8E6", "warning": "#FFF4E0", "retired": "#EEEEEE"}
_CELL_MAX = 32_767  # Excel's limit for the text of one cell


def _sheet_column(values: Any, hidden: list[str] | None = None) -> tuple[Any, Any]:
    """One column as the workbook will hold it, and which of its rows could start a formula.

    Numbers (and booleans) stay numbers when the whole column is numbers; everything else
    becomes text without the characters XML cannot hold, cut at Excel's cell limit (its
    secrets hidden first; the names of those hidden are added to ``hidden``). An empty text
    is an empty cell.
    """
    import pandas as pd

    col = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    kind = pd.api.types.infer_dtype(col[col != ""], skipna=True)
    if kind == "boolean":
        return col.where(col != "", None), None
    if kind in ("integer", "floating", "mixed-integer-float"):
        return pd.to_numeric(col.where(col != "", None)), None
    text = col.where(col.notna(), "").astype(str)
    if text.str.contains(_ILLEGAL.pattern, regex=True).any():
        text = text.str.replace(_ILLEGAL, "", regex=True)
    if (text.str.len() > _CELL_MAX).any():
        # secrets hidden before the cut (no marker cut in two): a cell of 40,000 characters
        # (a workbook not written by Excel) holding the certificate password at 32,750 left
        # its first 17 characters in mailbox-mapping.xlsx, where the scan looks for the whole
        # A cell that held one is said as the scan says any other file that held a secret
        # (an attacker's look: the cut workbook was safe, yet no SECRET_LEAK named it)
        from ..redact import cut_hidden, hidden_names

        long = text.str.len() > _CELL_MAX
        if hidden is not None:
            hidden += [n for v in text[long] for n in hidden_names(v)]
        text = text.map(lambda v: cut_hidden(v, _CELL_MAX) if len(v) > _CELL_MAX else v)
    risky = text.str.startswith(_FORMULA_START)
    return text.where(text != "", None), risky


def _width(header: str, column: Any) -> int:
    """A column's width: its header or its longest text in the first 2,000 rows, at most 60."""
    longest = column.head(2000).dropna().astype(str).str.len().max()
    return int(min(60, max(len(header), 0 if longest != longest else longest) + 2))


def write_workbook(
    path: Path,
    sheets: list[tuple[str, Sequence[str], Any, int | None]],
    *,
    highlight: dict[str, Any] | None = None,
    page_setup: dict[str, dict[str, Any]] | None = None,
    stamp: Callable[[bytes], bytes] | None = None,
) -> Path:
    """Write sheets of (title, headers, rows or a DataFrame, status column index or None)
    as a human workbook: frozen header, filters, widths, problem rows filled. ``page_setup``
    by sheet (rustpy-xlsxwriter's: a printed page's header and footer); ``stamp`` changes the
    written bytes before they are saved (:func:`.workbook_about.stamp`).

    Rows whose status column is not in ``highlight``'s ``ok`` values get a fill. Every text
    is a string cell, never a formula, a number or a link; a row holding a text that
    Excel could read as a formula is marked quote-prefixed, as Excel marks a typed ``'``.
    Written by rust_xlsxwriter (through rustpy-xlsxwriter), whole columns at a time.
    """
    import rustpy_xlsxwriter as rx

    formats: dict[tuple[str | None, bool], Any] = {}

    def fmt(fill: str | None, quoted: bool) -> Any:
        """One format per (fill, quote prefix), made once."""
        if (fill, quoted) not in formats:
            f = rx.Format()
            if fill is not None:
                f = f.set_background_color(_FILLS[fill])
            formats[fill, quoted] = f.set_quote_prefix() if quoted else f
        return formats[fill, quoted]

    entries: list[tuple[str, Any]] = []
    widths: dict[str, dict[str, float] | list[float]] = {}
    row_formats: dict[str, dict[int, Any]] = {}
    hidden: list[str] = []
    for title, headers, rows, status_col in sheets:
        name = title[:31]
        table, quoted = _sheet_table(headers, rows, hidden)
        fills = _fills(table, status_col, highlight or {})
        row_formats[name] = {
            int(i) + 1: fmt(fills.get(int(i)), bool(quoted[i]))
            for i in sorted(set(fills) | set(quoted.nonzero()[0].tolist()))
        }
        widths[name] = [float(_width(h, table[h])) for h in table.columns]
        entries.append((name, table))
    if hidden:  # a cell over Excel's limit held a secret: the file is what the scan leaves
        return atomic_write(path, stub_text(path, _stub_names(hidden)))
    buf = io.BytesIO()
    rx.write_worksheets(
        entries,
        buf,
        freeze_panes={"general": {"row": 1, "col": 0}},
        bold_headers=True,
        column_widths=widths,
        row_formats=row_formats,
        autofilter={name: True for name, _ in entries},
        # A sheet with a formatted row: shared strings, the sheet built in memory (in its
        # streaming mode rustpy-xlsxwriter 0.8 writes a formatted last row twice, which Excel
        # repairs). A sheet without one streams its texts inline: the to-do's 99,000 rows at
        # 100,000 mailboxes in half the time, under a GIL the writer holds (issue 31).
        dedupe_strings={"general": True} | {n: False for n, f in row_formats.items() if not f},
        page_setup=page_setup,
    )
    data = buf.getvalue()
    return atomic_write(path, stamp(data) if stamp is not None else data)


def _stub_names(names: list[str]) -> list[str]:
    """The secrets' names as the placeholder lists them (:data:`STUB_NAME`: a variable, and
    a secrets file in parentheses); one the marker wrote otherwise is named ``secret``."""
    return list(dict.fromkeys(n if re.fullmatch(STUB_NAME, n) else "secret" for n in names))


def _sheet_table(
    headers: Sequence[str], rows: Any, hidden: list[str] | None = None
) -> tuple[Any, Any]:
    """The sheet's cells as a table (see :func:`_sheet_column`) and, per row, whether it
    holds a text that could start a formula; the names of the secrets hidden in a cell cut
    at Excel's limit are added to ``hidden``."""
    import numpy as np
    import pandas as pd

    if len(set(headers)) != len(headers):
        raise ValueError(f"a sheet's headers must differ: {list(headers)}")
    if isinstance(rows, pd.DataFrame):
        source: list[Any] = [rows.iloc[:, i] for i in range(len(headers))]
    else:
        materialised = rows if isinstance(rows, list) else list(rows)
        source = [[r[i] for r in materialised] for i in range(len(headers))]
    columns: dict[str, Any] = {}
    quoted = np.zeros(len(source[0]) if source else 0, dtype=bool)
    for header, values in zip(headers, source, strict=True):
        col, risky = _sheet_column(values, hidden)
        columns[header] = col.reset_index(drop=True)
        if risky is not None:
            quoted |= risky.to_numpy(dtype=bool)
    return pd.DataFrame(columns), quoted


def _fills(table: Any, status_col: int | None, highlight: dict[str, Any]) -> dict[int, str]:
    """Row index -> fill, for the rows whose status is not one of ``highlight``'s ``ok``."""
    import numpy as np

    if status_col is None or not len(table):
        return {}
    ok_values = set(highlight.get("ok", ()))
    colour_of = highlight.get("colour", {})
    status = table.iloc[:, status_col].fillna("").astype(str)
    out = {}
    for i in np.flatnonzero(~status.isin(ok_values).to_numpy()):
        fill = colour_of.get(status.iat[i], "error")
        out[int(i)] = fill if fill in _FILLS else "error"
    return out


def findings_rows(findings: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [f["severity"], f["code"], f["message"], f.get("source", ""), f.get("location", "")]
        for f in findings
    ]


MAPPING_SHEET = "Mailbox mapping"  # what WorkZone imports: the first sheet, as it is


def write_mapping_workbook(
    path: Path, frame: Any, findings: list[dict[str, Any]], about: WorkbookLabel | None = None
) -> Path:
    """The mapping sheet (WorkZone's register) and the findings; with ``about``, also the
    page headers, the document properties and an About sheet after them, which say whose
    workbook it is, for which environment and run (:mod:`.workbook_about`)."""
    from . import workbook_about

    mapping_rows = frame.reindex(columns=list(MAPPING_COLUMNS), fill_value="")
    sheets: list[tuple[str, Sequence[str], Any, int | None]] = [
        (MAPPING_SHEET, MAPPING_HEADERS, mapping_rows, MAPPING_COLUMNS.index("status")),
        (
            "Findings",
            ("Severity", "Code", "Message", "Source", "Location"),
            findings_rows(findings),
            0,
        ),
    ]
    pages: dict[str, dict[str, Any]] | None = None
    stamp: Callable[[bytes], bytes] | None = None
    if about is not None:
        title = workbook_about.ABOUT_TITLE["en" if about.language == "en" else "da"]
        sheets.append((title, (title,), [], None))  # a placeholder: the stamp writes it
        printed = workbook_about.page_setup(about)
        pages = {MAPPING_SHEET: printed, "Findings": printed}

        def stamp(data: bytes) -> bytes:
            return workbook_about.stamp(data, about, first_sheet=MAPPING_SHEET)

    return write_workbook(
        path,
        sheets,
        highlight={
            "ok": {"mapped", "info"},
            "colour": {"retired": "retired", "warning": "warning", "error": "error"},
        },
        page_setup=pages,
        stamp=stamp,
    )


def stamp_mapping_workbook(path: Path, about: WorkbookLabel) -> Path:
    """The mapping workbook at ``path`` says ``about`` again (the run's readiness is known
    now): its properties and About sheet replaced, its other parts copied as they are, and
    only those two scanned again (scanned whole, the 100,000-mailbox workbook took 1 s of
    the run's outputs: the parts copied were scanned as they were first written)."""
    from . import workbook_about

    data = path.read_bytes()
    if not data.startswith(b"PK"):  # the placeholder its writer left (a secret) stays one
        return path
    data, changed = workbook_about.stamped(data, about, first_sheet=MAPPING_SHEET)
    return atomic_write(path, data, scanned=LEDGER.rescanned(path, changed))


SUGGESTION_KEYS = (
    "Mailbox ID",
    "Subject ID",
    "NgDP Guid",
    "Reason",
    "Accept",
    "Mailbox name",
    "Responsible unit",
    "Contact point name",
    "Score",
)
# The mapping file's own aliases (mapping.MAPPING_FIELDS), so a marked copy reads back as
# ``mapping`` in either language.
SUGGESTION_HEADERS = {
    "da": (
        "Postkasse-ID",
        "Emne-ID",
        "NgDP Guid",
        "Begrundelse",
        "Godkend",
        "Postkassenavn",
        "Ansvarlig enhed",
        "Kontaktpunkt",
        "Lighed",
    ),
    "en": SUGGESTION_KEYS,
}
SUGGESTION_TITLE = {"da": "Forslag", "en": "Suggestions"}
SUGGESTION_REASON = {"da": "foreslået ud fra navnet", "en": "suggested by name"}


def write_suggestions(
    path: Path, suggestions: list[dict[str, Any]], *, language: str = "da"
) -> Path:
    """The suggestions in the mapping-file layout with an Accept column, in the run's
    language: mark one row per mailbox, save it, and name it as ``mapping``."""
    lang = language if language in SUGGESTION_HEADERS else "da"
    rows = [
        [
            SUGGESTION_REASON[lang]
            if k == "Reason" and s.get(k) == "suggested by name"
            else s.get(k, "")
            for k in SUGGESTION_KEYS
        ]
        for s in suggestions
    ]
    return write_workbook(
        path, [(SUGGESTION_TITLE[lang], list(SUGGESTION_HEADERS[lang]), rows, None)]
    )


PLAN_HEADERS = {
    # the contact points reader's own headers (contact_points.CP_FIELDS), so the plan reads
    # back as ``contact_points`` once its first column is filled in (contract §12.7)
    "da": (
        "Kontaktpunkt ID",
        "Kontaktpunkt navn",
        "Borgere",
        "Virksomheder",
        "Myndigheder",
        "Synlig",
        "Aktiv",
        "Modtagersystem",
        "Postkasse IDs",
        "Antal postkasser",
    ),
    "en": (
        "Contact point ID",
        "Contact point name",
        "Citizens",
        "Companies",
        "Authorities",
        "Visible",
        "Active",
        "System ID",
        "Postkasse IDs",
        "Mailboxes",
    ),
}
CELL_ROOM = 32_000  # Excel keeps at most 32,767 characters in a cell


def plan_cells(ids: Sequence[str], room: int = CELL_ROOM) -> list[str]:
    """Postkasse IDs as space-separated cells of at most ``room`` characters, never
    splitting an ID; at least one cell."""
    cells: list[str] = []
    current: list[str] = []
    size = 0
    for i in ids:
        if current and size + 1 + len(i) > room:
            cells.append(" ".join(current))
            current, size = [], 0
        size += len(i) + (1 if current else 0)
        current.append(i)
    cells.append(" ".join(current))
    return cells


PLAN_TITLE = {"da": "Kontaktpunktsplan", "en": "Contact point plan"}
YES_NO = {"da": ("ja", "nej"), "en": ("yes", "no")}


def write_plan(path: Path, plan: Any, *, language: str = "da", system_id: str = "") -> Path:
    """Day one's contact point plan, one row per proposed contact point, in the run's
    language. Its first column (the contact point's ID) is left empty for the portal
    administrator to fill in once the contact point exists in Administrativ Adgang; filled
    in, the workbook is a contact points file the kit reads back (``contact_points``). A
    contact point whose IDs pass one cell's room continues in rows below it that hold its
    name and more IDs only."""
    lang = language if language in PLAN_HEADERS else "da"
    yes, no = YES_NO[lang]
    rows: list[list[Any]] = []
    for p in plan:
        first, *more = plan_cells(p.translations)
        rows.append(
            [
                "",
                p.name,
                yes if "CITIZEN" in p.targets else no,
                yes if "COMPANY" in p.targets else no,
                yes if "AUTHORITY" in p.targets else no,
                yes if p.visible else no,
                yes,
                system_id,
                first,
                p.mailboxes,
            ]
        )
        # IDs past one cell's room go on in rows below with the same name and nothing else:
        # the reader adds them to the contact point above (fill in its ID once)
        rows += [["", p.name, "", "", "", "", "", "", cell, ""] for cell in more]
    return write_workbook(path, [(PLAN_TITLE[lang], list(PLAN_HEADERS[lang]), rows, None)])


def firewall_csv_bytes(rows: Iterable[FirewallRule]) -> bytes:
    """The machine copy of the firewall order: stable English column names and words."""
    from .firewall import FIREWALL_COLUMNS, firewall_csv_rows

    return csv_bytes(list(FIREWALL_COLUMNS), firewall_csv_rows(rows))


def write_firewall_workbook(path: Path, rows: Iterable[FirewallRule], language: str) -> Path:
    """The human copy of the firewall order, in the document's language."""
    from .firewall import firewall_table

    headers, body = firewall_table(rows, language)
    title = "Firewall-regler" if language == "da" else "Firewall rules"
    return write_workbook(path, [(title, headers, body, None)])


TODO_WORDS = {
    "da": {
        "add": "tilføj",
        "remove": "fjern",
        # offline: an action to take, not a status (a customer's read: "ikke verificeret"
        # told the portal administrator neither to add nor to remove)
        "not_verified": "tilføj, hvis den mangler",
        # offline: a translation of the contact points file this run does not map there
        "remove_if_present": "fjern, hvis den står der",
        "missing": "mangler i NgDP",
        "elsewhere": "står på et andet kontaktpunkt i NgDP",
        "mapped_elsewhere": "tilknyttet et andet kontaktpunkt her",
        "retired": "udgår",
        "not_in_export": "postkassen er ikke i eksporten",
        "offline": "NgDP ikke læst (offline)",
        "headers": (
            "Kontaktpunkt",
            "Kontaktpunkt GUID",
            "Handling",
            "Postkasse-ID",
            "Emne",
            "Postkassenavn",
            "Hvorfor",
        ),
        "title": "Til portalen",
    },
    "en": {
        "add": "add",
        "remove": "remove",
        "not_verified": "add if missing",
        "remove_if_present": "remove if present",
        "missing": "missing in NgDP",
        "elsewhere": "on another contact point in NgDP",
        "mapped_elsewhere": "mapped to another contact point here",
        "retired": "retired",
        "not_in_export": "the mailbox is not in the export",
        "offline": "NgDP not read (offline)",
        "headers": (
            "Contact point",
            "Contact point GUID",
            "Action",
            "Postkasse ID",
            "Subject",
            "Mailbox name",
            "Why",
        ),
        "title": "For the portal",
    },
}


def portal_todo_columns(todo: Any, language: str) -> dict[str, list[str]]:
    """The workbook's columns (its headers in ``language``): one row per translation to add
    or remove (offline: every planned one, not verified, and each of the contact points
    file's that this run does not map there, to remove if present). ``todo``: a PortalTodo, its
    stored form, or a step file's JSON of either; made column by column from the stored
    runs, without one record per translation."""
    from ..checks.ngdp_compare import COLUMNS, compact_todo

    words = TODO_WORDS["da" if language == "da" else "en"]
    compact = compact_todo(todo)
    columns = compact.columns() if compact is not None else {}
    out: dict[str, list[str]] = {}
    for header, key in zip(words["headers"], COLUMNS, strict=True):
        values = columns.get(key, [])
        if key in ("action", "reason"):
            values = [str(words.get(v, v)) for v in values]
        out[str(header)] = values
    return out


def portal_todo_rows(todo: Any, language: str) -> list[list[str]]:
    """One row per translation to add or remove (offline: every planned one, not verified)."""
    return [list(row) for row in zip(*portal_todo_columns(todo, language).values(), strict=True)]


def write_portal_todo(path: Path, todo: Any, language: str) -> Path:
    """``portal-todo.xlsx``: the portal administrator's delta, per contact point."""
    import pandas as pd

    words = TODO_WORDS["da" if language == "da" else "en"]
    columns = portal_todo_columns(todo, language)
    table = pd.DataFrame({h: pd.Series(v, dtype=object) for h, v in columns.items()})
    return write_workbook(path, [(str(words["title"]), list(columns), table, None)])
