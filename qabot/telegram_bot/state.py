"""What the Telegram handlers share, kept in ``application.bot_data["state"]``, never in globals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from qabot.config import TelegramSettings
from qabot.core import QABot
from qabot.feedback import FeedbackStore
from qabot.session import Session
from qabot.telegram_bot.ptb import ContextTypes

if TYPE_CHECKING:  # policies and channels read the state; the state only holds their objects
    from qabot.telegram_bot.channels import FollowList, PostIndexer
    from qabot.telegram_bot.policies import RateLimiter

__all__ = ["BotState", "state_of"]


@dataclass
class BotState:
    """The library objects and policies one Application serves with."""

    qabot: QABot
    settings: TelegramSettings
    #: Every chat's questions, with their follow-up context.
    session: Session
    #: Questions a user may ask per window.
    questions: RateLimiter
    #: Commands, buttons and inline queries: cheaper than questions, so a larger budget.
    actions: RateLimiter
    #: Refusals and usage hints sent to a user: a few, then silence.
    refusals: RateLimiter
    #: The votes and corrections on answers (in the corpus).
    feedback: FeedbackStore
    #: The channels and groups whose posts become articles.
    follows: FollowList
    #: Saved posts waiting to be indexed, a batch at a time.
    posts: PostIndexer
    #: One reindex or upload at a time; questions go on meanwhile.
    reindex_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def state_of(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return cast(BotState, context.bot_data["state"])
