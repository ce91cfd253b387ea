"""A reader: one question's view of an index, whatever holds it.

A question reads an index through a :class:`Reader`: the live statistics of its terms
(to weigh them), its best passages (:meth:`Reader.search`), the beginnings of article
texts (to fold near-duplicate stories), and someone's quotations with the passages that
hold them (:meth:`Reader.quotations`, :meth:`Reader.passage`). A :class:`SnapshotReader`
reads one index's snapshot, taken when first needed so that a question never straddles an
update; a cluster has its own reader (:class:`qabot.cluster.ClusterReader`) that asks its
shards.

Near-duplicate stories (:mod:`~qabot.index.dedup`) are folded here, once for every kind
of reader: the search goes twice as deep, so that folded copies leave room for others.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Sequence

from qabot.config import Settings
from qabot.filters import Filters
from qabot.index.dedup import (
    MAX_CHARS,
    Shingles,
    distinct_stories,
    fold_near_duplicates,
    hashed_shingles,
    stored_shingles,
)
from qabot.index.search import Match, matches, ranked
from qabot.index.snapshot import Snapshot, TermStats
from qabot.values import Passage, Quotation

__all__ = ["Reader", "SnapshotReader"]


class Reader(ABC):
    """One question's view of an index: statistics, the best matches, article texts."""

    #: The shards asked (0: one index, not a cluster).
    shards: int = 0
    #: The shards that did not reply in time (their passages may be missing).
    missing_shards: tuple[int, ...] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abstractmethod
    def statistics(self, terms: Iterable[str]) -> TermStats:
        """The live statistics of ``terms`` over the whole index."""

    @abstractmethod
    def ranked(
        self, terms: Sequence[str], stats: TermStats, k: int, filters: Filters | None
    ) -> list[Match]:
        """The ``k`` best passages for the bag ``terms``, re-ranked, not folded."""

    @abstractmethod
    def body(self, article_id: str, max_chars: int) -> str:
        """The beginning (at least ``max_chars`` characters) of a live article's text;
        ``""`` when it cannot be read."""

    @abstractmethod
    def quotations(self, speaker: Collection[str], filters: Filters | None) -> list[Quotation]:
        """The live quotations of the speaker every word of ``speaker`` names (case-folded
        name words, :func:`~qabot.index.quotes.speaker_words`), of the allowed articles."""

    @abstractmethod
    def passage(self, article_id: str, position: int) -> Passage | None:
        """One live passage of an article by position (``None``: no such passage)."""

    def search(
        self,
        terms: Sequence[str],
        stats: TermStats,
        k: int,
        filters: Filters | None = None,
        *,
        fold: bool = False,
    ) -> list[Match]:
        """The ``k`` best passages for the bag ``terms`` among the articles ``filters``
        allow (``None``: all), scored with ``stats`` (the terms' statistics, from
        :meth:`statistics`), re-ranked as the settings say.

        With ``fold``, near-duplicate stories (``AnswerSettings.near_duplicate``) are
        cited once: the search goes twice as deep, so that folded copies leave room for
        others.
        """
        if not fold:
            return self.ranked(terms, stats, k, filters)
        matches = self.ranked(terms, stats, 2 * k, filters)
        threshold = self.settings.answers.near_duplicate
        return fold_near_duplicates(
            matches, lambda article_id: self.body(article_id, MAX_CHARS), threshold, limit=k
        )


class SnapshotReader(Reader):
    """A question's reader of one index: one snapshot, taken when first needed."""

    def __init__(self, settings: Settings, current: Callable[[], Snapshot]) -> None:
        super().__init__(settings)
        self._current = current
        self._snapshot: Snapshot | None = None

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot this question reads (taken at the first call)."""
        if self._snapshot is None:
            self._snapshot = self._current()
        return self._snapshot

    def statistics(self, terms: Iterable[str]) -> TermStats:
        return self.snapshot.statistics(terms)

    def ranked(
        self, terms: Sequence[str], stats: TermStats, k: int, filters: Filters | None
    ) -> list[Match]:
        answers = self.settings.answers
        return self.snapshot.search(
            terms, k, self.settings.bm25, stats,
            rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
            filters=filters,
        )  # fmt: skip

    def search(
        self,
        terms: Sequence[str],
        stats: TermStats,
        k: int,
        filters: Filters | None = None,
        *,
        fold: bool = False,
    ) -> list[Match]:
        if not fold:
            return self.ranked(terms, stats, k, filters)
        # Folded before the matches are made: only the passages kept are read.
        answers = self.settings.answers
        snapshot = self.snapshot
        best = ranked(
            snapshot, terms, 2 * k, self.settings.bm25, stats,
            rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
            filters=filters,
        )  # fmt: skip
        kept = distinct_stories(
            [c.article_id for c, _ in best],
            self._stored_shingles,
            answers.near_duplicate,
            limit=k,
            exact_of=self._shingles,
        )
        return matches(snapshot, [best[n][0] for n in kept], terms, [best[n][1] for n in kept])

    def body(self, article_id: str, max_chars: int) -> str:
        return self.snapshot.article_body(article_id, max_chars)

    def _shingles(self, article_ids: Sequence[str]) -> list[Shingles]:
        """The articles' shingles, hashed from their texts."""
        return hashed_shingles([self.body(a, MAX_CHARS) for a in article_ids])

    def _stored_shingles(self, article_ids: Sequence[str]) -> list[Shingles]:
        """The articles' shingles as their segments keep them (hashed now where none are)."""
        found: list[Shingles | None] = [self.snapshot.article_shingles(a) for a in article_ids]
        missing = [n for n, s in enumerate(found) if s is None]
        if missing:
            hashed = stored_shingles(self._shingles([article_ids[n] for n in missing]))
            for n, shingles in zip(missing, hashed, strict=True):
                found[n] = shingles
        return [s for s in found if s is not None]

    def quotations(self, speaker: Collection[str], filters: Filters | None) -> list[Quotation]:
        return self.snapshot.quotations(speaker, filters)

    def passage(self, article_id: str, position: int) -> Passage | None:
        return self.snapshot.passage(article_id, position)
