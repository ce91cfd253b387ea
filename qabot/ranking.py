"""Re-ranking the best BM25 passages with the evidence of their whole article.

BM25 judges each passage alone, but a passage is more likely the right one when its
article is about the question as a whole: a story that names the question's people and
places in several passages beats a passage that matches by chance in an unrelated
story. So the top ``rerank_depth`` BM25 candidates get their article's own BM25 score
added, weighted by ``article_weight``. The article's term counts are pooled from its
passages among the candidates (a passage outside them holds no question term or matches
too weakly to matter), and its length is the sum of its passages' lengths.

Only the few dozen candidates are touched, never the whole index, so the cost does not
grow with the corpus.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from qabot.config import AnswerSettings
from qabot.snapshot import Ref, Snapshot

__all__ = ["Candidate", "article_evidence", "gather", "rerank"]

#: BM25's usual saturation and length normalisation, applied to whole articles.
ARTICLE_K1 = 1.2
ARTICLE_B = 0.75


@dataclass(frozen=True)
class Candidate:
    """A BM25 candidate passage with what re-ranking needs to know about it."""

    ref: Ref
    #: Identifies the article (two candidates of one article share it).
    article: tuple[int, int]
    #: How often each question term occurs in the passage (absent terms left out).
    counts: Mapping[str, int]
    #: The article's length in index terms.
    article_length: int


def gather(snapshot: Snapshot, refs: Sequence[Ref], terms: Sequence[str]) -> list[Candidate]:
    """The candidates for ``refs``: question-term counts and article lengths."""
    wanted = set(terms)
    lengths: dict[tuple[int, int], int] = {}
    candidates = []
    for ref in refs:
        segment = snapshot.segments[ref.segment]
        record = segment.record_of(ref.passage)
        key = (ref.segment, record.first)
        if key not in lengths:
            lengths[key] = int(
                segment.index.doc_len[record.first : record.first + record.count].sum()
            )
        counts = snapshot.term_counts(ref, wanted)
        candidates.append(Candidate(ref, key, counts, lengths[key]))
    return candidates


def rerank(
    candidates: Sequence[Candidate],
    terms: Sequence[str],
    weights: Mapping[str, float],
    average_article_length: float,
    settings: AnswerSettings,
) -> list[Ref]:
    """The candidates best first, each with its BM25 score plus its article's evidence.

    ``terms`` is the query as searched (a repeated term counts again), ``weights`` the
    rarity of each term (as in :func:`qabot.answers.weigh_question`). Ties keep the
    BM25 order.
    """
    if not candidates or settings.article_weight <= 0:
        return [c.ref for c in candidates]
    query: dict[str, int] = {}
    for term in terms:
        query[term] = query.get(term, 0) + 1
    pooled: dict[tuple[int, int], dict[str, int]] = {}
    for candidate in candidates:
        counts = pooled.setdefault(candidate.article, {})
        for term, n in candidate.counts.items():
            counts[term] = counts.get(term, 0) + n
    evidence: dict[tuple[int, int], float] = {}
    for candidate in candidates:
        if candidate.article in evidence:
            continue
        norm = ARTICLE_K1 * (
            1 - ARTICLE_B + ARTICLE_B * candidate.article_length / (average_article_length or 1.0)
        )
        evidence[candidate.article] = sum(
            query[t] * weights.get(t, 0.0) * n * (ARTICLE_K1 + 1) / (n + norm)
            for t, n in pooled[candidate.article].items()
            if t in query
        )
    scored = [
        (c.ref.score + settings.article_weight * evidence[c.article], -i, c.ref)
        for i, c in enumerate(candidates)
    ]
    scored.sort(reverse=True)
    return [Ref(ref.segment, ref.passage, score) for score, _, ref in scored]


def article_evidence(snapshot: Snapshot, article_id: str, terms: Collection[str]) -> frozenset[str]:
    """Which of ``terms`` occur anywhere in the article ``article_id``."""
    found = snapshot.find_article(article_id)
    if found is None:
        return frozenset()
    segment, record = found
    wanted = set(terms)
    present: set[str] = set()
    for passage in range(record.first, record.first + record.count):
        present.update(snapshot.term_counts(Ref(segment, passage, 0.0), wanted))
        if present == wanted:
            break
    return frozenset(present)
