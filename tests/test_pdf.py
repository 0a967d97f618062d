"""The sign-off PDF (documents/pdf.py): GUIDs that never break (and never inside a tag), one
document from the pages with every appendix at the end, the footer's page words, and a PDF
that cannot be made being a note, never a crash. Printing needs Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from ngdpkit.documents.pdf import combined_html, footer_html, print_document, unbreakable_guids
from ngdpkit.documents.signoff import find_browser

GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_guids_in_text_are_wrapped_never_in_a_tag() -> None:
    html = f'<a href="/cp/{GUID}" title="{GUID}">{GUID}</a> og {GUID.upper()}'
    out = unbreakable_guids(html)
    assert out == (
        f'<a href="/cp/{GUID}" title="{GUID}"><span class="guid">{GUID}</span></a>'
        f" og {GUID.upper()}"  # the normal form is lower-case: anything else is not wrapped
    )
    assert unbreakable_guids(f"x{GUID}y") == f"x{GUID}y"  # inside a word: not a GUID


def page(path: Path, body: str) -> Path:
    path.write_text(
        "<!doctype html><html><head><style>.mine{color:red}</style></head>"
        f"<body><nav>menu</nav>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def test_one_document_with_every_appendix_at_the_end(tmp_path: Path) -> None:
    first = page(
        tmp_path / "a.html",
        f'<h1>Overblik</h1><section class="appendix mapping">{GUID}</section><p>efter</p>',
    )
    second = page(tmp_path / "b.html", '<h1>Tjekliste</h1><section class="appendix">B</section>')
    html = combined_html([first, second], language="da", title="Godkendelse <&>")
    assert "menu" not in html  # the navigation is dropped
    assert ".mine{color:red}" in html and "@page" in html
    order = [html.index(x) for x in ("Overblik", "efter", "Tjekliste", GUID, ">B<")]
    assert order == sorted(order)
    assert f'<span class="guid">{GUID}</span>' in html
    assert "Godkendelse &lt;&amp;&gt;" in html  # the title is escaped


def test_footer_words_per_language_and_landscape_pages() -> None:
    da = footer_html(3, language="da", footer="Kommune <b>", landscape={2})
    assert "side 1 af 3" in da and "side 3 af 3" in da and "Kommune &lt;b&gt;" in da
    en = footer_html(2, language="en", footer="x", landscape=set())
    assert "page 2 of 2" in en and "side" not in en


def test_a_pdf_that_cannot_be_made_is_a_note(tmp_path: Path) -> None:
    pdf = tmp_path / "signoff.pdf"
    pdf.write_bytes(b"old")
    why = print_document([tmp_path / "missing.html"], pdf, language="da", title="t", footer="f")
    assert why is not None and why.startswith("the PDF was not made (FileNotFoundError")
    assert "\n" not in why
    assert not pdf.exists()  # never a half-made or stale PDF


def test_the_printed_pdf_has_its_footer_on_every_page(tmp_path: Path) -> None:
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from pypdf import PdfReader

    long = "".join(f"<p>Linje {i}</p>" for i in range(120))
    first = page(tmp_path / "a.html", f"<h1>Overblik</h1>{long}")
    second = page(
        tmp_path / "b.html",
        '<section class="appendix"><table><tr><td>x</td></tr></table></section>',
    )
    pdf = tmp_path / "signoff.pdf"
    assert (
        print_document(
            [first, second], pdf, language="da", title="Godkendelse", footer="Testkommune · test"
        )
        is None
    )
    reader = PdfReader(str(pdf))
    n = len(reader.pages)
    assert n >= 3
    assert reader.metadata is not None and reader.metadata.title == "Godkendelse"
    for i, p in enumerate(reader.pages, start=1):
        assert f"side {i} af {n}" in p.extract_text()
    last = reader.pages[-1]
    assert float(last.mediabox.width) > float(last.mediabox.height)  # the appendix: landscape
