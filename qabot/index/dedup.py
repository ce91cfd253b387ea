"""Near-duplicate stories among an answer's citations: wire copies republished with edits.

Exact copies (the same body text) are folded when indexing (:mod:`qabot.index.update`).
Copies with small edits (a changed headline, an added paragraph, a corrected figure) are
folded among the few articles a question retrieves: two articles whose sets of word
3-shingles have a Jaccard resemblance (Broder, 1997) of at least
``AnswerSettings.near_duplicate`` are one story, and only the better ranked is cited.

The resemblance is computed on the candidates only: a question retrieves a few dozen
passages from a handful of articles. Each article's shingles are hashed when it is indexed
and kept with its segment (:func:`stored_shingles`, the top 32 bits of each hash: about
1.6 kB an article), so a question reads them instead of hashing texts; a resemblance within
:data:`RECHECK` of the threshold, which the dropped bits could tip, is computed again from
the texts, so every fold is the exact one. An index-wide grouping (MinHash with LSH) would add a
dependency and state to keep correct under every update, for no better answers.

Shingles are hashed with numpy, several articles in one pass: a word is a polynomial hash
of its characters (from prefix sums, then mixed), a shingle the sum of its three words'
hashes times fixed odd constants, modulo 2**64, keeping its top 58 bits. Hashing texts is
what a reader without stored shingles does (a cluster's, folding articles of several
shards): the articles of the passages a fold may keep first, then, if it folds any,
every other one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from qabot.index.search import Match

__all__ = [
    "MAX_CHARS", "MAX_WORDS", "RECHECK", "SHINGLE_WORDS", "STORED_BITS", "Shingles",
    "distinct_stories", "fold_near_duplicates", "hashed_shingles", "overlap", "resemblance",
    "shingles", "stored_shingles",
]  # fmt: skip

#: Words per shingle: three keeps a one-word edit from spoiling more than three shingles.
SHINGLE_WORDS = 3
#: Only an article's first words are compared: copies of a story agree from its start
#: (a news story is 300–800 words), and a 20 MB archive file must not cost a question
#: seconds.
MAX_WORDS = 400
#: Characters read to find those words (a word and its space are rarely over 12).
MAX_CHARS = MAX_WORDS * 12

# Odd 64-bit constants (the golden ratio's, and random ones); arithmetic wraps modulo 2**64.
_BASE = 0x9E3779B97F4A7C15
_K1, _K2, _K3 = 0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB
_MASK = 2**64 - 1

Shingles = npt.NDArray[np.uint64] | npt.NDArray[np.uint32]
"""A text's hashed shingles, sorted, each once."""

#: An index keeps the top bits of each shingle's hash, half the disk of all 58. Two sets of
#: 400 then share a shingle by chance once in some 27,000 comparisons, moving their
#: resemblance by about 0.001; one within RECHECK of the threshold is computed again from
#: the texts, so no fold ever differs from the exact one.
STORED_BITS = 32
RECHECK = 0.05


def shingles(text: str) -> frozenset[int]:
    """The hashed word 3-shingles of ``text`` (its first :data:`MAX_WORDS` words, case folded).

    Words are what the regular expression ``\\w+`` finds; a text of one or two words is
    one shingle, an empty one none.
    """
    return frozenset(hashed_shingles([text])[0].tolist())


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard resemblance of two shingle sets: shared shingles over all shingles."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def hashed_shingles(texts: Sequence[str]) -> list[Shingles]:
    """The :func:`shingles` of each of ``texts`` as a sorted array, hashed in one pass."""
    words, label = _words([t[:MAX_CHARS].casefold() for t in texts])
    return _shingle_sets(words, label, len(texts))


def overlap(a: Shingles, b: Shingles) -> float:
    """:func:`resemblance` of two sorted shingle arrays (:func:`hashed_shingles`)."""
    if not a.size or not b.size:
        return 0.0
    # A shingle above all of b's finds b's last one, which differs from it.
    shared = int(np.count_nonzero(b.take(np.searchsorted(b, a), mode="clip") == a))
    return shared / (a.size + b.size - shared)


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
    kept = distinct_stories(
        [m.article.id for m in matches],
        lambda ids: hashed_shingles([body_of(a) for a in ids]),
        threshold,
        limit,
    )
    return [matches[n] for n in kept]


def distinct_stories(
    article_ids: Sequence[str],
    shingles_of: Callable[[Sequence[str]], list[Shingles]],
    threshold: float,
    limit: int | None = None,
    *,
    exact_of: Callable[[Sequence[str]], list[Shingles]] | None = None,
) -> list[int]:
    """The positions :func:`fold_near_duplicates` keeps of passages from ``article_ids``
    (best ranked first); ``shingles_of`` gives the shingles of articles, by id.

    When those are an index's stored shingles (:func:`stored_shingles`), ``exact_of``
    gives the exact ones, taken for a resemblance within :data:`RECHECK` of the threshold.
    """
    limit = len(article_ids) if limit is None else limit
    articles = list(dict.fromkeys(article_ids))
    if threshold > 1.0 or len(articles) < 2:
        return list(range(min(limit, len(article_ids))))
    number = {a: n for n, a in enumerate(articles)}
    first = len(set(article_ids[:limit]))
    sets: list[Shingles] = []
    exact: dict[int, Shingles] = {}

    def shingles_at(n: int) -> Shingles:
        if n >= len(sets):
            # In two batches: the articles of the first ``limit`` passages (all a fold
            # that keeps those passages reads), then every other one.
            upto = max(n + 1, first) if not sets else len(articles)
            sets.extend(shingles_of(articles[len(sets) : upto]))
        return sets[n]

    def alike(n: int, o: int) -> bool:
        found = overlap(shingles_at(n), shingles_at(o))
        if exact_of is not None and abs(found - threshold) < RECHECK:
            wanted = [a for a in (n, o) if a not in exact]
            exact.update(zip(wanted, exact_of([articles[a] for a in wanted]), strict=True))
            found = overlap(exact[n], exact[o])
        return found >= threshold

    kept: list[int] = []  # the articles kept, best ranked first
    folded: set[int] = set()
    out: list[int] = []
    for position, article_id in enumerate(article_ids):
        if len(out) >= limit:
            break
        n = number[article_id]
        if n in folded:
            continue
        if n not in kept:
            if any(alike(n, o) for o in kept):
                folded.add(n)
                continue
            kept.append(n)
        out.append(position)
    return out


def stored_shingles(sets: Sequence[Shingles]) -> list[Shingles]:
    """Shingle sets (:func:`hashed_shingles`) as an index keeps them: the top
    :data:`STORED_BITS` bits of each hash, sorted, each once."""
    out: list[Shingles] = []
    for found in sets:
        short = (found >> np.uint64(_HASH_BITS - STORED_BITS)).astype(np.uint32)
        keep = np.ones(short.size, bool)  # still sorted: only neighbours can be equal
        np.not_equal(short[1:], short[:-1], out=keep[1:])
        out.append(short[keep])
    return out


def _shingle_sets(
    words: npt.NDArray[np.uint64], label: npt.NDArray[np.intp], m: int
) -> list[Shingles]:
    """Each of ``m`` texts' shingles, sorted, each once, from their words' hashes in order
    (``label``, ascending, says whose each word is)."""
    first = np.searchsorted(label, np.arange(m))
    k1, k2, k3 = np.uint64(_K1), np.uint64(_K2), np.uint64(_K3)
    whole = label[:-2] == label[2:]  # three words of one text
    hashes = (words[:-2] * k1 + words[1:-1] * k2 + words[2:] * k3)[whole]
    labels = label[:-2][whole]
    counts = np.bincount(label, minlength=m)
    short = np.flatnonzero((counts > 0) & (counts < SHINGLE_WORDS))
    if short.size:
        # A text of one or two words is one shingle of them, unlike any three-word one.
        at = first[short]
        second = np.where(counts[short] == 2, words[np.minimum(at + 1, words.size - 1)], k3)
        hashes = np.concatenate([hashes, words[at] * k1 + second * k2 + k3])
        labels = np.concatenate([labels, short])
    if m <= 1 << _TEXT_BITS:
        # One sort of (text, hash) keys: a text's shingles in a run, repeats side by side.
        keys = np.sort(labels.astype(np.uint64) << np.uint64(_HASH_BITS) | hashes >> _DROP)
        hashes, labels = keys & _HASH_MASK, (keys >> np.uint64(_HASH_BITS)).astype(np.intp)
    else:
        order = np.lexsort((hashes >> _DROP, labels))
        hashes, labels = hashes[order] >> _DROP, labels[order]
    keep = np.ones(hashes.size, bool)
    np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
    keep[1:] |= labels[1:] != labels[:-1]
    hashes, labels = hashes[keep], labels[keep]
    bounds = np.searchsorted(labels, np.arange(m + 1)).tolist()
    return [hashes[lo:hi] for lo, hi in pairwise(bounds)]


#: A shingle is the top 58 bits of its hash: the low ones number the text in the one sort
#: that orders a batch's shingles (as many texts as fit in the rest).
_HASH_BITS = 58
_TEXT_BITS = 64 - _HASH_BITS
_DROP = np.uint64(_TEXT_BITS)
_HASH_MASK = np.uint64((1 << _HASH_BITS) - 1)


def _words(folded: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]:
    """The hashes of the first :data:`MAX_WORDS` words of each case-folded text, and the
    number of the text each is from (ascending)."""
    joined = "\x00".join(folded)  # no word character: texts never run into each other
    codes = np.frombuffer(joined.encode("utf-32-le", "replace"), np.uint32)
    word = np.zeros(codes.size + 2, bool)
    word[1:-1] = _word_chars(joined, codes)
    change = np.flatnonzero(word[1:] != word[:-1])  # a word starts, ends, the next starts …
    starts, ends = change[0::2], change[1::2]
    label = np.searchsorted(np.cumsum([len(f) + 1 for f in folded]), starts, side="right")
    first = np.searchsorted(label, np.arange(len(folded)))
    keep = np.arange(label.size) - first[label] < MAX_WORDS
    starts, ends, label = starts[keep], ends[keep], label[keep]
    if not starts.size:
        return np.empty(0, np.uint64), label
    n = int(ends[-1])  # the text after the last word counted is never read
    powers, inverses = _powers(n)
    # A word's hash is the polynomial of its codes: from prefix sums, shifted to its start.
    prefix = np.zeros(n + 1, np.uint64)
    np.cumsum(codes[:n] * powers[:n], out=prefix[1:])
    return _mix((prefix[ends] - prefix[starts]) * inverses[starts]), label


def _mix(z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: every bit of a word's polynomial reaches every bit (words
    that differ in one letter differ in their low bits only before it)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _powers(n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """At least ``n`` powers of the base and of its inverse modulo 2**64."""
    global _POWERS
    if _POWERS[0].size < n:
        _POWERS = _power_tables(max(n, 2 * _POWERS[0].size))
    return _POWERS


def _power_tables(size: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    inverse = _BASE  # Newton's iteration: each step doubles the correct low bits
    for _ in range(6):
        inverse = inverse * (2 - _BASE * inverse) & _MASK
    powers = np.full(size, _BASE, np.uint64)
    powers[0] = 1
    inverses = np.full(size, inverse, np.uint64)
    inverses[0] = 1
    return np.cumprod(powers, dtype=np.uint64), np.cumprod(inverses, dtype=np.uint64)


# Enough for ten texts of MAX_CHARS characters (case folding may lengthen them); a
# longer batch replaces the tables with longer ones.
_POWERS = _power_tables(10 * MAX_CHARS + 10)


#: ASCII characters as bytes: 1 where ``\\w`` matches them, else 0.
_ASCII_WORD = bytes(chr(c).isalnum() or c == ord("_") for c in range(128)) + bytes(128)


@cache
def _is_word_char(char: str) -> bool:
    # What ``\w`` matches in a str pattern: alphanumeric in Unicode, or the underscore.
    return char.isalnum() or char == "_"


def _word_chars(text: str, codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Whether each character of ``text`` (its code points ``codes``) is a word character,
    as ``\\w`` says."""
    ascii = text.encode("ascii", "replace")  # one byte a character, "?" for the others
    word = np.frombuffer(ascii.translate(_ASCII_WORD), np.bool_)
    if not text.isascii():
        word = word.copy()
        high = np.flatnonzero(codes > 127)
        chars, which = np.unique(codes[high], return_inverse=True)
        word[high] = np.array([_is_word_char(chr(c)) for c in chars.tolist()], bool)[which]
    return word
