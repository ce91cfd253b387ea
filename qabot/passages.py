"""Articles → passages: paragraph-aware pieces of roughly 40–120 words.

Short paragraphs are grouped, long ones are split at sentence boundaries with a sentence
of overlap, and a heading (a short line without final punctuation) is kept with the
paragraph after it. Each passage knows its article, its position and its paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass

from qabot.analysis import Analyzer
from qabot.articles import ArticleText
from qabot.config import PassageSettings
from qabot.values import Passage

__all__ = ["is_heading", "split_article"]

_HEADING_MAX_WORDS = 12
_SENTENCE_END = tuple(".!?:;\"'”’)…")


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
        words = len(paragraph.split())
        pieces = (
            [paragraph]
            if words <= settings.max_words
            else _split_long(paragraph, analyzer, settings)
        )
        if heading is not None:
            pieces[0] = f"{heading[0]}\n{pieces[0]}"
            first = heading[1]
            heading = None
        units.extend(_Unit(text, first, index, len(text.split())) for text in pieces)
    return units


def _split_long(paragraph: str, analyzer: Analyzer, settings: PassageSettings) -> list[str]:
    """Windows of whole sentences of at most ``max_words`` (a longer sentence stands alone)."""
    sentences = analyzer.sentences(paragraph)
    counts = [len(s.split()) for s in sentences]
    target = (settings.min_words + settings.max_words) // 2
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
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    words = 0
    for unit in units:
        if current and (words >= settings.min_words or words + unit.words > settings.max_words):
            groups.append(current)
            current, words = [], 0
        current.append(unit)
        words += unit.words
    if current:
        tail_words = words
        if (
            groups
            and tail_words < settings.min_words
            and sum(u.words for u in groups[-1]) + tail_words <= settings.max_words
        ):
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups
