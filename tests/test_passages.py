"""Passages: paragraph-aware grouping and splitting, headings, positions, overlap."""

from __future__ import annotations

import itertools
from pathlib import Path

from qabot.analysis import Analyzer
from qabot.articles import ArticleText
from qabot.config import PassageSettings
from qabot.passages import split_article
from qabot.values import Article


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
