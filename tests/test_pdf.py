"""The sign-off PDF (documents/pdf.py): GUIDs that never break (and never inside a tag), one
document from the pages with every appendix at the end, the footer's page words, and a PDF
that cannot be made being a note, never a crash. The footer is CSS margin boxes: its text
(from the settings file, so hostile) is a CSS string nothing can break out of, read back here
by the CSS syntax's own rules and from the printed PDF; a browser without margin boxes gets
the overlay instead. Printing needs Chromium."""

from __future__ import annotations

import re
import string
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ngdpkit.documents.pdf as pdf_module
from ngdpkit.documents.pdf import (
    combined_html,
    css_string,
    fits_a_margin_box,
    footer_css,
    footer_html,
    footer_printed,
    print_document,
    unbreakable_guids,
)
from ngdpkit.documents.signoff import find_browser, print_pdf

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


def test_a_link_to_another_page_of_the_folder_is_not_printed_as_a_link(tmp_path: Path) -> None:
    """A security tester's look: the steps table's links to ``01_mailboxes.html`` were printed
    as links to ``file:///tmp/ngdpkit-print-…/01_mailboxes.html`` (the temporary folder the
    document is printed in; on Windows a path naming the consultant's user). Their text stays;
    a link with a scheme or to a place in the document stays a link."""
    first = page(
        tmp_path / "a.html",
        '<p><a href="01_mailboxes.html">01 Postkasser</a> <a href="checklist.html#step-2">'
        '<b>Trin 2</b></a> <a href="../../x.html" class="k">op</a></p>'
        '<p><a href="https://digst.dk/">Digst</a> <a href="#signatures">Underskrifter</a></p>',
    )
    html = combined_html([first], language="da", title="t")
    assert "01_mailboxes.html" not in html and "checklist.html" not in html
    assert "x.html" not in html
    assert "<p>01 Postkasser <b>Trin 2</b> op</p>" in html
    assert '<a href="https://digst.dk/">Digst</a>' in html
    assert '<a href="#signatures">Underskrifter</a>' in html


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


# --- the footer as margin boxes: a hostile footer text --------------------------------------

HOSTILE = {
    "quotes": "Kommune \"Citat\" 'enkelt' «guillemets»",
    "backslash": 'Back\\slash \\" \\\\ \\0000E6 \\',
    "style-end": "</style><script>alert(1)</script><style>",
    "comment-and-rules": '*/ } } @page { @bottom-left { content: "x" } } /* ; !important',
    "newline": "Linje 1\nLinje 2\r\nLinje 3\f\\\nslut",
    "nul": "Nul\x00byte",
    "emoji": "Emoji \U0001f600 \U0001f1e9\U0001f1f0 slut",
    "danish": "Ærø Østerbro Åbenrå æøå · Kommune",
    "long": "Langtnavn-" * 200 + " ÆØÅ " + "x" * 500,
    "many-lines": "Kommune æøå " * 80,
    "hex-after-escape": "æ0 æa æF æ ø\t1",
    "lone-surrogate": "a\ud800b",
}
SAFE_CSS_STRING = re.compile(r'"(?:[A-Za-z0-9.,:_-]|\\[0-9A-F]{6})*"')


def read_css_string(css: str) -> tuple[str, str]:
    """The value of the CSS string token at the start of ``css`` and what follows it, by the
    CSS Syntax Level 3 rules (§3.3 preprocessing, §4.3.5 string token, §4.3.7 escape): a
    test-side reader that shares nothing with the code under test."""
    css = css.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\0", "\ufffd")
    quote, i, out = css[0], 1, []
    assert quote in "\"'"
    while i < len(css):
        c = css[i]
        if c == quote:
            return "".join(out), css[i + 1 :]
        if c == "\n":
            raise AssertionError(f"a bad string: a newline ends it at {i}")
        if c == "\\":
            i += 1
            if i == len(css):
                break
            if css[i] == "\n":  # an escaped newline is nothing
                i += 1
                continue
            if css[i] in string.hexdigits:
                j = i
                while j < len(css) and j - i < 6 and css[j] in string.hexdigits:
                    j += 1
                code = int(css[i:j], 16)
                if css[j : j + 1] in (" ", "\t", "\n"):
                    j += 1  # one whitespace after a hex escape belongs to it
                if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                    code = 0xFFFD
                out.append(chr(code))
                i = j
                continue
            out.append(css[i])
            i += 1
            continue
        out.append(c)
        i += 1
    raise AssertionError("the string does not end")


def as_css_reads_it(text: str) -> str:
    """What a CSS string can carry of ``text``: NUL and lone surrogates are U+FFFD."""
    return "".join("\ufffd" if c == "\0" or "\ud800" <= c <= "\udfff" else c for c in text)


def on_paper(footer: str) -> str:
    """The footer as the margin box carries it: one line, a control character a space."""
    return as_css_reads_it("".join(" " if unicodedata.category(c) == "Cc" else c for c in footer))


@given(st.text())
def test_any_text_is_one_safe_css_string_that_reads_back(text: str) -> None:
    css = css_string(text)
    assert SAFE_CSS_STRING.fullmatch(css), css
    assert read_css_string(css) == (as_css_reads_it(text), "")
    # whatever follows it (a letter or digit that is a hex digit, a space) is not read into it
    assert read_css_string(css + " ab12")[1] == " ab12"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.style: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style.append(data)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_footer_stays_in_its_css_string(tmp_path: Path, name: str) -> None:
    footer = HOSTILE[name]
    css = footer_css(language="da", footer=footer)
    assert css.isascii() and "<" not in css and "/*" not in css
    assert css.count("{") == css.count("}") == 6  # two @page rules, each with two boxes
    contents = [css_string_at(css, m.end()) for m in re.finditer(r"content: ", css)]
    assert contents[0::2] == [on_paper(footer)] * 2  # bottom left, both page kinds
    assert contents[1::2] == ["side "] * 2  # the page words, then counter(page)
    html = combined_html(
        [page(tmp_path / "a.html", "<p>x</p>")], language="da", title="t", page_css=css
    )
    parsed = Elements()
    parsed.feed(html)
    assert parsed.tags.count("style") == 1 and "script" not in parsed.tags
    assert css in "".join(parsed.style)  # the whole footer CSS inside the one style element


def test_a_footer_word_longer_than_the_box_line_goes_to_the_overlay() -> None:
    anchor = "0123456789abcdef" * 4
    assert fits_a_margin_box(
        f"Eksempel Kommune (fiktiv) · test · 20261205T032647Z-5b7188 · anker {anchor}"
    )
    assert fits_a_margin_box("W" * 64 + "\n" + "W" * 64)  # a newline is a space on paper
    assert not fits_a_margin_box("Kommune " + "x" * 65)


def css_string_at(css: str, at: int) -> str:
    return read_css_string(css[at:])[0]


def words_and_text(reader: object) -> list[str]:
    from pypdf import PdfReader

    assert isinstance(reader, PdfReader)
    return [p.extract_text() for p in reader.pages]


@pytest.mark.parametrize(
    "name", ["quotes", "backslash", "style-end", "newline", "nul", "long", "many-lines"]
)
def test_a_hostile_footer_prints_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Printed by the real browser, each hostile footer is on every page as itself (whitespace
    aside: the PDF's text breaks lines where the footer wraps, and a newline is a space on
    paper), the page words are there once, and no CSS leaked into the page. A footer longer
    than the three lines of its margin box, or with a word longer than its line, is laid over
    instead, whole."""
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from pypdf import PdfReader

    overlays: list[str] = []
    overlay = pdf_module._overlay_footer

    def spy(*args: Path, **kwargs: str) -> str | None:
        overlays.append(kwargs["footer"])
        return overlay(*args, **kwargs)

    monkeypatch.setattr(pdf_module, "_overlay_footer", spy)

    footer = HOSTILE["comment-and-rules"] + HOSTILE["danish"] + HOSTILE[name]
    long = "".join(f"<p>Linje {i}</p>" for i in range(60))
    doc = [
        page(tmp_path / "a.html", long),
        page(tmp_path / "b.html", '<section class="appendix"><p>bilag</p></section>'),
    ]
    pdf = tmp_path / "signoff.pdf"
    assert print_document(doc, pdf, language="da", title="T", footer=footer) is None
    texts = words_and_text(PdfReader(str(pdf)))
    n = len(texts)
    assert n >= 3
    assert bool(overlays) == (name in ("long", "many-lines"))
    expected = "".join(on_paper(footer).split())
    for i, text in enumerate(texts, start=1):
        assert text.count(f"side {i} af {n}") == 1
        assert expected in "".join(text.split()), (name, i)
        assert "counter(" not in text and "bottom-right" not in text


def test_emoji_danish_letters_and_the_title_come_out_as_they_are(tmp_path: Path) -> None:
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from pypdf import PdfReader

    pdf = tmp_path / "signoff.pdf"
    footer = "Ærø Kommune · test · \U0001f600 · æøå ÆØÅ"
    title = " Ærø  Kommune - test "  # Chromium's /Title would be "Ærø Kommune - test"
    doc = [page(tmp_path / "a.html", "<p>x</p>")]
    assert print_document(doc, pdf, language="en", title=title, footer=footer) is None
    reader = PdfReader(str(pdf))
    assert reader.metadata is not None and reader.metadata.title == title
    (text,) = words_and_text(reader)
    assert footer in " ".join(text.split())  # pypdf reads two spaces after the emoji
    assert "page 1 of 1" in text


# --- a browser without margin boxes: the overlay ----------------------------------------------


FOOT = "Testkommune · test · 20260101T000000Z-abcdef · anker " + "0123456789abcdef" * 4


def test_the_first_page_tells_whether_the_margin_boxes_were_printed(tmp_path: Path) -> None:
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    doc = [page(tmp_path / "a.html", "".join(f"<p>Linje {i}</p>" for i in range(60)))]
    with_boxes = tmp_path / "with.html"
    with_boxes.write_text(
        combined_html(
            doc, language="en", title="t", page_css=footer_css(language="en", footer=FOOT)
        ),
        encoding="utf-8",
    )
    without = tmp_path / "without.html"  # what a browser that ignores the boxes prints
    without.write_text(combined_html(doc, language="en", title="t"), encoding="utf-8")
    assert print_pdf(with_boxes, tmp_path / "with.pdf") is None
    assert print_pdf(without, tmp_path / "without.pdf") is None
    assert footer_printed(tmp_path / "with.pdf", language="en", footer=FOOT)
    assert not footer_printed(tmp_path / "with.pdf", language="da", footer=FOOT)  # not "side"
    assert not footer_printed(tmp_path / "with.pdf", language="en", footer=FOOT + " mere")
    assert not footer_printed(tmp_path / "without.pdf", language="en", footer=FOOT)


def test_without_margin_boxes_the_footer_is_laid_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The older browser's way, forced by a detection that sees no page words: the document is
    printed again without the boxes and the overlay carries the footer, once on each page."""
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from pypdf import PdfReader

    seen: list[Path] = []
    overlays: list[Path] = []
    overlay = pdf_module._overlay_footer

    def no_boxes(pdf: Path, *, language: str, footer: str) -> bool:
        seen.append(pdf)
        return False

    def spy(*args: Path, **kwargs: str) -> str | None:
        overlays.append(args[0])
        return overlay(*args, **kwargs)

    monkeypatch.setattr(pdf_module, "footer_printed", no_boxes)
    monkeypatch.setattr(pdf_module, "_overlay_footer", spy)
    long = "".join(f"<p>Linje {i}</p>" for i in range(120))
    doc = [
        page(tmp_path / "a.html", f"<h1>Overblik</h1>{long}"),
        page(tmp_path / "b.html", '<section class="appendix"><p>bilag</p></section>'),
    ]
    pdf = tmp_path / "signoff.pdf"
    footer = 'Testkommune "x" · test'
    assert print_document(doc, pdf, language="da", title="Godkendelse", footer=footer) is None
    assert len(seen) == 1 and len(overlays) == 1
    reader = PdfReader(str(pdf))
    assert reader.metadata is not None and reader.metadata.title == "Godkendelse"
    texts = words_and_text(reader)
    n = len(texts)
    assert n >= 4
    for i, text in enumerate(texts, start=1):
        assert text.count(f"side {i} af {n}") == 1  # the overlay's, no margin box under it
        assert text.count(footer) == 1
    last = reader.pages[-1]
    assert float(last.mediabox.width) > float(last.mediabox.height)


# --- URLs and host names kept whole (a Windows administrator copied "…?system-" | "uuid=…") --


def test_a_url_is_one_nowrap_piece_and_a_long_one_breaks_only_after_a_slash() -> None:
    from ngdpkit.documents.display import table, url, with_urls
    from ngdpkit.documents.signoff import safe_html

    endpoint = "https://wzpush.eksempel-kommune.dk/api/MeMoV1/memos/?system-uuid=" + GUID
    assert str(url(endpoint)) == f'<span class="url"><span>{endpoint}</span></span>'
    assert f'<span class="url"><span>{endpoint}</span></span>' in table([("x", endpoint)], ["a"])
    long = "https://wz-push.example-kommune.dk/" + "segment-of-a-path/" * 6 + "?system-uuid=x"
    pieces = re.findall(r"<span>([^<]*)</span>", str(url(long)))
    assert "".join(pieces) == long and all(p.endswith("/") for p in pieces[:-1])
    assert pieces[0] == "https://wz-push.example-kommune.dk/"  # never after "https:/"
    assert str(url(long)).count("<wbr>") == len(pieces) - 1
    # the sanitiser a notebook's output passes keeps the class and the break
    assert safe_html(str(url(long))) == str(url(long))
    # a URL in a sentence, the text around it as it was; a hostile one escaped
    said = with_urls("Se https://admin.digitalpost.dk (Administrativ Adgang).")
    assert 'Se <span class="url"><span>https://admin.digitalpost.dk</span></span> (Adm' in said
    hostile = str(table([("x", 'https://x.dk/<script>alert("1")</script>')], ["a"]))
    assert (
        "<script>" not in hostile and "&lt;script&gt;alert(&#34;1&#34;)&lt;/script&gt;" in hostile
    )


def test_the_endpoints_print_whole_on_one_line(sample_run_all: dict, tmp_path: Path) -> None:
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from pypdf import PdfReader

    signoff = sample_run_all["folders"][1] / "signoff"  # production: REST_PUSH
    pages = [signoff / f"{n}.html" for n in ("04_system_and_network", "portal", "dispatcher")]
    urls = set()
    for p in pages:
        html = p.read_text(encoding="utf-8")
        found = re.findall(r'<span class="url"><span>(https://[^<]*)</span></span>', html)
        assert any("?system-uuid=" in u for u in found), p.name  # the message endpoint
        assert not re.search(r"<td>https?://", html), p.name  # none outside the nowrap span
        urls.update(found)
    pdf = tmp_path / "signoff.pdf"
    assert print_document(pages, pdf, language="da", title="URL", footer="Testkommune") is None
    lines = [line for pg in PdfReader(str(pdf)).pages for line in pg.extract_text().splitlines()]
    for u in urls:
        assert any(u in line for line in lines), u


def test_a_cell_of_a_url_and_thousands_of_dots_is_read_in_one_pass() -> None:
    """An attacker's look: "https://a" and 32,000 dots (Excel's most in one cell) took the
    URL search 14 s, as its look-ahead rescanned the dots at every character, and forty such
    mailbox names stalled a run. The search is greedy and takes the punctuation off after."""
    from ngdpkit.documents.display import with_urls

    for tail in (".", ")", ".)"):
        text = "https://a" + tail * 16_000 + "b and more"
        html = str(with_urls(text))
        assert html.endswith("</span> and more")
        assert "".join(re.findall(r"<span>([^<]*)</span>", html)) == text[: -len(" and more")]
    said = str(with_urls("Se https://admin.digitalpost.dk/x. Og (https://a.dk/b), tak: http://"))
    assert "<span>https://admin.digitalpost.dk/x</span></span>. Og (" in said
    assert "<span>https://a.dk/b</span></span>), tak: http://" in said


def test_a_link_whose_href_is_not_its_first_attribute_is_not_printed_as_a_link(
    tmp_path: Path,
) -> None:
    """A reviewer's look: a notebook's own output, as the sanitiser leaves it, may hold
    ``<a title="…" href="02_x.html" rel="…">``; only a link whose href came first lost its
    link to the temporary print folder. ``data-href`` is not an href; a scheme stays."""
    from ngdpkit.documents.signoff import safe_html

    body = safe_html(
        '<p><a title="Se" href="02_contact_points.html">kontaktpunkter</a> '
        '<a class="k" href="https://digst.dk/">Digst</a></p>'
    )
    first = page(tmp_path / "a.html", body + '<p><abbr title="x">a</abbr></p>')
    html = combined_html([first], language="da", title="t")
    assert "02_contact_points.html" not in html
    assert "<p>kontaktpunkter <a" in html
    assert 'href="https://digst.dk/"' in html and ">Digst</a>" in html
    assert '<abbr title="x">a</abbr>' in html


def test_a_cut_tables_rest_is_counted_in_the_languages_number_format() -> None:
    """A consultant's week two: the appendix at 20,000 mailboxes said "… og 4100 mere" right
    above "… og yderligere 13.900 rækker": the rest of a cut table is a number of the page's
    language, as every other count on it."""
    from ngdpkit.documents.display import table

    rows = [(str(i),) for i in range(5)]
    assert "… og 4.100 mere" in table(rows, ["a"], limit=2, total=4102, language="da")
    assert "… and 4,100 more" in table(rows, ["a"], limit=2, total=4102, language="en")
    assert "… og 3 mere" in table(rows, ["a"], limit=2, language="da")


@pytest.mark.parametrize("footer", ["Testkommune · test", "Testkommune " + "x" * 70])
def test_the_printing_tells_the_page_count_of_the_pdf_it_wrote(tmp_path: Path, footer: str) -> None:
    """``run --pdf`` named the PDF's pages by reading the finished file again with pypdf
    (0.5-0.7 s of a 12.9 MB PDF at 5,000 mailboxes), though the check of its printed footer
    had read it already. The printing tells the count, on both ways of printing the footer
    (the margin boxes; a word too long for them: the overlay)."""
    from pypdf import PdfReader

    from ngdpkit.documents.pdf import Printed

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    long = "".join(f"<p>Linje {i}</p>" for i in range(150))
    doc = [page(tmp_path / "a.html", f"<h1>Overblik</h1>{long}")]
    pdf = tmp_path / "signoff.pdf"
    printed = Printed(pages=99)
    assert (
        print_document(doc, pdf, language="da", title="T", footer=footer, printed=printed) is None
    )
    assert printed.pages == len(PdfReader(str(pdf)).pages) >= 3
    # a PDF not made is not counted
    why = print_document(
        [tmp_path / "missing.html"], pdf, language="da", title="T", footer=footer, printed=printed
    )
    assert why is not None and printed.pages is None


def test_the_pdf_is_written_whole_through_a_rename_never_into_the_file_there(
    tmp_path: Path,
) -> None:
    """A consultant's rough edge: the printed PDF was written over ``signoff.pdf`` in place, so
    a crash mid-write left half a PDF, and a ``signoff.pdf`` that was a link (or a second name
    of another file) had its target written. It is written beside it and renamed: the file
    there before is left as it was, the new PDF is a file of its own, and no temporary file
    stays."""
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    doc = page(tmp_path / "a.html", "<h1>Overblik</h1><p>Tekst</p>")
    out = tmp_path / "out"
    out.mkdir()
    elsewhere, other_name = tmp_path / "elsewhere.pdf", tmp_path / "other-name.pdf"
    elsewhere.write_bytes(b"not to be written")
    other_name.write_bytes(b"the same inode")
    for before in ("link", "hard link"):
        pdf = out / "signoff.pdf"
        pdf.unlink(missing_ok=True)
        if before == "link":
            pdf.symlink_to(elsewhere)
        else:
            pdf.hardlink_to(other_name)
        assert print_document([doc], pdf, language="da", title="T", footer="Testkommune") is None
        assert not pdf.is_symlink() and pdf.read_bytes().startswith(b"%PDF")
        assert elsewhere.read_bytes() == b"not to be written"
        assert other_name.read_bytes() == b"the same inode"
        assert sorted(p.name for p in out.iterdir()) == ["signoff.pdf"]
