"""Word lists: one home for the words qabot's rules are made of."""

from __future__ import annotations

import re

import pytest

from qabot import lexicon
from qabot.dates import long_date, parse_date


def test_sections_are_read_in_order_and_a_misspelt_one_is_an_error() -> None:
    assert lexicon.forms("months")[0] == ("january", "jan")
    assert lexicon.forms("months")[11][0] == "december"
    assert "said" in lexicon.words("speech_verbs")
    with pytest.raises(KeyError):
        lexicon.entries("monthz")


def test_an_alternation_tries_the_longest_entry_first() -> None:
    pattern = re.compile(rf"\b(?:{lexicon.alternation('reason_cues')})\b")
    found = pattern.search("She left because of the noise.")
    assert found is not None and found.group() == "because of"
    # Spaces inside an entry match any run of spaces.
    assert re.search(lexicon.alternation("reason_cues"), "due   to rain") is not None


def test_dates_read_their_months_from_the_lexicon() -> None:
    for number, forms in enumerate(lexicon.forms("months"), 1):
        for form in forms:
            assert parse_date(f"12 {form} 2024") == parse_date(f"2024-{number:02d}-12")
    assert long_date(parse_date("2024-06-12")) == "12 June 2024"  # type: ignore[arg-type]


def test_one_word_lists_leave_comments_out() -> None:
    stopwords = lexicon.word_list("stopwords_en.txt")
    assert "the" in stopwords
    assert not any(w.startswith("#") for w in stopwords)
