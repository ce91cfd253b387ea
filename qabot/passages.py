"""Articles → passages: paragraph-aware pieces of roughly 40–120 words.

Short paragraphs are grouped, long ones are split at sentence boundaries with a sentence
of overlap, and a heading (a short line without final punctuation) is kept with the
paragraph after it. Each passage knows its article, its position and its paragraphs.

Whatever the text, no passage holds more than ``max_words`` words or ``max_chars``
characters: a sentence too long for a passage (or text with no sentence ends at all) is
cut between words, and a "word" too long for one (a base64 blob) is cut where it must be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qabot.analysis import Analyzer
from qabot.articles import ArticleText
from qabot.config import PassageSettings
from qabot.values import Passage

__all__ = ["is_heading", "split_article"]

_HEADING_MAX_WORDS = 12
_SENTENCE_END = tuple(".!?:;\"'”’)…")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class _Unit:
    """A paragraph, or part of a long one, with the paragraphs it spans."""

    text: str
    first: int
    last: int
    words: int


def split_article(
    article: ArticleText, analyzer: Analyzer, settings: PassageSettings | None = None
) -> list[Passage]:
    """The passages of one article, in reading order."""
    settings = settings or PassageSettings()
    units = _units(article.paragraphs, analyzer, settings)
    groups = _group(units, settings)
    return [
        Passage(
            article_id=article.article.id,
            position=position,
            paragraphs=(group[0].first, group[-1].last),
            text="\n".join(u.text for u in group),
        )
        for position, group in enumerate(groups)
    ]


def is_heading(line: str) -> bool:
    """A heading: a short line without final punctuation. It is kept on a line of its own."""
    line = line.strip()
    return (
        bool(line) and len(line.split()) <= _HEADING_MAX_WORDS and not line.endswith(_SENTENCE_END)
    )


def _units(
    paragraphs: tuple[str, ...], analyzer: Analyzer, settings: PassageSettings
) -> list[_Unit]:
    units: list[_Unit] = []
    heading: tuple[str, int] | None = None
    for index, paragraph in enumerate(paragraphs):
        if index < len(paragraphs) - 1 and is_heading(paragraph):
            # A heading belongs to what follows it; two headings in a row stay together.
            heading = (f"{heading[0]}\n{paragraph}", heading[1]) if heading else (paragraph, index)
            continue
        first = index
        # A long paragraph is split before its heading joins it, so the heading stays on
        # its own line and never runs into a sentence.
        lead = f"{heading[0]}\n" if heading is not None else ""
        fits = (
            len(lead.split()) + len(paragraph.split()) <= settings.max_words
            and len(lead) + len(paragraph) <= settings.max_chars
        )
        pieces = [paragraph] if fits else _split_long(paragraph, analyzer, settings)
        if heading is not None:
            pieces[0] = lead + pieces[0]
            first = heading[1]
            heading = None
        # What still exceeds the bounds (a heading with a full piece, a run of headings,
        # sentences of very long words) is cut between words.
        units.extend(
            _Unit(text, first, index, len(text.split()))
            for piece in pieces
            for text in _cut(piece, settings.max_words, settings.max_chars)
        )
    return units


def _cut(text: str, max_words: int, max_chars: int) -> list[str]:
    """``text`` in consecutive slices of at most ``max_words`` words and ``max_chars``
    characters, cut between words; a word longer than ``max_chars`` is cut inside."""
    if len(text) <= max_chars and len(text.split()) <= max_words:
        return [text]
    pieces: list[str] = []
    start = end = words = 0  # the slice being built is text[start:end], of `words` words
    for match in _WORD.finditer(text):
        lo, hi = match.span()
        if words and (words == max_words or hi - start > max_chars):
            pieces.append(text[start:end])
            words = 0
        if not words:
            while hi - lo > max_chars:
                pieces.append(text[lo : lo + max_chars])
                lo += max_chars
            start = lo
        end = hi
        words += 1
    if words:
        pieces.append(text[start:end])
    return pieces


def _split_long(paragraph: str, analyzer: Analyzer, settings: PassageSettings) -> list[str]:
    """Windows of whole sentences of about ``target`` words; a longer sentence, or one
    without an end, is cut into windows of ``target`` words that stand alone."""
    target = (settings.min_words + settings.max_words) // 2
    sentences = [
        piece
        for sentence in analyzer.sentences(paragraph)
        for piece in _cut(sentence, target, settings.max_chars)
    ]
    counts = [len(s.split()) for s in sentences]
    chunks: list[str] = []
    start = 0
    while start < len(sentences):
        end, words = start, 0
        while end < len(sentences) and (end == start or words + counts[end] <= target):
            words += counts[end]
            end += 1
        chunks.append(" ".join(sentences[start:end]))
        if end >= len(sentences):
            break
        # Step back for overlap, but always move forward by at least one sentence.
        start = max(start + 1, end - settings.overlap_sentences)
    return chunks


def _group(units: list[_Unit], settings: PassageSettings) -> list[list[_Unit]]:
    """Consecutive units joined up to ``min_words``, never beyond the bounds."""

    def fits(group: list[_Unit], more: list[_Unit]) -> bool:
        both = [*group, *more]
        chars = sum(len(u.text) for u in both) + len(both) - 1  # joined by newlines
        return sum(u.words for u in both) <= settings.max_words and chars <= settings.max_chars

    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    words = 0
    for unit in units:
        if current and (words >= settings.min_words or not fits(current, [unit])):
            groups.append(current)
            current, words = [], 0
        current.append(unit)
        words += unit.words
    if current:
        if groups and words < settings.min_words and fits(groups[-1], current):
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups
