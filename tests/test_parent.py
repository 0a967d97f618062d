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

# the child: says its run folder, finishes its run (LATEST names it when asked to), says
# so, then lingers as a child still logging its summary; Ctrl-C then ends it with 130
CHILD = """
import json, pathlib, signal, sys, time
signal.signal(signal.SIGINT, lambda *a: sys.exit(130))
folder, latest = pathlib.Path(sys.argv[1]), sys.argv[2] == "1"
folder.mkdir(parents=True)
print(sys.argv[3] + str(folder), flush=True)
(folder / "findings.json").write_text(json.dumps({"status": "warnings"}), encoding="utf-8")
if latest:
    (folder.parent / "LATEST").write_text(folder.name + "\\n", encoding="utf-8")
print("test: 0 fejl, 4 advarsler", flush=True)
time.sleep(30)
"""


def _interrupted_as(tmp_path: Path, *, latest: bool) -> tuple[int, list[Path], list[str], Path]:
    """Start one child, interrupt this process once the child has said its last line, and
    return what ``Children.wait`` gives, the lines echoed and the run folder."""
    folder = tmp_path / "runs" / "test" / "20261206T203310Z-45f31d"
    said: list[str] = []
    last = threading.Event()

    def echo(line: str) -> None:
        said.append(line)
        if "advarsler" in line:
            last.set()

    children = Children(Any, ["test"], tmp_path, False, False, None, echo)  # type: ignore[arg-type]
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), "1" if latest else "0", CHILD_MARK],
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
    tmp_path: Path, ctrl_c_armed: None
) -> None:
    """A consultant's cold run: Ctrl-C at the very end of ``run`` gave exit 130 and no line
    (not even the run folder's), while the run was LATEST, its trail saying it finished. A
    child whose run was marked LATEST before the interruption finished: the run's own exit
    code (its findings: warnings, 0), every line it said, and no INTERRUPTED mark left in
    its sealed folder."""
    code, folders, said, folder = _interrupted_as(tmp_path, latest=True)
    assert code == 0 and folders == [folder], (code, said)
    assert "test: 0 fejl, 4 advarsler" in said
    assert not (folder / INTERRUPTED).exists()
    assert (folder.parent / LATEST).read_text(encoding="utf-8").strip() == folder.name


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child is POSIX")
def test_a_run_not_yet_latest_is_interrupted(tmp_path: Path, ctrl_c_armed: None) -> None:
    """The same Ctrl-C before the run was marked LATEST: 130, and the run stays marked
    interrupted (it never becomes LATEST)."""
    code, folders, said, folder = _interrupted_as(tmp_path, latest=False)
    assert code == 130 and folders == [folder], (code, said)
    assert (folder / INTERRUPTED).is_file()
    assert not (folder.parent / LATEST).exists()
    assert json.loads((folder / "findings.json").read_text(encoding="utf-8"))
