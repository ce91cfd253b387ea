"""The Telegram handlers: an update in, one library call, a rendered message out.

Which update reaches which handler is decided by the filters and patterns in
:mod:`~qabot.telegram_bot.app`; rate limits have run before (see
:mod:`~qabot.telegram_bot.policies`). Questions go through the shared
:class:`~qabot.session.Session`; answers and passages are rendered by :mod:`qabot.render`,
the bot's own texts come from :mod:`~qabot.telegram_bot.texts`. Asking, reindexing and
adding run in worker threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import TypeVar, cast

from qabot import render
from qabot.articles import safe_filename, save_article
from qabot.core import QABot
from qabot.errors import ArticleError, IndexLockedError, IndexWriteError
from qabot.telegram_bot import texts
from qabot.telegram_bot.keyboards import (
    MorePassages,
    SourcesPage,
    StatementsPage,
    WholePassage,
    answer_keyboard,
    sources_keyboard,
    statements_keyboard,
)
from qabot.telegram_bot.policies import is_admin, refuse
from qabot.telegram_bot.ptb import (
    ChatAction,
    ContextTypes,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntityType,
    TelegramError,
    Update,
)
from qabot.telegram_bot.state import state_of
from qabot.telegram_bot.transport import edit, reply, retrying
from qabot.values import Answer, Refusal

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Passages cited with each answer in Telegram; the first few are shown, "More" the rest.
PASSAGES_PER_ANSWER = 10
INLINE_RESULTS = 5


# -- questions -------------------------------------------------------------------------------
async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    reply_ = await asyncio.to_thread(state_of(context).session.ask, chat.id, question)
    if isinstance(reply_, Answer):
        await reply(message, render.reply_message(reply_), answer_keyboard(reply_, chat.id))
    else:  # not a question (too long, no words): refused, a few times at most
        await refuse(update, context, render.reply_message(reply_))


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text in a private chat is a question."""
    text = update.effective_message.text if update.effective_message else None
    # python-telegram-bot does not check types: a malformed update may carry a number here.
    if isinstance(text, str):
        await _answer(update, context, text)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group message that mentions the bot or replies to it: a question, the mention cut."""
    message = update.effective_message
    if message is None or not isinstance(message.text, str):  # see on_private_text
        return
    mention = f"@{context.bot.username}".lower()
    question = message.text
    for entity, text in sorted(
        message.parse_entities([MessageEntityType.MENTION]).items(),
        key=lambda item: -item[0].offset,  # from the end, so earlier offsets stay right
    ):
        if text.lower() == mention:
            question = question[: entity.offset] + question[entity.offset + entity.length :]
    await _answer(update, context, question)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask question: works in groups and private chats alike."""
    question = " ".join(context.args or [])
    if not question:
        await refuse(update, context, texts.ASK_USAGE)
        return
    await _answer(update, context, question)


async def on_quotes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/quotes NAME [TOPIC]: what someone said, oldest first, a page at a time (anywhere)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    request = " ".join(context.args or [])
    timeline = await asyncio.to_thread(state_of(context).session.quotes, request)
    if isinstance(timeline, Refusal):  # too long, or a bad filter: as for a question
        await refuse(update, context, render.reply_message(timeline))
    elif not timeline.speaker:  # nothing but the command (or filters): how to ask
        await refuse(update, context, render.statements_message(timeline))
    else:
        keyboard = statements_keyboard(timeline, chat.id)
        await reply(message, render.statements_message(timeline), keyboard)


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline mode: the top passages as results to share in any chat (filters read too)."""
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    results = []
    if text:
        session = state_of(context).session
        answer = await asyncio.to_thread(session.ask_alone, text, INLINE_RESULTS)
        # A refusal (too long, a bad filter, filters alone) offers nothing to share.
        hits = answer.passages if isinstance(answer, Answer) else ()
        question = answer.question if isinstance(answer, Answer) else ""
        for hit in hits:
            results.append(
                InlineQueryResultArticle(
                    id=f"{hit.rank}",
                    title=hit.article.title[:100],
                    description=render.inline_description(hit),
                    input_message_content=InputTextMessageContent(
                        render.inline_passage_message(hit, question)
                    ),
                )
            )
    await retrying(lambda: query.answer(results, cache_time=30, is_personal=False))


# -- buttons ---------------------------------------------------------------------------------
async def _message_of_chat(update: Update, chat_id: int) -> Message | None:
    """The message a button hangs on, if it is in ``chat_id``; else the tap is refused."""
    query = update.callback_query
    if query is None:
        return None
    message = query.message if isinstance(query.message, Message) else None
    if message is None or message.chat.id != chat_id:
        await retrying(lambda: query.answer(texts.FOREIGN_BUTTON, show_alert=True))
        return None
    await retrying(lambda: query.answer())
    return message


async def on_whole_passage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A citation button: the whole passage."""
    # The handler's pattern admitted only this kind of data.
    button = cast(WholePassage, update.callback_query and update.callback_query.data)
    message = await _message_of_chat(update, button.chat_id)
    if message is not None:
        await reply(message, render.passage_message(button.answer.passages[button.index]))


async def on_more_passages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "More": the next passages of an answer, with their own buttons."""
    button = cast(MorePassages, update.callback_query and update.callback_query.data)
    message = await _message_of_chat(update, button.chat_id)
    if message is not None:
        await reply(
            message,
            render.answer_message(button.answer, start=button.start),
            answer_keyboard(button.answer, button.chat_id, button.start),
        )


async def on_statements_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "◂ Earlier" / "Later ▸" under a timeline: that page of its statements, in place."""
    button = cast(StatementsPage, update.callback_query and update.callback_query.data)
    message = await _message_of_chat(update, button.chat_id)
    if message is not None:
        await edit(
            message,
            render.statements_message(button.shown, button.page),
            statements_keyboard(button.shown, button.chat_id, button.page),
        )


async def on_sources_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page button under /sources: that page, in place."""
    query = update.callback_query
    if query is None:
        return
    page = cast(SourcesPage, query.data).page
    await retrying(lambda: query.answer())
    if isinstance(query.message, Message):
        text, pages = await _sources_page(state_of(context).qabot, page)
        await edit(query.message, text, sources_keyboard(page, pages))


async def on_stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data the bot no longer holds (or never sent): say so, show nothing."""
    query = update.callback_query
    if query is not None:
        await retrying(lambda: query.answer(texts.STALE_BUTTON, show_alert=True))


# -- commands --------------------------------------------------------------------------------
# Reading the index may load a snapshot another process committed (every file checksummed):
# never on the event loop.
async def _sources_page(qabot: QABot, page: int) -> tuple[str, int]:
    return await asyncio.to_thread(lambda: texts.sources_message(qabot.articles(), page))


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet and explain."""
    state = state_of(context)
    if update.effective_message is not None:
        admin = is_admin(update, state.settings)
        text = await asyncio.to_thread(
            lambda: texts.start_message(
                state.qabot.stats(), texts.example_stories(state.qabot.articles()), admin=admin
            )
        )
        await reply(update.effective_message, text)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask, naming a few stories of the corpus to ask about."""
    state = state_of(context)
    if update.effective_message is not None:
        admin = is_admin(update, state.settings)
        stories = await asyncio.to_thread(lambda: texts.example_stories(state.qabot.articles()))
        await reply(update.effective_message, texts.help_message(stories, admin=admin))


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The indexed articles, ten a page."""
    if update.effective_message is not None:
        text, pages = await _sources_page(state_of(context).qabot, 0)
        await reply(update.effective_message, text, sources_keyboard(0, pages))


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Index figures; for admins, the articles of each source too."""
    state = state_of(context)
    if update.effective_message is not None:
        admin = is_admin(update, state.settings)
        stats, sources = await asyncio.to_thread(
            lambda: (
                state.qabot.stats(),
                texts.source_counts(state.qabot.articles()) if admin else [],
            )
        )
        await reply(update.effective_message, texts.stats_message(stats, sources))


# -- admins ----------------------------------------------------------------------------------
async def on_not_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin command or upload from someone else: refuse."""
    await refuse(update, context, texts.ADMINS_ONLY)


async def _typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        with contextlib.suppress(TelegramError):  # a hint only
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reindex (admins): re-read the corpus folder and report what changed."""
    message = update.effective_message
    if message is None:
        return
    report = await change_index(update, context, state_of(context).qabot.reindex)
    if report is not None:
        await reply(message, texts.report_message(report))


async def change_index(
    update: Update, context: ContextTypes.DEFAULT_TYPE, work: Callable[[], T]
) -> T | None:
    """Run ``work``, which changes the index, in a worker thread, one change at a time.

    ``None`` when the index cannot be changed (another process holds it, it is read-only,
    its disk is full): the user is told which; other errors are the caller's.
    """
    await _typing(update, context)
    async with state_of(context).reindex_lock:
        try:
            return await asyncio.to_thread(work)
        except (IndexLockedError, IndexWriteError) as exc:
            log.warning("could not update the index: %s", exc)
            if update.effective_message is not None:
                await reply(update.effective_message, texts.not_updated_message(exc))
            return None


async def on_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add (admins) in reply to a message holding an article: its first line the title."""
    message = update.effective_message
    if message is None:
        return
    replied = message.reply_to_message
    text = (replied.text or replied.caption or "") if replied is not None else ""
    if not text.strip():
        await reply(message, texts.ADD_USAGE)
        return
    title = text.strip().splitlines()[0]
    slug = re.sub(r"[^\w]+", "-", title.lower(), flags=re.ASCII).strip("-")[:60] or "article"
    await _save_and_index(update, context, f"{slug}.txt", text.strip().encode("utf-8"))


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file from an admin (in private, or with caption /add) is added to the corpus."""
    state = state_of(context)
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    limit = state.settings.max_upload_bytes
    if (document.file_size or 0) > limit:
        await reply(message, texts.upload_limit_message(document.file_size or 0, limit))
        return
    # Reading a file twice does no harm: retried on any network error.
    file = await retrying(lambda: document.get_file(), idempotent=True)
    if (file.file_size or 0) > limit:  # when the message said none, or less
        await reply(message, texts.upload_limit_message(file.file_size or 0, limit))
        return
    data = bytes(await retrying(lambda: file.download_as_bytearray(), idempotent=True))
    if len(data) > limit:
        await reply(message, texts.TOO_LARGE)
        return
    await _save_and_index(update, context, document.file_name or "article.txt", data)


async def _save_and_index(
    update: Update, context: ContextTypes.DEFAULT_TYPE, name: str, data: bytes
) -> None:
    """Save an article into the corpus and index it; say why when either cannot be done.

    A file the index cannot take (read-only, full, held by another process) is removed
    again: the corpus keeps only what is answered from.
    """
    message = update.effective_message
    if message is None:
        return
    qabot = state_of(context).qabot
    await _typing(update, context)
    async with state_of(context).reindex_lock:
        try:
            path = await asyncio.to_thread(save_article, qabot.settings.corpus, name, data)
        except ArticleError as exc:
            await reply(message, texts.not_added_message(exc.path.name, exc.reason))
            return
        except OSError as exc:  # the corpus folder said no; nothing was written
            log.warning("could not save %s into the corpus: %s", name, exc)
            await reply(message, texts.not_saved_message(safe_filename(name), exc))
            return
        try:
            report = await asyncio.to_thread(qabot.index.add_file, path, data)
        except (IndexLockedError, IndexWriteError) as exc:
            log.warning("could not index %s, so it was removed again: %s", path.name, exc)
            await asyncio.to_thread(path.unlink, missing_ok=True)
            await reply(message, texts.not_indexed_message(path.name, exc))
            return
    await reply(message, texts.saved_message(path.name, report))


# -- the rest --------------------------------------------------------------------------------
async def on_ignored(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an update no handler took (a kind qabot does not serve, or an unreadable one)."""
    kinds = [k for k, v in update.to_dict().items() if k != "update_id" and v is not None]
    log.info("ignored update %s (%s)", update.update_id, ", ".join(kinds) or "empty")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its traceback; tell the user briefly; keep running."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(texts.APOLOGY)
        except TelegramError:
            log.warning("could not send the apology either")
