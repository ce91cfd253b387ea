"""Telegram message text: escaped, highlighted, within 4096 UTF-16 units, tags never cut."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from qabot.telegram_format import (
    MESSAGE_LIMIT,
    answer_message,
    highlighted,
    passage_message,
    sources_message,
    utf16_len,
)
from qabot.values import Answer, Article, Hit


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


def test_sources_pages() -> None:
    articles = [Article(str(i), f"Title {i} <&>", Path(f"{i}.txt")) for i in range(23)]
    first, pages = sources_message(articles, 0)
    assert pages == 3 and "1. Title 0 &lt;&amp;&gt;" in first and "11." not in first
    last, _ = sources_message(articles, 99)
    assert "page 3 of 3" in last and "23. Title 22" in last
    assert sources_message([], 0) == ("No articles are indexed yet.", 1)
