"""Fetching web pages and feeds: the one owner of httpx as a web client (python-telegram-bot
keeps its own for the Bot API).

Polite: a real User-Agent, timeouts (per read and per fetch), a size cap enforced while
reading, at most ``per_host`` requests to one host at a time, redirects followed one hop
at a time within ``max_redirects``.

Safe against server-side request forgery (people in a chat send the URLs): only http and
https, and the host of every hop is resolved and refused when any of its addresses is not
a public one (loopback, private, link-local and cloud metadata such as 169.254.169.254 or
fd00:ec2::254, multicast, reserved), unless ``FetchSettings.allow_private``. The
connection then goes to the very address that was checked, so a second DNS answer cannot
slip a private address in between (DNS rebinding); TLS still verifies the host's name.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType

from qabot import __version__
from qabot.config import FetchSettings
from qabot.errors import FetchError, MissingExtraError, UnsafeURLError

try:
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
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
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
    """

    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._pools: dict[str, httpx.HTTPTransport] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or _default_port(request.url)
        address = _resolve(host, port, self._settings.allow_private)
        if address != host:
            # The Host header was set from the name when the request was built; TLS is
            # told the name too, so that SNI and certificate checks use it, not the address.
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = request.url.copy_with(host=address)
        with self._lock:
            pool = self._pools.get(host)
            if pool is None:
                limits = httpx.Limits(max_connections=self._settings.per_host)
                pool = self._pools[host] = httpx.HTTPTransport(limits=limits)
        return pool.handle_request(request)

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()


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
        deadline = time.monotonic() + settings.total_timeout
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
                    self._slot(parsed.host),
                    self._client.stream("GET", parsed, headers=headers) as response,
                ):
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        target = str(parsed.join(response.headers["location"]))
                        if target in seen:
                            raise FetchError(url, f"the page redirects in a loop ({target})")
                        log.debug("%s redirects to %s", current, target)
                        current = target
                        continue
                    return self._page(url, current, response, deadline)
            except UnsafeURLError as exc:
                where = "" if current == url else f"it redirects to {current}, and "
                raise UnsafeURLError(url, where + exc.reason) from None
            except FetchError as exc:
                if exc.url == url:
                    raise
                raise FetchError(url, exc.reason) from None
            except httpx.TimeoutException:
                raise FetchError(
                    url, f"the site did not answer within {settings.timeout:g} s"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, f"cannot fetch it ({type(exc).__name__}: {exc})") from None
        raise FetchError(url, f"more than {settings.max_redirects} redirects")

    def _page(self, url: str, current: str, response: httpx.Response, deadline: float) -> Page:
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
            if time.monotonic() > deadline:
                raise FetchError(
                    url, f"the page took more than {self.settings.total_timeout:g} s to arrive"
                )
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
    def _slot(self, host: str) -> Iterator[None]:
        with self._hosts_lock:
            semaphore = self._hosts.setdefault(
                host, threading.BoundedSemaphore(self.settings.per_host)
            )
        with semaphore:
            yield
