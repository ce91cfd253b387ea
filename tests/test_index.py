"""BM25 scores: exactly rank-bm25's, for every variant, across segments and deletions."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import rank_bm25
from hypothesis import given, settings
from hypothesis import strategies as st

from qabot.config import BM25Settings
from qabot.index import InvertedIndex, Kept
from qabot.snapshot import ArticleRecord, Segment, Snapshot
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


def segment_of(name: str, docs: list[list[str]], ids: list[str]) -> Segment:
    """A segment of one-passage articles with the given ids."""
    records = tuple(
        ArticleRecord(Article(i, i, Path(i)), i, "digest", n, 1) for n, i in enumerate(ids)
    )
    n = len(docs)
    return Segment(
        name=name,
        index=InvertedIndex.build(docs),
        articles=records,
        sources=(),
        passage_article=np.arange(n, dtype=np.int32),
        passage_para=np.zeros((n, 2), np.int32),
        text_ptr=np.zeros(n + 1, np.int64),
        texts=b"",
    )


def snapshot_of(parts: list[list[list[str]]], deleted: set[str] = frozenset()) -> Snapshot:  # type: ignore[assignment]
    segments, deletions, start = [], [], 0
    for number, docs in enumerate(parts):
        ids = [f"a{start + i:04d}" for i in range(len(docs))]
        segments.append(segment_of(f"seg-{number}", docs, ids))
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
    refs = snap.search(query, 10_000, s)
    got = [(snap.article_of(r).id, r.score) for r in refs]
    expected_scores = reference(docs, query, s)
    holders = [i for i, d in enumerate(docs) if set(d) & set(query)]
    assert sorted(i for i, _ in got) == sorted(ids[i] for i in holders)
    by_id = dict(zip(ids, expected_scores, strict=True))
    for article_id, score in got:
        assert abs(score - by_id[article_id]) <= 1e-9
    scores = [score for _, score in got]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("variant", ["okapi", "bm25l", "bm25plus"])
@settings(max_examples=50, deadline=None)
@given(docs=docs_strategy, query=query_strategy, k1=st.floats(0.5, 2.0), b=st.floats(0.0, 1.0))
def test_scores_equal_rank_bm25(
    variant: str, docs: list[list[str]], query: list[str], k1: float, b: float
) -> None:
    s = BM25Settings(variant=variant, k1=k1, b=b)  # type: ignore[arg-type]
    ids = [f"a{i:04d}" for i in range(len(docs))]
    check_exact(snapshot_of([docs]), docs, ids, query, s)


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


@settings(max_examples=60, deadline=None)
@given(
    docs=docs_strategy,
    keep=st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), max_size=4),
    extra=docs_strategy,
)
def test_assembling_kept_and_new_passages_equals_a_fresh_build(
    docs: list[list[str]], keep: list[tuple[int, int]], extra: list[list[str]]
) -> None:
    index = InvertedIndex.build(docs)
    blocks: list[object] = []
    expected: list[list[str]] = []
    for a, b in keep:
        lo, hi = sorted((a % (len(docs) + 1), b % (len(docs) + 1)))
        blocks.append(Kept(index, lo, hi))
        expected.extend(docs[lo:hi])
    blocks.append(extra)
    expected.extend(extra)
    assembled = InvertedIndex.assemble(blocks)  # type: ignore[arg-type]
    fresh = InvertedIndex.build(expected)
    assert assembled.vocab == fresh.vocab
    for name in ("doc_len", "fwd_ptr", "fwd_term", "fwd_tf", "post_ptr", "post_doc", "post_tf"):
        assert np.array_equal(getattr(assembled, name), getattr(fresh, name)), name


def test_search_returns_best_first_and_only_matching_passages() -> None:
    docs = [["a", "b"], ["c"], ["a", "a", "c"], ["d"], ["a"]]
    snap = snapshot_of([docs])
    refs = snap.search(["a"], 10, BM25Settings())
    assert {r.passage for r in refs} == {0, 2, 4}
    expected = reference(docs, ["a"], BM25Settings())
    assert [r.passage for r in refs] == sorted({0, 2, 4}, key=lambda i: -expected[i])
    assert [r.passage for r in snap.search(["a"], 1, BM25Settings())] == [refs[0].passage]
    assert snap.search(["zzz"], 5, BM25Settings()) == []
    assert snap.search([], 5, BM25Settings()) == []


def test_ties_go_to_the_lower_article_id_across_segments() -> None:
    snap = snapshot_of([[["x", "y"]] * 3, [["x", "y"]] * 3])
    refs = snap.search(["x"], 4, BM25Settings())
    assert [snap.article_of(r).id for r in refs] == ["a0000", "a0001", "a0002", "a0003"]


@pytest.mark.parametrize(
    "docs",
    [[["nato", "summit"]], [["nato"], ["nato", "kyiv"]], [["nato"], ["nato"], ["nato", "x"]]],
)
def test_default_variant_answers_tiny_corpora_and_common_terms(docs: list[list[str]]) -> None:
    # Okapi gives these terms zero or negative IDF (rank_bm25 #39, #43); the default must not.
    snap = snapshot_of([docs])
    refs = snap.search(["nato"], 3, BM25Settings())
    assert len(refs) == len(docs) and all(r.score > 0 for r in refs)
    okapi = snap.search(["nato"], 3, BM25Settings(variant="okapi"))
    assert all(r.score <= 0 for r in okapi)


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


@settings(max_examples=60, deadline=None)
@given(docs=docs_strategy, query=query_strategy)
def test_term_counts_are_the_passage_counts_of_the_asked_terms(
    docs: list[list[str]], query: list[str]
) -> None:
    index = InvertedIndex.build(docs)
    for passage in range(len(docs)):
        expected = {t: n for t, n in index.passage_terms(passage).items() if t in query}
        assert index.term_counts(passage, set(query)) == expected
