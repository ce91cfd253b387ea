"""The one exception tree of qabot.

Every error qabot raises on purpose derives from :class:`QABotError`, so a caller can
catch one class. Messages say what went wrong and what to do about it::

    QABotError
    ├── ConfigError            a setting or environment variable has a bad value
    ├── CorpusError            the corpus folder is missing or not a folder
    ├── ArticleError           one article file cannot be read or parsed (reported, then skipped)
    ├── IndexStoreError        the on-disk index cannot be used
    │   ├── IndexCorruptError  files missing, truncated, checksum mismatch: rebuilt from the corpus
    │   ├── IndexVersionError  written by another format version or other settings: rebuilt
    │   ├── IndexLockedError   another process is updating the index right now
    │   └── IndexWriteError    the index folder cannot be written: read-only, full, not a folder
    └── ClusterError           no Ray, no cluster at the address, or shards that cannot serve
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ArticleError",
    "ClusterError",
    "ConfigError",
    "CorpusError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexStoreError",
    "IndexVersionError",
    "IndexWriteError",
    "QABotError",
]


class QABotError(Exception):
    """Base class of every error qabot raises on purpose."""


class ConfigError(QABotError):
    """A setting (argument or environment variable) has a value qabot cannot use."""


class CorpusError(QABotError):
    """The corpus folder is missing, or is not a folder."""


class ArticleError(QABotError):
    """An article file cannot be read or parsed; it is reported and skipped."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


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
    """A Ray cluster cannot be reached, Ray is not installed, or shards cannot serve."""
