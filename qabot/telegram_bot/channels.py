"""Channels and groups as a news source: a followed chat's posts saved as articles, indexed.

Once a chat is followed (``/follow`` there by its admins while the bot is an administrator,
``/follow @channel`` from one of the bot's admins in private, or ``QABOT_FOLLOW_CHATS``),
every new post (``channel_post``; in a group, every message not addressed to the bot)
becomes ``<corpus>/telegram/<chat id>/<message id>.md``: front matter with the title
(the first line), the date (the post's), the url (its t.me link, for public chats), the
source (the chat's title), and for a forwarded post the original's source, link and date;
then each line of the text (or a media post's caption) as a paragraph. An edit replaces
the file; a post without text is skipped (an edit that removes the text removes the
article). Bots are never told of deletions: ``/forget <link>`` removes a post's article.

Followed chats are kept in ``<corpus>/.qabot-follow.json`` (hidden: never indexed; written
atomically), so they survive restarts. Saved posts are indexed by :class:`PostIndexer`,
a batch at a time in a worker thread: a burst of posts costs a few index updates, and a
post whose update failed is tried again, never dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from qabot import atomic, render
from qabot.articles import parse_file
from qabot.config import TelegramSettings
from qabot.core import QABot
from qabot.errors import ArticleError, QABotError
from qabot.telegram_bot import texts
from qabot.telegram_bot.handlers import change_index
from qabot.telegram_bot.policies import is_admin, refuse
from qabot.telegram_bot.ptb import (
    Chat,
    ChatMemberStatus,
    ContextTypes,
    Message,
    MessageEntityType,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    TelegramError,
    Update,
)
from qabot.telegram_bot.state import state_of
from qabot.telegram_bot.transport import reply
from qabot.values import Article

__all__ = [
    "FOLLOW_FILE",
    "POSTS_FOLDER",
    "FollowList",
    "FollowedChat",
    "PostIndexer",
    "on_follow",
    "on_forget",
    "on_my_chat_member",
    "on_post",
    "on_unfollow",
    "post_article",
    "post_markdown",
    "post_relpath",
    "save_post",
]

log = logging.getLogger(__name__)

FOLLOW_FILE = ".qabot-follow.json"
#: Posts are saved under ``<corpus>/telegram/<chat id>/``.
POSTS_FOLDER = "telegram"
FORMAT_VERSION = 1
#: A post's title is its first line, cut to this many characters.
TITLE_CHARS = 200
#: After a failed index update, saved posts are tried again after this long, doubling.
RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 300.0
_ADMIN = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
#: ``https://t.me/<username>/<id>`` (public) or ``https://t.me/c/<internal id>/<id>`` (private).
_POST_LINK = re.compile(
    r"(?:https?://)?(?:t\.me|telegram\.me)/(?:(?:c/(?P<internal>\d+))|(?P<username>[A-Za-z]"
    r"\w{3,31}))/(?:\d+/)?(?P<message>\d+)/?(?:\?\S*)?",
    re.I,
)


# -- the follow list ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowedChat:
    """A channel or group whose posts become articles."""

    id: int
    title: str
    username: str | None = None


class FollowList:
    """The followed chats of one corpus, kept in ``<corpus>/.qabot-follow.json``, and those
    ``QABOT_FOLLOW_CHATS`` names (``configured``: ids, and usernames in lower case).

    Thread-safe; read once, then kept in memory (the bot is its one writer).
    """

    def __init__(self, path: Path, configured: Collection[int | str] = frozenset()) -> None:
        self.path = path
        self.configured = frozenset(configured)
        self._lock = threading.Lock()
        self._chats: dict[int, FollowedChat] | None = None

    @classmethod
    def of(cls, corpus: Path, settings: TelegramSettings) -> FollowList:
        return cls(corpus / FOLLOW_FILE, settings.follow_chats)

    def chats(self) -> list[FollowedChat]:
        """The chats followed by ``/follow``, in the order followed."""
        with self._lock:
            return list(self._read().values())

    def follows(self, chat_id: int, username: str | None) -> bool:
        """Whether the posts of this chat become articles."""
        if self.is_configured(chat_id, username):
            return True
        with self._lock:
            try:
                return chat_id in self._read()
            except QABotError as exc:  # damaged: the configured chats still work
                log.warning("%s", exc)
                self._chats = {}
                return False

    def is_configured(self, chat_id: int, username: str | None) -> bool:
        """Whether ``QABOT_FOLLOW_CHATS`` names this chat."""
        named = username is not None and username.lower() in self.configured
        return chat_id in self.configured or named

    def chat_named(self, username: str) -> FollowedChat | None:
        """The followed chat of that public username, if any."""
        wanted = username.lower().removeprefix("@")
        return next((c for c in self.chats() if (c.username or "").lower() == wanted), None)

    def add(self, chat: FollowedChat) -> bool:
        """Follow ``chat``; ``False`` if it was followed already (its title is refreshed)."""
        with self._lock:
            chats = dict(self._read())
            new = chat.id not in chats
            if not new and chats[chat.id] == chat:
                return False
            chats[chat.id] = chat
            self._write(chats)
            return new

    def remove(self, chat_id: int) -> FollowedChat | None:
        """Stop following; the chat that was followed, or ``None``."""
        with self._lock:
            chats = dict(self._read())
            gone = chats.pop(chat_id, None)
            if gone is not None:
                self._write(chats)
            return gone

    def _read(self) -> dict[int, FollowedChat]:
        if self._chats is not None:
            return self._chats
        try:
            raw = json.loads(self.path.read_bytes())
            chats = [
                FollowedChat(int(c["id"]), str(c["title"]), c.get("username") or None)
                for c in raw["chats"]
            ]
        except FileNotFoundError:
            chats = []
        except OSError as exc:
            raise QABotError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise QABotError(
                f"{self.path} is damaged ({exc!r}); fix or delete it and /follow the chats again"
            ) from None
        self._chats = {c.id: c for c in chats}
        return self._chats

    def _write(self, chats: dict[int, FollowedChat]) -> None:
        data = {
            "version": FORMAT_VERSION,
            "chats": [
                {"id": c.id, "title": c.title, **({"username": c.username} if c.username else {})}
                for c in chats.values()
            ],
        }
        try:
            atomic.write_file(self.path, json.dumps(data, indent=1, ensure_ascii=False).encode())
        except OSError as exc:
            raise QABotError(
                f"cannot write {self.path}: {exc.strerror or exc}; the corpus folder must be "
                "writable"
            ) from None
        self._chats = chats


# -- posts → articles ---------------------------------------------------------------------------
def post_relpath(chat_id: int, message_id: int) -> str:
    """Where a post's article lives, relative to the corpus."""
    return f"{POSTS_FOLDER}/{chat_id}/{message_id}.md"


def post_link(username: str | None, message_id: int) -> str | None:
    """A public chat's post link (``https://t.me/<username>/<id>``); ``None`` for private chats."""
    return f"https://t.me/{username}/{message_id}" if username else None


def _when(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _origin(message: Message) -> dict[str, str | None]:
    """What a forwarded post says of where it comes from (nothing for an own post)."""
    origin = message.forward_origin
    if origin is None:
        return {}
    fields: dict[str, str | None] = {"original_date": _when(origin.date)}
    if isinstance(origin, MessageOriginChannel):
        chat = origin.chat
        fields["original_source"] = chat.title or chat.username
        fields["original_url"] = post_link(chat.username, origin.message_id)
    elif isinstance(origin, MessageOriginChat):
        fields["original_source"] = origin.sender_chat.title or origin.sender_chat.username
    elif isinstance(origin, MessageOriginUser):
        fields["original_source"] = origin.sender_user.full_name
    elif isinstance(origin, MessageOriginHiddenUser):
        fields["original_source"] = origin.sender_user_name
    return fields


def post_markdown(message: Message) -> bytes | None:
    """The article of a post (front matter, then each line a paragraph); ``None`` without text."""
    text = message.text if message.text is not None else message.caption
    # python-telegram-bot does not check types: a malformed update may carry a number here.
    lines = [_one_line(line) for line in text.splitlines()] if isinstance(text, str) else []
    lines = [line for line in lines if line]
    if not lines:
        return None
    chat = message.chat
    fields: dict[str, str | None] = {
        "title": lines[0][:TITLE_CHARS],
        "date": _when(message.date),
        "url": post_link(chat.username, message.message_id),
        "source": chat.title or chat.username or str(chat.id),
        **_origin(message),
    }
    head = [f"{key}: {_one_line(value)}" for key, value in fields.items() if value]
    # Every line, the first too: a title is not searched, and a post's first line is news.
    return "\n".join(["---", *head, "---", "", *(f"{line}\n" for line in lines)]).encode()


def save_post(corpus: Path, message: Message) -> str | None:
    """Save (or replace) a post's article; returns its relative path if the corpus changed.

    A post without text saves nothing, and removes the article an earlier version of it
    left. Raises :class:`~qabot.errors.ArticleError` or :class:`OSError`.
    """
    relpath = post_relpath(message.chat.id, message.message_id)
    path = corpus / relpath
    data = post_markdown(message)
    if data is None:
        if path.exists():
            path.unlink()
            return relpath
        return None
    parse_file(path, relpath, data)  # checked before anything is written
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_file(path, data)
    return relpath


def post_article(qabot: QABot, follows: FollowList, link: str) -> Article | None:
    """The indexed article of the post at a t.me ``link`` (public or private chat), if any."""
    found = _POST_LINK.fullmatch(link.strip())
    if found is None:
        return None
    if found["internal"]:
        chat_id = int(f"-100{found['internal']}")
    else:
        chat = follows.chat_named(found["username"])
        if chat is None:
            return None
        chat_id = chat.id
    relpath = post_relpath(chat_id, int(found["message"]))
    return next((a for a in qabot.articles() if a.id == relpath), None)


class PostIndexer:
    """Indexes saved posts in batches, in a worker thread, one index change at a time.

    :meth:`add` never waits: the post's path joins the next batch, and a batch starts as
    soon as the one before it ends. A batch whose update fails (the index locked by
    another process, read-only, full) is tried again later with whatever came meanwhile.
    """

    def __init__(self, qabot: QABot, lock: asyncio.Lock) -> None:
        self.qabot = qabot
        self._lock = lock
        self._pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        #: Index updates made, and posts (paths) indexed: for the logs and the benchmark.
        self.updates = 0
        self.indexed = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, relpath: str) -> None:
        """Index the article at ``relpath`` (written or removed) soon."""
        self._pending.add(relpath)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="qabot-index-posts")

    async def idle(self) -> None:
        """Wait until every post added so far is indexed (or being retried has stopped)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        delay = RETRY_SECONDS
        while self._pending:
            batch, self._pending = self._pending, set()
            try:
                async with self._lock:
                    report = await asyncio.to_thread(self.qabot.reindex, paths=batch)
            except QABotError as exc:
                log.warning("could not index %d saved posts (trying again in %g s): %s",
                            len(batch), delay, exc)  # fmt: skip
                self._pending |= batch
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            delay = RETRY_SECONDS
            self.updates += 1
            self.indexed += len(batch)
            log.info("indexed %d Telegram posts: %s", len(batch), report)


# -- handlers -----------------------------------------------------------------------------------
def _is_command(message: Message) -> bool:
    entities = message.entities or ()
    return (
        bool(entities)
        and entities[0].type == MessageEntityType.BOT_COMMAND
        and (entities[0].offset == 0)
    )


async def on_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A post of a channel, or a message of a group (or an edit): an article if followed."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or _is_command(message):
        return
    state = state_of(context)
    if not await asyncio.to_thread(state.follows.follows, chat.id, chat.username):
        return  # group chatter, or a channel nobody asked to follow: stay silent
    try:
        relpath = await asyncio.to_thread(save_post, state.qabot.settings.corpus, message)
    except (ArticleError, OSError) as exc:
        log.warning("could not save post %s of chat %s: %s", message.message_id, chat.id, exc)
        return
    if relpath is not None:
        state.posts.add(relpath)


async def _bot_is_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
    member = await context.bot.get_chat_member(chat_id, context.bot.id)
    return member.status in _ADMIN


async def _manages(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: Chat) -> bool:
    """Whether the sender may say which posts of ``chat`` (the chat they write in) count."""
    message, user = update.effective_message, update.effective_user
    sender = message.sender_chat if message is not None else None
    if sender is not None and sender.id == chat.id:
        return True  # the channel itself (only its admins post), or a group's anonymous admin
    if user is None:
        return False
    if user.id in state_of(context).settings.admin_ids:
        return True
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in _ADMIN


async def _target(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, following: bool
) -> FollowedChat | None:
    """The chat a /follow or /unfollow is about, once the sender's rights are checked
    (and, to follow, the bot's); ``None`` when refused (the sender is told why)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    state = state_of(context)
    try:
        if chat.type == Chat.PRIVATE:
            if not is_admin(update, state.settings):
                await refuse(update, context, texts.ADMINS_ONLY)
                return None
            if not context.args:
                chats = await asyncio.to_thread(state.follows.chats)
                configured = sorted(map(str, state.follows.configured))
                await reply(message, texts.followed_message(chats, configured))
                return None
            ref = context.args[0]
            full = await context.bot.get_chat(int(ref) if _is_id(ref) else "@" + ref.lstrip("@"))
            target_id, title, username = full.id, full.title, full.username
        else:
            if not await _manages(update, context, chat):
                await refuse(update, context, texts.CHAT_ADMINS_ONLY)
                return None
            target_id, title, username = chat.id, chat.title, chat.username
        title = title or username or str(target_id)
        if following and not await _bot_is_admin(context, target_id):
            await reply(message, texts.make_me_admin_message(title))
            return None
    except TelegramError as exc:  # no such chat, or the bot is not in it
        log.info("cannot check chat rights: %s", exc)
        await reply(message, texts.CHAT_NOT_SEEN)
        return None
    return FollowedChat(target_id, title, username)


def _is_id(ref: str) -> bool:
    return re.fullmatch(r"-?\d+", ref) is not None


async def on_follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/follow: this chat's posts become articles (its admins; the bot must be one too);
    in private, /follow @channel (the bot's admins), or the list of followed chats."""
    target = await _target(update, context, following=True)
    message = update.effective_message
    if target is None or message is None:
        return
    try:
        new = await asyncio.to_thread(state_of(context).follows.add, target)
    except QABotError as exc:
        await reply(message, render.escape(str(exc)))
        return
    log.info("following chat %s (%s)", target.id, target.title)
    await reply(message, texts.following_message(target.title, new))


async def on_unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unfollow: this chat's new posts are no longer saved (its articles stay)."""
    target = await _target(update, context, following=False)
    message = update.effective_message
    if target is None or message is None:
        return
    follows = state_of(context).follows
    try:
        gone = await asyncio.to_thread(follows.remove, target.id)
    except QABotError as exc:
        await reply(message, render.escape(str(exc)))
        return
    configured = follows.is_configured(target.id, target.username)
    await reply(message, texts.unfollowed_message(target.title, gone is not None, configured))


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget <post link>: remove a post's article (Telegram never tells bots of deletions)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    state = state_of(context)
    found = _POST_LINK.fullmatch(context.args[0]) if context.args else None
    if found is None:
        await refuse(update, context, texts.FORGET_USAGE)
        return
    try:
        if chat.type == Chat.PRIVATE:
            allowed = is_admin(update, state.settings)
        else:
            allowed = await _manages(update, context, chat)
        if not allowed:
            await refuse(update, context, texts.ADMINS_ONLY)
            return
        if found["internal"]:
            chat_id = int(f"-100{found['internal']}")
        else:
            named = await asyncio.to_thread(state.follows.chat_named, found["username"])
            chat_id = (
                named.id if named else (await context.bot.get_chat("@" + found["username"])).id
            )
    except TelegramError as exc:
        log.info("cannot resolve a post link: %s", exc)
        await reply(message, texts.NO_SUCH_POST)
        return
    if chat.type != Chat.PRIVATE and chat_id != chat.id:
        await refuse(update, context, texts.OTHER_CHATS_POST)
        return
    relpath = post_relpath(chat_id, int(found["message"]))
    title = await asyncio.to_thread(_forget_file, state.qabot.settings.corpus / relpath, relpath)
    if title is None:
        await reply(message, texts.NO_SUCH_POST)
        return
    qabot = state.qabot
    report = await change_index(update, context, lambda: qabot.reindex(paths=[relpath]))
    await reply(message, texts.forgotten_message(title, indexed=report is not None))


def _forget_file(path: Path, relpath: str) -> str | None:
    """Remove a post's article; its title, or ``None`` if there was none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        title = parse_file(path, relpath, data)[0][0].article.title
    except ArticleError:
        title = path.name
    path.unlink(missing_ok=True)
    return title


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a chat, made an admin there, or removed: logged for the admins."""
    change = update.my_chat_member
    if change is None:
        return
    chat, status = change.chat, change.new_chat_member.status
    followed = await asyncio.to_thread(state_of(context).follows.follows, chat.id, chat.username)
    if status in _ADMIN and not followed:
        log.info(
            "made an administrator of %s %r (%s): /follow there, or QABOT_FOLLOW_CHATS=%s, to "
            "index its posts", chat.type, chat.title, chat.id, chat.id,
        )  # fmt: skip
    elif status not in _ADMIN and followed:
        log.warning(
            "no longer an administrator of the followed %s %r (%s): its posts cannot be read",
            chat.type, chat.title, chat.id,
        )  # fmt: skip
    else:
        log.info("now %s of %s %r (%s)", status, chat.type, chat.title, chat.id)
