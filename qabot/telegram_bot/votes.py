"""Feedback in Telegram: the 👍 / 👎 buttons under answers, and admins' /correct replies.

Both are stored by the shared :class:`~qabot.feedback.FeedbackStore` (in the corpus): a
voter is known by a salted hash of their user id, an answer by a salted hash of the chat
and message it was sent as, so a correction replying to an answer meets that answer's
votes, across restarts too. Nothing is stored of a voter's name.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from qabot import render
from qabot.errors import FeedbackError
from qabot.feedback import read_correction
from qabot.telegram_bot import texts
from qabot.telegram_bot.channels import post_article
from qabot.telegram_bot.keyboards import Vote
from qabot.telegram_bot.policies import refuse
from qabot.telegram_bot.ptb import ContextTypes, Message, Update
from qabot.telegram_bot.state import state_of
from qabot.telegram_bot.transport import reply, retrying
from qabot.values import Answer

__all__ = ["on_correct", "on_vote"]

log = logging.getLogger(__name__)


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 or 👎 under an answer: stored once per user and answer (a change replaces it)."""
    query = update.callback_query
    if query is None:
        return
    vote = cast(Vote, query.data)  # the handler's pattern admitted only this kind of data
    message = query.message if isinstance(query.message, Message) else None
    if message is None or message.chat.id != vote.chat_id:
        await retrying(lambda: query.answer(texts.FOREIGN_BUTTON, show_alert=True))
        return
    store = state_of(context).feedback
    user_id = query.from_user.id

    def store_vote() -> bool:
        key = store.key("answer", "telegram", message.chat.id, message.message_id)
        return store.vote(key, store.voter("telegram", user_id), vote.verdict, vote.answer)

    try:
        stored = await asyncio.to_thread(store_vote)
    except FeedbackError as exc:
        log.warning("could not store a vote: %s", exc)
        await retrying(lambda: query.answer(texts.VOTE_NOT_STORED, show_alert=True))
        return
    await retrying(lambda: query.answer(texts.vote_message(vote.verdict, stored)))


def _answer_of(message: Message) -> Answer | None:
    """The answer a message of the bot shows, from its 👍 / 👎 buttons (while remembered)."""
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            if isinstance(button.callback_data, Vote):
                return button.callback_data.answer
    return None


async def on_correct(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/correct LINK|WORDS (admins), in reply to an answer: where the right answer is."""
    message = update.effective_message
    if message is None:
        return
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        await refuse(update, context, texts.CORRECT_USAGE)
        return
    given = " ".join(context.args or [])
    if not given.strip():
        await refuse(update, context, texts.CORRECT_USAGE)
        return
    state = state_of(context)
    store, qabot, follows = state.feedback, state.qabot, state.follows
    admin = update.effective_user.id if update.effective_user else 0
    answer = _answer_of(replied)

    def store_correction() -> str:
        found = read_correction(qabot, given, lambda link: post_article(qabot, follows, link))
        key = store.key("answer", "telegram", replied.chat.id, replied.message_id)
        store.correct(key, store.voter("telegram", admin), found, given, answer)
        return texts.corrected_message(found)

    try:
        text = await asyncio.to_thread(store_correction)
    except FeedbackError as exc:
        text = render.escape(f"I could not take that correction: {exc}.")
    await reply(message, text)
