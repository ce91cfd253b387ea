"""Pages → articles: main text and metadata found, pages that hold no article refused."""

from __future__ import annotations

import pytest
from support.web_server import BRIDGE, article_page

from qabot.errors import NotAnArticleError
from qabot.extract import extract
from qabot.fetch import Page

URL = "https://news.example.org/2024/06/12/tagus-bridge-reopens.html"


def page(body: bytes | str, content_type: str = "text/html", charset: str | None = None) -> Page:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Page(URL, 200, content_type, charset, data)


def test_the_article_and_its_metadata_are_found() -> None:
    article = extract(page(article_page("Tagus bridge reopens", BRIDGE)))
    assert article.title == "Tagus bridge reopens"
    assert article.paragraphs == tuple(BRIDGE)  # no navigation, headline or footer
    assert (article.date, article.author, article.source) == (
        "2024-06-12", "Ana Lopez", "The Lisbon Daily",
    )  # fmt: skip
    assert article.url == URL


def test_without_site_name_the_host_is_the_source() -> None:
    article = extract(page(article_page("Tagus bridge reopens", BRIDGE, site=None, date=None)))
    assert article.source == "news.example.org"


def test_a_latin1_page_declared_in_meta_reads_right() -> None:
    html = article_page("Café reopens in São Paulo", BRIDGE, charset="iso-8859-1")
    article = extract(page(html.encode("latin-1")))
    assert article.title == "Café reopens in São Paulo"


def test_a_pdf_is_not_an_article() -> None:
    with pytest.raises(NotAnArticleError, match="not a web page but application/pdf"):
        extract(page(b"%PDF-1.7 ...", "application/pdf"))


def test_a_login_form_is_not_an_article() -> None:
    html = (
        "<html><head><title>Sign in</title></head><body><h1>Subscribers only</h1>"
        "<p>Sign in to read this story.</p><form><input name=user>"
        "<input type=password name=pw><button>Sign in</button></form></body></html>"
    )
    with pytest.raises(NotAnArticleError, match="asks for a login"):
        extract(page(html))


def test_a_page_of_links_is_not_an_article() -> None:
    links = "".join(f'<li><a href="/story/{i}">Story number {i}</a></li>' for i in range(30))
    html = f"<html><head><title>World</title></head><body><ul>{links}</ul></body></html>"
    with pytest.raises(NotAnArticleError, match="not an article"):
        extract(page(html))


def test_a_page_in_a_script_without_spaces_is_an_article() -> None:
    first = "東京の新しい橋が火曜日に開通し、朝六時に最初のバスが渡った。" * 4
    second = "工事には十八か月かかり、費用は予定より二百万ユーロ少なかったと市長が述べた。" * 4
    article = extract(page(article_page("橋が開通", [first, second], charset="utf-8")))
    assert article.paragraphs == (first, second)
