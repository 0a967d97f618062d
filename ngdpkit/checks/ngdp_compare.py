"""What NgDP shows against what the run plans (contract §12.1): the registration, the
contact points, and every mapped mailbox against NgDP's translations; and from the last,
the portal administrator's to-do (the translations to add and to remove, per contact point).

Postkasse and emne IDs compare as integers (``"0100200"`` is postkasse 100200); a
translation without an emne covers every subject of its postkasse.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import findings as F
from ..findings import Finding
from ..guids import canonical_guid
from ..inputs import is_number
from .certificates import CertificateFacts
from .ngdp import NgdpObservation, ObservedContactPoint, ObservedSystem

if TYPE_CHECKING:
    from ..inputs.contact_points import ContactPoint

Key = tuple[int, int | None]


@dataclass(frozen=True)
class TodoEntry:
    """One translation for the portal administrator: ``action`` is add, remove or
    not_verified (offline: the planned translation, not checked against NgDP)."""

    action: str
    postkasse: str  # as the export writes it (leading zeros kept)
    emne: str = ""
    mailbox_name: str = ""
    reason: str = ""


@dataclass(frozen=True)
class TodoContactPoint:
    id: str
    name: str
    entries: tuple[TodoEntry, ...] = ()


@dataclass(frozen=True)
class PortalTodo:
    """The delta for Administrativ Adgang; ``verified`` is False offline."""

    verified: bool
    contact_points: tuple[TodoContactPoint, ...] = ()

    @property
    def count(self) -> int:
        return sum(len(c.entries) for c in self.contact_points)


# How a PortalTodo is stored (step 02's file): per contact point, its entries in runs that
# share an action and a reason, those two words once per run and the rest column by column.
# Offline every entry says "not_verified"/"offline" and names its five keys: at 100,000
# mailboxes 14.6 MB of JSON, of which the repeated words and keys were 9 MB.


@dataclass(frozen=True)
class TodoRun:
    """Consecutive entries of one contact point with the same ``action`` and ``reason``:
    ``emner`` and ``mailbox_names`` have one value per postkasse, or none when every one is
    empty."""

    action: str
    reason: str
    postkasser: tuple[str, ...]
    emner: tuple[str, ...] = ()
    mailbox_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredTodoContactPoint:
    id: str
    name: str
    runs: tuple[TodoRun, ...] = ()

    @property
    def count(self) -> int:
        return sum(len(r.postkasser) for r in self.runs)

    def action_counts(self) -> dict[str, int]:
        """How many translations per action, in the order the actions first appear."""
        counts: dict[str, int] = {}
        for r in self.runs:
            counts[r.action] = counts.get(r.action, 0) + len(r.postkasser)
        return counts


@dataclass(frozen=True)
class StoredTodo:
    """A portal to-do as its step file stores it: every contact point's translations in
    runs. Counted and written out column by column as it is, without one record per entry
    (offline at 100,000 mailboxes, 99,000 of them)."""

    verified: bool
    contact_points: tuple[StoredTodoContactPoint, ...] = ()

    @property
    def count(self) -> int:
        return sum(c.count for c in self.contact_points)

    def columns(self) -> dict[str, list[str]]:
        """One list per field, one value per translation, in order: the contact point's
        ``name`` and ``id``, and the entry's ``action``, ``postkasse``, ``emne``,
        ``mailbox_name`` and ``reason``."""
        out: dict[str, list[str]] = {k: [] for k in COLUMNS}
        for cp in self.contact_points:
            for r in cp.runs:
                n = len(r.postkasser)
                out["name"] += [cp.name] * n
                out["id"] += [cp.id] * n
                out["action"] += [r.action] * n
                out["postkasse"].extend(r.postkasser)
                out["emne"].extend(r.emner or ("",) * n)
                out["mailbox_name"].extend(r.mailbox_names or ("",) * n)
                out["reason"] += [r.reason] * n
        return out


COLUMNS = ("name", "id", "action", "postkasse", "emne", "mailbox_name", "reason")


def _stored(todo: PortalTodo) -> StoredTodo:
    points = []
    for cp in todo.contact_points:
        runs: list[TodoRun] = []
        start = 0
        entries = cp.entries
        for i in range(1, len(entries) + 1):
            if i < len(entries) and (entries[i].action, entries[i].reason) == (
                entries[start].action,
                entries[start].reason,
            ):
                continue
            part = entries[start:i]
            emner = tuple(e.emne for e in part)
            names = tuple(e.mailbox_name for e in part)
            runs.append(
                TodoRun(
                    part[0].action,
                    part[0].reason,
                    tuple(e.postkasse for e in part),
                    emner if any(emner) else (),
                    names if any(names) else (),
                )
            )
            start = i
        points.append(StoredTodoContactPoint(cp.id, cp.name, tuple(runs)))
    return StoredTodo(todo.verified, tuple(points))


def _from_stored(stored: StoredTodo) -> PortalTodo:
    points = []
    for cp in stored.contact_points:
        entries: list[TodoEntry] = []
        for run in cp.runs:
            _check_run(cp.id, run)
            n = len(run.postkasser)
            emner = run.emner or ("",) * n
            names = run.mailbox_names or ("",) * n
            entries += [
                TodoEntry(run.action, p, e, m, run.reason)
                for p, e, m in zip(run.postkasser, emner, names, strict=True)
            ]
        points.append(TodoContactPoint(cp.id, cp.name, tuple(entries)))
    return PortalTodo(stored.verified, tuple(points))


def removals_offline(todo: Any) -> int:
    """How many translations of the contact points file an offline to-do says to remove (0
    for a to-do read from NgDP, or none; one that cannot be read counts none). A whole to-do
    is counted from each contact point's last entries, where the removals stand (not over the
    99,000 planned ones); any other form from its stored runs."""
    if isinstance(todo, PortalTodo):
        from itertools import takewhile

        if todo.verified:
            return 0
        return sum(
            sum(
                1
                for _ in takewhile(lambda e: e.action == "remove_if_present", reversed(cp.entries))
            )
            for cp in todo.contact_points
        )
    try:
        stored = compact_todo(todo)
    except ValueError:
        return 0
    if stored is None or stored.verified:
        return 0
    return sum(c.action_counts().get("remove_if_present", 0) for c in stored.contact_points)


def compact_todo(value: Any) -> StoredTodo | None:
    """A portal to-do in its stored form: from a :class:`PortalTodo`, or from a step file's
    JSON of either form (this kit's runs, or an earlier kit's entries, read whole). A value
    that is no to-do is None; JSON that is damaged raises the converter's ValueError."""
    from ..inputs.typed import structure

    if value is None or isinstance(value, StoredTodo):
        return value
    if isinstance(value, PortalTodo):
        return _stored(value)
    if not isinstance(value, dict):
        return None
    if _earlier_form(value):
        return _stored(structure(value, PortalTodo))
    stored = structure(value, StoredTodo)
    for cp in stored.contact_points:
        for run in cp.runs:
            _check_run(cp.id, run)
    return stored


def _earlier_form(data: Any) -> bool:
    """Whether a to-do's JSON is an earlier kit's: every entry whole, not in runs."""
    points = data.get("contact_points") if isinstance(data, dict) else None
    return isinstance(points, list | tuple) and any(
        isinstance(p, dict) and "entries" in p for p in points
    )


def _check_run(contact_point: str, run: TodoRun) -> None:
    """A run's emner and mailbox names: one per postkasse, or none."""
    n = len(run.postkasser)
    if len(run.emner) not in (0, n) or len(run.mailbox_names) not in (0, n):
        raise ValueError(f"a to-do run of {contact_point} has {n} postkasser but other counts")


def stored_json(todo: StoredTodo) -> dict[str, Any]:
    """The stored form as JSON values, as the converter writes it, made directly: the
    converter's generated code copies 99,000 postkasser one at a time (0.1-0.2 s of notebook
    02 at 100,000 mailboxes). A test holds the two equal."""
    return {
        "verified": todo.verified,
        "contact_points": [
            {
                "id": cp.id,
                "name": cp.name,
                "runs": [
                    {
                        "action": r.action,
                        "reason": r.reason,
                        "postkasser": list(r.postkasser),
                        "emner": list(r.emner),
                        "mailbox_names": list(r.mailbox_names),
                    }
                    for r in cp.runs
                ],
            }
            for cp in todo.contact_points
        ],
    }


def _register_stored_todo() -> None:
    """The converter writes a PortalTodo as a StoredTodo and reads either form back (one an
    earlier kit wrote, every entry whole, as it was)."""
    from ..inputs.typed import converter

    whole = converter.get_structure_hook(PortalTodo)  # the dataclass field by field

    def structure(data: Any, kind: Any) -> PortalTodo:
        if _earlier_form(data):
            todo: PortalTodo = whole(data, kind)  # the converter's own hook is untyped
            return todo
        return _from_stored(converter.structure(data, StoredTodo))

    converter.register_unstructure_hook(PortalTodo, lambda t: stored_json(_stored(t)))
    converter.register_structure_hook(PortalTodo, structure)


_register_stored_todo()


@dataclass
class _Row:
    mailbox_id: str
    subject_id: str
    name: str
    guid: str
    status: str
    key: Key | None = field(default=None)


def _key(mailbox_id: str, subject_id: str) -> Key | None:
    m = mailbox_id.strip()
    s = subject_id.strip()
    if not is_number(m) or (s and not is_number(s)):
        return None
    return int(m), int(s) if s else None


def _rows(mapping: Any) -> list[_Row]:
    if mapping is None or not len(mapping):
        return []
    cols = ["mailbox_id", "subject_id", "mailbox_name", "ngdp_guid", "status"]
    frame = mapping.reindex(columns=cols, fill_value="").fillna("").astype(str)
    out = []
    for mid, sid, name, guid, status in zip(*(frame[c].tolist() for c in cols), strict=True):
        out.append(_Row(mid, sid, name, guid, status, _key(mid, sid)))
    return out


def _covers(translations: Iterable[Any], key: Key) -> bool:
    return any(t.postkasse == key[0] and (t.emne is None or t.emne == key[1]) for t in translations)


def compare_translations(
    observation: NgdpObservation, mapping: Any, *, source: str
) -> tuple[list[Finding], PortalTodo]:
    """Every mapped mailbox against NgDP's translations; the portal to-do from the delta."""
    # Kept whole: one pass over the mapping fills what to add and what NgDP should hold,
    # which the pass over NgDP's contact points then reads; apart, both would carry all four tables.
    found: list[Finding] = F.Bounded()
    if observation.contact_points is None:
        return found, planned_todo(mapping, {})
    points = observation.by_id()
    owners: dict[int, list[tuple[ObservedContactPoint, int | None]]] = {}
    for p in points.values():
        for t in p.translations:
            owners.setdefault(t.postkasse, []).append((p, t.emne))
    add: dict[str, list[TodoEntry]] = {}
    remove: dict[str, list[TodoEntry]] = {}
    wanted_here: dict[Key, str] = {}
    rows = _rows(mapping)
    for row in rows:
        if row.status != "mapped" or not row.guid or row.key is None:
            continue
        wanted_here[row.key] = row.guid
        target = points.get(row.guid)
        if target is not None and _covers(target.translations, row.key):
            continue
        others = [
            p
            for p, emne in owners.get(row.key[0], [])
            if p.id != row.guid and (emne is None or emne == row.key[1])
        ]
        where = f"{row.mailbox_id}" + (f":{row.subject_id}" if row.subject_id else "")
        name = target.name if target is not None else row.guid
        if others:
            found.append(
                F.error(
                    "NGDP_TRANSLATION_ELSEWHERE",
                    "Mailbox {mailbox} is mapped to {contact_point}, but NgDP translates it to {other}: replies to it would land there.",
                    source,
                    where,
                    mailbox=where,
                    contact_point=name,
                    other=others[0].name or others[0].id,
                )
            )
        else:
            found.append(
                F.warning(
                    "NGDP_TRANSLATION_MISSING",
                    "Mailbox {mailbox} is mapped to {contact_point}, but NgDP has no translation of it there: replies to it would not reach {contact_point}.",
                    source,
                    where,
                    mailbox=where,
                    contact_point=name,
                )
            )
        add.setdefault(row.guid, []).append(
            TodoEntry(
                "add",
                row.mailbox_id,
                row.subject_id,
                row.name,
                "elsewhere" if others else "missing",
            )
        )
    retired = {row.key for row in rows if row.status == "retired" and row.key is not None}
    for p in points.values():
        for t in p.translations:
            key = (t.postkasse, t.emne)
            here = wanted_here.get(key) or (
                wanted_here.get((t.postkasse, None)) if t.emne is None else None
            )
            if (here is not None and here != p.id) or key in retired:
                remove.setdefault(p.id, []).append(
                    TodoEntry(
                        "remove",
                        str(t.postkasse),
                        "" if t.emne is None else str(t.emne),
                        "",
                        "retired" if key in retired else "mapped_elsewhere",
                    )
                )
    todo = []
    for guid in sorted(set(add) | set(remove), key=lambda g: points[g].name if g in points else g):
        point = points.get(guid)
        todo.append(
            TodoContactPoint(
                guid,
                point.name if point is not None else guid,
                tuple(add.get(guid, [])) + tuple(remove.get(guid, [])),
            )
        )
    return found, PortalTodo(True, tuple(todo))


def planned_todo(
    mapping: Any, names: dict[str, str], contact_points: Sequence[ContactPoint] | None = None
) -> PortalTodo:
    """Offline: every planned translation, each "not verified" against NgDP; and each
    translation of the contact points file that this run does not map to its contact point,
    to remove if it is there (see :func:`unmapped_translations`).

    Per contact point (ordered by name, ties in the order they first appear: those with
    planned translations, then those with only removals, in the file's order), its mapped
    rows in the mapping's order, then its removals. Grouped column by column: no per-row key
    is needed here, and at 100,000 mailboxes building a row object for each cost 0.7 s of
    ``check`` and of notebook 02."""
    from itertools import repeat

    import numpy as np

    if mapping is None or not len(mapping):
        return PortalTodo(False, ())

    def column(name: str) -> Any:
        if name not in mapping.columns:
            return np.full(len(mapping), "", dtype=object)
        return mapping[name].fillna("").astype(str).to_numpy(dtype=object)

    planned: dict[str, tuple[TodoEntry, ...]] = {}
    guids = column("ngdp_guid")
    keep = np.flatnonzero((column("status") == "mapped") & (guids != ""))
    if len(keep):
        import pandas as pd

        codes, uniques = pd.factorize(guids[keep])  # codes in order of first appearance
        order = np.argsort(codes, kind="stable")  # each contact point's rows, in row order
        rows = keep[order]
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1)).tolist()
        mids, sids, mnames = (
            column(c)[rows].tolist() for c in ("mailbox_id", "subject_id", "mailbox_name")
        )
        for i, guid in enumerate(uniques.tolist()):
            lo, hi = bounds[i], bounds[i + 1]
            planned[guid] = tuple(
                map(
                    TodoEntry,
                    repeat("not_verified", hi - lo),
                    mids[lo:hi],
                    sids[lo:hi],
                    mnames[lo:hi],
                    repeat("offline", hi - lo),
                )
            )
    remove = unmapped_translations(mapping, contact_points)
    points = [
        TodoContactPoint(guid, names.get(guid, guid), planned.get(guid, ()) + remove.get(guid, ()))
        for guid in [*planned, *(g for g in remove if g not in planned)]
    ]
    points.sort(key=lambda c: c.name)  # stable: ties stay in order of first appearance
    return PortalTodo(False, tuple(points))


# Why a translation of the contact points file that this run does not map to its contact
# point is to be removed, in the order a contact point's removals are listed.
REMOVE_REASONS = ("mapped_elsewhere", "retired", "not_in_export")


def _mapping_keys(mapping: Any) -> tuple[Any, Any, Any, Any]:
    """The mapping's (postkasse, emne) as the mapping keys compare (``"0100200"`` is 100200,
    an empty emne None; anything but 1 to 18 digits: None), its GUIDs and statuses: arrays,
    column-wise. Python integers, as the file's translations are: as floats, 17- and 18-digit
    IDs compared equal to their neighbours (an attacker's look: a right translation listed to
    remove, a wrong one hidden)."""
    import numpy as np
    import pandas as pd

    def column(name: str) -> Any:
        if name not in mapping.columns:
            return pd.Series([""] * len(mapping), dtype=object)
        return mapping[name].fillna("").astype(str).reset_index(drop=True)

    def numbers(name: str) -> Any:
        text = column(name)
        out = np.full(len(text), None, dtype=object)
        at = np.flatnonzero(text.str.fullmatch(r"[0-9]{1,18}").to_numpy(dtype=bool))
        out[at] = [int(x) for x in text.to_numpy(dtype=object)[at]]
        return out

    return (
        numbers("mailbox_id"),
        numbers("subject_id"),
        column("ngdp_guid").to_numpy(dtype=object),
        column("status").to_numpy(),
    )


def unmapped_translations(
    mapping: Any, contact_points: Sequence[ContactPoint] | None
) -> dict[str, tuple[TodoEntry, ...]]:
    """Per contact point of the contact points file (in its order), each of its translations
    this run does not map to it: to remove if it is there (``remove_if_present``), with why.

    Translations compare as the mapping keys do (``existing_not_mapped`` of
    portal-registration.json): a mapped row to the contact point with the same (postkasse,
    emne), or with the postkasse and no emne, keeps it; a translation without an emne covers
    every subject, so any mapped row of its postkasse to that contact point keeps it. Why:
    a row it covers is mapped to another contact point (``mapped_elsewhere``), is retired
    (``retired``), or there is none (``not_in_export``). A translation whose rows are only
    unmapped (or mapped to an unknown contact point) is left out: this run has not decided
    where that mailbox goes (MAILBOX_UNMAPPED says so). Set differences per contact point
    over the file's translations; the mapping read column-wise, and only the rows of a
    postkasse with a translation to remove looked at one by one."""
    import numpy as np
    import pandas as pd

    wanted: dict[str, dict[Key, None]] = {}
    for p in contact_points or ():
        wanted.setdefault(p.id, {}).update(dict.fromkeys(p.translations))
    if mapping is None or not len(mapping) or not any(wanted.values()):
        return {}
    mid, emner, guids, statuses = _mapping_keys(mapping)
    mapped = np.flatnonzero((statuses == "mapped") & (guids != "") & pd.notna(mid))
    codes, uniques = pd.factorize(guids[mapped])
    order = np.argsort(codes, kind="stable")
    rows = mapped[order]
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1)).tolist()
    keys, subjects = mid[rows].tolist(), emner[rows].tolist()
    at = {g: (bounds[i], bounds[i + 1]) for i, g in enumerate(uniques.tolist())}
    missing: dict[str, list[Key]] = {}
    for guid, translations in wanted.items():
        lo, hi = at.get(guid, (0, 0))
        here = set(zip(keys[lo:hi], subjects[lo:hi], strict=True))
        gone = translations.keys() - here  # the usual case: none, found in C
        if gone:
            postkasser = set(keys[lo:hi])
            missing[guid] = [
                (a, b)
                for a, b in translations
                if (a, b) in gone and (a, None) not in here and not (b is None and a in postkasser)
            ]
    return _removals(missing, (mid, emner, guids, statuses), mapping)


@dataclass(frozen=True)
class _PostkasseRows:
    """The mapping's rows of one postkasse whose translation goes, column by column."""

    statuses: tuple[str, ...] = ()
    guids: tuple[str, ...] = ()
    emner: tuple[int | None, ...] = ()  # as the mapping keys compare: "07" is 7
    names: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # the postkasse and emne as the export writes them
    subjects: tuple[str, ...] = ()

    @functools.cached_property
    def by_emne(self) -> dict[int | None, list[int]]:
        """The rows by emne, made once: one postkasse with 8,000 subjects and as many
        translations took 3 s scanning every row for each (an attacker's look)."""
        out: dict[int | None, list[int]] = {}
        for i, e in enumerate(self.emner):
            out.setdefault(e, []).append(i)
        return out


def _removals(
    missing: dict[str, list[Key]], columns: tuple[Any, Any, Any, Any], mapping: Any
) -> dict[str, tuple[TodoEntry, ...]]:
    """Each translation that goes, with why, from the mapping rows of its postkasse."""
    import numpy as np

    mid, emner, guids, statuses = columns
    gone = {a for m in missing.values() for a, _ in m}
    if not gone:
        return {}

    def text(column: str) -> Any:
        if column not in mapping.columns:
            return np.full(len(mapping), "", dtype=object)
        return mapping[column].fillna("").astype(str).to_numpy(dtype=object)

    names, ids, subjects = text("mailbox_name"), text("mailbox_id"), text("subject_id")
    at: dict[int, list[int]] = {}
    for i, a in enumerate(mid.tolist()):
        if a in gone:
            at.setdefault(a, []).append(i)
    by_postkasse = {
        a: _PostkasseRows(
            tuple(statuses[i].tolist()),
            tuple(guids[i].tolist()),
            tuple(emner[i].tolist()),
            tuple(names[i].tolist()),
            tuple(ids[i].tolist()),
            tuple(subjects[i].tolist()),
        )
        for a, i in at.items()
    }
    out: dict[str, tuple[TodoEntry, ...]] = {}
    for guid, translations in missing.items():
        entries = [
            _removal(guid, a, b, by_postkasse.get(a, _PostkasseRows())) for a, b in translations
        ]
        kept = sorted((e for e in entries if e is not None), key=_reason_order)
        if kept:
            out[guid] = tuple(kept)
    return out


def _reason_order(entry: TodoEntry) -> int:
    return REMOVE_REASONS.index(entry.reason)


def _removal(guid: str, postkasse: int, emne: int | None, rows: _PostkasseRows) -> TodoEntry | None:
    """A translation's removal and why, from the mapping rows of its postkasse (none when
    the run has not decided where the rows it covers go)."""
    index = rows.by_emne
    if emne is None:  # a translation without an emne covers every subject
        covered = list(range(len(rows.emner)))
    else:
        covered = sorted(index.get(emne, []) + index.get(None, []))
    exact = index.get(emne, [])
    if not covered:
        reason = "not_in_export"
    elif any(rows.statuses[i] == "retired" for i in exact):
        reason = "retired"  # as the online to-do says it, before a row mapped elsewhere
    elif any(rows.statuses[i] == "mapped" and rows.guids[i] not in ("", guid) for i in covered):
        reason = "mapped_elsewhere"
    elif any(rows.statuses[i] == "retired" for i in covered):
        reason = "retired"
    else:
        return None
    name = next((rows.names[i] for i in exact + covered if rows.names[i]), "")
    # the postkasse (and emne) as the export writes them, where it has them: the file's
    # translations are numbers, and "102065" beside the add rows' "0102065" was removed from
    # nothing when a consultant applied the to-do to the contact points file (a week-two
    # retest); a mailbox gone from the export is written as NgDP holds it, a number
    written = rows.ids[covered[0]] if covered and rows.ids else str(postkasse)
    subject = "" if emne is None else str(emne)
    if emne is not None and exact and rows.subjects:
        subject = rows.subjects[exact[0]] or subject
    return TodoEntry("remove_if_present", written, subject, name, reason)


def compare_contact_points(
    observation: NgdpObservation,
    file_points: Sequence[ContactPoint] | None,
    used: set[str],
    *,
    source: str,
    system_id: str | None = None,
) -> list[Finding]:
    """NgDP's listing against the contact points file: missing ones in use, differences, and
    each one in use whose record in NgDP delivers to another system than ``system_id``."""
    found: list[Finding] = F.Bounded()
    if observation.contact_points is None:
        return found
    points = observation.by_id()
    origin = f"NgDP {observation.base_url}"  # the fact is NgDP's, whatever file it differs from
    for finding in wrong_system(observation, file_points, used, source=origin, system_id=system_id):
        found.append(finding)
    if observation.listing_complete:
        for guid in sorted(used - set(points)):
            found.append(
                F.error(
                    "NGDP_CONTACT_POINT_MISSING",
                    "Contact point {guid} is used by the mapping or the default, but NgDP's listing of the organisation's contact points lacks it.",
                    source,
                    guid,
                    guid=guid,
                )
            )
    for fp in file_points or ():
        ngdp = points.get(fp.id)
        if ngdp is None:
            continue
        differs = []
        if fp.name.strip() != ngdp.name.strip():
            differs.append(f"name ({fp.name!r} / {ngdp.name!r})")
        planned_targets = {t.upper() for t in fp.targets}
        if planned_targets and planned_targets != {t.upper() for t in ngdp.targets}:
            differs.append(
                f"targets ({', '.join(sorted(planned_targets))} / {', '.join(sorted(ngdp.targets))})"
            )
        for flag, planned in (("active", fp.active), ("visible", fp.visible)):
            observed = getattr(ngdp, flag)
            if observed is not None and planned != observed:
                differs.append(f"{flag} ({_yes(planned)} / {_yes(observed)})")
        if differs:
            found.append(
                F.warning(
                    "NGDP_CONTACT_POINT_DIFFERS",
                    "Contact point {guid} differs between the contact points file and NgDP (file / NgDP): {values}.",
                    source,
                    ngdp.id,
                    guid=ngdp.id,
                    values="; ".join(differs),
                )
            )
    return found


def wrong_system(
    observation: NgdpObservation,
    file_points: Sequence[ContactPoint] | None,
    used: set[str],
    *,
    source: str,
    system_id: str | None,
) -> list[Finding]:
    """``CONTACT_POINT_WRONG_SYSTEM`` for each contact point in use whose ``systemId`` in NgDP
    (the single record: listings lack it) is another system than this environment's: replies
    sent to it reach that system, never this WorkZone. The kit fetched the single records for
    exactly this and then never looked at them; a contact point whose file entry names the
    same other system is reported by the file's own check already."""
    mine = canonical_guid(system_id or "")
    if mine is None:
        return []
    planned = {p.id: p.system_id for p in file_points or ()}
    found = []
    for point in sorted(observation.contact_points or (), key=lambda p: p.id):
        theirs = point.system_id
        if point.id not in used or theirs is None or theirs == mine:
            continue
        if planned.get(point.id) == theirs:
            continue
        found.append(
            F.error(
                "CONTACT_POINT_WRONG_SYSTEM",
                "Contact point {name!r} ({id}) is used but delivers to system {system_id}, not this environment's {sys_id}.",
                source,
                point.id,
                name=point.name,
                id=point.id,
                system_id=theirs,
                sys_id=mine,
            )
        )
    return found


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _networks(values: Iterable[str]) -> set[str]:
    out = set()
    for v in values:
        try:
            out.add(str(ipaddress.ip_network(v.strip(), strict=False)))
        except ValueError:
            out.add(v.strip())
    return out


_HEX = re.compile(r"[^0-9a-f]")


def _hex(text: str) -> str:
    return _HEX.sub("", text.lower()).lstrip("0")


def serial_matches(registered: str, planned_hex: str) -> bool:
    """NgDP's serial format is undocumented: accept hex with any separators or decimal."""
    want = _hex(planned_hex)
    text = registered.strip()
    if _hex(text) == want:
        return True
    if is_number(text, 80):  # a serial is at most 20 bytes: 49 digits
        return format(int(text), "x") == want
    return False


def compare_registration(
    observation: NgdpObservation,
    *,
    system_id: str | None,
    protocol: str,
    server_ips: Iterable[str],
    push: dict[str, str] | None,
    certificate: CertificateFacts | None,
    source: str,
) -> list[Finding]:
    """The registration against the plan: protocol, allowed IPs, endpoints, certificate."""
    found: list[Finding] = []
    system: ObservedSystem | None = observation.system
    if system is None:
        system_path = "/systems/" + (system_id or "")
        read = (
            observation.organisation is not None
            and system_id
            and not any(p.endswith(system_path) for p in observation.refused + observation.failed)
        )
        if read:
            found.append(_differs("id", system_id or "", "none", source))
        return found
    # a registration without a serviceProtocol differs too: step 4 says the protocol matches
    # only when NgDP named it (a hostile second look: a missing one passed for a match)
    if system.protocol != protocol:
        found.append(_differs("serviceProtocol", protocol, system.protocol or "none", source))
    planned, registered = _networks(server_ips), _networks(system.allowed_ips)
    if planned != registered:
        found.append(
            _differs(
                "allowedIps",
                ", ".join(sorted(planned)),
                ", ".join(sorted(registered)) or "none",
                source,
            )
        )
    if protocol == "REST_PUSH" and push:
        for field_name, key in (
            ("endpoint", "message_endpoint"),
            ("receiptEndpoint", "receipt_endpoint"),
        ):
            value = system.endpoint if field_name == "endpoint" else system.receipt_endpoint
            if (value or "").rstrip("/") != push[key].rstrip("/"):
                found.append(_differs(field_name, push[key], value or "none", source))
    if system.certificate is None or not (
        system.certificate.sha1 or system.certificate.serial_number
    ):
        found.append(
            F.error(
                "NGDP_CERT_NOT_UPLOADED",
                "The system registered in NgDP has no certificate uploaded: NgDP refuses its calls until the portal administrator uploads it (inferred: NgDP authenticates every call by mutual TLS with the system's certificate).",
                source,
                "ocesPublicCertificate",
            )
        )
    elif certificate:
        planned_serial = certificate.serial_number
        planned_sha1 = certificate.thumbprint_sha1
        if (
            planned_serial
            and system.certificate.serial_number
            and not serial_matches(system.certificate.serial_number, planned_serial)
        ):
            found.append(
                _cert_differs(
                    "serial number", planned_serial, system.certificate.serial_number, source
                )
            )
        if (
            planned_sha1
            and system.certificate.sha1
            and _hex(system.certificate.sha1) != _hex(planned_sha1)
        ):
            found.append(_cert_differs("SHA-1", planned_sha1, system.certificate.sha1, source))
    return found


def _differs(field_name: str, planned: str, registered: str, source: str) -> Finding:
    return F.error(
        "NGDP_SYSTEM_DIFFERS",
        "The system registered in NgDP differs from the plan in {field}: planned {planned}, registered {registered}.",
        source,
        field_name,
        field=field_name,
        planned=planned,
        registered=registered,
    )


def _cert_differs(what: str, planned: str, registered: str, source: str) -> Finding:
    return F.error(
        "NGDP_CERT_DIFFERS",
        "The certificate uploaded to NgDP is another than this environment's: its {field} is {registered}, this one's {planned}.",
        source,
        "ocesPublicCertificate",
        field=what,
        planned=planned,
        registered=registered,
    )
