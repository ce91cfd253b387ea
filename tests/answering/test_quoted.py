"""What someone said: answers from quotations, the "no quotation" reply, the timeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import write_another_story, write_article

from qabot import QABot
from qabot.analysis import Analyzer
from qabot.answering.quoted import about_terms, named_after, speaker_names
from qabot.index import TermStats
from qabot.query import build_query


@pytest.fixture
def bot(tmp_path: Path) -> QABot:
    corpus = tmp_path / "c"
    write_article(
        corpus, "budget.md", "Budget row",
        "Finance Minister Anna Berg presented the budget on Tuesday.",
        '"This budget protects the harbour and the schools, the hospitals and the roads '
        "that every family in this country uses every single day of the year. It raises no "
        "taxes and it cuts the deficit by a third over the next four years, which no "
        'government has managed since the war," Ms Berg told parliament.',
        'Opposition leader Carl Holm said: "The budget is a fantasy built on hope."',
    )  # fmt: skip
    (corpus / "budget.md").write_text(
        "---\ndate: 2024-03-05\n---\n" + (corpus / "budget.md").read_text(), encoding="utf-8"
    )
    write_article(
        corpus, "harbour.md", "Harbour sale",
        'Anna Berg said: "The harbour will never be sold while I am minister."',
        "The port workers' union welcomed her words.",
    )  # fmt: skip
    (corpus / "harbour.md").write_text(
        "---\ndate: 2023-11-20\n---\n" + (corpus / "harbour.md").read_text(), encoding="utf-8"
    )
    write_article(
        corpus, "copy.txt", "Harbour sale (wire copy)",
        'Anna Berg said: "The harbour will never be sold while I am minister."',
    )  # fmt: skip
    return QABot.open(corpus, tmp_path / "index")


def test_a_say_question_is_answered_from_the_speakers_own_words(bot: QABot) -> None:
    answer = bot.ask("What did Berg say about taxes?")
    assert answer.found and not answer.unsure
    assert "Ms Berg told parliament" in answer.text  # the quotation with its attribution
    # A long quotation is trimmed to its sentence about the topic.
    assert (
        answer.short == "It raises no taxes and it cuts the deficit by a third over the "
        "next four years, which no government has managed since the war"
    )
    assert answer.short_span is not None
    assert answer.text[answer.short_span[0] : answer.short_span[1]] == answer.short
    assert answer.passages[0].article.id == "budget.md"


def test_react_and_response_questions_take_the_same_road(bot: QABot) -> None:
    for question in ("How did Holm react to the budget?", "What was Holm's response to it?"):
        answer = bot.ask(question)
        assert answer.short == "The budget is a fantasy built on hope.", question


def test_no_quotation_about_the_topic_is_said_rather_than_someone_elses_words(
    bot: QABot,
) -> None:
    answer = bot.ask("What did Holm say about the harbour?")
    # Berg spoke about the harbour; Holm did not: qabot does not answer with Berg's words.
    assert not answer.found
    assert answer.reason == "No quotation of Holm about harbour in the indexed articles."
    assert answer.passages  # the closest passages are still shown
    assert "No quotation of Holm about harbour" in str(answer)


def test_the_timeline_is_dated_oldest_first_with_copies_folded(bot: QABot) -> None:
    quotes = bot.quotes("Anna Berg")
    assert [q.article.id for q in quotes] == ["harbour.md", "budget.md"]
    harbour, budget = quotes
    assert harbour.published is not None and harbour.published.isoformat() == "2023-11-20"
    # The wire copy reports the same words (undated): one entry citing both stories.
    assert [a.id for a in harbour.also] == ["copy.txt"]
    assert budget.text.startswith("This budget protects the harbour")
    assert [q.article.id for q in bot.quotes("berg", about="harbour")] == [
        "harbour.md", "budget.md",
    ]  # fmt: skip
    assert bot.quotes("Berg", about="deficit") == [budget]
    assert bot.quotes("Berg", since="2024-01-01") == [budget]
    assert bot.quotes("Nobody Known") == []
    assert "“The harbour will never be sold" in str(harbour)
    assert harbour.to_dict()["also"][0]["id"] == "copy.txt"


def test_an_over_time_question_routes_to_the_timeline(bot: QABot) -> None:
    answer = bot.ask("What has Berg said about the harbour over time?")
    assert [q.article.id for q in answer.quotations] == ["harbour.md", "budget.md"]
    assert answer.text.startswith("Anna Berg about harbour: 2 statements")
    shown = str(answer)
    assert shown.index("never be sold") < shown.index("This budget protects")
    assert answer.to_dict()["quotations"][0]["speaker"] == "Anna Berg"


@pytest.fixture
def story_bot(tmp_path: Path) -> QABot:
    corpus = tmp_path / "c"
    write_article(
        corpus, "ferry.md", "Islanders fight ferry cuts",
        "Councillor Ruth Dale has urged the ministry to keep the winter ferry to Inchmore, "
        "whose timetable is to be halved in January.",
        'Speaking at a packed meeting in the village hall, she said: "I have lived here '
        'all my life. "I will do whatever it takes to keep this island connected."',
        "Transport Minister Paul Greer said he was confident a compromise could be found. "
        '"We will look again at the winter months," Mr Greer said.',
        "The ferry operator declined to comment, and a ministry spokeswoman said the "
        "review would report in March.",
        "Ferrylink spokesman Tom Reid was at the meeting.",
        '"No decision has been taken yet," Mr Reid told the paper.',
    )  # fmt: skip
    return QABot.open(corpus, tmp_path / "index")


def test_a_speakers_words_in_a_story_about_the_topic_answer_it(story_bot: QABot) -> None:
    # Her words never name the ferry; the story's opening paragraph is about it.
    answer = story_bot.ask("What did Ruth Dale say about the winter ferry to Inchmore?")
    assert answer.found and answer.passages[0].article.id == "ferry.md"
    assert answer.short == "I have lived here all my life."
    # The quotation goes on as the reader meets it: her next quoted sentence too.
    assert "I will do whatever it takes to keep this island connected." in answer.text


def test_a_reporters_summary_gives_way_to_the_words_that_follow_it(story_bot: QABot) -> None:
    answer = story_bot.ask("How did Paul Greer react to the ferry timetable being halved?")
    assert answer.short == "We will look again at the winter months,".rstrip(",")
    # The summary his words were found by leads them in, as the reader met them.
    answer = story_bot.ask("What did Paul Greer say about a compromise?")
    assert answer.short == "We will look again at the winter months"
    assert answer.text.startswith(
        "Transport Minister Paul Greer said he was confident a compromise could be found. "
        '"We will look again at the winter months," Mr Greer said.'
    )
    assert answer.short_span is not None
    assert answer.text[answer.short_span[0] : answer.short_span[1]] == answer.short


def test_someone_named_by_office_is_the_name_written_after_the_office() -> None:
    texts = ["Wal-Mart spokesman Guy Whitcomb told the paper.", "ITV's controller of "
             "entertainment Claudia Rosencrantz said so."]  # fmt: skip
    # A question's possessive ("Wal-Mart's spokesman") is often not the article's.
    assert named_after(["Wal-Mart's", "spokesman"], texts) == ["Guy Whitcomb"]
    assert named_after(["ITV's", "controller", "of", "entertainment"], texts) == [
        "Claudia Rosencrantz"
    ]


def test_someone_named_by_office_may_be_named_before_it() -> None:
    texts = [
        "His enthusiasm is undimmed, Alan Milburn, Labour's election strategist told Radio 4.",
        '"Why target the airlines?" said Ulrich Schulte-Strathaus, secretary general of the '
        "Association of European Airlines.",
    ]
    assert named_after(["Labour's", "election", "strategist"], texts) == ["Alan Milburn"]
    # The organisation named, whatever the office is called there.
    head = ["the", "head", "of", "the", "Association", "of", "European", "Airlines"]
    assert named_after(head, texts) == ["Ulrich Schulte-Strathaus"]
    assert named_after(["the", "head", "of", "the", "Association", "of", "Pilots"], texts) == []


def test_a_speaker_named_with_where_they_work_is_found_by_the_name() -> None:
    assert speaker_names(["Sung", "Won", "Sohn", "of", "Wells", "Fargo"])[:2] == [
        "Sung Won Sohn of Wells Fargo",
        "Sung Won Sohn",
    ]


def test_words_in_the_passage_the_question_found_are_about_its_topic(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "fuel.txt", "Jet fuel tax",
        "Ministers want to tax jet fuel to pay for development aid. Ulrich Schulte-Strathaus, "
        'head of the airlines association, said: "Why target the airlines?"',
        'Mr Schulte-Strathaus also said: "Our fleet is the youngest in the world."',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("How did Schulte-Strathaus react to taxing jet fuel for aid?")
    # His words do not repeat the topic; the passage the question found first does.
    assert answer.short == "Why target the airlines?"


def test_the_speakers_words_in_the_article_the_question_found_first_answer_it(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "lane.txt", "Lane doubt over Open bid",
        "Mark Lane is almost certain to miss the Open after tearing a groin muscle on "
        "Sunday, and he is unlikely to manage a match at the event.",
        "The 28-year-old flew home for scans, whose results are due within two weeks. His "
        "coach cancelled the training camp in Spain, and his sponsor will wait for the "
        "results before any decision on the rest of the season. The national federation "
        "has asked for a report by Friday, and the selectors will meet to pick a replacement.",
        "Lane has had a run of injuries since he turned professional: a broken wrist in his "
        "first season, a back problem that kept him out of the clay courts for a summer, "
        "and an ankle sprain at the indoor event in Rotterdam last winter. He has still "
        "climbed to eleventh in the rankings, his highest place so far.",
        '"He has to strengthen it enough to cope with repetitive days of tennis," said '
        'tournament doctor Hamish Ward. "It would be very unlikely in my opinion for him '
        'to play five sets once, let alone on consecutive days."',
    )  # fmt: skip
    write_article(
        corpus, "clinic.txt", "Clinic opens",
        'Hamish Ward said: "The new clinic will treat five hundred patients a week."',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask(
        "According to the tournament doctor, how likely is Lane to manage a five-set match "
        "within two weeks?"
    )
    # His words hold few of the question's; the story the question found first is about
    # it in its own words, and quotes him.
    assert answer.found and answer.unsure
    assert answer.passages[0].article.id == "lane.txt"
    assert answer.short.startswith("It would be very unlikely in my opinion")


def test_quoted_words_inside_reported_speech_are_not_an_answer_of_their_own(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "return.txt", "Adviser returns to campaign",
        "Former press chief Tom Hale will return to the party's campaign team.",
        "Culture Secretary Ruth Lowe welcomed the news. But she said his return would not "
        'put anybody else\'s "nose out of joint". "This is the daft thing about the way '
        'politics is written about," Ms Lowe added. "There is room for everybody."',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask(
        "How did the Culture Secretary respond to suggestions that Hale's return would "
        "put noses out of joint?"
    )
    # Not the three words in quotation marks, but what she said, and her own words on it.
    assert answer.short != "nose out of joint"
    assert "There is room for everybody." in answer.text


def test_a_summary_gives_way_to_the_words_that_repeat_what_it_quotes(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "crown.txt", "Peers debate succession law",
        "Lord Dale's bill would end the right of male heirs to succeed to the crown.",
        "Ann Pike of the Reform Society said the change was \"long overdue\".",
        '"In 1998 the government said it supported the idea in principle. Mrs Pike '
        'added: "This is long overdue. Parliament will have to do it eventually."',
    )  # fmt: skip
    write_article(
        corpus, "ferry.txt", "Ferry cuts", 'Councillor Ruth Dale said: "The ferry must stay."'
    )
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("What did Ann Pike say about Lord Dale's bill to change succession?")
    assert answer.short.startswith("This is long overdue.")


def test_a_word_of_speech_after_the_questions_own_verb_is_part_of_the_topic(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "mac.txt", "Apple unveils a cheaper Mac",
        "Apple has unveiled a cheaper Mac aimed at Windows users. "
        '"It\'s the newest and most affordable Mac ever," Steve Jobs told the show. "People '
        'who are thinking of switching will have no more excuses," he added.',
    )  # fmt: skip
    write_another_story(corpus)
    bot = QABot.open(corpus, tmp_path / "index")
    # "say" frames the question; "thinking" is what the users do.
    answer = bot.ask("What did Steve Jobs say about Windows users thinking of switching to a Mac?")
    assert answer.short == "People who are thinking of switching will have no more excuses"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What did Roy Hodgson tell BBC Sport about the winter break?", ["winter", "break"]),
        ("What did Anna Berg tell reporters about the harbour?", ["harbour"]),
        ("What did Anna Berg say about what she told the council?", ["told", "council"]),
        ("What has Berg said about the harbour over time?", ["harbour"]),
        ("How did Berg sum up the harbour plan?", ["harbour", "plan"]),
    ],
)
def test_the_topic_is_not_whom_the_speaker_told_nor_the_questions_framing(
    question: str, topic: list[str]
) -> None:
    analyzer = Analyzer()
    query = build_query(
        question, analyzer, lambda terms: TermStats(10, 1000, dict.fromkeys(terms, 1))
    )
    assert about_terms(query, analyzer) == [analyzer.term(w) for w in topic]


def test_a_phrase_someone_calls_a_thing_answers_how_they_described_it(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "nhs.txt", "Waiting time target criticised",
        "Health minister Jane Hutt set a new waiting time target of twelve months.",
        "For the Liberal Democrats, Kirsty Williams called the new target \"hugely "
        'unambitious". "It leaves patients waiting two years," she said.',
    )  # fmt: skip
    write_another_story(corpus)
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("How did Kirsty Williams describe Jane Hutt's new waiting time target?")
    assert answer.short == "hugely unambitious"


def test_a_reaction_is_told_by_its_words_of_feeling(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "chart.txt", "Download chart delayed",
        "The inclusion of downloads in the official singles chart has been delayed.",
        '"Downloads in the official singles chart are a change for the chart," BPI chairman '
        'Peter Jamieson said. "I am very pleased we have secured this delay for the chart," '
        "he added.",
    )  # fmt: skip
    write_another_story(corpus)
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("How did the BPI chairman react to the delay of downloads in the chart?")
    assert answer.short == "I am very pleased we have secured this delay for the chart"
    # Asked what he said, the words holding most of the question come first.
    answer = bot.ask("What did the BPI chairman say about downloads in the official chart?")
    assert answer.short.startswith("Downloads in the official singles chart")


def test_the_speakers_words_in_an_article_on_the_topic_found_among_the_first(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "plan.txt", "Jet fuel tax for development aid",
        "Ministers want to tax jet fuel to pay for development aid. A tax on jet fuel would "
        "raise billions for development aid, and airline chiefs such as Ulrich "
        "Schulte-Strathaus are expected to oppose the jet fuel tax. The jet fuel tax would "
        "pay for development aid in Africa.",
    )  # fmt: skip
    background = (
        "The carriers flew more passengers this winter than in any winter before, and their "
        "fleets grew by a tenth while ticket prices fell again across Europe and Asia, "
        "analysts said in their yearly review of the industry's accounts."
    )
    write_article(
        corpus, "airlines.txt", "Airlines attack levy",
        "Airlines had a record winter.",
        "The plan to tax jet fuel to pay for development aid angered the whole industry.",
        *[background] * 6,
        'Ulrich Schulte-Strathaus, head of the airlines association, said: "Of course we '
        'applaud humanitarian initiatives, but why target the airlines?"',
    )  # fmt: skip
    write_another_story(corpus)
    bot = QABot.open(corpus, tmp_path / "index")
    # The story found first does not quote him; the next one, on the topic in its own
    # words, does (far from where it names the topic).
    answer = bot.ask(
        "How did Schulte-Strathaus react to taxing jet fuel to pay for development aid?"
    )
    assert answer.passages[0].article.id == "airlines.txt"
    assert (
        answer.short
        == "Of course we applaud humanitarian initiatives, but why target the airlines?"
    )


def test_a_country_and_its_people_are_one_topic(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "downfall.txt", "Hitler film may get US release",
        '"Hollywood does not like foreign-language films," said Tim Dams, news editor of '
        'Screen International. "It is not an inflammatory film. It has done very well in '
        'Germany," he added.',
    )  # fmt: skip
    write_another_story(corpus)
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("What did Tim Dams say about the German film?")
    assert answer.short == "It is not an inflammatory film. It has done very well in Germany"


def test_words_someone_denied_are_answered_with_the_denial(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "drama.txt", "Muslim group attacks TV drama 24",
        "The Muslim Council of Britain complained about the drama.",
        "But Sky denied the programme breached broadcasting guidelines.",
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("What did Sky say about the broadcasting guidelines?")
    # The clause alone would say the opposite of what Sky said.
    assert answer.short == "denied the programme breached broadcasting guidelines"
    assert answer.short_span is not None
    assert answer.text[answer.short_span[0] : answer.short_span[1]] == answer.short
