"""Evaluation on question files: the hit rule, figures, folds and the no-answer study."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import QABot, QABotError
from qabot.cli import main
from qabot.config import AnswerSettings
from qabot.evaluate import (
    EvalQuestion,
    cross_validate,
    evaluate,
    fold_of,
    is_hit,
    load_questions,
    no_answer_study,
    settings_grid,
    threshold_variants,
)
from qabot.values import Article, Hit

# Each story shares a word with another ("erupted", "jobs", "reopened", "ended"), so a
# question asked without its own story still finds something to (wrongly) answer with.
STORIES = {
    "volcano.txt": ("Volcano erupts", "The Katla volcano erupted in Iceland on Monday. "
                    "The eruption ended a quiet decade."),
    "bridge.txt": ("Bridge reopens", "Mayor Ana Lopez reopened the Tagus bridge in Lisbon, "
                   "saving 300 jobs."),
    "chips.txt": ("Chip plant", "A chip plant opened in Dresden, creating 1,200 jobs. "
                  "A road was reopened for trucks."),
    "final.txt": ("Cup final", "Fans erupted as the cup final in Glasgow ended 2-2."),
}  # fmt: skip
QUESTIONS = [
    ("Where did the Katla volcano erupt?", "Iceland", "volcano.txt"),
    ("Who reopened the Tagus bridge?", "Ana Lopez", "bridge.txt"),
    ("How many jobs did the Dresden chip plant create?", "1,200", "chips.txt"),
    ("How did the Glasgow cup final end?", "2-2", "final.txt"),
]


@pytest.fixture
def stories(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    for name, (title, text) in STORIES.items():
        write_article(folder, name, title, text)
    return folder


@pytest.fixture
def questions() -> list[EvalQuestion]:
    return [EvalQuestion(str(i), q, (a,), art) for i, (q, a, art) in enumerate(QUESTIONS)]


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


def test_a_hit_holds_an_answer_and_comes_from_the_article() -> None:
    q = EvalQuestion("1", "Who?", ("Ana Lopez",), "bridge.txt")

    def hit(article_id: str, text: str) -> Hit:
        return Hit(Article(article_id, "T", Path(article_id)), 0, (0, 0), text, 1.0, 1)

    assert is_hit(hit("bridge.txt", "Mayor ANA LOPEZ spoke."), q)
    assert is_hit(hit("news/bridge.txt", "Ana Lopez"), q)
    assert not is_hit(hit("other.txt", "Ana Lopez"), q)
    assert not is_hit(hit("bridge.txt", "The mayor spoke."), q)


def test_evaluate_scores_every_question(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    result = evaluate(bot, questions)
    assert result.questions == 4 and result.hits[1] == 1.0 and result.answer == 1.0
    assert [o.rank for o in result.per_question] == [1, 1, 1, 1]
    assert all(o.answered and o.right and o.answer_words > 3 for o in result.per_question)
    assert dict(result.rows())["answer words"] == f"{result.answer_words:.1f}"
    wrong = [replace(q, article="bridge.txt") for q in questions[:1]]
    assert evaluate(bot, wrong).hits[20] == 0.0 and evaluate(bot, wrong).answer == 0.0


def test_folds_are_stable_and_group_by_article() -> None:
    assert fold_of("a.txt") == fold_of("a.txt") and 0 <= fold_of("a.txt") < 5
    assert {fold_of(f"{i}.txt", 3) for i in range(50)} == {0, 1, 2}


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


def test_no_answer_study_asks_without_the_stories(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    lenient = replace(bot.settings.answers, min_coverage=0.0, min_specificity=0.0)
    study = no_answer_study(
        bot, questions, {"lenient": lenient, "default": bot.settings.answers}, 2
    )
    lenient_row, default_row = study.rows
    assert lenient_row.answered == 1.0 and lenient_row.right == 1.0
    # Without their stories the questions still find a word elsewhere: the lenient rule
    # answers, falsely; the default says it does not know.
    assert lenient_row.false_answers >= 0.5
    assert default_row.false_answers == 0.0 and default_row.right == 1.0
    assert (stories / "volcano.txt").exists()  # the corpus itself is left alone
    assert study.current == "coverage ≥ 0.45, specificity ≥ 1"
    assert "false" in str(study)


def test_threshold_variants_start_with_the_settings_in_force() -> None:
    variants = threshold_variants(AnswerSettings(), [(0.35, 0.0), (0.45, 1.0)])
    assert list(variants) == [
        "coverage ≥ 0.45, specificity ≥ 1",
        "coverage ≥ 0.35, specificity ≥ 0",
    ]


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
    assert data["hit@1"] == "1.000" and len(data["folds"]) == 2 and "no_answer" not in data
