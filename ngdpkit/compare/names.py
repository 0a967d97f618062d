"""Which contact point in production is the one in test (contract §12.8).

Test and production name their contact points alike, but rarely identically: "Borgerservice
(test)" in test is "Borgerservice" in production. Names are compared case-folded, with an
environment word ("test", "prod", "production", "produktion", "testmiljø",
"produktionsmiljø") removed where it stands in brackets, after a dash, or in front before a
dash or a colon ("TEST - Borgerservice", "Test: Borgerservice"), and every dash (en dash,
em dash, the Unicode hyphens) counted as "-". The ``[compare] contact_points`` table pairs
the rest (its keys are names in test, its values names in production, each compared
normalised as well).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ENVIRONMENT_WORDS = (
    "test",
    "prod",
    "production",
    "produktion",
    "testmiljø",
    "produktionsmiljø",
)
_WORD = "(?:" + "|".join(ENVIRONMENT_WORDS) + ")"
_DASH = "[-\u2010-\u2015\u2212]"  # hyphen-minus, the Unicode hyphens and dashes, minus
# "(test)", "[prod]", "{produktion}" anywhere in the name
_BRACKETED = re.compile(r"\s*[(\[{]\s*" + _WORD + r"\s*[)\]}]")
# "- test", "– prod", "-produktion" at the end of the name or before another dash
_DASHED = re.compile(r"\s*" + _DASH + r"\s*" + _WORD + r"(?=\s*(?:" + _DASH + r"|$))")
# "TEST - ", "Test: ", "prod – " at the start of the name
_LEADING = re.compile(r"^\s*" + _WORD + r"\s*(?:" + _DASH + r"|:)\s*")
_DASHES = re.compile(_DASH)


def normal_name(name: str) -> str:
    """``name`` as compared: NFKC, case-folded, the environment word taken out (in brackets,
    after a dash, or in front before a dash or a colon), every dash made ``-``, runs of
    white space made one space. ``"Borgerservice (TEST)"``, ``"Test: Borgerservice"`` and
    ``"borgerservice"`` are one, and so are ``"A – B"`` and ``"A - B"``."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _BRACKETED.sub("", text)
    text = _DASHED.sub("", text)
    text = _LEADING.sub("", text)
    text = _DASHES.sub("-", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class NameMatcher:
    """Keys under which a test contact point and its production counterpart meet.

    ``pairs`` is the ``[compare] contact_points`` table, normalised on both sides: for a
    test name it names, production's name is the one it gives, whatever the names say.
    """

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_table(cls, table: dict[str, str]) -> NameMatcher:
        return cls(tuple((normal_name(k), normal_name(v)) for k, v in table.items()))

    def test_key(self, name: str) -> str:
        """The key of a contact point named ``name`` in the test environment."""
        key = normal_name(name)
        for test, production in self.pairs:
            if test == key:
                return production
        return key

    def production_key(self, name: str) -> str:
        """The key of a contact point named ``name`` in the production environment."""
        return normal_name(name)
