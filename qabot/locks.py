"""Locks between processes on a file: the one filelock importer.

The index's write lock and the feed list's lock are OS locks (flock, or msvcrt on
Windows) taken through filelock: they die with their process, so a writer killed
midway never leaves a lock behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

__all__ = ["hold"]


@contextlib.contextmanager
def hold(path: Path, timeout: float, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock on ``path`` (created if missing), for this process.

    Waits up to ``timeout`` seconds (0: not at all) and then raises :class:`TimeoutError`;
    ``on_wait`` is called once if the lock is taken when first tried. A lock file that
    cannot be created raises :class:`OSError`.
    """
    # thread_local=False: the lock belongs to the process, as flock's does.
    lock = FileLock(path, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if timeout <= 0:
            raise
        if on_wait is not None:
            on_wait()
        lock.acquire(timeout=timeout, poll_interval=0.05)
    try:
        yield
    finally:
        lock.release()
