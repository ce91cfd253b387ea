"""👍 / 👎 under answers, admins' /correct, and per-source /stats, through the real
python-telegram-bot stack against the stand-in Bot API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.botapi_server import DEFAULT_GROUP_ID, DEFAULT_USER_ID, BotApiServer, Call
from support.corpus import write_article
from support.telegram_harness import ADMIN, STRANGER, Harness, run

from qabot.cli import main
from qabot.feedback import FEEDBACK_FILE, FeedbackStore

QUESTION = "What did Stoltenberg say about Minsk?"


def vote_buttons(call: Call) -> list[str]:
    return [b["text"] for b in call.result["reply_markup"]["inline_keyboard"][-1]]


async def vote(h: Harness, answer: Call, verdict: str, user_id: int = DEFAULT_USER_ID) -> str:
    """Press 👍 or 👎 under ``answer``; the toast the voter sees."""
    column = vote_buttons(answer).index({"good": "👍", "bad": "👎"}[verdict])
    row = len(answer.result["reply_markup"]["inline_keyboard"]) - 1
    await h.press(answer, row, column, user_id=user_id)
    toast = h.api.calls("answerCallbackQuery")[-1]
    assert toast.ok
    return str(toast.params.get("text"))


def records(corpus: Path) -> list[dict[str, object]]:
    lines = (corpus / FEEDBACK_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_votes_are_stored_once_per_user_and_answer_without_names(
    api: BotApiServer, news_corpus: Path, tmp_path: Path
) -> None:
    group = {"chat_type": "supergroup", "chat_id": DEFAULT_GROUP_ID}

    async def body(h: Harness) -> None:
        await h.say(f"/ask {QUESTION}", **group)
        answer = h.replies()[-1]
        assert vote_buttons(answer) == ["👍", "👎"]
        assert await vote(h, answer, "good") == "Thanks for the 👍!"
        assert await vote(h, answer, "good") == "You gave this answer 👍 already."
        assert await vote(h, answer, "bad") == "Thanks for the 👎!"  # a change of mind
        assert await vote(h, answer, "bad", user_id=STRANGER) == "Thanks for the 👎!"
        # Another chat's copy of the buttons votes for nothing.
        data = answer.result["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
        await h.feed(h.api.make_callback_query_update(data, chat_id=2, user_id=2))
        assert "another chat" in h.api.calls("answerCallbackQuery")[-1].params["text"]
        # "More ▸" shows more passages, without a second pair of vote buttons.
        await h.say("/ask NATO Ukraine negotiations", **group)
        nato = h.replies()[-1]
        assert nato.result["reply_markup"]["inline_keyboard"][1][0]["text"] == "More ▸"
        await h.press(nato, 1, 0)
        more = h.replies()[-1]
        assert more.result["text"].startswith("More passages for NATO Ukraine negotiations")
        assert "👍" not in json.dumps(more.result["reply_markup"], ensure_ascii=False)

    run(api, news_corpus, tmp_path, body)
    lines = records(news_corpus)
    assert [r["verdict"] for r in lines] == ["good", "bad", "bad"]
    assert {r["question"] for r in lines} == {QUESTION}
    assert lines[0]["shown"].endswith('We cannot have Minsk 3," Stoltenberg concluded.')  # type: ignore[union-attr]
    assert lines[0]["passages"][0]["citation"].startswith("Stoltenberg on peace talks")  # type: ignore[index]
    raw = (news_corpus / FEEDBACK_FILE).read_text(encoding="utf-8")
    for secret in ("Alice", "alice", str(DEFAULT_USER_ID), str(STRANGER), str(DEFAULT_GROUP_ID)):
        # As a word of its own: a salted hex hash may hold the same digits by chance.
        assert re.search(rf"\b{re.escape(secret)}\b", raw) is None
    summary = FeedbackStore(news_corpus).summary()  # a fresh reader: what survives a restart
    assert (summary.votes, summary.good, summary.bad, summary.answers) == (2, 0, 2, 1)


def test_votes_survive_a_restart(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    answers: list[Call] = []

    async def first(h: Harness) -> None:
        await h.say(QUESTION, user_id=ADMIN, chat_id=ADMIN)
        answers.append(h.replies()[-1])
        assert await vote(h, answers[0], "bad", user_id=ADMIN) == "Thanks for the 👎!"

    async def second(h: Harness) -> None:
        # The buttons' values died with the old process: an old button is stale now…
        assert "older answer" in await vote(h, answers[0], "bad", user_id=ADMIN)
        # …but the vote stored then still tells which question a correction corrects.
        reply_to = answers[0].result["message_id"]
        await h.say("/correct Minsk 3", user_id=ADMIN, chat_id=ADMIN, reply_to_message=reply_to)
        assert h.last_text(ADMIN).startswith("Thanks: noted 👎; the right answer is Minsk 3")
        await h.say("/quotes Stoltenberg", user_id=ADMIN, chat_id=ADMIN)  # no answer: no votes
        timeline = h.replies(ADMIN)[-1]
        reply_to = timeline.result["message_id"]
        await h.say("/correct Minsk 3", user_id=ADMIN, chat_id=ADMIN, reply_to_message=reply_to)
        assert "I no longer know that answer" in h.last_text(ADMIN)

    run(api, corpus, tmp_path, first)
    run(api, corpus, tmp_path, second)
    store = FeedbackStore(corpus)
    assert store.summary().votes == 1  # the admin's 👎, once
    (question,) = store.corrected_questions()
    assert (question.question, question.answers) == (QUESTION, ("Minsk 3",))


def test_a_vote_that_cannot_be_stored_is_said_and_the_bot_goes_on(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    (corpus / FEEDBACK_FILE).mkdir()  # a folder where the file should be: never writable

    async def body(h: Harness) -> None:
        await h.say(QUESTION)
        assert "could not store your vote" in await vote(h, h.replies()[-1], "bad")
        await h.say(QUESTION)
        assert "Minsk" in h.last_text()

    run(api, corpus, tmp_path, body)


def test_admins_correct_answers_and_eval_exports_them(
    api: BotApiServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "wire"
    (corpus / "ferry.md").parent.mkdir(parents=True)
    (corpus / "ferry.md").write_text(
        "---\ntitle: Ferry returns\nurl: https://example.org/ferry\n---\n"
        "The Cacilhas ferry returned to service on Monday after repairs to its engine.\n"
    )
    write_article(
        corpus, "bridge.txt", "Bridge works",
        "Engine repairs on the lifting bridge ended in Porto, where the ferry service waits.",
    )  # fmt: skip
    question = "when did the ferry return to service?"

    async def body(h: Harness) -> None:
        await h.say(question, user_id=ADMIN, chat_id=ADMIN)
        answer = h.replies()[-1]
        assert await vote(h, answer, "bad", user_id=ADMIN) == "Thanks for the 👎!"
        reply_to = answer.result["message_id"]
        await h.say("/correct Monday", user_id=STRANGER, chat_id=ADMIN, reply_to_message=reply_to)
        assert h.last_text(ADMIN) == "Sorry, only the bot's admins can do that."
        await h.say("/correct Monday", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN).startswith("Reply to my answer with /correct")
        await h.say("/correct nothing like this", user_id=ADMIN, chat_id=ADMIN,
                    reply_to_message=reply_to)  # fmt: skip
        assert "no indexed passage holds that text" in h.last_text(ADMIN)
        await h.say("/correct https://example.org/ferry on Monday", user_id=ADMIN,
                    chat_id=ADMIN, reply_to_message=reply_to)  # fmt: skip
        assert h.last_text(ADMIN) == (
            "Thanks: noted 👎; the right answer is on Monday, in Ferry returns. "
            "qabot eval --feedback exports it."
        )

    run(api, corpus, tmp_path, body)
    assert main(["feedback", "--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 vote on 1 answer: 0% liked (0 👍, 1 👎); 1 correction, 1 ready")
    assert f"1 👎 0 👍  {question}" in out
    questions = tmp_path / "fixes.jsonl"
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert main(["eval", "--feedback", "-o", str(questions), *args]) == 0
    (line,) = questions.read_text().splitlines()
    assert json.loads(line) | {"id": "?"} == {
        "id": "?", "question": question, "answers": ["on Monday"], "article": "ferry.md",
    }  # fmt: skip
    capsys.readouterr()
    assert main(["eval", str(questions), "--json", *args]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["questions"] == 1 and figures["hit@5"] == 1.0


def test_admins_see_articles_by_source_in_stats(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "sources"
    corpus.mkdir()
    for n, source in enumerate(["BBC", "BBC", "Le <Monde>", None]):
        meta = f"source: {source}\n" if source else ""
        (corpus / f"a{n}.md").write_text(f"---\ntitle: Story {n}\n{meta}---\nStory {n} body.\n")

    async def body(h: Harness) -> None:
        await h.say("/stats", user_id=ADMIN, chat_id=ADMIN)
        text = h.replies(ADMIN)[-1].params["text"]
        assert text.endswith(
            "<b>Articles by source</b>\n• BBC: 2\n• (no source): 1\n• Le &lt;Monde&gt;: 1"
        )
        await h.say("/stats", user_id=STRANGER, chat_id=STRANGER)
        assert "by source" not in h.last_text(STRANGER)

    run(api, corpus, tmp_path, body)
