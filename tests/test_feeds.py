"""Feeds: RSS and Atom polled from a real local server, conditionally, each item added once."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.read_only import run_qabot
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
