"""A large municipality's signed PDF (documents/pdf.py ``APPENDIX_ROWS``): at 100,000 mailboxes
the appendix of mailbox translations was 50,000 rows, Chromium's renderer grew to 15 GB and
printed nothing. The PDF prints the first rows and says which files of the run folder hold
the whole list, with their SHA-256 as the manifest holds them; the HTML page keeps every row.
The bound is lowered here, so the sample's run shows it; the printing is the real one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import ngdpkit.documents.pdf as pdf_module
from ngdpkit.documents.pdf import combined_html, print_document
from ngdpkit.documents.signoff import find_browser
from tests.conftest import pdf_texts

SECTION = re.compile(r'<section class="appendix translations-all">.*?</section>', re.S)


def signoff_pages(run_dir: Path) -> list[Path]:
    sign = run_dir / "signoff"
    return [sign / "index.html", sign / "portal.html"]


def manifest_digests(run_dir: Path) -> dict[str, str]:
    files = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["files"]
    return {f["path"]: f["sha256"] for f in files if "/" not in f["path"]}


def test_the_pdf_prints_the_first_translations_and_names_the_whole_list(
    sample_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = sample_run["run_dir"]
    portal = (run_dir / "signoff" / "portal.html").read_text(encoding="utf-8")
    total = SECTION.search(portal).group(0).count("<tr><td>")  # type: ignore[union-attr]
    assert total > 5
    digests = manifest_digests(run_dir)
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 5)
    doc = combined_html(signoff_pages(run_dir), language="da", title="t", digests=digests)
    section = SECTION.search(doc).group(0)  # type: ignore[union-attr]
    assert section.count("<tr><td>") == 5
    assert section.count("<table>") == 1 and section.count("</table>") == 1
    text = re.sub(r"<[^>]+>", "", section)
    assert f"Her er de første 5 af {total} rækker trykt." in text
    for name in ("mailbox-mapping.xlsx", "mailbox-mapping.csv"):
        assert f"{name} (SHA-256 {digests[name]})" in text
    # the page itself keeps every row; a run's own bound leaves a short list whole
    assert SECTION.search(portal).group(0).count("<tr><td>") == total  # type: ignore[union-attr]
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", total)
    whole = combined_html(signoff_pages(run_dir), language="da", title="t", digests=digests)
    assert SECTION.search(whole).group(0).count("<tr><td>") == total  # type: ignore[union-attr]
    assert "rækker trykt" not in whole


def test_an_english_pdf_says_it_in_english(
    sample_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = sample_run["run_dir"]
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 3)
    doc = combined_html(signoff_pages(run_dir), language="en", title="t", digests={})
    text = re.sub(r"<[^>]+>", "", SECTION.search(doc).group(0))  # type: ignore[union-attr]
    assert "The first 3 of " in text
    assert "in the run folder: mailbox-mapping.xlsx, mailbox-mapping.csv;" in text


def test_the_printed_pdf_holds_the_first_rows_and_the_note(
    sample_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    run_dir = sample_run["run_dir"]
    digests = manifest_digests(run_dir)
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 4)
    pdf = tmp_path / "signoff.pdf"
    why = print_document(
        signoff_pages(run_dir), pdf, language="da", title="t", footer="Testkommune", digests=digests
    )
    assert why is None
    text = "".join("\n".join(pdf_texts(pdf)).split())
    assert "Hererdeførste4af" in text
    assert "".join(digests["mailbox-mapping.csv"].split()) in text


# --- a browser that printed nothing: the console says how it ended ---------------------------


def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Every browser name on PATH is ``script`` (a shell script): the kit finds it first."""
    from ngdpkit.documents.signoff import BROWSERS

    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in BROWSERS:
        (bindir / name).write_text("#!/bin/sh\n" + script, encoding="utf-8")
        (bindir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))


@pytest.mark.parametrize(
    "script,said",
    [
        # Chromium whose renderer ran out of memory at 100,000 mailboxes: code 0, not a word
        (
            "exit 0\n",
            "did not write the PDF (exit code 0 and no reason given: a document too long for"
            " its renderer ends so)",
        ),
        (
            "kill -9 $$\n",
            "did not write the PDF (stopped by SIGKILL, which the system sends when it runs"
            " out of memory)",
        ),
        (
            'echo "[1:1:ERROR:printing.cc] Printing failed for /home/kari/secret.html" >&2\nexit 1\n',
            "did not write the PDF (exit code 1; it said the printing failed)",
        ),
        (
            'echo "FATAL: Out of memory in /home/kari/x" >&2\nexit 133\n',
            "did not write the PDF (exit code 133; it said it ran out of memory)",
        ),
    ],
)
def test_a_browser_that_printed_nothing_says_how_it_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, said: str
) -> None:
    import sys

    from ngdpkit.documents.signoff import print_pdf

    if sys.platform.startswith("win"):
        pytest.skip("the stand-in browser is a shell script")
    stand_in(tmp_path, monkeypatch, script)
    html = tmp_path / "doc.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    why = print_pdf(html, tmp_path / "out.pdf")
    assert why is not None and why.endswith(said), why
    assert "\n" not in why and "/home" not in why and "secret" not in why


@pytest.mark.parametrize(
    "language,said",
    [
        ("da", "sammenlign værdien under »Hash« med filens værdi ovenfor"),
        ("en", 'compare the value under "Hash" with the value given for that file above'),
    ],
)
def test_the_note_says_how_to_check_the_whole_list_without_the_kit(
    sample_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch, language: str, said: str
) -> None:
    """A consultant's cold read of a 20,000-mailbox PDF: past the first rows the note named
    the whole list's files with their SHA-256 in small letters, and said nothing of how a
    signatory handed mailbox-mapping.xlsx checks it is the same file (the README's
    Get-FileHash, under "Revisionsspor" many pages before, writes capitals). The note now
    gives the command and says the capitals are the same value."""
    run_dir = sample_run["run_dir"]
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 3)
    doc = combined_html(
        signoff_pages(run_dir), language=language, title="t", digests=manifest_digests(run_dir)
    )
    section = SECTION.search(doc).group(0)  # type: ignore[union-attr]
    text = re.sub(r"<[^>]+>", "", section).replace("&#34;", '"').replace("&quot;", '"')
    assert "Get-FileHash -Algorithm SHA256 .\\mailbox-mapping.xlsx" in text
    assert said in text


# --- the portal to-do's appendix: one row per translation, bounded the same way ----------------

TODO_SECTION = re.compile(r'<section class="appendix portal-todo-all">.*?</section>', re.S)


@pytest.mark.parametrize(
    "language,said",
    [
        ("da", "Her er de første 2 af 5 rækker trykt."),
        ("en", "The first 2 of 5 rows are printed here."),
    ],
)
def test_the_portal_to_do_appendix_is_bounded_and_names_portal_todo_xlsx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, said: str
) -> None:
    """An attacker's (and a large municipality's) look at the PDF's other per-row appendix:
    the portal to-do lists one row per translation to add or remove (verified at 100,000
    mailboxes some 99,000; offline every translation of the contact points file this run
    does not map there), and the PDF printed every one. Past the bound it prints the first
    rows and names portal-todo.xlsx with its SHA-256; the page keeps every row."""
    from ngdpkit.documents.signoff import _portal_todo
    from tests.test_portal_todo_removals import todo

    body = str(_portal_todo(todo(), language))  # offline: 5 removals in the appendix
    path = tmp_path / "portal.html"
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    assert TODO_SECTION.search(body).group(0).count("<tr><td>") == 5  # type: ignore[union-attr]
    digests = {"portal-todo.xlsx": "ab" * 32}
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 2)
    doc = combined_html([path], language=language, title="t", digests=digests)
    section = TODO_SECTION.search(doc).group(0)  # type: ignore[union-attr]
    assert section.count("<tr><td>") == 2
    assert section.count("<table>") == 1 and section.count("</table>") == 1
    text = re.sub(r"<[^>]+>", "", section)
    assert said in text
    assert f"portal-todo.xlsx (SHA-256 {'ab' * 32})" in text
    assert "Get-FileHash -Algorithm SHA256 .\\portal-todo.xlsx" in text
    assert "mailbox-mapping" not in text
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 5)  # within the bound: whole, no note
    whole = combined_html([path], language=language, title="t", digests=digests)
    assert TODO_SECTION.search(whole).group(0).count("<tr><td>") == 5  # type: ignore[union-attr]
    assert said not in whole


# --- the changes appendix: one line per change since the previous run ------------------------


def changes_page(tmp_path: Path, n: int, language: str = "da") -> Path:
    """A page holding the changes appendix of ``n`` removed mailboxes and one new output."""
    from ngdpkit.documents.signoff import changes_section

    change = {
        "previous": {"run": "r0", "anchor": "ab" * 32},
        "mapping_changed": [
            {"code": "MAPPING_REMOVED", "unit": "Borgerservice", "params": {"mailbox": str(i)}}
            for i in range(1000, 1000 + n)
        ],
        "outputs_changed": [{"code": "OUTPUT_CHANGED", "params": {"file": "x.csv"}}],
    }
    page = tmp_path / "index.html"
    page.write_text(
        f"<html><body>{changes_section(change, language)}</body></html>", encoding="utf-8"
    )
    return page


CHANGES = re.compile(r'<section class="appendix changes-all">.*?</section>', re.S)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_changes_appendix_is_bounded_and_names_changes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """The changes since the previous run grew with the data (an export against the next of
    100,000 mailboxes: as many lines) and the PDF printed them all. Past the bound it prints
    the first lines and names changes.json with its SHA-256; the page keeps every line."""
    page = changes_page(tmp_path, 7, language)
    digests = {"changes.json": "c" * 64}
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 5)
    doc = combined_html([page], language=language, title="t", digests=digests)
    section = CHANGES.search(doc).group(0)  # type: ignore[union-attr]
    assert section.count("<li>") == 5 and section.count("<ul>") == section.count("</ul>") == 1
    assert "1004" in section and "1005" not in section and "x.csv" not in section
    text = re.sub(r"<[^>]+>", "", section)
    first = {"da": "Her er de første 5 af 8 ændringer trykt.", "en": "The first 5 of 8 changes"}
    assert first[language] in text
    assert f"changes.json (SHA-256 {'c' * 64})" in text and "Get-FileHash" in text
    assert section.endswith("</p></section>")
    # the page keeps every line; at the bound the list is whole
    assert CHANGES.search(page.read_text(encoding="utf-8")).group(0).count("<li>") == 8  # type: ignore[union-attr]
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 8)
    whole = combined_html([page], language=language, title="t", digests=digests)
    assert CHANGES.search(whole).group(0).count("<li>") == 8  # type: ignore[union-attr]
    assert "changes.json (SHA-256" not in whole


def test_the_printed_pdf_holds_the_first_changes_and_the_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from ngdpkit.documents.pdf import Printed

    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 3)
    pdf = tmp_path / "signoff.pdf"
    printed = Printed()
    why = print_document(
        [changes_page(tmp_path, 12)],
        pdf,
        language="da",
        title="t",
        footer="Testkommune",
        digests={"changes.json": "d" * 64},
        printed=printed,
    )
    assert why is None
    text = "".join("\n".join(pdf_texts(pdf)).split())
    assert "Hererdeførste3af13ændringertrykt." in text and "d" * 64 in text
    assert "1002" in text and "1003" not in text
    from pypdf import PdfReader

    assert printed.pages == len(PdfReader(str(pdf)).pages)  # the count of the file written


def test_a_cut_at_a_kind_of_changes_first_line_leaves_out_its_heading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bound the changes appendix is cut at a line; when that line was the first of
    its kind of change (here the one changed output after 7 removed mailboxes), the PDF
    printed the kind's heading ("Leverancer med nyt indhold") over an empty list."""
    page = changes_page(tmp_path, 7)
    monkeypatch.setattr(pdf_module, "APPENDIX_ROWS", 7)
    doc = combined_html([page], language="da", title="t", digests={"changes.json": "c" * 64})
    section = CHANGES.search(doc).group(0)  # type: ignore[union-attr]
    assert section.count("<li>") == 7 and "1006" in section and "x.csv" not in section
    assert "<ul></ul>" not in section and "Leverancer med nyt indhold" not in section
    assert section.count("<h3>") == 1 and section.count("<ul>") == section.count("</ul>") == 1
    assert "Her er de første 7 af 8 ændringer trykt." in re.sub(r"<[^>]+>", "", section)
    assert section.endswith("</p></section>")


def test_the_page_count_is_the_page_tree_not_its_count_entry(tmp_path: Path) -> None:
    """``page_count`` names the PDF's pages on the console: pypdf walks the page tree of a
    PDF that is not encrypted (the kit's never is), so a ``/Count`` that says 9 of a
    two-page file is not believed."""
    from pypdf import PdfWriter

    from ngdpkit.documents.pdf import page_count

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    pdf = tmp_path / "two.pdf"
    with pdf.open("wb") as fh:
        writer.write(fh)
    data = pdf.read_bytes()
    assert data.count(b"/Count 2") == 1
    pdf.write_bytes(data.replace(b"/Count 2", b"/Count 9"))  # same length: the xref holds
    assert page_count(pdf) == 2
