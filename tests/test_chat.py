"""The terminal chat over stdin and stdout, on a real small corpus."""

from __future__ import annotations

import io
from pathlib import Path

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
    assert code == 0 and out.startswith("qabot: 2 articles, 2 passages.")
    assert "\033[" not in out  # no ANSI codes off a terminal
    heads = [
        line
        for line in out.splitlines()[1:]
        if line and not line.startswith(("[", " ")) and not line.endswith(":")
    ]
    # Each follow-up is read with the question before it.
    berlin = "The Berlin council rejected the budget for 2025."
    paris = "The Paris council approved the budget for 2025."
    assert heads == [berlin, berlin, paris, paris]
    assert "Sources:\n[1] Berlin, ¶1\n    The Berlin council rejected" in out


def test_commands_refusals_and_end_of_input(news_corpus: Path, tmp_path: Path) -> None:
    bot = QABot.open(news_corpus, tmp_path / "index")
    code, out = chat(bot, "/help", "/stats", "/sources", "/nope", "x" * 5000, "", "zxqv", "/quit")
    assert code == 0
    assert "Commands: /help" in out and "4 articles" in out
    assert "- Oil prices climb (markets/oil.txt)" in out
    assert "Unknown command /nope." in out
    assert "That message is too long for a question (5000 characters)." in out
    assert out.endswith("I don't know. No article mentions: zxqv.\n")


def test_end_of_input_ends_the_chat(corpus: Path, tmp_path: Path) -> None:
    code, out = chat(QABot.open(corpus, tmp_path / "index"))
    assert code == 0 and out.startswith("qabot: 1 articles")
