"""Worker processes: how they start, and whether starting them would run the caller again.

Analysis (:mod:`qabot.index.update`) and extraction (:mod:`qabot.ingest`) use worker
processes started fresh ("spawn"): forking a process that runs threads (a bot) can
deadlock. A fresh worker imports the main module again (as ``__mp_main__``), so a script
whose work is not under ``if __name__ == "__main__":`` would run that work again in every
worker, which then dies with a traceback. :func:`worker_context` tells such a script
apart, from the line of the main module's top level that is running: it then gives
``None``, and the caller works in its own process, quietly. A REPL, ``python -c``, a
notebook or ``python -m package`` import nothing again and get workers.
"""

from __future__ import annotations

import ast
import logging
import multiprocessing
import multiprocessing.context
import sys
import threading
from pathlib import Path
from types import FrameType, ModuleType

__all__ = ["worker_context"]

log = logging.getLogger(__name__)


def worker_context() -> multiprocessing.context.BaseContext | None:
    """How to start worker processes, or ``None``: work in this process instead.

    ``None`` when a worker would run the main script's work again (no
    ``if __name__ == "__main__":`` around the line running now).
    """
    if _reruns_main_work():
        log.info(
            'the main script does its work outside `if __name__ == "__main__":`; '
            "working in this process (add the guard to use every core)"
        )
        return None
    return multiprocessing.get_context("spawn")


def _reruns_main_work() -> bool:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return False  # a REPL, ``python -c``, a notebook: a worker imports nothing again
    name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if name == "__main__" or name.endswith(".__main__"):
        return False  # ``python -m package``: multiprocessing does not import it again
    frame = _top_level_frame(main)
    if frame is None:
        # Its top level has finished (``python -i``): nothing to tell from; workers that
        # cannot start are caught by the callers, which then work here.
        return False
    try:
        tree = ast.parse(Path(path).read_bytes(), path)
    except (OSError, SyntaxError, ValueError):
        return True  # cannot tell: one process is always safe
    line = frame.f_lineno
    return not any(
        node.body[0].lineno <= line <= (node.body[-1].end_lineno or line)
        for node in tree.body
        if isinstance(node, ast.If) and _is_main_guard(node.test)
    )


def _top_level_frame(main: ModuleType) -> FrameType | None:
    """The frame running the main module's top level, on the main thread, if it runs."""
    # The main thread's: a worker thread (a bot's watcher) was started from there.
    frame = sys._current_frames().get(threading.main_thread().ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is vars(main):
            return frame
        frame = frame.f_back
    return None


def _is_main_guard(test: ast.expr) -> bool:
    """Whether ``test`` is ``__name__ == "__main__"`` (either way round)."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and len(test.comparators) == 1
    ):
        return False
    sides = {_text(test.left), _text(test.comparators[0])}
    return sides == {"name:__name__", "str:__main__"}


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return f"name:{node.id}"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"str:{node.value}"
    return ""
