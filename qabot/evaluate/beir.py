"""The BEIR harness: article ranking outside news, as nDCG@10 over a BEIR folder.

:func:`evaluate_beir` reads ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/test.tsv``,
ranks articles from passages by one or more :class:`ArticleRanking` rules, and scores
each with :func:`ndcg`; :func:`cross_validate_beir` chooses among them on folds of queries.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qabot.config import BM25Settings, PassageSettings, Settings
from qabot.core import QABot
from qabot.errors import QABotError
from qabot.evaluate.folds import DEFAULT_FOLDS, CrossValidation, Fold, fold_of, used_folds

__all__ = [
    "ARTICLE_BM25",
    "BEIR_K",
    "DEFAULT_DEPTH",
    "DEFAULT_RANKINGS",
    "WHOLE_ARTICLES",
    "ArticleRanking",
    "BeirResult",
    "cross_validate_beir",
    "evaluate_beir",
    "ndcg",
    "ranking_grid",
]

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
    used = used_folds(result.query_ids, folds, "queries")
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
