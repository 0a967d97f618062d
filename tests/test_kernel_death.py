"""A kernel that dies while a notebook runs (the out-of-memory killer on a consultant's laptop,
a crash of Python itself): the run ends that notebook as crashed with one line naming the
cause and what to do, seals its folder and exits 3. It waited forever before: the run's
client blocks, and nbclient waits for a cell's outputs without a timeout. Also the loose ends
between notebooks: a kernel that dies while the run resets its session for the next notebook
crashes that notebook (not the kit), and a kernel started again after the first died while it
started is ended with the run when a notebook fails in it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ngdpkit.secrets import read_dotenv
from tests.conftest import REPO, cli, kernel_spec, sigint_default

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# How a cell's kernel dies, and the cause the run names for it
DEATHS = {
    "killed": (
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
        "(killed by signal 9: out of memory?)",
    ),
    # Python's own fatal error, as a crash in a C extension prints it to the kernel's stderr;
    # what it quotes holds the certificate's password, which never reaches the console
    "fatal": (
        "import ctypes, os\n"
        "ctypes.pythonapi.Py_FatalError(('planted ' + os.environ['NGDPKIT_TEST_CERT_PASSWORD'])"
        ".encode())",
        "(killed by signal 6; it said: Fatal Python error: planted ",
    ),
}


def planted(tmp_path: Path, step: str, code: str) -> Path:
    """A customised notebook folder whose ``step`` has ``code`` as its fifth cell."""
    folder = tmp_path / "nb"
    folder.mkdir()
    nb = json.loads((REPO / "notebooks" / f"{step}.ipynb").read_text(encoding="utf-8"))
    cell = {"cell_type": "code", "id": "planted", "metadata": {}, "execution_count": None}
    nb["cells"].insert(4, {**cell, "outputs": [], "source": code})
    (folder / f"{step}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return folder


def dying_notebooks(tmp_path: Path, code: str) -> Path:
    """A customised notebook folder whose 03_certificate has ``code`` as its fifth cell."""
    return planted(tmp_path, "03_certificate", code)


def run_or_fail(
    sample: Path, notebooks: Path, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """``ngdpkit run`` in a child process of its own session; a run that hangs fails the test
    (its whole process group killed), not the suite."""
    args = ["run", "--settings", str(sample / "migration.toml"), "--env", "test"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ngdpkit", *args, "--notebooks", str(notebooks)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {}), "PYTHONIOENCODING": "utf-8"},
        start_new_session=True,
        preexec_fn=sigint_default,
    )
    try:
        out, _ = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail("the run hung:\n" + out)
    return proc.returncode, out


@pytest.mark.parametrize("death", sorted(DEATHS))
def test_a_kernel_that_dies_in_a_cell_crashes_the_notebook(
    sample_copy: Path, tmp_path: Path, death: str
) -> None:
    code, cause = DEATHS[death]
    returncode, out = run_or_fail(sample_copy, dying_notebooks(tmp_path, code))
    assert returncode == 3, out
    said = [x for x in out.splitlines() if "03_certificate crashed:" in x]
    assert len(said) == 1, out
    assert said[0].startswith(
        "  03_certificate crashed: the notebook kernel ended while it ran " + cause
    ), said
    assert said[0].endswith(
        "Close other programs to free memory (or use a machine with more), then run again; "
        "if it ends again, send the support bundle (ngdpkit bundle)"
    )
    # nbclient's own log line and no traceback: the one line is the word
    assert "Kernel died" not in out and "Traceback" not in out
    password = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    trail = (run_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert password not in out and password not in trail
    steps = [json.loads(x) for x in trail.splitlines() if '"step"' in x]
    assert steps[-1]["step"] == "03_certificate" and steps[-1]["status"] == "crashed"
    assert steps[-1]["error"] == said[0].split("crashed: ", 1)[1]
    # closed and sealed as any crashed notebook: its page, the status, an intact trail
    page = (run_dir / "signoff" / "03_certificate.html").read_text(encoding="utf-8")
    assert "DeadKernelError: the notebook kernel ended while it ran " + cause in page
    assert password not in page
    assert not (run_dir / "notebooks" / "04_system_and_network.ipynb").exists()
    assert json.loads((run_dir / "findings.json").read_text())["status"] == "crashed"
    assert cli("audit", "verify", str(run_dir)).returncode == 0


# An object whose end kills its kernel: the fresh session before the next notebook ends it
# (what it calls is bound when it is made: the namespace it names them in is being cleared)
DIES_ON_RESET = """\
import os, signal
class Dies:
    def __del__(self, kill=os.kill, pid=os.getpid(), sig=signal.SIGKILL):
        kill(pid, sig)
dies = Dies()
"""


def test_a_kernel_that_dies_between_notebooks_crashes_the_next_notebook(
    sample_copy: Path, tmp_path: Path
) -> None:
    returncode, out = run_or_fail(sample_copy, planted(tmp_path, "03_certificate", DIES_ON_RESET))
    assert returncode == 3, out
    assert "brød ned" not in out and "Traceback" not in out, out
    said = [x for x in out.splitlines() if "crashed:" in x]
    assert said == [
        "  04_system_and_network crashed: the notebook kernel ended while it ran (killed by "
        "signal 9: out of memory?). Close other programs to free memory (or use a machine "
        "with more), then run again; if it ends again, send the support bundle (ngdpkit bundle)"
    ], out
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    trail = (run_dir / "audit.jsonl").read_text(encoding="utf-8")
    steps = [json.loads(x) for x in trail.splitlines() if '"step"' in x]
    assert [s["status"] for s in steps][-1] == "crashed"
    assert steps[-1]["step"] == "04_system_and_network"
    assert steps[-1]["error"] == said[0].split("crashed: ", 1)[1]
    assert steps[-2]["step"] == "03_certificate" and steps[-2]["status"] != "crashed"
    assert json.loads((run_dir / "findings.json").read_text())["status"] == "crashed"
    assert cli("audit", "verify", str(run_dir)).returncode == 0


# The first start ends at once (as a kernel that cannot start); the second writes its process
# id and starts without the parent's id, so that only the run can end it (ipykernel otherwise
# ends itself once the run's process has gone)
STARTS_SECOND_TIME = """\
import os, pathlib
marker = pathlib.Path({marker!r})
if not marker.exists():
    marker.write_text("x")
    raise ModuleNotFoundError("No module named 'planted'")
pathlib.Path({pidfile!r}).write_text(str(os.getpid()))
os.environ.pop("JPY_PARENT_PID", None)
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_kernel_started_again_is_ended_when_its_notebook_fails(
    sample_copy: Path, tmp_path: Path
) -> None:
    pidfile = tmp_path / "kernel.pid"
    starter = STARTS_SECOND_TIME.format(marker=str(tmp_path / "started"), pidfile=str(pidfile))
    env = kernel_spec(tmp_path / "spec", starter)
    notebooks = planted(tmp_path, "01_mailboxes", "raise ValueError('planted')")
    returncode, out = run_or_fail(sample_copy, notebooks, env)
    pid = int(pidfile.read_text())
    try:
        assert returncode == 3, out
        assert "01_mailboxes: the kernel did not start; starting another." in out
        assert "  01_mailboxes crashed: ValueError: planted" in out.splitlines(), out
        assert not _alive(pid), "the second kernel was left running"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
