"""The values that cross module lines: articles, passages, hits, answers and reports.

All are frozen dataclasses. ``str()`` gives what a person wants to read (answers and
citations are worded by :mod:`qabot.render`, imported when first needed so that this
module stays at the bottom of the layering); ``repr`` stays short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = [
    "Answer",
    "Article",
    "Hit",
    "IndexStats",
    "Passage",
    "Problem",
    "Quotation",
    "Refusal",
    "ReindexReport",
    "Timeline",
]


@dataclass(frozen=True)
class Article:
    """An article's identity and metadata (its text lives in passages)."""

    #: The ``id`` field of a JSON article, else the file's path relative to the corpus.
    id: str
    title: str
    #: The file it came from.
    path: Path
    #: The date as the article gives it (shown as written); :attr:`published` is the day.
    date: str | None = None
    url: str | None = None
    source: str | None = None

    @property
    def published(self) -> Date | None:
        """The day ``date`` names, or ``None`` when unknown (:func:`qabot.dates.parse_date`)."""
        from qabot.dates import parse_date

        return parse_date(self.date)

    def __repr__(self) -> str:
        title = self.title if len(self.title) <= 40 else self.title[:39] + "…"
        return f"Article({self.id!r}, {title!r})"


@dataclass(frozen=True)
class Passage:
    """A piece of an article a person can read on a phone: a few paragraphs, or part of one."""

    article_id: str
    #: 0-based position of the passage within its article.
    position: int
    #: The body paragraphs it covers as a ``(first, last)`` pair, both included and
    #: counted from 0 (title excluded): ``(6, 6)`` is the seventh paragraph, which a
    #: citation shows as ¶7.
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
    #: The body paragraphs it covers as a ``(first, last)`` pair, both included and
    #: counted from 0 like every index in the API (title excluded): ``(2, 3)`` is the
    #: third and fourth paragraphs. People count from 1, so :attr:`paragraph_label` and
    #: the citation show ``(6, 6)`` as ``¶7``.
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
        from qabot.render import citation

        return citation(self)

    @property
    def paragraph_label(self) -> str:
        """The paragraphs as a person counts them, from 1: ``¶7`` or ``¶3–4``."""
        from qabot.render import paragraph_label

        return paragraph_label(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of a cited passage."""
        return {
            "rank": self.rank,
            "score": self.score,
            "citation": self.citation,
            "position": self.position,
            "paragraphs": list(self.paragraphs),
            "text": self.text,
            "highlights": [list(span) for span in self.highlights],
            "article": _article_dict(self.article),
        }

    def __repr__(self) -> str:
        return f"Hit(#{self.rank} {self.article.id!r} p{self.position} score={self.score:.3f})"


@dataclass(frozen=True)
class Quotation:
    """Words someone said, as an article reports them: quoted, or in reported speech."""

    #: The words said, without quotation marks (a split quotation's parts joined by " … ").
    text: str
    #: Who said them: the fullest name the article gives ("Jens Stoltenberg"), or the
    #: words as written for someone unnamed ("a spokesman").
    speaker: str
    #: Who said them as the article writes it there ("he", "the NATO Secretary General").
    speaker_as_written: str
    #: The verb that attributes them ("said", "told", "according to"); "" when none.
    verb: str
    #: "direct" (in quotation marks) or "reported" ("he said that …").
    kind: str
    #: The sentence(s) holding them, with the attribution, as the article has them.
    context: str
    article: Article
    #: The 0-based body paragraph and passage position that hold them.
    paragraph: int
    position: int
    #: Other articles reporting the same words (a story republished): cited with it.
    also: tuple[Article, ...] = ()

    @property
    def published(self) -> Date | None:
        """The day of the article that reports them, when it is known."""
        return self.article.published

    @property
    def citation(self) -> str:
        """``Title, ¶7, 2024-07-01, https://…``, as a passage's citation reads."""
        from qabot.render import quotation_citation

        return quotation_citation(self)

    def __str__(self) -> str:
        from qabot.render import quotation_text

        return quotation_text(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as printed by ``qabot quotes --json``."""
        published = self.published
        return {
            "speaker": self.speaker,
            "speaker_as_written": self.speaker_as_written,
            "verb": self.verb,
            "kind": self.kind,
            "text": self.text,
            "context": self.context,
            "date": published.isoformat() if published else None,
            "citation": self.citation,
            "paragraph": self.paragraph,
            "position": self.position,
            "article": _article_dict(self.article),
            "also": [_article_dict(a) for a in self.also],
        }

    def __repr__(self) -> str:
        shown = self.text[:40] + ("…" if len(self.text) > 40 else "")
        return f"Quotation({self.speaker!r}, {shown!r})"


@dataclass(frozen=True)
class Timeline:
    """What someone said, oldest first: the reply to ``/quotes`` in a chat."""

    #: The speaker as asked for ("Stoltenberg"), and the topic ("" for everything).
    speaker: str
    about: str
    quotations: tuple[Quotation, ...]

    def __str__(self) -> str:
        from qabot.render import timeline_text

        return timeline_text(self.quotations, self.speaker, self.about)

    def __repr__(self) -> str:
        return f"Timeline({self.speaker!r}, {self.about!r}, {len(self.quotations)} quotations)"


def _article_dict(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "path": str(article.path),
        "date": article.date,
        "url": article.url,
        "source": article.source,
    }


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
    #: The shards of a cluster that were asked (0: one index, not a cluster).
    shards: int = 0
    #: The shards that did not reply in time: the answer comes from the others.
    missing_shards: tuple[int, ...] = ()
    #: For "what has X said about Y over time": X's statements, oldest first (``text``
    #: then says how many there are).
    quotations: tuple[Quotation, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.text)

    @property
    def partial(self) -> bool:
        """Some shards of a cluster did not reply: passages of theirs may be missing."""
        return bool(self.missing_shards)

    @property
    def published(self) -> Date | None:
        """The day of the story the answer comes from, when it is known."""
        if not self.found or self.source is None or not 0 <= self.source < len(self.passages):
            return None
        return self.passages[self.source].article.published

    def __str__(self) -> str:
        from qabot.render import plain

        return plain(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as printed by ``qabot ask --json``."""
        published = self.published
        return (
            {
                "question": self.question,
                "text": self.text,
                "short": self.short,
                "short_span": list(self.short_span) if self.short_span is not None else None,
                "found": self.found,
                "unsure": self.unsure,
                "confidence": round(self.confidence, 4),
                "reason": self.reason,
                "source": self.source,
                "date": published.isoformat() if published else None,
                "terms": list(self.terms),
                "passages": [hit.to_dict() for hit in self.passages],
            }
            | ({"quotations": [q.to_dict() for q in self.quotations]} if self.quotations else {})
            | (
                # Only a cluster's answers say which shards answered.
                {
                    "partial": self.partial,
                    "shards": self.shards,
                    "missing_shards": list(self.missing_shards),
                }
                if self.shards
                else {}
            )
        )

    def __repr__(self) -> str:
        shown = self.text[:50] + ("…" if len(self.text) > 50 else "")
        return f"Answer({shown!r}, passages={len(self.passages)}, confidence={self.confidence:.2f})"


@dataclass(frozen=True)
class Refusal:
    """A chat message that was not asked: empty, too long for a question, or with a
    filter (``since:``, ``until:``, ``source:``) that cannot be used.

    ``str()`` says so politely (worded by :mod:`qabot.render`).
    """

    #: Characters in the message as received (after trimming).
    length: int
    #: The most characters a question may have.
    limit: int
    #: What is wrong with the message's filters (``"since: 'soon' is not a date …"``), if
    #: that is why it was not asked.
    problem: str = ""

    @property
    def too_long(self) -> bool:
        return self.length > self.limit

    def __str__(self) -> str:
        from qabot.render import refusal_text

        return refusal_text(self)


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
    #: Articles not indexed again, as (its id, the id of the indexed article with the same
    #: body text), every such article in the corpus after this update, by id.
    duplicates: tuple[tuple[str, str], ...] = ()
    #: ``False``: the changes could not be written (a read-only index, a full disk) and
    #: the index answers as it was; the report says what it misses.
    written: bool = True

    @property
    def modified(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @property
    def skipped_files(self) -> int:
        """How many files were skipped (a file may have several problems)."""
        return len({p.path for p in self.problems})

    def __str__(self) -> str:
        text = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged"
        )
        if self.problems:
            text += f", {self.skipped_files} skipped"
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
    #: Articles not indexed because an indexed article has the same body text.
    duplicates: int = 0

    @property
    def skipped_files(self) -> int:
        """How many files were skipped (a file may have several problems)."""
        return len({p.path for p in self.problems})

    @property
    def counts_text(self) -> str:
        """``"1 article, 6 passages, 130 distinct terms"``."""
        return (
            f"{self.articles} {_plural(self.articles, 'article')}, "
            f"{self.passages} {_plural(self.passages, 'passage')}, "
            f"{self.terms} distinct {_plural(self.terms, 'term')}"
        )

    @property
    def size_text(self) -> str:
        """The index's size on disk for people: ``"52 KiB"``, ``"14.4 MiB"``, ``"1.2 GiB"``."""
        size = float(self.size_bytes)
        for unit in ("bytes", "KiB", "MiB"):
            if size < 1024:
                return f"{size:.0f} {unit}" if unit != "MiB" else f"{size:.1f} {unit}"
            size /= 1024
        return f"{size:.1f} GiB"

    def __str__(self) -> str:
        updated = self.updated.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if self.updated else "never"
        folded = (
            f" ({self.duplicates} {_plural(self.duplicates, 'duplicate')} not indexed again)"
            if self.duplicates
            else ""
        )
        return f"{self.counts_text}{folded}, {self.size_text} on disk, updated {updated}"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"
