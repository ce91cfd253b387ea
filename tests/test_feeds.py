"""Feeds: RSS and Atom polled from a real local server, conditionally, each item added once."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.read_only import run_qabot
from support.web_server import BRIDGE, WebServer, article_page, serving

from qabot import QABot
from qabot.cli import main
from qabot.config import FeedSettings, FetchSettings, Settings
from qabot.errors import FeedError
from qabot.feeds import FeedList, PollReport, parse_feed, poll, subscribe
from qabot.fetch import Fetcher
from qabot.ingest import Ingester

ROOT = Path(__file__).resolve().parents[1]

STORIES = {
    "/news/bridge.html": ("Tagus bridge reopens", BRIDGE),
    "/news/ferry.html": (
        "Night ferries end",
        [
            "The night ferries across the Tagus will stop running on Friday now that the bridge "
            "is open again, the operator Transtejo said in a statement on Wednesday.",
            "About 3,000 passengers a night used the extra crossings during the repairs, which "
            "cost the city 4 million euros over the eighteen months they ran.",
        ],
    ),
    "/news/museum.html": (
        "Tile museum reopens",
        [
            "Lisbon's national tile museum reopened on Thursday after a two-year renovation "
            "of its cloister, which had been damaged by damp and by a leaking roof.",
            "The museum expects 400,000 visitors this year, its director told reporters at "
            "the reopening, and entry will be free on Sundays until the end of June.",
        ],
    ),
}


def rss(web: WebServer, paths: list[str]) -> str:
    items = "".join(
        f"<item><title>{STORIES[p][0]}</title><link>{web.url(p)}</link>"
        f"<guid>{web.url(p)}</guid><pubDate>Wed, 12 Jun 2024 08:00:00 GMT</pubDate></item>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Lisbon Daily</title><link>{web.url('/')}</link>{items}</channel></rss>"
    )


def atom(web: WebServer, paths: list[str]) -> str:
    entries = "".join(
        f'<entry><title>{STORIES[p][0]}</title><link href="{web.url(p)}"/>'
        f"<id>tag:lisbon,2024:{p}</id><updated>2024-06-13T09:00:00Z</updated></entry>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Lisbon Daily (Atom)</title><id>tag:lisbon,2024:feed</id>"
        f"<updated>2024-06-13T09:00:00Z</updated>{entries}</feed>"
    )


@pytest.fixture
def web() -> Iterator[WebServer]:
    with serving() as server:
        for path, (title, paragraphs) in STORIES.items():
            server.add(path, article_page(title, paragraphs, date=None))
        yield server


def settings_for(corpus: Path, tmp_path: Path) -> Settings:
    return replace(Settings(), fetch=FetchSettings(allow_private=True)).with_paths(
        corpus, tmp_path / "index"
    )


def test_rss_and_atom_items_are_added_once_and_polled_conditionally(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path)
    rss_url = web.add(
        "/rss.xml", rss(web, ["/news/bridge.html", "/news/ferry.html"]),
        content_type="application/rss+xml", etag='"r1"',
    )  # fmt: skip
    atom_url = web.add(
        "/atom.xml", atom(web, ["/news/museum.html", "/news/bridge.html"]),
        content_type="application/atom+xml", last_modified="Thu, 13 Jun 2024 09:00:00 GMT",
    )  # fmt: skip
    assert subscribe(settings, rss_url)[0].title == "Lisbon Daily"
    assert subscribe(settings, atom_url)[1] is True
    assert subscribe(settings, atom_url + "#again")[1] is False  # in the list already
    bot = QABot.open(settings.corpus, settings.index, settings=settings)

    first = bot.poll_feeds()
    # The bridge story is in both feeds: saved once, the second time known.
    assert (first.added, first.unchanged, first.failed) == (3, 1, ())
    assert bot.stats().articles == 4
    answer = bot.ask("how many passengers used the night ferries")
    assert "3,000" in answer.text
    # The feed's date stands in where the page states none.
    assert answer.passages[0].article.date == "2024-06-12"

    web.requests.clear()
    second = bot.poll_feeds()
    assert (second.added, second.unchanged, second.failed) == (0, 4, ())
    assert web.paths() == ["/rss.xml", "/atom.xml"]  # no page fetched
    assert web.requests[0].headers["if-none-match"] == '"r1"'
    assert web.requests[1].headers["if-modified-since"] == "Thu, 13 Jun 2024 09:00:00 GMT"
    assert web.not_modified == 2


def test_a_changed_feed_fetches_only_its_new_items(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path)
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]), etag='"r1"')
    subscribe(settings, url)
    bot = QABot.open(settings.corpus, settings.index, settings=settings)
    assert bot.poll_feeds().added == 1
    web.add("/rss.xml", rss(web, ["/news/ferry.html", "/news/bridge.html"]), etag='"r2"')
    web.requests.clear()
    report = bot.poll_feeds()
    assert (report.added, report.unchanged) == (1, 1)
    assert web.paths() == ["/rss.xml", "/news/ferry.html"]


def poll_at(settings: Settings, now: float) -> PollReport:
    """One poll of ``settings``' feeds, the clock at ``now``."""
    with Fetcher(settings.fetch) as fetcher:
        ingester = Ingester(settings.corpus, settings.fetch, fetcher)
        return poll(FeedList.of(settings), ingester, settings.feeds, clock=lambda: now)


def test_a_dead_item_is_reported_remembered_and_retried_with_back_off(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path)
    missing = web.url("/news/gone.html")
    gone = f"<item><title>Gone</title><link>{missing}</link></item></channel>"
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]).replace("</channel>", gone),
                  etag='"r1"')  # fmt: skip
    subscribe(settings, url)
    t = 1_700_000_000.0
    report = poll_at(settings, t)
    assert (report.added, report.feed_failures) == (1, ())
    assert [(f.url, f.reason) for f in report.item_failures] == [
        (missing, "no such page (HTTP 404)")
    ]
    assert report.to_dict()["failed"] == [
        {"url": missing, "reason": "no such page (HTTP 404)", "kind": "item"}
    ]
    assert str(report) == "1 added, 0 unchanged, 1 failed (1 item: tried again later)"
    [feed] = FeedList.of(settings).feeds()
    [failed] = feed.failed
    assert (failed.item.link, failed.tries, failed.retry_at) == (missing, 1, t + 3600)
    assert feed.etag == '"r1"'  # the feed was handled in full: asked conditionally next time

    # Before its time the dead item is not fetched again, nor the feed re-read.
    web.requests.clear()
    again = poll_at(settings, t + 600)
    assert web.paths() == ["/rss.xml"] and web.not_modified == 1
    assert (again.added, again.failed, again.waiting) == (0, (), 1)
    assert str(again) == "0 added, 1 unchanged, 1 failed item to try again later"

    # When due it is tried again, and then waits twice as long.
    web.requests.clear()
    retried = poll_at(settings, t + 3600)
    assert web.paths() == ["/rss.xml", "/news/gone.html"]
    assert len(retried.item_failures) == 1
    [failed] = FeedList.of(settings).feeds()[0].failed
    assert (failed.tries, failed.retry_at) == (2, t + 3600 + 7200)

    # A feed that no longer lists it forgets it.
    web.add("/rss.xml", rss(web, ["/news/bridge.html"]), etag='"r2"')
    web.requests.clear()
    assert poll_at(settings, t + 99_999).failed == ()
    assert web.paths() == ["/rss.xml"]
    assert FeedList.of(settings).feeds()[0].failed == ()


def test_feeds_poll_succeeds_when_only_items_fail(
    web: WebServer, corpus: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # One dead link made every `qabot feeds poll` exit 1 and download the feed again.
    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    where = ["--corpus", str(corpus)]
    missing = web.url("/news/gone.html")
    gone = f"<item><title>Gone</title><link>{missing}</link></item></channel>"
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]).replace("</channel>", gone),
                  etag='"r1"')  # fmt: skip
    assert main(["feeds", "add", url, *where]) == 0
    capsys.readouterr()
    assert main(["feeds", "poll", *where]) == 0
    out, err = capsys.readouterr()
    assert out == "1 added, 0 unchanged, 1 failed (1 item: tried again later)\n"
    assert err == (
        f"qabot: warning: cannot add {missing}: no such page (HTTP 404) (tried again later)\n"
    )
    web.requests.clear()
    assert main(["feeds", "poll", *where]) == 0
    assert capsys.readouterr() == ("0 added, 1 unchanged, 1 failed item to try again later\n", "")
    assert web.paths() == ["/rss.xml"] and web.not_modified == 1
    assert main(["feeds", "poll", "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "added": 0, "unchanged": 1, "failed": [], "waiting": 1,
    }  # fmt: skip
    # A feed that cannot be read still fails the run.
    web.add("/rss.xml", "gone", status=410)
    assert main(["feeds", "poll", *where]) == 1
    out, err = capsys.readouterr()
    assert out == "0 added, 0 unchanged, 1 failed\n"
    assert err == f"qabot: cannot add {url}: the page was removed (HTTP 410)\n"


def big_feed(web: WebServer, count: int, routed: int) -> str:
    """An RSS feed of ``count`` items, oldest first, the ``routed`` newest served as pages."""
    items = []
    for n in range(count):
        path = f"/big/{n}.html"
        if n >= count - routed:
            web.add(path, article_page(f"Story number {n}", BRIDGE, date=None))
        when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(1_600_000_000 + n * 600))
        items.append(
            f"<item><title>Story {n}</title><link>{web.url(path)}</link>"
            f"<pubDate>{when}</pubDate><description>{'words ' * 20}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Everything</title>{''.join(items)}</channel></rss>"
    )


@pytest.mark.slow
def test_a_huge_feed_is_polled_within_bounds(web: WebServer, corpus: Path, tmp_path: Path) -> None:
    # 100,000 items made ~95,000 requests in one poll (1,000 here): only the newest items
    # are looked at, and a poll fetches at most so many; the rest wait for the next poll.
    settings = replace(
        settings_for(corpus, tmp_path), feeds=FeedSettings(items_per_feed=10, items_per_poll=4)
    )
    url = web.add("/big.xml", big_feed(web, 1000, routed=10), etag='"big"')
    FeedList.of(settings).add(url)
    bot = QABot.open(settings.corpus, settings.index, settings=settings)
    fetched: list[str] = []
    for expected_added, expected_left in ((4, 6), (4, 2), (2, 0), (0, 0)):
        web.requests.clear()
        report = bot.poll_feeds()
        assert (report.added, report.left, report.failed) == (expected_added, expected_left, ())
        pages = [p for p in web.paths() if p != "/big.xml"]
        assert web.paths()[0] == "/big.xml" and len(pages) == expected_added
        fetched += pages
    assert sorted(fetched) == sorted(f"/big/{n}.html" for n in range(990, 1000))
    assert web.not_modified == 1  # once all was done, the feed is asked for conditionally
    assert str(report) == "0 added, 10 unchanged"


def test_one_poll_shares_its_fetches_between_the_feeds(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = replace(settings_for(corpus, tmp_path), feeds=FeedSettings(items_per_poll=4))
    first = web.add("/first.xml", rss(web, list(STORIES)))
    second = web.add("/second.xml", big_feed(web, 3, routed=3))
    for url in (first, second):
        FeedList.of(settings).add(url)
    report = poll_at(settings, 0)
    assert (report.added, report.left) == (4, 2)
    pages = [p for p in web.paths() if p.endswith(".html")]
    assert sum(p.startswith("/news/") for p in pages) == 2
    assert sum(p.startswith("/big/") for p in pages) == 2


def test_a_feed_served_again_unchanged_is_not_read_again(
    web: WebServer, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A server without ETag or Last-Modified: the same bytes are recognised.
    settings = settings_for(corpus, tmp_path)
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]))
    FeedList.of(settings).add(url)
    assert poll_at(settings, 0).added == 1
    caplog.set_level(logging.INFO, logger="qabot.feeds")
    assert str(poll_at(settings, 60)) == "0 added, 1 unchanged"
    assert f"feed {url}: unchanged" in caplog.messages


def test_only_the_newest_items_of_a_feed_are_read() -> None:
    dated = "".join(
        f"<item><link>https://n.example/{n}</link><pubDate>{day} Jun 2024 08:00:00 GMT"
        "</pubDate></item>"
        for n, day in enumerate(["Mon, 03", "Wed, 05", "Tue, 04"])
    )
    undated = "<item><link>https://n.example/undated</link></item>"
    data = f'<rss version="2.0"><channel>{undated}{dated}</channel></rss>'.encode()
    _, items = parse_feed(data, "https://n.example/rss", limit=2)
    assert [i.link for i in items] == ["https://n.example/1", "https://n.example/2"]
    _, items = parse_feed(data, "https://n.example/rss", limit=10)
    assert items[-1].link == "https://n.example/undated"
    assert len(parse_feed(data, "https://n.example/rss")[1]) == 4


def test_the_feed_list_is_plain_json_in_the_corpus(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path)
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]))
    subscribe(settings, url)
    feeds = FeedList.of(settings)
    assert [f.url for f in feeds.feeds()] == [url]
    assert (corpus / ".qabot-feeds.json").read_text().startswith('{\n "version": 1')
    assert feeds.remove(url) and not feeds.remove(url)
    assert feeds.feeds() == []
    (corpus / ".qabot-feeds.json").write_text("{oops")
    with pytest.raises(FeedError, match="damaged"):
        feeds.feeds()


def test_deleting_the_index_keeps_the_feeds(web: WebServer, corpus: Path) -> None:
    # The index folder is a cache (`make clean`, the README's `rm -rf corpus/.qabot-index`);
    # the subscriptions are the user's: they live with the articles.
    settings = Settings(fetch=FetchSettings(allow_private=True)).with_paths(corpus)
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]))
    subscribe(settings, url)
    bot = QABot.open(corpus, settings=settings)
    assert bot.poll_feeds().added == 1
    articles = bot.stats().articles
    shutil.rmtree(corpus / ".qabot-index")
    assert [f.url for f in FeedList.of(settings).feeds()] == [url]
    bot = QABot.open(corpus, settings=settings)
    assert bot.stats().articles == articles and not bot.stats().problems  # no article
    assert bot.poll_feeds().added == 0  # what was added is remembered


def test_a_feed_list_kept_in_the_index_folder_is_moved_to_the_corpus(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings().with_paths(corpus, tmp_path / "index")
    old = tmp_path / "index" / "feeds.json"
    old.parent.mkdir()
    listed = {"url": "https://example.org/rss.xml", "title": "Example", "seen": ["a", "b"]}
    old.write_text(json.dumps({"version": 1, "feeds": [listed]}))
    caplog.set_level(logging.INFO, logger="qabot.feeds")
    [feed] = FeedList.of(settings).feeds()
    assert (feed.url, feed.title, feed.seen) == (
        "https://example.org/rss.xml",
        "Example",
        ("a", "b"),
    )
    assert not old.exists() and (corpus / ".qabot-feeds.json").is_file()
    assert [r.getMessage() for r in caplog.records] == [
        f"moved the feed list {old} to {corpus / '.qabot-feeds.json'}, where deleting the "
        "index folder leaves it"
    ]
    # A list in the corpus already wins; an old one found later is left, with a warning.
    old.write_text(json.dumps({"version": 1, "feeds": []}))
    caplog.clear()
    assert FeedList.of(settings).add("https://example.org/other.xml")
    assert [f.url for f in FeedList.of(settings).feeds()] == [
        "https://example.org/rss.xml", "https://example.org/other.xml",
    ]  # fmt: skip
    assert old.exists()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "old feed list" in caplog.text and "left unused" in caplog.text


def test_the_move_works_across_file_systems(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings().with_paths(corpus, tmp_path / "elsewhere")
    old = tmp_path / "elsewhere" / "feeds.json"
    old.parent.mkdir()
    old.write_text(json.dumps({"version": 1, "feeds": [{"url": "https://example.org/a.xml"}]}))
    rename = os.replace

    def cross_device(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src) == old:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        rename(src, dst)

    monkeypatch.setattr(os, "replace", cross_device)
    assert [f.url for f in FeedList.of(settings).feeds()] == ["https://example.org/a.xml"]
    assert not old.exists()
    assert sorted(p.name for p in corpus.iterdir() if p.name.startswith(".qabot-feeds")) == [
        ".qabot-feeds.json", ".qabot-feeds.lock",
    ]  # fmt: skip


def test_a_read_only_corpus_is_one_clear_error(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    where = ["--corpus", str(corpus), "--index", str(index)]
    listed = run_qabot("feeds", "list", *where, read_only=corpus)
    assert (listed.returncode, listed.stdout) == (0, "")  # nothing to read is no error
    removed = run_qabot("feeds", "remove", "https://example.org/rss.xml", *where, read_only=corpus)
    assert removed.returncode == 1
    (error,) = removed.stderr.splitlines()
    assert error.startswith(f"qabot: cannot write the feed list {corpus / '.qabot-feeds.json'}: ")
    assert error.endswith("the feed list is kept in the corpus folder, which must be writable")
    # An old list that cannot be moved into the corpus: the same, and the old list is kept.
    index.mkdir()
    (index / "feeds.json").write_text(json.dumps({"version": 1, "feeds": []}))
    listed = run_qabot("feeds", "list", *where, read_only=corpus)
    assert listed.returncode == 1
    (error,) = listed.stderr.splitlines()
    assert error.startswith(f"qabot: cannot move the feed list {index / 'feeds.json'} to ")
    assert (index / "feeds.json").is_file() and not (corpus / ".qabot-feeds.json").exists()


def test_a_page_that_is_no_feed_is_refused(web: WebServer, corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(corpus, tmp_path)
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        subscribe(settings, web.url("/news/bridge.html"))
    assert FeedList.of(settings).feeds() == []


def test_rss_1_0_and_0_91_are_read() -> None:
    rdf = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://n.example/"><title>RDF news</title></channel>'
        '<item rdf:about="https://n.example/a"><title>A</title><link>https://n.example/a</link>'
        "<dc:date>2024-05-01T10:00:00Z</dc:date></item></rdf:RDF>"
    )
    title, items = parse_feed(rdf.encode(), "https://n.example/rss")
    assert title == "RDF news"
    assert [(i.link, i.date) for i in items] == [("https://n.example/a", "2024-05-01")]
    old = (
        '<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>'
        "<item><title>B</title><link>/b</link></item></channel></rss>"
    )
    # A relative link is read against the feed's address.
    assert [i.link for i in parse_feed(old.encode(), "https://n.example/rss")[1]] == [
        "https://n.example/b"
    ]


def test_two_processes_changing_the_feed_list_lose_nothing(tmp_path: Path) -> None:
    # A bot polling while `qabot feeds add` runs: each change reads, changes and writes
    # the whole list; without a lock between processes one overwrote the other's.
    corpus = tmp_path / "corpus"
    adder = (
        "import sys\nfrom qabot.config import Settings\nfrom qabot.feeds import FeedList\n"
        "feeds = FeedList.of(Settings().with_paths(sys.argv[1]))\n"
        "for n in range(40):\n"
        "    feeds.add(f'https://{sys.argv[2]}.example/feed{n}.xml')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen([sys.executable, "-c", adder, str(corpus), site], env=env)
        for site in ("one", "two", "three")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    assert len(FeedList.of(Settings().with_paths(corpus)).feeds()) == 120
    assert sorted(p.name for p in corpus.iterdir()) == [".qabot-feeds.json", ".qabot-feeds.lock"]


def test_a_feed_list_that_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.write_text("a file where the corpus folder should be")
    with pytest.raises(FeedError, match="cannot write the feed list"):
        FeedList.of(Settings().with_paths(corpus)).add("https://example.org/feed.xml")


def test_two_polls_at_once_both_remember_what_they_added(tmp_path: Path) -> None:
    # A bot's scheduled poll and `qabot feeds poll` read the list, then store what they
    # added: the second used to overwrite the first's memory, which fetched it again.
    settings = Settings().with_paths(tmp_path)
    first, second = FeedList.of(settings), FeedList.of(settings)
    first.add("https://example.org/rss.xml")
    [seen_by_first], [seen_by_second] = first.feeds(), second.feeds()
    first.update(replace(seen_by_first, seen=("item-1",), etag='"a"'))
    second.update(replace(seen_by_second, seen=("item-2",), etag='"b"'))
    [feed] = FeedList.of(settings).feeds()
    assert feed.seen == ("item-1", "item-2") and feed.etag == '"b"'
