"""A stand-in Telegram Bot API server for tests.

``BotApiServer`` speaks enough of https://core.telegram.org/bots/api over plain HTTP on
127.0.0.1 that python-telegram-bot's real HTTP stack (``telegram.Bot``, an ``Application`` with
its polling ``Updater``, ``File.download_to_memory``) runs against it unchanged::

    with BotApiServer() as server:
        app = (ApplicationBuilder().token(server.token).base_url(server.base_url)
               .base_file_url(server.base_file_url).build())
        ...  # initialize, start, app.updater.start_polling(poll_interval=0, timeout=1)
        server.push_update(server.make_message_update("/start"))
        call = await server.wait_for_async("sendMessage")

It records every call (``calls``, ``sent_messages``, ``wait_for``; each ``Call`` with its
monotonic time ``at``, and passed to the optional ``on_call`` hook), feeds updates to
``getUpdates`` long polling (``push_update`` and the ``make_*_update`` builders), serves files
(``getFile`` and ``/file/bot<TOKEN>/<path>``), injects failures (``fail_next``), and answers
what Telegram rejects with Telegram's HTTP 400 bodies: unparsable ``parse_mode=HTML``, empty
texts or texts over 4096 UTF-16 code units after entity parsing, callback data over 64 bytes,
edits that change nothing, over-long callback answers, inline answers with more than 50
results or duplicate result ids.

Limits, on purpose:

* One bot; any chat_id is accepted (no privacy mode or flood control: inject flood control
  with ``fail_next``). Membership is what tests say it is: ``set_member`` makes a user (or
  the bot) an ``administrator``, ``creator``, ``member`` or ``left`` of a chat, which
  ``getChatMember`` and ``getChatAdministrators`` report; anyone else is a ``member`` (the
  bot too). ``add_chat`` names a channel or group, which ``getChat`` then finds by id or
  ``@username``. Methods outside ``BotApiServer.methods`` answer 404.
* HTML is checked like Telegram's own parser (tdlib ``parse_html``): allowed tags, nesting,
  attribute syntax, byte offsets in the error text. One deliberate difference: by default a
  ``&`` that does not start ``&lt; &gt; &amp; &quot;`` or a numeric reference ending in ``;`` is
  an error, where Telegram would show it literally; that catches text that was never escaped.
  ``BotApiServer(strict_ampersand=False)`` gives Telegram's leniency. Link URLs are not
  validated; Markdown/MarkdownV2 texts are passed through unchecked and without entities.
* Texts are stored as sent (Telegram trims surrounding whitespace); ``allowed_updates`` is
  recorded, not applied. Error descriptions are Telegram's where known.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import mimetypes
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message as _Headers
from email.utils import collapse_rfc2231_value
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAH-stand-in-token-for-qabot-tests"
DEFAULT_USER_ID = 1001
DEFAULT_GROUP_ID = -1001234567890
DEFAULT_CHANNEL_ID = -1009876543210
#: Every right an administrator may hold, as getChatMember reports them.
_ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
    "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
    "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
    "can_post_messages", "can_edit_messages",
)  # fmt: skip
# Parameters that are plain strings even when they look like JSON ("123", "true").
_STRING_FIELDS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_query_id", "inline_message_id",
    "url", "file_id", "action", "secret_token", "ip_address", "language_code", "next_offset",
    "business_connection_id", "message_effect_id",
})  # fmt: skip
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})  # fmt: skip
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_NOT_FOUND = b'{"ok":false,"error_code":404,"description":"Not Found"}'


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One API request: canonical method name, decoded params, HTTP status, JSON response.

    ``status`` is 0 when the connection was dropped by ``fail_next(..., disconnect=True)``.
    ``at`` is the ``time.monotonic()`` at which the call was handled and recorded.
    """

    method: str
    params: JSON
    status: int
    response: JSON
    at: float = field(default_factory=time.monotonic, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")


@dataclass(frozen=True)
class SentMessage:
    """A successful sendMessage/editMessageText: ``text`` as sent, ``plain_text`` as shown."""

    method: str
    chat_id: int | str | None
    message_id: int | None
    text: str
    plain_text: str
    parse_mode: str | None
    reply_markup: JSON | None


class HtmlParseError(ValueError):
    """Why Telegram would answer "Bad Request: can't parse entities: ..."."""


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(reason: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {reason}")


# --------------------------------------------------------------------------- HTML (tdlib rules)
_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\r\n\v\f"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _decode_reference(text: str, i: int, strict: bool) -> tuple[str, int] | None:
    """Decode the character reference at ``text[i] == "&"``: (character, next index) or None."""
    j = i + 1
    if text.startswith("#", j):
        hexa = text.startswith("x", j + 1)
        j = start = j + (2 if hexa else 1)
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        while j < len(text) and text[j] in digits:
            j += 1
        if j == start or j - i >= 10:
            return None
        code = int(text[start:j], 16 if hexa else 10)
        if not 0 < code < 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while j < len(text) and text[j].isascii() and text[j].isalpha():
            j += 1
        if (named := _NAMED.get(text[i + 1 : j])) is None:
            return None
        char = named
    if text.startswith(";", j):
        return char, j + 1
    return None if strict else (char, j)


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse ``name=value`` pairs from ``text[i]`` to the closing ``>``; return them and the
    index after ``>``."""
    attrs: dict[str, str] = {}
    n, where = len(text), f'the tag "{tag}" at byte offset {begin}'
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        if text[i] == ">":
            return attrs, i + 1
        start = i
        while i < n and text[i] not in _SPACE and text[i] not in "=>":
            i += 1
        name = text[start:i]
        if not name:
            raise HtmlParseError(f"Empty attribute name in {where}")
        while i < n and text[i] in _SPACE:
            i += 1
        if not text.startswith("=", i):
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise HtmlParseError(f"Expected equal sign in declaration of an attribute of {where}")
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value: list[str] = []
        if text[i] in "'\"":
            quote, i = text[i], i + 1
            while i < n and text[i] != quote:
                ref = _decode_reference(text, i, strict=False) if text[i] == "&" else None
                value.append(ref[0] if ref else text[i])
                i = ref[1] if ref else i + 1
            i += 1
        else:
            start = i
            while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                i += 1
            value.append(text[start:i].lower())
            if i < n and text[i] not in _SPACE and text[i] != ">":
                offset = _byte_offset(text, start)
                raise HtmlParseError(f"Unexpected end of name token at byte offset {offset}")
        attrs[name] = "".join(value)


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (visible text, MessageEntity dicts) or raise HtmlParseError."""
    out: list[str] = []
    entities: list[JSON] = []
    stack: list[tuple[str, JSON, int, int]] = []  # tag, attributes, UTF-16 offset, len(out)
    utf16, i, n = 0, 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            ref = _decode_reference(text, i, strict_ampersand)
            if ref is not None:
                out.append(ref[0])
                utf16, i = utf16 + utf16_len(ref[0]), ref[1]
                continue
            if strict_ampersand:
                offset = _byte_offset(text, i)
                raise HtmlParseError(f'Unescaped "&" at byte offset {offset} (write &amp;)')
        if char != "<":
            out.append(char)
            utf16, i = utf16 + utf16_len(char), i + 1
            continue
        begin, j = _byte_offset(text, i), i + 1
        closing = text.startswith("/", j)
        j += closing
        name_start = j
        while j < n and text[j] not in _SPACE and text[j] != ">":
            j += 1
        name = text[name_start:j]
        if not closing:
            if j >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            tag = name.lower()
            if tag not in _TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            attrs, i = _parse_attributes(text, j, tag, begin)
            if tag == "span" and attrs.get("class") != "tg-spoiler":
                raise HtmlParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, attrs, utf16, len(out)))
            continue
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        while j < n and text[j] in _SPACE:
            j += 1
        if j >= n or text[j] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        tag, attrs, offset, out_start = stack.pop()
        if name and name != tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{name}>"'
            )
        i = j + 1
        emoji_id = attrs.get("emoji-id", "")
        if tag == "tg-emoji" and not (emoji_id.isascii() and emoji_id.isdigit() and int(emoji_id)):
            raise HtmlParseError("Invalid custom emoji identifier specified")
        if utf16 > offset:
            _add_entity(entities, tag, attrs, offset, utf16 - offset, "".join(out[out_start:]))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _add_entity(
    entities: list[JSON], tag: str, attrs: JSON, offset: int, length: int, inner: str
) -> None:
    entity: JSON = {"type": _TAGS[tag], "offset": offset, "length": length}
    last = entities[-1] if entities else {}
    if tag == "pre" and last.get("type") == "code" and last["offset"] == offset:
        if last["length"] == length:  # <pre><code class="language-x">: one pre entity
            entities.pop()
            if last.get("language"):
                entity["language"] = last["language"]
    elif tag == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"][len("language-") :]
    elif tag == "a":
        entity["url"] = attrs.get("href") or inner
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


_COMMAND_OR_MENTION = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])"
    r"|(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)"
)


def _detect_entities(text: str) -> list[JSON]:
    """bot_command and mention entities, as Telegram adds them to incoming messages."""
    return [
        {
            "type": "bot_command" if match.group().startswith("/") else "mention",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_OR_MENTION.finditer(text)
    ]


def _check_markup(markup: Any) -> JSON | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
    return markup


# --------------------------------------------------------------------------- HTTP plumbing
def _header_param(headers: _Headers, param: str, header: str) -> str | None:
    value = headers.get_param(param, header=header)
    return None if value is None else collapse_rfc2231_value(value)


def _parse_multipart(body: bytes, content_type: str) -> JSON:
    headers = _Headers()
    headers["content-type"] = content_type
    boundary = _header_param(headers, "boundary", "content-type")
    if not boundary:
        raise _bad("multipart boundary is missing")
    fields: JSON = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        info = _Headers()
        for line in head.decode("utf-8", "replace").splitlines():
            key, sep, value = line.partition(":")
            if sep:
                info[key.strip()] = value.strip()
        data = data.removesuffix(b"\r\n")
        name = _header_param(info, "name", "content-disposition") or ""
        filename = _header_param(info, "filename", "content-disposition")
        if filename is None:
            fields[name] = data.decode()
        else:
            fields[name] = UploadedFile(filename, info.get_content_type(), data)
    return fields


def _decode_params(raw: JSON) -> JSON:
    """Form values arrive as strings with JSON inside; decode all but the plain-string fields."""
    params: JSON = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in _STRING_FIELDS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.owner._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr log."""


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    # socketserver's default backlog of 5 overflows when a bot opens dozens of connections
    # at once (load tests): the kernel then drops handshakes and clients see resets.
    request_queue_size = 128

    def __init__(self, owner: BotApiServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients going away mid-request (cancelled long polls) are not errors."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


# --------------------------------------------------------------------------- the server
class BotApiServer:
    """Stand-in Bot API server; see the module docstring. Thread-safe; use as a context
    manager or with ``start()``/``stop()``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "qabot_test_bot",
        strict_ampersand: bool = True,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.token = token
        self.strict_ampersand = strict_ampersand
        #: Called with each Call as it is recorded, in recording order, from the request's
        #: thread and under the server's lock: keep it quick (a load driver's hook).
        self.on_call = on_call
        prefix = token.partition(":")[0]
        self.bot_user: JSON = {
            "id": int(prefix) if prefix.isdigit() else 123456789, "is_bot": True,
            "first_name": "QABot Test", "username": username, "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": True,
            "can_connect_to_business": False, "has_main_web_app": False,
        }  # fmt: skip
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._messages: dict[tuple[Any, Any], JSON] = {}
        self._next_message_id: dict[Any, int] = {}
        self._chats: dict[Any, JSON] = {}
        self._files: dict[str, tuple[JSON, bytes]] = {}
        self._open_queries: set[str] = set()
        self._query_counter = 0
        self._commands: dict[str, list[JSON]] = {}
        self._members: dict[tuple[Any, int], str] = {}
        self._webhook: JSON = {}
        self._faults: dict[str, deque[_ApiError]] = {}  # status 0: drop the connection
        self._poll_generation = 0
        self._parked_polls = 0
        self._stopping = False
        self._connections: set[socket.socket] = set()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[JSON], Any]] = {
            "getMe": lambda p: copy.deepcopy(self.bot_user),
            "logOut": lambda p: True,
            "close": lambda p: True,
            "deleteWebhook": self._api_delete_webhook,
            "setWebhook": self._api_set_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "getUpdates": self._api_get_updates,
            "sendMessage": self._api_send_message,
            "editMessageText": self._api_edit_message_text,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "answerCallbackQuery": self._api_answer_callback_query,
            "answerInlineQuery": self._api_answer_inline_query,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": lambda p: copy.deepcopy(self._commands.get(self._scope_key(p), [])),
            "sendChatAction": self._api_send_chat_action,
            "sendDocument": self._api_send_document,
            "getFile": self._api_get_file,
            "getChat": self._api_get_chat,
            "getChatMember": self._api_get_chat_member,
            "getChatAdministrators": self._api_get_chat_administrators,
        }
        self._canonical = {name.lower(): name for name in self._handlers}
        self.methods = tuple(self._handlers)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> BotApiServer:
        if self._httpd is not None:
            raise RuntimeError("BotApiServer already started")
        self._stopping = False
        self._httpd = _HttpServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="botapi-server", daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly: parked getUpdates polls answer [], open connections are cut."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            connections = list(self._connections)
        httpd.shutdown()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("BotApiServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----------------------------------------------------------------- inspection
    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def sent_messages(self, chat_id: int | str | None = None) -> list[SentMessage]:
        """Successful sendMessage/editMessageText calls, oldest first."""
        sent = []
        for call in self.calls():
            if call.method not in ("sendMessage", "editMessageText") or not call.ok:
                continue
            message = call.result if isinstance(call.result, dict) else {}
            target = message.get("chat", {}).get("id", call.params.get("chat_id"))
            if chat_id is not None and target != chat_id:
                continue
            text = str(call.params.get("text", ""))
            sent.append(SentMessage(
                call.method, target, message.get("message_id", call.params.get("message_id")),
                text, message.get("text", text), call.params.get("parse_mode"),
                call.params.get("reply_markup"),
            ))  # fmt: skip
        return sent

    def get_message(self, chat_id: int | str, message_id: int) -> JSON | None:
        """The current state (after edits) of a message the server knows."""
        with self._cond:
            return copy.deepcopy(self._messages.get((chat_id, message_id)))

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def clear(self) -> None:
        """Forget the recorded calls (chats, messages, updates and faults stay)."""
        with self._cond:
            self._calls.clear()

    def wait_for(
        self, match: str | Callable[[Call], bool], timeout: float = 5.0, *, count: int = 1
    ) -> Call:
        """Block until ``count`` calls match (a method name or a predicate); return the
        ``count``-th. Already recorded calls count; ``clear()`` first to wait for new ones."""

        def matches(call: Call) -> bool:
            return call.method == match if isinstance(match, str) else match(call)

        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if matches(c)]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n  ".join(
                        f"{c.method} -> {c.status} {json.dumps(c.params, default=repr)[:150]}"
                        for c in self._calls
                    )
                    raise TimeoutError(
                        f"no{'' if count == 1 else f' {count}'} call matching {match!r} within "
                        f"{timeout}s ({len(found)} matched); calls seen:\n  {seen or '(none)'}"
                    )
                self._cond.wait(remaining)

    async def wait_for_async(
        self, match: str | Callable[[Call], bool], timeout: float = 5.0, *, count: int = 1
    ) -> Call:
        """``wait_for`` without blocking the event loop (for code running an Application)."""
        return await asyncio.to_thread(self.wait_for, match, timeout, count=count)

    def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Block until a getUpdates long poll is parked waiting for updates."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._parked_polls:
                if (remaining := deadline - time.monotonic()) <= 0:
                    raise TimeoutError(f"no getUpdates long poll parked within {timeout}s")
                self._cond.wait(remaining)

    # ----------------------------------------------------------------- fault injection
    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        disconnect: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail: 429 carries
        ``parameters.retry_after`` (python-telegram-bot raises RetryAfter), 5xx become
        NetworkError, ``disconnect=True`` closes the connection without an answer."""
        canonical = self._canonical.get(method.lower())
        if canonical is None:
            raise ValueError(f"unknown method {method!r}; known: {', '.join(self.methods)}")
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error", 502: "Bad Gateway", 400: "Bad Request: injected",
            }.get(status, f"Error {status}")  # fmt: skip
        parameters = {"retry_after": retry_after} if status == 429 else None
        fault = _ApiError(0 if disconnect else status, description, parameters)
        with self._cond:
            self._faults.setdefault(canonical, deque()).extend([fault] * times)

    # ----------------------------------------------------------------- updates
    def push_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates (assigning update_id if missing); return it."""
        update = copy.deepcopy(update)
        with self._cond:
            update_id = update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update_id + 1)
            for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
                if isinstance(update.get(key), dict):
                    self._remember(update[key])
            for key in ("callback_query", "inline_query"):
                if isinstance(query := update.get(key), dict):
                    self._open_queries.add(str(query["id"]))
                    if isinstance(query.get("message"), dict):
                        self._remember(query["message"])
            self._updates.append(update)
            self._updates.sort(key=lambda u: int(u["update_id"]))
            self._cond.notify_all()
        return copy.deepcopy(update)

    def make_message_update(
        self,
        text: str,
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_type: str = "private",
        entities: list[JSON] | None = None,
        reply_to_message: JSON | int | None = None,
    ) -> JSON:
        """A ``message`` update from a user. Unless ``entities`` is given, ``/command`` and
        ``@mention`` entities are detected as Telegram does. ``reply_to_message`` is a message
        dict or the message_id of a message the server knows in that chat."""
        user, chat = self._sender(user_id, chat_id, chat_type)
        message = self._new_message(chat, user, text=text)
        if found := (_detect_entities(text) if entities is None else entities):
            message["entities"] = found
        if reply_to_message is not None:
            message["reply_to_message"] = self._resolve(reply_to_message, chat["id"])
        return {"message": message}

    def make_document_message_update(
        self,
        file_name: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_type: str = "private",
    ) -> JSON:
        """A message carrying a document whose content getFile + the file URL serve."""
        user, chat = self._sender(user_id, chat_id, chat_type)
        document = self.register_file(content, file_name=file_name, mime_type=mime_type)
        message = self._new_message(chat, user, document=document)
        if caption is not None:
            message["caption"] = caption
        return {"message": message}

    def make_callback_query_update(
        self,
        data: str,
        *,
        message: JSON | int | None = None,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        inline_message_id: str | None = None,
    ) -> JSON:
        """A button press. ``message`` is the message the keyboard hangs on (dict or
        message_id in the chat); by default a new bot message with a one-button keyboard."""
        user, chat = self._sender(user_id, chat_id, "private")
        query: JSON = {"id": self._new_query_id(), "from": user, "data": data}
        if inline_message_id is not None:
            query.update(inline_message_id=inline_message_id, chat_instance="inline")
        else:
            if message is None:
                keyboard = {"inline_keyboard": [[{"text": data, "callback_data": data}]]}
                message = self._new_message(chat, self.bot_user, text="…", reply_markup=keyboard)
            query["message"] = self._resolve(message, chat["id"])
            query["chat_instance"] = str(query["message"]["chat"]["id"])
        return {"callback_query": query}

    def make_inline_query_update(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        offset: str = "",
        chat_type: str = "private",
    ) -> JSON:
        user, _ = self._sender(user_id, None, "private")
        inline = {"id": self._new_query_id(), "from": user, "query": query, "offset": offset}
        return {"inline_query": {**inline, "chat_type": chat_type}}

    # ----------------------------------------------------------------- chats and members
    def add_chat(
        self,
        chat_id: int = DEFAULT_CHANNEL_ID,
        *,
        chat_type: str = "channel",
        title: str = "Test channel",
        username: str | None = None,
    ) -> JSON:
        """A channel or group the server knows (``getChat`` finds it by id or @username)."""
        chat: JSON = {"id": chat_id, "type": chat_type, "title": title}
        if username:
            chat["username"] = username
        with self._cond:
            self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Make ``user_id`` (or the bot's id) an administrator, creator, member or left."""
        if status not in ("administrator", "creator", "member", "left"):
            raise ValueError(f"unknown member status {status!r}")
        with self._cond:
            self._members[(chat_id, user_id)] = status

    def make_channel_post_update(
        self,
        text: str | None = None,
        *,
        caption: str | None = None,
        chat_id: int = DEFAULT_CHANNEL_ID,
        edit_of: int | None = None,
        forward_origin: JSON | None = None,
        photo: bool = False,
        date: int | None = None,
    ) -> JSON:
        """A ``channel_post`` (posted by the channel itself, as Telegram sends them); with
        ``edit_of``, an ``edited_channel_post`` of that message id. ``caption`` (with
        ``photo``) makes a media post; ``forward_origin`` a forwarded one. The chat is the
        one ``add_chat`` made, else a channel titled "Test channel"."""
        with self._cond:
            chat = copy.deepcopy(self._chats.get(chat_id)) or {
                "id": chat_id, "type": "channel", "title": "Test channel",
            }  # fmt: skip
        fields: JSON = {"sender_chat": chat}
        if text is not None:
            fields["text"] = text
            if found := _detect_entities(text):
                fields["entities"] = found
        if photo or caption is not None:
            fields["photo"] = [
                {"file_id": f"AgACphoto{n}", "file_unique_id": f"AQADphoto{n}", "width": w,
                 "height": w}
                for n, w in enumerate((90, 320))
            ]  # fmt: skip
        if caption is not None:
            fields["caption"] = caption
        if forward_origin is not None:
            fields["forward_origin"] = forward_origin
        if edit_of is None:
            message = self._new_message(chat, {}, **fields)
            message.pop("from")
            if date is not None:
                message["date"] = date
            return {"channel_post": message}
        with self._cond:
            before = self._messages.get((chat_id, edit_of)) or {}
        message = {"message_id": edit_of, "chat": chat, "date": before.get("date", date or 0)}
        message.update(fields, edit_date=int(time.time()))
        return {"edited_channel_post": message}

    def make_my_chat_member_update(
        self, chat_id: int = DEFAULT_CHANNEL_ID, *, status: str = "administrator",
        old_status: str = "left", user_id: int = DEFAULT_USER_ID,
    ) -> JSON:  # fmt: skip
        """The bot's own membership of a chat changed (made admin of a channel, removed …)."""
        with self._cond:
            chat = copy.deepcopy(self._chats.get(chat_id)) or {"id": chat_id, "type": "channel"}
        user, _ = self._sender(user_id, None, "private")
        return {"my_chat_member": {
            "chat": chat, "from": user, "date": int(time.time()),
            "old_chat_member": self._member_json(self.bot_user, old_status),
            "new_chat_member": self._member_json(self.bot_user, status),
        }}  # fmt: skip

    @staticmethod
    def _member_json(user: JSON, status: str) -> JSON:
        member: JSON = {"status": status, "user": copy.deepcopy(user)}
        if status == "administrator":
            member.update(dict.fromkeys(_ADMIN_RIGHTS, False), can_manage_chat=True,
                          can_post_messages=True)  # fmt: skip
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    def register_file(
        self, content: bytes, *, file_name: str | None = None, mime_type: str | None = None
    ) -> JSON:
        """Make ``content`` downloadable; return its Document-shaped dict (file_id, ...)."""
        with self._cond:
            number = len(self._files) + 1
            suffix = "." + file_name.rpartition(".")[2] if file_name and "." in file_name else ""
            meta: JSON = {
                "file_id": f"BQACAgIAAxkBAAIB{number:08d}", "file_unique_id": f"AgAD{number:04d}",
                "file_size": len(content), "file_path": f"documents/file_{number}{suffix}",
            }  # fmt: skip
            self._files[meta["file_id"]] = (meta, bytes(content))
        document = {k: v for k, v in meta.items() if k != "file_path"}
        if file_name is not None:
            guessed = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
            document.update(file_name=file_name, mime_type=mime_type or guessed)
        return document

    # ----------------------------------------------------------------- internals
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._cond:
            if not add:
                self._connections.discard(conn)
            elif self._stopping:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            else:
                self._connections.add(conn)

    def _serve(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        try:
            body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        except (OSError, ValueError):
            handler.close_connection = True
            return
        payload: bytes | None
        path = unquote(url.path)  # python-telegram-bot quotes the ":" of the token in file URLs
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot") :].partition("/")
            status, payload, ctype = self._download(token, file_path)
        elif path.startswith("/bot"):
            token, _, method = path[len("/bot") :].partition("/")
            status, response = self._api(token, method, handler, url.query, body)
            payload = None if response is None else json.dumps(response).encode()
            ctype = "application/json"
        else:
            status, payload, ctype = 404, _NOT_FOUND, "application/json"
        if payload is None:  # injected disconnect
            handler.close_connection = True
            return
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            handler.close_connection = True

    def _download(self, token: str, path: str) -> tuple[int, bytes, str]:
        with self._cond:
            found = [data for meta, data in self._files.values() if meta["file_path"] == path]
        if token != self.token or not found:
            return 404, _NOT_FOUND, "application/json"
        return 200, found[0], "application/octet-stream"

    def _api(
        self, token: str, name: str, handler: _Handler, query: str, body: bytes
    ) -> tuple[int, JSON | None]:
        method = self._canonical.get(name.lower(), name)
        ctype = handler.headers.get("Content-Type", "")
        response: JSON | None
        error: _ApiError | None = None
        try:
            raw: JSON = dict(parse_qsl(query, keep_blank_values=True))
            mtype = ctype.partition(";")[0].strip().lower()
            if mtype == "application/json":
                raw.update(json.loads(body or b"{}"))
            elif mtype == "multipart/form-data":
                raw.update(_parse_multipart(body, ctype))
            else:
                raw.update(parse_qsl(body.decode(), keep_blank_values=True))
            params = _decode_params(raw)
        except (ValueError, TypeError, _ApiError) as err:
            params = {"_body": body[:1000]}
            error = err if isinstance(err, _ApiError) else _bad(f"can't parse request: {err}")
        with self._cond:
            fault_queue = self._faults.get(method)
            fault = fault_queue.popleft() if fault_queue and token == self.token else None
            try:
                if error is not None:
                    raise error
                if token != self.token:
                    raise _ApiError(401, "Unauthorized")
                if method not in self._handlers:
                    raise _ApiError(404, "Not Found: method not found")
                if fault is not None:
                    raise fault
                status, response = 200, {"ok": True, "result": self._handlers[method](params)}
            except _ApiError as err:
                status, response = err.status, err.body()
            except Exception as err:  # a bug in the stand-in: answer, record, don't hang
                status, response = 500, _ApiError(500, f"stand-in server error: {err!r}").body()
            if status == 0:
                response = None
            call = Call(method, params, status, response or {})
            self._calls.append(call)
            if self.on_call is not None:
                self.on_call(call)
            self._cond.notify_all()
        return status, response

    def _sender(self, user_id: int, chat_id: int | None, chat_type: str) -> tuple[JSON, JSON]:
        """The user (Alice for DEFAULT_USER_ID, else "User <id>") and the chat they write in."""
        name = "Alice" if user_id == DEFAULT_USER_ID else f"User {user_id}"
        user: JSON = {"id": user_id, "is_bot": False, "first_name": name}
        user.update(username=name.lower().replace(" ", ""), language_code="en")
        with self._cond:
            if chat_id in self._chats:
                return user, copy.deepcopy(self._chats[chat_id])
        if chat_type == "private":
            chat = {"id": user_id if chat_id is None else chat_id, "type": "private"}
            chat.update({k: v for k, v in user.items() if k in ("first_name", "username")})
        else:
            chat_id = DEFAULT_GROUP_ID if chat_id is None else chat_id
            chat = {"id": chat_id, "type": chat_type, "title": "Test group"}
        return user, chat

    def _new_query_id(self) -> str:
        with self._cond:
            self._query_counter += 1
            return f"{4_000_000_000 + self._query_counter}"

    def _new_message(self, chat: JSON, sender: JSON, **fields: Any) -> JSON:
        with self._cond:
            chat_id = chat["id"]
            self._chats.setdefault(chat_id, chat)
            message_id = self._next_message_id.get(chat_id, 1)
            message = {"message_id": message_id, "from": sender, "chat": self._chats[chat_id]}
            message.update(date=int(time.time()), **fields)
            self._remember(message)
            return copy.deepcopy(message)

    def _remember(self, message: JSON) -> None:
        chat = message["chat"]
        message_id = int(message["message_id"])
        self._chats.setdefault(chat["id"], chat)
        self._messages[(chat["id"], message_id)] = copy.deepcopy(message)
        current = self._next_message_id.get(chat["id"], 1)
        self._next_message_id[chat["id"]] = max(current, message_id + 1)

    def _resolve(self, ref: JSON | int, chat_id: Any) -> JSON:
        if isinstance(ref, dict):
            message = copy.deepcopy(ref)
        else:
            with self._cond:
                found = self._messages.get((chat_id, int(ref)))
            if found is None:
                raise ValueError(f"no message {ref} in chat {chat_id} known to the server")
            message = copy.deepcopy(found)
        message.pop("reply_to_message", None)
        return message

    def _chat(self, chat_id: Any) -> JSON:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if chat_id not in self._chats:
            if isinstance(chat_id, str):
                self._chats[chat_id] = {"id": chat_id, "type": "channel", "title": chat_id}
            else:
                kind = "private" if int(chat_id) > 0 else "supergroup"
                self._chats[chat_id] = {"id": chat_id, "type": kind}
        return self._chats[chat_id]

    def _format(
        self, text: Any, parse_mode: Any, entities: Any, limit: int, what: str
    ) -> tuple[str, list[JSON]]:
        """Visible text and entities of a text/caption, or the 400 Telegram answers."""
        raw = "" if text is None else str(text)
        plain, found = raw, entities if isinstance(entities, list) else []
        if entities is None and str(parse_mode or "").lower() == "html":
            try:
                plain, found = parse_html(raw, strict_ampersand=self.strict_ampersand)
            except HtmlParseError as err:
                raise _bad(f"can't parse entities: {err}") from None
        if what == "message" and not plain.strip():
            raise _bad("message text is empty")
        if utf16_len(plain) > limit:
            raise _bad(
                "message is too long" if what == "message" else "message caption is too long"
            )
        return plain, found

    def _editable(self, p: JSON) -> JSON:
        key = (p.get("chat_id"), p.get("message_id"))
        message = self._messages.get(key) if isinstance(key[1], int) else None
        if message is None:
            raise _bad("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return message

    @staticmethod
    def _scope_key(p: JSON) -> str:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps([scope, p.get("language_code", "")], sort_keys=True)

    # ----------------------------------------------------------------- API methods
    def _api_delete_webhook(self, p: JSON) -> bool:
        self._webhook = {}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_set_webhook(self, p: JSON) -> bool:
        url = str(p.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = dict(p) if url else {}
        return True

    def _api_get_webhook_info(self, p: JSON) -> JSON:
        info: JSON = {"url": self._webhook.get("url", ""), "has_custom_certificate": False}
        info["pending_update_count"] = len(self._updates)
        return info

    def _api_get_updates(self, p: JSON) -> list[JSON]:
        if self._webhook:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")  # fmt: skip
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + min(max(float(p.get("timeout") or 0), 0.0), 60.0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # a parked older poll is terminated with 409
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._parked_polls += 1
        try:
            while not self._updates and not self._stopping:
                if (remaining := deadline - time.monotonic()) <= 0:
                    break
                self._cond.wait(remaining)
                if generation != self._poll_generation:
                    raise _ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                    "sure that only one bot instance is running")  # fmt: skip
        finally:
            self._parked_polls -= 1
        return copy.deepcopy(self._updates[:limit])

    def _api_send_message(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        text, entities = self._format(
            p.get("text"), p.get("parse_mode"), p.get("entities"), 4096, "message"
        )
        markup = _check_markup(p.get("reply_markup"))
        fields: JSON = {"text": text}
        if entities:
            fields["entities"] = entities
        if markup and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        reply = p.get("reply_parameters") or (
            {"message_id": p["reply_to_message_id"]} if "reply_to_message_id" in p else None
        )
        if isinstance(reply, dict):
            target = self._messages.get((reply.get("chat_id", chat["id"]), reply.get("message_id")))
            if target is not None:
                fields["reply_to_message"] = self._resolve(target, chat["id"])
            elif not reply.get("allow_sending_without_reply"):
                raise _bad("message to be replied not found")
        return self._new_message(chat, self.bot_user, **fields)

    def _api_edit_message_text(self, p: JSON) -> JSON | bool:
        text = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"), 4096, "message")
        return self._edit(p, text)

    def _api_edit_message_reply_markup(self, p: JSON) -> JSON | bool:
        return self._edit(p, None)

    def _edit(self, p: JSON, text: tuple[str, list[JSON]] | None) -> JSON | bool:
        """Apply an edit (new text + entities, or only the keyboard when ``text`` is None)."""
        markup = _check_markup(p.get("reply_markup"))
        if "inline_message_id" in p:  # inline messages are not tracked
            return True
        message = self._editable(p)
        if text is not None and "text" not in message:
            raise _bad("there is no text in the message to edit")
        new: JSON = {"reply_markup": markup if markup and "inline_keyboard" in markup else None}
        if text is not None:
            new.update(text=text[0], entities=text[1])
        if all(message.get(key) == value or (not value and key not in message)
               for key, value in new.items()):  # fmt: skip
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        for key, value in new.items():
            message.pop(key, None)
            if value or key == "text":
                message[key] = value
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _api_answer_callback_query(self, p: JSON) -> bool:
        if len(str(p.get("text") or "")) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        return self._close_query(p.get("callback_query_id"))

    def _api_answer_inline_query(self, p: JSON) -> bool:
        results = p.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise _bad("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise _bad("RESULT_ID_DUPLICATE")
        for result in results:
            _check_markup(result.get("reply_markup"))
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                self._format(content["message_text"], content.get("parse_mode"),
                             content.get("entities"), 4096, "message")  # fmt: skip
        return self._close_query(p.get("inline_query_id"))

    def _close_query(self, query_id: Any) -> bool:
        if str(query_id) not in self._open_queries:
            raise _bad(_QUERY_INVALID)
        self._open_queries.discard(str(query_id))
        return True

    def _api_set_my_commands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._scope_key(p)] = copy.deepcopy(commands)
        return True

    def _api_send_chat_action(self, p: JSON) -> bool:
        self._chat(p.get("chat_id"))
        if p.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _api_send_document(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        document = p.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = p.get(document[len("attach://") :])
        if isinstance(document, UploadedFile):
            sent = self.register_file(document.data, file_name=document.filename,
                                      mime_type=document.content_type)  # fmt: skip
        elif isinstance(document, str) and document in self._files:
            sent = {k: v for k, v in self._files[document][0].items() if k != "file_path"}
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        fields: JSON = {"document": sent}
        if p.get("caption"):
            caption, entities = self._format(
                p["caption"], p.get("parse_mode"), p.get("caption_entities"), 1024, "caption"
            )
            fields["caption"] = caption
            if entities:
                fields["caption_entities"] = entities
        markup = _check_markup(p.get("reply_markup"))
        if markup and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        return self._new_message(chat, self.bot_user, **fields)

    def _known_chat(self, chat_id: Any) -> JSON:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            found = [c for c in self._chats.values() if str(c.get("username", "")).lower() == name]
            if not found:
                raise _bad("chat not found")
            return found[0]
        if chat_id not in self._chats:
            raise _bad("chat not found")
        return self._chats[chat_id]

    def _api_get_chat(self, p: JSON) -> JSON:
        chat = copy.deepcopy(self._known_chat(p.get("chat_id")))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                 "gifts_from_channels")  # fmt: skip
        chat.update(accent_color_id=0, max_reaction_count=11,
                    accepted_gift_types=dict.fromkeys(gifts, False))  # fmt: skip
        return chat

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_user["id"]:
            return copy.deepcopy(self.bot_user)
        return self._sender(user_id, None, "private")[0]

    def _api_get_chat_member(self, p: JSON) -> JSON:
        chat = self._known_chat(p.get("chat_id"))
        try:
            user_id = int(p.get("user_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _bad("invalid user_id specified") from None
        status = self._members.get((chat["id"], user_id), "member")
        return self._member_json(self._user(user_id), status)

    def _api_get_chat_administrators(self, p: JSON) -> list[JSON]:
        chat = self._known_chat(p.get("chat_id"))
        return [
            self._member_json(self._user(user), status)
            for (chat_id, user), status in self._members.items()
            if chat_id == chat["id"] and status in ("administrator", "creator")
        ]

    def _api_get_file(self, p: JSON) -> JSON:
        found = self._files.get(str(p.get("file_id")))
        if found is None:
            raise _bad("invalid file_id")
        if found[0]["file_size"] > 20 * 1024 * 1024:
            raise _bad("file is too big")
        return copy.deepcopy(found[0])
