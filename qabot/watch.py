"""Keep a running process's index in step with its corpus folder: the one watchdog importer.

The Telegram bot and the terminal chat run for days while articles are saved into the
corpus. :class:`CorpusWatcher` watches the folder (watchdog: inotify, FSEvents, kqueue or
ReadDirectoryChangesW) and brings the index up to date when files change: a burst of
events (a folder of articles copied in, an editor's save-and-rename) is waited out
(``debounce``) and costs one update, which looks only at the paths the events named
(a few ``stat`` calls, not one per file of the corpus). Reading the corpus opens files
and fires events of its own: only changes (created, modified, moved, deleted, closed
after writing) count, and nothing under a hidden folder such as the index's own
``.qabot-index``.

When the folder cannot be watched (no inotify watches left, a file system without
events) the watcher says so in the log and checks the folder every ``poll`` seconds
instead. While watching, it still checks every ``rescan`` seconds, however often events
come, for what no event named: events an overflowing queue dropped, a file changed through
a link from inside the corpus, a folder that became readable. That check looks at every
file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from pathlib import Path
from types import TracebackType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from qabot.core import QABot
from qabot.errors import QABotError

__all__ = ["DEBOUNCE_SECONDS", "POLL_SECONDS", "RESCAN_SECONDS", "CorpusWatcher"]

log = logging.getLogger(__name__)

#: Events closer together than this are one change: the update starts after a quiet spell.
DEBOUNCE_SECONDS = 0.25
#: … but a steady stream of events (a long copy) is not waited out for longer than this.
MAX_WAIT_SECONDS = 2.0
#: How often the folder is checked when it cannot be watched.
POLL_SECONDS = 5.0
#: How often a watched folder is checked anyway, for events the system dropped.
RESCAN_SECONDS = 300.0
#: More paths than this in one burst: the update looks at the whole corpus instead.
MAX_PATHS = 10_000
#: Events that say a file changed; reading one (opened, closed without writing) does not.
_CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})


def _quiet_stop(record: logging.LogRecord) -> bool:
    """Drop watchdog's error for an event read while its observer stops (harmless).

    Stopping an inotify observer races with its reading thread: an event read just as
    the watch closes is logged at ERROR ("queue_events() called when the thread is
    inactive") and dropped, which is what stopping means. The CLI prints errors on
    stderr, so a chat that ends while files change would end with that line.
    """
    return "called when the thread is inactive" not in record.getMessage()


class CorpusWatcher:
    """Updates ``bot``'s index when its corpus changes, from :meth:`start` to :meth:`stop`.

    ``bot`` answers from one index or from a cluster's shards (which read the same
    corpus folder).

    Use as a context manager around a process's serving loop. Updates run in one
    background thread and never wait for another writer: when one holds the index, the
    update is tried again after it.
    """

    def __init__(
        self,
        bot: QABot,
        *,
        debounce: float = DEBOUNCE_SECONDS,
        poll: float = POLL_SECONDS,
        rescan: float = RESCAN_SECONDS,
        use_events: bool = True,
    ) -> None:
        self.bot = bot
        self.debounce, self.poll, self.rescan = debounce, poll, rescan
        self._use_events = use_events
        self._changed = threading.Event()
        self._stopping = threading.Event()
        #: The paths events named since the last update (``None``: look at everything).
        self._paths: set[str] | None = set()
        self._paths_lock = threading.Lock()
        self._observer: BaseObserver | None = None
        self._thread: threading.Thread | None = None
        corpus = bot.settings.corpus
        self._watched = os.path.abspath(corpus)  # events name paths under it
        self._corpus = os.path.realpath(corpus)
        self._index = os.path.realpath(bot.settings.index_dir)

    @property
    def watching(self) -> bool:
        """Whether file events are watched (else the folder is checked every ``poll`` s)."""
        return self._observer is not None

    def start(self) -> CorpusWatcher:
        """Watch the corpus (or, failing that, poll it) in background threads."""
        if self._thread is not None:
            return self
        if self._use_events:
            self._observer = self._observe()
        self._thread = threading.Thread(target=self._run, name="qabot-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching; an update under way is finished first."""
        self._stopping.set()
        self._changed.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> CorpusWatcher:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _observe(self) -> BaseObserver | None:
        corpus = self.bot.settings.corpus
        # watchdog's inotify thread warns when a folder created with its parents (mkdir -p)
        # is watched twice, and goes on watching it once: noise, and under warnings-as-
        # errors it would end the thread.
        warnings.filterwarnings(
            "ignore", r"Callback with id .* already exists", RuntimeWarning, r"watchdog\."
        )
        logging.getLogger("watchdog.observers.inotify").addFilter(_quiet_stop)
        observer = Observer()
        try:
            observer.schedule(_Handler(self), str(corpus), recursive=True)
            observer.start()
        except OSError as exc:  # no inotify watches or instances left, folder gone, …
            log.warning(
                "cannot watch %s for changes (%s); checking it every %g s instead",
                corpus, exc.strerror or exc, self.poll,
            )  # fmt: skip
            return None
        log.info("watching %s for changes", corpus)
        return observer

    def _notice(self, path: str, named: bool = True) -> None:
        """An event at ``path``: count it unless it is hidden or inside the index.

        ``named``: the path itself changed (not so for a folder whose listing changed:
        the events of its files name them).
        """
        real = os.path.realpath(path)
        if real == self._index or real.startswith(self._index + os.sep):
            return
        relative = os.path.relpath(real, self._corpus)
        if any(part.startswith(".") and part != ".." for part in Path(relative).parts):
            return
        if named:
            inside = os.path.relpath(os.path.abspath(path), self._watched)
            with self._paths_lock:
                if self._paths is not None:
                    if inside == "." or inside.startswith("..") or len(self._paths) >= MAX_PATHS:
                        self._paths = None  # the next update looks at everything
                    else:
                        self._paths.add(Path(inside).as_posix())
        self._changed.set()

    def _take_paths(self) -> set[str] | None:
        with self._paths_lock:
            paths, self._paths = self._paths, set()
        return paths

    def _give_back(self, paths: set[str] | None) -> None:
        """Paths not yet looked at (``None``: the next update looks at everything)."""
        with self._paths_lock:
            if paths is None or self._paths is None:
                self._paths = None
            else:
                self._paths |= paths

    def _run(self) -> None:
        # The bot was brought up to date when opened: the first look at everything is due
        # one interval later, and every interval after it, however often events come.
        last_full = time.monotonic()
        while not self._stopping.is_set():
            interval = self.rescan if self.watching else self.poll
            due = last_full + interval
            if self._changed.wait(max(0.0, due - time.monotonic())):
                self._settle()
            if self._stopping.is_set():
                return
            # Cleared before reading the folder: a change made meanwhile calls again.
            self._changed.clear()
            paths = self._take_paths()
            if time.monotonic() >= due:
                paths, last_full = None, time.monotonic()
            # Look at what the events named; on the clock, at everything.
            self._update(paths)

    def _settle(self) -> None:
        """Wait until events stop for ``debounce`` seconds (at most ``MAX_WAIT_SECONDS``)."""
        began = time.monotonic()
        while time.monotonic() - began < MAX_WAIT_SECONDS:
            self._changed.clear()
            if self._stopping.wait(self.debounce) or not self._changed.is_set():
                return

    def _update(self, paths: set[str] | None) -> None:
        try:
            report = self.bot.catch_up(paths=paths)
        except QABotError as exc:
            log.warning("could not update the index after a change in the corpus: %s", exc)
            self._give_back(None)
            return
        if report is None:  # another writer holds the index: try again after it
            self._give_back(paths)
            self._changed.set()
            self._stopping.wait(self.debounce)
        elif not report.written:
            # Not written (a full disk): the next update looks at everything again.
            self._give_back(None)
        elif report.modified:
            log.info("corpus changed; index updated: %s", report)


class _Handler(FileSystemEventHandler):
    """Passes watchdog's events on to the watcher."""

    def __init__(self, watcher: CorpusWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        # A folder "modified" when a file in it was added or removed: the file's event names it.
        named = not (event.is_directory and event.event_type in ("modified", "closed"))
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self.watcher._notice(os.fsdecode(path), named)
