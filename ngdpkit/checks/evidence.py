"""Evidence for what the kit cannot see itself (contract §12.2, §12.3).

- **Confirmations** (``ngdpkit confirm``): one JSON line per confirmed checklist step in
  ``confirmations.jsonl`` beside the settings file, hash-chained like the audit trail
  (``hash`` = SHA-256 of the canonical record without ``hash``; ``prev`` the previous
  line's hash, 64 zeros for the first). Every later run reads the file as an input; a
  broken chain is ``CONFIRMATIONS_TAMPERED`` and no line of it counts.
- **The WorkZone register**: a Configurator export of Mailbox mappings, compared row by
  row with the run's mapping (``WZ_REGISTER_*``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import findings as F
from ..errors import InputError
from ..findings import Finding, local_time, with_plurals
from ..inputs import is_number, within_calendar
from ..redact import UNSEEN_RANGES, redact

# The checklist's eight steps, in the vendor page's order (contract §12.2).
KEYS = (
    "agreement",
    "certificate",
    "firewall",
    "system",
    "contact_points",
    "mapping",
    "dispatcher",
    "acceptance",
)


@dataclass(frozen=True, slots=True)
class EvidenceSummary:
    """One server's evidence file as step 04 stores it (``results.evidence``): a
    server-check (``egress_ip``, ``checks``, ``failed``) or an install-certificate one
    (``thumbprint``, ``chain_ok``, ``key_accounts``, ``custom_root``); the other kind's
    fields are None."""

    kind: str  # "server-check" or "install"
    server: str
    taken_at: str
    file: str = ""
    egress_ip: str | None = None
    checks: int | None = None
    failed: int | None = None
    thumbprint: str | None = None
    chain_ok: bool | None = None
    key_accounts: int | None = None
    custom_root: str | None = None  # an install's root CA that is not an OCES3 root
    environment: str | None = None  # the environment the file says it was taken for

    @classmethod
    def of(cls, data: dict[str, Any]) -> EvidenceSummary:
        """A summary as ``read_evidence`` returns it (or as stored) as the typed record."""
        from ..inputs.typed import structure

        return structure({"kind": "server-check", **data}, cls)


@dataclass(frozen=True)
class StepEvidence:
    """What the kit has for one step: ``kind`` is observed, confirmed, planned or none;
    ``detail`` says what (who and when for a confirmation); ``blocked`` forces the step
    blocked (the dispatcher withheld) whatever the findings say."""

    kind: str = "none"
    detail: str = ""
    blocked: bool = False
    gap: bool = False  # the kit saw something missing: no confirmation makes the step done
    next_action: str = ""  # instead of the step's usual next action


def server_key(name: str) -> str:
    """A server as Windows names it (``$env:COMPUTERNAME``): its first label, upper-case
    (``wzweb01.soeby.local`` is ``WZWEB01``; contract §12.4), cut to the 15 characters a
    computer name keeps (``wz-verylongservername01`` is ``WZ-VERYLONGSERV``). A name that
    holds a secret is that name with it hidden, never cut: a certificate password given as
    a server's name left its first 15 characters in server-check.ps1, which the scan of the
    whole secret did not find (the run's other files, holding the whole name, are replaced)."""
    hidden = redact(name.strip())
    if hidden != name.strip():  # said hidden, never cut (nor upper-cased: its marker)
        return hidden
    return name.strip().split(".", 1)[0].upper()[:15]


# When a server's evidence counts (contract §12.2): dated, not ahead of the kit's clock by
# more than the skew allowed for a server's clock, not older than the staleness bound
# (NET_EVIDENCE_STALE), taken for this environment, from a configured server.
STALE_DAYS = 30
CLOCK_SKEW = dt.timedelta(days=1)


def evidence_taken(text: str) -> dt.datetime | None:
    """An evidence file's ``taken_at`` as a moment, or None when it is no ISO 8601 date and
    time with a time zone (the scripts write ``yyyy-MM-ddTHH:mm:ssZ`` in the invariant
    culture, so "i går", "--" or a time without a zone is no date the kit can hold against
    its clock)."""
    text = text.strip()
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}", text):
        return None
    try:
        at = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None or at.utcoffset() is None or not within_calendar(at):
        return None
    return at


def evidence_server(name: str, servers: Iterable[str]) -> str | None:
    """The key (:func:`server_key`) of the configured server an evidence file names, or None.
    The scripts write ``$env:COMPUTERNAME``; a name is matched as :func:`server_key` reads it
    (its first label, as Windows spells it), as the kit always has. The name is no proof of
    where a file was taken (anyone who can write the file can write the name): the file's
    date, environment and content are what make it count.

    A first label that is not ASCII matches no server: the settings name servers in ASCII
    (``SERVER_NAME_INVALID``), and Python's upper case made a look-alike one of them (a
    tester's look: ``wzapı01`` with a dotless ı, or ``ﬁleserver`` with the ligature, counted
    for WZAPI01 and FILESERVER, the checklist naming the look-alike)."""
    if not name.strip().split(".", 1)[0].isascii():
        return None
    said = server_key(name)
    for server in servers:
        if said and said == server_key(server):
            return said
    return None


def why_not_counted(
    summary: EvidenceSummary, *, servers: Iterable[str], environment: str, now: dt.datetime
) -> str:
    """Why one evidence file counts for no checklist step ("" when it counts): ``undated``,
    ``future``, ``stale``, ``other_environment``, ``unknown_server`` or (a server check with
    no check in it) ``no_checks``."""
    taken = evidence_taken(summary.taken_at)
    if taken is None:
        return "undated"
    if taken > now + CLOCK_SKEW:
        return "future"
    if now - taken > dt.timedelta(days=STALE_DAYS):
        return "stale"
    if summary.environment not in (None, environment):
        return "other_environment"
    if evidence_server(summary.server, servers) is None:
        return "unknown_server"
    if summary.kind == "server-check" and not summary.checks:
        return "no_checks"
    return ""


def not_counted(
    summaries: Sequence[EvidenceSummary],
    *,
    servers: Iterable[str],
    environment: str,
    now: dt.datetime,
) -> dict[int, str]:
    """``id(summary)`` -> why it counts for no step (:func:`why_not_counted`, or
    ``superseded``: a newer file of the same server and kind that counts replaces it), for
    each summary that does not count. An operations engineer's look: a failed check kept with
    the passing one taken after it (a mail attachment saved twice) still blocked step 3, and
    the step asked to do again what was done."""
    names = list(servers)
    why = {
        id(s): why_not_counted(s, servers=names, environment=environment, now=now)
        for s in summaries
    }
    newest: dict[tuple[str, str], dt.datetime] = {}
    for s in summaries:
        taken = evidence_taken(s.taken_at)
        key = (server_key(s.server), s.kind)
        if not why[id(s)] and taken is not None and (key not in newest or taken > newest[key]):
            newest[key] = taken
    for s in summaries:
        taken = evidence_taken(s.taken_at)
        latest = newest.get((server_key(s.server), s.kind))
        if not why[id(s)] and taken is not None and latest is not None and taken < latest:
            why[id(s)] = "superseded"
    return {k: v for k, v in why.items() if v}


CONFIRMATIONS = "confirmations.jsonl"
GENESIS = "0" * 64
STEPS = range(1, 9)
MAX_CONFIRMATIONS_BYTES = 8 * 1024 * 1024
# Never in a name or a note: the C1 controls (U+009B starts an escape sequence in a terminal),
# the bidirectional overrides, which turn a name around in Excel ("Mette" + U+202E + "…": an
# attacker's look), and the invisible characters (zero-width, soft hyphen, line separators),
# which make two names look alike on the checklist a customer signs (the second look)
# and a lone surrogate (a --by byte that is not UTF-8, a hand-written "\udc00"), which no file
# can hold as UTF-8: writing it crashed confirm, and reading it check and run (a tester's look)
_UNSEEN = "\x7f-\x9f\ud800-\udfff" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in UNSEEN_RANGES)
_NAME = re.compile(rf"^[^\x00-\x1f{_UNSEEN}]{{1,200}}\Z")
# a note's lines: no control character but the tab and the line end
_NOTE_REFUSED = re.compile(rf"[\x00-\x08\x0b-\x1f{_UNSEEN}]")


def _note_ok(note: str) -> bool:
    return len(note) <= 1000 and _NOTE_REFUSED.search(note) is None


@dataclass(frozen=True)
class Confirmation:
    environment: str
    step: int
    by: str
    at: str
    note: str
    prev: str
    hash: str
    # steps 5, 6 and 7: the SHA-256 of the values the confirmed work followed (the portal's
    # contact points and translations, WorkZone's mapping, the dispatcher's parameters), as
    # the environment's latest run had them when ``confirm`` was given
    values_sha256: str = ""
    line: int = 0  # its line in the file (1 for the first), as read; 0 when just written


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(
        {k: v for k, v in record.items() if k != "hash"},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")  # a lone surrogate is refused by the line's rules


def _hash(record: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(_canonical(record)).hexdigest()


def confirmations_path(settings_path: Path) -> Path:
    return settings_path.parent / CONFIRMATIONS


# Why a confirmations file cannot be used, each said whole in the catalogue's languages.
_TAMPERED = "{file} cannot be used ({reason}); no confirmation in it counts."
REASONS = {
    "not_regular": "not a regular file",
    "too_large": "larger than 8 MB",
    "not_text": "not readable UTF-8 text",
    "not_json": "line {line} is not JSON",
    "not_record": "line {line} is not a record",
    "changed": "line {line} was changed, removed or reordered",
    "field": "line {line} lacks a field or holds one of the wrong kind",
    "rewritten": "it no longer begins with the {size} bytes run {run} read: lines were changed or removed, where only new ones may be added",
    "unverified": "run {run} read it and finished, but no longer verifies (its manifest or trail was changed or removed), so what the runs accepted of it cannot be read; put the run's files back (or, to start the confirmations over on purpose, move the environment's run folders aside with the file)",
    "crowded": "its runs folder holds {count} or more folders, newer than any run that read it, that are no finished run that verifies, so what the runs accepted of it cannot be read; move them aside",
}


def _tampered(source: str, reason: str, **params: Any) -> list[Finding]:
    return [
        F.error(
            "CONFIRMATIONS_TAMPERED",
            _TAMPERED.replace("{reason}", REASONS[reason]),
            source,
            "",
            file=source,
            **params,
        )
    ]


# a confirmation's time as ``confirm`` writes it (``…Z``), or with a fraction or an offset,
# or (counted for nothing, and named: CONFIRMATION_TIME_REFUSED) without a zone; [0-9], never
# \d, which takes other scripts' digits
_AT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)


def _confirmation(data: dict[str, Any], prev: str, line: int = 0) -> Confirmation | None:
    """A line's record, or None when a field is missing or not of its kind (``"step":
    true`` is no step; a note that is an object no note)."""
    step, texts = data.get("step"), [data.get(k) for k in ("environment", "by", "at")]
    optional = [data.get(k) for k in ("note", "values_sha256")]
    if type(step) is not int or step not in STEPS or not all(isinstance(t, str) for t in texts):
        return None
    if not all(v is None or isinstance(v, str) for v in optional):
        return None
    # the writer's own rules: a line written by hand (its hash recomputed; the chain has no
    # key) carried NUL, ESC and CR into the pages and the workbook (an attacker's look)
    # and as the writer stored it, stripped: strip() also takes FS, NEL and U+2028 away, so
    # a name checked only stripped kept them (the second look)
    by, note = str(data["by"]), str(data.get("note") or "")
    if by != by.strip() or not _NAME.match(by) or note != note.strip() or not _note_ok(note):
        return None
    if not _AT.match(str(data["at"])):
        # Python's fromisoformat takes any one character between the date and the time: a
        # line dated "2026-12-06\x1b10:00:00" carried an ESC into the pages (a second look)
        return None
    try:
        at = dt.datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
    except ValueError:
        return None
    if not within_calendar(at):
        return None
    return Confirmation(
        environment=data["environment"],
        step=step,
        by=data["by"],
        at=data["at"],
        note=data.get("note") or "",
        prev=prev,
        hash=str(data.get("hash")),
        values_sha256=data.get("values_sha256") or "",
        line=line,
    )


def read_confirmations(path: Path) -> tuple[list[Confirmation], list[Finding]]:
    """Every confirmation in ``path`` when its chain is intact; none and a finding otherwise."""
    if not path.exists() and not path.is_symlink():
        return [], []
    source = path.name
    try:
        if not path.is_file() or path.is_symlink():
            return [], _tampered(source, "not_regular")
        if path.stat().st_size > MAX_CONFIRMATIONS_BYTES:
            return [], _tampered(source, "too_large")
        lines = path.read_bytes().decode("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return [], _tampered(source, "not_text")
    out: list[Confirmation] = []
    prev = GENESIS
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            return [], _tampered(source, "not_json", line=number)
        if not isinstance(data, dict):
            return [], _tampered(source, "not_record", line=number)
        if data.get("prev") != prev or _hash(data) != data.get("hash"):
            return [], _tampered(source, "changed", line=number)
        record = _confirmation(data, prev, number)
        if record is None:
            return [], _tampered(source, "field", line=number)
        out.append(record)
        prev = record.hash
    return out, []


# A confirmation's time: ``confirm`` writes the moment it is given, in UTC (``…Z``). A time
# without a zone, or one later than the run that reads it, was written by other means (the
# chain has no key: a line appended by hand with its hash computed) or on a wrong clock, and
# it passed the go-live rule of step 7 and outweighed a failed rehearsal in step 8 (a
# reviewer's look: "at": "2027-02-01T09:15:00Z" two months after the run read "færdig").
CONFIRMATION_SKEW = dt.timedelta(minutes=5)


def confirmation_time(text: str) -> dt.datetime | None:
    """The UTC moment a confirmation's ``at`` names, or None when it names none with a time
    zone (``2026-12-06T20:30:00`` is a wall clock somewhere, not a moment), read as an
    evidence file's time is (:func:`evidence_taken`)."""
    at = evidence_taken(text)
    try:
        return at.astimezone(dt.UTC) if at is not None else None
    except (OverflowError, ValueError):
        return None


def confirmations_in_time(
    confirmations: list[Confirmation], source: str, now: dt.datetime | None = None
) -> tuple[list[Confirmation], list[Finding]]:
    """(the confirmations whose time counts, ``CONFIRMATION_TIME_REFUSED`` for each other):
    one dated without a time zone, or later than ``now`` (the run reading the file) beyond
    :data:`CONFIRMATION_SKEW`, counts for nothing, and the finding names its line and time."""
    now = now or dt.datetime.now(dt.UTC)
    kept: list[Confirmation] = []
    refused: list[Finding] = []
    for c in confirmations:
        at = confirmation_time(c.at)
        if at is not None and at <= now + CONFIRMATION_SKEW:
            kept.append(c)
            continue
        refused.append(
            F.error(
                "CONFIRMATION_TIME_REFUSED",
                "Line {line} of {file} (step {step}, by {by}) is dated {value}, without a time zone: ngdpkit confirm writes the moment in UTC, so the line was written by other means; it counts for nothing."
                if at is None
                else "Line {line} of {file} (step {step}, by {by}) is dated {value}, later than this reading of the file ({now}): ngdpkit confirm writes the moment it is given, so the line was written by other means or on a wrong clock; it counts for nothing.",
                source,
                f"line {c.line}",
                line=c.line,
                file=source,
                step=c.step,
                by=c.by,
                value=c.at,
                now=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
    return kept, refused


def still_appended(path: Path, size: int, sha256: str, run: str) -> list[Finding]:
    """``CONFIRMATIONS_TAMPERED`` unless ``path`` still begins with the ``size`` bytes whose
    SHA-256 run ``run`` recorded when it read the file. The chain's hashes have no key, so
    a whole file rewritten consistently (a last line cut, an old line edited and every
    hash after it recomputed) passes :func:`read_confirmations`; the file is only ever
    appended to, and each run's audit trail holds what it read."""
    import hashlib

    try:
        with path.open("rb") as fh:
            head = fh.read(size) if 0 <= size <= MAX_CONFIRMATIONS_BYTES else b""
    except OSError:
        head = b""
    if len(head) == size and hashlib.sha256(head).hexdigest() == sha256:
        return []
    return _tampered(path.name, "rewritten", size=size, run=run)


def unverified_reader(path: Path, run: str) -> list[Finding]:
    """``CONFIRMATIONS_TAMPERED``: run ``run`` finished and read ``path``, but its folder no
    longer verifies, so the bytes it accepted cannot be held against the file."""
    return _tampered(path.name, "unverified", run=run)


def too_crowded(path: Path, count: int) -> list[Finding]:
    """``CONFIRMATIONS_TAMPERED``: the run folders that are no run (planted, unfinished, not
    verifying) used up the look back before a run that read ``path`` was found."""
    return _tampered(path.name, "crowded", count=count)


# The steps whose confirmation is for the values of the run it followed (checklist keys by
# step number): the work a person confirms there is typing this run's values somewhere.
VALUED_STEPS = {5: "contact_points", 6: "mapping", 7: "dispatcher"}


def _digest_lines(lines: Iterable[str]) -> str:
    import hashlib

    text = "\n".join(sorted(lines))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def portal_values_sha256(portal: Any) -> str:
    """Step 5's values: the contact points to keep in Administrativ Adgang (id or proposed
    name, name, target groups, visibility) with their translations and the translations to
    remove, in no particular order (a ``PortalRegistration``; None or no contact point: "")."""
    points = getattr(portal, "contact_points", None) or ()
    if not points:
        return ""
    return _digest_lines(
        json.dumps(
            [
                p.id or "",
                p.name,
                p.proposed,
                sorted(p.targets),
                p.visible,
                sorted(p.translations),
                sorted(p.existing_not_mapped or ()),
            ],
            ensure_ascii=False,
        )
        for p in points
    )


MAPPING_VALUE_COLUMNS = ("mailbox_id", "subject_id", "ngdp_guid", "status")


def mapping_values_sha256(mapping: Any) -> str:
    """Step 6's values: what WorkZone's register must hold for each mailbox (its ID and
    subject as the export writes them, the GUID, and whether it is mapped or retired), in no
    particular order (step 02's mapping table; None or empty: "")."""
    if mapping is None or len(mapping) == 0:
        return ""
    if any(c not in mapping.columns for c in MAPPING_VALUE_COLUMNS):
        return ""
    columns = [mapping[c].fillna("").astype(str) for c in MAPPING_VALUE_COLUMNS]
    joined = columns[0]
    for column in columns[1:]:  # one string per row, made a column at a time
        joined = joined + "\x1f" + column
    return _digest_lines(joined.tolist())


def values_sha256(dispatcher: dict[str, Any] | None) -> str:
    """The SHA-256 of the dispatcher's parameters (what a step 7 confirmation is for)."""
    import hashlib

    params = (dispatcher or {}).get("parameters")
    if not isinstance(params, dict):
        return ""
    return hashlib.sha256(
        json.dumps(params, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def append_confirmation(
    path: Path,
    *,
    environment: str,
    step: int,
    by: str,
    note: str = "",
    values: str = "",
) -> Confirmation:
    """Add one confirmation at the end of the chain (the file is created 0600 if new).

    The last hash is read and the line written while this process holds the file
    exclusively (:func:`_exclusive`): two ``confirm`` at once both chained to the same line,
    and the file stopped counting. A file whose last line lacks its line end (an editor
    that drops it) gets the line end first, so the new line is one of its own and the bytes
    a run accepted stay where they were."""
    if type(step) is not int or step not in STEPS:
        raise InputError(f"--step {step}: the checklist has steps 1 to 8")
    if not _NAME.match(by.strip()):
        raise InputError(
            "--by: a name of 1 to 200 characters without control characters, direction overrides"
            " or invisible characters"
        )
    if not _note_ok(note):
        raise InputError(
            "--note: at most 1,000 characters, no control characters, direction overrides or"
            " invisible characters"
        )
    _usable(path)  # said before the file is opened (or created)
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from exc
    try:
        with _exclusive(fd, path):
            existing = _usable(path)  # again, now that no other confirm can append
            record: dict[str, Any] = {
                "environment": environment,
                "step": step,
                "by": by.strip(),
                "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "note": note.strip(),
                "prev": existing[-1].hash if existing else GENESIS,
            }
            if values:
                record["values_sha256"] = values
            record["hash"] = _hash(record)
            line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
            data = ("" if _ends_a_line(fd) else "\n") + line
            _write_all(fd, data.encode("utf-8"), path)
    finally:
        os.close(fd)
    return Confirmation(**record)


def _usable(path: Path) -> list[Confirmation]:
    """The confirmations in ``path``, or the ``InputError`` that names why it cannot be
    appended to (its chain broken: a line added to it would count for nothing)."""
    existing, problems = read_confirmations(path)
    if problems:
        raise InputError(f"{path}: {problems[0].message}")
    return existing


def _ends_a_line(fd: int) -> bool:
    """The open file is empty or its last byte is a line end."""
    size = os.fstat(fd).st_size
    if size == 0:
        return True
    os.lseek(fd, size - 1, os.SEEK_SET)  # O_APPEND: the write still goes to the end
    return os.read(fd, 1) == b"\n"


def _write_all(fd: int, data: bytes, path: Path) -> None:
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from exc


# Windows locks a byte range, and a lock there is mandatory (a locked byte cannot be read
# through another handle, not even this process's): the lock is taken on one byte far past
# any confirmations file (at most 8 MB), so reading the file while holding it still works.
_WINDOWS_LOCK_AT = 1 << 30
LOCK_WAIT_S = 30.0


@contextlib.contextmanager
def _exclusive(fd: int, path: Path) -> Iterator[None]:
    """Hold ``fd``'s file exclusively against every other ``confirm`` (another process or
    thread): ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows; where neither module
    exists, no lock (as before there was one)."""
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    if fcntl is not None:
        _posix_lock(fcntl, fd, path)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return
    try:
        import msvcrt
    except ImportError:
        yield
        return
    _windows_lock(msvcrt, fd, path)
    try:
        yield
    finally:
        os.lseek(fd, _WINDOWS_LOCK_AT, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _posix_lock(fcntl: Any, fd: int, path: Path) -> None:
    """Take ``flock`` on ``fd``, waiting up to :data:`LOCK_WAIT_S` for another ``confirm`` to
    finish (a reviewer's second look: a lock held forever hung ``confirm`` without a word)."""
    import time

    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError as exc:
            if time.monotonic() >= deadline:
                raise InputError(
                    f"{path}: another process has held the file for {LOCK_WAIT_S:.0f} s;"
                    " nothing was recorded"
                ) from exc
            time.sleep(0.05)
        except OSError as exc:
            raise InputError(f"{path}: cannot be locked ({exc.strerror})") from exc


def _windows_lock(msvcrt: Any, fd: int, path: Path) -> None:
    """Take the Windows lock on :data:`_WINDOWS_LOCK_AT`, waiting up to :data:`LOCK_WAIT_S`
    for another ``confirm`` to finish."""
    import time

    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        os.lseek(fd, _WINDOWS_LOCK_AT, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise InputError(
                    f"{path}: another confirm holds the file; nothing was recorded"
                    f" ({exc.strerror or exc})"
                ) from exc
            time.sleep(0.05)


# --- the WorkZone register (§12.3) ------------------------------------------------------------


@dataclass(frozen=True)
class RegisterComparison:
    """What the comparison of the register with the run's mapping found."""

    rows: int
    compared: int
    differs: int
    guid_missing: int
    row_missing: int
    extra: int

    @property
    def matches(self) -> bool:
        return not (self.differs or self.guid_missing or self.row_missing)


def _id(text: str) -> int | None:
    t = text.strip()
    return int(t) if is_number(t) else None


def compare_register(
    path: Path, mapping: Any, *, label: str, cache: Any = None
) -> tuple[RegisterComparison, list[Finding]]:
    """The register export, row by row, against the run's mapping (IDs as integers)."""
    # Kept whole: one pass over the register's rows against the plan, counting what differs;
    # the summaries below read the same counters.
    from ..guids import canonical_guid
    from ..inputs.mailboxes import MAILBOX_ID, NGDP_GUID, SUBJECT_ID
    from ..inputs.workbooks import Field, read_table

    fields = (
        MAILBOX_ID,
        Field("mailbox_name", ("Mailbox name", "Postkassenavn")),
        SUBJECT_ID,
        NGDP_GUID,
    )
    table = read_table(path, fields, label=label, cache=cache)
    found: list[Finding] = F.Bounded()
    planned: dict[tuple[int, int | None], tuple[str, str]] = {}
    if mapping is not None and len(mapping):
        cols = ["mailbox_id", "subject_id", "ngdp_guid", "status"]
        frame = mapping.reindex(columns=cols, fill_value="").fillna("").astype(str)
        for mid, sid, guid, status in zip(*(frame[c].tolist() for c in cols), strict=True):
            key_mid = _id(mid)
            if key_mid is not None and status == "mapped" and guid:
                planned[(key_mid, _id(sid))] = (mid, guid)
    seen: set[tuple[int, int | None]] = set()
    differs = guid_missing = extra = 0
    data = table.data
    subjects = data.get("subject_id") or [""] * len(table.row_numbers)
    guids = data.get("ngdp_guid") or [""] * len(table.row_numbers)
    for number, mid, sid, raw_guid in zip(
        table.row_numbers, data["mailbox_id"], subjects, guids, strict=True
    ):
        key_mid = _id(mid)
        if key_mid is None:
            continue
        key = (key_mid, _id(sid))
        where = table.where(number)
        if key not in planned and not raw_guid.strip():
            continue  # a row that maps nothing (a retired mailbox) is no extra mapping
        if key not in planned:
            extra += 1
            found.append(
                F.info(
                    "WZ_REGISTER_ROW_EXTRA",
                    "The register maps mailbox {mailbox}, which this run does not map.",
                    label,
                    where,
                    mailbox=mid,
                )
            )
            continue
        seen.add(key)
        want = planned[key][1]
        guid = canonical_guid(raw_guid) if raw_guid.strip() else None
        if not raw_guid.strip():
            guid_missing += 1
            found.append(
                F.warning(
                    "WZ_REGISTER_GUID_MISSING",
                    "The register has no NgDP Guid for mailbox {mailbox}; this run maps it to {guid}.",
                    label,
                    where,
                    mailbox=mid,
                    guid=want,
                )
            )
        elif guid != want:
            differs += 1
            found.append(
                F.error(
                    "WZ_REGISTER_GUID_DIFFERS",
                    "The register sends mailbox {mailbox} to {value}; this run maps it to {guid}.",
                    label,
                    where,
                    mailbox=mid,
                    value=raw_guid.strip()[:60],
                    guid=want,
                )
            )
    missing = [planned[k][0] for k in planned if k not in seen]
    for mid in missing:
        found.append(
            F.warning(
                "WZ_REGISTER_ROW_MISSING",
                "Mailbox {mailbox} is mapped by this run but missing from the register.",
                label,
                "",
                mailbox=mid,
            )
        )
    return (
        RegisterComparison(
            rows=len(table.row_numbers),
            compared=len(seen),
            differs=differs,
            guid_missing=guid_missing,
            row_missing=len(missing),
            extra=extra,
        ),
        list(found),
    )


# --- the checklist's evidence (§12.2) ---------------------------------------------------------


def ngdp_read_at(observation: Any) -> str:
    """ "NgDP", or "NgDP (<address>)" when what was read is not NgDP's official address (a
    simulator, an overridden ngdp_api_url): a customer's read of ``checklist.xlsx``, which is
    handed on without the pages' banner, said "set: NgDP" over the local simulator."""
    from .network import official_api_url

    official = {official_api_url(kind).rstrip("/") for kind in ("test", "production")}
    base = str(getattr(observation, "base_url", "") or "").rstrip("/")
    return "NgDP" if not base or base in official else f"NgDP ({base})"


def gather(
    *,
    servers: list[str],
    observation: Any,
    register: RegisterComparison | None,
    server_evidence: Sequence[EvidenceSummary] | None,
    thumbprint: str | None,
    certificate_known: bool,
    system_id: str | None,
    contact_points_known: bool,
    mapping_complete: bool,
    dispatcher: dict[str, Any] | None,
    dispatcher_unchanged: bool,
    step_values: dict[str, str] | None = None,
    file_removals: int = 0,
    acceptance: Any,
    confirmations: list[Confirmation],
    environment: str,
    findings: list[Finding],
    language: str = "da",
    enable_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the kit has for each of the eight steps (``checklist.StepEvidence`` by key).
    ``enable_at``: when ``[golive]`` enables the NgDP dispatcher (the runbook's step 3), in
    UTC; a confirmation of step 7 given before it does not count. A server's evidence
    counts for steps 2 and 3 only as :func:`why_not_counted` allows, at ``now``."""
    # Kept whole: the eight steps in the vendor page's order, a few lines each; read top to
    # bottom it is the checklist's rule table, and the steps share what was observed.
    words = DETAILS["da" if language == "da" else "en"]

    codes = {f.code for f in findings}
    wanted = {server_key(s) for s in servers}
    summaries = server_evidence or ()
    moment = now or dt.datetime.now(dt.UTC)
    # evidence that counts for nothing (undated, in the future, stale, another environment's,
    # an unknown server's, a server check without checks) is left out, and said beside the
    # step it would have been for (an attacker's look: each made steps 2 and 3 "done")
    why = not_counted(summaries, servers=servers, environment=environment, now=moment)
    counted = [s for s in summaries if id(s) not in why]
    out: dict[str, StepEvidence] = {}

    # 1 access to Administrativ Adgang: the organisation read from NgDP
    if observation is not None and observation.organisation is not None:
        org = observation.organisation
        out["agreement"] = StepEvidence(
            "observed",
            f"{ngdp_read_at(observation)} {org.name or org.id} ({local_time(observation.fetched_at, language)})",
        )
    elif system_id:  # the value, as the dispatcher page names it: "planlagt: system_id" named
        # a settings key to the customer who signs (a customer's cold read)
        out["agreement"] = StepEvidence("planned", f"SystemId {system_id}")

    # 2 the certificate installed on every server: install evidence naming this thumbprint
    installs = {
        evidence_server(s.server, servers)
        for s in counted
        if s.kind == "install"
        and s.chain_ok
        and thumbprint
        and (s.thumbprint or "").upper() == thumbprint.upper()
    }
    if wanted and thumbprint and wanted <= installs:
        out["certificate"] = StepEvidence("observed", ", ".join(sorted(wanted)))
    elif certificate_known:
        out["certificate"] = StepEvidence(
            "planned", _left_out("install-certificate.ps1", summaries, "install", why, words)
        )

    # 3 outgoing access: server-check evidence from every server, NgDP reached
    checked = {
        evidence_server(s.server, servers)
        for s in counted
        if s.kind == "server-check" and not s.failed
    }
    if wanted and wanted <= checked and "NET_EVIDENCE_MISSING" not in codes:
        out["firewall"] = StepEvidence("observed", ", ".join(sorted(wanted)))
    elif "PENDING_SERVER_IPS" in codes:
        # no outgoing address yet: the firewall order has no source to open from, so it is
        # not planned (it said "planlagt: firewall-rules.xlsx" over an order without one)
        out["firewall"] = StepEvidence(
            "none",
            words["no_ips"],
            next_action=words["no_ips_next"].format(environment=environment),
        )
    else:
        out["firewall"] = StepEvidence(
            "planned",
            _left_out(
                "firewall-rules.xlsx, server-check.ps1", summaries, "server-check", why, words
            ),
        )

    # 4 the system registered: the registration read, no NGDP_SYSTEM_DIFFERS / NGDP_CERT_*
    if observation is not None and observation.system is not None:
        out["system"] = StepEvidence(
            "observed",
            f"{ngdp_read_at(observation)} {observation.system.id} ({local_time(observation.fetched_at, language)})",
        )
    elif system_id:
        out["system"] = StepEvidence("planned", "portal-registration.json")

    # 5 contact points and translations: the whole listing read, nothing missing or astray
    gaps = sum(
        1
        for f in findings
        if f.code
        in ("NGDP_CONTACT_POINT_MISSING", "NGDP_TRANSLATION_MISSING", "NGDP_TRANSLATION_ELSEWHERE")
    )
    read_whole = (
        observation is not None
        and observation.listing_complete
        and observation.contact_points is not None
    )
    if read_whole and gaps:
        out["contact_points"] = StepEvidence(
            "none",
            with_plurals(words["gaps"], {"count": gaps}).format(count=gaps),
            gap=True,
            next_action=words["gaps_next"],
        )
    elif read_whole:
        out["contact_points"] = StepEvidence(
            "observed",
            f"{ngdp_read_at(observation)}: {len(observation.contact_points)} ({local_time(observation.fetched_at, language)})",
        )
    elif contact_points_known and file_removals:
        # offline, the contact points file (what the consultant says the portal holds) has
        # translations this run no longer maps there: the portal is not done, whoever says
        # so (a week-two retest: step 5 was confirmed done beside a to-do that still said
        # "fjern, hvis den står der")
        out["contact_points"] = StepEvidence(
            "none",
            with_plurals(words["file_removals"], {"count": file_removals}).format(
                count=file_removals
            ),
            gap=True,
            next_action=words["file_removals_next"],
        )
    elif contact_points_known:
        out["contact_points"] = StepEvidence("planned", "portal-todo.xlsx")

    # 6 every mailbox mapped in WorkZone: the register export matches
    if register is not None and register.matches:
        out["mapping"] = StepEvidence("observed", words["register"].format(count=register.compared))
    elif mapping_complete:
        out["mapping"] = StepEvidence("planned", "mailbox-mapping.xlsx")

    # 7 the dispatcher: confirmation only
    ready = bool(dispatcher and dispatcher.get("ready"))
    out["dispatcher"] = (
        StepEvidence("planned", "dispatcher-config.json") if ready else StepEvidence(blocked=True)
    )

    # 8 acceptance: a rehearsal against NgDP, ok, with the dispatcher values unchanged since
    if acceptance is not None and acceptance.against == "ngdp":
        out["acceptance"] = _acceptance(
            acceptance, dispatcher_unchanged, confirmations, environment, words
        )

    # any step can be confirmed instead (the newest confirmation of a step counts)
    _confirmed(out, confirmations, environment, dispatcher, words, language, step_values, enable_at)
    return out


def _left_out(
    detail: str,
    summaries: Sequence[EvidenceSummary],
    kind: str,
    why: dict[int, str],
    words: dict[str, str],
) -> str:
    """A step's detail, and which of its evidence files do not count and why, in a few
    words (at most three files named)."""
    named = [
        f"{_cut(s.file or s.server, 60)} ({words['why_' + why[id(s)]]})"
        for s in summaries
        if s.kind == kind and why.get(id(s))
    ]
    if not named:
        return detail
    more = len(named) - 3
    shown = ", ".join(named[:3]) + (f", +{more}" if more > 0 else "")
    return f"{detail}; " + words["left_out"].format(files=shown)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with "..."."""
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def _acceptance(
    acceptance: Any,
    dispatcher_unchanged: bool,
    confirmations: list[Confirmation],
    environment: str,
    words: dict[str, str],
) -> StepEvidence:
    """Step 8 from the newest rehearsal ``--against ngdp``: seen only when it went to NgDP's
    own address (a go-live day's cold run: a rehearsal of production pointed at a local NgDP
    by ``ngdp_api_url`` made step 8 "færdig") with status ok (its warnings once counted:
    the reply never came back). A rehearsal that failed after the step's newest
    confirmation is what the kit saw last: no confirmation makes the step done then (the
    same cold run: ``confirm --step 8`` after a failed rehearsal said "alle trin færdige")."""
    from ..inputs.acceptance import sent_elsewhere

    where = acceptance.folder.path.name
    if sent_elsewhere(acceptance.findings):
        return StepEvidence(
            "none",
            words["acceptance_elsewhere"].format(where=where),
            next_action=words["acceptance_elsewhere_next"],
        )
    if acceptance.status == "ok":
        return StepEvidence("observed" if dispatcher_unchanged else "planned", where)
    if acceptance.status != "errors":  # the letter went through; what was not seen (a push
        # system's reply reaches WorkZone, not the kit) a person checks and confirms
        return StepEvidence(
            "planned",
            words["acceptance_warnings"].format(where=where),
            next_action=words["acceptance_warnings_next"],
        )
    confirmed = [c.at for c in confirmations if c.environment == environment and c.step == 8]
    after = _stamp(where)  # when it started (its folder's name); it failed when it ended:
    # a confirmation given while it waited for the reply came before the failure
    if after is not None:
        took = sum(max(0.0, float(s.duration_s)) for s in acceptance.steps)
        after += dt.timedelta(seconds=min(took, 86_400.0))
    # a time without a zone is no moment after the failure (a run drops it before: its
    # findings name it, CONFIRMATION_TIME_REFUSED)
    newer = after is not None and all(
        (at := confirmation_time(c)) is None or at < after for c in confirmed
    )
    return StepEvidence(
        "none",
        words["acceptance_failed"].format(where=where),
        gap=newer,
        next_action=words["acceptance_failed_next"] if newer else "",
    )


def _stamp(text: str) -> dt.datetime | None:
    """The UTC time a rehearsal folder's name (``20261206T133245Z-…``) or a confirmation's
    ``at`` gives, or None."""
    try:
        if re.match(r"^[0-9]{8}T[0-9]{6}Z", text):
            return dt.datetime.strptime(text[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _confirmed(
    out: dict[str, StepEvidence],
    confirmations: list[Confirmation],
    environment: str,
    dispatcher: Any,
    words: dict[str, str],
    language: str,
    step_values: dict[str, str] | None = None,
    enable_at: dt.datetime | None = None,
) -> None:
    """A person's confirmation stands for a step the kit did not see, never over what it
    saw (present or missing); a confirmation of steps 5, 6 and 7 only for the values it
    followed (this run's: the dispatcher's, and ``step_values`` by checklist key), and of
    step 7 only from the moment ``[golive]`` enables the dispatcher (``enable_at``)."""
    values = {**(step_values or {}), "dispatcher": values_sha256(dispatcher)}
    latest: dict[int, Confirmation] = {}
    for c in confirmations:
        if c.environment == environment and c.step in STEPS:
            latest[c.step] = c
    for number, key in enumerate(KEYS, start=1):
        confirmed = latest.get(number)
        before = out.get(key, StepEvidence())
        if confirmed is None or before.kind == "observed" or before.gap:
            continue  # what the kit saw, present or missing, outweighs a person's word
        note = f": {confirmed.note}" if confirmed.note else ""
        who = f"{confirmed.by}, {F.local_time(confirmed.at, language)}{note}"
        stale = _stale(key, confirmed, values.get(key, ""), words) or _early(
            key, confirmed, enable_at, words, language
        )
        if stale:
            out[key] = StepEvidence("planned", stale.format(who=who), before.blocked)
            continue
        out[key] = StepEvidence("confirmed", who, before.blocked)


def _stale(key: str, confirmed: Confirmation, current: str, words: dict[str, str]) -> str:
    """Why a confirmation of a valued step does not count for this run ("" when it does)."""
    if key not in VALUED_STEPS.values():
        return ""
    if key == "dispatcher" and not current:
        # this run withheld its values: nothing to hold the confirmation against (it said
        # "for other values … confirm again", and the next run counted it: a customer)
        return words["withheld"]
    if key == "dispatcher" and not confirmed.values_sha256:
        # given after a run that withheld its values, or before any run had them: it was for
        # no values (a consultant's cold run read "for other values", though none had changed)
        return words["unbound"]
    if key == "dispatcher" and confirmed.values_sha256 != current:
        # a confirmation is for the values of the run it followed; they changed since
        return words["stale"]
    if key == "dispatcher":
        return ""
    # Steps 5 and 6 (a week-two consultant: the portal and WorkZone confirmed in week one
    # stayed done after a new export moved, added and removed mailboxes)
    if not confirmed.values_sha256:  # given before any run had them (or by an older kit)
        return words["unbound"]
    if confirmed.values_sha256 != current:
        return words[f"stale_{key}"]
    return ""


def _early(
    key: str,
    confirmed: Confirmation,
    enable_at: dt.datetime | None,
    words: dict[str, str],
    language: str,
) -> str:
    """Why a confirmation of step 7 given before ``[golive]`` enables the NgDP dispatcher does
    not count ("" when it does): the runbook enables it in its step 3, after the e-Boks
    dispatcher is off, and a signer read "7. … færdig · bekræftet" beside a runbook whose
    step 3 was days away. A go-live moved earlier is ``[golive]`` changed."""
    if key != "dispatcher" or enable_at is None:
        return ""
    at = confirmation_time(confirmed.at)  # none (no time zone) is no moment after it
    if at is not None and at >= enable_at:
        return ""
    return words["early"].replace("{when}", local_time(enable_at.isoformat(), language))


DETAILS = {
    "da": {
        "gaps": "{count} oversættelse(r) mangler i NgDP eller står på et andet kontaktpunkt (portal-todo.xlsx)",
        "gaps_next": "Portaladministratoren tilføjer og fjerner oversættelserne i portal-todo.xlsx; kør derefter <<run_online>> igen.",
        "register": "workzone_register: {count} rækker stemmer med tilknytningen",
        "no_ips": "servernes udgående IP-adresser er ikke angivet, så firewall-reglerne har ingen kilde endnu",
        "no_ips_next": "Drift oplyser servernes udgående IP-adresser; de angives i server_ips under [environments.{environment}], og der køres igen.",
        "stale": "bekræftet for andre dispatcher-værdier end denne kørsels ({who}); bekræft igen",
        "early": "bekræftet ({who}) før NgDP-dispatcheren skal aktiveres ({when}, drejebogens trin 3); bekræft igen, når den er aktiveret",
        "withheld": "bekræftet ({who}), men denne kørsel holder dispatcher-værdierne tilbage, så bekræftelsen kan ikke holdes op mod dem; den tæller igen, når værdierne vises",
        "stale_contact_points": "bekræftet for andre kontaktpunkter eller oversættelser end denne kørsels ({who}); bekræft igen, når portalen har denne kørsels kontaktpunkter og oversættelser (portal-todo.xlsx)",
        "stale_mapping": "bekræftet for en anden tilknytning end denne kørsels ({who}); bekræft igen, når WorkZone har denne kørsels tilknytning (mailbox-mapping.xlsx)",
        "file_removals": "kontaktpunktsfilen har {count} oversættelse(r), som denne kørsel ikke knytter til det kontaktpunkt, filen angiver; portal-todo.xlsx viser, hvad der skal fjernes, hvis det er oprettet i portalen",
        "file_removals_next": "Portaladministratoren fjerner oversættelserne i portal-todo.xlsx i portalen; ret derefter kontaktpunktsfilen, og kør igen.",
        "unbound": "bekræftet ({who}), men bekræftelsen siger ikke, hvilke værdier den gjaldt for (den blev givet, før en kørsel havde dem); bekræft igen efter denne kørsel",
        "acceptance_elsewhere": "den seneste accepttest ({where}) gik til en anden adresse end NgDP's officielle (ngdp_api_url) og tæller ikke",
        "acceptance_elsewhere_next": "Kør accepttesten igen mod NgDP's officielle adresse med indstillinger uden ngdp_api_url.",
        "acceptance_warnings": "den seneste accepttest ({where}) havde advarsler (fx et svar, ngdpkit ikke kunne se); den tæller, når en person har bekræftet trinnet",
        "acceptance_warnings_next": "Se advarslerne på accepttestens side; ligger brevet og svaret på sagen i WorkZone, så bekræft trinnet med <<confirm>>.",
        "acceptance_failed": "den seneste accepttest ({where}) fejlede",
        "acceptance_failed_next": "Ret fundene fra accepttesten, og kør den igen; en bekræftelse fra før fejlen tæller ikke.",
        "left_out": "tæller ikke: {files}",
        "why_undated": "ingen læsbar dato",
        "why_future": "dateret i fremtiden",
        "why_stale": f"ældre end {STALE_DAYS} dage",
        "why_other_environment": "fra et andet miljø",
        "why_unknown_server": "fra en server, der ikke står i indstillingerne",
        "why_no_checks": "uden tjek",
        "why_superseded": "en nyere fil fra samme server tæller",
    },
    "en": {
        "gaps": "{count} translation(s) missing from NgDP or on another contact point there (portal-todo.xlsx)",
        "gaps_next": "The portal administrator adds and removes the translations in portal-todo.xlsx; then run <<run_online>> again.",
        "register": "workzone_register: {count} rows match the mapping",
        "no_ips": "the servers' outgoing IP addresses are not given, so the firewall rules have no source yet",
        "no_ips_next": "Operations give the servers' outgoing IP addresses; they go in server_ips under [environments.{environment}], and the kit runs again.",
        "stale": "confirmed for other dispatcher values than this run's ({who}); confirm again",
        "early": "confirmed ({who}) before the NgDP dispatcher is to be enabled ({when}, the runbook's step 3); confirm again once it is enabled",
        "withheld": "confirmed ({who}), but this run withholds the dispatcher values, so the confirmation cannot be held against them; it counts again once the values are shown",
        "stale_contact_points": "confirmed for other contact points or translations than this run's ({who}); confirm again once the portal holds this run's contact points and translations (portal-todo.xlsx)",
        "stale_mapping": "confirmed for another mapping than this run's ({who}); confirm again once WorkZone holds this run's mapping (mailbox-mapping.xlsx)",
        "file_removals": "the contact points file has {count} translation(s) this run does not map to the contact point the file names; portal-todo.xlsx lists what to remove in the portal if it is there",
        "file_removals_next": "The portal administrator removes the translations in portal-todo.xlsx in the portal; then update the contact points file and run again.",
        "unbound": "confirmed ({who}), but not for which values (it was given before a run had them); confirm again after this run",
        "acceptance_elsewhere": "the latest acceptance test ({where}) went to another address than NgDP's official one (ngdp_api_url) and does not count",
        "acceptance_elsewhere_next": "Take the acceptance test again against NgDP's official address, with settings without ngdp_api_url.",
        "acceptance_warnings": "the latest acceptance test ({where}) had warnings (such as a reply the kit could not see); it counts once a person has confirmed the step",
        "acceptance_warnings_next": "Read the warnings on the acceptance test's page; once the letter and the reply have reached the case in WorkZone, confirm the step with <<confirm>>.",
        "acceptance_failed": "the latest acceptance test ({where}) failed",
        "acceptance_failed_next": "Fix the acceptance test's findings and take it again; a confirmation given before it failed does not count.",
        "left_out": "not counted: {files}",
        "why_undated": "no readable date",
        "why_future": "dated in the future",
        "why_stale": f"older than {STALE_DAYS} days",
        "why_other_environment": "for another environment",
        "why_unknown_server": "from a server not in the settings",
        "why_no_checks": "no checks in it",
        "why_superseded": "a newer file from the same server counts",
    },
}
