"""Driving qabot's Telegram Application against the stand-in Bot API server.

:func:`harness` feeds updates straight to ``Application.process_update`` (after the bot
resolves button tokens, as its getUpdates does); :func:`polling` polls for real. Both go
through python-telegram-bot's real HTTP stack; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from qabot import QABot
from qabot.config import TelegramSettings
from qabot.telegram_bot import build_application
from support.botapi_server import DEFAULT_USER_ID, BotApiServer, Call

ADMIN = 4242
STRANGER = 777
BOT_PY = Path(__file__).resolve().parents[2] / "bot.py"


def settings_for(api: BotApiServer, **changes: Any) -> TelegramSettings:
    base = TelegramSettings(
        token=api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        admin_ids=frozenset({ADMIN}),
        rate_limit=100,
    )
    return replace(base, **changes)


class Harness:
    """An initialized Application over a corpus, fed updates directly."""

    def __init__(self, api: BotApiServer, app: Any, qabot: QABot) -> None:
        self.api, self.app, self.qabot = api, app, qabot

    async def feed(self, update: dict[str, Any]) -> None:
        # Queued too (never polled here), so the server knows its query ids like Telegram.
        update = self.api.push_update(update)
        parsed = Update.de_json(update, self.app.bot)
        # What the bot's getUpdates does to each update: button tokens → their values.
        self.app.bot.insert_callback_data(parsed)
        await self.app.process_update(parsed)

    async def say(self, text: str, **kwargs: Any) -> None:
        await self.feed(self.api.make_message_update(text, **kwargs))

    async def press(
        self,
        call: Call,
        row: int = 0,
        column: int = 0,
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
    ) -> None:
        """Press a button of the message ``call`` sent; with ``chat_id``, the same button
        data pressed in that chat instead (on a message of its own there)."""
        data = call.result["reply_markup"]["inline_keyboard"][row][column]["callback_data"]
        if chat_id is None:
            update = self.api.make_callback_query_update(
                data,
                message=call.result["message_id"],
                chat_id=call.result["chat"]["id"],
                user_id=user_id,
            )
        else:
            update = self.api.make_callback_query_update(data, chat_id=chat_id, user_id=user_id)
        await self.feed(update)

    def replies(self, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.api.calls("sendMessage")
            if c.ok and (chat_id is None or c.params["chat_id"] == chat_id)
        ]

    def last_text(self, chat_id: int | None = None) -> str:
        call = self.replies(chat_id)[-1]
        return str(call.result["text"])


@asynccontextmanager
async def harness(
    api: BotApiServer, corpus: Path, tmp_path: Path, **changes: Any
) -> AsyncIterator[Harness]:
    qabot = QABot.open(corpus, tmp_path / "index")
    app = build_application(qabot, settings_for(api, **changes))
    await app.initialize()
    try:
        yield Harness(api, app, qabot)
    finally:
        await app.shutdown()


@asynccontextmanager
async def polling(api: BotApiServer, corpus: Path, index: Path) -> AsyncIterator[Any]:
    """An Application over ``corpus`` polling the stand-in server, shut down afterwards."""
    app = build_application(QABot.open(corpus, index), settings_for(api))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def run(
    api: BotApiServer,
    corpus: Path,
    tmp_path: Path,
    body: Callable[[Harness], Awaitable[None]],
    **changes: Any,
) -> None:
    """Run ``body`` with a harness over ``corpus``, in a fresh event loop."""

    async def main() -> None:
        async with harness(api, corpus, tmp_path, **changes) as h:
            await body(h)

    asyncio.run(main())


@contextmanager
def logging_restored() -> Iterator[None]:
    """Put back what ``protect_token_in_logs`` changes for the whole process: the log record
    factory, the hooks that print uncaught exceptions, httpx's and httpcore's log levels."""
    factory = logging.getLogRecordFactory()
    hooks = sys.excepthook, threading.excepthook
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)
        sys.excepthook, threading.excepthook = hooks
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextmanager
def running_bot_py(
    env: dict[str, str], *, read_only: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """``python bot.py`` with ``env`` on top of this process's environment, stopped with
    SIGINT afterwards. With ``read_only``, that folder is read-only to it: a read-only bind
    mount when running as root (which ignores file modes), else its write bits taken away
    (skips the test where neither can be done)."""
    command = [sys.executable, str(BOT_PY)]
    restore: int | None = None
    if read_only is not None and os.geteuid() == 0:
        if (
            shutil.which("unshare") is None
            or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
        ):
            pytest.skip("running as root without mount namespaces: cannot make a folder read-only")
        mount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        command = ["unshare", "-m", "sh", "-c", mount, str(read_only), *command]
    elif read_only is not None:
        restore = read_only.stat().st_mode
        read_only.chmod(restore & 0o555)
    proc = subprocess.Popen(
        command, env={**os.environ, "QABOT_LOG_LEVEL": "INFO", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        if restore is not None and read_only is not None:
            read_only.chmod(restore)
