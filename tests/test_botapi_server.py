"""Tests of the stand-in Bot API server, driven through python-telegram-bot's real HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from support.botapi_server import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_GROUP_ID,
    DEFAULT_USER_ID,
    BotApiServer,
    HtmlParseError,
    UploadedFile,
    parse_html,
)
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

T = TypeVar("T")
CHAT = DEFAULT_USER_ID


def with_bot(server: BotApiServer, body: Callable[[Bot], Awaitable[T]], token: str = "") -> T:
    """Run ``body(bot)`` with an initialized telegram.Bot pointed at the server."""

    async def main() -> T:
        bot = Bot(
            token or server.token, base_url=server.base_url, base_file_url=server.base_file_url
        )
        async with bot:
            return await body(bot)

    return asyncio.run(main())


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])


# --------------------------------------------------------------------------- chats
def test_channel_posts_and_chat_members(api: BotApiServer) -> None:
    api.add_chat(DEFAULT_CHANNEL_ID, title="Wire", username="wire")
    api.set_member(DEFAULT_CHANNEL_ID, 42, "administrator")

    def parsed(update: dict[str, Any]) -> Update:
        return Update.de_json(api.push_update(update), None)

    post = parsed(api.make_channel_post_update("Hello", caption=None))
    message = post.channel_post
    assert message is not None and message.sender_chat is not None
    assert message.chat.username == "wire" and message.from_user is None
    edit = parsed(api.make_channel_post_update("Hi", edit_of=message.message_id))
    assert edit.edited_channel_post is not None
    assert edit.edited_channel_post.message_id == message.message_id
    photo = parsed(api.make_channel_post_update(caption="Look")).channel_post
    assert photo is not None and photo.caption == "Look" and photo.photo
    member = parsed(api.make_my_chat_member_update(DEFAULT_CHANNEL_ID))
    assert member.my_chat_member is not None
    assert member.my_chat_member.new_chat_member.status == "administrator"

    async def body(bot: Bot) -> None:
        assert (await bot.get_chat("@wire")).id == DEFAULT_CHANNEL_ID
        assert (await bot.get_chat_member(DEFAULT_CHANNEL_ID, 42)).status == "administrator"
        assert (await bot.get_chat_member(DEFAULT_CHANNEL_ID, 43)).status == "member"
        admins = await bot.get_chat_administrators(DEFAULT_CHANNEL_ID)
        assert [a.user.id for a in admins] == [42]
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.get_chat("@nowhere")

    with_bot(api, body)


# --------------------------------------------------------------------------- basics
def test_get_me_and_send_message(api: BotApiServer) -> None:
    async def body(bot: Bot) -> None:
        me = await bot.get_me()
        assert (me.username, me.is_bot, me.supports_inline_queries) == (
            "qabot_test_bot",
            True,
            True,
        )
        first = await bot.send_message(CHAT, "<b>Paris</b> &amp; <i>Lyon</i>", parse_mode="HTML")
        second = await bot.send_message(CHAT, "plain", reply_markup=keyboard("q:1"))
        assert first.text == "Paris & Lyon"
        assert [(e.type, e.offset, e.length) for e in first.entities] == [
            ("bold", 0, 5),
            ("italic", 8, 4),
        ]
        assert first.from_user is not None and first.from_user.id == me.id
        assert (first.chat.id, first.chat.type) == (CHAT, "private")
        assert second.message_id == first.message_id + 1
        assert second.reply_markup == keyboard("q:1")
        other = await bot.send_message(-100777, "group")
        assert other.message_id == 1

    with_bot(api, body)
    sent = api.sent_messages(CHAT)
    assert [(s.text, s.plain_text, s.parse_mode) for s in sent] == [
        ("<b>Paris</b> &amp; <i>Lyon</i>", "Paris & Lyon", "HTML"),
        ("plain", "plain", None),
    ]
    assert sent[1].reply_markup == {"inline_keyboard": [[{"text": "go", "callback_data": "q:1"}]]}
    call = api.calls("sendMessage")[0]
    assert call.ok and call.params["chat_id"] == CHAT and call.result["text"] == "Paris & Lyon"
    assert [c.method for c in api.calls()][:1] == ["getMe"]
    api.clear()
    assert api.calls() == []


def test_wrong_token_is_unauthorized(api: BotApiServer) -> None:
    with pytest.raises(InvalidToken):
        with_bot(api, lambda bot: bot.get_me(), token="999:wrong")
    response = httpx.post(f"{api.base_url}999:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert api.calls("getMe")[0].status == 401


def test_raw_http_bodies(api: BotApiServer) -> None:
    url = f"{api.base_url}{api.token}"
    with httpx.Client() as client:
        missing = client.post(f"{url}/sendTelepathy", data={"chat_id": "1"})
        assert missing.status_code == 404
        assert missing.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        markup = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
        form = {"chat_id": "5", "text": "123", "reply_markup": json.dumps(markup)}
        assert client.post(f"{url}/sendmessage", data=form).json()["ok"]  # case-insensitive
        assert client.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "true"}).json()["ok"]
        assert client.get(f"{url}/sendMessage", params={"chat_id": "5", "text": "q"}).json()["ok"]
        assert client.get(f"{api.base_file_url}{api.token}/nope/x.txt").status_code == 404
    assert api.calls()[0].params == {"chat_id": 1} and api.calls()[0].status == 404
    texts = [(c.method, c.params["chat_id"], c.params["text"]) for c in api.calls()[1:]]
    assert texts == [("sendMessage", 5, "123"), ("sendMessage", 5, "true"), ("sendMessage", 5, "q")]
    assert api.calls()[1].params["reply_markup"] == markup


# --------------------------------------------------------------------------- HTML parsing
@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("a &lt;b&gt; &amp; &quot;c&quot; &#65;&#x42;", 'a <b> & "c" AB'),
        ("<b>x<i>y</i></b><s>z</s><u>w</u>", "xyzw"),
        ('<a href="https://example.com/?a=1&b=2">link</a>', "link"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote expandable>q</blockquote><STRONG>B</strong>", "qB"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> 2 > 1', "👍 2 > 1"),
        ("", ""),
    ],
)
def test_parse_html_accepts(html: str, plain: str) -> None:
    assert parse_html(html)[0] == plain


def test_parse_html_entities() -> None:
    plain, entities = parse_html(
        '😀<b>a<i>b</i></b><a href="https://x.org">l</a>'
        '<pre><code class="language-py">c</code></pre>'
    )
    assert plain == "😀ablc"
    assert entities == [
        {"type": "bold", "offset": 2, "length": 2},
        {"type": "italic", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 4, "length": 1, "url": "https://x.org"},
        {"type": "pre", "offset": 5, "length": 1, "language": "py"},
    ]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("é<div>", 'Unsupported start tag "div" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("Q&A", 'Unescaped "&" at byte offset 1'),
        ("&nbsp;", 'Unescaped "&" at byte offset 0'),
    ],
)
def test_parse_html_rejects(html: str, reason: str) -> None:
    with pytest.raises(HtmlParseError, match="^" + re.escape(reason)):
        parse_html(html)


def test_parse_html_lenient_ampersand_like_telegram() -> None:
    assert parse_html("Q&A &amp &nbsp;", strict_ampersand=False)[0] == "Q&A & &nbsp;"


# --------------------------------------------------------------------------- Telegram's 400s
def test_bad_requests_like_telegram(api: BotApiServer) -> None:
    async def rejects(call: Awaitable[Any], description: str) -> None:
        with pytest.raises(BadRequest) as caught:
            await call
        assert caught.value.message.startswith(description.removeprefix("Bad Request: ")), (
            caught.value.message
        )

    async def body(bot: Bot) -> None:
        await rejects(
            bot.send_message(CHAT, "1 < 2 <div>", parse_mode="HTML"),
            "Can't parse entities: unsupported start tag",
        )
        await bot.send_message(CHAT, "1 < 2 <div>")  # no parse_mode: plain text
        await rejects(bot.send_message(CHAT, "   "), "Message text is empty")
        await rejects(bot.send_message(CHAT, "<b></b>", parse_mode="HTML"), "Message text is empty")
        await bot.send_message(CHAT, "a" * 4096)
        await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
        await rejects(bot.send_message(CHAT, "a" * 4097), "Message is too long")
        await rejects(bot.send_message(CHAT, "😀" * 2049), "Message is too long")  # 4098 units
        await bot.send_message(CHAT, "x", reply_markup=keyboard("é" * 32))  # 64 bytes
        await rejects(
            bot.send_message(CHAT, "x", reply_markup=keyboard("é" * 33)), "Button_data_invalid"
        )
        await rejects(
            bot.send_message(CHAT, "x", reply_to_message_id=9999), "Message to be replied not found"
        )

    with_bot(api, body)
    failed = [c.response["description"] for c in api.calls("sendMessage") if not c.ok]
    assert failed[0].startswith("Bad Request: can't parse entities: Unsupported start tag")
    assert failed[1:5] == [
        "Bad Request: message text is empty",
        "Bad Request: message text is empty",
        "Bad Request: message is too long",
        "Bad Request: message is too long",
    ]
    assert failed[5] == "Bad Request: BUTTON_DATA_INVALID"


def test_edit_message(api: BotApiServer) -> None:
    async def body(bot: Bot) -> None:
        sent = await bot.send_message(
            CHAT, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("k")
        )
        ids: dict[str, Any] = {"chat_id": CHAT, "message_id": sent.message_id}
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text(
                "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("k"), **ids
            )
        edited = await bot.edit_message_text(
            "<i>v1</i>", parse_mode="HTML", reply_markup=keyboard("k"), **ids
        )
        assert not isinstance(edited, bool) and edited.text == "v1"
        await bot.edit_message_text("<i>v1</i>", parse_mode="HTML", **ids)  # drops the keyboard
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_reply_markup(**ids)
        await bot.edit_message_reply_markup(reply_markup=keyboard("k2"), **ids)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", chat_id=CHAT, message_id=424242)
        user_message = api.push_update(api.make_message_update("mine"))["message"]
        with pytest.raises(BadRequest, match="Message can't be edited"):
            await bot.edit_message_text("x", chat_id=CHAT, message_id=user_message["message_id"])
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.edit_message_text("v3", reply_markup=keyboard("x" * 65), **ids)

    with_bot(api, body)
    message = api.get_message(CHAT, 1)
    assert message is not None and message["text"] == "v1"
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "k2"
    assert [s.plain_text for s in api.sent_messages()] == ["v1", "v1", "v1"]


def test_callback_and_inline_answers(api: BotApiServer) -> None:
    press = api.push_update(api.make_callback_query_update("more"))["callback_query"]
    inline = api.push_update(api.make_inline_query_update("paris"))["inline_query"]

    def articles(*ids: str) -> list[InlineQueryResultArticle]:
        content = InputTextMessageContent("<b>answer</b>", parse_mode="HTML")
        return [InlineQueryResultArticle(i, f"title {i}", content) for i in ids]

    async def body(bot: Bot) -> None:
        with pytest.raises(BadRequest, match="Message_too_long"):
            await bot.answer_callback_query(press["id"], text="x" * 201)
        await bot.answer_callback_query(press["id"], text="x" * 200)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(press["id"])  # already answered
        with pytest.raises(BadRequest, match="Results_too_much"):
            await bot.answer_inline_query(inline["id"], articles(*map(str, range(51))))
        with pytest.raises(BadRequest, match="Result_id_duplicate"):
            await bot.answer_inline_query(inline["id"], articles("a", "a"))
        bad = [
            InlineQueryResultArticle("z", "t", InputTextMessageContent("<x>", parse_mode="HTML"))
        ]
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.answer_inline_query(inline["id"], bad)
        assert await bot.answer_inline_query(inline["id"], articles(*map(str, range(50))))

    with_bot(api, body)
    results = api.calls("answerInlineQuery")[-1].params["results"]
    assert len(results) == 50 and results[0]["input_message_content"]["parse_mode"] == "HTML"


# --------------------------------------------------------------------------- files, commands
def test_files_download_and_upload(api: BotApiServer) -> None:
    content = bytes(range(256)) * 8 + b"\r\n--boundary--\r\n\r\n"
    update = api.push_update(api.make_document_message_update("report.pdf", content))

    async def body(bot: Bot) -> None:
        [received] = await bot.get_updates()
        document = received.message.document  # type: ignore[union-attr]
        assert document is not None and document.file_name == "report.pdf"
        assert (document.mime_type, document.file_size) == ("application/pdf", len(content))
        tg_file = await bot.get_file(document.file_id)
        assert tg_file.file_path and tg_file.file_path.startswith(api.base_file_url)
        buffer = io.BytesIO()
        await tg_file.download_to_memory(buffer)
        assert buffer.getvalue() == content
        assert await tg_file.download_as_bytearray() == content

        sent = await bot.send_document(CHAT, content, filename="copy.bin", caption="<b>c</b>",
                                       parse_mode="HTML")  # fmt: skip
        assert sent.caption == "c" and sent.document is not None
        again = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        assert again == content
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("nope")

    with_bot(api, body)
    assert update["update_id"] == 1
    upload = api.calls("sendDocument")[0].params["document"]
    assert isinstance(upload, UploadedFile)
    assert (upload.filename, upload.data) == ("copy.bin", content)


def test_commands_chat_action_and_webhook(api: BotApiServer) -> None:
    async def body(bot: Bot) -> None:
        commands = [BotCommand("ask", "Ask a question"), BotCommand("help", "Help")]
        assert await bot.set_my_commands(commands)
        assert tuple(await bot.get_my_commands()) == tuple(commands)
        assert await bot.get_my_commands(language_code="de") == ()
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Ask Me", "x")])
        assert await bot.send_chat_action(CHAT, "typing")
        with pytest.raises(BadRequest, match="Wrong parameter action"):
            await bot.send_chat_action(CHAT, "dancing")
        assert await bot.set_webhook("https://example.com/hook")
        assert (await bot.get_webhook_info()).url == "https://example.com/hook"
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert await bot.get_updates() == ()
        assert await bot.log_out() and await bot.close()

    with_bot(api, body)
    assert api.calls("setMyCommands")[0].params["commands"][0] == {
        "command": "ask",
        "description": "Ask a question",
    }


# --------------------------------------------------------------------------- fault injection
def test_fail_next(api: BotApiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else RetryAfter warns (an error under -W error)

    async def body(bot: Bot) -> None:
        api.fail_next("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "a")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
        await bot.send_message(CHAT, "a")
        api.fail_next("sendMessage", 502, times=2)
        for _ in range(2):
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(CHAT, "b")
        await bot.send_message(CHAT, "b")
        api.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(CHAT, "c")
        api.fail_next("getMe", disconnect=True)
        with pytest.raises(NetworkError):
            await bot.get_me()
        assert (await bot.get_me()).username == "qabot_test_bot"

    with_bot(api, body)
    assert [c.status for c in api.calls("sendMessage")] == [429, 200, 502, 502, 200, 400]
    assert api.calls("sendMessage")[0].response["parameters"] == {"retry_after": 3}
    assert [c.status for c in api.calls("getMe")] == [200, 0, 200]
    with pytest.raises(ValueError, match="unknown method"):
        api.fail_next("sendTelepathy")


# --------------------------------------------------------------------------- getUpdates
def test_get_updates_offset_and_limit(api: BotApiServer) -> None:
    for text in ("one", "two", "three"):
        api.push_update(api.make_message_update(text))

    async def body(bot: Bot) -> None:
        first = await bot.get_updates(limit=2)
        assert [u.message.text for u in first] == ["one", "two"]  # type: ignore[union-attr]
        assert len(await bot.get_updates()) == 3  # nothing confirmed yet
        rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=5)  # returns at once
        assert [u.update_id for u in rest] == [3]
        started = time.monotonic()
        assert await bot.get_updates(offset=4, timeout=1) == ()
        assert 0.9 < time.monotonic() - started < 3

    with_bot(api, body)
    assert api.pending_updates() == []


def _poll(api: BotApiServer, out: dict[str, Any], **params: str) -> threading.Thread:
    def run() -> None:
        try:
            with httpx.Client() as client:
                url = f"{api.base_url}{api.token}/getUpdates"
                out["response"] = client.post(url, data=params, timeout=30).json()
        except httpx.HTTPError as err:
            out["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_long_poll_wakes_on_push_and_on_conflict() -> None:
    with BotApiServer() as api:
        out: dict[str, Any] = {}
        thread = _poll(api, out, timeout="20")
        api.wait_until_polling()
        api.push_update(api.make_message_update("wake"))
        thread.join(5)
        assert out["response"]["result"][0]["message"]["text"] == "wake"

        thread = _poll(api, out, timeout="20", offset="2")
        api.wait_until_polling()
        with httpx.Client() as client:
            other = client.post(f"{api.base_url}{api.token}/getUpdates", data={"timeout": "0"})
        assert other.json() == {"ok": True, "result": []}
        thread.join(5)
        assert out["response"]["error_code"] == 409
        assert out["response"]["description"].startswith("Conflict: terminated by other")


def test_stop_is_prompt_while_long_polling() -> None:
    api = BotApiServer().start()
    out: dict[str, Any] = {}
    thread = _poll(api, out, timeout="30")
    api.wait_until_polling()
    started = time.monotonic()
    api.stop()
    assert time.monotonic() - started < 1.0
    thread.join(5)
    assert not thread.is_alive()
    assert "error" in out or out["response"] == {"ok": True, "result": []}
    api.stop()  # idempotent


def test_wait_for_reports_what_it_saw(api: BotApiServer) -> None:
    with_bot(api, lambda bot: bot.get_me())
    assert api.wait_for("getMe").ok
    with pytest.raises(TimeoutError, match=r"(?s)'sendMessage'.*getMe -> 200"):
        api.wait_for("sendMessage", timeout=0.05)
    assert api.wait_for(lambda c: c.method == "getMe", count=2).ok  # initialize() + get_me()
    with pytest.raises(TimeoutError, match=r"no 3 call.*\(2 matched\)"):
        api.wait_for(lambda c: c.method == "getMe", timeout=0.05, count=3)


# --------------------------------------------------------------------------- update builders
def test_update_builders_parse_as_telegram_updates(api: BotApiServer) -> None:
    bot = Bot(api.token)
    command = Update.de_json(api.push_update(api.make_message_update("/ask@qabot_test_bot x")), bot)
    assert command is not None and command.message is not None
    assert command.message.parse_entities() == {command.message.entities[0]: "/ask@qabot_test_bot"}
    assert command.message.entities[0].type == "bot_command"

    earlier = api.push_update(api.make_message_update("first", chat_type="supergroup", user_id=7))[
        "message"
    ]
    mention = api.make_message_update(
        "@qabot_test_bot and 😀 /help",
        chat_type="supergroup",
        reply_to_message=earlier["message_id"],
    )
    message = mention["message"]
    assert message["chat"] == {"id": DEFAULT_GROUP_ID, "type": "supergroup", "title": "Test group"}
    assert [(e["type"], e["offset"], e["length"]) for e in message["entities"]] == [
        ("mention", 0, 15),
        ("bot_command", 23, 5),
    ]
    assert message["reply_to_message"]["text"] == "first"
    assert message["message_id"] == earlier["message_id"] + 1
    parsed = Update.de_json(api.push_update(mention), bot)
    assert parsed is not None and parsed.message is not None
    assert parsed.message.reply_to_message is not None
    custom = api.make_message_update("hi", entities=[])
    assert "entities" not in custom["message"]
    with pytest.raises(ValueError, match="no message 99"):
        api.make_message_update("x", reply_to_message=99)


# --------------------------------------------------------------------------- Application
def test_application_polls_and_replies(api: BotApiServer) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        quote = update.message.chat.type != "private"
        await update.message.reply_text(f"echo: {update.message.text}", do_quote=quote)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            "<b>hi</b>", parse_mode="HTML", reply_markup=keyboard("more")
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {query.data}")

    async def main() -> None:
        app = (
            ApplicationBuilder()
            .token(api.token)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        app.add_handler(CallbackQueryHandler(button))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            api.push_update(api.make_message_update("hello"))
            call = await api.wait_for_async("sendMessage")
            assert call.params["text"] == "echo: hello" and call.params["chat_id"] == CHAT

            api.push_update(api.make_message_update("/start"))
            call = await api.wait_for_async("sendMessage", count=2)
            assert call.result["text"] == "hi" and "reply_markup" in call.result

            press = api.make_callback_query_update("more", message=call.result["message_id"])
            api.push_update(press)
            await api.wait_for_async("answerCallbackQuery")
            edit = await api.wait_for_async("editMessageText")
            assert edit.ok and edit.result["text"] == "pressed more"

            group = api.make_message_update("@qabot_test_bot capital?", chat_type="supergroup")
            api.push_update(group)
            reply = await api.wait_for_async("sendMessage", count=3)
            assert reply.ok and reply.params["chat_id"] == DEFAULT_GROUP_ID
            assert reply.result["reply_to_message"]["text"] == "@qabot_test_bot capital?"
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    asyncio.run(main())
    assert api.pending_updates() == []  # the updater confirmed everything on stop
    assert [s.plain_text for s in api.sent_messages()] == [
        "echo: hello",
        "hi",
        "pressed more",
        "echo: @qabot_test_bot capital?",
    ]
