"""BM25 maths, the one owner of rank-bm25: IDFs, per-term scores, article scores, rarity.

Every BM25-like formula of qabot lives here. :func:`bm25_weights` lets rank-bm25's own
variant class compute the IDF table from live statistics, and :func:`term_scores` is the
per-term expression of its ``get_scores``, evaluated on postings only, so scores equal
``get_scores`` (to the last bit for Okapi and BM25L; BM25+ adds its constant for absent
terms once at the end, within 1e-12). :func:`article_scores` scores whole articles from
pooled counts (re-ranking), and :func:`rarity` weighs a question's terms for the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import rank_bm25

from qabot.config import BM25Settings

__all__ = [
    "ARTICLE_B",
    "ARTICLE_K1",
    "Weights",
    "absent_score",
    "article_score",
    "bm25_weights",
    "length_norm",
    "rarity",
    "term_scores",
]

FloatArray = npt.NDArray[np.float64]

#: BM25's usual saturation and length normalisation, applied to whole articles.
ARTICLE_K1 = 1.2
ARTICLE_B = 0.75

_VARIANTS: dict[str, Any] = {
    "okapi": rank_bm25.BM25Okapi,
    "bm25l": rank_bm25.BM25L,
    "bm25plus": rank_bm25.BM25Plus,
}
_DEFAULT_DELTA = {"bm25l": 0.5, "bm25plus": 1.0}


@dataclass(frozen=True)
class Weights:
    """rank-bm25's parameters and the IDF of each question term, for live statistics."""

    variant: str
    k1: float
    b: float
    avgdl: float
    delta: float
    idf: Mapping[str, float]


def _model(settings: BM25Settings, corpus_size: int, avgdl: float) -> Any:
    # rank-bm25's constructors want the tokenized corpus itself; an index keeps statistics
    # instead, so the model gets the attributes its _calc_idf reads.
    cls = _VARIANTS[settings.variant]
    model: Any = cls.__new__(cls)
    model.k1, model.b = settings.k1, settings.b
    model.epsilon = settings.epsilon
    model.delta = (
        settings.delta if settings.delta is not None else _DEFAULT_DELTA.get(settings.variant, 0.0)
    )
    model.corpus_size, model.avgdl = corpus_size, avgdl
    model.doc_freqs, model.doc_len, model.idf, model.tokenizer = [], [], {}, None
    return model


def bm25_weights(
    settings: BM25Settings,
    n_passages: int,
    total_length: int,
    df: Mapping[str, int],
    all_df: Callable[[], Mapping[str, int]],
) -> Weights:
    """The weights of the terms in ``df`` (term → live document frequency).

    rank-bm25's ``_calc_idf`` computes the IDFs. BM25L and BM25+ need only the question's
    terms; Okapi floors negative IDFs at epsilon × the average IDF of *every* term, so it
    is given ``all_df()`` (which callers cache).
    """
    avgdl = total_length / n_passages if n_passages else 0.0
    model = _model(settings, n_passages, avgdl)
    known = {t: f for t, f in df.items() if f > 0}
    if known:
        model._calc_idf(all_df() if settings.variant == "okapi" else known)
    return Weights(
        variant=settings.variant,
        k1=model.k1,
        b=model.b,
        avgdl=avgdl,
        delta=model.delta,
        idf={t: float(model.idf.get(t) or 0.0) for t in df},
    )


def length_norm(weights: Weights, doc_len: npt.NDArray[Any]) -> FloatArray:
    """``1 - b + b * doc_len / avgdl``, the length factor shared by all terms of a passage."""
    return 1 - weights.b + weights.b * doc_len / weights.avgdl


@overload
def term_scores(
    weights: Weights, idf: float, q_freq: npt.NDArray[Any], norm: FloatArray
) -> FloatArray: ...
@overload
def term_scores(weights: Weights, idf: float, q_freq: int, norm: float) -> float: ...
def term_scores(weights: Weights, idf: float, q_freq: Any, norm: Any) -> Any:
    """One term's contribution per passage, written exactly as in rank-bm25's ``get_scores``.

    ``norm`` is :func:`length_norm` of the passages: the same sub-expression, computed once.
    Given one passage's frequency and norm as plain numbers, it gives that passage's
    contribution, the same float the arrays give (the same operations, in order).
    """
    k1, delta = weights.k1, weights.delta
    if weights.variant == "okapi":
        return idf * (q_freq * (k1 + 1) / (q_freq + k1 * norm))
    if weights.variant == "bm25l":
        ctd = q_freq / norm
        return idf * q_freq * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
    return idf * (delta + (q_freq * (k1 + 1)) / (k1 * norm + q_freq))


def absent_score(weights: Weights, idf: float) -> float:
    """What a term adds to a passage that lacks it (non-zero only for BM25+)."""
    return float(term_scores(weights, idf, 0, 1.0))


def rarity(n_passages: int, df: int) -> float:
    """How much finding a term says: ``log((N + 1) / (df + 0.5))``, positive even for unseen terms.

    The answer stage weighs a question's terms with it (coverage, specificity); unlike
    Okapi's IDF it never drops to zero for a term found in most passages.
    """
    return math.log((n_passages + 1) / (df + 0.5))


def article_score(
    counts: Mapping[str, int],
    query: Mapping[str, int],
    idf: Mapping[str, float],
    length: int,
    average_length: float,
) -> float:
    """BM25 of a whole article from its pooled term ``counts`` (k1 1.2, b 0.75).

    ``query`` counts how often each term stands in the query, ``idf`` weighs each term.
    """
    norm = ARTICLE_K1 * (1 - ARTICLE_B + ARTICLE_B * length / (average_length or 1.0))
    return sum(
        times * idf.get(t, 0.0) * n * (ARTICLE_K1 + 1) / (n + norm)
        for t, n in counts.items()
        if (times := query.get(t, 0))
    )
