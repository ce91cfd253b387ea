"""Concurrent use: questions answered during a reindex from one whole index; reindexes serialized.

The corpus is built so that a mixed index would show: between the two editions every
article is rewritten, and every passage and title names its edition ("amber" before,
"cobalt" after). Each answer given while a reindex runs must equal, whole (sentence,
passages, scores, highlights), either the answer of the index before or that of a full
rebuild of the corpus after; a mix of the two (passages of both, or statistics of one with
passages of the other) equals neither.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.corpus import story_questions, write_article, write_stories

from qabot import Answer, QABot, ReindexReport

ARTICLES = 1500
EDITIONS = ("amber", "cobalt")


@dataclass(frozen=True)
class Editions:
    corpus: Path
    index: Path
    questions: list[str]
    before: dict[str, Answer]
    after: dict[str, Answer]

    def which(self, question: str, answer: Answer) -> str:
        """ "before" or "after": the one whole index ``answer`` came from."""
        seen = {
            word
            for hit in answer.passages
            for word in EDITIONS
            if word in hit.text or word in hit.article.title
        }
        assert len(seen) <= 1, f"an answer mixes editions {seen}: {answer!r}"
        if answer == self.before[question]:
            return "before"
        assert answer == self.after[question], f"{question!r}: answer from no whole index"
        return "after"


@pytest.fixture
def editions(tmp_path: Path) -> Editions:
    """An index of the amber edition; the corpus then rewritten as the cobalt edition."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_stories(corpus, range(ARTICLES), "amber")
    questions = story_questions(range(0, ARTICLES, 97), extra=12)
    bot = QABot.open(corpus, index)
    before = {q: bot.ask(q) for q in questions}
    write_stories(corpus, range(ARTICLES), "cobalt")
    reference = QABot.open(corpus, tmp_path / "reference")
    after = {q: reference.ask(q) for q in questions}
    assert all(before[q] != after[q] for q in questions)
    return Editions(corpus, index, questions, before, after)


def ask_until(
    bot: QABot, editions: Editions, finished: Callable[[], bool], seen: list[str], offset: int
) -> None:
    """Ask round the question set until ``finished()``; once "after", never "before" again."""
    questions = editions.questions
    n = offset
    while not finished():
        question = questions[n % len(questions)]
        got = editions.which(question, bot.ask(question))
        assert not (got == "before" and "after" in seen), "went back to the old index"
        seen.append(got)
        n += 1


@pytest.mark.slow
def test_questions_during_an_in_process_reindex_come_from_one_whole_index(
    editions: Editions,
) -> None:
    bot = QABot.open(editions.corpus, editions.index, update=False)
    done = threading.Event()
    reports = []
    failures: list[BaseException] = []

    def reindex() -> None:
        try:
            reports.append(bot.reindex())
        finally:
            done.set()

    def asker(seen: list[str], offset: int) -> None:
        try:
            ask_until(bot, editions, done.is_set, seen, offset)
        except BaseException as exc:
            failures.append(exc)
            raise

    seen: list[list[str]] = [[], [], []]
    threads = [threading.Thread(target=asker, args=(seen[i], i * 7)) for i in range(3)]
    writer = threading.Thread(target=reindex)
    for thread in threads:
        thread.start()
    writer.start()
    for thread in (writer, *threads):
        thread.join(60)
    assert not failures, failures[0]
    (report,) = reports
    assert len(report.changed) == ARTICLES
    answered = sum(len(s) for s in seen)
    print(f"\n{answered} questions answered by 3 threads during an in-process reindex")
    assert answered >= 30
    for question in editions.questions:
        assert editions.which(question, bot.ask(question)) == "after"


@pytest.mark.slow
def test_questions_during_a_qabot_index_process_come_from_one_whole_index(
    editions: Editions,
) -> None:
    bot = QABot.open(editions.corpus, editions.index, update=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "qabot", "index", str(editions.corpus), "--index",
         str(editions.index)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: list[str] = []
    try:
        ask_until(bot, editions, lambda: proc.poll() is not None, seen, 0)
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    print(f"\n{len(seen)} questions answered while a `qabot index` process ran")
    assert len(seen) >= 30 and seen[0] == "before"
    # The serving bot picks the committed index up on its next question.
    for question in editions.questions:
        assert editions.which(question, bot.ask(question)) == "after"


def _counts(report_line: str) -> tuple[int, ...]:
    match = re.match(r"(\d+) added, (\d+) changed, (\d+) removed, (\d+) unchanged", report_line)
    assert match, report_line
    return tuple(int(g) for g in match.groups())


@pytest.mark.slow
def test_two_qabot_index_processes_are_serialized_never_interleaved(editions: Editions) -> None:
    command = [
        sys.executable, "-m", "qabot", "index", str(editions.corpus), "--index",
        str(editions.index),
    ]  # fmt: skip
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=90) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    counts = sorted(_counts(out.splitlines()[0]) for out, _ in outputs)
    # Interleaved runs would both start from the amber index and both rewrite every article;
    # serialized, the second finds the first's commit and has nothing left to do.
    assert counts == [(0, 0, 0, ARTICLES), (0, ARTICLES, 0, 0)]
    bot = QABot.open(editions.corpus, editions.index, update=False)
    for question in editions.questions:
        assert editions.which(question, bot.ask(question)) == "after"


@pytest.mark.slow
def test_two_in_process_reindexes_take_turns(editions: Editions) -> None:
    bots = [QABot.open(editions.corpus, editions.index, update=False) for _ in range(2)]
    first_running = threading.Event()
    reports: list[ReindexReport] = []

    def slow_progress(done: int, total: int) -> None:
        if not first_running.is_set():
            first_running.set()
            time.sleep(0.3)  # keep the first reindex busy while the second one starts

    def run(bot: QABot, progress: Callable[[int, int], None] | None) -> None:
        reports.append(bot.reindex(progress=progress))

    first = threading.Thread(target=run, args=(bots[0], slow_progress))
    first.start()
    assert first_running.wait(30)
    second = threading.Thread(target=run, args=(bots[1], None))
    second.start()
    for thread in (first, second):
        thread.join(60)
    # Both started from the amber index; taking turns, the second finds the first's commit.
    assert [(len(r.changed), len(r.unchanged)) for r in reports] == [(ARTICLES, 0), (0, ARTICLES)]
    for bot in bots:
        for question in editions.questions[:5]:
            assert editions.which(question, bot.ask(question)) == "after"


# -- readers never wait for a writer; a writer plans against what was committed before it ----
_HOLD_THE_LOCK = """
import sys
from pathlib import Path
from qabot.index.store import write_lock
with write_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""

#: Builds an index and stops, holding the write lock, until a line comes on stdin.
_PAUSED_WRITER = """
import sys
from pathlib import Path
from qabot import QABot
paused = []
def progress(done, total):
    if not paused:
        paused.append(True)
        print("building", flush=True)
        sys.stdin.readline()
QABot.open(Path(sys.argv[1]), Path(sys.argv[2]), progress=progress)
"""


@contextlib.contextmanager
def another_process(script: str, *args: Path, ready: str) -> Iterator[subprocess.Popen[str]]:
    """Run ``script``; yield once it printed ``ready``; on leaving, let it go on and end."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdin and proc.stdout
    try:
        assert proc.stdout.readline().strip() == ready
        yield proc
    finally:
        proc.stdin.close()
        proc.stdout.read()
        proc.stdout.close()
        proc.wait(60)


def _qabot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qabot", *args], capture_output=True, text=True, timeout=120
    )


def test_readers_answer_from_the_last_commit_while_another_process_holds_the_lock(
    news_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    question = "how much did oil prices rise?"
    expected = QABot.open(news_corpus, index).ask(question)
    # The corpus changed, so each reader would like to update the index, but a writer is busy.
    write_article(news_corpus, "new/aid.txt", "Aid", "Donors pledged 5 billion for Ukraine.")
    where = ["--corpus", str(news_corpus), "--index", str(index)]
    with another_process(_HOLD_THE_LOCK, index, ready="locked"):
        asked = _qabot("ask", "--json", question, *where)
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout) == expected.to_dict()
        stats = _qabot("stats", *where)
        assert stats.returncode == 0, stats.stderr
        caplog.set_level(logging.INFO)
        starting = QABot.open(news_corpus, index)  # a bot starting up
        assert starting.ask(question) == expected
        assert "update is in progress" in caplog.text
    # With the writer gone, the next reader brings the index up to date.
    assert QABot.open(news_corpus, index).ask("how much did donors pledge?").found


def test_a_second_qabot_index_on_an_empty_index_finds_the_first_ones_build(
    news_corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    with another_process(_PAUSED_WRITER, news_corpus, index, ready="building") as first:
        second = subprocess.Popen(
            [sys.executable, "-m", "qabot", "-v", "index", str(news_corpus), "--index",
             str(index)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert second.stderr
        # The second one found no index, and now waits for the first one's lock.
        for line in second.stderr:
            if "waiting" in line:
                break
        else:
            pytest.fail("the second `qabot index` never waited for the first")
    assert first.returncode == 0
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    files = sum(1 for _ in news_corpus.rglob("*.txt"))
    assert _counts(out.splitlines()[0]) == (0, 0, 0, files)  # nothing left to do
    assert len(list(index.glob("seg-*"))) == 1  # one full build, not two
