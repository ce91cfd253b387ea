"""The terminal chat: the same conversation as in Telegram, over stdin and stdout.

Started by ``qabot chat`` and by ``python bot.py`` when no Telegram token is configured.
Answers are printed with their cited passages; matched words are shown in bold when the
terminal supports it.
"""

from __future__ import annotations

import sys
from typing import TextIO

from qabot.conversation import Conversations
from qabot.core import QABot
from qabot.values import Answer, Hit

__all__ = ["format_answer", "run_chat"]

_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
PASSAGE_PREVIEW_CHARS = 400

HELP = """Ask a question about the articles, in plain words, for example:
  what did Stoltenberg say about Minsk?
Commands: /help, /sources (indexed articles), /stats, /reindex (after changing files), /quit"""


def format_answer(
    answer: Answer, *, color: bool = False, preview: int = PASSAGE_PREVIEW_CHARS
) -> str:
    """An answer as terminal text: the answer, then each cited passage, trimmed."""
    lines = [answer.text if answer.found else f"I don't know. {answer.reason}".strip()]
    if answer.passages:
        lines.append("")
        lines.append("Sources:" if answer.found else "Closest passages:")
        for hit in answer.passages:
            title = f"[{hit.rank}] {hit.citation}"
            lines.append(f"{_BOLD}{title}{_RESET}" if color else title)
            lines.append("    " + _excerpt(hit, preview, color))
    return "\n".join(lines)


def _excerpt(hit: Hit, limit: int, color: bool) -> str:
    text = hit.text
    cut = len(text) if len(text) <= limit else text.rfind(" ", 0, limit)
    cut = cut if cut > 0 else limit
    if not color:
        body = text[:cut]
    else:
        parts, last = [], 0
        for start, end in hit.highlights:
            if start >= cut:
                break
            parts += [text[last:start], _BOLD, text[start:end], _RESET]
            last = end
        parts.append(text[last:cut])
        body = "".join(parts)
    body = body.replace("\n", " ")
    return body + ("…" if cut < len(text) else "")


def run_chat(bot: QABot, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read questions line by line until end of input or /quit; returns an exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    color = stdout.isatty()
    conversation = Conversations()
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
            context = conversation.context_for("terminal", text)
            answer = bot.ask(text, context=context)
            conversation.remember("terminal", text, follow_up=context is not None)
            print(format_answer(answer, color=color), file=stdout, flush=True)
