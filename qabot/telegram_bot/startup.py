"""What is checked before the bot serves: its settings, its webhook secret, Telegram itself.

Every start-up failure becomes one :class:`~qabot.errors.ConfigError` saying what failed
and what to check, without the token, so ``bot.py`` prints one line instead of
python-telegram-bot's tracebacks (which quote the token). The connection is checked
first, before the corpus is opened: a wrong token fails in a second, not after indexing.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import secrets

from qabot.config import TelegramSettings
from qabot.errors import ConfigError
from qabot.telegram_bot.ptb import (
    BadRequest,
    Bot,
    HTTPXRequest,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from qabot.telegram_bot.transport import TokenFilter

__all__ = [
    "DEFAULT_BASE_URL",
    "base_url",
    "check_connection",
    "shown",
    "start_up_error",
    "webhook_secret",
]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
#: What Telegram accepts as X-Telegram-Bot-Api-Secret-Token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: What a bot token looks like (the bot's id, a colon, the secret part).
_TOKEN_LIKE = re.compile(r"\d{3,}(?::|%3A)[A-Za-z0-9_-]{20,}", re.I)


def shown(text: str, token: str) -> str:
    """``text`` (a URL, an error) fit to show: the token, and anything like one, redacted."""
    return _TOKEN_LIKE.sub("<token>", TokenFilter(token).redact(text))


def base_url(settings: TelegramSettings) -> str:
    """The Bot API base URL the token is appended to, checked for its ``/bot`` ending."""
    url = settings.base_url or DEFAULT_BASE_URL
    if "{token}" in url:  # python-telegram-bot puts the token there
        return url
    url = url.rstrip("/")
    if not url.endswith("/bot"):
        # A token written into the URL (…/bot123:AAH…) is not echoed.
        raise ConfigError(
            f"TELEGRAM_BASE_URL must end with /bot (like {DEFAULT_BASE_URL}), "
            f"got {shown(url, settings.token or '')}"
        )
    return url


def webhook_secret(settings: TelegramSettings) -> str:
    """The secret Telegram must send with every webhook update.

    QABOT_WEBHOOK_SECRET if set; else a random one for this run, registered with Telegram
    through setWebhook at start, so the webhook never accepts updates without one (user
    ids are not secret: without it anyone could post an update "from" an admin).
    """
    if settings.webhook_url is None or not settings.webhook_url.startswith("https://"):
        raise ConfigError(
            f"QABOT_WEBHOOK_URL must be an https:// URL (Telegram posts only to those), "
            f"got {settings.webhook_url!r}"
        )
    if importlib.util.find_spec("tornado") is None:
        raise ConfigError(
            "QABOT_WEBHOOK_URL is set but webhook support is not installed: "
            "pip install 'python-telegram-bot[webhooks]' (or unset QABOT_WEBHOOK_URL to poll)"
        )
    if settings.webhook_secret is None:
        return secrets.token_urlsafe(32)
    if not _SECRET.fullmatch(settings.webhook_secret):
        raise ConfigError(
            "QABOT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(what Telegram accepts as a secret token)"
        )
    return settings.webhook_secret


def check_connection(loop: asyncio.AbstractEventLoop, token: str, url: str) -> str:
    """Ask Telegram who the bot is (getMe), on ``loop``; the bot's username."""

    async def get_me() -> str:
        request = HTTPXRequest(connection_pool_size=1)
        await request.initialize()
        try:
            me = await Bot(token, base_url=url, request=request).get_me()
        finally:
            await request.shutdown()
        return me.username or str(me.id)

    try:
        return loop.run_until_complete(get_me())
    except TelegramError as exc:
        raise start_up_error(exc, token, url) from None


def start_up_error(exc: TelegramError, token: str, url: str) -> ConfigError:
    """What a failure to start means for the person starting the bot, without the token."""
    if isinstance(exc, InvalidToken):
        return ConfigError("Telegram rejected the token: check TELEGRAM_BOT_TOKEN")
    reason = shown(str(exc), token)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return ConfigError(
            f"cannot reach the Bot API at {shown(url, token)}: {reason} "
            "(check the network, and TELEGRAM_BASE_URL if set)"
        )
    return ConfigError(f"Telegram refused to start the bot: {reason}")
