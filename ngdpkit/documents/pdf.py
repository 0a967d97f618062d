"""``signoff/signoff.pdf``: the whole sign-off document as one A4 PDF (contract §12.9).

Every page of the run in reading order (overview with its signatures, the step pages,
certificate, portal, firewall, dispatcher, checklist, the acceptance when there is one),
then the long tables as an appendix in landscape. Chromium prints the combined document in
one pass; its own header and footer are off (they would show a file path), and "side X af Y"
and the footer (organisation, environment, run, anchor) are CSS page margin boxes
(``@page { @bottom-left … @bottom-right … }``), on the landscape appendix pages too. The
footer text comes from the settings file, so it reaches the CSS only as a string of which
every character but letters, digits and ``.,:_-`` is a 6-digit hex escape (``css_string``):
nothing in it can end the string, the rule or the style element.

A browser that does not print margin boxes (Chrome and Edge before 131) prints the page
without them; the first page's text tells (``footer_printed``: its page words and the whole
footer, which a footer longer than its box's three lines is not either), and then the older
way is taken, as it is at once for a footer with a word longer than its box's line
(``fits_a_margin_box``): the document is printed without the margin boxes, a second,
transparent PDF carrying the same footer (``footer_html``) is printed, and pypdf lays it over
each page. GUIDs never break: table cells in the appendix do not wrap, in a smaller monospace
font.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import string
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from .pages import Markup, render

BODY = re.compile(r"<body>(.*)</body>", re.S)
APPENDIX = re.compile(r'<section class="appendix(?: [^"]*)?">.*?</section>', re.S)
NAV = re.compile(r"<nav>.*?</nav>", re.S)
STYLE = re.compile(r"<style>(.*?)</style>", re.S)
# A link to another page of the folder (no scheme, no fragment of its own page): printed, the
# browser resolved it against the temporary folder the document is printed in, and the signed
# PDF carried file:///tmp/ngdpkit-print-…/01_mailboxes.html (on Windows a path naming the
# consultant's user) as a link that leads nowhere on the customer's machine (a tester's look).
# In the PDF the text stays, the link goes. The href need not come first: a notebook's own
# output, as the sanitiser leaves it, may have a title or class before it (a reviewer's look:
# <a title="…" href="02_x.html"> kept its link to the temporary folder).
LOCAL_LINK = re.compile(
    r'<a(?:\s[^>]*?)?\shref="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^"]*"[^>]*>(.*?)</a>', re.S
)
# The most rows of the appendix of mailbox translations (one row per mailbox) the PDF prints.
# At 100,000 mailboxes the whole list was 50,000 rows, about 1,600 landscape pages, and
# Chromium printed nothing at all; 10,000 rows are about 330 pages (the 5,000-mailbox
# sample's 4,954 rows are printed whole). Past it the PDF names the complete list: the
# mapping files of the run folder, with their SHA-256 as the manifest holds them.
# The portal to-do's appendix (one row per translation to add or remove) is bounded the
# same way: verified at 100,000 mailboxes it is some 99,000 rows, and offline its removals
# are every translation of the contact points file this run does not map there (50,000 in
# test_the_removals_at_100000_mailboxes); past the bound the PDF names portal-todo.xlsx.
# The changes appendix (one line per change since the previous run: an export against the
# next of 100,000 mailboxes is as many lines) grew with the data too; it is bounded alike. Its
# lines run over a list per kind of change: the first ``APPENDIX_ROWS`` are printed, and
# what follows the cut is left out. (The decisions appendix is not: its tables print at most
# ``display.MAX_ROWS`` rows each, on the page too, and its lead names the decisions file.)
APPENDIX_ROWS = 10_000
BOUNDED = re.compile(
    r'<section class="appendix (translations-all|portal-todo-all|changes-all)">'
    r".*?</section>",
    re.S,
)
DATA_ROW = "<tr><td>"
LIST_ROW = "<li>"
FULL_LISTS = ("mailbox-mapping.xlsx", "mailbox-mapping.csv")
# each bounded appendix (its class): the note that says so, and the files of the whole list
BOUNDED_NOTES = {
    "translations-all": ("pdf_rows_bounded", FULL_LISTS),
    "portal-todo-all": ("pdf_todo_rows_bounded", ("portal-todo.xlsx",)),
    "changes-all": ("pdf_changes_rows_bounded", ("changes.json",)),
}
# the appendices whose rows are list items (the others' are table rows)
ROW_OF = {"changes-all": LIST_ROW}
# a kind of change's heading and its list opened, with no line of it yet (a cut there)
EMPTY_LIST_END = re.compile(r"<h3>[^<]*</h3><ul>\Z")

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 20mm 14mm; }
@page appendix { size: A4 landscape; margin: 14mm 12mm 18mm 12mm; }
body { margin: 0; max-width: none; font-size: 10pt; padding: 0 16px; }
nav, footer.anchor { display: none; }
/* Nothing addressed to the consultant is printed (what to run next, links, the notebook's
   settings line), and a table the document holds elsewhere is printed there only. */
.consultant, .next, .nk-origin, .nk-settings, .also-in-pdf, .banner-end { display: none !important; }
.after-signatures { break-before: page; }
.print-only { display: block !important; }
.summary table { font-size: 9pt; }
.summary td, .summary th { padding: 2px 6px; }
.doc-part { break-before: page; }
.doc-part:first-child { break-before: auto; }
.appendix { page: appendix; break-before: page; }
.appendix td, .appendix th { white-space: nowrap; font-size: 7.5pt; padding: 2px 4px; }
.appendix td { font-family: Consolas, 'DejaVu Sans Mono', monospace; }
.appendix.findings-all td, .appendix.findings-all th,
.appendix.firewall-all td, .appendix.firewall-all th { white-space: normal; font-family: inherit; padding: 2px 4px; }
.appendix li { font-size: 8.5pt; }
.host, .appendix .host { white-space: nowrap; }
table { page-break-inside: auto; }
tr, .sig, .declaration { break-inside: avoid; }
/* a heading stays with what it heads: a signer found "Kultur og Fritid (15)" alone at the
   foot of an appendix page, its table on the next */
h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
.sigs { break-inside: avoid; }
/* the declaration with the boxes it is signed in: a customer's cold read found the boxes
   alone on page 3, and the declaration split over pages 2 and 3 */
.signatures { break-inside: avoid; }
.guid { white-space: nowrap; font-family: Consolas, 'DejaVu Sans Mono', monospace; font-size: 0.92em; }
/* a GUID inside a URL (the endpoints) in the URL's own font: the wider monospace pushed the
   message endpoint past its line */
.url .guid { font-family: inherit; font-size: inherit; }
.doc-part .mapping-table { display: none; }  /* printed once, in the appendix */
"""
GUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
TAG = re.compile(r"(<[^>]*>)")


def unbreakable_guids(html: str) -> str:
    """Every GUID in the text (never in a tag or attribute) in a span that does not wrap."""
    return "".join(
        piece if piece.startswith("<") else GUID.sub(r'<span class="guid">\g<0></span>', piece)
        for piece in TAG.split(html)
    )


def bounded(
    section: str, *, language: str, digests: dict[str, str], kind: str = "translations-all"
) -> str:
    """The appendix ``section`` (of class ``kind``, :data:`BOUNDED_NOTES`: the translations,
    the portal to-do, the changes) with its first ``APPENDIX_ROWS`` rows, and after its table a paragraph
    saying how many of how many rows are printed and which files of the run folder hold them
    all (with the SHA-256 of each, from ``digests``). Whole when shorter."""
    from .i18n import number, t
    from .pages import fragment

    key, full_lists = BOUNDED_NOTES[kind]
    row = ROW_OF.get(kind, DATA_ROW)
    total = section.count(row)
    if total <= APPENDIX_ROWS:
        return section
    at = -1
    for _ in range(APPENDIX_ROWS + 1):
        at = section.index(row, at + 1)
    files = [
        t(language, "pdf_full_list_file", file=name, sha256=digests[name])
        if name in digests
        else name
        for name in full_lists
    ]
    note = fragment(
        "para",
        [
            t(
                language,
                key,
                shown=number(language, APPENDIX_ROWS),
                total=number(language, total),
                files=", ".join(files),
            )
        ],
    )
    if kind in ("translations-all", "portal-todo-all"):  # one table: what follows it stays
        rest = section[section.index("</tbody>", at) :]
        close = rest.rindex("</section>")
        return section[:at] + rest[:close] + str(note) + rest[close:]
    # lines over several lists: the one cut is closed, and the rest left out. A cut at a
    # list's first line leaves out its heading too: printed, the kind of change stood with
    # an empty list under it
    head = section[:at]
    empty = EMPTY_LIST_END.search(head)
    if empty:
        return head[: empty.start()] + str(note) + "</section>"
    return head + "</ul>" + str(note) + "</section>"


def combined_html(
    pages: list[Path],
    *,
    language: str,
    title: str,
    page_css: str = "",
    digests: dict[str, str] | None = None,
) -> str:
    """One document from the rendered pages: their bodies in order, every appendix section
    moved to the end, the navigation and per-page footers dropped (the PDF has its own).
    ``page_css``: more CSS after the print rules (the footer's margin boxes, ``footer_css``).
    The translations, portal to-do and changes appendices are cut at
    ``APPENDIX_ROWS`` rows (:func:`bounded`);
    ``digests``: the run folder's files' SHA-256 by name, for its note."""
    styles: list[str] = []
    parts: list[str] = []
    appendix: list[str] = []
    for path in pages:
        html = path.read_text(encoding="utf-8")
        if not styles:
            styles = STYLE.findall(html)
        m = BODY.search(html)
        body = LOCAL_LINK.sub(r"\1", NAV.sub("", m.group(1) if m else ""))
        appendix += [
            BOUNDED.sub(
                lambda m: bounded(
                    m.group(0), language=language, digests=digests or {}, kind=m.group(1)
                ),
                a,
            )
            for a in APPENDIX.findall(body)
        ]
        parts.append(APPENDIX.sub("", body))
    return render(
        "print.html.j2",
        language=language,
        title=title,
        styles=Markup("\n".join(styles) + PRINT_CSS + page_css),
        parts=[Markup(unbreakable_guids(p)) for p in parts],
        appendix=[Markup(unbreakable_guids(a)) for a in appendix],
    )


PAGE_WORDS = {"da": ("side", "af"), "en": ("page", "of")}


def page_words(n: int, total: int, *, language: str) -> str:
    """ "side 2 af 9" (Danish) or "page 2 of 9": the words of one page of the footer."""
    page, of = PAGE_WORDS["da" if language == "da" else "en"]
    return f"{page} {n} {of} {total}"


def footer_html(count: int, *, language: str, footer: str, landscape: set[int]) -> str:
    """The transparent footer PDF's HTML, one page per printed page (``landscape``: the
    0-based pages printed wide): the older way, for a browser without margin boxes."""
    return render(
        "print_footer.html.j2",
        language=language,
        pages=[
            {
                "number": page_words(i, count, language=language),
                "landscape": i - 1 in landscape,
            }
            for i in range(1, count + 1)
        ],
        footer=footer,
    )


# What a CSS string may hold as itself: letters, digits and punctuation that means nothing in
# a string, a rule or HTML. Everything else (quotes, backslash, "<", "/", "*", braces,
# semicolons, any whitespace, anything not ASCII) is a hex escape. The space is escaped too:
# CSS swallows one whitespace after a hex escape ("\\0000E6 b" is "æb"), so a literal space
# after an escape would be lost.
CSS_SAFE = frozenset(string.ascii_letters + string.digits + ".,:_-")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string of ASCII letters, digits, ``.,:_-`` and escapes of
    exactly 6 hex digits (so a digit or letter after one is never read into it). NUL and lone
    surrogates, which CSS cannot carry, are U+FFFD, as a CSS parser would make them."""
    out = []
    for ch in text:
        if ch in CSS_SAFE:
            out.append(ch)
        else:
            code = ord(ch)
            if code == 0 or 0xD800 <= code <= 0xDFFF:
                code = 0xFFFD
            out.append(f"\\{code:06X}")
    return '"' + "".join(out) + '"'


FOOTER_BOX = (
    "font: 7.5pt Arial, sans-serif; color: #444; border-top: 0.3pt solid #999; "
    "padding-top: 2mm; vertical-align: top;"
)


def footer_line(footer: str) -> str:
    """The footer as one line of paper: each control character (a newline, a tab, NUL, …) a
    space, as HTML shows most of them; in CSS content a form feed would print as a box."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in footer)


# The longest word a margin box can hold: Chromium breaks its lines at spaces only
# (word-break and overflow-wrap do nothing there), and 64 of the widest letter ("W", 0.94 em
# at 7.5 pt) fill its 80 % of the portrait line. The anchor is a word of 64.
FOOTER_WORD = 64


def fits_a_margin_box(footer: str) -> bool:
    """Whether every word of the footer fits its margin box's line (else it would run under
    the page words and off the page): no run of more than 64 characters without a space."""
    return all(len(word) <= FOOTER_WORD for word in footer_line(footer).split())


def footer_css(*, language: str, footer: str) -> str:
    """The footer as page margin boxes: the footer text bottom left, the page words bottom
    right, on the portrait and the landscape appendix pages; where the overlay puts them
    (the line 12 mm above the page's bottom edge, so ``margin-top`` is the page's bottom margin
    less 12 mm; below it there is room for three lines of footer). Only ``css_string`` output
    is interpolated: the result is ASCII and holds no ``<``."""
    page, of = PAGE_WORDS["da" if language == "da" else "en"]
    words = f"{css_string(page + ' ')} counter(page) {css_string(' ' + of + ' ')} counter(pages)"
    text = css_string(footer_line(footer))

    def boxes(top: str) -> str:
        return (
            f"@bottom-left {{ content: {text}; {FOOTER_BOX} margin-top: {top}; width: 80%; }}\n"
            f"  @bottom-right {{ content: {words}; {FOOTER_BOX} margin-top: {top}; width: 20%;"
            " text-align: right; }"
        )

    return f"\n@page {{\n  {boxes('8mm')}\n}}\n@page appendix {{\n  {boxes('6mm')}\n}}\n"


@dataclasses.dataclass(frozen=True)
class FooterCheck:
    """What :func:`footer_printed` found: whether the footer was printed whole (its truth) and
    the PDF's page count, read in the same pass (the console names it: :class:`Printed`)."""

    whole: bool
    pages: int

    def __bool__(self) -> bool:
        return self.whole


def footer_printed(pdf: Path, *, language: str, footer: str) -> FooterCheck:
    """Whether the browser printed the margin boxes whole: the first page's text holds its
    page words ("side 1 af N", N the PDF's page count) and the whole footer (spaces and line
    breaks aside). Only the first page is read. No: a browser without margin boxes (Chrome and
    Edge before 131), or a footer longer than the three lines its box has. True or false as
    that answer, with the page count beside it."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    count = len(reader.pages)
    if not count:
        return FooterCheck(False, 0)
    text = reader.pages[0].extract_text()
    if page_words(1, count, language=language) not in text:
        return FooterCheck(False, count)
    return FooterCheck("".join(footer_line(footer).split()) in "".join(text.split()), count)


@dataclasses.dataclass
class Printed:
    """What :func:`print_document` learnt of the PDF it wrote, besides whether: its page count
    (None until a PDF is written), from the read that checks its footer, so that the console
    names it without reading the whole file again (0.5-0.7 s at 5,000 mailboxes). The seal's
    PAdES signature, an incremental update, adds no page."""

    pages: int | None = None


def page_count(pdf: Path) -> int | None:
    """How many pages the PDF at ``pdf`` has: its page tree walked (pypdf believes the
    catalogue's ``/Count`` only of an encrypted PDF, which the kit never writes), the pages'
    content not read; None when it cannot be read as a PDF."""
    from pypdf import PdfReader

    try:
        count = len(PdfReader(str(pdf)).pages)
    except Exception:  # noqa: BLE001 (pypdf raises what it meets: the file is then not counted)
        return None
    return count if count > 0 else None


def print_document(
    pages: list[Path],
    pdf: Path,
    *,
    language: str,
    title: str,
    footer: str,
    digests: dict[str, str] | None = None,
    printed: Printed | None = None,
) -> str | None:
    """Print the whole document to ``pdf``; None on success, else why not (one line). A PDF
    that cannot be made is a note on the console, never a crashed run. ``printed``, when
    given, is told the page count of the PDF written."""
    from ..redact import one_line

    told = printed if printed is not None else Printed()
    told.pages = None
    try:
        return _print(
            pages,
            pdf,
            language=language,
            title=title,
            footer=footer,
            digests=digests or {},
            printed=told,
        )
    except Exception as exc:  # pypdf or the browser: the HTML pages are the document
        told.pages = None
        pdf.unlink(missing_ok=True)
        return f"the PDF was not made ({type(exc).__name__}: {one_line(str(exc))[:160]})"


def _print(
    pages: list[Path],
    pdf: Path,
    *,
    language: str,
    title: str,
    footer: str,
    digests: dict[str, str],
    printed: Printed,
) -> str | None:
    # Written through a temporary file beside it and a rename: a crash mid-write left half a
    # PDF (only print_document's except removed it), and a signoff.pdf that was a link wrote
    # through it
    from ..deliverables.outputs import atomic_write
    from .signoff import print_pdf

    with tempfile.TemporaryDirectory(prefix="ngdpkit-print-") as tmp:
        work = Path(tmp)
        doc = work / "document.html"
        body_pdf = work / "body.pdf"
        signoff = work / "signoff.pdf"
        if fits_a_margin_box(footer):
            doc.write_text(
                combined_html(
                    pages,
                    language=language,
                    title=title,
                    page_css=footer_css(language=language, footer=footer),
                    digests=digests,
                ),
                encoding="utf-8",
            )
            why = print_pdf(doc, body_pdf)
            if why:
                return why
            whole = footer_printed(body_pdf, language=language, footer=footer)
            if whole:
                _with_metadata(body_pdf, signoff, title=title, language=language)
                atomic_write(pdf, signoff.read_bytes())
                # the update sets metadata only: no page added (None: not counted, read later)
                printed.pages = whole.pages if isinstance(whole, FooterCheck) else None
                return None
            body_pdf.unlink()
        # An older browser, or a footer too long for its box: the document without margin
        # boxes, the footer laid over. (Printed again rather than reused: a browser that did
        # print the boxes but whose words the text does not show would get the footer twice.)
        doc.write_text(
            combined_html(pages, language=language, title=title, digests=digests),
            encoding="utf-8",
        )
        why = print_pdf(doc, body_pdf) or _overlay_footer(
            body_pdf, signoff, work, language=language, footer=footer, title=title, printed=printed
        )
        if why:
            printed.pages = None
            return why
        atomic_write(pdf, signoff.read_bytes())
    return None


def _overlay_footer(
    body_pdf: Path,
    dst: Path,
    work: Path,
    *,
    language: str,
    footer: str,
    title: str,
    printed: Printed,
) -> str | None:
    """The older way: a second, transparent PDF with the footer of each page, printed and laid
    over ``body_pdf`` with pypdf, written to ``dst`` with ``title`` as its ``/Title`` (and
    the kit's other metadata, :func:`_set_metadata`); ``printed`` is told its page count."""
    from pypdf import PdfReader, PdfWriter

    from .signoff import print_pdf

    body = PdfReader(str(body_pdf))
    landscape = {
        i for i, p in enumerate(body.pages) if float(p.mediabox.width) > float(p.mediabox.height)
    }
    foot = work / "footer.html"
    foot.write_text(
        footer_html(len(body.pages), language=language, footer=footer, landscape=landscape),
        encoding="utf-8",
    )
    foot_pdf = work / "footer.pdf"
    why = print_pdf(foot, foot_pdf)
    if why:
        return why
    overlay = PdfReader(str(foot_pdf))
    if len(overlay.pages) != len(body.pages):
        return (
            f"the footer has {len(overlay.pages)} pages for {len(body.pages)}; the PDF was not made"
        )
    writer = PdfWriter(clone_from=str(body_pdf))
    for page, over in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(over)
    _set_metadata(writer, title=title, language=language)
    with dst.open("wb") as fh:
        writer.write(fh)
    printed.pages = len(body.pages)
    return None


def _with_metadata(src: Path, dst: Path, *, title: str, language: str) -> None:
    """``src`` to ``dst`` with the kit's metadata (as :func:`_set_metadata` says), written
    as an incremental update after Chromium's bytes with pyHanko's writer, which reads only
    the objects it changes: the document information and, without a ``/Lang``, the
    catalogue. pypdf's incremental writer parsed and copied every object of the document
    and wrote them all again (at 5,000 mailboxes, 206 pages: 10 s of a 25 s run). The
    seal's signature, made after, covers the update."""
    from pyhanko.pdf_utils import generic as untyped
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from .. import __version__

    kit = f"ngdpkit {__version__}"
    with src.open("rb") as fh, dst.open("wb") as out:
        # pyHanko is untyped: its writer and objects are held as Any
        generic: Any = untyped
        writer: Any = IncrementalPdfFileWriter(fh, strict=False)
        info = generic.DictionaryObject()
        with contextlib.suppress(KeyError):  # Chromium's dates stay; its title and agent go
            info.update(writer.trailer["/Info"])
        for key, value in (("/Title", title), ("/Creator", kit), ("/Producer", kit)):
            info[generic.NameObject(key)] = generic.TextStringObject(value)
        writer.set_info(info)
        if "/Lang" not in writer.root:
            writer.root[generic.NameObject("/Lang")] = generic.TextStringObject(language)
            writer.update_root()
        writer.write(out)


def _set_metadata(writer: Any, *, title: str, language: str) -> None:
    """The document's ``/Title``, ``/Creator`` and ``/Producer`` naming ngdpkit and its version
    (Chromium wrote its user agent there: an IT manager read the signed PDF's properties), and
    its ``/Lang`` when Chromium did not set one. Set before the seal's signature, never after
    it (an update after a signature leaves it covering only part of the file)."""
    from pypdf.generic import NameObject, TextStringObject

    from .. import __version__

    kit = f"ngdpkit {__version__}"
    writer.add_metadata({"/Title": title, "/Creator": kit, "/Producer": kit})
    if "/Lang" not in writer.root_object:
        writer.root_object[NameObject("/Lang")] = TextStringObject(language)
