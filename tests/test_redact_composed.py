"""A hostile review of session 44's composed view in :func:`ngdpkit.redact.redact`: a secret
with one letter of two decomposed ("A" and a ring for the first "Å") is no registered form,
and the text that held it was replaced whole by one ``[hidden: NAME]``: a page's or a
server's reply of 24,000 characters, a whole console block, went for the secret's name."""

from __future__ import annotations

import unicodedata

from ngdpkit import redact

NAME = "NGDPKIT_SEAL_PASSWORD"
SECRET = "Åbenrå-hemmelig-7"
PARTLY = unicodedata.normalize("NFD", SECRET[:1]) + SECRET[1:]  # one "Å" of two decomposed
HIDDEN = f"[hidden: {NAME}]"


def redacted_with(name: str, secret: str, text: str) -> str:
    """``text`` redacted with ``secret`` (registered as ``name``) the one secret known."""
    redact.forget_all()
    try:
        redact.register(name, secret)
        return redact.redact(text)
    finally:
        redact.forget_all()


def _redacted(text: str) -> str:
    return redacted_with(NAME, SECRET, text)


def test_a_partly_decomposed_secret_is_hidden_where_it_stands() -> None:
    before = "Linje på en lang side, Åse og A\u030are\n" * 600
    after = "\nresten af siden: Ærø, Øster Åby\n" * 600
    assert PARTLY != SECRET and PARTLY != unicodedata.normalize("NFD", SECRET)
    assert _redacted(before + PARTLY + after) == before + HIDDEN + after
    # twice, beside other letters with marks of their own, and glued to other words
    text = f"A\u030a {PARTLY} midt e\u0301 x{PARTLY}y"
    assert _redacted(text) == f"A\u030a {HIDDEN} midt e\u0301 x{HIDDEN}y"


def test_what_the_composed_view_cannot_place_is_still_hidden() -> None:
    # an unseen character inside as well: the text is hidden whole, as before
    split = PARTLY[:5] + "\u200b" + PARTLY[5:]
    out = _redacted(f"før {split} efter")
    assert SECRET not in unicodedata.normalize("NFC", redact.unseen_removed(out))
    # Hangul jamo compose two letters into one: they are kept as they are, the secret hidden
    assert _redacted(f"\u1100\u1161 {PARTLY}.") == f"\u1100\u1161 {HIDDEN}."
    # a text composed, or without the secret, is as it was
    assert _redacted("Åse og A\u030are") == "Åse og A\u030are"


def test_a_partly_decomposed_beginning_before_a_cut_is_hidden() -> None:
    """A hostile look: a value cut by a process that did not know the secret ("Åbenrå-hemm...",
    its first "Å" an "A" and a ring) reached the console whole: the beginning was looked for
    composed and decomposed only, never in the text's composed view."""
    long = "Linje på en lang side, Åse og A\u030are\n" * 3
    assert _redacted(long + PARTLY[:12] + "...") == long + HIDDEN + "..."
    # shorter than the whole secret (read by the short texts' way) and before a "…"
    assert _redacted(PARTLY[:9] + "\u2026 slut") == HIDDEN + "\u2026 slut"
    # a beginning of fewer than 8 letters is ordinary text, as composed
    assert _redacted(PARTLY[:7] + "...") == PARTLY[:7] + "..."


def test_a_decomposed_letter_escaped_in_json_or_html_is_read() -> None:
    """A JSON file written ASCII-only escapes each letter as it stands: the secret with its
    first "Å" decomposed is ``A\\u030abenr\\u00e5-hemmelig-7``, which no registered form is
    (each escapes a secret composed or decomposed wholly), yet a reader of the JSON sees the
    secret; an HTML page's references likewise. Neither the redaction nor the scan found it."""
    import json

    from ngdpkit.run.scan import needles, scan_bytes

    written = [
        json.dumps({"system_name": f"WorkZone {PARTLY} test"}),
        json.dumps({"note": PARTLY[:12] + "\u2026"}),  # a cut's beginning, escaped so
        "<p>A&#778;benr&aring;-hemmelig-7</p>",
        "<p>A&#x30a;benr&#xe5;-hemm&hellip;</p>",
    ]
    pins = needles({NAME: redact.secret_parts(SECRET)})
    for text in written:
        assert _redacted(text) == HIDDEN, text
        assert scan_bytes("f.json", text.encode(), pins) == [NAME], text
    # escaped marks that spell no secret: nothing hidden, nothing found
    plain = json.dumps({"navn": "A\u030ase Bj\u00f8rn e\u0301"})
    assert _redacted(plain) == plain
    assert scan_bytes("f.json", plain.encode(), pins) == []


def test_a_letter_nfc_replaces_is_found_by_the_scan() -> None:
    """The Angstrom sign (U+212B) shows as "Å", the Kelvin sign (U+212A) as "K" and the Greek
    question mark (U+037E) as ";": NFC makes them those letters, and the redaction hid them
    so, but the scan composed a file only when it held a Latin combining mark."""
    from ngdpkit.run.scan import needles, scan_bytes

    for secret, written in (
        (SECRET, "\u212b" + SECRET[1:]),
        ("Kodeord-hemmelig-42", "\u212aodeord-hemmelig-42"),
        ("kodeord;hemmelig-42", "kodeord\u037ehemmelig-42"),
    ):
        pins = needles({NAME: redact.secret_parts(secret)})
        assert scan_bytes("f.html", f"<p>{written}</p>".encode(), pins) == [NAME], written


def test_stacked_marks_in_either_order_are_hidden_where_they_stand() -> None:
    """Two marks on one letter in either order are one letter composed (canonical order)."""
    secret = "Nguy\u1ec5n-\u1eadp-hemmelig"  # "ễ" and "ậ"
    one = "Nguye\u0302\u0303n-a\u0323\u0302p-hemmelig"
    other = "Nguy\u1ec5n-a\u0302\u0323p-hemmelig"
    redact.forget_all()
    try:
        redact.register(NAME, secret)
        for text in (one, other):
            assert redact.redact(f"e\u0301 {text} a\u0301") == f"e\u0301 {HIDDEN} a\u0301"
    finally:
        redact.forget_all()


def test_a_secret_spelled_with_the_angstrom_sign_is_hidden_where_it_stands() -> None:
    """The Angstrom sign (U+212B) is "Å" composed: a secret spelled with one, beside a letter
    decomposed, hid the whole text before it back to the last combining mark."""
    before = "e\u0301 Linje på en side, " * 50
    text = before + "\u212bbenra\u030a-hemmelig-7 efter"
    assert _redacted(text) == before + HIDDEN + " efter"
