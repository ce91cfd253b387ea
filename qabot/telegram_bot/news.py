"""News in through Telegram: admins add articles by link and manage feeds; feeds polled on a
schedule with python-telegram-bot's JobQueue.

Fetching, extracting and indexing run in worker threads, one index change at a time (the
lock that /reindex and uploads share); the event loop never waits on a web site.
"""

from __future__ import annotations

import asyncio
import logging
import re

from qabot import render
from qabot.errors import FeedError, FetchError, QABotError
from qabot.feeds import FeedList, subscribe
from qabot.ingest import Added
from qabot.telegram_bot import texts
from qabot.telegram_bot.handlers import change_index
from qabot.telegram_bot.policies import refuse
from qabot.telegram_bot.ptb import ContextTypes, Message, Update, filters
from qabot.telegram_bot.state import state_of
from qabot.telegram_bot.transport import reply

__all__ = ["ADD_LINKS", "LINKS", "on_add_links", "on_feeds", "on_links", "poll_feeds_job"]

log = logging.getLogger(__name__)

#: At most this many links are added from one message.
MAX_LINKS = 10
_LINK = re.compile(r"https?://\S+", re.I)


def links_in(text: str) -> list[str]:
    """The http(s) links of a message that holds links only, else ``[]`` (a question)."""
    words = text.split()
    if not words or not all(_LINK.fullmatch(w) for w in words):
        return []
    return list(dict.fromkeys(words))


class _LinksOnly(filters.MessageFilter):
    """A text message made of one or more links and nothing else."""

    def filter(self, message: Message) -> bool:
        # python-telegram-bot does not check types: a malformed update may carry a number.
        return isinstance(message.text, str) and bool(links_in(message.text))


LINKS = filters.TEXT & ~filters.COMMAND & _LinksOnly()
#: ``/add`` followed by links (``/add`` alone, or in reply to an article, is the upload's).
ADD_LINKS = filters.Regex(re.compile(r"^/add(@\w+)?\s+https?://", re.I))


async def add_links(update: Update, context: ContextTypes.DEFAULT_TYPE, urls: list[str]) -> None:
    """Fetch, save and index the articles at ``urls``; one line about each."""
    message = update.effective_message
    if message is None:
        return
    qabot = state_of(context).qabot
    if len(urls) > MAX_LINKS:
        await reply(message, texts.too_many_links_message(MAX_LINKS))
        return
    results = await change_index(update, context, lambda: qabot.add_urls(urls))
    if results is None:
        return
    lines = [
        texts.url_added_message(r.article, r.new)
        if isinstance(r, Added)
        else texts.url_not_added_message(r.url, r.reason)
        for r in results
    ]
    await reply(message, "\n".join(lines))


async def on_add_links(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add URL… (admins): add each article."""
    await add_links(update, context, links_in(" ".join(context.args or [])))


async def on_links(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message of links from an admin (in private): add each article."""
    message = update.effective_message
    if message is not None and isinstance(message.text, str):
        await add_links(update, context, links_in(message.text))


async def on_feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds (admins): list; /feeds add URL; /feeds remove URL."""
    message = update.effective_message
    if message is None:
        return
    qabot = state_of(context).qabot
    settings = qabot.settings
    args = context.args or []
    action = args[0].lower() if args else "list"
    if action == "list" and len(args) <= 1:
        feeds = await asyncio.to_thread(lambda: FeedList.of(settings).feeds())
        await reply(message, texts.feeds_message([(f.url, f.title) for f in feeds]))
        return
    if action not in ("add", "remove") or len(args) != 2:
        await refuse(update, context, texts.FEEDS_USAGE)
        return
    url = args[1]
    try:
        if action == "add":
            feed, new = await asyncio.to_thread(subscribe, settings, url)
            text = texts.feed_added_message(url, feed.title, new)
        else:
            removed = await asyncio.to_thread(FeedList.of(settings).remove, url)
            text = texts.feed_removed_message(url, removed)
    except (FetchError, FeedError) as exc:
        text = render.escape(str(exc))
    await reply(message, text)


async def poll_feeds_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The scheduled poll: every feed once, new items added and indexed."""
    state = state_of(context)
    async with state.reindex_lock:
        try:
            report = await asyncio.to_thread(state.qabot.poll_feeds)
        except QABotError as exc:  # a damaged feed list, a locked index: next time, maybe
            log.warning("polling the feeds failed: %s", exc)
            return
    log.info("feeds polled: %s", report)
    for failed in report.failed:
        log.warning("feed item not added: %s: %s", failed.url, failed.reason)
