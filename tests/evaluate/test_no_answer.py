"""The no-answer study: the same questions asked with and without their stories."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support.corpus import write_article
from support.evaluation import STORIES

from qabot import QABot, QABotError
from qabot.config import AnswerSettings
from qabot.evaluate.folds import fold_of
from qabot.evaluate.no_answer import no_answer_study, threshold_variants
from qabot.evaluate.question_set import EvalQuestion


def test_the_no_answer_study_needs_two_articles(tmp_path: Path) -> None:
    corpus = tmp_path / "one"
    write_article(corpus, "volcano.txt", *STORIES["volcano.txt"])
    bot = QABot.open(corpus, tmp_path / "index")
    question = EvalQuestion("1", "Where did Katla erupt?", ("Iceland",), "volcano.txt")
    with pytest.raises(QABotError, match="at least two articles"):
        no_answer_study(bot, [question])


def test_a_fold_holding_every_article_is_asked_against_an_empty_corpus(
    tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    corpus = tmp_path / "two"
    names = ("bridge.txt", "chips.txt")
    assert fold_of(names[0], 2) == fold_of(names[1], 2) == 1
    for name in names:
        write_article(corpus, name, *STORIES[name])
    bot = QABot.open(corpus, tmp_path / "index")
    held = [q for q in questions if q.article in names]
    study = no_answer_study(bot, held, {"default": bot.settings.answers}, 2)
    assert study.rows[0].false_answers == 0.0 and study.rows[0].right == 1.0


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
