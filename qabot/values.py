"""The values that cross module lines: articles, passages, hits, answers and reports.

All are frozen dataclasses. ``str()`` gives what a person wants to read; ``repr`` stays short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

__all__ = [
    "Answer",
    "Article",
    "Hit",
    "IndexStats",
    "Passage",
    "Problem",
    "ReindexReport",
]


@dataclass(frozen=True)
class Article:
    """An article's identity and metadata (its text lives in passages)."""

    #: The ``id`` field of a JSON article, else the file's path relative to the corpus.
    id: str
    title: str
    #: The file it came from.
    path: Path
    date: str | None = None
    url: str | None = None
    source: str | None = None

    def __repr__(self) -> str:
        return f"Article({self.id!r}, {self.title[:40]!r})"


@dataclass(frozen=True)
class Passage:
    """A piece of an article a person can read on a phone: a few paragraphs, or part of one."""

    article_id: str
    #: 0-based position of the passage within its article.
    position: int
    #: First and last body paragraph it covers, 0-based (title excluded).
    paragraphs: tuple[int, int]
    text: str

    def __repr__(self) -> str:
        return f"Passage({self.article_id!r}, #{self.position}, {self.text[:30]!r}…)"


@dataclass(frozen=True)
class Hit:
    """A ranked passage: what it says, where it comes from, and how well it matched."""

    article: Article
    #: 0-based position of the passage within its article.
    position: int
    #: First and last body paragraph it covers, 0-based.
    paragraphs: tuple[int, int]
    text: str
    score: float
    #: 1-based rank in the answer.
    rank: int
    #: Character spans of ``text`` whose words match a question term, for highlighting.
    highlights: tuple[tuple[int, int], ...] = ()

    @property
    def citation(self) -> str:
        """``Title, ¶3–4, 2024-07-01, https://…`` (paragraphs counted from 1)."""
        first, last = self.paragraphs
        where = f"¶{first + 1}" if first == last else f"¶{first + 1}–{last + 1}"
        parts = [self.article.title, where]
        if self.article.date:
            parts.append(self.article.date)
        if self.article.url:
            parts.append(self.article.url)
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"Hit(#{self.rank} {self.article.id!r} p{self.position} score={self.score:.3f})"


@dataclass(frozen=True)
class Answer:
    """What qabot says to a question: the answering sentence(s) and the passages they came from.

    ``text`` is empty when qabot does not know; ``passages`` then holds at most the
    passages that matched weakly, and ``reason`` says why there is no answer.
    """

    question: str
    text: str
    passages: tuple[Hit, ...]
    #: Index terms of the question (stems), in question order.
    terms: tuple[str, ...] = ()
    #: Question words found in the best passages (surface forms), for highlighting.
    matched_words: tuple[str, ...] = ()
    #: Share of the question's term weight found in the passage cited first and its
    #: article (0..1).
    confidence: float = 0.0
    #: 0-based index into ``passages`` of the passage ``text`` was taken from.
    source: int | None = None
    reason: str = ""
    #: An answer was given, but its passage covers the question only in part, or the
    #: question is too general (only common words) to be sure of it.
    unsure: bool = False
    #: The shortest text that answers (a name, place, date, number or quotation), or
    #: ``""`` when none stands out; it is a part of ``text``.
    short: str = ""
    #: Where ``short`` stands in ``text`` (start, end), or ``None``.
    short_span: tuple[int, int] | None = None

    @property
    def found(self) -> bool:
        return bool(self.text)

    def __str__(self) -> str:
        lines = [self.text if self.text else f"I don't know. {self.reason}".strip()]
        if self.unsure:
            lines.append("(I'm not sure about this one: check the sources.)")
        if self.passages:
            lines.append("")
            label = "Sources:" if self.text else "Closest passages:"
            lines.append(label)
            for hit in self.passages:
                lines.append(f"[{hit.rank}] {hit.citation}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = self.text[:50] + ("…" if len(self.text) > 50 else "")
        return f"Answer({shown!r}, passages={len(self.passages)}, confidence={self.confidence:.2f})"


@dataclass(frozen=True)
class Problem:
    """A file that could not be indexed, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class ReindexReport:
    """What a reindex changed, by article id."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    rebuilt: bool = False

    @property
    def modified(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __str__(self) -> str:
        text = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged"
        )
        if self.problems:
            text += f", {len(self.problems)} skipped"
        return text + (" (full rebuild)" if self.rebuilt else "")

    def __repr__(self) -> str:
        return f"ReindexReport({self})"


@dataclass(frozen=True)
class IndexStats:
    """Figures about an index, for ``qabot stats`` and /stats."""

    articles: int
    passages: int
    terms: int
    size_bytes: int
    updated: datetime | None
    corpus: Path
    index: Path
    problems: tuple[Problem, ...] = field(default=())

    def __str__(self) -> str:
        updated = self.updated.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if self.updated else "never"
        return (
            f"{self.articles} articles, {self.passages} passages, {self.terms} distinct terms, "
            f"{self.size_bytes / 1_048_576:.1f} MiB on disk, updated {updated}"
        )
