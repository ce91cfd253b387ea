"""Passages: paragraph-aware grouping and splitting, headings, positions, overlap."""

from __future__ import annotations

import base64
import itertools
import random
from pathlib import Path

import pytest

from qabot.analysis import Analyzer
from qabot.articles import ArticleText
from qabot.config import PassageSettings
from qabot.errors import ConfigError
from qabot.passages import split_article
from qabot.values import Article, Passage


def article(*paragraphs: str) -> ArticleText:
    return ArticleText(Article("a.txt", "Title", Path("a.txt")), tuple(paragraphs))


def sentence(n: int, words: int = 10) -> str:
    return " ".join(f"w{n}x{i}" for i in range(words - 1)) + f" end{n}."


def test_short_paragraphs_are_grouped_up_to_the_minimum() -> None:
    paragraphs = [sentence(i, 15) for i in range(6)]  # 90 words in 15-word paragraphs
    passages = split_article(article(*paragraphs), Analyzer(), PassageSettings(40, 120))
    assert [p.paragraphs for p in passages] == [(0, 2), (3, 5)]
    assert [p.position for p in passages] == [0, 1]
    assert passages[0].text == "\n".join(paragraphs[:3])


def test_long_paragraph_split_at_sentences_with_overlap() -> None:
    long = " ".join(sentence(i, 20) for i in range(12))  # 240 words, 12 sentences
    passages = split_article(article(long), Analyzer(), PassageSettings(40, 120, 1))
    assert len(passages) > 1
    for p in passages:
        assert p.paragraphs == (0, 0)
        assert len(p.text.split()) <= 120
        assert p.text.endswith(".")
    # One sentence of overlap: each passage starts with the last sentence of the one before.
    for before, after in itertools.pairwise(passages):
        last = Analyzer().sentences(before.text)[-1]
        assert after.text.startswith(last)
    all_text = " ".join(p.text for p in passages)
    assert all(f"end{i}." in all_text for i in range(12))


def test_a_heading_belongs_to_the_passage_after_it() -> None:
    body = [sentence(0, 45), "Negotiations between Russia and Ukraine", sentence(1, 45)]
    passages = split_article(article(*body), Analyzer(), PassageSettings(40, 120))
    assert [p.paragraphs for p in passages] == [(0, 0), (1, 2)]
    assert passages[1].text.startswith("Negotiations between Russia and Ukraine\n")


def test_small_tail_joins_the_previous_passage() -> None:
    passages = split_article(
        article(sentence(0, 50), sentence(1, 8)), Analyzer(), PassageSettings(40, 120)
    )
    assert [p.paragraphs for p in passages] == [(0, 1)]


def test_demo_article_passages_fit_a_phone(corpus: Path) -> None:
    from qabot.articles import parse_file

    path = next(corpus.glob("*.txt"))
    (text,), _ = parse_file(path, path.name, path.read_bytes())
    passages = split_article(text, Analyzer())
    assert all(30 <= len(p.text.split()) <= 120 for p in passages)
    covered = sorted({i for p in passages for i in range(p.paragraphs[0], p.paragraphs[1] + 1)})
    assert covered == list(range(len(text.paragraphs)))


def test_a_heading_before_a_long_paragraph_stays_on_its_own_line() -> None:
    long = " ".join(sentence(i, 20) for i in range(10))  # 200 words: split
    passages = split_article(
        article("Negotiations between Russia and Ukraine", long), Analyzer(), PassageSettings()
    )
    first = passages[0].text.split("\n")
    assert first[0] == "Negotiations between Russia and Ukraine"
    assert first[1].startswith("w0x0") and "Ukraine w0x0" not in passages[0].text
    assert all("Negotiations" not in p.text for p in passages[1:])


# -- bounds, whatever the input (issue 11) ------------------------------------------------------
def _within(passages: list[Passage], settings: PassageSettings) -> bool:
    return all(
        len(p.text.split()) <= settings.max_words and len(p.text) <= settings.max_chars
        for p in passages
    )


def test_a_5mb_paragraph_without_full_stops_is_cut_into_bounded_passages() -> None:
    rng = random.Random(11)
    words = ["Minsk", "talks", "oil", "prices", "rose", "the", "ceasefire", "and", "OPEC"]
    paragraph = " ".join(rng.choice(words) for _ in range(1_000_000))[:5_000_000]
    settings = PassageSettings()
    passages = split_article(article(paragraph), Analyzer(), settings)
    assert _within(passages, settings)
    # Nothing is lost: every word of the paragraph is in some passage, in order.
    assert " ".join(p.text for p in passages).split() == paragraph.split()


def test_a_giant_sentence_between_normal_ones_is_cut_by_words() -> None:
    giant = " ".join(f"w{i}" for i in range(5000)) + "."
    paragraph = f"{sentence(0, 20)} {giant} {sentence(1, 20)}"
    settings = PassageSettings()
    passages = split_article(article(sentence(9, 30), paragraph), Analyzer(), settings)
    assert _within(passages, settings)
    text = " ".join(p.text for p in passages)
    assert all(f"w{i} " in text for i in (0, 2500, 4998)) and "end0." in text and "end1." in text


def test_text_without_whitespace_is_cut_by_characters() -> None:
    blob = base64.b64encode(random.Random(3).randbytes(750_000)).decode()  # 1 MB, one "word"
    settings = PassageSettings()
    passages = split_article(
        article(f"Attachment: {blob} (end)", "A short note."), Analyzer(), settings
    )
    assert _within(passages, settings)
    # Nothing is lost: the cuts (some repeated, as overlap) cover the whole blob.
    spans = sorted(
        (at, at + len(word))
        for p in passages
        for word in p.text.split()
        if (at := blob.find(word)) >= 0 and len(word) > 100
    )
    reached = 0
    for start, end in spans:
        assert start <= reached
        reached = max(reached, end)
    assert reached == len(blob)


def test_long_words_and_many_headings_stay_within_the_character_bound() -> None:
    long_words = " ".join("x" * 60 for _ in range(100))  # 100 words, 6,100 characters
    headings = [f"Heading number {i}" for i in range(400)]  # short lines without a full stop
    settings = PassageSettings()
    passages = split_article(article(long_words, *headings, sentence(0, 30)), Analyzer(), settings)
    assert _within(passages, settings)
    assert any("Heading number 399" in p.text for p in passages)


def test_the_character_bound_is_a_setting_stored_with_the_index() -> None:
    assert PassageSettings().to_dict()["max_chars"] == PassageSettings().max_chars
    with pytest.raises(ConfigError):
        PassageSettings(max_chars=0)
