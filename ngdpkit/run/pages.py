"""The pages of one environment's run (contract §7, §12.9), rendered once the folder is sealed,
with its anchor: each notebook as a page, each step's own pages, the diagram, the
checklist, the runbook, the overview (``index.html``) and, with ``--pdf``, the whole
document as one PDF, signed with ``[signing]``'s seal.

A page shows what the run's files hold: the dispatcher configuration is the one written
(withheld after a leak), the checklist the one sealed.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from .. import findings as F
from ..deliverables.commands import KitCommands
from ..deliverables.dispatcher import DispatcherConfig
from ..findings import Finding
from ..steps import STEP_MODULES, STEP_NAMES, PageContext
from ..steps.records import ContactPointsRecord, DispatcherRecord, MailboxesRecord, SystemRecord
from .ahead import RenderAhead
from .core import RunCore
from .outputs import Outputs
from .sequence import NotebookSequence

if TYPE_CHECKING:
    from ..documents.pdf import Printed
    from ..documents.signoff import Overview, StepRow

EXTRA_PAGES = ("portal.html", "firewall.html", "dispatcher.html", "checklist.html", "runbook.html")
_EXTRA_TITLES = ("portal", "firewall", "dispatcher_page", "checklist", "runbook")


class Pages:
    """The pages phase of one run; :meth:`render` is called by the folder's ``close`` after
    each seal (again after a leak), with the anchor set."""

    def __init__(
        self, run: RunCore, sequence: NotebookSequence, ahead: RenderAhead, outputs: Outputs
    ) -> None:
        self.run, self.sequence, self.ahead, self.outputs = run, sequence, ahead, outputs
        self.late: list[Finding] = []  # found while rendering (a timestamp not given)
        # the page count of the signoff.pdf this rendering wrote and sealed (None: none), told
        # by the read that checked its footer: the console names it without reading it again
        self.pdf_pages: int | None = None
        self.printed: Printed | None = None  # the documents.pdf.Printed the printing tells it to

    @property
    def sign(self) -> Path:
        return self.run.run_dir / "signoff"

    def render(self) -> None:
        """Every page, then the PDF (``--pdf``)."""
        run = self.run
        lang = run.settings.language
        self.sign.mkdir(exist_ok=True)
        findings = run.all_findings()
        banners = self.banners()
        names = [n for n in STEP_NAMES if (run.run_dir / "notebooks" / f"{n}.ipynb").is_file()]
        nav = self.navigation(names)
        self.render_notebooks(names, nav, banners)
        leaked = any(f.code == "SECRET_LEAK" for f in findings)
        config = None if leaked else run.dispatcher()
        withheld_by = run.record(DispatcherRecord).withheld_by + (
            ("SECRET_LEAK",) if leaked else ()
        )
        page_ctx = PageContext(
            language=lang,
            nav=nav,
            banners=tuple(banners),
            environment=run.env.name,
            anchor=run.anchor,
            authorization_env=run.env.authorization_env,
            dispatcher=config,
            withheld_by=withheld_by,
            contact_point_names=self.contact_point_names(),
        )
        self.render_step_pages(page_ctx)
        svg = self.render_run_pages(nav, banners)
        from ..documents.signoff import render_overview

        overview = self.overview(findings, config, withheld_by, svg, nav, banners, leaked=leaked)
        self.write("index.html", render_overview(overview))
        if run.pdf:
            self.make_pdf(names, overview)

    def make_pdf(self, names: list[str], overview: Any) -> None:
        """``--pdf``: signoff.pdf printed and sealed, or the console says why not, in the
        settings' language as the step lines before it (a Danish run ended on an English
        "PDF: …/chromium did not write the PDF"); the reason itself is the browser's or
        the library's, as said."""
        from ..documents.i18n import t
        from ..documents.pdf import Printed

        run = self.run
        acceptance = run.acceptance()
        self.printed = Printed()
        self.pdf_pages = None
        why = self.print_document(names, acceptance) or self.sign_document(
            self.sign / "signoff.pdf"
        )
        if not why:
            self.pdf_pages = self.printed.pages
        else:
            run.log(t(run.settings.language, "run_pdf_not_made", why=why))
            self.without_pdf(overview)

    def without_pdf(self, overview: Any) -> None:
        """``--pdf`` made no signoff.pdf (no browser, a browser that printed nothing, a PDF
        that could not be signed): none is left from an earlier rendering of the folder, and
        the overview, written before the PDF was printed from it, is written again without
        the declaration's words of the PDF's seal. An IT manager's read: with Chrome's
        sandbox refusing, the page to sign said that signoff.pdf carried the seal, without
        a timestamp, and the folder held no signoff.pdf."""
        from ..documents.signoff import render_overview

        (self.sign / "signoff.pdf").unlink(missing_ok=True)
        if overview.seal is not None and overview.seal.pdf:
            seal = dataclasses.replace(overview.seal, pdf=False)
            self.write("index.html", render_overview(dataclasses.replace(overview, seal=seal)))

    def write(self, page: str, html: str) -> None:
        from ..deliverables.outputs import atomic_write

        atomic_write(self.sign / page, html)

    def navigation(self, names: list[str]) -> Any:
        from ..documents.i18n import t
        from ..documents.signoff import navigation

        lang = self.run.settings.language
        extra = [(page, t(lang, key)) for page, key in zip(EXTRA_PAGES, _EXTRA_TITLES, strict=True)]
        return navigation(lang, names, extra)

    def banners(self) -> list[str]:
        """The custom-trust-anchor banner follows the settings, whether or not a certificate
        was read; an overridden NgDP address is said on every page."""
        from ..documents.i18n import t

        run = self.run
        lang = run.settings.language
        out = []
        if run.settings.trust_anchors:
            out.append(t(lang, "custom_anchors", kinds=", ".join(run.settings.trust_anchors)))
        observed = run.record(ContactPointsRecord).ngdp
        if observed is not None and run.env.ngdp_api_url:
            out.append(t(lang, "ngdp_overridden_banner", url=observed.base_url))
        return out

    def render_notebooks(self, names: list[str], nav: Any, banners: list[str]) -> None:
        """Each executed notebook as a page (its body mostly rendered ahead)."""
        from ..documents.signoff import render_notebook, step_title

        run = self.run
        for name in names:
            nb = run.run_dir / "notebooks" / f"{name}.ipynb"
            render_notebook(
                nb,
                self.sign / f"{name}.html",
                body=self.ahead.notebook_body(nb),
                title=step_title(run.settings.language, name),
                language=run.settings.language,
                banners=banners,
                nav=nav,
                anchor=run.anchor,
            )

    def render_step_pages(self, page_ctx: PageContext) -> None:
        """Each step's own pages (the portal, the firewall, the dispatcher)."""
        run = self.run
        for name, module in STEP_MODULES.items():
            if hasattr(module, "pages"):
                step_ctx = dataclasses.replace(page_ctx, prepared=self.ahead.prepared_for(name))
                for page, html in module.pages(run.step_file(name).record, step_ctx).items():
                    self.write(page, html)

    def render_run_pages(self, nav: Any, banners: list[str]) -> str:
        """The diagram, the checklist and the runbook pages; returns the diagram's SVG."""
        from ..documents.diagram import render_diagram
        from ..documents.runbook import build_runbook, render_runbook
        from ..documents.signoff import render_checklist

        run = self.run
        lang = run.settings.language
        svg = render_diagram(run.env, organisation=run.settings.organisation.name, language=lang)
        self.write("diagram.svg", svg)
        checklist = render_checklist(
            self.outputs.checklist_rows,
            language=lang,
            nav=nav,
            banners=banners,
            environment=run.env.name,
            anchor=run.anchor,
            where=KitCommands.of(run.settings, run.env).where(),
        )
        self.write("checklist.html", checklist)
        runbook = self.outputs.runbook or build_runbook(run.settings, run.env)
        calendar = (run.run_dir / "runbook.ics").is_file()
        page = render_runbook(
            runbook,
            nav=nav,
            banners=banners,
            anchor=run.anchor,
            calendar_file=calendar,
            gate=self.gate(),
        )
        self.write("runbook.html", page)
        return svg

    def gate(self) -> Any:
        """Before the runbook's step 1: ready to begin or wait, from the checklist derived
        last and the run's findings as they are now (a :class:`documents.runbook.Gate`);
        None before the checklist is derived."""
        from ..documents.runbook import build_runbook, gate_of

        checklist = self.outputs.checklist_result
        if checklist is None:
            return None
        run = self.run
        runbook = self.outputs.runbook or build_runbook(run.settings, run.env)
        return gate_of(checklist, run.all_findings(), run.run_dir.name, runbook)

    def gate_words(self) -> str:
        """The gate's verdict in a few words, for the overview ("" before the checklist)."""
        from ..documents.runbook import gate_short

        gate = self.gate()
        return gate_short(gate, self.run.settings.language) if gate is not None else ""

    def step_rows(self, *, blocked: bool) -> tuple[StepRow, ...]:
        """The overview's table of steps: status (05 is "blocked" while the dispatcher is
        withheld or not ready), counts in words and duration."""
        from ..documents.i18n import count
        from ..documents.signoff import StepRow

        run = self.run
        lang = run.settings.language
        rows = []
        for name in STEP_NAMES:
            data = run.step_file(name)
            status = "crashed" if name == self.sequence.crashed else data.status
            if name == "05_dispatcher_config" and status != "crashed" and blocked:
                status = "blocked"  # withheld or not ready is never "ok"
            counts = F.counts(data.findings)
            rows.append(
                StepRow(
                    name=name,
                    status=status,
                    counts=", ".join(count(lang, n, s) for s, n in counts.items() if n),
                    duration_s=_shown_duration(data.duration_s, self.sequence.timings.get(name)),
                )
            )
        return tuple(rows)

    def overview(
        self,
        findings: list[Finding],
        config: DispatcherConfig | None,
        withheld_by: Sequence[str],
        svg: str,
        nav: Any,
        banners: list[str],
        *,
        leaked: bool,
    ) -> Overview:
        """What ``index.html`` shows: the run at a glance, the checklist and what changed,
        from the typed step records and the run's own facts."""
        from ..checks.system import shown_cvr
        from ..documents.diagram import diagram_text
        from ..documents.signing import SealDeclaration
        from ..documents.signoff import DispatcherSummary, Overview, unit_lookup

        run = self.run
        s = run.settings
        contact = run.record(ContactPointsRecord)
        system = run.record(SystemRecord)
        acceptance = run.acceptance()
        final = run.dispatcher()
        blocked = leaked or final is None or not final.ready
        return Overview(
            language=s.language,
            organisation=s.organisation.name,
            cvr=shown_cvr(s.organisation.cvr),
            environment=run.env.name,
            kind=run.env.kind,
            run_id=run.run_dir.name,
            generated_at=dt.datetime.now(dt.UTC),
            kit_version=__version__,
            ready=verdict(findings, config, crashed=bool(self.sequence.crashed)),
            readiness=self.outputs.checklist_result,
            gate=self.gate_words(),
            steps=self.step_rows(blocked=blocked),
            findings=tuple(findings),
            network=system.network,
            ngdp_read=contact.ngdp is not None,
            workzone_read=contact.register is not None,
            evidence=system.evidence or (),
            dispatcher=DispatcherSummary.of(config) if config is not None else None,
            withheld_by=tuple(withheld_by),
            mapping=contact.mapping,
            decisions=contact.decisions,
            contact_point_names=self.contact_point_names(),
            units=unit_lookup(contact.mapping, run.record(MailboxesRecord).sheet),
            audit_hash=run.anchor,
            deliverables=self.deliverables(),
            banners=tuple(banners),
            rehearsal=f"../../{acceptance.folder.path.name}/signoff/index.html"
            if acceptance
            else None,
            rehearsal_local=acceptance.against == "simulator" if acceptance else False,
            comparison=comparison_link(run.run_dir.parent.parent, run.run_dir),
            checklist=self.outputs.checklist_rows,
            commands_where=KitCommands.of(run.settings, run.env).where(),
            diagram="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            diagram_alt=diagram_text(
                run.env, organisation=run.settings.organisation.name, language=run.settings.language
            ),
            changes=self.outputs.changes,
            seal=SealDeclaration.of(run.folder.sealer, pdf=run.pdf) if run.folder.sealer else None,
            nav=nav,
        )

    def contact_point_names(self) -> dict[str, str]:
        """This environment's contact points' names by GUID (none while they are pending)."""
        contact = self.run.record(ContactPointsRecord)
        return {p.id: p.name for p in contact.contact_points or ()}

    def deliverables(self) -> tuple[tuple[str, str], ...]:
        """The run folder's own files (not those of its subfolders) that the anchor pins,
        each with its SHA-256, by name."""
        from ..redact import unseen

        def shown(name: str) -> str:  # a planted "mailbox-mapping\u202exslx.ps1" looked like
            # a deliverable (an attacker's look): what a reader cannot see is written out
            return "".join(
                f"\\u{ord(c):04x}"
                if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or unseen(ord(c))
                else c
                for c in name
            )

        sealed = self.run.folder.sealed
        if sealed is None:
            return ()
        return tuple(sorted((shown(n), d) for n, d in sealed.files.items() if "/" not in n))

    def sign_document(self, pdf: Path) -> str | None:
        """The seal's PAdES signature on the printed PDF (nothing without ``[signing]``), before
        the scan, so that the manifest hashes the signed PDF. None, or why there is no PDF
        now (it could not be signed and was removed). A time-stamping service that failed is
        a finding, found only now: the run's ``revise`` adds it."""
        from ..documents.i18n import t
        from ..documents.signing import SigningFailed

        run = self.run
        try:
            why = run.folder.sign_pdf(pdf)
        except SigningFailed as exc:
            return f"the PDF was not made: {exc}"
        if why:
            run.log(t(run.settings.language, "run_pdf_no_timestamp", why=why))
            url = run.settings.signing.timestamp_url if run.settings.signing else ""
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

    def print_document(self, names: list[str], acceptance: Any) -> str | None:
        """The whole document as one A4 PDF (``signoff/signoff.pdf``). The acceptance part is
        rendered here from the verified rehearsal's ``acceptance.json`` through the kit's
        templates; the rehearsal's own HTML is never read."""
        import tempfile

        from ..documents.pdf import print_document
        from ..rehearsal.flow import render_acceptance_view

        run = self.run
        sign = self.sign
        order = ["index.html", *(f"{n}.html" for n in names)]
        # The overview holds the checklist: its own page is not printed a second time. The
        # runbook is (a go-live look: the signed PDF held no plan for the switch, and no
        # verdict before its step 1).
        order += ["portal.html", "firewall.html", "dispatcher.html", "runbook.html"]
        pages = [sign / p for p in order if (sign / p).is_file()]
        org = run.settings.organisation.name
        anchor_word = "anker" if run.settings.language == "da" else "anchor"
        with tempfile.TemporaryDirectory(prefix="ngdpkit-acceptance-") as tmp:
            if acceptance is not None:
                part = Path(tmp) / "acceptance.html"
                part.write_text(
                    render_acceptance_view(run.settings, run.env, acceptance), encoding="utf-8"
                )
                pages.append(part)
            return print_document(
                pages,
                sign / "signoff.pdf",
                language=run.settings.language,
                title=pdf_title(run.settings.language, org, run.env.name, run.run_dir.name),
                footer=f"{org} · {run.env.name} · {run.run_dir.name} · {anchor_word} {run.anchor}",
                digests=dict(self.deliverables()),
                printed=self.printed,
            )


def pdf_title(language: str, organisation: str, environment: str, run_id: str) -> str:
    """The signed PDF's ``/Title``: what the document is, then whose, where and which run
    ("Godkendelsesdokument – Eksempel Kommune – test – 20261206T112041Z-48cbc4")."""
    from ..documents.i18n import t

    return " – ".join((t(language, "signoff"), organisation, environment, run_id))


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
        data = read_json_file(found.path / "compare.json")
        runs = data.get("runs")
    except (ValueError, AttributeError):
        data, runs = {}, None
    # what it found, said beside the link (a customer's cold read: two errors of the
    # comparison stood behind a link that said nothing of them)
    findings = data.get("findings") if isinstance(data, dict) else None
    if isinstance(findings, list):
        severities = [f.get("severity") for f in findings if isinstance(f, dict)]
        link.update(
            errors=str(severities.count("error")), warnings=str(severities.count("warning"))
        )
    mine = runs.get(run_dir.parent.name) if isinstance(runs, dict) else None
    compared = mine.get("run") if isinstance(mine, dict) else None
    if not isinstance(runs, dict):
        link["note"] = "inputs"
    elif not isinstance(compared, str):
        link["note"] = "other"
    elif compared != run_dir.name:
        link.update(note="older", run=compared)
    return link


def _shown_duration(own: float | None, timed: float | None) -> float:
    """The duration the overview shows for a step: the step's own figure, the one its page
    prints under "Status" (a signer read 0,7 s in the overview and 0,4 s on the step's page:
    the sequence's timing adds starting the notebook); the sequence's timing only for a step
    that wrote no figure (it crashed)."""
    if own is not None and own >= 0:
        return float(own)
    return float(timed or 0.0)
