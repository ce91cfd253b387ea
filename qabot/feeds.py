"""RSS and Atom feeds: the feed list, and one poll of it (the one owner of feedparser, which
reads RSS 0.9x, 1.0 and 2.0 and Atom).

The list is plain JSON in the corpus folder (``<corpus>/.qabot-feeds.json``, hidden, so
corpus scans skip it), replaced atomically. It lives with the articles, not in the index
folder, which is a cache anyone may delete (``make clean``, ``rm -rf corpus/.qabot-index``):
a list found where qabot kept it before (``<index>/feeds.json``) is moved there on first
use. For each feed it keeps the validators of the last answer (``ETag``,
``Last-Modified``), sent back as a conditional GET, and the items already added, so that
a second poll fetches nothing but the feed, or only its 304.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from qabot import atomic, locks
from qabot.config import Settings
from qabot.errors import FeedError, FetchError, MissingExtraError
from qabot.fetch import Fetcher
from qabot.ingest import Added, Failed, Hint, Ingester, normalise_url

try:
    import feedparser
except ImportError as exc:
    raise MissingExtraError.of(exc, "RSS and Atom feeds", "ingest") from None

__all__ = [
    "FEEDS_FILE",
    "LEGACY_FEEDS_FILE",
    "Feed",
    "FeedItem",
    "FeedList",
    "PollReport",
    "parse_feed",
    "poll",
    "poll_feed_list",
    "subscribe",
]

log = logging.getLogger(__name__)

#: The feed list, in the corpus folder.
FEEDS_FILE = ".qabot-feeds.json"
#: Changes to the feed list are made under a lock on this file, beside it.
LOCK_FILE = ".qabot-feeds.lock"
#: Where the list was kept before, in the index folder: moved to the corpus when found.
LEGACY_FEEDS_FILE = "feeds.json"
#: Seconds a change waits for another process's (a change takes milliseconds).
LOCK_TIMEOUT = 30.0
FORMAT_VERSION = 1
#: Items remembered per feed: well over what a news feed lists at once.
MAX_SEEN = 2000
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class Feed:
    """A feed in the list, with what the last poll learnt."""

    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: Keys (ids, else links) of the items already added, newest last.
    seen: tuple[str, ...] = ()
    #: How many items the feed listed at the last poll.
    items: int = 0


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed: its key (id, else link), link, title and date (``YYYY-MM-DD``)."""

    key: str
    link: str
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class PollReport:
    """What one poll did: articles added, items already known, and what failed (feeds or items)."""

    added: int = 0
    unchanged: int = 0
    failed: tuple[Failed, ...] = ()
    added_paths: tuple[Path, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "failed": [{"url": f.url, "reason": f.reason} for f in self.failed],
        }

    def __str__(self) -> str:
        text = f"{self.added} added, {self.unchanged} unchanged"
        return text + (f", {len(self.failed)} failed" if self.failed else "")


class FeedList:
    """The feeds of one corpus, kept in ``<corpus>/.qabot-feeds.json``.

    Safe to share between threads and processes (a bot polling while ``qabot feeds add``
    runs): a change reads, changes and writes the list under a lock on
    ``<corpus>/.qabot-feeds.lock``, so no change is lost. A list at ``legacy`` (where an
    older qabot kept it) is moved to ``path`` on first use when ``path`` does not exist.
    """

    # One lock per file for every FeedList of this process (the bot's poll and /feeds).
    _locks: ClassVar[dict[Path, threading.Lock]] = {}
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()
    # Old lists already warned about as left unused (once per process each).
    _ignored: ClassVar[set[Path]] = set()

    def __init__(self, path: Path, legacy: Path | None = None) -> None:
        self.path = path
        self.legacy = legacy
        with FeedList._locks_guard:
            self._lock = FeedList._locks.setdefault(path.resolve(), threading.Lock())

    @classmethod
    def of(cls, settings: Settings) -> FeedList:
        """The feed list of ``settings``' corpus (moving one found in its index folder)."""
        return cls(settings.corpus / FEEDS_FILE, settings.index_dir / LEGACY_FEEDS_FILE)

    def feeds(self) -> list[Feed]:
        """The feeds, in the order they were added."""
        with self._lock:
            self._migrate()
            return self._read()

    def add(self, url: str, title: str | None = None) -> bool:
        """Add a feed; ``False`` if it is in the list already."""
        url = url.strip()
        with self._changing() as feeds:
            if any(normalise_url(f.url) == normalise_url(url) for f in feeds):
                return False
            feeds.append(Feed(url, title))
            return True

    def remove(self, url: str) -> bool:
        """Remove a feed; ``False`` if it was not in the list."""
        with self._changing() as feeds:
            kept = [f for f in feeds if normalise_url(f.url) != normalise_url(url)]
            removed = len(kept) != len(feeds)
            feeds[:] = kept
            return removed

    def update(self, feed: Feed) -> None:
        """Store what a poll learnt about ``feed`` (unless it was removed meanwhile).

        ``feed.seen`` holds the items this poll added: they join those remembered, which
        keeps what another poll added meanwhile (a bot's and ``qabot feeds poll`` at once).
        """
        with self._changing() as feeds:
            for i, old in enumerate(feeds):
                if old.url == feed.url:
                    seen = tuple(dict.fromkeys((*old.seen, *feed.seen)))[-MAX_SEEN:]
                    feeds[i] = replace(feed, seen=seen)

    def _migrate(self) -> None:
        """Move the list from where an older qabot kept it (the index folder) to ``path``."""
        legacy = self.legacy
        if legacy is None or not _is_file(legacy):
            return
        if _is_file(self.path):
            if legacy not in FeedList._ignored:
                FeedList._ignored.add(legacy)
                log.warning(
                    "the old feed list %s is left unused: the feed list is %s now; add any "
                    "feed missing from it with `qabot feeds add URL`, then delete the old one",
                    legacy, self.path,
                )  # fmt: skip
            return
        moving = f"move the feed list {legacy} to {self.path}"
        with self._process_lock(moving):
            if _is_file(self.path) or not _is_file(legacy):
                return  # another process moved it meanwhile
            try:
                try:
                    os.replace(legacy, self.path)
                    moved = True
                except OSError as exc:
                    if exc.errno != errno.EXDEV:
                        raise
                    # The index folder is on another file system: copied, then removed.
                    atomic.write_file(self.path, legacy.read_bytes())
                    moved = False
                atomic.fsync_folder(self.path.parent)
            except OSError as exc:
                raise FeedError(self._cannot(moving, exc)) from None
            if not moved:
                try:
                    legacy.unlink()
                except OSError as exc:
                    log.warning("cannot delete the old feed list %s: %s", legacy, exc)
        log.info(
            "moved the feed list %s to %s, where deleting the index folder leaves it",
            legacy, self.path,
        )  # fmt: skip

    @contextmanager
    def _changing(self) -> Iterator[list[Feed]]:
        with self._lock:
            self._migrate()
            with self._process_lock():
                feeds = self._read()
                before = list(feeds)
                yield feeds
                if feeds != before:
                    self._write(feeds)

    @contextmanager
    def _process_lock(self, doing: str | None = None) -> Iterator[None]:
        with ExitStack() as held:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                held.enter_context(locks.hold(self.path.with_name(LOCK_FILE), LOCK_TIMEOUT))
            except TimeoutError:  # (an OSError: caught first)
                raise FeedError(
                    f"another process has been changing the feed list {self.path} for "
                    f"{LOCK_TIMEOUT:g} s; try again"
                ) from None
            except OSError as exc:
                raise FeedError(self._cannot(doing, exc)) from None
            yield

    def _read(self) -> list[Feed]:
        try:
            raw = json.loads(self.path.read_bytes())
            return [
                Feed(
                    url=str(f["url"]),
                    title=f.get("title"),
                    etag=f.get("etag"),
                    last_modified=f.get("last_modified"),
                    seen=tuple(str(s) for s in f.get("seen", ())),
                    items=int(f.get("items", 0)),
                )
                for f in raw["feeds"]
            ]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise FeedError(f"cannot read the feed list {self.path}: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise FeedError(
                f"the feed list {self.path} is damaged ({exc!r}); fix or delete it, then add "
                "the feeds again"
            ) from None

    def _write(self, feeds: list[Feed]) -> None:
        data = {"version": FORMAT_VERSION, "feeds": [asdict(f) for f in feeds]}
        payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        try:
            atomic.write_file(self.path, payload)
        except OSError as exc:
            raise FeedError(self._cannot(None, exc)) from None

    def _cannot(self, doing: str | None, exc: OSError) -> str:
        """The one-line error for a file system that says no."""
        doing = doing or f"write the feed list {self.path}"
        return (
            f"cannot {doing}: {exc.strerror or exc}; the feed list is kept in the corpus "
            "folder, which must be writable"
        )


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def parse_feed(data: bytes, url: str) -> tuple[str | None, list[FeedItem]]:
    """A feed's title and items (RSS 0.9x/1.0/2.0 or Atom); :class:`FeedError` if not a feed."""
    parsed = feedparser.parse(data, response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise FeedError("it is not an RSS or Atom feed")
    items: list[FeedItem] = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link.startswith(("http://", "https://")):
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            FeedItem(
                key=str(entry.get("id") or link),
                link=link,
                title=entry.get("title") or None,
                date=time.strftime("%Y-%m-%d", when) if when else None,
            )
        )
    title = parsed.feed.get("title") or None
    return title, items


def check_feed(url: str, fetcher: Fetcher) -> str | None:
    """Fetch ``url`` once to make sure it is a feed; returns its title."""
    page = fetcher.fetch(url, accept=FEED_ACCEPT)
    title, _ = parse_feed(page.body, page.url)
    return title


def subscribe(settings: Settings, url: str) -> tuple[Feed, bool]:
    """Add ``url`` to the feed list of ``settings``' corpus once it proved to be a feed.

    Returns the feed and whether it is new (``False``: it was in the list already).
    Raises :class:`FetchError` or :class:`FeedError` with the reason otherwise.
    """
    feeds = FeedList.of(settings)
    known = next((f for f in feeds.feeds() if normalise_url(f.url) == normalise_url(url)), None)
    if known is not None:
        return known, False
    with Fetcher(settings.fetch) as fetcher:
        try:
            title = check_feed(url.strip(), fetcher)
        except FeedError as exc:
            raise FeedError(f"cannot add the feed {url}: {exc}") from None
    feeds.add(url, title)
    return Feed(url.strip(), title), True


def poll(feeds: FeedList, ingester: Ingester) -> PollReport:
    """Fetch each feed (conditionally) and add the items not added before."""
    fetcher = ingester.fetcher
    unchanged = 0
    failed: list[Failed] = []
    jobs: list[tuple[Feed, FeedItem]] = []
    fresh: list[tuple[Feed, list[FeedItem]]] = []
    for feed in feeds.feeds():
        try:
            page = fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
            if page.not_modified:
                log.info("feed %s: not modified", feed.url)
                unchanged += feed.items
                continue
            title, items = parse_feed(page.body, page.url)
        except FetchError as exc:
            failed.append(Failed(feed.url, exc.reason))
            continue
        except FeedError as exc:
            failed.append(Failed(feed.url, str(exc)))
            continue
        seen = set(feed.seen)
        new = [item for item in items if item.key not in seen]
        unchanged += len(items) - len(new)
        log.info("feed %s: %d items, %d new", feed.url, len(items), len(new))
        feed = replace(
            feed, title=title or feed.title, etag=page.etag, last_modified=page.last_modified,
            items=len(items),
        )  # fmt: skip
        fresh.append((feed, new))
        jobs.extend((feed, item) for item in new)
    results = ingester.add_many(
        [item.link for _, item in jobs], [Hint(item.title, item.date) for _, item in jobs]
    )
    done: dict[str, list[str]] = {}
    added: list[Path] = []
    for (feed, item), result in zip(jobs, results, strict=True):
        if isinstance(result, Added):
            done.setdefault(feed.url, []).append(item.key)
            if result.new:
                added.append(result.path)
            else:
                unchanged += 1
        else:
            failed.append(result)
    for feed, new in fresh:
        keys = done.get(feed.url, [])
        if len(keys) < len(new):
            # Some items failed: poll the whole feed again next time, to retry them.
            feed = replace(feed, etag=None, last_modified=None)
        feeds.update(replace(feed, seen=tuple(keys)))
    return PollReport(len(added), unchanged, tuple(failed), tuple(added))


def poll_feed_list(settings: Settings, reindex: Callable[[], object]) -> PollReport:
    """Poll every feed in ``settings``' corpus's feed list once, adding new items to it,
    then call ``reindex`` once if any was added. ``QABot.poll_feeds`` and a cluster's."""
    with Fetcher(settings.fetch) as fetcher:
        report = poll(FeedList.of(settings), Ingester(settings.corpus, settings.fetch, fetcher))
    if report.added:
        reindex()
    return report
