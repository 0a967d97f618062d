"""The leak scan reads a workbook's references (``&#65352;``, ``&#230;``) each once (session
45): it finds exactly what it found when it read every reference on its own. The functions
as they were are kept here, written out, and compared with the kit's on many generated
texts, with and without secrets (full-width, decomposed, escaped, split by zero-width
references)."""

from __future__ import annotations

import html
import io
import random
import unicodedata

import openpyxl
import pytest

from ngdpkit import redact
from ngdpkit.redact import secret_parts
from ngdpkit.run import scan

# pieces of the generated texts: letters, references of every kind html.unescape and the
# scan read (unseen, full-width, Danish, marks, named, broken), and, in some texts, escapes
# with a backslash (JSON, Python, an ANSI escape written as JSON)
AMPERSANDS = [
    "a", "Z", "7", " ", "<t>", ";", "#", "x", "&", "&#", "&#x", "&;", "&&#230;",
    "&#65352;", "&#xff48;", "&#XFF48;", "&#000065352;", "&#230;", "&#248;", "&#229", "&#197;",
    "&#8203;", "&#x200B;", "&#x200b", "&#173;", "&shy;", "&shy", "&shyx;", "&ZeroWidthSpace;",
    "&amp;", "&lt;", "&gt;", "&quot;", "&#34;", "&#39;", "&nbsp;", "&#160;", "&#xa0;",
    "&#8230;", "&hellip;", "&#768;", "&#x30a;", "&#0000778;", "&#8238;", "&#x202E;",
    "&#8295;", "&#12345678;", "&#1114112;", "&#xD800;", "&#55357;", "&Aring;", "&aring",
    "&#8491;", "&#x212b;", "&#4352;", "&#x1161;", "&#65438;", "&#12441;", "&#x3099;",
    "&ouml;", "&#x1F600;", "&#917569;",
    "\u200b", "\u00ad", "ｈ", "A\u030a", "\u212b", "\u202e", "\u2067", "æ", "…", "\u00a0",
]  # fmt: skip
BACKSLASHES = [
    "\\u200b", "\\uff48", "\\u030a", "\\ud83d\\ude00", "\\ud83d", "\\u00e5", "\\u001b[31m",
    "\\u001b]8;;x&#8203;\\u0007", "\\xad", "\\U000e0041", "\\u202e", "\\", "\\\\u200b",
]  # fmt: skip


def old_escaped_unseen(text: str) -> list[tuple[int, int]]:
    if "\\" not in text and "&" not in text:
        return []
    spans = []
    for m in redact._ESCAPED.finditer(text):
        point = redact._escaped_point(m)
        if point is None or point in redact._UNSEEN_POINTS:
            spans.append(m.span())
    return spans


def old_escapes_changed(text: str) -> bool:
    return any(redact._escape_changed(m.group(0)) for m in redact.WIDE_ESCAPE.finditer(text))


def old_marks_unescaped(text: str) -> str | None:
    if redact.MARK_ESCAPE.search(text) is None and not old_escapes_changed(text):
        return None
    shown = redact._JSON_CHARACTER.sub(redact._json_character, text) if "\\u" in text else text
    if "&" in shown:
        shown = redact._CHARREF.sub(lambda m: html.unescape(m.group(0)), shown)
    return unicodedata.normalize("NFKC", shown)


def old_without_unseen(blob: bytes) -> list[bytes]:
    if not scan._maybe_unseen(blob):
        return []
    text = blob.decode("utf-8", "surrogateescape")
    spans = redact._unseen_spans(text, old_escaped_unseen(text))
    removed = redact._spans_removed(text, spans)
    seen = [removed, *([redact.as_shown(text)] if redact.reverses(text) else [])]
    return [t.encode("utf-8", "surrogateescape") for t in dict.fromkeys(seen) if t != text]


def texts(seed: int, count: int, backslashes: bool) -> list[str]:
    rng = random.Random(seed)
    pool = AMPERSANDS + (BACKSLASHES if backslashes else [])
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 60))) for _ in range(count)]


@pytest.mark.parametrize("piece", [1 << 20, 1, 5, 40])
@pytest.mark.parametrize("backslashes", [False, True])
def test_escapes_read_once_find_what_each_read_found(
    piece: int, backslashes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the pieces a text is read in (redact._PIECE) made small, so that many cuts fall in each
    monkeypatch.setattr(redact, "_PIECE", piece)
    for text in texts(piece * 2 + backslashes, 1500, backslashes):
        assert redact._escaped_unseen(text) == old_escaped_unseen(text), text
        assert redact.escapes_changed(text) == old_escapes_changed(text), text
        assert redact.marks_unescaped(text) == old_marks_unescaped(text), text
        blob = text.encode("utf-8", "surrogateescape")
        assert scan.without_unseen(blob) == old_without_unseen(blob), text


SECRET = "hemmelig-7f3c9a1e-Token"
WIDE = "".join(chr(ord(c) + 0xFEE0) for c in SECRET)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("Åbenrå Kommune, Ærø og Øster Søgård " * 800, False),
        ("ｆｕｌｄ ｂｒｅｄｄｅ " * 2000, False),
        ("ｆｕｌｄ ｂｒｅｄｄｅ " * 1000 + WIDE + " ｂｏｇ" * 1000, True),
        ("Ærø " * 1000 + "\u200b".join(WIDE) + " æøå" * 1000, True),  # split by zero-width
        ("ø" * 5000 + SECRET.replace("e", "e\u0301") + "å" * 5000, False),  # another letter
        ("Å" * 5000 + "A\u030a" + SECRET + "å" * 5000, True),  # a decomposed letter first
        ("x" * 5000 + SECRET[:9] + "\u00ad" + SECRET[9:] + "\u2026", True),  # soft hyphen
        ("&#65352; as typed, " * 3000 + "&amp;".join(SECRET), False),  # text, not references
    ],
)
def test_workbook_of_references_scanned_as_before(value: str, found: bool) -> None:
    # openpyxl writes each character that is not ASCII as a reference: the secret is found
    # in its cell (over a megabyte of the sheet's XML, in several pieces), and nowhere else
    book = openpyxl.Workbook()
    for row in range(1, 6):
        book.active.cell(row=row, column=1, value=value if row == 3 else value[:4000])
    out = io.BytesIO()
    book.save(out)
    pins = scan.needles({"NGDPKIT_TEST_SECRET": secret_parts(SECRET)})
    sheet = [b for b in scan._contents("a.xlsx", out.getvalue()) if b"<sheetData>" in b][0]
    assert b"&" in sheet
    text = sheet.decode()
    assert redact._escaped_unseen(text) == old_escaped_unseen(text)
    assert redact.marks_unescaped(text) == old_marks_unescaped(text)
    assert scan.without_unseen(sheet) == old_without_unseen(sheet)
    hits = scan.scan_bytes("a.xlsx", out.getvalue(), pins)
    assert hits == (["NGDPKIT_TEST_SECRET"] if found else [])
