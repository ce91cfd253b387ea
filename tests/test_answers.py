"""Answer choice: question weights, the answering sentence, and when not to answer."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

import pytest

from qabot.analysis import Analyzer
from qabot.answers import QuestionTerms, choose_answer, weigh_question
from qabot.config import AnswerSettings
from qabot.values import Article, Hit

ANALYZER = Analyzer()
#: Answer at any coverage or specificity, so each test looks at one thing.
LENIENT = AnswerSettings(min_coverage=0.0, min_specificity=0.0)


def hit(text: str, score: float = 1.0, rank: int = 1, position: int = 1, name: str = "a") -> Hit:
    article = Article(f"{name}.txt", name.upper(), Path(f"{name}.txt"))
    return Hit(article, position, (position, position), text, score, rank)


def terms_of(
    question: str, n_passages: int = 1000, df: dict[str, int] | None = None
) -> QuestionTerms:
    terms = ANALYZER.terms(question)
    return weigh_question(terms, ANALYZER, n_passages, df or dict.fromkeys(terms, 1))


def choose(
    question: str,
    *hits: Hit,
    settings: AnswerSettings = LENIENT,
    evidence: Collection[str] = (),
    **weighing: object,
) -> tuple[str, int | None]:
    choice = choose_answer(
        question, terms_of(question, **weighing), hits, ANALYZER, settings,  # type: ignore[arg-type]
        (lambda _: evidence) if evidence else None,
    )  # fmt: skip
    return choice.text, choice.source


def test_rare_terms_weigh_more_and_frame_words_are_optional() -> None:
    terms = weigh_question(
        ANALYZER.terms("What did Stoltenberg say about NATO?"), ANALYZER, 100,
        {"stoltenberg": 2, "nato": 40, "say": 60},
    )  # fmt: skip
    assert terms.weights["stoltenberg"] > terms.weights["nato"]
    assert terms.optional == {"say"} and terms.frame == {"say"}
    assert terms.coverage({"stoltenberg"}) == pytest.approx(
        terms.weights["stoltenberg"] / (terms.weights["stoltenberg"] + terms.weights["nato"])
    )
    assert terms.coverage({"stoltenberg", "nato"}) == 1.0


def test_specificity_counts_rare_words_in_units_of_a_one_passage_word() -> None:
    terms = weigh_question(["minsk", "peace"], ANALYZER, 100, {"minsk": 1, "peace": 100})
    assert terms.unit == pytest.approx(math.log(101 / 1.5))
    assert terms.specificity({"minsk"}) == pytest.approx(1.0)
    assert terms.specificity({"peace"}) < 0.05
    assert terms.specificity(set()) == 0.0
    # A follow-up's context makes it specific, though its words are not required.
    follow_up = weigh_question(["peace"], ANALYZER, 100, {"minsk": 1, "peace": 100}, ["minsk"])
    assert follow_up.coverage({"peace"}) == 1.0
    assert follow_up.specificity({"peace", "minsk"}) > 1.0


def test_the_sentence_holding_the_kind_asked_for_wins() -> None:
    passage = "The plant was opened last week, officials said. Angela Merkel opened the plant."
    assert choose("Who opened the plant?", hit(passage))[0] == "Angela Merkel opened the plant."
    no_kinds = replace(LENIENT, kind_weight=0.0)
    assert choose("Who opened the plant?", hit(passage), settings=no_kinds)[0].startswith(
        "The plant"
    )


def test_a_question_in_the_text_is_not_its_own_answer() -> None:
    passage = (
        "How do teams prepare for a new circuit? "
        "Teams prepare for a new circuit with computer simulation."
    )
    question = "How do teams prepare for a new circuit?"
    assert choose(question, hit(passage))[0].endswith("computer simulation.")
    no_penalty = replace(LENIENT, question_penalty=0.0)
    assert choose(question, hit(passage), settings=no_penalty)[0].endswith("circuit?")


def test_a_sentence_that_refers_back_comes_with_the_one_before() -> None:
    passage = "Maria Lopez runs the shelter. She said the shelter needs blankets."
    text, _ = choose("What does the shelter need?", hit(passage))
    assert text == passage
    text, _ = choose(
        "What does the shelter need?", hit(passage), settings=replace(LENIENT, max_sentences=1)
    )
    assert text == "She said the shelter needs blankets."


def test_an_open_quotation_is_shown_to_its_end() -> None:
    passage = 'He said: "We will rebuild the bridge. It will take two years," on Monday.'
    text, _ = choose("What did he say about the bridge?", hit(passage))
    assert text == passage


def test_the_best_passage_weighs_in() -> None:
    first = hit("The council approved the budget.", score=10.0)
    second = hit("The council approved the budget.", score=5.0, rank=2, name="b")
    assert choose("What did the council approve?", first, second)[1] == 0
    # A better sentence from a slightly weaker passage wins …
    second = hit("The council approved the 2025 budget on Friday.", score=9.0, rank=2, name="b")
    assert choose("When did the council approve the budget?", first, second)[1] == 1
    # … unless the passage's rank weighs far more.
    heavy = replace(LENIENT, passage_weight=5.0)
    assert choose("When did the council approve the budget?", first, second, settings=heavy)[1] == 0


def test_the_opening_of_an_article_is_preferred() -> None:
    # "council" is rare and "approve" common: the lead sentence covers nearly all.
    text = "The council met on Monday. The council approved the budget."
    df = {"council": 1, "approv": 500}
    question = "What did the council approve?"
    assert choose(question, hit(text, position=0), df=df)[0] == "The council met on Monday."
    assert choose(question, hit(text, position=3), df=df)[0] == "The council approved the budget."


def test_a_weak_match_is_refused_but_still_points_at_the_best_passage() -> None:
    question = "What did Stoltenberg say about bananas in Peru?"
    hits = [hit("Stoltenberg spoke about Minsk.")]
    choice = choose_answer(question, terms_of(question), hits, ANALYZER, AnswerSettings())
    assert choice.text == "" and choice.source is None
    assert "only part of your question" in choice.reason and choice.confidence < 0.45
    assert choice.best == 0


def test_the_article_counts_as_evidence() -> None:
    question = "What did Stoltenberg say about Minsk?"
    settings = replace(AnswerSettings(), min_specificity=0.0)
    passage = hit("Stoltenberg spoke at length on Thursday.")
    df = {"stoltenberg": 50, "minsk": 1}
    assert choose(question, passage, settings=settings, df=df)[0] == ""
    assert choose(question, passage, settings=settings, evidence={"minsk"}, df=df)[0] != ""


def test_a_question_of_common_words_only_is_too_general() -> None:
    question = "Who is hiring?"
    passage = hit("The federal government is hiring, officials said.")
    settings = AnswerSettings()
    common = {"hire": 300}
    choice = choose_answer(question, terms_of(question, df=common), [passage], ANALYZER, settings)
    assert choice.text == "" and "too general" in choice.reason
    rare = choose_answer(
        question, terms_of(question, df={"hire": 1}), [passage], ANALYZER, settings
    )
    assert rare.text


def test_an_answer_short_of_sure_is_marked_unsure() -> None:
    question = "Who is hiring nurses?"
    passage = hit("The federal government is hiring nurses, officials said.")
    weighed = terms_of(question, df={"hire": 1, "nurs": 1})
    sure = choose_answer(question, weighed, [passage], ANALYZER, AnswerSettings())
    assert sure.text and not sure.unsure
    strict = replace(AnswerSettings(), sure_specificity=5.0)
    assert choose_answer(question, weighed, [passage], ANALYZER, strict).unsure
