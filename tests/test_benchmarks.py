"""The benchmarks still work: each section once, at its smallest size (timings are not
asserted). One test per section, so a parallel test run spreads them over the cores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO


def smoke(tmp_path: Path, section: str, *extra: str) -> dict[str, Any]:
    r = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--smoke",
            "--only",
            section,
            "--out",
            str(tmp_path),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    data: dict[str, Any] = json.loads((tmp_path / f"smoke-{section}.json").read_text())
    assert set(data) >= {section, "machine", "reps"}
    return data


def test_benchmark_mailboxes_smoke(tmp_path: Path) -> None:
    data = smoke(tmp_path, "mailboxes")
    assert (
        data["mailboxes"][0]["kit"]["rows"] == 1000
        and data["mailboxes"][0]["kit"]["unmapped"] == 10
    )
    assert "| 1,000 mailboxes" in (tmp_path / "smoke-mailboxes.md").read_text()


def test_benchmark_commands_smoke(tmp_path: Path) -> None:
    half, full = smoke(tmp_path, "commands")["commands"]
    assert half["mailboxes"] == 1000 and half["check"]["seconds"] > 0
    assert half["run_folder_mb"] > 0 and half["step_parquet_mb"] > 0
    assert (half["mapping_rows"], full["mapping_rows"]) == (500, 1000)
    parts = {t["part"]: t["seconds"] for t in full["trace"]}
    assert parts["notebook 01_mailboxes"] > 0 and parts["pages"] > 0
    kernel = "kernel starts: the one kernel of the sequence, from its launch to its first answer"
    assert parts[kernel] > 0 and parts["· writer: findings.json"] >= 0
    assert parts["total (wall clock of the process)"] == round(full["trace_run_seconds"], 2)
    assert "mapping file of 1,000 rows" in (tmp_path / "smoke-commands.md").read_text()


def test_benchmark_editor_smoke(tmp_path: Path) -> None:
    (row,) = smoke(tmp_path, "editor")["editor"]
    assert row["mailboxes"] == 1000 and row["unmapped"] == 9  # one of the ten decided
    assert row["seconds"] > 0 and row["action_seconds"] > 0
    assert "the editor's recompute" in (tmp_path / "smoke-editor.md").read_text()


def test_benchmark_status_smoke(tmp_path: Path, sample_run_all: dict[str, Any]) -> None:
    # the session's sample with its run of both environments: no sample made, no run
    sample = str(sample_run_all["sample"])
    assert smoke(tmp_path, "status", "--sample", sample)["status"]["environments"] == 10


@pytest.mark.parametrize("section", ["run", "probes"])
def test_benchmark_run_and_probes_smoke(tmp_path: Path, section: str, sample_dir: Path) -> None:
    data = smoke(tmp_path, section, "--sample", str(sample_dir))  # no sample made
    if section == "run":
        assert "notebook 01_mailboxes" in data["run"]["phases_last_run"]
    else:
        assert data["probes"]["probes"] == 20


def test_the_smoke_runs_one_notebook_in_a_kernel_of_its_own_and_the_bench_five() -> None:
    """``--smoke`` (issue 30: the run smoke spent 11 of its 35 CPU-s on the five kernels of
    bare papermill's kernel-per-notebook peer) runs that peer for the first notebook only,
    and its table says so; ``make bench`` still runs all five, each in a kernel of its own."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(bench)
    finally:
        sys.path[:] = path  # run.py puts benchmarks/ first for its workloads module
        sys.modules.pop("workloads", None)
    five = bench.papermill_script("m.toml", one_kernel=False)
    one = bench.papermill_script("m.toml", one_kernel=False, notebooks=bench.NOTEBOOKS[:1])
    for script in (five, one):
        compile(script, "bare-papermill", "exec")
        assert "km=km" not in script  # a kernel per notebook: papermill starts each
    loops = [line for line in five.splitlines() if line.startswith("for n in ")]
    assert loops == [f"for n in {list(bench.NOTEBOOKS)!r}:"] and len(bench.NOTEBOOKS) == 5
    assert "for n in ['01_mailboxes']:" in one.splitlines()
    shared = bench.papermill_script("m.toml", one_kernel=True)
    assert "km=km" in shared and loops[0] in shared.splitlines()

    def table(notebooks: tuple[str, ...]) -> str:
        figure = {"seconds": 1.0}
        run = {
            "run_one_env": figure,
            "bare_papermill": figure,
            "bare_papermill_notebooks": list(notebooks),
            "bare_papermill_one_kernel": figure,
            "overhead_vs_papermill": 0.0,
            "overhead_vs_papermill_one_kernel": 0.0,
            "both_concurrent": figure,
            "both_sequential": figure,
            "concurrent_vs_one": 1.0,
            "check_both": figure,
            "import_ngdpkit": figure,
            "interpreter_and_imports": figure,
            "phases_last_run": {},
        }
        return bench.markdown({"machine": "m", "reps": 1, "run": run})

    assert "bare papermill, a kernel per notebook (1 of 5 notebooks) 1.0 s" in table(
        bench.NOTEBOOKS[:1]
    )
    assert "bare papermill, a kernel per notebook 1.0 s" in table(bench.NOTEBOOKS)


def test_benchmark_redact_smoke(tmp_path: Path) -> None:
    row = smoke(tmp_path, "redact")["redact"]
    assert row["megabytes"] == 0.1 and row["rows"] == 10
    assert row["html_secret_seconds"] > 0 and row["decomposed_secret_seconds"] > 0
    assert "MB of percent" in (tmp_path / "smoke-redact.md").read_text()
