"""What a run's processes leave unimported (session 42): each was imported on every run and
used by none of it. Each test asks a fresh Python process, whose imports are its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ngdpkit.run.imports import UNUSED_FORMAT_CHECKERS
from tests.conftest import run_cli


def fresh(code: str) -> dict[str, object]:
    """What ``code`` (a fresh process's script) prints as JSON on its last line."""
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_run_finds_its_kernel_spec_without_importing_ipython() -> None:
    """The run's kernel spec manager finds the python3 spec jupyter_client's own finds,
    without importing IPython for its folder (which the spec is found before)."""
    said = fresh(
        "import json, sys\n"
        "from ngdpkit.run.kernels import RUN_KERNEL, _client_classes, _kernel_specs\n"
        "manager, _ = _client_classes()\n"
        "ours = manager(kernel_name=RUN_KERNEL, kernel_spec_manager=_kernel_specs()).kernel_spec\n"
        "ipython = 'IPython' in sys.modules\n"
        "from jupyter_client.manager import KernelManager\n"
        "stock = KernelManager(kernel_name=RUN_KERNEL).kernel_spec\n"
        "print(json.dumps({'ipython': ipython, 'same': [ours.resource_dir, ours.argv]\n"
        "    == [stock.resource_dir, stock.argv], 'stock_ipython': 'IPython' in sys.modules}))"
    )
    assert said == {"ipython": False, "same": True, "stock_ipython": True}


# Writes, for each process of the run it is handed to, every module it looks for
FINDER = """
import os, sys
_log = open(os.path.join({folder!r}, f"{{os.getpid()}}.txt"), "w", buffering=1)
_log.write(" ".join(sys.argv) + "\\n")

class _Looked:
    @staticmethod
    def find_spec(name, path=None, target=None):
        _log.write(name + "\\n")
        return None

sys.meta_path.insert(0, _Looked)
"""


def test_a_run_imports_none_of_what_it_never_uses(sample_copy: Path, tmp_path: Path) -> None:
    """A whole ``run --env test``: its parent never imports asyncio; its child neither
    IPython nor jsonschema's format checkers (the kernel, an IPython, is not asked)."""
    site, records = tmp_path / "site", tmp_path / "records"
    site.mkdir()
    records.mkdir()
    (site / "sitecustomize.py").write_text(FINDER.format(folder=str(records)))
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    r = run_cli(
        "run", "--settings", str(sample_copy / "migration.toml"), "--env", "test",
        env={"PYTHONPATH": path},
    )  # fmt: skip
    assert r.returncode in (0, 1), r.stdout + r.stderr
    looked = {}
    for record in records.glob("*.txt"):
        argv, *names = record.read_text().splitlines()
        if " -f " not in argv:  # not the kernel
            looked["child" if "_run-environment" in argv else "parent"] = set(names)
    assert set(looked) == {"parent", "child"}
    assert "asyncio" not in looked["parent"]
    never = {"IPython", *UNUSED_FORMAT_CHECKERS}
    assert never & looked["child"] == set()
    assert "nbformat" in looked["child"]  # the recorder saw the child's imports


def test_the_steps_do_not_import_ipython_outside_a_kernel() -> None:
    """Importing the steps (as a run's child does) asks IPython for a shell only where one
    can run: a process that has not imported IPython runs none."""
    said = fresh(
        "import json, sys\n"
        "import ngdpkit.steps\n"
        "from ngdpkit.documents.display import register_views\n"
        "print(json.dumps([register_views(), 'IPython' in sys.modules]))"
    )
    assert said == [False, False]


def test_the_parent_of_a_run_does_not_import_asyncio() -> None:
    """``run``'s parent imports the run folder, which seals with ``documents.signing``: that
    module imports asyncio (and with it ssl) only when it signs."""
    said = fresh(
        "import json, sys\n"
        "import ngdpkit.cli, ngdpkit.run.parent, ngdpkit.run.preflight, ngdpkit.run.folder\n"
        "print(json.dumps(['asyncio' in sys.modules, 'ssl' in sys.modules]))"
    )
    assert said == [False, False]


def test_the_child_skips_jsonschemas_unused_format_checkers() -> None:
    """With the checkers skipped, nbformat still reads and validates a notebook, jsonschema's
    other formats still check, and none of the skipped packages is imported."""
    said = fresh(
        "import json, sys\n"
        "from ngdpkit.run.imports import UNUSED_FORMAT_CHECKERS, skip_iri_grammar, "
        "skip_unused_format_checkers\n"
        "skip_iri_grammar(); skip_unused_format_checkers()\n"
        "import nbformat, papermill, jsonschema\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))\n"
        "checker = jsonschema.FormatChecker()\n"
        "print(json.dumps([[n for n in UNUSED_FORMAT_CHECKERS if sys.modules.get(n)],\n"
        "    checker.conforms('192.0.2.1', 'ipv4'), checker.conforms('x', 'ipv4')]))"
    )
    assert said == [[], True, False]


def test_the_child_imports_with_the_collector_off() -> None:
    """The run's imports make no round of the garbage collector (their objects live as long
    as the process); it is on again after, and one that was off stays off."""
    said = fresh(
        "import gc, json, types\n"
        "from ngdpkit.run.imports import collector_off, import_for_threads\n"
        "before = sum(g['collections'] for g in gc.get_stats())\n"
        "import_for_threads(types.SimpleNamespace(signing=None))\n"
        "rounds = sum(g['collections'] for g in gc.get_stats()) - before\n"
        "on = gc.isenabled()\n"
        "gc.disable()\n"
        "with collector_off():\n"
        "    pass\n"
        "print(json.dumps([rounds, on, gc.isenabled()]))"
    )
    assert said == [0, True, False]
