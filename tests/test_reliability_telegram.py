"""Hostile Telegram input, through python-telegram-bot's real HTTP stack and the stand-in server.

Uploads with hostile names never write outside the corpus; oversized uploads are refused
before download; a flood from one user is throttled without affecting others; malformed
and unknown updates are logged and ignored while polling goes on; flood control (429) is
waited out, and network errors are retried only where a retry cannot deliver a message
twice; questions are answered while an admin's reindex runs. Then what running in
production asks: a webhook refuses updates without its secret, start-up failures are one
line without the token, refusals are throttled and limiters bounded, long metadata fits
Telegram's limits, edited messages and look-alike captions do not add articles. (The basic
cases live in test_telegram_bot.py; both drive the bot through
tests/support/telegram_harness.py.)
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support.botapi_server import BotApiServer
from support.corpus import story_questions, write_stories
from support.telegram_harness import (
    ADMIN,
    Harness,
    logging_restored,
    polling,
    run,
    running_bot_py,
)
from telegram import Bot
from telegram.error import NetworkError

from qabot import QABot
from qabot.articles import SUPPORTED_SUFFIXES
from qabot.config import TelegramSettings
from qabot.errors import ConfigError
from qabot.telegram_bot import RateLimiter, policies, protect_token_in_logs, startup, transport

ARTICLE = b"Volcano erupts\n\nA volcano near Grindavik erupted on Monday, forcing evacuations.\n"
JSON_ARTICLE = b'{"title": "Volcano erupts", "text": "A volcano near Grindavik erupted."}'


def content_for(name: str) -> bytes:
    """A valid article in the format the name's ending asks for."""
    return JSON_ARTICLE if name.lower().endswith((".json", ".jsonl")) else ARTICLE


def files_below(folder: Path) -> dict[str, bytes | str]:
    """Every entry below ``folder``: file contents, or where a link points."""
    found: dict[str, bytes | str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = path.read_bytes()
    return found


HOSTILE_NAMES = [
    "../../outside.txt",
    "../../../../../../etc/cron.d/qabot.txt",
    "/etc/passwd.txt",
    "/tmp/absolute.md",
    "..\\..\\windows\\system32\\evil.txt",
    "....//....//dots.json",
    "%2e%2e%2fencoded.txt",
    "./.hidden.txt",
    ".qabot-index.txt",
    "CURRENT.json",
    "name with spaces & <b>tags</b>.txt",
    "ünïcödé-ñame.md",
    "\u202egnp.txt",
    "nul\x00byte.txt",
    "new\nline.txt",
    "a" * 5000 + ".txt",
    "link.txt",  # the corpus already holds a link of that name, to a file outside
    "dangling.txt",  # and a dangling link, to a file outside that does not exist yet
    "folder.txt",  # and a folder
    "",
]
REFUSED_NAMES = ["evil.sh", "archive.tar.gz", "noext", "txt", "\u202etxt.exe", "x.txt.exe"]


def test_hostile_upload_names_never_write_outside_the_corpus(
    api: BotApiServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "outside-target.txt").write_text("not to be touched")
    os.symlink(tmp_path / "outside-target.txt", corpus / "link.txt")
    os.symlink(tmp_path / "created-through-link.txt", corpus / "dangling.txt")
    (corpus / "folder.txt").mkdir()
    before = files_below(tmp_path)

    async def body(h: Harness) -> None:
        for name in HOSTILE_NAMES + REFUSED_NAMES:
            update = h.api.make_document_message_update(
                name, content_for(name), caption="/add", user_id=ADMIN
            )
            if not name:
                del update["message"]["document"]["file_name"]
            await h.feed(update)
            reply = h.last_text()
            if name in REFUSED_NAMES:
                assert "not an article file" in reply, (name, reply)
            else:
                assert reply.startswith("Saved as "), (name, reply)

    run(api, corpus, tmp_path, body)
    after = files_below(tmp_path)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    new_in_corpus = {p.removeprefix("corpus/") for p in changed if p.startswith("corpus/")}
    outside = {p for p in changed if not p.startswith(("corpus/", "index/"))}
    assert outside == set(), f"written outside the corpus: {outside}"
    assert not (tmp_path / "created-through-link.txt").exists()
    assert len(new_in_corpus) == len(HOSTILE_NAMES)
    pattern = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
    for name in new_in_corpus:
        assert "/" not in name and pattern.fullmatch(name), name
        assert Path(name).suffix in SUPPORTED_SUFFIXES and len(name) < 100
        assert (corpus / name).is_file() and not (corpus / name).is_symlink()
        assert after["corpus/" + name] == content_for(name)
    assert before["corpus/link.txt"] == after["corpus/link.txt"]


def test_upload_without_a_declared_size_is_refused_before_download(
    api: BotApiServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    downloads: list[str] = []
    real_download = api._download

    def counting_download(token: str, path: str) -> Any:
        downloads.append(path)
        return real_download(token, path)

    monkeypatch.setattr(api, "_download", counting_download)
    big = b"Big\n\n" + b"word " * 400

    async def body(h: Harness) -> None:
        update = h.api.make_document_message_update("big.txt", big, caption="/add", user_id=ADMIN)
        del update["message"]["document"]["file_size"]  # Telegram may leave it out
        await h.feed(update)
        assert "I accept articles up to 1,000 bytes" in h.last_text()
        assert h.api.calls("getFile") and downloads == []
        # A document that understates its size: refused as soon as getFile tells the truth.
        update = h.api.make_document_message_update("lie.txt", big, caption="/add", user_id=ADMIN)
        update["message"]["document"]["file_size"] = 10
        await h.feed(update)
        assert "That file is 2,005 bytes; I accept articles up to 1,000" in h.last_text()
        assert downloads == []

    run(api, corpus, tmp_path, body, max_upload_bytes=1000)
    assert sorted(p.name for p in corpus.iterdir()) == ["stoltenberg-peace-talks-minsk-3.txt"]


def test_a_flood_from_one_user_is_throttled_without_affecting_others(
    api: BotApiServer, news_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flooder, others = 66, [71, 72, 73]
    limit = 3  # questions a minute; commands, buttons and inline queries get three times that

    async def body(h: Harness) -> None:
        asked: list[str] = []
        real_ask = h.qabot.ask

        def counting_ask(question: str, *args: Any, **kwargs: Any) -> Any:
            asked.append(question)
            return real_ask(question, *args, **kwargs)

        monkeypatch.setattr(h.qabot, "ask", counting_ask)
        flood = []
        for n in range(30):
            flood.append(h.api.make_message_update(f"oil prices {n}?", user_id=flooder))
            flood.append(h.api.make_message_update("x" * 5000, user_id=flooder))
            flood.append(h.api.make_message_update("/stats", user_id=flooder))
            flood.append(h.api.make_inline_query_update(f"oil {n}", user_id=flooder))
            # A forged token: nothing to resolve, but it spends the tap budget all the same.
            flood.append(h.api.make_callback_query_update("s:0", user_id=flooder))
        polite = [
            h.api.make_message_update(q, user_id=u)
            for u in others
            for q in ("where did the chip plant open?", "what did OPEC agree?")
        ]
        padded = polite + [None] * (len(flood) - len(polite))
        updates = [u for pair in zip(flood, padded, strict=True) for u in pair if u]
        await asyncio.gather(*(h.feed(u) for u in updates))

        to_flooder = h.replies(flooder)
        warnings = [c for c in to_flooder if "faster than I" in c.params["text"]]
        assert 1 <= len(warnings) <= 2  # once for questions, once for commands if shown
        assert len(to_flooder) <= limit + 3 * limit + len(warnings)
        inline = h.api.calls("answerInlineQuery")
        taps = h.api.calls("answerCallbackQuery")
        assert len(inline) <= 3 * limit and len(taps) <= 3 * limit + 1
        assert len([q for q in asked if q.startswith("oil")]) <= limit + 3 * limit
        for user in others:
            texts = [c.result["text"] for c in h.replies(user)]
            assert len(texts) == 2 and any("Dresden" in t for t in texts), texts
            assert any("OPEC" in t for t in texts)

    run(api, news_corpus, tmp_path, body, rate_limit=limit)


STICKER = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
           "is_animated": False, "is_video": False}  # fmt: skip
MALFORMED: list[dict[str, Any]] = [
    {"message": {"message_id": 1, "date": 0, "chat": {"id": 1}}},  # chat without its type
    {"business_message": {"message_id": 2, "date": 0}},  # no chat at all
    {"message": "just a string"},
    {"callback_query": {"id": "9"}},  # no chat_instance, no sender
    {"inline_query": {"id": "8", "query": "x"}},  # no offset, no sender
    {"message": {"message_id": 3, "date": 0, "chat": {"id": 5, "type": "private"}, "text": 5}},
    {
        "message": {
            "message_id": 4,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "sticker": STICKER,
        }
    },
    {"a_future_kind_of_update": {"id": 1, "what": "unknown"}},
    {},  # an update with nothing but its id
]


def test_malformed_and_unknown_updates_are_logged_and_polling_goes_on(
    api: BotApiServer, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def main() -> None:
        async with polling(api, corpus, tmp_path / "index"):
            for update in MALFORMED:
                api.push_update(update)
            api.push_update(api.make_message_update("What did Stoltenberg say about Minsk?"))
            call = await api.wait_for_async("sendMessage", timeout=10)
            assert "Minsk" in call.result["text"]
            api.push_update({"callback_query": {"id": "7", "data": "p:1:0"}})  # broken, later
            api.push_update(api.make_message_update("and Minsk 3?", user_id=2, chat_id=2))
            call = await api.wait_for_async("sendMessage", timeout=10, count=2)
            assert call.params["chat_id"] == 2

    asyncio.run(main())
    # One getUpdates per batch, not one a millisecond on a batch that never parses.
    assert len(api.calls("getUpdates")) < 20
    unreadable = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(unreadable) == 5
    ignored = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ignored ")]
    assert any("a_future_kind_of_update" in m for m in ignored)
    assert any("empty" in m for m in ignored)
    assert not [c for c in api.calls("sendMessage") if "went wrong" in str(c.params)]


@pytest.mark.slow
def test_flood_control_is_waited_out_and_file_reads_are_retried(
    api: BotApiServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")

    async def body(h: Harness) -> None:
        h.api.fail_next("sendMessage", 429, retry_after=2)
        await h.say("What did Stoltenberg say about Minsk?")
        assert [c.status for c in h.api.calls("sendMessage")] == [429, 200]
        assert "Minsk" in h.last_text()

        h.api.fail_next("answerInlineQuery", 429, retry_after=1)
        await h.feed(h.api.make_inline_query_update("Minsk"))
        inline = h.api.calls("answerInlineQuery")
        assert [c.status for c in inline] == [429, 200] and inline[-1].params["results"]

        h.api.fail_next("getFile", 502)
        h.api.fail_next("getFile", disconnect=True)
        await h.feed(
            h.api.make_document_message_update("v.txt", ARTICLE, caption="/add", user_id=ADMIN)
        )
        assert [c.status for c in h.api.calls("getFile")] == [502, 0, 200]
        assert "Saved as <code>v.txt</code>" in h.replies()[-1].params["text"]

    run(api, corpus, tmp_path, body)


@pytest.mark.slow
def test_questions_are_answered_while_an_admin_reindex_runs(
    api: BotApiServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(1500), "amber")
    questions = story_questions(range(0, 1500, 50))

    async def body(h: Harness) -> None:
        write_stories(corpus, range(1500), "cobalt")
        reindex = asyncio.create_task(h.say("/reindex", user_id=ADMIN))
        answered = 0
        while not reindex.done():
            await h.say(questions[answered % len(questions)], user_id=7, chat_id=7)
            answered += 1
        await reindex
        assert h.last_text(ADMIN).startswith("Index updated: 0 added, 1500 changed")
        texts = [c.result["text"] for c in h.replies(7)]
        assert len(texts) == answered >= 3
        for text in texts:
            assert "amber" in text or "cobalt" in text
            assert not ("amber" in text and "cobalt" in text), text
        print(f"\n{answered} Telegram questions answered during /reindex")

    run(api, corpus, tmp_path, body, rate_limit=1000)


# -- safe to run in production (issue 11) -----------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_py(**env: str) -> subprocess.Popen[str]:
    """``python bot.py`` with ``env`` on top of this process's environment."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        env={**os.environ, "QABOT_LOG_LEVEL": "INFO", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def post(url: str, update: dict[str, Any], secret: str | None = None) -> int:
    """POST ``update`` to the webhook as Telegram would; the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    deadline = time.monotonic() + 20  # the server may still be starting: wait, don't assert
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.slow
def test_webhook_without_a_configured_secret_rejects_forged_updates(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    port = free_port()
    proc = bot_py(
        TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url, QABOT_CORPUS=str(corpus),
        QABOT_INDEX=str(tmp_path / "index"), QABOT_ADMIN_IDS=str(ADMIN),
        QABOT_WEBHOOK_URL="https://bot.example.org", QABOT_WEBHOOK_LISTEN="127.0.0.1",
        QABOT_WEBHOOK_PORT=str(port), QABOT_LOG_LEVEL="DEBUG",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/telegram"
    before = sorted(p.name for p in corpus.iterdir())
    try:
        registered = api.wait_for("setWebhook", timeout=30)
        assert registered.params["url"] == "https://bot.example.org/telegram"
        note = api.make_message_update(
            "Zebras escape\n\nThree zebras escaped from the city zoo on Sunday.", user_id=ADMIN
        )
        forged = api.make_message_update("/add", user_id=ADMIN, reply_to_message=note["message"])
        forged["update_id"] = 1
        # Anyone who finds the address can claim to be an admin: refused, unread.
        assert post(url, forged) == 403
        assert post(url, forged, secret="guessed") == 403
        assert sorted(p.name for p in corpus.iterdir()) == before
        # What Telegram sends carries the secret the bot registered: that one is served.
        secret = registered.params["secret_token"]
        assert len(secret) >= 32
        forged["update_id"] = 2
        assert post(url, forged, secret) == 200
        saved = api.wait_for("sendMessage", timeout=20)
        assert "Saved as <code>zebras-escape.txt</code>" in saved.params["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert sorted(p.name for p in corpus.iterdir()) == sorted([*before, "zebras-escape.txt"])
    # Logged at DEBUG, python-telegram-bot's request log would show it: redacted.
    assert secret not in out + err and api.token not in out + err


#: The largest webhook body read (README, "Webhook mode").
MAX_UPDATE_BYTES = 1 << 20


def raw_post(port: int, headers: dict[str, str], body: bytes = b"") -> int:
    """Send a POST's headers (and ``body``, all or part of what they announce) to the
    webhook; the status of the answer, read without sending anything more."""
    head = "POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    deadline = time.monotonic() + 20  # the server may still be starting: wait, don't assert
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=20)
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    # A server that waits for the rest of the body never answers: the read times out.
    with sock:
        sock.sendall(head.encode() + body)
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1])


def webhook_bot(api: BotApiServer, corpus: Path, tmp_path: Path, port: int, **env: str) -> Any:
    """``python bot.py`` serving a webhook on 127.0.0.1:``port``."""
    return bot_py(
        TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url, QABOT_CORPUS=str(corpus),
        QABOT_INDEX=str(tmp_path / "index"), QABOT_ADMIN_IDS=str(ADMIN),
        QABOT_WEBHOOK_URL="https://bot.example.org/", QABOT_WEBHOOK_LISTEN="127.0.0.1",
        QABOT_WEBHOOK_PORT=str(port), **env,
    )  # fmt: skip


def stopped(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Stop a bot as Ctrl-C does; its stdout and stderr, after checking it exited cleanly."""
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    return out, err


@pytest.mark.slow
def test_webhook_refuses_on_the_headers_before_reading_a_body(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    port = free_port()
    proc = webhook_bot(api, corpus, tmp_path, port)
    json_type = {"Content-Type": "application/json"}
    try:
        secret = api.wait_for("setWebhook", timeout=30).params["secret_token"]
        # 50 MB announced, not one byte of it sent: refused on the headers alone.
        huge = {**json_type, "Content-Length": str(50_000_000)}
        assert raw_post(port, huge) == 403
        assert raw_post(port, {**huge, "X-Telegram-Bot-Api-Secret-Token": "guessed"}) == 403
        # With the secret, a body over the cap is refused before it is read too…
        with_secret = {**json_type, "X-Telegram-Bot-Api-Secret-Token": secret}
        too_long = {**with_secret, "Content-Length": str(MAX_UPDATE_BYTES + 1)}
        assert raw_post(port, too_long) == 413
        # …and a chunked one (no length announced) as soon as it grows past the cap.
        chunked = {**with_secret, "Transfer-Encoding": "chunked"}
        piece = b"x" * 65536
        cap = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(16))
        assert len(piece) * 16 == MAX_UPDATE_BYTES
        assert raw_post(port, chunked, cap + b"1\r\nx") == 413
        # What Telegram sends is served.
        update = {
            **api.make_message_update("What did Stoltenberg say about Minsk?"),
            "update_id": 2,
        }
        assert post(f"http://127.0.0.1:{port}/telegram", update, secret) == 200
        assert "Minsk" in api.wait_for("sendMessage", timeout=20).params["text"]
    finally:
        out, err = stopped(proc)
    assert secret not in out + err and api.token not in out + err


@pytest.mark.slow
def test_a_configured_webhook_secret_is_a_header_never_a_path(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    port = free_port()
    secret = "configured-secret_0123456789"
    proc = webhook_bot(api, corpus, tmp_path, port, QABOT_WEBHOOK_SECRET=secret)
    try:
        registered = api.wait_for("setWebhook", timeout=30)
        # Proxies log paths: the secret travels in the header only.
        assert registered.params["url"] == "https://bot.example.org/telegram"
        assert registered.params["secret_token"] == secret
        update = {
            **api.make_message_update("What did Stoltenberg say about Minsk?"),
            "update_id": 1,
        }
        assert post(f"http://127.0.0.1:{port}/{secret}", update, secret) == 404
        assert post(f"http://127.0.0.1:{port}/telegram", update, "guessed") == 403
        assert post(f"http://127.0.0.1:{port}/telegram", update, secret) == 200
        assert "Minsk" in api.wait_for("sendMessage", timeout=20).params["text"]
    finally:
        out, err = stopped(proc)
    assert f"webhook: listening on 127.0.0.1:{port}/telegram" in err
    assert secret not in out + err and api.token not in out + err


# -- the token in every form, wherever it could be written (issue 20) -------------------------
TOKEN = "123456789:AAH-the-secret-half-of-a-test-token"


def token_forms(token: str) -> list[str]:
    """The token as written, percent-encoded, and its secret half (after the colon) alone."""
    return [token, urllib.parse.quote(token, safe=""), token.partition(":")[2]]


def test_the_token_is_redacted_in_every_form_from_every_log_handler(
    api: BotApiServer, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A handler set up after the bot started, on a logger of its own: it formats (and
    # caches) a record's traceback before the root's handlers see the record.
    late = io.StringIO()
    late_handler = logging.StreamHandler(late)
    telegram_logger = logging.getLogger("telegram")

    async def body(h: Harness) -> None:
        # python-telegram-bot quotes the file URL: httpx logs the token as 123%3AAAH….
        upload = h.api.make_document_message_update("v.txt", ARTICLE, caption="/add", user_id=ADMIN)
        await h.feed(upload)
        assert h.last_text().startswith("Saved as v.txt")

    with logging_restored():
        protect_token_in_logs(api.token)
        logging.getLogger("httpx").setLevel(logging.INFO)
        telegram_logger.addHandler(late_handler)
        try:
            run(api, corpus, tmp_path, body)
            half = api.token.partition(":")[2]
            try:  # what httpx says of a URL with the token where the host should be
                raise NetworkError(f"Unknown error: InvalidURL(\"Invalid port: '{half}'\")")
            except NetworkError:
                logging.getLogger("telegram.ext.Updater").exception("polling failed")
        finally:
            telegram_logger.removeHandler(late_handler)
    assert "file/bot<token>/documents" in caplog.text
    assert "Invalid port: '<token>'" in caplog.text and "Invalid port: '<token>'" in late.getvalue()
    for form in token_forms(api.token):
        assert form not in caplog.text and form not in late.getvalue()


def test_uncaught_tracebacks_are_printed_without_the_token() -> None:
    code = f"""
import threading
from qabot.telegram_bot import protect_token_in_logs
token = {TOKEN!r}
protect_token_in_logs(token)
def fail(): raise RuntimeError("in a thread: " + token)
thread = threading.Thread(target=fail, name="worker")
thread.start(); thread.join()
raise RuntimeError("at the top: " + token.replace(":", "%3a"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Exception in thread worker:" in done.stderr
    assert "RuntimeError: in a thread: <token>" in done.stderr
    assert "RuntimeError: at the top: <token>" in done.stderr
    for form in token_forms(TOKEN):
        assert form not in done.stderr


@pytest.mark.parametrize(
    "url",
    [
        f"https://api.telegram.org/bot{TOKEN}",
        f"https://api.telegram.org/bot{TOKEN}/getMe",
        f"https://api.telegram.org/{urllib.parse.quote(TOKEN)}",
        # Another token than TELEGRAM_BOT_TOKEN's, pasted into the URL: not shown either.
        "https://api.telegram.org/bot987654321:AAH-another-token-pasted-in-here",
    ],
)
def test_a_token_written_into_the_base_url_is_not_echoed(url: str) -> None:
    settings = TelegramSettings(token=TOKEN, base_url=url)
    with pytest.raises(ConfigError, match="TELEGRAM_BASE_URL must end with /bot") as raised:
        startup.base_url(settings)
    assert "https://api.telegram.org/" in str(raised.value) and "<token>" in str(raised.value)
    for form in [*token_forms(TOKEN), "AAH-another-token-pasted-in-here"]:
        assert form not in str(raised.value)


def start_up_failure(corpus: Path, **env: str) -> str:
    """stderr of a ``python bot.py`` expected to fail at start, after checking its exit code."""
    proc = bot_py(QABOT_CORPUS=str(corpus), QABOT_INDEX=str(corpus.parent / "index"), **env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for form in token_forms(env["TELEGRAM_BOT_TOKEN"]):
        assert form not in out + err, err
    return err.strip()


@pytest.mark.slow
def test_start_up_failures_are_one_line_without_the_token(api: BotApiServer, corpus: Path) -> None:
    rejected = "987654321:AAH-a-revoked-token"  # the stand-in answers 401 to it
    err = start_up_failure(corpus, TELEGRAM_BOT_TOKEN=rejected, TELEGRAM_BASE_URL=api.base_url)
    assert err == "qabot: Telegram rejected the token: check TELEGRAM_BOT_TOKEN"
    assert api.calls("getMe")[-1].status == 401

    closed = f"http://127.0.0.1:{free_port()}/bot"
    err = start_up_failure(corpus, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=closed)
    assert err.startswith(f"qabot: cannot reach the Bot API at {closed}: ")
    assert "TELEGRAM_BASE_URL" in err

    no_bot = f"http://127.0.0.1:{api.port}"
    err = start_up_failure(corpus, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=no_bot)
    assert err.startswith("qabot: TELEGRAM_BASE_URL") and no_bot in err and "/bot" in err

    # The token written into the base URL, or where its host should be: never echoed.
    with_token = f"{api.base_url}{api.token}"
    err = start_up_failure(corpus, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=with_token)
    assert err.startswith("qabot: TELEGRAM_BASE_URL must end with /bot")
    assert err.endswith(f", got {api.base_url}<token>")
    err = start_up_failure(
        corpus, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL="http://{token}/bot"
    )
    assert err.startswith("qabot: cannot reach the Bot API at http://{token}/bot: ")
    assert "Invalid port: '<token>'" in err


def test_refusals_are_throttled_per_user(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    stranger, other = 666, 667

    async def body(h: Harness) -> None:
        for n in range(50):
            await h.say("/reindex", user_id=stranger)
            await h.say("/add", user_id=stranger)
            await h.say("/ask", user_id=stranger)
            await h.feed(h.api.make_document_message_update(f"x{n}.txt", ARTICLE, user_id=stranger))
        to_stranger = [c.params["text"] for c in h.replies(stranger)]
        # A few refusals, then silence (and at most one "too fast" from the rate limit).
        refusals = [t for t in to_stranger if "faster than" not in t]
        assert 1 <= len(refusals) <= policies.REFUSALS_PER_WINDOW
        assert len(to_stranger) - len(refusals) <= 2
        await h.say("/reindex", user_id=other)
        assert h.last_text(other) == "Sorry, only the bot's admins can do that."

    run(api, corpus, tmp_path, body)
    assert sorted(p.name for p in corpus.iterdir()) == ["stoltenberg-peace-talks-minsk-3.txt"]


def test_rate_limiters_forget_users_beyond_a_bound() -> None:
    limiter = RateLimiter(3, 60.0, clock=lambda: 0.0, max_users=1000)  # time stands still
    for user in range(100_000):
        limiter.allow(user)
    assert len(limiter) == 1000
    # The most recent users are the ones kept: their budgets still count.
    assert [limiter.allow(99_999)[0] for _ in range(3)] == [True, True, False]


def test_rate_limiters_forget_idle_users() -> None:
    now = [0.0]
    limiter = RateLimiter(3, 60.0, clock=lambda: now[0])
    for user in range(500):
        limiter.allow(user)
    now[0] = 61.0
    limiter.allow(1)
    assert len(limiter) == 1


def test_a_bad_request_is_sent_once(api: BotApiServer, corpus: Path, tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        h.api.fail_next("sendMessage", 400, times=4)
        await h.say("What did Stoltenberg say about Minsk?")
        sent = [c for c in h.api.calls("sendMessage") if "Minsk" in str(c.params["text"])]
        assert [c.status for c in sent] == [400]

    run(api, corpus, tmp_path, body)


def test_a_send_that_may_have_arrived_is_not_repeated(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        # A 502 or a dropped connection after the request went out: Telegram may have
        # delivered the message, and a second copy is worse than an apology.
        for fault in ({"status": 502}, {"disconnect": True}):
            h.api.clear()
            h.api.fail_next("sendMessage", **fault)  # type: ignore[arg-type]
            await h.say("What did Stoltenberg say about Minsk?")
            sent = [c for c in h.api.calls("sendMessage") if "Minsk" in str(c.params["text"])]
            assert len(sent) == 1 and not sent[0].ok
        # Reading a file twice does no harm: that is retried.
        h.api.fail_next("getFile", 502)
        await h.feed(
            h.api.make_document_message_update("v.txt", ARTICLE, caption="/add", user_id=ADMIN)
        )
        assert [c.status for c in h.api.calls("getFile")] == [502, 200]
        assert "Saved as <code>v.txt</code>" in h.replies()[-1].params["text"]

    run(api, corpus, tmp_path, body)


def test_a_send_that_could_not_connect_is_retried(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "FIRST_BACKOFF", 0.0)
    closed = f"http://127.0.0.1:{free_port()}/bot"

    async def main() -> None:
        bot = Bot("123:abc", base_url=closed)
        with pytest.raises(NetworkError, match="ConnectError"):
            await transport.retrying(lambda: bot.send_message(1, "hello"))
        await bot.shutdown()

    caplog.set_level(logging.WARNING)
    asyncio.run(main())
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == transport.SEND_ATTEMPTS - 1


LONG = "x" * 5000


def test_long_front_matter_fields_fit_telegram_limits(api: BotApiServer, tmp_path: Path) -> None:
    corpus = tmp_path / "long-meta"
    corpus.mkdir()
    cities = "Leipzig Dresden Hamburg Bremen Munich Cologne Essen Bonn Kiel Ulm Trier Mainz"
    for n, city in enumerate(cities.split()):  # more than one /sources page
        (corpus / f"a{n:02d}.md").write_text(
            f"---\ntitle: Zebras escape in {city} {'T' * 5000}\ndate: 2024-{LONG}\n"
            f"source: Agency {LONG}\nurl: https://example.org/{LONG}\n---\n\n"
            f"{n + 2} zebras escaped from the {city} zoo on Sunday, keepers said.\n\n"
            f"The {city} police closed two roads for an hour.\n",
            encoding="utf-8",
        )

    async def body(h: Harness) -> None:
        await h.say("How many zebras escaped from the Leipzig zoo?")
        answer = h.replies()[-1]
        text = answer.result["text"]
        assert "2 zebras escaped from the Leipzig zoo" in text
        # The sources are still there, each field cut short.
        assert "Sources\n[1] Zebras escape in Leipzig" in text and "[3] Zebras escape" in text
        await h.press(answer)
        passage = h.replies()[-1].result["text"]
        assert "2 zebras escaped" in passage and "Agency" in passage
        await h.press(answer, 1, 0)  # More ▸
        assert h.last_text().startswith("More passages for")
        await h.say("/sources")
        assert "Indexed articles (12)" in h.last_text()
        await h.press(h.replies()[-1])
        assert h.api.calls("editMessageText")[-1].ok
        await h.feed(h.api.make_inline_query_update("zebras Leipzig zoo"))
        inline = h.api.calls("answerInlineQuery")[-1]
        assert inline.ok and len(inline.params["results"]) == 5
        failed = [c for c in h.api.calls() if not c.ok]
        assert failed == []

    run(api, corpus, tmp_path, body)


def test_edited_messages_do_not_repeat_admin_actions(
    api: BotApiServer, corpus: Path, tmp_path: Path
) -> None:
    async def body(h: Harness) -> None:
        upload = h.api.make_document_message_update(
            "v.txt", ARTICLE, caption="/add", user_id=ADMIN, chat_type="supergroup"
        )
        await h.feed(upload)
        assert h.last_text().startswith("Saved as v.txt")
        edited = {**upload["message"], "caption": "/add (volcano story)", "edit_date": 1}
        await h.feed({"edited_message": edited})
        reindex = h.api.make_message_update("/reindex", user_id=ADMIN)
        await h.feed(reindex)
        await h.feed({"edited_message": {**reindex["message"], "edit_date": 1}})
        texts = [c.params["text"] for c in h.replies()]
        assert len(texts) == 2 and texts[1].startswith("Index updated")
        assert sorted(p.name for p in corpus.iterdir()) == [
            "stoltenberg-peace-talks-minsk-3.txt",
            "v.txt",
        ]

    run(api, corpus, tmp_path, body)


@pytest.mark.parametrize(
    ("caption", "added"),
    [
        ("/add", True),
        ("/ADD some notes", True),
        ("/add@qabot_test_bot", True),
        ("/addressbook", False),
        ("/add@another_bot", False),
        ("/add_more", False),
        ("please /add", False),
    ],
)
def test_an_upload_in_a_group_needs_exactly_the_add_command(
    api: BotApiServer, corpus: Path, tmp_path: Path, caption: str, added: bool
) -> None:
    async def body(h: Harness) -> None:
        await h.feed(
            h.api.make_document_message_update(
                "v.txt", ARTICLE, caption=caption, user_id=ADMIN, chat_type="supergroup"
            )
        )
        assert (corpus / "v.txt").exists() == added
        assert len(h.replies()) == int(added)

    run(api, corpus, tmp_path, body)


@pytest.mark.parametrize("data", ["²", "p:²:0", "s:²", "m:¹²:³", "٣", "1" * 64, "s:-1"])
def test_odd_button_data_gets_a_polite_answer(
    api: BotApiServer, corpus: Path, tmp_path: Path, data: str
) -> None:
    async def body(h: Harness) -> None:
        await h.feed(h.api.make_callback_query_update(data))
        (answer,) = h.api.calls("answerCallbackQuery")
        assert answer.ok and "older answer" in answer.params["text"]
        assert h.replies() == []

    run(api, corpus, tmp_path, body)


# -- an index or corpus that cannot be written (issue 20) -------------------------------------
def admin_says(api: BotApiServer, update: dict[str, Any], replies: int) -> str:
    """Push an admin's update to a running bot; the text of its ``replies``-th message."""
    api.push_update(update)
    return str(api.wait_for("sendMessage", timeout=30, count=replies).params["text"])


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["index", "corpus"])
def test_a_read_only_index_or_corpus_is_said_and_an_upload_is_not_kept(
    api: BotApiServer, corpus: Path, tmp_path: Path, folder: str
) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)  # built beforehand: a read-only index still answers
    before = files_below(corpus)
    env = {
        "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
        "QABOT_CORPUS": str(corpus), "QABOT_INDEX": str(index), "QABOT_ADMIN_IDS": str(ADMIN),
    }  # fmt: skip
    read_only = index if folder == "index" else corpus
    with running_bot_py(env, read_only=read_only):
        api.wait_for("setMyCommands", timeout=30)
        upload = api.make_document_message_update("v.txt", ARTICLE, caption="/add", user_id=ADMIN)
        said = admin_says(api, upload, 1)
        reindex = admin_says(api, api.make_message_update("/reindex", user_id=ADMIN), 2)
        question = api.make_message_update("What did Stoltenberg say about Minsk?", user_id=ADMIN)
        answer = admin_says(api, question, 3)
    if folder == "index":
        assert said.startswith("I could not add v.txt: the index folder is ")
        assert "read-only" in said and "The file was not kept." in said
        assert reindex.startswith("I could not update the index: the index folder is ")
        assert "read-only" in reindex and "still come from the index as it was" in reindex
    else:
        assert said.startswith("I could not add v.txt: the corpus folder is ")
        assert "read-only" in said and said.endswith("Nothing was saved.")
        assert reindex.startswith("Index updated: 0 added")  # the index is writable
    assert "Minsk" in answer
    assert files_below(corpus) == before


def disk_full(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_said_and_an_upload_is_not_kept(
    api: BotApiServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qabot.index.index

    before = files_below(corpus)

    async def body(h: Harness) -> None:
        # The index's disk is full: its snapshot cannot be written.
        with monkeypatch.context() as patched:
            patched.setattr(qabot.index.index, "write_snapshot", disk_full)
            upload = h.api.make_document_message_update(
                "v.txt", ARTICLE, caption="/add", user_id=ADMIN
            )
            await h.feed(upload)
            assert h.last_text() == (
                "I could not add v.txt: the disk of the index folder is full. The file was "
                "not kept. Answers still come from the index as it was."
            )
            assert files_below(corpus) == before
            (corpus / "kites.txt").write_text("Kites\n\nKites flew over the beach.\n")
            await h.say("/reindex", user_id=ADMIN)
            assert h.last_text() == (
                "I could not update the index: the disk of the index folder is full. "
                "Answers still come from the index as it was."
            )
            (corpus / "kites.txt").unlink()
        # The corpus's disk is full: the upload cannot be saved.
        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", disk_full)
            await h.feed(upload)
            assert h.last_text() == (
                "I could not add v.txt: the disk of the corpus folder is full. Nothing was saved."
            )
        assert files_below(corpus) == before
        await h.feed(upload)  # room again: added
        assert h.last_text().startswith("Saved as v.txt")

    run(api, corpus, tmp_path, body)
