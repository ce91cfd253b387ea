"""Adding articles by URL: fetched from a real local server, saved as Markdown, indexed at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.full_disk import full_disk_for
from support.web_server import BRIDGE, WebServer, article_page, serving, stories

from qabot import QABot
from qabot.config import FetchSettings, Settings
from qabot.errors import FetchError, NotAnArticleError, UnsafeURLError
from qabot.ingest import Added, Failed, article_path


@pytest.fixture
def web() -> Iterator[WebServer]:
    with serving() as server:
        yield server


def open_bot(corpus: Path, tmp_path: Path, **fetch: object) -> QABot:
    settings = replace(Settings(), fetch=FetchSettings(**{"allow_private": True, **fetch}))  # type: ignore[arg-type]
    return QABot.open(corpus, tmp_path / "index", settings=settings)


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_add_url_saves_markdown_and_answers_at_once(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    url = web.add("/world/tagus-bridge-reopens.html", article_page("Tagus bridge reopens", BRIDGE))
    bot = open_bot(corpus, tmp_path)
    article = bot.add_url(url)
    path = article_path(corpus, url)
    assert path.parent.name == f"127.0.0.1-{web.port}"
    assert path.name.startswith("tagus-bridge-reopens-") and path.suffix == ".md"
    assert article.path == path
    assert (article.title, article.date, article.url, article.source) == (
        "Tagus bridge reopens", "2024-06-12", url, "The Lisbon Daily",
    )  # fmt: skip
    text = path.read_text("utf-8")
    assert text.startswith(
        "---\ntitle: Tagus bridge reopens\ndate: 2024-06-12\n"
        f"url: {url}\nsource: The Lisbon Daily\nauthor: Ana Lopez\n---\n\n"
    )
    answer = bot.ask("how much did the bridge repairs cost")
    assert answer.passages[0].article.url == url
    assert "41 million" in answer.text


def test_the_same_url_twice_is_added_once(web: WebServer, corpus: Path, tmp_path: Path) -> None:
    url = web.add("/a.html", article_page("Tagus bridge reopens", BRIDGE))
    bot = open_bot(corpus, tmp_path)
    before = files(corpus)
    first = bot.add_urls([url])
    second = bot.add_urls([url, url + "#comments"])
    assert isinstance(first[0], Added) and first[0].new
    assert all(isinstance(r, Added) and not r.new and r.path == first[0].path for r in second)
    assert len(files(corpus)) == len(before) + 1
    assert web.paths() == ["/a.html"]  # not fetched again
    assert bot.stats().articles == 2


def test_a_redirected_url_is_saved_under_its_final_address(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    final = web.add("/story.html", article_page("Tagus bridge reopens", BRIDGE))
    short = web.redirect("/s/1", "/story.html", 301)
    bot = open_bot(corpus, tmp_path)
    article = bot.add_url(short)
    assert article.url == final and article.path == article_path(corpus, final)
    assert bot.add_url(final).path == article.path  # already there


def test_refused_pages_leave_nothing_behind(web: WebServer, corpus: Path, tmp_path: Path) -> None:
    bot = open_bot(corpus, tmp_path, max_bytes=50_000)
    before = files(corpus)
    good = web.add("/good.html", article_page("Tagus bridge reopens", BRIDGE))
    cases = {
        web.add("/paper.pdf", b"%PDF-1.7", content_type="application/pdf"): "application/pdf",
        web.url("/missing.html"): "HTTP 404",
        web.add("/huge.html", "<p>" + "word " * 20_000 + "</p>"): "over the 50,000 allowed",
        web.add("/short.html", "<html><body><p>Hello.</p></body></html>"): "not an article",
    }
    results = bot.add_urls([*cases, good])
    for (url, reason), result in zip(cases.items(), results, strict=False):
        assert isinstance(result, Failed) and result.url == url
        assert reason in result.reason
    assert isinstance(results[-1], Added)
    assert files(corpus) == sorted([*before, results[-1].path.relative_to(corpus).as_posix()])
    with pytest.raises(NotAnArticleError, match="application/pdf"):
        bot.add_url(next(iter(cases)))


def test_private_addresses_are_refused_by_default(
    web: WebServer, corpus: Path, tmp_path: Path
) -> None:
    url = web.add("/a.html", article_page("Tagus bridge reopens", BRIDGE))
    bot = QABot.open(corpus, tmp_path / "index")
    with pytest.raises(UnsafeURLError, match="loopback"):
        bot.add_url(url)
    assert web.requests == []
    with pytest.raises(FetchError, match="only http"):
        bot.add_url("javascript:alert(1)")


@pytest.mark.slow
def test_a_large_batch_extracts_in_worker_processes(
    web: WebServer, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """24 URLs or more go through extraction worker processes; refusals cross back intact."""
    from qabot.ingest import PARALLEL_MIN_PAGES

    urls = [
        # Each page a story of its own: copies of one text would be indexed once.
        web.add(
            f"/n/{n}.html",
            article_page(f"Story {n} of the bridge", [*BRIDGE, f"Reporter {n} filed this."]),
        )
        for n in range(PARALLEL_MIN_PAGES)
    ]
    urls.append(web.add("/paper.pdf", b"%PDF-1.7", content_type="application/pdf"))
    bot = open_bot(corpus, tmp_path)
    results = bot.add_urls(urls)
    assert all(isinstance(r, Added) and r.new for r in results[:-1])
    failed = results[-1]
    assert isinstance(failed, Failed) and isinstance(failed.error, NotAnArticleError)
    assert "application/pdf" in failed.reason
    assert bot.stats().articles == 1 + PARALLEL_MIN_PAGES
    assert "could not start" not in caplog.text


# -- a corpus that cannot be written (issue 20) ----------------------------------------------
def test_a_full_disk_fails_that_article_alone_and_the_batch_goes_on(
    web: WebServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = stories(web, 3)
    bot = open_bot(corpus, tmp_path)
    before = files(corpus)
    full_disk_for(monkeypatch, "Story 1 of the bridge")
    results = bot.add_urls(urls)
    assert [type(r) for r in results] == [Added, Failed, Added]
    failed = results[1]
    assert isinstance(failed, Failed) and isinstance(failed.error, FetchError)
    folder = article_path(corpus, urls[1]).parent
    assert failed.reason == (
        f"cannot save it in {folder}: No space left on device; free some space and add it again"
    )
    saved = [r.path.relative_to(corpus).as_posix() for r in results if isinstance(r, Added)]
    assert files(corpus) == sorted([*before, *saved])  # no half-written or temporary file
    assert bot.stats().articles == 3
