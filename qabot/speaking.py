"""Whose words a question asks for: the quotations of the speaker it names.

A question names its speaker as a reader would: by name ("Stoltenberg"), by name and
employer ("Sung Won Sohn of Wells Fargo"), by office and owner ("Bolton's manager",
"ITV's controller of entertainment"), or with words the story does not use ("the
Scottish Executive spokeswoman" for its "executive spokeswoman"). The index finds a
speaker's quotations by the words of their name, of how the story wrote them and of the
office it gave them (:meth:`qabot.index.Reader.quotations`); this module tries those
ways in turn, most precise first, and keeps a looser way to the stories the question's
search found, so that "manager" is Bolton's manager, not every manager quoted.
"""

from __future__ import annotations

from collections.abc import Sequence

from qabot.analysis import Analyzer
from qabot.answering.quoted import named_after, speaker_names
from qabot.filters import Filters
from qabot.index import Match, Reader, speaker_words
from qabot.values import Quotation

__all__ = ["quotations_asked", "quotations_named"]


def quotations_named(reader: Reader, speaker: Sequence[str], filters: Filters) -> list[Quotation]:
    """The quotations of the speaker the question names, in the whole corpus (a statement
    timeline's): by the first of their names that finds any."""
    return _first_found(reader, speaker_names(speaker), filters)[0]


def quotations_asked(
    reader: Reader,
    speaker: Sequence[str],
    filters: Filters,
    matches: Sequence[Match],
    analyzer: Analyzer,
) -> tuple[list[Quotation], bool]:
    """The quotations of the speaker a question names, for a question whose search found
    ``matches``, and whether that speaker is quoted in articles the search did not find
    (then "No quotation of X about Y" is the honest answer, not someone else's words)."""
    found, elsewhere = _first_found(reader, speaker_names(speaker), filters, matches, analyzer)
    if not found:
        # Named by office ("ITV's controller of entertainment"): whom the passages found
        # call so.
        texts = [m.passage.text for m in matches]
        found, _ = _first_found(reader, named_after(speaker, texts), filters)
    if not found:
        # "the Scottish Executive spokeswoman" where the article has "an executive
        # spokeswoman": one word fewer, in the articles found holding that word. (Never the
        # last word, the noun that says who: not "Air China" for "Air China's management".)
        full = [w for w in speaker if speaker_words(w)]
        fewer = [" ".join(full[:n] + full[n + 1 :]) for n in range(len(full) - 1)]
        found, _ = _first_found(
            reader, fewer if len(full) > 2 else [], filters, matches, analyzer,
            speaker_words(" ".join(full)),
        )  # fmt: skip
    return found + _by_first_name(reader, speaker, filters, matches, found, analyzer), elsewhere


def _first_found(
    reader: Reader,
    names: Sequence[str],
    filters: Filters,
    matches: Sequence[Match] | None = None,
    analyzer: Analyzer | None = None,
    named: frozenset[str] | None = None,
) -> tuple[list[Quotation], bool]:
    """The quotations of the first of ``names`` that finds any, and whether some name
    found quotations that the articles found do not hold.

    With ``matches`` (the passages a question found), a name shorter than the speaker's
    words ``named`` (the first name's by default) — "manager" of "Bolton's manager" — finds
    only quotations in the articles found that hold the words it left out: not every
    manager's words, but Bolton's.
    """
    first = named if named is not None else speaker_words(names[0]) if names else frozenset()
    elsewhere = False
    for name in names:
        words = speaker_words(name)
        quotes = reader.quotations(words, filters) if words else []
        left_out = [t for w in sorted(first - words) if (t := analyzer.term(w))] if analyzer else []
        if quotes and matches is not None and left_out:
            holding = _holding(matches, left_out)
            elsewhere = True
            quotes = [q for q in quotes if q.article.id in holding]
        if quotes:
            return quotes, elsewhere
    return [], elsewhere


def _by_first_name(
    reader: Reader,
    speaker: Sequence[str],
    filters: Filters,
    matches: Sequence[Match],
    found: Sequence[Quotation],
    analyzer: Analyzer,
) -> list[Quotation]:
    """The quotations of a story that calls "Serena Williams" (so named in the question)
    "Serena" throughout, her sister being "Venus": those of the first name alone, in the
    articles found that hold the whole name and were not found by it."""
    if not 2 <= len(speaker) <= 3 or not all(w[:1].isupper() for w in speaker):
        return []
    terms = [t for w in speaker if (t := analyzer.term(w))]
    holding = _holding(matches, terms) - {q.article.id for q in found}
    first = speaker_words(speaker[0])
    if not holding or not first:
        return []
    return [
        q
        for q in reader.quotations(first, filters)
        if q.article.id in holding and speaker_words(q.speaker) == first
    ]


def _holding(matches: Sequence[Match], terms: Sequence[str]) -> set[str]:
    """The ids of the articles found that hold every one of ``terms``."""
    return {m.article.id for m in matches if all(t in m.article_terms for t in terms)}
