"""A security review of ``confirm`` and ``confirmations.jsonl``: planted folders that switched
off the append-only check, a confirmation dated in the future or without a time zone, step 7
bound to a run folder that never verified, a file without its last line end, concurrent
appends, and ``--step``/``--by`` values read too kindly."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.checks.evidence import (
    GENESIS,
    Confirmation,
    _hash,
    append_confirmation,
    confirmations_in_time,
    read_confirmations,
)
from tests.conftest import cli


def _append_by_hand(path: Path, **fields: Any) -> None:
    """One line chained to the file's last, its hash computed (as anyone can: no key)."""
    existing, problems = read_confirmations(path)
    assert not problems
    record = {"environment": "test", "note": "", **fields}
    record["prev"] = existing[-1].hash if existing else GENESIS
    record["hash"] = _hash(record)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def _check(sample: Path) -> tuple[int, list[dict[str, Any]]]:
    r = cli("check", "--settings", str(sample / "migration.toml"), "--env", "test", "--json")
    return r.returncode, json.loads(r.stdout)["findings"]


# --- 1 planted folders never switch the append-only check off --------------------------------


def test_empty_or_future_folders_do_not_hide_a_rewritten_line(
    sample_run_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's look: a line rewritten with its chain recomputed was named, and twenty
    empty folders named in 2099 made ``check`` (and the next run) accept it. Only a real
    finished run that verifies counts toward the twenty; a folder named in the future is
    passed over by its name."""
    from ngdpkit.run import neighbours

    path = sample_run_copy / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne Andersen")
    accepted = path.read_bytes()
    runs = sample_run_copy / "runs" / "test"
    (run,) = [p for p in runs.iterdir() if p.is_dir()]
    # the session's run read no confirmations: it is made to say it accepted these bytes
    said = (len(accepted), hashlib.sha256(accepted).hexdigest(), run.name)
    real = neighbours.confirmations_read
    monkeypatch.setattr(
        neighbours, "confirmations_read", lambda d, rel: said if d == run else real(d, rel)
    )
    record = json.loads(accepted)
    record["by"] = "Mallory"
    record["hash"] = _hash(record)
    path.write_text(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n", "utf-8")
    assert "CONFIRMATIONS_TAMPERED" in [f["code"] for f in _check(sample_run_copy)[1]]
    for i in range(10, 30):
        (runs / f"20990101T0000{i}Z-aaaaaa").mkdir()
    code, found = _check(sample_run_copy)
    assert code == 1 and "CONFIRMATIONS_TAMPERED" in [f["code"] for f in found], found
    # empty folders, a link and an unfinished one between the run and now: passed over too
    stamp = dt.datetime.strptime(run.name[:16], "%Y%m%dT%H%M%SZ")
    for i in range(1, 25):
        (runs / f"{(stamp + dt.timedelta(seconds=i)):%Y%m%dT%H%M%SZ}-bbbbbb").mkdir()
    (runs / f"{(stamp + dt.timedelta(seconds=30)):%Y%m%dT%H%M%SZ}-cccccc").symlink_to(run)
    unfinished = runs / f"{(stamp + dt.timedelta(seconds=31)):%Y%m%dT%H%M%SZ}-dddddd"
    unfinished.mkdir()
    (unfinished / "INCOMPLETE").write_text("")
    reasons = [f["message"] for f in _check(sample_run_copy)[1]]
    assert any("kørslen " + run.name in m for m in reasons), reasons


def test_the_look_back_is_bounded_and_says_so_when_planted_folders_use_it_up(
    sample_run_copy: Path,
) -> None:
    """Folders that are no run cost a look each, and the looks are bounded; when they are
    used up before a run decided, the file is named (never silently passed)."""
    from ngdpkit.run.neighbours import confirmations_kept

    path = sample_run_copy / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne Andersen")
    runs = sample_run_copy / "runs" / "test"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # the planted ones are in the past
    for i in range(12):
        (runs / f"{(later - dt.timedelta(hours=1, seconds=i)):%Y%m%dT%H%M%SZ}-eeeeee").mkdir()
    found, kept = confirmations_kept(path, "confirmations.jsonl", runs, looks=10, now=later)
    assert kept is None and [f.code for f in found] == ["CONFIRMATIONS_TAMPERED"]
    assert "10 or more folders" in found[0].message and "move them aside" in found[0].message
    # enough looks: the session's run decides (it read no confirmations: nothing to hold)
    assert confirmations_kept(path, "confirmations.jsonl", runs, looks=20, now=later) == ([], None)


# --- 2 a confirmation's time ------------------------------------------------------------------


def _word(at: str, step: int = 7, line: int = 1) -> Confirmation:
    return Confirmation("test", step, "Mallory", at, "", "0" * 64, "h", "", line)


def test_a_confirmation_in_the_future_or_without_a_zone_counts_for_nothing() -> None:
    now = dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC)
    words = [
        _word("2026-12-06T19:00:00Z", line=1),
        _word("2027-02-01T09:15:00Z", line=2),
        _word("2026-12-06T20:30:00", line=3),
        _word("2026-12-06T20:04:00Z", line=4),  # within the skew: a clock a little ahead
        _word("2026-12-06T21:00:00+01:00", line=5),  # 20:00 UTC
    ]
    kept, refused = confirmations_in_time(words, "confirmations.jsonl", now)
    assert [c.line for c in kept] == [1, 4, 5]
    assert [(f.code, f.severity, f.location) for f in refused] == [
        ("CONFIRMATION_TIME_REFUSED", "error", "line 2"),
        ("CONFIRMATION_TIME_REFUSED", "error", "line 3"),
    ]
    assert refused[0].params["value"] == "2027-02-01T09:15:00Z"
    assert (
        "without a time zone" in refused[1].message and "2026-12-06T20:30:00" in refused[1].message
    )
    assert "Linje 3 i confirmations.jsonl" in refused[1].text("da")


def test_check_names_a_hand_written_line_and_counts_the_others(sample_run_copy: Path) -> None:
    """The reviewer appended correctly chained lines dated two months after the run, and
    dated without a zone: step 7 read done. Each is named, with its line and time; the
    file itself still counts (the real confirmation in it does)."""
    path = sample_run_copy / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne Andersen")
    _append_by_hand(path, step=7, by="Mallory", at="2099-02-01T09:15:00Z")
    _append_by_hand(path, step=8, by="Mallory", at="2026-12-06T20:30:00")
    code, found = _check(sample_run_copy)
    refused = [f for f in found if f["code"] == "CONFIRMATION_TIME_REFUSED"]
    assert code == 1 and "CONFIRMATIONS_TAMPERED" not in [f["code"] for f in found]
    assert [(f["location"], f["params"]["value"]) for f in refused] == [
        ("line 2", "2099-02-01T09:15:00Z"),
        ("line 3", "2026-12-06T20:30:00"),
    ], refused
    # confirm still appends (the chain holds) and names the lines that do not count
    r = cli(
        "confirm", "--settings", str(sample_run_copy / "migration.toml"), "--env", "test",
        "--step", "2", "--by", "Anne Andersen",
    )  # fmt: skip
    assert r.returncode == 0 and r.stdout.count("note: CONFIRMATION_TIME_REFUSED") == 2, r.stdout


def test_steps_7_and_8_never_read_a_time_without_a_zone_as_after() -> None:
    """Defence in depth beside the run's filter: the go-live rule of step 7 and the failed
    rehearsal of step 8 read a confirmation without a time zone as no moment after them."""
    from types import SimpleNamespace

    from ngdpkit.checks.evidence import values_sha256
    from tests.test_checklist import _gathered

    dispatcher = {"ready": True, "parameters": {"ContactPointGuid": "x"}}
    values = values_sha256(dispatcher)
    enable = dt.datetime(2026, 12, 14, 7, 0, tzinfo=dt.UTC)
    naive = Confirmation("test", 7, "M", "2026-12-20T10:00:00", "", "0" * 64, "h", values)
    evidence = _gathered(dispatcher=dispatcher, confirmations=[naive], enable_at=enable)
    assert evidence["dispatcher"].kind == "planned"
    failed = SimpleNamespace(
        against="ngdp",
        status="errors",
        findings=[],
        steps=[],
        folder=SimpleNamespace(path=Path("20261206T120000Z-rehearsal-abc123")),
    )
    later = _word("2026-12-06T13:00:00", step=8)
    assert _gathered(acceptance=failed, confirmations=[later])["acceptance"].gap


# --- 3 step 7 binds only to a run that verifies -----------------------------------------------


def test_step_7_never_binds_to_a_planted_latest_run(sample_run_copy: Path) -> None:
    """A folder holding only a dispatcher-config.json, named in LATEST, was bound to ("for
    the dispatcher values of the latest run"). It does not verify, so it is not read."""
    runs = sample_run_copy / "runs" / "test"
    name = f"{dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1):%Y%m%dT%H%M%SZ}-abcdef"
    (runs / name).mkdir()
    config = {"ready": True, "parameters": {"ContactPointGuid": "planted"}}
    (runs / name / "dispatcher-config.json").write_text(json.dumps(config), "utf-8")
    (runs / "LATEST").write_text(name + "\n")
    toml = str(sample_run_copy / "migration.toml")
    r = cli("confirm", "--settings", toml, "--env", "test", "--step", "7", "--by", "Anne")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"note: the latest run ({name}) does not verify, so it is not read" in r.stdout
    assert "for the dispatcher values" not in r.stdout
    (record,) = read_confirmations(sample_run_copy / "confirmations.jsonl")[0]
    assert record.values_sha256 == ""


# --- 4 appending ------------------------------------------------------------------------------


def test_a_file_without_its_last_line_end_gets_one_line_more(tmp_path: Path) -> None:
    path = tmp_path / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne")
    append_confirmation(path, environment="test", step=2, by="Anne")
    cut = path.read_bytes().rstrip(b"\n")
    path.write_bytes(cut)
    append_confirmation(path, environment="test", step=3, by="Anne")
    data = path.read_bytes()
    assert data.startswith(cut + b"\n") and data.endswith(b"\n") and data.count(b"\n") == 3
    records, problems = read_confirmations(path)
    assert not problems and [c.step for c in records] == [1, 2, 3]


def test_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "confirmations.jsonl"
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def confirm(n: int) -> None:
        start.wait()
        try:
            append_confirmation(path, environment="test", step=n % 8 + 1, by=f"Person {n}")
        except BaseException as exc:  # noqa: BLE001 - the test names it
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records, problems = read_confirmations(path)
    assert not errors and not problems and len(records) == 8
    assert len({c.prev for c in records}) == 8


def test_the_windows_lock_is_taken_and_its_absence_is_no_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No fcntl (Windows): msvcrt.locking on a byte far past the file, released after; with
    neither module, the line is still written."""
    calls: list[tuple[str, int]] = []
    fake = types.SimpleNamespace(
        LK_NBLCK=2,
        LK_UNLCK=0,
        locking=lambda fd, mode, n: calls.append(({2: "lock", 0: "unlock"}[mode], n)),
    )
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    path = tmp_path / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne")
    assert calls == [("lock", 1), ("unlock", 1)]
    monkeypatch.setitem(sys.modules, "msvcrt", None)
    append_confirmation(path, environment="test", step=2, by="Anne")
    records, problems = read_confirmations(path)
    assert not problems and [c.step for c in records] == [1, 2]


# --- 5 the values of --step and --by ----------------------------------------------------------


@pytest.mark.parametrize("step", ["٣", " 3", "+3", "03", "3.0", "9", "0"])
def test_confirm_takes_steps_1_to_8_in_ascii_digits_only(sample_copy: Path, step: str) -> None:
    args = ["confirm", "--settings", str(sample_copy / "migration.toml"), "--env", "test"]
    r = cli(*args, "--step", step, "--by", "Anne")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "steps 1 to 8" in r.stderr
    assert not (sample_copy / "confirmations.jsonl").exists()


@pytest.mark.parametrize("by", ["", "   "])
def test_confirm_says_an_empty_by_is_empty(sample_copy: Path, by: str) -> None:
    args = ["confirm", "--settings", str(sample_copy / "migration.toml"), "--env", "test"]
    r = cli(*args, "--step", "1", "--by", by)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "--by is empty: write the name of the person who did the step" in r.stderr
    assert "in place of" not in r.stderr
    assert not (sample_copy / "confirmations.jsonl").exists()


def test_confirming_step_7_before_golive_enables_the_dispatcher_says_so(sample_copy: Path) -> None:
    """A consultant's cold run: ``confirm --step 7`` days before ``[golive]``'s ``ngdp_enable``
    said "confirmed … the next run shows it", and only the next run said it did not count. It
    says so before the line is written (as it does for a run that withheld the values); with
    the day passed, nothing of it is said."""
    settings = sample_copy / "migration.toml"
    base = settings.read_text(encoding="utf-8")
    args = ["confirm", "--settings", str(settings), "--env", "test", "--step", "7"]
    settings.write_text(base + "\n[golive]\nngdp_enable = 2099-01-05T08:00:00\n", "utf-8")
    r = cli(*args, "--by", "Jens Hansen")
    assert r.returncode == 0, r.stderr
    assert "[golive] enables the NgDP dispatcher at 05-01-2099 kl. 08:00" in r.stdout, r.stdout
    assert r.stdout.index("[golive] enables") < r.stdout.index("confirmed by Jens Hansen")
    settings.write_text(base + "\n[golive]\nngdp_enable = 2020-01-05T08:00:00\n", "utf-8")
    assert "[golive] enables" not in cli(*args, "--by", "Jens Hansen").stdout


def test_confirming_a_step_again_names_the_confirmation_before(sample_copy: Path) -> None:
    """A consultant's cold run: the same step confirmed four times gave four lines and not a
    word. A second confirmation names the one before (who, when, how many); another step or
    another environment says nothing of it."""
    args = ["confirm", "--settings", str(sample_copy / "migration.toml"), "--step", "1"]
    first = cli(*args, "--env", "test", "--by", "Anne Andersen")
    assert first.returncode == 0 and "confirmed before" not in first.stdout, first.stdout
    again = cli(*args, "--env", "test", "--by", "Bo Berg")
    assert again.returncode == 0, again.stderr
    assert "note: step 1 of test was confirmed before (1 time, last by Anne Andersen at" in (
        again.stdout
    )
    assert "the newest counts" in again.stdout
    assert "confirmed before" not in cli(*args, "--env", "production", "--by", "Bo").stdout


def test_a_run_that_read_the_file_and_no_longer_verifies_is_named(
    sample_run_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's second look: with the manifests of the runs that read the file removed,
    a rewritten confirmations file counted again (each such run was passed over as no run).
    A run whose trail ended as a finished run and read the file, but that no longer verifies,
    names the file as tampered; a run interrupted before its end is still passed over."""
    from ngdpkit.run import neighbours

    run = next((sample_run_copy / "runs" / "test").glob("2*"))
    path = sample_run_copy / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne Andersen")
    rel = "confirmations.jsonl"
    monkeypatch.setattr(neighbours, "confirmations_read", lambda folder, r: (1, "0" * 64, run.name))
    (run / "manifest.json").unlink()
    found, read = neighbours.confirmations_kept(path, rel, run.parent)
    assert read is None and [f.code for f in found] == ["CONFIRMATIONS_TAMPERED"], found
    assert f"run {run.name} read it and finished, but no longer verifies" in found[0].message
    assert "kan ikke længere verificeres" in found[0].text("da")
    # the trail of an interrupted run ends so: passed over, as before
    lines = (run / "audit.jsonl").read_text(encoding="utf-8").rstrip("\n").split("\n")
    last = json.loads(lines[-1])
    last["status"] = "interrupted"
    (run / "audit.jsonl").write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n", "utf-8")
    assert neighbours.confirmations_kept(path, rel, run.parent) == ([], None)


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_lock_held_elsewhere_is_waited_for_a_while_then_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's second look: with the file locked by another process (``flock … sleep``),
    ``confirm`` waited forever without a word. It waits up to LOCK_WAIT_S, then says so in one
    line, and writes nothing."""
    import fcntl
    import os

    from ngdpkit.checks import evidence
    from ngdpkit.errors import InputError

    path = tmp_path / "confirmations.jsonl"
    append_confirmation(path, environment="test", step=1, by="Anne Andersen")
    before = path.read_bytes()
    monkeypatch.setattr(evidence, "LOCK_WAIT_S", 0.3)
    holder = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(InputError, match="another process has held the file"):
            append_confirmation(path, environment="test", step=2, by="Bo Berg")
    finally:
        os.close(holder)
    assert path.read_bytes() == before
    append_confirmation(path, environment="test", step=2, by="Bo Berg")  # free again
    assert len(read_confirmations(path)[0]) == 2


def test_a_line_whose_time_is_not_written_as_confirm_writes_it_breaks_the_file(
    tmp_path: Path,
) -> None:
    """A reviewer's second look: Python's fromisoformat takes any one character between the
    date and the time, so a line dated "2026-12-06<ESC>10:00:00" was read, and its ESC reached
    the overview through the finding that quoted it. A time is what confirm writes (with a
    fraction, an offset or, named and not counted, no zone), or the line is no record."""
    path = tmp_path / "confirmations.jsonl"
    for at in ("2026-12-06T10:00:00Z", "2026-12-06T10:00:00.5+01:00", "2026-12-06T10:00:00"):
        _append_by_hand(path, step=1, by="Anne Andersen", at=at)
    assert len(read_confirmations(path)[0]) == 3
    for at in ("2026-12-06\x1b10:00:00", "2026-12-06\u009b10:00:00+00:00", "2026-12-06 10:00:00Z"):
        bad = tmp_path / "bad.jsonl"
        bad.unlink(missing_ok=True)
        _append_by_hand(bad, step=1, by="Anne Andersen", at=at)
        records, problems = read_confirmations(bad)
        assert not records and [f.code for f in problems] == ["CONFIRMATIONS_TAMPERED"], at
        assert "\x1b" not in problems[0].message and "\u009b" not in problems[0].message
