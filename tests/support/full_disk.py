"""A disk that fills up for one article file: its write fails as on a full disk (ENOSPC)."""

from __future__ import annotations

import errno
import os
from typing import Any

import pytest


def full_disk_for(monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    """Writing the article file titled ``title`` fails as on a full disk; other writes work."""
    import qabot.atomic

    real = qabot.atomic._fill

    def fill(fh: Any, data: Any) -> None:
        if isinstance(data, bytes) and data.startswith(b"---\n") and title.encode() in data:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fh, data)

    monkeypatch.setattr(qabot.atomic, "_fill", fill)
