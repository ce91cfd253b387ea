"""The QA harness: figures of a run, the settings grid, cross-validation, and ``qabot eval``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from support.evaluation import QUESTIONS

from qabot import QABot, QABotError
from qabot.cli import main
from qabot.config import AnswerSettings
from qabot.evaluate.folds import fold_of
from qabot.evaluate.qa import cross_validate, evaluate, settings_grid
from qabot.evaluate.question_set import EvalQuestion


def test_evaluate_scores_every_question(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    result = evaluate(bot, questions)
    assert result.questions == 4 and result.hits[1] == 1.0 and result.answer == 1.0
    assert [o.rank for o in result.per_question] == [1, 1, 1, 1]
    assert all(o.answered and o.right and o.answer_words > 3 for o in result.per_question)
    assert dict(result.rows())["answer words"] == f"{result.answer_words:.1f}"
    assert result.figures()["questions"] == 4 and result.figures()["hit@1"] == 1.0
    wrong = [replace(q, article="bridge.txt") for q in questions[:1]]
    assert evaluate(bot, wrong).hits[20] == 0.0 and evaluate(bot, wrong).answer == 0.0


def test_settings_grid_starts_with_the_defaults() -> None:
    base = AnswerSettings()
    grid = settings_grid(base, {"article_weight": (0.0, 2.0), "kind_weight": (0.0,)})
    assert list(grid) == [
        "defaults", "article_weight=0 kind_weight=0", "article_weight=2 kind_weight=0"
    ]  # fmt: skip
    assert grid["defaults"] == base
    assert grid["article_weight=0 kind_weight=0"] == replace(base, article_weight=0, kind_weight=0)
    # A combination equal to the defaults is not tried twice.
    same = {"article_weight": (base.article_weight,), "kind_weight": (base.kind_weight,)}
    assert list(settings_grid(base, same)) == ["defaults"]


def test_cross_validation_chooses_on_the_other_folds(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    mute = replace(bot.settings.answers, min_coverage=2.0)  # never answers
    result = cross_validate(bot, questions, {"mute": mute, "defaults": bot.settings.answers}, 2)
    assert [f.number for f in result.folds] == [0, 1]
    assert sum(f.questions for f in result.folds) == 4
    assert all(f.chosen == "defaults" and f.figures["answer"] == 1.0 for f in result.folds)
    assert result.chosen == "defaults"
    assert result.spread()["hit@1"] == (1.0, 0.0, 1.0, 1.0)
    assert "| mean ± sd |" in str(result) and "Chosen on all questions: defaults" in str(result)
    with pytest.raises(QABotError, match="at least 2 folds"):
        cross_validate(bot, questions, folds=1)


def test_cross_validation_never_averages_in_an_empty_fold(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    variants = {"defaults": bot.settings.answers}
    # The four stories fall in folds 2, 0, 2, 0 of 3: fold 1 holds no question.
    assert sorted(fold_of(q.article, 3) for q in questions) == [0, 0, 2, 2]
    result = cross_validate(bot, questions, variants, 3)
    assert [f.number for f in result.folds] == [0, 2] and result.empty == 1
    assert result.spread()["answer"] == (1.0, 0.0, 1.0, 1.0)
    assert "1 more fold(s) held no question" in str(result)
    with pytest.raises(QABotError, match="5 folds need questions about at least 5"):
        cross_validate(bot, questions, variants, 5)


def test_qabot_eval_prints_folds_and_the_no_answer_trade_off(
    stories: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": str(i), "question": q, "answers": [a], "article": art})
            for i, (q, a, art) in enumerate(QUESTIONS)
        )
    )
    argv = ["eval", str(path), "--corpus", str(stories), "--index", str(tmp_path / "i")]
    assert main([*argv, "--folds", "2", "--no-answer"]) == 0
    out = capsys.readouterr().out
    assert "Cross-validation, 2 folds by article" in out and "| mean ± sd |" in out
    assert "Knowing when not to answer" in out and "(default)" in out
    assert main([*argv, "--folds", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["hit@1"] == 1.0 and len(data["folds"]) == 2 and "no_answer" not in data
