"""Whose words a question asks for: the speaker it names, looked up as a reader names them."""

from __future__ import annotations

from pathlib import Path

from support.corpus import write_another_story, write_article

from qabot import QABot


def test_a_speaker_named_by_owner_and_office_is_looked_for_where_the_owner_is(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "derby.txt", "Rovers 2-1 Athletic",
        "Rovers beat Athletic with a late winner.",
        '"We deserved it," Rovers manager Ian Cole said.',
    )  # fmt: skip
    write_article(
        corpus, "cup.txt", "Town knocked out of the cup",
        'Town manager Joe Pratt said: "The defeat at Rovers hurts, I am bitterly '
        'disappointed."',
    )  # fmt: skip
    write_article(
        corpus, "wages.txt", "Athletic keep their squad",
        "Athletic have no money for new players this season.",
        'The club\'s manager, Sam Frost, said: "We will manage with what we have."',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    # Not Ian Cole's or Joe Pratt's words: they manage other clubs.
    answer = bot.ask("How did Athletic's manager react to the defeat at Rovers?")
    assert "Pratt" not in answer.text and "deserved" not in answer.short
    assert answer.short in ("", "We will manage with what we have.")


def test_a_speaker_described_with_one_word_more_than_the_article_is_found(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "drink.txt", "Minister's drink remark criticised",
        "Highland First Minister Jack Moss told pupils it was fine to get drunk now and then, "
        "and opposition parties criticised the remark.",
        "But an executive spokeswoman insisted Mr Moss had made the remark with adults in "
        'mind. "He was talking about adults," she said.',
    )  # fmt: skip
    write_another_story(corpus)
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask(
        "What was the Highland Executive spokeswoman's response to criticism of Moss's "
        "remark about getting drunk?"
    )
    # Her words (the article has no "Highland" before "executive spokeswoman").
    assert answer.short in (
        "He was talking about adults",
        "Mr Moss had made the remark with adults in mind",
    )
    assert answer.passages[0].article.id == "drink.txt"


def test_a_story_calling_someone_by_first_name_is_found_by_the_full_name(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "sisters.txt", "Williams rejects criticism",
        "Serena Williams has rejected claims that she and her sister Venus are a declining "
        "force in tennis.",
        'But Serena denied their challenge was fading, saying: "That is not fair - I am '
        'tired of not saying anything."',
    )  # fmt: skip
    write_article(
        corpus, "prize.txt", "Equal prize money",
        'Serena Williams said: "I am obviously for equal prize money."',
    )  # fmt: skip
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask(
        "How did Serena Williams react to claims that she and Venus are a declining force?"
    )
    assert answer.short == "That is not fair - I am tired of not saying anything."
