"""Chat sessions: one message in, one reply out, for every chat adapter (terminal, Telegram).

A :class:`Session` owns the chat-level part of a question, the same in every adapter:
an empty or over-long message gets a polite :class:`~qabot.values.Refusal`; a short
follow-up ("and Minsk 2?", "what about Zelenskyy?") is asked with the chat's last
question as context; the question is then remembered for the next follow-up. Cutting
and validating the question itself is :meth:`QABot.ask`'s job, not the session's.

Filters written into the message (``since:2024-05-01 until:2024-06-30 source:BBC``, see
:func:`qabot.filters.split_filters`) restrict the articles that may answer that message;
a bad value gets a :class:`Refusal` saying what to write. Filters are not remembered: a
follow-up names its own.

``/quotes NAME [TOPIC]`` (:meth:`Session.quotes`) gives what someone said, oldest first,
as a :class:`~qabot.values.Timeline`, the same in every chat.

Context is kept per chat id, expires after a while, and never crosses from one chat to
another. Sessions are thread-safe: adapters ask from worker threads.
:func:`example_questions` gives every adapter's help the same examples, drawn from the
corpus.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.errors import FilterError
from qabot.filters import Filters, split_filters
from qabot.values import Answer, Refusal, Timeline

if TYPE_CHECKING:  # the session is handed an open bot; it never opens one
    from qabot.core import QABot

__all__ = ["Session", "example_questions", "is_follow_up"]

_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|also|but|or|then|so|plus|what about|how about|and what about|"
    r"and how about|what of|same for|and for|and in|and the)\b",
    re.I,
)
_PRONOUN = re.compile(
    r"\b(?:he|she|they|it|him|her|them|his|hers|their|its|this|that|there)\b", re.I
)
#: A follow-up is short; a longer message is a question of its own.
MAX_FOLLOW_UP_WORDS = 8
#: Chats whose last question is kept; the least recently active are forgotten first.
MAX_CHATS = 10_000
DEFAULT_TTL = 600.0


_TOPIC_SEPARATOR = re.compile(r"\s*:\s+|\s+(?:about|on)\s+", re.I)


def _speaker_and_topic(text: str, quoted: Callable[[str], bool]) -> tuple[str, str]:
    """``text`` cut into a speaker's name and a topic (see :meth:`Session.quotes`)."""
    parts = _TOPIC_SEPARATOR.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip():
        return parts[0].strip(), parts[1].strip()
    words = text.split()
    for n in range(len(words), 0, -1):
        if quoted(" ".join(words[:n])):
            return " ".join(words[:n]), " ".join(words[n:])
    return text.strip(), ""


def example_questions(bot: QABot, count: int = 3) -> list[str]:
    """Stories to ask about: indexed article titles, spread over the corpus."""
    articles = bot.articles()
    if not articles:
        return ["(add articles to the corpus first)"]
    step = max(1, len(articles) // count)
    examples = []
    for article in articles[::step][:count]:
        title = re.sub(r"\s+", " ", article.title).strip().rstrip(".?!:")
        examples.append(title[:80])
    return examples


def is_follow_up(text: str) -> bool:
    """Whether ``text`` reads as a follow-up rather than a question of its own."""
    words = text.split()
    if not words or len(words) > MAX_FOLLOW_UP_WORDS:
        return False
    return bool(_FOLLOW_UP_START.search(text) or _PRONOUN.search(text))


@dataclass(frozen=True)
class _Turn:
    question: str
    at: float


class _Memory:
    """The last standalone question of each chat, for ``ttl`` seconds. Thread-safe."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self._clock = clock
        self._turns: OrderedDict[Hashable, _Turn] = OrderedDict()
        self._lock = threading.Lock()

    def context_for(self, chat: Hashable, text: str) -> str | None:
        """The earlier question to read ``text`` with, or ``None`` if it stands alone."""
        if not is_follow_up(text):
            return None
        with self._lock:
            turn = self._turns.get(chat)
            if turn is None or self._clock() - turn.at > self.ttl:
                self._turns.pop(chat, None)
                return None
            return turn.question

    def remember(self, chat: Hashable, question: str, *, follow_up: bool) -> None:
        """Record a question; a follow-up keeps the earlier question as the context."""
        with self._lock:
            now = self._clock()
            earlier = self._turns.get(chat)
            if follow_up and earlier is not None:
                self._turns[chat] = _Turn(earlier.question, now)
            else:
                self._turns[chat] = _Turn(question, now)
            self._turns.move_to_end(chat)
            while len(self._turns) > MAX_CHATS:
                self._turns.popitem(last=False)


class Session:
    """Questions from many chats to one bot: validate, add context, ask, remember.

    >>> session = Session(bot)
    >>> session.ask("alice", "What did the Paris council decide?")
    >>> session.ask("alice", "and the budget?")  # read with the question before
    """

    def __init__(
        self,
        bot: QABot,
        *,
        k: int = 5,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        #: Passages cited with each answer.
        self.k = k
        self._memory = _Memory(ttl, clock)

    def ask(self, chat: Hashable, message: str) -> Answer | Refusal:
        """Answer a chat message, or say politely why it is not a question."""
        return self._ask(chat, message, self.k)

    def ask_alone(self, message: str, k: int | None = None) -> Answer | Refusal:
        """Answer a message that belongs to no conversation (an inline query): filters are
        read, nothing is read with an earlier question nor remembered for a later one."""
        return self._ask(None, message, self.k if k is None else k)

    def quotes(self, message: str) -> Timeline | Refusal:
        """What someone said, for ``/quotes NAME [TOPIC]`` (filters allowed, as in a question).

        ``NAME about TOPIC`` (or ``NAME: TOPIC``) says where the name ends; otherwise the
        name is the longest start of the message that names someone quoted in the corpus
        ("Jens Stoltenberg Minsk": Jens Stoltenberg, about Minsk).
        """
        read = self._read(message)
        if isinstance(read, Refusal):
            return read if read.length else Timeline("", "", ())  # says how to ask
        filters, text = read
        speaker, about = _speaker_and_topic(text, lambda name: bool(self.bot.quotes(name)))
        found = self.bot.quotes(
            speaker, about or None,
            since=filters.since, until=filters.until, sources=filters.source_names,
        )  # fmt: skip
        return Timeline(speaker, about, tuple(found))

    def _read(self, message: str) -> tuple[Filters, str] | Refusal:
        """A message's filters and text, or why it cannot be asked (empty: length 0)."""
        message = message.strip()
        limit = self.bot.settings.answers.max_question_chars
        if not message or len(message) > limit:
            return Refusal(len(message), limit)
        try:
            filters, text = split_filters(message)
        except FilterError as exc:
            return Refusal(len(message), limit, problem=str(exc))
        return (filters, text) if text else Refusal(0, limit)

    def _ask(self, chat: Hashable | None, message: str, k: int) -> Answer | Refusal:
        read = self._read(message)
        if isinstance(read, Refusal):
            return read
        filters, question = read
        context = self._memory.context_for(chat, question) if chat is not None else None
        answer = self.bot.ask(
            question, k, context=context,
            since=filters.since, until=filters.until, sources=filters.source_names,
        )  # fmt: skip
        if chat is not None:
            self._memory.remember(chat, question, follow_up=context is not None)
        return answer
