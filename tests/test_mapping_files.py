"""The run's mapping files, begun from notebook 02's hand-over (ngdpkit.run.mapping_files)."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from ngdpkit.deliverables.outputs import MAPPING_COLUMNS, mapping_csv_bytes
from ngdpkit.findings import Finding
from ngdpkit.inputs.workbooks import TableCache
from ngdpkit.run.mapping_files import MappingFiles
from ngdpkit.steps.records import hand_over, write_step_file


def table(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {c: f"{c}-{i}" for c in MAPPING_COLUMNS} | {"mailbox_name": name, "status": "mapped"}
            for i, name in enumerate(names)
        ]
    )


def unmapped(mailbox: str) -> Finding:
    return Finding(
        "error", "MAILBOX_UNMAPPED", f"Mailbox {mailbox} has no GUID.", "m.xlsx", "row 2"
    )


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tables = tmp_path / ".tables-x"
    tables.mkdir()
    monkeypatch.setenv(TableCache.ENV, str(tables))
    (tmp_path / "run" / "steps").mkdir(parents=True)
    return tmp_path / "run"


def files(run_dir: Path) -> MappingFiles:
    return MappingFiles(run_dir, lambda found: [f.to_dict("da") for f in found])


def begun(mf: MappingFiles) -> None:
    deadline = time.monotonic() + 30
    while not mf.early:
        assert time.monotonic() < deadline, "the hand-over was never taken up"
        time.sleep(0.01)


def sheet(run_dir: Path, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(run_dir / "mailbox-mapping.xlsx")
    return list(book[name].iter_rows(values_only=True))


def test_the_files_begun_from_the_hand_over_are_the_final_tables_files(run_dir: Path) -> None:
    """Notebook 02 hands its table over before its suggestions; the writers begin then, and
    when the final table is the same they are kept: the CSV is byte for byte the one written
    from the final table, its hash known, and the workbook shows the findings handed over."""
    frame = table(["=cmd|' /C calc'!A0", "Ærø"])
    mf = files(run_dir)
    mf.watch("test")
    hand_over("test", frame, [unmapped("1")])
    begun(mf)
    started = mf.job
    mf.settle(frame.copy(), lambda: pytest.fail("nothing to write again"))
    assert mf.job is started
    mf.finish([unmapped("1").to_dict("da")])
    data = (run_dir / "mailbox-mapping.csv").read_bytes()
    assert data == mapping_csv_bytes(frame)
    assert mf.sha256 == hashlib.sha256(data).hexdigest()
    assert sheet(run_dir, "Findings")[1][2] == "Mailbox 1 has no GUID."
    assert sheet(run_dir, "Mailbox mapping")[1][1] == "=cmd|' /C calc'!A0"


def test_a_final_table_unlike_the_one_handed_over_is_written_again(run_dir: Path) -> None:
    """What was begun from the hand-over is only a head start: a final table that differs
    (or findings that changed after it) is what the files hold in the end."""
    mf = files(run_dir)
    mf.watch("test")
    hand_over("test", table(["old"]), [])
    begun(mf)
    final = table(["new", "newer"])
    write_step_file(
        run_dir / "steps", "02_contact_points", {"status": "ok", "results": {"mapping": final}}
    )
    mf.settle(final, lambda: [])
    assert not mf.early
    later = [unmapped("9").to_dict("da")]
    mf.finish(later)  # a finding the workbook was not written with: it is written again
    assert (run_dir / "mailbox-mapping.csv").read_bytes() == mapping_csv_bytes(final)
    assert [r[1] for r in sheet(run_dir, "Mailbox mapping")[1:]] == ["new", "newer"]
    assert sheet(run_dir, "Findings")[1][2] == "Mailbox 9 has no GUID."


def test_a_notebook_02_that_does_not_finish_leaves_no_mapping_file(run_dir: Path) -> None:
    """Files begun from the hand-over of a notebook that then failed are removed, and no
    writer or watcher thread is left running."""
    mf = files(run_dir)
    mf.watch("test")
    hand_over("test", table(["a"] * 500), [])
    begun(mf)
    mf.discard()
    assert not (run_dir / "mailbox-mapping.csv").exists()
    assert not (run_dir / "mailbox-mapping.xlsx").exists()
    assert not [t for t in threading.enumerate() if t.name.startswith("mapping-")]


def test_outside_a_run_nothing_is_handed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In JupyterLab or ``check`` there is no tables folder: the step writes nothing, and a
    run without a hand-over writes its files when notebook 02 has ended."""
    monkeypatch.delenv(TableCache.ENV, raising=False)
    hand_over("test", table(["a"]), [])
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "steps").mkdir()
    mf = files(tmp_path)
    mf.watch("test")
    final = table(["a"])
    mf.settle(final, lambda: [])
    mf.finish([])
    assert (tmp_path / "mailbox-mapping.csv").read_bytes() == mapping_csv_bytes(final)
