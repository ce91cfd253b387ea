"""Run the ``qabot`` command and SIGKILL it at its n-th change to the file system.

    python kill_at.py --at N qabot-args…       SIGKILL itself at point N (1, 2, …)
    python kill_at.py --trace FILE qabot-args…  run to the end; FILE lists every point

A point is one call that changes files, in this process: just before ``os.replace``,
``os.rename``, ``os.link``, ``os.unlink``, ``os.remove``, ``os.rmdir``, ``os.mkdir`` or
``os.fsync`` runs, and just after a file is opened for writing (``open``, ``io.open``, or
``os.open`` with ``O_CREAT``, ``O_WRONLY``, ``O_RDWR`` or ``O_TRUNC``: the file then
exists, empty or truncated). Killing at a point, rather than after a delay, makes the
kills the same on an idle and on a busy machine, and reaches every step of a commit,
between any two of them. The kill is a real one: ``os.kill(os.getpid(), SIGKILL)``, no
clean-up of any kind.

The library is not changed: this script wraps the ``os`` and ``io`` functions before
running :func:`qabot.cli.main`. Worker processes (started with "spawn") import this file
as ``__mp_main__`` and are left as they are; they change no files.
"""

from __future__ import annotations

import builtins
import io
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

_WRITE_FLAGS = os.O_CREAT | os.O_WRONLY | os.O_RDWR | os.O_TRUNC
_CHANGES = ("replace", "rename", "link", "unlink", "remove", "rmdir", "mkdir", "fsync")


class KillPoints:
    """Counts the points; kills the process at ``at`` (0: never), or records their names."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.names: list[str] = []
        self._lock = threading.Lock()

    def reach(self, name: str) -> None:
        with self._lock:
            self.names.append(name)
            if len(self.names) == self.at:
                os.kill(os.getpid(), signal.SIGKILL)

    def install(self) -> None:
        for function in _CHANGES:
            setattr(os, function, self._before(function, getattr(os, function)))
        real_os_open = os.open

        def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            fd = real_os_open(path, flags, *args, **kwargs)
            if flags & _WRITE_FLAGS:
                self.reach(f"open {_name(path)}")
            return fd

        os.open = os_open  # type: ignore[assignment]
        real_open = io.open

        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            handle = real_open(file, mode, *args, **kwargs)
            if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+"):
                self.reach(f"open {_name(file)}")
            return handle

        builtins.open = open_  # type: ignore[assignment]
        io.open = open_  # type: ignore[assignment]

    def _before(self, function: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            target = args[-1] if function in ("replace", "rename", "link") else args[0]
            if isinstance(target, int):  # fsync: the file or folder open on that descriptor
                target = os.readlink(f"/proc/self/fd/{target}")
            self.reach(f"{function} {_name(target)}")
            return real(*args, **kwargs)

        return wrapper


def _name(path: Any) -> str:
    """The last two parts of a path: enough to tell the files of a commit apart."""
    text = os.fsdecode(path)
    return "/".join(text.rstrip("/").split("/")[-2:])


def main(argv: list[str]) -> int:
    mode, value, *args = argv
    points = KillPoints(int(value) if mode == "--at" else 0)
    # Imported before the wrappers go in: only the command's own work counts.
    from qabot.cli import main as qabot

    points.install()
    code = qabot(args)
    if mode == "--trace":
        with io.FileIO(value, "w") as out:
            out.write("".join(f"{name}\n" for name in points.names).encode())
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
