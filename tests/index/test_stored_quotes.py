"""Quotations kept with the index (qabot/index/quotes.py; the name differs from the
extractor's tests): extracted once, stored, found by speaker, incremental."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from support.corpus import write_article

from qabot import QABot
from qabot.index import speaker_words
from qabot.index.quotes import QUOTE_COLUMNS, QuoteTable


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "c"
    write_article(
        corpus, "a.txt", "Talks stall",
        "Foreign Minister Anna Berg met her counterpart on Monday.",
        '"We will not sign a deal that gives away the harbour," Ms Berg said.',
        "She added that talks would resume in May.",
    )  # fmt: skip
    write_article(
        corpus, "b.txt", "Harbour vote",
        'Mayor Tom Reed said: "The harbour belongs to the city."',
    )  # fmt: skip
    return corpus


def quotes_of(bot: QABot, name: str) -> list[str]:
    return [q.text for q in bot.index.reader().quotations(speaker_words(name), None)]


def test_quotations_are_stored_with_their_speaker_and_found_by_any_word_of_the_name(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path)
    bot = QABot.open(corpus, tmp_path / "index")
    berg = bot.index.reader().quotations(speaker_words("Berg"), None)
    assert [q.text for q in berg] == [
        "We will not sign a deal that gives away the harbour",
        "talks would resume in May",
    ]
    first = berg[0]
    assert first.speaker == "Anna Berg" and first.speaker_as_written == "Ms Berg"
    assert first.kind == "direct" and first.verb == "said"
    assert first.article.id == "a.txt" and first.paragraph == 1
    assert first.context.startswith('"We will not sign') and first.context.endswith("said.")
    assert quotes_of(bot, "Anna Berg") == quotes_of(bot, "berg")
    assert quotes_of(bot, "Tom Reed") == ["The harbour belongs to the city."]
    assert quotes_of(bot, "Anna Reed") == []  # every word must name the speaker
    # The passage that holds a quotation is the one cited for it.
    held = bot.index.reader().passage(first.article.id, first.position)
    assert held is not None and "gives away the harbour" in held.text


def test_quotations_survive_reopening_and_follow_edits_and_deletions(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    QABot.open(corpus, tmp_path / "index")
    bot = QABot.open(corpus, tmp_path / "index")  # read back from disk
    assert quotes_of(bot, "Reed") == ["The harbour belongs to the city."]
    write_article(
        corpus, "b.txt", "Harbour vote", 'Mayor Tom Reed said: "We will appeal the ruling."'
    )
    (corpus / "a.txt").unlink()
    report = bot.reindex()
    assert report.changed == ("b.txt",) and report.removed == ("a.txt",)
    assert quotes_of(bot, "Reed") == ["We will appeal the ruling."]
    assert quotes_of(bot, "Berg") == []
    # The incremental index holds the same quotations as a full rebuild.
    fresh = QABot.open(corpus, tmp_path / "fresh")
    assert quotes_of(fresh, "Reed") == quotes_of(bot, "Reed")


def test_a_kept_article_keeps_its_quotations_when_segments_merge(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    bot = QABot.open(corpus, tmp_path / "index")
    for n in range(12):  # more segments than are kept apart: they are merged
        write_article(corpus, f"n{n}.txt", f"Note {n}", f"Note {n} says nothing quoted.")
        bot.reindex()
    assert len(bot.index.current().segments) <= 8
    assert quotes_of(bot, "Berg")[0].startswith("We will not sign")


def test_quotations_are_stored_as_json_rows_with_their_speakers_postings(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path)
    QABot.open(corpus, tmp_path / "index")
    bot = QABot.open(corpus, tmp_path / "index", update=False)
    (segment,) = bot.index.current().segments
    folder = tmp_path / "index" / segment.name
    blob = (folder / "quotes.bin").read_bytes()
    ptr = np.load(folder / "quote_ptr.npy").tolist()
    rows = [json.loads(blob[a:b]) for a, b in pairwise(ptr)]
    assert [row[QUOTE_COLUMNS.index("speaker") - 1] for row in rows] == [
        "Anna Berg", "Anna Berg", "Tom Reed",
    ]  # fmt: skip
    assert np.load(folder / "quote_article.npy").tolist() == [0, 0, 1]
    # Every word naming a speaker, sorted, with the rows it names.
    words = json.loads((folder / "speakers.json").read_text())
    assert words == sorted(words) and {"anna", "berg", "foreign", "minister", "reed"} <= set(words)
    speaker_ptr = np.load(folder / "speaker_ptr.npy")
    speaker_rows = np.load(folder / "speaker_rows.npy")
    at = words.index("berg")
    assert speaker_rows[speaker_ptr[at] : speaker_ptr[at + 1]].tolist() == [0, 1]
    assert segment.quotes.by_speaker({"anna", "berg"}) == [0, 1]
    assert segment.quotes.by_speaker({"mayor"}) == [2]
    assert segment.quotes.by_speaker({"anna", "reed"}) == []
    assert QuoteTable.of([]).by_speaker({"berg"}) == []


def test_merged_segments_find_every_speaker_as_a_rebuild_does(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    bot = QABot.open(corpus, tmp_path / "index")
    for n in range(12):  # segments merge, kept articles' quotations copied as stored
        write_article(
            corpus, f"n{n}.txt", f"Note {n}", f'"Note {n} is out," Mayor Tom Reed said of it.'
        )
        if n == 5:
            (corpus / "a.txt").unlink()
        bot.reindex()
    fresh = QABot.open(corpus, tmp_path / "fresh")
    (rebuilt,) = fresh.index.current().segments
    assert "berg" not in rebuilt.quotes.speakers.words
    for word in [*rebuilt.quotes.speakers.words, "berg"]:
        assert sorted(quotes_of(bot, word)) == sorted(quotes_of(fresh, word)), word
    assert len(quotes_of(bot, "mayor")) == 13


@pytest.mark.parametrize(
    ("name", "words"),
    [("Mr Tony Blair", {"tony", "blair"}), ("Blair's", {"blair"}), ("the Tories", {"tories"})],
)
def test_a_name_is_read_as_the_words_that_identify_it(name: str, words: set[str]) -> None:
    assert speaker_words(name) == words


def test_a_speaker_is_found_by_the_office_the_article_gives_them(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "j.txt", "Campbell returns",
        '"There is room for everybody," Ms Jowell said of the campaign.',
        "Culture Secretary Tessa Jowell welcomed his return on Sunday.",
        "The Scottish Conservative Party leader, David McLetchie, questioned the ban.",
        'Mr McLetchie asked: "Would it not be ironic?"',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    # The office is written after her words, and never beside "Ms Jowell" or "she".
    assert quotes_of(bot, "the Culture Secretary") == ["There is room for everybody"]
    assert quotes_of(bot, "the Scottish Conservative leader") == ["Would it not be ironic?"]
    assert quotes_of(bot, "the Labour leader") == []
    answer = bot.ask("What did the Culture Secretary say about the campaign?")
    assert answer.short == "There is room for everybody"


def test_an_organisations_spokesperson_is_found_by_its_name(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "s.txt", "Sky defends 24",
        "The Muslim Council of Britain complained about the drama.",
        "But Sky denied the programme breached broadcasting guidelines. A spokesperson said: "
        '"During a useful meeting yesterday, Sky listened to the concerns raised."',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    assert quotes_of(bot, "Sky") == [
        "the programme breached broadcasting guidelines",
        "During a useful meeting yesterday, Sky listened to the concerns raised.",
    ]
