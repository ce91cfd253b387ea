"""/quotes in Telegram, and answers that are statement timelines, through the stand-in Bot API.

Statement timelines are paged in place with "◂ Earlier" / "Later ▸" buttons that carry
python-telegram-bot's arbitrary callback data, bound to the chat they were sent to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from support.botapi_server import DEFAULT_GROUP_ID, BotApiServer, Call
from support.corpus import write_article
from support.telegram_harness import Harness, run

from qabot.telegram_bot import app as telegram_app

#: What Anna Kowalska said, one statement a story, a week or so apart from 1 March 2024.
SAID = [
    "We will rebuild the northern pier before the storms arrive",
    "Cranes from Rotterdam are expected in the harbour by spring",
    "Fishermen deserve cheaper mooring fees at the harbour",
    "The dredging contract was signed with a Danish firm",
    "Tourist ferries bring money but also congestion to the harbour",
    "Our lighthouse needs a new lamp and fresh paint",
    "Container traffic doubled since the customs office moved",
    "Pollution in the harbour basin has fallen by half",
    "The old warehouse will become a maritime museum",
    "Night shifts at the docks must end by midnight",
    "Ice breakers kept the harbour open all January",
    "A second rail link to the quays is overdue",
]


def day_of(n: int) -> str:
    return f"2024-{n // 4 + 3:02d}-{n % 4 * 7 + 1:02d}"


def harbour_corpus(folder: Path) -> Path:
    """Twelve dated stories, each quoting Anna Kowalska once; one republished by a second
    source; one undated; one with no link; the unrelated demo article is not needed."""
    folder.mkdir()
    for n, words in enumerate(SAID):
        url = f"https://news.example/h{n}?a=1&b=2" if n != 3 else "ftp://news.example/h3"
        (folder / f"h{n:02d}.md").write_text(
            f"---\ntitle: Harbour report {n}\ndate: {day_of(n)}\nurl: {url}\nsource: Wire\n---\n"
            f"The harbour board met on Monday.\n\n"
            f'"{words}," Anna Kowalska said.\n'
        )
    (folder / "copy.md").write_text(
        "---\ntitle: Harbour report 0, as the Gazette ran it\ndate: 2024-03-02\n"
        "url: https://gazette.example/pier\nsource: Gazette\n---\n"
        "The Gazette sat in on the harbour board's meeting, which ran late into the night.\n\n"
        f'"{SAID[0]}," Anna Kowalska said.\n'
    )
    write_article(
        folder, "undated.txt", "Harbour notes",
        '"The harbour cats are the real harbour masters," Anna Kowalska said.',
    )  # fmt: skip
    return folder


def buttons(call: Call) -> list[str]:
    markup = call.result.get("reply_markup") or {"inline_keyboard": []}
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


def shown_statements(text: str) -> list[str]:
    """The words of each statement shown, in order."""
    return re.findall(r"Anna Kowalska: “([^”]*)”", text)


def test_quotes_pages_forward_and_back_in_place(api: BotApiServer, tmp_path: Path) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        await h.say("/quotes Kowalska")
        first = h.replies()[-1]
        text = first.result["text"]
        assert text.startswith("🗣 Kowalska: 13 statements, oldest first.\nPage 1 of 3\n\n")
        assert shown_statements(text) == SAID[:5]
        # The day, the speaker, the words quoted, and the citation with its link.
        markup = first.params["text"]
        assert (
            "<b>1 March 2024 — Anna Kowalska</b>: “We will rebuild the northern pier before the "
            "storms arrive”\n<i>Harbour report 0</i>, ¶2, 2024-03-01, "
            '<a href="https://news.example/h0?a=1&amp;b=2">link</a>\n'
            "<i>Also reported by</i> <i>Harbour report 0, as the Gazette ran it</i>, 2024-03-02, "
            '<a href="https://gazette.example/pier">link</a>'
        ) in markup
        # No link for an address that is not http(s).
        assert "<i>Harbour report 3</i>, ¶2, 2024-03-22\n" in markup + "\n"
        assert "ftp:" not in markup
        assert buttons(first) == ["Later ▸"]
        assert all(
            len(b["callback_data"].encode()) <= 64
            for row in first.params["reply_markup"]["inline_keyboard"]
            for b in row
        )

        await h.press(first)  # Later ▸
        second = h.api.calls("editMessageText")[-1]
        assert second.ok and second.params["message_id"] == first.result["message_id"]
        assert "Page 2 of 3" in second.result["text"]
        assert shown_statements(second.result["text"]) == SAID[5:10]
        assert buttons(second) == ["◂ Earlier", "Later ▸"]

        await h.press(second, 0, 1)  # Later ▸
        third = h.api.calls("editMessageText")[-1]
        assert "Page 3 of 3" in third.result["text"]
        assert shown_statements(third.result["text"]) == [
            *SAID[10:],
            "The harbour cats are the real harbour masters",  # undated: last, with no day
        ]
        assert "\n<b>Anna Kowalska</b>: “The harbour cats" in third.params["text"]
        assert buttons(third) == ["◂ Earlier"]

        await h.press(third)  # ◂ Earlier
        back = h.api.calls("editMessageText")[-1]
        assert back.ok and back.result["text"] == second.result["text"]
        await h.press(back)  # ◂ Earlier
        assert h.api.calls("editMessageText")[-1].result["text"] == text
        assert len(h.replies()) == 1  # paged in place, never a new message

    run(api, corpus, tmp_path, body)


def test_quote_buttons_pressed_in_another_chat_show_nothing_of_the_first(
    api: BotApiServer, tmp_path: Path
) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        await h.say("/quotes Kowalska", user_id=1, chat_id=1)
        first = h.replies(1)[-1]
        await h.press(first, chat_id=2, user_id=2)
        refused = h.api.calls("answerCallbackQuery")[-1]
        assert refused.ok and refused.params["show_alert"]
        assert "another chat" in refused.params["text"]
        assert h.replies(2) == [] and h.api.calls("editMessageText") == []
        shown = [str(c.params) for c in h.api.calls() if c.params.get("chat_id") == 2]
        assert not any("Kowalska" in text or "harbour" in text for text in shown)
        # In its own chat the button still works; after the bot forgets it, it asks again.
        await h.press(first, user_id=1)
        assert "Page 2 of 3" in h.api.calls("editMessageText")[-1].result["text"]
        h.app.bot.callback_data_cache.clear_callback_data()  # as after a restart
        await h.press(first, user_id=1)
        stale = h.api.calls("answerCallbackQuery")[-1]
        assert stale.ok and stale.params["show_alert"] and "older answer" in stale.params["text"]
        assert len(h.api.calls("editMessageText")) == 1

    run(api, corpus, tmp_path, body)


def test_quotes_usage_unknown_names_topics_and_groups(api: BotApiServer, tmp_path: Path) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        await h.say("/quotes")
        assert h.last_text() == "Write a name, and a topic if you like: /quotes Stoltenberg Minsk"
        await h.say("/quotes   since:2024-03-01")
        assert h.last_text().startswith("Write a name")
        await h.say("/quotes Nobody <b>at all</b>")
        assert h.last_text() == "No quotation of Nobody <b>at all</b> in the indexed articles."
        assert "Nobody &lt;b&gt;at all&lt;/b&gt;" in h.replies()[-1].params["text"]
        await h.say("/quotes Kowalska about zebras")
        assert h.last_text() == "No quotation of Kowalska about zebras in the indexed articles."
        # A topic: only what she said about it, on one page, so no buttons.
        await h.say("/quotes Kowalska lighthouse")
        call = h.replies()[-1]
        assert call.result["text"].startswith("🗣 Kowalska about lighthouse: 1 statement")
        assert shown_statements(call.result["text"]) == [SAID[5]]
        assert "Page" not in call.result["text"] and "reply_markup" not in call.params
        # In a group, /quotes works as /ask does: addressed or not, as a reply.
        group = {"chat_type": "supergroup"}
        await h.say("/quotes Kowalska about the dredging contract", **group)
        reply = h.replies(DEFAULT_GROUP_ID)[-1]
        assert reply.result["reply_to_message"]
        assert shown_statements(reply.result["text"]) == [SAID[3]]
        await h.say("/quotes@qabot_test_bot Kowalska", **group)
        assert "Page 1 of 3" in h.last_text(DEFAULT_GROUP_ID)
        await h.press(h.replies(DEFAULT_GROUP_ID)[-1])
        assert "Page 2 of 3" in h.api.calls("editMessageText")[-1].result["text"]

    run(api, corpus, tmp_path, body)


def test_quotes_filters_and_a_bad_one(api: BotApiServer, tmp_path: Path) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        await h.say("/quotes since:2024-04-01 until:2024-04-30 Kowalska")
        text = h.last_text()
        assert text.startswith("🗣 Kowalska: 4 statements, oldest first.\n\n")
        assert shown_statements(text) == SAID[4:8]
        await h.say("/quotes Kowalska source:Gazette")
        assert shown_statements(h.last_text()) == [SAID[0]]
        assert "as the Gazette ran it" in h.last_text() and "Also reported" not in h.last_text()
        await h.say("/quotes since:<b>soon</b> Kowalska")
        assert h.last_text() == (
            "Sorry, I could not use that filter: since: '<b>soon</b>' is not a date "
            "(use YYYY-MM-DD). Filters go before or after the question, for example: "
            "since:2024-05-01 until:2024-06-30 source:BBC who won the vote?"
        )
        assert "&lt;b&gt;soon" in h.replies()[-1].params["text"]

    run(api, corpus, tmp_path, body)


def test_quotations_holding_markup_are_shown_literally(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "markup"
    corpus.mkdir()
    (corpus / "x.md").write_text(
        "---\ntitle: <b>Tags</b> & Co\ndate: 2024-05-02\n"
        'url: https://e.example/?q=<script>&x="1"&y=2\n---\n'
        "The parser team met.\n\n"
        '"Never write <script> & expect a > b to hold," Anna Kowalska said.\n'
    )

    async def body(h: Harness) -> None:
        await h.say("/quotes Kowalska <i>zebras</i>")
        assert "No quotation of Kowalska about <i>zebras</i> in" in h.last_text()
        await h.say("/quotes Kowalska")
        call = h.replies()[-1]
        assert call.ok
        shown = call.result["text"]
        assert "Anna Kowalska: “Never write <script> & expect a > b to hold”" in shown
        assert "<b>Tags</b> & Co, ¶2, 2024-05-02, link" in shown
        markup = call.params["text"]
        assert "“Never write &lt;script&gt; &amp; expect a &gt; b to hold”" in markup
        href = "https://e.example/?q=&lt;script&gt;&amp;x=&quot;1&quot;&amp;y=2"
        assert f'<a href="{href}">link</a>' in markup
        links = [e for e in call.result.get("entities", []) if e["type"] == "text_link"]
        assert [e["url"] for e in links] == ['https://e.example/?q=<script>&x="1"&y=2']

    run(api, corpus, tmp_path, body)


def test_a_long_timeline_stays_within_telegram_limits(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "long"
    corpus.mkdir()
    for n in range(12):
        words = " ".join(f"w{n}x{i} &" for i in range(400))  # ~3,000 characters each
        title = "Ünïcode 🚢 title & more " * 12
        (corpus / f"s{n:02d}.md").write_text(
            f"---\ntitle: {title}{n}\ndate: {day_of(n)}\n"
            f"url: https://e.example/{'&' * 200}/{n}\n---\n"
            "The harbour board met.\n\n"
            f'"Harbour {words} harbour," Anna Kowalska said.\n'
        )
        # The same words, republished under other titles: a long "also reported by".
        for copy in range(5):
            (corpus / f"s{n:02d}-copy{copy}.md").write_text(
                f"---\ntitle: {title}copy {copy} of {n}\ndate: {day_of(n)}\n"
                f"url: https://copy{copy}.example/{'&' * 200}/{n}\n---\n"
                f"Desk {copy} of paper {n} sat in on the meeting of the board, late at night.\n\n"
                f'"Harbour {words} harbour," Anna Kowalska said.\n'
            )

    def within_limits(call: Call, statements: int = 5) -> None:
        # The server rejects anything over 4096 after parsing; the markup fits too.
        assert call.ok, call.response
        assert len(call.params["text"].encode("utf-16-le")) // 2 <= 4096
        assert call.result["text"].count("Anna Kowalska: “Harbour") == statements
        assert "…”" in call.result["text"]  # the long words trimmed, the marks kept
        assert "Also reported by 5 other stories" in call.result["text"]

    async def body(h: Harness) -> None:
        await h.say("/quotes Kowalska")
        first = h.replies()[-1]
        within_limits(first)
        assert "Page 1 of 3" in first.result["text"]
        await h.press(first)
        within_limits(h.api.calls("editMessageText")[-1])
        await h.press(h.api.calls("editMessageText")[-1], 0, 1)
        within_limits(h.api.calls("editMessageText")[-1], 2)

    run(api, corpus, tmp_path, body)


def test_an_over_time_question_answers_with_paged_statements(
    api: BotApiServer, tmp_path: Path
) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        await h.say("What has Kowalska said over time?")
        first = h.replies()[-1]
        text = first.result["text"]
        # The answer says how many; Telegram shows them five a page.
        assert text.startswith(
            "💬 Anna Kowalska: 13 statements, 2024-03-01 to 2024-05-22, oldest first."
            "\nPage 1 of 3\n\n"
        )
        assert shown_statements(text) == SAID[:5]
        assert "Also reported by Harbour report 0, as the Gazette ran it" in text
        # The 👍 / 👎 row stays under every page: the pages are one answer.
        assert buttons(first) == ["Later ▸", "👍", "👎"]
        await h.press(first)
        second = h.api.calls("editMessageText")[-1]
        assert second.ok and "Page 2 of 3" in second.result["text"]
        assert second.result["text"].startswith("💬 Anna Kowalska: 13 statements")
        assert shown_statements(second.result["text"]) == SAID[5:10]
        assert buttons(second) == ["◂ Earlier", "Later ▸", "👍", "👎"]
        await h.press(second)  # ◂ Earlier
        assert h.api.calls("editMessageText")[-1].result["text"] == text
        # Pressed in another chat, it shows nothing there.
        await h.press(first, chat_id=2, user_id=2)
        assert "another chat" in h.api.calls("answerCallbackQuery")[-1].params["text"]
        assert h.replies(2) == []
        # About a topic: a single page, no page buttons.
        await h.say("What has Kowalska said about the lighthouse over time?")
        call = h.replies()[-1]
        assert call.result["text"].startswith("💬 Anna Kowalska about lighthouse: 1 statement")
        assert shown_statements(call.result["text"]) == [SAID[5]]
        assert buttons(call) == ["👍", "👎"]

    run(api, corpus, tmp_path, body)


def test_quotes_count_as_questions_for_the_rate_limit(api: BotApiServer, tmp_path: Path) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        for _ in range(3):
            await h.say("/quotes Kowalska lighthouse", user_id=1, chat_id=1)
        await h.say("what did Kowalska say about the lighthouse?", user_id=1, chat_id=1)
        texts = [c.result["text"] for c in h.replies(1)]
        assert len(texts) == 3 and texts[2].startswith("You are asking faster than I can read")
        await h.say("/quotes Kowalska lighthouse", user_id=2, chat_id=2)
        assert "lighthouse: 1 statement" in h.last_text(2)

    run(api, corpus, tmp_path, body, rate_limit=2)


def test_quotes_is_in_the_help_and_the_command_menu(api: BotApiServer, tmp_path: Path) -> None:
    corpus = harbour_corpus(tmp_path / "harbour")

    async def body(h: Harness) -> None:
        await h.say("/help")
        assert "/quotes name [topic]: what someone said, oldest first" in h.last_text()
        await telegram_app._post_init(h.app)  # what run_polling does before polling
        menu: list[dict[str, Any]] = h.api.calls("setMyCommands")[-1].params["commands"]
        assert {"command": "quotes", "description": "what someone said, oldest first"} in menu

    run(api, corpus, tmp_path, body)
