"""What only the Telegram bot says: /sources pages, /stats, /help and /start, feed replies.

Pure functions: no bot runs here (tests/test_telegram_bot.py sends them through one).
"""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from pathlib import Path

from qabot.errors import IndexLockedError, IndexWriteError
from qabot.telegram_bot.texts import (
    counted,
    example_stories,
    feed_added_message,
    feed_removed_message,
    help_message,
    not_indexed_message,
    not_saved_message,
    not_updated_message,
    sources_message,
    start_message,
    stats_message,
)
from qabot.values import Article, IndexStats, Problem


def test_sources_pages() -> None:
    articles = [Article(str(i), f"Title {i} <&>", Path(f"{i}.txt")) for i in range(23)]
    first, pages = sources_message(articles, 0)
    assert pages == 3 and "1. Title 0 &lt;&amp;&gt;" in first and "11." not in first
    last, _ = sources_message(articles, 99)
    assert "page 3 of 3" in last and "23. Title 22" in last
    assert sources_message([], 0) == ("No articles are indexed yet.", 1)


def test_stats_count_skipped_files_not_problems() -> None:
    feed = Path("feed.jsonl")
    stats = IndexStats(
        1, 1, 1, 0, None, Path("c"), Path("i"), (Problem(feed, "1"), Problem(feed, "2"))
    )
    assert "\n1 file skipped as unreadable." in stats_message(stats)
    other = Problem(Path("other.json"), "3")
    assert "\n2 files skipped" in stats_message(replace(stats, problems=(*stats.problems, other)))


def test_the_help_says_how_to_filter_and_admins_see_their_commands() -> None:
    help_text = help_message(["Who won <the> vote"], admin=False)
    assert "since:YYYY-MM-DD" in help_text and "/ask since:2024-05-01" in help_text
    assert "Try</b> a question about one of these stories:\n• <i>Who won &lt;the&gt; vote</i>" in (
        help_text
    )
    assert "/reindex" not in help_text and "/reindex" in help_message([], admin=True)
    assert "No articles are indexed yet" in help_message([], admin=False)
    stats = IndexStats(7, 9, 40, 1000, None, Path("c"), Path("i"))
    assert start_message(stats, [], admin=False) == (
        "Hello! I answer questions about 7 news articles, citing my sources.\n\n"
        + help_message([], admin=False)
    )
    one = replace(stats, articles=1)
    assert start_message(one, [], admin=False).startswith(
        "Hello! I answer questions about 1 news article, citing"
    )


def test_example_stories_are_titles_spread_over_the_corpus() -> None:
    articles = [Article(str(i), f"Story\n{i}  " + "x" * (i * 20), Path()) for i in range(9)]
    assert example_stories(articles) == [
        "Story 0",
        "Story 3 " + "x" * 60,
        "Story 6 " + "x" * 71 + "…",
    ]
    assert example_stories(articles[:2]) == ["Story 0", "Story 1 " + "x" * 20]
    assert example_stories([]) == []
    assert [counted(n, "article") for n in (0, 1, 2, 1234)] == [
        "0 articles", "1 article", "2 articles", "1,234 articles",
    ]  # fmt: skip


def test_feed_replies_are_escaped() -> None:
    url = "https://e.org/feed?a=1&b=2"
    assert feed_added_message(url, "Lisbon <Daily>", True) == (
        "Added the feed https://e.org/feed?a=1&amp;b=2 (Lisbon &lt;Daily&gt;)"
    )
    assert feed_added_message(url, None, False) == (
        "Already in the feed list: https://e.org/feed?a=1&amp;b=2"
    )
    assert feed_removed_message(url, True) == "Removed the feed https://e.org/feed?a=1&amp;b=2"
    assert feed_removed_message(url, False) == (
        "https://e.org/feed?a=1&amp;b=2 is not in the feed list."
    )


def test_what_could_not_be_written_is_said_in_words() -> None:
    locked = IndexLockedError("another process is updating the index in /srv/index; …")
    assert not_updated_message(locked) == (
        "I could not update the index: another process is updating the index right now; "
        "try again when it has finished. Answers still come from the index as it was."
    )
    assert not_indexed_message("a<b>.txt", locked).startswith(
        "I could not add a&lt;b&gt;.txt: another process is updating the index right now;"
    )
    read_only = IndexWriteError("cannot write …", os.strerror(errno.EROFS))
    assert not_updated_message(read_only).startswith(
        "I could not update the index: the index folder is on a read-only file system."
    )
    denied = IndexWriteError("cannot write …", os.strerror(errno.EACCES))
    assert "the index folder is read-only to the bot (permission denied)" in (
        not_indexed_message("a.txt", denied)
    )
    odd = IndexWriteError("cannot write …", "it is a file, not a folder")
    assert "the index folder cannot be written (it is a file, not a folder)" in (
        not_updated_message(odd)
    )
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert not_saved_message("a.txt", full) == (
        "I could not add a.txt: the disk of the corpus folder is full. Nothing was saved."
    )
