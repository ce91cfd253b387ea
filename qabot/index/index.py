"""The index's front door: open it, keep it in step with the corpus, read its current state.

:class:`Index` owns the whole life of one index folder: loading the committed snapshot
(checked, or rebuilt when unusable), updating it from the corpus under the write lock
(plan → write new segments → commit a manifest → read it back), and noticing snapshots
committed by another process. Questions read one immutable :class:`Snapshot` from
:meth:`Index.current`; an update builds the next one and replaces it whole, so readers
in other threads never see a half-applied change.

Readers never wait for a writer: :meth:`Index.catch_up` (what opening does) updates the
index only when the write lock is free and the folder writable, and otherwise answers
from the last commit. Writers (:meth:`Index.update`) take turns on the lock and plan
against what was committed before them. Before a snapshot is used, its memory-mapped
files are checked for changes in place; a changed one is never read again: the index is
reopened, or rebuilt from the corpus.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import overload

from qabot.analysis import Analyzer
from qabot.answering.quotes import extraction_fingerprint
from qabot.config import Settings
from qabot.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexStoreError,
    IndexWriteError,
    QABotError,
)
from qabot.index.reader import SnapshotReader
from qabot.index.segment import ArticleRecord, Segment
from qabot.index.snapshot import Duplicate, DuplicatesFile, Snapshot
from qabot.index.store import (
    changed_in_place,
    check_location,
    current_marker,
    discard_duplicates,
    discard_segments,
    new_segment_name,
    read_snapshot,
    write_duplicates,
    write_error,
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

    def __init__(
        self,
        settings: Settings,
        analyzer: Analyzer,
        snapshot: Snapshot | None,
        marker: bytes | None = None,
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        self.settings = settings
        #: Which articles this index holds, by body key (``None``: all; a shard: its own).
        self.owns = owns
        self.analyzer = analyzer
        #: Whether a usable committed snapshot was found when loading.
        self.loaded = snapshot is not None
        self._snapshot = snapshot or self._empty()
        #: ``CURRENT`` as it was when the snapshot in use was read.
        self._marker = marker
        #: Why no snapshot can answer (its files changed and it could not be rebuilt).
        self._broken: str | None = None
        #: Set while a snapshot with changed files is replaced: questions wait for it.
        self._reopening = False
        self._update_lock = threading.Lock()
        self._refresh_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        settings: Settings,
        analyzer: Analyzer,
        *,
        owns: Callable[[str], bool] | None = None,
    ) -> Index:
        """The committed index in ``settings.index_dir``, or an empty one to build.

        An index that is missing, damaged, of another format or built with other settings
        loads empty (``loaded`` is false): :meth:`update` builds it. A location that can
        never hold an index (a file) raises :class:`~qabot.errors.IndexWriteError`.
        With ``owns``, the index holds only the articles whose body key
        (:func:`~qabot.articles.body_key`) it accepts: one shard of a cluster.
        """
        check_location(settings.index_dir)
        # Read before the snapshot: a commit in between is then picked up by ``refresh``.
        marker = current_marker(settings.index_dir)
        return cls(settings, analyzer, _load_usable(settings, analyzer), marker, owns)

    def _empty(self) -> Snapshot:
        return Snapshot.empty(fingerprint(self.analyzer), self.settings.passages.to_dict())

    # -- reading --------------------------------------------------------------------------
    def current(self) -> Snapshot:
        """The snapshot to answer from, picking up one another process committed.

        Raises :class:`~qabot.errors.IndexCorruptError` when the index files changed under
        this process and the index could not be rebuilt.
        """
        if not self._update_lock.locked():
            self.refresh()
        if self._reopening or any(changed_in_place(s) for s in self._snapshot.segments):
            self._reopen()
        if self._broken:
            raise IndexCorruptError(self._broken)
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
                self.settings, self.analyzer, _reusable(self._snapshot),
                "answering from the index loaded before; the next reindex repairs it",
                _known_duplicates(self._snapshot),
            )  # fmt: skip
            # Seen either way: an unusable commit is not re-read on every question.
            self._marker = marker
            if snapshot is None:
                return False
            self._snapshot, self._broken = snapshot, None
            log.info("picked up index generation %d", snapshot.generation)
            return True

    def _reopen(self) -> None:
        """Replace a snapshot whose mapped files changed in place: reread, else rebuild."""
        index_dir = self.settings.index_dir
        with self._refresh_lock:
            snapshot = self._snapshot
            changed = [path for s in snapshot.segments for path in changed_in_place(s)]
            if not changed:
                return
            log.warning(
                "index file %s changed on disk while in use (restored, copied over or "
                "damaged?); reopening the index",
                changed[0],
            )
            # Whatever follows, the changed mapping is never read again.
            self._snapshot, self._reopening = self._empty(), True
            try:
                self._marker = current_marker(index_dir)
                reopened = _load_usable(self.settings, self.analyzer, _reusable(snapshot))
                if reopened is not None:
                    self._snapshot, self._broken = reopened, None
                    return
                self.update()
            except QABotError as exc:
                self._broken = (
                    f"the index in {index_dir} changed on disk and could not be rebuilt: {exc}"
                )
            finally:
                self._reopening = False

    def reader(self) -> SnapshotReader:
        """A question's reader: the snapshot to answer from, taken when first needed."""
        return SnapshotReader(self.settings, self.current)

    def articles(self) -> Sequence[Article]:
        """The live articles ordered by id; each is built when read, so paging is cheap."""
        return _Articles(self.current().articles)

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One passage of an article by position, or ``None`` if there is no such passage."""
        return self.current().passage(article_id, position)

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
            duplicates=len(snapshot.duplicates),
        )

    # -- updating -------------------------------------------------------------------------
    def update(
        self,
        rebuild: bool = False,
        progress: Progress | None = None,
        *,
        wait: bool = True,
        paths: Collection[str] | None = None,
    ) -> ReindexReport:
        """Bring the index in step with the corpus and commit it; returns what changed.

        Only new or changed articles are analysed; ``rebuild`` re-analyses everything.
        With ``paths`` (relative paths of files and folders known to have changed), only
        they are looked at in the corpus: the rest is taken to be as last committed.
        Readers keep the previous snapshot until the new one is committed and read back.
        Waits for another writer up to 30 s (``wait=False``: not at all), then raises
        :class:`~qabot.errors.IndexLockedError`; a folder that cannot be written raises
        :class:`~qabot.errors.IndexWriteError`, leaving the previous commit in force.
        """
        index_dir = self.settings.index_dir
        if not self._update_lock.acquire(blocking=wait):
            raise IndexLockedError(f"the index in {index_dir} is being updated by this process")
        try:
            with write_lock(index_dir, timeout=30.0 if wait else 0.0):
                return self._update_locked(rebuild, progress, paths)
        finally:
            self._update_lock.release()

    def _update_locked(
        self, rebuild: bool, progress: Progress | None, paths: Collection[str] | None
    ) -> ReindexReport:
        settings = self.settings
        index_dir = settings.index_dir
        # Planned against what is committed now: another writer may have gone before.
        base = None if rebuild else self._latest_committed()
        reserved: set[str] = set()

        def new_name() -> str:
            # Names come from the folder; skip the ones handed out but not written yet.
            name = new_segment_name(index_dir, reserved)
            reserved.add(name)
            return name

        plan = plan_update(
            settings.corpus, index_dir, self.analyzer, settings.passages, base, new_name,
            progress, self.owns, paths,
        )  # fmt: skip
        report = plan.report
        if not (report.modified or base is None or plan.new):
            # Nothing to commit; keep the snapshot but remember this scan's problems.
            self._snapshot = replace(base, problems=plan.problems, _cache={})
            self._snapshot.carry_over(base)
            self._marker, self._broken = current_marker(index_dir), None
            return report
        written: list[str] = []
        # The duplicates are written again only when they changed (a few a commit at most;
        # at a million passages, thousands of records in all).
        same = base is not None and plan.duplicates == base.duplicates
        dups = base.duplicates if base is not None and same else plan.duplicates
        dups_file = base.duplicates_file if base is not None and same else None
        new_dups: DuplicatesFile | None = None
        try:
            for segment in plan.new:
                write_segment(index_dir, segment)
                written.append(segment.name)
            if dups and dups_file is None:
                dups_file = new_dups = write_duplicates(index_dir, dups)
            write_snapshot(
                index_dir,
                list(zip(plan.segments, plan.deleted, strict=True)),
                fingerprint(self.analyzer),
                settings.passages.to_dict(),
                plan.problems,
                dups_file,
            )
        except OSError as exc:
            # Not committed: give back the disk the new segments took.
            discard_segments(index_dir, written)
            discard_duplicates(index_dir, new_dups)
            raise write_error(index_dir, exc) from None
        # Read back what was committed: the new segments memory-mapped and checked,
        # the older ones and the duplicates reused as they are.
        loaded = {s.name: s for s in (base.segments if base else ())}
        known = (dups_file, dups) if dups_file is not None else None
        committed = read_snapshot(index_dir, settings.corpus, loaded, known)
        if committed is None:  # pragma: no cover - just written
            raise IndexStoreError(f"the index in {index_dir} vanished while updating")
        if base is not None:
            committed.carry_over(base)
        self._snapshot, self._broken = committed, None
        self._marker = current_marker(index_dir)
        log.info("index updated: %s", report)
        return report

    def add_file(self, path: Path, data: bytes) -> ReindexReport:
        """Index an article file just saved into the corpus (``data``: its bytes).

        One update of the whole corpus: it picks up the file, and whatever else changed.
        """
        return self.update()

    def catch_up(
        self, progress: Progress | None = None, paths: Collection[str] | None = None
    ) -> ReindexReport | None:
        """Update the index if the corpus changed, without ever waiting: what readers do.

        ``paths``: as for :meth:`update` (what a corpus watcher saw change).

        Returns the report, or ``None`` when another writer holds the lock: answers then
        come from the last commit. An index that cannot be written (read-only, disk
        full) answers as it is, with a warning when the corpus changed since.
        """
        index_dir = self.settings.index_dir
        try:
            return self.update(progress=progress, wait=False, paths=paths)
        except IndexLockedError:
            log.info("an update is in progress in %s; answering from the last commit", index_dir)
            return None
        except IndexWriteError as exc:
            plan = plan_update(
                self.settings.corpus, index_dir, self.analyzer, self.settings.passages,
                self._snapshot, lambda: "seg-unwritten", progress,
            )  # fmt: skip
            if plan.report.modified:
                log.warning(
                    "the index in %s cannot be updated (%s); answering from it as it is, "
                    "answers may be stale (%s)",
                    index_dir, exc.reason, plan.report,
                )  # fmt: skip
            return replace(plan.report, written=not plan.report.modified)

    def _latest_committed(self) -> Snapshot | None:
        """The snapshot on disk now (another process may have committed a newer one)."""
        if current_marker(self.settings.index_dir) == self._marker and not any(
            changed_in_place(s) for s in self._snapshot.segments
        ):
            # Unchanged since read; generation 0: nothing usable was committed.
            return self._snapshot if self._snapshot.generation else None
        return _load_usable(
            self.settings, self.analyzer, _reusable(self._snapshot),
            duplicates=_known_duplicates(self._snapshot),
        )  # fmt: skip

    def __repr__(self) -> str:
        snapshot = self._snapshot
        return f"Index({str(self.settings.index_dir)!r}, generation {snapshot.generation})"


def _reusable(snapshot: Snapshot) -> dict[str, Segment]:
    """The segments of ``snapshot`` that can be reused, by name: those whose files are intact."""
    return {s.name: s for s in snapshot.segments if not changed_in_place(s)}


def _known_duplicates(
    snapshot: Snapshot,
) -> tuple[DuplicatesFile, tuple[Duplicate, ...]] | None:
    """A snapshot's file of duplicates with its records, to reuse when named again."""
    if snapshot.duplicates_file is None:
        return None
    return snapshot.duplicates_file, snapshot.duplicates


def _load_usable(
    settings: Settings,
    analyzer: Analyzer,
    reuse: Mapping[str, Segment] | None = None,
    consequence: str = "it will be rebuilt from the corpus",
    duplicates: tuple[DuplicatesFile, tuple[Duplicate, ...]] | None = None,
) -> Snapshot | None:
    """The committed snapshot if it can answer with these settings, else ``None``.

    Segments in ``reuse`` (checked when they were read) are reused rather than read again
    when the snapshot names them with the same id, and so are the records of
    ``duplicates`` when it names that file with that checksum.
    """
    try:
        snapshot = read_snapshot(settings.index_dir, settings.corpus, reuse, duplicates)
    except IndexStoreError as exc:
        log.warning("index cannot be used (%s); %s", exc, consequence)
        return None
    if snapshot is None:
        return None
    if snapshot.analyzer != fingerprint(analyzer) or snapshot.passage_settings != (
        settings.passages.to_dict()
    ):
        log.warning(
            "index was built with other analysis settings or other quotation rules; %s",
            consequence,
        )
        return None
    return snapshot


def fingerprint(analyzer: Analyzer) -> dict[str, object]:
    """What decides an index's terms and quotations, stored with it: an index made with
    another analysis, or by another quotation extractor, is rebuilt."""
    return {**analyzer.fingerprint(), "quotations": extraction_fingerprint()}


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
        noun = "article" if len(self) == 1 else "articles"
        return f"<{len(self):,} {noun}{shown if titles else ''}>"
