"""Folders beside a run (previous runs, rehearsals, comparisons), used only once they verify.

A run folder reads three kinds of folder it did not write: the previous run (for
``changes.json``), the newest rehearsal (the checklist's acceptance step and the signed
PDF's acceptance part) and the newest comparison (a link on the overview). Anyone who can
write the runs folder can plant one, named to sort newest, so none is chosen by its name
alone (issue 26):

- a folder counts only when it is a real directory (not a link), its name carries a time
  no later than now, and :func:`ngdpkit.run.audit.verify` finds its trail, manifest and
  files intact; the newest such folder is chosen;
- what the kit takes from a rehearsal is its ``acceptance.json``, read into the typed
  :class:`AcceptanceView` and rendered again through the kit's own templates; no byte of
  another folder's HTML reaches a page.

The chain has no signature, so a forger who writes a whole folder with a consistent trail
can still pass; the pages therefore name the folder and its anchor, which the signer can
verify against the paper that anchor was printed on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import stat
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..inputs.acceptance import AcceptanceRecord, sent_elsewhere
from ..redact import redact
from ..settings import LAB_MARK, Settings
from .audit import (
    AUDIT,
    FINISHED,
    SEALED,
    TRAIL_LIMIT,
    did_not_finish,
    open_regular,
    read_regular,
    verify,
)

STAMP = re.compile(r"^([0-9]{8}T[0-9]{6}Z)-")
RUN_NAME = re.compile(r"^([0-9]{8}T[0-9]{6}Z)-[0-9a-f]{6}\Z")  # a run's folder (no rehearsal)
SKEW = dt.timedelta(minutes=5)
MAX_JSON = 16 * 1024 * 1024


@dataclass(frozen=True)
class Verified:
    """A folder that verified, with the anchor its trail holds (empty for an old trail)."""

    path: Path
    anchor: str


def stamp_of(name: str) -> dt.datetime | None:
    m = STAMP.match(name)
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def check_folder(
    path: Path, *, environment: str | None = None, now: dt.datetime | None = None
) -> tuple[Verified | None, str]:
    """(the folder as :class:`Verified`, "") when it may be used, else (None, why not).

    Besides verifying, the trail must name this very folder (``run_id``) and, when given,
    this ``environment``: a genuine folder copied under a newer name, or another
    environment's folder copied in, does not count."""
    try:
        if not stat.S_ISDIR(path.lstat().st_mode):
            return None, f"{path.name} is not a folder (a link or a file was put there)"
    except OSError:
        return None, f"{path.name} cannot be read"
    when = stamp_of(path.name)
    if when is None:
        return None, f"{path.name} is not named like a folder ngdpkit writes"
    if when > (now or dt.datetime.now(dt.UTC)) + SKEW:
        return None, f"{path.name} is dated in the future, so ngdpkit did not write it"
    verdict = verify(path)
    if not verdict.ok:
        # the problem may quote a planted file's name, which may spell a secret: hidden here,
        # or the next run's changes.json and pages held it (an attacker's look: a file named
        # after the certificate password, put in the previous run, spoiled the next run with
        # three SECRET_LEAK errors and its dispatcher values withheld)
        return None, f"{path.name} does not verify: {redact(verdict.problems[0])}"
    started, anchor = _trail_facts(path)
    if started.get("run_id") != path.name:
        return None, f"{path.name} is not the folder its trail was written in (renamed or copied)"
    if environment is not None and started.get("environment") != environment:
        return (
            None,
            f"{path.name} belongs to environment {started.get('environment')!r}, not {environment!r}",
        )
    return Verified(path, anchor), ""


def _trail_facts(path: Path) -> tuple[dict[str, Any], str]:
    """The trail's first record and its anchor (the hash of its last ``outputs_sealed``).
    Lines end at ``\n`` only: U+2028 inside a record is text, not a line end."""
    started: dict[str, Any] = {}
    anchor = ""
    for number, line in enumerate((path / AUDIT).read_text(encoding="utf-8").split("\n")):
        if not line:
            continue
        rec = json.loads(line)
        if number == 0 and isinstance(rec, dict):
            started = rec
        if rec.get("event") == SEALED:
            anchor = str(rec.get("hash", ""))
    return started, anchor


# How long after the time in a folder's name its trail's first record may be dated and still
# order the folder among others of that second (the kit writes it right after the folder)
BEGUN_WITHIN = SKEW
# The most folders of one second whose first records are read to order them: the kit makes a
# few at most (a CI job that rehearses twice); more are planted, and keep their name's order
SAME_SECOND_READ = 32


def began_at(path: Path) -> dt.datetime | None:
    """When the folder at ``path`` began, to the microsecond: the ``at`` of its trail's first
    record (``run_started``), when that is dated on or after the time in the folder's name
    and at most :data:`BEGUN_WITHIN` later; None otherwise (no trail, unreadable, no such
    time, or a time its name contradicts)."""
    named = stamp_of(path.name)
    began = _utc(_first_record(path).get("at"))
    if named is None or began is None or not named <= began <= named + BEGUN_WITHIN:
        return None
    return began


def creation_order(paths: Iterable[Path]) -> list[Path]:
    """``paths`` oldest first, the order every "newest", "latest" and "previous" among run,
    rehearsal and comparison folders follows. By the time in each name (to the second, as
    the contract names a folder); among folders of the same second, by the time their
    trail's first record gives (:func:`began_at`), which the trail's chain and the manifest
    cover: two rehearsals of a CI job in one second were ordered by their random suffix,
    and status, compare and the sign-off page named the older one. One whose first record
    gives no such time is the oldest of its second; ties keep the order of the names. Only
    the first line of a trail is read, and only for a second held by more than one folder
    (at most :data:`SAME_SECOND_READ` of them). Nothing here is verified: a caller that
    uses a folder's contents verifies it (:func:`check_folder`), and a time in the trail
    moves a folder only among those named in its own second."""
    listed = list(paths)
    seconds: dict[str, int] = {}
    for path in listed:
        second = _second(path.name)
        seconds[second] = seconds.get(second, 0) + 1

    def key(path: Path) -> tuple[str, int, str]:
        second = _second(path.name)
        offset = -1
        if second and 1 < seconds[second] <= SAME_SECOND_READ:
            began, named = began_at(path), stamp_of(path.name)
            if began is not None and named is not None:
                offset = (began - named) // dt.timedelta(microseconds=1)
        return second, offset, path.name

    return sorted(listed, key=key)


def newest_first(paths: Iterable[Path]) -> list[Path]:
    """``paths`` newest first (:func:`creation_order`)."""
    return creation_order(paths)[::-1]


def _second(name: str) -> str:
    """The time a folder's name begins with, as written (``20261206T133245Z``); "" when none."""
    m = STAMP.match(name)
    return m.group(1) if m else ""


def newest(
    candidates: list[Path], *, environment: str | None = None, now: dt.datetime | None = None
) -> Verified | None:
    """The newest candidate (:func:`creation_order`) that verifies."""
    for path in newest_first(candidates):
        found, _ = check_folder(path, environment=environment, now=now)
        if found is not None:
            return found
    return None


def _children(folder: Path, pattern: str) -> list[Path]:
    try:
        return [p for p in folder.glob(pattern) if STAMP.match(p.name)]
    except OSError:
        return []


def _rehearsals(env_dir: Path) -> list[Path]:
    """An environment's rehearsal folders; one written from a JupyterLab session (marked not
    for sign-off) never counts, wherever it lies."""
    return [p for p in _children(env_dir, "*-rehearsal-*") if not (p / LAB_MARK).exists()]


def latest_rehearsal(env_dir: Path) -> Verified | None:
    """The newest rehearsal folder of an environment that verifies (:func:`_rehearsals`)."""
    return newest(_rehearsals(env_dir), environment=env_dir.name)


def latest_comparison(out: Path) -> Verified | None:
    """The newest comparison folder beside the environments that verifies."""
    return newest(_children(out / "compare", "*"))


def read_json_file(path: Path) -> Any:
    """A JSON file of another folder: a regular file, bounded, any fault a ``ValueError``."""
    try:
        st = path.lstat()
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path.name}: not a regular file")
    if st.st_size > MAX_JSON:
        raise ValueError(f"{path.name}: larger than {MAX_JSON // (1024 * 1024)} MB")
    return read_json_bytes(path.read_bytes(), path.name)


def read_json_bytes(data: bytes, name: str) -> Any:
    """JSON read from bytes already taken from a file named ``name`` (bounded by whoever
    read them); any fault a ``ValueError``."""
    if len(data) > MAX_JSON:
        raise ValueError(f"{name}: larger than {MAX_JSON // (1024 * 1024)} MB")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        from .scan import replaced

        why = replaced(name, data)
        if why is not None:  # the kit's own placeholder: said as that, never "not valid JSON"
            raise Replaced(why) from exc
        raise ValueError(f"{name}: not valid JSON") from exc


class Replaced(ValueError):
    """A run's JSON file is the kit's placeholder of a file that held a secret
    (:func:`ngdpkit.run.scan.replaced_reason` says which and what to do): neither truncated
    nor edited, which a reader must not suggest."""


@dataclass(frozen=True, slots=True)
class AcceptanceView(AcceptanceRecord):
    """A verified rehearsal's ``acceptance.json``, typed (the same record step 06 keeps), with
    the folder it came from: the only part of a rehearsal folder that reaches a run's pages,
    and only through the kit's templates."""

    folder: Verified

    @classmethod
    def load(cls, folder: Verified) -> AcceptanceView:
        """Read and type-check ``acceptance.json``; a ``ValueError`` names what is wrong."""
        data = read_json_file(folder.path / "acceptance.json")
        try:
            record = AcceptanceRecord.of(data)
        except ValueError as exc:
            raise ValueError(f"acceptance.json: {exc}") from exc
        values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        return cls(**values, folder=folder)


def latest_acceptance(env_dir: Path, *, against: str | None = None) -> AcceptanceView | None:
    """The newest verified rehearsal's acceptance, or None (none, or unreadable); with
    ``against``, the newest of those sent there (checklist step 8 reads the newest against
    NgDP: a simulator rehearsal after a failed one against NgDP hid the failure, an
    attacker's look)."""
    if against is None:
        folder = latest_rehearsal(env_dir)
        if folder is None:
            return None
        try:
            return AcceptanceView.load(folder)
        except ValueError:
            return None

    def views() -> Iterator[AcceptanceView]:
        for path in newest_first(_rehearsals(env_dir)):
            found, _ = check_folder(path, environment=env_dir.name)
            if found is None:
                continue
            try:
                yield AcceptanceView.load(found)
            except ValueError:
                continue

    picked: AcceptanceView | None = pick_acceptance(views(), against)
    return picked


def pick_acceptance(views: Iterable[Any], against: str) -> Any:
    """Of acceptances newest first, the newest sent ``against`` that did not go where
    ``ngdp_api_url`` pointed; else the newest that did (it says why it does not count), else
    None. One sent elsewhere never hides an older one of NgDP itself (a go-live day's second
    look: a failed rehearsal of NgDP, then one of a local NgDP, and step 8 read "færdig")."""
    elsewhere = None
    for view in views:
        if view.against != against:
            continue
        if sent_elsewhere(view.findings):
            elsewhere = elsewhere or view
            continue
        return view
    return elsewhere


def read_text_file(path: Path, *, limit: int) -> str | None:
    """A small text file (``LATEST``) if it is a regular file of at most ``limit`` bytes in
    UTF-8; None otherwise (missing, a link, a FIFO, too big, not text): read as
    :func:`~ngdpkit.run.audit.read_regular` reads, never through a link or waiting, with no
    moment between looking and reading for a FIFO to take its place."""
    data = read_regular(path, limit)
    try:
        return data.decode("utf-8") if data is not None else None
    except UnicodeDecodeError:
        return None


def confirmations_read(run_dir: Path, rel: str) -> tuple[int, str, str] | None:
    """(size, SHA-256, the run that read them) of the confirmations file at ``rel`` as the
    run in ``run_dir`` last accepted it, or None (look further back). Its
    ``confirmations_kept`` record says: what it accepted, or what the run before it accepted
    (carried over by a run that found the file rewritten or its chain broken, so that every
    later run names it until the file is put back), or nothing (``size`` null). A run of an
    older kit has no such record: its ``input_read`` stands in. The caller has verified the
    folder."""
    raw = read_text_file(run_dir / AUDIT, limit=TRAIL_LIMIT)
    kept: tuple[int, str, str] | None = None
    said = False
    read: tuple[int, str, str] | None = None
    for line in (raw or "").split("\n"):
        if '"confirmations_kept"' not in line and '"input_read"' not in line:
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(rec, dict) or rec.get("path") != rel:
            continue
        size, digest, by = rec.get("size"), rec.get("sha256"), rec.get("run", run_dir.name)
        facts = (size, digest, by) if type(size) is int and isinstance(digest, str) else None
        if rec.get("event") == "confirmations_kept":
            said = True
            kept = facts if facts is not None and isinstance(by, str) else None
        elif rec.get("event") == "input_read" and facts is not None:
            read = (facts[0], facts[1], run_dir.name)
    return kept if said else read


# run_started's SHA-256, per environment, of what of the settings concerns it
ENV_SETTINGS = "environments_settings_sha256"


def settings_sha256_of(run_dir: Path) -> str:
    """The SHA-256 of the settings file that made the run in ``run_dir``, as its trail's first
    record (``run_started``) holds it; "" when it holds none."""
    return _started(run_dir, "settings_sha256")


def settings_named_by(run_dir: Path) -> str:
    """The settings file that made the run in ``run_dir`` as its trail's first record names
    it (relative to the settings' folder); "" when it names none."""
    return _started(run_dir, "settings")


# The longest first record read (``run_started``: some hundred bytes a run, more with many
# environments' settings hashes)
FIRST_RECORD_LIMIT = 64 * 1024


def _first_record(run_dir: Path) -> dict[str, Any]:
    """The trail's first record (``run_started``); {} when it does not read. Only the trail's
    first line is read: the whole trail read under a limit of 64 KB said nothing of a run
    whose trail had grown past it (its settings then never read as changed)."""
    fh = open_regular(run_dir / AUDIT)
    if fh is None:
        return {}
    try:
        with fh:
            head = fh.read(FIRST_RECORD_LIMIT + 1)
    except OSError:
        return {}
    line, ends, _rest = head.partition(b"\n")
    if not ends and len(head) > FIRST_RECORD_LIMIT:
        return {}
    try:
        first = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}
    return first if isinstance(first, dict) else {}


def _started(run_dir: Path, key: str) -> str:
    """A text field of the trail's first record (``run_started``); "" when it has none."""
    said = _first_record(run_dir).get(key)
    return said if isinstance(said, str) else ""


def environments_settings_of(run_dir: Path) -> dict[str, str] | None:
    """``run_started``'s SHA-256 per environment of what of the settings concerns it; None
    for a run of a kit that recorded none (or a record that does not read as one)."""
    said = _first_record(run_dir).get(ENV_SETTINGS)
    if not isinstance(said, dict) or not all(isinstance(v, str) for v in said.values()):
        return None
    return {str(k): v for k, v in said.items()}


def inputs_changed_since(
    run_dir: Path,
    inputs: dict[str, Path],
    *,
    unread: Collection[str] = (),
    written_before: dt.datetime | None = None,
) -> list[str]:
    """Which of ``inputs`` (the files the settings name, by their path as the trail names
    them: the settings file, the export, the mapping, contact points and decisions files, …)
    are no longer the bytes the run in ``run_dir`` read (its ``input_read`` records). A
    consultant who took over in week two confirmed step 6 after a decision was added, and the
    confirmation bound to the run before it without a word.

    Only a file the settings name is opened, never a path the trail names (an attacker's
    look: a planted trail named ``/etc/passwd``, a 4 GB file three times and, on Windows, a
    UNC path that would send the administrator's credentials out), and only when it is a
    regular file, read in pieces. An input the run did not read is not named, unless it is
    in ``unread`` and a regular file now (a decisions file begun since the run). A text
    whose line ends alone differ is the same input (:func:`same_but_line_ends`).

    With ``written_before`` (``status``, which looks at hundreds of customers' exports at
    each listing), a regular file of the size the run read, last written before that time,
    is taken as the one the run read without being hashed (:func:`_unchanged_by_stat`);
    only the others are hashed."""
    raw = read_text_file(run_dir / AUDIT, limit=TRAIL_LIMIT)
    read: dict[str, tuple[str, int | None]] = {}
    for line in (raw or "").split("\n"):
        if '"input_read"' not in line:
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(rec, dict) and rec.get("event") == "input_read":
            rel, digest, size = rec.get("path"), rec.get("sha256"), rec.get("size")
            if isinstance(rel, str) and isinstance(digest, str) and rel in inputs:
                read[rel] = (digest, size if type(size) is int else None)
    changed = []
    for rel, (digest, size) in read.items():
        path = inputs[rel]
        if written_before is not None and _unchanged_by_stat(path, size, written_before):
            continue
        now = sha256_now(path)
        if now != digest and not (now and same_but_line_ends(path, digest)):
            changed.append(rel)
    for rel in unread:
        there = inputs.get(rel)
        if there is not None and rel not in read:
            try:
                if stat.S_ISREG(there.stat().st_mode):
                    changed.append(rel)
            except OSError:
                pass
    return sorted(changed)


def sha256_now(path: Path) -> str:
    """The SHA-256 of the regular file at ``path`` (a link to one is followed), read in
    pieces; "" when it is none or cannot be read."""
    import hashlib

    try:
        regular = stat.S_ISREG(path.lstat().st_mode) or stat.S_ISREG(path.stat().st_mode)
        if not regular:
            return ""
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


# Whether ``st_ctime`` is the time of the last change (POSIX). On Windows it is the time the
# file was made: an export of the same size copied over the old one (Explorer, Copy-Item,
# robocopy) keeps the old file's creation time and carries the source's older mtime, and
# status took it as the one the run read without hashing it (a week-two consultant's look).
CTIME_IS_CHANGE = os.name != "nt"


def _unchanged_by_stat(path: Path, size: int | None, before: dt.datetime) -> bool:
    """Whether the file at ``path`` is taken as the one a run read without hashing it: a
    regular file of the ``size`` the run read, last written before ``before``
    (:func:`last_written`: its mtime, or its ctime when later). Where the ctime is no change
    time (:data:`CTIME_IS_CHANGE`: Windows), the change time the file system keeps
    (:func:`windows_change_time`, NTFS's ``ChangeTime``, set at every write) must be before
    ``before`` too; a file whose change time cannot be read is hashed."""
    if size is None:
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    if not (stat.S_ISREG(st.st_mode) and st.st_size == size):
        return False
    if last_written(st) >= before.timestamp():
        return False
    if CTIME_IS_CHANGE:
        return True
    changed = windows_change_time(path)
    return changed is not None and changed < before.timestamp()


def windows_change_time(path: Path) -> float | None:
    """The time the file at ``path`` last changed, as Windows keeps it (``FILE_BASIC_INFO``'s
    ``ChangeTime``: set by the file system at each write of its bytes or its times, never
    carried by a copy), in seconds since 1970; None elsewhere or when it cannot be read."""
    if os.name != "nt":
        return None
    try:
        return _ntfs_change_time(path)
    except (OSError, AttributeError, ValueError, TypeError):  # never a crash: hashed instead
        return None


def _ntfs_change_time(path: Path) -> float | None:
    """:func:`windows_change_time` through kernel32 (``CreateFileW`` for its attributes only,
    ``GetFileInformationByHandleEx`` with ``FileBasicInfo``). Verified by reading only: no
    Windows machine ran it."""
    import ctypes
    from ctypes import wintypes

    class BasicInfo(ctypes.Structure):
        _fields_ = [  # noqa: RUF012 (ctypes reads the class attribute)
            ("creation", ctypes.c_int64),
            ("access", ctypes.c_int64),
            ("write", ctypes.c_int64),
            ("change", ctypes.c_int64),
            ("attributes", wintypes.DWORD),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [
        wintypes.LPCWSTR,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.LPVOID,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.HANDLE,
    ]
    kernel32.GetFileInformationByHandleEx.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        wintypes.LPVOID,
        wintypes.DWORD,
    ]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    # FILE_READ_ATTRIBUTES, shared for reading, writing and deleting, OPEN_EXISTING
    handle = kernel32.CreateFileW(str(path), 0x80, 0x7, None, 3, 0, None)
    if handle is None or handle == wintypes.HANDLE(-1).value:
        return None
    try:
        info = BasicInfo()
        if not kernel32.GetFileInformationByHandleEx(
            handle, 0, ctypes.byref(info), ctypes.sizeof(info)
        ):
            return None
    finally:
        kernel32.CloseHandle(handle)
    if info.change <= 0:
        return None
    change: int = info.change
    return change / 10_000_000 - 11_644_473_600  # 100 ns since 1601 -> seconds since 1970


def last_written(st: os.stat_result) -> float:
    """The last time a file's bytes may have changed, as ``st`` gives it: its mtime, or its
    ctime when that is later. The mtime alone is the time a writer chose: ``touch -d``,
    ``cp -p``, robocopy, Explorer's copy and an unzip all give a file the time it had
    elsewhere, and an export of the same size put in place so after the run, dated before
    it, read as the one the run read (status said nothing where compare named it: a
    reviewer's look). The ctime is set by the system to the time of any write, copy or
    change of the times (POSIX), or to the time a file was made (Windows); a copy kept
    with its times (``cp -a``) is hashed once more, and found the same."""
    return max(st.st_mtime, st.st_ctime)


def written_before_of(run_dir: Path, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The time before which an input last written is taken as the one the run in
    ``run_dir`` read (see :func:`_unchanged_by_stat`): the earliest of the run's start as its
    trail's first record (``run_started``) and its folder's name give it, and now, less
    :data:`SKEW` (a file server's clock behind the laptop's that ran: an export saved a
    minute after the run began bore a time before it); None when neither gives a time."""
    said = _first_record(run_dir).get("at")
    times = [t for t in (stamp_of(run_dir.name), _utc(said)) if t is not None]
    if not times:
        return None
    return min([*times, now or dt.datetime.now(dt.UTC)]) - SKEW


def _utc(text: Any) -> dt.datetime | None:
    """An ISO 8601 time of the trail (``…Z``) as an aware UTC time; None when it is none."""
    if not isinstance(text, str):
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


# Texts a checkout may give other line ends than the run read, which the kit reads alike
# (TOML, CSV, JSON, PEM): git's core.autocrlf, on by default in Git for Windows, writes CRLF
# on a consultant's laptop where the Linux CI runner that made the run had LF. Read whole
# only up to LINE_END_LIMIT (a 200,000-mailbox CSV export is about 15 MB).
LINE_END_TEXTS = frozenset({".toml", ".csv", ".json", ".pem"})
LINE_END_LIMIT = 64 << 20


def same_but_line_ends(path: Path, digest: str) -> bool:
    """Whether the text file at ``path`` is the one whose SHA-256 is ``digest`` with only its
    line ends changed, all CRLF for LF or all LF for CRLF: a consultant who compared CI's
    runs on a Windows laptop read every run as "migration.toml changed since: run test
    again", and running it again changed nothing the kit reads. A binary file (a workbook,
    a .p12) is never read so."""
    import hashlib

    if path.suffix.lower() not in LINE_END_TEXTS:
        return False
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > LINE_END_LIMIT:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    if b"\0" in data or b"\n" not in data:
        return False
    lf = data.replace(b"\r\n", b"\n")
    forms = {lf, lf.replace(b"\n", b"\r\n")} - {data}
    return any(hashlib.sha256(form).hexdigest() == digest for form in forms)


def _holds_bytes(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def run_inputs_changed(
    settings: Settings,
    environment: str,
    run_dir: Path,
    *,
    certificate: bool = False,
    unread: bool = False,
    by_stat: bool = False,
) -> list[str]:
    """Which files the settings name for ``environment`` are no longer what the run in
    ``run_dir`` read (see :func:`inputs_changed_since`), the settings file first when it is
    not the one that made the run: the settings, the export, the contact points, mapping,
    decisions and register files, the servers' evidence, every kind's trust anchors and,
    with ``certificate``, the certificate (renewed since); with ``unread``, one the run did
    not read that is there now (a decisions file begun since). ``compare`` names them beside a run it compares: a week-two
    run that stopped with exit 2 left ``LATEST`` naming week one's run, and the comparison
    showed it as this week's without a word (a CI engineer's look). With ``by_stat``
    (``status``), an input of the size the run read and last written before it began is not
    hashed (:func:`written_before_of`)."""
    env = settings.environment(environment)
    named = [
        settings.path,
        env.inputs.mailboxes or settings.inputs.mailboxes,
        env.contact_points,
        env.mapping,
        env.workzone_register,
        settings.decisions_path(environment),
        *env.probe_evidence,
    ]
    # every kind's: step 03 reads them all when there is a certificate to check (a test CA
    # renewed in its file, under the same name, read as no change); never named as unread
    anchors = [p for files in settings.trust_anchors.values() for p in files]
    if certificate and env.certificate is not None and _holds_bytes(env.certificate):
        # an empty stand-in says nothing: a CI compare job holds no secret, and the templates
        # put an empty file where the .p12 is ("certs/test.p12 changed since" every week);
        # a certificate renewed since is named
        named.append(env.certificate)
    shown = {p: settings.rel(p) for p in [*named, *anchors] if p is not None}  # each once
    inputs = {rel: p for p, rel in shown.items()}
    # the settings file is held by its hash below (the trail's first record), never as unread
    files = {shown[p] for p in named if p is not None} if unread else set()
    files -= {shown[settings.path], *(shown[p] for p in anchors)}
    before = written_before_of(run_dir) if by_stat else None
    changed = inputs_changed_since(run_dir, inputs, unread=files, written_before=before)
    if settings_changed_since(settings, environment, run_dir):
        changed = list(dict.fromkeys([shown[settings.path], *changed]))
    return changed


def settings_changed_since(settings: Settings, environment: str, run_dir: Path) -> bool:
    """Whether the settings are no longer what made the run in ``run_dir`` for ``environment``
    (the settings themselves, or the inputs they name: a new export named in place of the old
    one, a day-one reader's look). When the file's bytes changed, a run that recorded
    ``environments_settings_sha256`` (each environment's
    :meth:`~ngdpkit.settings.Settings.environment_sha256`) is held to it: an edit that changed
    another environment's and left this one's as it was is that environment's alone; any
    other edit (this environment's, or one no environment's hash shows: a comment, another
    key) names the file, as the whole file's SHA-256 alone does for a run of an older kit
    (:func:`judged_whole_file`). Line ends alone are never a change."""
    made_by = settings_sha256_of(run_dir)
    if not made_by or made_by == settings.raw_sha256 or same_but_line_ends(settings.path, made_by):
        return False  # the very file (a later kit that reads more of it changes nothing)
    then = environments_settings_of(run_dir)
    if then is None or environment not in then:
        return True
    now = {name: settings.environment_sha256(name) for name in settings.environments}
    if then[environment] != now.get(environment):
        return True
    others = (set(then) | set(now)) - {environment}
    return not any(then.get(name) != now.get(name) for name in others)


def judged_whole_file(run_dir: Path) -> bool:
    """The run in ``run_dir`` was made by a kit that recorded only the whole settings file's
    SHA-256: any edit to the file (another environment's table too) reads as a change of its
    settings (``COMPARE_SETTINGS_WHOLE_FILE`` says so)."""
    return environments_settings_of(run_dir) is None and bool(settings_sha256_of(run_dir))


# How far ``confirmations_kept`` looks back: ``most`` finished runs that verify, and at most
# ``CONFIRMATIONS_LOOK`` folders touched on the way (one that is not a folder, unfinished,
# without a trail or manifest, or that fails to verify costs a look but no run). A folder
# named in the future is passed over by its name alone.
CONFIRMATIONS_LOOK = 200


def confirmations_kept(
    path: Path,
    rel: str,
    env_dir: Path,
    *,
    most: int = 20,
    looks: int = CONFIRMATIONS_LOOK,
    now: dt.datetime | None = None,
) -> tuple[list[Any], tuple[int, str, str] | None]:
    """(``CONFIRMATIONS_TAMPERED`` when the confirmations file at ``path`` no longer begins
    with what the environment's runs accepted of it, and the newest such acceptance). A cut
    last line, or a line rewritten with its chain recomputed, is one the keyless chain alone
    cannot tell: the file is only ever appended to.

    The newest finished run folder (:func:`creation_order`, never by ``LATEST``, which
    anyone can point at an older run) whose trail holds to its manifest
    (:func:`~ngdpkit.run.audit.verify_files`: a run whose other files were edited still
    says what it accepted) and that read the file decides; one whose trail does not hold is
    passed over for the one before. Up to ``most`` such runs are read. Only a real finished
    run counts toward ``most``: twenty empty folders named to sort newest (a reviewer's
    look) passed the rewritten file, for each was one of the twenty looked at. A folder
    named later than now is passed over by its name; the others that are no run cost one of
    ``looks``, and when they are used up before a run decided, the file cannot be held
    against the runs and is named so (``CONFIRMATIONS_TAMPERED``) until they are moved
    aside: planted folders never switch the check off."""
    from ..checks.evidence import still_appended, too_crowded, unverified_reader

    if not path.is_file() or path.is_symlink():
        return [], None
    try:
        names = [
            p.name for p in newest_first(p for p in env_dir.iterdir() if RUN_NAME.match(p.name))
        ]
    except OSError:
        return [], None
    latest = (now or dt.datetime.now(dt.UTC)) + SKEW
    runs, left = 0, looks
    for name in names:
        when = stamp_of(name)
        if when is None or when > latest:
            continue  # named in the future (or no time): ngdpkit did not write it
        if runs >= most:
            break
        if left <= 0:
            return too_crowded(path, looks), None
        left -= 1
        if not _finished_run(env_dir / name):
            if _ended_and_read(env_dir / name, rel):
                # a run that finished and read the file, but no longer verifies (its manifest
                # removed: a reviewer's second look passed a rewritten file so): named
                return unverified_reader(path, name), None
            continue
        runs += 1
        read = confirmations_read(env_dir / name, rel)
        if read is not None:
            return still_appended(path, read[0], read[1], read[2]), read
        # this run accepted nothing (or did not read the file): the one before decides
    return [], None


def _ended_and_read(folder: Path, rel: str) -> bool:
    """``folder`` is a real folder whose trail ends as a finished run does (``run_finished``,
    neither interrupted nor crashed) and records reading the confirmations file at ``rel``:
    a run that does not verify then was changed after it ended, not left unfinished."""
    try:
        if not stat.S_ISDIR(folder.lstat().st_mode):
            return False
    except OSError:
        return False
    return finished_record(folder) is not None and confirmations_read(folder, rel) is not None


def finished_record(run_dir: Path) -> dict[str, Any] | None:
    """The trail's last record when it is ``run_finished`` of a run that finished (neither
    interrupted nor crashed); None otherwise. Read as it is, not verified."""
    raw = read_text_file(run_dir / AUDIT, limit=TRAIL_LIMIT)
    try:
        last = json.loads((raw or "").rstrip("\n").rsplit("\n", 1)[-1])
    except (ValueError, RecursionError):
        return None
    if not isinstance(last, dict) or last.get("event") != FINISHED:
        return None
    return None if did_not_finish(last.get("status")) else last


def _finished_run(folder: Path) -> bool:
    """``folder`` is a real folder of a finished run (not a link, no ``INCOMPLETE`` marker,
    a trail and a manifest that are regular files) whose trail holds to its manifest."""
    from ..documents.signing import MANIFEST
    from .audit import INCOMPLETE, verify_files

    try:
        if not stat.S_ISDIR(folder.lstat().st_mode) or (folder / INCOMPLETE).exists():
            return False
        if not all(stat.S_ISREG((folder / n).lstat().st_mode) for n in (AUDIT, MANIFEST)):
            return False
    except OSError:
        return False
    return not verify_files(folder, ()).problems
