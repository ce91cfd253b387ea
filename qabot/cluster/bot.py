"""ClusterBot: the same front door as :class:`~qabot.QABot`, over shards on a Ray cluster.

A question runs in two rounds, the way distributed search engines run a DFS query:

1. every shard gives the live statistics of the question's terms (passages, total
   length, articles, document frequencies); summed, they are one index's statistics;
2. the query is built from them exactly as :meth:`QABot.ask` builds it, each shard
   scores its passages with those corpus-wide weights and gives its best candidates, and
   :func:`~qabot.index.merge` ranks and re-ranks them all as one index would.

Near-duplicate stories are then cited once, as :meth:`QABot.ask` cites them: the merge
goes twice as deep, and the texts of the articles it found are fetched from their shards
(one more round, to those shards only) and compared. Exact copies of a text are all in
one shard (:mod:`~qabot.cluster.sharding`), indexed once there as one index would.
The answer is then composed from the merged matches by the code :meth:`QABot.ask` runs
(:func:`~qabot.core.answer_question`), so passages, scores, answer sentence and short
answer equal those of one index over the whole corpus. A shard that does not reply
within ``wait`` seconds (its actor restarting, its node gone) is left out: the answer
comes from the others and says so (``Answer.partial``, ``missing_shards``).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from qabot.analysis import Analyzer
from qabot.articles import parse_file, save_article
from qabot.cluster.runtime import Runtime, connect
from qabot.cluster.shard import ShardInfo, ShardStats
from qabot.cluster.sharding import cluster_root, owner_of, read_shards, write_shards
from qabot.config import Settings
from qabot.core import answer_question, require_corpus, search_question
from qabot.dedup import MAX_CHARS, fold_near_duplicates
from qabot.errors import ClusterError
from qabot.filters import DateLike, Filters
from qabot.index import Candidate, Match, TermStats, merge
from qabot.index.bm25 import bm25_weights
from qabot.query import Query
from qabot.values import Answer, Article, Hit, IndexStats, Problem, ReindexReport

if TYPE_CHECKING:  # fetching is imported only when a URL or a feed is added
    from qabot.feeds import PollReport
    from qabot.ingest import Added, Failed

__all__ = ["DEFAULT_SHARDS", "ClusterBot"]

log = logging.getLogger(__name__)

#: Shards of a new cluster unless told otherwise.
DEFAULT_SHARDS = 4


class ClusterBot:
    """Question answering over a corpus in shards on a Ray cluster. Create with :meth:`open`."""

    def __init__(
        self, settings: Settings, analyzer: Analyzer, runtime: Runtime, wait: float
    ) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self.runtime = runtime
        self.shards = runtime.shards
        #: Seconds a question waits for each shard before answering without it.
        self.wait = wait
        self.last_report: ReindexReport | None = None
        self._all_df: tuple[tuple[tuple[int, int], ...], dict[str, int]] | None = None

    @classmethod
    def open(
        cls,
        address: str | None,
        corpus: str | Path | None = None,
        *,
        shards: int | None = None,
        index: str | Path | None = None,
        settings: Settings | None = None,
        update: bool = True,
        wait: float | None = None,
    ) -> ClusterBot:
        """Join the Ray cluster at ``address`` (``None``: start one here) and serve the corpus.

        The shards' indexes live in ``index`` (default ``<corpus>/.qabot-cluster``), a
        folder every node must reach at the same path. A cluster folder keeps the number
        of shards it was built with (``shards`` defaults to it, else to 4). With ``update``
        every shard is first built or brought in step with the corpus by parallel Ray
        tasks; then each shard is served by an actor that opens its committed index.
        A question waits ``wait`` seconds (default ``settings.cluster.wait``) for a shard.
        """
        settings = (settings or Settings()).with_paths(corpus, index)
        require_corpus(settings)
        layout = read_shards(settings)
        built, current = layout if layout is not None else (None, True)
        if shards is None:
            shards = built or DEFAULT_SHARDS
        if shards < 1:
            raise ClusterError(f"a cluster needs at least 1 shard, got {shards}")
        if built is not None and built != shards:
            raise ClusterError(
                f"the cluster folder {cluster_root(settings)} holds {built} shards, not "
                f"{shards}; use --shards {built}, or another --index folder to build {shards}"
            )
        connect(address)
        report = None
        if not current:
            log.warning(
                "the cluster folder %s was built by an older qabot: rebuilding its shards",
                cluster_root(settings),
            )
        if update or built is None or not current:
            if built is None:
                write_shards(settings, shards)
            report = _combined(Runtime.build(settings, shards, rebuild=not current))
            # Recorded once rebuilt: a rebuild cut short is started again, not trusted.
            write_shards(settings, shards)
        if wait is None:
            wait = settings.cluster.wait
        bot = cls(settings, Analyzer(settings.analyzer), Runtime(settings, shards), wait)
        bot.last_report = report
        return bot

    # -- questions --------------------------------------------------------------------
    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        context: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        sources: Iterable[str] | None = None,
    ) -> Answer:
        """Answer ``question`` as :meth:`QABot.ask` does, from every shard that replies.

        ``since``, ``until`` and ``sources`` filter as in :meth:`QABot.ask`: each shard
        looks only at the articles they allow, the statistics stay the whole corpus's.
        """
        filters = Filters.of(since, until, sources)
        rounds = _Rounds(self, fold=True)
        answer = answer_question(
            question, k, context, self.analyzer, self.settings, rounds.statistics,
            rounds.search, filters,
        )  # fmt: skip
        return replace(answer, shards=self.shards, missing_shards=rounds.missing)

    def search(
        self,
        question: str,
        k: int = 10,
        *,
        since: DateLike | None = None,
        until: DateLike | None = None,
        sources: Iterable[str] | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``question``, as :meth:`QABot.search` gives them."""
        filters = Filters.of(since, until, sources)
        rounds = _Rounds(self)
        return search_question(
            question, k, self.analyzer, self.settings, rounds.statistics, rounds.search,
            filters,
        )  # fmt: skip

    # -- the corpus -------------------------------------------------------------------
    def reindex(
        self, rebuild: bool = False, *, paths: Collection[str] | None = None
    ) -> ReindexReport:
        """Bring every shard in step with the corpus; each indexes only its own articles.

        Waits for every shard (a restarting one included): an update is never lost, and
        running one twice changes nothing more. With ``paths`` (relative paths of the
        files and folders known to have changed) each shard looks only at those.
        """
        wanted = None if paths is None else sorted(paths)
        report = _combined(self.runtime.call_all("update", rebuild, wanted))
        self.last_report = report
        return report

    def catch_up(self, *, paths: Collection[str] | None = None) -> ReindexReport:
        """Bring every shard in step with the corpus (what a corpus watcher calls).

        With ``paths`` (relative paths of the files and folders known to have changed)
        each shard looks only at those, as :meth:`QABot.catch_up` does.
        """
        return self.reindex(paths=paths)

    def add_article(self, name: str, data: bytes) -> tuple[Path, ReindexReport]:
        """Save an article file into the corpus and update only the shards concerned.

        Those are the owners of its articles' texts and, when it replaces a file, the
        shards that held the old one's articles (an edited text may change shards).
        """
        path = save_article(self.settings.corpus, name, data)
        relpath = path.relative_to(self.settings.corpus).as_posix()
        texts, _ = parse_file(path, relpath, data)
        # A shard that does not reply in time catches up at the next reindex.
        held = self.runtime.call("claims", lambda _: (relpath,), range(self.shards), self.wait)
        owners = sorted(
            {owner_of(t, self.shards) for t in texts} | {s for s, holds in held.items() if holds}
        )
        replies = self.runtime.call("update", lambda _: (False, [relpath]), owners, None)
        if len(replies) < len(owners):
            raise ClusterError(
                f"the shards owning {path.name} did not take it; run `qabot cluster index`"
            )
        report = _combined(list(replies.values()))
        self.last_report = report
        return path, report

    def add_urls(self, urls: Sequence[str]) -> list[Added | Failed]:
        """Fetch the articles at ``urls`` into the corpus, as :meth:`QABot.add_urls` does,
        then bring the shards in step (one reindex, only when something is new)."""
        from qabot.ingest import fetch_urls

        return fetch_urls(self.settings, urls, self.reindex)

    def poll_feeds(self) -> PollReport:
        """Fetch every feed in the feed list once and add its new items (then one reindex)."""
        from qabot.feeds import poll_feed_list

        return poll_feed_list(self.settings, self.reindex)

    def articles(self) -> Sequence[Article]:
        """Every shard's articles, ordered by id (each shard's list is ordered already)."""
        return list(heapq.merge(*self.runtime.call_all("articles"), key=lambda a: a.id))

    def stats(self) -> IndexStats:
        """Figures over every shard: articles, passages, distinct terms, size, last update."""
        each: list[IndexStats] = self.runtime.call_all("stats")
        terms: set[str] = set()
        for found in self.runtime.call_all("terms"):
            terms.update(found)
        dates = [s.updated for s in each if s.updated is not None]
        return IndexStats(
            articles=sum(s.articles for s in each),
            passages=sum(s.passages for s in each),
            terms=len(terms),
            size_bytes=sum(s.size_bytes for s in each),
            updated=max(dates) if dates else None,
            corpus=self.settings.corpus,
            index=cluster_root(self.settings),
            problems=_distinct_problems(p for s in each for p in s.problems),
            duplicates=sum(s.duplicates for s in each),
        )

    def shard_info(self) -> list[ShardInfo]:
        """Each shard's process, generation and whether it reopened a committed index."""
        info: list[ShardInfo] = self.runtime.call_all("info")
        return info

    def shutdown(self) -> None:
        """Stop the shard actors (detached otherwise: they outlive this process)."""
        self.runtime.shutdown()

    def __repr__(self) -> str:
        return f"ClusterBot({str(self.settings.corpus)!r}, {self.shards} shards)"

    def _document_frequencies(self, generations: Mapping[int, int]) -> dict[str, int]:
        """Every term's live document frequency over the shards (Okapi only), cached."""
        key = tuple(sorted(generations.items()))
        if self._all_df is None or self._all_df[0] != key:
            replies = self.runtime.call(
                "all_df", lambda i: (generations[i],), list(generations), self.wait
            )
            total: dict[str, int] = {}
            for found in replies.values():
                for term, n in found.items():
                    total[term] = total.get(term, 0) + n
            # In term order, as one index sums them (Snapshot.document_frequencies).
            self._all_df = (key, dict(sorted(total.items())))
        return self._all_df[1]


class _Rounds:
    """One question's two rounds over the shards, and which shards did not reply."""

    def __init__(self, bot: ClusterBot, fold: bool = False) -> None:
        self.bot = bot
        #: Cite near-duplicate stories once, as :meth:`QABot.ask` does.
        self.fold = fold
        self.stats: dict[int, ShardStats] = {}
        self.n_articles = 0
        self.missing: tuple[int, ...] = ()

    def _lost(self, shards: Iterable[int]) -> None:
        self.missing = tuple(sorted({*self.missing, *shards}))

    def statistics(self, terms: Iterable[str]) -> TermStats:
        """Round one: the terms' statistics summed over the shards that reply."""
        bot = self.bot
        wanted = list(terms)
        everyone = range(bot.shards)
        self.stats = bot.runtime.call("statistics", lambda _: (wanted,), everyone, bot.wait)
        self._lost(set(everyone) - set(self.stats))
        df = dict.fromkeys(wanted, 0)
        for found in self.stats.values():
            for term, n in found.df.items():
                df[term] += n
        self.n_articles = sum(s.n_articles for s in self.stats.values())
        return TermStats(
            sum(s.n_passages for s in self.stats.values()),
            sum(s.total_length for s in self.stats.values()),
            df,
        )

    def search(self, query: Query, k: int, filters: Filters | None) -> list[Match]:
        """Round two: each shard's best candidates with the corpus-wide weights, merged."""
        bot = self.bot
        bm25, answers = bot.settings.bm25, bot.settings.answers
        terms, stats = query.bag, query.stats
        if k <= 0 or not terms:
            return []
        generations = {i: s.generation for i, s in self.stats.items()}
        df = {t: stats.df[t] for t in dict.fromkeys(terms)}
        weights = bm25_weights(
            bm25, stats.n_passages, stats.total_length, df,
            lambda: bot._document_frequencies(generations),
        )  # fmt: skip
        # Folding goes twice as deep, so that folded copies leave room for others.
        wanted = 2 * k if self.fold else k
        reranking = answers.article_weight > 0 and answers.rerank_depth > 0
        depth = max(wanted, answers.rerank_depth) if reranking else wanted
        found = bot.runtime.call(
            "candidates", lambda i: (terms, depth, weights, df, generations[i], filters),
            list(generations), bot.wait,
        )  # fmt: skip
        self._lost(set(generations) - set(found))
        matches = merge(
            [found[i] for i in sorted(found)], terms, wanted, stats, self.n_articles,
            rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
        )  # fmt: skip
        if not self.fold:
            return matches
        threshold = answers.near_duplicate
        bodies = self._bodies(matches, found, generations) if threshold <= 1.0 else {}
        return fold_near_duplicates(matches, lambda a: bodies.get(a, ""), threshold, limit=k)

    def _bodies(
        self,
        matches: Sequence[Match],
        found: Mapping[int, Sequence[Candidate]],
        generations: Mapping[int, int],
    ) -> dict[str, str]:
        """The beginning of each matched article's text, from the shard that gave it."""
        wanted = {m.article.id for m in matches}
        if len(wanted) < 2:
            return {}  # nothing to compare
        owned: dict[int, list[str]] = {}
        for shard, candidates in found.items():
            for article_id in dict.fromkeys(c.match.article.id for c in candidates):
                if article_id in wanted:
                    owned.setdefault(shard, []).append(article_id)
        replies = self.bot.runtime.call(
            "bodies", lambda i: (owned[i], generations[i], MAX_CHARS), list(owned), self.bot.wait
        )
        # A shard that did not reply: its articles are not compared (none is folded).
        self._lost(set(owned) - set(replies))
        return {a: text for reply in replies.values() for a, text in reply.items()}


def _combined(reports: list[ReindexReport]) -> ReindexReport:
    """One report for the cluster: each article is reported by the shard that owns it.

    An article whose text was edited into another shard's is removed by one and added by
    the other: for the cluster it changed.
    """
    added = {a for r in reports for a in r.added}
    removed = {a for r in reports for a in r.removed}
    moved = added & removed
    return ReindexReport(
        added=tuple(sorted(added - moved)),
        changed=tuple(sorted(moved.union(*(r.changed for r in reports)))),
        removed=tuple(sorted(removed - moved)),
        unchanged=tuple(sorted(a for r in reports for a in r.unchanged)),
        # Every shard reads a file it cannot use: say so once.
        problems=_distinct_problems(p for r in reports for p in r.problems),
        rebuilt=any(r.rebuilt for r in reports),
        # Copies of one text are all in the shard that owns it.
        duplicates=tuple(sorted(d for r in reports for d in r.duplicates)),
        written=all(r.written for r in reports),
    )


def _distinct_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(dict.fromkeys(problems))
