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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
MANIFEST = "manifest.json"
AUDIT = "audit.jsonl"
FINISHED = "run_finished"


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
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

    def append(self, event: str, **data: Any) -> dict[str, Any]:
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
        p for p in run_dir.rglob("*") if p.is_file() and p.name not in (AUDIT, MANIFEST, *skip)
    ):
        size, digest = file_digest(path)
        trail.append(
            "output_written", path=path.relative_to(run_dir).as_posix(), size=size, sha256=digest
        )


def write_manifest(run_dir: Path, trail: AuditTrail) -> Path:
    """List every file of the run with size and SHA-256, the final hash and the record count."""
    from .outputs import write_json

    files = []
    for path in sorted(
        p
        for p in run_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.endswith(".tmp")
    ):
        size, digest = file_digest(path)
        files.append({"path": path.relative_to(run_dir).as_posix(), "size": size, "sha256": digest})
    return write_json(
        run_dir / MANIFEST,
        {
            "schema": "ngdpkit/manifest/1",
            "final_hash": trail.last_hash,
            "records": trail.count,
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


def verify(target: Path, *, expect_hash: str | None = None) -> Verdict:
    """Check a trail (the file or its run folder); name the first record that is wrong."""
    path = target / AUDIT if target.is_dir() else target
    if not path.is_file():
        return Verdict(False, 0, "", [f"{path}: no audit trail here"])
    lines = path.read_text(encoding="utf-8").splitlines()
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not an object")
        except ValueError:
            problems.append(f"record {number}: not a JSON record (the line was changed)")
            break
        records.append(rec)
    hashes = [r.get("hash") for r in records]
    prev = GENESIS
    for i, rec in enumerate(records):
        number = i + 1
        if record_hash(rec) != rec.get("hash"):
            problems.append(
                f"record {number} ({rec.get('event', '?')}): its content was changed (hash mismatch)"
            )
            break
        if rec.get("prev") != prev:
            back = rec.get("prev")
            if back in hashes[:i]:
                j = hashes.index(back) + 1
                problems.append(
                    f"record {number} ({rec.get('event', '?')}): follows record {j}; the record(s) between were removed"
                )
            elif back in hashes[i + 1 :]:
                problems.append(
                    f"record {number} ({rec.get('event', '?')}): out of order (records were reordered)"
                )
            else:
                problems.append(
                    f"record {number} ({rec.get('event', '?')}): does not follow record {number - 1}; a record was added or removed before it"
                )
            break
        if rec.get("seq") not in (None, i):
            problems.append(
                f"record {number} ({rec.get('event', '?')}): sequence number {rec.get('seq')} where {i} was expected"
            )
            break
        prev = rec["hash"]
    final = records[-1]["hash"] if records else ""
    manifest_path = path.parent / MANIFEST
    if not problems:
        if manifest_path.is_file():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            except ValueError:
                manifest = {}
                problems.append(f"{MANIFEST}: not valid JSON")
            expected = manifest.get("records")
            if isinstance(expected, int) and len(records) < expected:
                problems.append(
                    f"missing tail: {len(records)} records, the manifest says {expected}"
                )
            elif isinstance(expected, int) and len(records) > expected:
                problems.append(
                    f"record {expected + 1}: added after the run finished (the manifest says {expected} records)"
                )
            elif manifest.get("final_hash") not in (None, final):
                problems.append(
                    f"the final hash {final[:12]}… is not the manifest's {str(manifest.get('final_hash'))[:12]}…"
                )
        if not problems and (not records or records[-1].get("event") != FINISHED):
            problems.append(
                f"missing tail: the last record is {records[-1].get('event') if records else 'none'!r}, not {FINISHED!r}"
            )
    notes = []
    if expect_hash:
        want = expect_hash.lower()
        hit = next((i for i, h in enumerate(hashes) if h == want), None)
        if hit is None:
            problems.append(f"the expected hash {want[:12]}… is not in the trail")
        else:
            notes.append(f"expected hash found: record {hit + 1} ({records[hit].get('event')})")
    return Verdict(not problems, len(records), final, problems, notes)
