"""The Telegram adapter, the one owner of python-telegram-bot.

Handlers translate updates into :class:`~qabot.QABot` calls and answers into messages
built by :mod:`qabot.telegram_format`. Questions run in worker threads, off the event
loop, so one slow question never stalls the others. Shared state lives in
``application.bot_data["state"]`` (a :class:`BotState`), never in module globals.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, MessageEntityType, ParseMode
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from qabot import telegram_format as fmt
from qabot.config import Settings, TelegramSettings
from qabot.conversation import Conversations
from qabot.core import QABot
from qabot.errors import ArticleError, ConfigError, IndexLockedError
from qabot.values import Answer, ReindexReport

__all__ = ["BotState", "build_application", "run_bot"]

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", "what this bot does"),
    ("help", "how to ask, with examples"),
    ("ask", "ask a question (in groups)"),
    ("sources", "the indexed articles"),
    ("stats", "index figures"),
]
ADMIN_COMMANDS = [("reindex", "re-read the corpus (admins)"), ("add", "add an article (admins)")]
ANSWER_CACHE_SIZE = 2000
#: Commands, button presses and inline queries allowed per question of the rate limit.
ACTIONS_PER_QUESTION = 3
SEND_ATTEMPTS = 4
SEND_POOL_SIZE = 16
SEND_POOL_TIMEOUT = 10.0
MAX_RETRY_AFTER = 30.0
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

T = TypeVar("T")


class AnswerCache:
    """Recent answers by short token, so buttons stay within 64 bytes of callback data."""

    def __init__(self, size: int = ANSWER_CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[str, Answer] = OrderedDict()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def put(self, answer: Answer) -> str:
        with self._lock:
            token = _base36(next(self._counter))
            self._items[token] = answer
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return token

    def get(self, token: str) -> Answer | None:
        with self._lock:
            return self._items.get(token)


class RateLimiter:
    """At most ``limit`` questions per ``window`` seconds for each user."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
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


@dataclass
class BotState:
    """What the handlers share, kept in ``application.bot_data["state"]``."""

    qabot: QABot
    settings: TelegramSettings
    conversations: Conversations
    answers: AnswerCache = field(default_factory=AnswerCache)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(10, 60.0))
    #: Commands, buttons and inline queries: cheaper than questions, so a larger budget.
    actions: RateLimiter = field(default_factory=lambda: RateLimiter(30, 60.0))
    reindex_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.settings.admin_ids


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return cast(BotState, context.bot_data["state"])


# -- building and running -------------------------------------------------------------------
def build_application(
    qabot: QABot, settings: TelegramSettings
) -> Application[Any, Any, Any, Any, Any, Any]:
    """An Application with every qabot handler, talking to ``settings.base_url`` if given."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .concurrent_updates(True)
        .get_updates_request(TolerantUpdatesRequest(connection_pool_size=1))
        # httpcore's pool bookkeeping grows with the pool (256 by default) and cost a third
        # of the bot's time under load; a small pool with a patient timeout serves more.
        .connection_pool_size(SEND_POOL_SIZE)
        .pool_timeout(SEND_POOL_TIMEOUT)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
        if settings.file_url:
            builder = builder.base_file_url(settings.file_url)
    app = builder.post_init(_post_init).build()
    app.bot_data["state"] = BotState(
        qabot=qabot,
        settings=settings,
        conversations=Conversations(settings.context_ttl),
        limiter=RateLimiter(settings.rate_limit, settings.rate_window),
        actions=RateLimiter(ACTIONS_PER_QUESTION * settings.rate_limit, settings.rate_window),
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("help", on_help))
    app.add_handler(CommandHandler("ask", on_ask))
    app.add_handler(CommandHandler("sources", on_sources))
    app.add_handler(CommandHandler("stats", on_stats))
    app.add_handler(CommandHandler("reindex", on_reindex))
    app.add_handler(CommandHandler("add", on_add))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(InlineQueryHandler(on_inline))
    # Last in its group, so it sees only what no handler above took.
    app.add_handler(TypeHandler(Update, on_ignored))
    app.add_error_handler(on_error)
    return app


class TolerantUpdatesRequest(HTTPXRequest):
    """The getUpdates connection, made to step over updates python-telegram-bot cannot read.

    python-telegram-bot parses a getUpdates batch as a whole: one malformed update (a field
    missing, a type changed) fails the batch, which is then fetched again, and again, so
    polling stalls for good. Here such an update is reduced to its bare ``update_id``: it
    is logged, no handler takes it, and polling moves past it.
    """

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        return status, _readable_updates(payload) if status == 200 else payload


def _readable_updates(payload: bytes) -> bytes:
    """A getUpdates response with every unreadable update reduced to its ``update_id``."""
    try:
        body = json.loads(payload)
        updates = body["result"]
    except (ValueError, TypeError, KeyError):
        return payload  # not an update list: python-telegram-bot reports it
    if not isinstance(updates, list):
        return payload
    readable = [_readable_update(raw) for raw in updates]
    if readable == updates:
        return payload
    body["result"] = [u for u in readable if u is not None]
    return json.dumps(body).encode()


def _readable_update(raw: Any) -> Any:
    """``raw`` if python-telegram-bot can parse it, else its bare ``update_id`` (or ``None``)."""
    try:
        Update.de_json(raw, None)
    except Exception as exc:  # any parsing failure: the library raises many kinds
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.warning("ignoring update %s: it cannot be read (%r)", update_id, exc)
        return {"update_id": update_id} if isinstance(update_id, int) else None
    return raw


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu."""
    commands = [BotCommand(name, text) for name, text in COMMANDS + ADMIN_COMMANDS]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramError as exc:  # the bot works without a menu
        log.warning("could not set the command menu: %s", exc)


class TokenFilter(logging.Filter):
    """Removes the bot token from log records (HTTP client logs carry it in URLs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token in message:
            record.msg, record.args = message.replace(self._token, "<token>"), None
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            record.exc_text = (
                logging.Formatter().formatException(record.exc_info).replace(self._token, "<token>")
            )
        return True


def protect_token_in_logs(token: str) -> None:
    """Keep the token out of every log handler, and keep httpx's request log quiet."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    token_filter = TokenFilter(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)


def run_bot(settings: Settings) -> int:
    """Open the corpus and serve Telegram until interrupted (polling, or a webhook)."""
    tg = settings.telegram
    if not tg.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
    protect_token_in_logs(tg.token)
    qabot = QABot.open(settings.corpus, settings.index, settings=settings)
    stats = qabot.stats()
    log.info(
        "serving %d articles (%d passages) from %s", stats.articles, stats.passages, stats.corpus
    )
    app = build_application(qabot, tg)
    if tg.webhook_url:
        path = tg.webhook_secret or "telegram"
        app.run_webhook(
            listen=tg.webhook_listen,
            port=tg.webhook_port,
            url_path=path,
            webhook_url=tg.webhook_url.rstrip("/") + "/" + path,
            secret_token=tg.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


# -- sending ---------------------------------------------------------------------------------
async def _retrying(send: Callable[[], Awaitable[T]]) -> T:
    """Send, retrying on flood control (429) and network errors with backoff."""
    delay = 0.5
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await send()
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            if attempt == SEND_ATTEMPTS or seconds > MAX_RETRY_AFTER:
                raise
            log.warning("Telegram asks to wait %.1fs before sending again", seconds)
            await asyncio.sleep(seconds)
        except (TimedOut, NetworkError) as exc:
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("sending failed (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


async def _reply(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None, quote: bool = False
) -> Message:
    return await _retrying(
        lambda: message.reply_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=_NO_PREVIEW,
            do_quote=quote,
        )
    )


def _answer_markup(answer: Answer, token: str, start: int) -> InlineKeyboardMarkup | None:
    count = fmt.PASSAGES_PER_MESSAGE
    shown = answer.passages[start : start + count]
    if not shown:
        return None
    row = [
        InlineKeyboardButton(f"[{hit.rank}] full passage", callback_data=f"p:{token}:{start + i}")
        for i, hit in enumerate(shown)
    ]
    rows = [row]
    if start + count < len(answer.passages):
        rows.append([InlineKeyboardButton("More ▸", callback_data=f"m:{token}:{start + count}")])
    return InlineKeyboardMarkup(rows)


# -- questions -------------------------------------------------------------------------------
async def _answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
) -> None:
    state = _state(context)
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if message is None or chat is None:
        return
    # Throttle first: a flood of empty or over-long messages must not get a reply each.
    allowed, warn = state.limiter.allow(user.id if user else chat.id)
    if not allowed:
        if warn:
            await _reply(
                message,
                "You are asking faster than I can read. Please wait a minute and ask again.",
            )
        return
    question = question.strip()
    if not question:
        await _reply(
            message, "Ask me a question in words, for example: <i>what did NATO decide?</i>"
        )
        return
    limit = state.qabot.settings.answers.max_question_chars
    if len(question) > limit:
        await _reply(
            message,
            f"That message is too long for a question ({len(question)} characters). "
            f"Please ask in at most {limit} characters.",
        )
        return
    follow_context = state.conversations.context_for(chat.id, question)
    answer = await asyncio.to_thread(state.qabot.ask, question, 10, context=follow_context)
    state.conversations.remember(chat.id, question, follow_up=follow_context is not None)
    token = state.answers.put(answer)
    await _reply(
        message,
        fmt.answer_message(answer),
        _answer_markup(answer, token, 0),
        quote=chat.type != "private",
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text in a private chat is a question; in groups only mentions and replies are."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not isinstance(message.text, str):
        return
    if chat.type == "private":
        await _answer_question(update, context, message.text)
        return
    me = context.bot
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        await _answer_question(update, context, message.text)
        return
    mention = f"@{me.username}".lower() if me.username else None
    for entity, text in message.parse_entities([MessageEntityType.MENTION]).items():
        if mention and text.lower() == mention:
            question = message.text[: entity.offset] + message.text[entity.offset + entity.length :]
            await _answer_question(update, context, question)
            return
    # Ordinary group chatter: stay silent.


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask question: works in groups and private chats alike."""
    question = " ".join(context.args or [])
    if not question and update.effective_message is not None:
        await _reply(update.effective_message, "Usage: /ask <i>your question</i>")
        return
    await _answer_question(update, context, question)


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline mode: the top passages as results to share in any chat."""
    query = update.inline_query
    if query is None:
        return
    state = _state(context)
    if not state.actions.allow(query.from_user.id)[0]:
        return  # unanswered, the query just shows nothing: cheaper than any answer
    text = query.query.strip()[: state.qabot.settings.answers.max_question_chars]
    results = []
    if text:
        answer = await asyncio.to_thread(state.qabot.ask, text, 5)
        for hit in answer.passages:
            body = f"{fmt.passage_message(hit)}\n\n<i>Asked: {html.escape(text)}</i>"
            if fmt.utf16_len(body) > fmt.MESSAGE_LIMIT:
                body = fmt.passage_message(hit)
            results.append(
                InlineQueryResultArticle(
                    id=f"{hit.rank}",
                    title=hit.article.title[:100],
                    description=fmt.inline_description(hit),
                    input_message_content=InputTextMessageContent(
                        body, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
                    ),
                )
            )
    await _retrying(lambda: query.answer(results, cache_time=30, is_personal=False))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons: a whole passage (p:), more passages (m:), a page of sources (s:)."""
    query = update.callback_query
    if query is None:
        return
    state = _state(context)
    allowed, warn = state.actions.allow(query.from_user.id)
    if not allowed:
        if warn:
            await _retrying(lambda: query.answer("Too many taps: please wait a minute."))
        return
    kind, _, rest = (query.data or "").partition(":")
    message = query.message if isinstance(query.message, Message) else None
    if kind == "s" and rest.isdigit() and message is not None:
        await query.answer()
        text, pages = fmt.sources_message(state.qabot.articles(), int(rest))
        await _retrying(
            lambda: message.edit_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=_sources_markup(int(rest), pages),
                link_preview_options=_NO_PREVIEW,
            )
        )
        return
    token, _, index = rest.partition(":")
    answer = state.answers.get(token)
    if kind not in ("p", "m") or not index.isdigit() or answer is None or message is None:
        await query.answer(
            "This button belongs to an older answer I no longer remember. Please ask again.",
            show_alert=True,
        )
        return
    position = int(index)
    await query.answer()
    if kind == "p" and position < len(answer.passages):
        await _reply(message, fmt.passage_message(answer.passages[position]))
    elif kind == "m" and position < len(answer.passages):
        await _reply(
            message,
            fmt.answer_message(answer, start=position),
            _answer_markup(answer, token, position),
        )


# -- commands --------------------------------------------------------------------------------
def _examples(qabot: QABot, count: int = 3) -> list[str]:
    """Example questions drawn from the indexed article titles."""
    articles = qabot.articles()
    if not articles:
        return ["(add articles to the corpus first)"]
    step = max(1, len(articles) // count)
    examples = []
    for article in articles[::step][:count]:
        title = re.sub(r"\s+", " ", article.title).strip().rstrip(".?!:")
        examples.append(f"What about {title[:80]}?")
    return examples


async def _throttled(update: Update, state: BotState) -> bool:
    """Whether the sender is over the command budget (told so once a window)."""
    user, chat = update.effective_user, update.effective_chat
    allowed, warn = state.actions.allow(user.id if user else chat.id if chat else 0)
    if warn and update.effective_message is not None:
        await _reply(
            update.effective_message,
            "You are sending commands faster than I can answer. Please wait a minute.",
        )
    return not allowed


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet and explain."""
    state = _state(context)
    if update.effective_message is None or await _throttled(update, state):
        return
    stats = state.qabot.stats()
    text = (
        f"Hello! I answer questions about {stats.articles} news articles, citing my sources.\n\n"
        + fmt.help_message(_examples(state.qabot), admin=state.is_admin(update))
    )
    await _reply(update.effective_message, text)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask, with example questions from the corpus."""
    state = _state(context)
    if update.effective_message is not None and not await _throttled(update, state):
        await _reply(
            update.effective_message,
            fmt.help_message(_examples(state.qabot), admin=state.is_admin(update)),
        )


def _sources_markup(page: int, pages: int) -> InlineKeyboardMarkup | None:
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("◂ Previous", callback_data=f"s:{page - 1}"))
    if page + 1 < pages:
        buttons.append(InlineKeyboardButton("Next ▸", callback_data=f"s:{page + 1}"))
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The indexed articles, ten a page."""
    if update.effective_message is None or await _throttled(update, _state(context)):
        return
    text, pages = fmt.sources_message(_state(context).qabot.articles(), 0)
    await _reply(update.effective_message, text, _sources_markup(0, pages))


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Index figures."""
    if update.effective_message is not None and not await _throttled(update, _state(context)):
        await _reply(update.effective_message, fmt.stats_message(_state(context).qabot.stats()))


async def _refuse_non_admin(update: Update, state: BotState) -> bool:
    if state.is_admin(update):
        return False
    if update.effective_message is not None:
        await _reply(update.effective_message, "Sorry, only the bot's admins can do that.")
    return True


def _report_text(report: ReindexReport) -> str:
    text = f"Index updated: {html.escape(str(report))}."
    if report.added:
        text += "\nAdded: " + ", ".join(html.escape(a) for a in report.added[:10])
    if report.problems:
        text += "\nSkipped: " + "; ".join(html.escape(str(p)) for p in report.problems[:5])
    return text


async def _typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        with contextlib.suppress(TelegramError):  # a hint only
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reindex (admins): re-read the corpus folder and report what changed."""
    state = _state(context)
    if await _refuse_non_admin(update, state) or update.effective_message is None:
        return
    await _typing(update, context)
    async with state.reindex_lock:
        try:
            report = await asyncio.to_thread(state.qabot.reindex)
        except IndexLockedError as exc:
            await _reply(update.effective_message, html.escape(str(exc)))
            return
    await _reply(update.effective_message, _report_text(report))


async def on_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add (admins): as a document's caption, or in reply to a message holding an article."""
    state = _state(context)
    message = update.effective_message
    if await _refuse_non_admin(update, state) or message is None:
        return
    if message.document is not None:
        await on_document(update, context)
        return
    replied = message.reply_to_message
    text = (replied.text or replied.caption or "") if replied is not None else ""
    if not text.strip():
        await _reply(
            message,
            "To add an article, send a .txt, .md or .json file with the caption /add, or reply "
            "/add to a message whose first line is the title and the rest the article.",
        )
        return
    title = text.strip().splitlines()[0]
    slug = re.sub(r"[^\w]+", "-", title.lower(), flags=re.ASCII).strip("-")[:60] or "article"
    await _save_and_index(update, context, f"{slug}.txt", text.strip().encode("utf-8"))


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent by an admin (in private, or with caption /add) is added to the corpus."""
    state = _state(context)
    message = update.effective_message
    chat = update.effective_chat
    if message is None or message.document is None or chat is None:
        return
    captioned = (message.caption or "").strip().lower().startswith("/add")
    if chat.type != "private" and not captioned:
        return
    if await _refuse_non_admin(update, state):
        return
    document = message.document
    size = document.file_size or 0
    if size > state.settings.max_upload_bytes:
        await _reply(
            message,
            f"That file is {size:,} bytes; I accept articles up to "
            f"{state.settings.max_upload_bytes:,} bytes.",
        )
        return
    file = await _retrying(lambda: document.get_file())
    if (file.file_size or 0) > state.settings.max_upload_bytes:  # when the message said none
        await _reply(
            message,
            f"That file is {file.file_size:,} bytes; I accept articles up to "
            f"{state.settings.max_upload_bytes:,} bytes.",
        )
        return
    data = bytes(await _retrying(lambda: file.download_as_bytearray()))
    if len(data) > state.settings.max_upload_bytes:
        await _reply(message, "That file is larger than I accept.")
        return
    await _save_and_index(update, context, document.file_name or "article.txt", data)


async def _save_and_index(
    update: Update, context: ContextTypes.DEFAULT_TYPE, name: str, data: bytes
) -> None:
    state = _state(context)
    message = update.effective_message
    if message is None:
        return
    await _typing(update, context)
    async with state.reindex_lock:
        try:
            path, report = await asyncio.to_thread(state.qabot.add_article, name, data)
        except ArticleError as exc:
            await _reply(
                message, f"I could not add {html.escape(exc.path.name)}: {html.escape(exc.reason)}"
            )
            return
    await _reply(
        message, f"Saved as <code>{html.escape(path.name)}</code>.\n{_report_text(report)}"
    )


async def on_ignored(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an update no handler took (a kind qabot does not serve, or an unreadable one)."""
    kinds = [k for k, v in update.to_dict().items() if k != "update_id" and v is not None]
    log.info("ignored update %s (%s)", update.update_id, ", ".join(kinds) or "empty")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its traceback; tell the user briefly; keep running."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on my side. Please try again."
            )
        except TelegramError:
            log.warning("could not send the apology either")
