"""Chat-style follow-ups: read a short follow-up in the light of the chat's last question.

"what did Stoltenberg say about Minsk?" then "and Minsk 2?" or "what about Zelenskyy?":
the follow-up is asked with the earlier question as context (its words help rank, but
the follow-up's own words must be matched). Context is kept per chat, expires after a
while, and never crosses from one chat to another.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["Conversations", "is_follow_up"]

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
MAX_CHATS = 10_000


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


class Conversations:
    """The last standalone question of each chat, for a limited time. Thread-safe."""

    def __init__(self, ttl: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
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

    def forget(self, chat: Hashable) -> None:
        with self._lock:
            self._turns.pop(chat, None)
