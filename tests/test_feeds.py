"""Feeds: RSS and Atom polled from a real local server, conditionally, each item added once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.web_server import BRIDGE, WebServer, article_page, serving

from qabot import QABot
from qabot.config import FetchSettings, Settings
from qabot.errors import FeedError
from qabot.feeds import FeedList, parse_feed, subscribe

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


def test_failed_items_are_reported_and_retried(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path)
    missing = web.url("/news/gone.html")
    body = rss(web, ["/news/bridge.html"]).replace(
        "</channel>", f"<item><title>Gone</title><link>{missing}</link></item></channel>"
    )
    url = web.add("/rss.xml", body, etag='"r1"')
    subscribe(settings, url)
    bot = QABot.open(settings.corpus, settings.index, settings=settings)
    report = bot.poll_feeds()
    assert report.added == 1
    assert [(f.url, f.reason) for f in report.failed] == [(missing, "no such page (HTTP 404)")]
    assert report.to_dict()["failed"] == [{"url": missing, "reason": "no such page (HTTP 404)"}]
    web.requests.clear()
    again = bot.poll_feeds()
    assert (again.added, len(again.failed)) == (0, 1)
    assert web.paths() == ["/rss.xml", "/news/gone.html"]  # the feed in full, the item again


def test_the_feed_list_is_plain_json_beside_the_index(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path)
    url = web.add("/rss.xml", rss(web, ["/news/bridge.html"]))
    subscribe(settings, url)
    feeds = FeedList.of(tmp_path / "index")
    assert [f.url for f in feeds.feeds()] == [url]
    assert (tmp_path / "index" / "feeds.json").read_text().startswith('{\n "version": 1')
    assert feeds.remove(url) and not feeds.remove(url)
    assert feeds.feeds() == []
    (tmp_path / "index" / "feeds.json").write_text("{oops")
    with pytest.raises(FeedError, match="damaged"):
        feeds.feeds()


def test_a_page_that_is_no_feed_is_refused(web: WebServer, corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(corpus, tmp_path)
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        subscribe(settings, web.url("/news/bridge.html"))
    assert FeedList.of(tmp_path / "index").feeds() == []


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
    index = tmp_path / "index"
    adder = (
        "import sys\nfrom pathlib import Path\nfrom qabot.feeds import FeedList\n"
        "feeds = FeedList.of(Path(sys.argv[1]))\n"
        "for n in range(40):\n"
        "    feeds.add(f'https://{sys.argv[2]}.example/feed{n}.xml')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen([sys.executable, "-c", adder, str(index), site], env=env)
        for site in ("one", "two", "three")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    assert len(FeedList.of(index).feeds()) == 120
    assert not list(index.glob("*.part"))


def test_a_feed_list_that_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.write_text("a file where the index folder should be")
    with pytest.raises(FeedError, match="cannot write the feed list"):
        FeedList.of(index).add("https://example.org/feed.xml")


def test_two_polls_at_once_both_remember_what_they_added(tmp_path: Path) -> None:
    # A bot's scheduled poll and `qabot feeds poll` read the list, then store what they
    # added: the second used to overwrite the first's memory, which fetched it again.
    first, second = FeedList.of(tmp_path), FeedList.of(tmp_path)
    first.add("https://example.org/rss.xml")
    [seen_by_first], [seen_by_second] = first.feeds(), second.feeds()
    first.update(replace(seen_by_first, seen=("item-1",), etag='"a"'))
    second.update(replace(seen_by_second, seen=("item-2",), etag='"b"'))
    [feed] = FeedList.of(tmp_path).feeds()
    assert feed.seen == ("item-1", "item-2") and feed.etag == '"b"'
