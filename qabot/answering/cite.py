"""Citations: matches → ranked, highlighted hits, each passage text cited once.

:func:`hits_of` turns the index's matches into :class:`~qabot.values.Hit` values with the
question's words highlighted; :func:`distinct` keeps each passage text once (copies of an
article saved under two names give identical passages), citing the copy with the most
metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qabot.analysis import Analyzer, Token
from qabot.dates import day_number
from qabot.values import Article, Hit

if TYPE_CHECKING:
    from qabot.index import Match
    from qabot.query import Query

__all__ = ["distinct", "hits_of", "matched_words"]


def hits_of(
    matches: Sequence[Match],
    query: Query,
    analyzer: Analyzer,
    tokens: Sequence[Sequence[Token] | None] = (),
) -> list[Hit]:
    """Ranked, highlighted hits; ``tokens`` are the passages' tokens where already read."""
    wanted = frozenset(query.bag)
    hits = []
    for rank, match in enumerate(matches, 1):
        passage = match.passage
        known = tokens[rank - 1] if rank - 1 < len(tokens) else None
        words = known if known is not None else analyzer.find(passage.text, wanted)
        hits.append(
            Hit(
                article=match.article,
                position=passage.position,
                paragraphs=passage.paragraphs,
                text=passage.text,
                score=match.score,
                rank=rank,
                highlights=tuple((t.start, t.end) for t in words if t.term in wanted),
            )
        )
    return hits


def distinct(matches: Sequence[Match], order: Sequence[int]) -> list[int]:
    """``order`` with each passage text once, at its best rank, from the copy whose article
    has the most metadata (date, url, source), then the most recent; among equals, the first."""
    out: list[int] = []
    at: dict[str, int] = {}  # passage text → its place in ``out``
    for n in order:
        text = matches[n].passage.text
        if text not in at:
            at[text] = len(out)
            out.append(n)
        elif _metadata(matches[n].article) > _metadata(matches[out[at[text]]].article):
            out[at[text]] = n
    return out


def matched_words(hits: Sequence[Hit]) -> tuple[str, ...]:
    """The words highlighted in ``hits``, case-folded, each once, in order of appearance."""
    words: dict[str, None] = {}
    for hit in hits:
        for start, end in hit.highlights:
            words.setdefault(hit.text[start:end].casefold(), None)
    return tuple(words)


def _metadata(article: Article) -> tuple[int, int]:
    known = sum(bool(v) for v in (article.date, article.url, article.source))
    return known, day_number(article.published)
