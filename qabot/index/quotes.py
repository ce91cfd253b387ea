"""Quotations kept with the index: who said what, where, stored by column in each segment.

At indexing time every article's quotations are extracted
(:func:`qabot.answering.quotes.extract_quotes`) and kept with its passages: a segment's
:class:`QuoteTable` holds them by column (article number, passage position, paragraph,
kind, words, the sentence holding them, the speaker resolved and as written, the verb,
the words describing the speaker),
sorted by article, and is written as one JSON file beside the segment's arrays. Like
passages, a kept article's quotations are copied from segment to segment, never extracted
again; a deleted article's are hidden by the snapshot's tombstones.

A question about someone finds their quotations through :meth:`QuoteTable.by_speaker`:
an index from each word naming a speaker (resolved or as written, or describing them
anywhere in the article; case-folded, titles and stopwords left out) to the quotations,
built once per segment when first asked for. Every name an article gives a speaker finds
all of their quotations in it: "the Arsenal boss" finds the words of Arsene Wenger that
the article attributes to "Wenger" or "he", and "the Culture Secretary" those of "Culture
Secretary Tessa Jowell".
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache, cached_property
from typing import Any

from qabot import lexicon
from qabot.values import Article, Quotation

__all__ = ["QUOTE_COLUMNS", "QuoteTable", "speaker_words"]

#: The columns of a quotation, in a segment's ``quotes.json``.
QUOTE_COLUMNS = (
    "article", "position", "paragraph", "kind", "text", "context", "speaker", "written", "verb",
    "roles",
)  # fmt: skip
_WORD = re.compile(r"[^\W_][\w'’.-]*")
_POSSESSIVE = re.compile(r"['’]s?$")
_ARTICLES = frozenset({"a", "an", "the", "of"})


@cache
def _not_names() -> frozenset[str]:
    # Titles and function words ("he", "the", "of") name nobody in particular.
    titles = {line[0] for line in lexicon.forms("honorifics")}
    return frozenset(titles) | lexicon.word_list("stopwords_en.txt") | _ARTICLES


def speaker_words(name: str) -> frozenset[str]:
    """The words of a speaker's name that identify them (case-folded, no titles)."""
    words = (_POSSESSIVE.sub("", w.casefold()).rstrip(".") for w in _WORD.findall(name))
    # "Mr", "Sir", "the" do not tell one speaker from another.
    skip = _not_names()
    return frozenset(w for w in words if w and w not in skip and w.rstrip(".") not in skip)


class QuoteTable(Sequence[tuple[Any, ...]]):
    """A segment's quotations by column, sorted by article number; rows built when read.

    ``load`` gives the columns when first needed: a segment's quotations are read from
    disk only when a question asks for someone's words.
    """

    def __init__(self, load: Callable[[], Mapping[str, list[Any]]]) -> None:
        self._load = load

    @classmethod
    def of(cls, rows: Sequence[Sequence[Any]]) -> QuoteTable:
        """A table of ``rows`` (tuples in :data:`QUOTE_COLUMNS` order, sorted by article)."""
        columns = {name: [row[n] for row in rows] for n, name in enumerate(QUOTE_COLUMNS)}
        return cls(lambda: columns)

    @cached_property
    def columns(self) -> dict[str, list[Any]]:
        found = self._load()
        columns = {name: list(found[name]) for name in QUOTE_COLUMNS}
        if len({len(c) for c in columns.values()}) != 1:
            raise ValueError("quotation columns differ in length")
        return columns

    def __len__(self) -> int:
        return len(self.columns["article"])

    def __getitem__(self, index: int) -> tuple[Any, ...]:  # type: ignore[override]
        return tuple(self.columns[name][index] for name in QUOTE_COLUMNS)

    def of_article(self, number: int) -> list[tuple[Any, ...]]:
        """The rows of article ``number`` of the segment, in reading order."""
        articles = self.columns["article"]
        lo = bisect.bisect_left(articles, number)
        hi = bisect.bisect_right(articles, number)
        return [self[i] for i in range(lo, hi)]

    @cached_property
    def _speakers(self) -> dict[str, list[int]]:
        # A speaker is known in an article by every name it gives them: "Arsenal boss
        # Arsene Wenger" once, "Wenger" and "he" after; each of those words finds all of
        # their quotations there.
        groups: dict[tuple[int, str], list[int]] = {}
        c = self.columns
        for n, (article, speaker) in enumerate(zip(c["article"], c["speaker"], strict=True)):
            groups.setdefault((article, speaker), []).append(n)
        index: dict[str, list[int]] = {}
        for (_, speaker), rows in groups.items():
            # … and by the words the article describes them with: "the Culture Secretary"
            # finds Tessa Jowell's words where she is "Ms Jowell" and "she".
            names = speaker_words(speaker).union(
                *(speaker_words(c["written"][n]) for n in rows),
                speaker_words(c["roles"][rows[0]]),
            )
            for word in names:
                index.setdefault(word, []).extend(rows)
        return index

    def by_speaker(self, words: Collection[str]) -> list[int]:
        """The rows whose speaker is named by every one of ``words`` (case-folded)."""
        found: set[int] | None = None
        for word in words:
            rows = set(self._speakers.get(word, ()))
            found = rows if found is None else found & rows
            if not found:
                return []
        return sorted(found or ())

    def quotation(self, row: int, article: Article) -> Quotation:
        """Row ``row`` as a :class:`~qabot.values.Quotation` of ``article``."""
        c = self.columns
        return Quotation(
            text=c["text"][row], speaker=c["speaker"][row], speaker_as_written=c["written"][row],
            verb=c["verb"][row], kind=c["kind"][row], context=c["context"][row],
            article=article, paragraph=int(c["paragraph"][row]), position=int(c["position"][row]),
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QuoteTable):
            return self.columns == other.columns
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
