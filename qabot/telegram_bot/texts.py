"""What the Telegram bot says besides answers: its /start and /help, usage hints, alerts,
rate-limit notices, and the replies of its commands and of admins' uploads, links and feeds.

Answers, passages and citations are rendered by :mod:`qabot.render`, the renderer every
adapter shares; this module builds on its escaping, its article-detail cuts and its
filter help. Button labels stay with their keyboards (:mod:`.keyboards`), the command menu
with the application (:mod:`.app`). Every text here is Telegram HTML.
"""

from __future__ import annotations

import errno
import os
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qabot import render
from qabot.errors import IndexLockedError, IndexWriteError
from qabot.feedback import Found, Verdict
from qabot.render import DATE_CHARS, NO_ARTICLES, TITLE_CHARS, detail, escape
from qabot.values import Article, IndexStats, ReindexReport

if TYPE_CHECKING:  # the follow list's values; the channels module builds on these texts
    from qabot.telegram_bot.channels import FollowedChat

__all__ = [
    "ADD_USAGE",
    "ADMINS_ONLY",
    "APOLOGY",
    "ASK_USAGE",
    "CHAT_ADMINS_ONLY",
    "CHAT_NOT_SEEN",
    "CORRECT_USAGE",
    "FEEDS_USAGE",
    "FOREIGN_BUTTON",
    "FORGET_USAGE",
    "NOT_AN_ANSWER",
    "NO_SUCH_POST",
    "OTHER_CHATS_POST",
    "RATE_LIMITED_COMMANDS",
    "RATE_LIMITED_QUESTIONS",
    "RATE_LIMITED_TAPS",
    "SOURCES_PER_PAGE",
    "STALE_BUTTON",
    "TOO_LARGE",
    "VOTE_NOT_STORED",
    "corrected_message",
    "counted",
    "example_stories",
    "feed_added_message",
    "feed_removed_message",
    "feeds_message",
    "followed_message",
    "following_message",
    "forgotten_message",
    "help_message",
    "make_me_admin_message",
    "not_added_message",
    "not_indexed_message",
    "not_saved_message",
    "not_updated_message",
    "report_message",
    "saved_message",
    "source_counts",
    "sources_message",
    "start_message",
    "stats_message",
    "too_many_links_message",
    "unfollowed_message",
    "upload_limit_message",
    "url_added_message",
    "url_not_added_message",
    "vote_message",
]

RATE_LIMITED_QUESTIONS = (
    "You are asking faster than I can read. Please wait a minute and ask again."
)
RATE_LIMITED_COMMANDS = "You are sending commands faster than I can answer. Please wait a minute."
RATE_LIMITED_TAPS = "Too many taps: please wait a minute."
ASK_USAGE = "Usage: /ask <i>your question</i>"
ADMINS_ONLY = "Sorry, only the bot's admins can do that."
STALE_BUTTON = "This button belongs to an older answer I no longer remember. Please ask again."
FOREIGN_BUTTON = "This button belongs to an answer in another chat. Please ask here."
APOLOGY = "Sorry, something went wrong on my side. Please try again."
ADD_USAGE = (
    "To add an article, send a .txt, .md or .json file with the caption /add, or reply "
    "/add to a message whose first line is the title and the rest the article."
)
TOO_LARGE = "That file is larger than I accept."
SOURCES_PER_PAGE = 10


# -- commands ---------------------------------------------------------------------------------
def sources_message(articles: Sequence[Article], page: int) -> tuple[str, int]:
    """/sources: one page (from 0) of the indexed articles, and the number of pages."""
    pages = max(1, -(-len(articles) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = articles[page * SOURCES_PER_PAGE : (page + 1) * SOURCES_PER_PAGE]
    if not articles:
        return NO_ARTICLES, 1
    lines = [f"<b>Indexed articles</b> ({len(articles)}), page {page + 1} of {pages}:"]
    for number, article in enumerate(shown, page * SOURCES_PER_PAGE + 1):
        extra = f" ({escape(detail(article.date, DATE_CHARS))})" if article.date else ""
        title = escape(detail(article.title, TITLE_CHARS))
        url = render.web_url(article.url)  # http(s) only: never javascript:, data:, tg://
        if url:
            title = f'<a href="{escape(url)}">{title}</a>'
        lines.append(f"{number}. {title}{extra}")
    return "\n".join(lines), pages


def stats_message(stats: IndexStats, sources: Sequence[tuple[str, int]] = ()) -> str:
    """/stats: the index's figures; for admins, the articles of each source (``sources``)."""
    updated = stats.updated.strftime("%Y-%m-%d %H:%M UTC") if stats.updated else "never"
    text = (
        f"<b>Index</b>\n{stats.counts_text}\n{stats.size_text} on disk, updated {escape(updated)}"
    )
    if stats.problems:
        text += f"\n{counted(stats.skipped_files, 'file')} skipped as unreadable."
    if sources:
        shown = sources[:SOURCES_SHOWN]
        lines = [f"• {escape(detail(name, TITLE_CHARS))}: {count:,}" for name, count in shown]
        if len(sources) > len(shown):
            rest = sum(count for _, count in sources[len(shown) :])
            lines.append(f"• {len(sources) - len(shown):,} more sources: {rest:,}")
        text += "\n\n<b>Articles by source</b>\n" + "\n".join(lines)
    return text


#: Sources listed by name in an admin's /stats; the rest are summed up.
SOURCES_SHOWN = 20
NO_SOURCE = "(no source)"


def source_counts(articles: Sequence[Article]) -> list[tuple[str, int]]:
    """How many articles each source has, most first (articles without one as "(no source)")."""
    counts = Counter(article.source or NO_SOURCE for article in articles)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


def counted(number: int, word: str) -> str:
    """``1 article``, ``2,000 articles``: a number and its noun, in the singular for one."""
    return f"{number:,} {word if number == 1 else word + 's'}"


#: Stories named as examples in /start and /help, and how much of each title is shown.
EXAMPLE_STORIES = 3
EXAMPLE_TITLE_CHARS = 80


def example_stories(articles: Sequence[Article], count: int = EXAMPLE_STORIES) -> list[str]:
    """Titles of ``count`` articles spread over the corpus, each on one line and cut short."""
    step = max(1, len(articles) // count)
    return [detail(article.title, EXAMPLE_TITLE_CHARS) for article in articles[::step][:count]]


def help_message(stories: Sequence[str], *, admin: bool) -> str:
    """/help: how to ask, with the titles of a few ``stories`` to ask about; the admin
    commands for admins."""
    if stories:
        examples = ["<b>Try</b> a question about one of these stories:"]
        examples += [f"• <i>{escape(title)}</i>" for title in stories]
    else:
        examples = ["No articles are indexed yet: once there are, ask me about them."]
    lines = [
        "Ask me about the news articles I have read, in plain words. "
        "I answer with the sentence that answers it and cite the passages it came from.",
        "",
        *examples,
        "",
        "Follow up with a short question such as <i>and what about …?</i>",
        "In groups, use /ask or mention me. Inline: type my name and a question in any chat.",
        "",
        "<b>Filters</b>",
        *(escape(line) for line in render.filter_help("/ask ")),
        "",
        "<b>Commands</b>",
        "/ask <i>question</i>: ask (in groups)",
        "/quotes <i>name</i> [<i>topic</i>]: what someone said, oldest first "
        "(filters work here too)",
        "/sources: the indexed articles",
        "/stats: index figures",
    ]
    if admin:
        lines += [
            "/reindex: re-read the corpus folder",
            "/add: send a .txt, .md or .json file with caption /add, "
            "or reply /add to a message holding an article (first line the title)",
            "/add <i>link</i>, or a message of links: fetch the articles and add them",
            "/feeds: the RSS and Atom feeds I poll (/feeds add <i>URL</i>, /feeds remove "
            "<i>URL</i>)",
            "/follow: in a channel or group where I am an administrator, index its posts "
            "(here: /follow @channel; /follow alone lists them); /unfollow stops",
            "/forget <i>post link</i>: remove a post's article",
            "/correct <i>link or words</i>, in reply to an answer: where the right answer is",
        ]
    lines += ["", "Under each answer, 👍 or 👎 tells me whether it was right."]
    return "\n".join(lines)


def start_message(stats: IndexStats, stories: Sequence[str], *, admin: bool) -> str:
    """/start: a greeting, then the help."""
    articles = counted(stats.articles, "news article")
    greeting = f"Hello! I answer questions about {articles}, citing my sources."
    return f"{greeting}\n\n{help_message(stories, admin=admin)}"


def report_message(report: ReindexReport) -> str:
    """What a reindex changed."""
    text = f"Index updated: {escape(str(report))}."
    if report.added:
        text += "\nAdded: " + ", ".join(escape(a) for a in report.added[:10])
    if report.problems:
        text += "\nSkipped: " + "; ".join(escape(str(p)) for p in report.problems[:5])
    return text


def saved_message(name: str, report: ReindexReport) -> str:
    """An uploaded article was saved as ``name`` and indexed."""
    return f"Saved as <code>{escape(name)}</code>.\n{report_message(report)}"


def not_added_message(name: str, reason: str) -> str:
    return f"I could not add {escape(name)}: {escape(reason)}"


#: What a file system's refusal means for the admin, by its ``strerror``.
_READ_ONLY = {os.strerror(errno.EROFS): "is on a read-only file system"}
_READ_ONLY.update(
    (os.strerror(code), "is read-only to the bot (permission denied)")
    for code in (errno.EACCES, errno.EPERM)
)
_FULL = {os.strerror(code) for code in (errno.ENOSPC, errno.EDQUOT)}
_STILL_ANSWERS = "Answers still come from the index as it was."


def _why_not_written(folder: str, reason: str) -> str:
    """``the index folder is on a read-only file system``, ``the disk of … is full``, …"""
    if reason in _READ_ONLY:
        return f"{folder} {_READ_ONLY[reason]}"
    if reason in _FULL:
        return f"the disk of {folder} is full"
    return f"{folder} cannot be written ({reason})"


def _why_not_indexed(exc: IndexLockedError | IndexWriteError) -> str:
    if isinstance(exc, IndexLockedError):
        return "another process is updating the index right now; try again when it has finished"
    return _why_not_written("the index folder", exc.reason)


def not_updated_message(exc: IndexLockedError | IndexWriteError) -> str:
    """/reindex (or links added) could not change the index: locked, read-only or full."""
    return escape(f"I could not update the index: {_why_not_indexed(exc)}. {_STILL_ANSWERS}")


def not_indexed_message(name: str, exc: IndexLockedError | IndexWriteError) -> str:
    """An uploaded article was saved but the index could not take it, so it was removed."""
    why = _why_not_indexed(exc)
    return escape(f"I could not add {name}: {why}. The file was not kept. {_STILL_ANSWERS}")


def not_saved_message(name: str, exc: OSError) -> str:
    """The corpus folder refused an uploaded article: nothing was saved."""
    why = _why_not_written("the corpus folder", exc.strerror or str(exc))
    return escape(f"I could not add {name}: {why}. Nothing was saved.")


def upload_limit_message(size: int, limit: int) -> str:
    return f"That file is {size:,} bytes; I accept articles up to {limit:,} bytes."


# -- news in: links and feeds -----------------------------------------------------------------
FEEDS_USAGE = (
    "/feeds lists the feeds I poll; <code>/feeds add URL</code> adds an RSS or Atom feed, "
    "<code>/feeds remove URL</code> removes one."
)


def url_added_message(article: Article, new: bool) -> str:
    """One line about an article added by URL (or found added before)."""
    when = f" ({escape(article.date)})" if article.date else ""
    done = "Added" if new else "Already added"
    return f"{done}: <b>{escape(article.title)}</b>{when}"


def url_not_added_message(url: str, reason: str) -> str:
    return f"Could not add {escape(url)}: {escape(reason)}"


def too_many_links_message(most: int) -> str:
    return f"I add at most {most} links at a time."


def feed_added_message(url: str, title: str | None, new: bool) -> str:
    """/feeds add: the feed at ``url`` was added (or was in the list already)."""
    name = f" ({title})" if title else ""
    return escape(("Added the feed " if new else "Already in the feed list: ") + url + name)


def feed_removed_message(url: str, removed: bool) -> str:
    """/feeds remove: the feed at ``url`` was removed (or was not in the list)."""
    return escape(f"Removed the feed {url}" if removed else f"{url} is not in the feed list.")


def feeds_message(feeds: Sequence[tuple[str, str | None]]) -> str:
    """The feed list: (url, title) pairs."""
    if not feeds:
        return "No feeds yet. " + FEEDS_USAGE
    lines = [f"<b>Feeds</b> ({len(feeds)})"]
    lines += [f"• {escape(title)}: {escape(url)}" if title else f"• {escape(url)}"
              for url, title in feeds]  # fmt: skip
    return "\n".join(lines)


# -- channels and groups as a source ----------------------------------------------------------
CHAT_ADMINS_ONLY = "Sorry, only this chat's admins can do that."
CHAT_NOT_SEEN = (
    "I cannot see that chat. Add me to it as an administrator, then try again "
    "(in private: /follow @channel or /follow -100…)."
)
FORGET_USAGE = (
    "Usage: /forget <i>link</i>, the post's link (https://t.me/channel/123, or "
    "https://t.me/c/… for a private channel)."
)
NO_SUCH_POST = "I have no article of that post."
OTHER_CHATS_POST = "That post belongs to another chat: /forget it there, or ask me in private."


def make_me_admin_message(title: str) -> str:
    return escape(
        f"Make me an administrator of {title} first: only then does Telegram show me every post."
    )


def following_message(title: str, new: bool) -> str:
    """/follow: the chat's new posts become articles."""
    if not new:
        return escape(f"I follow {title} already: its new posts become articles.")
    return escape(
        f"Following {title}: its new posts (and their edits) become articles I answer from "
        "within seconds. /unfollow stops; /forget <link> removes a post."
    )


def unfollowed_message(title: str, removed: bool, configured: bool) -> str:
    """/unfollow: the chat's new posts are no longer saved (or it was not followed)."""
    if configured:
        return escape(f"{title} is followed by QABOT_FOLLOW_CHATS: remove it there.")
    if not removed:
        return escape(f"I do not follow {title}.")
    return escape(
        f"No longer following {title}. The articles of its posts stay; /forget removes one."
    )


def followed_message(chats: Sequence[FollowedChat], configured: Sequence[str]) -> str:
    """/follow alone in private: the followed chats."""
    lines = [f"• {escape(c.title)} ({c.id}{', @' + escape(c.username) if c.username else ''})"
             for c in chats]  # fmt: skip
    lines += [f"• {escape(name)} (QABOT_FOLLOW_CHATS)" for name in configured]
    if not lines:
        return (
            "I follow no channel or group yet. Make me an administrator of one, then post "
            "/follow there, or send me /follow @channel here."
        )
    return f"<b>Followed chats</b> ({len(lines)})\n" + "\n".join(lines)


def forgotten_message(title: str, *, indexed: bool) -> str:
    """/forget: a post's article was removed (and the index updated, or soon)."""
    if indexed:
        return escape(f"Forgotten: {title}. I no longer answer from it.")
    return escape(f"Removed the article {title}; it leaves the index with its next update.")


# -- feedback ---------------------------------------------------------------------------------
#: Callback answers (shown as a toast or alert) are at most 200 characters.
VOTE_NOT_STORED = "Sorry, I could not store your vote just now. Please try again later."
NOT_AN_ANSWER = "Reply /correct to one of my answers, in this chat."
CORRECT_USAGE = (
    "Reply to my answer with /correct and the right passage's link, or the right answer's "
    "words: /correct https://example.org/story or /correct Ana Lopez."
)


def vote_message(verdict: Verdict, stored: bool) -> str:
    """The toast after a 👍 / 👎 tap."""
    mark = "👍" if verdict == "good" else "👎"
    return f"Thanks for the {mark}!" if stored else f"You gave this answer {mark} already."


def corrected_message(found: Found) -> str:
    """/correct was stored: where the right answer is."""
    title = escape(detail(found.article.title, TITLE_CHARS))
    if found.answers:
        what = f"the right answer is <b>{escape(detail(found.answers[0], TITLE_CHARS))}</b>, in"
    else:
        what = "the right passage is in"
    return (
        f"Thanks: noted 👎; {what} <i>{title}</i>. <code>qabot eval --feedback</code> exports it."
    )
