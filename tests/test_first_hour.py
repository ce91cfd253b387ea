"""docs/first-hour.md, a newcomer's transcript, replayed: every command it shows prints that.

To refresh the document after a deliberate change of wording, run
``QABOT_REWRITE_TRANSCRIPT=1 .venv/bin/python -m pytest tests/test_first_hour.py`` and read
the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.botapi_server import BotApiServer
from support.transcript import Command, Replay, comparable, parse, rewrite

from qabot.chat import PROMPT

PROJECT = Path(__file__).resolve().parents[1]
DOCUMENT = PROJECT / "docs" / "first-hour.md"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="the chat is replayed on a POSIX pty"),
]


@pytest.fixture
def rejecting_api() -> Iterator[BotApiServer]:
    """A Bot API that answers 401 to every token but its own, as Telegram does."""
    with BotApiServer() as server:
        yield server


def test_the_first_hour_transcript_is_what_qabot_prints(
    tmp_path: Path, rejecting_api: BotApiServer
) -> None:
    venv = Path(sys.prefix)
    if not (venv / ".installed-run").exists():
        pytest.skip("runs `make run` with the environment `make` set up (.venv/.installed-run)")
    workdir = tmp_path / "qabot"
    workdir.mkdir()
    for name in ("bot.py", "Makefile", "pyproject.toml"):
        shutil.copy2(PROJECT / name, workdir)  # copy2: older than the venv's stamp, as cloned
    shutil.copytree(PROJECT / "corpus", workdir / "corpus", ignore=shutil.ignore_patterns(".*"))
    (workdir / ".venv").symlink_to(venv)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QABOT_", "TELEGRAM_", "PYTEST", "MAKE", "MFLAGS"))
    }
    env.update(
        NO_COLOR="1",
        TERM="xterm",
        COLUMNS="100",
        HOME=str(tmp_path / "home"),
        # Where the reader's bot reaches api.telegram.org, this one reaches a stand-in that
        # answers as Telegram does for a token it never issued.
        TELEGRAM_BASE_URL=rejecting_api.base_url,
    )
    replay = Replay(workdir, env, PROMPT)
    text = DOCUMENT.read_text(encoding="utf-8")
    outputs: dict[int, str] = {}
    differences = []
    for step in parse(text):
        shown = replay.run(step)
        if shown is None or not isinstance(step, Command):
            continue
        outputs[step.output_start] = shown
        if comparable(shown) != comparable(step.expected):
            diff = difflib.unified_diff(
                step.expected.strip("\n").splitlines(), shown.splitlines(), "document", "qabot"
            )
            differences.append(f"$ {step.line}\n" + "\n".join(diff))
    if os.environ.get("QABOT_REWRITE_TRANSCRIPT") == "1":
        DOCUMENT.write_text(rewrite(text, outputs), encoding="utf-8")
        return
    assert not differences, "\n\n".join(differences)
    assert len(outputs) >= 5, "the transcript lost its commands"
