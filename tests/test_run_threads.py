"""A run imports every module on its processes' main threads (ngdpkit/run/imports.py).

Two threads importing pandas (or pyarrow, or pyHanko's stack) for the first time at once can
each find the other's module half made: ``cannot import name 'Categorical' from partially
initialized module 'pandas.core.arrays'``. A run's child did that now and then (its
notebook-done book read step 01's tables while the mapping files' watcher imported pandas'
Arrow types) and crashed with exit 3. Here a ``sitecustomize`` handed to the run's processes
records every module imported for the first time on a thread other than the main one, and
the test fails on any. The network probes, a thread each, are held to the same rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_cli
from tests.test_signing import issue, with_signing

RECORDER = """
import os, sys, threading
_out = os.path.join({folder!r}, f"{{os.getpid()}}.txt")
_log = open(_out, "w", buffering=1)
_log.write(" ".join(sys.argv) + "\\n")

class _OffMain:
    @staticmethod
    def find_spec(name, path=None, target=None):
        thread = threading.current_thread()
        if thread is not threading.main_thread():
            _log.write(f"{{thread.name}}\\t{{name}}\\n")
        return None

sys.meta_path.insert(0, _OffMain)
"""


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """(a folder to put on PYTHONPATH, the folder each process writes its record into)."""
    site, records = tmp_path / "site", tmp_path / "records"
    site.mkdir()
    records.mkdir()
    (site / "sitecustomize.py").write_text(RECORDER.format(folder=str(records)))
    return site, records


def off_main(records: Path) -> dict[str, list[str]]:
    """Each recorded process (by its command line) with what it imported off its main thread."""
    out = {}
    for path in records.glob("*.txt"):
        argv, *lines = path.read_text().splitlines()
        out[argv] = lines
    return out


def with_seal(sample: Path) -> None:
    """``[signing]`` with a seal of its own beside the settings: the seal's imports too."""
    with_signing(sample, issue("Seal (test)").p12("seal-password"), password_env="TEST_SEAL_PW")


def test_the_recorder_sees_an_import_off_the_main_thread(tmp_path: Path) -> None:
    site, records = recorder(tmp_path)
    code = "import threading; t = threading.Thread(target=lambda: __import__('fractions')); t.start(); t.join()"
    subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(site)},
        check=True,
        timeout=60,
    )
    (lines,) = off_main(records).values()
    assert any(line.endswith("\tfractions") for line in lines), lines


def test_a_run_imports_nothing_off_its_main_threads(sample_copy: Path, tmp_path: Path) -> None:
    """Both environments at once, sealed, each after a sealed run of its own (which a thread
    reads back and checks for ``changes.json``): the parent, both children, their kernels."""
    with_seal(sample_copy)
    site, records = recorder(tmp_path)
    settings = str(sample_copy / "migration.toml")
    for watched in (False, True):
        env = {"TEST_SEAL_PW": "seal-password"} | ({"PYTHONPATH": str(site)} if watched else {})
        r = run_cli("run", "--settings", settings, "--env", "all", env=env)
        assert r.returncode in (0, 1), r.stdout + r.stderr
    assert len(list((sample_copy / "runs").glob("*/2*/manifest.json.p7s"))) == 4, "all sealed"
    found = off_main(records)
    roles = sorted(
        "kernel" if " -f " in argv else "child" if "_run-environment" in argv else "parent"
        for argv in found
    )
    assert roles == ["child", "child", "kernel", "kernel", "parent"], roles
    assert {argv: lines for argv, lines in found.items() if lines} == {}


def test_every_module_named_for_the_threads_is_there() -> None:
    """A name that is not a module would end every run (but for the one inside pandas, which
    a later pandas may move)."""
    import importlib.util

    from ngdpkit.run.imports import FOR_THE_SEAL, FOR_THE_THREADS, INSIDE_A_LIBRARY

    missing = [
        name
        for name in FOR_THE_THREADS + FOR_THE_SEAL
        if name not in INSIDE_A_LIBRARY and importlib.util.find_spec(name) is None
    ]
    assert missing == []


def test_network_probes_import_nothing_on_their_threads(tmp_path: Path) -> None:
    """``run_probes`` (notebook 04 and ``check --online all``) runs each probe on a thread of
    its own: httpx and its transport are imported before they start. In a fresh process,
    eight probes of a closed port on 127.0.0.1."""
    site, records = recorder(tmp_path)
    script = (
        "import socket\n"
        "from ngdpkit.checks.probes import Probe, run_probes\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
        "probes = [Probe(f'p{i}', f'https://localhost:{port}/', 'https') for i in range(8)]\n"
        "found = run_probes(probes, timeout=2, total=10, resolver=lambda host: ['127.0.0.1'])\n"
        "assert len(found) == 8, found\n"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])},
        check=True,
        timeout=60,
    )
    (lines,) = off_main(records).values()
    assert lines == []
