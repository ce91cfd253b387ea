"""The no-answer study: how often each no-answer rule answers, and falsely.

:func:`no_answer_study` asks each fold's questions again against the corpus without that
fold's stories: every answer given there is a false one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qabot.config import AnswerSettings
from qabot.core import QABot
from qabot.errors import QABotError
from qabot.evaluate.folds import DEFAULT_FOLDS, fold_of
from qabot.evaluate.qa import evaluate, variant
from qabot.evaluate.question_set import EvalQuestion, same_article
from qabot.values import Article

__all__ = [
    "DEFAULT_THRESHOLDS",
    "NoAnswerRow",
    "NoAnswerStudy",
    "no_answer_study",
    "threshold_variants",
]

#: (min_coverage, min_specificity) pairs :func:`no_answer_study` compares by default;
#: (0.35, 0.0) is the rule before specificity was measured.
DEFAULT_THRESHOLDS: Sequence[tuple[float, float]] = (
    (0.35, 0.0),
    (0.45, 0.0),
    (0.6, 0.0),
    (0.8, 0.0),
    (0.45, 0.75),
    (0.45, 1.0),
    (0.45, 1.25),
    (0.6, 1.0),
)


@dataclass(frozen=True)
class NoAnswerRow:
    """One no-answer rule: how often it answers, and rightly, with and without the stories."""

    label: str
    #: Share of questions answered, and answered rightly, with their stories in the corpus.
    answered: float
    right: float
    #: Share of questions answered with their stories removed: false answers.
    false_answers: float
    #: … of which not marked as unsure: confident false answers.
    confident_false: float = 0.0
    #: Share of questions answered rightly and not marked as unsure, with the stories.
    confident_right: float = 0.0


@dataclass(frozen=True)
class NoAnswerStudy:
    """The trade-off between answering and knowing when not to, for several rules."""

    rows: tuple[NoAnswerRow, ...]
    #: The label of the rule in force (the bot's own settings), if among the rows.
    current: str | None = None

    def __str__(self) -> str:
        lines = [
            "| rule | answered | right | right, sure | answered without the stories "
            "(false) | false, sure |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in self.rows:
            mark = " (default)" if row.label == self.current else ""
            lines.append(
                f"| {row.label}{mark} | {row.answered:.3f} | {row.right:.3f} | "
                f"{row.confident_right:.3f} | {row.false_answers:.3f} | "
                f"{row.confident_false:.3f} |"
            )
        return "\n".join(lines)


def threshold_variants(
    base: AnswerSettings, thresholds: Iterable[tuple[float, float]] = DEFAULT_THRESHOLDS
) -> dict[str, AnswerSettings]:
    """Answer settings for each (min_coverage, min_specificity), by label; ``base``'s first."""
    pairs = [(base.min_coverage, base.min_specificity), *thresholds]
    return {
        _threshold_label(c, s): replace(base, min_coverage=c, min_specificity=s)
        for c, s in dict.fromkeys(pairs)
    }


def _threshold_label(coverage: float, specificity: float) -> str:
    return f"coverage ≥ {coverage:g}, specificity ≥ {specificity:g}"


def no_answer_study(
    bot: QABot,
    questions: Sequence[EvalQuestion],
    variants: Mapping[str, AnswerSettings] | None = None,
    folds: int = DEFAULT_FOLDS,
    progress: Callable[[str], None] | None = None,
) -> NoAnswerStudy:
    """Ask the questions with and without their stories, for each no-answer rule.

    Without: for each fold, the corpus less the files holding that fold's articles is
    indexed in a temporary folder (files are linked, not copied), and the fold's questions
    are asked there.
    """
    answers = bot.settings.answers
    articles = bot.articles()
    if len(articles) < 2:
        raise QABotError(
            "the no-answer study needs a corpus of at least two articles: it asks each "
            f"question again without its own article, and {bot.settings.corpus} has "
            f"{len(articles)}"
        )
    variants = variants or threshold_variants(answers)
    with_stories = {
        label: evaluate(variant(bot, settings), questions).per_question
        for label, settings in variants.items()
    }
    false_answers = dict.fromkeys(variants, 0)
    confident_false = dict.fromkeys(variants, 0)
    with tempfile.TemporaryDirectory(prefix="qabot-no-answer-") as tmp:
        for number in range(folds):
            held = [q for q in questions if fold_of(q.article, folds) == number]
            if not held:
                continue
            corpus = Path(tmp) / f"corpus-{number}"
            _link_corpus_without(bot.settings.corpus, articles, held, corpus)
            fold_bot = QABot.open(corpus, Path(tmp) / f"index-{number}", settings=bot.settings)
            for label, settings in variants.items():
                fold_variant = variant(fold_bot, settings)
                for q in held:
                    answer = fold_variant.ask(q.question)
                    false_answers[label] += answer.found
                    confident_false[label] += answer.found and not answer.unsure
            if progress:
                progress(f"fold {number}")
    n = max(1, len(questions))
    rows = tuple(
        NoAnswerRow(
            label,
            answered=sum(o.answered for o in with_stories[label]) / n,
            right=sum(o.right for o in with_stories[label]) / n,
            false_answers=false_answers[label] / n,
            confident_false=confident_false[label] / n,
            confident_right=sum(o.right and not o.unsure for o in with_stories[label]) / n,
        )
        for label in variants
    )
    return NoAnswerStudy(rows, _threshold_label(answers.min_coverage, answers.min_specificity))


def _link_corpus_without(
    corpus: Path, articles: Sequence[Article], held: Sequence[EvalQuestion], target: Path
) -> None:
    """Link every indexed file of ``corpus`` into ``target`` except those of ``held``'s articles."""
    names = {q.article for q in held}
    drop = {a.path for a in articles if any(same_article(a, name) for name in names)}
    target.mkdir(parents=True, exist_ok=True)  # an empty corpus when nothing else is left
    for path in sorted({a.path for a in articles} - drop):
        link = target / path.relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
