"""Atomic, durable file writes: the one place qabot writes a file that must be either whole
or absent (the index's commit files, the feed list, articles, a cluster's layout).

A file is written under a hidden temporary name in its own folder, flushed and synced,
then published under its name in one step: :func:`replace` (``os.replace``, for a file
that is rewritten) or :func:`link_new` (``os.link``, which fails on any existing entry and
follows no link, for a file that must never be overwritten); the folder is then synced,
so that the new name survives a power cut too. A reader sees the old file or the new
one, never a part; a writer that fails or is killed leaves the old file as it was and
(when it fails) no temporary file behind. A killed one may leave its hidden temporary
file, which corpus scans skip and each owner tidies as it sees fit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "Fill",
    "fsync_folder",
    "link_new",
    "replace",
    "staged",
    "write_file",
    "write_new",
    "write_synced",
]

#: What goes into a file: its bytes, or a function that writes them to the open file.
Fill = bytes | Callable[[BinaryIO], object]


def write_file(path: Path, data: Fill, *, prefix: str | None = None, suffix: str = ".tmp") -> None:
    """Write ``path`` atomically, replacing whatever file had the name.

    The temporary file is ``<prefix><random><suffix>`` beside ``path`` (``prefix``
    defaults to ``.<name>-``: hidden). Raises :class:`OSError`; the old file is then
    untouched and nothing is left behind.
    """
    with staged(path.parent, data, prefix=_prefix(path, prefix), suffix=suffix) as tmp:
        replace(tmp, path)


def write_new(path: Path, data: Fill, *, prefix: str | None = None, suffix: str = ".tmp") -> bool:
    """Write ``path`` atomically unless an entry has its name (then ``False``: nothing written)."""
    with staged(path.parent, data, prefix=_prefix(path, prefix), suffix=suffix) as tmp:
        return link_new(tmp, path)


@contextlib.contextmanager
def staged(
    folder: Path, data: Fill, *, prefix: str = ".qabot-", suffix: str = ".tmp"
) -> Iterator[Path]:
    """A new temporary file in ``folder`` (which must exist) holding ``data``, synced.

    Publish it with :func:`replace` or :func:`link_new` (once, or under several names in
    turn until one is free); it is removed on leaving, whatever happened.
    """
    # mkstemp: a fresh name, opened with O_EXCL, so never an existing file or a link.
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            _fill(fh, data)
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def replace(tmp: Path, path: Path, *, sync_folder: bool = True) -> None:
    """Put the synced file ``tmp`` in place of ``path`` in one step (same folder).

    ``sync_folder=False`` leaves syncing the folder to the caller (:func:`fsync_folder`),
    for a rename that is a commit: once it happened, failing to sync is no failure of it.
    """
    os.replace(tmp, path)
    if sync_folder:
        fsync_folder(path.parent)


def link_new(tmp: Path, path: Path) -> bool:
    """Give the synced file ``tmp`` the name ``path`` too, unless an entry has that name."""
    try:
        os.link(tmp, path)  # fails on any existing entry, and follows no link
    except FileExistsError:
        return False
    fsync_folder(path.parent)
    return True


def write_synced(path: Path, data: Fill) -> None:
    """Write ``path`` in place (created or truncated) and sync it to disk.

    Not atomic: for files in a folder that is itself published in one step (an index
    segment, written in a temporary folder that is then renamed).
    """
    with open(path, "wb") as fh:
        _fill(fh, data)


def fsync_folder(path: Path) -> None:
    """Sync a folder, so that the names created, renamed or removed in it are on disk.

    Does nothing on Windows, where a folder cannot be opened (NTFS journals names itself).
    """
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fill(fh: BinaryIO, data: Fill) -> None:
    if isinstance(data, bytes):
        fh.write(data)
    else:
        data(fh)
    fh.flush()
    os.fsync(fh.fileno())


def _prefix(path: Path, prefix: str | None) -> str:
    return prefix if prefix is not None else f".{path.name}-"
