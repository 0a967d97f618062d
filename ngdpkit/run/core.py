"""What the phases of one environment's run share (:mod:`.environment` composes them): the
settings and environment, the run folder and its audit trail, the kernel and the mapping
writers, the step files (each read once, final when its notebook has finished), and the
findings and dispatcher configuration derived from them."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..deliverables.dispatcher import DispatcherConfig
from ..deliverables.workbook_about import WorkbookLabel
from ..findings import Finding
from ..guids import canonical_guid
from ..settings import Environment, Settings
from ..steps import STEP_NAMES, OutputContext, StepFile, read_step
from ..steps.records import DispatcherRecord, R
from .folder import RunFolder
from .kernels import Kernels
from .mapping_files import MappingFiles

if TYPE_CHECKING:
    from ..documents.signing import Sealer
    from .neighbours import AcceptanceView

_UNREAD = object()  # the newest rehearsal, not looked for yet


class RunCore:
    """One environment's run as its phases see it."""

    def __init__(
        self,
        settings: Settings,
        env: Environment,
        out: Path,
        *,
        online: bool | str,
        pdf: bool,
        extra: list[Finding],
        kernels: Kernels | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.settings = settings
        self.env = env
        self.online = online
        self.pdf = pdf
        self.extra = list(extra)
        self.folder = RunFolder.create(out, env.name, sealer=sealer)
        self.run_dir = self.folder.path
        self.trail = self.folder.trail
        self.steps: dict[str, StepFile] = {}
        self._steps_lock = threading.RLock()
        self.anchor = ""
        self.kernels = kernels or Kernels()
        self.mapping = MappingFiles(self.run_dir, self.sheet_findings, self.workbook_label())
        self._acceptance: AcceptanceView | None | object = _UNREAD
        self._ngdp_acceptance: AcceptanceView | None | object = _UNREAD

    def rel(self, path: Path) -> str:
        return self.settings.rel(path)

    def log(self, text: str) -> None:
        print(text, flush=True)

    def log_together(self, lines: list[str]) -> None:
        """``lines`` said one after another: with two environments, the other child's progress
        came between production's summary and its "Drejebogens trin 1" (CI saw it)."""
        from .lines import together

        print(together(lines), flush=True)

    def step_file(self, name: str) -> StepFile:
        """A step file, read once: it is final when its notebook has finished. Read on the
        thread that records a finished notebook while the render-ahead thread may ask too:
        one read, one record, whichever asks first."""
        with self._steps_lock:
            return self._step_file(name)

    def _step_file(self, name: str) -> StepFile:
        if name not in self.steps:
            path = self.run_dir / "steps" / f"{name}.json"
            if not path.is_file():
                return StepFile.missing(name)
            step = read_step(path)
            for name_before in set(step.record.shared.values()):
                before = self._step_file(name_before)
                if before.status != "missing":  # one read of what they share
                    step.record.link(before.record)
            self.steps[name] = step
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

    def workbook_label(
        self, checklist: Any = None, findings: list[Finding] | None = None
    ) -> WorkbookLabel:
        """What ``mailbox-mapping.xlsx`` says of itself: the organisation, environment, run
        and kit; with the run's ``checklist`` (:class:`~ngdpkit.deliverables.checklist.Checklist`)
        the readiness the overview states and ``findings``' errors and warnings."""
        from .. import __version__
        from ..checks.system import shown_cvr
        from ..findings import counts

        about = WorkbookLabel(
            organisation=self.settings.organisation.name,
            cvr=shown_cvr(self.settings.organisation.cvr),
            environment=self.env.name,
            run_id=self.run_dir.name,
            version=__version__,
            language=self.settings.language,
        )
        if checklist is None:
            return about
        found = counts(findings or [])
        words = checklist.readiness.words(self.settings.language)
        return about.known(words, found["error"], found["warning"])

    def output_context(self, **changes: Any) -> OutputContext:
        return OutputContext(
            run_dir=self.run_dir,
            language=self.settings.language,
            system_id=canonical_guid(self.env.system_id or "") or "",
            **changes,
        )

    def mapping_paths(self) -> list[Path]:
        return [self.run_dir / "mailbox-mapping.csv", self.run_dir / "mailbox-mapping.xlsx"]

    def dispatcher(self) -> DispatcherConfig | None:
        """The dispatcher configuration as written: step 05's, after the run-level findings."""
        from ..deliverables.dispatcher import finalise

        return finalise(
            self.record(DispatcherRecord).dispatcher,
            self.extra,
            self.env,
            mapping_sha256=self.mapping.sha256,
        )

    def acceptance(self) -> AcceptanceView | None:
        """The newest rehearsal of this environment that verifies, as a typed
        :class:`~ngdpkit.run.neighbours.AcceptanceView` (None when there is none); read once."""
        if self._acceptance is _UNREAD:
            from .neighbours import latest_acceptance

            self._acceptance = latest_acceptance(self.run_dir.parent)
        return self._acceptance  # type: ignore[return-value]  # read above

    def acceptance_of_ngdp(self) -> AcceptanceView | None:
        """The newest verified rehearsal of this environment sent ``--against ngdp`` (what
        checklist step 8 judges), or None; read once."""
        if self._ngdp_acceptance is _UNREAD:
            from .neighbours import latest_acceptance

            self._ngdp_acceptance = latest_acceptance(self.run_dir.parent, against="ngdp")
        return self._ngdp_acceptance  # type: ignore[return-value]  # read above
