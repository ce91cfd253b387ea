"""Fetching against a real HTTP server on 127.0.0.1: limits, redirects, and the SSRF guard."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from support.web_server import WebServer, serving

import qabot.fetch
from qabot import __version__
from qabot.config import FetchSettings
from qabot.errors import FetchError, UnsafeURLError
from qabot.fetch import Fetcher, check_address, decode_html

LOCAL = FetchSettings(allow_private=True)


@pytest.fixture
def web() -> Iterator[WebServer]:
    with serving() as server:
        yield server


def fetch(url: str, settings: FetchSettings = LOCAL, **kwargs: Any) -> qabot.fetch.Page:
    with Fetcher(settings) as fetcher:
        return fetcher.fetch(url, **kwargs)


def test_a_page_is_fetched_politely(web: WebServer) -> None:
    url = web.add("/a.html", "<p>hello</p>", content_type="text/html; charset=ISO-8859-1")
    page = fetch(url)
    assert (page.url, page.status, page.content_type, page.charset) == (
        url, 200, "text/html", "ISO-8859-1",
    )  # fmt: skip
    assert page.body == b"<p>hello</p>"
    assert web.requests[0].headers["user-agent"].startswith(f"qabot/{__version__} ")


def test_loopback_is_refused_unless_private_urls_are_allowed(web: WebServer) -> None:
    url = web.add("/a.html", "<p>hello</p>")
    with pytest.raises(UnsafeURLError) as caught:
        fetch(url, FetchSettings())
    assert "127.0.0.1 is a loopback address" in caught.value.reason
    assert "QABOT_ALLOW_PRIVATE_URLS=1" in caught.value.reason
    assert web.requests == []  # refused before any connection
    with pytest.raises(UnsafeURLError, match="loopback"):
        fetch(f"http://localhost:{web.port}/a.html", FetchSettings())


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http:// and https://"),
        ("ftp://example.org/a", "only http:// and https://"),
        ("http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "a private address"),
        ("http://10.1.2.3/", "a private address"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address"),
        ("http://0.0.0.0/", "a reserved address"),
    ],
)
def test_unsafe_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURLError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        fetch(url, FetchSettings())


def test_address_rules() -> None:
    assert check_address("93.184.216.34") is None
    assert check_address("2606:2800:220:1:248:1893:25c8:1946") is None
    assert check_address("224.0.0.1") == "a multicast address"
    assert check_address("100.64.0.1") == "a private address"  # carrier-grade NAT
    assert check_address("fe80::1%eth0") == "a link-local (cloud metadata) address"


@pytest.mark.parametrize(
    ("address", "inner", "why"),
    [
        ("2002:7f00:1::", "127.0.0.1", "a loopback address"),  # 6to4
        ("2002:a9fe:a9fe::1", "169.254.169.254", "a link-local (cloud metadata) address"),
        ("2002:c0a8:101::", "192.168.1.1", "a private address"),
        ("64:ff9b::7f00:1", "127.0.0.1", "a loopback address"),  # NAT64
        ("64:ff9b::a00:1", "10.0.0.1", "a private address"),
        ("64:ff9b:1::a9fe:a9fe", "169.254.169.254", "a link-local (cloud metadata) address"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1", "a loopback address"),  # Teredo
        ("::ffff:7f00:1", "127.0.0.1", "a loopback address"),  # IPv4-mapped
        ("::ffff:0:a00:1", "10.0.0.1", "a private address"),  # IPv4-translated
        ("::7f00:1", "127.0.0.1", "a loopback address"),  # IPv4-compatible
    ],
)
def test_ipv4_inside_an_ipv6_transition_address_is_checked(
    address: str, inner: str, why: str
) -> None:
    reason = check_address(address)
    assert reason is not None and reason.endswith(f" of {inner}, {why}")


def test_transition_addresses_of_public_ipv4_follow_their_own_rules() -> None:
    assert check_address("2002:5db8:d822::1") is None  # 6to4 of 93.184.216.34
    assert check_address("64:ff9b::5db8:d822") is None  # NAT64 (DNS64 on IPv6-only hosts)
    assert check_address("::ffff:5db8:d822") is None  # IPv4-mapped
    assert check_address("64:ff9b:1::5db8:d822") == "a private address (a local-use NAT64 prefix)"
    assert check_address("::5db8:d822") == "a reserved address"  # deprecated: never reached


def test_a_6to4_url_of_loopback_is_refused_before_connecting(web: WebServer) -> None:
    with pytest.raises(UnsafeURLError, match=r"6to4 address of 127\.0\.0\.1, a loopback"):
        fetch(f"http://[2002:7f00:1::]:{web.port}/", FetchSettings())
    assert web.requests == []


@pytest.fixture
def public_test_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server's address stands for a public site; every other rule is the real one."""
    real = qabot.fetch.check_address
    monkeypatch.setattr(
        qabot.fetch, "check_address", lambda a: None if a == "127.0.0.1" else real(a)
    )


@pytest.mark.usefixtures("public_test_server")
def test_a_redirect_to_a_private_address_is_refused(web: WebServer) -> None:
    web.add("/ok.html", "<p>fine</p>")
    ok = web.redirect("/go", "/ok.html")
    assert fetch(ok, FetchSettings()).url == web.url("/ok.html")
    for target, why in [
        ("http://169.254.169.254/latest/meta-data/iam/", "link-local (cloud metadata)"),
        ("http://10.0.0.7/admin", "a private address"),
        ("file:///etc/passwd", "only http:// and https://"),
    ]:
        url = web.redirect("/bad", target)
        with pytest.raises(UnsafeURLError) as caught:
            fetch(url, FetchSettings())
        assert caught.value.url == url
        # httpx writes file:///etc/passwd as file:/etc/passwd
        assert f"it redirects to {target.replace('///', '/')}" in caught.value.reason
        assert why in caught.value.reason


def test_the_checked_address_is_the_one_connected_to(
    web: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once, by the guard; the connection goes to that address with the
    name kept in the Host header (a second DNS answer cannot change where it goes)."""
    calls: list[str] = []
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(host))
        # A rebinding name: the first answer passes the check, later ones would not.
        answer = "127.0.0.1" if calls.count("news.test") == 1 else "10.255.255.1"
        return real(answer if host == "news.test" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    web.add("/a.html", "<p>hello</p>")
    page = fetch(f"http://news.test:{web.port}/a.html")
    assert page.body == b"<p>hello</p>"
    assert [c for c in calls if c != "127.0.0.1"] == ["news.test"]
    assert web.requests[0].headers["host"] == f"news.test:{web.port}"


def test_redirects_are_followed_within_limits(web: WebServer) -> None:
    web.add("/end.html", "<p>end</p>")
    web.redirect("/r3", "/end.html", 301)
    web.redirect("/r2", web.url("/r3"), 307)
    first = web.redirect("/r1", "/r2", 308)
    assert fetch(first).url == web.url("/end.html")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(first, FetchSettings(allow_private=True, max_redirects=2))
    loop = web.redirect("/loop-a", "/loop-b")
    web.redirect("/loop-b", "/loop-a")
    with pytest.raises(FetchError, match="redirects in a loop"):
        fetch(loop)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, "no such page (HTTP 404)"),
        (403, "the site refuses access, a login or paywall (HTTP 403)"),
        (401, "the page needs a login (HTTP 401)"),
        (500, "the site answered HTTP 500"),
    ],
)
def test_http_errors_give_the_reason(web: WebServer, status: int, reason: str) -> None:
    url = web.add("/e", "<p>error</p>", status=status)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.reason == reason
    assert str(caught.value) == f"cannot add {url}: {reason}"


def test_a_slow_site_times_out_with_a_clear_reason(web: WebServer) -> None:
    url = web.add("/slow", "<p>late</p>", delay=1.0)
    with pytest.raises(FetchError, match=r"did not answer within 0.2 s"):
        fetch(url, FetchSettings(allow_private=True, timeout=0.2))


@pytest.mark.parametrize(
    ("part", "body"), [("headers", ""), ("headers", "<p>late</p>"), ("body", "<p>late</p>")]
)
def test_a_trickling_site_is_cut_off_at_the_whole_fetch_deadline(
    web: WebServer, part: str, body: str
) -> None:
    # A byte every 0.2 s keeps each read well within its 10 s: only the deadline on the
    # whole fetch ends it. The headers had none: an empty answer (a feed's 304) trickled
    # in held a poll for 200 s.
    url = web.add("/trickle", body, trickle=0.2, trickle_from=part, headers={"X-Padding": "x" * 60})
    with pytest.raises(FetchError) as caught:
        fetch(url, FetchSettings(allow_private=True, timeout=10, total_timeout=1))
    assert caught.value.reason == "the page took more than 1 s to arrive"


@pytest.mark.parametrize("declared", [True, False])
def test_a_huge_page_is_refused_at_the_cap(web: WebServer, declared: bool) -> None:
    url = web.add("/huge", b"<p>" + b"x" * 200_000 + b"</p>", length=declared)
    expected = "is 200,007 bytes, over the 10,000" if declared else "larger than the 10,000"
    with pytest.raises(FetchError, match=expected):
        fetch(url, FetchSettings(allow_private=True, max_bytes=10_000))


def test_conditional_requests_send_the_validators(web: WebServer) -> None:
    url = web.add("/feed", "<rss/>", etag='"v1"', last_modified="Wed, 12 Jun 2024 08:00:00 GMT")
    first = fetch(url)
    assert (first.etag, first.last_modified) == ('"v1"', "Wed, 12 Jun 2024 08:00:00 GMT")
    again = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    assert web.requests[1].headers["if-none-match"] == '"v1"'
    assert web.not_modified == 1


def test_one_host_gets_at_most_per_host_requests_at_once(web: WebServer) -> None:
    url = web.add("/slowish", "<p>x</p>", delay=0.2)
    with Fetcher(FetchSettings(allow_private=True, per_host=1)) as fetcher:
        threads = [threading.Thread(target=fetcher.fetch, args=(url,)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(web.requests) == 3
    assert web.max_active == 1


def test_pages_are_decoded_by_their_declared_or_real_charset() -> None:
    latin = '<meta charset="iso-8859-1"><p>Café in São Paulo</p>'.encode("latin-1")
    assert "Café in São Paulo" in decode_html(latin)
    # A header that names the wrong charset: the bytes decide.
    assert "Café" in decode_html(latin, "utf-8")
    assert "Café" in decode_html("<p>Café</p>".encode(), None)
    assert "naïve" in decode_html("\ufeff<p>naïve</p>".encode("utf-8-sig"), "latin-1")
    assert decode_html(b"<p>\x93quoted\x94</p>", "bogus-charset") == "<p>\u201cquoted\u201d</p>"
