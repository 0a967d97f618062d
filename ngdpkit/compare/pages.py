"""The sign-off page of a comparison (templates only, autoescaped)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..documents.display import days_left, findings_html, table
from ..documents.i18n import local_time, number, t
from ..documents.pages import Markup, fragment
from ..documents.signoff import page
from ..findings import Finding


def _compared(result: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """What was compared: each environment's run and its anchor, or today's inputs."""
    runs = result.get("runs")
    if not runs:
        return [(t(language, "compare_compared"), t(language, "compare_from_inputs"))]
    return [
        (
            t(language, "compare_run_in", env=env),
            t(language, "compare_run_value", run=runs[env]["run"], anchor=runs[env]["anchor"])
            + _run_readiness(runs[env], (result.get("readiness") or {}).get(env), language)
            + _run_age(result, env, language),
        )
        for env in result["environments"]
    ]


def _run_age(result: dict[str, Any], env: str, language: str) -> str:
    """`` · lavet 07-12-2026 kl. 02:03`` and, when files the settings name changed since the
    run, `` · siden ændret: mailboxes.xlsx``: a week-two run that stopped with exit 2 left
    week one's run compared as this week's without a word (a CI engineer's look)."""
    from ..findings import local_time

    made = (result.get("runs_made") or {}).get(env)
    said = ""
    if isinstance(made, str) and made:
        said += " · " + t(language, "compare_run_made", when=local_time(made, language))
    changed = [
        str(x) for x in (result.get("inputs_changed") or {}).get(env) or () if isinstance(x, str)
    ]
    if changed:
        said += " · " + t(language, "compare_run_changed", files=", ".join(changed))
    return said


def _run_readiness(run: dict[str, Any], ready: Any, language: str) -> str:
    """`` · ikke klar: 8 af 8 trin mangler``: the compared run's own readiness, as its overview
    says it (nothing for a run made before the checklist), after `` · kørslen har fejl i sine
    fund`` when it has errors: "ingen forskelle at bemærke" beside a run with errors read as
    a clean bill, and readiness alone names only the steps to go (session 23's leftover)."""
    from ..deliverables.checklist import Readiness

    status = str(run.get("status"))
    said = " · " + t(language, "compare_run_errors") if status == "errors" else ""
    if not isinstance(ready, dict):
        return said
    done, total = ready.get("steps_done"), ready.get("steps_total")
    if type(done) is not int or type(total) is not int:
        return said
    return said + " · " + Readiness.of(done, total, status).words(language)


def _label(row: dict[str, Any]) -> str:
    return f"{row['mailbox_id']}:{row['subject_id']}" if row["subject_id"] else row["mailbox_id"]


def render_comparison(
    result: dict[str, Any],
    *,
    language: str,
    organisation: str,
    run_id: str,
    anchor: str,
    banners: list[str] | None = None,
) -> str:
    """The comparison's sign-off page. It leads with the mailboxes whose replies would land
    differently (the error a customer fears most), then those retired in one environment,
    then the findings and everything else side by side."""
    a, b = result["environments"]
    body = Markup("").join(
        [
            _head(result, language, organisation, run_id),
            _lands_differently(result, language),
            _retired_in_one(result, language),
            _pairings(result, language),
            fragment(
                "section",
                t(language, "findings"),
                [
                    findings_html(
                        [Finding.from_dict(f) for f in result["findings"]],
                        language=language,
                        where=False,  # "Kilde: compare", "Placering: server_ips": the kit's words
                    )
                ],
            ),
            fragment(
                "section",
                t(language, "compare_side_by_side"),
                [
                    table(
                        _side_by_side(result, language),
                        [t(language, "field"), a, b],
                        language=language,
                    )
                ],
            ),
            _mapped_in_one(result, language),
            fragment(
                "section", t(language, "audit_hash"), [fragment("para", [fragment("code", anchor)])]
            ),
        ]
    )
    return page(
        f"{t(language, 'compare_title')} - {organisation}",
        body,
        language=language,
        anchor=anchor,
        banners=banners or [],
    )


def _head(result: dict[str, Any], language: str, organisation: str, run_id: str) -> Markup:
    a, b = result["environments"]
    status = result["status"]
    return fragment(
        "overview_head",
        t(language, "compare_title"),
        [
            (t(language, "organisation"), organisation),
            (t(language, "environment"), f"{a} ↔ {b}"),
            *_compared(result, language),
            (t(language, "compare_folder"), run_id),
            # Danish time, said as on the overview (a signer's read: "Dannet 09:29" beside a
            # comparison named by its UTC start)
            (
                t(language, "generated"),
                t(language, "generated_at", when=local_time(dt.datetime.now(dt.UTC), language)),
            ),
        ],
        # the comparison's own outcome, not the migration's readiness (each run's is beside
        # its name above): "klar med bemærkninger" here read as the migration being ready
        t(language, "compare_outcome"),
        t(language, f"compare_outcome_{status if status in ('ok', 'warnings') else 'errors'}"),
        True if status == "ok" else "remarks" if status == "warnings" else False,
    )


def _lands_differently(result: dict[str, Any], language: str) -> Markup:
    a, b = result["environments"]
    differs = result["lands_differently"]
    return _listing(
        f"{t(language, 'compare_lands_differently')} ({len(differs)})",
        t(language, "compare_lands_differently_intro", a=a, b=b),
        [
            (_label(r), r["name"], r["unit"], r["contact_point"][a], r["contact_point"][b])
            for r in differs
        ],
        [
            t(language, "mailbox_id"),
            t(language, "mailbox_name"),
            t(language, "responsible_unit"),
            t(language, "compare_contact_point_in", env=a),
            t(language, "compare_contact_point_in", env=b),
        ],
        t(language, "compare_lands_same"),
        language,
        "lead" if differs else "lead-ok",
    )


def _retired_in_one(result: dict[str, Any], language: str) -> Markup:
    retired = result["retired_in_one"]
    return _listing(
        f"{t(language, 'compare_retired_in_one')} ({len(retired)})",
        t(language, "compare_retired_intro"),
        [
            (_label(r), r["name"], r["unit"], r["retired_in"], r["mapped_in"], r["contact_point"])
            for r in retired
        ],
        [
            t(language, "mailbox_id"),
            t(language, "mailbox_name"),
            t(language, "responsible_unit"),
            t(language, "compare_retired_in"),
            t(language, "compare_mapped_in"),
            t(language, "contact_point"),
        ],
        t(language, "compare_none"),
        language,
    )


def _pairings(result: dict[str, Any], language: str) -> Markup:
    pairings = result.get("pairings") or []
    return _listing(
        f"{t(language, 'compare_pairings')} ({len(pairings)})",
        t(language, "compare_pairings_intro"),
        [
            (
                p["test"],
                p["production"],
                t(language, "compare_pairing_unknown", names=", ".join(p["unknown"]))
                if p.get("unknown")
                else "",
            )
            for p in pairings
        ],
        [
            t(language, "compare_pairing_test"),
            t(language, "compare_pairing_production"),
            t(language, "compare_pairing_note"),
        ],
        t(language, "compare_pairings_none"),
        language,
    )


def _side_by_side(result: dict[str, Any], language: str) -> list[tuple[str, Any, Any]]:
    a, b = result["environments"]
    return [
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
        (
            t(language, "certificate_cvr"),
            result["certificate"][a]["cvr"] or "?",
            result["certificate"][b]["cvr"] or "?",
        ),
        (
            t(language, "certificate_days_left"),
            _days(result["certificate"][a], language),
            _days(result["certificate"][b], language),
        ),
    ]


def _days(side: dict[str, Any], language: str) -> str:
    """A certificate's days left (``1.094``), an expired one's said (``udløbet for 30 dage
    siden``, not "-30" under "Dage til certifikatet udløber"), and one that ended under a
    day before the comparison too (it read "0", as one that ends tonight)."""
    value = side.get("days_left")
    if not isinstance(value, int) or isinstance(value, bool):
        return "?"
    ended = side.get("ended") is True
    return (
        days_left(language, value, ended=ended) if value < 0 or ended else number(language, value)
    )


def _mapped_in_one(result: dict[str, Any], language: str) -> Markup:
    only = [(m, t(language, "mapped_only_in_test")) for m in result["mapped_only_in_test"]] + [
        (m, t(language, "mapped_only_in_production")) for m in result["mapped_only_in_production"]
    ]
    return fragment(
        "section",
        t(language, "compare_mailboxes"),
        [
            table(
                only,
                [t(language, "mailbox_id"), t(language, "status")],
                limit=1_000_000,
                language=language,
            )
            if only
            else fragment("para", [t(language, "compare_none")])
        ],
    )


def _listing(
    title: str,
    intro: str,
    rows: list[tuple[Any, ...]],
    headers: list[str],
    none: str,
    language: str,
    css: str = "",
) -> Markup:
    """A section of the comparison page: its lead sentence and every row (never cut short),
    or one sentence saying there is none."""
    body = (
        [fragment("para", [intro]), table(rows, headers, limit=1_000_000, language=language)]
        if rows
        else [fragment("para", [none])]
    )
    return fragment("section", title, body, css)
