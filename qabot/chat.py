"""The terminal chat: the same conversation as in Telegram, over stdin and stdout.

Started by ``qabot chat`` and by ``python bot.py`` when no Telegram token is configured.
It owns the terminal's commands and its read-print loop; questions go through a
:class:`~qabot.session.Session` and answers are worded by :func:`qabot.render.terminal`
(matched words in bold when stdout is a terminal); ``/good``, ``/bad`` and ``/correct``
store feedback on the last answer through :class:`~qabot.feedback.FeedbackStore` (the
terminal is one voter). On a terminal, lines can be edited and
earlier questions recalled with the arrow keys (the standard library's ``readline``, where
the platform has it; the history is kept in memory only, never written to disk).
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from qabot import render
from qabot.core import QABot
from qabot.errors import QABotError
from qabot.feedback import FeedbackStore, Verdict, read_correction
from qabot.session import Session, example_questions
from qabot.values import Answer, Article

__all__ = ["PROMPT", "run_chat"]

#: The terminal is one conversation.
CHAT_ID = "terminal"
PROMPT = "question> "
#: Typed alone, any of these ends the chat.
QUIT = frozenset({"quit", "exit", "q", "/quit", "/exit", "/q"})
#: Citations shown under an answer, and how much of each; /more shows them all in full.
PASSAGES_SHOWN = 3
EXCERPT_CHARS = 240
SOURCES_PER_PAGE = 20
#: ``/good`` and ``/bad``, and the verdict each gives.
VERDICTS: dict[str, Verdict] = {"/good": "good", "/bad": "bad"}


@dataclass(frozen=True)
class _Shown:
    """The last answer shown, and the key its feedback is stored under."""

    answer: Answer
    key: str


COMMANDS = """Commands:
  /more            every cited passage of the last answer, in full
  /quotes NAME [TOPIC]  what someone said, oldest first
  /sources [N]     the indexed articles, page N; /sources WORD finds titles
  /stats           index figures
  /reindex         re-read the corpus folder now (changes are picked up by themselves)
  /good, /bad      the last answer was right, or wrong (kept in the corpus's feedback)
  /correct LINK|TEXT  where the right answer to the last one is: a link, or its words
  /help            this help
  quit             leave (or Ctrl-D)"""


def run_chat(
    bot: QABot, stdin: TextIO | None = None, stdout: TextIO | None = None, *, watch: bool = False
) -> int:
    """Read questions line by line until end of input or ``quit``; returns an exit code.

    With ``watch``, the index follows the corpus folder while the chat runs
    (:class:`~qabot.watch.CorpusWatcher`): an article saved meanwhile is answered from.
    """
    if not watch:
        return _chat(bot, stdin, stdout)
    from qabot.watch import CorpusWatcher

    with CorpusWatcher(bot):
        return _chat(bot, stdin, stdout)


def _chat(bot: QABot, stdin: TextIO | None, stdout: TextIO | None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    read = _reader(stdin, stdout, interactive)
    color = stdout.isatty()
    session = Session(bot)
    store = FeedbackStore(bot.settings.corpus)
    last: _Shown | None = None
    print(_greeting(bot), file=stdout, flush=True)
    while True:
        try:
            line = read()
        except KeyboardInterrupt:
            print(file=stdout)
            return 0
        if line is None:
            if interactive:
                print(file=stdout)  # end of input (Ctrl-D): leave the prompt's line
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT:
            return 0
        try:
            out, answer = _reply(bot, session, text, last, color, store)
        except QABotError as exc:
            # A locked, read-only or full index (/reindex), a cluster that does not reply,
            # feedback that cannot be stored: said in one line, and the chat goes on.
            out, answer = f"qabot: {exc}", None
        if answer is not None:
            # A fresh key per answer shown: votes on it are one per answer.
            last = _Shown(answer, secrets.token_hex(12))
        print(out, file=stdout, flush=True)
        if interactive:
            print(file=stdout)


def _reply(
    bot: QABot,
    session: Session,
    text: str,
    last: _Shown | None,
    color: bool,
    store: FeedbackStore,
) -> tuple[str, Answer | None]:
    """What to print for one line of input, and the answer it gave (for /more), if any."""
    command, _, rest = text.partition(" ")
    command = command.lower()
    if command == "/help":
        return _help(bot), None
    if command == "/stats":
        return str(bot.stats()), None
    if command == "/sources":
        return _sources(bot.articles(), rest.split()), None
    if command == "/reindex":
        return str(bot.reindex()), None
    if command == "/quotes":
        return str(session.quotes(rest)), None
    if command in ("/more", "/correct", *VERDICTS) and last is None:
        return "Ask a question first.", None
    if command == "/more" and last is not None:
        return render.terminal_passages(last.answer, color=color), None
    if command in VERDICTS and last is not None:
        verdict = VERDICTS[command]
        stored = store.vote(last.key, store.voter("terminal", CHAT_ID), verdict, last.answer)
        mark = "👍" if verdict == "good" else "👎"
        return (f"Thanks: noted {mark}." if stored else f"You said {mark} already."), None
    if command == "/correct" and last is not None:
        if not rest.strip():
            return "Usage: /correct LINK or /correct TEXT (the right answer's words).", None
        found = read_correction(bot, rest)
        store.correct(last.key, store.voter("terminal", CHAT_ID), found, rest, last.answer)
        return _corrected_text(found.article.title, found.answers), None
    if command.startswith("/"):
        return f"Unknown command {command}.\n{COMMANDS}", None
    reply = session.ask(CHAT_ID, text)
    out = render.terminal(reply, color=color, excerpt_chars=EXCERPT_CHARS, passages=PASSAGES_SHOWN)
    if not isinstance(reply, Answer):
        return out, None
    if reply.passages:
        out += "\n(/more: the passages in full)"
    return out, reply


def _corrected_text(title: str, answers: Sequence[str]) -> str:
    said = f"the right answer is “{answers[0]}”, in" if answers else "the right passage is in"
    return f"Thanks: noted 👎; {said} “{title}” (`qabot eval --feedback` exports it)."


def _reader(stdin: TextIO, stdout: TextIO, interactive: bool) -> Callable[[], str | None]:
    """A function giving the next line, or ``None`` at the end of input."""
    if interactive and stdin is sys.stdin and stdout is sys.stdout:
        # Importing readline is what gives input() line editing and history; Windows
        # has none, and plain input() still works there.
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401

        def read_input() -> str | None:
            try:
                return input(PROMPT)
            except EOFError:
                return None

        return read_input

    def read_line() -> str | None:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        return stdin.readline() or None

    return read_line


def _greeting(bot: QABot) -> str:
    count = bot.stats().articles
    articles = "1 article" if count == 1 else f"{count:,} articles"
    return (
        f"qabot: {articles} indexed. Ask a question in plain words; /help for help, quit to leave."
    )


def _help(bot: QABot) -> str:
    examples = "\n".join(f"  {q}" for q in example_questions(bot))
    return (
        "Ask a question about the articles, in plain words; try one about these stories:\n"
        f"{examples}\nFollow up with a short question such as: and what about …?\n"
        + "Filters:\n"
        + "".join(f"  {line}\n" for line in render.filter_help())
        + COMMANDS
    )


def _sources(articles: Sequence[Article], words: list[str]) -> str:
    """/sources [WORD…] [PAGE]: a page of the articles whose title or id holds every word."""
    page = int(words.pop()) if words and words[-1].isdigit() else 1
    if words:
        wanted = [w.casefold() for w in words]
        articles = [a for a in articles if all(w in f"{a.title} {a.id}".casefold() for w in wanted)]
    return render.sources_text(articles, page, SOURCES_PER_PAGE, " ".join(words))
