"""The outputs of one environment's run (contract §7), once its notebooks have finished:
``findings.json`` with the readiness, the mapping files made current, each step's own files
in step order (some already written ahead), ``changes.json`` against the previous finished
run, the checklist and the runbook.

The previous run is read on a thread while the notebooks execute (:class:`PreviousRun`);
the confirmations beside the settings file are an input of the run and go to the audit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .. import __version__
from .. import findings as F
from ..deliverables.commands import KitCommands
from ..deliverables.dispatcher import DispatcherConfig
from ..errors import InputError
from ..findings import Finding
from ..steps import STEP_MODULES
from ..steps.records import CertificateRecord, ContactPointsRecord, SystemRecord
from .ahead import RenderAhead
from .core import RunCore
from .sequence import NotebookSequence

T = TypeVar("T")


class PreviousRun:
    """The previous finished run of an environment, read on a thread (for ``changes.json``
    and whether the dispatcher's values changed since)."""

    def __init__(self, out: Path, environment: str) -> None:
        self.out, self.environment = out, environment
        self.loaded: tuple[Any, Any] | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.load, name="previous-run", daemon=True)
        self.thread.start()

    def load(self) -> None:
        from ..compare.runs import RunView, latest_run
        from .neighbours import check_folder

        previous = None
        try:
            previous = latest_run(self.out)
            view = None
            if previous is not None:
                _, why = check_folder(previous, environment=self.environment)
                if why:  # nothing of a folder that does not verify reaches a page
                    raise InputError(why)
                view = RunView.load(previous, label=previous.name)
            self.loaded = (previous, view)
        except BaseException as exc:  # InputError: cannot be compared; else raised on join
            self.loaded = (previous, exc)

    def result(self) -> tuple[Path | None, Any]:
        """(the previous run's folder or None, its view or the InputError saying why it
        cannot be compared)."""
        if self.thread is None:
            self.start()
        assert self.thread is not None
        self.thread.join()
        assert self.loaded is not None
        previous, view = self.loaded
        if isinstance(view, BaseException) and not isinstance(view, InputError):
            raise view
        return previous, view


# the run's workbooks labelled after the mapping workbook, each by its name in the run's
# language (the checklist's is also its sheet's)
LABELLED = {
    "checklist.xlsx": {"da": "Tjekliste", "en": "Checklist"},
    "runbook.xlsx": {"da": "Drejebog", "en": "Runbook"},
}


class Outputs:
    """The outputs phase: the run's files after its notebooks, in the contract's order."""

    def __init__(self, run: RunCore, sequence: NotebookSequence, ahead: RenderAhead) -> None:
        self.run, self.sequence, self.ahead = run, sequence, ahead
        self.written: list[Path] = []
        self.previous = PreviousRun(run.run_dir.parent, run.env.name)
        self.confirmations: list[Any] = []
        self.checklist_result: Any = None  # deliverables.checklist.Checklist, once derived
        self.checklist_rows: list[tuple[str, str, str, str, str]] = []
        self.changes: dict[str, Any] | None = None
        self.runbook: Any = None
        self.writers: list[tuple[str, float]] = []  # (writer, seconds), in the order they ran
        # the run's workbook label with the readiness and counts of the findings the
        # checklist was derived from (made with it: every call of all_findings() structures
        # each step's findings again, 0.3 s at 100,000 mailboxes)
        self.label: Any = None

    def write(self) -> None:
        """findings.json, then each step's own files (in step order), then the run's; each
        writer's seconds in ``writers`` (for a step's files written ahead, the wait for them)."""
        from ..deliverables.outputs import write_json

        run = self.run
        timed = self.timed
        self.read_confirmations()
        findings = run.all_findings()
        # Derived once, before findings.json (which carries its readiness): the page and
        # the console say what the sealed checklist.json and checklist.xlsx hold.
        self.checklist_result = timed("checklist", lambda: self.checklist(findings))
        self.label = run.workbook_label(self.checklist_result, findings)
        self.written.append(
            timed(
                "findings.json",
                lambda: write_json(run.run_dir / "findings.json", self.findings_json(findings)),
            )
        )
        if run.record(ContactPointsRecord).mapping is not None:
            # current, its hash known, first
            about = self.label
            timed("mailbox mapping", lambda: run.mapping.finish(run.mapping_findings(), about))
        ctx = run.output_context(mapping_files=run.mapping_paths)
        for name, module in STEP_MODULES.items():
            if hasattr(module, "outputs"):
                if name == "05_dispatcher_config":  # decided after the mapping's hash is known
                    ctx = dataclasses.replace(ctx, dispatcher=run.dispatcher())
                started = time.monotonic()
                files = self.ahead.written_ahead(name)
                ahead = files is not None
                if files is None:
                    files = module.outputs(run.step_file(name).record, ctx)
                label = f"{name} (waited for, written ahead)" if ahead else name
                self.writers.append((label, round(time.monotonic() - started, 3)))
                self.written += files
        self.written += timed("checklist.json, checklist.xlsx", self.write_checklist)
        self.written += timed("runbook", self.write_runbook)
        # last: it compares every deliverable with the previous run's, so each must be
        # written (a run of unchanged inputs said its checklist and runbook had new content)
        timed("changes.json", lambda: self.write_changes(findings))

    def timed(self, label: str, work: Callable[[], T]) -> T:
        started = time.monotonic()
        try:
            return work()
        finally:
            self.writers.append((label, round(time.monotonic() - started, 3)))

    def findings_json(self, findings: list[Finding]) -> dict[str, Any]:
        crashed = self.sequence.crashed
        lang = self.run.settings.language
        out: dict[str, Any] = {
            "environment": self.run.env.name,
            "status": "crashed" if crashed else F.status_of(findings),
            "error": f"{crashed} crashed" if crashed else None,
            "findings": [f.to_dict(lang) for f in F.sort_findings(findings)],
        }
        if self.checklist_result is not None:
            out["readiness"] = self.checklist_result.readiness.to_json()
        return out

    def rewrite_findings(self) -> None:
        """``findings.json`` again, from the findings as they are now (after a leak)."""
        from ..deliverables.outputs import write_json

        findings = self.run.all_findings()
        write_json(self.run.run_dir / "findings.json", self.findings_json(findings))

    def revise(self) -> None:
        """Rendering found something: the checklist, ``findings.json`` and the runbook's verdict
        before step 1 are derived again (``runbook.xlsx`` opens with it: it counted the
        findings from before the late one, while the page counted them all)."""
        findings = self.run.all_findings()
        self.checklist_result = self.checklist(findings)
        self.label = self.run.workbook_label(self.checklist_result, findings)
        self.rewrite_findings()
        self.stamp_mapping(findings)
        self.write_checklist()
        if self.runbook is not None:
            self.write_runbook()

    def relabel(self, findings: list[Finding]) -> None:
        """Each workbook's label (:mod:`ngdpkit.deliverables.workbook_about`) says the
        errors and warnings as ``findings`` count them, its sheets as they are; a workbook
        the scan replaced by its placeholder stays one."""
        import zipfile

        from ..deliverables.outputs import atomic_write
        from ..deliverables.workbook_about import labelled

        if self.checklist_result is None:
            return
        self.label = self.run.workbook_label(self.checklist_result, findings)
        self.stamp_mapping(findings)
        lang = "da" if self.run.settings.language == "da" else "en"
        for name, words in LABELLED.items():
            book = self.run.run_dir / name
            if book.is_file() and zipfile.is_zipfile(book):
                atomic_write(book, labelled(book.read_bytes(), self.label.of(words[lang])))

    def stamp_mapping(self, findings: list[Finding]) -> None:
        """``mailbox-mapping.xlsx`` says the readiness as it is now (its sheets unchanged)."""
        import zipfile

        from ..deliverables.outputs import stamp_mapping_workbook

        book = self.run.run_dir / "mailbox-mapping.xlsx"
        # a workbook the scan replaced by its placeholder (it held a secret) stays one
        if book.is_file() and zipfile.is_zipfile(book):
            stamp_mapping_workbook(book, self.run.workbook_label(self.checklist_result, findings))

    def write_runbook(self) -> list[Path]:
        """``runbook.xlsx`` and (when ``[golive]`` dates a step) ``runbook.ics``: the go-live
        steps of this environment with their dates and owners."""
        from ..documents.runbook import build_runbook, gate_of, write_runbook

        run = self.run
        final = run.dispatcher()
        self.runbook = build_runbook(
            run.settings, run.env, withheld=final is None or not final.ready
        )
        gate = (
            gate_of(self.checklist_result, run.all_findings(), run.run_dir.name, self.runbook)
            if self.checklist_result is not None
            else None
        )
        runbook_word = LABELLED["runbook.xlsx"]["da" if run.settings.language == "da" else "en"]
        return write_runbook(
            run.run_dir,
            self.runbook,
            stamp=dt.datetime.now(dt.UTC),
            gate=gate,
            about=self.about(runbook_word) if self.checklist_result is not None else None,
        )

    def write_checklist(self) -> list[Path]:
        """``checklist.json`` and ``checklist.xlsx`` from the checklist derived last."""
        from ..deliverables.checklist import HEADERS
        from ..deliverables.outputs import write_json, write_workbook
        from ..deliverables.workbook_about import labelled, page_setup

        lang = self.run.settings.language
        d = self.run.run_dir
        self.checklist_rows = self.checklist_result.table_rows(lang)
        sheet = LABELLED["checklist.xlsx"]["da" if lang == "da" else "en"]
        # whose checklist, for which environment and run: in its properties and printed
        # header, as the mapping workbook says it (a WorkZone administrator's look)
        about = self.about(sheet)
        return [
            write_json(d / "checklist.json", self.checklist_result.to_json()),
            write_workbook(
                d / "checklist.xlsx",
                [(sheet, HEADERS[lang], self.checklist_rows, None)],
                page_setup={sheet: page_setup(about)},
                stamp=lambda data: labelled(data, about),
            ),
        ]

    def about(self, what: str) -> Any:
        """The run's label (:class:`~ngdpkit.deliverables.workbook_about.WorkbookLabel`) for
        its workbook called ``what``, with the readiness as the overview states it."""
        if self.label is None:
            self.label = self.run.workbook_label(self.checklist_result, self.run.all_findings())
        return self.label.of(what)

    def read_confirmations(self) -> None:
        """``confirmations.jsonl`` beside the settings file: an input of every run (recorded
        in the audit like every input); a broken chain is a finding and counts for nothing."""
        from ..checks.evidence import (
            confirmations_in_time,
            confirmations_path,
            read_confirmations,
        )
        from .audit import file_digest
        from .neighbours import confirmations_kept

        run = self.run
        path = confirmations_path(run.settings.path)
        rel = run.rel(path)
        self.confirmations, problems = read_confirmations(path)
        rewritten, before = confirmations_kept(path, rel, run.run_dir.parent)
        problems = problems or rewritten
        if problems:
            self.confirmations = []
        run.extra += problems
        # a line dated without a time zone or after this run counts for nothing (named); the
        # file itself is accepted as read (it is still the measure of the next run)
        self.confirmations, refused = confirmations_in_time(self.confirmations, path.name)
        run.extra += refused
        if path.is_file() and not path.is_symlink():
            size, digest = file_digest(path)
            run.trail.append("input_read", path=rel, size=size, sha256=digest)
            # What the next run holds the file against: this reading when it was accepted,
            # else the last one accepted (a broken or rewritten file is named by every run
            # until it is put back; a run that read a broken file never makes it the measure).
            kept = (size, digest, run.run_dir.name) if not problems else before
            run.trail.append(
                "confirmations_kept",
                path=rel,
                size=kept[0] if kept else None,
                sha256=kept[1] if kept else None,
                run=kept[2] if kept else None,
            )

    def checklist(self, findings: list[Finding]) -> Any:
        """The eight rows with their evidence and the readiness (``checklist.Checklist``)."""
        from ..checks.evidence import gather, mapping_values_sha256, portal_values_sha256
        from ..checks.ngdp_compare import removals_offline
        from ..deliverables.checklist import evaluate
        from ..documents.runbook import enable_moment

        run = self.run
        contact = run.record(ContactPointsRecord)
        facts = run.record(CertificateRecord).certificate
        config = run.dispatcher()
        evidence = gather(
            servers=[s.name for s in run.env.servers],
            observation=contact.ngdp,
            register=contact.register,
            server_evidence=run.record(SystemRecord).evidence,
            thumbprint=facts.thumbprint_sha1 if facts else None,
            certificate_known=bool(facts),
            system_id=run.env.system_id,
            contact_points_known=contact.contact_points is not None,
            mapping_complete=not any(
                f.code in ("MAILBOX_UNMAPPED", "PENDING_MAPPING") for f in findings
            ),
            dispatcher=config.to_json() if config is not None else None,  # as the file has it
            dispatcher_unchanged=self.dispatcher_unchanged(config),
            step_values={
                "contact_points": portal_values_sha256(run.record(SystemRecord).portal),
                "mapping": mapping_values_sha256(contact.mapping),
            },
            file_removals=removals_offline(contact.portal_todo),
            acceptance=run.acceptance_of_ngdp(),
            confirmations=self.confirmations,
            environment=run.env.name,
            findings=findings,
            language=run.settings.language,
            enable_at=enable_moment(run.env),
        )
        commands = KitCommands.of(run.settings, run.env)
        return evaluate(findings, evidence, run.settings.language, commands)

    def dispatcher_unchanged(self, config: DispatcherConfig | None) -> bool:
        """The dispatcher's values are those of the previous finished run (or there is none):
        a rehearsal against NgDP before this run then still tested them."""
        previous, view = self.previous.result()
        if previous is None:
            return True
        if isinstance(view, BaseException) or view is None:
            return False
        before = view.dispatcher.parameters if view.dispatcher else None
        return bool(before == (config.parameters if config else None))

    def write_changes(self, findings: list[Finding]) -> None:
        """``changes.json``: this run against the previous finished run of its environment."""
        from ..compare.diff import changes
        from ..deliverables.outputs import write_json

        previous, before = self.previous.result()
        if previous is None:
            return
        if isinstance(before, InputError):
            self.changes = {
                "schema": "ngdpkit/changes/2",
                "previous": {"run": previous.name},
                "problem": {
                    "code": "CHANGES_NOT_COMPARED",
                    "params": {"run": previous.name, "reason": before.problems[0]},
                },
            }
        else:
            self.changes = changes(before, self.current_view(findings))
        self.written.append(write_json(self.run.run_dir / "changes.json", self.changes))

    def current_view(self, findings: list[Finding]) -> Any:
        """This run as :class:`~ngdpkit.compare.runs.RunView` reads a finished run, from what
        it has written (the mapping's cells as reading its CSV would give them)."""
        from ..compare.runs import RunView, read_checklist, read_mapping_csv, register_table
        from .audit import file_digest, folder_files, is_deliverable

        run = self.run
        d = run.run_dir
        return RunView(
            path=d,
            environment=run.env.name,
            status=F.status_of(findings),
            findings=[f.to_dict(run.settings.language) for f in findings],
            manifest={
                p.relative_to(d).as_posix(): file_digest(p)[1]
                for p in folder_files(d)
                if is_deliverable(p.relative_to(d).as_posix())
            },
            anchor="",
            kit_version=__version__,
            dispatcher=run.dispatcher(),  # what its files hold (none: no file)
            portal=run.record(SystemRecord).portal,
            mapping=read_mapping_csv(d / "mailbox-mapping.csv", d.name)
            if run.mapping.cells is None
            else register_table(run.mapping.cells),
            units_on_demand=True,  # read only if a finding added by this run needs its unit
            checklist=read_checklist(d, d.name),  # written before changes.json
        )
