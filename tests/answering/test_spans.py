"""Typed spans: what a sentence holds, read once, whatever the question."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from qabot import lexicon
from qabot.answering import spans as spans_module
from qabot.answering.spans import (
    NAME_KINDS,
    NUMBER_START,
    TIME_START,
    Span,
    SpanKind,
    body_start,
    spans,
    spans_of,
)


def kinds(sentence: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for span in spans(sentence):
        assert sentence[span.start : span.end] == span.text  # a span is what it says
        found.setdefault(span.kind, []).append(span.text)
    return found


@pytest.mark.parametrize(
    ("sentence", "kind", "text"),
    [
        ("The plant opened on Tuesday, 3 March 2009.", "time", "Tuesday, 3 March 2009"),
        ("Grunge peaked in the early 1990s.", "time", "the early 1990s"),
        ("It was built in the nineteenth century.", "time", "nineteenth century"),
        ("The talks ended three weeks ago.", "time", "three weeks ago"),
        ("It entered a cell a billion years ago.", "time", "a billion years ago"),
        ("Profits jumped 76% to $1.13bn.", "number", "76%"),
        ("Profits jumped 76% to $1.13bn.", "number", "$1.13bn"),
        ("The 34-year-old pilot landed.", "number", "34-year-old"),
        ("Obama met Egyptian President Hosni Mubarak.", "person", "President Hosni Mubarak"),
        ("Shares in Vodafone Group Plc fell.", "organisation", "Vodafone Group Plc"),
        ("The bomb exploded in Peshawar.", "place", "Peshawar"),
        # A plural organisation word, a word the speaker lists know, a known place.
        ("Allied Irish Banks touched a peak.", "organisation", "Allied Irish Banks"),
        (
            "The National Highway Traffic Safety Administration said so.",
            "organisation",
            "National Highway Traffic Safety Administration",
        ),
        ("Troops left the UK on Monday.", "place", "UK"),
        ("Talks were held with Jordan and New York officials.", "place", "Jordan"),
        ("Games will cost $10-25m to make.", "number", "$10-25m"),
        ("Between 100-120 troops were put on standby.", "number", "100-120"),
        ("The firm was founded by James O. McKinsey in 1926.", "person", "James O. McKinsey"),
        ('"We cannot have Minsk 3," Stoltenberg concluded.', "quote", "We cannot have Minsk 3"),
        ("She left because of the noise.", "reason", "the noise"),
        ("They escaped by digging a tunnel.", "manner", "by digging a tunnel"),
    ],
)
def test_a_sentence_holds_spans_of_each_kind(sentence: str, kind: str, text: str) -> None:
    assert text in kinds(sentence).get(kind, [])


def test_a_nationality_that_is_part_of_a_name_stays() -> None:
    # "Egyptian President Hosni Mubarak" is the president; "the Scottish Executive" is no
    # "Executive" of Scotland's.
    names = {s.text for s in spans("A ban was proposed by the Scottish Executive.")}
    assert "Scottish Executive" in names and "Executive" not in names


def test_numbers_say_what_they_measure() -> None:
    found = {s.text: s.detail for s in spans("Profits jumped 76% to $1.13bn after 3 years.")}
    assert found["76%"] == "percent"
    assert found["$1.13bn"] == "money"
    assert found["3 years"] == "duration"


@pytest.mark.parametrize(
    ("sentence", "text", "measure"),
    [
        ("He was 39 years old.", "39 years old", "age"),
        ("He played at age 39.", "39", "age"),
        ("Aged 45, she retired.", "45", "age"),
        ("It took 39 years to build.", "39 years", "duration"),
        # A period between two times answers "how long" too.
        ("The theatre was in operation from 1870 to 1939.", "1870 to 1939", "duration"),
        ("It ran between 1990 and 1995.", "1990 and 1995", "duration"),
    ],
)
def test_ages_and_periods_are_measured(sentence: str, text: str, measure: str) -> None:
    found = {s.text: s.detail for s in spans(sentence) if s.kind == "number"}
    assert found.get(text) == measure


def test_a_quotation_knows_its_speaker_and_indirect_speech_is_marked() -> None:
    quote = next(s for s in spans('"We will win," the coach said.') if s.kind == "quote")
    assert quote.context.strip() == "the coach"
    reported = next(
        s for s in spans("The minister said that the talks had failed.") if s.kind == "quote"
    )
    assert reported.detail == "reported"
    assert reported.text == "the talks had failed"


def test_a_dateline_is_no_answer() -> None:
    sentence = "LONDON, England (CNN) -- The coach was replaced by Fabio Capello."
    assert sentence[body_start(sentence) :].startswith("The coach")
    assert "LONDON" not in " ".join(s.text for s in spans(sentence))


def test_the_first_word_of_a_sentence_is_no_name_for_being_capitalised() -> None:
    assert "Police" not in kinds("Police said the man fled.").get("person", [])


def test_spans_are_read_once_per_sentence() -> None:
    sentence = "The plant opened in Dresden on Tuesday."
    assert spans(sentence) is spans(sentence)
    assert all(isinstance(s, Span) for s in spans(sentence))


# Sentences that hold every kind, and the corners of the patterns' first characters.
MIXED = [
    'LONDON (CNN) -- On Tuesday, 3 March 2009, Angela Merkel said "we will win" in Dresden.',
    "Profits at Vodafone Group Plc jumped 76% to $1.13bn from 1990 to 1999 because of Asia.",
    "The 34-year-old pilot landed at 3:08 p.m. yesterday, three weeks ago, by using radar.",
    "BenJan 5 and x12 May, US$5, HK$3bn, -one, twice, Sept. 4th, the mid-1990s, next week.",
    "Twenty-first century ideas: a dozen people said that the talks had failed.",
    "It is up to Kyiv to decide, the minister said, after the nineteenth century talks.",
]


@pytest.mark.parametrize("sentence", MIXED)
@pytest.mark.parametrize(
    "kinds",
    [
        frozenset({"time"}),
        frozenset({"number"}),
        frozenset({"quote"}),
        frozenset({"reason"}),
        frozenset({"phrase", "manner"}),
        NAME_KINDS,
        frozenset({"place"}),
        frozenset(get_args(SpanKind)),
    ],
)
def test_spans_of_some_kinds_are_those_of_all_spans(
    sentence: str, kinds: frozenset[SpanKind]
) -> None:
    assert spans_of(sentence, kinds) == tuple(s for s in spans(sentence) if s.kind in kinds)


def test_spans_of_a_kind_read_nothing_that_kind_does_not_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Reading every kind is what made the kind bonus costly: a time is found without
    # reading names, phrases or quotations; a quotation without reading times.
    def unread(*args: object) -> None:
        raise AssertionError("read a kind not asked for")

    sentence = 'On Tuesday Angela Merkel said "we will win" in Dresden because of it.'
    for reader in ("_names", "_phrases", "_quotes"):
        monkeypatch.setattr(spans_module, reader, unread)
    assert [s.text for s in spans_of(sentence, frozenset({"time"}))] == ["Tuesday"]
    assert [s.text for s in spans_of(sentence, frozenset({"reason"}))] == ["it"]
    with pytest.raises(AssertionError):
        spans_of(sentence, frozenset({"person"}))  # a name is read when one is asked for


def test_the_start_tests_find_what_the_patterns_find() -> None:
    # The look-aheads that skip places where no time or number can start must not skip
    # one that does: the word lists of the patterns start with ASCII letters ...
    for name in ("number_words", "number_parts", "ordinals", "relative_days", "time_periods"):
        assert all(re.match(r"[a-z]", w) for w in lexicon.alternation(name).split("|")), name
    for name in ("months", "weekdays"):
        assert all(re.match(r"[A-Za-z]", f) for forms in lexicon.forms(name) for f in forms)
    # ... and the patterns without them find the same matches.
    rx = spans_module._rx()
    bare_time = re.compile(rx.time.pattern.removeprefix(TIME_START))
    bare_number = re.compile(rx.number.pattern.removeprefix(NUMBER_START), re.I)
    assert rx.time.pattern.startswith(TIME_START) and rx.number.pattern.startswith(NUMBER_START)
    for sentence in MIXED:
        assert [m.span() for m in rx.time.finditer(sentence)] == [
            m.span() for m in bare_time.finditer(sentence)
        ]
        assert [m.groupdict() for m in rx.number.finditer(sentence)] == [
            m.groupdict() for m in bare_number.finditer(sentence)
        ]
