"""Question analysis: terms, weights by rarity, optional framing and context words."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pytest

from qabot.analysis import Analyzer
from qabot.index import TermStats
from qabot.query import Query, build_query

ANALYZER = Analyzer()


def query(
    question: str, n_passages: int, df: dict[str, int], context: str | None = None
) -> tuple[Query, list[list[str]]]:
    """The query, and every batch of terms statistics were asked for."""
    asked: list[list[str]] = []

    def statistics(terms: Iterable[str]) -> TermStats:
        asked.append(list(terms))
        return TermStats(n_passages, 100 * n_passages, {t: df.get(t, 0) for t in asked[-1]})

    return build_query(question, ANALYZER, statistics, context), asked


def test_rare_terms_weigh_more_and_frame_words_are_optional() -> None:
    terms, asked = query(
        "What did Stoltenberg say about NATO?", 100, {"stoltenberg": 2, "nato": 40, "say": 60}
    )
    assert asked == [["stoltenberg", "say", "nato"]]  # statistics taken once, for all terms
    assert terms.weights["stoltenberg"] > terms.weights["nato"]
    assert terms.optional == {"say"} and terms.frame == {"say"}
    assert terms.coverage({"stoltenberg"}) == pytest.approx(
        terms.weights["stoltenberg"] / (terms.weights["stoltenberg"] + terms.weights["nato"])
    )
    assert terms.coverage({"stoltenberg", "nato"}) == 1.0
    assert terms.words == {"stoltenberg": "Stoltenberg", "say": "say", "nato": "NATO"}
    assert terms.missing({"stoltenberg"}) == ["NATO"]


def test_specificity_counts_rare_words_in_units_of_a_one_passage_word() -> None:
    terms, _ = query("minsk peace", 100, {"minsk": 1, "peac": 100})
    assert terms.unit == pytest.approx(math.log(101 / 1.5))
    assert terms.specificity({"minsk"}) == pytest.approx(1.0)
    assert 0 < terms.specificity({"peac"}) < 0.05
    assert terms.specificity(set()) == 0.0


def test_a_follow_up_is_read_with_its_context() -> None:
    follow_up, asked = query("and peace?", 100, {"minsk": 1, "peac": 100}, context="minsk")
    assert asked == [["peac", "minsk"]]
    assert follow_up.coverage({"peac"}) == 1.0
    assert follow_up.specificity({"peac", "minsk"}) > 1.0
    # Its own words count twice in the search, so they lead over the context's.
    assert follow_up.bag == ("peac", "peac", "minsk")
    # The shape is read from the context and the follow-up together.
    assert "minsk" in follow_up.shape.words


def test_how_many_and_how_much_shape_the_question_not_its_topic() -> None:
    terms, _ = query("How much did NATO pay?", 100, {"nato": 2, "much": 50, "pay": 10})
    assert terms.frame == {"much"} and "much" in terms.optional
    assert terms.missing({"nato"}) == ["pay"]
