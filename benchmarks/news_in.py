"""News in, measured: extraction quality, feeds, and add-by-URL throughput.

Every page and feed is served by a local HTTP server this script starts on 127.0.0.1 and
goes through ``QABot.add_urls`` / ``QABot.poll_feeds`` with private URLs allowed (the
server is local), into a corpus in a temporary folder. The data folders are only read.

    python benchmarks/news_in.py extraction ../shared/data/extraction/aeb-dev
    python benchmarks/news_in.py feeds ../shared/data/feeds
    python benchmarks/news_in.py throughput ../shared/data/extraction/aeb-dev [--pages 400]

``extraction``: the benchmark's own metric, token 4-gram shingle precision / recall / F1 of
the saved article body against the gold ``articleBody``, per page, averaged (a refused page
scores 0); plus how many pages got a title and a date (the gold states neither).

``feeds``: each feed is served with an ETag and Last-Modified, its item links pointed at
stand-in pages on the local server. Items found (articles added + items already added
through another feed) must equal the items in the feed; a second poll must add 0, and
send a conditional request for every feed.

``throughput``: the aeb pages served under ``--pages`` distinct URLs, added in one call
(fetched, extracted, saved, indexed), in pages a second; the baseline is the same saved
files copied into a fresh corpus and indexed with one reindex, in the same run.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import html
import json
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from qabot import QABot
from qabot.articles import parse_file
from qabot.config import FetchSettings, Settings
from qabot.feeds import FeedList
from qabot.ingest import Added

_TOKEN = re.compile(r"\w+")


class Server:
    """Serves ``routes`` (path → (content type, body)); counts conditional requests and 304s."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.conditional = 0
        self.not_modified = 0
        self.gets: Counter[str] = Counter()
        outer = self
        stamp = email.utils.formatdate(usegmt=True)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.gets[self.path] += 1
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                kind, body = route
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                asked = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
                if asked:
                    outer.conditional += 1
                if self.headers.get("If-None-Match") == etag:
                    outer.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", stamp)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@contextmanager
def serving() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def open_bot(corpus: Path, index: Path) -> QABot:
    corpus.mkdir(parents=True, exist_ok=True)
    settings = replace(Settings(), fetch=FetchSettings(allow_private=True))
    return QABot.open(corpus, index, settings=settings)


def saved_body(path: Path, corpus: Path) -> str:
    articles, _ = parse_file(path, path.relative_to(corpus).as_posix(), path.read_bytes())
    return "\n".join(articles[0].paragraphs)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def prf(gold: str, found: str) -> tuple[float, float, float]:
    g, f = shingles(gold), shingles(found)
    tp = sum((g & f).values())
    if not tp:
        return 0.0, 0.0, 0.0
    p, r = tp / sum(f.values()), tp / sum(g.values())
    return p, r, 2 * p * r / (p + r)


def load_pages(folder: Path) -> dict[str, bytes]:
    return {
        p.name.removesuffix(".html.gz"): gzip.decompress(p.read_bytes())
        for p in sorted((folder / "html").glob("*.html.gz"))
    }


def cmd_extraction(args: argparse.Namespace) -> None:
    gold = json.loads((args.data / "ground-truth.json").read_text("utf-8"))
    pages = load_pages(args.data)
    with tempfile.TemporaryDirectory() as tmp, serving() as server:
        corpus = Path(tmp) / "corpus"
        bot = open_bot(corpus, Path(tmp) / "index")
        urls = {}
        for page_id, body in pages.items():
            server.routes[f"/{page_id}.html"] = ("text/html; charset=utf-8", body)
            urls[page_id] = server.url(f"/{page_id}.html")
        start = time.perf_counter()
        results = bot.add_urls(list(urls.values()))
        took = time.perf_counter() - start
        scores, titled, dated, refused = [], 0, 0, []
        for (page_id, url), result in zip(urls.items(), results, strict=True):
            if isinstance(result, Added):
                scores.append(prf(gold[page_id]["articleBody"], saved_body(result.path, corpus)))
                titled += bool(result.article.title)
                dated += bool(result.article.date)
            else:
                scores.append((0.0, 0.0, 0.0))
                refused.append(f"{url}: {result.reason}")
    n = len(scores)
    mean = [sum(s[i] for s in scores) / n for i in range(3)]
    print(f"pages              {n} ({n - len(refused)} added, {len(refused)} refused)")
    print(f"precision          {mean[0]:.3f}")
    print(f"recall             {mean[1]:.3f}")
    print(f"F1 (per page, avg) {mean[2]:.3f}   goal >= 0.95")
    print(f"with a title       {titled}/{n}")
    print(f"with a date        {dated}/{n}   (the gold states neither title nor date)")
    print(f"time               {took:.1f} s ({n / took:.1f} pages/s)")
    for line in refused:
        print(f"refused: {line}")


_ITEM = re.compile(rb"<item[\s>]|<entry[\s>]")


def stand_in_page(title: str, summary: str) -> bytes:
    prose = (
        "This stand-in page was written by the benchmark for the feed item above; its "
        "paragraphs give the extractor an article of ordinary length to find and save."
    )
    paragraphs = [summary or title, prose, prose.replace("stand-in", "local")]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body><nav>Home</nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article><footer>Footer</footer>"
        "</body></html>"
    ).encode()


def cmd_feeds(args: argparse.Namespace) -> None:
    import feedparser  # the benchmark reads the originals the way qabot does

    files = sorted(p for p in args.data.glob("*.xml"))
    with tempfile.TemporaryDirectory() as tmp, serving() as server:
        bot = open_bot(Path(tmp) / "corpus", Path(tmp) / "index")
        feeds = FeedList.of(Path(tmp) / "index")
        expected: dict[str, int] = {}
        for n, file in enumerate(files):
            raw = file.read_bytes()
            parsed = feedparser.parse(raw)
            for m, entry in enumerate(parsed.entries):
                link = entry.get("link")
                if not link:
                    continue
                local = f"/items/{n}/{m}.html"
                for form in {link, html.escape(link, quote=False), html.escape(link)}:
                    raw = raw.replace(form.encode(), server.url(local).encode())
                server.routes[local] = (
                    "text/html; charset=utf-8",
                    stand_in_page(entry.get("title") or link, _text(entry.get("summary", ""))),
                )
            path = f"/feeds/{file.name}"
            server.routes[path] = ("application/xml", raw)
            expected[server.url(path)] = len(_ITEM.findall(raw))
            feeds.add(server.url(path))
        first = bot.poll_feeds()
        polled = server.gets.copy()
        second = bot.poll_feeds()
        pages_again = sum(
            1 for p, c in server.gets.items() if p.startswith("/items/") and c > polled[p]
        )
    total = sum(expected.values())
    print(f"feeds              {len(files)}")
    print(f"items in the feeds {total}")
    print(f"first poll         {first.added} added, {first.unchanged} already added, "
          f"{len(first.failed)} failed")  # fmt: skip
    found = first.added + first.unchanged
    print(f"items found        {found} of {total}" + ("  OK" if found == total else "  MISSING"))
    print(f"second poll        {second.added} added, {second.unchanged} unchanged, "
          f"{len(second.failed)} failed; {pages_again} item pages fetched again")  # fmt: skip
    print(f"conditional GETs   {server.conditional} (second poll: one per feed = {len(files)}),"
          f" {server.not_modified} answered 304")  # fmt: skip
    for failed in first.failed:
        print(f"failed: {failed.url}: {failed.reason}")


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def cmd_throughput(args: argparse.Namespace) -> None:
    pages = list(load_pages(args.data).values())
    with tempfile.TemporaryDirectory() as tmp, serving() as server:
        urls = []
        for n in range(args.pages):
            path = f"/p/{n}.html"
            server.routes[path] = ("text/html; charset=utf-8", pages[n % len(pages)])
            urls.append(server.url(path))
        corpus = Path(tmp) / "corpus"
        bot = open_bot(corpus, Path(tmp) / "index")
        start = time.perf_counter()
        results = bot.add_urls(urls)
        took = time.perf_counter() - start
        added = [r for r in results if isinstance(r, Added)]
        # Baseline: the same saved files, copied into a fresh corpus, one reindex.
        files = Path(tmp) / "files"
        shutil.copytree(corpus, files, ignore=shutil.ignore_patterns(".*"))
        start = time.perf_counter()
        base_bot = QABot.open(files, Path(tmp) / "index2")
        base_took = time.perf_counter() - start
        indexed = base_bot.stats().articles
    rate, base_rate = len(added) / took, indexed / base_took
    print(f"pages              {len(urls)} ({len(added)} added)")
    print(f"add by URL         {took:.2f} s, {rate:.1f} pages/s (fetched, extracted, saved, "
          "indexed)   goal >= 40")  # fmt: skip
    print(f"files + reindex    {base_took:.2f} s, {base_rate:.1f} pages/s (baseline, same run)")
    print(f"ratio              {rate / base_rate:.2f} of the baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("extraction")
    p.add_argument("data", type=Path, help="the aeb-dev folder")
    p.set_defaults(func=cmd_extraction)
    p = sub.add_parser("feeds")
    p.add_argument("data", type=Path, help="a folder of RSS/Atom .xml files")
    p.set_defaults(func=cmd_feeds)
    p = sub.add_parser("throughput")
    p.add_argument("data", type=Path, help="the aeb-dev folder")
    p.add_argument("--pages", type=int, default=400)
    p.set_defaults(func=cmd_throughput)
    args = parser.parse_args()
    args.func(args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
