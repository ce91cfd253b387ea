"""Building the python-telegram-bot Application for qabot, and running it.

python-telegram-bot does the plumbing: ``Defaults`` sets HTML and no link previews on
every message; arbitrary callback data keeps button values (see
:mod:`~qabot.telegram_bot.keyboards`) behind random tokens; filters and callback
patterns decide which handler an update reaches. Group -1 holds the rate limits, group 0
the handlers, in order; the last handler of group 0 logs what nobody took. Before serving,
:mod:`~qabot.telegram_bot.startup` checks the settings and the connection.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from qabot.config import Settings, TelegramSettings
from qabot.core import QABot
from qabot.errors import ConfigError
from qabot.feedback import FeedbackStore
from qabot.session import Session
from qabot.telegram_bot import channels, news, policies, startup, texts, votes
from qabot.telegram_bot import handlers as on
from qabot.telegram_bot.keyboards import (
    MorePassages,
    SourcesPage,
    StatementsPage,
    Vote,
    WholePassage,
)
from qabot.telegram_bot.ptb import (
    Application,
    ApplicationBuilder,
    BotCommand,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    LinkPreviewOptions,
    Message,
    MessageEntityType,
    MessageHandler,
    ParseMode,
    TelegramError,
    TypeHandler,
    Update,
    filters,
)
from qabot.telegram_bot.state import BotState
from qabot.telegram_bot.transport import TolerantUpdatesRequest, protect_token_in_logs
from qabot.watch import CorpusWatcher

__all__ = ["build_application", "run_bot"]

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", "what this bot does"),
    ("help", "how to ask, with examples"),
    ("ask", "ask a question (in groups)"),
    ("quotes", "what someone said, oldest first"),
    ("sources", "the indexed articles"),
    ("stats", "index figures"),
]
ADMIN_COMMANDS = [
    ("reindex", "re-read the corpus (admins)"),
    ("add", "add an article or a link (admins)"),
    ("feeds", "RSS and Atom feeds (admins)"),
    ("follow", "index this channel's or group's posts (admins)"),
    ("unfollow", "stop indexing this chat's posts (admins)"),
    ("forget", "remove a post's article (admins)"),
    ("correct", "in reply to an answer: where the right one is (admins)"),
]
#: The first feed poll comes this many seconds after the start, then every feed_interval.
FIRST_FEED_POLL = 10.0
#: Keyboards whose buttons still work; older ones answer "ask again".
KEYBOARDS_KEPT = 2000
# httpcore's pool bookkeeping grows with the pool (256 by default) and cost a third of the
# bot's time under load; a small pool with a patient timeout serves more.
SEND_POOL_SIZE = 16
SEND_POOL_TIMEOUT = 10.0

DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    # A question deleted before its answer is sent still gets the answer.
    allow_sending_without_reply=True,
)


class _AddressedToBot(filters.MessageFilter):
    """A message that replies to the bot or mentions its @username."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user and replied.from_user.id == bot.id:
            return True
        mention = f"@{bot.username}".lower()
        mentions = message.parse_entities([MessageEntityType.MENTION]).values()
        return any(text.lower() == mention for text in mentions)


class _AddCaption(filters.MessageFilter):
    """A caption that is the /add command (``/add`` or ``/add@<this bot>``), then anything."""

    def filter(self, message: Message) -> bool:
        words = (message.caption or "").split(maxsplit=1)
        command, _, target = (words[0] if words else "").partition("@")
        username = message.get_bot().username or ""
        return command.lower() == "/add" and target.lower() in ("", username.lower())


TEXT = filters.TEXT & ~filters.COMMAND
QUESTION = (filters.ChatType.PRIVATE & TEXT) | (filters.ChatType.GROUPS & TEXT & _AddressedToBot())
#: Files are articles in private chats; in groups only with the caption /add.
UPLOAD = filters.Document.ALL & (filters.ChatType.PRIVATE | _AddCaption())
#: New messages only, not edits: editing the caption of an added file, or a /reindex,
#: must not do it again (python-telegram-bot's handlers take edited messages too).
NEW = filters.UpdateType.MESSAGE
#: Commands about a chat's posts, in the chat (a channel's post, a group's message) or in
#: private; in a channel, new posts only.
CHANNEL_COMMANDS = ["follow", "unfollow", "forget"]


def build_application(
    qabot: QABot, settings: TelegramSettings
) -> Application[Any, Any, Any, Any, Any, Any]:
    """An Application with every qabot handler, talking to ``settings.base_url`` if given."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(DEFAULTS)
        .arbitrary_callback_data(KEYBOARDS_KEPT)
        .concurrent_updates(True)
        .get_updates_request(TolerantUpdatesRequest(connection_pool_size=1))
        .connection_pool_size(SEND_POOL_SIZE)
        .pool_timeout(SEND_POOL_TIMEOUT)
        .post_init(_post_init)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
        if settings.file_url:
            builder = builder.base_file_url(settings.file_url)
    app = builder.build()
    corpus = qabot.settings.corpus
    index_lock = asyncio.Lock()
    app.bot_data["state"] = BotState(
        qabot=qabot,
        settings=settings,
        session=Session(qabot, k=on.PASSAGES_PER_ANSWER, ttl=settings.context_ttl),
        questions=policies.RateLimiter(settings.rate_limit, settings.rate_window),
        actions=policies.RateLimiter(
            policies.ACTIONS_PER_QUESTION * settings.rate_limit, settings.rate_window
        ),
        refusals=policies.RateLimiter(policies.REFUSALS_PER_WINDOW, settings.rate_window),
        feedback=FeedbackStore(corpus),
        follows=channels.FollowList.of(corpus, settings),
        posts=channels.PostIndexer(qabot, index_lock),
        reindex_lock=index_lock,
    )
    _add_handlers(app, settings)
    if settings.feed_interval > 0 and app.job_queue is not None:
        interval = settings.feed_interval * 60
        app.job_queue.run_repeating(
            news.poll_feeds_job, interval=interval, first=min(FIRST_FEED_POLL, interval),
            name="poll feeds",
        )  # fmt: skip
    return app


def _add_handlers(
    app: Application[Any, Any, Any, Any, Any, Any], settings: TelegramSettings
) -> None:
    throttle = -1
    app.add_handlers(
        [
            MessageHandler(QUESTION, policies.throttle_questions),
            CommandHandler(["ask", "quotes"], policies.throttle_questions),
            CommandHandler(
                ["start", "help", "sources", "stats", "correct", *CHANNEL_COMMANDS],
                policies.throttle_actions,
            ),
            CallbackQueryHandler(policies.throttle_buttons),
            InlineQueryHandler(policies.throttle_inline),
        ],
        group=throttle,
    )
    admins = policies.admins(settings)
    posts = filters.UpdateType.CHANNEL_POSTS
    app.add_handlers(
        [
            # A channel's posts (and their edits): commands to the bot, else articles.
            CommandHandler("follow", channels.on_follow, filters=filters.UpdateType.CHANNEL_POST),
            CommandHandler(
                "unfollow", channels.on_unfollow, filters=filters.UpdateType.CHANNEL_POST
            ),
            CommandHandler("forget", channels.on_forget, filters=filters.UpdateType.CHANNEL_POST),
            MessageHandler(posts, channels.on_post),
            ChatMemberHandler(channels.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler("start", on.on_start),
            CommandHandler("help", on.on_help),
            CommandHandler("ask", on.on_ask),
            CommandHandler("quotes", on.on_quotes),
            CommandHandler("sources", on.on_sources),
            CommandHandler("stats", on.on_stats),
            CommandHandler("reindex", on.on_reindex, filters=NEW & admins),
            CommandHandler("add", news.on_add_links, filters=NEW & admins & news.ADD_LINKS),
            CommandHandler("add", on.on_add, filters=NEW & admins),
            CommandHandler("feeds", news.on_feeds, filters=NEW & admins),
            CommandHandler("correct", votes.on_correct, filters=NEW & admins),
            CommandHandler(["reindex", "add", "feeds", "correct"], on.on_not_admin, filters=NEW),
            # Each checks who may: the chat's admins in the chat, the bot's admins in private.
            CommandHandler("follow", channels.on_follow, filters=NEW),
            CommandHandler("unfollow", channels.on_unfollow, filters=NEW),
            CommandHandler("forget", channels.on_forget, filters=NEW),
            MessageHandler(NEW & UPLOAD & admins, on.on_document),
            MessageHandler(NEW & UPLOAD, on.on_not_admin),
            # A private message of links only: an admin adds them; others are told no.
            # (Text first: a malformed update may have no chat to ask the type of.)
            MessageHandler(news.LINKS & filters.ChatType.PRIVATE & NEW & admins, news.on_links),
            MessageHandler(news.LINKS & filters.ChatType.PRIVATE & NEW, on.on_not_admin),
            MessageHandler(filters.ChatType.PRIVATE & TEXT, on.on_private_text),
            MessageHandler(filters.ChatType.GROUPS & TEXT & _AddressedToBot(), on.on_group_text),
            # The rest of a group's messages: articles if the group is followed, else nothing.
            MessageHandler(filters.ChatType.GROUPS, channels.on_post),
            CallbackQueryHandler(on.on_whole_passage, pattern=WholePassage),
            CallbackQueryHandler(on.on_more_passages, pattern=MorePassages),
            CallbackQueryHandler(on.on_statements_page, pattern=StatementsPage),
            CallbackQueryHandler(on.on_sources_page, pattern=SourcesPage),
            CallbackQueryHandler(votes.on_vote, pattern=Vote),
            # What is left: InvalidCallbackData (a dropped or forged token), or no data.
            CallbackQueryHandler(on.on_stale_button),
            InlineQueryHandler(on.on_inline),
            # Last in its group, so it sees only what no handler above took.
            TypeHandler(Update, on.on_ignored),
        ]
    )
    app.add_error_handler(on.on_error)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu."""
    commands = [BotCommand(name, text) for name, text in COMMANDS + ADMIN_COMMANDS]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramError as exc:  # the bot works without a menu
        log.warning("could not set the command menu: %s", exc)


def run_bot(settings: Settings) -> int:
    """Check Telegram, open the corpus and serve until interrupted (polling, or a webhook).

    Start-up failures raise :class:`ConfigError` with a one-line message without the token.
    """
    tg = settings.telegram
    if not tg.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
    url = startup.base_url(tg)
    secret = startup.webhook_secret(tg) if tg.webhook_url else None
    protect_token_in_logs(tg.token, *([secret] if secret else []))
    # python-telegram-bot runs on the current event loop: the check leaves it set up for it.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        username = startup.check_connection(loop, tg.token, url)
    except ConfigError:
        loop.close()
        raise
    log.info("connected to Telegram as @%s", username)
    if settings.cluster.address:
        # Served from shards on a Ray cluster (QABOT_CLUSTER_ADDRESS): the same answers.
        qabot = QABot.open_cluster(
            settings.cluster.address, settings.corpus, settings.cluster.shards, settings.index,
            settings=settings,
        )  # fmt: skip
    else:
        qabot = QABot.open(settings.corpus, settings.index, settings=settings)
    stats = qabot.stats()
    log.info(
        "serving %s (%s) from %s",
        texts.counted(stats.articles, "article"), texts.counted(stats.passages, "passage"),
        stats.corpus,
    )  # fmt: skip
    app = build_application(qabot, replace(tg, base_url=url))
    # Articles saved into the corpus while the bot runs are answered from within seconds
    # (on a cluster, the corpus folder this process sees: the shards read the same one).
    watcher = CorpusWatcher(qabot).start()
    try:
        if tg.webhook_url and secret:
            # tornado comes with the [webhooks] extra, checked by startup.webhook_secret.
            from qabot.telegram_bot.webhook import run_webhook

            run_webhook(
                app, listen=tg.webhook_listen, port=tg.webhook_port, url=tg.webhook_url,
                secret=secret,
            )  # fmt: skip
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except TelegramError as exc:
        raise startup.start_up_error(exc, tg.token, url) from None
    finally:
        watcher.stop()
    return 0
