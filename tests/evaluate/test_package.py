"""The package's front door: every name ``qabot eval`` and the benchmarks import from
``qabot.evaluate`` is there, and is the harness module's own."""

from __future__ import annotations

import importlib

import qabot.evaluate

#: module → the names ``from qabot.evaluate import …`` gives from it.
FRONT_DOOR = {
    "beir": ["ArticleRanking", "BeirResult", "cross_validate_beir", "evaluate_beir", "ndcg",
             "ranking_grid"],
    "folds": ["CrossValidation", "Fold", "fold_of"],
    "no_answer": ["NoAnswerRow", "NoAnswerStudy", "no_answer_study", "threshold_variants"],
    "qa": ["EvalResult", "Outcome", "cross_validate", "evaluate", "settings_grid"],
    "question_set": ["EvalQuestion", "is_hit", "load_questions", "same_article"],
}  # fmt: skip


def test_the_front_door_names_every_harness_name_importers_use() -> None:
    assert sorted(qabot.evaluate.__all__) == sorted(n for ns in FRONT_DOOR.values() for n in ns)
    for module, names in FRONT_DOOR.items():
        harness = importlib.import_module(f"qabot.evaluate.{module}")
        for name in names:
            assert getattr(qabot.evaluate, name) is getattr(harness, name), name
            assert name in harness.__all__, name
