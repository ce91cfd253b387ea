"""How qabot reads to a person: the one renderer of answers, in every form.

It owns the wording (the "I don't know." line, the unsure note, the "Sources" and
"Closest passages" labels, the refusals of a chat), citations (``Title, ¶3–4, date, url``),
excerpt cutting and highlights, in three forms:

* plain text, for ``str(answer)``;
* the terminal, with ANSI bold when it is a terminal (``qabot ask``, ``qabot chat``);
  in these two forms every control character of an article (ESC, CSI, BEL, …, but
  newline and tab) is shown as a visible one (:func:`visible`): this module's own bold
  and dim are the only escape sequences written;
* Telegram HTML: answers, passages (whole, or shared inline) and statement timelines
  (a page at a time), escaped, highlighted, and within Telegram's 4096 characters
  (counted in UTF-16 code units, as Telegram does) by trimming excerpts, never by
  cutting through a tag; an article's URL is a link only when it is http(s)
  (:func:`web_url`).

What only the Telegram bot says (its /help, usage hints, alerts, the replies of its
commands) is the adapter's, in :mod:`qabot.telegram_bot.texts`, built on :func:`escape`,
:func:`detail` and :func:`filter_help` from here.

An answer's short answer (:attr:`Answer.short`) comes first, on its own line, and is
highlighted inside the sentence, which starts with the day of its story when that is known
("12 June 2024 — …"). The JSON form is :meth:`Answer.to_dict`. Nothing here imports
python-telegram-bot; this module imports only :mod:`qabot.values` and :mod:`qabot.dates`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import TypeVar, cast

from qabot.dates import long_date
from qabot.lexicon import words as lexicon_words
from qabot.values import Answer, Article, Hit, Quotation, Refusal, Timeline

__all__ = [
    "CLOSEST_LABEL",
    "DATE_CHARS",
    "FILTER_EXAMPLE",
    "MAX_URL_CHARS",
    "MESSAGE_LIMIT",
    "NO_ARTICLES",
    "PASSAGES_PER_MESSAGE",
    "QUOTES_PER_PAGE",
    "QUOTES_USAGE",
    "SOURCES_LABEL",
    "TERMINAL_EXCERPT_CHARS",
    "TITLE_CHARS",
    "UNSURE_NOTE",
    "answer_message",
    "citation",
    "dateline",
    "detail",
    "escape",
    "filter_help",
    "headline",
    "highlighted",
    "inline_description",
    "inline_passage_message",
    "label",
    "leads_with_short",
    "paragraph_label",
    "partial_note",
    "passage_message",
    "plain",
    "quotation_citation",
    "quotation_speaker",
    "quotation_text",
    "quotation_words",
    "refusal_text",
    "reply_message",
    "short_spans",
    "sources_text",
    "statement_pages",
    "statements_message",
    "terminal",
    "terminal_passages",
    "timeline_text",
    "utf16_len",
    "visible",
    "web_url",
]

#: How filters are written in a chat message, for the help and for a refused filter.
FILTER_EXAMPLE = (
    "Filters go before or after the question, for example: "
    "since:2024-05-01 until:2024-06-30 source:BBC who won the vote?"
)
SOURCES_LABEL = "Sources"
CLOSEST_LABEL = "Closest passages"
UNSURE_NOTE = "(I'm not sure about this one: check the sources.)"
#: The sources list of an empty index, in the terminal and in Telegram.
NO_ARTICLES = "No articles are indexed yet."
#: A short answer longer than this share of the sentence is not repeated above it.
SHORT_SHARE = 0.6
#: Excerpt of each cited passage in the terminal.
TERMINAL_EXCERPT_CHARS = 400

MESSAGE_LIMIT = 4096
#: Citations shown in one Telegram answer message; "More" shows the next ones.
PASSAGES_PER_MESSAGE = 3
EXCERPT_CHARS = 600
#: Longer URLs are not shown (a link that long is noise, and it would eat the message).
MAX_URL_CHARS = 500
#: Statements on one page of a timeline in Telegram; "◂ Earlier" and "Later ▸" page on.
QUOTES_PER_PAGE = 5
#: The stories shown under a statement that several reported; the others are counted.
ALSO_SHOWN = 3
#: Article details shown in Telegram are cut to these lengths: front matter can hold
#: anything, and a 5,000-character date must not crowd out the answer and its sources.
TITLE_CHARS = 200
DATE_CHARS = 40
SOURCE_CHARS = 100
SPEAKER_CHARS = 100

Span = tuple[int, int]


# -- shared: the wording, citations, excerpts -------------------------------------------------
def headline(answer: Answer) -> str:
    """The answering sentence(s), or ``I don't know. <reason>``."""
    return answer.text if answer.found else f"I don't know. {answer.reason}".strip()


def dateline(answer: Answer) -> str:
    """``"12 June 2024 — "`` when the answer's story has a known day, else ``""``."""
    day = answer.published
    return f"{long_date(day)} — " if day is not None else ""


def label(answer: Answer) -> str:
    """What the cited passages are: sources of an answer, or the closest ones to none."""
    return SOURCES_LABEL if answer.found else CLOSEST_LABEL


def refusal_text(refusal: Refusal) -> str:
    """Why a chat message was not asked, politely."""
    if refusal.problem:
        return visible(f"Sorry, I could not use that filter: {refusal.problem}. {FILTER_EXAMPLE}")
    if refusal.too_long:
        return (
            f"That message is too long for a question ({refusal.length} characters). "
            f"Please ask in at most {refusal.limit} characters."
        )
    return "Ask me a question in words, for example: what did NATO decide?"


def filter_help(ask: str = "") -> list[str]:
    """How to restrict a question to dates and sources, one line each (plain text).

    ``ask`` is what a question starts with in the example (``"/ask "`` in Telegram).
    """
    return [
        "since:YYYY-MM-DD and until:YYYY-MM-DD: only stories of those days (both included; "
        "stories without a date are left out)",
        "source:NAME: only that source (repeat for several; quote names with spaces: "
        'source:"Le Monde")',
        f"for example: {ask}since:2024-05-01 until:2024-06-30 source:BBC who won the vote?",
    ]


def paragraph_label(hit: Hit) -> str:
    """``¶7`` or ``¶3–4``: ``hit.paragraphs`` (0-based indexes) counted from 1, as people do."""
    first, last = hit.paragraphs
    return f"¶{first + 1}" if first == last else f"¶{first + 1}–{last + 1}"


def citation(hit: Hit) -> str:
    """``Title, ¶3–4, 2024-07-01, https://…`` (paragraphs counted from 1)."""
    return _cited(hit.article, paragraph_label(hit))


def quotation_citation(quote: Quotation) -> str:
    """``Title, ¶7, 2024-07-01, https://…``: where a quotation is reported."""
    return _cited(quote.article, f"¶{quote.paragraph + 1}")


def _cited(article: Article, where: str) -> str:
    parts = [article.title, where]
    if article.date:
        parts.append(article.date)
    if article.url:
        parts.append(article.url)
    return visible(", ".join(parts))


def quotation_words(quote: Quotation) -> str:
    """The words said, in quotation marks when quoted directly."""
    return f"“{quote.text}”" if quote.kind == "direct" else quote.text


def quotation_speaker(quote: Quotation) -> str:
    """Who said it, with the verb when the words alone would read as theirs: "Sky denied"
    (of "Sky denied the programme breached the guidelines")."""
    if quote.kind == "reported" and quote.verb.casefold() in lexicon_words("denial_verbs"):
        return f"{quote.speaker} {quote.verb}"
    return quote.speaker


def quotation_text(quote: Quotation) -> str:
    """``12 June 2024 — Jens Stoltenberg: “We cannot have Minsk 3”`` and where it is from."""
    day = quote.published
    head = f"{long_date(day)} — " if day else ""
    lines = [f"{head}{quotation_speaker(quote)}: {quotation_words(quote)}", f"  {quote.citation}"]
    lines += [f"  also: {quotation_citation(replace(quote, article=a))}" for a in quote.also]
    return visible("\n".join(lines))


#: How ``/quotes`` is written, for a chat's help and for a request without a name.
QUOTES_USAGE = "Write a name, and a topic if you like: /quotes Stoltenberg Minsk"


def _timeline_head(quotes: Sequence[Quotation], speaker: str, about: str) -> str:
    """``Stoltenberg about Minsk: 3 statements, oldest first.``, or why there are none."""
    topic = f" about {about}" if about else ""
    if not speaker:
        return QUOTES_USAGE
    if not quotes:
        return f"No quotation of {speaker}{topic} in the indexed articles."
    count = f"{len(quotes)} statement{'s' if len(quotes) != 1 else ''}"
    return f"{speaker}{topic}: {count}, oldest first."


def timeline_text(quotes: Sequence[Quotation], speaker: str, about: str = "") -> str:
    """A statement timeline as plain text: oldest first, each cited (undated last)."""
    quotes, speaker, about = _made_visible((tuple(quotes), speaker, about))
    head = _timeline_head(quotes, speaker, about)
    return "\n\n".join([head, *map(quotation_text, quotes)]) if speaker and quotes else head


def leads_with_short(answer: Answer) -> bool:
    """Whether the short answer gets a line of its own before the sentence.

    A short answer that is most of the sentence (a long quotation) would only say the
    same thing twice; it is still highlighted in the sentence.
    """
    return bool(answer.found and answer.short) and len(answer.short) <= SHORT_SHARE * len(
        answer.text
    )


def short_spans(answer: Answer) -> tuple[Span, ...]:
    """Where the short answer stands in ``answer.text`` (at most one span)."""
    if not answer.short:
        return ()
    span = answer.short_span
    if span is not None and answer.text[span[0] : span[1]] == answer.short:
        return (span,)
    start = answer.text.find(answer.short)  # a span that does not fit: find the words
    return ((start, start + len(answer.short)),) if start >= 0 else ()


def _cut(text: str, limit: int | None) -> int:
    """Where to cut ``text`` to about ``limit`` characters: at a space, unless none is near."""
    if limit is None or len(text) <= limit:
        return len(text)
    cut = text.rfind(" ", 0, limit)
    return cut if cut > limit // 2 else limit


def _marked(
    text: str,
    spans: Sequence[Span],
    limit: int | None,
    plain: Callable[[str], str],
    strong: Callable[[str], str],
) -> str:
    """``text`` cut near ``limit``, each piece passed to ``plain`` or (in a span) ``strong``."""
    cut = _cut(text, limit)
    parts: list[str] = []
    last = 0
    for start, end in spans:
        if start >= cut or start < last:  # past the cut, or overlapping the one before
            continue
        end = min(end, cut)
        parts += [plain(text[last:start]), strong(text[start:end])]
        last = end
    parts.append(plain(text[last:cut]))
    return "".join(parts) + ("…" if cut < len(text) else "")


# -- plain text and the terminal -----------------------------------------------------------
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"

#: Control characters but newline and tab, each replaced by one visible character (so
#: highlight spans still fit): C0 by its control picture (ESC → ␛, BEL → ␇), DEL by ␡,
#: C1 by �. An article file can hold anything; printed raw, ESC and CSI would let it
#: clear the screen, retitle the window or fake output.
_VISIBLE = {
    **{code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)},
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
}

V = TypeVar("V")


def visible(text: str) -> str:
    """``text`` safe to print to a terminal: control characters (but newline and tab) shown
    as visible characters, one for one, so no escape sequence reaches the terminal."""
    return text.translate(_VISIBLE)


def _made_visible(value: V) -> V:
    """``value`` with every string in it, in its dataclasses and tuples too, :func:`visible`."""
    if isinstance(value, str):
        return cast(V, visible(value))
    if isinstance(value, tuple):
        return cast(V, tuple(_made_visible(item) for item in value))
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _made_visible(getattr(value, f.name)) for f in fields(value) if f.init}
        return cast(V, replace(value, **changes))
    return value


@dataclass(frozen=True)
class _Style:
    strong: Callable[[str], str]
    dim: Callable[[str], str]
    #: Plain text has no emphasis, so a highlight there is the text itself.
    marks: bool


def _same(text: str) -> str:
    return text


_PLAIN = _Style(strong=_same, dim=_same, marks=False)
_ANSI = _Style(
    strong=lambda t: f"{_BOLD}{t}{_RESET}" if t else t,
    dim=lambda t: f"{_DIM}{t}{_RESET}",
    marks=True,
)


def _excerpt(hit: Hit, answer: Answer, n: int) -> tuple[str, tuple[Span, ...]] | None:
    """The text to show under citation ``n``, on one line, with its highlights.

    The passage the answer came from is shown without the answer, printed just above:
    only what stands around its sentences (``[…]`` where they were), or nothing (``None``)
    when the answer is the passage.
    """
    text = hit.text.replace("\n", " ")  # same length: the highlights still fit
    spans = hit.highlights
    if not answer.found or n != answer.source:
        return text, spans
    # The answer's sentences, in the passage's order; " … " joins ones that were not adjacent.
    taken: list[Span] = []
    at = 0
    for piece in answer.text.split(" … "):
        found = text.find(piece, at)
        if found < 0:
            return text, spans
        taken.append((found, found + len(piece)))
        at = found + len(piece)
    # The stretches of the passage outside the answer, without their surrounding spaces.
    kept: list[Span] = []
    for a, b in zip([0] + [e for _, e in taken], [s for s, _ in taken] + [len(text)], strict=True):
        part = text[a:b]
        if part.strip():
            a += len(part) - len(part.lstrip())
            kept.append((a, a + len(part.strip())))
    if not kept:
        return None
    out = "[…] " if kept[0][0] > taken[0][0] else ""
    shown: list[Span] = []
    for i, (a, b) in enumerate(kept):
        if i:
            out += " […] "
        shift = len(out) - a
        shown += [(x + shift, y + shift) for x, y in spans if a <= x and y <= b]
        out += text[a:b]
    if kept[-1][1] < taken[-1][0]:
        out += " […]"
    return out, tuple(shown)


def _around_hit(text: str, spans: Sequence[Span], limit: int) -> tuple[str, tuple[Span, ...]]:
    """``text`` from the sentence holding its first highlight, when a cut would lose it."""
    if not spans or min(spans)[1] <= limit * 2 // 3:
        return text, tuple(spans)
    first = min(spans)[0]
    start = max(text.rfind(mark, 0, first) for mark in (". ", "? ", "! ")) + 2
    if start < 2 or first - start > limit // 2:  # no sentence start near: a few words before
        start = text.rfind(" ", 0, max(0, first - limit // 4)) + 1
    start = len(text) - len(text[start:].lstrip())
    if start == 0:
        return text, tuple(spans)
    shift = 1 - start  # the "…" in front
    return "…" + text[start:], tuple((a + shift, b + shift) for a, b in spans if a >= start)


def _text_lines(
    reply: Answer | Refusal,
    style: _Style,
    excerpt_chars: int | None,
    passages: int | None = None,
) -> list[str]:
    if isinstance(reply, Refusal):
        return [refusal_text(reply)]
    answer = reply
    lines = []
    if leads_with_short(answer):
        lines.append(style.strong(answer.short))
    if answer.found and style.marks:
        marked = _marked(answer.text, short_spans(answer), None, _same, style.strong)
        lines.append(dateline(answer) + marked)
    else:
        lines.append(dateline(answer) + headline(answer))
    if answer.found and answer.unsure:
        lines.append(style.dim(UNSURE_NOTE))
    if answer.partial:
        lines.append(style.dim(partial_note(answer)))
    for quote in answer.quotations:
        # A statement timeline: each quotation with its day and where it is reported.
        head, *cited = quotation_text(quote).split("\n")
        lines += ["", style.strong(head), *cited]
    if answer.passages:
        lines += ["", f"{label(answer)}:"]
        for n, hit in enumerate(answer.passages[:passages]):
            lines.append(style.strong(f"[{hit.rank}] {citation(hit)}"))
            shown = _excerpt(hit, answer, n) if excerpt_chars is not None else None
            if shown is not None and excerpt_chars is not None:
                text, spans = _around_hit(*shown, excerpt_chars)
                lines.append("    " + _marked(text, spans, excerpt_chars, _same, style.strong))
    return lines


def plain(reply: Answer | Refusal, *, excerpt_chars: int | None = None) -> str:
    """Plain text: the short answer on its own line, the sentence, the note, the citations.

    With ``excerpt_chars``, each citation is followed by that much of its passage.
    Control characters are shown as visible ones (:func:`visible`), here as in every
    plain-text and terminal form.
    """
    return "\n".join(_text_lines(_made_visible(reply), _PLAIN, excerpt_chars))


def terminal(
    reply: Answer | Refusal,
    *,
    color: bool,
    excerpt_chars: int = TERMINAL_EXCERPT_CHARS,
    passages: int | None = None,
) -> str:
    """For a terminal: :func:`plain` with excerpts, in bold where ``color`` allows it.

    Only the first ``passages`` citations are shown (``None``: all). Each excerpt starts
    at the sentence of the passage's first matched word when that would be cut off; the
    passage the answer came from shows only what stands around the answer.
    """
    style = _ANSI if color else _PLAIN
    # The article's text made visible first, so only this module's own bold and dim
    # sequences reach the terminal.
    return "\n".join(_text_lines(_made_visible(reply), style, excerpt_chars, passages))


def terminal_passages(answer: Answer, *, color: bool) -> str:
    """Every cited passage of ``answer`` in full, for a terminal."""
    style = _ANSI if color else _PLAIN
    answer = _made_visible(answer)
    if not answer.passages:
        return "No passages were cited for that."
    lines = [f"{label(answer)} for: {answer.question}"]
    for hit in answer.passages:
        lines += ["", style.strong(f"[{hit.rank}] {citation(hit)}")]
        text = _marked(hit.text, hit.highlights, None, _same, style.strong)
        lines += ["    " + line for line in text.splitlines()]
    return "\n".join(lines)


def sources_text(articles: Sequence[Article], page: int, per_page: int, matching: str = "") -> str:
    """Page ``page`` (from 1) of ``articles`` for a terminal; ``matching`` names a filter."""
    matching = visible(matching)
    if not articles:
        return f"No article title matches {matching!r}." if matching else NO_ARTICLES
    pages = -(-len(articles) // per_page)
    page = min(max(page, 1), pages)
    first = (page - 1) * per_page
    shown = articles[first : first + per_page]
    what = f"Articles matching {matching!r}" if matching else "Articles"
    lines = [f"{what}, {first + 1}–{first + len(shown)} of {len(articles):,}:"]
    lines += [visible(f"- {article.title} ({article.id})") for article in shown]
    hints = []
    if page < pages:
        command = f"/sources {matching} {page + 1}" if matching else f"/sources {page + 1}"
        hints.append(f"{command} for the next page (of {pages})")
    if not matching:
        hints.append("/sources WORD to find titles")
    if hints:
        lines.append(", ".join(hints) + ".")
    return "\n".join(lines)


# -- Telegram HTML ---------------------------------------------------------------------------
def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """``text`` safe in Telegram HTML, in text and in (double-quoted) attributes alike."""
    # Apostrophes stay readable: no attribute here is single-quoted.
    return html.escape(text, quote=True).replace("&#x27;", "'")


def _bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def highlighted(text: str, spans: Sequence[Span], limit: int | None = None) -> str:
    """``text`` escaped, with ``spans`` in bold, cut at a word boundary near ``limit`` chars."""
    return _marked(text, spans, limit, escape, _bold)


def detail(text: str, limit: int) -> str:
    """An article detail on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_WEB_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f/?#]+[^\s\x00-\x1f\x7f-\x9f]*", re.I)


def web_url(url: str | None) -> str | None:
    """``url`` if it may be a link in Telegram: http(s), with a host, of a sensible length.

    An article's URL comes from its file's front matter, which can hold anything: a
    ``javascript:``, ``data:`` or ``tg://`` URL is never made a link (it is left out).
    """
    if url and len(url) <= MAX_URL_CHARS and _WEB_URL.fullmatch(url):
        return url
    return None


def _html_citation(hit: Hit, with_link: bool = True) -> str:
    parts = [f"<i>{escape(detail(hit.article.title, TITLE_CHARS))}</i>", paragraph_label(hit)]
    if hit.article.date:
        parts.append(escape(detail(hit.article.date, DATE_CHARS)))
    link = _link(hit.article.url) if with_link else ""
    return ", ".join([*parts, link] if link else parts)


def _html_head(answer: Answer) -> str:
    partial = f"\n<i>{escape(partial_note(answer))}</i>" if answer.partial else ""
    if not answer.found:
        return f"🤷 {escape(headline(answer))}{partial}"
    head = "💬 "
    if leads_with_short(answer):
        head += f"{_bold(answer.short)}\n"
    head += escape(dateline(answer)) + highlighted(answer.text, short_spans(answer))
    if answer.unsure:
        head += f"\n<i>{escape(UNSURE_NOTE)}</i>"
    return head + partial


def partial_note(answer: Answer) -> str:
    """Why a cluster's answer may miss passages: some shards did not reply in time."""
    missing = len(answer.missing_shards)
    return (
        f"(Partial: {missing} of {answer.shards} parts of the archive did not reply in time; "
        "this comes from the others.)"
    )


def answer_message(
    answer: Answer, start: int = 0, count: int = PASSAGES_PER_MESSAGE, limit: int = MESSAGE_LIMIT
) -> str:
    """The reply to a question: the answer first, then cited passages ``start..start+count``.

    An answer that is a statement timeline ("what has X said about Y over time") shows
    the first page of its statements instead (:func:`statements_message`).
    """
    if answer.quotations:
        return statements_message(answer, limit=limit)
    if start == 0:
        head = _html_head(answer)
    else:
        head = f"More passages for <i>{escape(answer.question)}</i>:"
    hits = answer.passages[start : start + count]
    if not hits:
        return _fit_text(head, limit)
    head = _fit_text(head, limit // 2)
    budget = limit - utf16_len(head) - 40
    per_hit = max(80, budget // len(hits) - 120)
    excerpt = min(EXCERPT_CHARS, per_hit)
    with_link = True
    while True:
        blocks = [
            f"<b>[{h.rank}]</b> {_html_citation(h, with_link)}\n"
            + highlighted(h.text, h.highlights, excerpt)
            for h in hits
        ]
        text = (
            f"{head}\n\n<b>{label(answer)}</b>\n" + "\n\n".join(blocks)
            if start == 0
            else (f"{head}\n\n" + "\n\n".join(blocks))
        )
        if utf16_len(text) <= limit:
            return text
        if excerpt <= 40:
            if not with_link:
                return _fit_text(head, limit)
            with_link = False  # long links take the room last, before the sources go
        else:
            excerpt = excerpt * 3 // 4


def statement_pages(shown: Timeline | Answer, per_page: int = QUOTES_PER_PAGE) -> int:
    """How many pages the statements of ``shown`` fill in Telegram (at least one)."""
    return max(1, -(-len(shown.quotations) // per_page))


def statements_message(
    shown: Timeline | Answer,
    page: int = 0,
    per_page: int = QUOTES_PER_PAGE,
    limit: int = MESSAGE_LIMIT,
) -> str:
    """Page ``page`` (from 0) of a statement timeline: a ``/quotes`` reply, or an answer
    that is one.

    Its head (how many statements, or the answer), the page counter when there are
    several pages, then each statement: its day, the speaker, the words (in quotation
    marks when quoted directly), where it is reported and which other stories reported
    the same words. Long words are trimmed, then the other stories only counted, then
    the links left out, until the message fits ``limit``. A timeline without a speaker
    says how to ask; one without statements, that there are none.
    """
    quotes = shown.quotations
    if isinstance(shown, Timeline):
        head = escape(_timeline_head(quotes, shown.speaker, shown.about))
        if not quotes:
            return _fit_text(head, limit)
        head = f"🗣 {head}"
    else:
        head = _html_head(shown)
    pages = statement_pages(shown, per_page)
    page = min(max(page, 0), pages - 1)
    head = _fit_text(head, limit // 2)
    if pages > 1:
        head += f"\n<i>Page {page + 1} of {pages}</i>"
    chosen = quotes[page * per_page : (page + 1) * per_page]
    room = (limit - utf16_len(head)) // max(1, len(chosen))
    words = min(EXCERPT_CHARS, max(160, room - 300))
    also, with_links = ALSO_SHOWN, True
    while True:
        blocks = [_html_statement(q, words, also, with_links) for q in chosen]
        text = head + "\n\n" + "\n\n".join(blocks)
        if utf16_len(text) <= limit:
            return text
        # Trim the words to a sentence or two first; then the other stories and the links
        # go, before the words are cut further.
        if words > 160 or (words > 40 and not with_links):
            words = max(40, words * 3 // 4)
        elif also:
            also = 0
        elif with_links:
            with_links = False
        else:
            return _fit_text(text, limit)


def _link(url: str | None) -> str:
    """``<a href="…">link</a>`` for a :func:`web_url`, else ``""``."""
    url = web_url(url)
    return f'<a href="{escape(url)}">link</a>' if url else ""


def _html_source(article: Article, paragraph: int | None, with_link: bool) -> str:
    """``<i>Title</i>, ¶7, 2024-07-01, link``: where a statement is reported."""
    parts = [f"<i>{escape(detail(article.title, TITLE_CHARS))}</i>"]
    if paragraph is not None:
        parts.append(f"¶{paragraph + 1}")
    if article.date:
        parts.append(escape(detail(article.date, DATE_CHARS)))
    link = _link(article.url) if with_link else ""
    return ", ".join([*parts, link] if link else parts)


def _html_statement(quote: Quotation, words: int, also: int, with_links: bool) -> str:
    """One statement of a timeline: its words cut near ``words`` characters, and at most
    ``also`` of the other stories that reported them named (the rest counted)."""
    day = quote.published
    who = escape(detail(quotation_speaker(quote), SPEAKER_CHARS))
    said = highlighted(" ".join(quote.text.split()), (), words)
    if quote.kind == "direct":
        said = f"“{said}”"
    head = f"<b>{escape(long_date(day))} — {who}</b>" if day else f"<b>{who}</b>"
    lines = [f"{head}: {said}", _html_source(quote.article, quote.paragraph, with_links)]
    if quote.also:
        # Only the story's paragraph is known: the others are cited by title and day.
        named = [_html_source(article, None, with_links) for article in quote.also[:also]]
        rest = len(quote.also) - len(named)
        if rest:
            story = "story" if rest == 1 else "stories"
            named.append(f"{rest} other {story}" if not named else f"{rest} more")
        lines.append("<i>Also reported by</i> " + "; ".join(named))
    return "\n".join(lines)


def reply_message(reply: Answer | Refusal) -> str:
    """The message for what a chat session gave back: an answer, or a refusal."""
    return answer_message(reply) if isinstance(reply, Answer) else escape(refusal_text(reply))


_TAG = re.compile(r"<[^>]*>")


def _fit_text(markup: str, limit: int) -> str:
    """Markup made of escaped text and whole tags, shortened if over ``limit``."""
    if utf16_len(markup) <= limit:
        return markup
    # Only an answer sentence is ever this long: give up its marks and cut it as text.
    text = html.unescape(_TAG.sub("", markup))
    while utf16_len(escape(text)) + 1 > limit:
        text = text[: int(len(text) * 0.9)]
    return escape(text) + "…"


def passage_message(hit: Hit, limit: int = MESSAGE_LIMIT) -> str:
    """One whole passage with its article's details, for a citation button."""
    article = hit.article
    lines = [f"<b>{escape(detail(article.title, TITLE_CHARS))}</b>"]
    details = [f"passage {hit.position + 1}", paragraph_label(hit)]
    if article.date:
        details.append(escape(detail(article.date, DATE_CHARS)))
    if article.source:
        details.append(escape(detail(article.source, SOURCE_CHARS)))
    lines.append(" · ".join(details))
    url = web_url(article.url)
    if url:
        lines.append(f'<a href="{escape(url)}">{escape(url)}</a>')
    head = "\n".join(lines) + "\n\n"
    chars = limit - utf16_len(head) - 50
    while True:
        # Escaping and wide characters can make the markup longer than the text: shrink.
        text = head + highlighted(hit.text, hit.highlights, chars)
        if utf16_len(text) <= limit or chars < 50:
            return text
        chars = chars * 3 // 4


def inline_passage_message(hit: Hit, question: str, limit: int = MESSAGE_LIMIT) -> str:
    """A passage shared through inline mode, with the question it answered when it fits."""
    body = f"{passage_message(hit, limit)}\n\n<i>Asked: {escape(question)}</i>"
    return body if utf16_len(body) <= limit else passage_message(hit, limit)


def inline_description(hit: Hit, limit: int = 180) -> str:
    """Plain text preview of a passage for an inline result."""
    text = " ".join(hit.text.split())
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + "…"
