"""Near-duplicate stories among an answer's citations: wire copies republished with edits.

Exact copies (the same body text) are folded when indexing (:mod:`qabot.index.update`).
Copies with small edits (a changed headline, an added paragraph, a corrected figure) are
folded among the few articles a question retrieves: two articles whose sets of word
3-shingles have a Jaccard resemblance (Broder, 1997) of at least
``AnswerSettings.near_duplicate`` are one story, and only the better ranked is cited.

The resemblance is computed exactly, on the candidates only: a question retrieves a few
dozen passages from a handful of articles, so comparing them costs well under a
millisecond, needs nothing stored in the index, and is never out of step with it. An
index-wide grouping (MinHash with LSH) would add a dependency and state to keep correct
under every update, for no better answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from qabot.index import Match

__all__ = ["MAX_WORDS", "SHINGLE_WORDS", "fold_near_duplicates", "resemblance", "shingles"]

#: Words per shingle: three keeps a one-word edit from spoiling more than three shingles.
SHINGLE_WORDS = 3
#: Only an article's first words are compared: copies agree from the start, and a
#: 20 MB archive file must not cost seconds a question.
MAX_WORDS = 1000
_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    """The hashed word 3-shingles of ``text`` (its first :data:`MAX_WORDS` words, case folded)."""
    words = _WORD.findall(text.casefold())[:MAX_WORDS]
    if len(words) < SHINGLE_WORDS:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    # Tuples hashed in C: a few times faster than joining each shingle into a string.
    return frozenset(map(hash, zip(words, words[1:], words[2:], strict=False)))


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard resemblance of two shingle sets: shared shingles over all shingles."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def fold_near_duplicates(
    matches: Sequence[Match], body_of: Callable[[str], str], threshold: float
) -> list[Match]:
    """``matches`` without those from a near-duplicate of a better ranked match's article.

    Passages of one article are all kept; ``body_of(article_id)`` gives an article's text.
    A ``threshold`` above 1 keeps everything.
    """
    if threshold > 1.0:
        return list(matches)
    kept: dict[str, frozenset[int]] = {}  # article id → its shingles
    folded: set[str] = set()
    out = []
    for match in matches:
        article_id = match.article.id
        if article_id in folded:
            continue
        if article_id not in kept:
            mine = shingles(body_of(article_id))
            if _near(mine, kept.values(), threshold):
                folded.add(article_id)
                continue
            kept[article_id] = mine
        out.append(match)
    return out


def _near(mine: frozenset[int], others: Iterable[frozenset[int]], threshold: float) -> bool:
    return any(resemblance(mine, other) >= threshold for other in others)
