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

:func:`evaluate_beir` measures article ranking outside news: nDCG@10 over a BEIR folder
(``corpus.jsonl``, ``queries.jsonl``, ``qrels/test.tsv``), with articles ranked from
passages by one or more :class:`ArticleRanking` rules; :func:`cross_validate_beir` chooses
among them on folds of queries.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qabot.config import AnswerSettings, BM25Settings, PassageSettings, Settings
from qabot.core import QABot
from qabot.errors import QABotError
from qabot.values import Article, Hit

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
    if not questions:
        raise QABotError(
            f"{path} holds no questions: write one JSON object a line, with "
            '"question", "answers" and "article" (see qabot eval --help)'
        )
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
    #: Folds left out because none of the questions fell in them.
    empty: int = 0

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
        if self.empty:
            lines.append(f"({self.empty} more fold(s) held no question and are left out.)")
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
    used = _used_folds([q.article for q in questions], folds, "articles")
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
    for number in used:
        chosen = best(lambda o, n=number: fold_of(o.article, folds) != n)  # type: ignore[misc]
        held = [o for o in outcomes[chosen] if fold_of(o.article, folds) == number]
        results.append(Fold(number, len(held), chosen, _figures(held)))
    return CrossValidation(tuple(results), best(lambda o: True), folds - len(used))


def _used_folds(groups: Sequence[str], folds: int, what: str) -> list[int]:
    """The folds that ``groups`` (one per question) fall in; refuses too few to compare.

    Folds group by article (or query), and a fold without questions would count as a
    zero in the averages: empty folds are left out, and more folds than groups refused.
    """
    if folds < 2:
        raise QABotError(f"cross-validation needs at least 2 folds, got {folds}")
    distinct = set(groups)
    if folds > len(distinct):
        raise QABotError(
            f"{folds} folds need questions about at least {folds} different {what}; "
            f"these are about {len(distinct)}: use fewer folds"
        )
    used = sorted({fold_of(g, folds) for g in distinct})
    if len(used) < 2:
        raise QABotError(
            f"the {len(distinct)} {what} of these questions all fall in one of the {folds} "
            "folds: try another number of folds"
        )
    return used


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
        label: evaluate(_variant(bot, settings), questions).per_question
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
    target.mkdir(parents=True, exist_ok=True)  # an empty corpus when nothing else is left
    for path in sorted({a.path for a in articles} - drop):
        link = target / path.relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())


# -- article ranking outside news (BEIR) ---------------------------------------------------

BEIR_K = 10
#: Passages (and whole articles) read per query to rank articles: well over ten articles.
DEFAULT_DEPTH = 100
#: The whole-article index: one passage per article however long, so its BM25 statistics
#: are the article's own exact term counts (passages overlap by a sentence; pooled passage
#: counts would count the overlap twice).
WHOLE_ARTICLES = PassageSettings(
    min_words=10**9, max_words=10**9, overlap_sentences=0, max_chars=10**12
)
#: rank-bm25's Okapi with its usual parameters: what the peers run on whole documents.
ARTICLE_BM25 = BM25Settings(variant="okapi", k1=1.5, b=0.75)


@dataclass(frozen=True)
class ArticleRanking:
    """How an article ranking is made from passage hits.

    An article scores ``passage_weight`` × its best passage's score (qabot's passage ranking,
    article re-ranking included) plus ``article_weight`` × the BM25 score of the whole
    article under ``article_bm25``. (1, 0), the default, ranks articles by their first
    passage in qabot's ranking; (0, 1) is plain BM25 over whole articles. An article missing
    from the best ``depth`` passages (or articles) gets nothing from that side.
    """

    passage_weight: float = 1.0
    article_weight: float = 0.0
    article_bm25: BM25Settings = ARTICLE_BM25

    @property
    def label(self) -> str:
        bm25 = self.article_bm25
        article = f"articles {bm25.variant} k1={bm25.k1:g} b={bm25.b:g}"
        if self.article_weight <= 0:
            return "passages" if self.passage_weight == 1 else f"{self.passage_weight:g}×passages"
        if self.article_weight != 1:
            article = f"{self.article_weight:g}×{article}"
        if self.passage_weight <= 0:
            return article
        return f"{article} + {self.passage_weight:g}×passages"


def ranking_grid(
    k1s: Sequence[float] = (1.2, 1.5, 2.0),
    bs: Sequence[float] = (0.75, 0.9),
    passage_weights: Sequence[float] = (0.0, 0.25, 0.5, 1.0),
) -> dict[str, ArticleRanking]:
    """Passages alone first (ties go to it), then whole-article BM25 with passage weights."""
    rankings = [ArticleRanking()]
    for k1 in k1s:
        for b in bs:
            bm25 = replace(ARTICLE_BM25, k1=k1, b=b)
            rankings += [ArticleRanking(w, 1.0, bm25) for w in passage_weights]
    return {r.label: r for r in rankings}


#: What ``qabot eval --beir`` prints: qabot's passage ranking, plain BM25 over whole
#: articles, and the two mixed (see :func:`ranking_grid` for what cross-validation tries).
DEFAULT_RANKINGS: Mapping[str, ArticleRanking] = {
    r.label: r for r in (ArticleRanking(), ArticleRanking(0.0, 1.0), ArticleRanking(0.5, 1.0))
}


@dataclass(frozen=True)
class BeirResult:
    """nDCG@k of each article ranking over the queries of one BEIR folder."""

    dataset: str
    k: int
    query_ids: tuple[str, ...]
    #: label → each query's nDCG@k, in ``query_ids`` order.
    per_query: Mapping[str, tuple[float, ...]] = field(repr=False)
    #: Queries that are corpus documents too: never given themselves as a result.
    self_queries: int = 0
    #: Time per query for every search the rankings need.
    p50_ms: float = 0.0

    def ndcg(self, label: str) -> float:
        """Mean nDCG@k of one ranking."""
        values = self.per_query[label]
        return sum(values) / len(values) if values else 0.0

    def _figures(self) -> list[tuple[str, float, str]]:
        rows: list[tuple[str, float, str]] = [("queries", len(self.query_ids), "d")]
        rows += [(f"nDCG@{self.k} {label}", self.ndcg(label), ".4f") for label in self.per_query]
        rows += [("self-queries", self.self_queries, "d"), ("p50 ms", self.p50_ms, ".1f")]
        return rows

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for printing."""
        figures = [(label, format(value, spec)) for label, value, spec in self._figures()]
        return [("dataset", self.dataset), *figures]

    def figures(self) -> dict[str, str | float]:
        """The same figures as numbers, by label (for JSON), with the dataset's name."""
        return {"dataset": self.dataset, **{label: v for label, v, _ in self._figures()}}


def ndcg(ranked: Sequence[str], relevance: Mapping[str, int], k: int = BEIR_K) -> float:
    """nDCG@k as trec_eval's ``ndcg_cut`` computes it: gain = the graded judgement.

    DCG = Σ rel(d_i) / log2(i + 1) over ranks i = 1..k; the ideal DCG sorts every positive
    judgement of the query. A query without one scores 0.
    """
    dcg = sum(relevance.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in relevance.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best > 0 else 0.0


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    try:
                        obj = json.loads(line)
                    except ValueError as exc:
                        raise QABotError(f"{path}, line {number}: malformed JSON ({exc})") from None
                    if not isinstance(obj, dict) or "_id" not in obj:
                        raise QABotError(f"{path}, line {number}: not an object with an _id")
                    yield number, obj
    except (OSError, UnicodeDecodeError) as exc:
        raise QABotError(f"cannot read {path}: {exc}") from None


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id → corpus id → graded judgement (the header line, if any, is skipped)."""
    judged: dict[str, dict[str, int]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as rows:
            for number, row in enumerate(csv.reader(rows, delimiter="\t"), 1):
                if not row or (number == 1 and not row[-1].strip().lstrip("-").isdigit()):
                    continue
                if len(row) < 3:
                    raise QABotError(f"{path}, line {number}: expected query-id, corpus-id, score")
                judged.setdefault(row[0], {})[row[1]] = int(row[2])
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise QABotError(f"cannot read qrels {path}: {exc}") from None
    return judged


def _write_corpus(source: Path, target: Path) -> set[str]:
    """The BEIR corpus as one qabot ``.jsonl`` file; returns the ids written.

    The title is the first paragraph of the text, as the peers index title + text (qabot
    indexes only the body); a document with neither is left out, as qabot would skip it.
    """
    ids = set()
    with target.open("w", encoding="utf-8") as out:
        for _, obj in _jsonl(source):
            title = " ".join(str(obj.get("title") or "").split())
            text = str(obj.get("text") or "").strip()
            body = f"{title}\n\n{text}" if title and text else title or text
            if body:
                ids.add(str(obj["_id"]))
                row = {"id": str(obj["_id"]), "title": title, "text": body}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return ids


def evaluate_beir(
    folder: Path,
    settings: Settings | None = None,
    rankings: Mapping[str, ArticleRanking] | None = None,
    *,
    k: int = BEIR_K,
    depth: int = DEFAULT_DEPTH,
    split: str = "test",
    limit: int | None = None,
    full_queries: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> BeirResult:
    """nDCG@k of each article ranking over the judged queries of a BEIR folder.

    The corpus is written as qabot articles into a temporary folder and indexed there
    twice when a ranking needs whole articles: as passages (``settings``) and with one
    passage per article (:data:`WHOLE_ARTICLES`). A query whose id is also a corpus id
    never retrieves itself. With ``full_queries`` the question length cap is lifted to the
    longest query: a BEIR query is a search, not a chat message, and ArguAna's are whole
    arguments of up to 5,500 characters; cutting them measures the cap, not the ranking.
    """
    settings = settings or Settings()
    rankings = dict(rankings or DEFAULT_RANKINGS)
    judged = _qrels(folder / "qrels" / f"{split}.tsv")
    queries = [
        (str(obj["_id"]), " ".join(str(obj.get("text") or "").split()))
        for _, obj in _jsonl(folder / "queries.jsonl")
        if str(obj["_id"]) in judged
    ][:limit]
    answers = settings.answers
    if full_queries:
        longest = max((len(text) for _, text in queries), default=0)
        answers = replace(answers, max_question_chars=max(answers.max_question_chars, longest))
    settings = replace(settings, answers=answers)
    scores: dict[str, list[float]] = {label: [] for label in rankings}
    latencies = []
    with tempfile.TemporaryDirectory(prefix="qabot-beir-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        ids = _write_corpus(folder / "corpus.jsonl", corpus / "corpus.jsonl")
        bot = QABot.open(corpus, Path(tmp) / "passages", settings=settings)
        whole = _whole_article_bots(corpus, Path(tmp) / "articles", settings, rankings.values())
        for done, (query_id, text) in enumerate(queries, 1):
            start = time.perf_counter()
            best: dict[str, float] = {}
            for hit in bot.search(text, depth):
                best.setdefault(hit.article.id, hit.score)
            articles = {
                bm25: {hit.article.id: hit.score for hit in article_bot.search(text, depth)}
                for bm25, article_bot in whole.items()
            }
            ranked = {
                label: _rank_articles(r, best, articles.get(r.article_bm25, {}), query_id, k)
                for label, r in rankings.items()
            }
            latencies.append((time.perf_counter() - start) * 1000)
            for label, order in ranked.items():
                scores[label].append(ndcg(order, judged[query_id], k))
            if progress:
                progress(done, len(queries))
    latencies.sort()
    return BeirResult(
        dataset=folder.name,
        k=k,
        query_ids=tuple(q for q, _ in queries),
        per_query={label: tuple(values) for label, values in scores.items()},
        self_queries=sum(q in ids for q, _ in queries),
        p50_ms=statistics.median(latencies) if latencies else 0.0,
    )


def _whole_article_bots(
    corpus: Path, index: Path, settings: Settings, rankings: Iterable[ArticleRanking]
) -> dict[BM25Settings, QABot]:
    """One bot per BM25 setting over the whole-article index (built once, opened again)."""
    # Re-ranking a passage with its own article's evidence would count the article twice.
    answers = replace(settings.answers, article_weight=0.0)
    base = replace(settings, passages=WHOLE_ARTICLES, answers=answers)
    bots: dict[BM25Settings, QABot] = {}
    for bm25 in dict.fromkeys(r.article_bm25 for r in rankings if r.article_weight > 0):
        bots[bm25] = QABot.open(corpus, index, settings=replace(base, bm25=bm25), update=not bots)
    return bots


def _rank_articles(
    ranking: ArticleRanking,
    best_passage: Mapping[str, float],
    article: Mapping[str, float],
    query_id: str,
    k: int,
) -> list[str]:
    """The ``k`` best article ids under ``ranking``, never the query itself.

    Ties keep the order of first appearance: passage ranking first, then article ranking.
    """
    candidates: dict[str, float] = {}
    if ranking.passage_weight > 0:
        for a, score in best_passage.items():
            candidates[a] = ranking.passage_weight * score
    if ranking.article_weight > 0:
        for a, score in article.items():
            candidates[a] = candidates.get(a, 0.0) + ranking.article_weight * score
    candidates.pop(query_id, None)
    order = sorted(enumerate(candidates.items()), key=lambda e: (-e[1][1], e[0]))
    return [a for _, (a, _) in order[:k]]


def cross_validate_beir(result: BeirResult, folds: int = DEFAULT_FOLDS) -> CrossValidation:
    """Choose the ranking on all folds of queries but one; report nDCG@k on the one left out.

    Folds group queries by id (:func:`fold_of`); the first ranking wins ties.
    """
    used = _used_folds(result.query_ids, folds, "queries")
    fold = [fold_of(q, folds) for q in result.query_ids]
    name = f"nDCG@{result.k}"

    def mean(label: str, keep: Callable[[int], bool]) -> float:
        values = [v for v, f in zip(result.per_query[label], fold, strict=True) if keep(f)]
        return sum(values) / len(values) if values else 0.0

    def best(keep: Callable[[int], bool]) -> str:
        return max(result.per_query, key=lambda label: mean(label, keep))

    rows = []
    for number in used:
        chosen = best(lambda f, n=number: f != n)  # type: ignore[misc]
        held = sum(f == number for f in fold)
        rows.append(Fold(number, held, chosen, {name: mean(chosen, lambda f, n=number: f == n)}))  # type: ignore[misc]
    return CrossValidation(tuple(rows), best(lambda f: True), folds - len(used))
