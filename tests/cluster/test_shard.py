"""One shard, without Ray: its own articles only, its contenders ranked as one index ranks."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import replace
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.corpus import story_path, write_article, write_stories
from support.shards import owner_of_file

from qabot import QABot
from qabot.cluster.shard import Shard, build_shard
from qabot.config import Settings
from qabot.errors import ClusterError
from qabot.filters import Filters
from qabot.index import TermStats, rank

SHARDS = 3


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(40), "first")
    return corpus


def test_a_shard_indexes_only_the_articles_it_owns(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = Settings(corpus=corpus)
    reports = [build_shard(settings, s, SHARDS, rebuild=False) for s in range(SHARDS)]
    for shard, report in enumerate(reports):
        assert report.added
        assert {owner_of_file(corpus, a, SHARDS) for a in report.added} == {shard}
    assert sorted(a for r in reports for a in r.added) == sorted(
        p.relative_to(corpus).as_posix() for p in corpus.rglob("*.txt")
    )


def test_a_restarted_shard_reopens_its_committed_index(tmp_path: Path) -> None:
    settings = Settings(corpus=_corpus(tmp_path))
    first = Shard(settings, 1, SHARDS)
    assert not first.reopened  # nothing committed yet: built
    again = Shard(settings, 1, SHARDS)
    assert again.reopened
    assert again.info().generation == first.info().generation


def _merged(
    shards: list[Shard], terms: list[str], k: int, opts: Settings, filters: Filters | None = None
) -> list[Any]:
    """What a ClusterReader's two rounds give, called on the shards directly."""
    answers = opts.answers
    stats = [s.statistics(terms) for s in shards]
    df = Counter[str]()
    for found in stats:
        df.update(found.df)
    total = TermStats(
        sum(s.n_passages for s in stats), sum(s.total_length for s in stats), dict(df)
    )
    weights = total.weights(terms, opts.bm25, dict)
    depth = max(k, answers.rerank_depth)
    found = [
        s.contenders(terms, depth, weights, dict(df), st.generation, filters)
        for s, st in zip(shards, stats, strict=True)
    ]
    order = rank(
        [[hit.contender for hit in hits] for hits in found], terms, k, total,
        sum(s.n_articles for s in stats),
        rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
    )  # fmt: skip
    every = [hit for hits in found for hit in hits]
    return [replace(every[n].match, score=score) for n, score in order]


def _searched(
    one: QABot, terms: list[str], k: int, opts: Settings, filters: Filters | None = None
) -> list[Any]:
    answers = opts.answers
    return one.index.current().search(
        terms, k, opts.bm25,
        rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
        filters=filters,
    )  # fmt: skip


def test_contenders_ranked_over_shards_equal_one_indexs_search(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    opts = Settings(corpus=corpus)
    one = QABot.open(corpus, tmp_path / "one")
    # A deletion and a change, so that live statistics differ from what was built.
    story_path(corpus, 3).unlink()
    write_stories(corpus, [5], "second")
    one.reindex()
    shards = [Shard(opts, s, SHARDS) for s in range(SHARDS)]
    for shard in shards:
        shard.update()
    for terms in (["zqbaf", "first"], ["first"], ["second", "first", "first"], ["zqbbb"]):
        merged = _merged(shards, terms, 5, opts)
        assert merged == _searched(one, terms, 5, opts)
        assert merged


WORDS = ["oil", "price", "council", "bridge", "vote", "court", "troop", "summit"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=st.lists(
        st.lists(st.lists(st.sampled_from(WORDS), min_size=2, max_size=20), min_size=1, max_size=3),
        min_size=1,
        max_size=10,
    ),
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
    shards=st.integers(2, 4),
    k=st.integers(1, 8),
)
# Found by this test: "oil" is rarer in the whole corpus than in the shard holding the
# second article, and summing oil, council, vote in the shard's order changed the last bit.
@example(
    articles=[
        [["oil", "oil"]],
        [["oil", "oil", "oil", "price", "price", "price", "council", "vote"]],
    ],
    query=["oil", "council", "vote"],
    shards=3,
    k=1,
)
def test_merged_scores_equal_one_indexs_to_the_last_bit(
    articles: list[list[list[str]]], query: list[str], shards: int, k: int
) -> None:
    # Terms are summed in the corpus-wide order of rarity, never a shard's own: with
    # three terms or more, another order changes the last bit of a score.
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for n, paragraphs in enumerate(articles):
            # One word of its own (never asked for): no two articles are copies, which one
            # index folds into one and shards, each holding one copy, would not.
            first, *rest = (" ".join(p) for p in paragraphs)
            write_article(
                corpus, f"a{n}.txt", f"Title {n}", f"{first} own{n}.", *(f"{p}." for p in rest)
            )
        opts = Settings(corpus=corpus, index=Path(tmp) / "shards")
        one = QABot.open(corpus, Path(tmp) / "one")
        parts = [Shard(opts, s, shards) for s in range(shards)]
        assert _merged(parts, query, k, opts) == _searched(one, query, k, opts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=st.lists(
        st.tuples(
            st.lists(st.sampled_from(WORDS[:4]), min_size=1, max_size=4),
            st.one_of(st.none(), st.integers(1, 5)),
            st.sampled_from(["BBC", "Reuters", "AP"]),
        ),
        min_size=1,
        max_size=12,
    ),
    query=st.lists(st.sampled_from(WORDS[:4]), min_size=1, max_size=3),
    shards=st.integers(2, 4),
    k=st.integers(1, 6),
    since=st.one_of(st.none(), st.integers(1, 5)),
    sources=st.sets(st.sampled_from(["bbc", "AP"]), max_size=1),
)
# Republished copies of one story: equal scores, so the newest must come first across shards.
@example(
    articles=[(["oil", "price"], day, "AP") for day in (1, 5, 3)],
    query=["oil"],
    shards=2,
    k=2,
    since=None,
    sources=set(),
)
def test_filtered_ranked_contenders_equal_one_indexs_filtered_search(
    articles: list[tuple[list[str], int | None, str]],
    query: list[str],
    shards: int,
    k: int,
    since: int | None,
    sources: set[str],
) -> None:
    # Few words and short passages: many equal scores, which recency then orders.
    filters = Filters.of(f"2024-06-{since:02d}" if since else None, None, sources)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for n, (words, day, source) in enumerate(articles):
            dated = f"date: 2024-06-{day:02d}\n" if day else ""
            (corpus / f"a{n:02d}.md").write_text(
                # "own{n}": never asked for, and no two articles are copies (see above).
                f"---\ntitle: Story {n}\n{dated}source: {source}\n---\n{' '.join(words)} own{n}.\n"
            )
        opts = Settings(corpus=corpus, index=Path(tmp) / "shards")
        one = QABot.open(corpus, Path(tmp) / "one")
        parts = [Shard(opts, s, shards) for s in range(shards)]
        plain = replace(opts, answers=replace(opts.answers, article_weight=0.0))
        for chosen, how in product((None, filters), (opts, plain)):  # re-ranked or not
            merged = _merged(parts, query, k, how, chosen)
            assert merged == _searched(one, query, k, how, chosen)
            assert all(chosen is None or chosen.allows(m.article) for m in merged)


def test_a_shard_refuses_a_corpus_it_does_not_see_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted" / "corpus"
    with pytest.raises(ClusterError, match="every node must see the corpus at the same path"):
        build_shard(Settings(corpus=missing), 0, 1, rebuild=False)
    assert not missing.exists()  # its default shard folder was not made inside it
    # A share unmounted under a serving shard: its update refuses, it never empties.
    corpus = _corpus(tmp_path)
    shard = Shard(Settings(corpus=corpus, index=tmp_path / "shards"), 0, 1)
    shutil.rmtree(corpus)
    with pytest.raises(ClusterError, match="is not on the Ray node"):
        shard.update()
    assert shard.stats().articles == 40
