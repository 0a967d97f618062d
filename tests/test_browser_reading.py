"""The sign-off pages as a customer reads them on a laptop, between the phone width the
accessibility tests measure (320 and 640 px) and the full width: a wide table stays in its
own box, and nothing a reader copies or compares (a host, a finding code, the heading's first
word) is cut into pieces. Debian's chromium driven by Playwright, skipped when there is none
(never a downloaded browser); each test loads its page once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_accessibility import OVERFLOW, chromium


@pytest.fixture(scope="module")
def page(sample_run: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched.new_page(viewport={"width": 1000, "height": 900})


def signoff(sample_run: dict[str, Any], name: str) -> str:
    return (Path(sample_run["run_dir"]) / "signoff" / name).as_uri()


# the elements drawn on more than one line (a value cut in two shows as two boxes)
CUT = """(selector) => [...document.querySelectorAll(selector)]
  .filter(e => e.getClientRects().length > 1).map(e => e.textContent)"""
# the number of lines the first word of the page's h1 takes
H1_FIRST_WORD = """() => { const text = document.querySelector('h1').firstChild;
  const range = document.createRange(); range.setStart(text, 0);
  range.setEnd(text, text.textContent.indexOf(' ')); return range.getClientRects().length; }"""


def test_the_firewall_order_scrolls_in_its_box_and_keeps_hosts_whole(
    page: Any, sample_run: dict[str, Any]
) -> None:
    """At a 1,000 px window (a 1,366 px laptop at 125 % zoom is 1,093) the firewall order's
    eleven columns (1,100 px) ran past the page, which scrolled sideways (1,117 px), its
    last columns out of sight; at 760 px, where its table scrolls in its own box, the hosts
    were still broken anywhere: "api.test.digitalpo st.dk", "wz- agent01-t"."""
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(signoff(sample_run, "firewall.html"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000
    assert page.evaluate(OVERFLOW, 1000) == []
    wide = page.evaluate(
        "() => { const s = document.querySelector('section.appendix.firewall-all');"
        " return [s.scrollWidth > s.clientWidth, getComputedStyle(s).overflowX]; }"
    )
    assert wide == [True, "auto"]  # the order scrolls in its own box: every column there
    page.set_viewport_size({"width": 760, "height": 900})
    hosts = page.evaluate("() => document.querySelectorAll('td span.host').length")
    assert hosts > 20
    assert page.evaluate(CUT, "td span.host") == []
    assert page.evaluate(OVERFLOW, 760) == []


def test_a_notebook_page_no_longer_hides_the_columns_of_a_wide_table(
    page: Any, sample_run: dict[str, Any]
) -> None:
    """The system and network step shows the firewall order in the notebook's box, which
    clips what overflows: at 1,000 px its columns past 960 px (Formål, Miljø, Grundlag) were
    cut off without a way to reach them."""
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(signoff(sample_run, "04_system_and_network.html"))
    assert page.evaluate(OVERFLOW, 1000) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000


def test_the_overview_heading_and_finding_codes_are_whole_on_a_phone(
    page: Any, sample_run: dict[str, Any]
) -> None:
    """At 320 px "Godkendelsesdokument:" at 2em was wider than the page, and broke before its
    colon (": Overgang" began the next line); a finding code in a table was broken anywhere
    ("CERT_C USTOM_ TRUST_ ANCHOR S"), though its table scrolls in its own box."""
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(signoff(sample_run, "index.html"))
    assert page.evaluate(H1_FIRST_WORD) == 1
    codes = page.evaluate("() => [...document.querySelectorAll('code.finding-code')].length")
    assert codes >= 5
    assert page.evaluate(CUT, "code.finding-code") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate(OVERFLOW, 320) == []
