"""The run folder's data files (contract §7), written atomically (temp file + rename).

CSV files are for Danish Excel and for machines: ``;``-separated, UTF-8 with
BOM, CRLF. Workbooks are the human copies: frozen header, filters, widths,
problem rows highlighted. A text cell that Excel could read as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``
(OWASP's advice, contract §10): in a CSV as a literal ``'`` (:func:`cell_text`), in a
workbook as Excel stores a typed ``'``: a text cell marked ``quotePrefix``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> Any:
    """A cell value that no spreadsheet will run: text that could start a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, data: Any) -> Path:
    return atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell_text(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else cell_text(v) for v in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def mapping_csv_bytes(frame: Any) -> bytes:
    """The machine copy of the mapping: register headers in English, one row per mailbox."""
    cols = [c for c in MAPPING_COLUMNS]
    for c in cols:
        if c not in frame.columns:
            frame = frame.assign(**{c: ""})
    return csv_bytes(MAPPING_HEADERS, frame[cols].itertuples(index=False, name=None))


def write_workbook(
    path: Path,
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]], int | None]],
    *,
    highlight: dict[str, Any] | None = None,
) -> Path:
    """Write sheets of (title, headers, rows, status column index or None) as a human workbook.

    Rows whose status column is not in ``highlight``'s ``ok`` values get a fill.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fills = {
        "error": PatternFill("solid", fgColor="FDE8E6"),
        "warning": PatternFill("solid", fgColor="FFF4E0"),
        "retired": PatternFill("solid", fgColor="EEEEEE"),
    }
    ok_values = set((highlight or {}).get("ok", ()))
    colour_of = (highlight or {}).get("colour", {})
    for title, headers, rows, status_col in sheets:
        ws = wb.create_sheet(title[:31])
        ws.freeze_panes = "A2"
        widths = [len(h) + 2 for h in headers]
        materialised = [list(r) for r in rows]
        for r in materialised[:2000]:
            for i, v in enumerate(r):
                widths[i] = min(60, max(widths[i], len(str(v)) + 2))
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(materialised) + 1}"
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            head.append(c)
        ws.append(head)
        for r in materialised:
            fill = None
            if status_col is not None and str(r[status_col]) not in ok_values:
                fill = fills.get(colour_of.get(str(r[status_col]), "error"))
            cells = []
            for v in r:
                if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
                    v = ILLEGAL_CHARACTERS_RE.sub("", v)  # a workbook cannot hold them
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # text, never a formula
                    if v.startswith(_FORMULA_START):
                        # Excel's own form of a typed leading ': the value stays as it is, the
                        # cell is marked quote-prefixed, and editing it never makes a formula.
                        cell.quotePrefix = True
                if fill is not None:
                    cell.fill = fill
                cells.append(cell)
            ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write(path, buf.getvalue())


def findings_rows(findings: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [f["severity"], f["code"], f["message"], f.get("source", ""), f.get("location", "")]
        for f in findings
    ]


def write_mapping_workbook(path: Path, frame: Any, findings: list[dict[str, Any]]) -> Path:
    mapping_rows = frame.reindex(columns=list(MAPPING_COLUMNS), fill_value="").itertuples(
        index=False, name=None
    )
    return write_workbook(
        path,
        [
            ("Mailbox mapping", MAPPING_HEADERS, mapping_rows, MAPPING_COLUMNS.index("status")),
            (
                "Findings",
                ("Severity", "Code", "Message", "Source", "Location"),
                findings_rows(findings),
                0,
            ),
        ],
        highlight={
            "ok": {"mapped", "info"},
            "colour": {"retired": "retired", "warning": "warning", "error": "error"},
        },
    )


def write_suggestions(path: Path, suggestions: list[dict[str, Any]]) -> Path:
    headers = [
        "Mailbox ID",
        "Subject ID",
        "NgDP Guid",
        "Reason",
        "Accept",
        "Mailbox name",
        "Responsible unit",
        "Contact point name",
        "Score",
    ]
    rows = [[s.get(h, "") for h in headers] for s in suggestions]
    return write_workbook(path, [("Suggestions", headers, rows, None)])


def write_plan(path: Path, plan: list[dict[str, Any]]) -> Path:
    headers = [
        "Contact point name",
        "Targets",
        "Visible",
        "Mailboxes",
        "Postkasse IDs (translations)",
    ]
    rows = [
        [
            p["name"],
            ", ".join(p["targets"]),
            "ja" if p["visible"] else "nej",
            p["mailboxes"],
            " ".join(p["translations"]),
        ]
        for p in plan
    ]
    return write_workbook(path, [("Contact point plan", headers, rows, None)])


def firewall_csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """The machine copy of the firewall order: stable English column names and words."""
    from .network import FIREWALL_COLUMNS, firewall_csv_rows

    return csv_bytes(list(FIREWALL_COLUMNS), firewall_csv_rows(rows))


def write_firewall_workbook(path: Path, rows: list[dict[str, Any]], language: str) -> Path:
    """The human copy of the firewall order, in the document's language."""
    from .network import firewall_table

    headers, body = firewall_table(rows, language)
    title = "Firewall-regler" if language == "da" else "Firewall rules"
    return write_workbook(path, [(title, headers, body, None)])
