"""What changed between two runs of one environment (``ngdpkit diff``, ``changes.json``).

Findings are matched by (code, source, location); mapping rows by (Mailbox ID, Subject ID);
the dispatcher by its parameters; the portal by its fields and its contact points (by GUID,
else by name); outputs by the digest the manifest gives them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..deliverables.portal import PortalContactPoint
from ..documents.change_text import unit_of
from ..errors import InputError
from .runs import MAPPING_KEY, MAPPING_NAME, MAPPING_UNIT, MAPPING_VALUES, RunView

SCHEMA = "ngdpkit/changes/2"
# Files every run rewrites even when nothing changed: not "outputs whose digest changed".
VOLATILE = ("audit.jsonl", "manifest.json", "changes.json", "dispatcher-config.json")


@dataclass(frozen=True)
class RunRef:
    """Which run a side of the comparison is."""

    run: str
    anchor: str
    status: str


@dataclass(frozen=True)
class Change:
    """One change that is not a finding: a code of :mod:`.change_text` and the raw values
    its message names (rendered for people there, never printed raw)."""

    code: str
    params: dict[str, Any]
    unit: str = ""  # the responsible unit it concerns; empty for the whole environment


@dataclass(frozen=True)
class MailboxName:
    """A mailbox a mapping change names, and its name in the export, said beside its ID (a
    customer's week-two read: "Postkasse 0100233" alone named nothing they knew)."""

    mailbox: str
    name: str
    # the subject whose row the name is, when a change names one: the export names each
    # subject's row ("Opkrævning (emne 10)"), and a row removed or retired was said with the
    # name of another row of its mailbox, one that stayed. Written only when not empty.
    subject: str = ""


def _register_hooks() -> None:
    """``subject`` is written only when there is one: a mailbox-wide change keeps the entry's
    keys as before."""
    from cattrs.gen import make_dict_unstructure_fn, override

    from ..inputs.typed import converter

    converter.register_unstructure_hook(
        MailboxName,
        make_dict_unstructure_fn(MailboxName, converter, subject=override(omit_if_default=True)),
    )


_register_hooks()


@dataclass(frozen=True)
class FindingChange:
    """A finding that appeared or went away, as ``findings.json`` holds it (its message in
    the run's language, its template and params for the other), with its unit."""

    severity: str
    code: str
    source: str
    location: str
    message: str
    params: dict[str, str] = field(default_factory=dict)
    template: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Changes:
    """``changes.json``: everything that changed from one run of an environment to the next."""

    schema: str
    environment: str
    previous: RunRef
    current: RunRef
    findings_added: tuple[FindingChange, ...]
    findings_resolved: tuple[FindingChange, ...]
    mapping_changed: tuple[Change, ...]
    dispatcher_changed: tuple[Change, ...]
    portal_changed: tuple[Change, ...]
    outputs_changed: tuple[Change, ...]
    # gone because the newer run could not check them (a wrong password): not resolved
    findings_unchecked: tuple[FindingChange, ...] = ()
    # come back because the previous run could not check them: checked again, not new
    findings_rechecked: tuple[FindingChange, ...] = ()
    # gone because its row's Mailbox ID is an error now said alone (still unmapped): not resolved
    findings_superseded: tuple[FindingChange, ...] = ()
    checklist_changed: tuple[Change, ...] = ()  # a step's status or evidence
    # the name of each mailbox a mapping change names: the newer run's, else the older's
    mailbox_names: tuple[MailboxName, ...] = ()


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (str(f.get("code", "")), str(f.get("source", "")), str(f.get("location", "")))


def _relative(text: str, a: RunView, b: RunView) -> str:
    """Sources name the run folder: compare them without it."""
    return text.replace(a.path.name, "<run>").replace(b.path.name, "<run>")


# Parameters that say where a finding is, not what it says of its subject.
_WHERE_PARAMS = frozenset({"row", "line", "header_row"})

Keyed = tuple[tuple[str, ...], dict[str, Any]]  # a finding and its (code, source, location)


def _params(finding: dict[str, Any], *, leave_out: frozenset[str] = frozenset()) -> str:
    """A finding's parameters as one comparable text."""
    raw = finding.get("params")
    params = {
        str(k): str(v)
        for k, v in (raw.items() if isinstance(raw, dict) else ())
        if k not in leave_out
    }
    return json.dumps(params, sort_keys=True) if params else ""


# A list of rows as findings.first_of writes it: "313", "305, 306", "1, 2, 3, 4, 5 and 7 more".
_ROW_LIST = re.compile(r"([0-9]+)(, [0-9]+)*( and [0-9]+ more)?")


def _row_lists(finding: dict[str, Any], location: str) -> frozenset[str]:
    """The parameters that list the finding's rows: those whose rows begin at its location's
    row (a blank unit's "(rows 313)" is where it is, not what it says: one row deleted above it
    listed it as new and as resolved in a consultant's second week)."""
    at = re.findall(r"[0-9]+", location)
    raw = finding.get("params")
    if not at or not isinstance(raw, dict):
        return frozenset()
    out = set()
    for k, v in raw.items():
        m = None if k == "count" else _ROW_LIST.fullmatch(str(v))
        if m and m.group(1) == at[-1]:
            out.add(str(k))
    return frozenset(out)


def _subject(key: tuple[str, ...], finding: dict[str, Any]) -> tuple[str, ...] | None:
    """A finding without the number of its location: its code, source, location with the
    numbers left out, and what it says of its subject (its parameters but the row, or the
    rows it lists from there). None for a finding that names no subject beyond its rows (a
    blank name): only its row tells two such findings apart."""
    params = _params(finding, leave_out=_WHERE_PARAMS | _row_lists(finding, key[2]))
    if not params:
        return None
    code, source, location = key
    return (code, source, re.sub("[0-9]+", "#", location), params)


def _pair(before: list[Keyed], after: list[Keyed], same: Any) -> tuple[list[Keyed], list[Keyed]]:
    """The findings of ``after`` and of ``before`` left once each is paired with one of the
    other side that ``same`` gives the same value (None pairs with nothing), in order."""
    waiting: dict[Any, list[int]] = {}
    for i, (key, finding) in enumerate(before):
        value = same(key, finding)
        if value is not None:
            waiting.setdefault(value, []).append(i)
    taken: set[int] = set()
    left: list[Keyed] = []
    for key, finding in after:
        value = same(key, finding)
        pool = waiting.get(value) if value is not None else None
        if pool:
            taken.add(pool.pop(0))
        else:
            left.append((key, finding))
    return left, [k for i, k in enumerate(before) if i not in taken]


def _compared(before: list[Keyed], after: list[Keyed]) -> tuple[list[Keyed], list[Keyed]]:
    """The findings added and resolved from ``before`` to ``after``, each side's in its order.

    A finding is the one of the other run that has its code, source and location: with the
    same parameters first (two addresses in the documentation range at one settings key are
    two findings), then any (a parameter that changes each day, such as days left, does not
    make it new). Of those left, one whose location only moved is the same too: a row deleted
    or added above a mailbox renumbers its row (a customer's cold read found the retired
    mailbox listed as new at row 156 and as resolved at row 157). A finding that names a
    mailbox is never the one of another mailbox at its row: after the customer sorted the
    export by name, each row's ``MAILBOX_UNMAPPED`` was another mailbox's, and ``diff``
    listed mailboxes unmapped in both runs as new and as resolved."""
    for same in (
        lambda key, f: (key, _params(f)),
        lambda key, f: (key, _mailbox_of(f)),
        _subject,
    ):
        after, before = _pair(before, after, same)
        if not after or not before:
            break
    return after, before


# Errors after which a run could not check what they stand before: a finding of those checks
# that went away was not resolved, it was not looked at (a wrong password "resolved" the
# certificate's findings in a consultant's cold run). Each names the codes it hides, by prefix.
_BLINDING = {
    "CERT_BAD_PASSWORD": "CERT_",
    "CERT_FILE_CORRUPT": "CERT_",
    "NGDP_READ_FAILED": "NGDP_",
}


def _blinded(after: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (code prefix, source) of each error of the newer run that stopped a check."""
    out = []
    for f in after:
        code, source = str(f.get("code", "")), str(f.get("source", ""))
        if f.get("severity") != "error":
            continue
        if code in _BLINDING:
            out.append((_BLINDING[code], source))
        elif code == "SECRET_MISSING" and source.endswith(".certificate_password_env"):
            out.append(("CERT_", source))  # the certificate was not opened
    return out


# A row whose Mailbox ID is an error (MAILBOX_ID_INVALID, an error: inputs.mailboxes.id_error_rows)
# has that error only, since session 43: before, MAILBOX_UNMAPPED stood beside it. The row is
# still unmapped; its MAILBOX_UNMAPPED gone is not resolved, it is said by the ID's error.
_SAID_BY_ID_ERROR = frozenset({"MAILBOX_UNMAPPED"})
_ID_ERRORS = frozenset({"MAILBOX_ID_INVALID"})


def _id_error_places(
    findings: list[dict[str, Any]], a: RunView, b: RunView
) -> set[tuple[str, str]]:
    """(source, location) of each error of ``findings`` that is a row's Mailbox ID."""
    return {
        (_relative(str(f.get("source", "")), a, b), _relative(str(f.get("location", "")), a, b))
        for f in findings
        if f.get("code") in _ID_ERRORS and f.get("severity") == "error"
    }


def _mailbox_of(finding: dict[str, Any]) -> str:
    """The Mailbox ID a finding names (its ``mid``), "" for none."""
    params = finding.get("params")
    return str(params.get("mid", "")) if isinstance(params, dict) else ""


@dataclass(frozen=True)
class _Settled:
    """Which rows of a run's mapping file are mapped or retired, by (Mailbox ID, Subject ID),
    and which mailboxes have every row so."""

    rows: frozenset[tuple[str, str]]
    whole: frozenset[str]  # mailboxes whose every row is mapped or retired


def _settled_rows(view: RunView) -> _Settled:
    """The rows ``view``'s mapping file lists as mapped or retired: a row whose
    ``MAILBOX_UNMAPPED`` is gone and that is one of them is resolved, though its old place
    now holds a row whose ID is an error (rows added above it in a new export). By row, not
    by mailbox: a mailbox with one subject mapped and another still unmapped (its ID an error
    now) had the unmapped row's finding listed as resolved."""
    table = view.mapping
    if table is None or not len(table) or "Status" not in table.columns:
        return _Settled(frozenset(), frozenset())
    ids, status = _texts(table[MAPPING_KEY[0]]), _texts(table["Status"])
    subjects = _texts(table[MAPPING_KEY[1]]) if MAPPING_KEY[1] in table.columns else [""] * len(ids)
    rows, open_ = set(), set()
    for mid, subject, state in zip(ids, subjects, status, strict=True):
        if state != "unmapped":
            rows.add((str(mid), str(subject)))
        else:
            open_.add(str(mid))
    return _Settled(frozenset(rows), frozenset(m for m, _ in rows) - open_)


def _row_settled(
    finding: dict[str, Any], settled: _Settled, rows: dict[str, tuple[str, str]] | None
) -> bool:
    """Whether the export row ``finding`` was about (its location in the older run, whose
    rows are ``rows``) is mapped or retired in the newer run. Without the older run's rows
    (a run that kept no mailbox table), only a mailbox whose every row is settled is."""
    mid = _mailbox_of(finding)
    row = rows.get(str(finding.get("location", ""))) if rows is not None else None
    if row is None or row[0] != mid:
        return mid in settled.whole
    return row in settled.rows


def _export_rows(view: RunView) -> dict[str, tuple[str, str]] | None:
    """(Mailbox ID, Subject ID) of each export row of ``view`` by its place (``Sheet!row``);
    read from the run folder when the view does not hold them; None when not known."""
    rows = view.export_rows
    if rows is None and (view.path / "steps").is_dir():
        from .runs import read_export_rows

        rows = read_export_rows(view.path)
    if rows is None:
        return None
    return {r.where: (r.mailbox, r.subject) for r in rows}


def _not_checked(finding: dict[str, Any], blind: list[tuple[str, str]]) -> bool:
    code, source = str(finding.get("code", "")), str(finding.get("source", ""))
    for prefix, stopper_source in blind:
        if code.startswith(prefix) or source == stopper_source:
            return True
        # the certificate's revocation check is skipped only once the certificate is open
        if prefix == "CERT_" and (code, finding.get("location")) == ("NET_SKIPPED", "OCSP"):
            return True
    return False


def finding_units(view: RunView) -> tuple[dict[str, str], dict[str, str]]:
    """The responsible unit by mailbox ID and by export row (``Sheet!row``), from the run's
    own mailbox table: so a finding about one mailbox is counted under its unit."""
    by_id: dict[str, str] = {}
    by_row: dict[str, str] = {}
    table = view.mailboxes
    if table is None and view.units_on_demand:
        from .runs import read_mailbox_units

        table = read_mailbox_units(view.path, view.path.name)
    if table is not None:
        for mid, unit, where in table:
            by_id.setdefault(mid, unit)
            by_row[where] = unit
    return by_id, by_row


Found = tuple[FindingChange, ...]  # findings of one kind of change


def findings_changes(
    a: RunView, b: RunView
) -> tuple[tuple[FindingChange, ...], tuple[FindingChange, ...]]:
    """The findings added and resolved from run ``a`` to run ``b`` (those ``b`` could not
    check are left out: :func:`findings_compared` names them)."""
    added, resolved, _, _ = findings_compared(a, b)
    return added, resolved


def findings_compared(a: RunView, b: RunView) -> tuple[Found, Found, Found, Found]:
    """The findings added, resolved, gone because run ``b`` could not check them, and come
    back because run ``a`` could not (those gone into their row's ID error are left out:
    :func:`findings_compared_all` names them)."""
    added, resolved, unchecked, rechecked, _ = findings_compared_all(a, b)
    return added, resolved, unchecked, rechecked


def findings_compared_all(a: RunView, b: RunView) -> tuple[Found, Found, Found, Found, Found]:
    """:func:`findings_compared`, and the findings gone because their row's Mailbox ID is an
    error of run ``b`` that says it alone (:data:`_SAID_BY_ID_ERROR`): a run of a kit from
    before session 43 compared with a newer one listed such a row's ``MAILBOX_UNMAPPED`` as
    resolved, though the row is as unmapped as it was."""

    def keyed(view: RunView) -> list[Keyed]:
        # a finding said twice alike (an address listed twice gives its warning twice) is
        # one: one of the two gone is no change, since the reader still reads the same words
        out: list[Keyed] = []
        seen: set[tuple[tuple[str, ...], str]] = set()
        for f in view.findings:
            key = tuple(_relative(x, a, b) for x in _key(f))
            said = (key, _params(f))
            if said not in seen:
                seen.add(said)
                out.append((key, f))
        return out

    came, gone = _compared(keyed(a), keyed(b))
    blind = _blinded(b.findings) if gone else []
    unchecked_keyed = [k for k in gone if _not_checked(k[1], blind)]
    resolved_keyed = [k for k in gone if not _not_checked(k[1], blind)]
    superseded_keyed: list[Keyed] = []
    if any(k[0][0] in _SAID_BY_ID_ERROR for k in resolved_keyed):
        id_errors = _id_error_places(b.findings, a, b)
        settled = _settled_rows(b)
        rows = _export_rows(a)
        said = [
            k[0][0] in _SAID_BY_ID_ERROR
            and k[0][1:] in id_errors
            and not _row_settled(k[1], settled, rows)
            for k in resolved_keyed
        ]
        superseded_keyed = [k for k, s in zip(resolved_keyed, said, strict=True) if s]
        resolved_keyed = [k for k, s in zip(resolved_keyed, said, strict=True) if not s]
    # the run after one that could not check: what comes back is checked again, not new
    was_blind = _blinded(a.findings) if came else []
    rechecked_keyed = [k for k in came if _not_checked(k[1], was_blind)]
    added_keyed = [k for k in came if not _not_checked(k[1], was_blind)]
    # A side's units only when a finding of it is named (100,000 mailboxes: 0.07 s a side).
    no_units: tuple[dict[str, str], dict[str, str]] = ({}, {})
    units_a = (
        finding_units(a) if resolved_keyed or unchecked_keyed or superseded_keyed else no_units
    )
    units_b = finding_units(b) if came else no_units

    def brief(f: dict[str, Any], units: tuple[dict[str, str], dict[str, str]]) -> FindingChange:
        raw = f.get("params")
        params: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return FindingChange(
            severity=str(f.get("severity", "")),
            code=str(f.get("code", "")),
            source=str(f.get("source", "")),
            location=str(f.get("location", "")),
            message=str(f.get("message", "")),
            params={str(k): str(v) for k, v in params.items()},
            template=str(f.get("template") or ""),
            unit=unit_of(f, units),
        )

    return (
        tuple(brief(f, units_b) for _, f in added_keyed),
        tuple(brief(f, units_a) for _, f in resolved_keyed),
        tuple(brief(f, units_a) for _, f in unchecked_keyed),
        tuple(brief(f, units_b) for _, f in rechecked_keyed),
        tuple(brief(f, units_a) for _, f in superseded_keyed),
    )


def mapping_changes(a: RunView, b: RunView) -> tuple[Change, ...]:
    """Mapping rows added, removed or changed, by (Mailbox ID, Subject ID), in key order.

    Whole tables at a time (a merge): a run of 100,000 mailboxes usually changes a few, and
    when both hold the same keys in the same order only the rows whose values differ are
    merged."""
    import numpy as np
    import pandas as pd

    keys, values = list(MAPPING_KEY), list(MAPPING_VALUES)
    columns = keys + values + [MAPPING_UNIT, MAPPING_NAME]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    old = a.mapping if a.mapping is not None else empty
    new = b.mapping if b.mapping is not None else empty
    # a run from before the unit column reads every unit as "": no move is read from it
    units_known = all(len(t) and bool((_texts(t[MAPPING_UNIT]) != "").any()) for t in (old, new))
    # so are names: a mailbox renamed in the export (a customer's week-two read: "Biblioteket"
    # became "Hovedbiblioteket" and no change said so); not from a run that wrote no names
    names_known = all(len(t) and bool((_texts(t[MAPPING_NAME]) != "").any()) for t in (old, new))
    compared = [*values, *([MAPPING_UNIT] if units_known else [])]
    compared += [MAPPING_NAME] if names_known else []
    whole = new  # every row of this run: a mailbox with a row left still is in the export
    if _aligned(old, new, keys):  # the usual case: the same rows, a few values changed
        try:
            same = np.ones(len(old), dtype=bool)
            # a mailbox moved to another unit, landing where it did, is a change too (a
            # consultant's cold run: none said it, and the page listed it under its new unit
            # on the old one's contact point)
            for f in compared:
                same &= _texts(old[f]) == _texts(new[f])
        except (TypeError, ValueError):  # a column the comparison cannot take: all rows
            same = np.zeros(len(old), dtype=bool)
        old, new = old[~same], new[~same]  # only rows that differ go into the merge
    merged = old.merge(new, on=keys, how="outer", suffixes=("\0a", "\0b"), indicator=True)
    for suffix in ("\0a", "\0b"):
        for f in [*values, MAPPING_UNIT, MAPPING_NAME]:
            merged[f + suffix] = merged[f + suffix].fillna("").astype(str)
    differs = merged["_merge"] != "both"
    for f in values:
        differs |= merged[f + "\0a"] != merged[f + "\0b"]
    unit_a, unit_b = merged[MAPPING_UNIT + "\0a"], merged[MAPPING_UNIT + "\0b"]
    # a unit emptied or filled in is a move too (a customer's second look: an emptied unit
    # was on no list)
    moved = (merged["_merge"] == "both") & (unit_a != unit_b) & units_known
    merged["\0moved"] = moved
    differs |= moved
    name_a, name_b = merged[MAPPING_NAME + "\0a"], merged[MAPPING_NAME + "\0b"]
    renamed = (merged["_merge"] == "both") & (name_a != name_b) & (name_a != "") & (name_b != "")
    if renamed.any():  # names that differ only as a kit's cleaning wrote them read the same
        from ..inputs.workbooks import clean_text

        read_alike = [
            clean_text(x) == clean_text(y)
            for x, y in zip(name_a[renamed], name_b[renamed], strict=True)
        ]
        renamed.loc[renamed[renamed].index[read_alike]] = False
    merged["\0renamed"] = renamed & names_known
    differs |= merged["\0renamed"]
    # Key order as Python sorts text (by code point), which pandas' sort of text gives too.
    merged = merged[differs].sort_values(keys, kind="stable")
    removed = merged["_merge"] == "left_only"
    kept = (
        frozenset(_texts(whole[keys[0]])) & frozenset(_texts(merged[keys[0]][removed]))
        if removed.any()
        else frozenset()
    )
    found = tuple(
        change
        for row in merged.to_dict("records")
        for change in _row_changes(row, keys, values, kept)
    )
    if not units_known or not any(c.code == "MAPPING_UNIT_CHANGED" for c in found):
        return found
    return _units_renamed(found, _texts(a.mapping[MAPPING_UNIT]), _texts(b.mapping[MAPPING_UNIT]))


def _units_renamed(found: tuple[Change, ...], before: Any, after: Any) -> tuple[Change, ...]:
    """A unit spelt anew in the export ("Kultur og Fritid" became "Kultur- og Fritid") is one
    ``MAPPING_UNIT_RESPELT``, not a move per mailbox (a week-two consultant read 15 moves
    that never happened): every row of the old unit moved, all to one new unit that the
    earlier run did not have and that differs only in case, spaces and punctuation, and the
    old unit is gone. A unit that became another name is still a move per mailbox: the kit
    cannot tell a renamed unit from mailboxes sent elsewhere. Said where its first move
    stood."""
    from collections import Counter

    rows_before = Counter(before.tolist())
    units_after = set(after.tolist())
    moves: dict[str, list[Change]] = {}
    for c in found:
        if c.code == "MAPPING_UNIT_CHANGED":
            moves.setdefault(str(c.params.get("from_unit") or ""), []).append(c)
    renamed: dict[str, Change] = {}
    for old, moved in moves.items():
        targets = {str(c.params.get("to_unit") or "") for c in moved}
        new = next(iter(targets))
        if (
            old
            and len(targets) == 1
            and new
            and old not in units_after
            and new not in rows_before
            and len(moved) == rows_before[old]
            and _letters(old) != ""
            and _letters(old) == _letters(new)
        ):
            renamed[old] = Change(
                "MAPPING_UNIT_RESPELT",
                {"from_unit": old, "to_unit": new, "count": len(moved)},
                new,
            )
    if not renamed:
        return found
    out: list[Change] = []
    said: set[str] = set()
    for c in found:
        old = str(c.params.get("from_unit") or "") if c.code == "MAPPING_UNIT_CHANGED" else ""
        if old in renamed:
            if old not in said:  # where its first move stood; the others go
                out.append(renamed[old])
                said.add(old)
            continue
        out.append(c)
    return tuple(out)


_MAPPING_CODE = {
    "left_only": "MAPPING_REMOVED",
    "right_only": "MAPPING_ADDED",
    "both": "MAPPING_CHANGED",
}


def _letters(unit: str) -> str:
    """A unit's name as its words, in any case, whatever stands between them: "Kultur- og
    Fritid" is "kultur og fritid", as "Kultur og Fritid" is; "Distrikt 1-2" is not "Distrikt
    12", and a name without a letter is no name ("" : an attacker merged "–" with ".")."""
    words = re.findall(r"[^\W_]+", unit.casefold())
    return " ".join(words) if any(ch.isalpha() for ch in unit) else ""


def _row_changes(
    row: dict[str, Any], keys: list[str], values: list[str], kept: frozenset[str] = frozenset()
) -> list[Change]:
    """One merged row's changes: its new name, its move to another unit, and what it lands on
    (added, removed or changed), in that order. ``kept``: the mailboxes this run still holds
    in a row; a removed row of one says so (``mailbox_kept``), as the mailbox is not gone."""

    def side(suffix: str) -> dict[str, str]:
        guid, name, status = (row[f + suffix] for f in values)
        return {"guid": guid, "contact_point": name, "status": status}

    out: list[Change] = []
    kind = str(row["_merge"])
    unit = row[MAPPING_UNIT + "\0b"] or row[MAPPING_UNIT + "\0a"]
    where = {"mailbox": row[keys[0]], "subject": row[keys[1]]}
    same_values = all(row[f + "\0a"] == row[f + "\0b"] for f in values)
    if row["\0renamed"]:
        names = {"from_name": row[MAPPING_NAME + "\0a"], "to_name": row[MAPPING_NAME + "\0b"]}
        out.append(Change("MAPPING_RENAMED", where | names, unit))
        if same_values and not row["\0moved"]:
            return out  # only its name changed
    if row["\0moved"]:
        moved = {
            "from_unit": row[MAPPING_UNIT + "\0a"],
            "to_unit": row[MAPPING_UNIT + "\0b"],
            "contact_point": row[values[1] + "\0b"] or row[values[0] + "\0b"],
        }
        out.append(Change("MAPPING_UNIT_CHANGED", where | moved, unit))
        if same_values:
            return out  # only its unit (and name) changed
    params: dict[str, Any] = dict(where)
    if kind != "right_only":
        params["before"] = side("\0a")
    if kind != "left_only":
        params["after"] = side("\0b")
    elif str(row[keys[0]]) in kept:
        params["mailbox_kept"] = True
    out.append(Change(_MAPPING_CODE[kind], params, unit))
    return out


def mailbox_names(mapped: tuple[Change, ...], *views: RunView) -> tuple[MailboxName, ...]:
    """The name of each row (mailbox and subject) ``mapped`` names, from the first of
    ``views`` whose mapping holds that row with a name, else (as before) the first name of
    any row of its mailbox, in the changes' order; a row no view names is left out. A name is
    text from a folder the kit does not trust (a previous run's CSV): cleaned as a cell is."""
    from ..inputs.workbooks import clean_text

    wanted = list(
        dict.fromkeys(
            (str(c.params.get("mailbox") or ""), str(c.params.get("subject") or "")) for c in mapped
        )
    )
    mailboxes = {m for m, _s in wanted}
    exact: dict[tuple[str, str], str] = {}
    anyrow: dict[str, str] = {}
    for view in views:
        table = view.mapping
        if table is None or not len(table) or all(k in exact for k in wanted):
            continue
        rows = table[table[MAPPING_KEY[0]].isin(mailboxes)]
        for mailbox, subject, name in zip(
            rows[MAPPING_KEY[0]], rows[MAPPING_KEY[1]], rows[MAPPING_NAME], strict=True
        ):
            text = clean_text(str(name)) if isinstance(name, str) else ""
            if text:
                key = (str(mailbox), str(subject) if isinstance(subject, str) else "")
                exact.setdefault(key, text)
                anyrow.setdefault(key[0], text)
    out: list[MailboxName] = []
    for mailbox, subject in wanted:
        name = exact.get((mailbox, subject)) or anyrow.get(mailbox, "")
        if name:
            out.append(MailboxName(mailbox, name, subject))
    return tuple(out)


def _texts(column: Any) -> Any:
    """A column's cells as the merge compares them: text, an empty text for a missing one."""
    return column.fillna("").astype(str).to_numpy(dtype=object)


def _aligned(old: Any, new: Any, keys: list[str]) -> bool:
    """Whether two register tables hold the same keys in the same order (each key once, as
    ``register_table`` leaves them): then a row differs only where a value does, and the
    merge needs only those rows. At 100,000 mailboxes the whole merge took 0.2 s."""
    if len(old) != len(new) or not len(old):
        return False
    try:
        for k in keys:  # exactly equal, cell for cell (a missing key is never an empty one)
            if not bool((old[k].to_numpy(dtype=object) == new[k].to_numpy(dtype=object)).all()):
                return False
        return not bool(old.duplicated(keys).any())  # a key twice: the whole merge decides
    except (TypeError, ValueError):
        return False


def _values_changes(
    code: str, before: dict[str, Any], after: dict[str, Any], **extra: Any
) -> list[Change]:
    return [
        Change(code, {**extra, "field": k, "before": before.get(k), "after": after.get(k)})
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]


def dispatcher_changes(a: RunView, b: RunView) -> tuple[Change, ...]:
    """The dispatcher's values that changed. A newer run that withheld them (an error in
    their inputs) says so once: field by field they read "→ ikke sat", which a WorkZone
    administrator could take as "clear the field" (a consultant's cold run)."""

    def values(v: RunView) -> dict[str, Any]:
        d = v.dispatcher
        return {**dict(d.parameters.pairs()), "ready": d.ready} if d else {"ready": None}

    before, after = values(a), values(b)
    found = _values_changes("DISPATCHER_CHANGED", before, after)
    if _withholding(a) and not _withholding(b) and b.dispatcher is not None:
        # shown again after a run that withheld them: "ikke sat → …" for every value read as
        # seven changes to type in again (a customer's second look); said once, to compare
        return (Change("DISPATCHER_SHOWN_AGAIN", {"run": a.path.name}),)
    codes = _withholding(b)
    if not codes:
        return tuple(found)
    hidden = {
        k
        for k, value in before.items()
        if k != "ready" and value not in (None, "") and after.get(k) in (None, "")
    }
    if not hidden:
        return tuple(found)
    kept = [c for c in found if c.params.get("field") not in hidden | {"ready"}]
    return (Change("DISPATCHER_WITHHELD", {"codes": ", ".join(codes)}), *kept)


def _withholding(v: RunView) -> tuple[str, ...]:
    """What made the run withhold its dispatcher values, empty when it did not:
    dispatcher-config.json's blocking codes, or (the file not written at all) the run's
    errors."""
    d = v.dispatcher
    if d is not None:
        return () if d.ready else d.blocking
    return tuple(
        dict.fromkeys(str(f.get("code")) for f in v.findings if f.get("severity") == "error")
    )


def checklist_changes(a: RunView, b: RunView) -> tuple[Change, ...]:
    """Each checklist step whose status or evidence changed: what a customer who signed the
    previous run needs to see (a confirmation recorded between the runs read only as
    "checklist.json har nyt indhold" in a consultant's cold run)."""
    if a.checklist is None or b.checklist is None:
        return ()
    before = {s.step: s for s in a.checklist}
    found = []
    for now in b.checklist:
        then = before.get(now.step)
        if then is None or (then.status, then.evidence) == (now.status, now.evidence):
            continue
        found.append(
            Change(
                "CHECKLIST_CHANGED",
                {
                    "step": now.step,
                    "title": now.title,
                    "before": then.status,
                    "after": now.status,
                    "detail": now.detail,
                    **({"next": now.next_action} if now.status == "blocked" else {}),
                },
            )
        )
    return tuple(found)


def portal_changes(a: RunView, b: RunView) -> tuple[Change, ...]:
    """The system's fields, then each contact point's (matched by GUID, else by name); each
    value as the file holds it."""
    from ..inputs.typed import unstructure

    def system(v: RunView) -> dict[str, Any]:
        return unstructure(v.portal.system) if v.portal else {}

    def points(v: RunView) -> dict[str, PortalContactPoint]:
        return {c.id or c.name: c for c in (v.portal.contact_points if v.portal else ())}

    def compared(c: PortalContactPoint | None) -> dict[str, Any]:
        if c is None:
            return {}
        return {
            "name": c.name,
            "targets": list(c.targets),
            "visible": c.visible,
            # a set to type in: the export sorted again lists them in another order, and
            # each contact point read "tilføjet intet; fjernet intet" (a consultant's diff)
            "translations": sorted(c.translations),
        }

    found = _values_changes("PORTAL_SYSTEM_CHANGED", system(a), system(b))
    pa, pb = points(a), points(b)
    units: dict[str, str] | None = None  # read once, and only when a contact point changed
    for key in sorted(set(pa) | set(pb)):
        ca, cb = pa.get(key), pb.get(key)
        guid = (cb.id if cb else None) or (ca.id if ca else None) or ""
        name = (cb.name if cb else "") or (ca.name if ca else "") or key
        if ca is None or cb is None:
            # a contact point that came or went is one change, not one "ikke sat → …" per
            # field (a week-two consultant read four "Kontaktpunkt ændret" for a new one)
            point = cb if cb is not None else ca
            assert point is not None
            changes = [
                Change(
                    "PORTAL_CONTACT_POINT_ADDED" if ca is None else "PORTAL_CONTACT_POINT_REMOVED",
                    {"contact_point": name, "guid": guid, "count": len(point.translations)},
                )
            ]
        else:
            changes = _values_changes(
                "PORTAL_CONTACT_POINT_CHANGED",
                compared(ca),
                compared(cb),
                contact_point=name,
                guid=guid,
            )
        if changes and guid:
            # a contact point that serves one unit is that unit's change: the summary counted
            # it under "hele miljøet" (a customer's second look)
            units = _one_unit_per_guid(b, a) if units is None else units
            unit = units.get(guid.lower(), "")
            changes = [replace(c, unit=unit) for c in changes] if unit else changes
        found += changes
    return tuple(found)


def _one_unit_per_guid(*views: RunView) -> dict[str, str]:
    """Each contact point GUID (lower-case) whose mapped mailboxes all belong to one unit, with
    that unit, from the first view that has a mapping."""
    table = next((v.mapping for v in views if v.mapping is not None and len(v.mapping)), None)
    if table is None:
        return {}
    guid = _texts(table[MAPPING_VALUES[0]])
    unit = _texts(table[MAPPING_UNIT])
    seen: dict[str, set[str]] = {}
    for g, u in zip(guid, unit, strict=True):
        if g and u:
            seen.setdefault(str(g).lower(), set()).add(str(u))
    return {g: next(iter(us)) for g, us in seen.items() if len(us) == 1}


def output_changes(a: RunView, b: RunView) -> tuple[Change, ...]:
    def deliverables(v: RunView) -> dict[str, str]:
        return {
            k: d
            for k, d in v.manifest.items()
            if k not in VOLATILE and not k.startswith(("signoff/", "notebooks/", "steps/"))
        }

    da, db = deliverables(a), deliverables(b)
    changed: list[Change] = []
    for name in sorted(set(da) | set(db)):
        if da.get(name) == db.get(name):
            continue
        if name.endswith(".xlsx") and name in da and name in db:
            if _workbook_content(a.path / name) == _workbook_content(b.path / name):
                continue  # only the workbook's own save time and zip dates differ
            if _workbook_content(a.path / name, deep=True) == _workbook_content(
                b.path / name, deep=True
            ):
                continue  # and what names its run (mailbox-mapping.xlsx's About, page header)
        was = "added" if name not in da else "removed" if name not in db else ""
        params: dict[str, Any] = {"file": name, **({"was": was} if was else {})}
        if name == FIREWALL_CSV and not was:
            params |= _servers_changed(a.path / name, b.path / name)
        changed.append(Change("OUTPUT_CHANGED", params))
    return tuple(changed)


FIREWALL_CSV = "firewall-rules.csv"


def _servers_changed(before: Path, after: Path) -> dict[str, list[str]]:
    """The servers the firewall order's outgoing rules gained and lost (a customer's
    week-two read: a server renamed and one added read only as "firewall-rules.csv har nyt
    indhold", while eight and eleven rules changed with them)."""
    old, new = _firewall_servers(before), _firewall_servers(after)
    if old is None or new is None:
        return {}
    out = {"servers_added": sorted(new - old), "servers_removed": sorted(old - new)}
    return {k: v for k, v in out.items() if v}


def _firewall_servers(path: Path) -> set[str] | None:
    """The source servers of the outgoing rules of a run's ``firewall-rules.csv`` (None when
    it cannot be read; it is a few hundred rows at most, read within a bound)."""
    import csv
    import io

    from ..run.neighbours import read_text_file

    text = read_text_file(path, limit=4 << 20)
    if text is None:
        return None
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    try:
        return {
            str(r.get("source_server") or "").strip()
            for r in rows
            if r.get("direction") == "outgoing" and str(r.get("source_server") or "").strip()
        }
    except csv.Error:
        return None


def _workbook_content(path: Path, *, deep: bool = False) -> str | None:
    """What a workbook holds, without its document properties (they hold the time it was
    saved) and without the zip's own dates: each part's name, size and CRC-32 as the zip's
    directory lists them, so nothing is decompressed. It says whether the content moved;
    the manifest's SHA-256 of the whole file stays the record.

    ``deep``: also without what names the run (``mailbox-mapping.xlsx``'s About sheet and its
    sheets' page headers, :mod:`ngdpkit.deliverables.workbook_about`), each sheet read for it:
    asked only when the parts differ."""
    import hashlib
    import zipfile

    from ..deliverables.workbook_about import ABOUT_TITLE, sheet_part

    try:
        with zipfile.ZipFile(path) as zf:
            skip: set[str] = set()
            for title in ABOUT_TITLE.values() if deep else ():
                try:
                    skip.add(sheet_part(zf, title))
                except ValueError:
                    pass
            parts = sorted(
                (i.filename, *(_page_free(zf, i) if deep else (i.file_size, i.CRC)))
                for i in zf.infolist()
                if not i.filename.startswith("docProps/") and i.filename not in skip
            )
    except (OSError, zipfile.BadZipFile, KeyError, UnicodeDecodeError):  # a name not UTF-8
        return None
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _page_free(zf: Any, info: Any) -> tuple[int, int]:
    """A sheet's size and CRC-32 without its ``<headerFooter>`` (a printed page's header and
    footer); another part's as the zip lists them."""
    import zlib

    if not info.filename.startswith("xl/worksheets/"):
        return int(info.file_size), int(info.CRC)
    data = zf.read(info)
    start = data.rfind(b"<headerFooter")
    if start < 0:
        return int(info.file_size), int(info.CRC)
    end = data.find(b"</headerFooter>", start)
    end = len(data) if end < 0 else end + len(b"</headerFooter>")
    return len(data) - (end - start), zlib.crc32(data[end:], zlib.crc32(data[:start]))


def changes(a: RunView, b: RunView) -> dict[str, Any]:
    """Everything that changed from run ``a`` to run ``b``."""
    if a.environment != b.environment:
        raise InputError(
            f"{b.path}: environment {b.environment!r}, but {a.path} is {a.environment!r}; "
            "diff compares two runs of one environment (use compare for test against production)"
        )
    from ..inputs.typed import unstructure

    added, resolved, unchecked, rechecked, superseded = findings_compared_all(a, b)
    mapped = mapping_changes(a, b)
    record = Changes(
        schema=SCHEMA,
        environment=b.environment,
        previous=RunRef(a.path.name, a.anchor, a.status),
        current=RunRef(b.path.name, b.anchor, b.status),
        findings_added=added,
        findings_resolved=resolved,
        findings_unchecked=unchecked,
        findings_rechecked=rechecked,
        findings_superseded=superseded,
        checklist_changed=checklist_changes(a, b),
        mapping_changed=mapped,
        mailbox_names=mailbox_names(mapped, b, a),
        dispatcher_changed=dispatcher_changes(a, b),
        portal_changed=portal_changes(a, b),
        outputs_changed=output_changes(a, b),
    )
    out: dict[str, Any] = unstructure(record)
    return out


def diff_runs(run_a: Path, run_b: Path) -> dict[str, Any]:
    """The changes from ``run_a`` to ``run_b``, each folder verified first (its trail, its
    files, its own name): an edited or copied folder is refused, never compared."""
    from ..run.neighbours import check_folder

    for run in (run_a, run_b):
        if run.is_dir() and (run / "acceptance.json").exists():  # said before any check
            raise InputError(
                f"{run}: a rehearsal (acceptance test) folder, not a run: diff compares two "
                "runs of one environment"
            )
        if run.is_dir():
            verified, why = check_folder(run)
            if verified is None:
                raise InputError(f"{run}: cannot be compared: {why}")
    return changes(RunView.load(run_a), RunView.load(run_b))


def is_empty(change: dict[str, Any]) -> bool:
    from ..documents.change_text import SECTIONS

    return not any(change.get(k) for k in SECTIONS)  # an older changes.json lacks a section
