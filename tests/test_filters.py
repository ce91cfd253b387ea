"""Filters: checked values from callers, and the same filters written into a chat message."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from qabot.errors import FilterError, QABotError
from qabot.filters import Filters, split_filters
from qabot.values import Article


def test_dates_are_dates_or_iso_text_and_sources_are_folded() -> None:
    filters = Filters.of("2024-05-01", datetime(2024, 6, 30, 12), ["BBC", " Le  Monde "])
    assert filters == Filters(date(2024, 5, 1), date(2024, 6, 30), frozenset({"bbc", "le monde"}))
    assert Filters.of(sources="BBC").sources == {"bbc"}  # one name as a string
    assert not Filters.of() and Filters.of(sources=["x"]) and Filters.of(until="2024-01-01")


@pytest.mark.parametrize(
    ("kwargs", "name", "words"),
    [
        ({"since": "12/06/2024"}, "since", "'12/06/2024' is not a date (use YYYY-MM-DD)"),
        ({"until": "2024-02-30"}, "until", "'2024-02-30' is not a date (use YYYY-MM-DD)"),
        ({"until": "June 12"}, "until", "is not a date"),
        ({"since": "2024-07-01", "until": "2024-06-01"}, "since", "is after until 2024-06-01"),
        ({"sources": [" "]}, "source", "name a source"),
    ],
)
def test_a_bad_value_names_its_filter_and_what_to_write(
    kwargs: dict[str, object], name: str, words: str
) -> None:
    with pytest.raises(FilterError) as caught:
        Filters.of(**kwargs)  # type: ignore[arg-type]
    assert isinstance(caught.value, QABotError)
    assert caught.value.name == name and words in caught.value.reason
    assert str(caught.value).startswith(f"{name}: ")


def test_an_article_passes_on_its_day_and_source() -> None:
    def article(day: str | None, source: str | None = "BBC") -> Article:
        return Article("a", "t", Path("a"), date=day, source=source)

    may = Filters.of("2024-05-01", "2024-05-31")
    assert may.allows(article("1 May 2024")) and may.allows(article("2024-05-31T23:00:00Z"))
    assert not may.allows(article("2024-06-01")) and not may.allows(article("2024-04-30"))
    # No known day: left out by a date range (and 12/06/2024 is no known day).
    assert not may.allows(article(None)) and not may.allows(article("12/05/2024"))
    assert Filters.of(sources=["bbc"]).allows(article(None))
    assert not Filters.of(sources=["bbc"]).allows(article("2024-05-02", None))
    assert not Filters.of(sources=["reuters"]).allows(article("2024-05-02"))


@pytest.mark.parametrize(
    ("message", "filters", "question"),
    [
        ("who won?", Filters(), "who won?"),
        (
            "since:2024-05-01 until:2024-06-30 source:BBC who won the vote?",
            Filters(date(2024, 5, 1), date(2024, 6, 30), frozenset({"bbc"})),
            "who won the vote?",
        ),
        (
            'who won? SOURCE:"Le Monde" source:bbc',
            Filters(sources=frozenset({"le monde", "bbc"})),
            "who won?",
        ),
        # A token anywhere counts; inside a word (a URL) it does not.
        ("what did the source:code say", Filters(sources=frozenset({"code"})), "what did the say"),
        ("see http://x.org/since:2024 news", Filters(), "see http://x.org/since:2024 news"),
        ("since:2024-05-01", Filters(since=date(2024, 5, 1)), ""),
    ],
)
def test_filter_tokens_in_a_message(message: str, filters: Filters, question: str) -> None:
    assert split_filters(message) == (filters, question)


@pytest.mark.parametrize("message", ["since:soon who won?", "until: who won?", 'source:"" who?'])
def test_a_bad_token_is_an_error_naming_it(message: str) -> None:
    with pytest.raises(FilterError) as caught:
        split_filters(message)
    assert caught.value.name in message


def test_filters_read_back_as_tokens_in_the_users_spelling() -> None:
    filters = Filters.of("2024-05-01", None, ["BBC", " Le  Monde", "bbc"])
    assert str(filters) == 'since:2024-05-01 source:BBC source:"Le Monde"'
    assert filters.sources == {"bbc", "le monde"}  # what is compared stays folded
    assert split_filters(f"{filters} who?") == (filters, "who?")
    assert str(split_filters("source:Reuters who?")[0]) == "source:Reuters"


def test_a_question_with_no_match_names_the_source_as_the_user_wrote_it(corpus: Path) -> None:
    from qabot import QABot
    from qabot.session import Session

    bot = QABot.open(corpus, corpus.parent / "index")
    assert bot.ask("Minsk", sources=["Le Monde"]).reason == (
        'No article within source:"Le Monde" mentions: Minsk.'
    )
    reply = Session(bot).ask("me", "source:BBC what about Minsk?")
    assert reply.reason == "No article within source:BBC mentions: Minsk."  # type: ignore[union-attr]
