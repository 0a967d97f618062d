"""The portfolio page of ``status --html`` (compare/status_page.py): one self-contained page,
every name a customer or a folder chose escaped, times as people read them in each language."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from ngdpkit.compare.discover import Skipped
from ngdpkit.compare.status import Blocking, Portfolio, RehearsalResult, StatusRow
from ngdpkit.compare.status_page import REFRESH_S, render_portfolio

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def portfolio(*rows: StatusRow, skipped: tuple[Skipped, ...] = ()) -> Portfolio:
    return Portfolio(
        schema="ngdpkit/status/2",
        generated_at="2025-03-04T05:06:07+01:00",
        time_zone="Europe/Copenhagen",
        rows=rows,
        skipped=skipped,
    )


def full_row(**kw: object) -> StatusRow:
    values: dict[str, object] = {
        "settings": "kunder/a/migration.toml",
        "organisation": "A Kommune",
        "environment": "test",
        "status": "warnings",
        "errors": 0,
        "warnings": 2,
        "dispatcher_ready": True,
        "checklist": "5/8",
        "blocking": Blocking(6, "Mapping", "konsulent", "blocked", "2025-02-01", "r1", 31),
        "rehearsal": RehearsalResult("f", "simulator", "ok", "2025-03-01T10:00:00+01:00", "a"),
        "certificate_not_after": "2026-01-31T00:00:00+01:00",
        "certificate_days_left": 333,
        "run": "20250304-050607",
        "run_date": "2025-03-04T05:06:07+01:00",
        "anchor": "0123456789abcdef" + "f" * 48,
    }
    values.update(kw)
    return StatusRow(**values)  # type: ignore[arg-type]


def test_hostile_names_are_escaped_everywhere() -> None:
    row = full_row(
        settings=EVIL + ".toml",
        also_settings=(EVIL,),
        organisation=EVIL,
        environment=EVIL,
        status=EVIL,  # a status word the page does not know is shown, escaped
        blocking=Blocking(6, EVIL, EVIL, EVIL, "2025-02-01", "r1", 3),
        rehearsal=RehearsalResult(EVIL, EVIL, EVIL, EVIL, EVIL),
        problem=EVIL,
        anchor=EVIL,
    )
    skipped = (Skipped(EVIL, "cycle", EVIL, EVIL),)
    for language in ("da", "en"):
        html = render_portfolio(portfolio(row, skipped=skipped), language=language)
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;" in html


def test_the_page_is_self_contained_and_reloads() -> None:
    html = render_portfolio(portfolio(full_row()), language="da")
    assert f'http-equiv="refresh" content="{REFRESH_S}"' in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched


def test_times_and_words_in_danish_and_english() -> None:
    da = render_portfolio(portfolio(full_row()), language="da")
    en = render_portfolio(portfolio(full_row()), language="en")
    assert "04-03-2025 kl. 05:06" in da and "2025-03-04 05:06" in en
    assert "01-02-2025" in da and "2025-02-01" in en  # since when the step holds it up
    assert "31-01-2026" in da and "2026-01-31" in en  # the certificate's end
    assert "Europe/Copenhagen" in da and "A Kommune" in da
    assert "blokeret" in da and "blocked" in en
    assert "0123456789abcdef" in da and "0123456789abcdeff" not in da  # the anchor, short


def test_an_unparseable_time_is_shown_as_it_came() -> None:
    row = full_row(run_date="yesterday-ish", certificate_not_after=None)
    html = render_portfolio(portfolio(row), language="en")
    assert "yesterday-ish" in html


@pytest.mark.parametrize(
    ("status", "da_word"),
    [("no run", "ingen kørsel"), ("unreadable", "kan ikke læses")],
)
def test_a_row_without_a_run(status: str, da_word: str) -> None:
    row = StatusRow("s.toml", "B Kommune", "production", status, problem="manifest mangler")
    html = render_portfolio(portfolio(row), language="da")
    assert "B Kommune" in html and "manifest mangler" in html
    assert da_word in html.lower()


def test_folders_not_searched_are_listed_with_their_reason() -> None:
    skipped = (Skipped("/k/loop", "cycle", "/k", "a link back"),)
    html = render_portfolio(portfolio(skipped=skipped), language="en")
    assert "/k/loop" in html
    assert render_portfolio(portfolio(), language="en").count("/k/loop") == 0


def test_each_row_says_the_sign_offs_verdict_beside_its_findings() -> None:
    """A signing customer's cold read: the status page said "advarsler · dispatcher klar: ja"
    beside a sign-off that says "ikke klar: 8 af 8 trin mangler", and "dispatcher klar" read
    as if the dispatcher were set up. Each row says the sign-off's own verdict (the one
    readiness rule) and that the dispatcher's values are ready to be typed in."""
    da = render_portfolio(portfolio(full_row(steps_done=0, steps_total=8)), language="da")
    assert "ikke klar: 8 af 8 trin mangler · 0 fejl · 2 advarsler" in da
    assert "dispatcher-værdier klar: ja" in da and "dispatcher klar" not in da
    done = full_row(steps_done=8, steps_total=8)
    assert "klar med bemærkninger · 0 fejl" in render_portfolio(portfolio(done), language="da")
    en = render_portfolio(portfolio(full_row(steps_done=3, steps_total=8)), language="en")
    assert "not ready: 5 of 8 steps to go · 0 errors · 2 warnings" in en
    assert "dispatcher values ready: yes" in en
    # a run made before the checklist (no counts) shows the findings alone, as before
    old = render_portfolio(portfolio(full_row()), language="da")
    assert "ikke klar" not in old and "0 fejl · 2 advarsler" in old


def test_a_step_held_up_since_today_or_one_day_reads_as_such() -> None:
    """ "ikke verificeret i 0 dage" (the customer's read): today and one day are said so."""

    def held(days: int, language: str) -> str:
        blocking = Blocking(7, "Dispatcher", "konsulent", "not_verified", "2025-03-04", "r", days)
        return render_portfolio(portfolio(full_row(blocking=blocking)), language=language)

    assert "ikke verificeret siden i dag · konsulent" in held(0, "da")
    assert "i 0 dage" not in held(0, "da")
    assert "ikke verificeret i 1 dag (siden 04-03-2025)" in held(1, "da")
    assert "ikke verificeret i 2 dage (siden 04-03-2025)" in held(2, "da")
    assert "since today" in held(0, "en") and "for 1 day (since 2025-03-04)" in held(1, "en")


def test_the_page_does_not_claim_a_schedule_it_cannot_see() -> None:
    """It said "et planlagt ngdpkit status --html holder den ajour" of a page made once."""
    da = render_portfolio(portfolio(full_row()), language="da")
    assert "Dannet 04-03-2025 kl. 05:06" in da
    assert "viser kun nyt, når ngdpkit status --html er kørt igen" in da
    assert "holder den ajour" not in da


def test_days_left_are_written_as_numbers_are_in_each_language() -> None:
    """A customer's read: "1094 dage tilbage" (Danish writes 1.094)."""
    row = full_row(certificate_days_left=1094)
    assert "(1.094 dage)" in render_portfolio(portfolio(row), language="da")
    assert "1,094" in render_portfolio(portfolio(row), language="en")


def test_a_step_held_up_since_a_run_late_yesterday_reads_since_yesterday() -> None:
    """A date-and-time auditor's look: a run at 23:50 Danish time, and the listing ten minutes
    later (under a day, so 0 days) said "siden i dag" beside the day before's date."""
    blocking = Blocking(7, "Dispatcher", "konsulent", "not_verified", "2025-03-03T23:50:00+01:00", "r", 0)  # fmt: skip
    row = full_row(blocking=blocking)
    late = Portfolio(
        schema="ngdpkit/status/2",
        generated_at="2025-03-04T00:00:00+01:00",
        time_zone="Europe/Copenhagen",
        rows=(row,),
        skipped=(),
    )
    assert "ikke verificeret siden i går · konsulent" in render_portfolio(late, language="da")
    assert "not verified since yesterday · konsulent" in render_portfolio(late, language="en")
    assert "siden i dag" not in render_portfolio(late, language="da")
    same_day = replace(late, generated_at="2025-03-03T23:59:00+01:00")
    assert "ikke verificeret siden i dag · konsulent" in render_portfolio(same_day, language="da")


def test_a_certificate_that_has_ended_says_so_not_zero_or_minus_days() -> None:
    """A date-and-time auditor's look: with one whole-days count, a certificate that ended two
    hours before the listing read "(0 dage)", as one that ends tonight does (it had said -1),
    and one that ended 3 days before read "(-3 dage)" under "Certifikat udløber"."""
    ended = full_row(certificate_not_after="2025-03-04T03:00:00+01:00", certificate_days_left=0)
    da = render_portfolio(portfolio(ended), language="da")
    assert "04-03-2025 (udløbet for under en dag siden)" in da and "(0 dage)" not in da
    en = render_portfolio(portfolio(ended), language="en")
    assert "2025-03-04 (expired less than a day ago)" in en
    tonight = full_row(certificate_not_after="2025-03-04T23:00:00+01:00", certificate_days_left=0)
    assert "04-03-2025 (0 dage)" in render_portfolio(portfolio(tonight), language="da")
    gone = full_row(certificate_not_after="2025-03-01T03:00:00+01:00", certificate_days_left=-3)
    da = render_portfolio(portfolio(gone), language="da")
    assert "01-03-2025 (udløbet for 3 dage siden)" in da and "-3 dage" not in da
