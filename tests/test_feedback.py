"""The feedback store: one vote per voter and answer, no names, crash-safe appends, the
summary, corrections and their export as questions for ``qabot eval``."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import QABot
from qabot.chat import run_chat
from qabot.cli import main
from qabot.errors import FeedbackError
from qabot.evaluate import load_questions
from qabot.feedback import (
    FEEDBACK_FILE,
    SALT_FILE,
    FeedbackStore,
    Found,
    questions_jsonl,
    read_correction,
)

QUESTION = "what did Stoltenberg say about Minsk"


@pytest.fixture
def bot(corpus: Path, open_bot: Callable[..., QABot]) -> QABot:
    (corpus / "ferry.md").write_text(
        "---\ntitle: Ferry returns\nurl: https://Example.org/ferry#top\n---\n"
        "The Cacilhas ferry returned to service on Monday after engine repairs.\n"
    )
    return open_bot(corpus)


def lines(corpus: Path) -> list[dict[str, object]]:
    text = (corpus / FEEDBACK_FILE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_one_vote_per_voter_and_answer_the_later_counting(bot: QABot, corpus: Path) -> None:
    store = FeedbackStore(corpus)
    answer = bot.ask(QUESTION)
    alice, bob = store.voter("telegram", 1001), store.voter("telegram", 1002)
    key = store.key("answer", "telegram", 5, 7)
    assert store.vote(key, alice, "good", answer)
    assert not store.vote(key, alice, "good", answer)  # the same again: not written
    assert store.vote(key, alice, "bad", answer)  # a change of mind: written, counts
    assert store.vote(key, bob, "good", answer)
    assert store.vote(store.key("answer", "telegram", 5, 8), alice, "bad", answer)
    assert [r["verdict"] for r in lines(corpus)] == ["good", "bad", "good", "bad"]
    summary = FeedbackStore(corpus).summary()  # another process, or after a restart
    assert (summary.answers, summary.votes, summary.good, summary.bad) == (2, 3, 1, 2)
    assert summary.liked == pytest.approx(1 / 3)
    (disliked,) = summary.disliked
    assert (disliked.question, disliked.bad, disliked.good) == (QUESTION, 2, 1)
    # A second store on the same corpus agrees on keys, and on the one-vote rule.
    other = FeedbackStore(corpus)
    assert other.voter("telegram", 1001) == alice
    assert not other.vote(key, alice, "bad", answer)
    with pytest.raises(FeedbackError, match="'good' or 'bad'"):
        store.vote(key, alice, "meh", answer)  # type: ignore[arg-type]


def test_voters_are_salted_hashes_never_ids_or_names(
    bot: QABot, corpus: Path, tmp_path: Path
) -> None:
    store = FeedbackStore(corpus)
    voter = store.voter("telegram", 424242)
    store.vote(store.key("answer", "telegram", -100777, 31), voter, "good", bot.ask(QUESTION))
    raw = (corpus / FEEDBACK_FILE).read_text(encoding="utf-8")
    assert "424242" not in raw and "100777" not in raw
    salt = (corpus / SALT_FILE).read_bytes().strip()
    assert len(salt) >= 32 and salt.decode() not in raw
    assert (corpus / SALT_FILE).stat().st_mode & 0o077 == 0  # readable by its owner only
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert FeedbackStore(elsewhere).voter("telegram", 424242) != voter  # another salt


def test_a_torn_line_is_skipped_and_the_next_record_starts_a_line(
    bot: QABot, corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FeedbackStore(corpus)
    answer = bot.ask(QUESTION)
    voter = store.voter("terminal", "chat")
    store.vote("a1", voter, "good", answer)
    with open(corpus / FEEDBACK_FILE, "ab") as fh:  # a crash in the middle of a write
        fh.write(b'{"v": 1, "kind": "vote", "answer": "a2", "vot')
    fresh = FeedbackStore(corpus)
    assert fresh.summary().votes == 1
    assert fresh.vote("a3", voter, "bad", answer)
    text = (corpus / FEEDBACK_FILE).read_text(encoding="utf-8")
    assert text.splitlines()[-1].startswith('{"v": 1, "kind": "vote"')
    assert [v.answer for v in FeedbackStore(corpus).votes()] == ["a1", "a3"]
    assert "torn last line" in caplog.text


def test_feedback_that_cannot_be_written_is_one_error_and_nothing_half_done(
    bot: QABot, corpus: Path
) -> None:
    answer = bot.ask(QUESTION)
    (corpus / FEEDBACK_FILE).mkdir()  # the name is taken: the file can never be written
    store = FeedbackStore(corpus)
    with pytest.raises(FeedbackError, match=r"cannot read .*\.qabot-feedback\.jsonl: Is a dir"):
        store.vote("a", store.voter("terminal", "chat"), "good", answer)
    (corpus / FEEDBACK_FILE).rmdir()
    assert store.vote("a", store.voter("terminal", "chat"), "good", answer)
    assert store.summary().votes == 1


def test_corrections_by_link_or_text(bot: QABot) -> None:
    by_link = read_correction(bot, "https://EXAMPLE.org/ferry/ on Monday")
    assert (by_link.article.id, by_link.answers) == ("ferry.md", ("on Monday",))
    by_text = read_correction(bot, "We cannot have Minsk 3")
    assert by_text.article.id == "stoltenberg-peace-talks-minsk-3.txt"
    assert by_text.answers == ("We cannot have Minsk 3",)
    passage = bot.search("Minsk ceasefire Donbas", k=1)[0].text
    assert len(passage.split()) > 20
    pasted = read_correction(bot, passage)  # the whole passage: its article, no answer text
    assert (pasted.article.id, pasted.answers) == ("stoltenberg-peace-talks-minsk-3.txt", ())
    with pytest.raises(FeedbackError, match="no indexed article has the link"):
        read_correction(bot, "https://example.org/nowhere")
    with pytest.raises(FeedbackError, match="no indexed passage holds that text"):
        read_correction(bot, "zebras in Oslo")
    with pytest.raises(FeedbackError, match="send the right passage's link"):
        read_correction(bot, "   ")


def test_only_disliked_answers_corrected_afterwards_become_questions(
    bot: QABot, corpus: Path, tmp_path: Path
) -> None:
    store = FeedbackStore(corpus)
    admin, user = store.voter("telegram", 1), store.voter("telegram", 2)
    ferry = bot.ask("when did the ferry return?")
    minsk = bot.ask(QUESTION)
    found = read_correction(bot, "https://example.org/ferry Monday")
    # A correction counts as the admin's 👎, and the question comes from the answer.
    store.correct("ferry", admin, found, "https://example.org/ferry Monday", ferry)
    # Without the answer, a vote stored before must hold its question.
    with pytest.raises(FeedbackError, match="no longer know that answer"):
        store.correct("unknown", admin, found, "Monday")
    store.vote("minsk", user, "good", minsk)
    store.correct("minsk", admin, Found(found.article, ()), "https://example.org/ferry")
    store.correct("minsk", admin, read_correction(bot, "Minsk 3"), "Minsk 3")  # the latest wins
    # The same question corrected the same way again is one question.
    store.correct("ferry2", admin, found, "Monday", ferry)
    questions = store.corrected_questions()
    assert [(q.question, q.answers, q.article) for q in questions] == [
        ("when did the ferry return?", ("Monday",), "ferry.md"),
        (QUESTION, ("Minsk 3",), "stoltenberg-peace-talks-minsk-3.txt"),
    ]
    path = tmp_path / "q.jsonl"
    path.write_text(questions_jsonl(questions))
    assert load_questions(path) == questions
    summary = store.summary()
    assert (summary.corrections, summary.corrected) == (4, 2)


def test_a_question_naming_only_its_article_is_hit_by_any_of_its_passages(
    bot: QABot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = FeedbackStore(bot.settings.corpus)
    answer = bot.ask("when did the ferry return?")
    found = read_correction(bot, "https://example.org/ferry")
    store.correct("k", store.voter("t", 1), found, "https://example.org/ferry", answer)
    args = ["--corpus", str(bot.settings.corpus), "--index", str(tmp_path / "index")]
    assert main(["eval", "--feedback", *args]) == 0
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert json.loads(line)["answers"] == []
    assert "1 question from corrected 👎 answers" in err
    path = tmp_path / "q.jsonl"
    path.write_text(out)
    assert main(["eval", str(path), "--json", *args]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["hit@1"] == 1.0 and figures["answer"] == 1.0


def test_qabot_feedback_summarises(
    bot: QABot, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert main(["feedback", *args]) == 0
    assert capsys.readouterr().out.startswith("No feedback yet")
    store = FeedbackStore(corpus)
    store.vote("a", store.voter("t", 1), "good", bot.ask(QUESTION))
    store.vote("b", store.voter("t", 1), "bad", bot.ask("who is hiring?"))
    assert main(["feedback", "--json", *args]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "answers": 2, "votes": 2, "good": 1, "bad": 1, "liked": 0.5, "corrections": 0,
        "corrected": 0, "disliked": [{"question": "who is hiring?", "bad": 1, "good": 0}],
    }  # fmt: skip
    assert main(["eval", "--feedback", "x.jsonl", *args]) == 1
    assert "--feedback writes a questions file; it reads none" in capsys.readouterr().err


def test_the_terminal_chat_votes_and_corrects(bot: QABot, corpus: Path) -> None:
    write_article(corpus, "extra.txt", "Extra", "An extra story about harbour cranes.")
    script = "\n".join(
        ["/good", QUESTION, "/good", "/good", "/bad", "/correct", "/correct Minsk 3", "quit"]
    )
    out = io.StringIO()
    assert run_chat(bot, io.StringIO(script + "\n"), out) == 0
    replies = [
        line
        for line in out.getvalue().splitlines()
        if line.startswith(("Thanks", "You", "Ask", "Usage"))
    ]
    assert replies == [
        "Ask a question first.",
        "Thanks: noted 👍.",
        "You said 👍 already.",
        "Thanks: noted 👎.",
        "Usage: /correct LINK or /correct TEXT (the right answer's words).",
        "Thanks: noted 👎; the right answer is “Minsk 3”, in “Stoltenberg on peace talks with "
        "Russia: We cannot have Minsk 3” (`qabot eval --feedback` exports it).",
    ]
    assert [q.answers for q in FeedbackStore(corpus).corrected_questions()] == [("Minsk 3",)]
    assert os.path.exists(corpus / FEEDBACK_FILE)
