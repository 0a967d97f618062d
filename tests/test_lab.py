"""A JupyterLab session (contract §12.7): it writes only inside ``<out>/<env>/lab/``,
rehearsals included, nothing from there reaches a signed document, and ``NGDPKIT_ENV``
picks the environment of every notebook of the session (and of no run)."""

from __future__ import annotations

from pathlib import Path

import pytest

import ngdpkit as nk
from ngdpkit.errors import InputError
from tests.conftest import run_cli


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_a_lab_rehearsal_stays_in_lab_and_never_reaches_a_signed_run(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NGDPKIT_ENV", raising=False)
    settings = str(sample_copy / "migration.toml")
    before = _files(sample_copy)
    step = nk.start_step("06_rehearsal", settings=settings, environment="test", run_dir="")
    step.quiet = True
    acceptance = nk.run_rehearsal(step)
    lab = sample_copy / "runs" / "test" / "lab"
    written = _files(sample_copy) - before
    assert written, "the rehearsal wrote nothing"
    outside = sorted(str(p.relative_to(sample_copy)) for p in written if lab not in p.parents)
    assert outside == []
    folder = next((lab / "rehearsals" / "test").glob("*-rehearsal-*"))
    assert (folder / "NOT-FOR-SIGNOFF.txt").is_file()
    assert acceptance["environment"] == "test"
    # the signed run that follows does not take it as its acceptance test
    r = run_cli("run", "--settings", settings, "--env", "test")
    assert r.returncode in (0, 1), r.stderr
    run_dir = next(
        p for p in (sample_copy / "runs" / "test").glob("2*") if "rehearsal" not in p.name
    )
    page = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "rehearsal" not in page.split("<body", 1)[1].lower().replace("rehearsal-", "")
    assert "lab/" not in page
    import json

    checklist = json.loads((run_dir / "checklist.json").read_text())
    assert next(row for row in checklist if row["step"] == 8)["status"] != "done"


def test_a_rehearsal_folder_marked_lab_is_never_the_newest_rehearsal(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: even moved beside the run folders, a lab rehearsal does not count."""
    import shutil

    from ngdpkit.run.neighbours import latest_rehearsal

    monkeypatch.delenv("NGDPKIT_ENV", raising=False)
    step = nk.start_step(
        "06_rehearsal", settings=str(sample_copy / "migration.toml"), environment="test"
    )
    step.quiet = True
    nk.run_rehearsal(step)
    lab_folder = next((sample_copy / "runs" / "test" / "lab" / "rehearsals" / "test").glob("*"))
    env_dir = sample_copy / "runs" / "test"
    shutil.move(str(lab_folder), env_dir / lab_folder.name)
    assert latest_rehearsal(env_dir) is None


def test_ngdpkit_env_picks_the_environment_of_a_lab_session_only(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = str(sample_copy / "migration.toml")
    monkeypatch.setenv("NGDPKIT_ENV", "production")
    step = nk.start_step("01_mailboxes", settings=settings, environment="test", run_dir="")
    assert step.env.name == "production"
    assert step.run_dir == sample_copy / "runs" / "production" / "lab"
    assert "NGDPKIT_ENV" in nk.header(step).html
    # a run (papermill sets run_dir) always takes its own parameter
    run = nk.start_step(
        "01_mailboxes", settings=settings, environment="test", run_dir=str(tmp_path / "run")
    )
    assert run.env.name == "test"
    # a notebook whose parameter was changed by hand keeps it
    assert (
        nk.start_step("01_mailboxes", settings=settings, environment="production").env.name
        == "production"
    )
    monkeypatch.setenv("NGDPKIT_ENV", "prod")
    with pytest.raises(InputError, match="NGDPKIT_ENV='prod' names no environment"):
        nk.start_step("01_mailboxes", settings=settings, environment="test", run_dir="")
