"""``signoff/signoff.pdf``: the whole sign-off document as one A4 PDF (contract §11).

Every page of the run in reading order (overview with its signatures, the step pages,
certificate, portal, firewall, dispatcher, checklist, the acceptance when there is one),
then the long tables as an appendix in landscape. Chromium prints the combined document;
its own header and footer are off (they would show a file path), so a second, transparent
PDF carrying "side X af Y" and the footer (organisation, environment, run, anchor) is
printed and laid over each page with pypdf. GUIDs never break: table cells in the appendix
do not wrap, in a smaller monospace font.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from .pages import Markup, render

BODY = re.compile(r"<body>(.*)</body>", re.S)
APPENDIX = re.compile(r'<section class="appendix(?: [^"]*)?">.*?</section>', re.S)
NAV = re.compile(r"<nav>.*?</nav>", re.S)
STYLE = re.compile(r"<style>(.*?)</style>", re.S)

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 20mm 14mm; }
@page appendix { size: A4 landscape; margin: 14mm 12mm 18mm 12mm; }
body { margin: 0; max-width: none; font-size: 10pt; }
nav, footer.anchor { display: none; }
/* Nothing addressed to the consultant is printed (what to run next, links, the notebook's
   settings line), and a table the document holds elsewhere is printed there only. */
.consultant, .next, .nk-origin, .also-in-pdf, .banner-end { display: none !important; }
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
.appendix.firewall-all td, .appendix.firewall-all th { white-space: normal; font-family: inherit; }
.appendix li { font-size: 8.5pt; }
table { page-break-inside: auto; }
tr, .sig, .declaration { break-inside: avoid; }
.sigs { break-inside: avoid; }
.guid { white-space: nowrap; font-family: Consolas, 'DejaVu Sans Mono', monospace; font-size: 0.92em; }
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


def combined_html(pages: list[Path], *, language: str, title: str) -> str:
    """One document from the rendered pages: their bodies in order, every appendix section
    moved to the end, the navigation and per-page footers dropped (the PDF has its own)."""
    styles: list[str] = []
    parts: list[str] = []
    appendix: list[str] = []
    for path in pages:
        html = path.read_text(encoding="utf-8")
        if not styles:
            styles = STYLE.findall(html)
        m = BODY.search(html)
        body = NAV.sub("", m.group(1) if m else "")
        appendix += APPENDIX.findall(body)
        parts.append(APPENDIX.sub("", body))
    return render(
        "print.html.j2",
        language=language,
        title=title,
        styles=Markup("\n".join(styles) + PRINT_CSS),
        parts=[Markup(unbreakable_guids(p)) for p in parts],
        appendix=[Markup(unbreakable_guids(a)) for a in appendix],
    )


def footer_html(count: int, *, language: str, footer: str, landscape: set[int]) -> str:
    word = "side {n} af {total}" if language == "da" else "page {n} of {total}"
    return render(
        "print_footer.html.j2",
        language=language,
        pages=[
            {"number": word.format(n=i, total=count), "landscape": i - 1 in landscape}
            for i in range(1, count + 1)
        ],
        footer=footer,
    )


def print_document(
    pages: list[Path], pdf: Path, *, language: str, title: str, footer: str
) -> str | None:
    """Print the whole document to ``pdf``; None on success, else why not (one line). A PDF
    that cannot be made is a note on the console, never a crashed run."""
    from ..redact import one_line

    try:
        return _print(pages, pdf, language=language, title=title, footer=footer)
    except Exception as exc:  # pypdf or the browser: the HTML pages are the document
        pdf.unlink(missing_ok=True)
        return f"the PDF was not made ({type(exc).__name__}: {one_line(str(exc))[:160]})"


def _print(pages: list[Path], pdf: Path, *, language: str, title: str, footer: str) -> str | None:
    from pypdf import PdfReader, PdfWriter

    from .signoff import print_pdf

    with tempfile.TemporaryDirectory(prefix="ngdpkit-print-") as tmp:
        work = Path(tmp)
        doc = work / "document.html"
        doc.write_text(combined_html(pages, language=language, title=title), encoding="utf-8")
        body_pdf = work / "body.pdf"
        why = print_pdf(doc, body_pdf)
        if why:
            return why
        body = PdfReader(str(body_pdf))
        landscape = {
            i
            for i, p in enumerate(body.pages)
            if float(p.mediabox.width) > float(p.mediabox.height)
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
            return f"the footer has {len(overlay.pages)} pages for {len(body.pages)}; the PDF was not made"
        writer = PdfWriter(clone_from=str(body_pdf))
        for page, over in zip(writer.pages, overlay.pages, strict=True):
            page.merge_page(over)
        writer.add_metadata({"/Title": title})
        tmp_pdf = work / "signoff.pdf"
        with tmp_pdf.open("wb") as fh:
            writer.write(fh)
        pdf.write_bytes(tmp_pdf.read_bytes())
    return None
