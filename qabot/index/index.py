"""The index's front door: open it, keep it in step with the corpus, read its current state.

:class:`Index` owns the whole life of one index folder: loading the committed snapshot
(checked, or rebuilt when unusable), updating it from the corpus under the write lock
(plan → write new segments → commit a manifest → read it back), and noticing snapshots
committed by another process. Questions read one immutable :class:`Snapshot` from
:meth:`Index.current`; an update builds the next one and replaces it whole, so readers
in other threads never see a half-applied change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import overload

from qabot.analysis import Analyzer
from qabot.config import Settings
from qabot.errors import IndexStoreError
from qabot.index.segment import ArticleRecord
from qabot.index.snapshot import Snapshot
from qabot.index.store import (
    current_marker,
    new_segment_name,
    read_snapshot,
    write_lock,
    write_segment,
    write_snapshot,
)
from qabot.index.update import Progress, plan_update
from qabot.values import Article, IndexStats, Passage, ReindexReport

__all__ = ["Index"]

log = logging.getLogger(__name__)


class Index:
    """The index of one corpus in one folder. Thread-safe; create with :meth:`load`."""

    def __init__(self, settings: Settings, analyzer: Analyzer, snapshot: Snapshot | None) -> None:
        self.settings = settings
        self.analyzer = analyzer
        #: Whether a usable committed snapshot was found when loading.
        self.loaded = snapshot is not None
        self._snapshot = snapshot or Snapshot.empty(
            analyzer.fingerprint(), settings.passages.to_dict()
        )
        self._marker = current_marker(settings.index_dir)
        self._update_lock = threading.Lock()
        self._refresh_lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings, analyzer: Analyzer) -> Index:
        """The committed index in ``settings.index_dir``, or an empty one to build.

        An index that is missing, damaged, of another format or built with other settings
        loads empty (``loaded`` is false): :meth:`update` with ``rebuild`` builds it.
        """
        return cls(settings, analyzer, _load_usable(settings, analyzer))

    # -- reading --------------------------------------------------------------------------
    def current(self) -> Snapshot:
        """The snapshot to answer from, picking up one another process committed."""
        if not self._update_lock.locked():
            self.refresh()
        return self._snapshot

    def refresh(self) -> bool:
        """Load a snapshot committed by another process; ``True`` if one was loaded."""
        marker = current_marker(self.settings.index_dir)
        if marker == self._marker or marker is None:
            return False
        with self._refresh_lock:
            if marker == self._marker:
                return False
            snapshot = _load_usable(
                self.settings, self.analyzer, self._snapshot,
                "answering from the index loaded before; the next reindex repairs it",
            )  # fmt: skip
            # Seen either way: an unusable commit is not re-read on every question.
            self._marker = marker
            if snapshot is None:
                return False
            self._snapshot = snapshot
            log.info("picked up index generation %d", snapshot.generation)
            return True

    def articles(self) -> Sequence[Article]:
        """The live articles ordered by id; each is built when read, so paging is cheap."""
        return _Articles(self.current().articles)

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One passage of an article by position, or ``None`` if there is no such passage."""
        snapshot = self.current()
        found = snapshot.find_article(article_id)
        if found is None:
            return None
        segment, record = found
        if not 0 <= position < record.count:
            return None
        return snapshot.segments[segment].passage(record.first + position)

    def words_per_passage(self) -> float:
        """Average number of words in a passage (what a reader gets per hit)."""
        snapshot = self.current()
        if not snapshot.n_passages:
            return 0.0
        return sum(len(text.split()) for text in snapshot.passage_texts()) / snapshot.n_passages

    def stats(self) -> IndexStats:
        """Figures about the index: articles, passages, terms, size, last update."""
        snapshot = self.current()
        return IndexStats(
            articles=snapshot.n_articles,
            passages=snapshot.n_passages,
            terms=snapshot.n_terms,
            size_bytes=snapshot.size_bytes,
            updated=snapshot.created,
            corpus=self.settings.corpus,
            index=self.settings.index_dir,
            problems=snapshot.problems,
        )

    # -- updating -------------------------------------------------------------------------
    def update(self, rebuild: bool = False, progress: Progress | None = None) -> ReindexReport:
        """Bring the index in step with the corpus and commit it; returns what changed.

        Only new or changed articles are analysed; ``rebuild`` re-analyses everything.
        Readers keep the previous snapshot until the new one is committed and read back.
        """
        settings = self.settings
        index_dir = settings.index_dir
        with self._update_lock, write_lock(index_dir):
            base = None if rebuild else self._latest_committed()
            reserved: set[str] = set()

            def new_name() -> str:
                # Names come from the folder; skip the ones handed out but not written yet.
                name = new_segment_name(index_dir, reserved)
                reserved.add(name)
                return name

            plan = plan_update(
                settings.corpus, index_dir, self.analyzer, settings.passages, base, new_name,
                progress,
            )  # fmt: skip
            report = plan.report
            if not (report.modified or base is None or plan.new):
                # Nothing to commit; keep the snapshot but remember this scan's problems.
                self._snapshot = replace(base, problems=plan.problems, _cache={})
                return report
            for segment in plan.new:
                write_segment(index_dir, segment)
            write_snapshot(
                index_dir,
                {s.name: d for s, d in zip(plan.segments, plan.deleted, strict=True)},
                self.analyzer.fingerprint(),
                settings.passages.to_dict(),
                plan.problems,
            )
            # Read back what was committed: the new segments memory-mapped and checked,
            # the older ones reused as they are.
            loaded = {s.name: s for s in (base.segments if base else ())}
            committed = read_snapshot(index_dir, settings.corpus, loaded)
            if committed is None:  # pragma: no cover - just written
                raise IndexStoreError(f"the index in {index_dir} vanished while updating")
            self._snapshot = committed
            self._marker = current_marker(index_dir)
            log.info("index updated: %s", report)
            return report

    def _latest_committed(self) -> Snapshot | None:
        """The snapshot on disk now (another process may have committed a newer one)."""
        if current_marker(self.settings.index_dir) == self._marker and self._snapshot.generation:
            return self._snapshot
        return _load_usable(self.settings, self.analyzer, self._snapshot)

    def __repr__(self) -> str:
        snapshot = self._snapshot
        return f"Index({str(self.settings.index_dir)!r}, generation {snapshot.generation})"


def _load_usable(
    settings: Settings,
    analyzer: Analyzer,
    loaded: Snapshot | None = None,
    consequence: str = "it will be rebuilt from the corpus",
) -> Snapshot | None:
    """The committed snapshot if it can answer with these settings, else ``None``.

    Segments of ``loaded`` (checked when it was read) are reused rather than read again.
    """
    reuse = {s.name: s for s in loaded.segments} if loaded is not None else None
    try:
        snapshot = read_snapshot(settings.index_dir, settings.corpus, reuse)
    except IndexStoreError as exc:
        log.warning("index cannot be used (%s); %s", exc, consequence)
        return None
    if snapshot is None:
        return None
    if snapshot.analyzer != analyzer.fingerprint() or snapshot.passage_settings != (
        settings.passages.to_dict()
    ):
        log.warning("index was built with other analysis settings; %s", consequence)
        return None
    return snapshot


class _Articles(Sequence[Article]):
    """A read-only view of a snapshot's live articles, in id order."""

    def __init__(self, live: Sequence[tuple[int, ArticleRecord]]) -> None:
        self._live = live

    def __len__(self) -> int:
        return len(self._live)

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Article]: ...
    def __getitem__(self, index: int | slice) -> Article | Sequence[Article]:
        if isinstance(index, slice):
            return [rec.article for _, rec in self._live[index]]
        return self._live[index][1].article

    def __repr__(self) -> str:
        # What a REPL user wants to see: how many, and which (a few titles).
        titles = [a.title if len(a.title) <= 40 else a.title[:39] + "…" for a in self[:3]]
        shown = ": " + ", ".join(map(repr, titles)) + (", …" if len(self) > 3 else "")
        return f"<{len(self):,} articles{shown if titles else ''}>"
