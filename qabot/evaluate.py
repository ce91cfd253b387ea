"""Measure answer quality on a question set: hit@k, answers, folds and the no-answer trade-off.

Questions come one JSON object a line: ``{"id", "question", "answers": [str], "article":
"<file name>", "paragraph_index": int}`` (the NewsQA dev-set layout). A question is a hit
at k when one of the top-k passages comes from ``article`` and contains one of ``answers``
(case-insensitive); its answer is right when ``Answer.text`` contains one of them and was
taken from a passage of ``article``.

:func:`cross_validate` chooses answer settings on all folds but one and reports the figures
on the one left out, for every fold: the spread says how far the figures can be trusted.
Folds group questions by article, so no story is seen in choosing and in reporting.
:func:`no_answer_study` asks each fold's questions again against the corpus without that
fold's stories: every answer given there is a false one.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qabot.config import AnswerSettings
from qabot.core import QABot
from qabot.errors import QABotError
from qabot.values import Article, Hit

__all__ = [
    "CrossValidation",
    "EvalQuestion",
    "EvalResult",
    "Fold",
    "NoAnswerRow",
    "NoAnswerStudy",
    "Outcome",
    "cross_validate",
    "evaluate",
    "fold_of",
    "is_hit",
    "load_questions",
    "no_answer_study",
    "settings_grid",
]

DEFAULT_KS = (1, 5, 20)
DEFAULT_FOLDS = 5
#: The answer settings :func:`cross_validate` chooses among by default: the weight of the
#: article's evidence in ranking and how many passages it re-ranks, and the weight of the
#: kind of answer asked for in choosing the sentence.
DEFAULT_GRID: Mapping[str, Sequence[float]] = {
    "article_weight": (0.0, 0.5, 0.75, 1.0),
    "rerank_depth": (30, 50),
    "kind_weight": (0.0, 0.3),
}
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
class EvalQuestion:
    """A question with its gold answers and the article that holds them."""

    id: str
    question: str
    answers: tuple[str, ...]
    article: str
    paragraph_index: int | None = None


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

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for printing."""
        rows = [("questions", str(self.questions))]
        rows += [(f"hit@{k}", f"{v:.3f}") for k, v in sorted(self.hits.items())]
        rows += [
            ("answer", f"{self.answer:.3f}"),
            ("answered", f"{self.answered:.3f}"),
            ("answer words", f"{self.answer_words:.1f}"),
            ("words/passage", f"{self.words_per_passage:.1f}"),
            ("p50 ms", f"{self.p50_ms:.2f}"),
            ("p95 ms", f"{self.p95_ms:.2f}"),
        ]
        return rows


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file; a malformed line is an error naming the line."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QABotError(f"cannot read questions file {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            answers = obj["answers"]
            if isinstance(answers, str):
                answers = [answers]
            questions.append(
                EvalQuestion(
                    id=str(obj.get("id", number)),
                    question=str(obj["question"]),
                    answers=tuple(str(a) for a in answers if str(a).strip()),
                    article=str(obj["article"]),
                    paragraph_index=obj.get("paragraph_index"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QABotError(f"{path}, line {number}: not a question object ({exc})") from None
    return questions


def same_article(article: Article, name: str) -> bool:
    """Whether ``article`` is the file ``name`` (a path relative to the corpus, or its tail)."""
    return article.id == name or article.id.endswith("/" + name)


def is_hit(hit: Hit, question: EvalQuestion) -> bool:
    """The passage comes from the question's article and holds one of its answers."""
    if not same_article(hit.article, question.article):
        return False
    text = hit.text.casefold()
    return any(a.casefold() in text for a in question.answers)


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
            and any(a.casefold() in answer.text.casefold() for a in q.answers)
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


def fold_of(article: str, folds: int = DEFAULT_FOLDS) -> int:
    """The fold of a question, from its article's name: stable across runs and machines."""
    return zlib.crc32(article.encode("utf-8")) % folds


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


def _variant(bot: QABot, answers: AnswerSettings) -> QABot:
    """The bot's index, opened again with other answer settings (nothing is rebuilt)."""
    settings = replace(bot.settings, answers=answers)
    return QABot.open(settings.corpus, settings.index_dir, settings=settings, update=False)


@dataclass(frozen=True)
class Fold:
    """One fold: the settings chosen on the others, and the figures on this one."""

    number: int
    questions: int
    chosen: str
    figures: Mapping[str, float]


@dataclass(frozen=True)
class CrossValidation:
    """The folds of a cross-validation and the spread of their figures."""

    folds: tuple[Fold, ...]
    #: The settings chosen on all the questions.
    chosen: str

    def spread(self) -> dict[str, tuple[float, float, float, float]]:
        """figure → (mean, standard deviation, min, max) over the folds."""
        names = list(self.folds[0].figures) if self.folds else []
        out = {}
        for name in names:
            values = [f.figures[name] for f in self.folds]
            sd = statistics.pstdev(values) if len(values) > 1 else 0.0
            out[name] = (statistics.fmean(values), sd, min(values), max(values))
        return out

    def __str__(self) -> str:
        names = list(self.folds[0].figures) if self.folds else []
        lines = [
            "| fold | questions | chosen on the other folds | " + " | ".join(names) + " |",
            "|---:|---:|---|" + "---:|" * len(names),
        ]
        for f in self.folds:
            values = " | ".join(f"{f.figures[n]:.3f}" for n in names)
            lines.append(f"| {f.number} | {f.questions} | {f.chosen} | {values} |")
        spread = self.spread()
        lines.append(
            "| mean ± sd | | | "
            + " | ".join(f"{spread[n][0]:.3f} ± {spread[n][1]:.3f}" for n in names)
            + " |"
        )
        lines.append(f"\nChosen on all questions: {self.chosen}")
        return "\n".join(lines)


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
    if folds < 2:
        raise QABotError(f"cross-validation needs at least 2 folds, got {folds}")
    variants = variants or settings_grid(bot.settings.answers)
    outcomes: dict[str, tuple[Outcome, ...]] = {}
    for label, answers in variants.items():
        outcomes[label] = evaluate(_variant(bot, answers), questions).per_question
        if progress:
            progress(label)

    def best(keep: Callable[[Outcome], bool]) -> str:
        # max() keeps the first of equals: the defaults win ties.
        return max(
            outcomes,
            key=lambda label: _objective(_figures([o for o in outcomes[label] if keep(o)])),
        )

    results = []
    for number in range(folds):
        chosen = best(lambda o, n=number: fold_of(o.article, folds) != n)  # type: ignore[misc]
        held = [o for o in outcomes[chosen] if fold_of(o.article, folds) == number]
        results.append(Fold(number, len(held), chosen, _figures(held)))
    return CrossValidation(tuple(results), best(lambda o: True))


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
    variants = variants or threshold_variants(answers)
    with_stories = {
        label: evaluate(_variant(bot, settings), questions).per_question
        for label, settings in variants.items()
    }
    false_answers = dict.fromkeys(variants, 0)
    confident_false = dict.fromkeys(variants, 0)
    articles = bot.articles()
    with tempfile.TemporaryDirectory(prefix="qabot-no-answer-") as tmp:
        for number in range(folds):
            held = [q for q in questions if fold_of(q.article, folds) == number]
            if not held:
                continue
            corpus = Path(tmp) / f"corpus-{number}"
            _link_corpus_without(bot.settings.corpus, articles, held, corpus)
            fold_bot = QABot.open(corpus, Path(tmp) / f"index-{number}", settings=bot.settings)
            for label, settings in variants.items():
                fold_variant = _variant(fold_bot, settings)
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
    for path in sorted({a.path for a in articles} - drop):
        link = target / path.relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
