"""Measuring qabot: answer quality on a question set, knowing when not to answer, and article
ranking outside news. One module per harness:

* :mod:`.question_set`: the questions of a set (:class:`EvalQuestion`), read from JSONL,
  and the hit rule;
* :mod:`.folds`: folds by article or query, and the :class:`CrossValidation` they report;
* :mod:`.qa`: hit@k and answers (:func:`evaluate`), cross-validated answer settings;
* :mod:`.no_answer`: the same questions asked without their stories, for each no-answer rule;
* :mod:`.beir`: nDCG@10 of article rankings over a BEIR folder;
* :mod:`.squad`: SQuAD's answer normalisation and token F1, for the benchmarks.

The names below are the package's front door (``qabot eval`` and the benchmarks import
them from here).
"""

from qabot.evaluate.beir import (
    ArticleRanking,
    BeirResult,
    cross_validate_beir,
    evaluate_beir,
    ndcg,
    ranking_grid,
)
from qabot.evaluate.folds import CrossValidation, Fold, fold_of
from qabot.evaluate.no_answer import NoAnswerRow, NoAnswerStudy, no_answer_study, threshold_variants
from qabot.evaluate.qa import EvalResult, Outcome, cross_validate, evaluate, settings_grid
from qabot.evaluate.question_set import EvalQuestion, is_hit, load_questions, same_article

__all__ = [
    "ArticleRanking",
    "BeirResult",
    "CrossValidation",
    "EvalQuestion",
    "EvalResult",
    "Fold",
    "NoAnswerRow",
    "NoAnswerStudy",
    "Outcome",
    "cross_validate",
    "cross_validate_beir",
    "evaluate",
    "evaluate_beir",
    "fold_of",
    "is_hit",
    "load_questions",
    "ndcg",
    "no_answer_study",
    "ranking_grid",
    "same_article",
    "settings_grid",
    "threshold_variants",
]
