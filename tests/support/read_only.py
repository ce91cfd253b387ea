"""Running ``qabot`` in a process of its own with a folder it cannot write to."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run_qabot(*args: str, read_only: Path) -> subprocess.CompletedProcess[str]:
    """Run ``qabot args`` with ``read_only`` read-only to it (a read-only bind mount when
    running as root, which ignores file modes; skips the test where that is impossible)."""
    command = [sys.executable, "-m", "qabot", *args]
    if os.geteuid() == 0:
        if (
            shutil.which("unshare") is None
            or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
        ):
            pytest.skip("running as root without mount namespaces: cannot make a folder read-only")
        mount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", mount, str(read_only), *command],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    mode = read_only.stat().st_mode
    read_only.chmod(mode & 0o555)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        read_only.chmod(mode)
