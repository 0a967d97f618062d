"""The best few contact point names for each mailbox name, by rapidfuzz's token_set_ratio.

Scoring every (mailbox, contact point) pair costs about 1 µs: 1,000 unmapped mailboxes
against 5,000 contact points took 3-4 CPU-seconds, the largest single cost of a run. Most
pairs cannot reach a mailbox's top few, and two bounds say which without scoring them.

token_set_ratio splits both names into token sets A and B, with intersection I, and
returns the best of three ratios (rapidfuzz's ``fuzz.token_set_ratio``):

- 100 when I is not empty and one set lies inside the other;
- I against I plus the rest of A, and I against I plus the rest of B: both depend only
  on lengths, and their best is ``200 (s - 1) / (min(a, b) + s - 1)``, where ``a`` and
  ``b`` are the joined lengths of A and B and ``s`` the joined length of I plus one per
  shared token (0 when nothing is shared);
- the Indel ratio of the two rests, over ``a + b`` characters: its distance is at least
  their length difference, which is ``|a - b|`` (the intersection cancels out).

So the first two give a lower bound, and the last at most ``100 - 100 |a - b| / (a + b)``
on top of it, from ``s`` alone; ``s`` for all pairs at once is one numpy sum per shared
token. A pair whose bound cannot reach a mailbox's k-th best lower bound is dropped; the
rest are scored by rapidfuzz itself, best bound first, until no unscored pair can enter
the top k (ties go to the lower contact point index, as a stable sort of a full ``cdist``
row gives them). The bounds decide only what is scored, never a score; rounding is
allowed for on both sides, and ``tests/test_similarity.py`` compares the result with the
full ``cdist`` on hostile names.
"""

from __future__ import annotations

from typing import Any

#: Allowance for rounding a score to an integer, and for float32 arithmetic in the bounds.
ROUNDING = 0.501


def best_matches(
    queries: list[str], choices: list[str], k: int, *, cells: int = 2_000_000
) -> tuple[Any, Any, Any]:
    """The ``k`` best choices for each query, as ``(query, choice, score)`` arrays.

    Rows are ordered by query, then by score (highest first), then by choice index: the
    same rows as ``process.cdist(..., scorer=fuzz.token_set_ratio, dtype=np.uint8,
    processor=utils.default_process)`` followed by a stable sort of each row. ``cells``
    caps the pairs bounded at once (a few float32 arrays of that many cells).
    """
    import numpy as np
    from rapidfuzz import utils

    # Processed names hold only letters, digits and plain spaces, so their words are
    # where rapidfuzz finds them. (Unprocessed, it also splits at U+0085 and U+00A0, but
    # only in a name that has a character from U+0100 to U+FFFF.)
    queries = [utils.default_process(q) for q in queries]
    choices = [utils.default_process(c) for c in choices]

    k = min(k, len(choices))
    if not queries or k <= 0:
        none = np.empty(0, dtype=np.int64)
        return none, none, none.astype(np.uint8)
    choice_tokens = [words(c) for c in choices]
    where: dict[str, list[int]] = {}
    for j, tokens in enumerate(choice_tokens):
        for token in tokens:
            where.setdefault(token, []).append(j)
    index = {t: np.array(js, dtype=np.int64) for t, js in where.items()}
    b_chars = _joined_lengths(choice_tokens)
    chunk = max(1, cells // len(choices))
    parts = [
        _best_of_chunk(queries[start : start + chunk], start, choices, index, b_chars, k)
        for start in range(0, len(queries), chunk)
    ]
    q, c, s = zip(*parts, strict=True)
    return np.concatenate(q), np.concatenate(c), np.concatenate(s)


def words(processed: str) -> set[str]:
    """The set of words token_set_ratio sees in a processed name."""
    return {t for t in processed.split(" ") if t}


def _joined_lengths(token_sets: list[set[str]]) -> Any:
    """The length of each set's tokens joined by single spaces (0 for an empty set)."""
    import numpy as np

    return np.array([sum(map(len, s)) + max(len(s) - 1, 0) for s in token_sets], np.float32)


def _best_of_chunk(
    queries: list[str],
    first: int,
    choices: list[str],
    index: dict[str, Any],
    b_chars: Any,
    k: int,
) -> tuple[Any, Any, Any]:
    import numpy as np

    query_tokens = [words(q) for q in queries]
    a_chars = _joined_lengths(query_tokens)
    # s: the shared tokens' lengths, plus one each (their joined length plus one)
    s = np.zeros((len(queries), len(choices)), dtype=np.float32)
    rows: dict[str, list[int]] = {}
    for i, tokens in enumerate(query_tokens):
        for token in tokens:
            if token in index:
                rows.setdefault(token, []).append(i)
    for token, qs in rows.items():
        s[np.ix_(np.array(qs, dtype=np.int64), index[token])] += len(token) + 1
    lower, upper = _bounds(s, a_chars, b_chars)
    del s
    # A floor under each query's k-th best rounded score: its k-th best lower bound.
    floors = _kth_largest(np.floor(lower - ROUNDING).clip(0, 100).astype(np.int64), k)
    hope = np.floor(upper + ROUNDING)  # the best rounded score a pair could have
    del lower, upper
    keep_q, keep_c = np.nonzero(hope >= floors[:, None])
    # per query: highest hope first, then the lower choice index
    order = np.lexsort((keep_c, -hope[keep_q, keep_c], keep_q))
    keep_q, keep_c = keep_q[order], keep_c[order]
    hopes = hope[keep_q, keep_c].astype(np.int64)
    del hope
    bounds = np.searchsorted(keep_q, np.arange(len(queries) + 1))
    out_q: list[int] = []
    out_c: list[int] = []
    out_s: list[int] = []
    for i, query in enumerate(queries):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        best = _best_of_query(query, choices, keep_c[lo:hi], hopes[lo:hi], k)
        out_q += [first + i] * len(best)
        out_c += [j for j, _ in best]
        out_s += [score for _, score in best]
    return (
        np.array(out_q, dtype=np.int64),
        np.array(out_c, dtype=np.int64),
        np.array(out_s, dtype=np.uint8),
    )


def _best_of_query(
    query: str, choices: list[str], candidates: Any, hopes: Any, k: int
) -> list[tuple[int, int]]:
    """Score candidates (in order of hope) until none left can enter the top k."""
    import numpy as np
    from rapidfuzz import fuzz, process

    scored: list[tuple[int, int]] = []  # (-score, choice index): the top k sort first
    done, batch, n = 0, 2 * k + 2, len(candidates)
    while done < n:
        take = candidates[done : done + batch]
        scores = process.cdist(
            [query],
            [choices[j] for j in take.tolist()],
            scorer=fuzz.token_set_ratio,
            dtype=np.uint8,
        )[0]
        scored = sorted(scored + [(-int(v), int(j)) for v, j in zip(scores, take, strict=True)])
        scored = scored[:k]
        done, batch = done + len(take), batch * 2
        if (
            done < n
            and len(scored) == k
            and (-int(hopes[done]), int(candidates[done])) > scored[-1]
        ):
            break
    return [(j, -neg) for neg, j in scored]


def _bounds(s: Any, a_chars: Any, b_chars: Any) -> tuple[Any, Any]:
    """token_set_ratio's lower and upper bound for every pair (see the module docstring).

    ``s`` is (queries x choices); ``a_chars`` and ``b_chars`` the joined token lengths.
    """
    import numpy as np

    a = a_chars[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        # best of the two intersection ratios; negative or -inf when nothing is shared
        lower = 200 * (s - 1) / (np.minimum(a, b_chars) + s - 1)
        np.maximum(lower, 0, out=lower)
        total = a + b_chars
        rests = 100 - 100 * np.abs(a - b_chars) / total
        upper = np.maximum(lower, rests)
    # one set inside the other (all of its tokens shared): 100
    inside = (s == a + 1) | (s == b_chars + 1)
    inside &= s > 0
    lower[inside] = 100
    upper[inside] = 100
    # an empty name scores 0 against anything
    upper[a_chars == 0, :] = 0
    upper[:, b_chars == 0] = 0
    lower[a_chars == 0, :] = 0
    lower[:, b_chars == 0] = 0
    return lower, upper


def _kth_largest(values: Any, k: int) -> Any:
    """Each row's k-th largest of integers 0..100, by counting (no sort of the rows)."""
    import numpy as np

    rows = values.shape[0]
    counts = np.bincount((np.arange(rows)[:, None] * 101 + values).ravel(), minlength=rows * 101)
    at_least = np.cumsum(counts.reshape(rows, 101)[:, ::-1], axis=1)  # scores >= 100 - col
    return 100 - np.argmax(at_least >= k, axis=1)
