"""One shard of a cluster: an ordinary qabot index of the articles it owns, and its answers.

A :class:`Shard` is what a Ray actor serves (``runtime``), but it is plain Python: it
opens its committed index (building it only when none is committed), gives the live
statistics of a question's terms (round one of a question), its best passages scored
with the corpus-wide weights it is handed (round two), and updates its index from the
corpus, indexing only its own articles. The snapshot a question's statistics came from
is kept for its second round, so a question is never scored across an update.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qabot.analysis import Analyzer
from qabot.cluster.sharding import Owner, shard_settings
from qabot.config import Settings
from qabot.errors import ClusterError
from qabot.filters import Filters
from qabot.index import Contender, Index, Match, Snapshot, Weights, contenders, matches
from qabot.values import Article, IndexStats, Passage, Quotation, ReindexReport

__all__ = ["Shard", "ShardHit", "ShardInfo", "ShardStats", "build_shard", "corpus_unseen"]

log = logging.getLogger(__name__)

#: Snapshots kept for questions between their two rounds.
_KEPT_SNAPSHOTS = 4


@dataclass(frozen=True)
class ShardStats:
    """Round one of a question: one shard's live statistics of the question's terms."""

    shard: int
    generation: int
    n_passages: int
    total_length: int
    n_articles: int
    #: Live passages of this shard holding each term.
    df: Mapping[str, int]


@dataclass(frozen=True)
class ShardHit:
    """Round two of a question: one of a shard's best passages, to be ranked with the
    other shards' (:func:`~qabot.index.rank`)."""

    contender: Contender
    #: The passage as a match, made here: the caller cannot read this shard's snapshot.
    match: Match


@dataclass(frozen=True)
class ShardInfo:
    """Where a shard runs and what it serves (for ``stats`` and for fault tests)."""

    shard: int
    pid: int
    generation: int
    #: The index was opened from a commit (``False``: it had to be built).
    reopened: bool


def build_shard(settings: Settings, shard: int, shards: int, rebuild: bool) -> ReindexReport:
    """Build or update one shard's index from the corpus (what a build task runs)."""
    index = _load(settings, shard, shards)
    return index.update(rebuild=rebuild)


def corpus_unseen(settings: Settings) -> str | None:
    """Why this machine cannot serve the corpus of ``settings``; ``None`` if it can.

    Every node must see the corpus at the path the driver gave. Indexing a folder that
    is not there would create it (the shards' folder lives inside it by default) and
    serve an empty corpus.
    """
    corpus = settings.corpus
    if corpus.is_dir():
        return None
    return (
        f"the corpus folder {corpus} is not on the Ray node {socket.gethostname()}: every node "
        "must see the corpus at the same path (a shared disk, mounted alike)"
    )


def _load(settings: Settings, shard: int, shards: int) -> Index:
    unseen = corpus_unseen(settings)
    if unseen is not None:
        raise ClusterError(unseen)
    own = shard_settings(settings, shard, shards)
    return Index.load(own, Analyzer(own.analyzer), owns=Owner(shard, shards))


class Shard:
    """One shard's index and its answers. Thread-safe."""

    def __init__(self, settings: Settings, shard: int, shards: int) -> None:
        self.shard = shard
        self.index = _load(settings, shard, shards)
        #: A restarted shard reopens what was committed; it builds only when nothing was.
        self.reopened = self.index.loaded
        if not self.reopened:
            self.index.update()
        log.info(
            "shard %d of %d serving generation %d (%s)", shard, shards,
            self.index.current().generation, "reopened" if self.reopened else "built",
        )  # fmt: skip
        self._kept: OrderedDict[int, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def _current(self) -> Snapshot:
        snapshot = self.index.current()
        with self._lock:
            self._kept[snapshot.generation] = snapshot
            self._kept.move_to_end(snapshot.generation)
            while len(self._kept) > _KEPT_SNAPSHOTS:
                self._kept.popitem(last=False)
        return snapshot

    def _at(self, generation: int) -> Snapshot:
        with self._lock:
            found = self._kept.get(generation)
        return found if found is not None else self._current()

    def statistics(self, terms: Sequence[str]) -> ShardStats:
        """Round one: this shard's live statistics of ``terms``."""
        snapshot = self._current()
        stats = snapshot.statistics(terms)
        return ShardStats(
            self.shard, snapshot.generation, stats.n_passages, stats.total_length,
            snapshot.n_articles, dict(stats.df),
        )  # fmt: skip

    def all_df(self, generation: int) -> dict[str, int]:
        """Every term's live document frequency (Okapi's IDF floor needs the whole table)."""
        return dict(self._at(generation).document_frequencies())

    def contenders(
        self,
        terms: Sequence[str],
        depth: int,
        weights: Weights,
        df: Mapping[str, int],
        generation: int,
        filters: Filters | None = None,
    ) -> list[ShardHit]:
        """Round two: the ``depth`` best passages the filters allow, with corpus-wide weights."""
        snapshot = self._at(generation)
        found = contenders(snapshot, terms, depth, weights, filters, df=df)
        made = matches(snapshot, found, terms)
        return [ShardHit(c, m) for c, m in zip(found, made, strict=True)]

    def bodies(self, article_ids: Sequence[str], generation: int, max_chars: int) -> dict[str, str]:
        """The first ``max_chars`` characters of these articles' text (to fold copies)."""
        snapshot = self._at(generation)
        return {a: snapshot.article_body(a, max_chars) for a in article_ids}

    def quotations(
        self, speaker: Sequence[str], generation: int, filters: Filters | None = None
    ) -> list[Quotation]:
        """This shard's quotations of the speaker ``speaker`` names (see ``Reader``)."""
        return self._at(generation).quotations(speaker, filters)

    def update(self, rebuild: bool = False, paths: Sequence[str] | None = None) -> ReindexReport:
        """Bring this shard in step with the corpus (its own articles only); with ``paths``,
        looking only at those files and folders (see :meth:`Index.update`)."""
        unseen = corpus_unseen(self.index.settings)
        if unseen is not None:  # an unmounted share is no corpus emptied
            raise ClusterError(unseen)
        return self.index.update(rebuild=rebuild, paths=paths)

    def claims(self, relpath: str) -> bool:
        """Whether an article of the corpus file ``relpath`` is in this shard."""
        record = self.index.current().source(relpath)
        return record is not None and bool(record.article_ids)

    def stats(self) -> IndexStats:
        return self.index.stats()

    def articles(self) -> list[Article]:
        """This shard's articles, ordered by id."""
        return list(self.index.articles())

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One passage of an article of this shard by position (``None``: no such one)."""
        return self.index.passage(article_id, position)

    def passage_words(self) -> tuple[int, int]:
        """(words, passages) of this shard's live passages: for words per passage."""
        snapshot = self._current()
        return sum(len(t.split()) for t in snapshot.passage_texts()), snapshot.n_passages

    def terms(self) -> list[str]:
        """The distinct live terms of this shard (to count a cluster's distinct terms)."""
        return list(self._current().document_frequencies())

    def info(self) -> ShardInfo:
        return ShardInfo(self.shard, os.getpid(), self.index.current().generation, self.reopened)
