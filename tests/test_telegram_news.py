"""News in through Telegram: links and /feeds from admins, the scheduled feed poll.

Through python-telegram-bot's real HTTP stack and the stand-in Bot API server, with the
pages served by a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.botapi_server import BotApiServer
from support.telegram_harness import ADMIN, STRANGER, Harness, settings_for
from support.web_server import BRIDGE, WebServer, article_page, serving

from qabot import QABot
from qabot.config import FetchSettings, Settings
from qabot.feeds import FeedList
from qabot.telegram_bot import build_application


@pytest.fixture
def web() -> Iterator[WebServer]:
    with serving() as server:
        yield server


def open_qabot(corpus: Path, tmp_path: Path, allow_private: bool = True) -> QABot:
    settings = replace(Settings(), fetch=FetchSettings(allow_private=allow_private))
    return QABot.open(corpus, tmp_path / "index", settings=settings)


@asynccontextmanager
async def harness(api: BotApiServer, qabot: QABot, **changes: Any) -> AsyncIterator[Harness]:
    app = build_application(qabot, settings_for(api, **changes))
    await app.initialize()
    try:
        yield Harness(api, app, qabot)
    finally:
        await app.shutdown()


def run(api: BotApiServer, qabot: QABot, body: Callable[[Harness], Awaitable[None]]) -> None:
    async def main() -> None:
        async with harness(api, qabot) as h:
            await body(h)

    asyncio.run(main())


def test_an_admin_adds_articles_by_link(
    api: BotApiServer, web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    url = web.add("/bridge.html", article_page("Tagus bridge <reopens>", BRIDGE))
    missing = web.url("/gone.html")

    async def body(h: Harness) -> None:
        await h.say(f"{url} {missing}", user_id=ADMIN)
        assert h.last_text() == (
            "Added: Tagus bridge <reopens> (2024-06-12)\n"
            f"Could not add {missing}: no such page (HTTP 404)"
        )
        assert "<b>Tagus bridge &lt;reopens&gt;</b>" in h.replies()[-1].params["text"]
        await h.say("how much did the bridge repairs cost?", user_id=ADMIN)
        assert "41 million" in h.last_text()
        await h.say(f"/add {url}", user_id=ADMIN)
        assert h.last_text() == "Already added: Tagus bridge <reopens> (2024-06-12)"
        assert web.paths().count("/bridge.html") == 1

    run(api, open_qabot(corpus, tmp_path), body)


def test_links_from_others_are_refused_and_questions_with_links_are_questions(
    api: BotApiServer, web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    url = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))

    async def body(h: Harness) -> None:
        await h.say(url, user_id=STRANGER)
        assert h.last_text() == "Sorry, only the bot's admins can do that."
        await h.say(f"/add {url}", user_id=STRANGER)
        assert h.last_text() == "Sorry, only the bot's admins can do that."
        await h.say(f"what did Stoltenberg say about Minsk? {url}", user_id=ADMIN)
        assert "Minsk" in h.last_text()
        assert web.requests == []

    run(api, open_qabot(corpus, tmp_path), body)


def test_a_local_link_is_refused_unless_private_urls_are_allowed(
    api: BotApiServer, web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    url = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))

    async def body(h: Harness) -> None:
        await h.say(url, user_id=ADMIN)
        assert h.last_text().startswith(f"Could not add {url}: 127.0.0.1 is a loopback address")
        await h.say("/add http://169.254.169.254/latest/meta-data/", user_id=ADMIN)
        assert "a link-local (cloud metadata) address" in h.last_text()
        assert web.requests == []

    run(api, open_qabot(corpus, tmp_path, allow_private=False), body)


def test_admins_manage_feeds(
    api: BotApiServer, web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    feed = web.add(
        "/rss.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Lisbon &amp; Daily</title>'
        "</channel></rss>",
        content_type="application/rss+xml",
    )  # fmt: skip
    page = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))

    async def body(h: Harness) -> None:
        await h.say("/feeds", user_id=ADMIN)
        assert h.last_text().startswith("No feeds yet.")
        await h.say(f"/feeds add {feed}", user_id=ADMIN)
        assert h.last_text() == f"Added the feed {feed} (Lisbon & Daily)"
        await h.say(f"/feeds add {page}", user_id=ADMIN)
        assert h.last_text() == f"cannot add the feed {page}: it is not an RSS or Atom feed"
        await h.say("/feeds", user_id=ADMIN)
        assert h.last_text() == f"Feeds (1)\n• Lisbon & Daily: {feed}"
        await h.say("/feeds", user_id=STRANGER)
        assert h.last_text() == "Sorry, only the bot's admins can do that."
        await h.say(f"/feeds remove {feed}", user_id=ADMIN)
        assert h.last_text() == f"Removed the feed {feed}"
        await h.say("/feeds drop everything", user_id=ADMIN)
        assert h.last_text().startswith("/feeds lists the feeds")

    qabot = open_qabot(corpus, tmp_path)
    run(api, qabot, body)
    assert FeedList.of(qabot.settings).feeds() == []


def test_the_bot_polls_its_feeds_on_a_schedule(
    api: BotApiServer, web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    page = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))
    feed = web.add(
        "/rss.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Lisbon Daily</title>'
        f"<item><title>Bridge</title><link>{page}</link></item></channel></rss>",
        content_type="application/rss+xml", etag='"v1"',
    )  # fmt: skip
    qabot = open_qabot(corpus, tmp_path)
    FeedList.of(qabot.settings).add(feed)

    async def main() -> None:
        # Every 0.3 s (0.005 minutes), the first poll as soon.
        app = build_application(qabot, settings_for(api, feed_interval=0.005))
        await app.initialize()
        await app.start()
        try:
            for _ in range(200):  # until two polls have been made, at most 20 s
                if web.not_modified >= 1:
                    break
                await asyncio.sleep(0.1)
        finally:
            await app.stop()
            await app.shutdown()

    asyncio.run(main())
    assert web.not_modified >= 1  # the second poll asked conditionally and got a 304
    assert web.paths().count("/bridge.html") == 1
    assert "41 million" in qabot.ask("how much did the bridge repairs cost").text
