"""The sign-off page of a comparison and the portfolio page (templates only, autoescaped)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..display import badge, findings_html, table
from ..findings import Finding
from ..i18n import local_time, status_word, t
from ..pages import Markup, fragment
from ..signoff import page

STATUS_SEVERITY = {"ok": "ok", "warnings": "warning", "errors": "error", "crashed": "error"}


def render_comparison(
    result: dict[str, Any], *, language: str, organisation: str, run_id: str, anchor: str
) -> str:
    a, b = result["environments"]
    head = fragment(
        "overview_head",
        t(language, "compare_title"),
        [
            (t(language, "organisation"), organisation),
            (t(language, "environment"), f"{a} ↔ {b}"),
            (t(language, "run"), run_id),
            (t(language, "generated"), local_time(dt.datetime.now(dt.UTC), language)),
        ],
        t(language, "status"),
        t(language, "ready") if result["status"] == "ok" else t(language, "not_ready"),
        result["status"] == "ok",
    )
    facts = [
        (t(language, "protocol_label"), result["protocol"][a], result["protocol"][b]),
        (
            t(language, "server_ips_label"),
            ", ".join(result["server_ips"][a]),
            ", ".join(result["server_ips"][b]),
        ),
        (
            t(language, "default_cp_label"),
            result["default_contact_points"][a]["name"]
            or result["default_contact_points"][a]["guid"],
            result["default_contact_points"][b]["name"]
            or result["default_contact_points"][b]["guid"],
        ),
        ("CVR", result["certificate"][a]["cvr"] or "?", result["certificate"][b]["cvr"] or "?"),
        (
            t(language, "days_left"),
            result["certificate"][a]["days_left"]
            if result["certificate"][a]["days_left"] is not None
            else "?",
            result["certificate"][b]["days_left"]
            if result["certificate"][b]["days_left"] is not None
            else "?",
        ),
    ]
    only = [(m, t(language, "mapped_only_in_test")) for m in result["mapped_only_in_test"]] + [
        (m, t(language, "mapped_only_in_production")) for m in result["mapped_only_in_production"]
    ]
    body = Markup("").join(
        [
            head,
            fragment(
                "section",
                t(language, "findings"),
                [
                    findings_html(
                        [Finding.from_dict(f) for f in result["findings"]], language=language
                    )
                ],
            ),
            fragment(
                "section",
                t(language, "compare_side_by_side"),
                [table(facts, [t(language, "field"), a, b], language=language)],
            ),
            fragment(
                "section",
                t(language, "compare_mailboxes"),
                [
                    table(
                        only,
                        [t(language, "mailbox_id"), t(language, "status")],
                        limit=1_000_000,
                        language=language,
                    )
                ],
            ),
            fragment(
                "section", t(language, "audit_hash"), [fragment("para", [fragment("code", anchor)])]
            ),
        ]
    )
    return page(
        f"{t(language, 'compare_title')} - {organisation}", body, language=language, anchor=anchor
    )


def render_portfolio(rows: list[dict[str, Any]], *, language: str) -> str:
    yes, no = t(language, "yes"), t(language, "no")
    cells = [
        (
            r["organisation"],
            r["environment"],
            badge(
                STATUS_SEVERITY.get(str(r["status"]), "info"),
                status_word(language, str(r["status"]))
                if r["status"] in STATUS_SEVERITY
                else str(r["status"]),
                language=language,
            ),
            "" if r.get("errors") is None else r["errors"],
            "" if r.get("warnings") is None else r["warnings"],
            "" if r.get("dispatcher_ready") is None else (yes if r["dispatcher_ready"] else no),
            "" if r.get("certificate_days_left") is None else r["certificate_days_left"],
            r.get("run_date") or "",
            fragment("code", (r.get("anchor") or "")[:16])
            if r.get("anchor")
            else (r.get("problem") or ""),
        )
        for r in rows
    ]
    headers = [
        t(language, "organisation"),
        t(language, "environment"),
        t(language, "status"),
        t(language, "errors"),
        t(language, "warnings"),
        t(language, "dispatcher_ready_label"),
        t(language, "days_left"),
        t(language, "run"),
        t(language, "audit_hash"),
    ]
    body = Markup("").join(
        [
            fragment("heading", t(language, "status_title"), 1),
            fragment("para", [local_time(dt.datetime.now(dt.UTC), language)]),
            table(cells, headers, limit=1_000_000, language=language),
        ]
    )
    return page(t(language, "status_title"), body, language=language)
