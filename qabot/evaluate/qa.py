"""The QA harness: hit@k and answers on a question set, and cross-validated answer settings.

A question's answer is right when ``Answer.text`` contains one of its gold answers and was
taken from a passage of its article (see :mod:`~qabot.evaluate.question_set`).
:func:`cross_validate` chooses answer settings on all folds but one and reports the figures
on the one left out, for every fold: the spread says how far the figures can be trusted.
Folds group questions by article (:mod:`~qabot.evaluate.folds`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from qabot.config import AnswerSettings
from qabot.core import QABot
from qabot.evaluate.folds import DEFAULT_FOLDS, CrossValidation, Fold, fold_of, used_folds
from qabot.evaluate.question_set import EvalQuestion, holds_answer, is_hit, same_article

__all__ = [
    "DEFAULT_GRID",
    "DEFAULT_KS",
    "EvalResult",
    "Outcome",
    "cross_validate",
    "evaluate",
    "settings_grid",
    "variant",
]

DEFAULT_KS = (1, 5, 20)
#: The answer settings :func:`cross_validate` chooses among by default: the weight of the
#: article's evidence in ranking and how many passages it re-ranks, and the weight of the
#: kind of answer asked for in choosing the sentence.
DEFAULT_GRID: Mapping[str, Sequence[float]] = {
    "article_weight": (0.0, 0.5, 0.75, 1.0),
    "rerank_depth": (30, 50),
    "kind_weight": (0.0, 0.3),
}


@dataclass(frozen=True)
class Outcome:
    """How one question went."""

    id: str
    article: str
    #: Rank of the first correct, correctly cited passage (``None``: none in the top k).
    rank: int | None
    answered: bool
    #: The answer holds a gold answer and comes from the question's article.
    right: bool
    confidence: float
    answer_words: int = 0
    #: The answer was given but marked as unsure.
    unsure: bool = False


@dataclass(frozen=True)
class EvalResult:
    """Figures of one evaluation run."""

    questions: int
    #: k → share of questions with a correct, correctly cited passage in the top k.
    hits: dict[int, float]
    #: Share of questions whose ``Answer.text`` holds a gold answer.
    answer: float
    #: Share of questions qabot answered at all (non-empty ``Answer.text``).
    answered: float
    words_per_passage: float
    p50_ms: float
    p95_ms: float
    per_question: tuple[Outcome, ...] = field(default=(), repr=False)
    #: Average words of ``Answer.text`` when there is one.
    answer_words: float = 0.0

    def _figures(self) -> list[tuple[str, float, str]]:
        rows: list[tuple[str, float, str]] = [("questions", self.questions, "d")]
        rows += [(f"hit@{k}", v, ".3f") for k, v in sorted(self.hits.items())]
        rows += [
            ("answer", self.answer, ".3f"),
            ("answered", self.answered, ".3f"),
            ("answer words", self.answer_words, ".1f"),
            ("words/passage", self.words_per_passage, ".1f"),
            ("p50 ms", self.p50_ms, ".2f"),
            ("p95 ms", self.p95_ms, ".2f"),
        ]
        return rows

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for printing."""
        return [(label, format(value, spec)) for label, value, spec in self._figures()]

    def figures(self) -> dict[str, float]:
        """The same figures as numbers, by label (for JSON)."""
        return {label: value for label, value, _ in self._figures()}


def evaluate(
    bot: QABot,
    questions: Sequence[EvalQuestion],
    ks: Sequence[int] = DEFAULT_KS,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Ask every question and score the answers."""
    depth = max(ks)
    latencies = []
    outcomes = []
    for done, q in enumerate(questions, 1):
        start = time.perf_counter()
        answer = bot.ask(q.question, k=depth)
        latencies.append((time.perf_counter() - start) * 1000)
        rank = next((h.rank for h in answer.passages if is_hit(h, q)), None)
        right = (
            answer.source is not None
            and same_article(answer.passages[answer.source].article, q.article)
            and answer.found
            and holds_answer(answer.text, q)
        )
        outcomes.append(
            Outcome(
                q.id,
                q.article,
                rank,
                bool(answer.text),
                right,
                answer.confidence,
                len(answer.text.split()),
                answer.unsure,
            )
        )
        if progress:
            progress(done, len(questions))
    latencies.sort()
    figures = _figures(outcomes, ks)
    answered = [o.answer_words for o in outcomes if o.answered]
    return EvalResult(
        questions=len(questions),
        hits={k: figures[f"hit@{k}"] for k in ks},
        answer=figures["answer"],
        answered=sum(o.answered for o in outcomes) / max(1, len(outcomes)),
        words_per_passage=bot.words_per_passage(),
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        per_question=tuple(outcomes),
        answer_words=sum(answered) / len(answered) if answered else 0.0,
    )


def _figures(outcomes: Sequence[Outcome], ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """hit@k for each k and the answer share of ``outcomes``."""
    n = max(1, len(outcomes))
    figures = {
        f"hit@{k}": sum(1 for o in outcomes if o.rank is not None and o.rank <= k) / n for k in ks
    }
    figures["answer"] = sum(o.right for o in outcomes) / n
    return figures


def _objective(figures: Mapping[str, float]) -> float:
    # Every goal figure counts alike: hit@1, hit@5, hit@20 and the answer.
    return sum(figures.values()) / len(figures)


def settings_grid(
    base: AnswerSettings, grid: Mapping[str, Sequence[float]] = DEFAULT_GRID
) -> dict[str, AnswerSettings]:
    """Every combination of the ``grid`` values on top of ``base``, by label.

    The first is ``base`` itself, so a tie between folds' choices goes to the defaults.
    """
    variants = {"defaults": base}
    combos: list[dict[str, float]] = [{}]
    for name, values in grid.items():
        combos = [{**c, name: v} for c in combos for v in values]
    for combo in combos:
        settings = replace(base, **combo)  # type: ignore[arg-type]
        if settings != base:
            variants[" ".join(f"{k}={v:g}" for k, v in combo.items())] = settings
    return variants


def variant(bot: QABot, answers: AnswerSettings) -> QABot:
    """The bot's index, opened again with other answer settings (nothing is rebuilt)."""
    settings = replace(bot.settings, answers=answers)
    return QABot.open(settings.corpus, settings.index_dir, settings=settings, update=False)


def cross_validate(
    bot: QABot,
    questions: Sequence[EvalQuestion],
    variants: Mapping[str, AnswerSettings] | None = None,
    folds: int = DEFAULT_FOLDS,
    progress: Callable[[str], None] | None = None,
) -> CrossValidation:
    """Choose among answer settings on all folds but one; report each left-out fold.

    ``variants`` defaults to :func:`settings_grid` of the bot's answer settings. The
    choice maximises the mean of hit@1, hit@5, hit@20 and the answer share.
    """
    used = used_folds([q.article for q in questions], folds, "articles")
    variants = variants or settings_grid(bot.settings.answers)
    outcomes: dict[str, tuple[Outcome, ...]] = {}
    for label, answers in variants.items():
        outcomes[label] = evaluate(variant(bot, answers), questions).per_question
        if progress:
            progress(label)

    def best(keep: Callable[[Outcome], bool]) -> str:
        # max() keeps the first of equals: the defaults win ties.
        return max(
            outcomes,
            key=lambda label: _objective(_figures([o for o in outcomes[label] if keep(o)])),
        )

    results = []
    for number in used:
        chosen = best(lambda o, n=number: fold_of(o.article, folds) != n)  # type: ignore[misc]
        held = [o for o in outcomes[chosen] if fold_of(o.article, folds) == number]
        results.append(Fold(number, len(held), chosen, _figures(held)))
    return CrossValidation(tuple(results), best(lambda o: True), folds - len(used))
