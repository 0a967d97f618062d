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


def _redacted(text: str) -> str:
    redact.forget_all()
    try:
        redact.register(NAME, SECRET)
        return redact.redact(text)
    finally:
        redact.forget_all()


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
