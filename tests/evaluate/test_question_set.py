"""A question set: reading it from JSONL, and the hit rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qabot import QABotError
from qabot.evaluate.question_set import EvalQuestion, is_hit, load_questions
from qabot.values import Article, Hit


def test_load_questions(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"question": "Who?", "answers": "Ana", "article": "a.txt"})
        + "\n\n"
        + json.dumps({"id": 7, "question": "Where?", "answers": ["x", " "], "article": "b.txt"})
    )
    first, second = load_questions(path)
    assert first == EvalQuestion("1", "Who?", ("Ana",), "a.txt")
    assert second.id == "7" and second.answers == ("x",)
    path.write_text('{"question": "no answers"}')
    with pytest.raises(QABotError, match="line 1"):
        load_questions(path)
    path.write_text("\n\n")
    with pytest.raises(QABotError, match="holds no questions"):
        load_questions(path)


def test_a_hit_holds_an_answer_and_comes_from_the_article() -> None:
    q = EvalQuestion("1", "Who?", ("Ana Lopez",), "bridge.txt")

    def hit(article_id: str, text: str) -> Hit:
        return Hit(Article(article_id, "T", Path(article_id)), 0, (0, 0), text, 1.0, 1)

    assert is_hit(hit("bridge.txt", "Mayor ANA LOPEZ spoke."), q)
    assert is_hit(hit("news/bridge.txt", "Ana Lopez"), q)
    assert not is_hit(hit("other.txt", "Ana Lopez"), q)
    assert not is_hit(hit("bridge.txt", "The mayor spoke."), q)
