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
from collections.abc import Callable, Sequence

from qabot.index.search import Match

__all__ = [
    "MAX_CHARS", "MAX_WORDS", "SHINGLE_WORDS", "fold_near_duplicates", "resemblance", "shingles",
]  # fmt: skip

#: Words per shingle: three keeps a one-word edit from spoiling more than three shingles.
SHINGLE_WORDS = 3
#: Only an article's first words are compared: copies of a story agree from its start
#: (a news story is 300–800 words), and a 20 MB archive file must not cost a question
#: seconds.
MAX_WORDS = 400
#: Characters read to find those words (a word and its space are rarely over 12).
MAX_CHARS = MAX_WORDS * 12
_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    """The hashed word 3-shingles of ``text`` (its first :data:`MAX_WORDS` words, case folded)."""
    words = _WORD.findall(text[:MAX_CHARS].casefold())[:MAX_WORDS]
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
    matches: Sequence[Match],
    body_of: Callable[[str], str],
    threshold: float,
    limit: int | None = None,
) -> list[Match]:
    """``matches`` without those from a near-duplicate of a better ranked match's article.

    Passages of one article are all kept; ``body_of(article_id)`` gives an article's text
    (its first :data:`MAX_CHARS` characters are enough).
    Stops once ``limit`` matches are kept. A ``threshold`` above 1 keeps everything.
    """
    limit = len(matches) if limit is None else limit
    if threshold > 1.0:
        return list(matches[:limit])
    order: list[str] = []  # the articles kept, best ranked first
    known: dict[str, frozenset[int]] = {}  # their shingles, taken when first compared
    folded: set[str] = set()
    out: list[Match] = []
    for match in matches:
        if len(out) >= limit:
            break
        article_id = match.article.id
        if article_id in folded:
            continue
        if article_id not in order:
            if order:
                mine = shingles(body_of(article_id))
                for other in order:
                    if other not in known:
                        known[other] = shingles(body_of(other))
                    if resemblance(mine, known[other]) >= threshold:
                        folded.add(article_id)
                        break
                else:
                    known[article_id] = mine
            if article_id in folded:
                continue
            order.append(article_id)
        out.append(match)
    return out
