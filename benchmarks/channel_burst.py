"""A burst of channel posts into the Telegram bot: how fast they become answerable, none lost.

A followed channel (``QABOT_FOLLOW_CHATS``-style settings) posts ``--posts`` messages at
once into the ``getUpdates`` queue of ``tests/support/botapi_server.py``; the real bot
(``build_application``, python-telegram-bot's polling ``Updater`` and HTTP stack) saves each
as ``<corpus>/telegram/<chat>/<id>.md`` and indexes them in batches. The corpus is a copy of
``--corpus`` in a temporary folder (the original is only read). Printed: how long until
every post's file was written, until every post was indexed, how many index updates that
took, and how many posts are missing; then every post is asked about by its own made-up
word, and the answers citing it are counted.

    .venv/bin/python benchmarks/channel_burst.py --posts 1000
    .venv/bin/python benchmarks/channel_burst.py --posts 1000 --corpus ../shared/data/bbc
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.botapi_server import DEFAULT_CHANNEL_ID, BotApiServer
from support.corpus import _VOCABULARY, story_name

from qabot import QABot
from qabot.config import TelegramSettings
from qabot.telegram_bot import build_application
from qabot.telegram_bot.channels import POSTS_FOLDER

#: Seconds the run waits for the last post before it counts the missing ones.
TIMEOUT = 600.0


def post_text(n: int) -> str:
    """A post of its own words (templated posts would be folded as near-duplicates)."""
    rng = random.Random(n)
    words = [rng.choice(_VOCABULARY) for _ in range(30)]
    name = story_name(n) + "x"  # no "y"/"i" ending that the stemmer would merge
    return (
        f"Bulletin {n}: harbour notice\n"
        f"The vessel {name} docks at berth {n % 40}, {' '.join(words[:15])}.\n"
        f"{' '.join(words[15:]).capitalize()}."
    )


async def burst(corpus: Path, index: Path, posts: int) -> dict[str, float]:
    qabot = QABot.open(corpus, index)
    before = len(qabot.articles())
    with BotApiServer() as api:
        api.add_chat(DEFAULT_CHANNEL_ID, title="Harbour News", username="harbournews")
        settings = TelegramSettings(
            token=api.token, base_url=api.base_url, base_file_url=api.base_file_url,
            rate_limit=100, feed_interval=0, follow_chats=frozenset({DEFAULT_CHANNEL_ID}),
        )  # fmt: skip
        app = build_application(qabot, replace(settings))
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        folder = corpus / POSTS_FOLDER / str(DEFAULT_CHANNEL_ID)
        try:
            updates = [api.make_channel_post_update(post_text(n)) for n in range(posts)]
            start = time.perf_counter()
            for update in updates:
                api.push_update(update)
            files_at = indexed_at = None
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                written = sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
                if files_at is None and written >= posts:
                    files_at = time.perf_counter() - start
                if len(qabot.articles()) - before >= posts:
                    indexed_at = time.perf_counter() - start
                    break
                await asyncio.sleep(0.02)
            indexer = app.bot_data["state"].posts
            await indexer.idle()
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    saved = sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
    indexed = len(qabot.articles()) - before
    asked = time.perf_counter()
    cited = 0
    for n in range(posts):
        answer = qabot.ask(f"where does {story_name(n)}x dock?")
        cited += any(f"Bulletin {n}:" in hit.article.title for hit in answer.passages[:1])
    ask_ms = (time.perf_counter() - asked) / max(posts, 1) * 1000
    return {
        "posts": posts, "saved": saved, "indexed": indexed, "lost": posts - indexed,
        "files_s": files_at or float("nan"), "indexed_s": indexed_at or float("nan"),
        "updates": indexer.updates, "cited_first": cited, "ask_ms": ask_ms,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"), help="copied first")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus, ignore=shutil.ignore_patterns(".qabot-*"))
        opened = time.perf_counter()
        QABot.open(corpus, Path(tmp) / "index")
        print(f"corpus {args.corpus}: indexed in {time.perf_counter() - opened:.1f} s")
        figures = asyncio.run(burst(corpus, Path(tmp) / "index", args.posts))
    f = figures
    print(
        f"{f['posts']:.0f} posts pushed at once: {f['saved']:.0f} saved, {f['indexed']:.0f} "
        f"indexed, {f['lost']:.0f} lost\n"
        f"all files written after {f['files_s']:.2f} s, all indexed after {f['indexed_s']:.2f} s "
        f"({f['posts'] / f['indexed_s']:.0f} posts/s) in {f['updates']:.0f} index updates\n"
        f"each post's own word finds it first: {f['cited_first']:.0f} of {f['posts']:.0f} "
        f"(ask {f['ask_ms']:.2f} ms a question)"
    )


if __name__ == "__main__":
    main()
