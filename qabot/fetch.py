"""Fetching web pages and feeds: the one owner of httpx (and of httpcore, beneath it) as a web
client (python-telegram-bot keeps its own for the Bot API).

Polite: a real User-Agent, timeouts, a size cap enforced while reading, at most
``per_host`` requests to one host at a time, redirects followed one hop at a time within
``max_redirects``. Each connect, read and write gets ``timeout``, and the whole fetch
(waiting for a slot, connecting, TLS, headers, body, every redirect) ``total_timeout``:
each socket operation is given no more than what is left of it, so a server that
trickles its headers or body a byte at a time cannot hold a fetch longer.

Safe against server-side request forgery (people in a chat send the URLs): only http and
https, and the host of every hop is resolved and refused when any of its addresses is not
a public one (loopback, private, link-local and cloud metadata such as 169.254.169.254 or
fd00:ec2::254, multicast, reserved), unless ``FetchSettings.allow_private``. An IPv6
address that carries an IPv4 one (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) is
refused when that IPv4 address would be. The connection then goes to the very address
that was checked, so a second DNS answer cannot slip a private address in between (DNS
rebinding); TLS still verifies the host's name.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

from qabot import __version__
from qabot.config import FetchSettings
from qabot.errors import FetchError, MissingExtraError, UnsafeURLError

try:
    import httpcore
    import httpx
except ImportError as exc:
    raise MissingExtraError.of(exc, "adding articles from the web", "ingest") from None

__all__ = ["Fetcher", "Page", "check_address", "decode_html", "user_agent"]

log = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_STATUS_REASONS = {
    401: "the page needs a login (HTTP 401)",
    403: "the site refuses access, a login or paywall (HTTP 403)",
    404: "no such page (HTTP 404)",
    410: "the page was removed (HTTP 410)",
    429: "the site asks to slow down (HTTP 429); try again later",
}


def user_agent(settings: FetchSettings) -> str:
    """What qabot calls itself on the web: ``QABOT_USER_AGENT``, else ``qabot/<version>``."""
    return settings.user_agent or f"qabot/{__version__} (news question-answering bot)"


@dataclass(frozen=True)
class Page:
    """What a fetch returned: the final URL (after redirects), status, type and body."""

    url: str
    status: int
    #: The media type, lower case, without parameters (``text/html``); ``""`` when none.
    content_type: str
    charset: str | None
    body: bytes = field(repr=False)
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """A conditional request answered 304: nothing new since the validators given."""
        return self.status == 304

    def text(self) -> str:
        """The body as text (see :func:`decode_html`)."""
        return decode_html(self.body, self.charset)


def decode_html(body: bytes, charset: str | None = None) -> str:
    """Decode a page: its byte-order mark, else the HTTP charset, else ``<meta charset>``,
    else UTF-8; a declaration the bytes do not fit is passed over, and Windows-1252 (what
    browsers read "latin-1" as) is the last resort."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    declared = [charset, meta.group(1).decode("ascii") if meta else None, "utf-8"]
    for name in declared:
        if not name:
            continue
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            continue
        if encoding == "latin-1":  # browsers read iso-8859-1 as windows-1252
            encoding = "cp1252"
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("cp1252", errors="replace")


def check_address(address: str) -> str | None:
    """Why an IP address must not be fetched from (``"a loopback address"``…), or ``None``."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is no part of it
    if isinstance(ip, ipaddress.IPv6Address):
        # A transition address reaches the IPv4 address inside it (through a gateway or
        # relay, or the host's own stack): that address is checked as if it were given.
        wrapped = _wrapped_ipv4(ip)
        for kind, inner in wrapped:
            why = _check_ip(inner)
            if why is not None:
                return f"{kind} of {inner}, {why}"
        if ip in _NAT64_LOCAL:
            return "a private address (a local-use NAT64 prefix)"
        if wrapped and (ip.ipv4_mapped is not None or ip in _NAT64):
            return None  # the IPv4 address it stands for is a public one
    return _check_ip(ip)


def _check_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:  # 169.254.169.254, the cloud metadata service, is one
        return "a link-local (cloud metadata) address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified or ip.is_reserved:
        return "a reserved address"
    if ip.is_private or not ip.is_global:  # 10/8, 192.168/16, fc00::/7 (fd00:ec2::254) …
        return "a private address"
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052, the well-known prefix
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, local use
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291)
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT (RFC 2765)


def _wrapped_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 transition address leads to, each with its kind's name."""
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return [("an IPv4-mapped address", ip.ipv4_mapped)]
    if ip in _IPV4_TRANSLATED:
        return [("an IPv4-translated address", low)]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are IPv6's own
        return [("an IPv4-compatible address", low)]
    if ip in _NAT64 or ip in _NAT64_LOCAL:  # a /96 inside the local-use /48 is the usual
        return [("a NAT64 address", low)]
    if ip.sixtofour is not None:
        return [("a 6to4 address", ip.sixtofour)]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [("a Teredo address", client), ("a Teredo address", server)]
    return []


def _resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(host, f"cannot find the host {host} ({exc})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(host, f"cannot find the host {host}")
    if not allow_private:
        for address in addresses:
            why = check_address(address)
            if why is not None:
                raise UnsafeURLError(
                    host,
                    f"{host} is {why} ({address}); qabot fetches only public sites "
                    "(QABOT_ALLOW_PRIVATE_URLS=1 allows private ones)",
                )
    return addresses[0]


class _PinnedTransport(httpx.BaseTransport):
    """Resolves and checks each request's host, then connects to that checked address.

    Connections are pooled per host name, never per address: a connection opened (and its
    certificate checked) for one name is not reused for another name on the same address.
    The pools are httpcore's, on a network backend that keeps each socket operation
    within the fetch's deadline.
    """

    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._pools: dict[str, httpcore.ConnectionPool] = {}
        self._lock = threading.Lock()
        self._ssl = httpx.create_ssl_context()
        self._backend = _DeadlineBackend()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or _default_port(request.url)
        address = _resolve(host, port, self._settings.allow_private)
        extensions = dict(request.extensions)
        url = request.url
        if address != host:
            # The Host header was set from the name when the request was built; TLS is
            # told the name too, so that SNI and certificate checks use it, not the address.
            extensions["sni_hostname"] = host
            url = url.copy_with(host=address)
        with self._lock:
            pool = self._pools.get(host)
            if pool is None:
                pool = self._pools[host] = httpcore.ConnectionPool(
                    ssl_context=self._ssl,
                    max_connections=self._settings.per_host,
                    network_backend=self._backend,
                )
        core = httpcore.Request(
            request.method,
            httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                         target=url.raw_path),
            headers=request.headers.raw,
            content=cast(Iterable[bytes], request.stream),  # a sync client's
            extensions=extensions,
        )  # fmt: skip
        with _as_httpx_errors():
            response = pool.handle_request(core)
        return httpx.Response(
            response.status,
            headers=response.headers,
            stream=_Body(cast(Iterable[bytes], response.stream)),  # a sync pool's
            extensions=response.extensions,
        )

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()


class _Body(httpx.SyncByteStream):
    """A response body read from an httpcore pool, its errors raised as httpx's."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            with _as_httpx_errors():
                close()


_HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """httpcore's errors as httpx's of the same name (``ReadTimeout``…), which callers catch."""
    try:
        yield
    except _HTTPCORE_ERRORS as exc:
        kind = getattr(httpx, type(exc).__name__, None)
        if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
            kind = httpx.TransportError
        raise kind(str(exc)) from exc


@dataclass
class _Deadline:
    """When the fetch under way in this thread must end."""

    at: float
    #: Whether the last socket operation was given what was left of the fetch rather than
    #: its own timeout: its timing out then means the fetch's time is up.
    capped: bool = False

    def left(self, timeout: float | None) -> float | None:
        """The time a socket operation may take: ``timeout``, or less if the fetch ends first."""
        left = self.at - time.monotonic()
        self.capped = timeout is None or left < timeout
        if left <= 0:
            raise httpcore.TimeoutException("the fetch's time is up")
        return left if self.capped else timeout


# Set by Fetcher.fetch for its thread: httpcore does a request's I/O in the calling thread.
_DEADLINE: ContextVar[_Deadline | None] = ContextVar("qabot_fetch_deadline", default=None)


def _time_left(timeout: float | None) -> float | None:
    deadline = _DEADLINE.get()
    return timeout if deadline is None else deadline.left(timeout)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout))
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, wrapped in :class:`_DeadlineStream`."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _time_left(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _check_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeURLError(url, "only http:// and https:// links can be added")
    if not parsed.host:
        raise FetchError(url, "the URL names no host")
    return parsed


class Fetcher:
    """A polite, SSRF-safe HTTP client; safe to share between threads. Close it when done."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._client = httpx.Client(
            transport=_PinnedTransport(self.settings),
            timeout=httpx.Timeout(self.settings.timeout),
            follow_redirects=False,
            # No proxy from the environment: the address checked must be the one reached.
            trust_env=False,
            headers={"User-Agent": user_agent(self.settings)},
        )
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    ) -> Page:
        """GET ``url``, following redirects; a 304 to the validators given comes back as is.

        Raises :class:`~qabot.errors.FetchError` (an HTTP error, a timeout, too large,
        too many redirects) or :class:`~qabot.errors.UnsafeURLError`, with the reason.
        """
        settings = self.settings
        deadline = _Deadline(time.monotonic() + settings.total_timeout)
        token = _DEADLINE.set(deadline)
        try:
            return self._fetch(url, etag, last_modified, accept, deadline)
        finally:
            _DEADLINE.reset(token)

    def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        accept: str,
        deadline: _Deadline,
    ) -> Page:
        settings = self.settings
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        seen: set[str] = set()
        for _ in range(settings.max_redirects + 1):
            seen.add(current)
            try:
                parsed = _check_url(current)
                with (
                    self._slot(url, parsed.host, deadline),
                    self._client.stream("GET", parsed, headers=headers) as response,
                ):
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        target = str(parsed.join(response.headers["location"]))
                        if target in seen:
                            raise FetchError(url, f"the page redirects in a loop ({target})")
                        log.debug("%s redirects to %s", current, target)
                        current = target
                        continue
                    return self._page(url, current, response)
            except UnsafeURLError as exc:
                where = "" if current == url else f"it redirects to {current}, and "
                raise UnsafeURLError(url, where + exc.reason) from None
            except FetchError as exc:
                if exc.url == url:
                    raise
                raise FetchError(url, exc.reason) from None
            except httpx.TimeoutException:
                if deadline.capped:
                    raise self._too_slow(url) from None
                raise FetchError(
                    url, f"the site did not answer within {settings.timeout:g} s"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, f"cannot fetch it ({type(exc).__name__}: {exc})") from None
        raise FetchError(url, f"more than {settings.max_redirects} redirects")

    def _too_slow(self, url: str) -> FetchError:
        return FetchError(
            url, f"the page took more than {self.settings.total_timeout:g} s to arrive"
        )

    def _page(self, url: str, current: str, response: httpx.Response) -> Page:
        status = response.status_code
        if status >= 400 or (status >= 300 and status != 304):
            reason = _STATUS_REASONS.get(status, f"the site answered HTTP {status}")
            raise FetchError(url, reason)
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                url, f"the page is {int(declared):,} bytes, over the {limit:,} allowed"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"the page is larger than the {limit:,} bytes allowed")
            chunks.append(chunk)
        media, _, params = response.headers.get("content-type", "").partition(";")
        charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
        return Page(
            url=current,
            status=status,
            content_type=media.strip().lower(),
            charset=charset.group(1) if charset else None,
            body=b"".join(chunks),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    @contextmanager
    def _slot(self, url: str, host: str, deadline: _Deadline) -> Iterator[None]:
        """One of ``host``'s ``per_host`` slots, waited for no longer than the fetch may last."""
        with self._hosts_lock:
            semaphore = self._hosts.setdefault(
                host, threading.BoundedSemaphore(self.settings.per_host)
            )
        if not semaphore.acquire(timeout=max(0.0, deadline.at - time.monotonic())):
            raise self._too_slow(url)
        try:
            yield
        finally:
            semaphore.release()
