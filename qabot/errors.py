"""The one exception tree of qabot.

Every error qabot raises on purpose derives from :class:`QABotError`, so a caller can
catch one class. Messages say what went wrong and what to do about it::

    QABotError
    ├── ConfigError            a setting or environment variable has a bad value
    ├── MissingExtraError      an optional part is used, but its extra is not installed
    ├── CorpusError            the corpus folder is missing or not a folder
    ├── ArticleError           one article file cannot be read or parsed (reported, then skipped)
    ├── FilterError            a question's filter (since, until, source) has a bad value
    ├── FetchError             a URL cannot be added: network, HTTP status, size, timeout
    │   ├── UnsafeURLError     not http(s), or it leads to a private or local address (SSRF)
    │   └── NotAnArticleError  the page is no article: a PDF, a login form, no main text
    ├── FeedError              a feed cannot be read, or the feed list cannot be kept
    ├── FeedbackError          a vote or correction cannot be stored, or names no answer
    ├── IndexStoreError        the on-disk index cannot be used
    │   ├── IndexCorruptError  files missing, truncated, checksum mismatch: rebuilt from the corpus
    │   ├── IndexVersionError  written by another format version or other settings: rebuilt
    │   ├── IndexLockedError   another process is updating the index right now
    │   └── IndexWriteError    the index folder cannot be written: read-only, full, not a folder
    └── ClusterError           no cluster at the address, or shards that cannot serve
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ArticleError",
    "ClusterError",
    "ConfigError",
    "CorpusError",
    "FeedError",
    "FeedbackError",
    "FetchError",
    "FilterError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexStoreError",
    "IndexVersionError",
    "IndexWriteError",
    "MissingExtraError",
    "NotAnArticleError",
    "QABotError",
    "UnsafeURLError",
]


class QABotError(Exception):
    """Base class of every error qabot raises on purpose."""


class ConfigError(QABotError):
    """A setting (argument or environment variable) has a value qabot cannot use."""


class MissingExtraError(QABotError):
    """An optional part of qabot is used without the libraries it needs.

    ``extra`` names the pip extra that installs them (``telegram``, ``ingest``,
    ``cluster``); ``module`` is the library found missing. The message says how to
    install the extra from a clone: the name ``qabot`` on PyPI is another project's.
    """

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs {module}, which is not installed; install qabot's [{extra}] "
            f'extra: pip install -e ".[{extra}]" in a clone of qabot'
        )
        self.feature = feature
        self.extra = extra
        self.module = module

    def __reduce__(self) -> tuple[type[MissingExtraError], tuple[str, str, str]]:
        # Raised in extraction worker processes too: pickled with its arguments.
        return (type(self), (self.feature, self.extra, self.module))

    @classmethod
    def of(cls, exc: ImportError, feature: str, extra: str) -> MissingExtraError:
        """The error for an import that failed for want of a third-party library.

        ``exc`` itself is raised again when a module of qabot failed to import: that is a
        bug to see whole, not a missing extra.
        """
        name = exc.name or ""
        if name == "qabot" or name.startswith("qabot."):
            raise exc
        return cls(feature, extra, name.partition(".")[0] or str(exc))


class CorpusError(QABotError):
    """The corpus folder is missing, or is not a folder."""


class ArticleError(QABotError):
    """An article file cannot be read or parsed; it is reported and skipped."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class FilterError(QABotError):
    """A question's filter has a value qabot cannot use: a date that is not one, an empty source.

    ``name`` is the filter (``since``, ``until`` or ``source``); ``reason`` says what to write.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class FetchError(QABotError):
    """A URL could not be fetched or added; ``reason`` says why, for the person who sent it."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot add {url}: {reason}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str]]:
        # Raised in extraction worker processes too: pickled with both arguments.
        return (type(self), (self.url, self.reason))


class SaveError(FetchError):
    """A fetched article could not be saved in the corpus (a full disk, a read-only folder):
    the fault is here, not the site's, so it is not remembered against the URL."""


class UnsafeURLError(FetchError):
    """The URL is not http(s), or its host (or a redirect's) is a private or local address."""


class NotAnArticleError(FetchError):
    """The page was fetched but holds no article: not HTML, or no main text to speak of."""


class FeedError(QABotError):
    """A feed cannot be parsed, or the list of feeds cannot be read or written."""


class FeedbackError(QABotError):
    """Feedback cannot be stored or read (a read-only corpus, a full disk), or a correction
    names no answer known to the feedback file."""


class IndexStoreError(QABotError):
    """The on-disk index cannot be used as it is."""


class IndexCorruptError(IndexStoreError):
    """Index files are missing, truncated or fail their checksum."""


class IndexVersionError(IndexStoreError):
    """The index was written by another format version or with other settings."""


class IndexLockedError(IndexStoreError):
    """Another process holds the index's write lock."""


class IndexWriteError(IndexStoreError):
    """The index folder cannot be created or written (read-only, disk full, not a folder).

    Nothing of the failed update is left behind; the index committed before still answers.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        #: What the file system said (``strerror``), without the advice.
        self.reason = reason


class ClusterError(QABotError):
    """A Ray cluster cannot be reached, or shards cannot serve (no Ray: MissingExtraError)."""
