"""The wire to Telegram: readable updates, retried sends, and no bot token in the logs.

What python-telegram-bot does not do for us: it fails a whole getUpdates batch on one
malformed update (so :class:`TolerantUpdatesRequest` reduces such an update to its id),
it does not retry a send on flood control or a network error (so :func:`retrying` does,
when a retry cannot do harm), and its HTTP client logs URLs that carry the token (so
:func:`protect_token_in_logs` redacts it, and the webhook secret, from every log record
and every traceback printed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
import traceback
import urllib.parse
from collections.abc import Awaitable, Callable
from types import TracebackType
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
    "readable_update",
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
    readable = [readable_update(raw) for raw in updates]
    if readable == updates:
        return payload
    body["result"] = [u for u in readable if u is not None]
    return json.dumps(body).encode()


def readable_update(raw: Any) -> Any:
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

    A secret is found as it is written and percent-encoded (python-telegram-bot quotes
    file download URLs, so httpx logs the token as ``123%3AAAH…``); the token's secret
    half, after its colon, is found alone too (httpx's "Invalid port: 'AAH…'" quotes just
    that). The message, the traceback and the stack of a record are redacted: HTTP
    client logs carry the token in URLs, python-telegram-bot's debug log of
    ``setWebhook`` carries the webhook secret, and its ``InvalidToken`` quotes the token.
    """

    def __init__(self, token: str, *secrets: str) -> None:
        super().__init__()
        names = {form: "<token>" for form in _forms(token)}
        _, colon, half = token.partition(":")
        if colon and len(half) >= _SHORTEST_SECRET:
            names.update((form, "<token>") for form in _forms(half))
        for secret in secrets:
            names.update((form, "<secret>") for form in _forms(secret))
        names.pop("", None)
        self._names = names
        # Longest first: a whole token is replaced before its half could be.
        forms = sorted(names, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``<token>`` or ``<secret>``."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda found: self._names[found[0]], text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: show both, redacted
            message = f"{record.msg} (arguments: {record.args!r})"
            record.msg, record.args = message, None
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # Redacted even when a formatter rendered it already (exc_text is then cached).
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: A token's half after the colon shorter than this is not looked for alone.
_SHORTEST_SECRET = 8


def _forms(secret: str) -> set[str]:
    """How ``secret`` may be written: as it is, and percent-encoded in either case."""
    encoded = urllib.parse.quote(secret, safe="")
    return {secret, encoded, re.sub(r"%[0-9A-F]{2}", lambda code: code[0].lower(), encoded)}


def protect_token_in_logs(token: str, *secrets: str) -> None:
    """Keep the token (and ``secrets``) out of the logs and stderr; keep httpx's request log quiet.

    Every log record is redacted as it is made, so whichever handler writes it, set up
    before this call or after (and Python's last-resort handler), never sees the token.
    Uncaught exceptions, in the main thread or any other, are printed redacted too.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    token_filter = TokenFilter(token, *secrets)
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        token_filter.filter(record)
        return record

    def print_redacted(
        kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(token_filter.redact(text))

    def print_redacted_in_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return  # as Python's own hook: a thread that exits is no error
        name = args.thread.name if args.thread is not None else "<unknown>"
        sys.stderr.write(f"Exception in thread {name}:\n")
        print_redacted(args.exc_type, args.exc_value, args.exc_traceback)

    logging.setLogRecordFactory(redacted_record)
    sys.excepthook = print_redacted
    threading.excepthook = print_redacted_in_thread


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
