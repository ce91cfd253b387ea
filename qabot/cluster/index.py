"""A corpus indexed in shards on a Ray cluster: what a :class:`~qabot.QABot` answers from.

:class:`ClusterIndex` is the cluster's counterpart of :class:`~qabot.index.Index`, and
what :meth:`QABot.open_cluster <qabot.QABot.open_cluster>` serves from: it builds or
updates the shards, gives each question a :class:`~qabot.cluster.ClusterReader` (whose
answers equal one index's over the whole corpus), routes an added article to the shards
concerned, and sums the shards' articles and figures.
"""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from qabot.articles import parse_file
from qabot.cluster.reader import ClusterReader
from qabot.cluster.runtime import Runtime, connect
from qabot.cluster.shard import ShardInfo
from qabot.cluster.sharding import cluster_root, owner_of, read_shards, write_shards
from qabot.config import Settings
from qabot.errors import ClusterError
from qabot.index import Progress
from qabot.values import Article, IndexStats, Passage, Problem, ReindexReport

__all__ = ["DEFAULT_SHARDS", "ClusterIndex"]

log = logging.getLogger(__name__)

#: Shards of a new cluster unless told otherwise.
DEFAULT_SHARDS = 4


class ClusterIndex:
    """A corpus's index in shards on a Ray cluster. Create with :meth:`open`."""

    def __init__(self, settings: Settings, runtime: Runtime, wait: float) -> None:
        self.settings = settings
        self.runtime = runtime
        self.shards = runtime.shards
        #: Seconds a question waits for each shard before answering without it.
        self.wait = wait
        self._all_df: tuple[tuple[tuple[int, int], ...], dict[str, int]] | None = None

    @classmethod
    def open(
        cls,
        address: str | None,
        settings: Settings,
        shards: int | None = None,
        *,
        update: bool = True,
        wait: float | None = None,
    ) -> tuple[ClusterIndex, ReindexReport | None]:
        """Join the Ray cluster at ``address`` (``None``: start one here) and serve the
        corpus of ``settings``; returns the index and what building or updating it changed.

        The shards' indexes live in the settings' index folder (default
        ``<corpus>/.qabot-cluster``), a folder every node must reach at the same path.
        Relative folders are taken from this process's working folder; a live node that
        does not see the corpus folder is refused (:class:`ClusterError`), for it would
        serve an empty corpus. A
        cluster folder keeps the number of shards it was built with (``shards`` defaults
        to it, else to 4). With ``update`` every shard is first built or brought in step
        with the corpus by parallel Ray tasks; then each shard is served by an actor that
        opens its committed index. A question waits ``wait`` seconds (default
        ``settings.cluster.wait``) for a shard.
        """
        # Ray runs tasks and actors in folders of its own, on other machines: a relative
        # path would name another folder there (or none).
        settings = settings.with_paths(
            _absolute(settings.corpus), _absolute(settings.index) if settings.index else None
        )
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
        Runtime.check_nodes(settings)
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
        return cls(settings, Runtime(settings, shards), wait), report

    # -- questions --------------------------------------------------------------------
    def reader(self) -> ClusterReader:
        """A question's reader: its rounds over the shards."""
        return ClusterReader(self)

    def document_frequencies(self, generations: Mapping[int, int]) -> dict[str, int]:
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

    # -- the corpus -------------------------------------------------------------------
    def update(
        self,
        rebuild: bool = False,
        progress: Progress | None = None,
        *,
        paths: Collection[str] | None = None,
    ) -> ReindexReport:
        """Bring every shard in step with the corpus; each indexes only its own articles.

        Waits for every shard (a restarting one included): an update is never lost, and
        running one twice changes nothing more. With ``paths`` (relative paths of the
        files and folders known to have changed) each shard looks only at those.
        ``progress`` is not reported: the shards update in their own processes.
        """
        wanted = None if paths is None else sorted(paths)
        return _combined(self.runtime.call_all("update", rebuild, wanted))

    def catch_up(
        self, progress: Progress | None = None, paths: Collection[str] | None = None
    ) -> ReindexReport:
        """Bring every shard in step with the corpus (what a corpus watcher calls): an
        :meth:`update`, which a shard never waits for another writer to run."""
        return self.update(paths=paths)

    def refresh(self) -> bool:
        """Always ``False``: each shard picks up what was committed for it on its own."""
        return False

    def add_file(self, path: Path, data: bytes) -> ReindexReport:
        """Index an article file just saved into the corpus: only the shards concerned.

        Those are the owners of its articles' texts and, when it replaces a file, the
        shards that held the old one's articles (an edited text may change shards).
        """
        relpath = _absolute(path).relative_to(self.settings.corpus).as_posix()
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
        return _combined(list(replies.values()))

    def articles(self) -> Sequence[Article]:
        """Every shard's articles, ordered by id (each shard's list is ordered already)."""
        return list(heapq.merge(*self.runtime.call_all("articles"), key=lambda a: a.id))

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One passage of an article by position, from the shard that holds it."""
        found = self.runtime.call_all("passage", article_id, position)
        return next((p for p in found if p is not None), None)

    def words_per_passage(self) -> float:
        """Average number of words in a passage, over every shard."""
        each: list[tuple[int, int]] = self.runtime.call_all("passage_words")
        passages = sum(n for _, n in each)
        return sum(words for words, _ in each) / passages if passages else 0.0

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
        return f"ClusterIndex({str(cluster_root(self.settings))!r}, {self.shards} shards)"


def _absolute(path: Path) -> Path:
    """``path`` from the root, as written (links are not resolved: each node has its own)."""
    return Path(os.path.abspath(path))


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
