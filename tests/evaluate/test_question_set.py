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


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"question": "Who?", "article": "a.txt"}',
            'line 2: no "answers" (each line needs "question", "answers" and "article"; '
            "see qabot eval --help)",
        ),
        ('{"answers": ["x"]}', 'line 2: no "question" and "article" (each line needs'),
        ('["Who?", "Ana"]', 'line 2: not a JSON object with "question", "answers" and "article"'),
        ('{"question": "Who?"', "line 2: not JSON (Expecting"),
        ('{"question": "Who?", "answers": 7, "article": "a"}', 'line 2: "answers" must be a list'),
    ],
)
def test_a_line_that_is_no_question_is_named_with_what_it_lacks(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"question": "Who?", "answers": "Ana", "article": "a.txt"}) + "\n" + line
    )
    with pytest.raises(QABotError) as caught:
        load_questions(path)
    assert str(caught.value).startswith(f"{path}, {message}"), caught.value
    assert "KeyError" not in str(caught.value) and "'answers'" not in str(caught.value)


def test_a_hit_holds_an_answer_and_comes_from_the_article() -> None:
    q = EvalQuestion("1", "Who?", ("Ana Lopez",), "bridge.txt")

    def hit(article_id: str, text: str) -> Hit:
        return Hit(Article(article_id, "T", Path(article_id)), 0, (0, 0), text, 1.0, 1)

    assert is_hit(hit("bridge.txt", "Mayor ANA LOPEZ spoke."), q)
    assert is_hit(hit("news/bridge.txt", "Ana Lopez"), q)
    assert not is_hit(hit("other.txt", "Ana Lopez"), q)
    assert not is_hit(hit("bridge.txt", "The mayor spoke."), q)
