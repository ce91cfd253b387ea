"""News in: URLs → pages fetched, articles extracted, saved into the corpus as Markdown files.

Each article is saved as ``<corpus>/<site>/<slug>-<hash>.md``: ``<site>`` is the host
(without ``www.``), ``<slug>`` the last part of the URL's path, ``<hash>`` a digest of the
whole URL (fragment dropped), so the same URL always maps to the same file. "Already
added" is that file existing, which holds across restarts and between processes; the file
is written under a hidden temporary name and linked into place only if the name is still
free, so nothing half-written ever shows and two adds of one URL never make two files.
The file starts with front matter (``title``, ``date``, ``url``, ``source``, ``author``)
that :mod:`qabot.articles` reads back. A file that cannot be written (a full disk, a
read-only corpus) fails its URL alone with a :class:`~qabot.errors.FetchError` saying why;
the rest of a batch goes on.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from qabot import atomic
from qabot.articles import parse_file
from qabot.config import FetchSettings, Settings
from qabot.errors import ArticleError, FetchError, SaveError
from qabot.extract import Extracted, extract, require_extractor
from qabot.fetch import Fetcher, Page
from qabot.values import Article
from qabot.workers import worker_context

__all__ = [
    "Added", "Failed", "Hint", "Ingester", "article_path", "fetch_urls", "render_markdown",
]  # fmt: skip

log = logging.getLogger(__name__)

#: Batches of at least this many URLs extract in worker processes, one per core (a page
#: takes ~50 ms of CPU to extract; a worker ~1 s to start).
PARALLEL_MIN_PAGES = 24

_UNSAFE = re.compile(r"[^\w.-]+", re.ASCII)


@dataclass(frozen=True)
class Hint:
    """What a feed says about an item, used where the page itself is silent."""

    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Added:
    """A URL whose article is in the corpus."""

    url: str
    path: Path
    article: Article
    #: ``False`` when it was there already (nothing was fetched, or nothing written).
    new: bool = True


@dataclass(frozen=True)
class Failed:
    """A URL that could not be added, and why."""

    url: str
    reason: str
    #: The error itself, whose class tells the kind (unsafe, not an article…).
    error: FetchError | None = field(default=None, compare=False, repr=False)


def normalise_url(url: str) -> str:
    """The URL without its fragment, scheme and host in lower case: one file per article."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def article_path(corpus: Path, url: str) -> Path:
    """Where the article of ``url`` is saved: ``<corpus>/<site>/<slug>-<hash>.md``."""
    url = normalise_url(url)
    parts = urlsplit(url)
    host = (parts.hostname or "unknown").removeprefix("www.")
    if parts.port:
        host = f"{host}-{parts.port}"
    segments = [s for s in parts.path.split("/") if s]
    slug = re.sub(r"\.(s?html?|php|aspx?)$", "", segments[-1], flags=re.I) if segments else ""
    slug = _UNSAFE.sub("-", unicodedata.normalize("NFKC", slug)).strip(".-_")[:60] or "index"
    site = _UNSAFE.sub("-", host).strip(".-_") or "unknown"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
    return corpus / site / f"{slug}-{digest}.md"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def render_markdown(article: Extracted, hint: Hint | None = None) -> bytes:
    """The Markdown file of an article: front matter, then one paragraph per block."""
    hint = hint or Hint()
    fields = {
        "title": article.title or hint.title,
        "date": article.date or hint.date,
        "url": article.url,
        "source": article.source,
        "author": article.author,
    }
    lines = ["---"]
    lines += [f"{key}: {_one_line(value)}" for key, value in fields.items() if value]
    lines += ["---", ""]
    for paragraph in article.paragraphs:
        lines += [paragraph, ""]
    return "\n".join(lines).encode("utf-8")


class Ingester:
    """Adds URLs to one corpus, through one :class:`~qabot.fetch.Fetcher`."""

    def __init__(self, corpus: Path, settings: FetchSettings, fetcher: Fetcher) -> None:
        require_extractor()  # no page fetched in vain
        self.corpus = corpus
        self.settings = settings
        self.fetcher = fetcher
        self._pool: ProcessPoolExecutor | None = None

    def add(self, url: str, hint: Hint | None = None) -> Added:
        """Fetch, extract and save the article at ``url``; raises :class:`FetchError`."""
        url = url.strip()
        known = self._existing(url, article_path(self.corpus, url))
        if known is not None:
            return known
        page = self.fetcher.fetch(url)
        article = self._extract(page)
        path = article_path(self.corpus, page.url)
        data = render_markdown(article, hint)
        value = self._article(path, data)  # checked before anything is written
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A hidden temporary name (corpus scans skip it) that the index's clean-up does
            # not claim; linked into place only if the name is free (atomic.write_new).
            written = atomic.write_new(path, data, prefix=".fetch-", suffix=".part")
        except OSError as exc:
            # A full disk or a read-only corpus fails this URL alone; the batch goes on.
            raise SaveError(url, _cannot_save(path.parent, exc)) from None
        if not written:
            known = self._existing(url, path)
            if known is not None:
                return known
        log.info("added %s as %s", url, path)
        return Added(url, path, value)

    def add_many(
        self, urls: Sequence[str], hints: Sequence[Hint | None] | None = None
    ) -> list[Added | Failed]:
        """:meth:`add` for each URL, several at a time (``FetchSettings.workers``), in order."""
        hints = hints if hints is not None else [None] * len(urls)

        def one(job: tuple[str, Hint | None]) -> Added | Failed:
            try:
                return self.add(*job)
            except FetchError as exc:
                log.info("not added: %s", exc)
                return Failed(job[0], exc.reason, exc)

        if len(urls) <= 1:
            return [one(job) for job in zip(urls, hints, strict=True)]
        cores = os.cpu_count() or 1
        # Workers start fresh ("spawn"), unless they would run the caller's script again.
        context = worker_context() if len(urls) >= PARALLEL_MIN_PAGES and cores > 1 else None
        if context is not None:
            self._pool = ProcessPoolExecutor(cores, mp_context=context)
        try:
            with ThreadPoolExecutor(min(self.settings.workers, len(urls))) as threads:
                return list(threads.map(one, zip(urls, hints, strict=True)))
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown()

    def _extract(self, page: Page) -> Extracted:
        pool = self._pool
        if pool is not None:
            try:
                return pool.submit(extract, page, self.settings.min_text_chars).result()
            except BrokenProcessPool:
                # Workers cannot start when the calling script runs its work at import time
                # (no ``if __name__ == "__main__":`` guard): extract here instead.
                log.warning("extraction worker processes could not start; extracting here")
                self._pool = None
        return extract(page, self.settings.min_text_chars)

    def _existing(self, url: str, path: Path) -> Added | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise FetchError(url, f"cannot read {path}: {exc.strerror or exc}") from None
        return Added(url, path, self._article(path, data), new=False)

    def _article(self, path: Path, data: bytes) -> Article:
        relpath = path.relative_to(self.corpus).as_posix()
        try:
            articles, _ = parse_file(path, relpath, data)
        except ArticleError as exc:
            raise FetchError(str(path), exc.reason) from None
        return articles[0].article


def _cannot_save(folder: Path, exc: OSError) -> str:
    """Why an article could not be saved into ``folder``, and what to do, in one line."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space and add it again"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = "the corpus folder must be writable"
    else:
        advice = "check the corpus folder"
    return f"cannot save it in {folder}: {reason}; {advice}"


def fetch_urls(
    settings: Settings, urls: Sequence[str], reindex: Callable[[], object]
) -> list[Added | Failed]:
    """Fetch the articles at ``urls`` into ``settings.corpus``, then call ``reindex`` once if
    one is new; one result per URL, in order. ``QABot.add_urls`` and a cluster's."""
    with Fetcher(settings.fetch) as fetcher:
        results = Ingester(settings.corpus, settings.fetch, fetcher).add_many(urls)
    if any(isinstance(r, Added) and r.new for r in results):
        reindex()
    return results
