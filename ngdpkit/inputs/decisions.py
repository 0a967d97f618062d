"""The consultant's decisions: the first mapping source (contract §12.7).

``decisions-<env>.csv`` beside the settings file (or the file ``decisions`` names): ``;``-
separated UTF-8 with BOM, columns ``Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note``.
A decision is ``accept`` (a suggested contact point taken), ``override`` (another contact point
chosen by name) or ``retire`` (the mailbox is not migrated). The notebook's editor and
``nk.decide`` append to the file (:mod:`ngdpkit.steps.decide`); it is never rewritten, so it
is also the history. The last
decision for a mailbox is the one that counts; earlier ones stay in the file as they were.

A mailbox ID may name one subject as ``12345:2`` (like the contact points file); without a
subject a decision covers every subject of the postkasse. Reading is strict: a row that is
not a complete decision is a ``DECISION_INVALID`` finding and is not used, never guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .. import findings as F
from ..findings import Finding
from ..guids import canonical_guid
from . import is_number, within_calendar
from .personal import decisions_cpr_findings
from .workbooks import Field, read_table

DECISIONS = ("accept", "override", "retire")
HEADERS = ("Mailbox ID", "Decision", "NgDP Guid", "Decided by", "Decided at", "Note")
# Danish headers a hand-made file may use (the kit itself writes the English ones).
FIELDS = (
    Field("mailbox_id", ("Mailbox ID", "Postkasse ID", "Postkasse-ID", "PostkasseId"), (), True),
    Field("decision", ("Decision", "Beslutning"), (), True),
    Field("ngdp_guid", ("NgDP Guid", "Kontaktpunkt GUID", "ContactPointGuid"), (), True),
    Field("decided_by", ("Decided by", "Besluttet af"), (), True),
    Field("decided_at", ("Decided at", "Besluttet"), (), True),
    Field("note", ("Note", "Bemærkning", "Notat")),
)
_FORMULA_QUOTE = ("'=", "'+", "'-", "'@", "'\t", "'\r")
MAX_NOTE = 500
SOURCE_DECISION = "decision"


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision as the file holds it (IDs as text, the GUID in canonical form)."""

    mailbox_id: str
    subject_id: str  # "" = every subject of the postkasse
    decision: str  # accept | override | retire
    guid: str  # "" for retire
    decided_by: str
    decided_at: str  # ISO 8601, as written
    note: str = ""
    row: int = 0  # the file's line (1 = the header)

    @property
    def key(self) -> str:
        return f"{self.mailbox_id}:{self.subject_id}" if self.subject_id else self.mailbox_id


@dataclass(frozen=True, slots=True)
class DecisionLog:
    """The decisions that count (the last per mailbox), in file order, and where they came
    from; ``superseded`` counts the earlier ones that a later row replaced, ``unused`` the
    ones that could not be applied (each a finding)."""

    source: str
    decisions: tuple[Decision, ...] = ()
    superseded: int = 0
    unused: int = 0
    # the keys whose decision that counts follows an earlier accept or override of them: a
    # mailbox the file once mapped, so one an export held
    mapped_before: frozenset[str] = frozenset()
    # earlier decisions a later row by another person replaced, in file order (a consultant
    # who took over in week two replaced a colleague's decision, and the overview counted it
    # without naming whose, what it was or why)
    replaced: tuple[Decision, ...] = ()


def default_path(settings_dir: Path, environment: str) -> Path:
    return settings_dir / f"decisions-{environment}.csv"


def read_decisions(path: Path, *, label: str) -> tuple[DecisionLog, list[Finding]]:
    """The decisions in ``path`` and a finding for each row that cannot be used.

    Raises:
        InputError: the file cannot be read as a table at all (exit 2 at a run's start).
    """
    table = read_table(path, FIELDS, label=label)
    found: list[Finding] = F.Bounded()
    latest: dict[str, Decision] = {}
    invalid: list[tuple[int, str, str, dict[str, str]]] = []
    mapped_before: set[str] = set()
    replaced: list[Decision] = []
    total = 0
    cells = table.data
    note_column = cells.get("note") or [""] * len(table.row_numbers)
    for i, row in enumerate(table.row_numbers):
        decision, why, params = _decision(
            row,
            cells["mailbox_id"][i],
            cells["decision"][i],
            cells["ngdp_guid"][i],
            _unquote(cells["decided_by"][i]),
            cells["decided_at"][i],
            _unquote(note_column[i]),
        )
        if decision is None:
            key = _key_of(cells["mailbox_id"][i])
            invalid.append((row, key, why, params))
            continue
        total += 1
        earlier = latest.pop(decision.key, None)  # the newest goes last, in file order
        if earlier is not None and earlier.decision != "retire":
            mapped_before.add(decision.key)
        if earlier is not None and not same_person(earlier, decision):
            replaced.append(earlier)
        latest[decision.key] = decision
    for row, key, why, params in invalid:
        later = latest.get(key) if key else None
        if later is not None and later.row > row:
            total += 1  # replaced by a later, complete decision: history, not a fault
            continue
        found.append(F.error("DECISION_INVALID", why, label, table.where(row), row=row, **params))
    found += decisions_cpr_findings(latest.values(), label, table.where)
    log = DecisionLog(
        source=label,
        decisions=tuple(latest.values()),
        superseded=total - len(latest),
        mapped_before=frozenset(mapped_before),
        replaced=tuple(replaced[-REPLACED_KEPT:]),
    )
    return log, found


REPLACED_KEPT = 200  # the newest replaced decisions the overview names; the file has them all


def _person(d: Decision) -> str:
    """Who decided, as a person reads the name: "Mette Konsulent" and "mette  konsulent" are
    one person."""
    return " ".join(d.decided_by.casefold().split())


def same_person(a: Decision, b: Decision) -> bool:
    """Whether two decisions were made by the same person, as a person reads the names."""
    return _person(a) == _person(b)


def _key_of(mailbox: str) -> str:
    """The key a row's mailbox cell would have as a decision ("" when it names none)."""
    mailbox_id, _, subject = mailbox.strip().partition(":")
    mailbox_id, subject = mailbox_id.strip(), subject.strip()
    return f"{mailbox_id}:{subject}" if subject else mailbox_id


def _unquote(text: str) -> str:
    """A cell the kit wrote with a leading ``'`` (so no spreadsheet runs it) reads as typed."""
    return text[1:] if text.startswith(_FORMULA_QUOTE) else text


_PREFIX = "Decision row {row} is not used: "
NO_MAILBOX = _PREFIX + "it names no mailbox."
BAD_MAILBOX = _PREFIX + "mailbox {value!r} is not a postkasse ID (digits, or digits:digits)."
BAD_WORD = _PREFIX + "decision {value!r} is not one of accept, override, retire."
RETIRE_NAMES = _PREFIX + "a retire decision names no contact point, but this one names {value!r}."
NOT_A_GUID = (
    _PREFIX + "{decision} needs the contact point's NgDP Guid, and {value!r} is not a GUID."
)
NO_GUID = _PREFIX + "{decision} needs the contact point's NgDP Guid."
NO_WHO = _PREFIX + "it does not say who decided (Decided by)."
BAD_WHEN = (
    _PREFIX
    + "Decided at {value!r} is not a date and time (ISO 8601, e.g. 2026-12-04T10:15:00+01:00, "
    + "or as Danish Excel saves one, day first: 04-12-2026 10:15)."
)


def _decision(
    row: int, mailbox: str, decision: str, guid: str, by: str, at: str, note: str
) -> tuple[Decision | None, str, dict[str, str]]:
    """One row as a Decision, or None with the message template that says why not and its
    values."""
    mailbox_id, _, subject = mailbox.strip().partition(":")
    mailbox_id, subject = mailbox_id.strip(), subject.strip()
    if not mailbox_id:
        return None, NO_MAILBOX, {}
    if not is_number(mailbox_id) or (subject and not is_number(subject)):
        return None, BAD_MAILBOX, {"value": mailbox}
    word = decision.strip().lower()
    if word not in DECISIONS:
        return None, BAD_WORD, {"value": decision}
    canonical = canonical_guid(guid) if guid.strip() else None
    if word == "retire":
        if guid.strip():
            return None, RETIRE_NAMES, {"value": guid}
    elif canonical is None:
        if guid.strip():
            return None, NOT_A_GUID, {"decision": word, "value": guid}
        return None, NO_GUID, {"decision": word}
    if not by.strip():
        return None, NO_WHO, {}
    when = _timestamp(at)
    if when is None:
        return None, BAD_WHEN, {"value": at}
    decided = Decision(
        mailbox_id=mailbox_id,
        subject_id=subject,
        decision=word,
        guid=canonical or "",
        decided_by=by.strip(),
        decided_at=when,
        note=note.strip()[:MAX_NOTE],
        row=row,
    )
    return decided, "", {}


# A date (and time) as Danish Excel saves a cell it took for one in a CSV: "04-12-2026 10:15",
# day first, the time's separator a colon or (older Danish Windows) a dot. A consultant's
# Windows pass: a decision dated "2026-12-04 10:15" by hand, the file opened and saved in
# Excel, came back "04-12-2026 10:15", and every such decision was not used.
_DANISH_EXCEL = re.compile(
    r"([0-9]{1,2})([-.])([0-9]{1,2})\2([0-9]{4})"
    r"(?: ([0-9]{1,2})([:.])([0-9]{2})(?:\6([0-9]{2}))?)?"
)


def _iso(value: str) -> str:
    """``value`` in ISO 8601 when it is a date as Danish Excel writes it; else as it is."""
    found = _DANISH_EXCEL.fullmatch(value)
    if found is None:
        return value
    day, _, month, year, hour, _, minute, second = found.groups()
    date = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is None:
        return date
    return f"{date}T{int(hour):02d}:{minute}:{second or '00'}"


def _timestamp(text: str) -> str | None:
    """``text`` as an ISO 8601 time (a date alone is that day), or None; a date as Danish
    Excel writes it (``04-12-2026 10:15``) is read as the date and time it shows."""
    value = _iso(text.strip())
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # written without an offset: Danish time, as its writer meant
        try:
            from zoneinfo import ZoneInfo

            parsed = parsed.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
        except (ImportError, KeyError):  # no tz database (some Windows installs): as written
            pass
    return parsed.isoformat(timespec="seconds") if within_calendar(parsed) else None


def export_form(
    mailbox_id: str, ids: set[str], by_number: dict[int, str] | None = None
) -> str | None:
    """``mailbox_id`` as the export writes it: itself, or the one export ID equal to it as a
    number (``101626`` is ``0101626``: Excel drops leading zeros when it saves a CSV; IDs
    compare as integers, contract §4). None when the export has no such mailbox."""
    if mailbox_id in ids:
        return mailbox_id
    if not is_number(mailbox_id):
        return None
    numbers = by_number if by_number is not None else numbered(ids)
    return numbers.get(int(mailbox_id))


def numbered(ids: set[str]) -> dict[int, str]:
    """Export IDs by their number, leaving out numbers that two IDs share."""
    out: dict[int, str] = {}
    twice: set[int] = set()
    for i in ids:
        if is_number(i):
            n = int(i)
            if n in out:
                twice.add(n)
            out[n] = i
    return {n: i for n, i in out.items() if n not in twice}


def _absent(d: Decision, log: DecisionLog, *, known: bool) -> Finding:
    """``DECISION_MAILBOX_UNKNOWN`` for a decision whose mailbox the export does not hold.

    A retire of a mailbox an earlier decision mapped is an info: the way to say it left the
    export on purpose (a week-two consultant: the file is append-only, so the warning for a
    removed mailbox's decision could never be cleared). Any other retire stays a warning: a
    typo retires nothing (an attacker's look; a contact point naming the ID once softened it,
    and a stale translation could soften any typo), and it says so, rather than to append a
    retire."""
    where = f"row {d.row}"
    if d.decision == "retire" and known:
        return F.info(
            "DECISION_MAILBOX_UNKNOWN",
            "Mailbox {mailbox} ({decision} by {by} at {at}), mapped by an earlier decision, is no longer in the export, as a retired mailbox may leave it; nothing to map.",
            log.source,
            where,
            **_named(d),
        )
    if d.decision == "retire":
        return F.warning(
            "DECISION_MAILBOX_UNKNOWN",
            "The decision for mailbox {mailbox} ({decision} by {by} at {at}) is not used: the export has no such mailbox, and no earlier decision mapped it; check the ID (a mistyped ID retires nothing; a mailbox that left the export needs no retire).",
            log.source,
            where,
            **_named(d),
        )
    return F.warning(
        "DECISION_MAILBOX_UNKNOWN",
        "The decision for mailbox {mailbox} ({decision} by {by} at {at}) is not used: the export has no such mailbox (a mailbox mapped before that left the export on purpose: append a retire decision for it).",
        log.source,
        where,
        **_named(d),
    )


def _named(d: Decision) -> dict[str, str]:
    """What a finding about decision ``d`` names: the mailbox, the decision, who and when."""
    return {"mailbox": d.key, "decision": d.decision, "by": d.decided_by, "at": d.decided_at}


def check_against(
    log: DecisionLog,
    mailboxes: set[tuple[str, str]],
    known_contact_points: dict[str, str] | None,
) -> tuple[tuple[Decision, ...], list[Finding]]:
    """The decisions that can be applied, and a finding for each that cannot: one for a
    mailbox the export no longer holds, one naming a contact point this environment does not
    have (checked when its contact points are known). ``mailboxes`` holds (mailbox, subject)
    pairs of the export; a decision without a subject matches any subject of its mailbox."""
    ids = {m for m, _ in mailboxes}
    numbers = numbered(ids)
    subjects: dict[str, set[str]] = {}
    for m, sub in mailboxes:
        subjects.setdefault(m, set()).add(sub)
    usable: list[Decision] = []
    found: list[Finding] = F.Bounded()
    for d in log.decisions:
        key = d.key
        same = export_form(d.mailbox_id, ids, numbers)
        if same is not None and same != d.mailbox_id:
            d = replace(d, mailbox_id=same)
        if d.subject_id:  # a subject as the export writes it: "02" is 2, as IDs compare
            written = export_form(d.subject_id, subjects.get(d.mailbox_id, set()))
            if written is not None and written != d.subject_id:
                d = replace(d, subject_id=written)
        exists = (
            d.mailbox_id in ids if not d.subject_id else (d.mailbox_id, d.subject_id) in mailboxes
        )
        if not exists:
            found.append(_absent(d, log, known=key in log.mapped_before))
            continue
        if d.guid and known_contact_points is not None and d.guid not in known_contact_points:
            found.append(
                F.error(
                    "DECISION_CONTACT_POINT_UNKNOWN",
                    "The decision for mailbox {mailbox} ({decision} by {by} at {at}) names {guid}, which is not one of this environment's contact points; it is not used.",
                    log.source,
                    f"row {d.row}",
                    guid=d.guid,
                    **_named(d),
                )
            )
            continue
        usable.append(d)
    latest: dict[str, Decision] = {}
    for d in usable:  # 101626 and 0101626 are one mailbox: the later decision counts
        latest.pop(d.key, None)
        latest[d.key] = d
    return tuple(latest.values()), found
