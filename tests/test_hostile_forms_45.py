"""Session 45's second attacker pass, on the same session's NFKC reading and fast redaction:

- a password of words written with no-break spaces (raw, ``\\u00a0``, ``&nbsp;``) passed the
  redaction and the scan (the NFKC view leaves the no-break space out);
- a secret URL-escaped in full-width letters passed the redaction (the URL's view was not
  read as NFKC reads it);
- one secret beside a half-width kana and its voicing mark ("ｶﾞ") or Hangul compatibility
  jamo ("ㅎㅏ") hid the whole text (each was a piece of its own, which NFKC composes);
- the scan's first look for unseen characters took 3 s for 9 MB of "…", kana or
  full-width letters (an alternation tried at each lead byte)."""

from __future__ import annotations

import base64
import json
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl

from ngdpkit import redact
from ngdpkit.run import scan
from ngdpkit.run.scan import needles
from tests.test_hostile_secrets_45 import _hits, _redacted, wide
from tests.test_signing import SEAL_VAR

# the helpers of the same session's first attacker pass, its secret's name with them
NAME = SEAL_VAR
HIDDEN = f"[hidden: {NAME}]"
WORDS = "mit hemmelige ord"
SECRET = "hemmelig-kode-2026"


def test_a_password_of_words_with_no_break_spaces_is_hidden_and_found(tmp_path: Path) -> None:
    nbsp = WORDS.replace(" ", "\u00a0")
    one = "mit hemmelige\u00a0ord"
    # raw: hidden where it stands, the rest of the text kept
    assert _redacted(WORDS, f"Kode: {nbsp}, slut") == f"Kode: {HIDDEN}, slut"
    assert _redacted(WORDS, f"Åse og\u00a0Ærø {one}.") == f"Åse og\u00a0Ærø {HIDDEN}."
    # escaped: JSON written as ASCII, HTML references (a browser reads "&nbsp" alone too)
    for text in (
        json.dumps({"kode": nbsp}),
        "<td>mit&nbsp;hemmelige&#160;ord</td>",
        "<td>mit&#xA0;hemmelige&nbspord</td>",
    ):
        out = _redacted(WORDS, text)
        assert "hemmelige" not in out and NAME in out, text
        assert _hits(WORDS, text.encode()) == [NAME], text
    for data in (f"Kode: {nbsp}".encode(), f"<p>{one}</p>".encode()):
        assert _hits(WORDS, data) == [NAME], data
    book = openpyxl.Workbook()
    book.active["A1"] = f"Borgerservice {nbsp}"
    book.save(tmp_path / "b.xlsx")
    assert _hits(WORDS, (tmp_path / "b.xlsx").read_bytes(), "b.xlsx") == [NAME]
    # other words, and a secret without a space, are as they were
    assert _hits(WORDS, "mit\u00a0hemmelige\u00a0svar".encode()) == []
    assert _redacted(WORDS, "mit\u00a0hemmelige\u00a0svar") == "mit\u00a0hemmelige\u00a0svar"
    assert _redacted(SECRET, f"Åse og\u00a0Ærø {SECRET}") == f"Åse og\u00a0Ærø {HIDDEN}"
    # an authorization header's space follows its scheme word: its token is a part of its
    # own, and no file is read again for it
    header = "Basic " + base64.b64encode(b"5b3f2c1e:tokenet-2026").decode()
    assert not any(pin.spaced for pin in needles({NAME: redact.secret_parts(header)}))


def test_no_break_spaces_in_an_honest_run_are_no_leak(sample_run: dict[str, Any]) -> None:
    """A password of words that is in none of the sample run's files is found in none of
    them, nor in their text with every space a no-break space (raw, or as a page escapes it)."""
    pins = needles({NAME: redact.secret_parts("Testkommune hemmelige ord")})
    assert pins[0].spaced
    run_dir = Path(sample_run["run_dir"])
    files = sorted(p for p in run_dir.rglob("*") if p.is_file())
    for path in files:
        data = path.read_bytes()
        assert scan.scan_bytes(path.name, data, pins) == [], path
        if data[:4] not in (b"PK\x03\x04", b"PAR1"):  # a container's bytes are compressed
            for space in (b"\xc2\xa0", b"&nbsp;", b"\\u00a0"):
                assert scan.scan_bytes(path.name, data.replace(b" ", space), pins) == [], path


def test_a_url_escaped_full_width_secret_is_hidden() -> None:
    for written in (wide(SECRET), "A" + wide(SECRET), "hemmelig-" + wide("kode-2026")):
        text = "https://eksempel.dk/?q=" + quote(written, safe="")
        assert _redacted(SECRET, text) == HIDDEN, text
    # a Danish word URL-escaped, and a secret it is not, are kept
    text = "https://eksempel.dk/?q=" + quote("Åbenrå ｘｙｚ")
    assert _redacted(SECRET, text) == text


def test_one_secret_beside_half_width_kana_or_jamo_hides_only_itself() -> None:
    filler = "Linje på en side, Åse og Ærø\n" * 100
    for before in ("ｶﾞ ", "ㅎㅏ ", "ﾊﾟｽﾜｰﾄﾞ ", "\uffa1\uffc2 "):
        text = before + filler + wide(SECRET) + " slut" + before
        assert _redacted(SECRET, text) == before + filler + HIDDEN + " slut" + before, before
    # a secret of half-width kana with voicing marks: hidden where it stands
    kana = "パスワード-ガギグ-2026"
    assert _redacted(kana, "x ﾊﾟｽﾜｰﾄﾞ-ｶﾞｷﾞｸﾞ-2026 y") == f"x {HIDDEN} y"


# the first look as it was (an alternation of the UTF-8 of each unseen character)
_RAW_BEFORE = re.compile(
    b"|".join(re.escape(e) for e in sorted(set(scan._ENCODED), key=len, reverse=True))
    + rb"|[\xf0-\xf4]"
)


def test_the_first_look_for_unseen_characters_reads_as_before() -> None:
    rng = random.Random(4545)
    plain = ["å", "ｘ", "…", "–", "あ", "한", "\U0001d41a", "\u00a0"]
    stray = [b"\xe2", b"\xef", b"\x80", b"\xbb", b"\xbf", b"\xf0", b"\xf5", b"\xc2", b"\xff"]
    unseen = sorted(set(scan._ENCODED))
    found = 0
    for _ in range(20000):
        pieces = [c.encode() for c in rng.choices(plain, k=rng.randint(0, 6))]
        pieces += rng.choices(stray, k=rng.randint(0, 2))
        if rng.random() < 0.3:
            pieces.append(rng.choice(unseen))
        rng.shuffle(pieces)
        rest = b"".join(pieces)
        before = _RAW_BEFORE.search(rest) is not None
        assert (scan._RAW.search(rest.decode("utf-8", "surrogateescape")) is not None) == before
        found += before
    assert 2000 < found < 18000
    assert not scan._maybe_unseen(("…ｘあ– " * 100_000).encode())
    assert scan._maybe_unseen(("…ｘあ– " * 100_000 + "\u200b").encode())


def test_a_full_width_word_of_the_kit_is_said_to_be_the_kits_own_text() -> None:
    """A secret "ｐａｓｓｗｏｒｄ" is looked for as "password" too, a word of the kit's own
    text: its leak is said so, not blamed on the inputs."""
    secrets = {NAME: redact.secret_parts(wide("password")), "OTHER": redact.secret_parts(SECRET)}
    assert scan.own_text_secrets(secrets) == frozenset({NAME})


def test_a_password_of_words_cut_or_url_escaped_with_no_break_spaces_is_hidden_and_found() -> None:
    """A review of the day: the beginning of a password of words before a cut's mark passed
    the redaction when written with no-break spaces (hidden with plain spaces), and so did
    the password URL-escaped with them ("%C2%A0"), which the scan missed too."""
    cut = "mit\u00a0hemmelige\u00a0o"
    assert _redacted(WORDS, f"Svar: {cut}...") == f"Svar: {HIDDEN}..."
    assert _redacted(WORDS, f"Svar: {cut}\u2026") == f"Svar: {HIDDEN}\u2026"
    assert _redacted(WORDS, "<td>mit&nbsp;hemmelige&nbsp;o...</td>") == HIDDEN
    for text in ("?q=mit%C2%A0hemmelige%C2%A0ord", "?q=mit%c2%a0hemmelige%20ord"):
        assert _redacted(WORDS, text) == HIDDEN, text
    assert _hits(WORDS, b"GET /?q=mit%C2%A0hemmelige%C2%A0ord") == [NAME]
    # split by a zero-width space besides (the scan found it, the redaction did not)
    for text in ("mit\u00a0hemm\u200belige\u00a0ord", "mit hemmelige\u200b\u00a0ord"):
        assert _redacted(WORDS, f"Kode: {text}, slut") == f"Kode: {HIDDEN}, slut", text
        assert _hits(WORDS, text.encode()) == [NAME], text
    # other words are as they were
    assert _redacted(WORDS, "mit\u00a0hemmelige\u00a0s...") == "mit\u00a0hemmelige\u00a0s..."
    assert _hits(WORDS, b"?q=mit%C2%A0hemmelige%C2%A0svar") == []


def test_forget_all_leaves_nothing_of_the_secrets_it_forgets() -> None:
    """The registry emptied, nothing made of it stays: the forms of a cut beginning and the
    reading of no-break spaces of a secret of words went on after it (a hostile review)."""
    redact.forget_all()
    try:
        redact.register(SEAL_VAR, "mit hemmelige ord 2026")
        assert "[hidden:" in redact.redact("Svar: mit hemmelige o...")
        assert redact._cut_forms and redact._spaced
        redact.forget_all()
        assert not redact._cut_forms and not redact._spaced and not redact._names
        assert redact._shortest == 0 and redact._compiled() is None
        assert redact.redact("Svar: mit hemmelige o...") == "Svar: mit hemmelige o..."
    finally:
        redact.forget_all()
