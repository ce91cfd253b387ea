"""Near-duplicate stories among an answer's citations: wire copies republished with edits.

Exact copies (the same body text) are folded when indexing (:mod:`qabot.index.update`).
Copies with small edits (a changed headline, an added paragraph, a corrected figure) are
folded among the few articles a question retrieves: two articles whose sets of word
3-shingles have a Jaccard resemblance (Broder, 1997) of at least
``AnswerSettings.near_duplicate`` are one story, and only the better ranked is cited.

The resemblance is computed exactly, on the candidates only: a question retrieves a few
dozen passages from a handful of articles, so comparing them needs nothing stored in the
index and is never out of step with it. An index-wide grouping (MinHash with LSH) would
add a dependency and state to keep correct under every update, for no better answers.

Shingles are hashed with numpy, a whole text at once: words are polynomial hashes of their
characters (from prefix sums), a shingle a sum of its three words' hashes times fixed
odd constants, all modulo 2**64. That costs 2–3 times less than hashing word tuples in
Python (about 70 µs for an article's first 400 words on a busy 2-core machine), and a
question whose best passages come from copies of one story compares ten articles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

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

Shingles = npt.NDArray[np.uint64]
"""A text's hashed shingles, sorted, each once."""

# Odd 64-bit constants (the golden ratio's, and random ones); arithmetic wraps modulo 2**64.
_BASE = 0x9E3779B97F4A7C15
_K1, _K2, _K3 = 0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB
_MASK = 2**64 - 1


def shingles(text: str) -> frozenset[int]:
    """The hashed word 3-shingles of ``text`` (its first :data:`MAX_WORDS` words, case folded).

    Words are what the regular expression ``\\w+`` finds; a text of one or two words is
    one shingle, an empty one none.
    """
    return frozenset(shingle_array(text).tolist())


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard resemblance of two shingle sets: shared shingles over all shingles."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def shingle_array(text: str) -> Shingles:
    """:func:`shingles` as a sorted array, which :func:`_resemblance` compares."""
    folded = text[:MAX_CHARS].casefold()
    word = _word_chars(folded)
    n = word.size
    if not n:
        return np.empty(0, np.uint64)
    edges = np.zeros(n + 2, np.int8)
    edges[1:-1] = word
    change = np.flatnonzero(np.diff(edges))  # a word starts, then ends, then the next …
    starts, ends = change[0::2][:MAX_WORDS], change[1::2][:MAX_WORDS]
    if not starts.size:
        return np.empty(0, np.uint64)
    n = int(ends[-1])  # the text after the last word counted is never read
    codes = np.frombuffer(folded[:n].encode("utf-32-le", "replace"), np.uint32)
    powers, inverses = _powers()
    # A word's hash is the polynomial of its codes: from prefix sums, shifted to its start.
    prefix = np.zeros(n + 1, np.uint64)
    np.cumsum(codes * powers[:n], out=prefix[1:])
    words = (prefix[ends] - prefix[starts]) * inverses[starts]
    if words.size < SHINGLE_WORDS:
        # One shingle of the one or two words, unlike any three-word shingle.
        pair = np.array([words[0], words[1] if words.size == 2 else _K3], np.uint64)
        return pair[:1] * np.uint64(_K1) + pair[1:] * np.uint64(_K2) + np.uint64(_K3)
    k1, k2 = np.uint64(_K1), np.uint64(_K2)
    hashed = np.sort(words[:-2] * k1 + words[1:-1] * k2 + words[2:])
    keep = np.ones(hashed.size, bool)
    np.not_equal(hashed[1:], hashed[:-1], out=keep[1:])
    return hashed[keep]


def _resemblance(a: Shingles, b: Shingles) -> float:
    """Jaccard resemblance of two sorted shingle arrays."""
    if not a.size or not b.size:
        return 0.0
    at = np.searchsorted(b, a)
    at[at == b.size] = 0
    shared = int(np.count_nonzero(b[at] == a))
    return shared / (a.size + b.size - shared)


@cache
def _powers() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Powers of the base and of its inverse modulo 2**64, for the longest folded text."""
    inverse = _BASE  # Newton's iteration: each step doubles the correct low bits
    for _ in range(6):
        inverse = inverse * (2 - _BASE * inverse) & _MASK
    size = 3 * MAX_CHARS + 1  # case folding turns a character into at most three
    powers = np.full(size, _BASE, np.uint64)
    powers[0] = 1
    inverses = np.full(size, inverse, np.uint64)
    inverses[0] = 1
    return np.cumprod(powers, dtype=np.uint64), np.cumprod(inverses, dtype=np.uint64)


#: ASCII characters as bytes: 1 where ``\\w`` matches them, else 0.
_ASCII_WORD = bytes(chr(c).isalnum() or c == ord("_") for c in range(128)) + bytes(128)


@cache
def _is_word_char(char: str) -> bool:
    # What ``\w`` matches in a str pattern: alphanumeric in Unicode, or the underscore.
    return char.isalnum() or char == "_"


def _word_chars(folded: str) -> npt.NDArray[np.bool_]:
    """Whether each character of ``folded`` is a word character, as ``\\w`` says."""
    ascii = folded.encode("ascii", "replace")  # one byte a character, "?" for the others
    word = np.frombuffer(ascii.translate(_ASCII_WORD), np.bool_)
    if not folded.isascii():
        word = word.copy()
        marks = np.flatnonzero(np.frombuffer(ascii, np.uint8) == ord("?"))
        for at in marks.tolist():
            word[at] = _is_word_char(folded[at])
    return word


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
    known: dict[str, Shingles] = {}  # their shingles, taken when first compared
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
                mine = shingle_array(body_of(article_id))
                for other in order:
                    if other not in known:
                        known[other] = shingle_array(body_of(other))
                    if _resemblance(mine, known[other]) >= threshold:
                        folded.add(article_id)
                        break
                else:
                    known[article_id] = mine
            if article_id in folded:
                continue
            order.append(article_id)
        out.append(match)
    return out
