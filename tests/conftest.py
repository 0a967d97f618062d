"""Shared fixtures: every test builds its own inputs; nothing reaches beyond loopback."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import settings as hypothesis_settings

from ngdpkit.rehearsal import pki

# No time limit per Hypothesis example: on a loaded 2-core CI machine a starved process can
# take longer than the default 200 ms on one example, which Hypothesis then fails as
# "Unreliable test timings" (a flaky-test audit). What the tests assert is unchanged.
hypothesis_settings.register_profile("ngdpkit", deadline=None)
hypothesis_settings.load_profile("ngdpkit")

REPO = Path(__file__).resolve().parents[1]
CVR = "98765433"
ORG = "Testkommune"


def edit_settings(toml: Path, *pairs: tuple[str, str]) -> Path:
    """``toml`` (a copy of the sample's settings) with each (old, new) text replaced once, as
    a consultant edits it; each old text must be there."""
    text = toml.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    toml.write_text(text, encoding="utf-8")
    return toml


@pytest.fixture(autouse=True)
def _a_secret_registered_stays_in_its_test() -> Any:
    """The kit's registry of secrets is its process's: a secret a test registers (a seal's
    password opened in-process) went on into the next tests of its worker, where a seal test's
    "x" * 12 hid another test's run of x's (two failures once the workers' share of modules
    changed). Each test leaves the registry as it found it."""
    from ngdpkit import redact

    before = redact.registered()
    yield
    if redact.registered() != before:
        redact.forget_all()
        for name, parts in before.items():
            redact.restore(name, parts)


@pytest.fixture(autouse=True)
def _no_thread_outlives_its_test() -> Any:
    """A thread a test started and left running goes on into the next tests of its worker,
    where what it prints is read as theirs (CI once failed on a probe test's slow server
    writing a traceback into a later test's captured stderr). Each test's new threads must
    have ended, after a grace of 2 s for those already winding down. A native thread that
    called into Python (a library's own pool; ``threading`` lists it as a dummy that never
    ends and cannot be joined) is not the test's to end."""
    import threading
    import time

    def started_here() -> list[threading.Thread]:
        dummy = getattr(threading, "_DummyThread", ())
        return [t for t in threading.enumerate() if t not in before and not isinstance(t, dummy)]

    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    for thread in started_here():
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in started_here() if t.is_alive()]
    assert not left, f"threads left running by this test: {left}"


@pytest.fixture(scope="session")
def cas() -> dict[str, Any]:
    """A root and issuing CA per kind, plus an unrelated CA (RSA 2048 to keep the suite fast)."""
    import datetime as dt

    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1000)  # CAs outlive the leaves they issue
    out: dict[str, Any] = {}
    for kind in ("test", "production"):
        root = pki.make_ca(f"Test {kind} rod-CA", bits=2048, not_before=start)
        out[kind] = {
            "root": root,
            "issuing": pki.make_ca(
                f"Test {kind} udstedende-CA 1", parent=root, bits=2048, not_before=start
            ),
        }
    other = pki.make_ca("Unrelated root", bits=2048, not_before=start)
    out["other"] = {
        "root": other,
        "issuing": pki.make_ca("Unrelated issuing", parent=other, bits=2048, not_before=start),
    }
    return out


@pytest.fixture(scope="session")
def leaf_key() -> Any:
    return pki.rsa_key(2048)


@pytest.fixture
def anchors(cas: dict[str, Any]) -> Any:
    from ngdpkit.checks.trust import TrustAnchors

    return TrustAnchors(
        roots={k: (cas[k]["root"].cert,) for k in ("test", "production")},
        intermediates=(cas["test"]["issuing"].cert, cas["production"]["issuing"].cert),
        custom_kinds=(),
    )


def write_xlsx(
    path: Path,
    rows: list[list[Any]],
    *,
    title: str = "Sheet1",
    extra_sheets: dict[str, list[list[Any]]] | None = None,
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for name, more in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in more:
            other.append(row)
    wb.save(path)
    return path


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample set, generated once for the session (read it; copy it to change it)."""
    from ngdpkit.rehearsal.sample import write_sample

    d = tmp_path_factory.mktemp("sample")
    write_sample(d)
    return d


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Any]:
    """One ``run --env test`` (offline, no PDF) of the unchanged sample, made once per worker
    instead of once per module that needs it: ``sample`` (the sample folder holding
    ``runs/test/<run>``), ``run_dir`` and ``result`` (the completed process). Read it; copy
    it (:func:`copy_sample_run`) to change it."""
    sample = tmp_path_factory.mktemp("sample-run") / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    result = run_cli("run", "--settings", str(sample / "migration.toml"), "--env", "test")
    assert result.returncode == 0, result.stdout + result.stderr
    latest = (sample / "runs" / "test" / "LATEST").read_text().strip()
    return {"sample": sample, "run_dir": sample / "runs" / "test" / latest, "result": result}


@pytest.fixture(scope="session")
def sample_run_all(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Any]:
    """One ``run --env all`` (offline, no PDF) of the unchanged sample, made once per worker
    for the modules whose first run is that one (each made its own, ~7 s): ``sample`` (the
    sample folder holding ``runs/test/<run>`` and ``runs/production/<run>``), ``result``
    (the completed process) and ``folders`` (the run folders it printed, test first). Read
    it; copy it (:func:`copy_sample_run`) to change it."""
    sample = tmp_path_factory.mktemp("sample-run-all") / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    result = run_cli("run", "--settings", str(sample / "migration.toml"), "--env", "all")
    folders = [
        Path(line)
        for line in result.stdout.splitlines()
        if line.startswith("/") or re.match(r"^[A-Za-z]:\\", line)
    ]
    return {"sample": sample, "result": result, "folders": folders}


def copy_sample_run(sample_run: dict[str, Any], target: Path) -> Path:
    """A copy of the sample with its one finished run of test, as if ``run`` had just been
    run there (links kept as links)."""
    shutil.copytree(sample_run["sample"], target, symlinks=True)
    return target


@pytest.fixture
def sample_run_copy(sample_run: dict[str, Any], tmp_path: Path) -> Path:
    """The sample as ``run --env test`` leaves it, in this test's folder (the session's run,
    copied): for a test whose first run is of the unchanged sample."""
    return copy_sample_run(sample_run, tmp_path / "sample")


@pytest.fixture
def sample_copy(sample_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "sample"
    shutil.copytree(sample_dir, target, ignore=shutil.ignore_patterns("runs"))
    return target


def sigint_default() -> None:
    """For ``Popen(preexec_fn=…)``: the child starts with Ctrl-C at its default, as from a
    terminal. A suite started in the background (``&``, ``nohup``) hands its children SIGINT
    ignored, and a Python started so never turns Ctrl-C into KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def ctrl_c_armed() -> Any:
    """This process turns SIGINT into KeyboardInterrupt while the test runs, whatever it
    inherited (a suite in the background inherits SIGINT ignored); restored afterwards."""
    import signal

    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, saved)


def kernel_spec(tmp_path: Path, starter: str) -> dict[str, str]:
    """A python3 kernel spec started by ``starter`` (Python code): the run's environment."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-c", starter, "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return {"JUPYTER_PATH": str(tmp_path / "jupyter")}


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    stdin: Any = subprocess.DEVNULL,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ngdpkit`` as a user would, in a child process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "ngdpkit", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        stdin=stdin,
    )


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``ngdpkit ARGS`` through the command line's own ``main``, in this process: for a test
    that asserts what a command answers and writes, not how its process behaves (a child
    spent ~0.5-1 s starting Python and importing the kit). The result has run_cli's shape;
    ``env`` is set and ``cwd`` entered only meanwhile, stdin is empty (run_cli's DEVNULL).
    An exception propagates (in a child it would have been a traceback, which no test
    accepts); an exit through SystemExit (argparse) gives its code, as a process would.
    Only the command's own threads (this one and those it starts) are read as its output:
    a thread that was already running, such as a test server or one a previous test left
    behind, still prints to the real streams (CI once failed on a stray server's traceback
    read as the command's stderr)."""
    import contextlib
    import threading

    from ngdpkit.cli import main

    before = frozenset(threading.enumerate()) - {threading.current_thread()}
    out, err = (
        _Routed(io.StringIO(), sys.stdout, before),
        _Routed(io.StringIO(), sys.stderr, before),
    )
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin = io.StringIO("")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(
        ["ngdpkit", *args], code, out.captured.getvalue(), err.captured.getvalue()
    )


class _Routed(io.TextIOBase):
    """A stream for ``cli``: a write from a thread in ``others`` goes to ``real``, any other
    to ``captured``."""

    def __init__(self, captured: io.StringIO, real: Any, others: frozenset[Any]) -> None:
        self.captured, self.real, self.others = captured, real, others

    def _target(self) -> Any:
        import threading

        return self.real if threading.current_thread() in self.others else self.captured

    def write(self, s: str) -> int:
        return int(self._target().write(s))

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


# --- how a parallel run (pytest-xdist, `make test`'s -n auto) spreads the suite ------------
#
# pyproject's addopts give --dist loadfile (a module's tests go to one worker, so a module's
# fixtures that run the kit are made once) and --no-loadscope-reorder (the modules are handed
# out in the order below, not by their number of tests).

# The longest modules first (measured on the 2-core machine), so that the two workers finish
# together instead of one waiting for a long module handed out last: the 5,000-mailbox PDF,
# then the modules holding the most runs of the kit. The rest follow in collection order.
LONGEST_FIRST = (
    "tests/test_document_large.py",
    "tests/test_ci_templates.py",
    "tests/test_signing.py",
    "tests/test_benchmarks.py",
    "tests/test_compare.py",
    "tests/test_run.py",
    "tests/test_ngdp_read.py",
    "tests/test_workbook_bounds.py",
    "tests/test_checklist.py",
    "tests/test_editor_browser.py",
    "tests/test_hostile.py",
    "tests/test_neighbours.py",
    "tests/test_plan.py",
    "tests/test_language.py",
    "tests/test_document.py",
    "tests/test_watch.py",
    "tests/test_compare_hardening.py",
    "tests/test_decisions.py",
    "tests/test_package.py",
    "tests/test_catalogue.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker more than the cores this process may use. Much of the suite
    waits (servers that answer slowly on purpose, deadlines, a browser, runs' processes
    handing work to each other), and a worker per core left a core idle meanwhile: on 2
    cores, 3 workers took 4:25-4:42 where 2 took 4:35-4:53, and 4 workers gained nothing more
    (the suite is then bound by its CPU time). ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides
    when it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return cores + 1


def _rank(nodeid: str) -> int:
    return next(
        (i for i, prefix in enumerate(LONGEST_FIRST) if nodeid.startswith(prefix)),
        len(LONGEST_FIRST),
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest modules first (a stable sort: each module's tests keep their order). Which
    tests run, and what they assert, is unchanged."""
    items.sort(key=lambda item: _rank(item.nodeid))


def pdf_texts(path: Path) -> list[str]:
    """Each page's text of the PDF at ``path``, read by PDFium (pypdfium2): what a reader's
    copy and search find. Lines end in CRLF; a test looks for words and lines in it."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def one_certificate_for_both(sample: Path) -> Path:
    """The sample's settings with production using test's certificate and password: a
    certificate reused across environments. Returns the settings file."""
    settings = sample / "migration.toml"
    text = settings.read_text()
    settings.write_text(
        text.replace(
            'certificate = "certs/production.p12"', 'certificate = "certs/test.p12"'
        ).replace(
            'certificate_password_env = "NGDPKIT_PRODUCTION_CERT_PASSWORD"',
            'certificate_password_env = "NGDPKIT_TEST_CERT_PASSWORD"',
        )
    )
    return settings


def children_of(pid: int) -> list[int]:
    """Process IDs whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def waiting_child(sample: Path, out: Path, said: list[str]) -> Any:
    """The parent's own ``Children`` for the sample's test environment, started as ``run``
    starts them while it checks the input (``--wait``): the child boots its kernel and waits
    for the parent's word. What it prints goes to ``said``."""
    from ngdpkit.run.parent import Children
    from ngdpkit.settings import load_settings

    children = Children(
        load_settings(sample / "migration.toml"), ["test"], out, False, False, None, said.append
    )
    children.start({}, [], None, wait=True)
    return children
