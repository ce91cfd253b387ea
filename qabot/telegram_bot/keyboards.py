"""The bot's buttons: what each one stands for, and the keyboards that carry them.

Buttons carry these values as python-telegram-bot's arbitrary callback data: Telegram
only ever sees a random token, the value stays in the bot's memory (an LRU cache of
recent keyboards), and a token the cache no longer holds arrives as
:class:`~telegram.ext.InvalidCallbackData`. Answer buttons name the chat they were sent
to, so a token replayed in another chat is refused instead of showing that chat's answer;
so do the page buttons of a statement timeline (``/quotes``, or an answer that is one).
"""

from __future__ import annotations

from dataclasses import dataclass

from qabot.render import PASSAGES_PER_MESSAGE, statement_pages
from qabot.telegram_bot.ptb import InlineKeyboardButton, InlineKeyboardMarkup
from qabot.values import Answer, Timeline

__all__ = [
    "MorePassages",
    "SourcesPage",
    "StatementsPage",
    "WholePassage",
    "answer_keyboard",
    "sources_keyboard",
    "statements_keyboard",
]


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
class StatementsPage:
    """Show page ``page`` (from 0) of the statements of ``shown``: a ``/quotes`` timeline,
    or an answer that is a timeline."""

    chat_id: int
    shown: Timeline | Answer
    page: int


@dataclass(frozen=True)
class SourcesPage:
    """Show page ``page`` of the indexed articles (the same for everyone)."""

    page: int


def answer_keyboard(answer: Answer, chat_id: int, start: int = 0) -> InlineKeyboardMarkup | None:
    """A button for each passage shown from ``start``, and "More" when more are cited;
    for an answer that is a statement timeline, its page buttons."""
    if answer.quotations:
        return statements_keyboard(answer, chat_id)
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


def statements_keyboard(
    shown: Timeline | Answer, chat_id: int, page: int = 0
) -> InlineKeyboardMarkup | None:
    """The "◂ Earlier" and "Later ▸" buttons around page ``page`` of a timeline's statements."""
    pages = statement_pages(shown)
    buttons = []
    if page > 0:
        earlier = StatementsPage(chat_id, shown, page - 1)
        buttons.append(InlineKeyboardButton("◂ Earlier", callback_data=earlier))
    if page + 1 < pages:
        later = StatementsPage(chat_id, shown, page + 1)
        buttons.append(InlineKeyboardButton("Later ▸", callback_data=later))
    return InlineKeyboardMarkup([buttons]) if buttons else None
