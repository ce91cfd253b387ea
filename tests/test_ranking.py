"""Re-ranking with article evidence: the maths, the candidates, and what QABot cites first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import QABot, Settings
from qabot.config import AnswerSettings, PassageSettings
from qabot.ranking import Candidate, article_evidence, gather, rerank
from qabot.snapshot import Ref, Snapshot
from qabot.store import read_snapshot

WEIGHTS = {"minsk": 3.0, "nato": 1.0}
#: Each paragraph of the test stories its own passage.
ONE_PER_PARAGRAPH = Settings(passages=PassageSettings(min_words=1, max_words=120))


def candidate(passage: int, score: float, article: int, **counts: int) -> Candidate:
    return Candidate(Ref(0, passage, score), (0, article), counts, 100)


def order(
    candidates: list[Candidate],
    settings: AnswerSettings,
    terms: tuple[str, ...] = ("minsk", "nato"),
) -> list[int]:
    return [ref.passage for ref in rerank(candidates, terms, WEIGHTS, 100.0, settings)]


def test_a_passage_whose_article_matches_elsewhere_too_moves_up() -> None:
    lone = candidate(0, 5.0, article=1, minsk=1)
    backed = candidate(1, 4.5, article=2, minsk=1)
    sibling = candidate(2, 2.0, article=2, minsk=1, nato=2)
    assert order([lone, backed, sibling], AnswerSettings()) == [1, 0, 2]
    # Without article evidence BM25's order stands.
    assert order([lone, backed, sibling], AnswerSettings(article_weight=0.0)) == [0, 1, 2]


def test_scores_add_the_weighted_article_bm25() -> None:
    only = candidate(0, 2.0, article=1, minsk=2)
    (ref,) = rerank([only], ("minsk",), WEIGHTS, 100.0, AnswerSettings(article_weight=0.5))
    # Article length equals the average: BM25 with k1 = 1.2 gives tf·2.2 / (tf + 1.2).
    assert ref.score == pytest.approx(2.0 + 0.5 * 3.0 * 2 * 2.2 / (2 + 1.2))
    (twice,) = rerank(
        [only], ("minsk", "minsk"), WEIGHTS, 100.0, AnswerSettings(article_weight=0.5)
    )
    assert twice.score - 2.0 == pytest.approx(2 * (ref.score - 2.0))


def test_longer_articles_need_more_matches() -> None:
    short = Candidate(Ref(0, 0, 1.0), (0, 1), {"minsk": 1}, 50)
    long = Candidate(Ref(0, 1, 1.0), (0, 2), {"minsk": 1}, 400)
    assert [
        r.passage for r in rerank([long, short], ("minsk",), WEIGHTS, 100.0, AnswerSettings())
    ] == [0, 1]


def test_ties_keep_the_bm25_order() -> None:
    a, b = candidate(0, 1.0, article=1, minsk=1), candidate(1, 1.0, article=2, minsk=1)
    assert order([a, b], AnswerSettings()) == [0, 1]
    assert order([b, a], AnswerSettings()) == [1, 0]


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


def test_gather_counts_question_terms_and_article_lengths(
    two_stories: Path, tmp_path: Path
) -> None:
    bot, snapshot = _opened(two_stories, tmp_path)
    terms = bot.analyzer.terms("Vilnius summit air defence")
    refs = snapshot.search(terms, 10, bot.settings.bm25)
    candidates = gather(snapshot, refs, terms)
    assert len(candidates) == len(refs) == 4
    for c in candidates:
        assert set(c.counts) <= set(terms) and all(n > 0 for n in c.counts.values())
        assert c.article_length > sum(c.counts.values())
    by_article: dict[tuple[int, int], set[int]] = {}
    for c in candidates:
        by_article.setdefault(c.article, set()).add(c.article_length)
    assert len(by_article) == 2 and all(len(lengths) == 1 for lengths in by_article.values())


def test_article_evidence_finds_terms_in_any_passage(two_stories: Path, tmp_path: Path) -> None:
    _, snapshot = _opened(two_stories, tmp_path)
    assert article_evidence(snapshot, "summit.txt", {"nato", "ukrain", "drone"}) == {
        "nato",
        "ukrain",
    }
    assert article_evidence(snapshot, "missing.txt", {"nato"}) == frozenset()


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
    snapshot = read_snapshot(tmp_path / "index", corpus)
    assert snapshot is not None
    return bot, snapshot
