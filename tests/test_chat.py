"""The terminal chat over stdin and stdout, on a real small corpus."""

from __future__ import annotations

import errno
import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from support.corpus import write_article

from qabot import QABot
from qabot.chat import run_chat


def chat(bot: QABot, *lines: str) -> tuple[int, str]:
    stdout = io.StringIO()
    code = run_chat(bot, io.StringIO("".join(f"{line}\n" for line in lines)), stdout)
    return code, stdout.getvalue()


def test_questions_get_cited_answers_and_follow_ups_keep_context(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(corpus, "a.txt", "Paris", "The Paris council approved the budget for 2025.")
    write_article(corpus, "b.txt", "Berlin", "The Berlin council rejected the budget for 2025.")
    bot = QABot.open(corpus, tmp_path / "index")
    code, out = chat(bot, "Berlin council", "and the budget?", "Paris council", "and the budget?")
    assert code == 0 and out.startswith("qabot: 2 articles indexed.")
    assert "\033[" not in out  # no ANSI codes off a terminal
    heads = [
        line
        for line in out.splitlines()[1:]
        if line and not line.startswith(("[", " ", "(/more")) and not line.endswith(":")
    ]
    # Each follow-up is read with the question before it.
    berlin = "The Berlin council rejected the budget for 2025."
    paris = "The Paris council approved the budget for 2025."
    assert heads == [berlin, berlin, paris, paris]
    # The passage is the answer: its citation is shown, its text not printed again; the
    # other passage is.
    assert f"{berlin}\n\nSources:\n[1] Berlin, ¶1\n[2] Paris, ¶1\n    {paris}\n" in out
    assert f"{paris}\n\nSources:\n[1] Paris, ¶1\n[2] Berlin, ¶1\n    {berlin}\n" in out


def test_commands_refusals_and_end_of_input(news_corpus: Path, tmp_path: Path) -> None:
    bot = QABot.open(news_corpus, tmp_path / "index")
    code, out = chat(bot, "/help", "/stats", "/sources", "/nope", "x" * 5000, "", "zxqv", "/quit")
    assert code == 0
    assert "Commands:\n  /more" in out and "4 articles" in out
    assert "- Oil prices climb (markets/oil.txt)" in out
    assert "Unknown command /nope." in out
    assert "That message is too long for a question (5000 characters)." in out
    assert out.endswith("I don't know. No article mentions: zxqv.\n")


def test_end_of_input_ends_the_chat(corpus: Path, tmp_path: Path) -> None:
    code, out = chat(QABot.open(corpus, tmp_path / "index"))
    assert code == 0 and out.startswith("qabot: 1 article indexed.")
    # Off a terminal there is no prompt to leave: no newline is added at the end.
    assert out.count("\n") == 1


@pytest.mark.parametrize("word", ["quit", "exit", "q", "QUIT", "/quit", "/exit", " q "])
def test_quit_words_end_the_chat(corpus: Path, tmp_path: Path, word: str) -> None:
    code, out = chat(QABot.open(corpus, tmp_path / "index"), word, "Minsk")
    assert code == 0 and out.startswith("qabot: 1 article indexed.")
    assert "quit to leave" in out.splitlines()[0] and "Minsk" not in out


def test_help_draws_its_examples_from_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(corpus, "a.txt", "Rail strike halts trains", "Drivers walked out on Monday.")
    write_article(corpus, "b.txt", "Museum reopens", "The city museum reopened after repairs.")
    _, out = chat(QABot.open(corpus, tmp_path / "index"), "/help")
    assert "  Rail strike halts trains\n" in out and "Stoltenberg" not in out
    assert "What about" not in out  # a title is no question


def test_sources_are_paged_and_can_be_searched(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for n in range(45):
        title = f"Harbour story {n}" if n % 10 == 3 else f"Story {n}"
        write_article(corpus, f"s{n:02}.txt", title, f"Something happened, number {n}.")
    bot = QABot.open(corpus, tmp_path / "index")
    _, out = chat(bot, "/sources")
    listed = [line for line in out.splitlines() if line.startswith("- ")]
    assert len(listed) == 20 and listed[0] == "- Story 0 (s00.txt)"
    assert "Articles, 1–20 of 45:" in out and "/sources 2 for the next page (of 3)" in out
    _, out = chat(bot, "/sources 3")
    listed = [line for line in out.splitlines() if line.startswith("- ")]
    assert len(listed) == 5 and "Articles, 41–45 of 45:" in out and "next page" not in out
    _, out = chat(bot, "/sources harbour")
    listed = [line for line in out.splitlines() if line.startswith("- ")]
    assert listed == [f"- Harbour story {n} (s{n:02}.txt)" for n in (3, 13, 23, 33, 43)]
    _, out = chat(bot, "/sources zebra")
    assert "No article title matches 'zebra'." in out


def test_answers_show_three_passages_and_more_shows_them_all_in_full(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for n in range(5):
        # Five different stories (copies of one story would be cited once).
        tail = " ".join(f"Filler sentence number {i} about item {n}x{i}." for i in range(30))
        write_article(
            corpus, f"t{n}.txt", f"Town {n}", f"Town {n} voted on the tram budget. {tail}"
        )
    bot = QABot.open(corpus, tmp_path / "index")
    _, out = chat(bot, "tram budget vote", "/more")
    answer, more = out.split("Sources for: tram budget vote")
    assert "[3] " in answer and "[4] " not in answer and "/more" in answer
    # The chat shows excerpts; /more every cited passage, whole.
    assert answer.count("Filler sentence number 8") == 0 and answer.count("…\n") == 3
    assert "[5] Town" in more and more.count("Filler sentence number 8 about") == 5


def test_more_before_any_question(corpus: Path, tmp_path: Path) -> None:
    _, out = chat(QABot.open(corpus, tmp_path / "index"), "/more")
    assert "Ask a question first." in out


def test_the_terminal_takes_the_same_filters_as_telegram(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for city, day in (("Paris", "2024-05-02"), ("Berlin", "2024-06-12")):
        (corpus / f"{city}.md").write_text(
            f"---\ntitle: {city}\ndate: {day}\n---\nThe {city} council approved the budget.\n"
        )
    bot = QABot.open(corpus, tmp_path / "index")
    code, out = chat(bot, "/help", "until:2024-05-31 what did the Paris council approve?",
                     "since:later which council?")  # fmt: skip
    assert code == 0
    assert "Filters:\n  since:YYYY-MM-DD and until:YYYY-MM-DD" in out
    assert "\n2 May 2024 — The Paris council approved the budget.\n" in out
    assert "Berlin" not in out.split("/help")[-1].split("Filters:")[0]
    assert "Sources:\n[1] Paris, ¶1, 2024-05-02\n" in out and "[2]" not in out
    assert "Sorry, I could not use that filter: since: 'later' is not a date" in out


def test_quotes_in_the_chat(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "a.txt", "Harbour", 'Mayor Tom Reed said: "The harbour will stay public."'
    )
    bot = QABot.open(corpus, tmp_path / "index")
    code, out = chat(bot, "/quotes Reed harbour", "/quotes")
    assert code == 0
    assert "Reed about harbour: 1 statement, oldest first." in out
    assert "Tom Reed: “The harbour will stay public.”" in out
    assert "Write a name, and a topic if you like" in out


@pytest.mark.parametrize("trouble", ["locked", "full", "read-only"])
def test_reindex_on_an_index_that_cannot_be_written_says_why_and_the_chat_goes_on(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trouble: str
) -> None:
    import qabot.index.index
    from qabot.index.store import write_lock

    index = tmp_path / "index"
    bot = QABot.open(corpus, index)
    write_article(corpus, "kites.txt", "Kites", "Kites flew over the beach all weekend.")
    held = threading.Event()
    release = threading.Event()
    holder = None
    if trouble == "locked":
        # Another writer holds the lock; waiting for it is cut short for the test.
        def hold() -> None:
            with write_lock(index):
                held.set()
                release.wait(30)

        holder = threading.Thread(target=hold)
        holder.start()
        assert held.wait(10)
        real_lock = qabot.index.index.write_lock
        monkeypatch.setattr(
            qabot.index.index, "write_lock", lambda folder, timeout=0.0: real_lock(folder, 0.1)
        )
    else:
        code = errno.ENOSPC if trouble == "full" else errno.EROFS

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(qabot.index.index, "write_snapshot", refuse)
    try:
        code, out = chat(bot, "/reindex", "what did Stoltenberg say about Minsk")
    finally:
        release.set()
        if holder is not None:
            holder.join()
    assert code == 0
    said = out.splitlines()[1]
    expected = {
        "locked": f"qabot: another process is updating the index in {index}",
        "full": f"qabot: cannot write the index in {index}: No space left on device",
        "read-only": f"qabot: cannot write the index in {index}: Read-only file system",
    }[trouble]
    assert said.startswith(expected), said
    assert "We cannot have Minsk 3" in out.split(said, 1)[1]
