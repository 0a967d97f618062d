"""Sign-off documents: self-contained, printable HTML in Danish (default) or English.

Executed notebooks are rendered output-only (no code, no prompts, no
markdown written for the consultant), inside one page shell with an inline
print stylesheet. Nothing is fetched from the Internet: there are no scripts,
and images are embedded. The overview (``index.html``) gathers the run.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .display import STYLE, badge, findings_html, mapping_by_unit_html, table
from .findings import Finding
from .i18n import local_time, status_word, t
from .pages import Markup, fragment, text_table
from .redact import environ_without_secrets

PAGE_CSS = """
body { font-family: 'Segoe UI', Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d1d1d; line-height: 1.4; padding: 0 16px; }
header.doc { border-bottom: 3px solid #1f4e79; margin-bottom: 16px; padding-bottom: 8px; }
header.doc h1 { margin: 0 0 4px; color: #1f4e79; }
nav a { margin-right: 12px; }
section { margin: 18px 0; }
.status-ok { color: #1b6e3a; } .status-bad { color: #b3261e; } .status-warn { color: #a15c00; }
.declaration { border-left: 4px solid #1f4e79; padding: 4px 12px; background: #f4f7fa; }
.banner { background: #fff4e0; border: 2px solid #a15c00; padding: 8px 12px; font-weight: 600; margin: 8px 0; }
.sigs { display: flex; gap: 32px; margin-top: 24px; }
.sig { flex: 1; border: 1px solid #999; padding: 12px; min-height: 150px; }
.sig div { border-bottom: 1px solid #999; height: 28px; margin: 6px 0; }
section.diagram img { max-width: 100%; height: auto; }
footer.anchor { margin-top: 24px; font-size: 11px; color: #555; border-top: 1px solid #ccc; padding-top: 6px; word-break: break-all; }
pre { white-space: pre-wrap; font-size: 12px; background: #f6f7f8; padding: 8px; }
.nb-out { position: relative; overflow: hidden; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d0d4d9; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  nav { display: none; }
  section.step { page-break-before: always; }
  .sig { page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def page(
    title: str,
    body: str,
    *,
    language: str,
    banners: list[str] | None = None,
    anchor: str = "",
) -> str:
    """The page shell (a template): a Content-Security-Policy that allows no script and no
    fetch, the banners above and below, and the audit anchor in the footer of every page."""
    from .pages import Markup, render

    return render(
        "page.html.j2",
        language=language if language in ("da", "en") else "da",
        title=title,
        page_css=Markup(PAGE_CSS),
        style=Markup(STYLE),
        banners=banners or [],
        body=Markup(body),
        anchor=anchor,
        anchor_label=t(language, "audit_hash"),
    )


SAFE_TAGS = {
    "a", "b", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "hr", "i",
    "img", "li", "ol", "p", "pre", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
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
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")


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

                trace = strip_ansi("\n".join(out.get("traceback", [])))
                parts.append(fragment("banner", f"{out.get('ename', '')}: {out.get('evalue', '')}"))
                parts.append(fragment("pre", trace))
    # Absolutely placed parts stay inside the notebook's own box (it is the nearest
    # positioned ancestor and clips what overflows), never over the rest of the page.
    return Markup('<div class="nb-out">') + Markup("\n").join(parts) + Markup("</div>")


def notebook_file_body(nb_path: Path) -> Markup:
    """The outputs of the notebook file ``nb_path`` (see :func:`notebook_body`)."""
    import nbformat

    try:
        return notebook_body(nbformat.read(str(nb_path), as_version=4))
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
    from .outputs import atomic_write

    if body is None:
        body = notebook_file_body(nb_path)
    return atomic_write(
        out_path,
        page(title, nav + body, language=language, banners=banners, anchor=anchor),
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


def render_overview(ctx: dict[str, Any]) -> str:
    """The overview page; ``ctx`` is assembled by the runner from the run's own files.
    Its sections, in the document's order, are the ``_overview_*`` functions below."""
    lang = ctx["language"]
    anchor = ctx.get("audit_hash") or ""
    body = Markup("").join(
        [
            ctx["nav"],
            _overview_head(ctx, lang),
            _overview_diagram(ctx, lang),
            _overview_checklist(ctx, lang),
            _overview_steps(ctx, lang),
            _overview_findings(ctx, lang),
            _overview_not_checked(ctx, lang),
            _overview_dispatcher(ctx, lang),
            _overview_pages(ctx, lang),
            _overview_audit(ctx, lang),
            changes_section(ctx.get("changes"), lang),
            _overview_signatures(ctx, lang),
            _overview_mapping(ctx, lang),
        ]
    )
    return page(
        f"{t(lang, 'signoff')} - {ctx['organisation']} - {ctx['environment']}",
        body,
        language=lang,
        banners=ctx.get("banners"),
        anchor=anchor,
    )


def _overview_head(ctx: dict[str, Any], lang: str) -> Markup:
    """Who, which environment and run, and the verdict."""
    word = ctx["ready"]
    if isinstance(word, bool):  # a plain yes/no from a caller that knows no remarks
        word = "ready" if word else "not_ready"
    readiness = ctx.get("readiness")
    if readiness is not None:  # the checklist's readiness: every step done, with evidence
        word = readiness.readiness.status
    ready = {"ready": True, "ready_with_remarks": "remarks"}.get(word, False)
    status_text = readiness.readiness.words(lang) if readiness is not None else t(lang, word)
    return fragment(
        "overview_head",
        f"{t(lang, 'signoff')}: {t(lang, 'title')}",
        [
            (t(lang, "organisation"), f"{ctx['organisation']} (CVR {ctx['cvr']})"),
            (t(lang, "environment"), f"{ctx['environment']} ({ctx['kind']})"),
            (t(lang, "run"), ctx["run_id"]),
            (t(lang, "generated"), local_time(ctx["generated_at"], lang)),
            (t(lang, "kit_version"), ctx["kit_version"]),
        ],
        t(lang, "status"),
        status_text,
        ready,
    )


def _overview_steps(ctx: dict[str, Any], lang: str) -> Markup:
    """Each step with its status, findings and duration."""
    step_rows = [
        (
            fragment("link", f"{s['name']}.html", step_title(lang, s["name"])),
            badge(
                STEP_SEVERITY.get(s["status"], "info"),
                status_word(lang, s["status"]),
                language=lang,
            ),
            str(s.get("counts", "")),
            f"{s.get('duration_s', 0):.1f} s",
        )
        for s in ctx["steps"]
    ]
    return fragment(
        "section",
        t(lang, "steps"),
        [
            table(
                step_rows,
                [t(lang, "step"), t(lang, "status"), t(lang, "findings"), t(lang, "duration")],
                language=lang,
            )
        ],
    )


def _overview_pages(ctx: dict[str, Any], lang: str) -> Markup:
    """Links to the other pages of the document."""
    links = [
        ("portal.html", t(lang, "portal")),
        ("firewall.html", t(lang, "firewall")),
        ("dispatcher.html", t(lang, "dispatcher_page")),
    ]
    if ctx.get("rehearsal"):
        label = t(lang, "rehearsal_link")
        if ctx.get("rehearsal_local"):
            label += f" ({t(lang, 'local_rehearsal')})"
        links.append((ctx["rehearsal"], label))
    if ctx.get("comparison"):
        links.append((ctx["comparison"], t(lang, "compare_link")))
    return fragment(
        "section", t(lang, "pages"), [fragment("list", [fragment("link", h, x) for h, x in links])]
    )


def _overview_findings(ctx: dict[str, Any], lang: str) -> Markup:
    """The findings, errors first."""
    findings: list[Finding] = ctx["findings"]
    grouped: list[Markup] = []
    for sev, key in (("error", "errors"), ("warning", "warnings"), ("info", "infos")):
        chosen = [f for f in findings if f.severity == sev]
        if chosen:
            grouped += [fragment("heading", t(lang, key), 3), findings_html(chosen, language=lang)]
    return fragment("section", t(lang, "findings"), grouped or [findings_html([], language=lang)])


def _overview_not_checked(ctx: dict[str, Any], lang: str) -> Markup:
    """What was not checked: network, evidence, pending and skipped checks."""
    findings: list[Finding] = ctx["findings"]
    not_checked = [
        f for f in findings if f.code.startswith("PENDING_") or f.code in NOT_CHECKED_CODES
    ]
    network = ctx.get("network") or {}
    ran = (
        t(lang, "network_offline")
        if not network.get("online")
        else f"{t(lang, 'network_ran')}: {network.get('ran_on', '?')}"
    )
    evidence = [
        f"{e['server']} ({e['taken_at']}): {t(lang, 'install_evidence')} {e.get('thumbprint', '')}"
        if e.get("kind") == "install"
        else f"{e['server']} ({e['taken_at']}): {e.get('failed', 0)}/{e.get('checks', 0)} failed, egress {e.get('egress_ip')}"
        for e in ctx.get("evidence") or []
    ]
    return fragment(
        "section",
        t(lang, "not_checked"),
        [fragment("para", [ran]), fragment("list", evidence)]
        + [
            fragment(
                "para", [badge(f.severity, language=lang), fragment("code", f.code), f.text(lang)]
            )
            for f in not_checked
        ],
    )


def _overview_dispatcher(ctx: dict[str, Any], lang: str) -> Markup:
    """The dispatcher parameters, or why they are withheld."""
    disp = ctx.get("dispatcher")
    if disp:
        rows: list[tuple[str, Any]] = [(k, v) for k, v in disp["parameters"].items()]
        rows.append(
            (
                "ready",
                t(lang, "ready")
                if disp["ready"]
                else f"{t(lang, 'not_ready')}: {', '.join(disp['blocking'])}",
            )
        )
        disp_html = table(rows, [t(lang, "field"), t(lang, "value")], language=lang)
    else:
        disp_html = fragment(
            "banner", t(lang, "dispatcher_withheld", codes=", ".join(ctx.get("withheld_by") or []))
        )
    disp_section = fragment("section", t(lang, "dispatcher"), [disp_html])
    return disp_section


def _overview_mapping(ctx: dict[str, Any], lang: str) -> Markup:
    """The mapping grouped by unit (an appendix when printed)."""
    mapping_section = Markup("")
    if ctx.get("mapping") is not None:
        mapping_section = fragment(
            "section",
            t(lang, "mapping"),
            [Markup(mapping_by_unit_html(ctx["mapping"], language=lang))],
            "appendix",
        )
    return mapping_section


def _overview_audit(ctx: dict[str, Any], lang: str) -> Markup:
    """The anchor and the command that checks it."""
    anchor = ctx.get("audit_hash") or ""
    return fragment(
        "section",
        t(lang, "audit_hash"),
        [
            fragment("para", [fragment("code", anchor)]),
            fragment("para", [f"ngdpkit audit verify <run folder> --expect-hash {anchor}"]),
        ],
    )


def _overview_signatures(ctx: dict[str, Any], lang: str) -> Markup:
    """The declaration and the signature blocks."""
    anchor = ctx.get("audit_hash") or ""
    fields = [t(lang, "name"), t(lang, "role"), t(lang, "date"), t(lang, "signature")]
    declaration = fragment(
        "declaration",
        t(
            lang,
            "signature_declaration",
            environment=ctx["environment"],
            run=ctx["run_id"],
            anchor=anchor,
        ),
    )
    return fragment(
        "signatures",
        t(lang, "signatures"),
        [(t(lang, who), fields) for who in ("consultant", "customer")],
        declaration,
    )


def _overview_diagram(ctx: dict[str, Any], lang: str) -> Markup:
    """The environment's diagram, when there is one."""
    return (
        fragment("section", t(lang, "diagram"), [fragment("image", ctx["diagram"])], "diagram")
        if ctx.get("diagram")
        else Markup("")
    )


def _overview_checklist(ctx: dict[str, Any], lang: str) -> Markup:
    """The go-live checklist, when there is one."""
    return (
        fragment("section", t(lang, "checklist"), [checklist_table(ctx["checklist"], lang)])
        if ctx.get("checklist")
        else Markup("")
    )


def changes_section(change: dict[str, Any] | None, language: str) -> Markup:
    """'Ændringer siden forrige kørsel' on the overview: nothing on a first run."""
    if change is None:
        return Markup("")
    if change.get("problem"):
        return fragment(
            "section", t(language, "changes_title"), [fragment("para", [change["problem"]])]
        )
    prev = change["previous"]
    parts = [
        fragment(
            "para",
            [t(language, "changes_previous", run=prev["run"]), fragment("code", prev["anchor"])],
        )
    ]
    lists = [
        (
            t(language, "changes_added"),
            [
                f"{f['code']} {f['location'] or f['source']}: {f['message']}"
                for f in change["findings_added"]
            ],
        ),
        (
            t(language, "changes_resolved"),
            [f"{f['code']} {f['location'] or f['source']}" for f in change["findings_resolved"]],
        ),
        (
            t(language, "changes_mapping"),
            [
                f"{m['mailbox_id']}{':' + m['subject_id'] if m['subject_id'] else ''} ({m['change']}): "
                + "; ".join(
                    f"{k} {v['before'] or '-'} → {v['after'] or '-'}"
                    for k, v in m.items()
                    if isinstance(v, dict)
                )
                for m in change["mapping_changed"]
            ],
        ),
        (
            t(language, "changes_dispatcher"),
            [f"{c['field']}: {c['before']} → {c['after']}" for c in change["dispatcher_changed"]],
        ),
        (
            t(language, "changes_portal"),
            [f"{c['field']}: {c['before']} → {c['after']}" for c in change["portal_changed"]],
        ),
        (t(language, "changes_outputs"), change["outputs_changed"]),
    ]
    shown = [(title, items) for title, items in lists if items]
    if not shown:
        parts.append(fragment("para", [t(language, "changes_none")]))
    for title, items in shown:
        parts += [fragment("heading", title, 3), fragment("list", items[:500])]
        if len(items) > 500:
            parts.append(fragment("para", [t(language, "more", n=len(items) - 500)]))
    return fragment("section", t(language, "changes_title"), parts)


def render_portal(
    portal: dict[str, Any],
    *,
    language: str,
    nav: Markup,
    banners: list[str],
    anchor: str = "",
    content: Markup | None = None,
) -> str:
    """What to type into Administrativ Adgang, in the portal's order; every postkasse
    translation in an appendix table (never cut short). ``content``: the page's content
    from :func:`portal_content`, when it was rendered ahead."""
    if content is None:
        content = portal_content(portal, language)
    return page(
        t(language, "portal"), nav + content, language=language, banners=banners, anchor=anchor
    )


def portal_content(portal: dict[str, Any], language: str) -> Markup:
    """The portal page below its navigation: the same for every page of a run (no anchor, no
    banners), so a run renders it while its last notebook executes."""
    from .network import PORTAL_NOTES, portal_fields

    yes, no = t(language, "yes"), t(language, "no")
    cps = portal.get("contact_points") or []
    cp_rows = [
        (
            c.get("name"),
            c.get("id") or t(language, "new_contact_point"),
            ", ".join(t(language, f"target_{x.lower()}") for x in c.get("targets", [])),
            yes if c.get("visible") else no,
            len(c.get("translations", [])),
        )
        for c in cps
    ]
    # Every cell already text (the 99,000 rows of a large municipality go straight to the
    # template, without table()'s per-cell conversion).
    appendix = [
        (
            str(c.get("name") or ""),
            str(c.get("id") or t(language, "new_contact_point")),
            *str(entry).partition(":")[::2],
        )
        for c in cps
        for entry in c.get("translations", [])
    ]
    return Markup("").join(
        [
            fragment("heading", f"{t(language, 'portal')} ({portal['environment']})", 1),
            fragment("para", [portal["portal"]]),
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
            _portal_todo(portal.get("todo"), language),
            fragment(
                "section",
                t(language, "translations_appendix"),
                [
                    text_table(
                        [
                            t(language, "contact_point"),
                            "GUID",
                            t(language, "mailbox_id"),
                            t(language, "subject"),
                        ],
                        appendix,
                    )
                ],
                "appendix",
            ),
        ]
    )


def _portal_todo(todo: Any, language: str) -> Markup:
    """Per contact point, the translations to add and to remove in NgDP: only the delta
    (offline: every planned translation, marked not verified)."""
    if not isinstance(todo, dict):
        return Markup("")
    from .checks.ngdp_compare import PortalTodo
    from .outputs import TODO_WORDS, portal_todo_rows
    from .typed import structure

    try:
        typed = structure(todo, PortalTodo)
    except ValueError:
        return Markup("")
    words = TODO_WORDS["da" if language == "da" else "en"]
    rows = portal_todo_rows(typed, language)
    lead = t(language, "portal_todo_verified" if typed.verified else "portal_todo_offline")
    body = [fragment("para", [lead])]
    if rows:
        body.append(text_table(list(words["headers"]), [tuple(r) for r in rows]))
    else:
        body.append(fragment("para", [t(language, "portal_todo_none")]))
    return fragment("section", t(language, "portal_todo"), body)


DISPATCHER_WHERE = (
    "WorkZone Configurator → Process → Process dispatchers → NgDP"  # the product's own words
)


def render_dispatcher(
    config: dict[str, Any] | None,
    *,
    withheld_by: list[str],
    authorization_env: str | None,
    language: str,
    nav: Markup,
    banners: list[str],
    environment: str,
    anchor: str = "",
) -> str:
    """The WorkZone administrator's page: where to go and each field with its value. The
    authorization header is named by where it comes from, never shown."""
    lang = "da" if language == "da" else "en"
    parts: list[Markup] = [
        nav,
        fragment("heading", f"{t(lang, 'dispatcher_page')} ({environment})", 1),
        fragment("para", [t(lang, "dispatcher_where"), fragment("code", DISPATCHER_WHERE)]),
    ]
    if config is None:
        parts.append(
            fragment("banner", t(lang, "dispatcher_withheld", codes=", ".join(withheld_by)))
        )
    else:
        if not config.get("ready"):
            parts.append(
                fragment(
                    "banner",
                    f"{t(lang, 'not_ready')}: {', '.join(config.get('blocking') or [])}",
                )
            )
        own = t(lang, "dispatcher_named_by_kmd")
        kit = t(lang, "dispatcher_named_by_kit")
        rows: list[tuple[str, Any, str]] = [
            (name, fragment("code", str(value)), own if name == "ContactPointGuid" else kit)
            for name, value in config["parameters"].items()
        ]
        rows.append(
            (
                "Authorization",
                t(lang, "dispatcher_authorization", variable=authorization_env or "?"),
                t(lang, "dispatcher_secret"),
            )
        )
        parts.append(
            table(
                rows,
                [t(lang, "field"), t(lang, "value"), t(lang, "dispatcher_name_basis")],
                language=lang,
            )
        )
        parts.append(fragment("para", [t(lang, "dispatcher_note")]))
    return page(
        t(lang, "dispatcher_page"),
        Markup("").join(parts),
        language=lang,
        banners=banners,
        anchor=anchor,
    )


CHECKLIST_SEVERITY = {
    "færdig": "ok",
    "done": "ok",
    "ikke verificeret": "info",
    "not verified": "info",
    "mangler": "warning",
    "to do": "warning",
}


def checklist_table(rows: list[tuple[str, str, str, str, str]], language: str) -> Markup:
    from .checklist import HEADERS

    lang = "da" if language == "da" else "en"
    return table(
        [
            (s, who, badge(CHECKLIST_SEVERITY.get(status, "error"), status), ev, nxt)
            for s, who, status, ev, nxt in rows
        ],
        HEADERS[lang],
        language=lang,
    )


def render_checklist(
    rows: list[tuple[str, str, str, str, str]],
    *,
    language: str,
    nav: Markup,
    banners: list[str],
    environment: str,
    anchor: str = "",
) -> str:
    """Who still has to do what, step by step from the vendor page."""
    body = Markup("").join(
        [
            nav,
            fragment("heading", f"{t(language, 'checklist')} ({environment})", 1),
            checklist_table(rows, language),
        ]
    )
    return page(t(language, "checklist"), body, language=language, banners=banners, anchor=anchor)


def render_firewall(
    rows: list[dict[str, Any]],
    *,
    language: str,
    nav: Markup,
    banners: list[str],
    environment: str,
    anchor: str = "",
) -> str:
    """The firewall order for operations, one rule per row, in the document's language."""
    from .network import firewall_table

    headers, body_rows = firewall_table(rows, language)
    body = Markup("").join(
        [
            nav,
            fragment("heading", f"{t(language, 'firewall')} ({environment})", 1),
            fragment("para", [t(language, "firewall_intro")]),
            table(body_rows, headers, limit=100_000, language=language),
        ]
    )
    return page(t(language, "firewall"), body, language=language, banners=banners, anchor=anchor)


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
            subprocess.run(
                cmd,
                capture_output=True,
                timeout=timeout,
                check=False,
                env=environ_without_secrets(),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{browser} could not print the PDF ({type(exc).__name__})"
    return None if pdf.is_file() and pdf.stat().st_size > 0 else f"{browser} did not write the PDF"
