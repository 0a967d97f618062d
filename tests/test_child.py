"""The child process of ``ngdpkit run`` (ngdpkit.run.child): it starts its kernel before it
imports the run's machinery, and it receives the parent's findings across environments
after the word ``go``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, children_of, one_certificate_for_both, run_cli, waiting_child


def test_the_child_module_imports_nothing_heavy_before_its_kernel_starts() -> None:
    """What ``run.child`` imports at the top sits in front of the kernel's start on every run:
    none of the run's machinery, the steps, the notebook libraries or pandas."""
    heavy = (
        "pandas",
        "papermill",
        "nbformat",
        "cryptography",
        "ngdpkit.steps",
        "ngdpkit.run.environment",
        "ngdpkit.inputs.workbooks",
    )
    # as the child process imports it: the package, the command line, then the module
    code = (
        "import sys, ngdpkit.cli, ngdpkit.run.child; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert r.stdout.strip() == "[]"


def test_the_first_kernel_is_warmed_for_the_first_notebook() -> None:
    from ngdpkit.run.kernels import FIRST_STEP, WARM_IMPORTS
    from ngdpkit.steps import STEP_NAMES

    assert FIRST_STEP == STEP_NAMES[0] and FIRST_STEP in WARM_IMPORTS


def test_go_carries_the_findings_as_one_json_line() -> None:
    from ngdpkit import findings as F
    from ngdpkit.run.child import GO, go_lines

    said = go_lines(
        [
            F.error(
                "CERT_REUSED_ACROSS_ENVIRONMENTS",
                "{values}",
                "certificate",
                values="test\nand production",
            )
        ]
    )
    word, line, rest = said.split("\n")
    assert word == GO and rest == ""
    assert json.loads(line)[0]["code"] == "CERT_REUSED_ACROSS_ENVIRONMENTS"


def test_a_run_carries_the_parents_findings_across_environments(sample_copy: Path) -> None:
    """The parent reads every environment's certificate while the child boots; a certificate
    used by two environments reaches the run's own findings, through the child's stdin."""
    settings = one_certificate_for_both(sample_copy)
    r = run_cli(
        "run", "--settings", str(settings), "--env", "test", "--out", str(sample_copy / "r")
    )
    assert r.returncode == 1, r.stdout + r.stderr
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    found = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert [f["severity"] for f in found if f["code"] == "CERT_REUSED_ACROSS_ENVIRONMENTS"] == [
        "error"
    ]


def _told(sample: Path, out: Path, lines: str) -> tuple[int, str]:
    """A child started by the parent's own ``Children`` while it checks the input
    (``--wait``), told ``lines`` on its stdin and then nothing more: (its exit code, what it
    said)."""
    said: list[str] = []
    children = waiting_child(sample, out, said)
    proc = children.procs["test"]
    assert proc.stdin is not None
    proc.stdin.write(lines)
    proc.stdin.close()
    code = proc.wait(timeout=120)
    for th in children.threads:
        th.join(timeout=5)
    return code, "\n".join(said)


def test_go_without_its_findings_line_is_a_parent_gone(sample_copy: Path, tmp_path: Path) -> None:
    """The word arrives but the findings do not (the parent died mid-sentence): the child
    ends its kernel and exits without a run folder, rather than run without a finding the
    parent may have made (a reused certificate is an error)."""
    out = tmp_path / "runs"
    out.mkdir()
    code, said = _told(sample_copy, out, "go\n")
    assert code == 0, said
    assert list(out.iterdir()) == [], said


def test_a_malformed_findings_line_is_one_line_and_no_folder(
    sample_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "runs"
    out.mkdir()
    code, said = _told(sample_copy, out, "go\nnot json\n")
    assert code == 3, said
    assert "Traceback" not in said and "JSONDecodeError" in said
    assert list(out.iterdir()) == [], said


def test_a_refusal_heard_while_the_child_imports_ends_its_kernel_and_sockets(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent refuses the input (ends the child's stdin) as soon as the child's kernel
    has started, while the child is still importing the run's machinery: the child ends
    there, its kernel ended and its sockets' folder removed, with exit 0, no run folder and
    nothing said."""
    import os
    import time

    sockets = tmp_path / "tmp"  # the child's tempfile folder: where its kernels' sockets go
    sockets.mkdir()
    monkeypatch.setenv("TMPDIR", str(sockets))
    out = tmp_path / "runs"
    out.mkdir()
    said: list[str] = []
    children = waiting_child(sample_copy, out, said)
    proc = children.procs["test"]
    deadline = time.monotonic() + 60
    while not list(sockets.glob("ngdpkit-k-*/*")) and time.monotonic() < deadline:
        time.sleep(0.01)  # the kernel's connection file: it has been started
    kernels = children_of(proc.pid) if os.path.exists("/proc/self/stat") else []
    children.stop()
    assert proc.returncode == 0, said
    assert list(out.iterdir()) == [] and said == []
    assert list(sockets.iterdir()) == []
    assert not [k for k in kernels if Path(f"/proc/{k}").exists()]


def test_a_stdin_that_cannot_be_read_is_a_refusal_not_a_wait() -> None:
    """Reading the parent's word fails in a way no one foresaw (here a RuntimeError): the
    child takes it as a parent it cannot hear and ends, rather than wait for a word forever
    with its kernel up."""
    script = (
        "import sys\n"
        "from ngdpkit.run.child import Listener\n"
        "from ngdpkit.run.kernels import Kernels\n"
        "class Broken:\n"
        "    def readline(self):\n"
        "        raise RuntimeError('unreadable')\n"
        "sys.stdin = Broken()\n"
        "listener = Listener(Kernels(), None)\n"
        "listener.start()\n"
        "listener.wait()\n"
        "import time; time.sleep(30)\n"  # the listener ends the process before this ends
        "sys.exit(7)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
