"""HTML for notebooks and sign-off pages: tables a consultant reads at a glance.

Everything here returns plain HTML strings (or objects with ``_repr_html_``):
static, self-contained, printable; no widgets, no scripts.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from .findings import Finding, sort_findings
from .i18n import t

_language = "da"
COLOURS = {"error": "#b3261e", "warning": "#a15c00", "info": "#2f5d8a", "ok": "#1b6e3a"}
BACKGROUNDS = {"error": "#fde8e6", "warning": "#fff4e0", "info": "#e8f0f8", "ok": "#e6f4ea"}
MAX_ROWS = 200

STYLE = """<style>
.nk { font-family: 'Segoe UI', Arial, sans-serif; font-size: 14px; color: #1d1d1d; }
.nk table { border-collapse: collapse; margin: 6px 0 14px; width: 100%; }
.nk th, .nk td { border: 1px solid #d0d4d9; padding: 4px 8px; text-align: left; vertical-align: top; }
.nk th { background: #eef1f4; }
.nk tr { page-break-inside: avoid; }
.nk .sev { font-weight: 600; border-radius: 3px; padding: 1px 6px; white-space: nowrap; }
.nk .bar { height: 14px; display: inline-block; vertical-align: middle; }
.nk .card { border: 1px solid #d0d4d9; border-radius: 6px; padding: 10px 14px; margin: 8px 0; }
.nk .banner { background: #fff4e0; border: 2px solid #a15c00; padding: 8px 12px; font-weight: 600; margin: 8px 0; }
.nk code { font-size: 12px; }
@media print { .nk table { page-break-inside: auto; } .nk h2 { page-break-after: avoid; } }
</style>"""


class HTML:
    """A piece of HTML that Jupyter displays and nbconvert keeps."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def set_language(language: str) -> None:
    global _language
    _language = language if language in ("da", "en") else "da"


def language() -> str:
    return _language


def badge(severity: str, text: str | None = None) -> str:
    label = text or t(_language, severity)
    return f'<span class="sev" style="color:{COLOURS.get(severity, "#333")};background:{BACKGROUNDS.get(severity, "#eee")}">{escape(label)}</span>'


def table(
    rows: Iterable[Iterable[Any]],
    headers: list[str],
    *,
    limit: int = MAX_ROWS,
    raw_columns: tuple[int, ...] = (),
) -> str:
    out = [
        "<table><thead><tr>",
        *(f"<th>{escape(h)}</th>" for h in headers),
        "</tr></thead><tbody>",
    ]
    count = 0
    total = 0
    for row in rows:
        total += 1
        if count >= limit:
            continue
        count += 1
        cells = []
        for i, value in enumerate(row):
            text = "" if value is None else str(value)
            cells.append(f"<td>{text if i in raw_columns else escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if total > limit:
        out.append(f"<p><em>{escape(t(_language, 'more', n=total - limit))}</em></p>")
    return "".join(out)


def findings_html(
    findings: Iterable[Finding], *, fold_skipped: bool = True, limit: int = MAX_ROWS
) -> str:
    items = sort_findings(findings)
    skipped = [f for f in items if f.code == "NET_SKIPPED"] if fold_skipped else []
    shown = [f for f in items if f not in skipped] if skipped else items
    if not items:
        return f'<div class="nk"><p>{badge("ok", t(_language, "ok"))} {escape(t(_language, "findings"))}: {escape(t(_language, "none"))}</p></div>'
    counts = {s: sum(1 for f in items if f.severity == s) for s in ("error", "warning", "info")}
    head = " ".join(badge(s, f"{n} {t(_language, s)}") for s, n in counts.items() if n)
    from .codes_da import title

    def message(f: Finding) -> str:
        head = title(f.code) if _language == "da" else ""
        return (f"<b>{escape(head)}</b><br>" if head else "") + escape(f.message)

    rows = [
        (
            badge(f.severity),
            f"<code>{escape(f.code)}</code>",
            message(f),
            escape(f.source),
            escape(f.location),
        )
        for f in shown
    ]
    body = table(
        rows,
        [
            t(_language, "severity"),
            t(_language, "code"),
            t(_language, "message"),
            t(_language, "source"),
            t(_language, "location"),
        ],
        limit=limit,
        raw_columns=(0, 1, 2, 3, 4),
    )
    fold = ""
    if skipped:
        names = ", ".join(sorted({f.location or f.source for f in skipped}))
        fold = f"<p>{badge('info')} {escape(t(_language, 'skipped_folded', n=len(skipped), names=names))}</p>"
    return f'<div class="nk"><p>{head}</p>{fold}{body}</div>'


def show_findings(findings: Iterable[Finding]) -> HTML:
    return HTML(STYLE + findings_html(findings))


def bars(counts: dict[str, int], *, colours: dict[str, str] | None = None, title: str = "") -> str:
    """A static horizontal bar chart in plain HTML (prints and embeds without images)."""
    total = max(counts.values() or [1]) or 1
    rows = []
    for label, n in counts.items():
        width = int(300 * n / total)
        colour = (colours or {}).get(label, "#2f5d8a")
        rows.append(
            f"<tr><td>{escape(str(label))}</td><td style='width:320px'><span class='bar' style='width:{width}px;background:{colour}'></span></td><td style='text-align:right'>{n}</td></tr>"
        )
    caption = (
        f"<caption style='text-align:left;font-weight:600'>{escape(title)}</caption>"
        if title
        else ""
    )
    return f"<table style='width:auto'>{caption}{''.join(rows)}</table>"


STATUS_COLOURS = {
    "mapped": COLOURS["ok"],
    "retired": "#777",
    "unmapped": COLOURS["error"],
    "unknown contact point": COLOURS["error"],
}


def mailbox_summary_html(export: Any) -> str:
    df = export.frame
    units = df["responsible_unit"].where(df["responsible_unit"] != "", "—").value_counts()
    return (
        STYLE
        + f"""<div class="nk"><div class="card"><b>{escape(export.source)}</b> ({escape(export.sheet or "CSV")}):
<b>{len(df)}</b> {escape(t(_language, "mailbox_name").lower())}, {df["mailbox_id"].nunique()} {escape(t(_language, "mailbox_id"))}</div>
{bars({str(k): int(v) for k, v in units.items()}, title=t(_language, "responsible_unit"))}</div>"""
    )


def contact_points_html(cps: Any) -> str:
    yes, no = t(_language, "yes"), t(_language, "no")
    rows = [
        (
            p.name,
            p.id,
            ", ".join(p.targets),
            yes if p.visible else no,
            yes if p.active else no,
            len(p.translations),
        )
        for p in cps.points
    ]
    return (
        STYLE
        + '<div class="nk">'
        + table(
            rows,
            [
                t(_language, "contact_point"),
                "GUID",
                "Targets",
                "Synlig/Visible",
                "Aktiv/Active",
                "Postkasser",
            ],
        )
        + "</div>"
    )


def coverage_html(mapping: Any) -> str:
    df = mapping.frame
    status = {t(_language, str(k)): int(v) for k, v in df["status"].value_counts().items()}
    colours = {t(_language, k): v for k, v in STATUS_COLOURS.items()}
    source = (
        df["source"]
        .where(df["source"] != "", "—")
        .map(lambda v: t(_language, v) if v != "—" else v)
        .value_counts()
    )
    unit = df[df["status"].isin(["unmapped", "unknown contact point"])][
        "responsible_unit"
    ].value_counts()
    parts = [
        bars(
            status,
            colours=colours,
            title=f"{t(_language, 'coverage')}: {t(_language, 'mapping_status').lower()}",
        ),
        bars(
            {str(k): int(v) for k, v in source.items()},
            title=f"{t(_language, 'coverage')} {t(_language, 'by_source')}",
        ),
    ]
    if len(unit):
        parts.append(
            bars(
                {str(k): int(v) for k, v in unit.items()},
                colours={str(k): COLOURS["error"] for k in unit.index},
                title=f"{t(_language, 'unmapped')} {t(_language, 'by_unit')}",
            )
        )
    return (
        STYLE
        + '<div class="nk" style="display:flex;gap:24px;flex-wrap:wrap">'
        + "".join(f"<div>{p}</div>" for p in parts)
        + "</div>"
    )


def mapping_by_unit_html(frame: Any, *, limit: int = 2000) -> str:
    cols = [
        "mailbox_id",
        "subject_id",
        "mailbox_name",
        "case",
        "ngdp_guid",
        "contact_point",
        "source",
        "status",
    ]
    heads = [
        t(_language, "mailbox_id"),
        "Emne/Subject",
        t(_language, "mailbox_name"),
        t(_language, "case"),
        t(_language, "ngdp_guid"),
        t(_language, "contact_point"),
        t(_language, "mapping_source"),
        t(_language, "mapping_status"),
    ]
    out = ['<div class="nk">']
    shown = 0
    for unit, group in frame.groupby(
        frame["responsible_unit"].where(frame["responsible_unit"] != "", "—"), sort=True
    ):
        out.append(f"<h4>{escape(str(unit))} ({len(group)})</h4>")
        rows = []
        for rec in group[cols].itertuples(index=False):
            values = list(rec)
            values[-2] = t(_language, values[-2]) if values[-2] else ""
            values[-1] = badge(
                "ok" if values[-1] == "mapped" else "info" if values[-1] == "retired" else "error",
                t(_language, values[-1]),
            )
            rows.append([escape(str(v)) for v in values[:-1]] + [values[-1]])
        out.append(table(rows, heads, limit=max(limit - shown, 0), raw_columns=tuple(range(8))))
        shown += len(group)
    out.append("</div>")
    return STYLE + "".join(out)


def certificate_card(facts: dict[str, Any] | None, *, label: str, kind: str) -> str:
    if facts is None:
        return (
            STYLE
            + f'<div class="nk"><div class="card">{badge("error")} {escape(label)}: {escape(t(_language, "not_checked"))}</div></div>'
        )
    sev = "ok" if facts["days_left"] > 60 else "warning" if facts["days_left"] > 14 else "error"
    chain = "".join(f"<li>{escape(c)}</li>" for c in facts.get("chain") or [])
    rows = [
        (t(_language, "organisation"), f"{facts['organisation']} (CVR {facts['cvr'] or '?'})"),
        (t(_language, "environment"), f"{kind} → {facts.get('chains_to') or '?'}"),
        ("Subject", facts["subject"]),
        (
            t(_language, "valid_until"),
            f"{facts['not_after']} ({facts['days_left']} {t(_language, 'days_left')})",
        ),
        ("Thumbprint (SHA-1)", facts["thumbprint_sha1"]),
        ("Key", facts["key"]),
    ]
    return (
        STYLE
        + f"""<div class="nk"><div class="card"><h3>{escape(t(_language, "certificate"))}: {escape(facts["common_name"])} {badge(sev, f"{facts['days_left']} {t(_language, 'days_left')}")}</h3>
{table(rows, [t(_language, "field"), t(_language, "value")])}<b>{escape(t(_language, "chain"))}</b><ol>{chain}</ol></div></div>"""
    )


def validity_timeline(items: list[tuple[str, str, str]], *, now_iso: str) -> str:
    """A static timeline: (label, not_before, not_after) bars on a shared axis, with today marked."""
    import datetime as dt

    if not items:
        return ""
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    starts = [parse(a) for _, a, _ in items]
    ends = [parse(b) for _, _, b in items]
    now = parse(now_iso)
    lo, hi = min(starts + [now]), max(ends + [now])
    span = (hi - lo).total_seconds() or 1
    width = 480
    rows = []
    for (label, _a, _b), s, e in zip(items, starts, ends, strict=True):
        left = int(width * (s - lo).total_seconds() / span)
        w = max(2, int(width * (e - s).total_seconds() / span))
        colour = COLOURS["error"] if e < now else COLOURS["ok"]
        rows.append(
            f"<tr><td>{escape(label)}</td><td style='width:{width + 20}px;position:relative'><div style='position:relative;height:16px'><span class='bar' style='position:absolute;left:{left}px;width:{w}px;background:{colour}'></span><span style='position:absolute;left:{int(width * (now - lo).total_seconds() / span)}px;top:-2px;height:20px;border-left:2px dashed #b3261e'></span></div></td><td>{s:%Y-%m-%d} → {e:%Y-%m-%d}</td></tr>"
        )
    return STYLE + f'<div class="nk"><table style="width:auto">{"".join(rows)}</table></div>'


def key_values(pairs: list[tuple[str, Any]], *, title: str = "") -> HTML:
    return HTML(
        STYLE
        + (f"<h3 class='nk'>{escape(title)}</h3>" if title else "")
        + '<div class="nk">'
        + table(
            [(k, "" if v is None else v) for k, v in pairs],
            [t(_language, "field"), t(_language, "value")],
        )
        + "</div>"
    )


def records_table(
    records: list[dict[str, Any]], columns: list[str], *, limit: int = MAX_ROWS, title: str = ""
) -> HTML:
    return HTML(
        STYLE
        + (f"<h3 class='nk'>{escape(title)}</h3>" if title else "")
        + '<div class="nk">'
        + table(([r.get(c, "") for c in columns] for r in records), columns, limit=limit)
        + "</div>"
    )
