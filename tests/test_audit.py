from __future__ import annotations

import json
from pathlib import Path

from ngdpkit.run.audit import GENESIS, AuditTrail, record_hash, verify, write_manifest
from tests.conftest import run_cli


def make_trail(tmp_path: Path, n: int = 5) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.json").write_text("{}", encoding="utf-8")
    trail = AuditTrail(run / "audit.jsonl")
    trail.append("run_started", environment="test")
    for i in range(n - 3):
        trail.append("step", step=f"0{i + 1}", status="ok")
    trail.append("checks_finished", status="ok")
    trail.append("run_finished", status="ok", exit_code=0)
    write_manifest(run, trail)
    return run


def lines(run: Path) -> list[str]:
    return (run / "audit.jsonl").read_text(encoding="utf-8").splitlines()


def put(run: Path, new: list[str]) -> None:
    (run / "audit.jsonl").write_text("\n".join(new) + "\n", encoding="utf-8")


def test_canonical_hash_and_chain(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    records = [json.loads(x) for x in lines(run)]
    assert records[0]["prev"] == GENESIS
    for a, b in zip(records, records[1:], strict=False):
        assert b["prev"] == a["hash"]
    rec = records[1]
    body = {k: v for k, v in rec.items() if k != "hash"}
    import hashlib

    assert (
        rec["hash"]
        == hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        == record_hash(rec)
    )
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["records"] == 5 and manifest["final_hash"] == records[-1]["hash"]
    assert {f["path"] for f in manifest["files"]} == {"audit.jsonl", "findings.json"}
    assert verify(run).ok


def test_edit_delete_reorder_insert_truncate(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    orig = lines(run)

    edited = list(orig)
    rec = json.loads(edited[2])
    rec["status"] = "errors"
    edited[2] = json.dumps(rec)
    put(run, edited)
    assert verify(run).problems[0].startswith("record 3 (step): its content was changed")

    put(run, orig[:2] + orig[3:])
    assert (
        "record 3 (step): follows record 2" in verify(run).problems[0]
        or "removed" in verify(run).problems[0]
    )

    put(run, [orig[0], orig[2], orig[1], *orig[3:]])
    assert "record 2" in verify(run).problems[0]

    forged = json.loads(orig[1])
    forged["step"] = "99"
    forged["hash"] = record_hash(forged)
    put(run, orig[:2] + [json.dumps(forged)] + orig[2:])
    assert "record 3" in verify(run).problems[0]

    put(run, orig[:-1])
    assert "missing tail" in verify(run).problems[0]

    put(run, orig)
    assert verify(run).ok


def test_missing_tail_without_manifest(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    (run / "manifest.json").unlink()
    put(run, lines(run)[:-1])
    v = verify(run / "audit.jsonl")
    assert not v.ok and "missing tail" in v.problems[0]


def test_cli_verify_and_expect_hash(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    checks = json.loads(lines(run)[-2])["hash"]
    r = run_cli("audit", "verify", str(run), "--expect-hash", checks)
    assert r.returncode == 0 and "intact" in r.stdout and "checks_finished" in r.stdout
    r = run_cli("audit", "verify", str(run), "--expect-hash", "ab" * 32)
    assert r.returncode == 1 and "not in the trail" in r.stdout
    put(run, lines(run)[:-1])
    r = run_cli("audit", "verify", str(run / "audit.jsonl"))
    assert r.returncode == 1 and "NOT INTACT" in r.stdout
