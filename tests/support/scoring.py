"""Test support for scoring: small snapshots built from term lists, and rank-bm25 as reference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import rank_bm25
from hypothesis import strategies as st

from qabot.config import BM25Settings
from qabot.index import Snapshot
from qabot.index.postings import InvertedIndex
from qabot.index.segment import ArticleRecord, Segment, days_of
from qabot.values import Article

REFERENCE = {
    "okapi": rank_bm25.BM25Okapi,
    "bm25l": rank_bm25.BM25L,
    "bm25plus": rank_bm25.BM25Plus,
}
WORDS = [f"t{i}" for i in range(12)]
docs_strategy = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=15), min_size=1, max_size=25
)
query_strategy = st.lists(st.sampled_from([*WORDS, "unseen"]), min_size=1, max_size=5)


def segment_of(
    name: str,
    docs: list[list[str]],
    ids: list[str],
    article: Callable[[str], Article] | None = None,
) -> Segment:
    """A segment of one-passage articles with the given ids (``article`` makes each one)."""
    make = article or (lambda i: Article(i, i, Path(i)))
    records = tuple(ArticleRecord(make(i), i, "digest", n, 1) for n, i in enumerate(ids))
    n = len(docs)
    return Segment(
        name=name,
        index=InvertedIndex.build(docs),
        articles=records,
        sources=(),
        passage_article=np.arange(n, dtype=np.int32),
        article_day=days_of(records),
        passage_para=np.zeros((n, 2), np.int32),
        text_ptr=np.zeros(n + 1, np.int64),
        texts=b"",
    )


def snapshot_of(
    parts: list[list[list[str]]],
    deleted: set[str] = frozenset(),  # type: ignore[assignment]
    article: Callable[[str], Article] | None = None,
) -> Snapshot:
    """Segments of one-passage articles ``a0000``, ``a0001`` … (``article`` makes each one)."""
    segments, deletions, start = [], [], 0
    for number, docs in enumerate(parts):
        ids = [f"a{start + i:04d}" for i in range(len(docs))]
        segments.append(segment_of(f"seg-{number}", docs, ids, article))
        deletions.append(frozenset(deleted) & frozenset(ids))
        start += len(docs)
    return Snapshot(tuple(segments), tuple(deletions), {}, {})


def reference(docs: list[list[str]], query: list[str], s: BM25Settings) -> np.ndarray:
    extra = {"epsilon": s.epsilon} if s.variant == "okapi" else {}
    model = REFERENCE[s.variant](docs, k1=s.k1, b=s.b, **extra)
    return np.asarray(model.get_scores(query))


def check_exact(
    snap: Snapshot, docs: list[list[str]], ids: list[str], query: list[str], s: BM25Settings
) -> None:
    """Every live passage holding a query term, with rank-bm25's score, best first."""
    got = [(m.article.id, m.score) for m in snap.search(query, 10_000, s)]
    expected_scores = reference(docs, query, s)
    holders = [i for i, d in enumerate(docs) if set(d) & set(query)]
    assert sorted(i for i, _ in got) == sorted(ids[i] for i in holders)
    by_id = dict(zip(ids, expected_scores, strict=True))
    for article_id, score in got:
        assert abs(score - by_id[article_id]) <= 1e-9
    scores = [score for _, score in got]
    assert scores == sorted(scores, reverse=True)
