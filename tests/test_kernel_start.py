"""A kernel whose ports another program took before it bound them (the race of TCP ports picked
free by jupyter_client and bound later by the kernel: Windows, a busy CI runner): the run starts
one more kernel, on new ports, and says why; a kernel that cannot start twice ends the run with
one line naming the cause and what to do, not the kernel's traceback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli, kernel_spec

# The kernel's process as a real clash makes it: a listener on 127.0.0.1 holds the port the
# kernel is told to bind for its shell channel (over TCP, whatever transport the kit chose),
# and ipykernel then starts on it and fails as it does ("Address already in use"). With a
# marker file, only the first start meets the clash.
CLASH = """\
import json, pathlib, socket, sys
marker = pathlib.Path({marker!r})
cf = sys.argv[sys.argv.index("-f") + 1]
if {always!r} or not marker.exists():
    marker.write_text("x")
    info = json.loads(pathlib.Path(cf).read_text())
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    info.update(transport="tcp", ip="127.0.0.1", shell_port=squatter.getsockname()[1])
    info.update(iopub_port=0, stdin_port=0, control_port=0, hb_port=0)
    pathlib.Path(cf).write_text(json.dumps(info))
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def run_test(sample: Path, env: dict[str, str]) -> tuple[int, str]:
    """`ngdpkit run --env test` through the command line's ``main`` in this process, ``env``
    set meanwhile: its child and the child's kernels are processes as ever (what these tests
    are about); a parent process of its own only added ~1.3 CPU-s of start and imports."""
    r = cli("run", "--settings", str(sample / "migration.toml"), "--env", "test", env=env)
    return r.returncode, r.stdout + r.stderr


def test_ports_taken_once_a_second_kernel_runs_the_notebooks(
    sample_copy: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "clashed"
    env = kernel_spec(tmp_path, CLASH.format(marker=str(marker), always=False))
    code, out = run_test(sample_copy, env)
    assert marker.exists()
    assert code in (0, 1), out
    assert (
        "01_mailboxes: the kernel did not start; starting another. Cause: another program "
        "took its network ports (Address already in use)"
    ) in out
    # neither the kernel's traceback nor nbclient's log line about it reaches the console
    assert "Traceback" not in out and "ZMQError" not in out
    assert "Error occurred while starting new kernel client" not in out
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    assert len(list((run_dir / "notebooks").glob("*.ipynb"))) == 5


def test_ports_taken_twice_ends_the_run_with_one_line_to_act_on(
    sample_copy: Path, tmp_path: Path
) -> None:
    env = kernel_spec(tmp_path, CLASH.format(marker=str(tmp_path / "clashed"), always=True))
    code, out = run_test(sample_copy, env)
    assert code == 3, out
    assert "Traceback" not in out and "ZMQError" not in out
    assert "Error occurred while starting new kernel client" not in out
    said = [x for x in out.splitlines() if "01_mailboxes crashed:" in x]
    assert said == [
        "  01_mailboxes crashed: the notebook kernel did not start, twice: another program "
        "took its network ports (Address already in use). Close other Jupyter windows and "
        "ngdpkit runs on this machine (or wait for them to finish), then run again"
    ]
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    steps = [
        json.loads(x)
        for x in (run_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        if '"step"' in x
    ]
    assert steps[-1]["status"] == "crashed"
    assert steps[-1]["error"].startswith("the notebook kernel did not start, twice: another")


def test_a_kernel_that_cannot_start_is_named_by_its_own_error(
    sample_copy: Path, tmp_path: Path
) -> None:
    """Not a port: the kernel's own last error line, and what to check."""
    starter = "raise ModuleNotFoundError(\"No module named 'ipykernel'\")"
    code, out = run_test(sample_copy, kernel_spec(tmp_path, starter))
    assert code == 3, out
    assert "Traceback" not in out
    said = [x for x in out.splitlines() if "01_mailboxes crashed:" in x]
    assert said == [
        "  01_mailboxes crashed: the notebook kernel did not start, twice: it ended before it "
        "answered (ModuleNotFoundError: No module named 'ipykernel'). Check that this Python "
        "can start a Jupyter kernel (python -m ipykernel_launcher --help), install the kit "
        "again if it cannot, then run again"
    ]


# A kernel that prints a secret of its environment (the certificate's password) in its last
# error line, past the 200 characters the line is cut to: the secret is hidden before the cut
LEAKY = """\
import os, sys
secret = os.environ.get("NGDPKIT_TEST_CERT_PASSWORD", "")
sys.stderr.write("ValueError: " + "x" * {pad} + secret + "\\n")
sys.exit(1)
"""


def test_a_secret_in_the_kernels_last_error_line_is_hidden_before_it_is_cut(
    sample_copy: Path, tmp_path: Path
) -> None:
    secret = "Kp7vQ2xLm9RtW4zN8bYc"
    env = {"NGDPKIT_TEST_CERT_PASSWORD": secret}
    for pad in (180, 20):  # cut inside the secret, and whole
        env.update(kernel_spec(tmp_path / str(pad), LEAKY.format(pad=pad)))
        code, out = run_test(sample_copy, env)
        assert code == 3, out
        said = [x for x in out.splitlines() if "01_mailboxes crashed:" in x]
        assert len(said) == 1 and "ValueError: xxx" in said[0], out
        trail = "".join(
            p.read_text(encoding="utf-8")
            for p in (sample_copy / "runs" / "test").glob("2*/audit.jsonl")
        )
        for text in (out, trail):
            assert not any(secret[i : i + 6] in text for i in range(len(secret) - 5))


# A notebook whose error quotes a secret of the kernel's environment past the 300 characters a
# crash's reason is cut to (its first cell raises it here)
QUOTES = """\
import os
from ipykernel import ipkernel, kernelapp

before = ipkernel.IPythonKernel.do_execute


async def do_execute(self, code, *args, **kwargs):
    if "run_dir = " in code:  # papermill's parameters cell
        secret = os.environ.get("NGDPKIT_TEST_CERT_PASSWORD", "")
        code = "raise ValueError(" + repr("y" * {pad} + secret) + ")"
    return await before(self, code, *args, **kwargs)

ipkernel.IPythonKernel.do_execute = do_execute
kernelapp.launch_new_instance()
"""


def test_a_secret_in_a_notebooks_error_is_hidden_before_it_is_cut(
    sample_copy: Path, tmp_path: Path
) -> None:
    """Cut inside the secret (its part on the console and in the trail), and whole (the
    leak scan replaced the whole trail: the run's record lost)."""
    secret = "Kp7vQ2xLm9RtW4zN8bYc"
    env = {"NGDPKIT_TEST_CERT_PASSWORD": secret}
    for pad in (290, 100):
        env.update(kernel_spec(tmp_path / str(pad), QUOTES.format(pad=pad)))
        code, out = run_test(sample_copy, env)
        assert code == 3, out
        said = [x for x in out.splitlines() if "01_mailboxes crashed:" in x]
        assert len(said) == 1 and "ValueError: yyy" in said[0], out
        trail = next(
            p.read_text(encoding="utf-8")
            for p in sorted((sample_copy / "runs" / "test").glob("2*/audit.jsonl"))[-1:]
        )
        assert "ValueError: yyy" in trail
        for text in (out, trail):
            assert not any(secret[i : i + 6] in text for i in range(len(secret) - 5))
