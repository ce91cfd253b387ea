"""The terminal chat: the same conversation as in Telegram, over stdin and stdout.

Started by ``qabot chat`` and by ``python bot.py`` when no Telegram token is configured.
It owns the terminal's commands and its read-print loop; questions go through a
:class:`~qabot.session.Session` and answers are worded by :func:`qabot.render.terminal`
(matched words in bold when stdout is a terminal).
"""

from __future__ import annotations

import sys
from typing import TextIO

from qabot import render
from qabot.core import QABot
from qabot.session import Session

__all__ = ["run_chat"]

#: The terminal is one conversation.
CHAT_ID = "terminal"

HELP = """Ask a question about the articles, in plain words, for example:
  what did Stoltenberg say about Minsk?
Commands: /help, /sources (indexed articles), /stats, /reindex (after changing files), /quit"""


def run_chat(bot: QABot, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read questions line by line until end of input or /quit; returns an exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    color = stdout.isatty()
    session = Session(bot)
    stats = bot.stats()
    print(
        f"qabot: {stats.articles} articles, {stats.passages} passages. /help for help.", file=stdout
    )
    while True:
        if interactive:
            print("\n? ", end="", file=stdout, flush=True)
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            print(file=stdout)
            return 0
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        command = text.split()[0].lower()
        if command in ("/quit", "/exit", "/q"):
            return 0
        if command == "/help":
            print(HELP, file=stdout)
        elif command == "/stats":
            print(bot.stats(), file=stdout)
        elif command == "/sources":
            for article in bot.articles():
                print(f"- {article.title} ({article.id})", file=stdout)
        elif command == "/reindex":
            print(bot.reindex(), file=stdout)
        elif command.startswith("/"):
            print(f"Unknown command {command}. {HELP}", file=stdout)
        else:
            reply = session.ask(CHAT_ID, text)
            print(render.terminal(reply, color=color), file=stdout, flush=True)
