"""Telegram message text: pure functions that build HTML within Telegram's limits.

Everything taken from articles or users is HTML-escaped; highlights are the only markup
added inside their text. Messages stay within Telegram's 4096 characters (counted in
UTF-16 code units, as Telegram does) by trimming passage excerpts, never by cutting
through a tag. Nothing here imports python-telegram-bot.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from qabot.values import Answer, Article, Hit, IndexStats

__all__ = [
    "MESSAGE_LIMIT",
    "answer_message",
    "escape",
    "help_message",
    "highlighted",
    "inline_description",
    "passage_message",
    "sources_message",
    "stats_message",
    "utf16_len",
]

MESSAGE_LIMIT = 4096
#: Citations shown in one answer message; "More" shows the next ones.
PASSAGES_PER_MESSAGE = 3
EXCERPT_CHARS = 600
SOURCES_PER_PAGE = 10
#: Longer URLs are not shown (a link that long is noise, and it would eat the message).
MAX_URL_CHARS = 500


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def highlighted(text: str, spans: Sequence[tuple[int, int]], limit: int | None = None) -> str:
    """``text`` escaped, with ``spans`` in bold, cut at a word boundary near ``limit`` chars."""
    cut = len(text)
    if limit is not None and len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
    parts: list[str] = []
    last = 0
    for start, end in spans:
        if start >= cut or start < last:
            continue
        end = min(end, cut)
        parts += [escape(text[last:start]), "<b>", escape(text[start:end]), "</b>"]
        last = end
    parts.append(escape(text[last:cut]))
    return "".join(parts) + ("…" if cut < len(text) else "")


def _citation(hit: Hit, with_link: bool = True) -> str:
    first, last = hit.paragraphs
    where = f"¶{first + 1}" if first == last else f"¶{first + 1}–{last + 1}"
    parts = [f"<i>{escape(hit.article.title)}</i>", where]
    if hit.article.date:
        parts.append(escape(hit.article.date))
    if hit.article.url and with_link and len(hit.article.url) <= MAX_URL_CHARS:
        parts.append(f'<a href="{escape(hit.article.url)}">link</a>')
    return ", ".join(parts)


def answer_message(
    answer: Answer, start: int = 0, count: int = PASSAGES_PER_MESSAGE, limit: int = MESSAGE_LIMIT
) -> str:
    """The reply to a question: the answer first, then cited passages ``start..start+count``."""
    if start == 0:
        if answer.found:
            head = f"💬 {escape(answer.text)}"
            if answer.unsure:
                head += "\n<i>(I'm not sure about this one: check the sources.)</i>"
        else:
            head = f"🤷 I don't know. {escape(answer.reason)}".strip()
    else:
        head = f"More passages for <i>{escape(answer.question)}</i>:"
    hits = answer.passages[start : start + count]
    if not hits:
        return _fit_text(head, limit)
    label = "Sources" if answer.found else "Closest passages"
    head = _fit_text(head, limit // 2)
    budget = limit - utf16_len(head) - 40
    per_hit = max(80, budget // len(hits) - 120)
    excerpt = min(EXCERPT_CHARS, per_hit)
    while True:
        blocks = [
            f"<b>[{h.rank}]</b> {_citation(h)}\n{highlighted(h.text, h.highlights, excerpt)}"
            for h in hits
        ]
        text = (
            f"{head}\n\n<b>{label}</b>\n" + "\n\n".join(blocks)
            if start == 0
            else (f"{head}\n\n" + "\n\n".join(blocks))
        )
        if utf16_len(text) <= limit or excerpt <= 40:
            return text if utf16_len(text) <= limit else _fit_text(head, limit)
        excerpt = excerpt * 3 // 4


def _fit_text(markup: str, limit: int) -> str:
    """Markup made of escaped text and whole tags, shortened if over ``limit``."""
    if utf16_len(markup) <= limit:
        return markup
    # Only plain escaped text is ever this long (an answer sentence): cut it as text.
    plain = html.unescape(markup.replace("<i>", "").replace("</i>", ""))
    while utf16_len(escape(plain)) + 1 > limit:
        plain = plain[: int(len(plain) * 0.9)]
    return escape(plain) + "…"


def passage_message(hit: Hit, limit: int = MESSAGE_LIMIT) -> str:
    """One whole passage with its article's details, for a citation button."""
    article = hit.article
    lines = [f"<b>{escape(article.title)}</b>"]
    details = [f"passage {hit.position + 1}", _citation(hit, with_link=False).split(", ", 1)[1]]
    if article.source:
        details.append(escape(article.source))
    lines.append(" · ".join(details))
    if article.url and len(article.url) <= MAX_URL_CHARS:
        lines.append(f'<a href="{escape(article.url)}">{escape(article.url)}</a>')
    head = "\n".join(lines) + "\n\n"
    chars = limit - utf16_len(head) - 50
    while True:
        # Escaping and wide characters can make the markup longer than the text: shrink.
        text = head + highlighted(hit.text, hit.highlights, chars)
        if utf16_len(text) <= limit or chars < 50:
            return text
        chars = chars * 3 // 4


def sources_message(articles: Sequence[Article], page: int) -> tuple[str, int]:
    """One page of the indexed articles, and the number of pages."""
    pages = max(1, -(-len(articles) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = articles[page * SOURCES_PER_PAGE : (page + 1) * SOURCES_PER_PAGE]
    if not articles:
        return "No articles are indexed yet.", 1
    lines = [f"<b>Indexed articles</b> ({len(articles)}), page {page + 1} of {pages}:"]
    for number, article in enumerate(shown, page * SOURCES_PER_PAGE + 1):
        extra = f" ({escape(article.date)})" if article.date else ""
        title = escape(article.title[:200])
        if article.url:
            title = f'<a href="{escape(article.url)}">{title}</a>'
        lines.append(f"{number}. {title}{extra}")
    return "\n".join(lines), pages


def stats_message(stats: IndexStats) -> str:
    updated = stats.updated.strftime("%Y-%m-%d %H:%M UTC") if stats.updated else "never"
    text = (
        f"<b>Index</b>\n{stats.articles} articles, {stats.passages} passages, "
        f"{stats.terms} distinct terms\n{stats.size_bytes / 1_048_576:.1f} MiB on disk, "
        f"updated {escape(updated)}"
    )
    if stats.problems:
        text += f"\n{len(stats.problems)} file(s) skipped as unreadable."
    return text


def help_message(examples: Sequence[str], *, admin: bool) -> str:
    lines = [
        "Ask me about the news articles I have read, in plain words. "
        "I answer with the sentence that answers it and cite the passages it came from.",
        "",
        "<b>Try</b>",
        *(f"• {escape(q)}" for q in examples),
        "",
        "Follow up with a short question such as <i>and what about …?</i>",
        "In groups, use /ask or mention me. Inline: type my name and a question in any chat.",
        "",
        "<b>Commands</b>",
        "/ask <i>question</i>: ask (in groups)",
        "/sources: the indexed articles",
        "/stats: index figures",
    ]
    if admin:
        lines += [
            "/reindex: re-read the corpus folder",
            "/add: send a .txt, .md or .json file with caption /add, "
            "or reply /add to a message holding an article (first line the title)",
        ]
    return "\n".join(lines)


def inline_description(hit: Hit, limit: int = 180) -> str:
    """Plain text preview of a passage for an inline result."""
    text = " ".join(hit.text.split())
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + "…"
