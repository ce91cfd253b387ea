"""Question analysis: the kind of answer asked for, and sentences that offer one."""

from __future__ import annotations

import pytest

from qabot.questions import analyze_question, offers


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people died in the fire?", "number"),
        ("What amount did the club pay?", "number"),
        ("When did the war end?", "time"),
        ("In what year was she born?", "time"),
        ("Where is the volcano?", "place"),
        ("What state did the killings happen in?", "place"),
        ("Who won the election?", "person"),
        ("Which company makes the chips?", "person"),
        ("What is the HBO series called?", None),
        ("What did Stoltenberg say about Minsk", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert analyze_question(question).kind == kind


def test_questions_about_words_said_ask_for_a_quotation() -> None:
    assert analyze_question("What did Stoltenberg say about Minsk").asks_for_quote
    assert analyze_question("What does the lawsuit claim?").asks_for_quote
    # "state" the noun is a place, not a statement.
    assert not analyze_question("What state did the killings happen in?").asks_for_quote
    assert not analyze_question("Where is the volcano?").asks_for_quote


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("How many died?", "Nineteen people died, police said.", True),
        ("How many died?", "At least 19 people died, police said.", True),
        ("How many died in 2009?", "The toll for 2009 is not known.", False),  # asked, not new
        ("How many died?", "Three people died.", True),
        ("When did it open?", "The plant opened on Tuesday.", True),
        ("When did it open?", "The plant opened in March 2011.", True),
        ("When did it open?", "The plant opened to great fanfare.", False),
        ("Where did it open?", "The plant opened in Dresden.", True),
        ("Where did it open in Dresden?", "The plant opened in Dresden.", False),
        ("Who opened the plant?", "The plant was opened by Angela Merkel.", True),
        ("Who opened the plant?", "Officials opened the plant.", False),  # first word only
        ("Who did Obama meet?", "Obama met them.", False),  # the name is the question's
        ("Who opened it?", "DRESDEN, Germany (CNN) -- the plant was opened today.", False),
        ("What is the plant?", "A plant made by Siemens.", False),  # no kind asked for
    ],
)
def test_a_sentence_offers_the_kind_asked_for(question: str, sentence: str, expected: bool) -> None:
    assert offers(analyze_question(question), sentence) is expected
