"""The benchmarks still work: each once, at its smallest size (timings are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_benchmarks_smoke(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    data = json.loads((tmp_path / "smoke.json").read_text())
    assert (
        data["mailboxes"][0]["kit"]["rows"] == 1000
        and data["mailboxes"][0]["kit"]["unmapped"] == 10
    )
    assert (
        data["probes"]["probes"] == 20 and "notebook 01_mailboxes" in data["run"]["phases_last_run"]
    )
    assert "| 1,000 mailboxes" in (tmp_path / "smoke.md").read_text()
    command = data["commands"][0]
    assert command["mailboxes"] == 1000 and command["check"]["seconds"] > 0
    assert command["run_folder_mb"] > 0 and command["step_parquet_mb"] > 0
    assert data["status"]["environments"] == 10
