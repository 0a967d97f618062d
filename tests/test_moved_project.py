"""A project folder that travels to a second consultant: committed to git and cloned on
Windows (core.autocrlf=true writes CRLF into every text file), where the run folders must
either still verify or say why they do not and where their own bytes are."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ngdpkit.run.folder import GITATTRIBUTES, keep_line_ends
from tests.conftest import cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(*args: str, cwd: Path) -> None:
    """git as a Windows laptop runs it: core.autocrlf=true, no user or system settings."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(
        ["git", "-c", "core.autocrlf=true", "-c", "user.name=a", "-c", "user.email=a@example.org"]
        + list(args),
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
    )


def committed_and_cloned(project: Path, clone: Path) -> Path:
    """``project`` with its runs (which the sample's .gitignore leaves out) committed, and
    cloned to ``clone``."""
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("add", "-f", "runs", cwd=project)
    git("commit", "-qm", "week two", cwd=project)
    git("clone", "-q", str(project), str(clone), cwd=project.parent)
    return clone


def test_the_runs_folder_keeps_git_from_changing_line_ends(
    sample_run_copy: Path, tmp_path: Path
) -> None:
    attributes = sample_run_copy / "runs" / GITATTRIBUTES
    assert attributes.read_text(encoding="utf-8").splitlines()[-1] == "* -text"
    clone = committed_and_cloned(sample_run_copy, tmp_path / "clone")
    said = cli("audit", "verify", str(clone / "runs" / "test" / "LATEST"))
    assert said.returncode == 0, said.stdout + said.stderr
    assert said.stdout.startswith("intact: ")


def test_a_run_whose_line_ends_git_changed_says_why_and_where_its_bytes_are(
    sample_run_copy: Path, tmp_path: Path
) -> None:
    (sample_run_copy / "runs" / GITATTRIBUTES).unlink()  # a project from before the kit wrote it
    clone = committed_and_cloned(sample_run_copy, tmp_path / "clone")
    run = clone / "runs" / "test" / "LATEST"
    said = cli("audit", "verify", str(run))
    assert said.returncode == 1
    lines = said.stdout.splitlines()
    assert lines[0].startswith("NOT INTACT: every changed file (")
    assert "only in line ends" in lines[0] and "core.autocrlf" in lines[0]
    assert "support bundle" in lines[0] and '"* -text"' in lines[0]
    assert any(line.startswith("NOT INTACT: changed file: findings.json") for line in lines)
    status = cli("status", str(clone / "migration.toml"))
    assert "does not verify: every changed file (1) differs" in status.stdout


def test_a_file_edited_by_hand_is_not_blamed_on_line_ends(sample_run_copy: Path) -> None:
    run = sample_run_copy / "runs" / "test"
    run /= (run / "LATEST").read_text(encoding="utf-8").strip()
    findings = run / "findings.json"
    findings.write_bytes(findings.read_bytes().replace(b"\n", b"\r\n").replace(b"warning", b"info"))
    said = cli("audit", "verify", str(run))
    assert said.returncode == 1
    assert "line ends" not in said.stdout
    assert "NOT INTACT: changed file: findings.json" in said.stdout


def test_some_files_with_other_line_ends_are_counted(sample_run_copy: Path) -> None:
    run = sample_run_copy / "runs" / "test"
    run /= (run / "LATEST").read_text(encoding="utf-8").strip()
    for name, edit in (("findings.json", False), ("checklist.json", True)):
        data = (run / name).read_bytes().replace(b"\n", b"\r\n")
        (run / name).write_bytes(data + b" " if edit else data)
    said = cli("audit", "verify", str(run))
    assert said.stdout.splitlines()[0].startswith("NOT INTACT: 1 of the 2 changed files differ")


def test_the_attributes_go_only_where_the_kit_keeps_folders(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "migration.toml").write_text("# the user's\n", encoding="utf-8")
    keep_line_ends(project, created=False)  # --out is the project's own folder
    assert not (project / GITATTRIBUTES).exists()
    runs = tmp_path / "runs"
    (runs / "test").mkdir(parents=True)
    (runs / GITATTRIBUTES).write_text("*.json text\n", encoding="utf-8")
    keep_line_ends(runs, created=False)
    assert (runs / GITATTRIBUTES).read_text(encoding="utf-8") == "*.json text\n"
    (runs / GITATTRIBUTES).unlink()
    keep_line_ends(runs, created=False)  # a runs/ from before: folders alone
    assert "* -text" in (runs / GITATTRIBUTES).read_text(encoding="utf-8")


def test_a_new_run_writes_the_attributes_into_an_old_runs_folder(sample_run_copy: Path) -> None:
    (sample_run_copy / "runs" / GITATTRIBUTES).unlink()
    said = cli("run", "--settings", str(sample_run_copy / "migration.toml"), "--env", "test")
    assert said.returncode == 0, said.stdout + said.stderr
    assert (sample_run_copy / "runs" / GITATTRIBUTES).is_file()


def test_a_large_changed_file_is_judged_a_piece_at_a_time(tmp_path: Path) -> None:
    """A changed file of 24 MB was read whole, and its LF and CRLF forms made beside it:
    some 150 MB held at once (1.5 GB for one at the 256 MB limit, per status row)."""
    import hashlib
    import tracemalloc

    from ngdpkit.run.audit import line_ends_only

    line = b'{"mailbox_id": "' + b"x" * 80 + b'"}\n'
    lf = line * (24 * 1024 * 1024 // len(line))
    path = tmp_path / "mailbox-mapping.csv"
    path.write_bytes(lf.replace(b"\n", b"\r\n"))
    digests = {hashlib.sha256(lf).hexdigest()}
    del lf
    tracemalloc.start()
    try:
        assert line_ends_only(path, digests)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    path.write_bytes(b"a\r\nb\r")  # a CR at the end, and one at a piece's edge
    assert line_ends_only(path, {hashlib.sha256(b"a\nb\r").hexdigest()})
    assert not line_ends_only(path, {hashlib.sha256(b"a\r\nb\r").hexdigest()})  # the file itself


def test_the_attributes_never_go_into_a_repository_folder(tmp_path: Path) -> None:
    """A hostile second look: ``--out .`` in a clone that holds folders alone got ``* -text``
    at the repository's top, which turns line-end conversion off for all its files; and a
    ``runs/`` Windows Explorer had shown (``desktop.ini``) got none."""
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    (clone / "inputs").mkdir()
    keep_line_ends(clone, created=False)
    assert not (clone / GITATTRIBUTES).exists()
    runs = tmp_path / "runs"
    (runs / "test").mkdir(parents=True)
    (runs / "desktop.ini").write_text("[.ShellClassInfo]\n", encoding="utf-8")
    keep_line_ends(runs, created=False)
    assert "* -text" in (runs / GITATTRIBUTES).read_text(encoding="utf-8")
