"""Mailbox -> contact point mapping (contract §4).

Sources, first that decides wins: the mapping file, the export's own NgDP Guid
column (only for the environment it belongs to), the contact points'
postkasse translations. Later sources that disagree give ``MAPPING_CONFLICT``.
Everything is done with pandas merges so 100,000 mailboxes need no Python loop
over rows, except to word the findings.
"""

from __future__ import annotations

from collections import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import findings as F
from ..findings import Finding
from ..redact import hide_cpr_in_name
from . import is_number
from .contact_points import ContactPoint, canonical_guid, parse_bool
from .decisions import Decision
from .mailboxes import (
    MAILBOX_ID,
    NGDP_GUID,
    SUBJECT_ID,
    formula_findings,
    in_scientific_notation,
    not_mailboxes,
    open_in_excel,
    spelling_of,
    text_marked_ids,
    unit_keys,
)
from .workbooks import Field, TableCache, place, read_table

RETIRE_WORDS = {"udgår", "udgaar", "udgar", "retire", "retired"}
SOURCE_DECISION = "decision"  # the consultant's decisions file (contract §12.7)
SOURCE_FILE, SOURCE_EXPORT, SOURCE_TRANSLATION = "mapping file", "export", "translation"
STATUS_MAPPED, STATUS_RETIRED, STATUS_UNMAPPED, STATUS_UNKNOWN = (
    "mapped",
    "retired",
    "unmapped",
    "unknown contact point",
)

MAPPING_FIELDS = (
    MAILBOX_ID,
    SUBJECT_ID,
    Field(NGDP_GUID.name, NGDP_GUID.specific, ("GUID",), True),
    Field("reason", ("Reason", "Begrundelse")),
    Field("accept", ("Accept", "Accepter", "Godkend")),
)


@dataclass(frozen=True, slots=True, eq=False)
class MappingCounts(abc.Mapping[str, int]):
    """Step 02's mailboxes per mapping status (``results.counts``).

    The step file keeps the statuses the mapping found, most frequent first, as pandas
    counts them (``{"mapped": 199, "retired": 1}``); a record with a field per status would
    write every status, in a fixed order. So the record keeps the (status, count) pairs in
    the file's order and reads like a read-only mapping (equal to the dict it was made
    from); the statuses the kit knows read by attribute too.
    """

    by_status: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, counts: abc.Mapping[str, int]) -> MappingCounts:
        return cls(tuple(counts.items()))

    def __getitem__(self, status: str) -> int:
        for known, n in self.by_status:
            if known == status:
                return n
        raise KeyError(status)

    def __iter__(self) -> abc.Iterator[str]:
        return (status for status, _ in self.by_status)

    def __len__(self) -> int:
        return len(self.by_status)

    def __repr__(self) -> str:
        return f"MappingCounts({dict(self.by_status)!r})"

    @property
    def mapped(self) -> int:
        return self.get(STATUS_MAPPED, 0)

    @property
    def retired(self) -> int:
        return self.get(STATUS_RETIRED, 0)

    @property
    def unmapped(self) -> int:
        return self.get(STATUS_UNMAPPED, 0)

    @property
    def unknown(self) -> int:
        return self.get(STATUS_UNKNOWN, 0)


def _register_counts() -> None:
    """Written as the JSON object it is; read back only with text keys and whole counts."""
    from .typed import converter

    def structure(data: Any, kind: Any) -> MappingCounts:
        if not isinstance(data, dict):
            raise ValueError(f"the counts are a {type(data).__name__}")
        for status, n in data.items():
            if not isinstance(status, str) or type(n) is not int:
                raise ValueError(f"the count of {status!r} is not a whole number")
        return MappingCounts.of(data)

    converter.register_unstructure_hook(MappingCounts, lambda c: dict(c.by_status))
    converter.register_structure_hook(MappingCounts, structure)


_register_counts()


@dataclass
class MappingFile:
    rows: Any  # DataFrame: row, mailbox_id, subject_id, guid, retired, reason
    source: str
    findings: list[Finding] = field(default_factory=list)
    sheet: str = ""  # the sheet the rows were read from ("" for a CSV)

    def where(self, row: int) -> str:
        """A row of the file as a finding names it (the sheet's name and the row)."""
        return place(self.sheet, row)


@dataclass
class Mapping:
    """One row per mailbox with its contact point, the source that decided, and a status."""

    frame: Any  # DataFrame: the export's columns + guid, contact_point, source, status
    findings: list[Finding] = field(default_factory=list)
    suggestions: Any = None  # DataFrame or None
    plan: tuple[PlanEntry, ...] = ()
    language: str = "da"  # what a notebook shows it in (set by the step)

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.frame["status"].value_counts().items()}

    def __repr__(self) -> str:
        # A notebook keeps text/plain beside the HTML: a summary, never the whole table.
        return f"<Mapping of {len(self.frame):,} mailboxes: {self.counts()}>"


def read_mapping_file(path: Path, *, label: str, cache: TableCache | None = None) -> MappingFile:
    """Read a mapping workbook/CSV (Mailbox ID, NgDP Guid or udgår/retire, optional Reason, Accept)."""

    def read() -> MappingFile:
        return _read_mapping_file(path, label, cache)

    return (
        read()
        if cache is None
        else cache.derived(("mapping_file", label), path, MAPPING_FIELDS, read)
    )


def _read_mapping_file(path: Path, label: str, cache: TableCache | None) -> MappingFile:
    import pandas as pd

    table = read_table(path, MAPPING_FIELDS, label=label, cache=cache, hidden=True)
    df = table.frame()
    for name in ("subject_id", "reason", "accept"):
        if name not in df.columns:
            df[name] = ""
    # IDs marked as text ("'0100233", ="0100233") are their digits, as in the export (a data
    # specialist's pass: such a row was MAPPING_ROW_UNUSED, and its mailbox unmapped)
    for name in ("mailbox_id", "subject_id"):
        df[name] = text_marked_ids(df[name].astype(str))
    df, found = not_mailboxes(table, df, label, beside="ngdp_guid")
    found = F.Bounded(found)
    df = _without_formulas(df, table, label, found)
    if "accept" in table.columns:
        df = df[_accepted(df, table, label, found)]
    raw = df["ngdp_guid"].astype(str).str.strip()
    guids, retired, bad = guid_cells(raw)
    for row, value in df.loc[bad, ["row", "ngdp_guid"]].itertuples(index=False):
        found.append(
            F.error(
                "CONTACT_POINT_GUID_INVALID",
                "NgDP Guid {value!r} is neither a GUID nor 'udgår'/'retire'.",
                label,
                table.where(row),
                value=value,
            )
        )
    out = pd.DataFrame(
        {
            "row": df["row"],
            "mailbox_id": df["mailbox_id"].astype(str),
            "subject_id": df["subject_id"].astype(str),
            "guid": guids,
            "retired": retired,
            "reason": df["reason"].astype(str),
        }
    )
    out = out[(out["guid"] != "") | out["retired"]]
    found += _mapped_twice(out, table, label)
    out = out.drop_duplicates(["_id", "_sub"], keep="first").drop(columns=["_id", "_sub"])
    found += _hidden_rows(out, table, label)
    found += open_in_excel(path, label)
    return MappingFile(
        rows=out.reset_index(drop=True), source=label, findings=found, sheet=table.sheet
    )


# the mapping file's columns whose formula without a saved value would change what a row
# maps, as CELL_FORMULA_NO_VALUE names them (the export's words for the ID and the subject)
_FORMULA_COLUMNS = {
    "mailbox_id": "mailbox id",
    "subject_id": "subject id",
    "ngdp_guid": "NgDP Guid",
    "accept": "Accept",
}


def _without_formulas(df: Any, table: Any, label: str, found: list[Finding]) -> Any:
    """The rows without a formula that Excel never saved a value for in a column that decides
    what the row maps, and ``CELL_FORMULA_NO_VALUE`` (error) for each such cell, as in the
    export. Read as blank, such an ID was "has no Mailbox ID: fill in the ID" (the ID was
    there, as a formula), a subject mapped the whole postkasse, and a GUID or an Accept mark
    dropped the row without a word (a data specialist's pass)."""
    rows = set(df["row"].tolist())
    said = formula_findings(table, label, rows=rows, columns=_FORMULA_COLUMNS)
    if not said:
        return df
    found += said
    cells = {row for row, name in table.formula_no_value if name in _FORMULA_COLUMNS}
    return df[~df["row"].isin(cells)]


def _hidden_rows(out: Any, table: Any, label: str) -> list[Finding]:
    """``MAPPING_ROWS_HIDDEN`` for the rows used (mapping or retiring a mailbox) that Excel
    hides: a filter left on in the mapping file (by unit, by Accept) still maps the
    mailboxes of the rows it keeps out of sight, as the export's hidden rows still migrate
    (a data specialist's pass: those were MAILBOX_ROWS_HIDDEN, these had no word)."""
    if not table.hidden_rows:
        return []
    hidden = out[out["row"].isin(table.hidden_rows)].sort_values("row")
    if hidden.empty:
        return []
    rows = hidden["row"].tolist()
    ids = [
        mid + (":" + sub if sub else "")
        for mid, sub in hidden[["mailbox_id", "subject_id"]].itertuples(index=False)
    ]
    return [
        F.warning(
            "MAPPING_ROWS_HIDDEN",
            "Row {value} is hidden in Excel and read like the others, and maps or retires mailbox {ids}: show the row in Excel if it is meant to, or remove it from the mapping file if not."
            if len(rows) == 1
            else "{count} row(s) hidden in Excel (rows {value}) are read like the others, and map or retire their mailboxes ({ids}): show the rows in Excel if they are meant to, or remove them from the mapping file if not.",
            label,
            table.where(int(rows[0])),
            count=len(rows),
            value=F.first_of(rows),
            ids=F.first_of(ids),
        )
    ]


def _accepted(df: Any, table: Any, label: str, found: list[Finding]) -> Any:
    """The rows the Accept column accepts (x, ja, yes, …); a mark that is neither yes nor no
    ("OK", "✓") is ``MAPPING_ROW_UNUSED`` naming it (a data specialist's pass: such a row
    was dropped without a word, and its mailbox was only MAILBOX_UNMAPPED at the export's
    row, which holds no mark)."""
    import pandas as pd

    accepted = []
    for row, value in df[["row", "accept"]].itertuples(index=False):
        try:
            accepted.append(bool(parse_bool(str(value))))
        except ValueError:
            accepted.append(False)
            found.append(
                F.warning(
                    "MAPPING_ROW_UNUSED",
                    "Mapping file row {row}: Accept {value!r} is not a yes or a no (x, ja, yes, nej, no, or blank); the row is not used: write x or ja to accept it.",
                    label,
                    table.where(row),
                    row=int(row),
                    value=value,
                )
            )
    return pd.Series(accepted, index=df.index, dtype=bool)


def _mapped_twice(out: Any, table: Any, label: str) -> list[Finding]:
    """``MAPPING_CONFLICT`` for a mailbox (and subject) the file maps more than once to
    different contact points. IDs and subjects compare as the kit's matching compares them,
    as numbers (a data specialist's pass: "0101159" to one contact point and "101159" to
    another, or subject "01" beside "1", were both kept, and the first the matching met was
    used without a word). Adds the compared keys to ``out`` (``_id``, ``_sub``)."""
    from .mailboxes import matching_key

    found: list[Finding] = []
    out["_id"] = matching_key(out["mailbox_id"])
    out["_sub"] = matching_key(out["subject_id"])
    dup = out.duplicated(["_id", "_sub"], keep=False)
    for _key, group in out[dup].groupby(["_id", "_sub"], sort=False):
        # in the rows' order, as "rows 59, 68 to A, B" reads (sorted, a support engineer read
        # row 59 as the second GUID's, the one not used)
        ordered = group.sort_values("row")
        values = list(dict.fromkeys(ordered["guid"].where(~ordered["retired"], "udgår")))
        if len(values) > 1:
            rows = F.first_of(group["row"])
            sid = str(group["subject_id"].iloc[0])
            found.append(
                F.warning(
                    "MAPPING_CONFLICT",
                    "Mailbox {mid}{value} is mapped more than once in the mapping file (rows {rows}) to {value2}; the first row is used.",
                    label,
                    table.where(int(group["row"].iloc[0])),
                    mid=group["mailbox_id"].iloc[0],
                    value=":" + sid if sid else "",
                    rows=rows,
                    value2=F.first_of(values, limit=3),
                )
            )
    return found


def guid_cells(raw: Any) -> tuple[Any, Any, Any]:
    """A column of NgDP Guid cells (stripped text): the canonical GUID or "" per cell, the
    cells that say udgår/retire, and the cells that are neither (each distinct value is
    parsed once: thousands of mailboxes share a few contact points)."""
    retire = raw.str.lower().isin(RETIRE_WORDS)
    canon = raw.map({v: canonical_guid(v) or "" for v in raw.unique()})
    bad = (raw != "") & ~retire & (canon == "")
    return canon, retire, bad


def _as_int(series: Any) -> Any:
    import pandas as pd

    return pd.to_numeric(
        series.where(series.str.fullmatch(r"[0-9]{1,18}"), None), errors="coerce"
    ).astype("Int64")


def map_mailboxes(
    export_frame: Any,
    *,
    mapping: MappingFile | None,
    contact_points: list[ContactPoint] | None,
    system_id: str | None,
    default_contact_point: str | None,
    export_label: str,
    contact_points_label: str = "",
    export_sheet: str = "",
    decisions: tuple[Decision, ...] = (),
    id_errors: frozenset[int] = frozenset(),
) -> Mapping:
    """Give every mailbox a contact point GUID, or a reason why not.

    Args:
        export_frame: :class:`~ngdpkit.inputs.mailboxes.MailboxExport` ``.frame``.
        mapping: the mapping file, if any.
        contact_points: this environment's contact points, or None while pending.
        system_id: the environment's receiving system (for ``CONTACT_POINT_WRONG_SYSTEM``).
        default_contact_point: the dispatcher's ContactPointGuid.
        decisions: the consultant's decisions that can be applied (already checked against
            the export and the contact points: :func:`ngdpkit.inputs.decisions.check_against`).
        id_errors: the export's rows whose Mailbox ID is already an error
            (:func:`ngdpkit.inputs.mailboxes.id_error_rows`): no ``MAILBOX_UNMAPPED``.
    """

    def at(row: Any) -> str:
        return place(export_sheet, row)

    found: list[Finding] = F.Bounded()
    mb = export_frame.copy()
    mb = mb[mb["mailbox_id"] != ""].reset_index(drop=True)
    mb["_i"] = range(len(mb))
    mb["guid"] = ""
    mb["source"] = ""
    mb["retired"] = False
    exported = set(mb["mailbox_id"].tolist()) if mapping is not None else set()
    export_guid = mb["ngdp_guid"].astype(str).str.strip()
    file_rows = (
        mapping.rows.assign(mailbox_id=_in_export_form(mapping.rows, exported))
        if mapping is not None and len(mapping.rows)
        else None
    )
    _fill(mb, decisions, file_rows, export_guid, contact_points or [], found, export_label, at)
    if mapping is not None:
        found += _rows_for_no_mailbox(mapping, exported)
        found += _zeros_dropped(mapping, exported, export_label)
    nothing_to_map_with = _nothing_to_map_with(contact_points, mapping, decisions, export_guid)
    # who decided a retirement and when, said with it (a customer's week-two read: the
    # changes named the retirement without either); the last decision for a key counts
    decided = {(d.mailbox_id, d.subject_id): d for d in decisions}
    mapped = _statuses(
        mb,
        contact_points,
        nothing_to_map_with,
        found,
        export_label,
        at,
        decided=decided,
        in_file=_file_row_finder(mapping, file_rows),
        id_errors=id_errors,
    )
    if "responsible_unit" in mb.columns:
        found += _unit_findings(mb, export_label, at, contact_points)
    found += _contact_point_rules(
        contact_points,
        set(mb.loc[mapped, "guid"].unique()),
        system_id=system_id,
        default_contact_point=default_contact_point,
        contact_points_label=contact_points_label,
    )
    frame = mb.drop(columns=["_i", "retired", "ngdp_guid"]).rename(columns={"guid": "ngdp_guid"})
    return Mapping(frame=frame, findings=found)


def _nothing_to_map_with(
    contact_points: list[ContactPoint] | None,
    mapping: MappingFile | None,
    decisions: tuple[Decision, ...],
    export_guid: Any,
) -> bool:
    """Day one: nothing maps a mailbox yet, and PENDING_CONTACT_POINTS/PENDING_MAPPING say
    so once instead of a MAILBOX_UNMAPPED per row. A decision maps mailboxes as the mapping
    file does: beside one, each row still open is MAILBOX_UNMAPPED (a consultant's read:
    decisions without contact points or a mapping file left 198 open rows unnamed, and
    checklist step 6 read as only to be typed into WorkZone)."""
    return (
        contact_points is None
        and mapping is None
        and not decisions
        and not (export_guid != "").any()
    )


def _fill(
    mb: Any,
    decisions: tuple[Decision, ...],
    file_rows: Any,
    export_guid: Any,
    contact_points: list[ContactPoint],
    found: list[Finding],
    export_label: str,
    at: Any,
) -> None:
    """Each mailbox's GUID from the first source that has one: 1. the decisions; 2. the
    mapping file; 3. the export's own column; 4. the contact points' translations. A later
    source that disagrees is a MAPPING_CONFLICT."""
    candidates = [
        _decision_candidates(mb, decisions),
        _file_candidates(mb, file_rows),
        _export_candidates(mb, export_guid, found, export_label, at),
        _translation_candidates(mb, contact_points, found, export_label, at),
    ]
    for cand in candidates:
        if cand is not None and len(cand):
            _apply_candidates(mb, cand, found, export_label, at, contact_points)


def _in_export_form(rows: Any, exported: set[str]) -> Any:
    """The mapping file's mailbox IDs as the export writes them: ``101626`` is ``0101626``
    when only leading zeros differ (Excel drops them when it saves a CSV; IDs compare as
    integers, contract §4). An ID the export does not hold stays as written. (Python sets,
    not ``Series.isin``: 0.4 s for 100,000 IDs of pandas' string type against as many.)"""
    from .decisions import numbered

    ids = rows["mailbox_id"]
    missing = [i for i in ids.tolist() if i not in exported]
    if not missing:
        return ids
    numbers = numbered(exported)
    return ids.map(
        lambda i: i if i in exported else numbers.get(int(i), i) if is_number(str(i)) else i
    )


def _zeros_dropped(mapping: MappingFile, exported: set[str], export_label: str) -> list[Finding]:
    """``MAPPING_ZEROS_DROPPED`` (warning): the export writes mailbox IDs without the leading
    zero the mapping file writes for them (``100233`` for ``0100233``), as when a whole ID
    column was saved as numbers in Excel (a consultant's retest: no finding, and the outputs
    wrote the shorter IDs beside contact points and mapping that hold the longer)."""
    from .decisions import numbered

    written = [i for i in mapping.rows["mailbox_id"].tolist() if i not in exported]
    zeros = [i for i in written if is_number(str(i)) and str(i).startswith("0")]
    if not zeros:
        return []
    numbers = numbered(exported)
    pairs = []
    for i in zeros:
        there = numbers.get(int(i))  # the export's ID of the same number, shorter
        if there is not None and there != i and len(there) < len(i):
            pairs.append((there, i))
    if not pairs:
        return []
    return [
        F.warning(
            "MAPPING_ZEROS_DROPPED",
            "The export writes {count} mailbox ID(s) without the leading zero the mapping file writes ({value}): Excel drops it when an ID column is saved as numbers. The outputs write the export's form, which WorkZone's register and the customer may not recognise; format the export's ID column as text in Excel and export it again.",
            export_label,
            "",
            count=len(pairs),
            value=F.first_of([f"{a} / {b}" for a, b in pairs]),
        )
    ]


def _rows_for_no_mailbox(mapping: MappingFile, exported: set[str]) -> list[Finding]:
    """``MAPPING_ROW_UNUSED`` for each mapping file row whose mailbox is not in the export (a
    typo left the real mailbox unmapped, and the row was dropped without a word)."""
    rows = mapping.rows
    if not len(rows):
        return []
    ids = _in_export_form(rows, exported).tolist()
    unused = [
        (row, i) for row, i in zip(rows["row"].tolist(), ids, strict=True) if i not in exported
    ]
    return [
        F.warning(
            "MAPPING_ROW_UNUSED",
            # a blank ID (or a formula's without its value) names no mailbox: "mailbox  is
            # not in the e-Boks export" sent a data specialist looking for one
            (
                # "1,01159E+05": Excel wrote a number as it showed it in a narrow column, and
                # "not in the e-Boks export" sent a consultant looking for the mailbox
                "Mapping file row {row}: mailbox {mailbox_id} is in scientific notation: Excel wrote the number as it showed it, and its digits are lost; the row is not used, and the digits cannot be recovered from the file: in Excel, format the column as Text before the ID is typed again (as e-Boks lists it). The number format 0 is no fix for an ID of 16 or more digits: Excel keeps only 15 significant digits of a number, so it shows 123456789012345000 for 123456789012345678."
                if in_scientific_notation(mailbox_id)
                else "Mapping file row {row}: mailbox {mailbox_id} is not in the e-Boks export; the row is not used."
            )
            if mailbox_id
            else "Mapping file row {row} has no Mailbox ID; the row is not used: fill in the ID of the mailbox it maps.",
            mapping.source,
            f"row {row}",
            row=int(row),
            **({"mailbox_id": mailbox_id} if mailbox_id else {}),
        )
        for row, mailbox_id in unused
    ]


def _keyed_candidates(mb: Any, m: Any, source: str) -> Any:
    """Rows keyed by (mailbox_id, subject_id, cand) as candidates (_i, cand, src): the exact
    (mailbox, subject) first, then a row without a subject for every subject of its mailbox."""
    import pandas as pd

    from .mailboxes import matching_key

    # subjects compare as numbers, as IDs do ("01" is 1: a consultant's retest found 22
    # mailboxes unmapped, "har ingen kontaktpunkt-GUID", over a mapping file's "01")
    left = mb[["_i", "mailbox_id", "subject_id"]]
    left = left.assign(subject_id=matching_key(left["subject_id"].fillna("").astype(str)))
    right = m.assign(subject_id=matching_key(m["subject_id"].fillna("").astype(str)))
    exact = left.merge(right, on=["mailbox_id", "subject_id"], how="inner")
    by_id = mb[["_i", "mailbox_id"]].merge(
        m[m["subject_id"] == ""].drop(columns="subject_id"), on="mailbox_id", how="inner"
    )
    hit = pd.concat([exact, by_id[~by_id["_i"].isin(exact["_i"])]])
    return pd.DataFrame({"_i": hit["_i"], "cand": hit["cand"], "src": source})


def _file_candidates(mb: Any, m: Any) -> Any:
    """The mapping file: a GUID, or udgår for a retired mailbox."""
    if m is None or not len(m):
        return None
    rows = m[["mailbox_id", "subject_id"]].copy()
    rows["cand"] = m["guid"].where(~m["retired"].astype(bool), "udgår")
    return _keyed_candidates(mb, rows, SOURCE_FILE)


def _decision_candidates(mb: Any, decisions: tuple[Decision, ...]) -> Any:
    """The consultant's decisions (the first source)."""
    import pandas as pd

    if not decisions:
        return None
    rows = pd.DataFrame(
        [
            (d.mailbox_id, d.subject_id, "udgår" if d.decision == "retire" else d.guid)
            for d in decisions
        ],
        columns=["mailbox_id", "subject_id", "cand"],
    )
    return _keyed_candidates(mb, rows, SOURCE_DECISION)


def _export_candidates(
    mb: Any, export_guid: Any, found: list[Finding], export_label: str, at: Any
) -> Any:
    """The export's own NgDP Guid column (already blanked unless it belongs to this
    environment): candidates (_i, cand, src); a value that is no GUID is an error."""
    import pandas as pd

    if not (export_guid != "").any():
        return None
    canon, retire, bad = guid_cells(export_guid)
    for row, value in mb.loc[bad, ["row", "ngdp_guid"]].itertuples(index=False):
        found.append(
            F.error(
                "CONTACT_POINT_GUID_INVALID",
                "NgDP Guid {value!r} in the export is not a GUID.",
                export_label,
                at(row),
                value=value,
            )
        )
    return pd.DataFrame(
        {"_i": mb["_i"], "cand": canon.where(~retire, "udgår"), "src": SOURCE_EXPORT}
    )[(canon != "") | retire]


def _translation_candidates(
    mb: Any, contact_points: list[ContactPoint], found: list[Finding], export_label: str, at: Any
) -> Any:
    """The contact points' postkasse translations: (mailbox, subject) first, then the
    mailbox alone. A mailbox whose subjects point at different contact points is left out."""
    names = {p.id: p.name for p in contact_points if p.name}
    import pandas as pd

    trans = pd.DataFrame(
        [(p.id, pk, sub) for p in contact_points for pk, sub in p.translations],
        columns=["cand", "pk", "sub"],
    )
    if not len(trans):
        return None
    trans["pk"] = trans["pk"].astype("Int64")
    trans["sub"] = trans["sub"].astype("Int64")
    keys = pd.DataFrame(
        {"_i": mb["_i"], "pk": _as_int(mb["mailbox_id"]), "sub": _as_int(mb["subject_id"])}
    )
    keys = keys[keys["pk"].notna()]
    with_sub = keys[keys["sub"].notna()]
    no_sub = keys[keys["sub"].isna()]
    # a subject that is there but no number (a "2" Excel took for a date, 1900-01-02) is a
    # subject all the same: only a translation of the whole postkasse covers it, as one of
    # another subject does not (read as no subject, it took 0100272:2's contact point for
    # subject 3, under a warning and exit 0)
    unread = (mb.loc[no_sub.index, "subject_id"].fillna("").astype(str) != "").to_numpy()
    t_any = trans[trans["sub"].isna()][["cand", "pk"]]
    parts = [
        with_sub.merge(trans[trans["sub"].notna()], on=["pk", "sub"])[["_i", "cand"]],
        with_sub.merge(t_any, on="pk")[["_i", "cand"]],
        no_sub[unread][["_i", "pk"]].merge(t_any, on="pk")[["_i", "cand"]],
        no_sub[~unread][["_i", "pk"]].merge(trans[["cand", "pk"]], on="pk")[["_i", "cand"]],
    ]
    tr = pd.concat(parts).drop_duplicates()
    n = tr.groupby("_i")["cand"].nunique()
    ambiguous = n[n > 1].index
    for i in ambiguous:
        row = mb.loc[i]
        guids = [_named(g, names) for g in sorted(tr.loc[tr["_i"] == i, "cand"])]
        found.append(
            F.warning(
                "MAPPING_CONFLICT",
                "Postkasse {mailbox_id} has subjects that point at different contact points ({values}); map it in the mapping file.",
                export_label,
                at(row["row"]),
                mailbox_id=row["mailbox_id"],
                values=", ".join(guids),
            )
        )
    tr = tr[~tr["_i"].isin(ambiguous)]
    tr["src"] = SOURCE_TRANSLATION
    return tr


def _named(guid: str, names: dict[str, str]) -> str:
    """A contact point as a person tells it from another: its name, then its GUID."""
    name = names.get(str(guid))
    return f"{name!r} ({guid})" if name else str(guid)


def _apply_candidates(
    mb: Any,
    cand: Any,
    found: list[Finding],
    export_label: str,
    at: Any,
    contact_points: list[ContactPoint],
) -> None:
    """Candidates fill the mailboxes still undecided; one that disagrees with an earlier
    source is a MAPPING_CONFLICT (the earlier source stays), naming both contact points by
    name and GUID (two GUIDs alone say nothing to the person who must choose)."""
    names = {p.id: p.name for p in contact_points if p.name}
    c = cand.drop_duplicates("_i").set_index("_i")
    current = mb.loc[c.index]
    undecided = current["source"] == ""
    decided_value = current["guid"].where(~current["retired"].astype(bool), "udgår")
    clash = ~undecided & (decided_value != c["cand"])
    for i in c.index[clash.to_numpy()]:
        row = mb.loc[i]
        # a subject's conflict names its subject ("Postkassen 0100272: beslutningen siger
        # udgår" read as the whole mailbox to a signer, when one subject was retired)
        subject = str(row["subject_id"] or "").strip()
        msg = "Mailbox {mailbox_id}: the {source_} says {value} but the {value2} says {value3}; the {source_} is used."
        if subject:
            msg = "Mailbox {mailbox_id}, subject {subject}: the {source_} says {value} but the {value2} says {value3}; the {source_} is used."
        found.append(
            F.warning(
                "MAPPING_CONFLICT",
                msg,
                export_label,
                at(row["row"]),
                **({"subject": subject} if subject else {}),
                mailbox_id=row["mailbox_id"],
                source_=row["source"],
                value=_named(decided_value[i], names),
                value2=c.at[i, "src"],
                value3=_named(c.at[i, "cand"], names),
            )
        )
    take = c.index[undecided.to_numpy()]
    retire = c.loc[take, "cand"] == "udgår"
    mb.loc[take, "guid"] = c.loc[take, "cand"].where(~retire, "")
    mb.loc[take, "retired"] = retire.to_numpy()
    mb.loc[take, "source"] = c.loc[take, "src"]


def _retired_findings(
    mb: Any,
    retired: Any,
    found: list[Finding],
    export_label: str,
    at: Any,
    decided: dict[tuple[str, str], Decision],
) -> None:
    """``MAILBOX_RETIRED`` in ``found`` for each retired mailbox: where the mark is, and for a
    decision who made it and when (a decision for one subject before one for the whole
    mailbox)."""
    columns = ["row", "mailbox_id", "subject_id", "source"]
    rows_of = mb["mailbox_id"].value_counts() if retired.any() else None
    for row, mid, subject, src in mb.loc[retired, columns].itertuples(index=False):
        # where the mark is (the mapping file, a decision): the location is the export's
        # row, which holds no mark (a customer's cold read looked for it there)
        decision = (
            decided.get((mid, str(subject or ""))) or decided.get((mid, ""))
            if src == SOURCE_DECISION
            else None
        )
        one = str(subject or "").strip()
        # "the other subjects are not affected" only where the mailbox has other rows (a
        # signer's second look: said of a mailbox with no other subject)
        alone = rows_of is None or int(rows_of.get(mid, 1)) <= 1
        # a retired subject of a mailbox says so: "Postkassen 0100847 er markeret udgår" read
        # as the whole mailbox to a customer, when only its subject 6 was
        params: dict[str, Any] = {"mid": mid, **({"subject": one} if one else {})}
        if decision is not None:
            msg = "Mailbox {mid} is marked udgår/retire (decided by {by} at {at}) and is not migrated."
            if one:
                msg = "Mailbox {mid}, subject {subject}, is marked udgår/retire (decided by {by} at {at}) and is not migrated; the mailbox's other subjects are not affected."
            if one and alone:
                msg = "Mailbox {mid}, subject {subject}, is marked udgår/retire (decided by {by} at {at}) and is not migrated."
            params |= {"src": src, "by": decision.decided_by, "at": decision.decided_at}
        elif src:
            msg = "Mailbox {mid} is marked udgår/retire (in the {src}) and is not migrated."
            if one:
                msg = "Mailbox {mid}, subject {subject}, is marked udgår/retire (in the {src}) and is not migrated; the mailbox's other subjects are not affected."
            if one and alone:
                msg = "Mailbox {mid}, subject {subject}, is marked udgår/retire (in the {src}) and is not migrated."
            params["src"] = src
        else:
            msg = "Mailbox {mid} is marked udgår/retire and is not migrated."
            if one:
                msg = "Mailbox {mid}, subject {subject}, is marked udgår/retire and is not migrated; the mailbox's other subjects are not affected."
            if one and alone:
                msg = (
                    "Mailbox {mid}, subject {subject}, is marked udgår/retire and is not migrated."
                )
        found.append(F.info("MAILBOX_RETIRED", msg, export_label, at(row), **params))


def _file_row_finder(mapping: MappingFile | None, file_rows: Any) -> Any:
    """(mailbox ID, subject ID) → (the mapping file's label, the location of its row), as
    the file's candidates were matched: the exact (mailbox, subject) first, then the
    mailbox's row without a subject; None when the file has neither. Built on first use
    (only an unknown contact point asks)."""
    if mapping is None or file_rows is None:
        return None
    index: dict[tuple[str, str], int] = {}

    def find(mailbox_id: str, subject_id: Any) -> tuple[str, str] | None:
        if not index:
            keys = zip(file_rows["mailbox_id"], file_rows["subject_id"], strict=True)
            for key, row in zip(keys, file_rows["row"].tolist(), strict=True):
                index.setdefault((str(key[0]), str(key[1] or "")), int(row))
        subject = str(subject_id or "")
        row = index.get((mailbox_id, subject), index.get((mailbox_id, "")))
        return None if row is None else (mapping.source, mapping.where(row))

    return find


def _statuses(
    mb: Any,
    contact_points: list[ContactPoint] | None,
    nothing_to_map_with: bool,
    found: list[Finding],
    export_label: str,
    at: Any,
    *,
    decided: dict[tuple[str, str], Decision] | None = None,
    in_file: Any = None,
    id_errors: frozenset[int] = frozenset(),
) -> Any:
    """Each mailbox's status and contact point name; returns the mask of mapped rows.
    ``decided``: the decisions by (mailbox ID, subject ID), for who retired a mailbox.
    ``in_file``: (mailbox ID, subject ID) → (file, location) of the mapping file's row that
    gave it (:func:`_file_row_finder`), where an unknown contact point is to be mended.
    ``id_errors``: the export's rows whose ID is already an error (MAILBOX_ID_INVALID): the
    ID is mended first, so they stay unmapped without a MAILBOX_UNMAPPED of their own."""
    known = {p.id: p for p in contact_points or []}
    retired = mb["retired"].astype(bool)
    mapped = (mb["guid"] != "") & ~retired
    mb["status"] = STATUS_UNMAPPED
    mb.loc[retired, "status"] = STATUS_RETIRED
    mb.loc[mapped, "status"] = STATUS_MAPPED
    names = {g: p.name for g, p in known.items()}
    mb["contact_point"] = mb["guid"].map(names).fillna("") if names else ""
    if contact_points is not None:
        unknown = mapped & ~mb["guid"].isin(known)
        mb.loc[unknown, "status"] = STATUS_UNKNOWN
        for row, mid, subject, guid, src in mb.loc[
            unknown, ["row", "mailbox_id", "subject_id", "guid", "source"]
        ].itertuples(index=False):
            # the mapping file's row when the file gave the GUID: that is where it is mended
            # (a support engineer looked for it in the export's row, which holds no GUID)
            place = (in_file(mid, subject) if src == SOURCE_FILE and in_file else None) or (
                export_label,
                at(row),
            )
            found.append(
                F.error(
                    "CONTACT_POINT_UNKNOWN",
                    "Mailbox {mid} is mapped (by the {src}) to {guid}, which is not one of this environment's contact points.",
                    *place,
                    mid=mid,
                    src=src,
                    guid=guid,
                )
            )
    _retired_findings(mb, retired, found, export_label, at, decided or {})
    if not nothing_to_map_with:  # on day one PENDING_CONTACT_POINTS/PENDING_MAPPING say it once
        unmapped = (mb["status"] == STATUS_UNMAPPED) & ~mb["row"].isin(id_errors)
        for row, mid, name in mb.loc[unmapped, ["row", "mailbox_id", "mailbox_name"]].itertuples(
            index=False
        ):
            named = str(name or "").strip()  # a name cell left empty (or a formula's): no "()"
            found.append(
                F.error(
                    "MAILBOX_UNMAPPED",
                    "Mailbox {mid} ({name}) has no contact point GUID."
                    if named
                    else "Mailbox {mid} has no contact point GUID.",
                    export_label,
                    at(row),
                    mid=mid,
                    **({"name": name} if named else {}),
                )
            )
    return mapped


def _unit_findings(
    mb: Any, export_label: str, at: Any, contact_points: list[ContactPoint] | None
) -> list[Finding]:
    """The findings of the mailboxes' units: UNIT_NO_CONTACT_POINT (when contact points are
    known), MAILBOX_LANDS_APART_FROM_UNIT, and the units named elsewhere."""
    found: list[Finding] = F.Bounded()
    if contact_points is not None:
        found += _units_unmapped(mb, export_label, at)
    apart = _apart_from_unit(mb, export_label, at, contact_points or [])
    found += apart
    # a mailbox MAILBOX_LANDS_APART_FROM_UNIT names is not counted again (a proofreader
    # counted two warnings, with two fixes, for one moved row)
    named = {str(f.params.get("mid", "")) for f in apart}
    found += _unit_named_elsewhere(mb, export_label, at, contact_points or [], named)
    return found


def _units_unmapped(mb: Any, export_label: str, at: Any) -> list[Finding]:
    """One ``UNIT_NO_CONTACT_POINT`` (info) per unit of the export none of whose mailboxes is
    mapped (or retired): a unit new in the export, whose mailboxes no contact point
    translates. A week-two consultant: a new unit's mailbox was only ``MAILBOX_UNMAPPED``,
    and the suggestions proposed other units' contact points for it."""
    found: list[Finding] = F.Bounded()
    units = mb["responsible_unit"].fillna("").astype(str)
    open_rows = mb["status"] == STATUS_UNMAPPED
    if not open_rows.any():
        return found
    settled = set(units[mb["status"] == STATUS_MAPPED].unique())
    if not settled:  # nothing mapped yet anywhere: MAILBOX_UNMAPPED says it; no unit is new
        return found
    settled |= set(units[~open_rows].unique())
    waiting = units[open_rows & (units != "")]
    for unit, rows in waiting.groupby(waiting, sort=False).groups.items():
        if unit in settled:
            continue  # some of its mailboxes are mapped: a contact point serves the unit
        first = mb.loc[rows[0], "row"]
        found.append(
            F.info(
                "UNIT_NO_CONTACT_POINT",
                "No mailbox of unit {unit!r} is mapped ({count} mailbox(es)): no contact point of this environment translates them; if the unit is new, create a contact point for it in Administrativ Adgang with their translations, and list it in the contact points.",
                export_label,
                at(first),
                unit=unit,
                count=len(rows),
            )
        )
    return found


def _apart_from_unit(
    mb: Any, export_label: str, at: Any, contact_points: list[ContactPoint]
) -> list[Finding]:
    """One ``MAILBOX_LANDS_APART_FROM_UNIT`` (warning) per row of a mailbox that lands on one
    contact point while every other mapped mailbox of its unit (at least 2) lands on one and
    the same other contact point: a mailbox moved to another unit in the export, whose old
    unit's contact point still translates it. A customer's week two: three moved mailboxes
    showed once as a change ("hører nu til … og lander på …") and then said nothing.

    Only what a translation, the mapping file or the export's GUID column mapped is judged:
    a decision (accept, override) says the contact point is right. Retired, unmapped and
    unknown rows, and blank units, are neither judged nor counted; units compare as the
    export writes them, mailboxes by their ID as a number (a mailbox's subjects are one
    mailbox). A unit spread over contact points (no single one for all but one mailbox)
    gives none. Grouped per unit: no Python loop over the rows, except to word the findings."""
    import pandas as pd

    from .mailboxes import matching_key

    found: list[Finding] = F.Bounded()
    units = mb["responsible_unit"].fillna("").astype(str)
    mapped = (mb["status"] == STATUS_MAPPED) & (units != "")
    if not mapped.any():
        return found
    rows = pd.DataFrame(
        {
            "unit": units[mapped],
            "key": matching_key(mb.loc[mapped, "mailbox_id"].astype(str)),
            "guid": mb.loc[mapped, "guid"],
        }
    )
    # most units land on one contact point: only those on several can hold a mailbox apart
    rows = rows[rows.groupby("unit", sort=False)["guid"].transform("nunique") > 1]
    if not len(rows):
        return found
    # each mailbox: its contact points (one, unless its subjects land apart)
    per_mailbox = rows.groupby(["unit", "key"], sort=False)["guid"].agg(["nunique", "first"])
    mailboxes = per_mailbox.groupby(level="unit", sort=False).size()
    whole = per_mailbox[per_mailbox["nunique"] == 1].reset_index()
    on = whole.groupby(["unit", "first"], sort=False).size().reset_index(name="on")
    on["mailboxes"] = on["unit"].map(mailboxes)
    # the unit's contact point: at least 2 of the unit's mailboxes land wholly on it, and
    # every one but one or three in four of them (so several moved into one unit are each
    # named: with "all but one" alone, two moved mailboxes made the unit look split). No two
    # contact points can both be one: each holds more than half the unit.
    share = on["on"]
    theirs = on[
        (share >= 2) & ((share == on["mailboxes"] - 1) | (share * 4 >= on["mailboxes"] * 3))
    ].set_index("unit")
    if not len(theirs):
        return found
    rows["theirs"] = rows["unit"].map(theirs["first"])
    judged = mb["source"].isin([SOURCE_TRANSLATION, SOURCE_FILE, SOURCE_EXPORT])
    apart = rows["theirs"].notna() & (rows["guid"] != rows["theirs"])
    apart &= judged[rows.index]
    names = {p.id: p.name for p in contact_points if p.name}
    return _apart_findings(mb, rows, apart, theirs, names, export_label, at)


_NAME_ENDS = (" - ", " – ", " — ", ", ", " (", ": ", "/")


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def name_keys(point_name: str) -> set[str]:
    """The unit names a contact point's name carries: the whole name, and each beginning of
    it that a separator follows ("borgerservice - eksempel kommune" carries "borgerservice"),
    case and spaces aside."""
    name = _folded(point_name)
    keys = {name} if name else set()
    for end in _NAME_ENDS:
        at = name.find(end)
        while at != -1:
            if at:
                keys.add(name[:at])
            at = name.find(end, at + 1)
    return keys


def carries_name(point_name: str, unit: str) -> bool:
    """Whether a contact point is named after a unit: its name is the unit's, or begins with
    it followed by a separator ("Borgerservice - Eksempel Kommune"), case and spaces aside.
    Strict on purpose: "Skole" is not carried by "Skoleindskrivning"."""
    wanted = _folded(unit)
    return bool(wanted) and wanted in name_keys(point_name)


def _unit_named_elsewhere(
    mb: Any,
    export_label: str,
    at: Any,
    contact_points: list[ContactPoint],
    named_apart: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Finding]:
    """``UNIT_NAMED_ELSEWHERE`` (warning), one per unit and contact point: a unit's mailboxes
    that land on a contact point not named after the unit, while exactly one other contact
    point is. A customer's cold read swapped two units' GUIDs down a block of 32 rows in the
    mapping file, and nothing was said (every unit still landed on one contact point, so no
    mailbox stood apart from its unit). Judged as MAILBOX_LANDS_APART_FROM_UNIT judges: only
    what a translation, the mapping file or the export's GUID column mapped; a decision says
    the contact point is right. Units without a contact point named after them are not
    judged (many organisations name contact points otherwise)."""
    found: list[Finding] = F.Bounded()
    judged = (mb["status"] == STATUS_MAPPED) & mb["source"].isin(
        [SOURCE_TRANSLATION, SOURCE_FILE, SOURCE_EXPORT]
    )
    units = mb["responsible_unit"].fillna("").astype(str).str.strip()
    judged &= units != ""
    if not judged.any() or not contact_points:
        return found
    names = {p.id: p.name for p in contact_points if p.name}
    # each contact point's unit names once, looked up by unit (a name compared with every
    # contact point per unit took 13 s at 5,000 units and contact points: an attacker's look)
    keys = {guid: name_keys(name) for guid, name in names.items()}
    carrying: dict[str, list[str]] = {}
    for guid, carried in keys.items():
        for key in carried:
            carrying.setdefault(key, []).append(guid)
    totals = units[judged].value_counts()
    rows = mb.loc[judged, ["row", "mailbox_id", "guid", "source"]].assign(unit=units[judged])
    rows = rows[~rows["mailbox_id"].astype(str).isin(named_apart)].sort_values("row")
    # one line per (unit, contact point), its first row first: no pandas work per group
    # (5,000 groups of a few rows each took seconds as frames of their own); each group's
    # size and first values, without named aggregation's dispatch (a third of the time)
    by = rows.groupby(["unit", "guid"], sort=False)
    groups = by[["row", "mailbox_id", "source"]].first()
    groups.insert(0, "count", by.size())
    for (unit, guid), count, row, mid, src in groups.itertuples(name=None):
        wanted = _folded(unit)
        named = carrying.get(wanted, [])
        if len(named) != 1 or named[0] == guid or wanted in keys.get(guid, set()):
            continue
        found.append(
            F.warning(
                "UNIT_NAMED_ELSEWHERE",
                "Unit {unit!r}: {count} of its {total} row(s) (first: mailbox {mid}) land on {cp}, not on {cp2}, which is named after the unit. If they belong on {cp2}, correct their GUIDs in the {src}; if the present mapping is right, record a decision for them with the GUID of {cp}.",
                export_label,
                at(int(row)),
                count=int(count),
                unit=unit,
                total=int(totals[unit]),
                cp=_named(guid, names),
                cp2=_named(named[0], names),
                mid=mid,
                src=src,  # where to correct them: the first row's source (one, in a swap)
            )
        )
    return found


def _apart_findings(
    mb: Any,
    rows: Any,
    apart: Any,
    theirs: Any,
    names: dict[str, str],
    export_label: str,
    at: Any,
) -> list[Finding]:
    """The ``MAILBOX_LANDS_APART_FROM_UNIT`` findings for the ``apart`` rows of ``rows``
    (:func:`_apart_from_unit`), worded: ``theirs`` holds each unit's contact point
    (``first``), the mailboxes on it (``on``) and the unit's mailboxes (``mailboxes``)."""
    found: list[Finding] = F.Bounded()
    columns = ["row", "mailbox_id", "subject_id", "mailbox_name", "responsible_unit", "guid"]
    for i, (row, mid, sid, name, unit, guid) in zip(
        rows.index[apart.to_numpy()],
        mb.loc[rows.index[apart.to_numpy()], columns].itertuples(index=False),
        strict=True,
    ):
        named = str(name or "").strip()
        sub = str(sid or "").strip()
        msg = "Mailbox {mid}{value} of unit {unit!r} lands on {cp}, while {count} of the unit's {total} mailboxes land on {cp2}: if the mailbox has moved to this unit, move its translation to the unit's contact point in Administrativ Adgang and in the contact points file; if the mapping is right, record a decision for the mailbox with that contact point's GUID (in the editor or the decisions file)."
        if named:
            msg = "Mailbox {mid}{value} ({name}) of unit {unit!r} lands on {cp}, while {count} of the unit's {total} mailboxes land on {cp2}: if the mailbox has moved to this unit, move its translation to the unit's contact point in Administrativ Adgang and in the contact points file; if the mapping is right, record a decision for the mailbox with that contact point's GUID (in the editor or the decisions file)."
        if mb.at[i, "source"] == SOURCE_FILE:
            # the mapping file gave it: that is what to correct (a customer's cold read was
            # told to move a translation the mailbox never had)
            msg = "Mailbox {mid}{value} of unit {unit!r} lands on {cp}, while {count} of the unit's {total} mailboxes land on {cp2}: the mapping file sends it there; if it belongs with its unit, correct its GUID in the mapping file; if the mapping is right, record a decision for the mailbox with that contact point's GUID (in the editor or the decisions file)."
            if named:
                msg = "Mailbox {mid}{value} ({name}) of unit {unit!r} lands on {cp}, while {count} of the unit's {total} mailboxes land on {cp2}: the mapping file sends it there; if it belongs with its unit, correct its GUID in the mapping file; if the mapping is right, record a decision for the mailbox with that contact point's GUID (in the editor or the decisions file)."
        found.append(
            F.warning(
                "MAILBOX_LANDS_APART_FROM_UNIT",
                msg,
                export_label,
                at(row),
                mid=mid,
                value=":" + sub if sub else "",
                **({"name": name} if named else {}),
                unit=unit,
                cp=_named(guid, names),
                count=int(theirs.at[unit, "on"]),
                total=int(theirs.at[unit, "mailboxes"]),
                cp2=_named(rows.at[i, "theirs"], names),
            )
        )
    return found


def _contact_point_rules(
    contact_points: list[ContactPoint] | None,
    used: set[str],
    *,
    system_id: str | None,
    default_contact_point: str | None,
    contact_points_label: str,
) -> list[Finding]:
    """The default contact point, and each contact point in use: active, on this system."""
    found: list[Finding] = F.Bounded()
    known = {p.id: p for p in contact_points or []}
    sys_id = canonical_guid(system_id or "")
    default = canonical_guid(default_contact_point or "") if default_contact_point else None
    if default_contact_point and default is None:
        found.append(
            F.error(
                "CONTACT_POINT_GUID_INVALID",
                "default_contact_point {default_contact_point!r} is not a GUID.",
                "default_contact_point",
                default_contact_point=default_contact_point,
            )
        )
    if contact_points is None:
        return found
    if default:
        used = used | {default}
        if default not in known:
            found.append(
                F.error(
                    "DEFAULT_CONTACT_POINT_UNKNOWN",
                    "default_contact_point {default} is not one of this environment's contact points.",
                    "default_contact_point",
                    default=default,
                )
            )
    for p in contact_points:
        if p.id not in used:
            found.append(
                F.info(
                    "CONTACT_POINT_UNUSED",
                    "Contact point {name!r} ({id}) has no mailbox mapped to it.",
                    contact_points_label,
                    p.location,
                    name=p.name,
                    id=p.id,
                )
            )
            continue
        if not p.active:
            found.append(
                F.error(
                    "CONTACT_POINT_INACTIVE",
                    "Contact point {name!r} ({id}) is used but not active.",
                    contact_points_label,
                    p.location,
                    name=p.name,
                    id=p.id,
                )
            )
        if sys_id and p.system_id and p.system_id != sys_id:
            found.append(
                F.error(
                    "CONTACT_POINT_WRONG_SYSTEM",
                    "Contact point {name!r} ({id}) is used but delivers to system {system_id}, not this environment's {sys_id}.",
                    contact_points_label,
                    p.location,
                    name=p.name,
                    id=p.id,
                    system_id=p.system_id,
                    sys_id=sys_id,
                )
            )
    return found


def suggest(mapping: Mapping, contact_points: list[ContactPoint], *, limit: int = 3) -> Any:
    """Up to ``limit`` contact points per unmapped mailbox, by name and unit similarity.

    The result is in the mapping-file layout with an Accept column: mark one row per
    mailbox, save it as the mapping file, run again. Nothing is applied by itself.
    Scores are rapidfuzz's ``token_set_ratio`` of processed names; only the pairs
    that can reach a mailbox's best few are scored (:mod:`ngdpkit.inputs.similarity`).
    """
    import pandas as pd

    from .similarity import best_matches

    columns = [
        "Mailbox ID",
        "Subject ID",
        "Mailbox name",
        "Responsible unit",
        "NgDP Guid",
        "Contact point name",
        "Score",
        "Reason",
        "Accept",
    ]
    todo = mapping.frame[mapping.frame["status"] == "unmapped"]
    if not len(todo) or not contact_points:
        return pd.DataFrame(columns=columns)
    names = [p.name for p in contact_points]
    queries = [
        f"{n} {u}" for n, u in zip(todo["mailbox_name"], todo["responsible_unit"], strict=True)
    ]
    rows, picks, scores = best_matches(queries, names, limit)
    records = list(
        todo[["mailbox_id", "subject_id", "mailbox_name", "responsible_unit"]].itertuples(
            index=False
        )
    )
    return pd.DataFrame(
        [
            [*records[i], contact_points[j].id, names[j], score, "suggested by name", ""]
            for i, j, score in zip(rows.tolist(), picks.tolist(), scores.tolist(), strict=True)
        ],
        columns=columns,
    )


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """Day one: a contact point proposed for one responsible unit, with the postkasse (and
    emne) IDs to enter as its translations, exactly as the export writes them, and the
    number of distinct mailboxes among them."""

    name: str
    targets: tuple[str, ...]
    visible: bool
    mailboxes: int
    translations: tuple[str, ...]


def contact_point_plan(
    export_frame: Any, retired: frozenset[tuple[str, str]] = frozenset()
) -> tuple[PlanEntry, ...]:
    """Day one: a proposed contact point per responsible unit, with the translations to enter.
    ``retired``: the (Mailbox ID, Subject ID) pairs marked udgår, which are not proposed.
    Only IDs that can be translations are proposed: digits, as NgDP's postkasse and emne IDs
    are (an attacker's pass: a full-width "０１００２３３", already MAILBOX_ID_INVALID, went
    into the plan's "Postkasse IDs" for the portal administrator to type)."""
    import pandas as pd

    ids, subjects = export_frame["mailbox_id"], export_frame["subject_id"]
    usable = ids.str.fullmatch(r"[0-9]+") & ((subjects == "") | subjects.str.fullmatch(r"[0-9]+"))
    # a mailbox marked udgår (by the mapping file or a decision) is not migrated, so it is no
    # translation (a consultant's second look: retired as MAILBOX_ROWS_HIDDEN advised, the
    # hidden test mailboxes stayed in the plan and on the portal page)
    if retired:
        keys = zip(export_frame["mailbox_id"], export_frame["subject_id"], strict=True)
        usable &= pd.Series([key not in retired for key in keys], index=export_frame.index)
    # one unit spelt two ways ("Børn og Unge", "Børn og unge") is one contact point (a
    # consultant's day one: the plan proposed both), named as most rows of the export spell
    # it, as UNIT_NAME_VARIANTS says (whatever rows the plan leaves out)
    every = export_frame["responsible_unit"]
    every = every.where(every != "", "(ingen enhed)")
    spelt = {key: spelling_of(group) for key, group in every.groupby(unit_keys(every))}
    frame = export_frame[usable.fillna(False).astype(bool)]
    units = frame["responsible_unit"].where(frame["responsible_unit"] != "", "(ingen enhed)")
    plan = []
    for unit, group in frame.groupby(unit_keys(units).map(spelt), sort=True):
        ids = [
            f"{m}:{s}" if s else m
            for m, s in zip(group["mailbox_id"], group["subject_id"], strict=True)
        ]
        plan.append(
            PlanEntry(
                # a contact point's name is public in NgDP: a unit named after a person with
                # a CPR number ("Sagsbehandler Karen Nielsen 0202851234", a DPO's review) is
                # proposed without the number (CPR_IN_TEXT asks to mend the export)
                name=hide_cpr_in_name(str(unit)),
                targets=("CITIZEN", "COMPANY"),
                visible=True,
                # mailboxes, not rows or translations: a mailbox with three subjects is
                # one mailbox and three translations ("Antal postkasser" counted rows)
                mailboxes=group["mailbox_id"].nunique(),
                translations=tuple(dict.fromkeys(ids)),
            )
        )
    return tuple(plan)
