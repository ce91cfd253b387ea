"""Snapshots: segments and deletions score like one index of the live passages; exact top k."""

from __future__ import annotations

import itertools
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st
from support.scoring import WORDS, check_exact, docs_strategy, query_strategy, snapshot_of

from qabot.config import BM25Settings
from qabot.index import postings, search


@settings(max_examples=80, deadline=None)
@given(
    docs=docs_strategy,
    cuts=st.lists(st.integers(0, 25), max_size=3),
    dead=st.sets(st.integers(0, 24), max_size=10),
    query=query_strategy,
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
)
def test_segments_and_deletions_score_like_one_index_of_live_passages(
    docs: list[list[str]], cuts: list[int], dead: set[int], query: list[str], variant: str
) -> None:
    bounds = sorted({0, len(docs), *(c % (len(docs) + 1) for c in cuts)})
    parts = [docs[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    dead = {i for i in dead if i < len(docs)}
    if len(dead) == len(docs):
        dead.discard(0)
    snap = snapshot_of(parts, {f"a{i:04d}" for i in dead})
    live = [i for i in range(len(docs)) if i not in dead]
    s = BM25Settings(variant=variant)  # type: ignore[arg-type]
    check_exact(snap, [docs[i] for i in live], [f"a{i:04d}" for i in live], query, s)
    assert snap.n_passages == len(live)
    for term in query:
        assert snap.document_frequency(term) == sum(term in docs[i] for i in live)


def test_ties_go_to_the_lower_article_id_across_segments() -> None:
    snap = snapshot_of([[["x", "y"]] * 3, [["x", "y"]] * 3])
    matches = snap.search(["x"], 4, BM25Settings())
    assert [m.article.id for m in matches] == ["a0000", "a0001", "a0002", "a0003"]


common = st.lists(
    st.lists(
        st.sampled_from(["the", "the", "the", "news", "news", "said", *WORDS]),
        min_size=1,
        max_size=20,
    ),
    min_size=5,
    max_size=60,
)


@settings(max_examples=120, deadline=None)
@given(
    docs=common,
    query=st.lists(st.sampled_from(["the", "news", "said", *WORDS]), min_size=1, max_size=6),
    k=st.integers(1, 6),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    cut=st.integers(0, 60),
)
def test_pruned_top_k_equals_the_full_ranking(
    docs: list[list[str]], query: list[str], k: int, variant: str, cut: int
) -> None:
    # Common terms with rare ones trigger MaxScore pruning; it must never change the top k.
    cut %= len(docs) + 1
    parts = [p for p in (docs[:cut], docs[cut:]) if p]
    snap = snapshot_of(parts)
    s = BM25Settings(variant=variant)  # type: ignore[arg-type]
    assert snap.search(query, k, s) == snap.search(query, 10_000, s)[:k]


@settings(max_examples=120, deadline=None)
@given(
    docs=common,
    query=st.lists(st.sampled_from(["the", "news", "said", *WORDS]), min_size=1, max_size=6),
    k=st.integers(1, 6),
    cut=st.integers(0, 60),
    dense=st.sampled_from([0, 10**9]),
)
def test_pruned_top_k_is_exact_with_either_lookup_of_the_remaining_terms(
    docs: list[list[str]], query: list[str], k: int, cut: int, dense: int
) -> None:
    # Once pruning starts, a term's passages are matched against the candidates by binary
    # search (few candidates) or by their marks (many): both must give the full ranking.
    cut %= len(docs) + 1
    snap = snapshot_of([p for p in (docs[:cut], docs[cut:]) if p])
    s = BM25Settings()
    with patch.object(search, "_DENSE_LOOKUP", dense):
        pruned = snap.search(query, k, s)
    # After it (the scratch buffers are shared), the full ranking, and the pruned again.
    assert pruned == snap.search(query, 10_000, s)[:k] == snap.search(query, k, s)


@settings(max_examples=120, deadline=None)
@given(
    docs=common,
    query=st.lists(st.sampled_from(["the", "news", "said", *WORDS]), min_size=1, max_size=6),
    k=st.integers(1, 6),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    cut=st.integers(0, 60),
    dead=st.sets(st.integers(0, 59), max_size=8),
)
def test_kept_gains_of_frequent_terms_give_the_same_scores(
    docs: list[list[str]], query: list[str], k: int, variant: str, cut: int, dead: set[int]
) -> None:
    # A frequent term's gains over all its postings are kept for the snapshot's questions;
    # with deleted passages the live ones are taken from them. The scores are the same
    # floats as those computed afresh, whichever way, and asked again.
    cut %= len(docs) + 1
    dead = {i for i in dead if i < len(docs) - 1}
    snap = snapshot_of([p for p in (docs[:cut], docs[cut:]) if p], {f"a{i:04d}" for i in dead})
    s = BM25Settings(variant=variant)  # type: ignore[arg-type]
    with patch.object(postings, "GAIN_MIN_POSTINGS", 10**9):
        fresh = [(m.article.id, m.passage.position, m.score) for m in snap.search(query, k, s)]
    with patch.object(postings, "GAIN_MIN_POSTINGS", 1):
        for _ in range(2):
            kept = [(m.article.id, m.passage.position, m.score) for m in snap.search(query, k, s)]
            assert kept == fresh
    if fresh:  # the first term is scored over all its postings: its gains are kept
        assert any(segment.index._gains for segment in snap.segments)
