"""The wire to Telegram: readable updates, retried sends, and no bot token in the logs.

What python-telegram-bot does not do for us: it fails a whole getUpdates batch on one
malformed update (so :class:`TolerantUpdatesRequest` reduces such an update to its id),
it does not retry a send on flood control or a network error (so :func:`retrying` does,
when a retry cannot do harm), and its HTTP client logs URLs that carry the token (so
:func:`protect_token_in_logs` redacts them, and the webhook secret too).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from qabot.telegram_bot.ptb import (
    BadRequest,
    HTTPXRequest,
    InlineKeyboardMarkup,
    Message,
    NetworkError,
    RetryAfter,
    Update,
)

__all__ = [
    "TokenFilter",
    "TolerantUpdatesRequest",
    "edit",
    "protect_token_in_logs",
    "reply",
    "retrying",
]

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 4
#: Longer waits asked by Telegram are not waited out: the send fails and is logged.
MAX_RETRY_AFTER = 30.0
#: The first wait before a retry after a network error, doubled on each further one.
FIRST_BACKOFF = 0.5

T = TypeVar("T")


class TolerantUpdatesRequest(HTTPXRequest):
    """The getUpdates connection, made to step over updates python-telegram-bot cannot read.

    python-telegram-bot parses a getUpdates batch as a whole: one malformed update (a field
    missing, a type changed) fails the batch, which is then fetched again, and again, so
    polling stalls for good. Here such an update is reduced to its bare ``update_id``: it
    is logged, no handler takes it, and polling moves past it.
    """

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        return status, _readable_updates(payload) if status == 200 else payload


def _readable_updates(payload: bytes) -> bytes:
    """A getUpdates response with every unreadable update reduced to its ``update_id``."""
    try:
        body = json.loads(payload)
        updates = body["result"]
    except (ValueError, TypeError, KeyError):
        return payload  # not an update list: python-telegram-bot reports it
    if not isinstance(updates, list):
        return payload
    readable = [_readable_update(raw) for raw in updates]
    if readable == updates:
        return payload
    body["result"] = [u for u in readable if u is not None]
    return json.dumps(body).encode()


def _readable_update(raw: Any) -> Any:
    """``raw`` if python-telegram-bot can parse it, else its bare ``update_id`` (or ``None``)."""
    try:
        Update.de_json(raw, None)
    except Exception as exc:  # any parsing failure: the library raises many kinds
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.warning("ignoring update %s: it cannot be read (%r)", update_id, exc)
        return {"update_id": update_id} if isinstance(update_id, int) else None
    return raw


class TokenFilter(logging.Filter):
    """Removes the bot token, and any other secret given, from log records.

    HTTP client logs carry the token in URLs; python-telegram-bot's debug log of
    ``setWebhook`` carries the webhook secret.
    """

    def __init__(self, token: str, *secrets: str) -> None:
        super().__init__()
        self._secrets = [(token, "<token>"), *((s, "<secret>") for s in secrets if s)]

    def _redact(self, text: str) -> str:
        for secret, placeholder in self._secrets:
            text = text.replace(secret, placeholder)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        return True


def protect_token_in_logs(token: str, *secrets: str) -> None:
    """Keep the token (and ``secrets``) out of every log handler; keep httpx's request log quiet."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    token_filter = TokenFilter(token, *secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)


def _never_sent(exc: NetworkError) -> bool:
    """Whether the request surely did not reach Telegram: no connection was ever made."""
    return isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


async def retrying(send: Callable[[], Awaitable[T]], *, idempotent: bool = False) -> T:
    """Send, retrying what a retry can fix and cannot make worse.

    * Flood control (429, :class:`RetryAfter`): Telegram did nothing; wait as asked.
    * A request that never left (no connection, pool exhausted): retried with backoff.
    * A request that may have arrived (a timeout while waiting for the answer, a dropped
      connection, a 5xx): retried only when ``idempotent``, such as reading a file. A
      message sent twice is worse than one lost (the error handler apologises), so sends
      are not repeated.
    * Anything else (400 Bad Request, 403 Forbidden, …) would fail the same way again.
    """
    delay = FIRST_BACKOFF
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await send()
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            if attempt == SEND_ATTEMPTS or seconds > MAX_RETRY_AFTER:
                raise
            log.warning("Telegram asks to wait %.1fs before sending again", seconds)
            await asyncio.sleep(seconds)
        except NetworkError as exc:  # TimedOut too; BadRequest is one by inheritance only
            if isinstance(exc, BadRequest) or attempt == SEND_ATTEMPTS:
                raise
            if not (idempotent or _never_sent(exc)):
                raise
            log.warning("sending failed (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


async def reply(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Reply to ``message`` (quoting it in groups); parse mode and previews come from Defaults."""
    return await retrying(lambda: message.reply_text(text, reply_markup=markup))


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text and buttons of one of the bot's messages."""
    await retrying(lambda: message.edit_text(text, reply_markup=markup))
