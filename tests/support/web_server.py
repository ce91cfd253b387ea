"""A real HTTP server on 127.0.0.1 for fetching tests: routes the test writes, requests recorded.

Each route answers with a status, headers and a body, optionally after a delay or a byte at
a time (``trickle``); a route may honour conditional GETs (``ETag`` / ``Last-Modified``)
and then counts its 304s.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering.
    delay: float = 0.0
    #: Answer 304 to a request whose If-None-Match / If-Modified-Since matches these.
    etag: str | None = None
    last_modified: str | None = None
    #: ``False``: no Content-Length; the body ends when the connection closes.
    length: bool = True
    #: Seconds between two bytes of the answer, from its first header on (``trickle_from``
    #: ``"body"``: the headers at once, then the body a byte at a time); 0: all at once.
    trickle: float = 0.0
    trickle_from: str = "headers"


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


class WebServer:
    """``url(path)`` to reach a route; ``requests`` lists what came in, in order."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.not_modified = 0
        #: The most requests in their delay at once (see do_GET).
        self.max_active = 0
        self._active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._get()

            def _get(self) -> None:
                server.requests.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
                    return
                if route.delay:
                    # Requests in their delay at once: counted while no reply is sent, so a
                    # client that waits for one reply before the next request never counts 2
                    # (counting until the reply was written raced with that client's next).
                    with server._lock:
                        server._active += 1
                        server.max_active = max(server.max_active, server._active)
                    try:
                        time.sleep(route.delay)
                    finally:
                        with server._lock:
                            server._active -= 1
                validators = {}
                if route.etag:
                    validators["ETag"] = route.etag
                if route.last_modified:
                    validators["Last-Modified"] = route.last_modified
                if (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified
                ):
                    server.not_modified += 1
                    self._send(304, validators, b"")
                    return
                headers = {"Content-Type": route.content_type, **validators, **route.headers}
                if route.trickle:
                    self._trickle(route, headers)
                    return
                self._send(route.status, headers, route.body, route.length)

            def _trickle(self, route: Route, headers: dict[str, str]) -> None:
                head = f"HTTP/1.0 {route.status} Trickling\r\n" + "".join(
                    f"{key}: {value}\r\n" for key, value in headers.items()
                )
                head += f"Content-Length: {len(route.body)}\r\n\r\n"
                slow = route.body
                try:
                    if route.trickle_from == "body":
                        self.wfile.write(head.encode("latin-1"))
                    else:
                        slow = head.encode("latin-1") + slow
                    for byte in slow:
                        self.wfile.write(bytes([byte]))
                        time.sleep(route.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: what the test wants

            def _send(
                self, status: int, headers: dict[str, str], body: bytes, length: bool = True
            ) -> None:
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    if status != 304 and length:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout, a size cap): what the test wants

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        """Serve ``body`` at ``path``; returns its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.add(path, b"", status=status, headers={"Location": location})

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def start(self) -> None:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving() -> Iterator[WebServer]:
    server = WebServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def article_page(
    title: str,
    paragraphs: list[str],
    *,
    date: str | None = "2024-06-12",
    author: str | None = "Ana Lopez",
    site: str | None = "The Lisbon Daily",
    charset: str = "utf-8",
) -> str:
    """A news page with navigation and a footer around the article, as sites serve them."""
    title = html.escape(title)
    paragraphs = [html.escape(p) for p in paragraphs]
    meta = [f'<meta charset="{charset}">', f"<title>{title} | {site or 'News'}</title>"]
    if date:
        meta.append(f'<meta property="article:published_time" content="{date}T08:00:00Z">')
    if author:
        meta.append(f'<meta name="author" content="{author}">')
    if site:
        meta.append(f'<meta property="og:site_name" content="{site}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head>{''.join(meta)}</head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
        f"<main><article><h1>{title}</h1>{body}</article></main>"
        "<footer>Copyright The Lisbon Daily. All rights reserved.</footer></body></html>"
    )


BRIDGE = [
    "The Tagus bridge reopened on Tuesday after eighteen months of repairs, the city's "
    "transport office said, and the first buses crossed it at six in the morning.",
    "Engineers replaced 240 cables and the whole deck surface; the work cost 41 million "
    "euros, two million less than planned, according to the mayor, Ana Lopez.",
    "Commuters from Almada had spent up to an hour more each day on detours while the "
    "bridge was closed, and ferry operators added night crossings to carry them.",
]


def stories(web: WebServer, count: int) -> list[str]:
    """``count`` article pages on ``web``, each a story of its own ("Story N of the bridge"):
    copies of one text would be indexed once."""
    return [
        web.add(
            f"/n/{n}.html",
            article_page(f"Story {n} of the bridge", [*BRIDGE, f"Reporter {n} filed this."]),
        )
        for n in range(count)
    ]
