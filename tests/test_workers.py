"""Worker processes from a plain script: with or without ``if __name__ == "__main__":``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.corpus import story_name, write_stories

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """\
import logging
import os

import qabot.index.update

# A small corpus goes to worker processes, on two cores, as 2,000 articles would.
qabot.index.update.PARALLEL_MIN_ARTICLES = 4
os.cpu_count = lambda: 2
logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")

from qabot import QABot
{work}
"""
WORK = """\
bot = QABot.open({corpus!r}, {index!r})
print(bot.ask("what about {question}?").text)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["script", "guarded script", "piped script", "REPL"])
def test_a_plain_script_or_the_repl_opens_a_large_corpus_without_tracebacks(
    tmp_path: Path, how: str
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(12), "first")
    work = WORK.format(corpus=str(corpus), index=str(tmp_path / "index"), question=story_name(3))
    if how == "guarded script":
        work = 'if __name__ == "__main__":\n' + "".join(
            f"    {line}\n" for line in work.splitlines()
        )
    code = SCRIPT.format(work=work)
    script = tmp_path / "script.py"
    script.write_text(code)
    command = {
        "script": [str(script)], "guarded script": [str(script)], "piped script": ["-"],
        "REPL": ["-i"],
    }[how]  # fmt: skip
    done = subprocess.run(
        [sys.executable, *command], input=code, capture_output=True, text=True, timeout=120,
        cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "could not start" not in done.stderr, done.stderr
    assert story_name(3) in done.stdout.lower()
    if how in ("guarded script", "REPL"):  # every core is used
        assert "analysing 12 articles in 2 worker processes" in done.stderr, done.stderr
    else:  # workers would run the script's work again (or cannot read it): one process
        assert "working in this process" in done.stderr, done.stderr
