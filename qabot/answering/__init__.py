"""Answering: the index's matches for a question → the :class:`~qabot.values.Answer`.

Modules, bottom up::

    shape   question → what kind of answer it asks for (QuestionShape)
    spans   sentence → typed spans: names, places, times, numbers, quotations, reasons …
            (the only recogniser of these; built from qabot.lexicon's word lists)
    short   spans → the candidates a question takes, whether a sentence offers the kind
            asked for, and the hand-written choice
    rank    the learned choice of the short answer: options, features, shipped weights
    choose  passages → the answering sentence(s), or the decision not to answer
    cite    matches → ranked, highlighted hits

:func:`compose` ties them together. ``shape`` and ``spans`` read only text: nothing in
this package imports the index at run time (matches are read through their fields), so
the indexer may read text with ``spans`` too without an import circle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qabot.analysis import Analyzer, Token
from qabot.answering.choose import choose_answer, read
from qabot.answering.cite import distinct, hits_of, matched_words
from qabot.answering.rank import Ranker
from qabot.config import AnswerSettings
from qabot.filters import Filters
from qabot.values import Answer

if TYPE_CHECKING:
    from qabot.index import Match
    from qabot.query import Query

__all__ = ["compose", "hits_of"]


def compose(
    query: Query,
    matches: Sequence[Match],
    k: int,
    analyzer: Analyzer,
    settings: AnswerSettings,
    filters: Filters | None = None,
    *,
    ranker: Ranker | None = None,
) -> Answer:
    """The answer to ``query`` from its ranked ``matches``, citing at most ``k`` passages.

    ``filters`` are those the matches were found with, named when nothing was found;
    ``ranker`` chooses the short answer (see :mod:`qabot.answering.short`).
    """
    if not matches:
        words = ", ".join(dict.fromkeys(query.words.values()))
        within = f" within {filters}" if filters else ""
        return Answer(
            query.question, "", (), query.terms, reason=f"No article{within} mentions: {words}."
        )
    reads = [read(m, query, analyzer) for m in matches[: settings.candidate_passages]]
    choice = choose_answer(query, reads, settings, ranker)
    order = list(range(len(matches)))
    if choice.best:
        # The passage the answer comes from is cited first: it is what the reader checks.
        order.insert(0, order.pop(choice.best))
    order = distinct(matches, order)
    tokens = {n: r.tokens for n, r in enumerate(reads)}
    # Beside the answer's own passage, only passages on the question: a passage sharing
    # one common word with it ("Tuesday") is no source for it.
    order = order[:1] + [
        n for n in order[1:] if _on_question(matches[n], tokens.get(n), query, analyzer)
    ]
    hits = hits_of([matches[n] for n in order[:k]], query, analyzer, [tokens.get(n) for n in order])
    # With k = 0 no passage is cited, so the answer points at none.
    source = 0 if choice.source is not None and k > 0 else None
    return Answer(
        question=query.question,
        text=choice.text,
        passages=tuple(hits),
        terms=query.terms,
        matched_words=matched_words(hits[: max(1, k)]),
        confidence=choice.confidence,
        source=source,
        reason=choice.reason,
        unsure=bool(choice.text) and choice.unsure,
        short=choice.short,
        short_span=(choice.short_start, choice.short_start + len(choice.short))
        if choice.short
        else None,
    )


#: A cited passage holds two of the question's terms, half of them, or this share of its
#: weight.
_ON_QUESTION = 0.25


def _on_question(
    match: Match, tokens: Sequence[Token] | None, query: Query, analyzer: Analyzer
) -> bool:
    """Whether a passage holds enough of the question to be cited beside the answer's."""
    wanted = frozenset(query.bag)
    found = tokens if tokens is not None else analyzer.find(match.passage.text, wanted)
    held = {t.term for t in found if t.term in wanted}
    if len(held) >= 2 or 2 * len(held) >= len(query.weights):
        return True
    total = sum(query.weights.values())
    return bool(total) and sum(query.weights.get(t, 0.0) for t in held) >= _ON_QUESTION * total
