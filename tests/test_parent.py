"""The parent of ``ngdpkit run`` (ngdpkit.run.parent): how it tells a Ctrl-C that came as
its children ended. Each test starts a real child process (a small Python script standing
in for the kit's ``_run-environment``) and interrupts this process with a real SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.run.folder import INTERRUPTED, LATEST
from ngdpkit.run.parent import CHILD_MARK, Children
from tests.conftest import sigint_default

# the child: copies a finished run's folder into place (a real one: sealed, its trail ending
# with run_finished), says the folder, marks it LATEST when asked, says its last line, then
# lingers as a child still logging its summary; Ctrl-C then ends it with 130. With "plant",
# the folder holds only a findings.json saying "ok" (a reviewer's second look: a LATEST and a
# findings.json written into a run that was still going)
CHILD = """
import json, pathlib, shutil, signal, sys, time
signal.signal(signal.SIGINT, lambda *a: sys.exit(130))
source, folder, latest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3] == "1"
if sys.argv[5] == "plant":
    folder.mkdir(parents=True)
    (folder / "findings.json").write_text(json.dumps({"status": "ok"}), encoding="utf-8")
else:
    shutil.copytree(source, folder)
print(sys.argv[4] + str(folder), flush=True)
if latest:
    (folder.parent / "LATEST").write_text(folder.name + "\\n", encoding="utf-8")
print("test: 0 fejl, 4 advarsler", flush=True)
time.sleep(30)
"""


def _interrupted_as(
    tmp_path: Path, finished: Path, *, latest: bool, plant: bool = False
) -> tuple[int, list[Path], list[str], Path]:
    """Start one child, interrupt this process once the child has said its last line, and
    return what ``Children.wait`` gives, the lines echoed and the run folder."""
    folder = tmp_path / "runs" / "test" / finished.name
    said: list[str] = []
    last = threading.Event()

    def echo(line: str) -> None:
        said.append(line)
        if "advarsler" in line:
            last.set()

    children = Children(Any, ["test"], tmp_path, False, False, None, echo)  # type: ignore[arg-type]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(finished),
            str(folder),
            "1" if latest else "0",
            CHILD_MARK,
            "plant" if plant else "copy",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        preexec_fn=sigint_default,
    )
    children.procs["test"] = proc
    pump = threading.Thread(target=children.pump, args=("test", proc), daemon=True)
    pump.start()
    children.threads.append(pump)

    def interrupt() -> None:
        if last.wait(30):
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    try:
        code, folders = children.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, folders, said, folder


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child is POSIX")
def test_a_run_that_became_latest_as_ctrl_c_came_is_told_as_it_ended(
    tmp_path: Path, ctrl_c_armed: None, sample_run: dict[str, Any]
) -> None:
    """A consultant's cold run: Ctrl-C at the very end of ``run`` gave exit 130 and no line
    (not even the run folder's), while the run was LATEST, its trail saying it finished. A
    child whose run was sealed and marked LATEST before the interruption finished: the exit
    code its trail records (0), every line it said, and no INTERRUPTED mark left in its
    sealed folder."""
    code, folders, said, folder = _interrupted_as(tmp_path, sample_run["run_dir"], latest=True)
    assert code == 0 and folders == [folder], (code, said)
    assert "test: 0 fejl, 4 advarsler" in said
    assert not (folder / INTERRUPTED).exists()
    assert (folder.parent / LATEST).read_text(encoding="utf-8").strip() == folder.name


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child is POSIX")
def test_a_run_not_yet_latest_is_interrupted(
    tmp_path: Path, ctrl_c_armed: None, sample_run: dict[str, Any]
) -> None:
    """The same Ctrl-C before the run was marked LATEST: 130, and the run stays marked
    interrupted (it never becomes LATEST)."""
    code, folders, said, folder = _interrupted_as(tmp_path, sample_run["run_dir"], latest=False)
    assert code == 130 and folders == [folder], (code, said)
    assert (folder / INTERRUPTED).is_file()
    assert not (folder.parent / LATEST).exists()


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child is POSIX")
def test_a_planted_latest_never_makes_an_interrupted_run_finished(
    tmp_path: Path, ctrl_c_armed: None, sample_run: dict[str, Any]
) -> None:
    """A reviewer's second look: a LATEST naming the run and a findings.json saying "ok",
    written into a run that was still going, made the interrupted run exit 0. Only a sealed
    folder whose trail holds and records its end counts as finished."""
    code, _, said, folder = _interrupted_as(
        tmp_path, sample_run["run_dir"], latest=True, plant=True
    )
    assert code == 130, (code, said)
    assert (folder / INTERRUPTED).is_file()
    assert json.loads((folder / "findings.json").read_text(encoding="utf-8")) == {"status": "ok"}


def test_ctrl_c_at_the_password_prompt_says_nothing_began_and_leaves_no_folder(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A consultant's Ctrl-C at the password prompt was told only "interrupted", and the new
    output folder stayed behind, empty. The prompt is the real one (getpass, on a terminal);
    only the keys pressed are stood in for: Ctrl-C in getpass raises KeyboardInterrupt."""
    import getpass

    from ngdpkit.run.parent import NOT_BEGUN, run

    env_file = sample_copy / "sample.env"
    kept = [
        line
        for line in env_file.read_text(encoding="utf-8").splitlines()
        if not line.startswith("NGDPKIT_TEST_CERT_PASSWORD")
    ]
    env_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    monkeypatch.delenv("NGDPKIT_TEST_CERT_PASSWORD", raising=False)
    asked: list[str] = []

    def ctrl_c(prompt: str) -> str:
        asked.append(prompt)
        raise KeyboardInterrupt

    monkeypatch.setattr(getpass, "getpass", ctrl_c)
    monkeypatch.setattr("sys.stdin", type("T", (), {"isatty": lambda self: True})())
    out = tmp_path / "new-runs"
    with pytest.raises(KeyboardInterrupt) as stopped:
        run(sample_copy / "migration.toml", ["test"], out=out, online=False, pdf=False)
    assert asked and str(stopped.value) == NOT_BEGUN
    assert not out.exists()


def test_an_interruption_before_any_run_began_is_told_in_one_line(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ngdpkit.run import parent
    from tests.conftest import cli

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt(parent.NOT_BEGUN)

    monkeypatch.setattr(parent, "run", interrupted)
    r = cli("run", "--settings", str(sample_dir / "migration.toml"), "--env", "test")
    assert r.returncode == 130
    assert r.stderr.strip().endswith("interrupted: " + parent.NOT_BEGUN)
    assert len(r.stderr.strip().splitlines()) == 1
