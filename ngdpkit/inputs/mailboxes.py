"""The e-Boks mailbox export (contract §4): read it, keep IDs as text, report bad rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import findings as F
from ..findings import Finding
from ..redact import shortened
from .personal import export_cpr_findings
from .workbooks import Field, TableCache, merged_ranges, mixed_scripts, read_table

MAILBOX_ID = Field(
    "mailbox_id",
    (
        "Mailbox ID",
        "Postkasse ID",
        "Postkasse-ID",
        "PostkasseId",
        "Postkasse nr",
        "Postkassenummer",
    ),
    required=True,
)
SUBJECT_ID = Field(
    "subject_id", ("Subject ID", "Emne ID", "Emne-ID", "PostkasseEmneId", "Postkasse emne ID")
)
NGDP_GUID = Field(
    "ngdp_guid",
    (
        "NgDP Guid",
        "Contact point GUID",
        "Kontaktpunkt GUID",
        "ContactPointGuid",
        "NgDP GUID kontaktpunkt",
    ),
)
EXPORT_FIELDS = (
    MAILBOX_ID,
    Field(
        "mailbox_name",
        ("Mailbox name", "Postkassenavn", "Postkasse navn", "Mailboxname"),
        ("Navn", "Name"),
        True,
    ),
    Field("responsible_unit", ("Responsible unit", "Ansvarlig enhed"), ("Enhed", "Unit")),
    Field("case", ("Case", "Sagsnummer", "Sags nr", "Sag")),
    SUBJECT_ID,
    NGDP_GUID,
)
COLUMNS = (
    "row",
    "mailbox_id",
    "mailbox_name",
    "responsible_unit",
    "case",
    "subject_id",
    "ngdp_guid",
)


@dataclass
class MailboxExport:
    """The mailboxes of an export, one row per mailbox (and subject), IDs as text.

    ``frame`` has the columns of :data:`COLUMNS`; ``row`` is the Excel row number.
    """

    frame: Any
    source: str
    sheet: str
    blank_rows: int
    guid_column_used: bool
    findings: list[Finding] = field(default_factory=list)
    language: str = "da"  # what a notebook shows it in (set by the step)
    # the rows whose Mailbox ID is an error of its own (MAILBOX_ID_INVALID, error): the
    # mapping names them no second time (MAILBOX_UNMAPPED), see :func:`id_error_rows`
    id_errors: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        # A notebook keeps text/plain beside the HTML: a summary, never the whole export.
        return f"<MailboxExport: {len(self.frame):,} mailboxes from {self.source}>"


def rows_fingerprint(frame: Any) -> str | None:
    """A SHA-256 of an export's mailbox rows (:data:`COLUMNS`, the Excel row numbers with
    them, in order), as :func:`read_mailbox_export` returns them: the same for a workbook
    saved again without a cell changed (its bytes differ), another for a row removed, added,
    moved or changed. None for a frame without those columns. About 0.3 s at 100,000 rows."""
    import hashlib

    import pandas as pd

    if frame is None or any(name not in frame.columns for name in COLUMNS):
        return None
    rows = frame[list(COLUMNS)].astype(str).reset_index(drop=True)
    digest = hashlib.sha256(str(len(rows)).encode())
    digest.update(pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def rows_in_any_order(frame: Any, id_errors: Iterable[object] = ()) -> str | None:
    """A SHA-256 of an export's mailbox rows in any order (:data:`COLUMNS` but the Excel row
    number, each row with whether its Mailbox ID is an error: its row number among
    ``id_errors``): the same for the export sorted again in Excel (every row still there, in
    another order), another for a row removed, added or changed. None for a frame without
    those columns."""
    import hashlib

    import numpy as np
    import pandas as pd

    if frame is None or any(name not in frame.columns for name in COLUMNS):
        return None
    rows = frame[list(COLUMNS[1:])].astype(str).reset_index(drop=True)
    errors = {str(row) for row in id_errors}
    rows["id_error"] = frame["row"].astype(str).isin(errors).to_numpy()
    each = np.sort(pd.util.hash_pandas_object(rows, index=False).to_numpy())
    digest = hashlib.sha256(str(len(rows)).encode())
    digest.update(each.tobytes())
    return digest.hexdigest()


def read_mailbox_export(
    path: Path,
    *,
    label: str,
    sheet: str | None = None,
    columns: dict[str, str] | None = None,
    use_guid_column: bool = False,
    cache: TableCache | None = None,
) -> MailboxExport:
    """Read and validate an e-Boks mailbox export.

    Args:
        path: .xlsx, .xlsm or .csv.
        label: the file as shown to people (relative to the settings file).
        sheet: ``inputs.mailboxes_sheet``.
        columns: ``[inputs.columns]`` header overrides.
        use_guid_column: this environment is the one whose GUIDs the export's NgDP Guid column holds.
        cache: tables this run has read already.

    Raises:
        InputError: the file cannot be used at all (exit 2).
    """

    table = read_table(
        path,
        EXPORT_FIELDS,
        label=label,
        sheet=sheet,
        overrides=columns,
        cache=cache,
        hidden=True,
    )
    df = table.frame()
    for name in COLUMNS[1:]:
        if name not in df.columns:
            df[name] = ""
    df = df[list(COLUMNS)]
    df[list(COLUMNS[1:])] = df[list(COLUMNS[1:])].astype(str)
    for name in ("mailbox_id", "subject_id"):
        df[name] = text_marked_ids(df[name])
    has_guid_col = "ngdp_guid" in table.columns
    df, skipped = not_mailboxes(table, df, label)
    found = _sheet_findings(table, df, label, use_guid_column=use_guid_column)
    found += skipped
    if not use_guid_column:
        df["ngdp_guid"] = ""
    found += formula_findings(
        table, label, use_guid_column=use_guid_column, rows=set(df["row"].tolist())
    )
    found += _error_value_findings(table, df, label)
    found += _id_findings(table, df, label)
    found += _duplicate_findings(table, df, label)
    found += _name_findings(table, df, label)
    found += _unit_blank_findings(table, df, label)
    found += _unit_findings(table, df, label)
    found += export_cpr_findings(table, df, label)
    found += open_in_excel(path, label)
    df = df.reset_index(drop=True)
    df["row"] = df["row"].astype("int64")
    return MailboxExport(
        frame=df,
        source=label,
        sheet=table.sheet,
        blank_rows=table.blank_rows,
        guid_column_used=use_guid_column and has_guid_col,
        findings=found,
        id_errors=id_error_rows(table, df),
    )


def open_in_excel(path: Path, label: str) -> list[Finding]:
    """``INPUT_OPEN_IN_EXCEL``: Excel's owner file ``~$<name>`` lies beside the file read, so
    the workbook is open in Excel (or Excel stopped without removing it), and what is typed
    there and not yet saved is not what the kit read: a consultant's Windows pass signed
    pages made from the mapping as last saved, not as shown on screen."""
    owner = path.with_name("~$" + path.name)
    try:
        there = owner.is_file()
    except OSError:  # a name too long for the disk
        there = False
    if not there:
        return []
    return [
        F.warning(
            "INPUT_OPEN_IN_EXCEL",
            "{file} is open in Excel ({owner} lies beside it): what is typed there and not saved is not read; save it in Excel (Ctrl+S) and close it, then check again (if Excel is not open, delete {owner}).",
            label,
            file=label,
            owner=owner.name,
        )
    ]


# A total row's label, as a hand-made sheet or a report tool writes it under the rows ("I
# alt", "Total: 200 postkasser", "Antal i alt 200", and as Danish puts what was counted
# first, "Postkasser i alt: 200", "Antal postkasser i alt (200)"): the label alone, with a
# count and a word for what was counted at most (a mailbox named "Total omsorg" is no total
# row)
TOTAL_LABEL = re.compile(
    r"(?:i ?alt|sub ?total|grand ?total|totalt?|sum|antal(?: i ?alt)?|samlet(?: antal)?"
    r"|(?:antal )?(?:postkass[a-zæøå]*|mailbox(?:es)?|rækker) i ?alt)"
    r"(?: *[:=])?(?: *[(]?[0-9][0-9 .,]*[)]?)?"
    r"(?: *(?:postkass[a-zæøå]*|mailbox(?:es)?|rækker|rows?|stk[.]?))?",
    re.IGNORECASE,
)


def not_mailboxes(
    table: Any, df: Any, label: str, *, beside: str = "mailbox_name"
) -> tuple[Any, list[Finding]]:
    """The export without the rows that are no mailboxes, and ``MAILBOX_ROWS_NOT_MAILBOXES``
    (info) naming them: a row that repeats the header row (two exports pasted into one, or a
    report that repeats its header on each page) and a total row ("I alt" under the IDs, or
    beside a blank ID under the names). Read as mailboxes, each was a MAILBOX_ID_INVALID and
    a MAILBOX_UNMAPPED error, and a mailbox named "Postkassenavn" in mailbox-mapping.xlsx (a
    data specialist's pass). ``beside``: the column that, with the ID's, tells a repeated
    header row, and holds a total's label beside a blank ID (the mapping file's NgDP Guid).
    Only rows whose ID is not digits are looked at."""
    from .workbooks import normalise_header

    ids = df["mailbox_id"]
    odd = ~ids.str.isdigit()  # blank, letters or a label: most exports have none
    if not odd.any():
        return df, []
    some = df[odd]
    heads = {n: normalise_header(table.headers[i]) for n, i in table.columns.items()}
    header = (some["mailbox_id"].map(normalise_header) == heads["mailbox_id"]) & (
        some[beside].map(normalise_header) == heads[beside]
    )
    total = ~header & (
        some["mailbox_id"].str.fullmatch(TOTAL_LABEL.pattern, case=False)
        | ((some["mailbox_id"] == "") & some[beside].str.fullmatch(TOTAL_LABEL.pattern, case=False))
    )
    found: list[Finding] = []
    if header.any():
        rows = some.loc[header, "row"].tolist()
        found.append(
            F.info(
                "MAILBOX_ROWS_NOT_MAILBOXES",
                "Row {value} repeats the header row and is not read as a mailbox."
                if len(rows) == 1
                else "{count} rows repeat the header row (rows {value}) and are not read as mailboxes.",
                label,
                table.where(rows[0]),
                count=len(rows),
                value=F.first_of(rows),
            )
        )
    if total.any():
        rows = some.loc[total, "row"].tolist()
        said = [
            i or n
            for i, n in zip(some.loc[total, "mailbox_id"], some.loc[total, beside], strict=True)
        ]
        found.append(
            F.info(
                "MAILBOX_ROWS_NOT_MAILBOXES",
                "Row {value} is a total row ({values}) and is not read as a mailbox."
                if len(rows) == 1
                else "{count} rows are total rows (rows {value}: {values}) and are not read as mailboxes.",
                label,
                table.where(rows[0]),
                count=len(rows),
                value=F.first_of(rows),
                values=F.first_of(repr(t) for t in said),
            )
        )
    notes, noted = _notes_under_totals(table, df, some, total, label)
    found += noted
    if not found:
        return df, found
    return df.drop(index=some.index[(header | total | notes).to_numpy()]), found


def _notes_under_totals(
    table: Any, df: Any, some: Any, total: Any, label: str
) -> tuple[Any, list[Finding]]:
    """Of ``some`` (the rows whose ID is not digits), the notes under the last total row
    ("Udskrevet 03-12-2026 af jh", "Kilde: e-Boks"): read as mailboxes, each was a
    MAILBOX_ID_INVALID and a MAILBOX_UNMAPPED error (a data specialist's pass). Only when
    every row under that total is one, so that no mailbox is ever taken for a note: its ID is
    not digits and at most one of its cells holds anything. A mailbox under the total (a
    subtotal, and the list going on under it), or a row of a mailbox with a bad ID, keeps
    every row under it what it was. The mask over ``some``, and the info naming them."""
    import pandas as pd

    notes = pd.Series(False, index=some.index)
    if not total.any():
        return notes, []
    last = some.loc[total, "row"].max()
    under = df[df["row"] > last]
    if not len(under) or not under.index.isin(some.index).all():
        return notes, []  # a digit ID under the total: a mailbox
    cells = under.drop(columns="row").astype(str).apply(lambda c: c.str.strip())
    if ((cells != "").sum(axis=1) > 1).any():
        return notes, []
    notes[under.index] = True
    rows = under["row"].tolist()
    return notes, [
        F.info(
            "MAILBOX_ROWS_NOT_MAILBOXES",
            "Row {value} under the total row is a note ({values}) and is not read as a mailbox."
            if len(rows) == 1
            else "{count} rows under the total row are notes (rows {value}: {values}) and are not read as mailboxes.",
            label,
            table.where(rows[0]),
            count=len(rows),
            value=F.first_of(rows),
            values=F.first_of(
                repr(shortened(" ".join(t for t in row if t), 60))
                for row in cells.itertuples(index=False)
            ),
        )
    ]


def _sheet_findings(table: Any, df: Any, label: str, *, use_guid_column: bool) -> list[Finding]:
    """Which sheet was read, blank rows skipped, an NgDP Guid column that is not this
    environment's."""
    found: list[Finding] = F.Bounded()
    if table.sheet_chosen:
        found.append(
            F.info(
                "MAILBOX_SHEET_USED",
                # the hidden sheets are not counted: said so where there are some (a Danish
                # proofreader's look: "of 1 sheet" beside MAILBOX_SHEET_HIDDEN naming two)
                "Read sheet {sheet!r} (header in row {header_row}) of {sheet_count} visible sheet(s)."
                if any(o.hidden for o in table.other_sheets)
                else "Read sheet {sheet!r} (header in row {header_row}) of {sheet_count} sheet(s).",
                label,
                table.sheet,
                sheet=table.sheet,
                header_row=table.header_row,
                sheet_count=table.sheet_count,
            )
        )
    if table.blank_rows:
        found.append(
            F.info(
                "MAILBOX_ROWS_BLANK",
                "Skipped {blank_rows} blank row(s) between the mailboxes.",
                label,
                table.sheet,
                blank_rows=table.blank_rows,
            )
        )
    found += _several_sheets(table, label)
    found += _hidden_sheets(table, label)
    found += _missing_columns(table, df, label)
    if table.hidden_rows:  # migrated like any other row, unseen in Excel
        hidden = df[df["row"].isin(table.hidden_rows)]
        rows = hidden["row"].tolist()
        found.append(
            F.warning(
                "MAILBOX_ROWS_HIDDEN",
                "Row {value} is hidden in Excel and read like the others, and its mailbox ({ids}) migrates with it: show the row in Excel if it is meant to migrate, or remove it from the export if not."
                if len(rows) == 1
                else "{count} row(s) hidden in Excel (rows {value}) are read like the others, and their mailboxes ({ids}) migrate with them: show the rows in Excel if they are meant to migrate, or remove them from the export if not.",
                label,
                table.where(rows[0]),
                count=len(rows),
                value=F.first_of(rows),
                ids=F.first_of(hidden["mailbox_id"].tolist()),
            )
        )
    if "ngdp_guid" in table.columns and not use_guid_column and (df["ngdp_guid"] != "").any():
        found.append(
            F.info(
                "MAILBOX_GUID_COLUMN_IGNORED",
                "The export's NgDP Guid column is ignored for this environment (set inputs.mailboxes_environment to the environment whose GUIDs it holds).",
                label,
                table.sheet,
            )
        )
    return found


def _several_sheets(table: Any, label: str) -> list[Finding]:
    """``MAILBOX_SHEETS_SEVERAL``: other sheets have the mailbox columns too, and only the
    first was read (a consultant's pass: a filtered copy of 43 rows placed first, and the
    157 other mailboxes of the full list after it left out with exit 0)."""
    others = [o for o in table.other_sheets if not o.hidden]  # hidden: MAILBOX_SHEET_HIDDEN
    if not others:
        return []
    # a sheet left out that holds more mailboxes than the one read is most likely the whole
    # list behind a filtered copy: an error, so that no run migrates the copy unremarked (a
    # consultant's retest: 157 of 200 mailboxes left out read "advarsler", exit 0)
    larger = any(o.rows > len(table.row_numbers) for o in others)
    return [
        (F.error if larger else F.warning)(
            "MAILBOX_SHEETS_SEVERAL",
            'Sheet {sheet!r} was read ({count} row(s)), but sheet {other!r} ({other_count} row(s)) also has the mailbox columns and was not read: keep one sheet with the mailboxes in the export and remove the other, or name the sheet to read in the settings, under [inputs]: mailboxes_sheet = "<sheet>".'
            if len(others) == 1
            else 'Sheet {sheet!r} was read ({count} row(s)), but {n} other sheets ({others}; their rows in brackets) also have the mailbox columns and were not read: keep one sheet with the mailboxes in the export and remove the others, or name the sheet to read in the settings, under [inputs]: mailboxes_sheet = "<sheet>".',
            label,
            table.sheet,
            **_left_out(table, others),
        )
    ]


def _left_out(table: Any, others: list[Any]) -> dict[str, Any]:
    """What MAILBOX_SHEETS_SEVERAL and MAILBOX_SHEET_HIDDEN name: the sheet read and its
    rows, and the sheets left out (the first, their count, each with its rows)."""
    return {
        "sheet": table.sheet,
        "count": len(table.row_numbers),
        "other": others[0].name,
        "other_count": others[0].rows,
        "n": len(others),
        "others": F.first_of(f"{o.name!r} ({o.rows})" for o in others),
    }


def _hidden_sheets(table: Any, label: str) -> list[Finding]:
    """``MAILBOX_SHEET_HIDDEN``: a sheet Excel hides has the mailbox columns too, and was not
    read (an export consultant's pass: the whole list of 200 on a hidden sheet, a visible copy
    of 43 of its rows read, "of 1 sheet", exit 0). An error when it holds more rows than the
    sheet read, else a warning (an old copy hidden away)."""
    hidden = [o for o in table.other_sheets if o.hidden]
    if not hidden:
        return []
    larger = any(
        o.rows > len(table.row_numbers) and not _lookup_table(o, table.columns) for o in hidden
    )
    return [
        (F.error if larger else F.warning)(
            "MAILBOX_SHEET_HIDDEN",
            'Sheet {sheet!r} was read ({count} row(s)), but the hidden sheet {other!r} ({other_count} row(s)) also has the mailbox columns and was not read: show it in Excel (right-click a sheet tab, Unhide), keep one sheet with the mailboxes in the export and remove the other, or name the sheet to read in the settings, under [inputs]: mailboxes_sheet = "<sheet>".'
            if len(hidden) == 1
            else 'Sheet {sheet!r} was read ({count} row(s)), but {n} hidden sheets ({others}; their rows in brackets) also have the mailbox columns and were not read: show them in Excel (right-click a sheet tab, Unhide), keep one sheet with the mailboxes in the export and remove the others, or name the sheet to read in the settings, under [inputs]: mailboxes_sheet = "<sheet>".',
            label,
            table.sheet,
            **_left_out(table, hidden),
        )
    ]


# The columns that make a sheet an export of mailboxes and their placing, not a list of names
_PLACING = frozenset({"responsible_unit", "subject_id", "case", "ngdp_guid"})


def _lookup_table(other: Any, read: Any) -> bool:
    """Whether a hidden sheet is a lookup table (a reviewer's look: a hidden list of every
    mailbox ID and name, kept for a VLOOKUP, made a sound export an error, exit 1, where it
    was read without a word before hidden sheets were looked at): it has none of the
    columns that place a mailbox, while the sheet read has some. A warning then, not an
    error."""
    return not (_PLACING & set(other.fields)) and bool(_PLACING & set(read))


def _missing_columns(table: Any, df: Any, label: str) -> list[Finding]:
    """``MAILBOX_COLUMN_MISSING``: an export without a unit column (every mailbox then stands
    under "(ingen enhed)", and the contact point plan proposes one contact point for all), or
    without a subject column while mailbox IDs repeat (each repeat is then a duplicate). A
    consultant's export headed "Afdeling" or "Emnenr" was read so without a word."""
    found: list[Finding] = []
    headers = [h for h in table.headers if str(h).strip()]
    wanted = [("responsible_unit", True)]
    ids = df.loc[df["mailbox_id"] != "", "mailbox_id"]
    wanted.append(("subject_id", bool(ids.duplicated().any())))
    fields = {f.name: f for f in EXPORT_FIELDS}
    for name, matters in wanted:
        if name in table.columns or not matters:
            continue
        known = (*fields[name].specific, *fields[name].generic)
        # no unit is a warning (a consultant's day one: an info last among 14 findings, and
        # the plan proposed one contact point for all 339 mailboxes); no subject is an info
        # beside the duplicates it explains, which are errors already
        said = F.info if name == "subject_id" else F.warning
        found.append(
            said(
                "MAILBOX_COLUMN_MISSING",
                'The export has no column for the subject (Emne-ID) (headers read as one: {known}); its columns are {columns}. If one of them holds it, name it in the settings, under [inputs]: columns = {{ {key} = "<header>" }}.'
                if name == "subject_id"
                else 'The export has no column for the responsible unit (headers read as one: {known}), so every mailbox is under no unit and the contact point plan proposes one contact point for all; its columns are {columns}. If one of them holds the unit, name it in the settings, under [inputs]: columns = {{ {key} = "<header>" }}.',
                label,
                table.sheet,
                known=", ".join(known),
                columns=", ".join(headers[:20]) + (" …" if len(headers) > 20 else ""),
                key=name,
            )
        )
    return found


# The columns the kit reads, as a formula cell's finding names them (each has its Danish
# form in catalogue.VALUES_DA); the NgDP Guid column only for the environment it belongs to
_FORMULA_COLUMNS = {
    "mailbox_id": "mailbox id",
    "mailbox_name": "mailbox name",
    "responsible_unit": "responsible unit",
    "subject_id": "subject id",
    "case": "case number",
}


def formula_findings(
    table: Any,
    label: str,
    *,
    use_guid_column: bool = False,
    rows: set[int] | None = None,
    columns: dict[str, str] | None = None,
) -> list[Finding]:
    """A cell of a column the kit reads (ID, name, unit, subject, case; the NgDP Guid when it
    is this environment's) that holds a formula Excel never saved a value for: read as blank
    otherwise (a unit so blank put its mailbox under "(ingen enhed)" without a word).
    ``rows``: the rows read as mailboxes (a total row's =SUM is no mailbox's cell);
    ``columns``: another file's columns and their words (the mapping file's)."""
    found: list[Finding] = F.Bounded()
    columns = dict(_FORMULA_COLUMNS if columns is None else columns)
    if use_guid_column:
        columns["ngdp_guid"] = "NgDP Guid"
    for row, name in sorted(table.formula_no_value):
        if name in columns and (rows is None or row in rows):
            found.append(
                F.error(
                    "CELL_FORMULA_NO_VALUE",
                    "The {value} cell holds a formula with no saved value; open the workbook in Excel, save it, and run again.",
                    label,
                    table.where(row),
                    value=columns[name],
                )
            )
    return found


# An ID marked as text the ways Excel shows as the bare digits: a leading apostrophe
# ("'0100233", written into the cell by the tool that made the export) and a text formula
# ="0100233" (a CSV written so that Excel keeps the zeros). Read as "not all digits", every
# such mailbox was unmapped, and on day one left out of the contact point plan.
_TEXT_MARKED = re.compile(r"'([0-9]+)|=\"([0-9]+)\"")


def text_marked_ids(ids: Any) -> Any:
    """IDs with Excel's text markers taken off (``'0100233`` and ``="0100233"`` are
    ``0100233``); any other value as it is. One look at the first characters of the column
    when none is marked."""
    marked = ids.str.startswith(("'", "="))
    if not marked.any():
        return ids
    parts = ids[marked].str.fullmatch(_TEXT_MARKED.pattern)
    if not parts.any():
        return ids
    found = ids[marked][parts].str.extract(_TEXT_MARKED.pattern)
    digits = found[0].fillna(found[1])
    out = ids.copy()
    out[digits.index] = digits
    return out


# An ID that Excel wrote in scientific notation ("1,23457E+11", as a CSV saved from a column
# of numbers holds them): its digits are gone, and no reading brings them back
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")


def in_scientific_notation(value: str) -> bool:
    """An ID as Excel wrote a number in scientific notation ("1,01159E+05"): digits lost."""
    return _SCIENTIFIC.fullmatch(value) is not None


# Digits with spaces or hyphens between them ("0100 233", "0100-233", or two IDs in one cell
# with a line break between them), or grouped in thousands by dots ("100.233", as a CSV that
# Danish Excel saved from a column formatted so holds it): which ID is meant is for a person
# to say
_SEPARATED = re.compile(r"[0-9]+(?:[ \u2010\u2011\u2012\u2013-][0-9]+)+|[0-9]{1,3}(?:[.][0-9]{3})+")

# A cell Excel stored as a date, as the kit reads it ("1900-01-02T00:00:00"): an ID typed as
# "2" in a column formatted as dates (a consultant's pass read only "not all digits")
_EXCEL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2})?")


def _id_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """Mailbox IDs missing, with lost digits, not digits, with lost leading zeros; subject IDs
    that are not digits."""
    found: list[Finding] = F.Bounded()
    where = table.where
    formula_rows = {row for row, name in table.formula_no_value if name == "mailbox_id"}
    ids = df["mailbox_id"]
    missing = (ids == "") & ~df["row"].isin(formula_rows)
    if missing.any():
        # an ID merged over its mailbox's subject rows ("Merge & Center") is in the top-left
        # cell only: the rows below it say why (an export consultant's pass)
        merged = _merged_refs(table, df.loc[missing, "row"], label, "mailbox_id")
        for row, ref in zip(df.loc[missing, "row"], merged, strict=True):
            found.append(
                F.error(
                    "MAILBOX_ID_MISSING",
                    "The Mailbox ID is blank because the cell lies in the merged range {ranges}, and Excel keeps a merged range's value in its top-left cell only; unmerge the cells in Excel and fill in each row's ID.",
                    label,
                    where(row),
                    ranges=ref,
                )
                if ref
                else F.error(
                    "MAILBOX_ID_MISSING", "A mailbox row has no Mailbox ID.", label, where(row)
                )
            )
    lost_rows = {row for row, name in table.lost_precision if name == "mailbox_id"}
    lost = df["row"].isin(lost_rows)
    for row, value in df.loc[lost, ["row", "mailbox_id"]].itertuples(index=False):
        found.append(
            F.error(
                "MAILBOX_ID_INVALID",
                "Mailbox ID {value} has more than 15 digits and was stored as a number, so Excel has already lost digits; re-export it as text.",
                label,
                where(row),
                value=value,
            )
        )
    found += _rounded(df.loc[~lost], label, where)
    non_digit = (ids != "") & ~lost & ~ids.str.fullmatch(r"[0-9]+")
    for row, value in df.loc[non_digit, ["row", "mailbox_id"]].itertuples(index=False):
        found.append(_invalid_id(value, label, where(row)))
    found += zero_lost(df, ids, label, where)
    subj = df["subject_id"]
    bad_subj = (subj != "") & ~subj.str.fullmatch(r"[0-9]+")
    for row, value in df.loc[bad_subj, ["row", "subject_id"]].itertuples(index=False):
        found.append(
            F.warning(
                "MAILBOX_ID_INVALID",
                "Subject ID {value!r} is a date: Excel took the cell for one; format the column as text and type the ID again."
                if _EXCEL_DATE.fullmatch(value)
                else "Subject ID {value!r} is not all digits.",
                label,
                where(row),
                value=value,
            )
        )
    return found


# Excel keeps 15 significant digits of a number: a longer ID it held as one comes out with
# zeros in their place (123456789012345678 as 123456789012345000), as a CSV saved from a
# column with the number format 0 holds it, or a value pasted back as text. e-Boks mailbox
# IDs are NgDP's postkasseId, a long; the ones seen are 5 to 7 digits.
_ROUNDED = re.compile(r"0*[1-9][0-9]{14}0+")


def _rounded(df: Any, label: str, where: Any) -> list[Finding]:
    """``MAILBOX_ID_ROUNDED``: a text ID of more than 15 digits (leading zeros aside) whose
    digits after the 15th are all zeros, as Excel writes a number it rounded. A number cell
    Excel already rounded is ``MAILBOX_ID_INVALID`` (the cell says it was a number); text
    says nothing of where it has been, so this is a warning: check the ID."""
    ids = df["mailbox_id"]
    hit = ids.str.fullmatch(_ROUNDED.pattern)
    return [
        F.warning(
            "MAILBOX_ID_ROUNDED",
            "Mailbox ID {value} has {n} digits, and every digit after the 15th is 0: Excel keeps only 15 digits of a number, so the ID may have been changed while Excel held it as one; check it in e-Boks, and if it differs, format the column as text where the export was made and export again.",
            label,
            where(row),
            value=value,
            n=len(value.lstrip("0")),
        )
        for row, value in df.loc[hit, ["row", "mailbox_id"]].itertuples(index=False)
    ]


# A date as a CSV that Danish Excel saved holds it ("02-01-1900", "02.01.1900"): an ID Excel
# took for a date, not digits with hyphens between them (a reviewer's look: it was told to
# write it as 02011900, an error, where it is a date and was a warning)
_LOCAL_DATE = re.compile(r"[0-9]{1,2}([-./])[0-9]{1,2}\1[0-9]{4}")


def id_error_rows(table: Any, df: Any) -> tuple[int, ...]:
    """The rows whose Mailbox ID ``MAILBOX_ID_INVALID`` makes an error (digits Excel lost, in
    a number cell of more than 15 digits or in scientific notation; digits with spaces, dots
    or hyphens between them), in the export's order. Step 02 leaves them unmapped and adds no
    ``MAILBOX_UNMAPPED``: the ID is to be mended first, and a second error for the row said
    nothing more (a consultant's retest of "1.23456789012345E+17"), as a row without an ID
    has ``MAILBOX_ID_MISSING`` only. A warning ID (letters, a date) keeps its
    ``MAILBOX_UNMAPPED``: that is the row's error."""
    lost = {row for row, name in table.lost_precision if name == "mailbox_id"}
    ids = df["mailbox_id"]
    error = df["row"].isin(lost)
    odd = (ids != "") & ~error & ~ids.str.fullmatch(r"[0-9]+")  # as _id_findings reads them
    if odd.any():  # the few that are not all digits, each as _invalid_id judges it
        error[odd] = ids[odd].map(_id_error).astype(bool)
    return tuple(int(row) for row in df.loc[error, "row"].tolist())


def _id_error(value: str) -> bool:
    """Whether :func:`_invalid_id` makes ``value`` (not all digits) an error: its digits lost
    (scientific notation) or for a person to say (separated), not a date or letters."""
    if _EXCEL_DATE.fullmatch(value) or _LOCAL_DATE.fullmatch(value):
        return False
    return bool(_SCIENTIFIC.fullmatch(value) or _SEPARATED.fullmatch(value))


def _invalid_id(value: str, label: str, where: str) -> Finding:
    """``MAILBOX_ID_INVALID`` for a mailbox ID that is not all digits: an error when the
    digits it stands for are lost (scientific notation) or are for a person to say (spaces or
    hyphens or thousands dots between digits: a mailbox written so was unmapped, or left out of the day-one
    plan, under a warning), else a warning (a date, which says so; letters)."""
    if _EXCEL_DATE.fullmatch(value) or _LOCAL_DATE.fullmatch(value):  # a date, which says so
        return F.warning(
            "MAILBOX_ID_INVALID",
            "Mailbox ID {value!r} is a date: Excel took the cell for one; format the column as text and type the ID again.",
            label,
            where,
            value=value,
        )
    if _SCIENTIFIC.fullmatch(value):
        return F.error(
            "MAILBOX_ID_INVALID",
            "Mailbox ID {value!r} is in scientific notation: Excel wrote the number as it showed it, and its digits are lost, and they cannot be recovered from this workbook: export again from e-Boks, and where the export passes through Excel, format the column as Text before the IDs are entered. The number format 0 is no fix for an ID of 16 or more digits: Excel keeps only 15 significant digits of a number, so it shows 123456789012345000 for 123456789012345678.",
            label,
            where,
            value=value,
        )
    if _SEPARATED.fullmatch(value):
        return F.error(
            "MAILBOX_ID_INVALID",
            "Mailbox ID {value!r} has spaces, dots or hyphens between its digits; e-Boks mailbox IDs are digits only, one per row: write it as {value2} if that is the ID, or give each ID its own row.",
            label,
            where,
            value=value,
            value2=re.sub("[^0-9]", "", value),
        )
    return F.warning(
        "MAILBOX_ID_INVALID",
        "Mailbox ID {value!r} is not all digits; e-Boks mailbox IDs are numbers.",
        label,
        where,
        value=value,
    )


def _error_value_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """``CELL_ERROR_VALUE``: a cell of a column the kit reads shows one of Excel's error
    values (``#N/A`` from a VLOOKUP that found nothing). The cell reader gives such a cell as
    a blank; the sheet's XML says what it shows (a consultant's retest: "#N/A" in the unit
    read "enheden er tom", in the ID "intet postkasse-ID")."""
    from .workbooks import EXCEL_ERRORS

    found: list[Finding] = F.Bounded()
    for name, words in _FORMULA_COLUMNS.items():
        if name not in df.columns or name not in table.columns:
            continue
        bad = df[name].isin(EXCEL_ERRORS)
        if not bad.any():
            continue
        for row, shown in df.loc[bad, ["row", name]].itertuples(index=False):
            found.append(
                F.warning(
                    "CELL_ERROR_VALUE",
                    "The {value} cell shows Excel's error {error}: a formula that failed (a VLOOKUP that found nothing shows #N/A); mend the formula or type the value in Excel, and run again.",
                    label,
                    table.where(int(row)),
                    value=words,
                    error=shown,
                )
            )
    return found


def matching_key(ids: Any) -> Any:
    """IDs as the kit's matching compares them (``mapping._as_int``; contract §4): an ID of 1
    to 18 digits as its number, so ``0100253`` (text) and ``100253`` (a number Excel dropped
    the zero of) are one; any other text as it is. Column operations, and none past the first
    two when no ID starts with 0, or every one does and all have one length (two such IDs are
    one number only when they are one text: 0.06 s saved over 100,000 IDs)."""
    zero = ids.str.startswith("0")
    if not zero.any() or (zero.all() and ids.str.len().nunique() == 1):
        return ids
    zero &= ids.str.fullmatch(r"[0-9]{2,18}")
    return ids.where(~zero, ids.str.lstrip("0").replace("", "0"))


def _duplicate_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """One finding per (mailbox, subject) that appears more than once, naming its rows: IDs
    and subjects compared as the kit's matching compares them, so one mailbox written two
    ways is a duplicate too, and its finding names both spellings."""
    found = F.Bounded()
    ids = df["mailbox_id"]
    keyed = df.loc[ids != "", ["row", "mailbox_id", "subject_id"]]
    keyed = keyed.assign(
        _id=matching_key(keyed["mailbox_id"]), _sub=matching_key(keyed["subject_id"])
    )
    dup = keyed.duplicated(["_id", "_sub"], keep=False)
    if not dup.any():
        return found
    groups = keyed[dup].groupby(["_id", "_sub"], sort=False)
    for n, (_key, group) in enumerate(groups):
        if found.full("MAILBOX_ID_DUPLICATE"):  # the rest are counted, not made one by one:
            # 100,000 duplicated rows took 6 s of finding objects no one would see
            found.count_left("MAILBOX_ID_DUPLICATE", "error", groups.ngroups - n)
            break
        rows = group["row"].tolist()
        spelt = list(
            dict.fromkeys(
                f"{m}:{s}" if s else m
                for m, s in zip(group["mailbox_id"], group["subject_id"], strict=True)
            )
        )
        found.append(
            F.error(
                "MAILBOX_ID_DUPLICATE",
                "Mailbox ID {label_id} appears {count} times (rows {value})."
                if len(spelt) == 1
                else "Mailbox ID {label_id} appears {count} times (rows {value}), written as {values}: the kit compares IDs as numbers, so these rows are one mailbox; keep one row, or correct the ID.",
                label,
                table.where(rows[0]),
                label_id=spelt[0],
                count=len(rows),
                value=F.first_of(rows),
                values=F.first_of(spelt),
            )
        )
    return found


def _unit_blank_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """``MAILBOX_UNIT_BLANK``: rows of an export with a unit column whose unit is blank (the
    contact point plan puts their mailboxes under "(ingen enhed)"). Blank cells inside a
    merged range (Excel's "Merge & Center" keeps the value in the top-left cell only) are said
    apart, naming the ranges; the sheet XML is read for them only when a unit is blank. A unit
    cell that is a formula without its value is CELL_FORMULA_NO_VALUE instead."""
    if "responsible_unit" not in table.columns:
        return []  # MAILBOX_COLUMN_MISSING says so
    blank = df["responsible_unit"] == ""
    if not blank.any():
        return []
    formula = {r for r, n in table.formula_no_value if n == "responsible_unit"}
    if formula:
        blank &= ~df["row"].isin(formula)
    if not blank.any():
        return []
    blanks = df.loc[blank, ["row", "mailbox_id"]]
    merged = _merged_refs(table, blanks["row"], label)
    found: list[Finding] = []
    in_merge = blanks[merged != ""]
    if len(in_merge):
        found.append(
            F.warning(
                "MAILBOX_UNIT_BLANK",
                "The responsible unit is blank in {count} row(s) ({value}) of sheet {sheet!r} because the cells are merged ({ranges}), and Excel keeps a merged range's value in its top-left cell only: the contact point plan puts their mailboxes ({ids}) under \"(ingen enhed)\"; unmerge the cells in Excel and fill in each row's unit.",
                label,
                table.where(int(in_merge["row"].iloc[0])),
                count=len(in_merge),
                value=F.first_of(in_merge["row"].tolist()),
                sheet=table.sheet,
                ranges=F.first_of(merged[merged != ""].unique().tolist()),
                ids=F.first_of(in_merge["mailbox_id"].replace("", "(no ID)").tolist()),
            )
        )
    plain = blanks[merged == ""]
    if len(plain):
        found.append(
            F.warning(
                "MAILBOX_UNIT_BLANK",
                'The responsible unit is blank in {count} row(s) ({value}) of sheet {sheet!r}: the contact point plan puts their mailboxes ({ids}) under "(ingen enhed)"; fill in each row\'s unit in the export.'
                if table.sheet
                else 'The responsible unit is blank in {count} row(s) ({value}): the contact point plan puts their mailboxes ({ids}) under "(ingen enhed)"; fill in each row\'s unit in the export.',
                label,
                table.where(int(plain["row"].iloc[0])),
                count=len(plain),
                value=F.first_of(plain["row"].tolist()),
                sheet=table.sheet,
                ids=F.first_of(plain["mailbox_id"].replace("", "(no ID)").tolist()),
            )
        )
    return found


def _merged_refs(table: Any, rows: Any, label: str, column: str = "responsible_unit") -> Any:
    """For each of ``rows`` (blank cells of ``column``), the merged range of the sheet its
    cell lies in ("C4:C27"), or "" (a CSV, or no merged range there). Each row is looked up among
    the ranges sorted by their first row (an attacker's 50,000 merges over 100,000 blank
    units took 453 s as one pass over the rows per range)."""
    import numpy as np
    import pandas as pd

    refs = pd.Series("", index=rows.index, dtype=object)
    if not table.sheet or not str(table.path).lower().endswith((".xlsx", ".xlsm")):
        return refs
    col = table.columns[column]
    found = sorted(
        merged_ranges(table.path, table.sheet, label, column=col), key=lambda m: m.first_row
    )
    if not found:
        return refs
    firsts = np.array([m.first_row for m in found])
    lasts = np.array([m.last_row for m in found])
    names = np.array([m.ref for m in found], dtype=object)
    numbers = rows.to_numpy(dtype=np.int64)
    at = np.searchsorted(firsts, numbers, side="right") - 1  # the last range starting above
    inside = (at >= 0) & (numbers <= lasts[np.clip(at, 0, None)])
    refs[inside] = names[at[inside]]
    return refs


def unit_key(unit: str) -> str:
    """A unit's name as two spellings of it compare: case and runs of spaces do not count."""
    return " ".join(str(unit).casefold().split())


def unit_keys(units: Any) -> Any:
    """:func:`unit_key` of each unit of a column, worked out once per distinct unit (a few
    dozen among 100,000 rows)."""
    return units.map({u: unit_key(u) for u in units.unique()})


def spelling_of(spellings: Any) -> str:
    """The spelling most rows use (the first in order of their text on a tie)."""
    counts = spellings.value_counts()
    best = counts.max()
    return str(min(name for name, n in counts.items() if n == best))


def _unit_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """``UNIT_NAME_VARIANTS``: one unit spelt two ways (case, spaces); ``NAME_MIXED_SCRIPTS``:
    a unit whose name mixes scripts in one word (a Cyrillic "е" in "Borgerservicе"), once per
    unit with its first rows: it becomes a contact point of its own in the plan that reads
    like another unit's."""
    found: list[Finding] = F.Bounded()
    units = df["responsible_unit"]
    named = units[units != ""]
    for _key, group in named.groupby(unit_keys(named), sort=True):
        if group.nunique() > 1:  # one unit spelt two ways: one contact point in the plan
            counted = group.value_counts()
            rows = df.loc[group.index, "row"].tolist()
            name = spelling_of(group)
            # the rows to correct are those spelt otherwise than the plan names the unit (a
            # consultant's day one: the finding named the first row of "Borgerservice", not
            # the few "borgerservice" rows among hundreds)
            odd = df.loc[group.index[(group != name).to_numpy()], "row"].tolist()
            found.append(
                F.warning(
                    "UNIT_NAME_VARIANTS",
                    "Unit {name!r} is spelt {count} ways ({values}): the contact point plan proposes one contact point for them, named as most rows spell it; write one spelling in the export (spelt otherwise in rows {rows}).",
                    label,
                    table.where(rows[0]),
                    name=name,
                    count=len(counted),
                    values="; ".join(f"{u!r} {n}" for u, n in counted.items()),
                    rows=F.first_of(odd),
                )
            )
    for unit in units[~units.str.isascii()].unique():
        if scripts := mixed_scripts(unit):
            rows = df.loc[units == unit, "row"].tolist()
            found.append(
                F.warning(
                    "NAME_MIXED_SCRIPTS",
                    "Unit {name!r} mixes letters of several scripts ({scripts}) in one word (rows {value}): it reads like a name in one script and is another, and becomes a contact point of its own in the plan; write it in one script.",
                    label,
                    table.where(rows[0]),
                    name=unit,
                    scripts=", ".join(s.title() for s in scripts),
                    value=F.first_of(rows),
                )
            )
    return found


def _name_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """A mailbox without a name (unless its name cell is an unsaved formula)."""
    found: list[Finding] = F.Bounded()
    formula = table.formula_no_value
    names_blank = (df["mailbox_name"] == "") & ~df["row"].isin(
        {r for r, n in formula if n == "mailbox_name"}
    )
    for row, value in df.loc[names_blank, ["row", "mailbox_id"]].itertuples(index=False):
        found.append(
            F.warning(
                "MAILBOX_NAME_BLANK",
                "Mailbox {value} has no name.",
                label,
                table.where(row),
                value=value or "(no ID)",
            )
        )
    return found


def zero_lost(df: Any, ids: Any, label: str, where: Any) -> list[Finding]:
    """``MAILBOX_ID_ZERO_LOST``: an all-digit ID shorter than the export's usual length, in an
    export where IDs of that length start with 0 (so zeros matter and Excel may have dropped
    one: ``103999`` among ``0103679``-style IDs)."""
    digits = ids[ids.str.fullmatch(r"[0-9]+")]
    if digits.empty:
        return []
    lengths = digits.str.len()
    usual = int(lengths.mode().iloc[0])
    if not digits[lengths == usual].str.startswith("0").any():
        return []
    short = digits[lengths < usual]
    return [
        F.warning(
            "MAILBOX_ID_ZERO_LOST",
            "Mailbox ID {value} has {count} digits where this export's IDs have {usual}; if Excel dropped a leading zero it should read {value2}.",
            label,
            where(df.at[i, "row"]),
            value=value,
            count=len(value),
            usual=usual,
            value2=value.zfill(usual),
        )
        for i, value in short.items()
    ]
