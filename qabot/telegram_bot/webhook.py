"""The webhook server: Telegram's updates posted to one fixed path, the secret checked first.

python-telegram-bot's own webhook server reads a request's whole body (up to 100 MB)
before it looks at the secret header, and its path is whatever the caller picks. This one,
on tornado as python-telegram-bot's is (the one tornado importer; the ``[webhooks]``
extra), decides on the headers alone:

* without the right ``X-Telegram-Bot-Api-Secret-Token`` a request is refused (403) and its
  body is never read;
* a body over :data:`MAX_UPDATE_BYTES` is refused (413): by its ``Content-Length`` before
  it is read, or as soon as a chunked body grows past it;
* it listens on :data:`WEBHOOK_PATH` only, so the secret travels in that header, never in a
  URL that a proxy would log.

An update is read as getUpdates reads one (:func:`~.transport.readable_update`) and put on
the Application's update queue, with its button tokens resolved, as python-telegram-bot's
server does. :func:`run_webhook` serves until SIGINT or SIGTERM, as
``Application.run_webhook`` would.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer

from qabot.telegram_bot.ptb import Application, Update
from qabot.telegram_bot.transport import readable_update

__all__ = ["MAX_UPDATE_BYTES", "SECRET_HEADER", "WEBHOOK_PATH", "run_webhook"]

log = logging.getLogger(__name__)

#: The one path the server answers on (README: the proxy forwards it).
WEBHOOK_PATH = "/telegram"
#: Largest request body read, in bytes. Telegram's updates are a few kilobytes; a long
#: message with its reply and entities stays far below this.
MAX_UPDATE_BYTES = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The HTTP layer's own cap is set above any length this server accepts, so that a refusal
# sent before the body is the only answer (tornado would add a 400 of its own after it).
_HTTP_BODY_CAP = 1 << 62


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """POST ``WEBHOOK_PATH``: one update, checked on its headers before its body is read."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: Application[Any, Any, Any, Any, Any, Any], secret: str) -> None:
        self.app, self.secret = app, secret
        self.body = bytearray()
        self.refused = False

    def prepare(self) -> None:
        # Runs once the headers are in: a refusal here means the body is never read.
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(403)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_UPDATE_BYTES):
            raise tornado.web.HTTPError(413)
        content_type = self.request.headers.get("Content-Type", "").partition(";")[0]
        if content_type.strip().lower() != "application/json":
            raise tornado.web.HTTPError(415)

    def data_received(self, chunk: bytes) -> None:
        if self.refused:
            return
        if len(self.body) + len(chunk) > MAX_UPDATE_BYTES:  # a chunked body, growing
            self.refused = True
            self.send_error(413)
            return
        self.body += chunk

    async def post(self) -> None:
        try:
            raw = json.loads(self.body)
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        # Malformed but from Telegram: reduced to its id and acknowledged, as when polling,
        # so that Telegram does not post it again and again.
        readable = readable_update(raw)
        if readable is not None:
            update = Update.de_json(readable, self.app.bot)
            self.app.bot.insert_callback_data(update)  # button tokens → their values
            await self.app.update_queue.put(update)
        self.set_status(200)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # the status says it all: no page

    def log_exception(self, *args: Any) -> None:
        """Refusals are logged by :meth:`_WebhookApp.log_request`; nothing else is raised."""


class _WebhookApp(tornado.web.Application):
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], secret: str) -> None:
        super().__init__([(WEBHOOK_PATH, _UpdateHandler, {"app": app, "secret": secret})])

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        # Not tornado's access log: anyone can post, and a flood must not flood the log.
        status = handler.get_status()
        if status != 200:
            log.debug("webhook: %d for %s", status, handler.request.remote_ip)


def run_webhook(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    listen: str,
    port: int,
    url: str,
    secret: str,
) -> None:
    """Serve ``app`` on ``listen:port`` at :data:`WEBHOOK_PATH` until SIGINT or SIGTERM.

    ``url`` is the public base URL: Telegram is told to post to ``url`` +
    :data:`WEBHOOK_PATH` with ``secret``. Runs on the current event loop, closed at the end.
    A failure to register the webhook raises python-telegram-bot's error.
    """
    loop = asyncio.get_event_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        target = url.rstrip("/") + WEBHOOK_PATH
        loop.run_until_complete(_serve(app, listen, port, target, secret, stop))
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        loop.close()


async def _serve(
    app: Application[Any, Any, Any, Any, Any, Any],
    listen: str,
    port: int,
    url: str,
    secret: str,
    stop: asyncio.Event,
) -> None:
    await app.initialize()
    server = HTTPServer(_WebhookApp(app, secret), max_body_size=_HTTP_BODY_CAP)
    try:
        if app.post_init:
            await app.post_init(app)
        server.listen(port, address=listen)
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        await app.start()
        log.info("webhook: listening on %s:%d%s", listen, port, WEBHOOK_PATH)
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        if app.running:
            await app.stop()
        await app.shutdown()
