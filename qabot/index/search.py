"""Search across a snapshot: exact top-k, re-ranking by article evidence, the matches found.

:func:`search` is what a question runs: the ``k`` best live passages for a bag of terms
(scores equal rank-bm25's ``get_scores`` over the live passages), optionally re-ranked with
the evidence of their whole article, each returned as a :class:`Match` carrying the term
counts the index already holds, so later stages never re-tokenise a passage to count.

One pipeline ranks one snapshot and a corpus in shards alike: a snapshot gives its best
:class:`Contender` passages (:func:`contenders`), :func:`rank` orders and re-ranks them
(one snapshot's, or every shard's together), and :func:`matches` makes the winners into
matches (a shard makes its contenders into matches before they leave its process).

Exact top-k uses MaxScore pruning: terms are scored rarest first; once the remaining terms
together could not lift a passage that has none of the earlier ones up to the current
k-th best score, they only update the passages already found, by binary search in their
postings, instead of scanning them whole.

Re-ranking: BM25 judges each passage alone, but a passage is more likely the right one
when its article is about the question as a whole. The best ``rerank_depth`` contenders
get their article's own BM25 score (:func:`~qabot.index.bm25.article_score`) added,
weighted by ``article_weight``; the article's counts are pooled from its passages among
the contenders and its length is the sum of its passages' lengths. Only the few dozen
contenders are touched, so the cost does not grow with the corpus.

Filters (:class:`~qabot.filters.Filters`: dates, sources) act inside the search: only the
passages of allowed articles enter the top k, which is exact among them, while the
statistics (IDF, average length) stay those of the whole live corpus.

Recency: among passages whose scores tie (equal within :data:`TIE`, as wire copies of one
story do), the one from the more recent article ranks first; then the lower article id,
then the earlier passage. An article without a date counts as the oldest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from qabot.config import BM25Settings
from qabot.filters import Filters
from qabot.index.bm25 import Weights, absent_score, article_score, term_scores
from qabot.index.segment import Ref
from qabot.values import Article, Passage

if TYPE_CHECKING:
    from qabot.index.snapshot import Snapshot, TermStats

__all__ = [
    "TIE",
    "Contender",
    "Match",
    "contender_depth",
    "contenders",
    "matches",
    "newest_first",
    "rank",
    "ranked",
    "rerank",
    "search",
    "top_k",
]

#: Scores this close (relative to their size) are equally good: recency decides.
TIE = 1e-9
#: A term's passages are matched against the candidates by their marks rather than by
#: binary search once the candidates number more than 1/this of them (a mark is read
#: some 15 times faster than a search over a long posting list is made).
_DENSE_LOOKUP = 12


@dataclass(frozen=True)
class Match:
    """A passage found for a query, with what the answer stage needs to know about it."""

    passage: Passage
    article: Article
    score: float
    #: How often each query term occurs in the passage (absent terms left out).
    counts: Mapping[str, int]
    #: The query terms found anywhere in the passage's article.
    article_terms: frozenset[str]


def search(
    snapshot: Snapshot,
    terms: Sequence[str],
    k: int,
    settings: BM25Settings,
    stats: TermStats | None = None,
    *,
    rerank_depth: int = 0,
    article_weight: float = 0.0,
    filters: Filters | None = None,
) -> list[Match]:
    """The ``k`` best live passages for ``terms`` (a bag: a repeated term counts again).

    ``stats`` are the terms' live statistics when the caller has them already (a question
    is analysed once). With ``rerank_depth`` and ``article_weight`` the best contenders are
    re-ranked by their article's evidence. With ``filters``, only passages of the articles
    they allow are found. Each match knows its passage's counts of the query terms and
    which of them its whole article holds, read from the postings.

    One snapshot is ranked as every shard of a corpus is: its :func:`contenders`, then
    :func:`rank`; only the ``k`` best are then made into matches.
    """
    best = ranked(
        snapshot, terms, k, settings, stats,
        rerank_depth=rerank_depth, article_weight=article_weight, filters=filters,
    )  # fmt: skip
    return matches(snapshot, [c for c, _ in best], terms, [s for _, s in best])


def ranked(
    snapshot: Snapshot,
    terms: Sequence[str],
    k: int,
    settings: BM25Settings,
    stats: TermStats | None = None,
    *,
    rerank_depth: int = 0,
    article_weight: float = 0.0,
    filters: Filters | None = None,
) -> list[tuple[Contender, float]]:
    """:func:`search`'s ``k`` best passages with their final scores, before they are made
    into matches (a caller that drops some, as near-duplicate folding does, makes fewer)."""
    if k <= 0 or not terms:
        return []
    stats = stats if stats is not None else snapshot.statistics(terms)
    weights = snapshot.weights(terms, settings, stats)
    depth = contender_depth(k, rerank_depth, article_weight)
    found = contenders(snapshot, terms, depth, weights, filters)
    order = rank(
        [found], terms, k, stats, snapshot.n_articles,
        rerank_depth=rerank_depth, article_weight=article_weight,
    )  # fmt: skip
    return [(found[n], score) for n, score in order]


class Contender(NamedTuple):
    """A passage in the running for the top k, before re-ranking: what ranking reads of it.

    :func:`contenders` gives a snapshot's best; :func:`rank` ranks and re-ranks those of
    one snapshot, or those every shard of a corpus gave, as one index would.
    """

    # A typed NamedTuple, not a frozen dataclass: a question makes a few dozen, and a
    # frozen dataclass costs three times as much to make (a measurable share of a search).

    #: Where the passage is in the snapshot that found it, with its BM25 score.
    ref: Ref
    article_id: str
    #: The passage's position in its article.
    position: int
    #: Its article's day number (:func:`~qabot.dates.day_number`): recency breaks ties.
    day: int
    #: Its article's length in index terms (re-ranking normalises by it).
    article_length: int
    #: How often each query term occurs in the passage (absent terms left out).
    counts: Mapping[str, int]

    @property
    def score(self) -> float:
        """Its BM25 score (before re-ranking)."""
        return self.ref.score


def contender_depth(k: int, rerank_depth: int, article_weight: float) -> int:
    """How many contenders a snapshot (or each shard) gives for the ``k`` best: re-ranking
    looks at the best ``rerank_depth``."""
    reranking = article_weight > 0 and rerank_depth > 0
    return max(k, rerank_depth) if reranking else k


def contenders(
    snapshot: Snapshot,
    terms: Sequence[str],
    depth: int,
    weights: Weights,
    filters: Filters | None = None,
    *,
    df: Mapping[str, int] | None = None,
) -> list[Contender]:
    """This snapshot's ``depth`` best live passages for ``terms``, scored with ``weights``,
    best first (ties to the most recent article, then the lower article id, then the
    earlier passage: one index's order, which :func:`rank` relies on).

    ``filters`` restrict the passages as in :func:`search`. For a snapshot that is one
    shard of a corpus, ``weights`` and ``df`` (live document frequencies) are the whole
    corpus's: terms are then summed in the corpus-wide order, so scores equal one index's
    to the last bit.
    """
    if depth <= 0 or not terms:
        return []
    masks = snapshot.allowed(filters) if filters else None
    refs = top_k(snapshot, terms, depth, weights, masks, df=df)
    counts = _term_counts(snapshot, refs, tuple(dict.fromkeys(terms)))
    days = _ref_days(snapshot, refs)
    found = []
    for ref, count, day in zip(refs, counts, days, strict=True):
        segment = snapshot.segments[ref.segment]
        article_id, first, length = segment.locate(ref.passage)
        found.append(Contender(ref, article_id, ref.passage - first, day, length, count))
    return found


def rank(
    found: Sequence[Sequence[Contender]],
    terms: Sequence[str],
    k: int,
    stats: TermStats,
    n_articles: int,
    *,
    rerank_depth: int = 0,
    article_weight: float = 0.0,
) -> list[tuple[int, float]]:
    """(number, final score) of the ``k`` best contenders of ``found``, best first; a
    contender's number is its place in the lists of ``found`` one after the other.

    ``found`` holds lists of contenders: one snapshot's (:func:`contenders`), or every
    shard's; each must hold its best :func:`contender_depth` (with the same ``k``), best
    first. ``stats`` and ``n_articles`` are the whole corpus's. The order is one index's:
    score, ties newest first, then article id and position; then the best
    ``rerank_depth`` are re-ranked.
    """
    if k <= 0 or not terms:
        return []
    every = found[0] if len(found) == 1 else [c for part in found for c in part]
    order: Sequence[int] = range(len(every))
    if len(found) > 1:
        # One list is in this order already; several are merged into it.
        order = sorted(
            order, key=lambda n: (-every[n].score, every[n].article_id, every[n].position)
        )
        newest = newest_first([every[n].score for n in order], [every[n].day for n in order])
        order = [order[n] for n in newest]
    best = order[: contender_depth(k, rerank_depth, article_weight)]
    if article_weight > 0 and rerank_depth > 0 and len(best) > 1:
        chosen = [every[n] for n in best]
        reranked = rerank(
            [c.score for c in chosen], [c.article_id for c in chosen],
            [c.article_length for c in chosen], [c.day for c in chosen],
            [c.counts for c in chosen], Counter(terms), stats, n_articles, article_weight,
        )  # fmt: skip
        return [(best[m], score) for m, score in reranked[:k]]
    return [(n, every[n].score) for n in best[:k]]


def matches(
    snapshot: Snapshot,
    found: Sequence[Contender],
    terms: Sequence[str],
    scores: Sequence[float] | None = None,
) -> list[Match]:
    """The snapshot's ``found`` contenders as matches (their passages, articles and the query
    terms their articles hold), scored ``scores`` (``None``: their BM25 scores)."""
    scores = [c.score for c in found] if scores is None else scores
    refs = [Ref(c.ref.segment, c.ref.passage, s) for c, s in zip(found, scores, strict=True)]
    wanted = tuple(dict.fromkeys(terms))
    return _matches(
        snapshot, refs, [c.counts for c in found], _article_terms(snapshot, refs, wanted)
    )


def _matches(
    snapshot: Snapshot,
    refs: Sequence[Ref],
    counts: Sequence[Mapping[str, int]],
    in_articles: Sequence[frozenset[str]],
) -> list[Match]:
    made = []
    for ref, found, in_article in zip(refs, counts, in_articles, strict=False):
        segment = snapshot.segments[ref.segment]
        record = segment.record_of(ref.passage)
        made.append(
            Match(segment.passage(ref.passage), record.article, ref.score, found, in_article)
        )
    return made


def _by_segment(refs: Sequence[Ref]) -> dict[int, list[int]]:
    """Positions in ``refs`` grouped by segment."""
    groups: dict[int, list[int]] = {}
    for i, ref in enumerate(refs):
        groups.setdefault(ref.segment, []).append(i)
    return groups


def _term_counts(
    snapshot: Snapshot, refs: Sequence[Ref], terms: Sequence[str]
) -> list[dict[str, int]]:
    """Each passage's count of each term, looked up in the terms' postings at once."""
    counts: list[dict[str, int]] = [{} for _ in refs]
    for number, positions in _by_segment(refs).items():
        index = snapshot.segments[number].index
        passages = np.array([refs[i].passage for i in positions])
        for term in terms:
            found = index.postings(term)
            if found is None or not found[0].size:
                continue
            docs, tfs = found
            at = np.minimum(np.searchsorted(docs, passages), docs.size - 1)
            for i, hit, tf in zip(positions, docs[at] == passages, tfs[at].tolist(), strict=True):
                if hit:
                    counts[i][term] = tf
    return counts


def _article_terms(
    snapshot: Snapshot, refs: Sequence[Ref], terms: Sequence[str]
) -> list[frozenset[str]]:
    """The terms found anywhere in each passage's article (its passages are contiguous)."""
    present: list[set[str]] = [set() for _ in refs]
    for number, positions in _by_segment(refs).items():
        segment = snapshot.segments[number]
        records = [segment.record_of(refs[i].passage) for i in positions]
        starts = np.array([r.first for r in records])
        ends = starts + np.array([r.count for r in records])
        for term in terms:
            found = segment.index.postings(term)
            if found is None or not found[0].size:
                continue
            docs = found[0]
            held = np.searchsorted(docs, starts) < np.searchsorted(docs, ends)
            for i, yes in zip(positions, held.tolist(), strict=True):
                if yes:
                    present[i].add(term)
    return [frozenset(p) for p in present]


def rerank(
    scores: Sequence[float],
    articles: Sequence[Hashable],
    lengths: Sequence[int],
    days: Sequence[int],
    counts: Sequence[Mapping[str, int]],
    query: Mapping[str, int],
    stats: TermStats,
    n_articles: int,
    article_weight: float,
) -> list[tuple[int, float]]:
    """(contender number, new score), best first; ties go to the newer article, then
    keep the BM25 order.

    Contender ``i`` has BM25 score ``scores[i]``, belongs to article ``articles[i]`` of
    ``lengths[i]`` terms published on day ``days[i]``, and holds ``counts[i]`` of the
    query terms; an article's counts are pooled over its passages among the contenders.
    """
    pooled: dict[Hashable, dict[str, int]] = {}
    length_of: dict[Hashable, int] = {}
    for key, length, found in zip(articles, lengths, counts, strict=True):
        length_of.setdefault(key, length)
        into = pooled.setdefault(key, {})
        for term, n in found.items():
            into[term] = into.get(term, 0) + n
    idf = {t: stats.rarity(t) for t in query}
    average = stats.total_length / max(1, n_articles)
    evidence = {
        key: article_score(pooled[key], query, idf, length_of[key], average) for key in pooled
    }
    scored = sorted(
        (
            (score + article_weight * evidence[key], -i)
            for i, (score, key) in enumerate(zip(scores, articles, strict=True))
        ),
        reverse=True,
    )
    order = newest_first([score for score, _ in scored], [days[-i] for _, i in scored])
    return [(-scored[n][1], scored[n][0]) for n in order]


def newest_first(scores: Sequence[float], days: Sequence[int]) -> list[int]:
    """The order of items ranked best first, with each run of tied scores newest first.

    ``scores`` (descending) and ``days`` describe the items; the result lists their
    positions. A run starts at its best item and holds the items after it scoring within
    :data:`TIE` of it; inside a run the sort by day is stable, so equal days keep their order.
    """
    order = list(range(len(scores)))
    if len(set(days)) <= 1:  # one day for all (an undated corpus): nothing to reorder
        return order
    out: list[int] = []
    start = 0
    while start < len(order):
        head = scores[start]
        end = start + 1
        while end < len(order) and scores[end] >= head - TIE * max(1.0, abs(head)):
            end += 1
        run = order[start:end]
        out += sorted(run, key=lambda i: -days[i]) if len(run) > 1 else run
        start = end
    return out


def _ref_days(snapshot: Snapshot, refs: Sequence[Ref]) -> list[int]:
    """The day number of each passage's article."""
    segs = np.array([r.segment for r in refs], np.int64)
    docs = np.array([r.passage for r in refs], np.int64)
    days: list[int] = _days(snapshot, segs, docs).tolist()
    return days


def _days(
    snapshot: Snapshot, segs: npt.NDArray[Any], docs: npt.NDArray[Any]
) -> npt.NDArray[np.int64]:
    """The day number of each passage's article (passages given as segment and number)."""
    if len(snapshot.segments) == 1:
        segment = snapshot.segments[0]
        found: npt.NDArray[np.int64] = segment.article_day[segment.passage_article[docs]]
        return found.astype(np.int64)
    days = np.zeros(len(docs), np.int64)
    for number in np.unique(segs).tolist():
        here = segs == number
        segment = snapshot.segments[number]
        days[here] = segment.article_day[segment.passage_article[docs[here]]]
    return days


# -- top k -------------------------------------------------------------------------
def top_k(
    snapshot: Snapshot,
    terms: Sequence[str],
    k: int,
    weights: Weights,
    masks: Sequence[npt.NDArray[np.bool_] | None] | None = None,
    *,
    df: Mapping[str, int] | None = None,
) -> list[Ref]:
    """The ``k`` best live passages holding at least one of ``terms``, best first.

    ``df`` orders the terms when the snapshot is one shard of a corpus: its corpus-wide
    document frequencies (``None``: the snapshot's own, the same figures for one index).

    Scores equal rank-bm25's ``get_scores(terms)`` over the live passages (within
    1e-12: contributions are summed rarest term first); ties (within :data:`TIE`) go to
    the more recent article, then the lower article id, then the earlier passage.
    ``masks`` (per segment, ``None``: all) restrict the passages that may be found, as
    :meth:`Snapshot.allowed` gives them; ``weights`` are not affected.

    Exact top-k with MaxScore pruning: terms are scored rarest first; once the
    remaining terms together could not lift a passage that has none of the earlier
    ones up to the current k-th best score, they only update the passages already
    found, by binary search in their postings, instead of scanning them whole.
    """
    if k <= 0 or not terms or snapshot.n_passages == 0:
        return []
    times = Counter(terms)
    absent = {t: absent_score(weights, weights.idf[t]) for t in times}
    constant = sum(absent[t] * n for t, n in times.items())
    postings = _live_postings(snapshot, times, snapshot.live if masks is None else masks)
    order = sorted(
        (t for t in times if any(t in p for p in postings)),
        key=lambda t: sum(p[t][0].size for p in postings if t in p) if df is None else df[t],
    )
    if not order:
        return []
    bounds = [_upper_bound(snapshot, t, times[t], absent[t], weights) for t in order]
    prunable = all(weights.idf[t] >= 0 for t in order)
    scratch = [segment.index.scratch() for segment in snapshot.segments]
    found: list[list[npt.NDArray[Any]]] = [[] for _ in snapshot.segments]
    marked: list[list[npt.NDArray[Any]]] = [[] for _ in snapshot.segments]  # seen set
    complete: list[npt.NDArray[Any]] | None = None  # candidates, once no longer growing
    last = len(order) - 1
    try:
        for position, term in enumerate(order):
            rest = sum(bounds[position:])
            if complete is not None:
                complete = _contending(complete, scratch, rest, constant, k)
            # No partial score exceeds the bounds of the terms added so far.
            elif prunable and position and rest < sum(bounds[:position]):
                kth, values = _kth(found, scratch, k)
                if rest < kth:
                    least = _least(kth, constant, rest)
                    complete = [
                        _join(_kept(parts, part_values, least, scratch[number][1]))
                        for number, (parts, part_values) in enumerate(
                            zip(found, values, strict=True)
                        )
                    ]
            for number, segment in enumerate(snapshot.segments):
                if term not in postings[number]:
                    continue
                docs, tfs, kept = postings[number][term]
                buffer, seen = scratch[number]
                full = None
                if complete is None:
                    # Before the first term nothing is seen, and no term after the last
                    # asks what was.
                    new = docs[~seen[docs]] if position else docs
                    if position < last:
                        seen[new] = True
                        marked[number].append(new)
                    found[number].append(new)
                    full = segment.index.gains(term, weights, absent[term])
                else:
                    docs, tfs = _lookup(docs, tfs, complete[number], seen)
                if full is not None:
                    # A frequent term's gains over all its postings, kept for the snapshot.
                    gain = full if kept is None else full[kept]
                else:
                    norm = segment.index.length_norm(weights)[docs]
                    gain = term_scores(weights, weights.idf[term], tfs, norm)
                    if absent[term]:
                        gain = gain - absent[term]
                if times[term] > 1:
                    gain = times[term] * gain
                if position:
                    buffer[docs] += gain
                else:
                    # The buffer holds zeros there: 0.0 + gain, without reading them.
                    buffer[docs] = gain + 0.0
        candidates = complete or [_join(parts) for parts in found]
        seg_parts, doc_parts, value_parts = [], [], []
        for number, docs in enumerate(candidates):
            if docs.size:
                seg_parts.append(np.full(docs.size, number, np.int32))
                doc_parts.append(docs)
                value_parts.append(scratch[number][0][docs] + constant)
    finally:
        for (buffer, seen), parts, seen_parts in zip(scratch, found, marked, strict=True):
            for docs in parts:
                buffer[docs] = 0.0
            for docs in seen_parts:
                seen[docs] = False
    if not doc_parts:
        return []
    return _top(
        snapshot,
        np.concatenate(seg_parts),
        np.concatenate(doc_parts),
        np.concatenate(value_parts),
        k,
    )


def _live_postings(
    snapshot: Snapshot,
    terms: Mapping[str, int],
    masks: Sequence[npt.NDArray[np.bool_] | None],
) -> list[dict[str, tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.bool_] | None]]]:
    """Per segment: each term's passages within ``masks`` (``None``: all), frequencies, and
    which of its postings they are (``None``: all)."""
    out = []
    for segment, mask in zip(snapshot.segments, masks, strict=True):
        here = {}
        for term in terms:
            found = segment.index.postings(term)
            if found is not None and found[0].size:
                docs, tfs = found
                keep = None
                if mask is not None:
                    keep = mask[docs]
                    docs, tfs = docs[keep], tfs[keep]
                if docs.size:
                    here[term] = (docs, tfs, keep)
        out.append(here)
    return out


def _contending(
    candidates: list[npt.NDArray[Any]],
    scratch: list[tuple[npt.NDArray[np.float64], Any]],
    rest: float,
    constant: float,
    k: int,
) -> list[npt.NDArray[Any]]:
    """The candidates (per segment) that can still reach the final top k: those whose
    partial score plus ``rest`` (the bound of the terms still to add) reaches the k-th best
    partial score, less twice the tie margin :func:`_top` keeps.

    Sound because gains are never negative (the terms are prunable): every final score is
    at least its partial one, so the k-th best final score is at least the k-th best
    partial; a candidate left out scores below :func:`_top`'s tie window, and at least the
    k best stay. The terms still to add then look up far fewer passages.
    """
    values = [scratch[number][0][docs] for number, docs in enumerate(candidates)]
    joined = np.concatenate(values) if len(values) > 1 else values[0]
    if joined.size <= k:
        return candidates
    least = _least(float(np.partition(joined, joined.size - k)[joined.size - k]), constant, rest)
    return [
        _kept([docs], [found], least, seen)[0]
        for (_, seen), docs, found in zip(scratch, candidates, values, strict=True)
    ]


def _least(kth: float, constant: float, rest: float) -> float:
    """The partial score a candidate needs to stay in the running (:func:`_contending`)."""
    floor = kth + constant
    floor -= 2 * TIE * max(1.0, abs(floor))
    return floor - constant - rest


def _kept(
    parts: list[npt.NDArray[Any]],
    values: list[npt.NDArray[np.float64]],
    least: float,
    seen: npt.NDArray[np.bool_],
) -> list[npt.NDArray[Any]]:
    """Of each part of the candidates (with their partial scores), those scoring at least
    ``least``; the others are taken off the seen-mask, which then marks exactly those kept."""
    out = []
    for docs, found in zip(parts, values, strict=True):
        keep = found >= least
        seen[docs[~keep]] = False
        out.append(docs[keep])
    return out


def _upper_bound(
    snapshot: Snapshot, term: str, times: int, absent: float, weights: Weights
) -> float:
    """The most ``term`` can add to any passage's score (beyond its absent value)."""
    best = 0.0
    for segment in snapshot.segments:
        index = segment.index
        tf = index.max_tf(term)
        if tf:
            gain = term_scores(weights, weights.idf[term], tf, index.min_length_norm(weights))
            best = max(best, float(gain) - absent)
    # A little headroom so rounding can never prune a passage that belongs in the top k.
    return times * best * (1 + 1e-9) + 1e-12


def _kth(
    found: list[list[npt.NDArray[Any]]],
    scratch: list[tuple[npt.NDArray[np.float64], Any]],
    k: int,
) -> tuple[float, list[list[npt.NDArray[np.float64]]]]:
    """The k-th best partial score so far (-inf while fewer than k passages are found),
    and the partial scores of each part of ``found``."""
    values = [[scratch[n][0][docs] for docs in parts] for n, parts in enumerate(found)]
    every = [v for part in values for v in part]
    joined = np.concatenate(every) if len(every) > 1 else every[0] if every else np.empty(0)
    if joined.size < k:
        return -np.inf, values
    return float(np.partition(joined, joined.size - k)[joined.size - k]), values


def _top(
    snapshot: Snapshot,
    segs: npt.NDArray[Any],
    docs: npt.NDArray[Any],
    values: npt.NDArray[np.float64],
    k: int,
) -> list[Ref]:
    if values.size > k:
        kth = float(np.partition(values, values.size - k)[values.size - k])
        # Everything tied with the k-th score competes on recency, article id and position.
        top = np.flatnonzero(values >= kth - TIE * max(1.0, abs(kth)))
    else:
        top = np.arange(values.size)
    # Best first; equal scores by article id, then position (only those need looking up).
    top = top[np.argsort(-values[top], kind="stable")]
    scores: list[float] = values[top].tolist()
    segments: list[int] = segs[top].tolist()
    passages: list[int] = docs[top].tolist()
    days: list[int] = _days(snapshot, segs[top], docs[top]).tolist()
    ranked = list(range(len(scores)))
    start = 0
    while start < len(ranked):
        end = start + 1
        while end < len(ranked) and scores[end] == scores[start]:
            end += 1
        if end - start > 1:
            ranked[start:end] = _in_index_order(snapshot, segments, passages, range(start, end))
        start = end
    order = newest_first([scores[n] for n in ranked], [days[n] for n in ranked])
    return [Ref(segments[n], passages[n], scores[n]) for n in (ranked[m] for m in order[:k])]


def _in_index_order(
    snapshot: Snapshot, segments: list[int], passages: list[int], items: Sequence[int]
) -> list[int]:
    """``items`` (positions in ``segments`` and ``passages``) by article id, then position."""
    held = {segments[i] for i in items}
    if len(held) == 1 and snapshot.segments[next(iter(held))].in_id_order:
        # Passages of a segment in id order: their numbers are in that order already.
        return sorted(items, key=passages.__getitem__)
    return sorted(items, key=lambda i: _order_key(snapshot, segments[i], passages[i]))


def _order_key(snapshot: Snapshot, segment: int, passage: int) -> tuple[str, int]:
    record = snapshot.segments[segment].record_of(passage)
    return (record.article.id, passage - record.first)


def _join(parts: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """Candidate passages found so far, ascending (each part holds distinct passages, in
    ascending order: one part is the answer, several are merged)."""
    if not parts:
        return np.empty(0, np.int32)
    if len(parts) == 1:
        return parts[0]
    # A stable sort (timsort) merges the ascending runs, 2-3 times faster than quicksort.
    return np.sort(np.concatenate(parts), kind="stable")


def _lookup(
    docs: npt.NDArray[Any],
    tfs: npt.NDArray[Any],
    candidates: npt.NDArray[Any],
    marked: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The candidates that hold the term (``docs`` ascending), and its frequency in each.

    ``marked`` is true for exactly the candidates' passages: when they are many against
    the term's passages, reading the mark of each of those is cheaper than a binary search
    for each candidate (the same passages, ascending, either way).
    """
    if not candidates.size:
        return candidates, candidates
    if candidates.size * _DENSE_LOOKUP > docs.size:
        held = marked[docs]
        return docs[held], tfs[held]
    at = np.minimum(np.searchsorted(docs, candidates), docs.size - 1)
    hit = docs[at] == candidates
    return candidates[hit], tfs[at[hit]]
