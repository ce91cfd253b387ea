"""Crashes during reindex: a SIGKILLed ``qabot index`` never loses or tears the index.

A corpus of 3,000 generated articles is indexed, then changed (articles added, rewritten
and removed). ``qabot index`` is started on it again and again and killed with SIGKILL:
after seeded random delays spread over its whole run (start-up, scan, analysis, writing,
clean-up), right after it starts, near its end, and at the n-th change it makes in the
index folder (seen by walking the folder, whatever its layout). After every kill the index
must open without a rebuild and answer exactly as before the reindex began, or, when the
kill came after the commit, exactly as the finished reindex. Every run let finish, debris
of killed runs included, must give exactly what a full rebuild of the changed corpus gives.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest
from support.behaviour import Behaviour, behaviour
from support.corpus import story_path, story_questions, write_stories

from qabot import QABot

ARTICLES = 3000
SEED = 20240611
#: SIGKILLs delivered to a running `qabot index`; runs that finish first do not count.
KILL_POINTS = 30
MAX_RUNS = 60
#: Kill points per round; each round ends with a run that is let finish.
ROUND = 8


def observe(corpus: Path, index: Path, questions: list[str]) -> Behaviour:
    """The index's behaviour as found on disk; fails if opening it needed a rebuild."""
    bot = QABot.open(corpus, index, update=False)
    assert bot.last_report is None, f"the index could not be used as found: {bot.last_report}"
    return behaviour(bot, questions)


def tree_state(folder: Path) -> frozenset[tuple[str, int]]:
    """Every entry below ``folder`` with its size: changes whenever anything is written."""
    state = []
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            try:
                size = os.lstat(path).st_size
            except OSError:  # removed while we looked
                continue
            state.append((os.path.relpath(path, folder), size))
    return frozenset(state)


def index_command(corpus: Path, index: Path, rebuild: bool) -> list[str]:
    command = [sys.executable, "-m", "qabot", "index", str(corpus), "--index", str(index)]
    return [*command, "--rebuild"] if rebuild else command


def session_members(session: int) -> list[int]:
    """Live processes of ``session`` (a killed indexer's helpers would show here)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == session and fields[0] != "Z":
                members.append(int(entry))
    return members


def end_session(session: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(session, signal.SIGKILL)


def restore(saved: Path, index: Path) -> None:
    shutil.rmtree(index)
    shutil.copytree(saved, index, symlinks=True)


def change_corpus(corpus: Path) -> None:
    """Rewrite 40 % of the articles, remove 10 %, add 10 % new ones."""
    write_stories(corpus, range(0, ARTICLES, 5), "cobalt")
    write_stories(corpus, range(1, ARTICLES, 5), "cobalt")
    for number in range(2, ARTICLES, 10):
        story_path(corpus, number).unlink()
    write_stories(corpus, range(ARTICLES, ARTICLES + ARTICLES // 10), "cobalt")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_at_any_moment_of_a_reindex_keeps_the_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    corpus, index, saved, reference = (tmp_path / n for n in ("corpus", "index", "saved", "ref"))
    write_stories(corpus, range(ARTICLES), "amber")
    # Stories that will be rewritten, removed, kept and added, and common words.
    questions = story_questions([0, 1, 2, 3, 12, 13, 14, 15, ARTICLES + 1, ARTICLES + 7])
    QABot.open(corpus, index)
    before = observe(corpus, index, questions)
    shutil.copytree(index, saved, symlinks=True)

    change_corpus(corpus)
    QABot.open(corpus, reference)
    after = observe(corpus, reference, questions)
    assert before.answers != after.answers and before.figures != after.figures

    def finish(rebuild: bool) -> float:
        started = time.monotonic()
        done = subprocess.run(
            index_command(corpus, index, rebuild), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert observe(corpus, index, questions) == after
        return time.monotonic() - started

    duration = finish(rebuild=False)
    restore(saved, index)

    rng = random.Random(SEED)
    plan: list[tuple[str, float]] = [("delay", d) for d in (0.0, 0.005, 0.02, 0.05)]
    plan += [("delay", duration * f) for f in (0.9, 0.95, 1.0)]
    plan += [("change", rng.randint(1, 6)) for _ in range(10)]
    rng.shuffle(plan)

    def next_point() -> tuple[str, float]:
        # The fixed points first, then random moments across the whole run.
        return plan.pop() if plan else ("delay", rng.uniform(0.0, 0.9 * duration))

    killed = {"before writing": 0, "while writing": 0, "after the commit": 0}
    completed = 0
    for number in range(1, MAX_RUNS + 1):
        if sum(killed.values()) >= KILL_POINTS:
            break
        how, when = next_point()
        untouched = tree_state(index)
        caplog.clear()
        proc = subprocess.Popen(
            index_command(corpus, index, rebuild=rng.random() < 0.25),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        if how == "delay":
            time.sleep(when)
        else:
            seen, changes = untouched, 0
            while proc.poll() is None and changes < when:
                state = tree_state(index)
                if state != seen:
                    seen, changes = state, changes + 1
        if proc.poll() is None:
            proc.kill()
        returncode = proc.wait()
        end_session(proc.pid)  # helpers it left, if any (see the test below)
        now = observe(corpus, index, questions)
        assert not caplog.records, [r.getMessage() for r in caplog.records]
        if returncode == 0:  # it finished before the kill
            assert now == after
            completed += 1
            restore(saved, index)
        else:
            assert returncode == -9
            if now == after:
                killed["after the commit"] += 1
                restore(saved, index)
            else:
                assert now == before, f"kill point {number} ({how} {when:.3f}) tore the index"
                killed["while writing" if tree_state(index) != untouched else "before writing"] += 1
        if number % ROUND == 0:  # the next run, on whatever the kills left, completes
            finish(rebuild=number % (2 * ROUND) == 0)
            completed += 1
            restore(saved, index)

    total = sum(killed.values())
    print(
        f"\n{total} kill points over a {duration:.2f}s reindex of {ARTICLES} articles: "
        + ", ".join(f"{n} {label}" for label, n in killed.items())
        + f"; {completed} runs completed and equal to a full rebuild"
    )
    assert total >= KILL_POINTS
    assert killed["while writing"] >= 5, killed


@pytest.mark.slow
def test_a_killed_qabot_index_leaves_no_processes_behind(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(ARTICLES), "amber")
    left: list[int] = []
    for delay in (0.0, 0.3, 0.6, 0.15):  # helpers may be busy or idle when the kill comes
        proc = subprocess.Popen(
            index_command(corpus, tmp_path / "index", rebuild=True),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            # Kill it in the middle of its work: once it has helpers, if it uses any.
            while proc.poll() is None and len(session_members(proc.pid)) < 2:
                time.sleep(0.01)
            time.sleep(delay)
            proc.kill()
            proc.wait()
            # A worker killed while still importing notices its parent's death only once
            # its start-up is over, which takes seconds on a busy machine.
            deadline = time.monotonic() + 15
            while (left := session_members(proc.pid)) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            end_session(proc.pid)
        assert left == [], f"{len(left)} processes outlived the indexer killed {delay}s in"


@pytest.mark.slow
def test_open_from_a_plain_script_builds_a_large_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(ARTICLES), "amber")
    script = tmp_path / "build.py"
    # (A fresh index folder each run, so a re-run of the script cannot wait on a lock.)
    script.write_text(
        "import tempfile\n"
        "from qabot import QABot\n"
        f"bot = QABot.open({str(corpus)!r}, tempfile.mkdtemp(dir={str(tmp_path)!r}))\n"
        "print(len(bot.articles()))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.split() == [str(ARTICLES)]
