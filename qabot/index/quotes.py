"""Quotations kept with the index: who said what, where, stored in each segment.

At indexing time every article's quotations are extracted
(:func:`qabot.answering.quotes.extract_quotes`) and kept with its passages: a segment's
:class:`QuoteTable` holds them sorted by article, each row (passage position, paragraph,
kind, words, the sentence holding them, the speaker resolved and as written, the verb,
the words describing the speaker) a small JSON array in one UTF-8 blob with offsets, so
that a question reads the rows it shows and no others. Like passages, a kept article's
quotations are copied from segment to segment as they are stored, never extracted again;
a deleted article's are hidden by the snapshot's tombstones.

A question about someone finds their quotations through :meth:`QuoteTable.by_speaker`:
postings from each word naming a speaker (resolved or as written, or describing them
anywhere in the article; case-folded, titles and stopwords left out) to the rows, worked
out when the segment is built and stored with it. Every name an article gives a speaker
finds all of their quotations in it: "the Arsenal boss" finds the words of Arsene Wenger
that the article attributes to "Wenger" or "he", and "the Culture Secretary" those of
"Culture Secretary Tessa Jowell".
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from itertools import groupby
from json.encoder import encode_basestring
from typing import Any

import numpy as np
import numpy.typing as npt

from qabot import lexicon
from qabot.values import Article, Quotation

__all__ = ["QUOTE_COLUMNS", "QuoteTable", "QuoteTableBuilder", "SpeakerPostings", "speaker_words"]

#: The columns of a quotation row; all but the article number are stored in the row.
QUOTE_COLUMNS = (
    "article", "position", "paragraph", "kind", "text", "context", "speaker", "written", "verb",
    "roles",
)  # fmt: skip
_SPEAKER, _WRITTEN, _ROLES = (QUOTE_COLUMNS.index(c) - 1 for c in ("speaker", "written", "roles"))
_WORD = re.compile(r"[^\W_][\w'’.-]*")
_POSSESSIVE = re.compile(r"['’]s?$")
_ARTICLES = frozenset({"a", "an", "the", "of"})
_decode = json.JSONDecoder().decode


@cache
def _not_names() -> frozenset[str]:
    # Titles and function words ("he", "the", "of") name nobody in particular.
    titles = {line[0] for line in lexicon.forms("honorifics")}
    return frozenset(titles) | lexicon.word_list("stopwords_en.txt") | _ARTICLES


@lru_cache(maxsize=1 << 16)
def speaker_words(name: str) -> frozenset[str]:
    """The words of a speaker's name that identify them (case-folded, no titles)."""
    words = (_POSSESSIVE.sub("", w.casefold()).rstrip(".") for w in _WORD.findall(name))
    # "Mr", "Sir", "the" do not tell one speaker from another.
    skip = _not_names()
    return frozenset(w for w in words if w and w not in skip and w.rstrip(".") not in skip)


@dataclass(frozen=True)
class SpeakerPostings:
    """Rows by the words naming their speaker: ``words`` sorted, word ``i``'s rows (in
    increasing order) ``rows[ptr[i]:ptr[i + 1]]``."""

    words: Sequence[str]
    ptr: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int32]

    def of(self, word: str) -> npt.NDArray[np.int32]:
        at = bisect.bisect_left(self.words, word)
        if at == len(self.words) or self.words[at] != word:
            return self.rows[:0]
        return self.rows[int(self.ptr[at]) : int(self.ptr[at + 1])]


_NO_POSTINGS = SpeakerPostings((), np.zeros(1, np.int64), np.zeros(0, np.int32))


class QuoteTable(Sequence[tuple[Any, ...]]):
    """A segment's quotations, sorted by article number; rows decoded when read.

    Row ``n`` is of article ``article[n]``, stored as the JSON array
    ``blob[ptr[n]:ptr[n + 1]]``. ``speakers`` gives the :class:`SpeakerPostings` (a
    function: a stored segment reads their words only when a question asks for someone).
    """

    def __init__(
        self,
        article: npt.NDArray[np.int32],
        ptr: npt.NDArray[np.int64],
        blob: Any,
        speakers: SpeakerPostings | Callable[[], SpeakerPostings],
    ) -> None:
        self.article = article
        self.ptr = ptr
        self.blob = blob
        self._postings = speakers

    @classmethod
    def of(cls, rows: Sequence[Sequence[Any]]) -> QuoteTable:
        """A table of ``rows`` (tuples in :data:`QUOTE_COLUMNS` order, sorted by article)."""
        builder = QuoteTableBuilder()
        for number, group in groupby(rows, key=lambda row: row[0]):
            builder.add(number, [row[1:] for row in group])
        return builder.build()

    @cached_property
    def speakers(self) -> SpeakerPostings:
        found = self._postings
        return found if isinstance(found, SpeakerPostings) else found()

    def __len__(self) -> int:
        return len(self.article)

    def _row(self, index: int) -> list[Any]:
        stored = self.blob[self.ptr[index] : self.ptr[index + 1]]
        found: list[Any] = _decode(bytes(stored).decode())
        return found

    def __getitem__(self, index: int) -> tuple[Any, ...]:  # type: ignore[override]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return (int(self.article[index]), *self._row(index))

    def rows_of(self, number: int) -> tuple[int, int]:
        """The rows ``lo:hi`` of the segment's article ``number``."""
        lo = int(np.searchsorted(self.article, number, "left"))
        return lo, int(np.searchsorted(self.article, number, "right"))

    def by_speaker(self, words: Collection[str]) -> list[int]:
        """The rows whose speaker is named by every one of ``words`` (case-folded)."""
        if not words or not len(self):
            return []
        # The rarest word first: the intersections stay small.
        postings = sorted((self.speakers.of(w) for w in words), key=len)
        found = postings[0]
        for rows in postings[1:]:
            if not found.size:
                break
            found = np.intersect1d(found, rows, assume_unique=True)
        rows_found: list[int] = found.tolist()
        return rows_found

    def quotation(self, row: int, article: Article) -> Quotation:
        """Row ``row`` as a :class:`~qabot.values.Quotation` of ``article``."""
        position, paragraph, kind, text, context, speaker, written, verb, _ = self._row(row)
        return Quotation(
            text=text, speaker=speaker, speaker_as_written=written, verb=verb, kind=kind,
            context=context, article=article, paragraph=int(paragraph), position=int(position),
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QuoteTable):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class QuoteTableBuilder:
    """Builds a segment's :class:`QuoteTable` article by article, in article order: fresh
    quotations (:meth:`add`) are encoded and their speakers' words worked out; a kept
    article's (:meth:`keep`) are copied as stored, postings and all."""

    def __init__(self) -> None:
        self._numbers: list[npt.NDArray[np.int32]] = []
        self._lengths: list[npt.NDArray[np.int64]] = []
        self._blobs: list[bytes] = []
        self._rows = 0
        self._vocab: dict[str, int] = {}
        self._fresh_words: list[int] = []
        self._fresh_rows: list[int] = []
        # Per table kept from: its rows' first, count and first new row.
        self._kept: dict[int, tuple[QuoteTable, list[tuple[int, int, int]]]] = {}

    def add(self, number: int, rows: Sequence[Sequence[Any]]) -> None:
        """Article ``number``'s quotations (rows of :data:`QUOTE_COLUMNS` without the
        article number, in reading order)."""
        if not rows:
            return
        encoded = [_row_json(row).encode() for row in rows]
        self._append(number, np.array([len(e) for e in encoded], np.int64), b"".join(encoded))
        # A speaker is known in an article by every name it gives them: "Arsenal boss
        # Arsene Wenger" once, "Wenger" and "he" after; each of those words finds all of
        # their quotations there, as do the words the article describes them with: "the
        # Culture Secretary" finds Tessa Jowell's words where she is "Ms Jowell" and "she".
        groups: dict[str, list[int]] = {}
        for n, row in enumerate(rows):
            groups.setdefault(row[_SPEAKER], []).append(n)
        for speaker, members in groups.items():
            names = speaker_words(speaker).union(
                *(speaker_words(rows[n][_WRITTEN]) for n in members),
                speaker_words(rows[members[0]][_ROLES]),
            )
            first = self._rows - len(rows)
            at = [first + n for n in members]
            for word in names:
                self._fresh_words += [self._vocab.setdefault(word, len(self._vocab))] * len(at)
                self._fresh_rows += at

    def keep(self, table: QuoteTable, held: int, number: int) -> None:
        """Copy article ``held``'s quotations of ``table`` as article ``number``'s."""
        lo, hi = table.rows_of(held)
        if lo == hi:
            return
        start, end = int(table.ptr[lo]), int(table.ptr[hi])
        self._kept.setdefault(id(table), (table, []))[1].append((lo, hi - lo, self._rows))
        self._append(number, np.diff(table.ptr[lo : hi + 1]), bytes(table.blob[start:end]))

    def _append(self, number: int, lengths: npt.NDArray[np.int64], blob: bytes) -> None:
        self._numbers.append(np.full(len(lengths), number, np.int32))
        self._lengths.append(lengths.astype(np.int64, copy=False))
        self._blobs.append(blob)
        self._rows += len(lengths)

    def build(self) -> QuoteTable:
        ptr = np.zeros(self._rows + 1, np.int64)
        if self._lengths:
            np.cumsum(np.concatenate(self._lengths), out=ptr[1:])
        words = [np.array(self._fresh_words, np.int64)]
        rows = [np.array(self._fresh_rows, np.int64)]
        for table, ranges in self._kept.values():
            # The kept rows' postings, moved to their new row numbers.
            old = table.speakers
            first, count, new_first = (np.array(c, np.int64) for c in zip(*ranges, strict=True))
            moved = np.full(len(table), -1, np.int64)
            moved[_ranges(first, count)] = _ranges(new_first, count)
            ids = np.array([self._vocab.setdefault(w, len(self._vocab)) for w in old.words])
            entry_words = np.repeat(ids.astype(np.int64), np.diff(old.ptr))
            entry_rows = moved[old.rows]
            keep = entry_rows >= 0
            words.append(entry_words[keep])
            rows.append(entry_rows[keep])
        return QuoteTable(
            np.concatenate(self._numbers) if self._numbers else np.zeros(0, np.int32),
            ptr,
            b"".join(self._blobs),
            _postings(self._vocab, np.concatenate(words), np.concatenate(rows)),
        )


def _row_json(row: Sequence[Any]) -> str:
    """A stored row (two numbers, then words) as a JSON array: each string through the
    JSON module's own C escaping, without building an encoder per row."""
    position, paragraph, *words = row
    return (
        f"[{int(position)},{int(paragraph)},{','.join(encode_basestring(str(w)) for w in words)}]"
    )


def _ranges(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """``starts[i]``, ``starts[i] + 1``, … (``counts[i]`` numbers) for each ``i``, joined."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))


def _postings(
    vocab: dict[str, int], words: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
) -> SpeakerPostings:
    """Postings of ``(words[i], rows[i])`` pairs (word ids of ``vocab``): words sorted,
    those with no rows left out."""
    if not rows.size:
        return _NO_POSTINGS
    ordered = sorted(vocab)
    rank = np.empty(len(vocab), np.int64)
    rank[[vocab[w] for w in ordered]] = np.arange(len(vocab))
    ranked = rank[words]
    order = np.lexsort((rows, ranked))
    counts = np.bincount(ranked, minlength=len(vocab))
    used = np.flatnonzero(counts)
    ptr = np.zeros(len(used) + 1, np.int64)
    np.cumsum(counts[used], out=ptr[1:])
    return SpeakerPostings([ordered[i] for i in used.tolist()], ptr, rows[order].astype(np.int32))
