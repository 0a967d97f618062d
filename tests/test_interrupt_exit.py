"""A Ctrl-C the kit caught ends the process with the kit's exit code, also when it was raised
inside ``exec()``'d text (a lazy import that builds a dataclass runs such text). CPython 3.11
marks such an interrupt as unhandled even when it is caught, and a process started as
``python -m`` then ended by SIGINT (-2 to a Python caller) instead of 130 or 0.

Each test starts a real Python process as a module, where one command's handler meets a
Ctrl-C inside ``exec()`` (the interpreter's state a Ctrl-C in a lazy import leaves), and reads
its exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sigint_default

# ``caught``: the kit's own handling (the command raises, ``main`` says 130); ``handled``: a
# command that catches the interrupt itself and returns 0, as ``simulate`` does when stopped
MODULE = """
import sys
from ngdpkit import cli

def caught(args):
    exec("raise KeyboardInterrupt")

def handled(args):
    try:
        exec("raise KeyboardInterrupt")
    except KeyboardInterrupt:
        return 0

cli.COMMANDS["sample"] = caught if sys.argv[1] == "caught" else handled
sys.exit(cli.main(["sample", sys.argv[2]]))
"""


@pytest.mark.parametrize(("how", "code"), [("caught", 130), ("handled", 0)])
def test_an_interrupt_inside_exec_text_keeps_the_kits_exit_code(
    tmp_path: Path, how: str, code: int
) -> None:
    (tmp_path / "interrupted_in_exec.py").write_text(MODULE, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "interrupted_in_exec", how, str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=sigint_default,
    )
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr
    if how == "caught":
        assert r.stderr.strip().endswith("interrupted")
