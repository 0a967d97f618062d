"""The tamper-evident audit trail (contract §8).

``audit.jsonl`` holds one JSON object per line. Each record's ``hash`` is the
SHA-256 of the record without ``hash``, serialised canonically
(``sort_keys=True, separators=(",", ":"), ensure_ascii=False``, UTF-8), and its
``prev`` is the previous record's hash (64 zeros for the first). A change,
removal, reordering or insertion breaks the chain; ``manifest.json`` (written
last) pins every file, the final hash and the record count, so a cut tail shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from ..deliverables.outputs import STUB_START
from ..documents.signing import (  # the seal over manifest.json is written after it
    MANIFEST,
    SIGNATURE,
)
from ..findings import with_plurals

GENESIS = "0" * 64
AUDIT = "audit.jsonl"
FINISHED = "run_finished"
SEALED = "outputs_sealed"
INCOMPLETE = "INCOMPLETE"
INTERRUPTED = "INTERRUPTED"  # the parent's mark of a run the user interrupted (run.folder)
MARKERS = (INCOMPLETE, INTERRUPTED)  # the kit's marks of a run folder that did not finish
PAGES = "signoff"
# the folders a run makes, which may be left empty; any other must hold a file it recorded
RUN_DIRS = frozenset((PAGES, "steps", "notebooks", "memo"))
PAGE_SUFFIXES = (".html", ".svg", ".pdf")
# How a verification problem about one file begins: written by the checks, read back by the
# note on line ends and by a support bundle's left-out files (:func:`_file_named`)
CHANGED_FILE = "changed file: "
MISSING_FILE = "missing file: "


# one encoder for every record: json.dumps(**options) builds a new one per call, a fifth of
# the time of hashing a trail's records (status hashes every run's whole chain)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(record: dict[str, Any]) -> bytes:
    return _CANONICAL.encode(record).encode("utf-8")


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of ``path`` for the records a run writes: from the bytes this
    process wrote or last hashed when the file has not changed since (``LEDGER``), else read
    once from disk and remembered. Verification reads the disk (:func:`disk_digest`)."""
    from ..deliverables.outputs import LEDGER, stat_key

    known = LEDGER.current(path)
    if known is not None:
        return known.size, known.sha256
    key = stat_key(path)
    data = path.read_bytes()  # hashed, and scanned while the run scans, from one read
    entry = LEDGER.note(path, data, key)
    return entry.size, entry.sha256


def disk_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of the bytes on disk, read now."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


class AuditTrail:
    """Appends records to ``audit.jsonl``, each flushed to disk before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last_hash = GENESIS
        self.count = 0
        self.hashes: dict[str, str] = {}
        # A run appends from its own thread and from the one that records finished notebooks:
        # one record at a time, so that every record's seq and prev follow the one before.
        self._lock = threading.Lock()

    def append(self, event: str, **data: Any) -> dict[str, Any]:
        with self._lock:
            return self._append(event, data)

    def _append(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        record = {
            "seq": self.count,
            "event": event,
            "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            **data,
            "prev": self.last_hash,
        }
        record["hash"] = record_hash(record)
        with self.path.open("a", encoding="utf-8", newline="\n") as fh:
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.last_hash = record["hash"]
        self.hashes[event] = record["hash"]
        self.count += 1
        return record


def record_outputs(trail: AuditTrail, run_dir: Path, *, skip: tuple[str, ...] = ()) -> None:
    """One ``output_written`` record per file of the run (path, size, SHA-256)."""
    for path in sorted(
        p
        for p in run_dir.rglob("*")
        if p.is_file() and p.name not in (AUDIT, MANIFEST, SIGNATURE, *skip)
    ):
        size, digest = file_digest(path)
        trail.append(
            "output_written", path=path.relative_to(run_dir).as_posix(), size=size, sha256=digest
        )


def folder_files(run_dir: Path) -> list[Path]:
    """Every file of a run folder that the trail accounts for (not the trail, the manifest,
    its seal, the ``INCOMPLETE`` marker or a temporary file of an atomic write)."""
    return sorted(
        p
        for p in run_dir.rglob("*")
        if p.is_file()
        and p.relative_to(run_dir).as_posix() not in (AUDIT, MANIFEST, SIGNATURE, INCOMPLETE)
        and not (p.name.startswith(".") and p.name.endswith(".tmp"))
    )


def folder_entries(run_dir: Path) -> tuple[dict[str, Path], list[str], list[str]]:
    """What verification holds against the trail, from one walk that never follows a link:
    every regular file below ``run_dir`` but the trail, the manifest and its seal (temporary
    files and the kit's markers included; :func:`file_problems` decides on those), the
    relative names of everything else (links, FIFOs, devices), which a run never writes and
    which are never opened, and of every directory."""
    files: dict[str, Path] = {}
    odd: list[str] = []
    found_dirs: list[str] = []
    for top, dirs, names in os.walk(run_dir, followlinks=False):
        base = Path(top)
        for name in [*dirs, *names]:
            path = base / name
            rel = path.relative_to(run_dir).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                found_dirs.append(rel)
            elif not stat.S_ISREG(mode):
                odd.append(rel)
            elif rel not in (AUDIT, MANIFEST, SIGNATURE):
                files[rel] = path
    return dict(sorted(files.items())), sorted(odd), sorted(found_dirs)


def is_deliverable(rel: str) -> bool:
    """What the anchor pins: every output but the sign-off pages (they print the anchor)."""
    return not rel.startswith(PAGES + "/")


@dataclass(frozen=True)
class SealedOutputs:
    """An ``outputs_sealed`` record as its writer has it: the anchor (the record's hash,
    printed on the sign-off pages) and each deliverable's SHA-256 by its path in the run
    folder (the overview lists the folder's own files with theirs)."""

    anchor: str
    files: Mapping[str, str]


def seal_outputs(trail: AuditTrail, run_dir: Path, *, sealed_by: str = "") -> SealedOutputs:
    """The ``outputs_sealed`` record: every deliverable's name and SHA-256, and (``sealed_by``)
    the SHA-256 of the certificate that will seal the folder. Its hash is the anchor
    printed on the sign-off pages: so the anchor on paper pins the seal too (an auditor's
    cold read: the records after the anchor can be rewritten, and a seal replaced or
    removed with them verified against the printed anchor)."""
    files: dict[str, str] = {}
    for path in folder_files(run_dir):
        rel = path.relative_to(run_dir).as_posix()
        if is_deliverable(rel):
            files[rel] = file_digest(path)[1]
    # "" when the folder will not be sealed: said, not left out, so that a seal added later
    # cannot borrow a trail that says nothing (the auditor's second look)
    record = trail.append(SEALED, files=files, sealed_by_sha256=sealed_by)
    return SealedOutputs(anchor=str(record["hash"]), files=MappingProxyType(dict(files)))


def write_manifest(run_dir: Path, trail: AuditTrail, *, seal: dict[str, Any] | None = None) -> Path:
    """List every file of the run with size and SHA-256, the final hash and the record count;
    with ``seal``, who seals the folder (``signed_by``, ``signature_file``, ...): the seal
    cannot be listed in what it signs, so the manifest records that there must be one."""
    from ..deliverables.outputs import write_json

    files = []
    for path in sorted(
        p
        for p in run_dir.rglob("*")
        if p.is_file()
        and p.name not in (MANIFEST, SIGNATURE, INCOMPLETE)
        and not p.name.endswith(".tmp")
    ):
        size, digest = file_digest(path)
        files.append({"path": path.relative_to(run_dir).as_posix(), "size": size, "sha256": digest})
    return write_json(
        run_dir / MANIFEST,
        {
            "schema": "ngdpkit/manifest/1",
            "final_hash": trail.last_hash,
            "records": trail.count,
            **(seal or {}),
            "files": files,
        },
    )


@dataclass
class Verdict:
    ok: bool
    records: int
    final_hash: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Checked:
    """What :func:`verify_files` found: the problems (none when the files may be used), and
    the bytes it verified, so that a reader uses exactly those (never a file changed since)."""

    problems: list[str]
    contents: dict[str, bytes] = field(default_factory=dict)  # name -> its verified bytes
    manifest: dict[str, Any] = field(default_factory=dict)  # as verified against the trail
    anchor: str = ""  # the hash of the last outputs_sealed record
    kit_version: str = "?"  # from the trail's first record


# The most a run's audit trail or manifest is read up to: a record per file and step, so a
# 100,000-mailbox run's trail is some tens of kB. A larger one was put there, and read
# whole it could take all memory (a sparse file of gigabytes costs no disk).
TRAIL_LIMIT = 64 << 20


def verify_files(folder: Path, names: tuple[str, ...], *, limit: int = TRAIL_LIMIT) -> Checked:
    """What a reader of a few files of a finished folder (``status``, over hundreds of runs)
    checks before it uses them, without hashing every file as :func:`verify` does. The
    manifest pins the trail (its SHA-256) and the trail pins the manifest (its last record's
    hash is the manifest's final hash, its record count the manifest's); the trail's chain
    holds from its first record to its last (each record hashes to what it says and follows
    the one before: a few hundred short records, hashed in about a millisecond); a seal the
    trail names is there and named by the manifest, and one the anchor says the run never
    made is not (:func:`~ngdpkit.documents.signature_check.claim_problems`: its signature
    is checked by :func:`verify` alone); and each of ``names`` that is there (or that the
    manifest lists) must match its SHA-256 in the manifest and in the anchor (the last
    ``outputs_sealed`` record), and be a regular file of at most ``limit`` bytes. The
    problems are worded as :func:`verify` words them.

    A file edited by hand shows, and so does a manifest edited to match it (the anchor
    still holds the file's digest), and an anchor rewritten to match both (the record after
    it no longer follows it: an attacker's look made ``status`` trust such a folder, and
    ``audit verify`` called it NOT INTACT). A folder forged whole, trail recomputed, still
    passes, as it passes :func:`verify` (see :mod:`.neighbours`).
    """
    manifest: dict[str, Any] | None = None
    try:
        manifest, listed = _pinned_manifest(folder, limit)
        records, sealed = _trail_ends(folder, manifest, listed, limit)
        _seal_claims(folder, manifest, records[-1], sealed)
    except _Refused as refused:
        return Checked(_said_why_changed([str(refused)], folder, manifest, []))
    pinned = sealed.get("files") if sealed is not None else None
    found = Checked(
        [],
        manifest=manifest,
        anchor=str(sealed.get("hash", "")) if sealed is not None else "",
        kit_version=str(records[0].get("kit_version", "?")),
    )
    for name in names:
        _check_named(folder, name, limit, listed, pinned, found)
    if found.problems:
        found.contents.clear()
        found.problems = _said_why_changed(found.problems, folder, manifest, records)
    return found


class _Refused(Exception):
    """One problem that ends :func:`verify_files`: the rest cannot be trusted."""


def _pinned_manifest(folder: Path, limit: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest, and each file it lists with its SHA-256."""
    raw_manifest, why = _small_file(folder / MANIFEST, MANIFEST, limit)
    if raw_manifest is None:
        raise _Refused(why or _NO_MANIFEST)
    try:
        manifest = json.loads(raw_manifest.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Refused(f"{MANIFEST}: not valid JSON") from None
    if not isinstance(manifest, dict):
        raise _Refused(f"{MANIFEST}: not a JSON object")
    return manifest, manifest_files(manifest)


def manifest_files(manifest: dict[str, Any] | None) -> dict[str, str]:
    """Each file a manifest lists, with its SHA-256 as text (the manifest is untrusted: an
    entry that is not an object with a text ``path`` is passed over)."""
    entries = manifest.get("files") if manifest is not None else None
    return {
        e["path"]: str(e.get("sha256"))
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict) and isinstance(e.get("path"), str)
    }


def _trail_ends(
    folder: Path, manifest: dict[str, Any], listed: dict[str, str], limit: int
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The trail's records (at least one) and its anchor (the last ``outputs_sealed``), once
    the manifest and the trail pin each other and the chain holds from the first record to
    the last."""
    raw, why = _small_file(folder / AUDIT, AUDIT, limit)
    if raw is None:
        raise _Refused(why or f"{AUDIT} is missing: a finished run always has one")
    if hashlib.sha256(raw).hexdigest() != listed.get(AUDIT):
        raise _Refused(f"{CHANGED_FILE}{AUDIT} (its SHA-256 is not the manifest's)")
    records = _all_records(raw)
    chain = _chain_problems(records)
    if chain:
        raise _Refused(chain[0])
    last = records[-1]
    expected, final = manifest.get("records"), str(last["hash"])
    if expected != len(records):
        raise _Refused(f"the trail has {len(records)} records, the manifest says {expected}")
    if manifest.get("final_hash") != final:
        raise _Refused(
            f"the final hash {final[:12]}… is not the manifest's "
            f"{str(manifest.get('final_hash'))[:12]}…"
        )
    if last.get("event") != FINISHED:
        raise _Refused(f"missing tail: the last record is {last.get('event')!r}, not {FINISHED!r}")
    sealed = next((rec for rec in reversed(records) if rec.get("event") == SEALED), None)
    return records, sealed


def _all_records(raw: bytes) -> list[dict[str, Any]]:
    """Every record of a trail's bytes (at least one), each a JSON object; else refused,
    naming the first line that is not one."""
    try:
        lines = [x for x in raw.decode("utf-8").split("\n") if x]
    except UnicodeDecodeError:
        raise _Refused(f"{AUDIT}: not a readable trail") from None
    if not lines:
        raise _Refused(f"{AUDIT}: not a readable trail")
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            rec = None
        if not isinstance(rec, dict):
            raise _Refused(CHANGED_LINE.format(number=number))
        records.append(rec)
    return records


def _seal_claims(
    folder: Path, manifest: dict[str, Any], last: dict[str, Any], sealed: dict[str, Any] | None
) -> None:
    """Refused when the folder's seal is not what the trail says of it, as :func:`verify`
    reads the trail (the anchor's word first, else the last record's), without checking
    the signature itself."""
    from ..documents.signature_check import claim_problems

    anchored = sealed.get("sealed_by_sha256") if sealed is not None else None
    says = isinstance(anchored, str)
    signer = anchored if says else last.get("sealed_by_sha256")
    problems = claim_problems(
        folder,
        manifest,
        trail_signer=signer if isinstance(signer, str) else "",
        unsealed_by_anchor=says and not anchored,
    )
    if problems:
        raise _Refused(problems[0])


def _check_named(
    folder: Path,
    name: str,
    limit: int,
    listed: dict[str, str],
    pinned: Any,
    found: Checked,
) -> None:
    """One file a reader asked for, against the manifest and the anchor; its bytes kept."""
    data, why = _small_file(folder / name, name, limit)
    if data is None:
        if why or name in listed or (isinstance(pinned, dict) and name in pinned):
            found.problems.append(why or f"{MISSING_FILE}{name} (listed in the manifest)")
        return
    digest = hashlib.sha256(data).hexdigest()
    if name not in listed:
        found.problems.append(f"extra file: {name} (not in the manifest)")
    elif digest != listed[name]:
        found.problems.append(f"{CHANGED_FILE}{name} (its SHA-256 is not the manifest's)")
    if isinstance(pinned, dict) and is_deliverable(name):
        if name not in pinned:
            found.problems.append(f"extra file: {name} (not sealed by the anchor)")
        elif digest != pinned[name]:
            found.problems.append(f"{CHANGED_FILE}{name} (it no longer matches the anchor)")
    found.contents[name] = data


def open_regular(path: Path) -> BinaryIO | None:
    """``path`` opened for reading when it is a regular file, never through a link and never
    waiting: a FIFO put in the place of ``audit.jsonl`` or ``dispatcher-config.json`` held
    ``bundle`` for ever at its first read (an attacker's look). None for anything else."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        if not hasattr(os, "O_NOFOLLOW") and path.is_symlink():  # Windows: no such flag
            return None
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return os.fdopen(fd, "rb")
    except OSError:
        pass
    os.close(fd)
    return None


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes (:func:`open_regular`); None
    for anything else, or a larger file."""
    fh = open_regular(path)
    if fh is None:
        return None
    try:
        with fh:
            data = fh.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _small_file(path: Path, name: str, limit: int) -> tuple[bytes | None, str]:
    """(its bytes, "") for a regular file of at most ``limit`` bytes; (None, "") when there
    is none; (None, why) for anything else put there."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"{name} cannot be read ({exc.strerror})"
    if not stat.S_ISREG(st.st_mode):
        return None, f"not a regular file: {name} (a run writes none; it was put there)"
    if st.st_size > limit:
        return None, f"{name} is larger than {limit >> 20} MB"
    try:
        return path.read_bytes(), ""
    except OSError as exc:
        return None, f"{name} cannot be read ({exc.strerror})"


def verify(
    target: Path, *, expect_hash: str | None = None, absent: frozenset[str] = frozenset()
) -> Verdict:
    """Check a trail (the file or its run folder); name the first record that is wrong.

    One rule per function, in the order a reader would check by hand: the trail can be
    read (:func:`_read_records`), its chain holds (:func:`_chain_problems`), its tail
    matches the manifest (:func:`_tail_problems`), every file matches (:func:`file_problems`),
    the seal holds (``signature_check``), the anchor is there (:func:`_anchor_missing`),
    and the hash printed on the paper is the anchor (:func:`_expected_hash`). A file named
    in ``absent`` (left out of a support bundle, :func:`verify_bundle`) is not missing. A
    folder the kit marked unfinished whose trail ends unfinished says so first
    (:func:`_did_not_finish`), and is not accused of tampering for what its end leaves."""
    path = target / AUDIT if target.is_dir() else target
    records, problems = _read_records(path)
    if records is None:
        return Verdict(False, 0, "", problems)
    problems += _chain_problems(records)
    final = str(records[-1].get("hash", "")) if records else ""
    manifest, manifest_problem = read_manifest(path.parent)
    if problems[:1] == [TRAIL_REMOVED] and not _kit_removed(path, manifest):
        # the placeholder's words in a trail the manifest does not pin: put there by hand
        # (an attacker's look: compare called a tampered trail the kit's own leak)
        problems[0] = CHANGED_LINE.format(number=1)
    finished = bool(records) and records[-1].get("event") == FINISHED
    sealed = [(i, r) for i, r in enumerate(records) if r.get("event") == SEALED]
    # the kit's own word that the run did not finish: its marker, and a trail that ends so
    # before the outputs were sealed (with the anchor in the trail, a cut or rewritten end and
    # a marker hid changed and missing pages behind "run it again": an attacker's look)
    unfinished = "" if sealed else _did_not_finish(path.parent, records)
    if manifest_problem and ((finished and not unfinished) or manifest_problem != _NO_MANIFEST):
        problems.append(manifest_problem)
    if not problems:
        problems += _tail_problems(records, manifest, final, unfinished=bool(unfinished))
    problems += file_problems(
        path.parent,
        records,
        manifest,
        sealed[-1][1] if sealed else None,
        absent=absent,
        markers=MARKERS if unfinished else (),
    )
    from ..documents.signature_check import check_seal

    last = records[-1] if records and records[-1].get("event") == FINISHED else {}
    # the anchor's own word first: the printed anchor pins it (--expect-hash), while the
    # records after it can be rewritten with the chain; an anchor from before it said so
    # leaves the last record's word
    anchored = sealed[-1][1].get("sealed_by_sha256") if sealed else None
    says = isinstance(anchored, str)
    signer = anchored if says else last.get("sealed_by_sha256")
    seal = check_seal(
        path.parent,
        manifest,
        absent=absent,
        trail_signer=signer if isinstance(signer, str) else "",
        unsealed_by_anchor=says and not anchored,
    )
    problems += seal.problems
    problems = _how_it_ended(problems, records, sealed, unfinished)
    problems = _said_why_changed(problems, path.parent, manifest, records)
    notes = list(seal.notes)
    if expect_hash:
        found, said = _expected_hash(expect_hash, records, sealed)
        problems += found
        # a seal the anchor names pins the pages too; any other leaves them as they were
        notes += said[:1] if seal.notes and says and anchored else said
        if seal.notes and not says and not found:  # a folder sealed before the anchor said
            notes.append(
                "the anchor's record does not name the sealing certificate (a folder from "
                "before it did): compare the certificate's SHA-256 above with the one the "
                "consultancy gave you"
            )
    return Verdict(not problems, len(records), final, problems, notes)


LINE_ENDS_CHANGED = (
    "{which} from the bytes the run wrote only in line ends (CRLF where it wrote LF, or back): most likely git rewrote them "
    "(core.autocrlf, on by default in Git for Windows), or a sync or copy tool did. "
    "The folder is not intact as it lies here; the run's own bytes are in the copy it "
    "was taken from (the first folder, a zip of it, its support bundle). git gives them "
    "back only where it stored them unconverted: keep run folders in git under "
    'runs/.gitattributes holding "* -text" (the kit writes it)'
)


def _said_why_changed(
    problems: list[str],
    run_dir: Path,
    manifest: dict[str, Any] | None,
    records: list[dict[str, Any]],
) -> list[str]:
    """``problems`` with :data:`LINE_ENDS_CHANGED` before the first changed file when some
    changed files hold the bytes the run recorded with only their line ends changed: a
    consultant who cloned the project from git on Windows read some 70 lines of "changed
    file" and no word of why, nor of where the run's own bytes are."""
    changed = [rel for rel in dict.fromkeys(_file_named(p, CHANGED_FILE) for p in problems) if rel]
    if not changed:
        return problems
    recorded = _recorded_digests(manifest, records)
    count = sum(
        1 for rel in changed if rel in recorded and line_ends_only(run_dir / rel, recorded[rel])
    )
    if not count:
        return problems
    first = next(i for i, p in enumerate(problems) if _file_named(p, CHANGED_FILE))
    said = LINE_ENDS_CHANGED.format(
        which=f"every changed file ({count}) differs"
        if count == len(changed)
        else f"{count} of the {len(changed)} changed files differ"
    )
    return [*problems[:first], said, *problems[first:]]


def _recorded_digests(
    manifest: dict[str, Any] | None, records: list[dict[str, Any]]
) -> dict[str, set[str]]:
    """Each file's SHA-256 as the manifest, the output records and the anchors give it."""
    found: dict[str, set[str]] = {}
    for rel, digest in manifest_files(manifest).items():
        found.setdefault(rel, set()).add(digest)
    for rec in records:
        if rec.get("event") == "output_written":
            found.setdefault(str(rec.get("path")), set()).add(str(rec.get("sha256")))
        files = rec.get("files") if rec.get("event") == SEALED else None
        for rel, digest in files.items() if isinstance(files, dict) else ():
            found.setdefault(str(rel), set()).add(str(digest))
    return found


LINE_ENDS_LIMIT = 256 << 20  # larger than any text a run writes
LINE_ENDS_CHUNK = 1 << 20


def line_ends_only(path: Path, digests: set[str]) -> bool:
    """Whether the file at ``path`` holds bytes whose SHA-256 is one of ``digests`` with only
    its line ends changed: all LF turned CRLF (git's core.autocrlf on checkout), or all CRLF
    turned LF (on commit). Never a file holding a NUL (git leaves binary files alone). Read
    and hashed in both forms a piece at a time: the whole file and its two forms in memory
    took some 6 bytes for each byte of it (1.5 GB for a changed file at the limit, in each
    ``status`` row that names one)."""
    fh = open_regular(path)
    if fh is None:
        return False
    lf, crlf = hashlib.sha256(), hashlib.sha256()
    carry, had_crlf, had_lf, size = b"", False, False, 0
    try:
        with fh:
            if os.fstat(fh.fileno()).st_size > LINE_ENDS_LIMIT:
                return False
            while piece := fh.read(LINE_ENDS_CHUNK):
                size += len(piece)  # a file that grows while it is read ends here too
                if b"\0" in piece or size > LINE_ENDS_LIMIT:
                    return False
                piece = carry + piece
                carry = piece[-1:] if piece.endswith(b"\r") else b""  # "\r" | "\n" apart
                piece = piece[: len(piece) - len(carry)]
                pairs = piece.count(b"\r\n")
                had_crlf |= pairs > 0
                had_lf |= piece.count(b"\n") > pairs
                piece = piece.replace(b"\r\n", b"\n")
                lf.update(piece)
                crlf.update(piece.replace(b"\n", b"\r\n"))
    except OSError:
        return False
    lf.update(carry)
    crlf.update(carry)
    # a form that is the file itself is no change of line ends
    forms = [form for form, other in ((lf, had_crlf), (crlf, had_lf)) if other]
    return any(form.hexdigest() in digests for form in forms)


TRAIL_REMOVED = (
    "record 1: the trail is the kit's placeholder: the run removed it because it held a secret "
    "(SECRET_LEAK in findings.json), so this run cannot be verified; a secret whose value "
    "stands in an input, a setting or a path is written wherever that value is: choose one "
    "that stands nowhere, and run again"
)


CHANGED_LINE = "record {number}: not a JSON record (the line was changed)"


def _kit_removed(path: Path, manifest: dict[str, Any] | None) -> bool:
    """Whether the trail at ``path`` is the one the manifest pins: the kit wrote its
    placeholder and the records after it, and nobody changed the file since."""
    listed = manifest_files(manifest).get(path.name)
    try:
        return listed == hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return False


def _read_records(path: Path) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """The trail's records up to the first line that is not one (named), or None when the
    file cannot be read at all."""
    try:
        regular = stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        regular = False
    if not regular:
        return None, [f"{path}: no audit trail here (no regular file)"]
    data, why = _small_file(path, path.name, TRAIL_LIMIT)
    if data is None:  # a trail of gigabytes (a sparse file costs no disk) is not read whole
        return None, [f"{path}: {why}"]
    try:
        # Records end at "\n" only: splitlines() would also cut at U+2028 and the like,
        # which json.dumps(ensure_ascii=False) leaves inside a record (a file name may hold one).
        lines = [x for x in data.decode("utf-8").split("\n") if x]
    except UnicodeDecodeError:
        return None, [f"{path}: the audit trail cannot be read as UTF-8 text"]
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError):
            if number == 1 and line.startswith(STUB_START.format(name=path.name)):
                # the kit's own placeholder (a CI maintainer read "the line was changed" as
                # tampering, and compare refused the next week's run for it)
                return records, [TRAIL_REMOVED]
            return records, [CHANGED_LINE.format(number=number)]
        records.append(rec)
    return records, []


def _chain_problems(records: list[dict[str, Any]]) -> list[str]:
    """The first record whose hash, link to the one before or sequence number is wrong."""
    hashes = [r.get("hash") for r in records]
    prev = GENESIS
    for i, rec in enumerate(records):
        number, event = i + 1, rec.get("event", "?")
        if record_hash(rec) != rec.get("hash"):
            return [f"record {number} ({event}): its content was changed (hash mismatch)"]
        if rec.get("prev") != prev:
            return [_broken_link(number, event, rec.get("prev"), hashes, i)]
        if rec.get("seq") not in (None, i):
            return [
                f"record {number} ({event}): sequence number {rec.get('seq')} where {i} was expected"
            ]
        prev = rec["hash"]
    return []


def _broken_link(number: int, event: Any, back: Any, hashes: list[Any], i: int) -> str:
    """Why record ``number`` does not follow the one before: removed, reordered or added."""
    if back in hashes[:i]:
        j = hashes.index(back) + 1
        return f"record {number} ({event}): follows record {j}; the record(s) between were removed"
    if back in hashes[i + 1 :]:
        return f"record {number} ({event}): out of order (records were reordered)"
    return (
        f"record {number} ({event}): does not follow record {number - 1}; "
        "a record was added or removed before it"
    )


def _anchor_missing(
    records: list[dict[str, Any]], sealed: list[tuple[int, dict[str, Any]]], finished: bool
) -> list[str]:
    """A trail of a kit that writes an anchor, without one: records were removed."""
    started = records[0] if records else {}
    if sealed or not records or _version(started.get("kit_version")) < (0, 2):
        return []
    return [
        f"no {SEALED!r} record, although ngdpkit {started.get('kit_version')} writes one: "
        + (
            "records were removed and the chain recomputed"
            if finished
            else "the run was interrupted before its outputs were sealed"
        )
    ]


def _unfinished_end(records: list[dict[str, Any]]) -> str:
    """How the trail shows a run that did not finish ("" when it finished): no
    ``run_finished`` record at its end, or one that says the run was interrupted or the
    kit crashed (what :meth:`~ngdpkit.run.folder.RunFolder.finish` writes then)."""
    last = records[-1] if records else {}
    if last.get("event") != FINISHED:
        return (
            f"the trail ends at record {len(records)} (seq {len(records) - 1}), "
            f"{str(last.get('event'))[:40]!r}, with no {FINISHED!r} record"
            if records
            else "the trail holds no record"
        )
    status = last.get("status")
    if did_not_finish(status):
        return f"the trail's {FINISHED!r} record says {str(status)[:80]!r}"
    return ""


def did_not_finish(status: Any) -> bool:
    """Whether a ``run_finished`` record's status says the run was interrupted or the kit
    crashed (what :meth:`~ngdpkit.run.folder.RunFolder.finish` writes then)."""
    return status == "interrupted" or (isinstance(status, str) and status.startswith("crashed:"))


def _did_not_finish(folder: Path, records: list[dict[str, Any]]) -> str:
    """The plain word for a run that did not finish (interrupted, or incomplete): the folder
    carries the kit's ``INCOMPLETE`` or ``INTERRUPTED`` marker and the trail itself shows no
    finished run. "" otherwise: a marker added to a finished run's folder is an extra file
    (:func:`file_problems`), and a trail cut short without one is named as cut."""
    marks = [m for m in MARKERS if _regular(folder / m)]
    ends = _unfinished_end(records)
    if not marks or not ends:
        return ""
    last = records[-1] if records else {}
    status = last.get("status") if last.get("event") == FINISHED else None
    if INTERRUPTED in marks or status == "interrupted":
        how = "it was interrupted"
    elif isinstance(status, str) and status.startswith("crashed:"):
        how = "the kit crashed"
    else:
        how = "it is incomplete"
    return (
        f"the run did not finish: {how}"
        + f" (the folder carries the kit's {' and '.join(marks)} marker"
        + ("s" if len(marks) > 1 else "")
        + f", and {ends}); "
        "it was never sealed for sign-off, so there is nothing here to sign: run it again"
    )


def _how_it_ended(
    problems: list[str],
    records: list[dict[str, Any]],
    sealed: list[tuple[int, dict[str, Any]]],
    unfinished: str,
) -> list[str]:
    """``problems`` with what the trail's end says: a run the kit marked unfinished is said
    first, not accused of removed records nor of the pages it marked after them; any other
    trail must hold its anchor, and one whose last record says the run was interrupted or
    the kit crashed is said first too."""
    if unfinished:
        return [unfinished, *(p for p in problems if not _marked_after_the_end(p))]
    finished = bool(records) and records[-1].get("event") == FINISHED
    if finished and did_not_finish(records[-1].get("status")):
        # the trail's own word, which its chain pins, not the marker beside it, which anyone
        # can delete: a crashed run's folder, its INCOMPLETE removed, verified "intact" and
        # exit 0 (an attacker's look). Such a run may have stopped before its seal, so no
        # anchor is asked of it: its support bundle (no INCOMPLETE in a zip) was accused of
        # records removed and the chain recomputed
        return [_ended_unfinished(records[-1]), *problems]
    return problems + _anchor_missing(records, sealed, finished)


def _ended_unfinished(last: dict[str, Any]) -> str:
    """The plain word for a trail whose ``run_finished`` record says the run was interrupted
    or the kit crashed, in a folder without the kit's marker, or one sealed before the end."""
    return (
        f"the run did not finish: the trail's {FINISHED!r} record says "
        f"{str(last.get('status'))[:80]!r} (exit code {str(last.get('exit_code'))[:8]}); "
        "it is not a run for sign-off, so there is nothing here to sign: run it again"
    )


def _marked_after_the_end(problem: str) -> bool:
    """A page the kit marks unfinished, or a PDF it removes, after an unfinished run's last
    record (``mark_interrupted_pages``): the pages are not sealed by the anchor."""
    return problem.startswith(
        (f"{CHANGED_FILE}{PAGES}/", f"{MISSING_FILE}{PAGES}/", f"{PAGES}/signoff.pdf is missing")
    )


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _expected_hash(
    expect_hash: str, records: list[dict[str, Any]], sealed: list[tuple[int, dict[str, Any]]]
) -> tuple[list[str], list[str]]:
    """(problems, notes) for ``--expect-hash``: it must be the anchor (the last sealed
    record); an older trail without one is pinned by any of its records."""
    want = expect_hash.strip().lower()
    hashes = [r.get("hash") for r in records]
    hit = next((i for i, h in enumerate(hashes) if h == want), None)
    if sealed:
        at, anchor = sealed[-1]
        if want == anchor.get("hash"):
            pinned = len(anchor.get("files") or {})
            return [], [
                with_plurals(
                    "anchor found: record {at} ({event}), pinning {n} deliverable(s)", {"n": pinned}
                ).format(at=at + 1, event=SEALED, n=pinned),
                # the pages print the anchor, so it cannot pin them: say so beside "intact"
                "the pages in signoff/ (and signoff.pdf) print the anchor and are written after "
                "it: the anchor does not pin them, only the chain after it does, which whoever "
                "can write the folder can recompute; type dispatcher values from "
                "dispatcher-config.json, which it pins, or seal the folder ([signing])",
            ]
        if hit is not None:
            return [
                f"the expected hash {want[:12]}… is record {hit + 1} ({records[hit].get('event')}), "
                f"not the anchor (the last {SEALED!r} record)"
            ], []
        return [
            f"the expected hash {want[:12]}… is not in the trail: the anchor printed on the "
            "signed document no longer matches this folder"
        ], []
    if hit is None:
        return [f"the expected hash {want[:12]}… is not in the trail"], []
    return [], [
        f"expected hash found: record {hit + 1} ({records[hit].get('event')})",
        f"this trail has no {SEALED!r} record: the hash pins the trail only",
    ]


_NO_MANIFEST = f"{MANIFEST} is missing: a finished run always has one (it was removed)"


def read_manifest(folder: Path) -> tuple[dict[str, Any] | None, str]:
    """The folder's manifest, or ``None`` and why it cannot be used. Only a regular file
    counts: a directory, a link or a FIFO put in its place is a problem, never followed."""
    path = folder / MANIFEST
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None, _NO_MANIFEST
    except OSError as exc:
        return None, f"{MANIFEST} cannot be read ({exc.strerror})"
    if not stat.S_ISREG(mode):
        return None, f"{MANIFEST} is not a regular file (something else was put in its place)"
    raw, why = _small_file(path, MANIFEST, TRAIL_LIMIT)
    if raw is None:
        return None, why
    try:
        loaded = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, f"{MANIFEST}: not valid JSON"
    if not isinstance(loaded, dict):
        return None, f"{MANIFEST}: not a JSON object"
    return loaded, ""


def _tail_problems(
    records: list[dict[str, Any]],
    manifest: dict[str, Any] | None,
    final: str,
    *,
    unfinished: bool = False,
) -> list[str]:
    """A cut or extended tail: the record count and final hash against the manifest, and a
    last record that is not ``run_finished`` (unless the run's ``unfinished`` is said)."""
    if manifest is not None:
        expected = manifest.get("records")
        if isinstance(expected, int) and len(records) < expected:
            return [f"missing tail: {len(records)} records, the manifest says {expected}"]
        if isinstance(expected, int) and len(records) > expected:
            return [
                f"record {expected + 1}: added after the run finished (the manifest says {expected} records)"
            ]
        if manifest.get("final_hash") not in (None, final):
            return [
                f"the final hash {final[:12]}… is not the manifest's {str(manifest.get('final_hash'))[:12]}…"
            ]
    if not unfinished and (not records or records[-1].get("event") != FINISHED):
        last = records[-1].get("event") if records else "none"
        return [
            f"missing tail: the last record is {last!r}, not {FINISHED!r} "
            "(the run was interrupted, or its last records were cut)"
        ]
    return []


def _against_manifest(
    present: dict[str, Path], listed: dict[str, str], digests: dict[str, str]
) -> list[str]:
    """Each file missing from, extra to, or changed since the manifest."""
    problems = [
        f"{MISSING_FILE}{rel} (listed in the manifest)"
        for rel in sorted(set(listed) - set(present))
    ]
    problems += [
        f"extra file: {rel} (not in the manifest)" for rel in sorted(set(present) - set(listed))
    ]
    problems += [
        f"{CHANGED_FILE}{rel} (its SHA-256 is not the manifest's)"
        for rel in sorted(set(present) & set(listed))
        if digests[rel] != listed[rel]
    ]
    return problems


def _against_output_records(
    present: dict[str, Path], written: dict[str, str], digests: dict[str, str]
) -> list[str]:
    """Each file without its ``output_written`` record, changed since it, or missing."""
    problems: list[str] = []
    for rel in sorted(set(present) - {AUDIT}):
        if rel not in written:
            problems.append(f"file without an output record: {rel}")
        elif digests[rel] != written[rel]:
            problems.append(f"{CHANGED_FILE}{rel} (its SHA-256 is not the output record's)")
    problems += [
        f"{MISSING_FILE}{rel} (an output record names it)"
        for rel in sorted(set(written) - set(present))
    ]
    return problems


def _against_anchor(
    present: dict[str, Path], anchor: dict[str, Any], digests: dict[str, str]
) -> list[str]:
    """Each deliverable the anchor seals that is missing or changed, and each deliverable
    it does not seal."""
    files = anchor.get("files")
    pinned: dict[str, Any] = files if isinstance(files, dict) else {}
    problems: list[str] = []
    for rel, digest in sorted(pinned.items()):
        if rel not in present:
            problems.append(f"{MISSING_FILE}{rel} (sealed by the anchor)")
        elif digests[rel] != digest:
            problems.append(f"{CHANGED_FILE}{rel} (it no longer matches the anchor)")
    problems += [
        f"extra file: {rel} (not sealed by the anchor)"
        for rel in sorted(r for r in present if is_deliverable(r) and r != AUDIT)
        if rel not in pinned
    ]
    return problems


def _version(text: Any) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in str(text).split(".")[:2])
    except ValueError:
        return (0,)


def file_problems(
    run_dir: Path,
    records: list[dict[str, Any]],
    manifest: dict[str, Any] | None,
    anchor: dict[str, Any] | None,
    *,
    absent: frozenset[str] = frozenset(),
    markers: tuple[str, ...] = (INCOMPLETE,),
) -> list[str]:
    """Every file of the folder against the manifest, the ``output_written`` records and the
    sealed record: each changed, missing or extra file, one line each, and each folder that
    holds no file the run recorded. Without a usable manifest the files are still held
    against the records and the anchor, which live in the trail. ``markers``: the kit's own
    marks at the top (``INCOMPLETE``, ``INTERRUPTED``) that a run which did not finish
    leaves unrecorded; in a finished run's folder they are extra files like any other."""
    problems: list[str] = []
    listed = manifest_files(manifest)
    written = {
        str(r.get("path")): str(r.get("sha256"))
        for r in records
        if r.get("event") == "output_written"
    }
    present, odd, found_dirs = folder_entries(run_dir)
    present = {
        rel: p
        for rel, p in present.items()
        if rel not in markers or rel in listed or rel in written
    }
    problems += [f"not a regular file: {rel} (a run writes none; it was put there)" for rel in odd]
    # The pages are not sealed by the anchor (they print it), so nothing but pages may lie
    # there: a script planted beside them, with the trail's tail recomputed, is named.
    problems += [
        f"unexpected file: {rel} (signoff/ holds only pages, the diagram and the PDF)"
        for rel in present
        if rel.startswith(PAGES + "/") and not rel.lower().endswith(PAGE_SUFFIXES)
    ]
    if (run_dir / AUDIT).is_file():
        present[AUDIT] = run_dir / AUDIT
    digests = _digests(present, manifest, records, anchor)
    if manifest is not None:
        problems += _against_manifest(present, listed, digests)
    if written or anchor is not None:
        problems += _against_output_records(present, written, digests)
    if anchor is not None:
        problems += _against_anchor(present, anchor, digests)
    if manifest is not None or written or anchor is not None:
        pinned = anchor.get("files") if anchor is not None else None
        known = [*listed, *written, *(pinned if isinstance(pinned, dict) else ())]
        problems += _extra_dirs(found_dirs, known)
    if absent:  # a support bundle's left-out files: not there by design
        problems = [
            p
            for p in problems
            if not (p.startswith(MISSING_FILE) and _file_named(p, MISSING_FILE) in absent)
        ]
    return list(dict.fromkeys(problems))


# The most verification reads of one file: more than any run writes (a signed PDF is at most
# 512 MB, a 200,000-mailbox workbook some tens of MB). A larger one was put there.
HASH_LIMIT = 1 << 30
NOT_HASHED = "not hashed"  # a file's digest when it need not be read: it matches no record


def _digests(
    present: dict[str, Path],
    manifest: dict[str, Any] | None,
    records: list[dict[str, Any]],
    anchor: dict[str, Any] | None,
) -> dict[str, str]:
    """The SHA-256 of each present file that the manifest, an output record or the anchor
    names, read from disk; :data:`NOT_HASHED` for one whose size is none the manifest and the
    records give it, or that is larger than :data:`HASH_LIMIT`: it is changed either way. A
    file no record names is extra whatever it holds, and is not read. A sparse file of
    terabytes (it costs no disk) planted in a run folder was hashed whole by ``audit
    verify``, ``bundle`` and every later run, which verifies the run before it: an hour
    per terabyte (an attacker's look)."""
    sizes: dict[str, set[Any]] = {}
    entries = manifest.get("files") if manifest is not None else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            sizes.setdefault(entry["path"], set()).add(entry.get("size"))
    for rec in records:
        if rec.get("event") == "output_written":
            sizes.setdefault(str(rec.get("path")), set()).add(rec.get("size"))
    pinned = anchor.get("files") if anchor is not None else None
    named = set(sizes) | (set(pinned) if isinstance(pinned, dict) else set())
    digests: dict[str, str] = {}
    for rel, path in present.items():
        if rel not in named:
            continue
        try:
            size = path.lstat().st_size
        except OSError:
            size = -1
        said = {n for n in sizes.get(rel, ()) if isinstance(n, int) and not isinstance(n, bool)}
        if size < 0 or size > HASH_LIMIT or (said and size not in said):
            digests[rel] = NOT_HASHED
        else:
            digests[rel] = disk_digest(path)[1]
    return digests


def _extra_dirs(found_dirs: list[str], known: list[str]) -> list[str]:
    """Each directory that is not one a run makes and holds no file the manifest, the output
    records or the anchor name: empty or not, it was put there (an auditor's look: an empty
    ``signoff/x.html/`` passed, and ``sha256sum -c`` never sees one)."""
    held = {
        "/".join(parts[:i])
        for rel in known
        for parts in [str(rel).split("/")]
        for i in range(1, len(parts))
    }
    return [
        f"extra directory: {rel}/ (no file the run recorded is in it)"
        for rel in found_dirs
        if rel not in RUN_DIRS and rel not in held
    ]


def _file_named(problem: str, kind: str) -> str:
    """The file a problem line ``kind NAME (why)`` names (``kind``: :data:`CHANGED_FILE` or
    :data:`MISSING_FILE`); "" for any other line."""
    if not problem.startswith(kind):
        return ""
    return problem.removeprefix(kind).rsplit(" (", 1)[0]


# What a support bundle may hold: the run's own files by their names in the folder, and its
# own two (summary.json, README.txt), each at most this large (run.bundle's limit)
BUNDLE_MEMBER_LIMIT = 256 << 20
BUNDLE_OWN = ("summary.json", "README.txt")  # the bundle's own members, not the run's
# The run's files a bundle packs (the last four and findings.json only --with-workbooks)
BUNDLE_FILES = (
    "findings.json",
    "manifest.json",
    "manifest.json.p7s",
    "audit.jsonl",
    "portal-registration.json",
    "firewall-rules.csv",
    "dispatcher-config.json",
    "checklist.json",
    "mailbox-mapping.xlsx",
    "mailbox-mapping.csv",
    "mapping-suggestions.xlsx",
    "contact-point-plan.xlsx",
)
BUNDLE_WITH_WORKBOOKS = frozenset(("findings.json", *BUNDLE_FILES[-4:]))


BUNDLE_TOTAL_LIMIT = 1 << 30  # what all members of a bundle may hold together
BUNDLE_MEMBERS = 100  # a bundle holds about a dozen


def _bundle_refusal(infos: list[Any]) -> str:
    """Why a zip's members are not a bundle's: a name that is a path, hidden, odd or twice,
    no audit trail, a member larger than any run writes, or too much in all (a zip made to
    fill the disk when its members are written out); "" when they may be."""
    names = [i.filename for i in infos]
    known = (*BUNDLE_OWN, *BUNDLE_FILES)
    odd = next((n for n in names if n not in known), None)
    if odd is not None:  # refused before anything is written out
        return f"member {odd[:100]!r}, which no bundle packs"
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        return f"member {twice!r} twice"
    if "audit.jsonl" not in names:
        return "no audit.jsonl"
    large = next((i.filename for i in infos if i.file_size > BUNDLE_MEMBER_LIMIT), None)
    if large is not None:
        return f"{large}: larger than any run writes"
    if len(infos) > BUNDLE_MEMBERS or sum(i.file_size for i in infos) > BUNDLE_TOTAL_LIMIT:
        return "more members, or more bytes, than a run writes"
    return ""


def _unexplained(zf: Any, names: list[str], listed: set[str], packed: set[str]) -> list[str]:
    """A file a bundle packs, which the run's manifest lists, missing from the zip with no
    reason in its ``summary.json`` (held a secret, too large, not the bytes the run recorded, or
    not asked for: findings.json
    and the workbooks without --with-workbooks). The summary is the sender's, so this names a
    member removed on the way, not one removed by the sender who also edits the summary."""
    import json as _json

    summary: dict[str, Any] = {}
    if "summary.json" in names:
        try:
            loaded = _json.loads(zf.read("summary.json"))
            summary = loaded if isinstance(loaded, dict) else {}
        except (ValueError, RecursionError, OSError):
            summary = {}
    said: set[str] = set()
    for key in (
        "left_out_holding_a_secret",
        "left_out_too_large",
        "left_out_personal_data",
        "left_out_changed",
        "left_out_unsearched",
    ):
        value = summary.get(key)
        said |= {str(v) for v in value} if isinstance(value, list) else set()
    if summary.get("with_workbooks") is not True:
        said |= BUNDLE_WITH_WORKBOOKS
    return [
        f"missing from the bundle: {name} (the run has it, and summary.json gives no reason)"
        for name in BUNDLE_FILES
        if name in listed and name not in packed and name not in said
    ]


def verify_bundle(zip_path: Path, *, expect_hash: str | None = None) -> Verdict:
    """A support bundle (``ngdpkit bundle``) checked as the run folder it came from: its
    run files are held against the run's own audit trail, manifest and sealed record, as
    :func:`verify` holds a folder's, and the run's files the zip leaves out are named in a
    note, not as missing. The bundle's own ``summary.json`` and ``README.txt`` are the
    sender's words: not part of the run, and not verified."""
    import lzma
    import shutil
    import tempfile
    import zipfile
    import zlib

    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as exc:
        # UnicodeDecodeError: a member's name flagged UTF-8 that is not (it crashed, exit 3)
        return Verdict(False, 0, "", [f"{zip_path.name}: not a zip ({exc})"])
    with zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        refused = _bundle_refusal(infos)
        if refused:
            return Verdict(False, 0, "", [f"{zip_path.name}: not a support bundle ({refused})"])
        folder = Path(tempfile.mkdtemp(prefix="ngdpkit-bundle-"))
        try:
            for info in infos:
                if info.filename in BUNDLE_OWN:
                    continue
                try:
                    with zf.open(info) as src, (folder / info.filename).open("xb") as dst:
                        shutil.copyfileobj(src, dst)
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    lzma.LZMAError,
                    NotImplementedError,  # a compression method zipfile does not know
                    OSError,
                    EOFError,
                    RuntimeError,
                    ValueError,
                ) as exc:
                    # a damaged or encrypted member, a compression zipfile does not know
                    return Verdict(
                        False, 0, "", [f"{info.filename}: cannot be read from the zip ({exc})"]
                    )
            listed = set(manifest_files(read_manifest(folder)[0]))
            packed = {n for n in names if n not in BUNDLE_OWN}
            absent = frozenset(listed - packed)
            verdict = verify(folder, absent=absent, expect_hash=expect_hash)
            verdict.problems += _unexplained(zf, names, listed, packed)
            verdict.ok = not verdict.problems
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    verdict.notes.insert(
        0,
        f"support bundle: {len(packed)} of the run's {len(listed | packed)} files are in the zip, "
        f"each checked; {len(absent)} left out of it"
        + (
            f" ({', '.join(sorted(absent)[:5])}{', …' if len(absent) > 5 else ''})"
            if absent
            else ""
        )
        + "; its summary.json and README.txt are the sender's and not checked",
    )
    return verdict
