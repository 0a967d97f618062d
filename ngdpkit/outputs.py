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
import re
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
    """The machine copy of the mapping: register headers in English, one row per mailbox.

    Whole columns at a time (pandas): a text that could start a formula gets its ``'``.
    """
    import pandas as pd

    table = frame.reindex(columns=list(MAPPING_COLUMNS), fill_value="").fillna("").astype(str)
    risky = tuple(_FORMULA_START)
    table = pd.DataFrame(
        {c: table[c].where(~table[c].str.startswith(risky), "'" + table[c]) for c in table}
    )
    table.columns = [cell_text(h) for h in MAPPING_HEADERS]
    text = table.to_csv(sep=";", index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return b"\xef\xbb\xbf" + text.encode("utf-8")


MAPPING_FINDING_PREFIXES = ("MAILBOX_", "CONTACT_POINT", "MAPPING_", "CELL_")


def write_mapping_outputs(run_dir: str, findings: list[dict[str, Any]]) -> dict[str, str]:
    """``mailbox-mapping.csv`` and ``.xlsx`` from step 02's table; returns the CSV's SHA-256.

    Runs in a worker process started as soon as step 02 has finished (the 100,000-row
    workbook is written on the second core while notebooks 03 to 05 execute).
    """
    import hashlib

    from .steps.records import read_step_file

    folder = Path(run_dir)
    frame = read_step_file(folder / "steps" / "02_contact_points.json")["results"]["mapping"]
    data = mapping_csv_bytes(frame)
    atomic_write(folder / "mailbox-mapping.csv", data)
    write_mapping_workbook(folder / "mailbox-mapping.xlsx", frame, findings)
    return {"csv_sha256": hashlib.sha256(data).hexdigest()}


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold them
_FILLS = {"error": "#FDE8E6", "warning": "#FFF4E0", "retired": "#EEEEEE"}


def write_workbook(
    path: Path,
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]], int | None]],
    *,
    highlight: dict[str, Any] | None = None,
) -> Path:
    """Write sheets of (title, headers, rows, status column index or None) as a human workbook.

    Rows whose status column is not in ``highlight``'s ``ok`` values get a fill. Written
    with XlsxWriter row by row (``constant_memory``): every text is a string cell, never a
    formula, a number or a link.
    """
    import xlsxwriter

    ok_values = set((highlight or {}).get("ok", ()))
    colour_of = (highlight or {}).get("colour", {})
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": False,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = wb.add_format({"bold": True})
    # Per fill (None: no fill), the plain text format and the quote-prefixed one.
    formats: dict[str | None, tuple[Any, Any]] = {
        key: (
            wb.add_format({"bg_color": colour} if colour else {}),
            wb.add_format({"quote_prefix": True, **({"bg_color": colour} if colour else {})}),
        )
        for key, colour in [(None, None), *_FILLS.items()]
    }
    for title, headers, rows, status_col in sheets:
        ws = wb.add_worksheet(title[:31])
        materialised = rows if isinstance(rows, list) else list(rows)
        widths = [len(h) + 2 for h in headers]
        for r in materialised[:2000]:
            for i, v in enumerate(r):
                widths[i] = min(60, max(widths[i], len(str(v)) + 2))
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(materialised), len(headers) - 1)
        for c, h in enumerate(headers):
            ws.write_string(0, c, h, bold)
        for n, r in enumerate(materialised, start=1):
            fill: str | None = None
            if status_col is not None and str(r[status_col]) not in ok_values:
                fill = colour_of.get(str(r[status_col]), "error")
                fill = fill if fill in _FILLS else "error"
            plain, quoted = formats[fill]
            # One scan per row for characters a workbook cannot hold (rarely any).
            dirty = bool(_ILLEGAL.search("\n".join(v for v in r if isinstance(v, str))))
            for c, v in enumerate(r):
                if v is None or v == "":
                    if fill is not None:
                        ws.write_blank(n, c, None, plain)
                elif isinstance(v, str):
                    if dirty:
                        v = _ILLEGAL.sub("", v)
                    # Excel's own form of a typed leading ': the value stays as it is, the
                    # cell is marked quote-prefixed, and editing it never makes a formula.
                    ws.write_string(n, c, v, quoted if v.startswith(_FORMULA_START) else plain)
                elif isinstance(v, bool):
                    ws.write_boolean(n, c, v, plain)
                elif isinstance(v, int | float):
                    ws.write_number(n, c, v, plain)
                else:
                    ws.write_string(n, c, str(v), plain)
    wb.close()
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
