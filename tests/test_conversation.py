"""Follow-ups: recognised, read with the chat's own context, expiring, never crossing chats."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_article

from qabot import QABot
from qabot.conversation import Conversations, is_follow_up


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and Minsk 2?", True),
        ("what about Zelenskyy?", True),
        ("How about the budget", True),
        ("what did he say next?", True),
        ("What did Stoltenberg say about Minsk?", False),
        ("Who won the cup final after extra time on Sunday in the rain?", False),
        ("", False),
    ],
)
def test_is_follow_up(text: str, expected: bool) -> None:
    assert is_follow_up(text) is expected


def test_context_per_chat_with_expiry() -> None:
    now = [0.0]
    conv = Conversations(ttl=60, clock=lambda: now[0])
    conv.remember("a", "What did the Paris council decide?", follow_up=False)
    assert conv.context_for("a", "and the budget?") == "What did the Paris council decide?"
    assert conv.context_for("b", "and the budget?") is None
    assert conv.context_for("a", "Who won the cup final on Sunday?") is None
    conv.remember("a", "and the budget?", follow_up=True)  # a follow-up keeps the root question
    now[0] = 50
    assert conv.context_for("a", "and the mayor?") == "What did the Paris council decide?"
    now[0] = 111
    assert conv.context_for("a", "and the mayor?") is None
    conv.remember("a", "x", follow_up=False)
    conv.forget("a")
    assert conv.context_for("a", "and y?") is None


def test_context_steers_the_answer(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(corpus, "a.txt", "Paris", "The Paris council approved the budget for 2025.")
    write_article(corpus, "b.txt", "Berlin", "The Berlin council rejected the budget for 2025.")
    bot = QABot.open(corpus, tmp_path / "index")
    paris = bot.ask("and the budget?", context="What did the Paris council decide?")
    berlin = bot.ask("and the budget?", context="What did the Berlin council decide?")
    assert "Paris" in paris.text and "Berlin" in berlin.text
    # The follow-up's own words must be found; the context alone does not make an answer.
    assert not bot.ask("and the weather?", context="What did the Paris council decide?").found
