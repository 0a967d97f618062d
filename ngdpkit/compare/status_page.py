"""The portfolio page of ``ngdpkit status --html`` (templates only, autoescaped).

A page a consultancy lead keeps open: one self-contained file (no script, nothing fetched),
worst customer first, every time in the listing's one time zone, and a reload every few
minutes so that a scheduled ``status --html`` keeps an open tab current.
"""

from __future__ import annotations

import datetime as dt

from ..deliverables.checklist import STATUS as STEP_STATUS
from ..deliverables.checklist import Readiness
from ..documents.display import badge, days_left, table
from ..documents.i18n import number, status_word, t
from ..documents.pages import Markup, fragment
from ..documents.signoff import page
from ..findings import aware_time, has_passed
from ..redact import redact
from .status import Portfolio, StatusRow

STATUS_SEVERITY = {"ok": "ok", "warnings": "warning", "errors": "error", "crashed": "error"}
REFRESH_S = 300


def _when(iso: str | None, language: str, *, date_only: bool = False) -> str:
    """An ISO 8601 time of the listing (already in its zone) as people read it."""
    if not iso:
        return ""
    try:
        value = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if language == "da":
        return value.strftime("%d-%m-%Y" if date_only else "%d-%m-%Y kl. %H:%M")
    return value.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")


def _status(r: StatusRow, language: str) -> Markup:
    """The badge, and under it the counts and whether the dispatcher is ready."""
    word = status_word(language, r.status) if r.status in STATUS_SEVERITY else r.status
    if r.status == "no run":
        word = t(language, "status_no_run")
    elif r.status == "unreadable":
        word = t(language, "status_unreadable")
    mark = badge(STATUS_SEVERITY.get(r.status, "info"), word, language=language)
    if r.errors is None:
        return mark
    ready = t(language, "yes") if r.dispatcher_ready else t(language, "no")
    counts = t(language, "status_counts", errors=r.errors, warnings=r.warnings or 0, ready=ready)
    if r.steps_done is not None and r.steps_total and r.status in STATUS_SEVERITY:
        # the sign-off's own verdict ("ikke klar: 8 af 8 trin mangler"), by the one rule: the
        # findings' badge alone read as "only warnings" beside a document that is not ready
        verdict = Readiness.of(r.steps_done, r.steps_total, r.status).words(language)
        counts = f"{verdict} · {counts}"
    return fragment("titled", mark, counts)


def _who(r: StatusRow) -> Markup:
    """The organisation, and under it the settings file(s) that lead to this runs folder."""
    files = ", ".join((r.settings, *r.also_settings))
    return fragment("titled", r.organisation, fragment("code", files))


def _holding_up(r: StatusRow, language: str, today: str = "") -> str | Markup:
    """The step that holds the environment up, for how long, and who does it. ``today``: the
    listing's day (``2026-12-07``, in its zone); under a day since a run of the day before is
    "since yesterday" (a run at 23:50 Danish time said "since today" ten minutes later)."""
    b = r.blocking
    if b is None:
        return t(language, "status_all_done") if r.checklist else ""
    words = STEP_STATUS.get(language, STEP_STATUS["en"])
    detail = {0: "status_step_detail_today", 1: "status_step_detail_one"}.get(
        b.days, "status_step_detail"
    )
    if b.days == 0 and today and b.since[:10] < today[:10]:
        detail = "status_step_detail_yesterday"
    return fragment(
        "titled",
        t(language, "status_step", step=b.step, title=b.title),
        t(
            language,
            detail,
            status=words.get(b.status, b.status),
            days=b.days,
            since=_when(b.since, language, date_only=True),
            who=b.who,
        ),
    )


def _rehearsal(r: StatusRow, language: str) -> str | Markup:
    h = r.rehearsal
    if h is None:
        return t(language, "status_no_rehearsal")
    against = t(language, "local_rehearsal") if h.against == "simulator" else "NgDP"
    if h.elsewhere:
        against = t(language, "elsewhere_rehearsal")
    word = status_word(language, h.status) if h.status in STATUS_SEVERITY else h.status
    return fragment("titled", f"{word} ({against})", _when(h.date, language))


def _certificate(r: StatusRow, language: str, now: str = "") -> str:
    """When the certificate ends and in how many days; one that has ended says so (``-3
    dage``, and ``0 dage`` under a day after its end, read as a certificate still valid).
    ``now``: the listing's time (ISO 8601)."""
    if r.certificate_not_after is None:
        return ""
    date = _when(r.certificate_not_after, language, date_only=True)
    days = r.certificate_days_left
    at = aware_time(now)
    ended = at is not None and has_passed(r.certificate_not_after, at)
    if days is not None and (days < 0 or (days == 0 and ended)):
        ago = days_left(language, days, ended=ended)
        return t(language, "status_cert_ended", date=date, ago=ago)
    return t(
        language,
        "status_cert_ends",
        date=date,
        days=number(language, days) if days is not None else "?",
    )


def _comparison(r: StatusRow, language: str) -> str | Markup:
    """The newest comparison's outcome, its date, and whether it is of an older run."""
    c = r.comparison
    if c is None:
        return t(language, "status_no_comparison")
    if c.status == "unreadable":
        return fragment("titled", t(language, "status_unreadable"), c.folder)
    word = t(language, f"compare_outcome_{c.status}")
    mark = badge(STATUS_SEVERITY.get(c.status, "info"), word, language=language)
    when = _when(c.date, language)
    if c.of_inputs:
        return fragment("titled", mark, f"{when} · {t(language, 'status_comparison_inputs')}")
    return fragment(
        "titled", mark, when if c.current else f"{when} · {t(language, 'status_comparison_old')}"
    )


def _run(r: StatusRow, language: str) -> str | Markup:
    if r.problem:
        return r.problem
    if not r.run:
        return ""
    run = fragment("titled", _when(r.run_date, language), fragment("code", (r.anchor or "")[:16]))
    if not r.inputs_changed:
        return run
    # the row is of the files as they were when the run read them (compare says so too)
    files = ", ".join(r.inputs_changed)
    changed = fragment(
        "titled",
        badge("warning", t(language, "status_inputs_changed"), language=language),
        t(language, "status_inputs_changed_detail", files=files, environment=r.environment),
    )
    return fragment("block", [run, changed], "")


def render_portfolio(result: Portfolio, *, language: str) -> str:
    """The whole listing as one page, in ``language`` (Danish for ``status --html``)."""
    cells = [
        (
            _who(r),
            r.environment,
            _status(r, language),
            r.checklist or "",
            _holding_up(r, language, result.generated_at),
            _rehearsal(r, language),
            _comparison(r, language),
            _certificate(r, language, result.generated_at),
            _run(r, language),
        )
        for r in result.rows
    ]
    headers = [
        t(language, "organisation"),
        t(language, "environment"),
        t(language, "status"),
        t(language, "status_checklist"),
        t(language, "status_holding_up"),
        t(language, "status_rehearsal"),
        t(language, "status_comparison"),
        t(language, "status_certificate"),
        t(language, "status_run"),
    ]
    parts = [
        fragment("heading", t(language, "status_title"), 1),
        fragment(
            "para",
            [
                t(
                    language,
                    "status_updated",
                    when=_when(result.generated_at, language),
                    zone=result.time_zone,
                )
            ],
        ),
        table(cells, headers, limit=1_000_000, language=language),
        fragment("para", [t(language, "status_days_note")]),
    ]
    if result.skipped:
        skipped = [
            (s.path, t(language, f"status_skipped_{s.kind}", target=s.target))
            for s in result.skipped
        ]
        headers = [t(language, "status_folder"), t(language, "status_reason")]
        parts.append(
            fragment(
                "section",
                t(language, "status_skipped"),
                [table(skipped, headers, language=language)],
            )
        )
    # every secret the settings files name (registered as status read them) hidden in the
    # page as a whole, in every encoding: an organisation named with a password stood in it
    return redact(
        page(
            t(language, "status_title"),
            Markup("").join(parts),
            language=language,
            refresh=REFRESH_S,
        )
    )
