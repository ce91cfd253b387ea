"""Crashes during reindex: a SIGKILLed ``qabot index`` never loses or tears the index.

A corpus of 3,000 generated articles is indexed, then changed (articles added, rewritten
and removed). ``qabot index`` is started on it again and again and SIGKILLed at one of the
changes it makes to the file system (``support/kill_at.py``: before each rename, link,
removal, folder creation and fsync, after each file opened for writing): the first and
the last, either side of the commit (the rename of ``CURRENT``), and seeded points spread
over the whole run, for updates and for rebuilds. Counted in changes, not in seconds, the
kills are the same on an idle and on a busy machine. A few more kills come after seeded
delays (during start-up, the scan, the analysis), which no point reaches. After every kill
the index must open without a rebuild and answer exactly as before the reindex began when
the kill came before the commit, or exactly as the finished reindex when it came after.
Every run let finish, debris of killed runs included, must give exactly what a full
rebuild of the changed corpus gives.
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
#: SIGKILLs at points of the run, and after delays (these may find it finished).
KILL_POINTS = 30
KILL_DELAYS = 3
#: Kills per round; each round ends with a run that is let finish.
ROUND = 8
KILL_AT = Path(__file__).parent / "support" / "kill_at.py"


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


def kill_at_command(corpus: Path, index: Path, rebuild: bool, *how: str) -> list[str]:
    """``qabot index`` run by ``support/kill_at.py`` (``--at N`` or ``--trace FILE``)."""
    return [sys.executable, str(KILL_AT), *how, *index_command(corpus, index, rebuild)[3:]]


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
@pytest.mark.timeout(900)
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

    def finish(rebuild: bool) -> None:
        done = subprocess.run(
            index_command(corpus, index, rebuild), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert observe(corpus, index, questions) == after

    def trace(rebuild: bool) -> list[str]:
        """The points of a whole run from the saved index, by name."""
        names = tmp_path / "points.txt"
        done = subprocess.run(
            kill_at_command(corpus, index, rebuild, "--trace", str(names)),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert observe(corpus, index, questions) == after
        restore(saved, index)
        return names.read_text().splitlines()

    # Where each kind of run commits (the point that renames the pointer into place), and
    # how many points it has.
    commits = {}
    for rebuild in (False, True):
        started = time.monotonic()
        points = trace(rebuild)
        duration = time.monotonic() - started
        commits[rebuild] = (points.index(f"replace {index.name}/CURRENT") + 1, len(points))

    rng = random.Random(SEED)
    plan: list[tuple[bool, str, float]] = []
    for rebuild in (False, True):
        commit, last = commits[rebuild]
        plan += [(rebuild, "point", n) for n in (1, commit - 1, commit, commit + 1, last)]
    spread = KILL_POINTS - len(plan)
    for n in range(spread):  # one seeded point in each of `spread` slices of a run
        rebuild = n % 4 == 3
        last = commits[rebuild][1]
        plan.append((rebuild, "point", 1 + int((n + rng.random()) * last / spread)))
    plan += [(False, "delay", d) for d in (0.0, *(rng.uniform(0, duration) for _ in range(2)))]
    assert len(plan) == KILL_POINTS + KILL_DELAYS
    rng.shuffle(plan)

    killed = {"before writing": 0, "while writing": 0, "after the commit": 0}
    at_points = 0
    for number, (rebuild, how, when) in enumerate(plan, 1):
        untouched = tree_state(index)
        caplog.clear()
        if how == "point":
            command = kill_at_command(corpus, index, rebuild, "--at", str(int(when)))
        else:
            command = index_command(corpus, index, rebuild)
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        if how == "delay":
            time.sleep(when)
            if proc.poll() is None:
                proc.kill()
        returncode = proc.wait(timeout=120)
        end_session(proc.pid)  # helpers it left, if any (see the test below)
        now = observe(corpus, index, questions)
        assert not caplog.records, [r.getMessage() for r in caplog.records]
        label = f"kill {number} ({'rebuild' if rebuild else 'update'}, {how} {when:g})"
        if how == "point":
            # Every point lies within the run: the kill is certain, and so is its effect.
            assert returncode == -signal.SIGKILL, label
            at_points += 1
            assert now == (after if when > commits[rebuild][0] else before), label
        if returncode == 0:  # a delayed kill came after the end
            assert now == after, label
            restore(saved, index)
        else:
            assert returncode == -signal.SIGKILL, label
            if now == after:
                killed["after the commit"] += 1
                restore(saved, index)
            else:
                assert now == before, f"{label} tore the index"
                killed["while writing" if tree_state(index) != untouched else "before writing"] += 1
        if number % ROUND == 0:  # the next run, on whatever the kills left, completes
            finish(rebuild=number % (2 * ROUND) == 0)
            restore(saved, index)
    finish(rebuild=False)  # on the debris of the last round

    print(
        f"\n{sum(killed.values())} kills ({at_points} at points of runs of "
        f"{commits[False][1]} (update) and {commits[True][1]} (rebuild) points) over a "
        f"{duration:.2f}s reindex of {ARTICLES} articles: "
        + ", ".join(f"{n} {label}" for label, n in killed.items())
    )
    assert at_points == KILL_POINTS
    assert killed["while writing"] >= KILL_POINTS // 2, killed
    assert killed["after the commit"] >= 4, killed


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
