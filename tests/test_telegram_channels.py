"""Channels and groups as a source: posts in, articles out, through python-telegram-bot's
real update handling against the stand-in Bot API (channel posts, edits, chat members)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from support.botapi_server import DEFAULT_CHANNEL_ID, DEFAULT_GROUP_ID, BotApiServer
from support.telegram_harness import ADMIN, STRANGER, Harness, run, settings_for
from support.waiting import DEADLINE

from qabot import QABot
from qabot.articles import parse_file
from qabot.errors import IndexLockedError
from qabot.telegram_bot import build_application, channels
from qabot.telegram_bot.channels import FOLLOW_FILE, FollowList, post_relpath
from qabot.telegram_bot.state import BotState

BOT_ID = 123456789  # the stand-in's bot, from its token
LISBON = (
    "Tram strike ends\nThe tram drivers of Lisbon ended their strike on Tuesday after a pay deal."
)


def channel(api: BotApiServer, *, admin: bool = True, username: str | None = "harbournews") -> None:
    api.add_chat(DEFAULT_CHANNEL_ID, title="Harbour News", username=username)
    api.set_member(DEFAULT_CHANNEL_ID, BOT_ID, "administrator" if admin else "member")


async def post(h: Harness, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Feed a channel post and wait until the posts saved so far are indexed."""
    update = h.api.make_channel_post_update(text, **kwargs)
    await h.feed(update)
    await state(h).posts.idle()
    return update


def state(h: Harness) -> BotState:
    return h.app.bot_data["state"]  # type: ignore[no-any-return]


async def answerable(qabot: QABot, question: str, words: str) -> str:
    """Poll until the answer to ``question`` holds ``words`` (a generous deadline, no timing)."""
    end = time.monotonic() + DEADLINE
    while True:
        answer = await asyncio.to_thread(qabot.ask, question)
        if words in answer.text:
            return answer.text
        if time.monotonic() > end:
            raise AssertionError(f"{question!r} never answered with {words!r}: {answer.text!r}")
        await asyncio.sleep(0.1)


def article_file(corpus: Path, message_id: int, chat: int = DEFAULT_CHANNEL_ID) -> Path:
    return corpus / post_relpath(chat, message_id)


def test_channel_posts_edits_and_captions_become_articles(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    channel(api)

    async def body(h: Harness) -> None:
        await post(h, "/follow")
        assert h.last_text(DEFAULT_CHANNEL_ID).startswith("Following Harbour News: its new posts")
        update = await post(h, LISBON, date=1718181000)  # 2024-06-12 08:30 UTC
        message_id = update["channel_post"]["message_id"]
        path = article_file(corpus, message_id)
        text = path.read_text(encoding="utf-8")
        assert text.startswith(
            "---\ntitle: Tram strike ends\ndate: 2024-06-12T08:30:00Z\n"
            f"url: https://t.me/harbournews/{message_id}\nsource: Harbour News\n---\n"
        )
        article = parse_file(path, path.name, path.read_bytes())[0][0].article
        assert (article.title, article.source, str(article.published)) == (
            "Tram strike ends", "Harbour News", "2024-06-12",
        )  # fmt: skip
        question = "when did the Lisbon tram drivers end their strike?"
        assert "Tuesday" in await answerable(h.qabot, question, "Tuesday")
        answer = await asyncio.to_thread(h.qabot.ask, question)
        assert answer.passages[0].article.source == "Harbour News"
        assert str(answer.published) == "2024-06-12"

        # An edit replaces the article: the old wording is gone.
        await post(h, LISBON.replace("Tuesday", "Wednesday"), edit_of=message_id)
        assert "Wednesday" in await answerable(h.qabot, question, "Wednesday")
        assert "Tuesday" not in path.read_text(encoding="utf-8")
        assert "2024-06-12T08:30:00Z" in path.read_text(encoding="utf-8")  # the post's date

        # A photo's caption is its text; a photo without one is skipped.
        ferry = await post(h, caption="Ferry hits pier\nThe Cacilhas ferry struck the pier in fog.")
        await answerable(h.qabot, "which ferry struck the pier?", "Cacilhas")
        bare = await post(h, photo=True)
        assert article_file(corpus, ferry["channel_post"]["message_id"]).exists()
        assert not article_file(corpus, bare["channel_post"]["message_id"]).exists()

        # A forwarded post keeps where it came from.
        origin = {
            "type": "channel", "date": 1718000000, "message_id": 77,
            "chat": {"id": -1001111111111, "type": "channel", "title": "Wire", "username": "wire"},
        }  # fmt: skip
        forwarded = await post(
            h, "Port reopens\nThe port of Sines reopened to tankers.", forward_origin=origin
        )
        text = article_file(corpus, forwarded["channel_post"]["message_id"]).read_text()
        assert "source: Harbour News\n" in text
        assert "original_date: 2024-06-10T06:13:20Z\noriginal_source: Wire\n" in text
        assert "original_url: https://t.me/wire/77\n" in text

        # An edit that takes the text away takes the article away.
        await post(h, photo=True, edit_of=ferry["channel_post"]["message_id"])
        assert not article_file(corpus, ferry["channel_post"]["message_id"]).exists()
        answer = await asyncio.to_thread(h.qabot.ask, "which ferry struck the pier?")
        assert "Cacilhas" not in answer.text

    run(api, corpus, tmp_path, body)


def test_follow_needs_the_chat_s_admins_and_the_bot_as_admin(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    channel(api, admin=False)
    api.add_chat(DEFAULT_GROUP_ID, chat_type="supergroup", title="Newsroom")
    group = {"chat_type": "supergroup", "chat_id": DEFAULT_GROUP_ID}
    chief = 5150

    async def body(h: Harness) -> None:
        # A channel where the bot is no admin: it says so and saves nothing.
        await post(h, "/follow")
        assert h.last_text(DEFAULT_CHANNEL_ID).startswith("Make me an administrator of Harbour")
        update = await post(h, LISBON)
        assert not article_file(corpus, update["channel_post"]["message_id"]).exists()

        # In a group, a member who is no admin is refused; an admin is not.
        await h.say("/follow", user_id=STRANGER, **group)
        assert h.last_text(DEFAULT_GROUP_ID) == "Sorry, only this chat's admins can do that."
        h.api.set_member(DEFAULT_GROUP_ID, chief, "administrator")
        await h.say("/follow", user_id=chief, **group)
        assert h.last_text(DEFAULT_GROUP_ID).startswith("Make me an administrator of Newsroom")
        h.api.set_member(DEFAULT_GROUP_ID, BOT_ID, "administrator")
        await h.say("/follow", user_id=chief, **group)
        assert h.last_text(DEFAULT_GROUP_ID).startswith("Following Newsroom")
        assert [c.id for c in state(h).follows.chats()] == [DEFAULT_GROUP_ID]
        await h.say("/unfollow", user_id=STRANGER, **group)
        assert h.last_text(DEFAULT_GROUP_ID) == "Sorry, only this chat's admins can do that."
        assert [c.id for c in state(h).follows.chats()] == [DEFAULT_GROUP_ID]

        # The group's chatter now becomes articles; questions to the bot do not.
        chatter = h.api.make_message_update(LISBON, user_id=STRANGER, **group)
        await h.feed(chatter)
        await state(h).posts.idle()
        chatter_id = chatter["message"]["message_id"]
        assert article_file(corpus, chatter_id, DEFAULT_GROUP_ID).exists()
        await h.say("@qabot_test_bot when did the Lisbon tram strike end?", **group)
        assert "Tuesday" in h.last_text(DEFAULT_GROUP_ID)
        saved = sorted(p.name for p in (corpus / "telegram" / str(DEFAULT_GROUP_ID)).iterdir())
        assert saved == [f"{chatter_id}.md"]

        # In private, only the bot's admins; /follow alone lists what is followed.
        await h.say("/follow @harbournews", user_id=STRANGER, chat_id=STRANGER)
        assert h.last_text(STRANGER) == "Sorry, only the bot's admins can do that."
        await h.say("/follow @harbournews", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN).startswith("Make me an administrator of Harbour News")
        await h.say("/follow @nosuchchannel", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN).startswith("I cannot see that chat.")
        h.api.set_member(DEFAULT_CHANNEL_ID, BOT_ID, "administrator")
        await h.say("/follow @harbournews", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN).startswith("Following Harbour News")
        await h.say("/follow", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN) == (
            "Followed chats (2)\n• Newsroom (-1001234567890)\n"
            "• Harbour News (-1009876543210, @harbournews)"
        )

    run(api, corpus, tmp_path, body)


def test_unfollow_forget_and_a_restart(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    channel(api)

    async def first_run(h: Harness) -> None:
        await post(h, "/follow")
        update = await post(h, LISBON)
        await answerable(h.qabot, "when did the Lisbon tram strike end?", "Tuesday")
        link = f"https://t.me/harbournews/{update['channel_post']['message_id']}"
        await h.say(f"/forget {link}", user_id=STRANGER, chat_id=STRANGER)
        assert h.last_text(STRANGER) == "Sorry, only the bot's admins can do that."
        await h.say("/forget https://example.org/x", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN).startswith("Usage: /forget link")
        await h.say(f"/forget {link}", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN) == "Forgotten: Tram strike ends. I no longer answer from it."
        answer = await asyncio.to_thread(h.qabot.ask, "when did the Lisbon tram strike end?")
        assert "Tuesday" not in answer.text
        await h.say(f"/forget {link}", user_id=ADMIN, chat_id=ADMIN)
        assert h.last_text(ADMIN) == "I have no article of that post."

    run(api, corpus, tmp_path, first_run)
    assert (corpus / FOLLOW_FILE).exists()

    async def after_restart(h: Harness) -> None:
        # Still followed after a restart; /unfollow stops it.
        update = await post(h, "Bridge closes\nThe Vasco da Gama bridge closed for repairs.")
        assert article_file(corpus, update["channel_post"]["message_id"]).exists()
        await post(h, "/unfollow")
        assert h.last_text(DEFAULT_CHANNEL_ID).startswith("No longer following Harbour News.")
        update = await post(h, "Metro extends\nThe Lisbon metro extended its red line.")
        assert not article_file(corpus, update["channel_post"]["message_id"]).exists()

    run(api, corpus, tmp_path, after_restart)


def test_configured_chats_are_followed_without_a_command(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    channel(api)

    async def body(h: Harness) -> None:
        update = await post(h, LISBON)
        assert article_file(corpus, update["channel_post"]["message_id"]).exists()
        await post(h, "/unfollow")
        assert "QABOT_FOLLOW_CHATS: remove it there" in h.last_text(DEFAULT_CHANNEL_ID)

    run(api, corpus, tmp_path, body, follow_chats=frozenset({"harbournews"}))


def test_a_damaged_follow_list_leaves_the_configured_chats_working(
    corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (corpus / FOLLOW_FILE).write_text("{nope")
    follows = FollowList(corpus / FOLLOW_FILE, {DEFAULT_CHANNEL_ID})
    assert follows.follows(DEFAULT_CHANNEL_ID, None)
    assert not follows.follows(DEFAULT_GROUP_ID, None)
    assert "is damaged" in caplog.text


def test_the_bot_made_admin_of_a_channel_is_logged_not_ignored(
    api: BotApiServer, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel(api)
    caplog.set_level(logging.INFO)

    async def body(h: Harness) -> None:
        await h.feed(h.api.make_my_chat_member_update(DEFAULT_CHANNEL_ID))

    run(api, corpus, tmp_path, body)
    assert "made an administrator of channel 'Harbour News' (-1009876543210)" in caplog.text
    assert "ignored update" not in caplog.text


def test_a_burst_of_posts_polled_for_real_is_indexed_with_none_lost(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    channel(api)
    burst = 150
    settings = settings_for(api, follow_chats=frozenset({DEFAULT_CHANNEL_ID}))

    async def main() -> None:
        qabot = QABot.open(corpus, tmp_path / "index")
        app = build_application(qabot, settings)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            for n in range(burst):
                api.push_update(
                    api.make_channel_post_update(
                        f"Bulletin {n}\nHarbour bulletin number {n} names the ship zqship{n}."
                    )
                )
            end = time.monotonic() + DEADLINE
            while len(qabot.articles()) < burst + 1 and time.monotonic() < end:
                await asyncio.sleep(0.1)
            await app.bot_data["state"].posts.idle()
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        assert len(qabot.articles()) == burst + 1  # the demo article and every post
        for n in (0, burst // 2, burst - 1):
            answer = await asyncio.to_thread(qabot.ask, f"which bulletin names zqship{n}?")
            assert f"zqship{n}" in answer.text

    asyncio.run(main())


def test_posts_whose_index_update_failed_are_indexed_later(
    api: BotApiServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel(api)
    monkeypatch.setattr(channels, "RETRY_SECONDS", 0.01)

    async def body(h: Harness) -> None:
        real = h.qabot.reindex
        failures = [IndexLockedError("another process is updating the index")]

        def locked_once(*args: Any, **kwargs: Any) -> Any:
            if failures:
                raise failures.pop()
            return real(*args, **kwargs)

        monkeypatch.setattr(h.qabot, "reindex", locked_once)
        await post(h, LISBON)
        assert not failures and state(h).posts.pending == 0
        await answerable(h.qabot, "when did the Lisbon tram strike end?", "Tuesday")

    run(api, corpus, tmp_path, body, follow_chats=frozenset({DEFAULT_CHANNEL_ID}))
