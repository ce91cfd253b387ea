"""Start qabot: in Telegram when TELEGRAM_BOT_TOKEN is set, else as a chat in this terminal.

    python bot.py            # or: make run

Settings come from the environment (see README, "Configuration"); the corpus folder is
QABOT_CORPUS, by default ./corpus.
"""

from __future__ import annotations

import logging
import os
import sys

from qabot.config import Settings
from qabot.errors import MissingExtraError, QABotError


def main() -> int:
    """Resolve settings, then run the Telegram bot or the terminal chat."""
    try:
        settings = Settings.from_env()
    except QABotError as exc:
        print(f"qabot: {exc}", file=sys.stderr)
        return 1
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if settings.telegram.token:
            try:
                from qabot.telegram_bot import run_bot
            except ImportError as exc:
                raise MissingExtraError.of(exc, "the Telegram bot", "telegram") from None
            return run_bot(settings)
        return _terminal(settings)
    except QABotError as exc:
        print(f"qabot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of the terminal chat went away (`python bot.py | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _terminal(settings: Settings) -> int:
    from qabot.chat import run_chat
    from qabot.core import QABot

    print(
        "No TELEGRAM_BOT_TOKEN set: chatting here instead. To serve Telegram, create a bot "
        "with @BotFather and run: TELEGRAM_BOT_TOKEN=<token> python bot.py",
        file=sys.stderr,
    )
    # Quieter than the bot's log while a person types.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    bot = QABot.open(settings.corpus, settings.index, settings=settings)
    return run_chat(bot, watch=True)


if __name__ == "__main__":
    sys.exit(main())
