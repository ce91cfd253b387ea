"""One shard, without Ray: its own articles only, its candidates merged as one index ranks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from support.corpus import story_path, write_stories

from qabot import QABot
from qabot.cluster.shard import Shard, build_shard
from qabot.cluster.sharding import shard_of
from qabot.config import Settings
from qabot.index import TermStats, merge
from qabot.index.bm25 import bm25_weights

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
        assert {shard_of(a, SHARDS) for a in report.added} == {shard}
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


def test_candidates_merged_over_shards_equal_one_indexs_search(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = Settings(corpus=corpus)
    one = QABot.open(corpus, tmp_path / "one")
    # A deletion and a change, so that live statistics differ from what was built.
    story_path(corpus, 3).unlink()
    write_stories(corpus, [5], "second")
    one.reindex()
    shards = [Shard(settings, s, SHARDS) for s in range(SHARDS)]
    for shard in shards:
        shard.update()
    answers = settings.answers
    for terms in (["zqbaf", "first"], ["first"], ["second", "first", "first"], ["zqbbb"]):
        expected = one.index.current().search(
            terms, 5, settings.bm25,
            rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
        )  # fmt: skip
        stats = [s.statistics(terms) for s in shards]
        df = Counter[str]()
        for found in stats:
            df.update(found.df)
        total = TermStats(
            sum(s.n_passages for s in stats), sum(s.total_length for s in stats), dict(df)
        )
        weights = bm25_weights(
            settings.bm25, total.n_passages, total.total_length,
            {t: df[t] for t in dict.fromkeys(terms)}, dict,
        )  # fmt: skip
        depth = max(5, answers.rerank_depth)
        found = [
            s.candidates(terms, depth, weights, dict(df), st.generation)
            for s, st in zip(shards, stats, strict=True)
        ]
        merged = merge(
            found, terms, 5, total, sum(s.n_articles for s in stats),
            rerank_depth=answers.rerank_depth, article_weight=answers.article_weight,
        )  # fmt: skip
        assert merged == expected
        assert merged
