"""One environment's run, in its own process: from an empty folder to a manifest (contract §6, §7).

The order is the contract's: execute the notebooks (in the kernel started while the kit
was imported) → scrub parameter copies → write JSON/CSV/XLSX → render HTML (and PDF) →
scan every file → the audit's last records → ``manifest.json``. :class:`EnvironmentRun`
names the phases; each lives in its own module of this package.
"""

from __future__ import annotations

import errno
import functools
import getpass
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from .. import findings as F
from ..errors import StepCrashed
from ..findings import Finding, with_plurals
from ..settings import Environment, Settings
from ..steps import STEP_NAMES
from ..steps.records import ContactPointsRecord
from .ahead import RenderAhead
from .audit import INCOMPLETE
from .core import RunCore
from .folder import INTERRUPTED, LATEST, newer_latest
from .folder import mark_interrupted_pages as mark_interrupted_pages
from .imports import import_for_threads
from .kernels import Kernels, ignore_interrupts
from .outputs import Outputs
from .pages import Pages, comparison_link, verdict
from .sequence import NotebookSequence

if TYPE_CHECKING:
    from ..documents.signing import Sealer

__all__ = [
    "INCOMPLETE",
    "INTERRUPTED",
    "LATEST",
    "EnvironmentRun",
    "comparison_link",
    "open_run",
    "run_opened",
    "verdict",
]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "?"


def _ci_job() -> str | None:
    for var in ("CI_JOB_URL", "GITHUB_RUN_ID", "BUILD_BUILDID", "CI_JOB_ID"):
        if os.environ.get(var):
            return f"{var}={os.environ[var]}"
    return None


class EnvironmentRun(RunCore):
    """One environment's run, from an empty folder to a manifest, in the phases a reader can
    name, each in its own module:

    - the kernel (:class:`~.kernels.Kernels`), started while the kit is imported;
    - the notebook sequence (:class:`~.sequence.NotebookSequence`), with what can be made of
      a finished notebook made ahead on a thread (:class:`~.ahead.RenderAhead`);
    - the mapping writers (:class:`~.mapping_files.MappingFiles`), begun while notebook 02
      still runs;
    - the outputs (:class:`~.outputs.Outputs`);
    - the pages (:class:`~.pages.Pages`), rendered by the folder's close;
    - sealing, scanning and the manifest (:class:`~.folder.RunFolder`).

    What they share is :class:`~.core.RunCore`'s."""

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
        super().__init__(
            settings, env, out, online=online, pdf=pdf, extra=extra, kernels=kernels, sealer=sealer
        )
        self.phases: dict[str, float] = {}
        self.sequence = NotebookSequence(self, notebooks)
        self.ahead = RenderAhead(self)
        self.outputs = Outputs(self, self.sequence, self.ahead)
        self.pages = Pages(self, self.sequence, self.ahead, self.outputs)

    def start(self) -> None:
        s = self.settings
        self.trail.append(
            "run_started",
            settings=self.rel(s.path),
            settings_sha256=s.raw_sha256,
            # what of the settings concerns each environment (its own table, not another's)
            environments_settings_sha256={n: s.environment_sha256(n) for n in s.environments},
            environment=self.env.name,
            kind=self.env.kind,
            kit_version=__version__,
            user=_user(),
            host=socket.gethostname(),
            ci_job=_ci_job(),
            online=self.online,
            run_id=self.run_dir.name,
        )
        self.outputs.previous.start()  # read while the notebooks run

    def execute(self) -> None:
        """The notebook sequence; after each notebook, what can be made ahead of it, and
        after 02 the mapping writers settle on its final mapping."""

        def after(name: str) -> None:
            self.ahead.after(name)
            if name == "02_contact_points":
                self.mapping.settle(self.record(ContactPointsRecord).mapping, self.mapping_findings)

        self.sequence.execute(after)

    def render(self, anchor: str) -> None:
        t0 = time.monotonic()
        self.anchor = anchor
        self.pages.render()
        self.phase("render", t0)

    def on_leak(
        self,
        leaks: list[tuple[Path, list[str]]],
        *,
        short: frozenset[str] = frozenset(),
        kit: frozenset[str] = frozenset(),
    ) -> None:
        """A file held a secret (it is a stub now): say so, withhold the dispatcher
        configuration and rewrite the findings; the folder renders and scans again.
        ``short``: the secrets looked for as whole words (:func:`.scan.short_secrets`);
        ``kit``: those that stand in the kit's own text (:func:`.scan.own_text_secrets`)."""
        from .scan import leak_findings

        self.extra += leak_findings(leaks, self.rel, self.extra, short=short, kit=kit)
        (self.run_dir / "dispatcher-config.json").unlink(missing_ok=True)
        self.outputs.rewrite_findings()
        # the workbooks' labels count the errors as findings.json does now (they were written
        # before the leak was found: "0 fejl" beside a SECRET_LEAK); a stubbed one stays so
        self.outputs.relabel(self.all_findings())
        # The PDF's compressed text cannot be searched: it is printed again from the clean pages.
        (self.run_dir / "signoff" / "signoff.pdf").unlink(missing_ok=True)

    def revise(self) -> bool:
        """After a clean scan: whether rendering found something (a timestamp that was not
        given), in which case it joins the findings, ``findings.json`` and the checklist are
        written again, and the folder is sealed, rendered and scanned again."""
        if not self.pages.late:
            return False
        self.extra += self.pages.late
        self.pages.late = []
        self.outputs.revise()
        return True

    def result(self, code: int) -> tuple[int, str]:
        findings = self.all_findings()
        if code == 0:
            code = 1 if any(f.severity == "error" for f in findings) else 0
        return code, "crashed" if code == 3 else F.status_of(findings)

    def phase(self, name: str, started: float) -> None:
        self.phases[name] = round(self.phases.get(name, 0.0) + time.monotonic() - started, 3)

    def finish(self, code: int, status: str, *, keep_incomplete: bool = True) -> int:
        """The last records after a crash or Ctrl-C (the folder stays marked incomplete)."""
        return self.folder.finish(
            code, status, finished=self.finished_fields(), keep_incomplete=keep_incomplete
        )

    def finished_fields(self) -> dict[str, Any]:
        return {
            "durations": {k: round(v, 3) for k, v in self.sequence.timings.items()},
            "phases": self.phases,
            # Where the time went inside them (benchmarks/run.py's trace): the first kernel's
            # boot and each notebook's wait for its kernel; each output writer's seconds.
            "kernel": {
                "started": self.kernels.started,
                "first_boot_s": self.sequence.first_boot,
                "ready_waits": self.sequence.ready_waits,
            },
            "writers": self.outputs.writers,
        }

    def close(self) -> None:
        """Never leave a pre-started kernel, a writer or a thread behind."""
        if self.sequence.first_kernel is not None:
            self.kernels.shutdown(self.sequence.first_kernel)
        self.mapping.close()
        self.ahead.shutdown()
        self.kernels.close()  # nor a retired one

    def summary(self) -> str:
        """The run's last console line: its status, its readiness and where its pages are."""
        crashed = self.sequence.crashed
        checklist = self.outputs.checklist_result
        from ..documents.i18n import count, status_word

        lang = self.settings.language
        readiness = f" · {checklist.readiness.words(lang)}" if checklist else ""
        # in the pages' language, as the readiness after it (a Danish run said "warnings ·
        # ikke klar"); a crash names its notebook; errors and warnings counted ("fejl" alone
        # sent a consultant to the page to learn whether it was one or twenty)
        found = self.all_findings()
        counted = F.counts(found)
        numbers = ", ".join(count(lang, counted[s], s) for s in ("error", "warning") if counted[s])
        status = (
            f"{status_word(lang, 'crashed')}: {crashed}"
            if crashed
            else numbers or status_word(lang, F.status_of(found))
        )
        return f"{self.env.name}: {status}{readiness} → {self.run_dir / 'signoff' / 'index.html'}"

    def error_lines(self, shown: int = 5) -> list[str]:
        """The first error findings, one line each, under the summary: a CI engineer's look
        (a job log said "1 fejl" and "blocked (not ready: IP_INVALID)", and which address was
        wrong took the artifact to learn). Each line as ``check`` prints it; the rest counted."""
        from ..deliverables.commands import KitCommands
        from ..documents.display import error_lines
        from .scan import replaced_file

        # findings.json or the overview the leak scan replaced: the rest are not there
        where = {"findings.json": "findings.json", "overview": "signoff/index.html"}
        replaced = [k for k, f in where.items() if replaced_file(self.run_dir / f)]
        return error_lines(
            self.all_findings(),
            self.settings.language,
            shown,
            replaced=replaced,
            check=KitCommands.of(self.settings, self.env).check(),
        )

    def pdf_line(self) -> list[str]:
        """With ``--pdf``, the PDF the closed folder holds, named with its page count, just
        before the summary: a run that wrote it said nothing of it (only a PDF not made was
        said). Said once, of the file the folder was sealed with (a folder rendered again
        prints it again); nothing when there is none (why not was said when it was not made),
        but for one the last resort removed as its pages leaked (said so: silent before).
        The count is the one the printing learnt, of the file as sealed (the seal's signature
        adds no page)."""
        from ..documents.i18n import count, t
        from ..documents.pdf import page_count

        pdf = self.run_dir / "signoff" / "signoff.pdf"
        lang, name = self.settings.language, "signoff/signoff.pdf"
        if self.pdf and name in self.folder.pdfs_removed and not pdf.exists():
            # the last resort removed it as a page it was printed from leaked: asked for with
            # --pdf, it was silently not there
            return [t(lang, "run_pdf_removed_leak")]
        if not self.pdf or pdf.is_symlink() or not pdf.is_file():
            return []
        # counted when it was printed (the read that checked its footer); read again only
        # when this run's rendering did not count it
        pages = self.pages.pdf_pages or page_count(pdf)
        if pages is None:
            return [t(lang, "run_pdf_made_uncounted", file=name)]
        return [t(lang, "run_pdf_made", file=name, pages=count(lang, pages, "page"))]

    def not_latest_line(self, newer: str) -> list[str]:
        """Said when a run that began later finished first and stays ``LATEST``."""
        from ..documents.i18n import t

        if not newer:
            return []
        lang = self.settings.language
        return [f"{self.env.name}: {t(lang, 'not_latest', run=self.folder.path.name, newer=newer)}"]

    def gate_line(self) -> str:
        """The runbook's verdict before step 1, after the summary ("" before the checklist):
        a consultant's cold run read "ikke klar: 2 af 8 trin mangler" on go-live morning and
        had to open runbook.html to learn whether to begin (steps 7 and 8 come after)."""
        from ..documents.i18n import t
        from ..documents.runbook import gate_verdict

        gate = None if self.sequence.crashed else self.pages.gate()
        if gate is None:
            return ""
        lang = self.settings.language
        return f"{self.env.name}: {t(lang, 'gate_row')}: {gate_verdict(gate, lang)}"


def open_seal_ahead(settings: Settings) -> Any:
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


def open_run(
    settings: Settings,
    env: Environment,
    out: Path,
    *,
    online: bool | str,
    pdf: bool,
    extra: list[Finding],
    notebooks: Path | None,
    kernels: Kernels,
    opening: Callable[[], Any] | None,
) -> EnvironmentRun:
    """The child's run once the input has passed, its folder made (:mod:`ngdpkit.run.child`
    starts it). ``opening`` waits for ``[signing]``'s certificate when the child opened it
    ahead; otherwise it is opened here."""
    sealer, sealing = (opening or open_seal_ahead(settings))()
    return EnvironmentRun(
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


def run_opened(r: EnvironmentRun) -> int:
    """The opened run from its first notebook to its manifest, in ``r.sequence.first_kernel``
    (booted while the parent checked the input) or, when there is none, in one that boots
    while the kit is imported. Returns the exit code."""
    code, closed = _run_phases(r)
    if not closed:
        return code
    newer = ""
    if code != 3 and not r.folder.mark_latest():  # a crashed notebook's folder never is it
        newer = newer_latest(r.folder.path)  # another run of this environment began later
    gate = r.gate_line()
    r.log_together(
        [
            *r.pdf_line(),
            r.summary(),
            *r.error_lines(),
            *([gate] if gate else []),
            *r.not_latest_line(newer),
        ]
    )
    return code


def _run_phases(r: EnvironmentRun) -> tuple[int, bool]:
    """The run's phases in order, then the folder sealed and closed: (the exit code, whether
    the folder was closed). After Ctrl-C (130) or a crash of the kit (3) it was not, and
    stays marked incomplete; a notebook that crashed (3) still closes it. From the first
    line on, whatever ends the run ends its kernel (:meth:`EnvironmentRun.close`)."""
    from ..documents.i18n import t
    from ..redact import one_line
    from .scan import environment_secrets, own_text_secrets, short_secrets

    code = 0
    interrupted = crashed = False
    try:
        if r.sequence.first_kernel is not None:
            r.kernels.enter(r.sequence.first_kernel, r.run_dir)
        else:
            r.sequence.first_kernel = r.sequence.launch_kernel(STEP_NAMES[0])
        import_for_threads(r.settings)  # before any thread of the run starts (run/imports.py)
        r.log(f"{r.env.name}: {r.run_dir}")
        secrets = environment_secrets(r.settings, r.env)
        r.folder.scan_as_written(secrets)  # each file scanned by its writer, not read back
        r.start()
        try:
            r.execute()
        except StepCrashed:
            code = 3
        findings = r.all_findings()
        r.trail.append(
            "checks_finished",
            status="crashed" if r.sequence.crashed else F.status_of(findings),
            counts=F.counts(findings),
        )
        t0 = time.monotonic()
        r.outputs.write()
        r.phase("outputs", t0)
        r.kernels.reap()  # every kernel gone before the folder is sealed and scanned
        t0 = time.monotonic()
        code = r.folder.close(
            secrets=secrets,
            render=r.render,
            on_leak=functools.partial(
                r.on_leak, short=short_secrets(secrets), kit=own_text_secrets(secrets)
            ),
            result=lambda: r.result(code),
            finished=r.finished_fields(),
            revise=r.revise,
        )
        r.phase("seal, scan and audit", t0)
    except KeyboardInterrupt:
        interrupted = True
        ignore_interrupts()  # finish the record, whatever else arrives
        r.finish(130, "interrupted")
        # in the settings' language, as the step lines before it (a Danish run ended in English)
        r.log(t(r.settings.language, "run_interrupted", env=r.env.name, folder=str(r.run_dir)))
        return 130, False
    except Exception as exc:
        crashed = True
        reason = f"{type(exc).__name__}: {one_line(str(exc))}"
        try:
            r.finish(3, f"crashed: {reason}")
        except Exception:
            pass
        r.log(t(r.settings.language, "run_kit_crashed", env=r.env.name, reason=reason))
        if isinstance(exc, OSError) and exc.errno in NO_ROOM:  # what to do, not only why
            r.log(t(r.settings.language, "run_no_room", env=r.env.name, folder=str(r.run_dir)))
        return 3, False
    finally:
        r.close()
        if interrupted:
            _scrub_unfinished(r, "interrupted")
        elif crashed:
            _scrub_unfinished(r, "crashed")
    return code, True


# A write refused for want of room: the disk full, the user's quota, a file size limit
NO_ROOM = frozenset(
    n for n in (getattr(errno, "ENOSPC", None), getattr(errno, "EDQUOT", None), errno.EFBIG) if n
)


def _scrub_unfinished(r: EnvironmentRun, how: str) -> None:
    """An interrupted or crashed run's folder stays marked incomplete, and holds no secret:
    once its kernels are gone, every file is scanned as at the seal and one that holds a
    secret is replaced by its note (a folder left behind by a cancelled CI job may be cached
    as an artifact, and the CI templates upload a crashed run's folder too: a crash of the kit
    after step 05 left the authorization header of ``authorization_handover`` in
    ``steps/05_dispatcher_config.json``, a CISO's look). Its audit trail still ends
    "interrupted" or "crashed: …"."""
    from .scan import environment_secrets, scrub_folder

    try:
        hits = scrub_folder(r.run_dir, environment_secrets(r.settings, r.env), skip=(INCOMPLETE,))
    except Exception as exc:  # the run's exit stays 130 or 3; say why nothing was scanned
        r.log(f"{r.env.name}: the {how} folder could not be scanned: {type(exc).__name__}")
        hits = []
    if hits:
        said = "{env}: {n} file(s) of the {how} run held a secret and now hold a note instead"
        r.log(with_plurals(said, {"n": len(hits)}).format(env=r.env.name, n=len(hits), how=how))
    _mark_unfinished(r)


def _mark_unfinished(r: EnvironmentRun) -> None:
    """The pages of a run that did not finish (Ctrl-C, SIGTERM, a crash of the kit) say so."""
    try:
        mark_interrupted_pages(r.run_dir, r.settings.language)
    except OSError as exc:
        r.log(f"{r.env.name}: the unfinished run's pages could not be marked: {type(exc).__name__}")
