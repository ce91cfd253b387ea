"""Who may do what, and how often: rate limits, admin rights, upload limits.

The rate limits run as handlers in group -1, before any other handler, and stop an update
that is over budget with :class:`~telegram.ext.ApplicationHandlerStop`: a flood of
questions, commands, button taps or inline queries never reaches the library, and the
sender is told once per window. Questions have their own budget; commands, buttons and
inline queries are cheaper and share a larger one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters

from qabot import render
from qabot.config import TelegramSettings
from qabot.telegram_bot.state import state_of
from qabot.telegram_bot.transport import reply, retrying

__all__ = [
    "ACTIONS_PER_QUESTION",
    "RateLimiter",
    "admins",
    "is_admin",
    "throttle_actions",
    "throttle_buttons",
    "throttle_inline",
    "throttle_questions",
]

#: Commands, button presses and inline queries allowed per question of the rate limit.
ACTIONS_PER_QUESTION = 3


class RateLimiter:
    """At most ``limit`` actions per ``window`` seconds for each user. Thread-safe."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._lock = threading.Lock()

    def allow(self, user: int) -> tuple[bool, bool]:
        """(allowed, warn): ``warn`` is true once per window for a throttled user."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(user, deque())
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) < self.limit:
                times.append(now)
                return True, False
            warned = self._warned.get(user, -1e18)
            if now - warned > self.window:
                self._warned[user] = now
                return False, True
            return False, False


def admins(settings: TelegramSettings) -> filters.User:
    """A filter for updates from the configured admins (none when no admin is set)."""
    return filters.User(user_id=settings.admin_ids)


def is_admin(update: Update, settings: TelegramSettings) -> bool:
    user = update.effective_user
    return user is not None and user.id in settings.admin_ids


def _sender(update: Update) -> int:
    user, chat = update.effective_user, update.effective_chat
    return user.id if user else chat.id if chat else 0


async def throttle_questions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a question over the sender's budget, before it is read at all."""
    state = state_of(context)
    await _stop_over_budget(update, state.questions, render.RATE_LIMITED_QUESTIONS)


async def throttle_actions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a command over the sender's budget."""
    await _stop_over_budget(update, state_of(context).actions, render.RATE_LIMITED_COMMANDS)


async def _stop_over_budget(update: Update, limiter: RateLimiter, warning: str) -> None:
    allowed, warn = limiter.allow(_sender(update))
    if allowed:
        return
    if warn and update.effective_message is not None:
        await reply(update.effective_message, warning)
    raise ApplicationHandlerStop


async def throttle_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a button tap over the sender's budget."""
    query = update.callback_query
    allowed, warn = state_of(context).actions.allow(_sender(update))
    if allowed or query is None:
        return
    if warn:
        await retrying(lambda: query.answer(render.RATE_LIMITED_TAPS))
    raise ApplicationHandlerStop


async def throttle_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an inline query over the sender's budget; unanswered, it just shows nothing."""
    if not state_of(context).actions.allow(_sender(update))[0]:
        raise ApplicationHandlerStop
