"""Waiting for something that happens in another thread or process, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Generous: the machines are shared; nothing here measures how fast it happens.
DEADLINE = 60.0


def eventually(check: Callable[[], bool], deadline: float = DEADLINE) -> bool:
    """Poll ``check`` until it holds (``True``) or the deadline passes (``False``)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False
