"""The bot's buttons: what each one stands for, and the keyboards that carry them.

Buttons carry these values as python-telegram-bot's arbitrary callback data: Telegram
only ever sees a random token, the value stays in the bot's memory (an LRU cache of
recent keyboards), and a token the cache no longer holds arrives as
:class:`~telegram.ext.InvalidCallbackData`. Answer buttons name the chat they were sent
to, so a token replayed in another chat is refused instead of showing that chat's answer;
so do the page buttons of a statement timeline (``/quotes``, or an answer that is one), and
the 👍 / 👎 buttons under every answer to a question (:class:`Vote`).
"""

from __future__ import annotations

from dataclasses import dataclass

from qabot.feedback import Verdict
from qabot.render import PASSAGES_PER_MESSAGE, statement_pages
from qabot.telegram_bot.ptb import InlineKeyboardButton, InlineKeyboardMarkup
from qabot.values import Answer, Timeline

__all__ = [
    "MorePassages",
    "SourcesPage",
    "StatementsPage",
    "Vote",
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
class Vote:
    """👍 (``good``) or 👎 (``bad``) on ``answer``."""

    chat_id: int
    answer: Answer
    verdict: Verdict


#: The label of each vote button.
VOTE_LABELS: dict[Verdict, str] = {"good": "👍", "bad": "👎"}


def _vote_row(answer: Answer, chat_id: int) -> list[list[InlineKeyboardButton]]:
    """The 👍 / 👎 row under an answer to a question (none under "ask in words")."""
    if not answer.terms:
        return []
    return [
        [
            InlineKeyboardButton(label, callback_data=Vote(chat_id, answer, verdict))
            for verdict, label in VOTE_LABELS.items()
        ]
    ]


@dataclass(frozen=True)
class SourcesPage:
    """Show page ``page`` of the indexed articles (the same for everyone)."""

    page: int


def answer_keyboard(answer: Answer, chat_id: int, start: int = 0) -> InlineKeyboardMarkup | None:
    """A button for each passage shown from ``start``, and "More" when more are cited;
    for an answer that is a statement timeline, its page buttons. The answer's first
    message (``start`` 0) ends with the 👍 / 👎 row."""
    if answer.quotations:
        return statements_keyboard(answer, chat_id)
    shown = answer.passages[start : start + PASSAGES_PER_MESSAGE]
    rows = []
    if shown:
        rows.append(
            [
                InlineKeyboardButton(
                    f"[{hit.rank}] full passage",
                    callback_data=WholePassage(chat_id, answer, start + i),
                )
                for i, hit in enumerate(shown)
            ]
        )
    following = start + PASSAGES_PER_MESSAGE
    if following < len(answer.passages):
        more = MorePassages(chat_id, answer, following)
        rows.append([InlineKeyboardButton("More ▸", callback_data=more)])
    if start == 0:
        rows += _vote_row(answer, chat_id)
    return InlineKeyboardMarkup(rows) if rows else None


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
    """The "◂ Earlier" and "Later ▸" buttons around page ``page`` of a timeline's statements;
    an answer's 👍 / 👎 row below them, on every page (the pages are one message)."""
    pages = statement_pages(shown)
    buttons = []
    if page > 0:
        earlier = StatementsPage(chat_id, shown, page - 1)
        buttons.append(InlineKeyboardButton("◂ Earlier", callback_data=earlier))
    if page + 1 < pages:
        later = StatementsPage(chat_id, shown, page + 1)
        buttons.append(InlineKeyboardButton("Later ▸", callback_data=later))
    rows = [buttons] if buttons else []
    if isinstance(shown, Answer):
        rows += _vote_row(shown, chat_id)
    return InlineKeyboardMarkup(rows) if rows else None
