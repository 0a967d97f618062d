"""The suggestions' best matches are exactly those of a full rapidfuzz cdist, while only
the pairs that can reach a query's top few are scored."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process, utils

from ngdpkit.inputs import similarity
from ngdpkit.inputs.similarity import best_matches


def full_cdist(queries: list[str], choices: list[str], k: int) -> tuple[list, list, list]:
    """What the kit did before the bounds: score every pair, stable sort each row."""
    scores = process.cdist(
        queries,
        choices,
        scorer=fuzz.token_set_ratio,
        dtype=np.uint8,
        processor=utils.default_process,
    )
    best = np.argsort(-scores.astype(np.int16), axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(len(queries)), best.shape[1])
    return rows.tolist(), best.ravel().tolist(), scores[rows, best.ravel()].tolist()


def as_lists(found: tuple) -> tuple[list, list, list]:
    return tuple(a.tolist() for a in found)  # type: ignore[return-value]


# Few words, so that names share tokens, are subsets of each other and tie; plus hostile
# ones: Danish letters, digits, a lone letter, an empty name, whitespace of other kinds.
WORDS = ["enhed", "område", "a", "æ", "å", "borgerservice", "og", "0099", "99", "i", "ø\u00a0x"]
name = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    queries=st.lists(name, min_size=1, max_size=8),
    choices=st.lists(name, min_size=1, max_size=30),
    k=st.integers(1, 4),
    cells=st.sampled_from([1, 7, 2_000_000]),
    full=st.sampled_from([0.0, similarity.FULL, 1.0]),
)
def test_best_matches_are_those_of_a_full_cdist(
    queries: list[str], choices: list[str], k: int, cells: int, full: float
) -> None:
    """Bounded or not (``full`` 1.0 never falls back to scoring every pair, 0.0 always)."""
    found = best_matches(queries, choices, k, cells=cells, full=full)
    assert as_lists(found) == full_cdist(queries, choices, k)


# Any text, weighted towards what splits words (and what only Python thinks does).
char = st.one_of(st.characters(), st.sampled_from("ab\u00e6 \t\x85\xa0\u2028\x1c\u3000"))
text = st.lists(char, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    queries=st.lists(text, min_size=1, max_size=5), choices=st.lists(text, min_size=1, max_size=12)
)
def test_best_matches_of_any_text(queries: list[str], choices: list[str]) -> None:
    """Any text: any whitespace, punctuation, combining marks, any width."""
    for full in (similarity.FULL, 1.0):
        assert as_lists(best_matches(queries, choices, 3, full=full)) == full_cdist(
            queries, choices, 3
        )


def test_words_are_split_where_rapidfuzz_splits_them() -> None:
    """Every code point, processed: rapidfuzz sees "x<c>y" and "y x" as the same words
    exactly when the kit does. (Unprocessed, rapidfuzz's own split depends on the
    string's width: U+0085 and U+00A0 split only beside a character from U+0100.)"""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    names = [utils.default_process(f"x{c}y") for c in chars]
    same = process.cpdist(names, ["y x"] * len(names), scorer=fuzz.token_set_ratio, workers=-1)
    kit = np.array([similarity.words(n) == {"x", "y"} for n in names])
    differ = [hex(ord(chars[i])) for i in np.nonzero((same == 100) != kit)[0]]
    assert not differ


def test_the_bounds_hold_for_every_pair() -> None:
    """The lower and upper bound enclose rapidfuzz's own score (before any rounding)."""
    names = [" ".join(w) for w in _combinations()]
    s = np.zeros((len(names), len(names)), dtype=np.float32)
    sets = [similarity.words(n) for n in names]
    for i, a in enumerate(sets):
        for j, b in enumerate(sets):
            s[i, j] = sum(len(t) + 1 for t in a & b)
    chars = similarity._joined_lengths(sets)
    lower, upper = similarity._bounds(s, chars, chars)
    exact = process.cdist(names, names, scorer=fuzz.token_set_ratio)
    assert (lower <= exact + 1e-3).all() and (exact <= upper + 1e-3).all()


def _combinations() -> list[list[str]]:
    words = ["enhed", "område", "a", "borgerservice", "0099", "i"]
    return [[w for b, w in enumerate(words) if mask >> b & 1] for mask in range(64)]


def count_scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pairs rapidfuzz is asked to score, whether pair by pair or every pair at once."""
    scored: list[int] = []
    cdist, cpdist = process.cdist, process.cpdist

    def every_pair(q: list[str], c: list[str], **kw: object) -> object:
        scored.append(len(q) * len(c))
        return cdist(q, c, **kw)

    def pair_by_pair(q: list[str], c: list[str], **kw: object) -> object:
        scored.append(len(q))
        return cpdist(q, c, **kw)

    monkeypatch.setattr(process, "cdist", every_pair)
    monkeypatch.setattr(process, "cpdist", pair_by_pair)
    return scored


def test_tied_names_are_mostly_not_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's shape: every name shares words and most scores tie, yet only a
    few pairs per query are scored, and the ties go to the first contact points."""
    choices = [f"enhed {j:04d} område {'abc'[j % 3]}" for j in range(600)]
    queries = [f"postkasse {i} enhed {i:04d} område {'abc'[i % 3]}" for i in range(0, 600, 7)]
    expected = full_cdist(queries, choices, 3)
    scored = count_scored(monkeypatch)
    found = as_lists(best_matches(queries, choices, 3))
    assert found == expected
    assert 0 < sum(scored) < 0.05 * len(queries) * len(choices)
    assert found[1][:3] == [0, 3, 6]  # its own unit first, then the first of the ties


def test_names_without_shared_words_are_scored_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the bounds rule out little (no words in common), every pair is scored in one
    call, as before the bounds, and the result is the same."""
    queries = [f"q{i}x" for i in range(40)]
    choices = [f"c{j}y" for j in range(90)]
    expected = full_cdist(queries, choices, 3)
    scored = count_scored(monkeypatch)
    assert as_lists(best_matches(queries, choices, 3)) == expected
    assert scored == [len(queries) * len(choices)]
