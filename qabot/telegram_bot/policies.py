"""Who may do what, and how often: rate limits, admin rights, upload limits.

The rate limits run as handlers in group -1, before any other handler, and stop an update
that is over budget with :class:`~telegram.ext.ApplicationHandlerStop`: a flood of
questions, commands, button taps or inline queries never reaches the library, and the
sender is told once per window. Questions have their own budget; commands, buttons and
inline queries are cheaper and share a larger one. Refusals (not an admin, a usage hint, a
message that is no question) have a small budget of their own: a few are sent, then the
bot stays silent for the rest of the window, so a flood of them cannot push the bot into
Telegram's flood limits. Every limiter tracks a bounded number of users.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from qabot.config import TelegramSettings
from qabot.telegram_bot import texts
from qabot.telegram_bot.ptb import ApplicationHandlerStop, ContextTypes, Update, filters
from qabot.telegram_bot.state import state_of
from qabot.telegram_bot.transport import reply, retrying

__all__ = [
    "ACTIONS_PER_QUESTION",
    "MAX_TRACKED_USERS",
    "REFUSALS_PER_WINDOW",
    "RateLimiter",
    "admins",
    "is_admin",
    "refuse",
    "throttle_actions",
    "throttle_buttons",
    "throttle_inline",
    "throttle_questions",
]

log = logging.getLogger(__name__)

#: Commands, button presses and inline queries allowed per question of the rate limit.
ACTIONS_PER_QUESTION = 3
#: Refusals sent to one user per rate window; later ones are logged, not sent.
REFUSALS_PER_WINDOW = 3
#: Users each limiter remembers at most; the least recently seen are forgotten first.
MAX_TRACKED_USERS = 10_000


class _Budget:
    """One user's recent actions, and when they were last told they are over budget."""

    __slots__ = ("times", "warned")

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.warned = -1e18

    def last_seen(self) -> float:
        return max(self.times[-1] if self.times else -1e18, self.warned)


class RateLimiter:
    """At most ``limit`` actions per ``window`` seconds for each user. Thread-safe.

    Memory is bounded: a user idle for a whole window is forgotten (nothing of theirs
    still counts), and beyond ``max_users`` the least recently seen user is forgotten
    too, which only gives them a fresh budget early.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = MAX_TRACKED_USERS,
    ) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self.max_users = max_users
        #: Least recently seen first.
        self._users: OrderedDict[int, _Budget] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many users are tracked."""
        with self._lock:
            return len(self._users)

    def allow(self, user: int) -> tuple[bool, bool]:
        """(allowed, warn): ``warn`` is true once per window for a throttled user."""
        now = self._clock()
        with self._lock:
            self._forget(now)
            budget = self._users.pop(user, None) or _Budget()
            self._users[user] = budget
            times = budget.times
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) < self.limit:
                times.append(now)
                return True, False
            if now - budget.warned > self.window:
                budget.warned = now
                return False, True
            return False, False

    def _forget(self, now: float) -> None:
        users = self._users
        while users and now - next(iter(users.values())).last_seen() > self.window:
            users.popitem(last=False)
        while len(users) >= self.max_users:
            users.popitem(last=False)


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
    await _stop_over_budget(update, state.questions, texts.RATE_LIMITED_QUESTIONS)


async def throttle_actions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a command over the sender's budget."""
    await _stop_over_budget(update, state_of(context).actions, texts.RATE_LIMITED_COMMANDS)


async def _stop_over_budget(update: Update, limiter: RateLimiter, warning: str) -> None:
    allowed, warn = limiter.allow(_sender(update))
    if allowed:
        return
    if warn and update.effective_message is not None:
        await reply(update.effective_message, warning)
    raise ApplicationHandlerStop


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Reply ``text`` (a refusal or a usage hint) unless the sender had their share of them."""
    message = update.effective_message
    if message is None:
        return
    if state_of(context).refusals.allow(_sender(update))[0]:
        await reply(message, text)
    else:
        log.debug("not sending a refusal to %s: over its budget", _sender(update))


async def throttle_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a button tap over the sender's budget."""
    query = update.callback_query
    allowed, warn = state_of(context).actions.allow(_sender(update))
    if allowed or query is None:
        return
    if warn:
        await retrying(lambda: query.answer(texts.RATE_LIMITED_TAPS))
    raise ApplicationHandlerStop


async def throttle_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an inline query over the sender's budget; unanswered, it just shows nothing."""
    if not state_of(context).actions.allow(_sender(update))[0]:
        raise ApplicationHandlerStop
