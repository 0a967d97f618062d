"""Session 45's attacker pass on secret hiding, the forms session 44 left open:

- a secret in full-width (compatibility) letters, "ｈｅｍｍｅｌｉｇ" for "hemmelig", raw or
  escaped, reached a file and the console: neither the scan nor the redaction read a text
  as NFKC does;
- a secret in Hangul or kana with one syllable written decomposed (jamo, a kana and its
  voicing mark): the redaction composed it, the scan did not;
- a secret's beginning before a cut with a letter NFC replaces (the Angstrom sign) written
  as a JSON escape: ``\\u212bbenr\\u00e5-hemm\\u2026`` passed both;
- ``secret_parts`` registers what it registered before, and the NFKC forms besides."""

from __future__ import annotations

import html
import json
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ngdpkit import redact
from ngdpkit.redact import SHORT_SECRET, unseen_removed
from ngdpkit.run.scan import needles, scan_bytes
from tests.conftest import cli
from tests.test_hostile_cuts import with_seal_password_env
from tests.test_redact_composed import redacted_with
from tests.test_signing import SEAL_VAR, all_bytes

SECRET = "hemmelig-kode-2026"
HIDDEN = f"[hidden: {SEAL_VAR}]"


def wide(text: str) -> str:
    """``text`` with each ASCII letter, digit and sign in its full-width form."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _hits(secret: str, data: bytes, name: str = "f.txt") -> list[str]:
    return scan_bytes(name, data, needles({SEAL_VAR: redact.secret_parts(secret)}))


def _redacted(secret: str, text: str) -> str:
    return redacted_with(SEAL_VAR, secret, text)


def _escaped_json(text: str) -> bytes:
    return json.dumps({"navn": text}).encode()


def _html_refs(text: str) -> bytes:
    return f"<td>{text}</td>".encode("ascii", "xmlcharrefreplace")


FULL = wide(SECRET)
# the same secret in other compatibility forms: half full-width, mathematical bold letters
# (beyond the first plane: a JSON escape of a surrogate pair), a ligature
HALF = wide(SECRET[:9]) + SECRET[9:]
BOLD = "".join(chr(0x1D41A + ord(c) - ord("a")) if c.islower() else c for c in SECRET)
LIGATURE = "ﬀ-" + SECRET


def test_a_secret_in_full_width_letters_is_found_by_the_scan() -> None:
    assert unicodedata.normalize("NFKC", FULL) == SECRET != FULL
    for written in (FULL, HALF, BOLD):
        for data in (
            f"Postkasse {written} 2".encode(),
            json.dumps({"navn": written}, ensure_ascii=False).encode(),
            _escaped_json(f"Postkasse {written}"),
            _html_refs(f"Postkasse {written}"),
            f"<td>Åse og Ærø, {written}…</td>".encode(),
        ):
            assert _hits(SECRET, data) == [SEAL_VAR], (written, data)
    # in a calendar file folded across two lines inside the secret
    ics = f"BEGIN:VCALENDAR\r\nDESCRIPTION:Kode {FULL[:5]}\r\n {FULL[5:]}\r\nEND:VCALENDAR\r\n"
    assert _hits(SECRET, ics.encode(), "runbook.ics") == [SEAL_VAR]
    # a secret with a ligature in it, written with the letters
    assert _hits(LIGATURE, f"x {'ff-' + SECRET} y".encode()) == [SEAL_VAR]


def test_a_full_width_secret_in_a_workbook_cell_is_found(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = f"Borgerservice {FULL}"
    book.save(tmp_path / "b.xlsx")
    assert _hits(SECRET, (tmp_path / "b.xlsx").read_bytes(), "b.xlsx") == [SEAL_VAR]


def test_a_secret_given_in_full_width_letters_is_found_as_its_letters() -> None:
    # registered in NFKC as well: a writer that folds it writes the ASCII letters
    assert SECRET in redact.secret_parts(FULL)
    assert _hits(FULL, f"Postkasse {SECRET}".encode()) == [SEAL_VAR]
    assert _redacted(FULL, f"Postkasse {SECRET} 2") == f"Postkasse {HIDDEN} 2"


def test_no_compatibility_view_makes_a_leak_of_what_is_no_secret() -> None:
    text = f"Åse og Ærø… {wide('hemmelig-kode-2025')} {wide('kode12')}3 \u00a0ﬁ ²".encode()
    assert _hits(SECRET, text) == []
    # a short secret is a whole word in the view too: "ｋｏｄｅ１２" before "3" is not it
    assert _hits("kode12", text) == []
    assert _hits("kode12", f"x {wide('kode12')} y".encode()) == [SEAL_VAR]
    # a form of fewer than SHORT_SECRET characters is never made of a long secret
    assert all(len(p) >= SHORT_SECRET for p in redact.secret_parts("ﬀﬀﬀﬀﬀﬀﬀﬀ\u200b"))


def test_a_secret_in_full_width_letters_is_hidden_where_it_stands() -> None:
    before = "Linje på en side, Åse og Ærø\n" * 200
    after = "\nresten af siden: Ærø, ｘｙｚ …\n" * 200
    assert _redacted(SECRET, before + FULL + after) == before + HIDDEN + after
    assert _redacted(SECRET, f"Postkasse {HALF} og {BOLD}.") == f"Postkasse {HIDDEN} og {HIDDEN}."
    # beside a partly decomposed Danish letter, and glued to other words
    assert _redacted(SECRET, f"A\u030ase x{FULL}y") == f"A\u030ase x{HIDDEN}y"
    # escaped in JSON: the text is hidden whole
    assert SECRET not in _redacted(SECRET, _escaped_json(FULL).decode())
    assert FULL not in _redacted(SECRET, _escaped_json(FULL).decode())
    # short, and ASCII, texts are as they were
    assert _redacted(SECRET, "ｘｙ") == "ｘｙ"
    assert _redacted(SECRET, "Åse og Ærø…") == "Åse og Ærø…"


def test_other_compatibility_forms_split_or_mixed_are_found_and_hidden() -> None:
    """The fix tried against itself: other widths, mixed forms, a split by what a reader
    cannot see, raw and escaped."""
    circled = "".join(chr(0x24D0 + ord(c) - 97) if c.islower() else c for c in SECRET)
    every_other = "".join(wide(c) if i % 2 else c for i, c in enumerate(SECRET))
    half_kana = "ﾊﾟｽﾜｰﾄﾞ-2026-kode"  # half-width kana with their half-width voicing marks
    cases = [
        (SECRET, FULL[:5] + "\u200b" + FULL[5:]),
        (SECRET, FULL[:5] + "\u00ad" + FULL[5:]),
        (SECRET, circled),
        (SECRET, every_other),
        (SECRET, FULL[:12] + "\u2025."),  # a cut's "..." as a two-dot leader and a dot
        ("hemmelig-Åse-2026", wide("hemmelig-") + "A\u030ase-" + wide("2026")),
        ("hemmelig-Åse-2026", wide("hemmelig-") + "\u212bse-2026"),
        (half_kana, unicodedata.normalize("NFKD", half_kana)),
        ("パスワード-ガギグ-2026", "ﾊﾟｽﾜｰﾄﾞ-ｶﾞｷﾞｸﾞ-2026"),
    ]
    for secret, written in cases:
        text = f"x {written} y"
        for data in (
            text,
            json.dumps(text),
            json.dumps(text, ensure_ascii=False),
            text.encode("ascii", "xmlcharrefreplace").decode(),
        ):
            assert _hits(secret, data.encode()) == [SEAL_VAR], ascii(data)
            assert _redacted(secret, data) != data, ascii(data)


def test_a_full_width_beginning_before_a_cut_is_hidden_and_found() -> None:
    for text in (FULL[:12] + "...", "Kode: " + FULL[:9] + "\u2026 slut", HALF[:12] + "..."):
        out = _redacted(SECRET, text)
        assert HIDDEN in out and wide(SECRET[:8]) not in out, text
        assert _hits(SECRET, text.encode()) == [SEAL_VAR], text
    # fewer than 8 letters is ordinary text, as in ASCII
    assert _redacted(SECRET, FULL[:7] + "...") == FULL[:7] + "..."


HANGUL = "비밀번호-열쇠-2026"
KANA = "パスワード-ガギグ-2026"


def _partly(secret: str) -> str:
    """``secret`` with its first syllable or kana that decomposes written decomposed."""
    for i, c in enumerate(secret):
        if unicodedata.normalize("NFD", c) != c:
            return secret[:i] + unicodedata.normalize("NFD", c) + secret[i + 1 :]
    raise AssertionError(secret)


@pytest.mark.parametrize("secret", [HANGUL, KANA])
def test_hangul_and_kana_written_partly_decomposed_are_found(secret: str) -> None:
    partly = _partly(secret)
    assert partly not in redact.secret_parts(secret)
    for data in (
        f"Postkasse {partly} 2".encode(),
        json.dumps({"navn": partly}, ensure_ascii=False).encode(),
        _escaped_json(partly),
        _html_refs(partly),
        f"x {_partly(secret[:9])}...".encode(),  # a cut's beginning
    ):
        assert _hits(secret, data) == [SEAL_VAR], data
    assert _redacted(secret, f"Postkasse {partly} 2") == f"Postkasse {HIDDEN} 2"
    # Hangul or kana without the secret is no leak
    assert _hits(secret, unicodedata.normalize("NFD", "한국어 ガギグ 2026").encode()) == []


def test_an_escaped_angstrom_sign_before_a_cut_is_found_and_hidden() -> None:
    """The fuzzing of this session's cut rules: a secret's beginning with its "Å" the
    Angstrom sign, followed by another marked letter before the cut, in a JSON file
    written as ASCII or an HTML page's references, passed both (only a combining mark's
    escape was read)."""
    for secret, written in (
        ("Åbenrå-hemmelig-7", "\u212bbenr\u00e5-hemm\u2026"),
        ("hemmelig-Åse-Øre-2026", "f\u00f8r hemmelig-\u212bse-\u00d8\u2026 slut"),
        ("Åbenrå-hemmelig-7", "Kode \u212bbenr\u00e5-hemmelig-7."),
    ):
        for data in (json.dumps(written).encode(), _html_refs(written)):
            assert _hits(secret, data) == [SEAL_VAR], data
            out = _redacted(secret, data.decode())
            shown = unicodedata.normalize("NFKC", html.unescape(out.replace("\\u", "&#x")))
            assert secret[:8] not in shown, out


def _parts_before_45(value: str) -> list[str]:
    """``secret_parts`` as session 44 left it (two loops), to compare with."""
    parts = redact.authorization_parts(value)
    for part in list(parts):
        if part.isascii() and part.isprintable():
            continue
        for form in (unicodedata.normalize("NFC", part), unicodedata.normalize("NFD", part)):
            if form not in parts:
                parts.append(form)
        for seen in (unicodedata.normalize("NFC", part), unseen_removed(part)):
            for form in (seen, unicodedata.normalize("NFC", unseen_removed(seen))):
                if form not in parts and len(form) >= min(len(part), SHORT_SECRET):
                    parts.append(form)
    return parts


def test_secret_parts_registers_what_it_did_and_the_nfkc_forms() -> None:
    import base64
    import random

    pieces = ["a", "Å", "A\u030a", "ø", "\u200b", "\u00ad", "\\u200b", "&shy;", "\x01", "-",
              "7", " ", "ｈ", "ﬀ", "\u212b", "가", "\u1100\u1161", "ガ", "\u30ab\u3099", "…"]  # fmt: skip
    rng = random.Random(45)
    values = ["plain-ascii-pw", SECRET, FULL, "Åbenrå7", unicodedata.normalize("NFD", "Åbenrå7")]
    values += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    token = base64.b64encode("5b3f2c1e:tøken-Å\u200bse".encode()).decode()
    values += [f"Basic {token}", f"Bearer {FULL}"]
    for value in values:
        before, after = _parts_before_45(value), redact.secret_parts(value)
        assert after[: len(before)] == before, ascii(value)
        for extra in after[len(before) :]:
            assert extra == unicodedata.normalize("NFKC", extra), ascii(value)
            assert any(
                extra == unicodedata.normalize("NFKC", f)
                for p in before
                for f in (p, unseen_removed(p))
            ), ascii(value)
        if all(unicodedata.is_normalized("NFKC", p) for p in before):
            assert after == before, ascii(value)


def _run_with_seal_password_in_export(sample: Path, written: str, password: str) -> Any:
    toml = with_seal_password_env(sample)
    book = openpyxl.load_workbook(sample / "mailboxes.xlsx")
    book.active["B4"] = f"Borgerservice {written}"
    book.save(sample / "mailboxes.xlsx")
    return cli("run", "--settings", str(toml), "--env", "test", env={SEAL_VAR: password})


def test_a_full_width_password_in_the_export_is_a_leak_of_the_run(sample_copy: Path) -> None:
    password = "Segl-hemmelig-2026-x"
    result = _run_with_seal_password_in_export(sample_copy, wide(password), password)
    assert result.returncode == 1, result.stdout + result.stderr
    run_dir = Path([x for x in result.stdout.splitlines() if x.strip()][-1].strip())
    assert wide(password).encode() not in all_bytes(run_dir)
    assert wide(password) not in result.stdout + result.stderr
    found = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))
    found = found if isinstance(found, list) else found["findings"]
    assert any(f["code"] == "SECRET_LEAK" for f in found)


def test_the_sample_run_holds_no_secret_in_any_view(sample_run: dict[str, Any]) -> None:
    """The views this session adds make no leak of the unchanged sample run's files, for
    secrets of every kind: ASCII, Danish, full-width, Hangul and kana."""
    from ngdpkit.run.scan import scan_file

    secrets = {
        f"S{i}": redact.secret_parts(s)
        for i, s in enumerate([SECRET, FULL, "Åbenrå-hemmelig-7", HANGUL, KANA, "kode12"])
    }
    pins = needles(secrets)
    run_dir = Path(sample_run["run_dir"])
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        assert scan_file(path, pins) == [], path
