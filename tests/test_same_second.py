"""Folders made in one second are ordered as they were made, not by their random suffix: a
CI job that rehearses twice in a second had status, compare and the sign-off page name the
older rehearsal whenever its suffix sorted later (``<YYYYMMDDTHHMMSSZ>-<6 hex>``, contract
section 7). The order within a second comes from the ``at`` of the trail's first record."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from ngdpkit.run.neighbours import creation_order, latest_rehearsal, newest_first
from tests.conftest import cli
from tests.test_hostile import rewrite_chain


def renamed(folder: Path, name: str, *, later: dt.timedelta | None = None) -> Path:
    """``folder`` under ``name``, its trail written again as the kit writes one there (its
    ``run_id`` the new name, every hash and the manifest made anew), so that it verifies;
    with ``later``, its first record dated that much later."""
    target = folder.with_name(name)
    folder.rename(target)

    def change(rec: dict) -> None:
        if rec.get("run_id") == folder.name:
            rec["run_id"] = name
        if later is not None and rec.get("seq") == 0:
            at = dt.datetime.fromisoformat(rec["at"].replace("Z", "+00:00")) + later
            rec["at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    rewrite_chain(target, lambda rec: True, change)
    return target


def first_at(folder: Path) -> str:
    return json.loads((folder / "audit.jsonl").read_text().split("\n", 1)[0])["at"]


def test_rehearsals_comparisons_and_runs_of_one_second(sample_run_copy: Path) -> None:
    """Two rehearsals, two comparisons and two runs, each pair put in one second with the
    older one's suffix sorting later: status, the next run's page and its changes.json name
    the newer one of each."""
    toml = str(sample_run_copy / "migration.toml")
    env_dir = sample_run_copy / "runs" / "test"
    for _ in range(2):
        r = cli("rehearse", "--settings", toml, "--env", "test")
        assert r.returncode == 0, r.stdout + r.stderr
        r = cli("compare", "--settings", toml, "--from-inputs")
        assert r.returncode in (0, 1), r.stdout + r.stderr
    # made one after the other (two made in one second are told apart by their trails)
    old, new = sorted(env_dir.glob("*-rehearsal-*"), key=first_at)
    second = old.name[:16]
    old = renamed(old, f"{second}-rehearsal-ffffff")
    new = renamed(new, f"{second}-rehearsal-000000")
    old_cmp, new_cmp = sorted((sample_run_copy / "runs" / "compare").iterdir(), key=first_at)
    old_cmp = renamed(old_cmp, f"{old_cmp.name[:16]}-ffffff")
    new_cmp = renamed(new_cmp, f"{old_cmp.name[:16]}-000000")
    # the session's run and a second one begun half a second after it, in the same second
    (run,) = (p for p in env_dir.iterdir() if p.is_dir() and "rehearsal" not in p.name)
    shutil.copytree(run, env_dir / "copy")
    older_run = renamed(run, f"{run.name[:16]}-ffffff")
    newer_run = renamed(
        env_dir / "copy", f"{run.name[:16]}-000000", later=dt.timedelta(seconds=0.5)
    )
    (env_dir / "LATEST").unlink()  # lost: the newest finished run is found by its folder

    assert latest_rehearsal(env_dir) is not None
    assert latest_rehearsal(env_dir).path == new  # type: ignore[union-attr]
    assert newest_first([older_run, newer_run]) == [newer_run, older_run]

    r = cli("status", "--json", str(sample_run_copy))
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {row["environment"]: row for row in json.loads(r.stdout)["rows"]}
    assert rows["test"]["rehearsal"]["folder"] == new.name
    assert rows["test"]["comparison"]["folder"] == new_cmp.name
    assert rows["test"]["run"] == newer_run.name

    r = cli("run", "--settings", toml, "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    latest = env_dir / (env_dir / "LATEST").read_text().strip()
    changes = json.loads((latest / "changes.json").read_text(encoding="utf-8"))
    assert changes["previous"]["run"] == newer_run.name
    page = (latest / "signoff" / "index.html").read_text(encoding="utf-8")
    assert f"{new.name}/signoff/index.html" in page and old.name not in page
    assert new_cmp.name in page and old_cmp.name not in page


def begun(env_dir: Path, name: str) -> Path:
    """A folder begun the way the kit begins one: a trail whose first record names it."""
    from ngdpkit.run.folder import RunFolder

    (env_dir / name).mkdir(parents=True)
    folder = RunFolder(env_dir / name)
    folder.trail.append("run_started", environment="test", run_id=name)
    return folder.path


def test_the_run_that_began_later_in_the_same_second_stays_latest(tmp_path: Path) -> None:
    """Two CI jobs' runs of one second, the older finishing last: LATEST stays the newer."""
    from ngdpkit.run.folder import RunFolder, newer_latest

    env_dir = tmp_path / "runs" / "test"
    second = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    older = begun(env_dir, f"{second}-ffffff")
    newer = begun(env_dir, f"{second}-000000")
    assert RunFolder(newer).mark_latest()
    assert newer_latest(older) == newer.name
    assert not RunFolder(older).mark_latest()
    assert (env_dir / "LATEST").read_text().strip() == newer.name
    assert newer_latest(newer) == ""


def test_a_broken_or_lying_folder_never_wins_its_second(tmp_path: Path) -> None:
    """Within one second, a folder whose trail gives no time, or one its name contradicts
    (before the name's second, or long after it), is the oldest: never a crash, never a hang
    (a FIFO for a trail), never the newest by what it claims."""
    env_dir = tmp_path / "test"
    second = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    named = dt.datetime.strptime(second, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    genuine = begun(env_dir, f"{second}-000000")

    def planted(suffix: str, trail: str | None) -> Path:
        path = env_dir / f"{second}-{suffix}"
        path.mkdir()
        if trail is not None:
            (path / "audit.jsonl").write_text(trail)
        return path

    def record(at: object) -> str:
        return json.dumps({"seq": 0, "event": "run_started", "at": at}) + "\n"

    later = (named + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    before = (named - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lying = [
        planted("ffffff", record(later)),
        planted("fffffe", record(before)),
        planted("fffffd", record(12345)),
        planted("fffffc", record("9999-99-99T99:99:99Z")),
        planted("fffffb", "not json\n"),
        planted("fffffa", "[" * 100_000 + "\n"),
        planted("fffff9", "x" * (70 * 1024)),
        planted("fffff8", None),
    ]
    (lying[-1] / "audit.jsonl").mkdir()
    fifo = planted("fffff7", None)
    os.mkfifo(fifo / "audit.jsonl")
    lying.append(fifo)
    order = creation_order([*lying, genuine])
    assert order[-1] == genuine
    assert order[:-1] == sorted(lying)  # no time of their own: by their names
    assert newest_first([genuine, *lying])[0] == genuine
