"""The Telegram adapter through python-telegram-bot's real HTTP stack and a stand-in server.

Most tests feed updates to ``Application.process_update``; a few poll for real, and one
runs ``python bot.py`` as a subprocess. Nothing here mocks python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.botapi_server import DEFAULT_GROUP_ID, DEFAULT_USER_ID, BotApiServer
from support.corpus import write_article
from support.telegram_harness import ADMIN, STRANGER, Harness, logging_restored, polling, run

from qabot.telegram_bot import RateLimiter, protect_token_in_logs

ROOT = Path(__file__).resolve().parent.parent


def test_private_question_gets_a_cited_answer(
    api: BotApiServer, news_corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.say("What did Stoltenberg say about Minsk?")
        (call,) = h.replies()
        # Set once, by Defaults, for every message.
        assert call.params["parse_mode"] == "HTML"
        assert call.params["link_preview_options"] == {"is_disabled": True}
        text = call.params["text"]
        # The short answer first, in bold, then the sentence it stands in.
        assert text.startswith("💬 <b>We cannot have Minsk 3</b>\n&quot;Some months later")
        assert "<b>Stoltenberg</b>" in text
        assert "<i>Stoltenberg on peace talks with Russia: We cannot have Minsk 3</i>, ¶7" in text
        shown = call.result["text"]
        assert 'We cannot have Minsk 3," Stoltenberg concluded.' in shown
        buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons[0]["text"] == "[1] full passage"
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    run(api, news_corpus, tmp_path, body)


def test_buttons_full_passage_more_and_stale(
    api: BotApiServer, news_corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.say("NATO Ukraine negotiations")
        first = h.replies()[-1]
        rows = first.params["reply_markup"]["inline_keyboard"]
        passage_button = rows[0][0]["callback_data"]
        more_button = rows[1][0]
        assert more_button["text"] == "More ▸"

        await h.feed(
            h.api.make_callback_query_update(passage_button, message=first.result["message_id"])
        )
        assert h.api.calls("answerCallbackQuery")[-1].ok
        full = h.last_text()
        assert full.startswith("Stoltenberg on peace talks with Russia")
        assert "passage" in full.splitlines()[1]

        await h.feed(
            h.api.make_callback_query_update(
                more_button["callback_data"], message=first.result["message_id"]
            )
        )
        more = h.replies()[-1]
        assert more.result["text"].startswith("More passages for NATO Ukraine negotiations")
        assert "[4]" in more.result["text"]

        await h.feed(
            h.api.make_callback_query_update("p:zzzz:0", message=first.result["message_id"])
        )
        stale = h.api.calls("answerCallbackQuery")[-1]
        assert stale.ok and "older answer" in stale.params["text"] and stale.params["show_alert"]

    run(api, news_corpus, tmp_path, body)


def test_a_button_pressed_in_another_chat_shows_nothing_of_the_first(
    api: BotApiServer, news_corpus: Path, tmp_path: Path
) -> None:
    question = "NATO Ukraine negotiations"  # cites more passages than one message shows

    async def body(h: Harness) -> None:
        await h.say(question, user_id=1, chat_id=1)
        answer = h.replies(1)[-1]
        rows = answer.result["reply_markup"]["inline_keyboard"]
        buttons = [(0, column) for column in range(len(rows[0]))] + [(1, 0)]  # passages, More
        assert rows[1][0]["text"] == "More ▸"
        for row, column in buttons:
            await h.press(answer, row, column, chat_id=2, user_id=2)
            refused = h.api.calls("answerCallbackQuery")[-1]
            assert refused.ok and refused.params["show_alert"]
            assert "another chat" in refused.params["text"]
        assert h.replies(2) == [] and h.api.calls("editMessageText") == []
        shown = [str(c.params) for c in h.api.calls() if c.params.get("chat_id") == 2]
        assert not any("NATO" in text or "Stoltenberg" in text for text in shown)
        # In its own chat the same buttons still work.
        await h.press(answer, user_id=1)
        assert h.last_text(1).startswith("Stoltenberg on peace talks")
        await h.press(answer, 1, 0, user_id=1)
        assert h.last_text(1).startswith("More passages for NATO Ukraine negotiations")

    run(api, news_corpus, tmp_path, body)


def test_buttons_whose_data_the_bot_dropped_ask_to_ask_again(
    api: BotApiServer, news_corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.say("NATO Ukraine negotiations")
        answer = h.replies()[-1]
        h.app.bot.callback_data_cache.clear_callback_data()  # as after a restart
        await h.press(answer)
        await h.press(answer, 1, 0)
        for alert in h.api.calls("answerCallbackQuery")[-2:]:
            assert (
                alert.ok and alert.params["show_alert"] and "older answer" in alert.params["text"]
            )
        assert len(h.replies()) == 1

    run(api, news_corpus, tmp_path, body)


def test_sources_are_paged_in_place(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "many"
    for n in range(23):
        write_article(corpus, f"a{n:02d}.txt", f"Story {n:02d}", f"Story number {n} happened.")

    async def body(h: Harness) -> None:
        await h.say("/sources")
        first = h.replies()[-1]
        assert "page 1 of 3" in first.result["text"]
        await h.press(first)  # Next ▸
        edited = h.api.calls("editMessageText")[-1]
        assert edited.ok and "page 2 of 3" in edited.result["text"]
        buttons = edited.result["reply_markup"]["inline_keyboard"][0]
        assert [b["text"] for b in buttons] == ["◂ Previous", "Next ▸"]

    run(api, corpus, tmp_path, body)


ODD_URLS = [
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "tg://resolve?domain=somebot",
    "JavaScript://example.org/%0aalert(1)",
    "ftp://example.org/file",
]


def test_only_http_urls_become_links(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "urls"
    corpus.mkdir()
    cities = ["Leipzig", "Dresden", "Hamburg", "Bremen", "Munich", "Kiel"]
    urls = [*ODD_URLS, "https://example.org/kiel"]
    for n, (city, url) in enumerate(zip(cities, urls, strict=True)):
        (corpus / f"z{n}.md").write_text(
            f"---\ntitle: Zebras escape in {city}\nurl: {url}\n---\n\n"
            f"Zebras escaped from the {city} zoo on Sunday, keepers said.\n",
            encoding="utf-8",
        )

    def links(text: str) -> list[str]:
        return re.findall(r'<a href="([^"]*)"', text)

    async def body(h: Harness) -> None:
        await h.say("Which zoo did the zebras escape from?")
        answer = h.replies()[-1]
        await h.press(answer, 1, 0)  # More ▸: the next passages
        more = h.replies()[-1]
        shown = [answer.params["text"], more.params["text"]]
        for row in range(3):  # each citation's whole passage
            for call in (answer, more):
                await h.press(call, 0, row)
                shown.append(h.replies()[-1].params["text"])
        await h.say("/sources")
        shown.append(h.last_text())
        sources = h.replies()[-1].params["text"]
        assert "6. Zebras escape in Kiel" in html.unescape(re.sub("<[^>]+>", "", sources))
        found = [url for text in shown for url in links(text)]
        assert found and set(found) == {"https://example.org/kiel"}
        for text in shown:
            for url in ODD_URLS:
                assert html.escape(url) not in text and url not in text

    run(api, corpus, tmp_path, body)


def test_inline_mode_offers_top_passages(
    api: BotApiServer, news_corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        await h.feed(h.api.make_inline_query_update("oil prices OPEC"))
        call = h.api.calls("answerInlineQuery")[-1]
        assert call.ok
        results = call.params["results"]
        assert results and results[0]["title"] == "Oil prices climb"
        content = results[0]["input_message_content"]
        assert content["parse_mode"] == "HTML" and "<b>OPEC</b>" in content["message_text"]
        await h.feed(h.api.make_inline_query_update(""))
        assert h.api.calls("answerInlineQuery")[-1].params["results"] == []

    run(api, news_corpus, tmp_path, body)


def test_group_rules(api: BotApiServer, news_corpus: Path, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        group = {"chat_type": "supergroup"}
        await h.say("oil prices are up again, lol", **group)
        assert h.replies() == []
        await h.say("@qabot_test_bot what did OPEC agree?", **group)
        reply = h.replies(DEFAULT_GROUP_ID)[-1]
        assert "OPEC" in reply.result["text"] and reply.result["reply_to_message"]
        await h.say(
            "and what about the cup final?", reply_to_message=reply.result["message_id"], **group
        )
        assert len(h.replies()) == 2 and "2-2" in h.last_text()
        await h.say("/ask where did the chip plant open?", **group)
        assert len(h.replies()) == 3 and "Dresden" in h.last_text()
        await h.say(
            "someone reply to a human", reply_to_message=reply.result["reply_to_message"], **group
        )
        assert len(h.replies()) == 3

    run(api, news_corpus, tmp_path, body)


def test_follow_up_uses_the_chat_s_own_context(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "councils"
    write_article(
        corpus,
        "a.txt",
        "Paris",
        "The Paris council approved the budget for 2025 after a long debate.",
    )
    write_article(
        corpus,
        "b.txt",
        "Berlin",
        "The Berlin council rejected the budget for 2025 after a long debate.",
    )

    async def body(h: Harness) -> None:
        await h.say("What did the Paris council decide?", chat_id=1)
        await h.say("What did the Berlin council decide?", chat_id=2)
        await h.say("and the budget?", chat_id=1)
        await h.say("and the budget?", chat_id=2)
        assert "Paris council approved" in h.last_text(1)
        assert "Berlin council rejected" in h.last_text(2)

    run(api, corpus, tmp_path, body)


def test_admin_add_document_and_reindex(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    article = (
        b"Volcano erupts in Iceland\n\n"
        b"A volcano near Grindavik erupted on Monday, forcing evacuations.\n"
    )

    async def body(h: Harness) -> None:
        await h.feed(
            h.api.make_document_message_update(
                "../../evil name.txt", article, caption="/add", user_id=ADMIN
            )
        )
        assert "Saved as <code>evil-name.txt</code>" in h.replies()[-1].params["text"]
        assert (corpus / "evil-name.txt").read_bytes() == article
        await h.say("which volcano erupted?", user_id=ADMIN)
        assert "Grindavik" in h.last_text()

        (corpus / "evil-name.txt").unlink()
        await h.say("/reindex", user_id=ADMIN)
        assert h.last_text().startswith("Index updated: 0 added, 0 changed, 1 removed, 1 unchanged")
        await h.say("which volcano erupted?", user_id=ADMIN)
        assert "Grindavik" not in h.last_text()

    run(api, corpus, tmp_path, body)


def test_admin_add_by_reply_and_bad_files(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        note = h.api.make_message_update(
            "Harbour reopens\n\nThe harbour of Odesa reopened for grain ships on Friday.",
            user_id=ADMIN,
        )
        await h.feed(note)
        await h.say("/add", user_id=ADMIN, reply_to_message=note["message"])
        assert "Saved as <code>harbour-reopens.txt</code>" in h.replies()[-1].params["text"]
        await h.say("when did the harbour of Odesa reopen?", user_id=ADMIN)
        assert "Friday" in h.last_text()

        await h.feed(
            h.api.make_document_message_update("bad.json", b"{nope", caption="/add", user_id=ADMIN)
        )
        assert "could not add bad.json: malformed JSON" in h.last_text()
        await h.feed(
            h.api.make_document_message_update("virus.exe", b"MZ", caption="/add", user_id=ADMIN)
        )
        assert "not an article file" in h.last_text()
        assert not (corpus / "bad.json").exists() and not (corpus / "virus.exe").exists()

    run(api, corpus, tmp_path, body)


def test_oversized_upload_refused_before_download(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        big = b"Title\n\n" + b"word " * 400
        await h.feed(
            h.api.make_document_message_update("big.txt", big, caption="/add", user_id=ADMIN)
        )
        assert "I accept articles up to 1,000 bytes" in h.last_text()
        assert h.api.calls("getFile") == []

    run(api, corpus, tmp_path, body, max_upload_bytes=1000)


def test_non_admins_are_refused(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        await h.say("/reindex", user_id=STRANGER)
        assert h.last_text() == "Sorry, only the bot's admins can do that."
        await h.feed(
            h.api.make_document_message_update(
                "x.txt", b"T\n\nbody", caption="/add", user_id=STRANGER
            )
        )
        assert h.last_text() == "Sorry, only the bot's admins can do that."
        assert not (corpus / "x.txt").exists() and h.api.calls("getFile") == []

    run(api, corpus, tmp_path, body)


def test_rate_limit_is_polite_and_per_user(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        for _ in range(6):
            await h.say("Minsk?", user_id=1, chat_id=1)
        texts = [c.result["text"] for c in h.replies(1)]
        assert len(texts) == 4
        assert texts[3].startswith("You are asking faster than I can read")
        await h.say("Minsk?", user_id=2, chat_id=2)
        assert "Minsk" in h.last_text(2)

    run(api, corpus, tmp_path, body, rate_limit=3)


def test_html_in_articles_and_questions_is_shown_literally(
    api: BotApiServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "html"
    write_article(
        corpus, "x.txt", "<b>Tags</b> & Co",
        'The parser saw <script>alert("x")</script> & <i>italics</i> in the markup filter.',
    )  # fmt: skip

    async def body(h: Harness) -> None:
        await h.say("what did the markup filter see? <b>really</b> & <script>")
        shown = h.last_text()
        assert '<script>alert("x")</script> & <i>italics</i>' in shown
        assert "<b>Tags</b> & Co" in shown
        await h.say("<b>nothing matches</b> & zxqv")
        assert "No article mentions" in h.last_text() and "<b>nothing" not in h.last_text()

    run(api, corpus, tmp_path, body)


def test_long_answers_fit_telegram_limits(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "long"
    sentence = " ".join(f"word{i} and" for i in range(900)) + " elephants marched."
    write_article(
        corpus, "x.txt", "A very long sentence", sentence, sentence.replace("elephants", "giraffes")
    )

    async def body(h: Harness) -> None:
        await h.say("elephants and giraffes")
        call = h.replies()[-1]  # the server rejects anything over 4096 after parsing
        assert call.ok and len(call.result["text"]) <= 4096
        await h.feed(
            h.api.make_callback_query_update(
                call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                message=call.result["message_id"],
            )
        )
        assert h.replies()[-1].ok

    run(api, corpus, tmp_path, body)


def test_odd_messages_get_polite_answers(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        await h.say("?!?")
        assert "Ask a question in words" in h.last_text()
        await h.say("what is it?")
        assert "only common words" in h.last_text()
        await h.say("x" * 5000)
        assert "too long for a question" in h.last_text()
        await h.say("/ask")
        assert h.last_text() == "Usage: /ask your question"
        await h.say("/start")
        assert h.last_text().startswith("Hello! I answer questions about 1 news article, ")
        await h.say("/help")
        assert (
            "Try a question about one of these stories:\n"
            "• Stoltenberg on peace talks with Russia: We cannot have Minsk 3\n"
        ) in h.last_text()
        assert "What about" not in h.last_text()
        await h.say("/sources")
        assert "Indexed articles (1)" in h.last_text()
        await h.say("/stats")
        assert "1 article, 6 passages" in h.last_text()

    run(api, corpus, tmp_path, body)


def test_error_in_handler_apologises_and_bot_goes_on(
    api: BotApiServer,
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body(h: Harness) -> None:
        real = h.qabot.ask
        calls = itertools.count()

        def flaky(*args: Any, **kwargs: Any) -> Any:
            if next(calls) == 0:
                raise RuntimeError("disk on fire")
            return real(*args, **kwargs)

        monkeypatch.setattr(h.qabot, "ask", flaky)
        await h.say("Minsk?")
        assert h.last_text() == "Sorry, something went wrong on my side. Please try again."
        await h.say("Minsk?")
        assert "Minsk" in h.last_text()

    run(api, corpus, tmp_path, body)
    assert "disk on fire" in caplog.text


def test_flood_control_is_waited_out(
    api: BotApiServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")

    async def body(h: Harness) -> None:
        h.api.fail_next("sendMessage", 429, retry_after=1)
        await h.say("Minsk?")
        sent = h.api.calls("sendMessage")
        assert [c.status for c in sent] == [429, 200] and "Minsk" in sent[-1].result["text"]

    run(api, corpus, tmp_path, body)


def test_polling_end_to_end_without_token_in_logs(
    api: BotApiServer,
    corpus: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        async with polling(api, corpus, tmp_path / "index"):
            api.push_update(api.make_message_update("What did Stoltenberg say about Minsk?"))
            call = await api.wait_for_async("sendMessage")
            assert "Minsk" in call.result["text"]

    with logging_restored():
        protect_token_in_logs(api.token)
        # Even with httpx's request log switched back on, the token is redacted.
        logging.getLogger("httpx").setLevel(logging.INFO)
        asyncio.run(main())
    assert api.token not in caplog.text
    assert "/bot<token>/getUpdates" in caplog.text


@pytest.mark.slow
def test_bot_py_serves_telegram_and_stops_on_sigint(api: BotApiServer, corpus: Path) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "QABOT_CORPUS": str(corpus),
        "QABOT_LOG_LEVEL": "DEBUG",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        api.wait_for("setMyCommands", timeout=20)
        api.push_update(api.make_message_update("What did Stoltenberg say about Minsk?"))
        call = api.wait_for("sendMessage", timeout=20)
        assert 'We cannot have Minsk 3," Stoltenberg concluded.' in call.result["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert api.token not in out + err
    assert "getUpdates" in err  # the request log is there, with the token redacted
    names = [c["command"] for c in api.calls("setMyCommands")[-1].params["commands"]]
    assert names[:3] == ["start", "help", "ask"] and "reindex" in names
    # Channel posts, their edits, buttons and the bot's own membership all reach it.
    wanted = {"channel_post", "edited_channel_post", "callback_query", "my_chat_member"}
    assert wanted <= set(api.calls("getUpdates")[-1].params["allowed_updates"])


def start_lines(command: list[str], api: BotApiServer, corpus: Path) -> list[str]:
    """What ``command`` logs of its start (``qabot.telegram_bot.app``), without times."""
    env = {
        **os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
        "QABOT_CORPUS": str(corpus), "QABOT_INDEX": str(corpus.parent / "index"),
    }  # fmt: skip
    env.pop("QABOT_LOG_LEVEL", None)  # each entry point's own default
    api.clear()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )  # fmt: skip
    try:
        api.push_update(api.make_message_update("What did Stoltenberg say about Minsk?"))
        api.wait_for("sendMessage", timeout=30)  # started, and serving
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    # "2024-06-12 10:00:00,123 INFO qabot.telegram_bot.app: …" → "INFO qabot.telegram_bot.app: …"
    return [line.split(" ", 2)[2] for line in err.splitlines() if "qabot.telegram_bot.app" in line]


@pytest.mark.slow
def test_qabot_serve_logs_its_start_as_bot_py_does(api: BotApiServer, corpus: Path) -> None:
    bot_py = start_lines([sys.executable, str(ROOT / "bot.py")], api, corpus)
    serve = start_lines([sys.executable, "-m", "qabot", "serve"], api, corpus)
    assert (
        bot_py
        == serve
        == [
            "INFO qabot.telegram_bot.app: connected to Telegram as @qabot_test_bot",
            f"INFO qabot.telegram_bot.app: serving 1 article (6 passages) from {corpus}",
        ]
    )


def test_rate_limiter_units() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert [limiter.allow(1) for _ in range(4)] == [
        (True, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    assert limiter.allow(2) == (True, False)
    now[0] = 11.0
    assert limiter.allow(1) == (True, False)


def test_group_id_constant_is_a_group() -> None:
    assert DEFAULT_GROUP_ID < 0 < DEFAULT_USER_ID


def test_ask_with_filters_and_a_polite_reply_to_a_bad_one(
    api: BotApiServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "wire"
    corpus.mkdir()
    for name, day, source in (("old", "2024-05-02", "Reuters"), ("new", "2024-06-12", "BBC")):
        (corpus / f"{name}.md").write_text(
            f"---\ntitle: Tram vote <{name}>\ndate: {day}\nsource: {source}\n---\n"
            f"The council voted for the {name} tram line to the harbour.\n"
        )
    for n in range(6):
        write_article(corpus, f"k{n}.txt", f"Kites {n}", f"Kite festival number {n} drew crowds.")

    async def body(h: Harness) -> None:
        group = {"chat_type": "supergroup"}
        await h.say("/ask since:2024-05-01 until:2024-06-30 source:BBC which tram line?", **group)
        text = h.replies(DEFAULT_GROUP_ID)[-1].params["text"]
        head = text.split("\n\n")[0]  # the short answer, then the dated sentence
        assert head.splitlines()[-1].startswith("12 June 2024 — The <b>council voted")
        assert "Tram vote &lt;new&gt;" in text and "&lt;old&gt;" not in text
        # The same tokens in a private chat's question.
        await h.say("which tram line did the council vote for? until:2024-06-01")
        text = h.last_text()
        assert text.split("\n\n")[0].splitlines()[-1].startswith("2 May 2024 — The ")
        assert "Tram vote <new>" not in text
        await h.say("/ask since:<b>soon</b> which tram line?")
        assert h.last_text() == (
            "Sorry, I could not use that filter: since: '<b>soon</b>' is not a date "
            "(use YYYY-MM-DD). Filters go before or after the question, for example: "
            "since:2024-05-01 until:2024-06-30 source:BBC who won the vote?"
        )
        assert "&lt;b&gt;soon" in h.replies()[-1].params["text"]  # escaped, not markup
        # Inline mode reads the same tokens; a bad one offers nothing to share.
        await h.feed(h.api.make_inline_query_update("until:2024-06-01 which tram line?"))
        titles = [r["title"] for r in h.api.calls("answerInlineQuery")[-1].params["results"]]
        assert titles[0] == "Tram vote <old>" and "Tram vote <new>" not in titles
        await h.feed(h.api.make_inline_query_update("since:soon which tram line?"))
        assert h.api.calls("answerInlineQuery")[-1].params["results"] == []
        await h.say("/help")
        assert "source:NAME: only that source" in h.last_text()
        assert "/ask since:2024-05-01 until:2024-06-30 source:BBC" in h.last_text()

    run(api, corpus, tmp_path, body)
