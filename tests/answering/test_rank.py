"""The learned short-answer choice: the features it weighs, and what the shipped weights pick."""

from __future__ import annotations

import re

import pytest

from qabot.answering.rank import SentenceView, options, pick
from qabot.answering.shape import analyze_question


def view(question: str, sentence: str, distance: int = 0) -> SentenceView:
    """The sentence with its question words found by plain word equality."""
    shape = analyze_question(question)
    anchors = tuple(
        (m.start(), m.end(), 1.0)
        for m in re.finditer(r"[\w'’-]+", sentence)
        if m.group().casefold() in shape.words
    )
    return SentenceView(sentence, anchors, 1.0, distance)


def features(question: str, sentence: str, text: str) -> dict[str, float]:
    shape = analyze_question(question)
    found = {o.span.text: dict(o.features) for o in options(shape, [view(question, sentence)])}
    return found[text]


def test_the_noun_asked_for_inside_before_or_after_a_name_is_a_feature() -> None:
    hotel = "Spurlock was given the award at the Roosevelt Hotel in Hollywood."
    assert (
        features("In which hotel was Spurlock given the award?", hotel, "Roosevelt Hotel")[
            "focus_inside"
        ]
        == 1.0
    )
    star = "Those charged included Otis Ferry, son of rock star Bryan Ferry."
    assert (
        features("Which rock star's son was charged?", star, "Bryan Ferry")["focus_before"] == 1.0
    )
    company = "Allied Irish Banks, Ireland's biggest company, touched a five-year peak."
    assert (
        features("Which company touched a peak?", company, "Allied Irish Banks")["focus_after"]
        == 1.0
    )


def test_a_possessive_name_is_marked() -> None:
    sentence = "The trial of the chairman of Spain's biggest bank has started in Madrid."
    question = "Where is the trial of the chairman being held?"
    assert features(question, sentence, "Spain")["possessive"] == 1.0
    assert features(question, sentence, "Madrid")["possessive"] == 0.0


@pytest.mark.parametrize(
    ("text", "form"),
    [("3 February", "date"), ("1993", "year"), ("Tuesday", "word"), ("3 p.m.", "clock")],
)
def test_a_time_says_how_precise_it_is(text: str, form: str) -> None:
    sentence = f"The court put the release back until {text}, lawyers said."
    assert (
        features("Until what date was the release put back?", sentence, text)[f"time={form}"] == 1.0
    )


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "In which hotel was Morgan Spurlock given his award?",
            "Spurlock was given the award at a special ceremony at the Roosevelt Hotel in "
            "Hollywood on Tuesday.",
            "Roosevelt Hotel",
        ),
        (
            "Which company is Ireland's biggest by market capitalisation?",
            "Allied Irish Banks, Ireland's biggest company by capitalisation, touched a five "
            "year peak while Bank of Ireland shares rose to their highest level since 2002.",
            "Allied Irish Banks",
        ),
        (
            "How much will next generation games cost to make?",
            "Next generation games will cost between $10-25m to make, said Robert Walsh.",
            "$10-25m",
        ),
    ],
)
def test_the_shipped_weights_pick_the_answer(question: str, sentence: str, expected: str) -> None:
    shape = analyze_question(question)
    chosen = pick(options(shape, [view(question, sentence)]))
    assert chosen is not None and chosen.span.text == expected
