"""Sign-off documents: self-contained, printable HTML in Danish (default) or English.

Executed notebooks are rendered output-only (no code, no prompts, no
markdown written for the consultant), inside one page shell with an inline
print stylesheet. Nothing is fetched from the Internet: there are no scripts,
and images are embedded. The overview (``index.html``) gathers the run.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.evidence import EvidenceSummary
from ..checks.network import NetworkRun
from ..findings import Finding
from ..inputs.workbooks import place
from ..redact import environ_without_secrets
from .change_text import codes_in_words
from .display import (
    STYLE,
    badge,
    findings_html,
    mapping_by_unit_html,
    table,
    unit_summary_html,
    url,
    with_urls,
)
from .i18n import count, local_time, seconds, status_word, t
from .pages import Markup, fragment, text_table

if TYPE_CHECKING:
    from ..deliverables.checklist import Checklist
    from ..deliverables.dispatcher import DispatcherConfig
    from ..deliverables.firewall import FirewallRule
    from ..deliverables.portal import PortalRegistration
    from ..inputs.decisions import DecisionLog
    from .signing import SealDeclaration

PAGE_CSS = """
body { font-family: 'Segoe UI', Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d1d1d; line-height: 1.4; padding: 0 16px; }
header.doc { border-bottom: 3px solid #1f4e79; margin-bottom: 16px; padding-bottom: 8px; }
header.doc h1 { margin: 0 0 4px; color: #1f4e79; }
nav a { margin-right: 12px; display: inline-block; }  /* a link on one line: "05" stood at a line's end,
   "Dispatcher-konfiguration" on the next (broken only where one line cannot hold it) */
section { margin: 18px 0; }
.status-ok { color: #1b6e3a; } .status-bad { color: #b3261e; } .status-warn { color: #a15c00; }
.declaration { border-left: 4px solid #1f4e79; padding: 4px 12px; background: #f4f7fa; }
section.lead { border-left: 4px solid #b3261e; padding: 2px 14px; background: #fdf3f2; }
section.lead-ok { border-left: 4px solid #1b6e3a; padding: 2px 14px; }
.banner { background: #fff4e0; border: 2px solid #a15c00; padding: 8px 12px; font-weight: 600; margin: 8px 0; }
.sigs { display: flex; gap: 32px; margin-top: 24px; }
.sig { flex: 1; border: 1px solid #999; padding: 12px; min-height: 150px; }
.sig div { border-bottom: 1px solid #999; height: 28px; margin: 6px 0; }
section.diagram img { max-width: 100%; height: auto; }
footer.anchor { margin-top: 24px; font-size: 11px; color: #555; border-top: 1px solid #ccc; padding-top: 6px; word-break: break-all; }
pre { white-space: pre-wrap; font-size: 12px; background: #f6f7f8; padding: 8px; }
code.cmd { white-space: nowrap; }
code.cmd-long { white-space: normal; }  /* ends a line only between its options */
code.cmd-long span { white-space: nowrap; }
code.cmd-long span.any { white-space: normal; overflow-wrap: anywhere; }
span.host { white-space: nowrap; }  /* a server's host name is never broken (wz-agent01-t) */
td.owner { overflow-wrap: anywhere; }  /* an owner of one long word never widens the runbook */
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
a:focus-visible, summary:focus-visible { outline: 3px solid #1f4e79; outline-offset: 2px; }
.nb-out { position: relative; overflow: hidden; }
/* a notebook's page names its settings file in the customer's words; the consultant's
   line ("fra notebookens parametercelle") is for JupyterLab */
.nb-out .nk p.nk-settings { display: block; }
.nb-out .nk p.nk-origin { display: none; }
.print-only { display: none; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d0d4d9; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
/* Reflow (WCAG 1.4.10): at 320 px (a phone, or 400 % zoom) and at 200 % zoom a wide table
   scrolls in its own box, and commands, hashes, hosts and URLs wrap, never the page. On the
   screen only: print keeps every value whole. */
@media screen and (max-width: 760px) {
  body { overflow-wrap: break-word; }  /* a long word (a heading, the anchor in a sentence) */
  h1 { font-size: 1.6em; }  /* "Godkendelsesdokument:" whole at 320 px, its colon not alone */
  table, .nk table { display: block; overflow-x: auto; width: auto; max-width: 100%; }
  .nk[style*="flex"] > div { min-width: 0; max-width: 100%; }  /* tables side by side */
  code, code.cmd, code.cmd-long span, span.host, span.url > span { white-space: normal; overflow-wrap: anywhere; }
  /* in a table, which scrolls in its box, a host and a finding code stay whole: the firewall
     order read "api.test.digitalpo st.dk" and a code "CERT_C USTOM_ TRUST_ ANCHOR S" */
  td span.host, code.finding-code { white-space: nowrap; overflow-wrap: normal; }
}
/* Wider than 760 px too, a table wider than its box scrolls in it: the firewall order's
   eleven columns need 1,100 px, and at a 1,024 px window the page scrolled sideways, and in
   a notebook's box (which clips) its last columns were cut off, out of sight. */
@media screen {
  section.appendix, .nb-out > .nk { overflow-x: auto; }
}
/* A box that scrolls sideways says so (its scrollbar is at the end of a long table, out of
   sight): a shadow at each edge that has more, which white covers scrolling with the content
   hide at its ends, and where the browser has scroll-driven animations a line above it while
   more is to the right (no room taken where the box does not scroll; no script, CSP). */
@media screen {
  section.appendix, .nb-out > .nk { background: var(--nk-more); }
  /* the firewall order's eleven columns needed 1,100.7 px of a 1,100 px page: every wide
     window showed the cue for less than a pixel; 6 px at the cells' sides fits them (and
     in the notebook's box, where "wz-agent01-t" broke at its hyphen) */
  section.appendix th, section.appendix td, .nb-out > .nk th, .nb-out > .nk td { padding-left: 6px; padding-right: 6px; }
  section.appendix::before, .nb-out > .nk::before { content: "Tabellen fortsætter til højre – rul sidelæns →" / ""; }
}
@media screen and (max-width: 760px) {
  table, .nk table { background: var(--nk-more); }
  table::before, .nk table::before { content: "Tabellen fortsætter til højre – rul sidelæns →" / ""; }
}
:root { --nk-more:
  linear-gradient(to right, #fff 40%, rgba(255, 255, 255, 0)) left center / 40px 100% no-repeat local,
  linear-gradient(to left, #fff 40%, rgba(255, 255, 255, 0)) right center / 40px 100% no-repeat local,
  linear-gradient(to right, rgba(31, 78, 121, 0.35), rgba(31, 78, 121, 0)) left center / 16px 100% no-repeat scroll,
  linear-gradient(to left, rgba(31, 78, 121, 0.35), rgba(31, 78, 121, 0)) right center / 16px 100% no-repeat scroll; }
:lang(en) section.appendix::before, :lang(en) .nb-out > .nk::before, :lang(en) table::before {
  content: "The table continues to the right – scroll sideways →" / ""; }
section.appendix::before, .nb-out > .nk::before, table::before {
  display: block; position: sticky; left: 0; text-align: right; font-size: 13px; font-weight: 600;
  color: #1f4e79; max-height: 0; overflow: hidden; visibility: hidden; padding-right: 18px; }
@supports (animation-timeline: scroll()) {
  section.appendix::before, .nb-out > .nk::before, table::before {
    animation: nk-more linear both; animation-timeline: scroll(nearest inline); }
}
@keyframes nk-more { from { max-height: 3em; visibility: visible; } to { max-height: 3em; visibility: hidden; } }
/* The box's heading stays in place while its table scrolls (the heading of the appendix went
   sideways with it), and the line stands between the heading and the table: above the
   heading it read as said of the table before (which fits) */
@media screen {
  section.appendix, .nb-out > .nk:not([style]):has(> h3 + table) { display: flex; flex-direction: column; }
  section.appendix > h2, .nb-out > .nk:not([style]):has(> h3 + table) > h3 {
    order: -1; align-self: flex-start; position: sticky; left: 0; }
}
/* On a phone the checklist scrolls in its box (with the line) rather than squeezing its
   columns to a word each: its rows stood a screen tall */
@media screen and (max-width: 760px) {
  table.checklist th, table.checklist td { min-width: 9em; }
  table.checklist th:last-child, table.checklist td:last-child { min-width: 22em; }
}
@media print {
  .visually-hidden { display: none; }
  body { margin: 0; max-width: none; font-size: 11pt; }
  nav, .consultant, .next, .nk-origin { display: none; }
  section.step { page-break-before: always; }
  .sig { page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  /* the firewall order's eleven columns (1,116 px on screen) on an A4 page in portrait, its
     last column and right border cut off at the margin: smaller text and padding, and the
     page's own margins at the sides (the paper has its own) */
  body { padding: 0; }
  @page { margin: 12mm 10mm; }
  section.firewall-all table, .nb-out > .nk.also-in-pdf table { font-size: 7pt; }
  section.firewall-all :is(th, td), .nb-out > .nk.also-in-pdf :is(th, td) { padding: 2px; }
}
"""


BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def page(
    title: str,
    body: str,
    *,
    language: str,
    banners: list[str] | None = None,
    anchor: str = "",
    refresh: int | None = None,
) -> str:
    """The page shell (a template): a Content-Security-Policy that allows no script and no
    fetch, the banners above and below, and the audit anchor in the footer of every page.
    ``refresh``: seconds after which the browser reloads the file (a page kept open)."""
    from .pages import Markup, render

    html = render(
        "page.html.j2",
        language=language if language in ("da", "en") else "da",
        title=title,
        page_css=Markup(PAGE_CSS),
        style=Markup(STYLE),
        banners=banners or [],
        body=Markup(body),
        anchor=anchor,
        anchor_label=t(language, "audit_hash"),
        refresh=refresh,
    )
    # A value may carry a direction override (U+202E) that makes text read otherwise than
    # it is: on a page someone signs, each is shown as its code point instead.
    return BIDI.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", html)


SAFE_TAGS = {
    "a", "b", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "hr", "i",
    "img", "li", "ol", "p", "pre", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul", "wbr",
}  # fmt: skip


# What an inline style in a notebook's HTML may set: what the kit's own display fragments
# use (badge colours, bar widths, a timeline), nothing that can lift an element out of its
# place on the page (position: fixed/sticky) or fetch anything (url(), image-set()).
STYLE_PROPERTIES = {
    "background", "background-color", "border-left", "color", "display", "flex-wrap",
    "font-style", "font-weight", "gap", "height", "left", "margin-left", "padding",
    "position", "text-align", "top", "vertical-align", "white-space", "width",
}  # fmt: skip
_STYLE_FORBIDDEN = re.compile(
    r"url\s*\(|image-set|expression|@import|var\s*\(|\\|position\s*:\s*(?!relative\b|absolute\b)",
    re.I,
)
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]*\Z")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """The attribute a page keeps, or None: no style that fetches or escapes its place, no
    ``data:`` link (an image's ``data:image/…;base64`` source stays: plots are that)."""
    if attr == "style":
        return None if _STYLE_FORBIDDEN.search(value) else value
    if attr == "href" and value.strip().lower().startswith("data:"):
        return None
    if attr == "src" and value.strip().lower().startswith("data:"):
        return value if tag == "img" and _IMAGE_DATA.match(value.strip()) else None
    return value


def safe_html(html: str) -> str:
    """A notebook's HTML output as the sign-off page may hold it: an allow-list sanitiser
    (ammonia, through nh3) removes scripts, event handlers, forms and ``javascript:`` links,
    whatever a display function or a customised notebook produced (contract §10); styles
    keep only :data:`STYLE_PROPERTIES`, and neither they nor links fetch anything (issue 26:
    a ``position:fixed`` overlay reached every page of the PDF)."""
    import nh3

    return str(
        nh3.clean(
            html,
            tags=SAFE_TAGS,
            attributes={
                "*": {"class", "style", "title", "colspan", "rowspan"},
                "a": {"href"},
                "img": {"src", "alt"},
            },
            url_schemes={"data", "http", "https", "mailto"},
            filter_style_properties=STYLE_PROPERTIES,
            attribute_filter=_attribute_filter,
            link_rel="noopener noreferrer",
        )
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "".join(value)


def notebook_body(nb: Any) -> Markup:
    """The outputs of an executed notebook as HTML: no code, no prompts, no consultant's notes."""
    parts: list[Markup] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind in ("display_data", "execute_result"):
                data = out.get("data", {})
                if "text/html" in data:
                    parts.append(Markup(safe_html(_text(data["text/html"]))))
                elif "image/png" in data:
                    png = _text(data["image/png"]).replace("\n", "")
                    parts.append(fragment("image", f"data:image/png;base64,{png}"))
                elif "image/svg+xml" in data:
                    # An SVG as an image cannot run script or reach out.
                    b64 = base64.b64encode(_text(data["image/svg+xml"]).encode("utf-8")).decode()
                    parts.append(fragment("image", f"data:image/svg+xml;base64,{b64}"))
                elif "text/plain" in data:
                    parts.append(fragment("pre", _text(data["text/plain"])))
            elif kind == "stream":
                parts.append(fragment("pre", _text(out.get("text", ""))))
            elif kind == "error":
                from nbconvert.filters import strip_ansi  # 0.3 s to import: only when needed

                trace = strip_ansi("\n".join(out.get("traceback", [])))  # type: ignore[no-untyped-call, unused-ignore]
                parts.append(fragment("banner", f"{out.get('ename', '')}: {out.get('evalue', '')}"))
                parts.append(fragment("pre", trace))
    # Absolutely placed parts stay inside the notebook's own box (it is the nearest
    # positioned ancestor and clips what overflows), never over the rest of the page.
    return Markup('<div class="nb-out">') + Markup("\n").join(parts) + Markup("</div>")


def notebook_file_body(nb_path: Path) -> Markup:
    """The outputs of the notebook file ``nb_path`` (see :func:`notebook_body`)."""
    import nbformat

    try:
        return notebook_body(nbformat.read(str(nb_path), as_version=4))  # type: ignore[no-untyped-call, unused-ignore]
    except Exception:  # a notebook replaced by a leak stub (plain text) or otherwise unreadable
        return fragment("pre", nb_path.read_text(encoding="utf-8", errors="replace")[:2000])


def render_notebook(
    nb_path: Path,
    out_path: Path,
    *,
    title: str,
    language: str,
    banners: list[str],
    nav: Markup,
    anchor: str = "",
    body: Markup | None = None,
) -> Path:
    """``out_path``: the notebook's outputs as a sign-off page (``body``: its
    :func:`notebook_file_body`, when it was rendered ahead)."""
    from ..deliverables.outputs import atomic_write

    if body is None:
        body = notebook_file_body(nb_path)
    return atomic_write(
        out_path,
        page(
            title,
            nav + fragment("page_heading", title) + body,
            language=language,
            banners=banners,
            anchor=anchor,
        ),
    )


def step_title(language: str, name: str) -> str:
    return f"{name[:2]} {t(language, 'step_' + name)}"


def navigation(language: str, step_names: list[str], extra: list[tuple[str, str]]) -> Markup:
    links = [("index.html", t(language, "signoff"))]
    links += [(f"{n}.html", step_title(language, n)) for n in step_names]
    links += list(extra)
    return fragment("nav", links)


STEP_SEVERITY = {
    "ok": "ok",
    "warnings": "warning",
    "errors": "error",
    "crashed": "error",
    "missing": "error",
    "blocked": "error",
}
NOT_CHECKED_CODES = (
    "NET_SKIPPED",
    "CERT_PUBLIC_ONLY",
    "CERT_REUSE_NOT_CHECKED",
    "CERT_OCSP_UNAVAILABLE",
)


@dataclass(frozen=True, slots=True)
class StepRow:
    """A step as the overview lists it: its status, its findings counted, its duration."""

    name: str
    status: str
    counts: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class DispatcherSummary:
    """What the overview shows of the dispatcher configuration (all of it: its own page)."""

    parameters: tuple[tuple[str, str | None], ...]
    ready: bool
    blocking: tuple[str, ...]

    @classmethod
    def of(cls, config: DispatcherConfig) -> DispatcherSummary:
        return cls(config.parameters.pairs(), config.ready, config.blocking)


@dataclass(frozen=True, slots=True)
class Overview:
    """What the overview page (``signoff/index.html``) shows: the run's typed step records
    and run-level facts, which the run gathers (``run.pages.Pages.overview``)."""

    language: str
    organisation: str
    cvr: str
    environment: str
    kind: str
    run_id: str
    generated_at: dt.datetime
    kit_version: str
    ready: str | bool  # "ready", "ready_with_remarks", "not_ready" (or a plain yes/no)
    steps: tuple[StepRow, ...]
    findings: tuple[Finding, ...]
    nav: Markup
    readiness: Checklist | None = None  # the checklist's readiness, when derived
    # before the runbook's step 1: ready to begin or wait, in a few words (documents.runbook)
    gate: str = ""
    network: NetworkRun | None = None
    # whether NgDP itself and WorkZone's own mappings were read (None: not said): a customer's
    # cold read found "Ikke kontrolleret" naming the network only on an offline run
    ngdp_read: bool | None = None
    workzone_read: bool | None = None
    evidence: tuple[EvidenceSummary, ...] = ()
    dispatcher: DispatcherSummary | None = None  # None: withheld
    withheld_by: tuple[str, ...] = ()
    mapping: Any = None  # step 02's mapping table (a DataFrame), None without one
    decisions: DecisionLog | None = None
    contact_point_names: Mapping[str, str] = field(default_factory=dict)  # GUID -> name
    units: tuple[dict[str, str], dict[str, str]] = ({}, {})  # see unit_lookup
    audit_hash: str = ""
    # the run folder's own files that the anchor pins, each with its SHA-256 (path, digest):
    # a customer and operations can check a file they were handed without the kit (both
    # asked, in week two: "the consultant can show it"; "Get-FileHash")
    deliverables: tuple[tuple[str, str], ...] = ()
    banners: tuple[str, ...] = ()
    rehearsal: str | None = None  # the newest verified rehearsal's page, from signoff/
    rehearsal_local: bool = False
    comparison: Mapping[str, str] | None = None  # run.environment.comparison_link
    checklist: list[tuple[str, str, str, str, str]] | None = None  # the checklist's rows
    commands_where: str = ""  # where the commands of its next actions are typed
    diagram: str | None = None  # a data: URL
    diagram_alt: str = ""  # the diagram in words (documents.diagram.diagram_text)
    changes: dict[str, Any] | None = None  # changes.json
    seal: SealDeclaration | None = None  # the consultancy's seal: who, fingerprint, trust


def render_overview(ctx: Overview) -> str:
    """The overview page; ``ctx`` is assembled by the runner from the run's own files.

    Its order is the signed document's (contract §12.9): status and readiness, the
    checklist with its evidence, one summary of findings and changes by code and unit, and
    the signatures: what a customer reads before signing fits the first pages. The rest
    (diagram, steps, what was not checked, the dispatcher, the anchor) follows, and every
    long list (each finding, each change, each mailbox) is an appendix."""
    lang = ctx.language
    anchor = ctx.audit_hash or ""
    body = Markup("").join(
        [
            ctx.nav,
            _overview_head(ctx, lang),
            _overview_checklist(ctx, lang),
            _overview_summary(ctx, lang),
            _overview_signatures(ctx, lang),
            Markup('<div class="after-signatures">'),
            _overview_units(ctx, lang),
            _overview_diagram(ctx, lang),
            _overview_steps(ctx, lang),
            _overview_not_checked(ctx, lang),
            _overview_dispatcher(ctx, lang),
            _overview_pages(ctx, lang),
            _overview_audit(ctx, lang),
            Markup("</div>"),
            _overview_findings(ctx, lang),
            changes_section(ctx.changes, lang),
            _overview_decisions(ctx, lang),
            _overview_mapping(ctx, lang),
        ]
    )
    return page(
        f"{t(lang, 'signoff')} - {ctx.organisation} - {ctx.environment}",
        body,
        language=lang,
        banners=list(ctx.banners),
        anchor=anchor,
    )


SUMMARY_ROWS = 14  # codes named on the front page; the rest are counted in one line


def _overview_summary(ctx: Overview, lang: str) -> Markup:
    """Findings and changes since the previous run, counted by code and unit: one page."""
    findings = ctx.findings
    units = ctx.units
    parts: list[Markup] = []
    rows = findings_summary(findings, units, lang)
    if rows:
        shown = rows[:SUMMARY_ROWS]
        parts.append(
            table(
                [
                    (badge(sev, language=lang), fragment("code", code), title_, n, where)
                    for sev, code, title_, n, where in shown
                ],
                [
                    t(lang, "severity"),
                    t(lang, "code"),
                    t(lang, "what"),
                    t(lang, "count"),
                    t(lang, "units"),
                ],
                language=lang,
            )
        )
        if len(rows) > SUMMARY_ROWS:
            rest = sum(n for *_x, n, _w in rows[SUMMARY_ROWS:])
            parts.append(
                fragment(
                    "para",
                    [t(lang, "summary_more", codes=len(rows) - SUMMARY_ROWS, n=rest)],
                )
            )
        parts.append(fragment("para", [t(lang, "summary_appendix")]))
    else:
        parts.append(fragment("para", [t(lang, "no_findings")]))
    parts.append(_changes_summary(ctx.changes, lang))
    return fragment("section", t(lang, "summary"), parts, "summary")


def unit_lookup(mapping: Any, sheet: str) -> tuple[dict[str, str], dict[str, str]]:
    """(unit by Mailbox ID, unit by ``Sheet!row``) from the run's mapping table."""
    by_id: dict[str, str] = {}
    by_row: dict[str, str] = {}
    if mapping is None or not hasattr(mapping, "columns"):
        return by_id, by_row
    cols = set(mapping.columns)
    if not {"mailbox_id", "responsible_unit"} <= cols:
        return by_id, by_row
    ids = mapping["mailbox_id"].astype(str).tolist()
    units = mapping["responsible_unit"].astype(str).tolist()
    rows = mapping["row"].tolist() if "row" in cols else [None] * len(ids)
    for mid, unit, row in zip(ids, units, rows, strict=True):
        by_id.setdefault(mid, unit)
        if row is not None:
            by_row[place(sheet, row)] = unit
    return by_id, by_row


def findings_summary(
    findings: Sequence[Finding], units: tuple[dict[str, str], dict[str, str]], lang: str
) -> list[tuple[str, str, str, int, str]]:
    """(severity, code, title, count, units) per code, errors first, then by count.

    A code past the bound on findings (1,000 listed) carries a summary finding saying how
    many more there were: they count in full, under "not listed" since no unit is known."""
    from ..catalogue import title
    from ..findings import LEFT_OUT
    from .change_text import code_words, unit_counts, unit_of

    groups: dict[tuple[str, str], list[str]] = {}
    left: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.severity, f.code)
        if f.template == LEFT_OUT:
            left[key] = left.get(key, 0) + int(f.params.get("count", 0) or 0)
            groups.setdefault(key, [])
            continue
        groups.setdefault(key, []).append(
            unit_of({"params": f.params, "location": f.location}, units)
        )
    rank = {"error": 0, "warning": 1, "info": 2}
    out = []
    for (sev, code), found in sorted(
        groups.items(),
        key=lambda x: (rank.get(x[0][0], 3), -(len(x[1]) + left.get(x[0], 0)), x[0][1]),
    ):
        named = [u for u in found if u]
        where = unit_counts(named, lang) if named else ""
        rest = [x for x in ((t(lang, "whole_environment"), len(found) - len(named)),
                            (t(lang, "not_listed"), left.get((sev, code), 0))) if x[1]]  # fmt: skip
        if named and rest or len(rest) > 1 or (rest and rest[0][0] == t(lang, "not_listed")):
            where = ", ".join([*([where] if where else []), *(f"{w} {n}" for w, n in rest)])
        heading = (title(code) if lang == "da" else "") or code_words(code)
        out.append((sev, code, heading, len(found) + left.get((sev, code), 0), where))
    return out


def _changes_summary(change: dict[str, Any] | None, lang: str) -> Markup:
    """Changes since the previous run, counted by code and unit."""
    from .change_text import code_title, section_titles, summary

    heading = fragment("heading", t(lang, "changes_title"), 3)
    if change is None:
        return heading + fragment("para", [t(lang, "changes_first_run")])
    if change.get("problem"):
        return heading + fragment("para", [_problem_text(change["problem"], lang)])
    # which run the changes are counted from, on the page signed (a customer's week-two read:
    # "Ingen ændringer." after changes since the run they had signed, with the run compared
    # named only in the appendix)
    said = change.get("previous")
    previous: dict[str, Any] = said if isinstance(said, dict) else {}
    if previous.get("run"):
        anchor = str(previous.get("anchor") or "")
        heading += fragment(
            "para",
            [
                t(
                    lang,
                    "changes_compared",
                    run=str(previous["run"]),
                    anchor=f"{anchor[:12]}…" if anchor else t(lang, "not_set"),
                )
            ],
        )
    counted = summary(change, lang)
    if not counted:
        return heading + fragment("para", [t(lang, "changes_none")])
    section_word = section_titles(lang)
    rows = [
        (section_word[sec], code_title(sec, code, lang), unit or t(lang, "whole_environment"), n)
        for sec, code, unit, n in counted
    ]
    more = Markup("")
    if len(rows) > SUMMARY_ROWS:
        rest = sum(r[3] for r in rows[SUMMARY_ROWS:])
        more = fragment("para", [t(lang, "summary_more", codes=len(rows) - SUMMARY_ROWS, n=rest)])
    return (
        heading
        + table(
            rows[:SUMMARY_ROWS],
            [t(lang, "change_kind"), t(lang, "what"), t(lang, "unit_col"), t(lang, "count")],
            language=lang,
        )
        + more
    )


def _problem_text(problem: Any, lang: str) -> str:
    from .change_text import sentence

    if isinstance(problem, dict):
        params = problem.get("params")
        return sentence(
            str(problem.get("code") or ""), params if isinstance(params, dict) else {}, lang, {}
        )
    return t(lang, "changes_not_compared")


def _overview_head(ctx: Overview, lang: str) -> Markup:
    """Who, which environment and run, and the verdict."""
    word = ctx.ready
    if isinstance(word, bool):  # a plain yes/no from a caller that knows no remarks
        word = "ready" if word else "not_ready"
    readiness = ctx.readiness
    if readiness is not None:  # the checklist's readiness: every step done, with evidence
        word = readiness.readiness.status
    ready = {"ready": True, "ready_with_remarks": "remarks"}.get(word, False)
    status_text = readiness.readiness.words(lang) if readiness is not None else t(lang, word)
    return fragment(
        "overview_head",
        f"{t(lang, 'signoff')}: {t(lang, 'title')}",
        [
            (t(lang, "organisation"), f"{ctx.organisation} (CVR {ctx.cvr})"),
            (t(lang, "environment"), f"{ctx.environment} ({t(lang, 'kind_' + ctx.kind)})"),
            # the name's UTC start said: "Kørsel 20261206T232632Z-…" beside "Dannet 07-12-2026"
            # read as two dates for one run (a signer's read)
            (t(lang, "run"), t(lang, "run_named", run=ctx.run_id)),
            # Danish local time, said (a signer compared it with the seal's UTC and the run ID)
            (
                t(lang, "generated"),
                t(lang, "generated_at", when=local_time(ctx.generated_at, lang)),
            ),
            (t(lang, "kit_version"), ctx.kit_version),
            *([(t(lang, "gate_row"), t(lang, "gate_see", verdict=ctx.gate))] if ctx.gate else []),
        ],
        t(lang, "status"),
        status_text,
        ready,
    )


def _overview_steps(ctx: Overview, lang: str) -> Markup:
    """Each step with its status, findings and duration."""
    step_rows = [
        (
            fragment("link", f"{s.name}.html", step_title(lang, s.name)),
            badge(STEP_SEVERITY.get(s.status, "info"), status_word(lang, s.status), language=lang),
            s.counts,
            seconds(lang, s.duration_s, 1),
        )
        for s in ctx.steps
    ]
    return fragment(
        "section",
        t(lang, "steps"),
        [
            table(
                step_rows,
                [t(lang, "step"), t(lang, "status"), t(lang, "findings"), t(lang, "duration")],
                language=lang,
            ),
            # a step's "ok" beside a checklist row "not verified" read as a contradiction
            fragment("para", [t(lang, "steps_ok_scope")]),
        ],
    )


def _overview_pages(ctx: Overview, lang: str) -> Markup:
    """Links to the other pages of the document."""
    links = [
        ("portal.html", t(lang, "portal")),
        ("firewall.html", t(lang, "firewall")),
        ("dispatcher.html", t(lang, "dispatcher_page")),
        ("runbook.html", t(lang, "runbook")),
    ]
    if ctx.rehearsal:
        label = t(lang, "rehearsal_link")
        if ctx.rehearsal_local:
            label += f" ({t(lang, 'local_rehearsal')})"
        links.append((ctx.rehearsal, label))
    comparison = ctx.comparison
    if comparison:
        label = t(lang, "compare_link")
        if comparison.get("note"):  # it did not compare this run: say which it compared
            label += (
                f" ({t(lang, 'compare_link_' + comparison['note'], run=comparison.get('run', ''))})"
            )
        label += comparison_outcome(comparison, lang)
        links.append((comparison["href"], label))
    return fragment(
        "section",
        t(lang, "pages"),
        [fragment("list", [fragment("link", h, x) for h, x in links])],
        "consultant",
    )


def comparison_outcome(comparison: Mapping[str, str], lang: str) -> str:
    """ ": 2 fejl, 1 advarsel" (or ": ingen fejl eller advarsler") for a comparison whose
    findings were read, "" otherwise."""
    if "errors" not in comparison:
        return ""
    errors, warnings = int(comparison["errors"]), int(comparison.get("warnings", "0"))
    if not errors and not warnings:
        return ": " + t(lang, "compare_outcome_clean")
    said = [count(lang, errors, "error")] if errors else []
    said += [count(lang, warnings, "warning")] if warnings else []
    return ": " + ", ".join(said)


def _overview_findings(ctx: Overview, lang: str) -> Markup:
    """The findings, errors first."""
    findings = ctx.findings
    grouped: list[Markup] = []
    for sev, key in (("error", "errors"), ("warning", "warnings"), ("info", "infos")):
        chosen = [f for f in findings if f.severity == sev]
        if chosen:
            grouped += [fragment("heading", t(lang, key), 3), findings_html(chosen, language=lang)]
    return fragment(
        "section",
        t(lang, "findings_appendix"),
        grouped or [findings_html([], language=lang)],
        "appendix findings-all",
    )


def _overview_not_checked(ctx: Overview, lang: str) -> Markup:
    """What was not checked: network, evidence, NgDP and WorkZone unread, pending and skipped
    checks."""
    findings = ctx.findings
    not_checked = [
        f for f in findings if f.code.startswith("PENDING_") or f.code in NOT_CHECKED_CODES
    ]
    network = ctx.network or NetworkRun()
    # "see the server checks" only when there are some (a customer's cold read)
    said = (
        "network_online"
        if network.online
        else "network_ngdp_only"
        if network.ngdp_only
        else "network_offline"
    )
    if not ctx.evidence:
        said += "_no_evidence"
    ran = t(lang, said, machine=network.ran_on or "?") if network.online else t(lang, said)
    evidence = [
        f"{e.server} ({local_time(e.taken_at, lang)}): {t(lang, 'install_evidence')} {e.thumbprint or ''}"
        + (f"; {t(lang, 'install_custom_root', thumbprint=e.custom_root)}" if e.custom_root else "")
        if e.kind == "install"
        else t(
            lang,
            "server_check_line",
            server=e.server,
            taken=local_time(e.taken_at, lang),
            failed=e.failed or 0,
            checks=e.checks or 0,
            egress=e.egress_ip or "-",
        )
        for e in ctx.evidence
    ]
    unread = [
        fragment("para", [t(lang, key)])
        for key, read in (
            ("overview_ngdp_unread", ctx.ngdp_read),
            ("overview_workzone_unread", ctx.workzone_read),
        )
        if read is False
    ]
    return fragment(
        "section",
        t(lang, "not_checked"),
        [fragment("para", [ran]), fragment("list", evidence), *unread]
        + [
            fragment(
                "para", [badge(f.severity, language=lang), fragment("code", f.code), f.text(lang)]
            )
            for f in not_checked
        ],
    )


def _overview_dispatcher(ctx: Overview, lang: str) -> Markup:
    """The dispatcher parameters, or why they are withheld."""
    disp = ctx.dispatcher
    if disp:
        names = ctx.contact_point_names
        rows: list[tuple[str, Any]] = [
            (name, with_default_words(name, value, value, names, lang))
            for name, value in disp.parameters
        ]
        rows.append(
            (
                t(lang, "status"),  # the values', not the migration's ("klar" under "ikke klar")
                t(lang, "dispatcher_values_ready")
                if disp.ready
                else f"{t(lang, 'not_ready')}: {codes_in_words(disp.blocking, lang)}",
            )
        )
        disp_html = table(rows, [t(lang, "field"), t(lang, "value")], language=lang)
        # the names are ngdpkit's but one; the dispatcher page says which (a customer's cold
        # read: a WorkZone administrator would look for fields that are not there)
        disp_html = disp_html + fragment("para", [t(lang, "dispatcher_names_note")])
    else:
        disp_html = fragment(
            "banner", t(lang, "dispatcher_withheld", codes=codes_in_words(ctx.withheld_by, lang))
        )
    # The PDF holds the dispatcher's own page: this table is printed there only.
    return fragment("section", t(lang, "dispatcher"), [disp_html], "also-in-pdf")


def _overview_units(ctx: Overview, lang: str) -> Markup:
    """Where each unit's mailboxes land, one line per unit, every unit (the mapping's own
    table is an appendix, cut past 2,000 rows)."""
    if ctx.mapping is None or not len(ctx.mapping):
        return Markup("")
    summary = unit_summary_html(ctx.mapping, language=lang)
    return fragment("section", t(lang, "unit_summary_title"), [summary])


def _overview_mapping(ctx: Overview, lang: str) -> Markup:
    """The mapping grouped by unit (an appendix when printed)."""
    mapping_section = Markup("")
    if ctx.mapping is not None:
        mapping_section = fragment(
            "section",
            t(lang, "mapping"),
            [
                Markup(
                    mapping_by_unit_html(ctx.mapping, language=lang, findings=ctx.findings, level=3)
                )
            ],
            "appendix",
        )
    return mapping_section


DECISIONS_INLINE = 20  # more decisions than this print in the appendix


def _overview_decisions(ctx: Overview, lang: str) -> Markup:
    """The consultant's decisions that this run's mapping used (contract §12.7): each with
    who made it, when, and the note; the decisions file is an input hashed in the audit."""
    log = ctx.decisions
    if log is None or not log.decisions:
        return Markup("")
    names = ctx.contact_point_names
    mailboxes = _decided_mailboxes(ctx.mapping, {d.mailbox_id for d in log.decisions})
    rows = [_decision_row(d, names, mailboxes, lang) for d in log.decisions]
    parts = [
        fragment(
            "para",
            [
                t(
                    lang,
                    "decisions_lead",
                    n=len(rows),
                    file=log.source,
                    superseded=log.superseded,
                    unused=log.unused,
                )
            ],
        ),
        table(rows, [t(lang, key) for key in DECISION_HEADERS], language=lang),
    ]
    parts += _replaced_decisions(log, names, mailboxes, lang)
    css = "appendix" if len(rows) > DECISIONS_INLINE else ""
    return fragment("section", t(lang, "decisions_title"), parts, css)


DECISION_HEADERS = (
    "mailbox_id", "mailbox_name", "responsible_unit", "decision_header", "contact_point", "decided_by", "decided_at",
    "note",
)  # fmt: skip


def _decision_row(
    d: Any, names: Mapping[str, str], mailboxes: dict[str, tuple[str, str]], lang: str
) -> tuple[str, ...]:
    """One decision as the overview lists it: the mailbox, its name and unit, the decision, the
    contact point by name, who, when and the note."""
    return (
        d.key,
        *mailboxes.get(d.mailbox_id, ("", "")),
        t(lang, f"decision_{d.decision}"),
        names.get(d.guid, d.guid) if d.guid else "-",
        d.decided_by,
        local_time(d.decided_at, lang),
        d.note,
    )


def _replaced_decisions(
    log: Any, names: Mapping[str, str], mailboxes: dict[str, tuple[str, str]], lang: str
) -> list[Markup]:
    """The earlier decisions another person replaced, each beside who made the one that
    counts now (a consultant who took over in week two replaced a colleague's decision, and
    the overview said only "1 tidligere beslutning er erstattet af en senere")."""
    if not log.replaced:
        return []
    now = {d.key: d for d in log.decisions}
    rows = [
        (
            *_decision_row(d, names, mailboxes, lang),
            f"{now[d.key].decided_by}, {local_time(now[d.key].decided_at, lang)}"
            if d.key in now
            else "-",
        )
        for d in log.replaced
    ]
    headers = [t(lang, key) for key in (*DECISION_HEADERS, "replaced_by")]
    return [
        fragment("para", [t(lang, "decisions_replaced")]),
        table(rows, headers, language=lang),
    ]


def _decided_mailboxes(mapping: Any, ids: set[str]) -> dict[str, tuple[str, str]]:
    """The export's name and responsible unit of each decided mailbox, by ID (a customer's
    week-two read: the decisions named mailboxes by ID only; a cold read could not see that
    a decision sent a unit's mailbox to another unit's contact point), from the run's
    mapping; none without one."""
    if mapping is None or not ids or "mailbox_name" not in getattr(mapping, "columns", ()):
        return {}
    rows = mapping[mapping["mailbox_id"].isin(ids)]
    units = rows["responsible_unit"] if "responsible_unit" in rows.columns else [""] * len(rows)
    return {
        str(m): (str(n), "" if u is None else str(u))
        for m, n, u in zip(rows["mailbox_id"], rows["mailbox_name"], units, strict=True)
    }


def _overview_audit(ctx: Overview, lang: str) -> Markup:
    """The anchor and the command that checks it, and each file of the folder the anchor
    pins with its SHA-256 (what anyone handed a file checks it against, without the kit)."""
    anchor = ctx.audit_hash or ""
    parts = [
        fragment("para", [fragment("code", anchor)]),
        fragment(
            "para",
            [
                t(lang, "verify_here") + " ",
                command(f"ngdpkit audit verify . --expect-hash {anchor}"),
            ],
        ),
    ]
    if ctx.deliverables:
        example = next(
            (name for name, _ in ctx.deliverables if name == "mailbox-mapping.xlsx"),
            ctx.deliverables[0][0],
        )
        parts += [
            fragment("para", [t(lang, "deliverables_digests")]),
            fragment("para", [fragment("command", f"Get-FileHash -Algorithm SHA256 .\\{example}")]),
            table(
                [(name, fragment("code", digest.upper())) for name, digest in ctx.deliverables],
                [t(lang, "file"), "SHA-256"],
                limit=100,
                language=lang,
            ),
        ]
    return fragment("section", t(lang, "audit_hash"), parts)


def _overview_signatures(ctx: Overview, lang: str) -> Markup:
    """The declaration and the signature blocks."""
    anchor = ctx.audit_hash or ""
    fields = [t(lang, "name"), t(lang, "role"), t(lang, "date"), t(lang, "signature")]
    declaration = fragment(
        "declaration",
        t(
            lang,
            "signature_declaration",
            environment=ctx.environment,
            run=ctx.run_id,
            anchor=anchor,
        ),
    )
    ready = ctx.readiness.readiness if ctx.readiness is not None else None
    if ready is not None and ready.status != "ready":
        # what a signature on a document that is not ready does not mean (a customer's
        # cold read: "what am I signing?")
        declaration = declaration + fragment(
            "para", [t(lang, "signature_not_go_live", status=ready.words(lang))]
        )
    if ctx.mapping is not None and len(ctx.mapping):
        # where the signer finds each unit's contact points (a proofreader's look: the summary
        # follows the boxes, and a signer had signed before reaching it)
        declaration = declaration + fragment("para", [t(lang, "unit_summary_pointer")])
    if ctx.seal:  # the consultancy's electronic seal over the same folder (§12.5)
        declaration = declaration + fragment("para", seal_words(ctx.seal, lang))
    elif anchor:
        # what the anchor pins, and what it cannot (the pages print it): a customer's cold
        # read found "identified by the anchor" promised more than audit verify says
        declaration = declaration + fragment("para", [t(lang, "anchor_scope")])
    return fragment(
        "signatures",
        t(lang, "signatures"),
        [(t(lang, who), fields) for who in ("consultant", "customer")],
        declaration,
    )


def seal_words(declaration: SealDeclaration, lang: str) -> list[str]:
    """The declaration's sentences about the seal, each true of this seal: who seals and
    the fingerprint to compare with the one agreed, what its certificate chains to (what
    the seal proves), and whether the PDF's signature asks for a timestamp. An IT manager's
    read before signing: every seal was called "advanced", whatever its certificate. A run
    without ``--pdf`` has no signoff.pdf, and its declaration says nothing of one (an
    auditor's look: it said signoff.pdf carried the same seal, and had no timestamp)."""
    seal = declaration.seal
    url = declaration.timestamp_url
    trust = t(lang, f"seal_trust_{seal.trust.value}")
    if not declaration.pdf:
        return [
            t(lang, "sealed_by_no_pdf", subject=seal.subject, fingerprint=seal.fingerprint),
            trust,
        ]
    return [
        t(lang, "sealed_by", subject=seal.subject, fingerprint=seal.fingerprint),
        trust,
        *([t(lang, "seal_own_pdf_readers")] if seal.trust.value == "own" else []),
        t(lang, "seal_timestamp", url=url) if url else t(lang, "seal_no_timestamp"),
    ]


def _overview_diagram(ctx: Overview, lang: str) -> Markup:
    """The environment's diagram, when there is one."""
    return (
        fragment(
            "section",
            t(lang, "diagram"),
            [fragment("image", ctx.diagram, ctx.diagram_alt)],
            "diagram",
        )
        if ctx.diagram
        else Markup("")
    )


def _overview_checklist(ctx: Overview, lang: str) -> Markup:
    """The go-live checklist, when there is one."""
    return (
        fragment(
            "section",
            t(lang, "checklist"),
            [checklist_table(ctx.checklist, lang, where=ctx.commands_where)],
        )
        if ctx.checklist
        else Markup("")
    )


def changes_section(change: dict[str, Any] | None, language: str) -> Markup:
    """Every change since the previous run, one sentence each in the run's language (an
    appendix: the front page counts them); nothing on a first run."""
    from .change_text import lines, section_titles

    if change is None or change.get("problem"):
        return Markup("")
    prev = change["previous"]
    parts = [
        fragment(
            "para",
            [t(language, "changes_previous", run=prev["run"]), fragment("code", prev["anchor"])],
        )
    ]
    titles = section_titles(language)
    grouped: dict[str, list[str]] = {}
    for section, _code, unit, text in lines(change, language):
        grouped.setdefault(section, []).append(f"{unit}: {text}" if unit else text)
    if not grouped:
        return Markup("")
    for section, items in grouped.items():
        parts += [fragment("heading", titles[section], 3), fragment("list", items)]
    # the PDF prints its first lines (pdf.BOUNDED); the page keeps every one
    return fragment("section", t(language, "changes_appendix"), parts, "appendix changes-all")


def render_portal(
    portal: PortalRegistration,
    *,
    language: str,
    nav: Markup,
    banners: list[str],
    anchor: str = "",
    content: Markup | None = None,
    todo: Any = None,
) -> str:
    """What to type into Administrativ Adgang, in the portal's order; every postkasse
    translation in an appendix table (never cut short). ``content``: the page's content
    from :func:`portal_content`, when it was rendered ahead; ``todo``: step 02's portal
    to-do."""
    if content is None:
        content = portal_content(portal, language, todo)
    return page(
        t(language, "portal"), nav + content, language=language, banners=banners, anchor=anchor
    )


def portal_content(portal: PortalRegistration, language: str, todo: Any = None) -> Markup:
    """The portal page below its navigation: the same for every page of a run (no anchor, no
    banners), so a run renders it while its last notebook executes. ``todo`` is step 02's
    portal to-do."""
    from ..deliverables.portal import PORTAL_NOTES, portal_fields

    yes, no = t(language, "yes"), t(language, "no")
    cps = portal.contact_points
    cp_rows = [
        (
            c.name,
            c.id or t(language, "new_contact_point"),
            ", ".join(t(language, f"target_{x.lower()}") for x in c.targets),
            yes if c.visible else no,
            len(c.translations),
        )
        for c in cps
    ]
    # Every cell already text (the 99,000 rows of a large municipality go straight to the
    # template, without table()'s per-cell conversion).
    appendix = [
        (
            c.name,
            c.id or t(language, "new_contact_point"),
            *entry.partition(":")[::2],
        )
        for c in cps
        for entry in c.translations
    ]
    return Markup("").join(
        [
            fragment("heading", f"{t(language, 'portal')} ({portal.environment})", 1),
            fragment("para", [with_urls(portal.portal)]),
            table(
                portal_fields(portal, language),
                [t(language, "field"), t(language, "value")],
                language=language,
            ),
            fragment("heading", t(language, "contact_point"), 2),
            table(
                cp_rows,
                [
                    t(language, "name"),
                    "GUID",
                    t(language, "targets"),
                    t(language, "visible"),
                    t(language, "postkasser"),
                ],
                limit=100_000,
                language=language,
            ),
            fragment("list", list(PORTAL_NOTES["da" if language == "da" else "en"])),
            _portal_todo(todo, language),
            fragment(
                "section",
                t(language, "translations_appendix"),
                [
                    text_table(
                        [
                            t(language, "contact_point"),
                            "GUID",
                            t(language, "mailbox_id"),
                            t(language, "subject_id_header"),
                        ],
                        appendix,
                    )
                ],
                "appendix translations-all",
            ),
        ]
    )


def _portal_todo(todo: Any, language: str) -> Markup:
    """Per contact point, the translations to add and to remove in NgDP: only the delta
    (offline: every planned translation, marked not verified). ``todo``: a PortalTodo, its
    stored form, or a step file's JSON of either (counted from the stored runs: offline,
    99,000 translations are never made into records or rows)."""
    from ..checks.ngdp_compare import compact_todo
    from ..deliverables.outputs import TODO_WORDS

    try:
        typed = compact_todo(todo)
    except ValueError:
        return Markup("")
    if typed is None:
        return Markup("")
    words = TODO_WORDS["da" if language == "da" else "en"]
    if not typed.count and not typed.verified:
        # offline with nothing planned (day one, no contact points yet): no portal-todo.xlsx
        # is written, and nothing was compared with NgDP (a consultant's day one: the page
        # named the file and said NgDP's translations matched)
        unplanned = fragment("para", [t(language, "portal_todo_unplanned")])
        return fragment("section", t(language, "portal_todo"), [unplanned])
    lead = t(language, "portal_todo_verified" if typed.verified else "portal_todo_offline")
    body = [fragment("para", [lead])]
    if not typed.count:
        body.append(fragment("para", [t(language, "portal_todo_none")]))
        return fragment("section", t(language, "portal_todo"), body)
    # Per contact point, how many translations to add, remove or verify: on the page; every
    # translation, one per row, in the appendix (the PDF prints it once, at the end).
    counted: dict[tuple[str, str], dict[str, int]] = {}
    for cp in typed.contact_points:
        if not cp.count:
            continue
        counts = counted.setdefault((cp.name, cp.id), {})
        for action, n in cp.action_counts().items():
            word = str(words.get(action, action))
            counts[word] = counts.get(word, 0) + n
    body.append(
        table(
            [
                (name, guid, ", ".join(f"{a}: {n}" for a, n in counts.items()))
                for (name, guid), counts in counted.items()
            ],
            [words["headers"][0], words["headers"][1], t(language, "portal_todo_counts")],
            language=language,
        )
    )
    if not typed.verified:
        # Offline, the to-do is every planned translation: the translations appendix lists
        # them already (each table once); only the removals are listed here.
        return _offline_removals(typed, body, language)
    return _todo_with_appendix(typed, body, "portal_todo_appendix", language)


def _todo_with_appendix(todo: Any, body: list[Markup], title: str, language: str) -> Markup:
    """The to-do section, then an appendix of ``todo``'s rows, one per translation."""
    from ..deliverables.outputs import TODO_WORDS, portal_todo_rows

    words = TODO_WORDS["da" if language == "da" else "en"]
    rows = portal_todo_rows(todo, language)
    return fragment("section", t(language, "portal_todo"), body) + fragment(
        "section",
        t(language, title),
        [text_table(list(words["headers"]), [tuple(r) for r in rows])],
        "appendix portal-todo-all",  # the PDF prints its first rows (pdf.BOUNDED)
    )


def _offline_removals(todo: Any, body: list[Markup], language: str) -> Markup:
    """Offline, the translations of the contact points file this run does not map to their
    contact point (``remove_if_present``): a sentence in the to-do section and one row each
    in an appendix. Only their runs are made into rows (the planned ones are 99,000 at
    100,000 mailboxes, and the translations appendix lists them)."""
    from dataclasses import replace

    from ..checks.ngdp_compare import StoredTodo

    removals = StoredTodo(
        todo.verified,
        tuple(
            replace(cp, runs=tuple(r for r in cp.runs if r.action == "remove_if_present"))
            for cp in todo.contact_points
        ),
    )
    section = fragment("section", t(language, "portal_todo"), body)
    if not removals.count:
        return section
    body.append(fragment("para", [t(language, "portal_todo_offline_remove")]))
    return _todo_with_appendix(removals, body, "portal_todo_remove_appendix", language)


DISPATCHER_WHERE = (
    "WorkZone Configurator → Process → Process dispatchers → NgDP"  # the product's own words
)


def render_dispatcher(
    config: DispatcherConfig | None,
    *,
    withheld_by: Sequence[str],
    authorization_env: str | None,
    language: str,
    nav: Markup,
    banners: list[str],
    environment: str,
    anchor: str = "",
    contact_point_names: Mapping[str, str] | None = None,
) -> str:
    """The WorkZone administrator's page: where to go and each field with its value. The
    authorization header is named by where it comes from, never shown; the ContactPointGuid
    with its contact point's name (``contact_point_names``: by GUID)."""
    lang = "da" if language == "da" else "en"
    parts: list[Markup] = [
        nav,
        fragment("heading", f"{t(lang, 'dispatcher_page')} ({environment})", 1),
        fragment("para", [t(lang, "dispatcher_where"), fragment("code", DISPATCHER_WHERE)]),
    ]
    if config is None:
        parts.append(
            fragment(
                "banner", t(lang, "dispatcher_withheld", codes=codes_in_words(withheld_by, lang))
            )
        )
    else:
        if not config.ready:
            parts.append(
                fragment(
                    "banner", f"{t(lang, 'not_ready')}: {codes_in_words(config.blocking, lang)}"
                )
            )
        parts += dispatcher_fields(config, lang, contact_point_names or {})
    return page(
        # the environment in the tab's title too (a WorkZone administrator's look: test's and
        # production's pages, open side by side, were told apart by one word of the heading)
        f"{t(lang, 'dispatcher_page')} – {environment}",
        Markup("").join(parts),
        language=lang,
        banners=banners,
        anchor=anchor,
    )


# What the page says of each parameter: the Configurator label when the vendor page gives
# it (only ContactPointGuid), else that the name is ngdpkit's.
KNOWN_LABELS = {"ContactPointGuid": "ContactPointGuid"}


def default_contact_point_words(guid: str, names: Mapping[str, str], lang: str) -> str:
    """What the dispatcher's ContactPointGuid is, said beside it: the contact point's name in
    this environment and what it is for (a customer's cold read saw only a GUID, and could not
    tell a unit's contact point set there from the organisation's own)."""
    name = names.get(guid)
    return (
        t(lang, "dispatcher_default_named", name=name)
        if name
        else t(lang, "dispatcher_default_for")
    )


def with_default_words(
    name: str, value: Any, shown: Any, names: Mapping[str, str], lang: str
) -> Any:
    """A dispatcher parameter as a page shows it (``shown``, made from ``value``): the
    ContactPointGuid followed, on its own line, by what it is
    (:func:`default_contact_point_words`)."""
    if name != "ContactPointGuid" or not value:
        return shown
    words = default_contact_point_words(str(value), names, lang)
    return Markup("").join([shown, Markup("<br>"), words])


def dispatcher_fields(
    config: DispatcherConfig, lang: str, names: Mapping[str, str] | None = None
) -> list[Markup]:
    """The dispatcher's fields: each value with its Configurator label where the vendor page
    gives one and "ngdpkit's name (not Configurator's)" where not; the authorization header
    as a parameter handed over through the agreed channel (never a value, never a variable
    on someone's machine); for REST_PUSH, what the Push Service needs."""
    kit = t(lang, "dispatcher_named_by_kit")
    rows: list[tuple[Any, ...]] = []
    for name, value in config.parameters.pairs():
        label = KNOWN_LABELS.get(name)
        # a URL (ApiBaseUrl) kept whole, in the page's font (display.url says why)
        shown: Any = with_urls(str(value)) if "://" in str(value) else fragment("code", str(value))
        shown = with_default_words(name, value, shown, names or {}, lang)
        if name == "ApiBaseUrl":
            shown = Markup("").join([shown, Markup("<br>"), t(lang, "dispatcher_address_note")])
        rows.append(
            (
                label or name,
                shown,
                t(lang, "dispatcher_named_by_kmd") if label else kit,
            )
        )
    handover = config.authorization.handover
    rows.append(
        (
            t(lang, "dispatcher_authorization_field"),
            t(lang, "dispatcher_handover", channel=handover)
            if handover
            else t(lang, "dispatcher_handover_missing"),
            kit,
        )
    )
    out = [
        table(
            rows,
            [t(lang, "dispatcher_label"), t(lang, "value"), t(lang, "dispatcher_name_basis")],
            language=lang,
        ),
        fragment("para", [t(lang, "dispatcher_note")]),
    ]
    push = config.push
    if push:
        out.append(fragment("heading", t(lang, "dispatcher_push_title"), 2))
        out.append(
            table(
                [
                    (t(lang, "receipt_endpoint"), url(push.receipt_endpoint)),
                    (t(lang, "message_endpoint"), url(push.message_endpoint)),
                ],
                [t(lang, "field"), t(lang, "value")],
                language=lang,
            )
        )
        out.append(
            fragment(
                "list",
                # the Push Service's own port (push_base_url's, 443 without one): "port 443"
                # stood beside a rule for :8443 (an administrator's second look)
                [t(lang, f"dispatcher_push_{i}", port=_push_port(push)) for i in range(1, 5)],
            )
        )
    elif config.ngdp.protocol == "REST_PULL":
        # NgDP's 7 days hold for a system that fetches its post too; the portal page and the
        # runbook said so, the page the WorkZone administrator works from did not
        out.append(fragment("heading", t(lang, "dispatcher_pull_title"), 2))
        out.append(fragment("list", [t(lang, "dispatcher_pull_1"), t(lang, "dispatcher_pull_2")]))
    return out


CHECKLIST_SEVERITY = {
    "færdig": "ok",
    "done": "ok",
    "ikke verificeret": "info",
    "not verified": "info",
    "mangler": "warning",
    "to do": "warning",
}


# A command a next action names (ngdpkit rehearse --against ngdp, --online): one <code>
# that does not break, where a line once broke between the two hyphens of "--against". Only
# the kit's own commands: "ngdpkit har ikke selv set det" set "ngdpkit har" as code. A
# PowerShell script's parameter (server-check.ps1's -EgressIpUrl) is one too: the printed
# firewall order broke it after its hyphen, and a line copied from there lost it.
COMMAND_NAMES = (
    "run", "init", "check", "confirm", "cert", "audit", "sample", "demo", "notebooks",
    "bundle", "simulate", "rehearse", "compare", "diff", "status", "watch",
)  # fmt: skip
# a kit command with its options: --settings, --env and --by take their value (the checklist
# and the runbook name them whole, deliverables/commands.py), the others ngdp or a number
_COMMAND = re.compile(
    rf"ngdpkit (?:{'|'.join(COMMAND_NAMES)})\b"
    r"(?: --(?:settings|env) (?:\"[^\"\n]{1,200}\"|'[^'\n]{1,200}'|[\w.\\/:-]{0,199}[\w/\\-])"
    r'| --by "[^"\n]{1,80}"'
    r"| --[a-z][a-z-]*(?: (?:ngdp|[0-9]+)\b)?)*"
    r"|--[a-z][a-z-]*(?: [0-9]+\b)?"
    r"|(?<![\w-])-[A-Z][A-Za-z]+\b"
)


def command(text: str) -> Markup:
    """A command set as code, never broken inside an option: a short one stays on one line;
    a long one (the checklist's commands name the settings, the environment and who
    confirms: 90 characters) may end a line only before one of its options. Kept on one line
    it pushed the checklist's table off the page and cut the command at the window's edge."""
    if len(text) <= COMMAND_ON_ONE_LINE:
        return fragment("command", text)
    parts: list[str] = []
    for part in re.split(r" (?=--)", text):
        # an option whose value is long (a settings file named "Søby Kommune NgDP migration
        # produktion 2027.toml") may end a line at a space in it too: kept whole, it ran off
        # the printed page (a go-live look)
        parts += part.split(" ") if len(part) > COMMAND_PART else [part]
    return fragment("command_parts", parts)


COMMAND_ON_ONE_LINE = 40
COMMAND_PART = 30


def with_commands(text: str) -> Markup:
    """``text`` (escaped by the join), each command in it a ``command`` fragment."""
    out: list[str | Markup] = []
    at = 0
    for m in _COMMAND.finditer(text):
        out += [text[at : m.start()], command(m.group(0))]
        at = m.end()
    out.append(text[at:])
    return Markup("").join(out)


def checklist_table(
    rows: list[tuple[str, str, str, str, str]], language: str, *, where: str = ""
) -> Markup:
    """The checklist's rows, each command in its next action set as code, the legend after
    them and ``where`` the commands are typed (the settings file's folder)."""
    from ..deliverables.checklist import HEADERS

    lang = "da" if language == "da" else "en"
    return (
        table(
            [
                (
                    s,
                    who,
                    badge(CHECKLIST_SEVERITY.get(status, "error"), status),
                    ev,
                    with_commands(nxt),
                )
                for s, who, status, ev, nxt in rows
            ],
            HEADERS[lang],
            language=lang,
            cls="checklist",  # its cells keep a width on a phone
        )
        + fragment(
            # what each word means: "ikke verificeret" beside "mangler", and plans in a column
            # called evidence, left a signing customer guessing (a customer's cold read)
            "para",
            [t(lang, "checklist_legend")],
        )
        + (fragment("para", [where]) if where else Markup(""))
    )  # its own line, not the legend's


def render_checklist(
    rows: list[tuple[str, str, str, str, str]],
    *,
    language: str,
    nav: Markup,
    banners: list[str],
    environment: str,
    anchor: str = "",
    where: str = "",
) -> str:
    """Who still has to do what, step by step from the vendor page; ``where`` the commands
    of its next actions are typed."""
    body = Markup("").join(
        [
            nav,
            fragment("heading", f"{t(language, 'checklist')} ({environment})", 1),
            checklist_table(rows, language, where=where),
        ]
    )
    return page(t(language, "checklist"), body, language=language, banners=banners, anchor=anchor)


def _push_port(push: Any) -> int:
    """The port NgDP calls the push endpoints on: the receipt endpoint's, 443 without one."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(push.receipt_endpoint).port or 443
    except ValueError:
        return 443


def _host_cell(rule: FirewallRule, value: Any) -> Any:
    """A cell that names the rule's server, kept whole (``span.host``, like a GUID): the
    printed appendix broke ``wz-agent01-t`` at its hyphen. So is the destination's host name
    wherever a cell names it (``wzpush.eksempel-kommune.dk (WorkZone Push Service)``,
    ``(offentlig adresse for wzpush.eksempel-kommune.dk)``): an address someone types. Any
    other text keeps a command or a script's parameter in it whole (:func:`with_commands`)."""
    if rule.source_server and value == rule.source_server:
        return fragment("host", value)
    if not isinstance(value, str):
        return value
    host = rule.destination_host.split(" ", 1)[0]
    if not host or host.startswith("(") or host not in value:
        return with_commands(value) if _COMMAND.search(value) else value
    parts: list[Any] = []
    for i, text in enumerate(value.split(host)):  # a loop, not recursion: a cell naming
        # the host thousands of times ran out of stack (an attacker's look)
        if i:
            parts.append(fragment("host", host))
        parts.append(with_commands(text) if _COMMAND.search(text) else text)
    return Markup("").join(parts)


def whole_hosts(rule: FirewallRule, cells: list[Any]) -> list[Any]:
    """A firewall row's cells with the server's host name kept whole wherever it stands."""
    return [_host_cell(rule, v) for v in cells]


def _sources(found: list[FirewallRule], lang: str) -> Markup:
    """The summary's sources, each server's host name kept whole."""
    from ..deliverables.firewall import firewall_word

    first: dict[str, FirewallRule] = {}
    for r in found:
        word = str(firewall_word(lang, r.source))
        if r.direction == "incoming":  # NgDP publishes no source address: "Kilde: NgDP" read
            # as a rule narrowed to NgDP, and push delivery breaks when it is (a signer's look)
            word = t(lang, "any_source")
        first.setdefault(word, r)
    return Markup(", ").join(_host_cell(r, word) for word, r in first.items())


def render_firewall(
    rows: Sequence[FirewallRule],
    *,
    language: str,
    nav: Markup,
    banners: list[str],
    environment: str,
    anchor: str = "",
) -> str:
    """The firewall order for operations: a summary by destination on the page, and every
    rule, one per row, as an appendix (the PDF prints it once, at the end)."""
    from ..deliverables.firewall import (
        FIREWALL_HEADERS,
        NOT_A_RULE,
        firewall_table,
        firewall_word,
    )

    lang = "da" if language == "da" else "en"
    headers, body_rows = firewall_table(rows, lang)
    body_rows = [whole_hosts(r, cells) for r, cells in zip(rows, body_rows, strict=True)]
    groups: dict[tuple[str, ...], list[FirewallRule]] = {}
    # the summary counts rules: the notes (no TLS inspection) and the NAT addresses listed
    # for the portal are in the appendix, and said below the summary
    for r in rows:
        if r.source == NOT_A_RULE or r.purpose == "nat":
            continue
        key = tuple(
            str(firewall_word(lang, v))
            for v in (r.destination_host, r.port, r.protocol, r.direction)
        )
        if r.basis == "optional":  # said in the summary too (an operations read: the egress
            # lookup read as a rule to open, while the appendix called it optional)
            key = (f"{key[0]} ({firewall_word(lang, 'optional')})", *key[1:])
        groups.setdefault(key, []).append(r)
    names = FIREWALL_HEADERS[lang]
    summary_rows = [
        (
            fragment("host", host),  # kept whole: "eksempel-⏎kommune.dk" copied as one word
            # from the PDF (an administrator's second look)
            port,
            proto,
            direction,
            _sources(found, lang),
            len(found),
        )
        for (host, port, proto, direction), found in groups.items()
    ]
    body = Markup("").join(
        [
            nav,
            fragment("heading", f"{t(lang, 'firewall')} ({environment})", 1),
            fragment("para", [t(lang, "firewall_intro")]),
            table(
                summary_rows,
                [
                    names["destination_host"],
                    names["port"],
                    names["protocol"],
                    names["direction"],
                    names["source"],
                    t(lang, "firewall_rules_count"),
                ],
                limit=100_000,
                language=lang,
            ),
            fragment("para", [t(lang, "firewall_notes")]),
            fragment(
                "section",
                t(lang, "firewall_appendix"),
                [table(body_rows, headers, limit=100_000, language=lang)],
                "appendix firewall-all",
            ),
        ]
    )
    return page(t(lang, "firewall"), body, language=lang, banners=banners, anchor=anchor)


BROWSERS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "msedge",
    "microsoft-edge",
)
BROWSER_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)


def find_browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in BROWSER_PATHS if Path(p).is_file()), None)


def browser_args(browser: str, profile: Path) -> list[str]:
    args = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


def print_pdf(html: Path, pdf: Path, *, timeout: float = 120) -> str | None:
    """Print ``html`` to ``pdf`` with a local Chromium/Chrome/Edge; None on success, else why not."""
    import tempfile

    browser = find_browser()
    if browser is None:
        return "no Chromium, Chrome or Edge found; the PDF was not made (open signoff/index.html and print it instead)"
    with tempfile.TemporaryDirectory(prefix="ngdpkit-pdf-") as profile:
        cmd = browser_args(browser, Path(profile)) + [
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                timeout=timeout,
                check=False,
                env=environ_without_secrets(),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{browser} could not print the PDF ({type(exc).__name__})"
    if pdf.is_file() and pdf.stat().st_size > 0:
        return None
    return f"{browser} did not write the PDF ({browser_ended(done.returncode, done.stderr)})"


# What Chromium's stderr may say of a print that failed, as a fixed phrase (its own lines are
# never shown: they name the temporary folders and the profile).
BROWSER_SAID = (
    (re.compile(rb"(?i:out of memory)|\bOOM\b"), "it said it ran out of memory"),
    (re.compile(rb"printing failed|print.{0,20}failed", re.I), "it said the printing failed"),
    (re.compile(rb"crashed", re.I), "it said a process crashed"),
)


def browser_ended(code: int, stderr: bytes) -> str:
    """How the browser ended without a PDF, in a few fixed words: the signal that stopped it
    (SIGKILL: the system ran out of memory, as a rule), its exit code, and what its stderr
    said when that is a known cause. Chromium whose renderer ran out of memory (a 9 MB
    document of 50,000 table rows: 15 GB, then nothing) ends with code 0 and says nothing."""
    import signal

    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        ended = f"stopped by {name}" + (
            ", which the system sends when it runs out of memory" if name == "SIGKILL" else ""
        )
    else:
        ended = f"exit code {code}"
    said = next((words for pattern, words in BROWSER_SAID if pattern.search(stderr or b"")), "")
    if said:
        return f"{ended}; {said}"
    if code == 0:
        return f"{ended} and no reason given: a document too long for its renderer ends so"
    return ended
