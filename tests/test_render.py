"""The one renderer: the same answer reads alike in plain text, the terminal and Telegram.

Every form shows the short answer first and highlighted in its sentence, the unsure note,
the "I don't know." line and the citations; Telegram HTML is escaped, within 4096 UTF-16
units, and its tags are never cut.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qabot import render
from qabot.render import (
    MESSAGE_LIMIT,
    answer_message,
    highlighted,
    passage_message,
    utf16_len,
)
from qabot.values import Answer, Article, Hit, Quotation, Refusal, Timeline


class TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.ok = False


def balanced(markup: str) -> bool:
    parser = TagBalance()
    parser.feed(markup)
    parser.close()
    return parser.ok and not parser.stack


def hit(text: str, rank: int = 1, title: str = "T", spans: tuple[tuple[int, int], ...] = ()) -> Hit:
    article = Article("a", title, Path("a.txt"), date="2024-07-01", url="https://e.org/?a=1&b=2")
    return Hit(article, 0, (0, 1), text, 1.0, rank, spans)


def test_highlighted_escapes_and_bolds() -> None:
    text = "a <b> & Minsk 3"
    assert highlighted(text, [(8, 13)]) == "a &lt;b&gt; &amp; <b>Minsk</b> 3"
    assert highlighted("one two three four", [(8, 13)], limit=10) == "one two…"


def test_answer_message_with_hostile_text_is_balanced() -> None:
    hits = tuple(hit(f"<i>passage {i}</i> & more", i + 1, title="<b>x</b>") for i in range(5))
    answer = Answer("q <b>?", '<script>"quoted"</script>', hits, confidence=1.0, source=0)
    text = answer_message(answer)
    assert balanced(text)
    assert "&lt;script&gt;" in text and "&lt;b&gt;x&lt;/b&gt;" in text
    assert 'href="https://e.org/?a=1&amp;b=2"' in text
    assert "[3]" in text and "[4]" not in text
    more = answer_message(answer, start=3)
    assert (
        more.startswith("More passages for <i>q &lt;b&gt;?</i>") and "[4]" in more and "[5]" in more
    )


def test_everything_fits_the_limit() -> None:
    long = "é" * 3000 + " 😀" * 2000  # emoji count twice in UTF-16
    answer = Answer("q", long, tuple(hit(long, i + 1) for i in range(3)), confidence=1.0, source=0)
    for text in (answer_message(answer), passage_message(answer.passages[0])):
        assert utf16_len(text) <= MESSAGE_LIMIT and balanced(text)
    unsure = Answer("q", "maybe", (hit("maybe so"),), confidence=0.4, source=0, unsure=True)
    assert "not sure" in answer_message(unsure)
    none = Answer("q", "", (), reason="No article mentions: <x>.")
    assert answer_message(none) == "🤷 I don't know. No article mentions: &lt;x&gt;."
    assert answer_message(Answer("q", long, (), short="é" * 10, short_span=(0, 10)))


# -- one voice across the forms ---------------------------------------------------------------
SENTENCE = '"We cannot have Minsk 3," Stoltenberg concluded.'
#: The answer line starts with the day of the story it comes from (``hit`` is dated).
DAY = "1 July 2024 — "
SHORT = Answer(
    "What can NATO not have?",
    SENTENCE,
    (hit("Stoltenberg said: we cannot have Minsk 3.", 1, "Stoltenberg", ((34, 39),)),),
    confidence=0.9,
    source=0,
    short="Minsk 3",
    short_span=(16, 23),
)
UNSURE = Answer("q", "Maybe so.", (hit("Maybe so."),), confidence=0.3, source=0, unsure=True)
UNKNOWN = Answer("q", "", (hit("close"),), reason="No passage says so.")
ANSI_BOLD = "\033[1m"
ANSI = re.compile(r"\033\[[0-9;]*m")


def forms(answer: Answer) -> dict[str, str]:
    return {
        "plain": render.plain(answer),
        "str": str(answer),
        "terminal": render.terminal(answer, color=False),
        "ansi": render.terminal(answer, color=True),
        "html": html.unescape(answer_message(answer)),
    }


def test_the_short_answer_comes_first_and_is_highlighted_in_its_sentence() -> None:
    assert SENTENCE[16:23] == "Minsk 3"
    shown = forms(SHORT)
    assert shown["plain"].splitlines()[:2] == ["Minsk 3", DAY + SENTENCE]
    assert shown["str"] == shown["plain"]
    assert shown["terminal"].splitlines()[:2] == ["Minsk 3", DAY + SENTENCE]
    first, second = shown["ansi"].splitlines()[:2]
    assert first == f"{ANSI_BOLD}Minsk 3\033[0m"
    assert second == f'{DAY}"We cannot have {ANSI_BOLD}Minsk 3\033[0m," Stoltenberg concluded.'
    head = answer_message(SHORT).split("\n\n")[0]
    assert head == (
        f"💬 <b>Minsk 3</b>\n{DAY}&quot;We cannot have <b>Minsk 3</b>,&quot; Stoltenberg concluded."
    )


def test_a_short_span_that_does_not_fit_is_found_by_its_words() -> None:
    from dataclasses import replace

    moved = replace(SHORT, short_span=(0, 3))
    assert render.short_spans(moved) == ((16, 23),)
    assert render.short_spans(replace(SHORT, short="Minsk 4")) == ()
    assert render.short_spans(replace(SHORT, short="", short_span=None)) == ()


@pytest.mark.parametrize("form", ["plain", "str", "terminal", "ansi", "html"])
def test_every_form_says_when_it_is_unsure_and_when_it_does_not_know(form: str) -> None:
    unsure = ANSI.sub("", forms(UNSURE)[form])
    assert "I'm not sure about this one" in unsure and "Sources" in unsure
    unknown = ANSI.sub("", forms(UNKNOWN)[form])
    assert "I don't know. No passage says so." in unknown
    assert "Closest passages" in unknown and "Sources" not in unknown
    assert "not sure" not in unknown


def test_plain_and_terminal_cite_alike_and_the_terminal_shows_excerpts() -> None:
    answer = Answer("q", "A.", (hit("one two three four " * 40, 1),), source=0)
    plain = render.plain(answer)
    assert plain == f"{DAY}A.\n\nSources:\n[1] T, ¶1–2, 2024-07-01, https://e.org/?a=1&b=2"
    terminal = render.terminal(answer, color=False, excerpt_chars=20)
    assert terminal.startswith(plain) and terminal.endswith("\n    one two three four…")
    assert answer.passages[0].citation in plain


def test_refusals_are_polite_in_every_form() -> None:
    empty, long = Refusal(0, 300), Refusal(5000, 300)
    assert (
        str(empty)
        == render.plain(empty)
        == "Ask me a question in words, for example: what did NATO decide?"
    )
    assert "too long for a question (5000 characters)" in render.terminal(long, color=True)
    assert render.reply_message(long) == render.escape(str(long))


def test_a_short_answer_that_is_most_of_the_sentence_is_not_repeated_above_it() -> None:
    quote = '"We cannot have Minsk 3," he said.'
    long = Answer("q", quote, (), short='"We cannot have Minsk 3,"', short_span=(0, 25))
    assert not render.leads_with_short(long)
    assert render.plain(long).splitlines()[0] == quote
    short = Answer(
        "q", "Talks ended on Monday in Vilnius.", (), short="Monday", short_span=(15, 21)
    )
    assert render.leads_with_short(short)
    assert render.plain(short).splitlines()[:2] == ["Monday", short.text]


def test_the_terminal_does_not_print_the_answer_twice() -> None:
    alone = Answer("q", "We cannot have Minsk 3.", (hit("We cannot have Minsk 3."),), source=0)
    assert render.terminal(alone, color=False).endswith(
        "Sources:\n[1] T, ¶1–2, 2024-07-01, https://e.org/?a=1&b=2"
    )
    text = "Talks began in May. We cannot have Minsk 3. He left for Vilnius."
    vilnius = (text.index("Vilnius"), text.index("Vilnius") + 7)
    minsk = (text.index("Minsk"), text.index("Minsk") + 5)
    spans = ((0, 5), minsk, vilnius)
    answer = Answer("q", "We cannot have Minsk 3.", (hit(text, spans=spans),), source=0)
    shown = render.terminal(answer, color=False)
    assert shown.count("We cannot have Minsk 3.") == 1
    assert shown.endswith("\n    Talks began in May. […] He left for Vilnius.")
    # The highlights move with the text around the answer.
    ansi = render.terminal(answer, color=True)
    assert f"{ANSI_BOLD}Talks\033[0m" in ansi and f"{ANSI_BOLD}Vilnius\033[0m" in ansi


def test_an_answer_of_sentences_apart_is_not_printed_twice_either() -> None:
    text = "Talks began in May. We cannot have Minsk 3. He left. Vilnius hosts the summit."
    vilnius = (text.index("Vilnius"), text.index("Vilnius") + 7)
    joined = "Talks began in May. … Vilnius hosts the summit."
    answer = Answer("q", joined, (hit(text, spans=((0, 5), vilnius)),), source=0)
    shown = render.terminal(answer, color=False)
    assert shown.count("Talks began") == 1 and shown.count("Vilnius hosts") == 1
    assert shown.endswith("\n    […] We cannot have Minsk 3. He left. […]")
    lead = Answer("q", "We cannot have Minsk 3.", (hit(text, spans=(vilnius,)),), source=0)
    ansi = render.terminal(lead, color=True)
    assert ansi.endswith(
        f"Talks began in May. […] He left. {ANSI_BOLD}Vilnius\033[0m hosts the summit."
    )


def test_terminal_excerpts_start_at_the_sentence_of_the_hit() -> None:
    text = "Filler words here. " * 30 + "The Katla volcano erupted on Monday. More filler follows."
    at = text.index("Katla")
    answer = Answer("q", "", (hit(text, spans=((at, at + 5),)),), reason="Not sure.")
    shown = render.terminal(answer, color=False, excerpt_chars=80)
    assert shown.endswith("\n    …The Katla volcano erupted on Monday. More filler follows.")
    ansi = render.terminal(answer, color=True, excerpt_chars=80)
    assert f"…The {ANSI_BOLD}Katla\033[0m volcano" in ansi


def test_the_terminal_can_show_fewer_passages_and_all_in_full() -> None:
    hits = tuple(hit(f"Passage {n}. " + "word " * 200, n) for n in range(1, 6))
    answer = Answer("q", "", hits, reason="No passage says so.")
    shown = render.terminal(answer, color=False, passages=3, excerpt_chars=50)
    assert "[3] T" in shown and "[4] T" not in shown
    full = render.terminal_passages(answer, color=False)
    assert "[5] T" in full and full.count("word " * 200) == 5


def test_terminal_sources_are_paged() -> None:
    articles = [Article(f"{n}.txt", f"Story {n}", Path()) for n in range(1, 8)]
    page = render.sources_text(articles, 2, 3)
    assert page.splitlines() == [
        "Articles, 4–6 of 7:", "- Story 4 (4.txt)", "- Story 5 (5.txt)", "- Story 6 (6.txt)",
        "/sources 3 for the next page (of 3), /sources WORD to find titles.",
    ]  # fmt: skip
    assert render.sources_text(articles[:1], 9, 3, "story").splitlines()[0] == (
        "Articles matching 'story', 1–1 of 1:"
    )
    assert render.sources_text([], 1, 3) == render.NO_ARTICLES


def test_an_answer_from_a_dated_story_says_when_in_every_form() -> None:
    def story(day: str | None) -> Answer:
        article = Article("a", "Vote", Path("a.md"), date=day)
        cited = Hit(article, 0, (0, 0), "The council voted for the tram.", 2.0, 1)
        return Answer("q", "The council voted for the tram.", (cited,), source=0)

    dated = story("2024-06-12T08:30:00Z")
    assert render.dateline(dated) == "12 June 2024 — "
    for form, text in forms(dated).items():
        line = ANSI.sub("", text).splitlines()[0].removeprefix("💬 ")
        assert line == "12 June 2024 — The council voted for the tram.", form
    # The citation shows the date as the article wrote it.
    assert "[1] Vote, ¶1, 2024-06-12T08:30:00Z" in render.plain(dated)
    for day in (None, "12/06/2024", "last week"):  # unknown: no dateline
        assert render.plain(story(day)).startswith("The council voted"), day
    # A "don't know" says no date, whatever the closest passage's.
    assert render.dateline(UNKNOWN) == "" and UNKNOWN.published is None


def test_a_refused_filter_says_what_to_write() -> None:
    refusal = Refusal(20, 300, problem="since: 'soon' is not a date (use YYYY-MM-DD)")
    text = render.plain(refusal)
    assert text.startswith("Sorry, I could not use that filter: since: 'soon' is not a date")
    assert "since:2024-05-01 until:2024-06-30 source:BBC" in text
    assert render.reply_message(refusal) == render.escape(text)


# -- statement timelines in Telegram ----------------------------------------------------------
def said(
    words: str,
    day: str | None = "2024-06-12",
    *,
    url: str | None = "https://e.org/?a=1&b=2",
    title: str = "Talks",
    kind: str = "direct",
    also: tuple[Article, ...] = (),
) -> Quotation:
    article = Article(title, title, Path("a.md"), date=day, url=url)
    return Quotation(words, "Jens Stoltenberg", "he", "said", kind, words, article, 6, 2, also)


def test_a_timeline_page_in_telegram_html() -> None:
    copies = tuple(
        Article(f"c{n}", f"Copy <{n}>", Path(), date="2024-06-13", url=f"https://c{n}.org/")
        for n in range(5)
    )
    quotes = (
        said("We cannot have <Minsk> 3 & more", also=copies),
        said("talks must wait", "2024-06-20", kind="reported", url="javascript:alert(1)"),
        *(said(f"statement {n}", "2024-07-01", url="ftp://e.org/x") for n in range(6)),
        said("no day known", None, url=None),
    )
    timeline = Timeline("Stoltenberg", "<Minsk>", quotes)
    first = render.statements_message(timeline)
    assert balanced(first) and render.statement_pages(timeline) == 2
    assert first.split("\n\n")[:3] == [
        "🗣 Stoltenberg about &lt;Minsk&gt;: 9 statements, oldest first.\n<i>Page 1 of 2</i>",
        "<b>12 June 2024 — Jens Stoltenberg</b>: “We cannot have &lt;Minsk&gt; 3 &amp; more”\n"
        '<i>Talks</i>, ¶7, 2024-06-12, <a href="https://e.org/?a=1&amp;b=2">link</a>\n'
        "<i>Also reported by</i> <i>Copy &lt;0&gt;</i>, 2024-06-13, "
        '<a href="https://c0.org/">link</a>; <i>Copy &lt;1&gt;</i>, 2024-06-13, '
        '<a href="https://c1.org/">link</a>; <i>Copy &lt;2&gt;</i>, 2024-06-13, '
        '<a href="https://c2.org/">link</a>; 2 more',
        # Reported speech without quotation marks; no link but to http(s).
        "<b>20 June 2024 — Jens Stoltenberg</b>: talks must wait\n<i>Talks</i>, ¶7, 2024-06-20",
    ]
    assert first.count("<b>") == 5 and "statement 3" not in first
    last = render.statements_message(timeline, 1)
    assert "<i>Page 2 of 2</i>" in last and "statement 2" not in last and "ftp:" not in last
    assert last.endswith("\n\n<b>Jens Stoltenberg</b>: “no day known”\n<i>Talks</i>, ¶7")
    assert render.statements_message(timeline, 7) == last  # past the end: the last page
    one = Timeline("Stoltenberg", "", quotes[:1])
    assert "Page" not in render.statements_message(one) and render.statement_pages(one) == 1


def test_a_contested_statement_shows_its_verb_in_every_timeline() -> None:
    article = Article("Drama", "Drama", Path("a.md"), date="2005-01-12")
    denied = Quotation(
        "the programme breached broadcasting guidelines", "Sky", "Sky", "denied", "reported",
        "But Sky denied the programme breached broadcasting guidelines.", article, 1, 1,
    )  # fmt: skip
    # Without the verb the words would read as Sky's own.
    assert render.quotation_text(denied).startswith(
        "12 January 2005 — Sky denied: the programme breached broadcasting guidelines"
    )
    page = render.statements_message(Timeline("Sky", "", (denied,)))
    assert "<b>12 January 2005 — Sky denied</b>: the programme breached" in page
    said_so = replace(denied, verb="said")
    assert render.quotation_text(said_so).startswith("12 January 2005 — Sky: the programme")


def test_a_timeline_without_statements_says_how_to_ask_or_that_there_are_none() -> None:
    assert render.statements_message(Timeline("", "", ())) == render.escape(render.QUOTES_USAGE)
    assert render.statements_message(Timeline("<b>X</b>", "Y & Z", ())) == (
        "No quotation of &lt;b&gt;X&lt;/b&gt; about Y &amp; Z in the indexed articles."
    )
    # The same words as the plain timeline.
    assert html.unescape(render.statements_message(Timeline("<b>X</b>", "Y & Z", ()))) == (
        render.timeline_text((), "<b>X</b>", "Y & Z")
    )


def test_a_long_timeline_fits_the_limit_without_cutting_a_tag() -> None:
    long = "é & <b> " * 700 + " 😀" * 500
    url = "https://e.org/" + "&" * 480
    copy = Article("c", "A copy & more " * 10, Path(), date="2024-06-13", url=url)
    quotes = (said(long, title="Talks & more " * 10, url=url, also=(copy,) * 40),) * 12
    for page in range(3):
        text = render.statements_message(Timeline("S", "x" * 900, quotes), page)
        assert utf16_len(text) <= MESSAGE_LIMIT and balanced(text)
        assert text.count("Jens Stoltenberg</b>: “é &amp; &lt;b&gt;") == (5 if page < 2 else 2)
        assert "…”" in text  # the words trimmed, the quotation marks kept
        # The other stories are counted before the words are cut short.
        assert "<i>Also reported by</i> 40 other stories" in text
    # Past all trimming (200-character titles of markup, a 900-character topic): the text
    # without its marks, cut, but never over the limit nor broken markup.
    huge = Article("h", "<t> & " * 100, Path(), date="d" * 500, url=url)
    worst = (said(long, title="<t> & " * 100, url=url, also=(huge,) * 40),) * 12
    text = render.statements_message(Timeline("S", "x" * 900, worst))
    assert utf16_len(text) <= MESSAGE_LIMIT and balanced(text)
    assert html.unescape(text).startswith("🗣 S about xxx")


def test_an_answer_that_is_a_timeline_shows_its_statements() -> None:
    quotes = tuple(said(f"statement {n}", f"2024-06-{n + 1:02d}") for n in range(7))
    answer = Answer(
        "What has Stoltenberg said over time?",
        "Jens Stoltenberg: 7 statements, 2024-06-01 to 2024-06-07, oldest first.",
        (),
        confidence=1.0,
        quotations=quotes,
    )
    text = answer_message(answer)
    assert text == render.statements_message(answer) == render.reply_message(answer)
    assert text.startswith(
        "💬 Jens Stoltenberg: 7 statements, 2024-06-01 to 2024-06-07, oldest first.\n"
        "<i>Page 1 of 2</i>\n\n<b>1 June 2024 — Jens Stoltenberg</b>: “statement 0”"
    )
    assert "statement 4" in text and "statement 5" not in text
    second = render.statements_message(answer, 1)
    assert second.startswith("💬 Jens Stoltenberg: 7 statements") and "statement 6" in second


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.org/a?b=1&c=2", True),
        ("HTTP://EXAMPLE.ORG/", True),
        ("javascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("tg://resolve?domain=somebot", False),
        ("vbscript:msgbox", False),
        ("https://", False),
        ("https:///etc/passwd", False),
        ("https://exa mple.org/", False),
        ("https://example.org/\x00", False),
        ("https://example.org/" + "x" * 600, False),
        (" https://example.org/", False),
    ],
)
def test_only_http_urls_are_links(url: str, link: bool) -> None:
    assert (render.web_url(url) == url) is link
    if not link:
        assert render.web_url(url) is None


# -- terminal escape sequences in article files -----------------------------------------------
#: Retitles the terminal window (OSC … BEL), then clears the screen (CSI 2J).
HOSTILE = "Zebras escaped\x1b]0;pwned\x07 from the zoo\x1b[2J on Sunday\x9b31m, keepers said."
#: Control characters an article may hold that a terminal acts upon; not newline or tab.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown_raw(text: str) -> list[str]:
    """The control characters in ``text`` that are not this module's own bold and dim."""
    return CONTROLS.findall(ANSI.sub("", text))


def test_control_characters_of_an_article_are_made_visible_in_the_terminal() -> None:
    spans = ((0, 6),)
    title = "Zoo\x1b[2J news\x07"
    hostile = Hit(
        Article("a\x1b", title, Path("a.txt"), date="2024-07-01\x1b[1A", url="https://e.org/\x1b"),
        0, (0, 0), HOSTILE, 1.0, 1, spans,
    )  # fmt: skip
    answer = Answer(
        "zebras?\x1b[5m", HOSTILE, (hostile,), source=0, short="Zebras", short_span=(0, 6)
    )
    quote = said(HOSTILE, title="Talks\x1b]0;x\x07")
    terminal_forms = {name: text for name, text in forms(answer).items() if name != "html"}
    texts = [
        *terminal_forms.values(),
        render.terminal(answer, color=True, excerpt_chars=20),
        render.terminal_passages(answer, color=True),
        render.terminal_passages(answer, color=False),
        render.sources_text([hostile.article], 1, 10, "zoo\x1b[2J"),
        render.timeline_text([quote], "Jens\x1b[2J", "zoo\x07"),
        str(quote),
        str(hostile),
        str(Refusal(1, 1000, problem="source: \x1b[2J")),
    ]
    for text in texts:
        assert shown_raw(text) == [], text
    ansi = render.terminal(answer, color=True)
    # Shown, one visible character for each control character; the highlights still fit.
    assert " escaped␛]0;pwned␇ from the zoo␛[2J on Sunday�31m" in ansi
    assert f"{ANSI_BOLD}Zebras{render._RESET} escaped␛]0;pwned␇" in ansi
    assert "Zoo␛[2J news␇" in render.plain(answer)
    assert render.visible("a\tb\nc\x00\x1b\x7f\x85") == "a\tb\nc␀␛␡�"


@pytest.mark.slow
def test_qabot_ask_and_chat_print_no_escape_sequence_of_an_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "zoo.txt").write_text(f"Zebras on the loose\x1b[2J\n\n{HOSTILE}\n", encoding="utf-8")
    where = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    qabot = [sys.executable, "-m", "qabot"]
    asked = subprocess.run(
        [*qabot, "ask", "where did the zebras escape from?", *where],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    chat = subprocess.run(
        [*qabot, "chat", *where],
        input="where did the zebras escape from?\n/more\n/sources\n/sources zoo\n",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    for done in (asked, chat):
        assert done.returncode == 0, done.stderr
        assert "from the zoo␛[2J on Sunday" in done.stdout
        assert shown_raw(done.stdout) == [], done.stdout
    assert "Zebras on the loose␛[2J" in chat.stdout
