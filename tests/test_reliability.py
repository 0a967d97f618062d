"""What is left when the machine does not cooperate: two runs of one environment at once (a
CI job and a consultant), a disk with no room left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ngdpkit.run.folder import LATEST, RunFolder, newer_latest
from tests.conftest import run_cli
from tests.test_run import notebooks_with, run_in_step_2


def test_the_older_run_finishing_last_does_not_take_latest_back(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A reliability engineer's look: run A began, run B began and finished, then A finished
    and ``LATEST`` named A, the run that read the older inputs, while every later run
    compared itself with B (the newest by its name). A waits on a file the test creates
    after B has finished: no timing decides the order."""
    gate = tmp_path / "go"
    code = (
        "import pathlib, time\n"
        f"for _ in range(6000):\n    if pathlib.Path({str(gate)!r}).exists(): break\n"
        "    time.sleep(0.05)\n"
    )
    held = notebooks_with(tmp_path, "02_contact_points", code)
    settings = str(sample_copy / "migration.toml")
    first = run_in_step_2(sample_copy, held)
    try:
        older = next((sample_copy / "runs" / "test").glob("2*"))
        second = run_cli("run", "--settings", settings, "--env", "test", timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
        newer = (sample_copy / "runs" / "test" / LATEST).read_text().strip()
        assert newer != older.name
        gate.touch()
        rest = first.stdout.read()
        assert first.wait(timeout=300) == 0, rest
    finally:
        gate.touch()
        if first.poll() is None:
            first.kill()
            first.wait(timeout=30)
    assert not (older / "INCOMPLETE").exists()  # A finished, sealed
    assert json.loads((older / "manifest.json").read_text())
    assert (sample_copy / "runs" / "test" / LATEST).read_text().strip() == newer
    said = f"test: {older.name} blev ikke LATEST: kørslen {newer}, som begyndte senere"
    assert said in rest, rest


def _finished(env_dir: Path, name: str) -> RunFolder:
    path = env_dir / name
    path.mkdir(parents=True)
    return RunFolder(path)


def test_latest_moves_back_only_past_what_is_no_finished_run(tmp_path: Path) -> None:
    """``LATEST`` naming a later run holds only while that run is a finished folder there:
    one moved aside, still marked INCOMPLETE, a link, or named in the future (planted to
    freeze ``LATEST``) gives way."""
    env_dir = tmp_path / "test"
    old = _finished(env_dir, "20261201T100000Z-aaaaaa")
    new = _finished(env_dir, "20261201T100005Z-bbbbbb")
    assert new.mark_latest() and not old.mark_latest()
    assert (env_dir / LATEST).read_text() == new.path.name + "\n"
    assert newer_latest(old.path) == new.path.name
    (new.path / "INCOMPLETE").write_text("x", encoding="utf-8")
    assert newer_latest(old.path) == ""
    (new.path / "INCOMPLETE").unlink()
    new.path.rename(tmp_path / "aside")
    assert old.mark_latest() and (env_dir / LATEST).read_text() == old.path.name + "\n"
    future = _finished(env_dir, "29991231T000000Z-cccccc")
    (env_dir / LATEST).write_text(future.path.name + "\n", encoding="utf-8")
    assert old.mark_latest() and (env_dir / LATEST).read_text() == old.path.name + "\n"
    (env_dir / "20261201T100009Z-dddddd").symlink_to(tmp_path / "aside")
    (env_dir / LATEST).write_text("20261201T100009Z-dddddd\n", encoding="utf-8")
    assert old.mark_latest()


def _no_room() -> None:
    """For ``Popen(preexec_fn=…)``: no file of the child may grow past 12,000 bytes (EFBIG,
    as a full disk's ENOSPC, without a disk to fill): the notebook of step 01 is larger."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (12000, 12000))


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_disk_with_no_room_is_said_and_leaves_no_half_written_notebook(
    sample_copy: Path,
) -> None:
    """A consultant's laptop filled its disk: papermill left a step's notebook half-written,
    the kit crashed reading it back and said "NotJSONError: Notebook does not appear to be
    JSON", which hid the cause and the remedy. The half-written notebook is removed, the
    cause is said with what to do, and the next run goes on."""
    settings = str(sample_copy / "migration.toml")
    r = subprocess.run(
        [sys.executable, "-m", "ngdpkit", "run", "--settings", settings, "--env", "test"],
        preexec_fn=_no_room,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )
    out = r.stdout + r.stderr
    assert r.returncode == 3, out
    assert "NotJSONError" not in out and "Traceback" not in out, out
    assert "File too large" in out, out
    assert "der er ikke plads på disken til" in out and "frigør plads" in out, out
    folder = next((sample_copy / "runs" / "test").glob("2*"))
    assert (folder / "INCOMPLETE").exists()
    for nb in (folder / "notebooks").glob("*.ipynb"):
        json.loads(nb.read_text(encoding="utf-8"))  # whole, or not there
    assert not (sample_copy / "runs" / "test" / LATEST).exists()
    again = run_cli("run", "--settings", settings, "--env", "test")
    assert again.returncode == 0, again.stdout + again.stderr
    latest = (sample_copy / "runs" / "test" / LATEST).read_text().strip()
    assert latest != folder.name


def test_a_run_finished_while_a_later_run_holds_latest_is_not_taken_for_interrupted(
    sample_run_copy: Path,
) -> None:
    """A hostile look at LATEST moving only forward: a run that finished and sealed while a
    run begun later already held LATEST was read as unfinished by the parent when a Ctrl-C
    came just before it exited (it asked that LATEST name it): marked INTERRUPTED, exit 130.
    A later run holding LATEST is its own evidence; a LATEST naming no such run is not."""
    import datetime as dt
    import shutil

    from ngdpkit.run.parent import _finished_before

    runs = sample_run_copy / "runs" / "test"
    finished = runs / (runs / LATEST).read_text(encoding="utf-8").strip()
    assert _finished_before(finished) in (0, 1)
    stamp = f"{dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60):%Y%m%dT%H%M%SZ}"
    assert stamp > finished.name[:16]
    later = runs / f"{stamp}-0a1b2c"
    shutil.copytree(finished, later)
    (runs / LATEST).write_text(later.name + "\n", encoding="utf-8")
    assert _finished_before(finished) in (0, 1)
    # a LATEST naming a folder that is not there (or one marked INCOMPLETE) is no such run
    (runs / LATEST).write_text(f"{stamp}-ffffff\n", encoding="utf-8")
    assert _finished_before(finished) is None
    (runs / LATEST).write_text(later.name + "\n", encoding="utf-8")
    (later / "INCOMPLETE").write_text("", encoding="utf-8")
    assert _finished_before(finished) is None
