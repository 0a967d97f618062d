"""The mapping CSV and workbook of one run, written on threads while notebooks execute.

Notebook 02 hands its mapping table (and the findings it has so far) over as soon as
the mailboxes are mapped, before it computes the name suggestions:
:func:`ngdpkit.steps.records.hand_over` writes them to the run's private tables folder
(never the run folder). A watcher thread of the run sees them and starts the writers: the
workbook (rust_xlsxwriter lets go of the GIL for most of it) and the CSV, each on a thread. At 100,000 mailboxes the workbook then
takes its 1.2 s beside the suggestions and notebooks 03-05 instead of after them.

Nothing handed over is trusted further than it is checked: when notebook 02 has ended,
:meth:`MappingFiles.settle` compares its final table with the one handed over and writes
again from the final one if they differ; :meth:`MappingFiles.finish` rewrites the workbook
if the findings its sheet shows are no longer the run's; :meth:`MappingFiles.discard`
removes what was written when notebook 02 did not finish.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..deliverables import outputs as _outputs
from ..deliverables.workbook_about import WorkbookLabel
from ..inputs.workbooks import TableCache
from ..steps.records import ContactPointsRecord, handover_paths, read_step

__all__ = ["FILES", "MappingFiles", "write_mapping_outputs"]

FILES = ("mailbox-mapping.csv", "mailbox-mapping.xlsx")
POLL = 0.02  # seconds between the watcher's looks for the hand-over


def write_mapping_outputs(
    run_dir: str,
    findings: list[dict[str, Any]],
    *,
    parts: tuple[str, ...] = ("csv", "xlsx"),
    frame: Any = None,
    about: WorkbookLabel | None = None,
) -> dict[str, Any]:
    """``mailbox-mapping.csv`` and/or ``.xlsx`` (``parts``) from step 02's table (``frame``,
    or read from the step's file). When it wrote the CSV: its SHA-256 (``csv_sha256``) and
    its cells (``csv_table``, :func:`mapping_csv_table`), what a reader of the file gets back.
    ``about`` says in the workbook (never in the CSV) whose it is, for which environment and
    run (:mod:`ngdpkit.deliverables.workbook_about`).

    Kept here, not with the writers in :mod:`ngdpkit.deliverables.outputs`, because it reads
    a step's file: the deliverables know nothing of steps.

    A run writes them side by side, each on a thread, while notebooks 03 to 05 execute.
    """
    folder = Path(run_dir)
    if frame is None:
        record = read_step(folder / "steps" / "02_contact_points.json").record
        assert isinstance(record, ContactPointsRecord)
        frame = record.mapping  # the one table it needs, and only that one, read now
    result: dict[str, Any] = {}
    if "csv" in parts:
        table = _outputs.mapping_csv_table(frame)
        data = _outputs.csv_of(table)
        _outputs.atomic_write(folder / "mailbox-mapping.csv", data)
        result["csv_sha256"] = hashlib.sha256(data).hexdigest()
        result["csv_table"] = table
    if "xlsx" in parts:
        _outputs.write_mapping_workbook(folder / "mailbox-mapping.xlsx", frame, findings, about)
    return result


@dataclass
class _Job:
    pool: ThreadPoolExecutor
    frame: Any
    findings: list[dict[str, Any]]
    book: Future[dict[str, Any]]
    csv: Future[dict[str, Any]]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class MappingFiles:
    """The writers of one run's mapping files (see the module's docstring).

    ``sheet_findings(step_02_findings)`` gives the workbook's findings sheet (dicts in the
    run's language) for step 02's findings as :class:`~ngdpkit.findings.Finding` objects.
    ``about`` is what the workbook says of itself while the run's readiness is not yet known;
    :meth:`finish` is given it with the readiness.
    """

    def __init__(
        self,
        run_dir: Path,
        sheet_findings: Callable[[list[Any]], list[dict[str, Any]]],
        about: WorkbookLabel | None = None,
    ):
        self.run_dir = run_dir
        self.sheet_findings = sheet_findings
        self.about = about
        self.job: _Job | None = None
        self.early = False  # the job was started from the hand-over
        self.settled = False  # notebook 02 has ended and the job is its final table's
        self.sha256 = ""
        self.cells: Any = None  # the CSV's cells as written (what reading the file gives)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._lock = threading.Lock()

    def watch(self, environment: str) -> None:
        """While notebook 02 executes: start the writers when it hands its table over."""
        folder = os.environ.get(TableCache.ENV)
        if not folder or not os.path.isdir(folder):
            return
        table, found = handover_paths(Path(folder), environment)

        def watch() -> None:
            while not self._stop.wait(POLL):
                if found.is_file():
                    break
            else:
                return
            try:
                import pandas as pd

                from ..findings import Finding

                frame = pd.read_parquet(table)
                early = [Finding.from_dict(d) for d in json.loads(found.read_text("utf-8"))]
                findings = self.sheet_findings(early)
            except Exception:
                return  # written after notebook 02 instead
            with self._lock:
                if not self._stop.is_set():
                    self.start(frame, findings)
                    self.early = True

        self._watcher = threading.Thread(target=watch, name="mapping-watch", daemon=True)
        self._watcher.start()

    def _stop_watching(self) -> None:
        with self._lock:
            self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None

    def start(self, frame: Any, findings: list[dict[str, Any]]) -> None:
        """Write the workbook (with ``findings`` on its sheet) and the CSV, each on a thread."""
        run_dir = str(self.run_dir)
        pool = ThreadPoolExecutor(2, thread_name_prefix="mapping-files")
        book = pool.submit(
            write_mapping_outputs,
            run_dir,
            findings,
            parts=("xlsx",),
            frame=frame.copy(),
            about=self.about,
        )
        csv = pool.submit(write_mapping_outputs, run_dir, [], parts=("csv",), frame=frame.copy())
        self.job = _Job(pool, frame, findings, book, csv)

    def settle(self, final: Any, findings: Callable[[], list[dict[str, Any]]]) -> None:
        """Notebook 02 has ended with the table ``final`` (None: no mapping): keep what was
        begun from the hand-over if it is the same table, else write from ``final``."""
        self._stop_watching()
        self.settled = True
        job = self.job
        if job is not None:
            if final is not None and _same(job.frame, final):
                return
            self.job = None
            job.close()  # never two writers of one file
            if final is None:
                self._remove()
        self.early = False
        if final is not None:
            self.start(final, findings())

    def finish(self, findings: list[dict[str, Any]], about: WorkbookLabel | None = None) -> None:
        """Both files written and current: what a writer could not do, or a workbook whose
        findings sheet is no longer the run's, is written now (from the step's file). With
        ``about`` (the readiness known now) the workbook says it: written with it, or a
        workbook already written stamped again (:func:`~ngdpkit.deliverables.outputs.stamp_mapping_workbook`,
        its sheets copied as they are)."""
        todo = {"csv", "xlsx"}
        result: dict[str, Any] = {}
        job, self.job = self.job, None
        if job is not None:
            try:
                job.book.result()
                if job.findings == findings:
                    todo.discard("xlsx")
            except Exception:
                pass
            try:
                result = job.csv.result()
                todo.discard("csv")
            except Exception:
                pass
            job.close()
        if todo:
            result |= write_mapping_outputs(
                str(self.run_dir), findings, parts=tuple(sorted(todo)), about=about or self.about
            )
        if about is not None and "xlsx" not in todo:
            _outputs.stamp_mapping_workbook(self.run_dir / "mailbox-mapping.xlsx", about)
        self.sha256, self.cells = result["csv_sha256"], result["csv_table"]

    def discard(self) -> None:
        r"""Notebook 02 did not finish: stop, and remove anything begun from its hand-over
        (nothing, once it has :meth:`settle`\ d)."""
        self._stop_watching()
        if self.settled:
            return
        job, self.job = self.job, None
        if job is not None:
            job.close()
            self._remove()

    def close(self) -> None:
        """Stop watching and wait for the writers (a run that ends early leaves no thread)."""
        self._stop_watching()
        if self.job is not None:
            self.job.close()

    def _remove(self) -> None:
        for name in FILES:
            (self.run_dir / name).unlink(missing_ok=True)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a.reset_index(drop=True).equals(b.reset_index(drop=True)))
    except Exception:
        return False
