"""The bot's buttons: what each one stands for, and the keyboards that carry them.

Buttons carry these values as python-telegram-bot's arbitrary callback data: Telegram
only ever sees a random token, the value stays in the bot's memory (an LRU cache of
recent keyboards), and a token the cache no longer holds arrives as
:class:`~telegram.ext.InvalidCallbackData`. Answer buttons name the chat they were sent
to, so a token replayed in another chat is refused instead of showing that chat's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from qabot.render import PASSAGES_PER_MESSAGE
from qabot.telegram_bot.ptb import InlineKeyboardButton, InlineKeyboardMarkup
from qabot.values import Answer

__all__ = ["MorePassages", "SourcesPage", "WholePassage", "answer_keyboard", "sources_keyboard"]


@dataclass(frozen=True)
class WholePassage:
    """Show passage ``index`` of ``answer`` in full."""

    chat_id: int
    answer: Answer
    index: int


@dataclass(frozen=True)
class MorePassages:
    """Show the passages of ``answer`` from ``start`` on."""

    chat_id: int
    answer: Answer
    start: int


@dataclass(frozen=True)
class SourcesPage:
    """Show page ``page`` of the indexed articles (the same for everyone)."""

    page: int


def answer_keyboard(answer: Answer, chat_id: int, start: int = 0) -> InlineKeyboardMarkup | None:
    """A button for each passage shown from ``start``, and "More" when more are cited."""
    shown = answer.passages[start : start + PASSAGES_PER_MESSAGE]
    if not shown:
        return None
    rows = [
        [
            InlineKeyboardButton(
                f"[{hit.rank}] full passage",
                callback_data=WholePassage(chat_id, answer, start + i),
            )
            for i, hit in enumerate(shown)
        ]
    ]
    following = start + PASSAGES_PER_MESSAGE
    if following < len(answer.passages):
        more = MorePassages(chat_id, answer, following)
        rows.append([InlineKeyboardButton("More ▸", callback_data=more)])
    return InlineKeyboardMarkup(rows)


def sources_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("◂ Previous", callback_data=SourcesPage(page - 1)))
    if page + 1 < pages:
        buttons.append(InlineKeyboardButton("Next ▸", callback_data=SourcesPage(page + 1)))
    return InlineKeyboardMarkup([buttons]) if buttons else None
