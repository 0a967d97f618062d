"""One environment's run, in its own process: from an empty folder to a manifest (contract §6, §7).

The order is the contract's: execute the notebooks (each in a kernel started while
the previous one runs) → scrub parameter copies → write JSON/CSV/XLSX → render
HTML (and PDF) → scan every file → the audit's last records → ``manifest.json``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import getpass
import os
import signal
import socket
import sys
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from .. import findings as F
from ..deliverables.dispatcher import DispatcherConfig
from ..errors import InputError, StepCrashed
from ..findings import Finding
from ..guids import canonical_guid
from ..settings import Environment, Settings, load_settings
from ..steps import STEP_MODULES, STEP_NAMES, OutputContext, PageContext, StepFile, read_step
from ..steps.records import (
    CertificateRecord,
    ContactPointsRecord,
    DispatcherRecord,
    MailboxesRecord,
    R,
    SystemRecord,
)
from .audit import INCOMPLETE
from .kernels import Kernels
from .mapping_files import MappingFiles

if TYPE_CHECKING:
    from ..documents.signing import Sealer
    from ..documents.signoff import Overview

INTERRUPTED = "INTERRUPTED"
from .folder import LATEST, RunFolder  # noqa: E402

__all__ = ["INCOMPLETE", "INTERRUPTED", "LATEST", "EnvironmentRun", "run_environment"]
CHILD_MARK = "NGDPKIT_RUN_DIR="
GO = "go"  # the parent's word, on a waiting child's stdin, that the input has passed its check


def default_out(settings: Settings) -> Path:
    return settings.base_dir / "runs"


def notebook_source(name: str, folder: Path | None = None) -> Path:
    """The packaged notebook, or the customised copy in ``folder`` when it has one."""
    if folder is not None and (folder / f"{name}.ipynb").is_file():
        return folder / f"{name}.ipynb"
    return Path(str(resources.files("ngdpkit") / "notebooks" / f"{name}.ipynb"))


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "?"


def _content_key(path: Path) -> str:
    """What a file holds, as its SHA-256 ("" when it cannot be read)."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _ci_job() -> str | None:
    for var in ("CI_JOB_URL", "GITHUB_RUN_ID", "BUILD_BUILDID", "CI_JOB_ID"):
        if os.environ.get(var):
            return f"{var}={os.environ[var]}"
    return None


def scrub_notebook(path: Path, settings: Settings) -> None:
    """Remove papermill's copies of the parameters (metadata and injected cell show only names)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call, unused-ignore]
    meta = nb.metadata.get("papermill", {})
    if "parameters" in meta:
        meta["parameters"] = {k: "(scrubbed)" for k in meta["parameters"]}
    for key in ("input_path", "output_path"):
        if key in meta:
            meta[key] = Path(meta[key]).name
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = "# Parameters injected by ngdpkit run (values scrubbed from this copy)"
            cell.outputs = [] if cell.cell_type == "code" else cell.get("outputs")
    from ..deliverables.outputs import atomic_write

    atomic_write(path, nbformat.writes(nb))  # type: ignore[no-untyped-call, unused-ignore]


class EnvironmentRun:
    """One environment's run, from an empty folder to a manifest."""

    def __init__(
        self,
        settings: Settings,
        env: Environment,
        out: Path,
        *,
        online: bool | str,
        pdf: bool,
        extra: list[Finding],
        notebooks: Path | None = None,
        kernels: Kernels | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.notebooks = notebooks
        self.settings = settings
        self.env = env
        self.online = online
        self.pdf = pdf
        self.extra = list(extra)
        self.late: list[Finding] = []  # found while rendering; see revise()
        self.folder = RunFolder.create(out, env.name, sealer=sealer)
        self.run_dir = self.folder.path
        self.trail = self.folder.trail
        self.timings: dict[str, float] = {}
        self.steps: dict[str, StepFile] = {}
        self.phases: dict[str, float] = {}
        self.first_kernel: Any = None
        self.crashed: str | None = None
        self.outputs: list[Path] = []
        self.anchor = ""
        self.checklist_rows: list[tuple[str, str, str, str, str]] = []
        self.changes: dict[str, Any] | None = None
        self.ahead: Any = None  # the thread rendering page parts while notebooks execute
        self.prepared: dict[str, Any] = {}  # step -> future of its prepare(record, language)
        self.written: dict[str, Any] = {}  # step -> future of its outputs, written ahead
        self.bodies: dict[Path, tuple[str, Any]] = {}  # notebook -> (its SHA-256, future)
        self.previous_loader: Any = None  # the thread reading the previous run
        self.previous: tuple[Any, Any] | None = None
        self.mapping = MappingFiles(self.run_dir, self.sheet_findings)
        self.kernels = kernels or Kernels()

    def rel(self, path: Path) -> str:
        return self.settings.rel(path)

    def log(self, text: str) -> None:
        print(text, flush=True)

    def start(self) -> None:
        s = self.settings
        self.trail.append(
            "run_started",
            settings=self.rel(s.path),
            settings_sha256=s.raw_sha256,
            environment=self.env.name,
            kind=self.env.kind,
            kit_version=__version__,
            user=_user(),
            host=socket.gethostname(),
            ci_job=_ci_job(),
            online=self.online,
            run_id=self.run_dir.name,
        )

    def launch_kernel(self, step: str) -> Any:
        """Start the kernel for notebook ``step`` now, so it boots while the previous
        notebook executes."""
        return self.kernels.launch(self.run_dir, step)

    def execute(self) -> None:
        """The notebooks in order, in one kernel: each starts in a fresh session (empty
        namespace, history and counter), with the kit's modules already imported."""
        import gc

        import papermill as pm

        gc.freeze()  # the kit and its libraries, imported by now: never walked by the collector
        (self.run_dir / "notebooks").mkdir(exist_ok=True)
        (self.run_dir / "steps").mkdir(exist_ok=True)
        seen_inputs: set[str] = set()
        km = self.first_kernel or self.launch_kernel(STEP_NAMES[0])
        self.first_kernel = None
        try:
            for i, name in enumerate(STEP_NAMES, start=1):
                if i > 1:
                    self.kernels.fresh_session(km)
                if name == "02_contact_points":
                    self.mapping.watch(self.env.name)
                km = self.execute_one(pm, i, name, km, seen_inputs)
                self.render_ahead(name)
                if name == "02_contact_points":
                    self.mapping.settle(
                        self.record(ContactPointsRecord).mapping, self.mapping_findings
                    )
        except BaseException:
            self.kernels.shutdown(km)
            self.mapping.discard()  # nothing begun from a notebook 02 that did not finish
            raise
        self.kernels.retire(km)

    def mapping_findings(self) -> list[dict[str, Any]]:
        """The findings sheet of the mapping workbook, from every step's findings."""
        return self.for_sheet(self.all_findings())

    def sheet_findings(self, step_02: list[Finding]) -> list[dict[str, Any]]:
        """The findings sheet while notebook 02 runs, from what it has found so far."""
        found = list(self.step_file("01_mailboxes").findings)
        return self.for_sheet(found + step_02 + self.extra)

    def for_sheet(self, found: list[Finding]) -> list[dict[str, Any]]:
        """What the run found about mailboxes, contact points, the mapping and cells (steps 01
        and 02, and the run itself), in the run's language."""
        from ..deliverables.outputs import MAPPING_FINDING_PREFIXES

        return [
            f.to_dict(self.settings.language)
            for f in found
            if f.code.startswith(MAPPING_FINDING_PREFIXES)
        ]

    def render_ahead(self, name: str) -> None:
        """Once notebook ``name`` has finished, render on a thread what the sign-off will show
        of it that depends on nothing else (its outputs as a page body, its step's
        ``prepare``), while the next notebook executes: this process only waits then."""
        from concurrent.futures import ThreadPoolExecutor

        from ..documents.signoff import notebook_file_body

        if self.ahead is None:
            self.ahead = ThreadPoolExecutor(1, thread_name_prefix="render-ahead")
        nb = self.run_dir / "notebooks" / f"{name}.ipynb"
        self.bodies[nb] = (_content_key(nb), self.ahead.submit(notebook_file_body, nb))
        module = STEP_MODULES.get(name)
        if module is not None and hasattr(module, "prepare"):
            record = self.step_file(name).record
            self.prepared[name] = self.ahead.submit(module.prepare, record, self.settings.language)
        if module is not None and getattr(module, "OUTPUTS_AHEAD", False):
            ctx = self.output_context(mapping_files=self.mapping_paths)
            self.written[name] = self.ahead.submit(module.outputs, self.step_file(name).record, ctx)

    def output_context(self, **changes: Any) -> OutputContext:
        return OutputContext(
            run_dir=self.run_dir,
            language=self.settings.language,
            system_id=canonical_guid(self.env.system_id or "") or "",
            **changes,
        )

    def mapping_paths(self) -> list[Path]:
        return [self.run_dir / "mailbox-mapping.csv", self.run_dir / "mailbox-mapping.xlsx"]

    def written_ahead(self, name: str) -> list[Path] | None:
        """The files of step ``name`` written while the later notebooks ran (None: not
        written ahead, or it failed; they are written now)."""
        future = self.written.pop(name, None)
        if future is None:
            return None
        try:
            return list(future.result())
        except Exception:
            return None

    def notebook_body(self, nb: Path) -> Any:
        """The notebook's page body rendered ahead, if the file is still the one it was
        rendered from (a leak stub replaces it), else None (rendered now)."""
        key, future = self.bodies.get(nb, (None, None))
        if future is None or key != _content_key(nb):
            return None
        try:
            return future.result()
        except Exception:
            return None  # rendered again now, where an error is reported as it always was

    def prepared_for(self, name: str) -> dict[str, Any]:
        future = self.prepared.get(name)
        if future is None:
            return {}
        try:
            return dict(future.result())
        except Exception:
            return {}  # the step's pages render it themselves

    def execute_one(self, pm: Any, i: int, name: str, km: Any, seen_inputs: set[str]) -> Any:
        """One notebook in the (already started) kernel ``km``; returns the kernel the
        following notebooks use (another one if ``km`` died while it started)."""
        out_nb = self.run_dir / "notebooks" / f"{name}.ipynb"
        self.log(f"  {i}/{len(STEP_NAMES)} {name} …")
        t0 = time.monotonic()

        def execute(kernel: Any) -> None:
            pm.execute_notebook(
                str(notebook_source(name, self.notebooks)),
                str(out_nb),
                parameters={
                    "environment": self.env.name,
                    "settings": str(self.settings.path),
                    "run_dir": str(self.run_dir),
                    "online": self.online,
                },
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=str(self.run_dir),
                km=kernel,
                request_save_on_cell_execute=False,  # one write at the end, not one per cell
            )

        try:
            try:
                execute(km)
            except RuntimeError as exc:
                if "before replying to kernel_info" not in str(exc):
                    raise
                # The kernel died while it started, before any cell ran: one fresh kernel,
                # which the following notebooks use.
                self.log(f"  {name}: the kernel did not start; starting another")
                self.kernels.shutdown(km)
                km = self.launch_kernel(name)
                execute(km)
        except Exception as exc:  # PapermillExecutionError, a dead kernel, a missing kernel
            if (
                getattr(exc, "ename", "") == "KeyboardInterrupt"
                or (self.run_dir / INTERRUPTED).exists()
            ):
                raise KeyboardInterrupt from exc
            reason = (
                getattr(exc, "ename", type(exc).__name__)
                + ": "
                + str(getattr(exc, "evalue", exc)).splitlines()[0][:300]
            )
            self.timings[name] = time.monotonic() - t0
            self.crashed = name
            self.trail.append(
                "step",
                step=name,
                status="crashed",
                duration_s=round(self.timings[name], 3),
                error=reason,
            )
            self.log(f"  {name} crashed: {reason}")
            if out_nb.is_file():
                scrub_notebook(out_nb, self.settings)
            raise StepCrashed(name, reason) from exc
        self.timings[name] = time.monotonic() - t0
        scrub_notebook(out_nb, self.settings)
        data = self.step_file(name)
        for entry in data.inputs_read:
            if entry.path not in seen_inputs:
                seen_inputs.add(entry.path)
                self.trail.append("input_read", **entry.entry())
        counts = F.counts(data.findings)
        self.trail.append(
            "step",
            step=name,
            status=data.status,
            duration_s=round(self.timings[name], 3),
            counts=counts,
        )
        self.log(f"  {i}/{len(STEP_NAMES)} {name}: {data.status} ({self.timings[name]:.1f} s)")
        return km

    def step_file(self, name: str) -> StepFile:
        """A step file, read once: it is final when its notebook has finished."""
        if name not in self.steps:
            path = self.run_dir / "steps" / f"{name}.json"
            if not path.is_file():
                return StepFile.missing(name)
            self.steps[name] = read_step(path)
        return self.steps[name]

    def record(self, kind: type[R]) -> R:
        """A step's typed record (empty when its notebook wrote no file)."""
        record = self.step_file(kind.step).record
        assert isinstance(record, kind)
        return record

    def all_findings(self) -> list[Finding]:
        found: list[Finding] = []
        for name in STEP_NAMES:
            found += self.step_file(name).findings
        return found + self.extra

    def write_outputs(self) -> None:
        """findings.json, then each step's own files (in step order), then the run's."""
        from ..deliverables.outputs import write_json

        d = self.run_dir
        self.read_confirmations()
        findings = self.all_findings()
        # Derived once, before findings.json (which carries its readiness): the page and
        # the console say what the sealed checklist.json and checklist.xlsx hold.
        self.checklist_result = self.checklist(findings)
        self.outputs.append(write_json(d / "findings.json", self.findings_json(findings)))
        if self.record(ContactPointsRecord).mapping is not None:
            self.mapping.finish(self.mapping_findings())  # current, its hash known, first
        ctx = self.output_context(mapping_files=self.mapping_paths)
        for name, module in STEP_MODULES.items():
            if hasattr(module, "outputs"):
                if name == "05_dispatcher_config":  # decided after the mapping's hash is known
                    ctx = dataclasses.replace(ctx, dispatcher=self.dispatcher())
                files = self.written_ahead(name)
                if files is None:
                    files = module.outputs(self.step_file(name).record, ctx)
                self.outputs += files
        self.write_changes(findings)
        self.outputs += self.write_checklist()
        self.outputs += self.write_runbook()

    def write_runbook(self) -> list[Path]:
        """``runbook.xlsx`` and (when ``[golive]`` dates a step) ``runbook.ics``: the go-live
        steps of this environment with their dates and owners."""
        from ..documents.runbook import build_runbook, write_runbook

        self.runbook = build_runbook(self.settings, self.env)
        return write_runbook(self.run_dir, self.runbook, stamp=dt.datetime.now(dt.UTC))

    def write_checklist(self) -> list[Path]:
        """``checklist.json`` and ``checklist.xlsx`` from the checklist derived last."""
        from ..deliverables.checklist import HEADERS
        from ..deliverables.outputs import write_json, write_workbook

        lang = self.settings.language
        self.checklist_rows = self.checklist_result.table_rows(lang)
        return [
            write_json(self.run_dir / "checklist.json", self.checklist_result.to_json()),
            write_workbook(
                self.run_dir / "checklist.xlsx",
                [
                    (
                        "Tjekliste" if lang == "da" else "Checklist",
                        HEADERS[lang],
                        self.checklist_rows,
                        None,
                    )
                ],
            ),
        ]

    def read_confirmations(self) -> None:
        """``confirmations.jsonl`` beside the settings file: an input of every run (recorded
        in the audit like every input); a broken chain is a finding and counts for nothing."""
        from ..checks.evidence import confirmations_path, read_confirmations
        from .audit import file_digest

        path = confirmations_path(self.settings.path)
        self.confirmations, problems = read_confirmations(path)
        self.extra += problems
        if path.is_file() and not path.is_symlink():
            size, digest = file_digest(path)
            self.trail.append("input_read", path=self.settings.rel(path), size=size, sha256=digest)

    def checklist(self, findings: list[Finding]) -> Any:
        """The eight rows with their evidence and the readiness (``checklist.Checklist``)."""
        from ..checks.evidence import gather
        from ..deliverables.checklist import evaluate

        contact = self.record(ContactPointsRecord)
        facts = self.record(CertificateRecord).certificate
        config = self.dispatcher()
        evidence = gather(
            servers=[s.name for s in self.env.servers],
            observation=contact.ngdp,
            register=contact.register,
            server_evidence=self.record(SystemRecord).evidence,
            thumbprint=facts.thumbprint_sha1 if facts else None,
            certificate_known=bool(facts),
            system_id=self.env.system_id,
            contact_points_known=contact.contact_points is not None,
            mapping_complete=not any(
                f.code in ("MAILBOX_UNMAPPED", "PENDING_MAPPING") for f in findings
            ),
            dispatcher=config.to_json() if config is not None else None,  # as the file has it
            dispatcher_unchanged=self.dispatcher_unchanged(config),
            acceptance=self.acceptance(),
            confirmations=getattr(self, "confirmations", []),
            environment=self.env.name,
            findings=findings,
            language=self.settings.language,
        )
        return evaluate(findings, evidence, self.settings.language)

    def dispatcher_unchanged(self, config: DispatcherConfig | None) -> bool:
        """The dispatcher's values are those of the previous finished run (or there is none):
        a rehearsal against NgDP before this run then still tested them."""
        previous, view = self.previous_run()
        if previous is None:
            return True
        if isinstance(view, BaseException) or view is None:
            return False
        before = view.dispatcher.parameters if view.dispatcher else None
        return before == (config.parameters if config else None)

    def acceptance(self) -> Any:
        """The newest rehearsal of this environment that verifies, as a typed
        :class:`~ngdpkit.run.neighbours.AcceptanceView` (None when there is none); read once."""
        if not hasattr(self, "_acceptance"):
            from .neighbours import latest_acceptance

            self._acceptance = latest_acceptance(self.run_dir.parent)
        return self._acceptance

    def load_previous_run(self) -> None:
        """Read the previous finished run of this environment (for ``changes.json``) on a
        thread while the notebooks run: this process mostly waits for the kernel then."""
        import threading

        def load() -> None:
            from ..compare.runs import RunView, latest_run
            from .neighbours import check_folder

            previous = None
            try:
                previous = latest_run(self.run_dir.parent)
                view = None
                if previous is not None:
                    _, why = check_folder(previous, environment=self.env.name)
                    if why:  # nothing of a folder that does not verify reaches a page
                        raise InputError(why)
                    view = RunView.load(previous, label=previous.name)
                self.previous = (previous, view)
            except BaseException as exc:  # InputError: cannot be compared; else raised on join
                self.previous = (previous, exc)

        self.previous_loader = threading.Thread(target=load, name="previous-run", daemon=True)
        self.previous_loader.start()

    def previous_run(self) -> tuple[Path | None, Any]:
        """(the previous run's folder or None, its view or the InputError saying why it
        cannot be compared)."""
        if self.previous_loader is None:
            self.load_previous_run()
        self.previous_loader.join()
        assert self.previous is not None
        previous, view = self.previous
        if isinstance(view, BaseException) and not isinstance(view, InputError):
            raise view
        return previous, view

    def write_changes(self, findings: list[Finding]) -> None:
        """``changes.json``: this run against the previous finished run of its environment."""
        from ..compare.diff import changes
        from ..compare.runs import (
            RunView,
            read_mailbox_units,
            read_mapping_csv,
            register_table,
        )
        from ..deliverables.outputs import write_json
        from .audit import file_digest, folder_files, is_deliverable

        previous, before = self.previous_run()
        if previous is None:
            return
        if isinstance(before, InputError):
            exc = before
            self.changes = {
                "schema": "ngdpkit/changes/2",
                "previous": {"run": previous.name},
                "problem": {
                    "code": "CHANGES_NOT_COMPARED",
                    "params": {"run": previous.name, "reason": exc.problems[0]},
                },
            }
        else:
            current = RunView(
                path=self.run_dir,
                environment=self.env.name,
                status=F.status_of(findings),
                findings=[f.to_dict(self.settings.language) for f in findings],
                manifest={
                    p.relative_to(self.run_dir).as_posix(): file_digest(p)[1]
                    for p in folder_files(self.run_dir)
                    if is_deliverable(p.relative_to(self.run_dir).as_posix())
                },
                anchor="",
                kit_version=__version__,
                dispatcher=self.dispatcher(),  # what its files hold (none: no file)
                portal=self.record(SystemRecord).portal,
                mapping=read_mapping_csv(self.run_dir / "mailbox-mapping.csv", self.run_dir.name)
                if self.mapping.cells is None
                else register_table(self.mapping.cells),  # what reading the file gives
                mailboxes=read_mailbox_units(self.run_dir, self.run_dir.name),
            )
            self.changes = changes(before, current)
        self.outputs.append(write_json(self.run_dir / "changes.json", self.changes))

    def dispatcher(self) -> DispatcherConfig | None:
        """The dispatcher configuration as written: step 05's, after the run-level findings."""
        from ..deliverables.dispatcher import finalise

        return finalise(
            self.record(DispatcherRecord).dispatcher,
            self.extra,
            self.env,
            mapping_sha256=self.mapping.sha256,
        )

    def findings_json(self, findings: list[Finding]) -> dict[str, Any]:
        status = "crashed" if self.crashed else F.status_of(findings)
        out = {
            "environment": self.env.name,
            "status": status,
            "error": f"{self.crashed} crashed" if self.crashed else None,
            "findings": [f.to_dict(self.settings.language) for f in F.sort_findings(findings)],
        }
        checklist = getattr(self, "checklist_result", None)
        if checklist is not None:
            out["readiness"] = checklist.readiness.to_json()
        return out

    def banners(self, findings: list[Finding]) -> list[str]:
        """The custom-trust-anchor banner follows the settings, whether or not a certificate was read."""
        from ..documents.i18n import t

        out = []
        if self.settings.trust_anchors:
            out.append(
                t(
                    self.settings.language,
                    "custom_anchors",
                    kinds=", ".join(self.settings.trust_anchors),
                )
            )
        observed = self.record(ContactPointsRecord).ngdp
        if observed is not None and self.env.ngdp_api_url:
            out.append(t(self.settings.language, "ngdp_overridden_banner", url=observed.base_url))
        return out

    def render(self) -> None:

        from ..deliverables.outputs import atomic_write
        from ..documents.i18n import t
        from ..documents.signoff import (
            navigation,
            render_checklist,
            render_notebook,
            render_overview,
            step_title,
        )

        lang = self.settings.language
        sign = self.run_dir / "signoff"
        sign.mkdir(exist_ok=True)
        findings = self.all_findings()
        banners = self.banners(findings)
        names = [n for n in STEP_NAMES if (self.run_dir / "notebooks" / f"{n}.ipynb").is_file()]
        acceptance = self.acceptance()
        extra_links = [
            ("portal.html", t(lang, "portal")),
            ("firewall.html", t(lang, "firewall")),
            ("dispatcher.html", t(lang, "dispatcher_page")),
            ("checklist.html", t(lang, "checklist")),
            ("runbook.html", t(lang, "runbook")),
        ]
        nav = navigation(lang, names, extra_links)
        for name in names:
            render_notebook(
                self.run_dir / "notebooks" / f"{name}.ipynb",
                sign / f"{name}.html",
                body=self.notebook_body(self.run_dir / "notebooks" / f"{name}.ipynb"),
                title=step_title(lang, name),
                language=lang,
                banners=banners,
                nav=nav,
                anchor=self.anchor,
            )
        leaked = any(f.code == "SECRET_LEAK" for f in findings)
        config = None if leaked else self.dispatcher()
        withheld_by = self.record(DispatcherRecord).withheld_by + (
            ["SECRET_LEAK"] if leaked else []
        )
        page_ctx = PageContext(
            language=lang,
            nav=nav,
            banners=banners,
            environment=self.env.name,
            anchor=self.anchor,
            authorization_env=self.env.authorization_env,
            dispatcher=config,
            withheld_by=withheld_by,
        )
        for name, module in STEP_MODULES.items():
            if hasattr(module, "pages"):
                step_ctx = dataclasses.replace(page_ctx, prepared=self.prepared_for(name))
                for page, html in module.pages(self.step_file(name).record, step_ctx).items():
                    atomic_write(sign / page, html)
        from ..documents.diagram import render_diagram

        svg = render_diagram(self.env, organisation=self.settings.organisation.name, language=lang)
        atomic_write(sign / "diagram.svg", svg)
        checklist = self.checklist_rows
        atomic_write(
            sign / "checklist.html",
            render_checklist(
                checklist,
                language=lang,
                nav=nav,
                banners=banners,
                environment=self.env.name,
                anchor=self.anchor,
            ),
        )
        from ..documents.runbook import build_runbook, render_runbook

        runbook = getattr(self, "runbook", None) or build_runbook(self.settings, self.env)
        atomic_write(
            sign / "runbook.html",
            render_runbook(
                runbook,
                nav=nav,
                banners=banners,
                anchor=self.anchor,
                calendar_file=(self.run_dir / "runbook.ics").is_file(),
            ),
        )
        overview = self.overview(
            findings, config, withheld_by, banners, nav, svg, acceptance, leaked=leaked
        )
        atomic_write(sign / "index.html", render_overview(overview))
        if self.pdf:
            why = self.print_document(sign, [*names], acceptance) or self.sign_document(
                sign / "signoff.pdf"
            )
            if why:
                self.log(f"  PDF: {why}")

    def overview(
        self,
        findings: list[Finding],
        config: DispatcherConfig | None,
        withheld_by: list[str],
        banners: list[str],
        nav: Any,
        svg: str,
        acceptance: Any,
        *,
        leaked: bool,
    ) -> Overview:
        """What the overview page shows, from the step records and the run's own facts."""
        from ..documents.i18n import count
        from ..documents.signoff import DispatcherSummary, Overview, StepRow, unit_lookup

        lang = self.settings.language
        final = self.dispatcher()
        blocked = leaked or final is None or not final.ready
        steps = []
        for name in STEP_NAMES:
            data = self.step_file(name)
            status = "crashed" if name == self.crashed else data.status
            if name == "05_dispatcher_config" and status != "crashed" and blocked:
                status = "blocked"  # withheld or not ready is never "ok"
            counts = F.counts(data.findings)
            steps.append(
                StepRow(
                    name=name,
                    status=status,
                    counts=", ".join(count(lang, n, s) for s, n in counts.items() if n),
                    duration_s=self.timings.get(name, 0.0),
                )
            )
        system = self.record(SystemRecord)
        contact = self.record(ContactPointsRecord)
        return Overview(
            language=lang,
            organisation=self.settings.organisation.name,
            cvr=self.settings.organisation.cvr,
            environment=self.env.name,
            kind=self.env.kind,
            run_id=self.run_dir.name,
            generated_at=dt.datetime.now(dt.UTC),
            kit_version=__version__,
            ready=verdict(findings, config, crashed=bool(self.crashed)),
            readiness=getattr(self, "checklist_result", None),
            steps=tuple(steps),
            findings=tuple(findings),
            network=system.network,
            evidence=system.evidence or (),
            dispatcher=DispatcherSummary.of(config) if config is not None else None,
            withheld_by=tuple(withheld_by),
            mapping=contact.mapping,
            decisions=contact.decisions,
            contact_point_names={p.id: p.name for p in contact.contact_points or ()},
            units=unit_lookup(contact.mapping, self.record(MailboxesRecord).sheet),
            audit_hash=self.anchor,
            banners=tuple(banners),
            rehearsal=f"../../{acceptance.folder.path.name}/signoff/index.html"
            if acceptance
            else None,
            rehearsal_local=acceptance.against == "simulator" if acceptance else False,
            comparison=comparison_link(self.run_dir.parent.parent, self.run_dir),
            checklist=self.checklist_rows,
            diagram="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            changes=self.changes,
            seal=self.folder.sealer.seal.subject if self.folder.sealer else None,
            nav=nav,
        )

    def sign_document(self, pdf: Path) -> str | None:
        """The seal's PAdES signature on the printed PDF (nothing without ``[signing]``), before
        the scan, so that the manifest hashes the signed PDF. None, or why there is no PDF
        now (it could not be signed and was removed). A time-stamping service that failed is
        a finding, found only now: :meth:`revise` adds it."""
        from ..documents.signing import SigningFailed

        try:
            why = self.folder.sign_pdf(pdf)
        except SigningFailed as exc:
            return f"the PDF was not made: {exc}"
        if why:
            self.log(f"  PDF: signed without a timestamp ({why})")
            url = self.settings.signing.timestamp_url if self.settings.signing else ""
            self.late.append(
                F.warning(
                    "SIGNING_TIMESTAMP_FAILED",
                    "The time-stamping service {url} gave no timestamp ({reason}); signoff.pdf is signed without one.",
                    "signing.timestamp_url",
                    url=url,
                    reason=why,
                )
            )
        return None

    def revise(self) -> bool:
        """After a clean scan: whether rendering found something (a timestamp that was not
        given), in which case it joins the findings, ``findings.json`` and the checklist are
        written again, and the folder is sealed, rendered and scanned again."""
        if not self.late:
            return False
        from ..deliverables.outputs import write_json

        self.extra += self.late
        self.late = []
        findings = self.all_findings()
        self.checklist_result = self.checklist(findings)
        write_json(self.run_dir / "findings.json", self.findings_json(findings))
        self.write_checklist()
        return True

    def print_document(self, sign: Path, names: list[str], acceptance: Any) -> str | None:
        """The whole document as one A4 PDF (``signoff/signoff.pdf``). The acceptance part is
        rendered here from the verified rehearsal's ``acceptance.json`` through the kit's
        templates; the rehearsal's own HTML is never read."""
        import tempfile

        from ..documents.pdf import print_document
        from ..rehearsal.flow import render_acceptance_view

        order = ["index.html", *(f"{n}.html" for n in names)]
        # The overview holds the checklist: its own page is not printed a second time.
        order += ["portal.html", "firewall.html", "dispatcher.html"]
        pages = [sign / p for p in order if (sign / p).is_file()]
        org = self.settings.organisation.name
        anchor_word = "anker" if self.settings.language == "da" else "anchor"
        with tempfile.TemporaryDirectory(prefix="ngdpkit-acceptance-") as tmp:
            if acceptance is not None:
                part = Path(tmp) / "acceptance.html"
                part.write_text(
                    render_acceptance_view(self.settings, self.env, acceptance), encoding="utf-8"
                )
                pages.append(part)
            return print_document(
                pages,
                sign / "signoff.pdf",
                language=self.settings.language,
                title=f"{org} - {self.env.name} - {self.run_dir.name}",
                footer=f"{org} · {self.env.name} · {self.run_dir.name} · {anchor_word} {self.anchor}",
            )

    def phase(self, name: str, started: float) -> None:
        self.phases[name] = round(self.phases.get(name, 0.0) + time.monotonic() - started, 3)

    def finish(self, code: int, status: str, *, keep_incomplete: bool = True) -> int:
        """The last records after a crash or Ctrl-C (the folder stays marked incomplete)."""
        return self.folder.finish(
            code, status, finished=self.finished_fields(), keep_incomplete=keep_incomplete
        )

    def finished_fields(self) -> dict[str, Any]:
        return {
            "durations": {k: round(v, 3) for k, v in self.timings.items()},
            "phases": self.phases,
        }

    def on_leak(self, leaks: list[tuple[Path, list[str]]]) -> None:
        """A file held a secret (it is a stub now): say so, withhold the dispatcher
        configuration and rewrite the findings; the folder renders and scans again."""
        from ..deliverables.outputs import write_json
        from .scan import leak_findings

        self.extra += leak_findings(leaks, self.rel)
        (self.run_dir / "dispatcher-config.json").unlink(missing_ok=True)
        write_json(self.run_dir / "findings.json", self.findings_json(self.all_findings()))
        # The PDF's compressed text cannot be searched: it is printed again from the clean pages.
        (self.run_dir / "signoff" / "signoff.pdf").unlink(missing_ok=True)

    def result(self, code: int) -> tuple[int, str]:
        findings = self.all_findings()
        if code == 0:
            code = 1 if any(f.severity == "error" for f in findings) else 0
        return code, "crashed" if code == 3 else F.status_of(findings)


def verdict(
    findings: list[Finding],
    config: DispatcherConfig | dict[str, Any] | None,
    *,
    crashed: bool,
) -> str:
    """The overview's word: ready only without errors and warnings, ready with remarks with
    warnings only, not ready otherwise (also while the dispatcher is withheld or not ready).
    ``config``: the final configuration, typed or as its file holds it."""
    ready = (
        config.ready
        if isinstance(config, DispatcherConfig)
        else bool(config and config.get("ready"))  # the file's JSON (a caller's own)
    )
    status = F.status_of(findings)
    if crashed or status == "errors" or not ready:
        return "not_ready"
    return "ready_with_remarks" if status == "warnings" else "ready"


def comparison_link(out: Path, run_dir: Path) -> dict[str, str] | None:
    """The newest comparison beside the environments that verifies, as a link from the
    signoff/ of ``run_dir``, and whether it compared that run: ``note`` is "" when its
    ``runs`` names it, "older" when it names another run of its environment (``run``),
    "inputs" for a comparison of the inputs (``--from-inputs``), "other" when it compared
    other environments. A run's own pages are made before it finishes, so the newest
    comparison has always compared older runs than the one being signed, and says so."""
    from .neighbours import latest_comparison, read_json_file

    found = latest_comparison(out)
    if found is None:
        return None
    link = {"href": f"../../../compare/{found.path.name}/signoff/index.html", "note": ""}
    try:
        runs = read_json_file(found.path / "compare.json").get("runs")
    except (ValueError, AttributeError):
        runs = None
    mine = runs.get(run_dir.parent.name) if isinstance(runs, dict) else None
    compared = mine.get("run") if isinstance(mine, dict) else None
    if not isinstance(runs, dict):
        link["note"] = "inputs"
    elif not isinstance(compared, str):
        link["note"] = "other"
    elif compared != run_dir.name:
        link.update(note="older", run=compared)
    return link


def skip_iri_grammar() -> None:
    """Mark rfc3987-syntax absent in this process, before papermill is imported.

    jsonschema (imported through papermill and nbformat) uses it, when it is installed
    (JupyterLab brings it), to check the "iri" string formats, and importing it compiles a
    grammar: 0.8 s of CPU on the run's critical path, while the first kernel boots on the
    other core. No notebook schema uses those formats (a test checks nbformat's schemas);
    jsonschema then leaves them unchecked, as it does when the package is not installed.
    """
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # now an ImportError


def _open_seal_ahead(settings: Settings) -> Any:
    """Open ``[signing]``'s certificate on a thread (importing pyHanko takes 0.35 s) while the
    kernel boots; the returned call waits for (the sealer or None, its findings)."""
    import threading

    if settings.signing is None:
        return lambda: (None, [])
    from ..documents.signing import seal_from_settings

    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append(seal_from_settings(settings))
        except BaseException as exc:  # raised in the run's own thread by the call below
            outcome.append(exc)

    thread = threading.Thread(target=work, name="open-seal", daemon=True)
    thread.start()

    def wait() -> tuple[Any, list[Finding]]:
        thread.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]  # type: ignore[no-any-return]

    return wait


def _boot_and_wait(kernels: Kernels, out: Path) -> tuple[Any, int | None]:
    """Boot the first kernel and import what the run needs while the parent checks the
    input; then wait for its word. (the kernel, None) on ``go``; otherwise the kernel is
    ended and (None, the exit code)."""
    early, code = None, 0
    try:
        early = kernels.launch(out, STEP_NAMES[0])
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        go = sys.stdin.readline().strip() == GO
    except KeyboardInterrupt:
        go, code = False, 130
    if go:
        return early, None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # end the kernel, whatever arrives
    if early is not None:
        kernels.shutdown(early)
    kernels.close()
    return None, code


def run_environment(
    settings_path: Path,
    name: str,
    out: Path,
    *,
    online: bool | str,
    pdf: bool,
    extra: list[Finding],
    notebooks: Path | None = None,
    wait: bool = False,
) -> int:
    """The child: one environment from start to manifest. Returns the exit code.

    With ``wait`` the parent is still checking the input: the child boots its kernel and
    imports what it will need, then waits for ``go`` on its stdin before it creates the run
    folder. The end of its stdin instead (the input was refused, or the parent has gone)
    ends it without a trace."""
    from ..redact import one_line
    from .scan import environment_secrets

    skip_iri_grammar()
    settings = load_settings(settings_path)
    env = settings.environment(name)
    opening = _open_seal_ahead(settings)
    # The notebooks never need the seal's password: their kernels start without it.
    withheld = tuple(v for v in settings.signing_secret_names if v not in env.secret_names)
    kernels, early = Kernels(withheld=withheld), None
    if wait:
        early, stopped = _boot_and_wait(kernels, out)
        if stopped is not None:
            return stopped
    sealer, sealing = opening()
    r = EnvironmentRun(
        settings,
        env,
        out,
        online=online,
        pdf=pdf,
        extra=[*extra, *sealing],
        notebooks=notebooks,
        kernels=kernels,
        sealer=sealer,
    )
    secrets = environment_secrets(r.settings, r.env)
    r.folder.scan_as_written(secrets)  # each file scanned by its writer, not read back
    print(f"{CHILD_MARK}{r.run_dir}", flush=True)
    if early is not None:
        r.first_kernel = early
        kernels.enter(early, r.run_dir)
    else:
        r.first_kernel = r.launch_kernel(STEP_NAMES[0])  # boots while the kit is imported
    r.log(f"{name}: {r.run_dir}")
    code = 0
    try:
        r.start()
        r.load_previous_run()
        try:
            r.execute()
        except StepCrashed:
            code = 3
        findings = r.all_findings()
        r.trail.append(
            "checks_finished",
            status="crashed" if r.crashed else F.status_of(findings),
            counts=F.counts(findings),
        )
        t0 = time.monotonic()
        r.write_outputs()
        r.phase("outputs", t0)
        r.kernels.reap()  # every kernel gone before the folder is sealed and scanned
        t0 = time.monotonic()

        def render(anchor: str) -> None:
            t1 = time.monotonic()
            r.anchor = anchor
            r.render()
            r.phase("render", t1)

        code = r.folder.close(
            secrets=secrets,
            render=render,
            on_leak=r.on_leak,
            result=lambda: r.result(code),
            finished=r.finished_fields(),
            revise=r.revise,
        )
        r.phase("seal, scan and audit", t0)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish the record, whatever else arrives
        r.finish(130, "interrupted")
        r.log(f"{name}: interrupted; {r.run_dir} stays marked {INCOMPLETE}")
        return 130
    except Exception as exc:
        code = 3
        reason = f"{type(exc).__name__}: {one_line(str(exc))}"
        try:
            r.finish(3, f"crashed: {reason}")
        except Exception:
            pass
        r.log(f"{name}: the kit crashed: {reason}")
        return 3
    finally:
        if r.first_kernel is not None:  # never leave a pre-started kernel behind
            r.kernels.shutdown(r.first_kernel)
        r.mapping.close()  # nor a writer
        if r.ahead is not None:
            r.ahead.shutdown(wait=True, cancel_futures=True)
        r.kernels.close()  # nor a retired one
    if code != 3:
        r.folder.mark_latest()
    checklist = getattr(r, "checklist_result", None)
    readiness = f" · {checklist.readiness.words(r.settings.language)}" if checklist else ""
    r.log(
        f"{name}: {'crashed in ' + r.crashed if r.crashed else F.status_of(r.all_findings())}{readiness} → {r.run_dir / 'signoff' / 'index.html'}"
    )
    return code
