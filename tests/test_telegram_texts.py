"""What only the Telegram bot says: /sources pages, /stats, /help and /start, feed replies.

Pure functions: no bot runs here (tests/test_telegram_bot.py sends them through one).
"""

from __future__ import annotations

from pathlib import Path

from qabot.telegram_bot.texts import (
    feed_added_message,
    feed_removed_message,
    help_message,
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
    assert "\n1 file(s) skipped as unreadable." in stats_message(stats)


def test_the_help_says_how_to_filter_and_admins_see_their_commands() -> None:
    help_text = help_message(["Who won <the> vote?"], admin=False)
    assert "since:YYYY-MM-DD" in help_text and "/ask since:2024-05-01" in help_text
    assert "• Who won &lt;the&gt; vote?" in help_text
    assert "/reindex" not in help_text and "/reindex" in help_message([], admin=True)
    stats = IndexStats(7, 9, 40, 1000, None, Path("c"), Path("i"))
    assert start_message(stats, [], admin=False) == (
        "Hello! I answer questions about 7 news articles, citing my sources.\n\n"
        + help_message([], admin=False)
    )


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
