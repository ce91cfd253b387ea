"""The watcher: files saved into the corpus of a running chat or bot become answerable.

Real files, a real watchdog observer, real processes for the chat and the bot; deadlines
are generous and nothing asserts how fast it happens (benchmarks/change_check.py does).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support.botapi_server import BotApiServer
from support.corpus import write_article
from support.waiting import DEADLINE, eventually

from qabot import QABot
from qabot.watch import CorpusWatcher

ROOT = Path(__file__).resolve().parents[1]
FACT = ("Zebra finches nest in Kelmouth", "A colony of zebra finches nests under the pier.")


def test_a_file_saved_under_a_watcher_becomes_answerable(corpus: Path, tmp_path: Path) -> None:
    bot = QABot.open(corpus, tmp_path / "index")
    assert not bot.ask("zebra finches").found
    with CorpusWatcher(bot) as watcher:
        assert watcher.watching
        write_article(corpus, "new/folder/finches.txt", *FACT)
        assert eventually(lambda: bot.ask("zebra finches").found)
        # A change in place (same size) and a removal are followed too.
        write_article(corpus, "new/folder/finches.txt", FACT[0], FACT[1].replace("pier", "quay"))
        assert eventually(lambda: "quay" in bot.ask("zebra finches nest").text)
        (corpus / "new" / "folder" / "finches.txt").unlink()
        assert eventually(lambda: not bot.ask("zebra finches").found)


@pytest.fixture
def full_scans(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The corpus folders scanned whole (every file stat-ed) while the test runs."""
    import qabot.index.update

    scanned: list[Path] = []
    real = qabot.index.update.scan_stamps

    def counted(folder: Path, skip: Path | None = None) -> Any:
        scanned.append(folder)
        return real(folder, skip)

    monkeypatch.setattr(qabot.index.update, "scan_stamps", counted)
    return scanned


def test_an_event_costs_a_look_at_its_paths_not_a_scan_of_the_corpus(
    corpus: Path, tmp_path: Path, full_scans: list[Path]
) -> None:
    bot = QABot.open(corpus, tmp_path / "index")
    full_scans.clear()  # opening scans whole
    with CorpusWatcher(bot) as watcher:
        assert watcher.watching
        write_article(corpus, "new/folder/finches.txt", *FACT)
        assert eventually(lambda: bot.ask("zebra finches").found)
        (corpus / "new" / "folder" / "finches.txt").unlink()
        assert eventually(lambda: not bot.ask("zebra finches").found)
    assert full_scans == []
    assert bot.stats().articles == QABot.open(corpus, tmp_path / "fresh").stats().articles


def test_a_steady_stream_of_events_does_not_put_off_the_full_check(
    corpus: Path, tmp_path: Path, full_scans: list[Path]
) -> None:
    # The full check finds what no event named (a dropped event, a link's target); it is
    # due every `rescan` seconds even when events come more often than that.
    bot = QABot.open(corpus, tmp_path / "index")
    full_scans.clear()  # opening scans whole
    noise = corpus / "logs"
    noise.mkdir()
    stop = threading.Event()

    def chatter() -> None:  # an event every 0.2 s, far more often than every `rescan`
        while not stop.wait(0.2):
            (noise / "run.log").write_text(str(time.monotonic()), encoding="utf-8")

    writer = threading.Thread(target=chatter)
    with CorpusWatcher(bot, rescan=1.0, debounce=0.05):
        writer.start()
        try:
            assert eventually(lambda: len(full_scans) >= 2)
        finally:
            stop.set()
            writer.join()


def test_an_update_that_could_not_be_written_is_looked_at_again_in_full(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import qabot.index.index

    bot = QABot.open(corpus, tmp_path / "index")
    real = qabot.index.index.write_snapshot

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(qabot.index.index, "write_snapshot", disk_full)
    with CorpusWatcher(bot, rescan=3600.0) as watcher:
        write_article(corpus, "finches.txt", *FACT)
        assert eventually(lambda: watcher._paths is None)  # the write failed: all again
        monkeypatch.setattr(qabot.index.index, "write_snapshot", real)
        write_article(corpus, "other.txt", "Otters", "Otters swim in the river Kel.")
        assert eventually(lambda: bot.ask("otters river Kel").found)
        assert bot.ask("zebra finches").found  # not lost with the failed write


def test_without_events_the_folder_is_polled_and_that_is_logged(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import watchdog.observers.api

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "inotify watch limit reached")

    # What the kernel answers when its inotify watches run out.
    monkeypatch.setattr(watchdog.observers.api.BaseObserver, "schedule", refuse)
    bot = QABot.open(corpus, tmp_path / "index")
    with caplog.at_level(logging.WARNING), CorpusWatcher(bot, poll=0.2) as watcher:
        assert not watcher.watching
        write_article(corpus, "finches.txt", *FACT)
        assert eventually(lambda: bot.ask("zebra finches").found)
    assert "cannot watch" in caplog.text and "checking it every 0.2 s" in caplog.text


def test_the_watcher_does_not_wake_itself(corpus: Path, tmp_path: Path) -> None:
    """Its own index writes and corpus reads are not changes: no update without one."""
    bot = QABot.open(corpus)  # the index inside the corpus, as by default
    calls: list[int] = []
    real = bot.catch_up

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real()

    bot.catch_up = counted  # type: ignore[method-assign]
    with CorpusWatcher(bot, debounce=0.05):
        write_article(corpus, "finches.txt", *FACT)
        assert eventually(lambda: bot.ask("zebra finches").found)
        settled = len(calls)
        time.sleep(1.0)  # room for a loop of self-inflicted updates to show
        assert len(calls) == settled


def _lines(stream: object) -> queue.Queue[str]:
    """The lines of a process's output, read in a thread, so that waits have deadlines."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


@pytest.mark.slow
def test_qabot_chat_answers_from_a_file_saved_while_it_runs(corpus: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "qabot", "chat", "--corpus", str(corpus)]
    command += ["--index", str(tmp_path / "index")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    errors = tmp_path / "stderr.txt"
    with open(errors, "w") as err:
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
            env=env,
        )  # fmt: skip
    assert proc.stdin is not None
    out = _lines(proc.stdout)
    try:
        # Saved once the chat runs (its greeting is out), not before it opened the index.
        assert "indexed" in out.get(timeout=DEADLINE)
        write_article(corpus, "sub/finches.txt", *FACT)
        end = time.monotonic() + DEADLINE
        answered = False
        while not answered and time.monotonic() < end:
            proc.stdin.write("where do zebra finches nest\n")
            proc.stdin.flush()
            while True:  # read this question's answer up to its last line
                line = out.get(timeout=DEADLINE)
                if "pier" in line:
                    answered = True
                if line.startswith(("I don't know", "(/more")):
                    break
            time.sleep(0.2)
        assert answered
    finally:
        proc.stdin.close()
        proc.wait(timeout=20)
        assert proc.stdout is not None
        proc.stdout.close()
    assert proc.returncode == 0, errors.read_text()[-2000:]


@pytest.mark.slow
def test_bot_py_answers_from_a_file_saved_while_it_runs(api: BotApiServer, corpus: Path) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "QABOT_CORPUS": str(corpus),
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        api.wait_for("setMyCommands", timeout=30)
        write_article(corpus, "sub/finches.txt", *FACT)

        def answered() -> bool:
            sent = len(api.calls("sendMessage"))
            api.push_update(api.make_message_update("Where do zebra finches nest?"))
            call = api.wait_for("sendMessage", timeout=30, count=sent + 1)
            return "pier" in str(call.params.get("text", ""))

        assert eventually(answered)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]


def test_stopping_while_files_change_logs_no_error(
    corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Stopping races with watchdog's reading thread, which logged an ERROR for an event
    # read as the watch closed; the chat printed it on stderr as it ended (seen in CI).
    scratch = corpus / ".scratch"  # hidden: events are read, then ignored, no update
    scratch.mkdir()
    stop = threading.Event()

    def churn() -> None:
        written = 0
        while not stop.is_set():
            (scratch / f"{written % 5}.txt").write_text("x" * written, encoding="utf-8")
            written += 1

    writer = threading.Thread(target=churn)
    writer.start()
    bot = QABot.open(corpus)
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(100):
                CorpusWatcher(bot).start().stop()
    finally:
        stop.set()
        writer.join()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
