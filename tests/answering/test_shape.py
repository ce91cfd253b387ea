"""Question analysis: the kind of answer asked for, and sentences that offer one."""

from __future__ import annotations

import pytest

from qabot.answering.shape import analyze_question
from qabot.answering.short import offers


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
        ("Which company makes the chips?", "organisation"),
        ("Which party won the most seats?", "organisation"),
        ("Whose car was stolen?", "person"),
        ("Whom did the court fine?", "person"),
        ("What did Stoltenberg say about Minsk", "quote"),
        ("What did the minister warn?", "quote"),
        ("Why did the airline cancel flights?", "reason"),
        ("How did the prisoners escape?", "manner"),
        ("What time did the bomb go off?", "time"),
        ("What day is the vote?", "time"),
        ("Which city will host the games?", "place"),
        ("How old is the pilot?", "number"),
        ("What is the HBO series called?", "person"),  # a name is asked for
        ("What did they call the new ship?", "person"),
        # What a word means is no one's words; nor is what is "incorrectly thought".
        ("What does ctenophore mean in Greek?", "thing"),
        ("What is incorrectly thought about the outer membrane?", "thing"),
        # "Name a …" asks what "what …" asks.
        ("Name a Nobel prize winner from Chicago.", "person"),
        ("What historical figure was Jacksonville named after?", "person"),
        # A call that ends a question about words said is no name asked for.
        ("What did the chairman say about texting compared with the phone call?", "quote"),
        ("Did the minister resign?", None),
        # The first question word decides, not a "when" inside the question.
        ("What satellite was used when the service was launched?", "thing"),
        ("Who is Radu Mazare?", "thing"),
        # The noun asked about, read past its adjectives, says the kind.
        ("What political party is strongest in the suburbs?", "organisation"),
        ("Which German general was of Huguenot ancestry?", "person"),
        ("What rival record labels complained?", "organisation"),
        ("What small coastal towns were flooded?", "place"),
        ("What British satellite enabled the launch?", "thing"),
        ("What topic do private bills have?", "thing"),
        # The last listed noun of the phrase, a verb after it notwithstanding.
        ("Which developer made the original Halo?", "organisation"),
        ("Which US regulator announced the recall?", "organisation"),
        ("In which hotel was Spurlock given the award?", "place"),
        # A figure's noun, past "is the": "what is the population …".
        ("What is the population of Warsaw?", "number"),
        ("What is the applicant admission rate for 2019?", "number"),
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
    ("question", "speaker"),
    [
        ("What was Blair's response to the report?", "Blair"),
        ("What was the response of Union Investment's spokesman to the bid?",
         "Union Investment's spokesman"),
        ("What warning did the chairman of the working party give about the talks?",
         "the chairman of the working party"),
        ("What advice did the doctor give?", "the doctor"),
    ],
)  # fmt: skip
def test_a_statement_asked_for_names_who_made_it(question: str, speaker: str) -> None:
    shape = analyze_question(question)
    assert (shape.kind, " ".join(shape.speaker)) == ("quote", speaker)


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


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How much did the stadium cost?", "money"),
        ("How much was the club paid for the striker?", "money"),
        ("How much is Illva Saronno paying for its stake?", "money"),
        ("How much did Glazer offer for Manchester United?", "money"),
        # A change verb wins over the money cue: the rise (76%), not the new level.
        ("How much did Time Warner's quarterly profits rise?", "change"),
        ("How old is the pilot?", "age"),
        ("How long did the siege last?", "duration"),
        ("How far is the town from the border?", "distance"),
        ("What percentage of voters backed the plan?", "percent"),
        ("How many troops were sent?", "count"),
        ("How much snow fell?", "change"),
        ("How much does she care?", None),
    ],
)
def test_a_number_question_hints_at_its_unit(question: str, unit: str | None) -> None:
    assert analyze_question(question).unit == unit


def test_how_many_names_what_is_counted() -> None:
    assert analyze_question("How many subscribers did AOL lose?").counted == "subscribers"


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("What did Stoltenberg say about Minsk?", ("Stoltenberg",)),
        ("What does the prime minister think of the deal?", ("the", "prime", "minister")),
        ("What has Obama warned?", ("Obama",)),
    ],
)
def test_a_quote_question_keeps_the_speaker(question: str, speaker: tuple[str, ...]) -> None:
    shape = analyze_question(question)
    assert shape.kind == "quote"
    assert shape.speaker == speaker


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Who won the best director award?", True),
        ("What frightened the families?", True),
        ("Who did Obama meet in Cairo?", False),
        ("What did the vault receive?", False),
    ],
)
def test_a_question_word_as_subject(question: str, subject: bool) -> None:
    assert analyze_question(question).asks_for_subject is subject


def test_question_words_shape_the_kind_though_the_index_drops_them() -> None:
    # "who", "when", "where" are stopwords to the index; they still decide the kind.
    shape = analyze_question("When?")
    assert shape.kind == "time"
    assert "when" in shape.words


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("What did Stoltenberg say?", '"We cannot have Minsk 3," Stoltenberg said.', True),
        ("What did Stoltenberg say?", "Stoltenberg spoke in Brussels.", False),
        ("Why did it close?", "The plant closed because of falling demand.", True),
        ("Why did it close?", "The plant closed in March.", False),
        ("How did they escape?", "They escaped by digging a tunnel.", False),  # never typed
    ],
)
def test_a_sentence_offers_a_quotation_or_a_reason(
    question: str, sentence: str, expected: bool
) -> None:
    assert offers(analyze_question(question), sentence) is expected


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("Which US regulator announced the recall?", "regulator"),
        ("In which hotel was he given the award?", "hotel"),
        ("What satellite was used?", "satellite"),
        ("Until what date was the release put back?", "date"),
    ],
)
def test_the_noun_asked_about(question: str, focus: str) -> None:
    assert analyze_question(question).focus == focus


def test_a_persons_response_asks_for_their_words_not_for_a_person() -> None:
    shape = analyze_question("What was the Scottish Executive spokeswoman's response to it?")
    assert (shape.kind, shape.speaker) == ("quote", ("the", "Scottish", "Executive", "spokeswoman"))
    # Not every "what was the …" naming a person and a statement noun.
    assert analyze_question("What was the reason for the minister's warning?").kind == "reason"


@pytest.mark.parametrize(
    "question",
    ["How did the editor sum up the Mac Mini?", "How did the minister justify the cuts?"],
)
def test_summing_up_and_justifying_ask_for_words(question: str) -> None:
    assert analyze_question(question).kind == "quote"


def test_a_sum_is_no_saying() -> None:
    assert analyze_question("What is the sum of the two payments?").kind != "quote"
