"""A fetched web page → its article: main text, title, date, author and site (the one owner of
trafilatura, which finds dates with htmldate).

A page that holds no article is refused with the reason: not HTML (a PDF, an image), a
login form, or too little main text (an index page, an error page served with 200).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from qabot.errors import MissingExtraError, NotAnArticleError
from qabot.fetch import Page

__all__ = ["HTML_TYPES", "Extracted", "extract", "require_extractor"]

log = logging.getLogger(__name__)

#: Content types that can hold an article page; ``""`` (none sent) is tried as HTML.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})
# trafilatura parses with lxml parsers shared module-wide, and an lxml parser must not be
# used by two threads at once (extracting in 8 threads crashed with "double free or
# corruption"). One extraction at a time per process; several processes for many pages.
_LXML = threading.Lock()
_PASSWORD_FIELD = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.I)
#: A page with a password field and less main text than this is a login wall.
_LOGIN_MAX_CHARS = 1000
#: A paragraph of fewer words is a heading, a link or a caption, not prose.
_PROSE_WORDS = 8


@dataclass(frozen=True)
class Extracted:
    """An article found on a page."""

    url: str
    title: str
    paragraphs: tuple[str, ...]
    #: ``YYYY-MM-DD`` when the page states it.
    date: str | None = None
    author: str | None = None
    #: The site's name (``og:site_name``…), else its host.
    source: str | None = None


_FEATURE = "extracting articles from web pages"


def require_extractor() -> None:
    """Raise :class:`MissingExtraError` now if trafilatura is not installed (before any fetch)."""
    if importlib.util.find_spec("trafilatura") is None:
        raise MissingExtraError(_FEATURE, "ingest", "trafilatura")


def extract(page: Page, min_chars: int = 200) -> Extracted:
    """The article on ``page``; raises :class:`~qabot.errors.NotAnArticleError` if none."""
    if page.content_type not in HTML_TYPES:
        raise NotAnArticleError(
            page.url, f"it is not a web page but {page.content_type}; only article pages are added"
        )
    html = page.text()
    if page.content_type == "" and "<" not in html[:1000]:
        raise NotAnArticleError(page.url, "it is not a web page (no HTML)")
    # Imported here: trafilatura takes a third of a second to import, and only adding needs it.
    try:
        import trafilatura
    except ImportError as exc:
        raise MissingExtraError.of(exc, _FEATURE, "ingest") from None

    # fast: trafilatura's own extractor without its readability/justext fallbacks; on the
    # article-extraction benchmark it scores higher (F1 0.967 vs 0.961 on aeb-dev) at twice
    # the speed (benchmarks/news_in.py extraction).
    with _LXML:
        document = trafilatura.bare_extraction(
            html, url=page.url, with_metadata=True, include_comments=False, fast=True
        )
    if document is None:
        raise NotAnArticleError(page.url, "no main text on the page: not an article")
    fields = document if isinstance(document, dict) else document.as_dict()
    text = str(fields.get("text") or "")
    title = " ".join(str(fields.get("title") or "").split())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [line for line in lines if line]
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]  # the headline repeated as the body's first line
    # Prose only: a list of headlines or menu entries is no article, however long.
    size = sum(len(p) for p in paragraphs if _words(p) >= _PROSE_WORDS)
    if _PASSWORD_FIELD.search(html) and size < _LOGIN_MAX_CHARS:
        raise NotAnArticleError(page.url, "the page asks for a login; no article to read")
    if size < min_chars:
        found = f"only {size} characters of prose" if size else "no main text"
        raise NotAnArticleError(
            page.url, f"{found} on the page: not an article (an index page, a form?)"
        )
    host = urlsplit(page.url).hostname or ""
    return Extracted(
        url=page.url,
        title=title or paragraphs[0][:120],
        paragraphs=tuple(paragraphs),
        date=_field(fields, "date"),
        author=_field(fields, "author"),
        source=_field(fields, "sitename") or host.removeprefix("www.") or None,
    )


def _words(paragraph: str) -> int:
    """Words in a paragraph; in a script written without spaces (Japanese, Chinese), a word
    is counted for every two characters."""
    spaced = len(paragraph.split())
    return spaced if spaced * 20 >= len(paragraph) else len(paragraph) // 2


def _field(fields: dict[str, Any], name: str) -> str | None:
    value = " ".join(str(fields.get(name) or "").split())
    return value or None
