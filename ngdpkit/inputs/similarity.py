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
token. A pair whose bound cannot reach a mailbox's k-th best lower bound is dropped.
rapidfuzz itself then scores, for every mailbox at once, its few pairs with the best
bounds, and after them only the pairs whose bound could still beat its k-th best score
(ties go to the lower contact point index, as a stable sort of a full ``cdist`` row gives
them). Where the bounds rule out too little to pay for themselves (names with no words in
common), every pair is scored in one ``cdist``, as before. The bounds decide only what is
scored, never a score; rounding is allowed for on both sides, and
``tests/test_similarity.py`` compares the result with the full ``cdist`` on hostile names.

Measured (1,000 names against 5,000, two cores): the benchmark's names, which share most
words and tie, 4.5 -> 0.4 CPU-s; names built from Danish unit words, 4.5 -> 0.2 CPU-s;
random words that are never shared, 3.5 -> 3.7 CPU-s (every pair scored, plus the bounds).
"""

from __future__ import annotations

from typing import Any

#: Past this share of a chunk's pairs left to score, every pair is scored at once instead.
FULL = 0.25

#: Allowance for rounding a score to an integer, and for float32 arithmetic in the bounds.
ROUNDING = 0.501


def best_matches(
    queries: list[str], choices: list[str], k: int, *, cells: int = 2_000_000, full: float = FULL
) -> tuple[Any, Any, Any]:
    """The ``k`` best choices for each query, as ``(query, choice, score)`` arrays.

    Rows are ordered by query, then by score (highest first), then by choice index: the
    same rows as ``process.cdist(..., scorer=fuzz.token_set_ratio, dtype=np.uint8,
    processor=utils.default_process)`` followed by a stable sort of each row. ``cells``
    caps the pairs bounded at once (a few float32 arrays of that many cells). Where more
    than ``2 * full`` of a chunk's pairs pass the bounds, or more than ``full`` are left
    after each query's most hopeful few, all of its pairs are scored at once instead.
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
        _best_of_chunk(queries[start : start + chunk], start, choices, index, b_chars, k, full)
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
    full: float,
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
    keep = hope >= floors[:, None]
    n = len(choices)
    # Little to gain (the bounds leave most pairs): every pair scored at once, as before.
    if np.count_nonzero(keep) > 2 * full * keep.size:
        return _full(queries, first, choices, k)
    # Each query's most hopeful few first, then only those that could still beat its k-th.
    # A key orders as the top k do (higher score first, then the lower choice index), one
    # span of 101 n keys per query.
    keep_q, keep_c = np.nonzero(keep)
    span = 101 * n
    hopes = hope[keep_q, keep_c].astype(np.int64)
    del hope, keep
    ranked = np.sort(keep_q * span + (100 - hopes) * n + keep_c)
    keep_q, hope_key = ranked // span, ranked % span
    keep_c = hope_key % n
    starts = np.searchsorted(keep_q, np.arange(len(queries) + 1))
    first_round = np.arange(len(keep_q)) - starts[keep_q] < 2 * k + 2
    q1, c1 = keep_q[first_round], keep_c[first_round]
    s1 = _score(queries, choices, q1, c1)
    keys = np.sort(q1 * span + (100 - s1.astype(np.int64)) * n + c1)
    kth = keys[np.searchsorted(keys // span, np.arange(len(queries))) + k - 1] % span
    later = ~first_round & (hope_key < kth[keep_q])
    if np.count_nonzero(later) > full * len(queries) * n:
        return _full(queries, first, choices, k)
    q2, c2 = keep_q[later], keep_c[later]
    q, c = np.concatenate([q1, q2]), np.concatenate([c1, c2])
    scores = np.concatenate([s1, _score(queries, choices, q2, c2)])
    order = np.lexsort((c, -scores.astype(np.int16), q))
    q, c, scores = q[order], c[order], scores[order]
    top = np.arange(len(q)) - np.searchsorted(q, np.arange(len(queries)))[q] < k
    return q[top] + first, c[top], scores[top]


def _score(queries: list[str], choices: list[str], q: Any, c: Any) -> Any:
    """rapidfuzz's rounded token_set_ratio of the pairs (queries[q], choices[c])."""
    import numpy as np
    from rapidfuzz import fuzz, process

    return process.cpdist(
        [queries[i] for i in q.tolist()],
        [choices[j] for j in c.tolist()],
        scorer=fuzz.token_set_ratio,
        dtype=np.uint8,
        workers=-1,
    ).reshape(-1)


def _full(queries: list[str], first: int, choices: list[str], k: int) -> tuple[Any, Any, Any]:
    """Every pair scored (where the bounds rule out too little to pay for themselves)."""
    import numpy as np
    from rapidfuzz import fuzz, process

    scores = process.cdist(
        queries, choices, scorer=fuzz.token_set_ratio, dtype=np.uint8, workers=-1
    )
    best = np.argsort(-scores.astype(np.int16), axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(len(queries)), best.shape[1])
    return rows + first, best.ravel(), scores[rows, best.ravel()]


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
