"""Re-ranking with article evidence: the maths, the matches, and what QABot cites first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import QABot, Settings
from qabot.config import AnswerSettings, PassageSettings
from qabot.index import Snapshot
from qabot.index.bm25 import article_score

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
