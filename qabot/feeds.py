"""RSS and Atom feeds: the feed list, and one poll of it (the one owner of feedparser, which
reads RSS 0.9x, 1.0 and 2.0 and Atom).

The list is plain JSON in the corpus folder (``<corpus>/.qabot-feeds.json``, hidden, so
corpus scans skip it), replaced atomically. It lives with the articles, not in the index
folder, which is a cache anyone may delete (``make clean``, ``rm -rf corpus/.qabot-index``):
a list found where qabot kept it before (``<index>/feeds.json``) is moved there on first
use. For each feed it keeps the validators of the last answer (``ETag``,
``Last-Modified``), sent back as a conditional GET, and a digest of it (the same bytes
served again without validators are not read again); the items already added, so that a
second poll fetches nothing but the feed, or only its 304; and the items that could not be
added, each with the time it is tried again: an hour later, then twice as long each time,
at most a day apart (``FeedSettings``), while the feed lists it.

A poll is bounded whatever the feeds hold: only a feed's newest ``items_per_feed`` items
are looked at, and at most ``items_per_poll`` articles are fetched (shared in turn between
the feeds); the rest wait for the next poll. A dead item is reported and the poll goes on.
"""

from __future__ import annotations

import calendar
import errno
import hashlib
import json
import logging
import math
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from qabot import atomic, locks
from qabot.config import FeedSettings, Settings
from qabot.errors import FeedError, FetchError, MissingExtraError, SaveError
from qabot.fetch import Fetcher
from qabot.ingest import Added, Failed, Hint, Ingester, normalise_url

try:
    import feedparser
except ImportError as exc:
    raise MissingExtraError.of(exc, "RSS and Atom feeds", "ingest") from None

__all__ = [
    "FEEDS_FILE",
    "LEGACY_FEEDS_FILE",
    "FailedItem",
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
class FeedItem:
    """One item of a feed: its key (id, else link), link, title and date (``YYYY-MM-DD``)."""

    key: str
    link: str
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class FailedItem:
    """An item that could not be added: why, how often it was tried, and when it is next."""

    item: FeedItem
    reason: str
    tries: int = 1
    #: Not tried again before this time (seconds since the epoch).
    retry_at: float = 0.0


@dataclass(frozen=True)
class Feed:
    """A feed in the list, with what the last poll learnt."""

    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: Keys (ids, else links) of the items already added, newest last.
    seen: tuple[str, ...] = ()
    #: How many items were looked at in the last poll that read the feed.
    items: int = 0
    #: Items that could not be added, tried again when their time comes.
    failed: tuple[FailedItem, ...] = ()
    #: SHA-256 of the feed as last read in full (``None``: read it again next time).
    digest: str | None = None


@dataclass(frozen=True)
class PollReport:
    """What one poll did: articles added, items already known, and what failed.

    A feed that could not be read fails the poll for it; an item that could not be added
    is remembered and tried again later, less and less often.
    """

    added: int = 0
    unchanged: int = 0
    #: Feeds that could not be fetched or read.
    feed_failures: tuple[Failed, ...] = ()
    #: Items not added by this poll (each tried again later).
    item_failures: tuple[Failed, ...] = ()
    #: Items fetched but not saved (a full disk, a read-only corpus): the poll fails, and
    #: they are tried again at the next poll, with no back-off (the fault is not theirs).
    save_failures: tuple[Failed, ...] = ()
    #: New items left for the next poll (over ``FeedSettings.items_per_poll``).
    left: int = 0
    #: Items that failed before and are not due to be tried again yet.
    waiting: int = 0
    added_paths: tuple[Path, ...] = field(default=(), repr=False)

    @property
    def failed(self) -> tuple[Failed, ...]:
        """The feeds, then the items, that failed."""
        return self.feed_failures + self.save_failures + self.item_failures

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "added": self.added,
            "unchanged": self.unchanged,
            "failed": [
                {"url": f.url, "reason": f.reason, "kind": kind}
                for kind, failures in (
                    ("feed", self.feed_failures),
                    ("save", self.save_failures),
                    ("item", self.item_failures),
                )
                for f in failures
            ],
        }
        # Present only when not 0 (the shape of an ordinary poll stays as it was).
        data.update({k: v for k, v in (("left", self.left), ("waiting", self.waiting)) if v})
        return data

    def __str__(self) -> str:
        text = f"{self.added} added, {self.unchanged} unchanged"
        if self.failed:
            text += f", {len(self.failed)} failed"
            if self.item_failures:
                text += f" ({_count(len(self.item_failures), 'item')}: tried again later)"
        if self.left:
            text += f", {self.left} left for the next poll"
        if self.waiting:
            text += f", {_count(self.waiting, 'failed item')} to try again later"
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


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
        ``feed.failed`` replaces the failures remembered, less any item added meanwhile.
        """
        with self._changing() as feeds:
            for i, old in enumerate(feeds):
                if old.url == feed.url:
                    seen = tuple(dict.fromkeys((*old.seen, *feed.seen)))[-MAX_SEEN:]
                    added = set(seen)
                    failed = tuple(f for f in feed.failed if f.item.key not in added)
                    feeds[i] = replace(feed, seen=seen, failed=failed)

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
            return [_feed_from_json(f) for f in raw["feeds"]]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise FeedError(f"cannot read the feed list {self.path}: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FeedError(
                f"the feed list {self.path} is damaged ({exc!r}); fix or delete it, then add "
                "the feeds again"
            ) from None

    def _write(self, feeds: list[Feed]) -> None:
        data = {"version": FORMAT_VERSION, "feeds": [_feed_to_json(f) for f in feeds]}
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


def _feed_to_json(feed: Feed) -> dict[str, Any]:
    return {
        "url": feed.url,
        "title": feed.title,
        "etag": feed.etag,
        "last_modified": feed.last_modified,
        "seen": list(feed.seen),
        "items": feed.items,
        "failed": [
            {
                "key": f.item.key,
                "link": f.item.link,
                "title": f.item.title,
                "date": f.item.date,
                "reason": f.reason,
                "tries": f.tries,
                "retry_at": round(f.retry_at),
            }
            for f in feed.failed
        ],
        "digest": feed.digest,
    }


def _feed_from_json(raw: dict[str, Any]) -> Feed:
    # Fields a list written by an older qabot lacks take their defaults.
    return Feed(
        url=str(raw["url"]),
        title=raw.get("title"),
        etag=raw.get("etag"),
        last_modified=raw.get("last_modified"),
        seen=tuple(str(s) for s in raw.get("seen", ())),
        items=int(raw.get("items", 0)),
        failed=tuple(
            FailedItem(
                FeedItem(str(f["key"]), str(f["link"]), f.get("title"), f.get("date")),
                reason=str(f.get("reason", "")),
                tries=int(f.get("tries", 1)),
                retry_at=float(f.get("retry_at", 0)),
            )
            for f in raw.get("failed", ())
        ),
        digest=raw.get("digest"),
    )


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def parse_feed(
    data: bytes, url: str, limit: int | None = None
) -> tuple[str | None, list[FeedItem]]:
    """A feed's title and items (RSS 0.9x/1.0/2.0 or Atom); :class:`FeedError` if not a feed.

    With ``limit``, only the newest ``limit`` items, newest first (by their date; undated
    ones after the dated, in the feed's order): only those become :class:`FeedItem`.
    """
    parsed = feedparser.parse(data, response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise FeedError("it is not an RSS or Atom feed")
    entries = [
        (entry, entry.get("published_parsed") or entry.get("updated_parsed"))
        for entry in parsed.entries
        if (entry.get("link") or "").startswith(("http://", "https://"))
    ]
    if limit is not None:
        # Stable: items of the same time (and undated ones) keep the feed's order.
        entries.sort(key=lambda pair: -calendar.timegm(pair[1]) if pair[1] else math.inf)
        del entries[limit:]
    items = [
        FeedItem(
            key=str(entry.get("id") or entry["link"]),
            link=entry["link"],
            title=entry.get("title") or None,
            date=time.strftime("%Y-%m-%d", when) if when else None,
        )
        for entry, when in entries
    ]
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


@dataclass
class _Plan:
    """One feed in a poll: what was learnt of it, and the items to fetch, new ones first."""

    feed: Feed
    #: The new items, then the failed ones due again.
    todo: list[FeedItem]
    new: int
    #: The failures still remembered (the feed still lists them, or was not read), by key.
    failed: dict[str, FailedItem]
    #: How many of ``todo`` this poll fetches.
    taken: int = 0


def poll(
    feeds: FeedList,
    ingester: Ingester,
    limits: FeedSettings | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> PollReport:
    """Fetch each feed (conditionally) and add the items not added before, within ``limits``.

    An item that fails is remembered in the feed list with the time it is tried again
    (``clock()``, seconds since the epoch, is now); the poll goes on with the others.
    """
    limits = limits or FeedSettings()
    now = clock()
    unchanged = waiting = 0
    feed_failures: list[Failed] = []
    plans: list[_Plan] = []
    for feed in feeds.feeds():
        try:
            plan = _read_feed(feed, ingester.fetcher, limits)
        except FetchError as exc:
            feed_failures.append(Failed(feed.url, exc.reason, exc))
            continue
        except FeedError as exc:
            feed_failures.append(Failed(feed.url, str(exc)))
            continue
        unchanged += max(0, plan.feed.items - plan.new - len(plan.failed))
        due = [f.item for f in plan.failed.values() if f.retry_at <= now]
        waiting += len(plan.failed) - len(due)
        plan.todo.extend(due)
        plans.append(plan)
    shares = _share([len(plan.todo) for plan in plans], limits.items_per_poll)
    for plan, taken in zip(plans, shares, strict=True):
        plan.taken = taken
    jobs = [(plan, item) for plan in plans for item in plan.todo[: plan.taken]]
    results = ingester.add_many(
        [item.link for _, item in jobs], [Hint(item.title, item.date) for _, item in jobs]
    )
    done: dict[str, list[str]] = {}
    added: list[Path] = []
    item_failures: list[Failed] = []
    save_failures: list[Failed] = []
    unsaved: set[str] = set()
    for (plan, item), result in zip(jobs, results, strict=True):
        if isinstance(result, Added):
            done.setdefault(plan.feed.url, []).append(item.key)
            plan.failed.pop(item.key, None)
            if result.new:
                added.append(result.path)
            else:
                unchanged += 1
        elif isinstance(result.error, SaveError):
            save_failures.append(result)
            unsaved.add(plan.feed.url)
        else:
            before = plan.failed.get(item.key)
            tries = before.tries + 1 if before else 1
            wait = min(limits.retry_after * 2 ** (tries - 1), limits.max_retry_after)
            plan.failed[item.key] = FailedItem(item, result.reason, tries, now + wait)
            log.info("feed item %s failed %d times; tried again in %g s", item.link, tries, wait)
            item_failures.append(result)
    left = 0
    for plan in plans:
        feed = replace(plan.feed, seen=tuple(done.get(plan.feed.url, [])),
                       failed=tuple(plan.failed.values()))  # fmt: skip
        new_left = max(0, plan.new - plan.taken)
        left += new_left
        # Failed items due again but over the budget wait too (they are first next time).
        waiting += len(plan.todo) - plan.new - max(0, plan.taken - plan.new)
        if new_left or plan.feed.url in unsaved:
            # Items nobody remembers wait: the feed is read in full again next time.
            feed = replace(feed, etag=None, last_modified=None, digest=None)
            log.info("feed %s: %d new items left for the next poll", feed.url, new_left)
        feeds.update(feed)
    return PollReport(
        len(added), unchanged, tuple(feed_failures), tuple(item_failures),
        tuple(save_failures), left, waiting, tuple(added),
    )  # fmt: skip


def _read_feed(feed: Feed, fetcher: Fetcher, limits: FeedSettings) -> _Plan:
    """Fetch ``feed`` (conditionally) and find its new items among its newest."""
    failed = {f.item.key: f for f in feed.failed}
    page = fetcher.fetch(
        feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
    )
    if page.not_modified:
        log.info("feed %s: not modified", feed.url)
        return _Plan(feed, [], 0, failed)
    digest = hashlib.sha256(page.body).hexdigest()
    if digest == feed.digest:
        # The same bytes again (a server without validators): nothing new to look for.
        log.info("feed %s: unchanged", feed.url)
        feed = replace(feed, etag=page.etag, last_modified=page.last_modified)
        return _Plan(feed, [], 0, failed)
    title, items = parse_feed(page.body, page.url, limits.items_per_feed)
    listed = {item.key for item in items}
    # An item the feed no longer lists (among its newest) is no longer tried.
    failed = {key: f for key, f in failed.items() if key in listed}
    seen = set(feed.seen)
    new = [item for item in items if item.key not in seen and item.key not in failed]
    log.info("feed %s: %d items looked at, %d new", feed.url, len(items), len(new))
    feed = replace(
        feed, title=title or feed.title, etag=page.etag, last_modified=page.last_modified,
        items=len(items), digest=digest,
    )  # fmt: skip
    return _Plan(feed, new, len(new), failed)


def _share(sizes: list[int], budget: int) -> list[int]:
    """How many items of each feed one poll takes: one from each in turn, ``budget`` in all."""
    taken = [0] * len(sizes)
    while budget > 0:
        open_ = [i for i, size in enumerate(sizes) if taken[i] < size]
        if not open_:
            break
        for i in open_[:budget]:
            taken[i] += 1
        budget -= min(budget, len(open_))
    return taken


def poll_feed_list(settings: Settings, reindex: Callable[[], object]) -> PollReport:
    """Poll every feed in ``settings``' corpus's feed list once, adding new items to it,
    then call ``reindex`` once if any was added. ``QABot.poll_feeds`` and a cluster's."""
    with Fetcher(settings.fetch) as fetcher:
        ingester = Ingester(settings.corpus, settings.fetch, fetcher)
        report = poll(FeedList.of(settings), ingester, settings.feeds)
    if report.added:
        reindex()
    return report
