"""Deciding the mapping (contract §12.7): ``nk.decide``, the decisions file written, and the
mapping made again from it for the notebook's editor. Reading the file is
:mod:`ngdpkit.inputs.decisions`.

A decision is written to the environment's decisions file at once and is never held
anywhere else: what the editor or a later run shows comes from that file, read again. Who
decides is asked once per kernel (as a secret's prompt is, contract §6) and kept here for
the kernel's life; it is written nowhere but into the file's ``Decided by`` column.

Everything a caller names is checked before anything is written: a bad mailbox, an unknown
or ambiguous contact point, a decision that does not fit raises
:class:`~ngdpkit.errors.InputError` and the file is left as it was.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents.i18n import t
from ..errors import InputError, RefusalKind
from ..findings import Sentence, local_time
from ..guids import canonical_guid
from ..inputs.decisions import DECISIONS, FIELDS, HEADERS, MAX_NOTE, Decision, export_form
from ..settings import Settings, load_settings
from .core import Step
from .n02_contact_points import compute_mapping, mailboxes_from_step, read_usable_decisions
from .records import ContactPointsRecord, InputRead

_MAILBOX = re.compile(r"([0-9]+)(?::([0-9]+))?")  # as the reader takes them (digits, digits:digits)
_SPACE = re.compile(r"\s+")
_decider: str | None = None  # who decides, for this kernel's life (see set_decider)


def decider() -> str | None:
    """Who decides in this session, once they have said so (None before)."""
    return _decider


def set_decider(name: str) -> str:
    """Remember who decides for the rest of this kernel's life; returns the name as kept."""
    global _decider
    clean = _one_line(name)
    if not clean:
        raise InputError.said([Sentence.of("the name of who decides is empty")])
    _decider = clean
    return clean


def decide(
    step: Step,
    mailboxes: str | int | Iterable[str | int],
    decision: str,
    contact_point: str | None = None,
    *,
    by: str | None = None,
    note: str = "",
) -> Decided:
    """Decide the mapping of one or more mailboxes, written at once to the decisions file.

    Args:
        step: the notebook's step (its environment's decisions file, contact points and,
            once mapped, its mailboxes and suggestions are what is checked against).
        mailboxes: a postkasse ID (``"12345"``: every subject of it) or one subject of it
            (``"12345:2"``), or several of these.
        decision: ``accept`` (a suggested contact point taken), ``override`` (any other
            contact point of this environment) or ``retire`` (not migrated).
        contact_point: the contact point's NgDP Guid, or its name in this environment
            (case-insensitive; it must name exactly one). None for ``retire``; for
            ``accept``, None takes each mailbox's best suggestion.
        by: who decides; by default the session's decider (the editor's "Dit navn").
        note: why, kept in the file beside the decision (one line, at most 500 characters).

    Returns:
        The decisions as written, in the order given (a tuple), with ``replaced``: the
        decisions by another person they replace. A notebook shows both as sentences.

    Raises:
        InputError: something named cannot be used; nothing is written then.
    """
    keys = [mailboxes] if isinstance(mailboxes, str | int) else list(mailboxes)
    return decide_each(step, [(k, contact_point) for k in keys], decision, by=by, note=note)


def decide_each(
    step: Step,
    choices: Sequence[tuple[str | int, str | None]],
    decision: str,
    *,
    by: str | None = None,
    note: str = "",
) -> Decided:
    """Like :func:`decide`, with a contact point per mailbox (the editor accepts each
    checked row's own suggestion): every choice is checked, then all are written at once."""
    word, who, text = _checked_words(decision, by, note)
    if not choices:
        raise InputError.said([Sentence.of("no mailbox named")])
    points = _PointIndex.of(step)
    known = _known_mailboxes(step)
    suggested = _suggestions(step, {str(raw).strip().partition(":")[0] for raw, _ in choices})
    problems: list[Sentence] = []
    named = {str(p).strip() for _, p in choices if p is not None and str(p).strip()}
    if word == "retire" and named:
        raise InputError.said(
            [
                Sentence.of(
                    "a retire decision names no contact point ({values})",
                    values=", ".join(sorted(named)),
                )
            ]
        )
    resolved: dict[str, str | None] = {}
    for name in sorted(named):  # each looked up once, however many mailboxes it is for
        resolved[name], why = points.find(name)
        if why:
            problems.append(why)
    made: dict[str, Decision] = {}
    at = now()
    for raw, point in choices:
        key = _mailbox_key(raw, known, problems)
        if key is None:
            continue
        guid = _target(word, key, point, resolved, points, suggested, problems)
        if guid is None:
            continue
        mailbox_id, _, subject = key.partition(":")
        made.pop(key, None)  # named twice: the last counts, as in the file
        made[key] = Decision(
            mailbox_id=mailbox_id,
            subject_id=subject,
            decision=word,
            guid=guid,
            decided_by=who,
            decided_at=at,
            note=text,
        )
    resorted = _refuse_export_changed_since(step)  # first: may be why a mailbox is not in it
    if problems:
        raise InputError.said(problems)
    _refuse_settings_changed_since(step)
    path = step.settings.decisions_path(step.env.name)
    replaced = _replaced_by(path, step.rel(path), made.values())
    write_decisions(path, made.values())
    said = {"language": step.language, "file": path.name, "resorted": resorted}
    return Decided(made.values(), replaced=replaced, **said)


def _checked_words(decision: str, by: str | None, note: str) -> tuple[str, str, str]:
    """The decision's word, who decides and the note, each checked (InputError otherwise)."""
    word = decision.strip().lower() if isinstance(decision, str) else ""
    if word not in DECISIONS:
        raise InputError.said([_not_a_decision(decision)])
    who = _one_line(by) if by is not None else _decider
    if not who:
        raise InputError.said(
            [
                Sentence.of(
                    "who decides is not known: type your name in the editor (Dit navn) or pass by=..."
                )
            ]
        )
    text = _one_line(note)
    if len(text) > MAX_NOTE:
        raise InputError.said(
            [
                Sentence.of(
                    "the note is {n} characters long; at most {most}", n=len(text), most=MAX_NOTE
                )
            ]
        )
    return word, who, text


def _refuse_export_changed_since(step: Step) -> str:
    """InputError when the e-Boks export (``inputs.mailboxes``) is no longer the file this
    session read: replaced by the customer's new export or moved away after notebook 02
    mapped it. The decision was checked against the mailboxes the session read and written
    all the same (a mailbox gone from the new export decided on; the decisions file, an input
    hashed in the audit, then held a decision made against an export nobody ran). The
    export as the session read it is the earlier step's record of it (path, SHA-256); the
    file as it is now must have the same bytes, or, read again as the session read it, the
    same mailbox rows (:func:`_same_rows`: the export opened in Excel and saved without a
    cell changed has other bytes). Nothing is written otherwise. The export's name when it
    holds the same rows in another order (sorted again in Excel): a decision is of a mailbox,
    not of a row, so it is written, and :class:`Decided` says that notebook 01's findings,
    which name rows, are to be made again; "" otherwise."""
    import hashlib

    export = step.env.inputs.mailboxes
    if export is None:
        return ""
    label = step.rel(export)
    read = [
        *(InputRead(**entry) for entry in step.inputs_read),
        *(e for f in step.cache.values() for e in f.inputs_read),
    ]
    hashes = {r.sha256 for r in read if r.path == label and r.sha256}
    if not hashes:  # not read in this session yet: the check reads it as it is now
        return ""
    try:
        now = hashlib.sha256(export.read_bytes()).hexdigest()
    except OSError:
        now = ""
    if now in hashes:
        return ""
    rows = _same_rows(step, export, hashes, now) if now else ""
    if rows:
        return label if rows == RESORTED else ""
    named = _export_named_now(step)
    if named is not None and named != export:  # the settings already name its new place
        said = Sentence.of(
            "the settings now name another export in mailboxes ({now}) than the one this session read ({file}): run the notebooks again from 01, so that the decision is checked against that export; nothing is written",
            now=step.rel(named),
            file=label,
        )
    elif not export.is_file():
        said = Sentence.of(
            "{file} is gone since this session read it: put it back, then decide again, or name its new place in mailboxes in the settings and run the notebooks again from 01; nothing is written",
            file=label,
        )
    else:
        said = Sentence.of(
            "{file} changed after this session read it: run the notebooks again from 01, so that the decision is checked against the export as it is now; nothing is written",
            file=label,
        )
    raise InputError.said([said])


# (export, the hashes the session read, its hash now, how it is read) -> whether its rows
# are the ones read (SAME, RESORTED or ""): an export saved again is read again once (4 s at
# 100,000 mailboxes), not at each decision
_ROWS_SEEN: dict[tuple[str, frozenset[str], str, str], str] = {}
SAME, RESORTED = "same", "resorted"


def _same_rows(step: Step, export: Path, hashes: set[str], now: str) -> str:
    """Whether ``export``, whose bytes (hash ``now``) are not the ones the session read,
    holds the same mailbox rows as step 01's record of it (a fingerprint of the rows,
    :func:`~ngdpkit.inputs.mailboxes.rows_fingerprint`): read again with the same reader and
    the session's settings (sheet, columns). A consultant opened the export in Excel and saved
    it without changing a cell, and every decision was refused. A row removed, added or
    changed, another sheet or another export, or a file that no longer reads as an export is
    not the same. Only when the export the session read is step 01's one reading of it.
    :data:`SAME` for the rows in their order, :data:`RESORTED` for the same rows in another
    order (the customer sorted the export by name and saved it), "" for neither."""
    from ..inputs.mailboxes import rows_fingerprint, rows_in_any_order
    from .n01_mailboxes import read_export
    from .records import MailboxesRecord

    inputs = step.env.inputs
    how = repr(
        (
            step.env.name,
            inputs.mailboxes_sheet,
            inputs.columns,
            inputs.mailboxes_environment,
            inputs.mailboxes_in_environment,
        )
    )
    key = (str(export), frozenset(hashes), now, how)
    if key in _ROWS_SEEN:
        return _ROWS_SEEN[key]
    label = step.rel(export)
    if isinstance(step.record, MailboxesRecord):
        files = [step.as_file()]
    else:
        files = [f for f in step.cache.values() if isinstance(f.record, MailboxesRecord)]
    reads = {r.sha256 for f in files for r in f.inputs_read if r.path == label}
    if len(files) != 1 or reads != hashes:
        return ""
    record = files[0].record
    assert isinstance(record, MailboxesRecord)
    before = rows_fingerprint(record.mailboxes)
    try:
        again = read_export(step, export)
    except (InputError, OSError, ValueError):
        return ""
    same = ""
    if before is not None and again.sheet == record.sheet:
        if (
            tuple(str(row) for row in again.id_errors) == record.id_errors
            and rows_fingerprint(again.frame) == before
        ):
            same = SAME
        elif rows_in_any_order(again.frame, again.id_errors) == rows_in_any_order(
            record.mailboxes, record.id_errors
        ):
            same = RESORTED
    if len(_ROWS_SEEN) >= 64:
        _ROWS_SEEN.clear()
    _ROWS_SEEN[key] = same
    return same


def _export_named_now(step: Step) -> Path | None:
    """The export (``inputs.mailboxes``) the settings file names for the step's environment
    as it is now, or None when that is not known (settings made in code, a file gone or no
    longer read as settings, the environment removed: :func:`_refuse_settings_changed_since`
    says those). A consultant moved the export and named its new place in the settings;
    the refusal still told them to do so."""
    settings = step.settings
    if not settings.raw_sha256:
        return None
    try:
        current = load_settings(settings.path)
    except (InputError, OSError):
        return None
    env = current.environments.get(step.env.name)
    return env.inputs.mailboxes if env is not None else None


def _refuse_settings_changed_since(step: Step) -> None:
    """InputError when the settings file, as it is now, differs from what the step read in
    something a decision depends on (:func:`depends_on`): edited in another tab during the
    session (another ``decisions`` file named, other contact points), the decision went to
    the file the kernel's old settings named, checked against their contact points, and the
    headless run, reading the settings as they are now, never saw it, though the editor said
    it was saved. Nothing is written then. Any other edit (a comment, a server's name,
    ``[signing]``, the other environment's firewall) lets the decision through: the file is
    read again with the kit's own loader, so comments, key order, quoting and line ends are
    no change (re-running notebook 02 for each cost a consultant minutes and the editor's
    state). A file that is gone or no longer reads as settings refuses, saying why and what
    to do (:func:`_unreadable`)."""
    import hashlib

    from ..run.neighbours import same_but_line_ends

    settings = step.settings
    if not settings.raw_sha256:  # settings made in code, not read from a file
        return
    try:
        now = hashlib.sha256(settings.path.read_bytes()).hexdigest()
    except OSError:
        now = ""
    if now == settings.raw_sha256 or same_but_line_ends(settings.path, settings.raw_sha256):
        return
    if not settings.path.is_file():
        raise InputError.said(
            [
                Sentence.of(
                    "{file} is gone since this notebook read it: the decision cannot be checked against the settings, so nothing is written",
                    file=settings.path.name,
                )
            ]
        )
    try:
        current = load_settings(settings.path)
    except InputError as exc:
        raise _unreadable(settings, step.env.name, exc) from None
    before, after = depends_on(settings, step.env.name), depends_on(current, step.env.name)
    changed = [
        _edited(key, settings, current)
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]
    if step.env.name not in current.environments:  # the table renamed or removed: named as
        changed = [f"environments.{step.env.name}"]  # such, not as its keys none edited
    if changed:
        raise InputError.said(
            [
                Sentence.of(
                    "{file} changed after this notebook read it: run the notebook again from its first cell, so that the decision is checked against the settings as they are now",
                    file=settings.path.name,
                ),
                Sentence.of(
                    "what changed is a setting the decision depends on: {key}",
                    key=", ".join(changed),
                ),
            ]
        )


# The most characters of the loader's line an English refusal quotes (_unreadable)
REASON_CHARACTERS = 300


def _unreadable(settings: Settings, name: str, exc: InputError) -> InputError:
    """The refusal of a settings file that no longer reads as settings (``exc``, the loader's).
    In Danish, what kind of problem and in which keys, never a value (a value may be a
    secret, or a CPR number typed into the wrong key: a consultant's week two read "(file
    not found: …)" in English inside the Danish sentence, the value with it); in English the
    loader's own line, as ``ngdpkit check`` prints it, its CPR-shaped numbers hidden. What to
    do: correct it and decide again; when a key the decision depends on (:func:`depends_on`)
    is at fault, also that giving it another value (a new contact points file) takes the
    notebook run again from its first cell, which the next call would say only then."""
    from ..errors import SettingsRefused
    from ..redact import hide_cpr, shortened

    file = settings.path.name
    detail = exc.problems[0] if exc.problems else "-"
    # bounded, as the Danish keys are: an unknown key of 10,000 characters stood whole in it
    reason = shortened(hide_cpr(detail.removeprefix(f"{file}: ")), REASON_CHARACTERS)
    if not isinstance(exc, SettingsRefused):
        da = Sentence.of(
            "{file} no longer reads as settings: correct it, then decide again; nothing is written",
            file=file,
        )
        return InputError.said([da], english=[_correct_it(file, reason)])
    keys = _shown_keys(exc.keys)
    dependent = any(_depended_on(key, settings, name) for key in exc.keys)
    names = _looked_for(exc.keys, exc.looked_for)
    if exc.kind == "files" and dependent:
        return _file_not_there(file, reason, keys, names)
    if exc.kind == "keys" and dependent:
        return InputError.said(
            [
                Sentence.of(
                    "{file} no longer reads as settings (a key or its value is wrong: {keys}): correct it, then decide again; if {keys} is to hold another value than when the notebook read it, run the notebook again from its first cell, so that the decision is checked against the settings as they are then; nothing is written",
                    file=file,
                    keys=keys,
                )
            ],
            english=[
                Sentence.of(
                    "{file} no longer reads as settings ({reason}): correct it, then decide again; if {keys} is to hold another value than when the notebook read it, run the notebook again from its first cell, so that the decision is checked against the settings as they are then; nothing is written",
                    file=file,
                    reason=reason,
                    keys=keys,
                )
            ],
        )
    # a typo's key suggested: a name the kit knows (a typo under a key a decision depends
    # on takes none: [inputs.columns] names its own headers)
    meant = _meant(exc.keys, exc.suggested)
    return InputError.said(
        [_danish_reason(file, exc.kind, keys, exc.line, names=names, meant=meant)],
        english=[_correct_it(file, reason)],
    )


def _file_not_there(file: str, reason: str, keys: str, names: str) -> InputError:
    """:func:`_unreadable` for a key a decision depends on naming a file that is not there."""
    if names:
        # the file moved, or its name in the key mistyped (a consultant's week two: "læg
        # filen tilbage" for a file that never moved): both said, with the name looked for
        return InputError.said(
            [
                Sentence.of(
                    "{file} no longer reads as settings ({keys} names a file that is not there): put the file back, then decide again; if {keys} is to name another file, run the notebook again from its first cell, so that the decision is checked against the settings as they are then; if the file name in {keys} is misspelt (the kit looked for {names}), correct it, then decide again; nothing is written",
                    file=file,
                    keys=keys,
                    names=names,
                )
            ],
            english=[
                Sentence.of(
                    "{file} no longer reads as settings ({reason}): put the file back, or correct the file name in {keys} if it is misspelt, then decide again; if {keys} is to name another file, run the notebook again from its first cell, so that the decision is checked against the settings as they are then; nothing is written",
                    file=file,
                    reason=reason,
                    keys=keys,
                )
            ],
        )
    return InputError.said(
        [
            Sentence.of(
                "{file} no longer reads as settings ({keys} names a file that is not there): put the file back, then decide again; if {keys} is to name another file, run the notebook again from its first cell, so that the decision is checked against the settings as they are then; nothing is written",
                file=file,
                keys=keys,
            )
        ],
        english=[
            Sentence.of(
                "{file} no longer reads as settings ({reason}): put the file back, then decide again; if {keys} is to name another file, run the notebook again from its first cell, so that the decision is checked against the settings as they are then; nothing is written",
                file=file,
                reason=reason,
                keys=keys,
            )
        ],
    )


def _correct_it(file: str, reason: str) -> Sentence:
    return Sentence.of(
        "{file} no longer reads as settings ({reason}): correct it, then decide again; nothing is written",
        file=file,
        reason=reason,
    )


def _danish_reason(
    file: str, kind: RefusalKind, keys: str, line: int, *, names: str = "", meant: str = ""
) -> Sentence:
    """What :func:`_unreadable` says on a Danish screen when what is at fault is no key a
    decision depends on (the decision goes through once it is corrected): with the file
    name looked for (``names``) and the key a typo was taken for (``meant``) when known."""
    if kind == "files" and names:
        return Sentence.of(
            "{file} no longer reads as settings ({keys} names a file that is not there; the kit looked for {names}): put the file there, or correct the file name in the key if it is misspelt, then decide again; nothing is written",
            file=file,
            keys=keys,
            names=names,
        )
    if kind == "keys" and meant:
        return Sentence.of(
            "{file} no longer reads as settings (a key or its value is wrong: {keys}; did you mean {meant}?): correct it, then decide again; nothing is written",
            file=file,
            keys=keys,
            meant=meant,
        )
    if kind == "files":
        return Sentence.of(
            "{file} no longer reads as settings ({keys} names a file that is not there): put the file there or correct the key, then decide again; nothing is written",
            file=file,
            keys=keys,
        )
    if kind == "keys":
        return Sentence.of(
            "{file} no longer reads as settings (a key or its value is wrong: {keys}): correct it, then decide again; nothing is written",
            file=file,
            keys=keys,
        )
    if line:
        return Sentence.of(
            "{file} no longer reads as settings (it is not TOML text the kit can read, at line {line}): correct it, then decide again; nothing is written",
            file=file,
            line=line,
        )
    return Sentence.of(
        "{file} no longer reads as settings (it is not TOML text the kit can read): correct it, then decide again; nothing is written",
        file=file,
    )


SHOWN_KEYS = 3


def _shown_keys(keys: Sequence[str]) -> str:
    """The keys at fault as a refusal names them: the first :data:`SHOWN_KEYS`, then how
    many more as "(+N)"; each one line, cut to length, a CPR-shaped number in it hidden (an
    unknown key is the file's own text)."""
    from ..redact import hide_cpr, one_line, shortened

    shown = ", ".join(shortened(hide_cpr(one_line(k)), 60) for k in keys[:SHOWN_KEYS]) or "-"
    more = len(keys) - SHOWN_KEYS
    return f"{shown} (+{more})" if more > 0 else shown  # the same in Danish and English


def _looked_for(keys: Sequence[str], looked_for: Mapping[str, str]) -> str:
    """The file names the first :data:`SHOWN_KEYS` of ``keys`` looked for, as a refusal
    names them: the name alone (a folder may hold a person's user name), in »«, one line,
    a CPR-shaped number and a registered secret hidden before each is cut to 60
    characters; empty when none is known."""
    from pathlib import PureWindowsPath

    from ..redact import hide_cpr, one_line, shortened

    shown = []
    for key in keys[:SHOWN_KEYS]:
        value = looked_for.get(key)
        if value:
            name = PureWindowsPath(one_line(value)).name or one_line(value)
            shown.append(f"»{shortened(hide_cpr(name), 60)}«")
    return ", ".join(dict.fromkeys(shown))


def _meant(keys: Sequence[str], suggested: Mapping[str, str]) -> str:
    """The keys the first :data:`SHOWN_KEYS` of ``keys`` were taken for ("did you mean"),
    as the loader names them: names of the kit's own schema, never a value."""
    return ", ".join(dict.fromkeys(suggested[k] for k in keys[:SHOWN_KEYS] if k in suggested))


def _depended_on(key: str, settings: Settings, name: str) -> bool:
    """Whether the settings key ``key`` (dotted, as the loader names it) is, or lies in, one a
    decision for environment ``name`` depends on (:func:`depends_on`, as read before), the
    top level's ``[inputs]`` export keys, which the environment takes, among them."""
    keys = [*depends_on(settings, name), *(f"inputs.{k}" for k in _EXPORT_KEYS)]
    return any(key == k or key.startswith(f"{k}.") for k in keys)


def _edited(key: str, before: Settings, after: Settings) -> str:
    """The key a person edited for ``key``: an environment's export setting is the top
    level's ``[inputs]`` one when that changed (the environment took it from there)."""
    field_name = key.rpartition(".")[2]
    if key.startswith("environments.") and field_name in _EXPORT_KEYS:
        if getattr(before.inputs, field_name) != getattr(after.inputs, field_name):
            return f"inputs.{field_name}"
    return key


_EXPORT_KEYS = frozenset({"mailboxes", "mailboxes_sheet", "mailboxes_environment", "columns"})


def depends_on(settings: Settings, name: str) -> dict[str, Any]:
    """What of ``settings`` a decision for environment ``name`` depends on, each by the key a
    person edits (its value is compared, never shown: a key may name a secret's variable).
    The decisions file written to (and read by the headless run); the contact points it is
    checked against (their file or NgDP's listing, and the ``system_id`` they are read
    with); what step 02's mapping reads, which makes the mailboxes known and the
    suggestions ``accept`` takes (the export and how it is read, the mapping file, the
    default contact point). With ``contact_points = "ngdp"``, what reads NgDP's listing
    too: its address and CA, the identity and header's variables, the kind (the official
    address) and the CVR (the organisation it is read for). Not: the language (it shapes
    no byte of the decisions file), the organisation otherwise (nothing of step 02 or a
    decision checks it), the other environments, ``[signing]``, servers, firewalls."""
    env = settings.environments.get(name)
    if env is None:
        return {f"environments.{name}": None}
    own = env.inputs
    at = f"environments.{name}."
    out: dict[str, Any] = {
        at + "decisions": settings.decisions_path(name).resolve(),
        at + "contact_points": (env.contact_points, env.contact_points_ngdp),
        at + "system_id": env.system_id,
        at + "mapping": env.mapping,
        at + "default_contact_point": env.default_contact_point,
        # the export as step 01 reads it, the top level's [inputs] under this table's own
        at + "mailboxes": (own.mailboxes, own.mailboxes_in_environment),
        at + "mailboxes_sheet": own.mailboxes_sheet,
        at + "mailboxes_environment": own.mailboxes_environment,
        at + "columns": own.columns,
    }
    if env.contact_points_ngdp:
        out.update(
            {
                at + "ngdp_api_url": env.ngdp_api_url,
                at + "ngdp_api_ca": env.ngdp_api_ca,
                at + "kind": env.kind,
                at + "certificate": env.certificate,
                at + "certificate_password_env": env.certificate_password_env,
                at + "authorization_env": env.authorization_env,
                "secrets_file": settings.secrets_file,  # where the header is read from
                "organisation.cvr": settings.organisation.cvr,
            }
        )
    return out


class Decided(tuple[Decision, ...]):
    """What :func:`decide` wrote: the decisions in the order given (a tuple, as before), and
    ``replaced``, the decisions of another person that they replace, read from the file as it
    was (a consultant who took over in week two replaced a colleague's decision, and nothing
    said so until the next run's overview). A notebook shows it as sentences."""

    replaced: tuple[Decision, ...]
    language: str
    file: str
    # the export's name when it holds the rows the session read in another order (sorted
    # again in Excel): the decision is written, and notebook 01 is to be run again so that
    # its findings name the rows where they are now; "" otherwise
    resorted: str

    def __new__(
        cls,
        written: Iterable[Decision],
        *,
        replaced: tuple[Decision, ...] = (),
        language: str = "da",
        file: str = "",
        resorted: str = "",
    ) -> Decided:
        self = super().__new__(cls, written)
        self.replaced, self.language, self.file = replaced, language, file
        self.resorted = resorted
        return self

    def replacements(self) -> list[str]:
        """One sentence for each decision replaced: whose, when and what it was."""
        lang = self.language
        return [
            t(
                lang,
                "decided_replaces",
                mailbox=t(lang, "decided_mailbox", mid=d.mailbox_id)
                if not d.subject_id
                else t(lang, "decided_subject", mid=d.mailbox_id, subject=d.subject_id),
                who=d.decided_by,
                when=local_time(d.decided_at, lang),
            )
            + " "
            + decision_words(lang, d)
            + "."
            for d in self.replaced
        ]

    def remarks(self) -> list[str]:
        """:meth:`replacements`, then, for an export sorted again, one sentence saying so."""
        said = self.replacements()
        if self.resorted:
            said.append(t(self.language, "decided_resorted", file=self.resorted))
        return said

    def __repr__(self) -> str:
        written = t(self.language, "decided_written", n=len(self), file=self.file or "-")
        return "\n".join([written, *self.remarks()])


def decision_words(language: str, d: Decision) -> str:
    """A decision as a person reads it: its word and the contact point's GUID."""
    word = t(language, f"decision_{d.decision}")
    return f"({word}, {d.guid})" if d.guid else f"({word})"


def _replaced_by(path: Path, label: str, made: Iterable[Decision]) -> tuple[Decision, ...]:
    """The decisions in ``path`` that count now and that ``made`` replaces, made by another
    person (as the overview's list of replaced decisions counts them). A file that cannot be
    read is named by the next run; nothing is said of it here."""
    if not path.is_file():
        return ()
    from ..inputs.decisions import read_decisions, same_person

    try:
        log, _ = read_decisions(path, label=label)
    except InputError:
        return ()
    counting = {d.key: d for d in log.decisions}
    return tuple(
        earlier
        for d in made
        if (earlier := counting.get(d.key)) is not None and not same_person(earlier, d)
    )


def _not_a_decision(decision: object) -> Sentence:
    # DECISIONS' words in the template itself: as a value they would be said in Danish, as
    # the pages name decisions, and a caller must type them as they are
    return Sentence.of("decision {value!r} is not one of accept, override, retire", value=decision)


def _one_line(text: str | None) -> str:
    """A name or note as one line: a line break in a CSV cell is a trap for the next reader."""
    return _SPACE.sub(" ", str(text or "")).strip()


def _mailbox_key(
    raw: str | int,
    known: tuple[set[str], set[tuple[str, str]]] | None,
    problems: list[Sentence],
) -> str | None:
    text = str(raw).strip()
    m = _MAILBOX.fullmatch(text)
    if m is None:
        problems.append(
            Sentence.of(
                "mailbox {value!r} is not a postkasse ID (digits, or digits:digits)", value=text
            )
        )
        return None
    mailbox_id, subject = m.group(1), m.group(2) or ""
    if known is not None:
        ids, pairs = known
        mailbox_id = export_form(mailbox_id, ids) or mailbox_id
        if (mailbox_id not in ids) if not subject else ((mailbox_id, subject) not in pairs):
            # the postkasse there and its subject not: the subject is what to check (a
            # consultant's read: "0100233:99" sent to the Mailbox ID column, which had 0100233)
            problems.append(
                Sentence.of(
                    "mailbox {value} with subject {subject} is not in the export, but the postkasse is: check the subject against the Subject ID column of the export (nk.show_unmapped lists the mailboxes still open)",
                    value=mailbox_id,
                    subject=subject,
                )
                if subject and mailbox_id in ids
                else Sentence.of(
                    "mailbox {value} is not in the export: check the ID against the Mailbox ID column of the export (nk.show_unmapped lists the mailboxes still open)",
                    value=text,
                )
            )
            return None
    return f"{mailbox_id}:{subject}" if subject else mailbox_id


def _target(
    word: str,
    key: str,
    point: str | None,
    resolved: dict[str, str | None],
    points: _PointIndex,
    suggested: dict[str, list[tuple[str, str]]] | None,
    problems: list[Sentence],
) -> str | None:
    """The GUID a decision for ``key`` names ("" for retire), or None with the problem noted
    (a contact point that could not be found is noted once, before)."""
    if word == "retire":
        return ""
    own = None if suggested is None else suggested.get(key, [])
    text = str(point).strip() if point is not None else ""
    if not text:
        if word == "accept" and own:
            return own[0][0]  # the best suggestion
        if word != "accept":
            said = Sentence.of("{key}: {decision} needs a contact point", key=key, decision=word)
        elif own is not None:
            said = Sentence.of(
                "{key}: {decision} needs a contact point (the mailbox has no suggestion): use 'override' and name one",
                key=key,
                decision=word,
            )
        else:
            said = Sentence.of(
                "{key}: {decision} needs a contact point (no suggestions made)",
                key=key,
                decision=word,
            )
        problems.append(said)
        return None
    guid = resolved.get(text)
    if guid is None:
        return None
    if word == "accept" and own is not None and guid not in {g for g, _ in own}:
        offered = "; ".join(f"{name!r} ({g})" for g, name in own) or "-"
        problems.append(
            Sentence.of(
                "{key}: {point} is not one of its suggestions ({values}); "
                "use 'override' for another contact point",
                key=key,
                point=points.label(guid),
                values=offered,
            )
        )
        return None
    return guid


@dataclass(frozen=True, slots=True)
class _PointIndex:
    """This environment's contact points by GUID and by case-folded name (None: not known)."""

    names: dict[str, str] | None  # guid -> name

    @classmethod
    def of(cls, step: Step) -> _PointIndex:
        rec = step.record
        if isinstance(rec, ContactPointsRecord) and rec.contact_points is not None:
            return cls({p.id: p.name for p in rec.contact_points})
        env = step.env
        if env.contact_points is None or env.contact_points_ngdp:
            return cls(None)  # pending, or only NgDP's listing knows them
        from ..inputs.contact_points import read_contact_points

        cps = read_contact_points(
            env.contact_points, label=step.rel(env.contact_points), system_id=env.system_id
        )
        return cls({p.id: p.name for p in cps.points})

    def label(self, guid: str) -> str:
        name = (self.names or {}).get(guid)
        return f"{name!r} ({guid})" if name is not None else guid

    def find(self, text: str) -> tuple[str | None, Sentence | None]:
        """The GUID ``text`` names (a GUID, or a unique name), or None and why not."""
        value = text.strip()
        guid = canonical_guid(value)
        if guid is not None:
            if self.names is not None and guid not in self.names:
                return None, Sentence.of(
                    "{guid} is not one of this environment's contact points", guid=guid
                )
            return guid, None
        if self.names is None:
            return None, Sentence.of(
                "this environment's contact points are not known, so {value!r} cannot be "
                "looked up by name; give the contact point's NgDP Guid",
                value=value,
            )
        wanted = value.casefold()
        hits = [g for g, name in self.names.items() if name.strip().casefold() == wanted]
        if len(hits) == 1:
            return hits[0], None
        if hits:
            return None, Sentence.of(
                "{value!r} names {n} contact points: {values} (give the NgDP Guid)",
                value=value,
                n=len(hits),
                values="; ".join(self.label(g) for g in sorted(hits)),
            )
        near = self._near(wanted)
        if near:
            return None, Sentence.of(
                "no contact point is named {value!r} (did you mean: {values})",
                value=value,
                values="; ".join(repr(n) for n in near),
            )
        return None, Sentence.of("no contact point is named {value!r}", value=value)

    def _near(self, wanted: str) -> list[str]:
        names = self.names or {}
        folded = {name.strip().casefold(): name for name in names.values()}
        return [folded[n] for n in folded if wanted and wanted in n][:5] or [
            folded[n] for n in difflib.get_close_matches(wanted, list(folded), n=5, cutoff=0.6)
        ]


def _known_mailboxes(step: Step) -> tuple[set[str], set[tuple[str, str]]] | None:
    """The export's (mailbox, subject) pairs: from the step's mapping once made, else from
    the export itself (step 01's record, read or computed again), so that a decision for a
    mailbox the export does not have is refused before it is written."""
    frame = getattr(step.record, "mapping", None)
    if frame is None:
        from .records import MailboxesRecord

        frame = step.previous(MailboxesRecord).mailboxes
        if frame is None:
            return None
        frame = frame[frame["mailbox_id"].astype(str) != ""]
    ids = frame["mailbox_id"].astype(str)
    return set(ids), set(zip(ids, frame["subject_id"].astype(str), strict=True))


def _suggestions(step: Step, ids: set[str]) -> dict[str, list[tuple[str, str]]] | None:
    """The suggestions for the mailboxes ``ids``, best first, keyed ``12345`` and
    ``12345:2`` (None when the step made none: then ``accept`` cannot be checked)."""
    frame = getattr(step.record, "suggestions", None)
    if frame is None:
        return None
    frame = frame[frame["Mailbox ID"].astype(str).isin(ids)]
    out: dict[str, list[tuple[str, str]]] = {}
    for mid, sid, guid, name in frame[
        ["Mailbox ID", "Subject ID", "NgDP Guid", "Contact point name"]
    ].itertuples(index=False):
        for key in {str(mid), f"{mid}:{sid}" if sid else str(mid)}:
            pair = (str(guid), str(name))
            if pair not in out.setdefault(key, []):
                out[key].append(pair)
    return out


@dataclass(frozen=True, slots=True)
class Applied:
    """What one action of the editor did: the decisions written, the mapping made again
    from the file, and the seconds both took (what the editor shows, and the bench times)."""

    decisions: Decided
    mapping: Any  # ngdpkit.inputs.mapping.Mapping
    seconds: float


def apply(
    step: Step,
    choices: Sequence[tuple[str | int, str | None]],
    decision: str,
    *,
    contact_points: Any,
    mapping_file: Any,
    previous: Any,
    by: str | None = None,
    note: str = "",
) -> Applied:
    """Write the decisions (:func:`decide_each`), then map again (:func:`recompute`)."""
    start = time.perf_counter()
    written = decide_each(step, choices, decision, by=by, note=note)
    mapping = recompute(step, contact_points, mapping_file, previous)
    return Applied(written, mapping, time.perf_counter() - start)


def recompute(step: Step, contact_points: Any, mapping_file: Any, previous: Any) -> Any:
    """The mapping again from the decisions file as it is now (re-read, never from widget
    state). Suggestions are not made again: ``previous``'s are kept for the mailboxes that
    are still unmapped. The step itself (its findings and files) is left as it was."""
    frame = mailboxes_from_step(step)
    points = contact_points.points if contact_points is not None else None
    read = read_usable_decisions(step, frame, points)
    mapping = compute_mapping(step, frame, points, mapping_file, read.usable)
    mapping.suggestions = remaining_suggestions(previous.suggestions, mapping.frame)
    mapping.plan = previous.plan
    mapping.language = step.language
    return mapping


def remaining_suggestions(suggestions: Any, frame: Any) -> Any:
    """The rows of ``suggestions`` whose mailbox is still unmapped in ``frame``."""
    if suggestions is None or not len(suggestions):
        return suggestions
    still = frame.loc[frame["status"] == "unmapped", ["mailbox_id", "subject_id"]].astype(str)
    keys = suggestions[["Mailbox ID", "Subject ID"]].astype(str)
    keys.columns = ["mailbox_id", "subject_id"]
    keep = keys.merge(still.drop_duplicates(), how="left", indicator=True)["_merge"] == "both"
    return suggestions[keep.to_numpy()].reset_index(drop=True)


def write_decisions(
    path: Path,
    decisions: Iterable[Decision],
) -> Path:
    """Append ``decisions`` to ``path`` (created with its BOM and header when new).

    A line is written whole or not at all as far as one ``write`` goes, and flushed to disk
    before this returns: a decision the editor showed as saved is on disk. Text a
    spreadsheet could run gets a leading ``'`` (read back without it)."""
    from ..deliverables.outputs import csv_field
    from ..inputs.workbooks import csv_encoding

    raw = path.read_bytes() if path.exists() else b""
    new = not raw.strip(b"\xef\xbb\xbf \t\r\n")  # nothing, or only what Excel saves empty
    if not new:
        _refuse_a_file_no_decision_can_join(path, raw)
    lines = []
    if new:
        lines.append(";".join(csv_field(h) for h in HEADERS))
    for d in decisions:
        if d.decision not in DECISIONS:
            raise InputError.said([_not_a_decision(d.decision)])
        lines.append(
            ";".join(
                csv_field(v)
                for v in (d.key, d.decision, d.guid, d.decided_by, d.decided_at, d.note)
            )
        )
    # in the file's own encoding: a file Danish Excel saved as "CSV (semikolonsepareret)" is
    # Windows-1252, and UTF-8 lines added to it showed "Ã†rlig" in Excel (the kit reads
    # both, line by line); a line Windows-1252 cannot hold is added as UTF-8
    encoding = "utf-8" if new else csv_encoding(raw)
    data = b"".join(_encoded(line + "\r\n", encoding) for line in lines)
    if new and not raw.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    elif not new and not raw.endswith(b"\n"):
        data = b"\r\n" + data  # a hand-edited file whose last line has no line end
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "ab") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def _refuse_a_file_no_decision_can_join(path: Path, raw: bytes) -> None:
    """InputError when a line added to the decisions file would not be read as a decision:
    a file that is not text the kit reads, a quote left open (the new line becomes part of
    the last one's note), or columns other than the kit's, in its order, separated by ``;``
    (an attacker's pass: each was written to "successfully", and the decision was lost or
    the file refused at the next run). Nothing is written."""
    import csv
    import io

    from ..inputs.workbooks import csv_text, normalise_header

    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw:
        raise InputError(
            f"{path.name}: not UTF-8 or Windows-1252 text (UTF-16?): save it as UTF-8; the decision is not added"
        )
    text = csv_text(raw, path.name)
    if text.count('"') % 2:
        raise InputError(
            f'{path.name}: a quote (") is left open, so a line added now would be read as part of the one before: close it; the decision is not added'
        )
    first = next((line for line in text.splitlines() if line.strip()), "")
    header = [normalise_header(h) for h in next(csv.reader(io.StringIO(first), delimiter=";"))]
    english = [normalise_header(h) for h in HEADERS]
    danish = [
        normalise_header(f.specific[1] if len(f.specific) > 1 else f.specific[0]) for f in FIELDS
    ]
    if header[: len(HEADERS)] not in (english, danish):
        raise InputError(
            f"{path.name}: its first line is not the kit's columns ({';'.join(HEADERS)}, in that order, separated by ;): the decision is not added; put the columns so, or name a new decisions file"
        )


def _encoded(line: str, encoding: str) -> bytes:
    try:
        return line.encode(encoding)
    except UnicodeEncodeError:
        return line.encode("utf-8")


def now() -> str:
    """The time a decision is made: local time with its offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
