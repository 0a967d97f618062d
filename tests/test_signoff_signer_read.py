"""What a digital post coordinator who signs read on the printed sign-off document: a
duration that differed between the overview and the step's page, codes without words on
the step pages, a heading with nothing under it, a sentence with no subject, a date broken
over two lines, a heading alone at the foot of a page, a monitoring code with no words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ngdpkit import findings as F
from ngdpkit.steps import STEP_NAMES


def _signoff(sample_run: dict[str, Any]) -> Path:
    return Path(sample_run["run_dir"]) / "signoff"


def test_the_overview_and_each_step_page_say_the_same_duration(
    sample_run: dict[str, Any],
) -> None:
    """The overview said 0,7 s for step 01 and the step's own page 0,4 s (the sequence's
    timing counted starting the notebook): one number, on both pages."""
    signoff = _signoff(sample_run)
    index = (signoff / "index.html").read_text(encoding="utf-8")
    for name in STEP_NAMES:
        row = re.search(
            rf'href="{name}\.html">.*?</a></td>(?:<td>.*?</td>){{2}}<td>([0-9]+,[0-9]) s</td>',
            index,
        )
        assert row, name
        page = (signoff / f"{name}.html").read_text(encoding="utf-8")
        own = re.search(r" · ([0-9]+,[0-9]) s</p>", page)
        assert own, name
        assert row.group(1) == own.group(1), name


def test_a_step_duration_falls_back_to_the_sequence_timing_only_without_its_own() -> None:
    from ngdpkit.run.pages import _shown_duration

    assert _shown_duration(0.4, 0.7) == 0.4
    assert _shown_duration(None, 0.7) == 0.7  # a crashed step wrote no figure
    assert _shown_duration(None, None) == 0.0


def test_the_printed_count_by_code_names_each_code_in_words() -> None:
    """The step's printed page counted MAILBOX_SHEET_USED with no words; its title stood
    only in the appendix."""
    from ngdpkit.documents.display import show_findings

    found = [
        F.info("MAILBOX_SHEET_USED", "Read sheet {sheet}", sheet="Postkasser"),
        F.warning("CERT_CUSTOM_TRUST_ANCHORS", "Checked against {envs}", envs="test"),
    ]
    da = show_findings(found, language="da")._repr_html_()
    printed = da.split("print-only", 1)[1].split("also-in-pdf", 1)[0]
    assert "<th>Hvad</th>" in printed
    assert "Læst ark" in printed and "Kontrolleret mod egne tillidsankre" in printed
    en = show_findings(found, language="en")._repr_html_()
    printed = en.split("print-only", 1)[1].split("also-in-pdf", 1)[0]
    assert "<th>What</th>" in printed and "Mailbox sheet used" in printed


def test_the_mapping_by_unit_says_where_it_is_printed(sample_run: dict[str, Any]) -> None:
    """Step 02's printed page had the heading "Tilknytning pr. enhed" with nothing under
    it: the table is printed once, in the appendix, and the page now says so."""
    page = (_signoff(sample_run) / "02_contact_points.html").read_text(encoding="utf-8")
    heading = page.index("Tilknytning pr. enhed")
    pointer = page.index("Står i bilaget bagest: hver postkasse med sit kontaktpunkt")
    assert heading < pointer
    assert 'class="nk print-only"' in page[heading : pointer + 200]


def test_ngdp_not_read_on_the_system_page_says_what_was_not_read(
    sample_run: dict[str, Any],
) -> None:
    """Step 04's page said "ikke læst (offline …)" alone under the servers' checks."""
    page = (_signoff(sample_run) / "04_system_and_network.html").read_text(encoding="utf-8")
    assert "Systemets registrering i NgDP: ikke læst (offline" in page
    assert "<p>ikke læst (offline" not in page


def test_the_validity_dates_do_not_break_over_lines() -> None:
    """Production's certificate line printed "06-12-2026 → 05-" and "12-2029" on the next."""
    from ngdpkit.documents.display import validity_timeline

    items = [("production: WorkZone NgDP production", "2026-12-06T00:00:00+00:00",
              "2029-12-05T00:00:00+00:00")]  # fmt: skip
    html = validity_timeline(items, now_iso="2027-01-01T00:00:00+00:00", language="da")
    assert 'white-space:nowrap">06-12-2026 → 05-12-2029</td>' in html._repr_html_()


def test_a_printed_heading_stays_with_what_it_heads(tmp_path: Path) -> None:
    """ "Kultur og Fritid (15)" stood alone at the foot of an appendix page."""
    from ngdpkit.documents.pdf import PRINT_CSS, combined_html

    assert re.search(r"h1, h2, h3, h4 \{ break-after: avoid;", PRINT_CSS)
    page = tmp_path / "a.html"
    page.write_text("<html><body><h4>Kultur og Fritid (15)</h4></body></html>", "utf-8")
    assert "h1, h2, h3, h4 { break-after: avoid;" in combined_html([page], language="da", title="T")


def test_the_rollback_criteria_say_the_monitoring_code_in_words(
    sample_run: dict[str, Any],
) -> None:
    """The runbook's rollback criteria named WATCH_DELIVERY_FAILING with no words."""
    page = (_signoff(sample_run) / "runbook.html").read_text(encoding="utf-8")
    assert "melder, at leveringer til modtagersystemet fejler (WATCH_DELIVERY_FAILING)" in page


def test_the_run_name_says_its_time_is_utc(sample_run: dict[str, Any]) -> None:
    """ "Kørsel 20261206T232632Z-…" beside "Dannet 07-12-2026 kl. 00:26" read as two dates
    for one run: the name says its time is UTC."""
    index = (_signoff(sample_run) / "index.html").read_text(encoding="utf-8")
    run = Path(sample_run["run_dir"]).name
    assert f"<td>{run} (navnet begynder med kørslens start i UTC)</td>" in index
