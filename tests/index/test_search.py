"""Search: re-ranking with article evidence, filters inside the top k, recency among ties."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.corpus import write_article
from support.scoring import docs_strategy, query_strategy, reference, snapshot_of

from qabot import Article, QABot, Settings
from qabot.config import AnswerSettings, BM25Settings, PassageSettings
from qabot.dates import day_number
from qabot.filters import Filters
from qabot.index import Snapshot
from qabot.index.bm25 import article_score
from qabot.index.search import newest_first

IDF = {"minsk": 3.0, "nato": 1.0}
#: Each paragraph of the test stories its own passage.
ONE_PER_PARAGRAPH = Settings(passages=PassageSettings(min_words=1, max_words=120))


def test_article_score_is_bm25_over_the_whole_article() -> None:
    # Article length equals the average: BM25 with k1 = 1.2 gives tf·2.2 / (tf + 1.2).
    once = article_score({"minsk": 2}, {"minsk": 1}, IDF, 100, 100.0)
    assert once == pytest.approx(3.0 * 2 * 2.2 / (2 + 1.2))
    assert article_score({"minsk": 2}, {"minsk": 2}, IDF, 100, 100.0) == pytest.approx(2 * once)
    # Terms the query does not hold add nothing; longer articles need more matches.
    assert article_score({"minsk": 2, "nato": 5}, {"minsk": 1}, IDF, 100, 100.0) == once
    assert article_score({"minsk": 1}, {"minsk": 1}, IDF, 400, 100.0) < article_score(
        {"minsk": 1}, {"minsk": 1}, IDF, 50, 100.0
    )


@pytest.fixture
def two_stories(tmp_path: Path) -> Path:
    folder = tmp_path / "c"
    write_article(
        folder, "summit.txt", "Summit",
        "Leaders met in Vilnius for the NATO summit.",
        "The summit ended with a pledge on air defence for Ukraine.",
    )  # fmt: skip
    write_article(
        folder, "trade.txt", "Trade fair",
        "A trade fair in Vilnius drew crowds on Tuesday.",
        "Exhibitors showed drones and air defence radars.",
    )  # fmt: skip
    return folder


def test_matches_carry_the_question_terms_counts(two_stories: Path, tmp_path: Path) -> None:
    bot, snapshot = _opened(two_stories, tmp_path)
    terms = bot.analyzer.terms("Vilnius summit air defence")
    matches = snapshot.search(terms, 10, bot.settings.bm25)
    assert len(matches) == 4
    for match in matches:
        assert set(match.counts) <= set(terms) and all(n > 0 for n in match.counts.values())
        assert match.counts == dict(
            (t, n) for t in set(terms) if (n := bot.analyzer.terms(match.passage.text).count(t))
        )


def test_a_passage_whose_article_matches_elsewhere_too_moves_up(
    two_stories: Path, tmp_path: Path
) -> None:
    bot, snapshot = _opened(two_stories, tmp_path)
    terms = bot.analyzer.terms("Vilnius pledge Ukraine drones radars")
    plain = snapshot.search(terms, 4, bot.settings.bm25)
    reranked = snapshot.search(terms, 4, bot.settings.bm25, rerank_depth=30, article_weight=1.0)
    assert {m.passage.text for m in plain} == {m.passage.text for m in reranked}
    # Re-ranking adds each article's evidence: both passages of an article gain alike.
    gains = {(m.article.id, m.passage.position): m.score for m in reranked}
    for m in plain:
        assert gains[(m.article.id, m.passage.position)] > m.score
    without = snapshot.search(terms, 4, bot.settings.bm25, rerank_depth=30, article_weight=0.0)
    assert [m.score for m in without] == [m.score for m in plain]


def test_article_evidence_finds_terms_in_any_passage(two_stories: Path, tmp_path: Path) -> None:
    bot, snapshot = _opened(two_stories, tmp_path)
    terms = bot.analyzer.terms("NATO Ukraine drones")
    matches = snapshot.search(terms, 4, bot.settings.bm25)
    summit = [m for m in matches if m.article.id == "summit.txt"]
    trade = [m for m in matches if m.article.id == "trade.txt"]
    assert summit and all(m.article_terms == {"nato", "ukrain"} for m in summit)
    assert trade and all(m.article_terms == {"drone"} for m in trade)
    assert any(m.article_terms > frozenset(m.counts) for m in summit)


def test_the_passage_the_answer_comes_from_is_cited_first(
    tmp_path: Path, open_bot: Callable[..., QABot]
) -> None:
    folder = tmp_path / "c"
    # BM25 puts the first passage on top (the question's words, twice); the answer, the
    # passage naming who, comes second.
    write_article(folder, "a.txt", "A", "The bridge reopened. The bridge reopened to traffic.")
    write_article(folder, "b.txt", "B", "Mayor Ana Lopez reopened the bridge.")
    write_article(folder, "c.txt", "C", "Rain fell on the city.")
    answers = AnswerSettings(min_specificity=0.0, lead_weight=0.0, article_weight=0.0)
    bot = open_bot(folder, settings=replace(Settings(), answers=answers))
    assert [h.article.id for h in bot.search("Who reopened the bridge?", 2)] == ["a.txt", "b.txt"]
    answer = bot.ask("Who reopened the bridge?")
    assert answer.text == "Mayor Ana Lopez reopened the bridge."
    assert answer.source == 0 and answer.passages[0].article.id == "b.txt"
    assert [h.rank for h in answer.passages] == [1, 2]


def _opened(corpus: Path, tmp_path: Path) -> tuple[QABot, Snapshot]:
    bot = QABot.open(corpus, tmp_path / "index", settings=ONE_PER_PARAGRAPH)
    return bot, bot.index.current()


# -- filters and recency ------------------------------------------------------------------------
def _dated(article_id: str) -> Article:
    """Article ``aNNNN``: dated day NNNN % 7 of June 2024 (none on day 0), from one of 3 sources."""
    n = int(article_id[1:])
    day = n % 7
    source = ("BBC", "bbc", "Reuters", None)[n % 4]
    when = f"{day} June 2024" if day else None
    return Article(article_id, article_id, Path(article_id), date=when, source=source)


@settings(max_examples=150, deadline=None)
@given(
    docs=docs_strategy,
    query=query_strategy,
    k=st.integers(1, 8),
    since=st.one_of(st.none(), st.integers(1, 6)),
    until=st.one_of(st.none(), st.integers(1, 6)),
    sources=st.sets(st.sampled_from(["bbc", "REUTERS", "AP"]), max_size=2),
    cut=st.integers(0, 25),
)
def test_a_filtered_top_k_is_the_top_k_of_the_allowed_passages_with_corpus_statistics(
    docs: list[list[str]],
    query: list[str],
    k: int,
    since: int | None,
    until: int | None,
    sources: set[str],
    cut: int,
) -> None:
    if since is not None and until is not None and since > until:
        since, until = until, since
    filters = Filters.of(
        date(2024, 6, since) if since else None, f"2024-06-{until:02d}" if until else None, sources
    )
    cut %= len(docs) + 1
    snap = snapshot_of([p for p in (docs[:cut], docs[cut:]) if p], article=_dated)
    s = BM25Settings()
    ids = [f"a{i:04d}" for i in range(len(docs))]
    # Brute force: every passage scored with the whole corpus's statistics, then the allowed
    # ones holding a query term ranked (ties: the newer story, then the lower id).
    scores = reference(docs, query, s)
    allowed = [
        i for i in range(len(docs)) if set(docs[i]) & set(query) and filters.allows(_dated(ids[i]))
    ]
    day = {i: day_number(_dated(ids[i]).published) for i in allowed}
    expected = sorted(allowed, key=lambda i: (-round(scores[i], 9), -day[i], ids[i]))[:k]
    got = snap.search(query, k, s, filters=filters)
    assert [m.article.id for m in got] == [ids[i] for i in expected]
    assert all(filters.allows(m.article) for m in got)
    for match, i in zip(got, expected, strict=True):
        assert match.score == pytest.approx(scores[i], abs=1e-9)
    # The statistics the scores come from stay those of the whole corpus.
    assert snap.statistics(query).n_passages == len(docs)


def test_an_article_without_a_date_is_left_out_by_a_date_range_only() -> None:
    snap = snapshot_of([[["x"], ["x"], ["x"]]], article=_dated)  # a0000 has no date
    s = BM25Settings()
    assert [m.article.id for m in snap.search(["x"], 5, s, filters=Filters.of("2024-06-01"))] == [
        "a0002", "a0001",
    ]  # fmt: skip
    everyone = snap.search(["x"], 5, s, filters=Filters.of(sources=["bbc"]))
    assert {m.article.id for m in everyone} == {"a0000", "a0001"}  # BBC and bbc, dated or not


def test_equally_good_passages_go_to_the_newest_story_then_the_lower_id() -> None:
    dates = {"a0000": "2024-06-01", "a0001": "2024-06-12", "a0002": None, "a0003": "2024-06-12"}

    def article(article_id: str) -> Article:
        return Article(article_id, article_id, Path(article_id), date=dates[article_id])

    # Four copies of one wire story (equal scores) and a better passage, in two segments.
    snap = snapshot_of([[["x", "y"]] * 2, [["x", "y"]] * 2, [["x", "x", "y"]]], article=lambda i: (
        article(i) if i in dates else Article(i, i, Path(i))
    ))  # fmt: skip
    order = [m.article.id for m in snap.search(["x", "y"], 5, BM25Settings())]
    assert order == ["a0004", "a0001", "a0003", "a0000", "a0002"]
    # The cut at k keeps the newest of the tied copies.
    assert [m.article.id for m in snap.search(["x", "y"], 2, BM25Settings())] == ["a0004", "a0001"]


def test_ties_within_a_run_are_ordered_by_day_and_otherwise_left_alone() -> None:
    scores = [5.0, 5.0 - 1e-12, 5.0 - 1e-12, 4.0, 4.0, 4.0 - 1e-6]
    assert newest_first(scores, [10, 30, 20, 0, 0, 9]) == [1, 2, 0, 3, 4, 5]
    assert newest_first(scores, [0, 5, 5, 0, 3, 0]) == [1, 2, 0, 4, 3, 5]
    assert newest_first(scores, [7] * 6) == [0, 1, 2, 3, 4, 5]
