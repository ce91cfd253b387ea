"""A question analysed once: its terms, their weights and statistics, and its shape.

Every later stage reads the one :class:`Query`: the index searches its bag of terms with
the statistics taken here, and the answer stage weighs passages and sentences with its
weights and picks candidates by its shape. Nothing is re-analysed downstream.

Terms are weighted by rarity (:func:`~qabot.index.bm25.rarity`). Words that frame a
question ("say", "tell") and the terms of an earlier question a follow-up is read with
are *optional*: they help rank, but a passage is never judged incomplete for lacking them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot import lexicon
from qabot.analysis import Analyzer, Token
from qabot.answering.shape import QuestionShape, analyze_question

if TYPE_CHECKING:  # the statistics come from the index; a Query never reaches into it
    from qabot.index import TermStats

__all__ = ["Query", "build_query"]


@dataclass(frozen=True)
class Query:
    """A question as every stage of answering it needs it."""

    #: The question as asked (whitespace folded, cut to the length limit).
    question: str
    #: The earlier question a follow-up is read with, if any.
    context: str | None
    #: The question's own index terms, in order, repeats kept.
    terms: tuple[str, ...]
    #: The context's index terms.
    context_terms: tuple[str, ...]
    #: The question's word for each of its terms (the first spelling), for messages.
    words: Mapping[str, str]
    #: Live statistics of every term, taken once from the index.
    stats: TermStats
    #: Rarity of each distinct term (question and context).
    weights: Mapping[str, float]
    #: Terms never counted as missing: framing words and context-only terms.
    optional: frozenset[str]
    #: Framing words ("say", "tell") among the terms: they never make a question specific.
    frame: frozenset[str]
    #: The kind of answer asked for.
    shape: QuestionShape
    #: How many words the question has at all (stopwords included).
    n_words: int = 0

    @property
    def bag(self) -> tuple[str, ...]:
        """The terms searched: a follow-up's own words count twice, so they lead."""
        if not self.context_terms:
            return self.terms
        return self.terms + self.terms + self.context_terms

    @property
    def unit(self) -> float:
        """The weight of a word found in a single passage: the unit of :meth:`specificity`."""
        return self.stats.rarity_of(1)

    def _required(self) -> dict[str, float]:
        # Optional terms neither count as missing nor make up for a missing required one;
        # a question of optional terms only is judged on all of them.
        required = {t: w for t, w in self.weights.items() if t not in self.optional}
        return required or dict(self.weights)

    def coverage(self, present: Collection[str]) -> float:
        """Share of the question's required weight found among ``present`` terms."""
        required = self._required()
        total = sum(required.values())
        got = sum(w for t, w in required.items() if t in present)
        return got / total if total > 0 else 0.0

    def specificity(self, present: Collection[str]) -> float:
        """How many rare words of the question (or its context) are among ``present``.

        A word found in a single passage of the corpus counts 1, a common word far less:
        "who is hiring?" scores low however well a passage matches it.
        """
        got = sum(w for t, w in self.weights.items() if t in present and t not in self.frame)
        unit = self.unit
        return got / unit if unit > 0 else 0.0

    def missing(self, present: Collection[str]) -> list[str]:
        """The question's words (as the user wrote them) whose terms are not ``present``."""
        return [
            self.words.get(t, t)
            for t in dict.fromkeys(self.terms)
            if t not in present and t not in self.optional
        ]


def _name_follows(question: str, tokens: Sequence[Token]) -> bool:
    return len(tokens) > 1 and question[tokens[1].start].isupper()


def build_query(
    question: str,
    analyzer: Analyzer,
    statistics: Callable[[Iterable[str]], TermStats],
    context: str | None = None,
) -> Query:
    """Analyse ``question`` (and the ``context`` it follows up) once.

    ``statistics`` gives the live statistics of terms (``Snapshot.statistics``); it is
    called once, for every term of the question and its context together.
    """
    words: dict[str, str] = {}
    terms = []
    tokens = analyzer.tokens(question)
    for n, token in enumerate(tokens):
        word = question[token.start : token.end]
        if n == 0 and analyzer.is_stopword(word.lower()) and not _name_follows(question, tokens):
            # "Will the Budget …?" asks; "Will Smith …?" names someone.
            continue
        if token.term:
            terms.append(token.term)
            words.setdefault(token.term, word)
    context_terms = tuple(analyzer.terms(context)) if context else ()
    distinct = tuple(dict.fromkeys((*terms, *context_terms)))
    stats = statistics(distinct)
    frame_terms = {analyzer.term(w) for w in lexicon.word_list("question_words_en.txt")}
    frame = frozenset(t for t in distinct if t in frame_terms)
    optional = frame | (frozenset(context_terms) - frozenset(terms))
    return Query(
        question=question,
        context=context,
        terms=tuple(terms),
        context_terms=context_terms,
        words=words,
        stats=stats,
        weights={t: stats.rarity(t) for t in distinct},
        optional=optional,
        frame=frame,
        shape=analyze_question(question, context),
        n_words=len(tokens),
    )
