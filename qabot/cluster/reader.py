"""A question's reader over a cluster's shards: one index's answers, in two rounds.

A question runs in two rounds, the way distributed search engines run a DFS query:

1. every shard gives the live statistics of the question's terms (passages, total
   length, articles, document frequencies); summed, they are one index's statistics;
2. the query is built from them exactly as over one index, each shard scores its
   passages with those corpus-wide weights and gives its best contenders, and
   :func:`~qabot.index.rank` ranks and re-ranks them all as one index would.

Near-duplicate stories are folded by :meth:`Reader.search <qabot.index.Reader.search>`,
as over one index: the texts of the articles found are fetched from their shards when
first compared (one more round, to those shards only). Exact copies of a text are all in
one shard (:mod:`~qabot.cluster.sharding`), indexed once there as one index would.
A shard that does not reply within the cluster's ``wait`` seconds is left out: the
answer comes from the others and says which (:attr:`ClusterReader.missing_shards`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qabot.cluster.shard import ShardHit, ShardStats
from qabot.filters import Filters
from qabot.index import Match, Reader, TermStats, contender_depth, rank
from qabot.values import Passage, Quotation

if TYPE_CHECKING:  # the cluster's index makes its readers
    from qabot.cluster.index import ClusterIndex

__all__ = ["ClusterReader"]


class ClusterReader(Reader):
    """One question's rounds over a cluster's shards, and which shards did not reply."""

    def __init__(self, index: ClusterIndex) -> None:
        super().__init__(index.settings)
        self.index = index
        self.shards = index.shards
        #: Round one's replies: the shards a question is scored on, at their generations.
        self._stats: dict[int, ShardStats] = {}
        self._n_articles = 0
        #: The shard of each article the last search found.
        self._owner: dict[str, int] = {}
        self._bodies: dict[tuple[str, int], str] = {}

    def _lost(self, shards: Iterable[int]) -> None:
        self.missing_shards = tuple(sorted({*self.missing_shards, *shards}))

    def statistics(self, terms: Iterable[str]) -> TermStats:
        """Round one: the terms' statistics summed over the shards that reply."""
        index = self.index
        wanted = list(terms)
        everyone = range(index.shards)
        self._stats = index.runtime.call("statistics", lambda _: (wanted,), everyone, index.wait)
        self._lost(set(everyone) - set(self._stats))
        df = dict.fromkeys(wanted, 0)
        for found in self._stats.values():
            for term, n in found.df.items():
                df[term] += n
        self._n_articles = sum(s.n_articles for s in self._stats.values())
        return TermStats(
            sum(s.n_passages for s in self._stats.values()),
            sum(s.total_length for s in self._stats.values()),
            df,
        )

    def ranked(
        self, terms: Sequence[str], stats: TermStats, k: int, filters: Filters | None
    ) -> list[Match]:
        """Round two: each shard's best contenders with the corpus-wide weights, ranked."""
        index = self.index
        answers = self.settings.answers
        if k <= 0 or not terms:
            return []
        generations = {i: s.generation for i, s in self._stats.items()}
        df = {t: stats.df[t] for t in dict.fromkeys(terms)}
        weights = stats.weights(
            terms, self.settings.bm25, lambda: index.document_frequencies(generations)
        )
        depth = contender_depth(k, answers.rerank_depth, answers.article_weight)
        found: dict[int, list[ShardHit]] = index.runtime.call(
            "contenders", lambda i: (terms, depth, weights, df, generations[i], filters),
            list(generations), index.wait,
        )  # fmt: skip
        self._lost(set(generations) - set(found))
        shards = sorted(found)
        order = rank(
            [[hit.contender for hit in found[i]] for i in shards], terms, k, stats,
            self._n_articles,
            rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
        )  # fmt: skip
        hits = [(i, hit) for i in shards for hit in found[i]]  # numbered as rank numbers them
        best = [(*hits[n], score) for n, score in order]
        self._owner = {hit.contender.article_id: shard for shard, hit, _ in best}
        return [replace(hit.match, score=score) for _, hit, score in best]

    def body(self, article_id: str, max_chars: int) -> str:
        """The beginning of an article's text, from the shard that gave it.

        The first call fetches those of every article the last search found, in one
        round to their shards; an article no search found is asked of every shard.
        """
        if (article_id, max_chars) not in self._bodies:
            self._fetch_bodies([article_id, *self._owner], max_chars)
        return self._bodies.get((article_id, max_chars), "")

    def quotations(self, speaker: Collection[str], filters: Filters | None) -> list[Quotation]:
        """Every shard's quotations of the speaker (at the shard's current generation)."""
        index = self.index
        wanted = sorted(speaker)
        generations = {i: s.generation for i, s in self._stats.items()}
        everyone = range(index.shards)
        found: dict[int, list[Quotation]] = index.runtime.call(
            "quotations", lambda i: (wanted, generations.get(i, -1), filters), everyone,
            index.wait,
        )  # fmt: skip
        self._lost(set(everyone) - set(found))
        return [q for i in sorted(found) for q in found[i]]

    def passage(self, article_id: str, position: int) -> Passage | None:
        """An article's passage, from the shard that holds the article."""
        return self.index.passage(article_id, position)

    def _fetch_bodies(self, article_ids: Sequence[str], max_chars: int) -> None:
        generations = {i: s.generation for i, s in self._stats.items()}
        asked: dict[int, list[str]] = {}
        for article_id in dict.fromkeys(article_ids):
            if (article_id, max_chars) in self._bodies:
                continue
            owner = self._owner.get(article_id)
            for shard in generations if owner is None else (owner,):
                asked.setdefault(shard, []).append(article_id)
        index = self.index
        replies = index.runtime.call(
            "bodies", lambda i: (asked[i], generations[i], max_chars), list(asked), index.wait
        )
        # A shard that did not reply: its articles are not compared (none is folded).
        self._lost(set(asked) - set(replies))
        for article_id in (a for ids in asked.values() for a in ids):
            self._bodies.setdefault((article_id, max_chars), "")
        for reply in replies.values():
            for article_id, text in reply.items():
                if text:
                    self._bodies[article_id, max_chars] = text
