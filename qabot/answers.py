"""Ranked passages → the answering sentence(s), highlights, and the decision not to answer.

A question's terms are weighted by rarity (``log((N + 1) / (df + 0.5))``, positive even
for unseen terms). The answer comes from the best sentence of the top passages: the one
covering most of the question's weight, with a preference for quotations when the question
asks what someone said. When the top passage covers less than ``min_coverage`` of the
weight, qabot says it does not know rather than cite a weak match.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qabot.analysis import Analyzer
from qabot.config import AnswerSettings
from qabot.questions import analyze_question, offers
from qabot.values import Hit

__all__ = ["Choice", "QuestionTerms", "choose_answer", "highlight_spans", "weigh_question"]

# A sentence starting with one of these words leans on the sentence before it.
_REFERS_BACK = re.compile(r"(?:He|She|They|It|This|These|Those|His|Her|Their|Its)\b")
_QUOTES = '"“”«»„'
_OPENING = "“«„"
_CLOSING = "”»"


@cache
def _question_words() -> frozenset[str]:
    text = resources.files("qabot").joinpath("data", "question_words_en.txt").read_text("utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@dataclass(frozen=True)
class QuestionTerms:
    """The distinct terms of a question with their weights."""

    weights: Mapping[str, float]
    #: Terms that frame the question ("say", "tell"): never counted as missing.
    optional: frozenset[str]
    #: The weight of a word found in a single passage: the unit of :meth:`specificity`.
    unit: float = 1.0
    #: Words that frame the question ("say", "tell"), a subset of ``optional``.
    frame: frozenset[str] = frozenset()

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
        return got / self.unit if self.unit > 0 else 0.0


def weigh_question(
    terms: Sequence[str],
    analyzer: Analyzer,
    n_passages: int,
    df: Mapping[str, int],
    context: Sequence[str] = (),
) -> QuestionTerms:
    """Weights of the question's distinct terms from their document frequencies.

    Terms of ``context`` (an earlier question) are weighed too, but never required.
    """
    frame = frozenset(t for t in (analyzer.term(w) for w in _question_words()) if t)
    weights = {
        t: math.log((n_passages + 1) / (df.get(t, 0) + 0.5))
        for t in dict.fromkeys((*terms, *context))
    }
    framing = frozenset(frame & set(weights))
    optional = framing | (set(context) - set(terms))
    unit = math.log((n_passages + 1) / 1.5)
    return QuestionTerms(weights, frozenset(optional), unit, framing)


@dataclass(frozen=True)
class Choice:
    """The chosen answer: its text, which hit it came from, and how sure qabot is."""

    text: str
    source: int | None
    confidence: float
    reason: str = ""
    #: The hit holding the best sentence, even when it is not good enough to answer:
    #: the passage to cite first.
    best: int | None = None
    #: An answer is given, but it covers the question only in part or in common words.
    unsure: bool = False


def highlight_spans(text: str, terms: set[str], analyzer: Analyzer) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of ``text`` whose term is one of ``terms``."""
    return tuple(analyzer.spans(text, terms))


def choose_answer(
    question: str,
    question_terms: QuestionTerms,
    hits: Sequence[Hit],
    analyzer: Analyzer,
    settings: AnswerSettings,
    evidence: Callable[[Hit], Collection[str]] | None = None,
) -> Choice:
    """Pick the answering sentence(s) from the top hits, or decide not to answer.

    The decision weighs the passage the best sentence comes from and, through
    ``evidence`` (the question terms found anywhere in a hit's article), its article: a
    story that holds every word of the question, if not all in one passage, is judged
    as a whole.
    """
    if not hits:
        return Choice("", None, 0.0, "No article mentions the words of your question.")
    best = _best_sentence(question, question_terms, hits, analyzer, settings)
    lead = best[1] if best is not None else None
    cited = hits[lead or 0]
    found = set(analyzer.terms(cited.text)) | set(evidence(cited) if evidence else ())
    confidence = question_terms.coverage(found)
    specificity = question_terms.specificity(found)
    if confidence < settings.min_coverage:
        missing = [
            t for t in question_terms.weights if t not in found and t not in question_terms.optional
        ]
        return Choice(
            "",
            None,
            confidence,
            "The closest passages match only part of your question"
            + (f" (nothing on: {', '.join(missing[:4])})." if missing else "."),
            lead,
        )
    if specificity < settings.min_specificity:
        return Choice(
            "",
            None,
            confidence,
            "Your question is too general for me to be sure; name who or what it is about.",
            lead,
        )
    if best is None:
        return Choice("", None, confidence, "No sentence of the closest passages fits.")
    _, h, s, sentences = best
    unsure = confidence < settings.sure_coverage or specificity < settings.sure_specificity
    text = _answer_text(sentences, s, settings.max_sentences)
    return Choice(text, h, confidence, best=h, unsure=unsure)


def _best_sentence(
    question: str,
    question_terms: QuestionTerms,
    hits: Sequence[Hit],
    analyzer: Analyzer,
    settings: AnswerSettings,
) -> tuple[float, int, int, list[str]] | None:
    """(value, hit, sentence, the hit's sentences) of the best answering sentence."""
    shape = analyze_question(question)
    best: tuple[float, int, int, list[str]] | None = None
    top_score = hits[0].score or 1.0
    for h, hit in enumerate(hits[: settings.candidate_passages]):
        sentences = _sentences(hit.text, analyzer)
        for s, sentence in enumerate(sentences):
            terms = set(analyzer.terms(sentence))
            if not terms & set(question_terms.weights):
                continue
            value = question_terms.coverage(terms)
            value += settings.passage_weight * (hit.score / top_score)
            if shape.asks_for_quote and _has_quote(sentence):
                value += settings.quote_weight
            if shape.kind is not None and offers(shape, sentence):
                value += settings.kind_weight
            if hit.position == 0 and s == 0:
                value += settings.lead_weight
            if sentence.rstrip().endswith("?"):
                # A question in the text ("So how do teams prepare?") restates, not answers.
                value -= settings.question_penalty
            if best is None or value > best[0] + 1e-12:
                best = (value, h, s, sentences)
    return best


def _sentences(text: str, analyzer: Analyzer) -> list[str]:
    # Paragraph lines first: a heading has no final stop and would glue onto a sentence.
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in analyzer.sentences(line) if s.strip())
    return out


def _has_quote(sentence: str) -> bool:
    return any(q in sentence for q in _QUOTES)


def _answer_text(sentences: list[str], index: int, max_sentences: int) -> str:
    """The chosen sentence, with what a reader needs to make sense of it.

    A quotation it closes is shown from its opening; one it opens, to its close (within
    ``max_sentences``); and a sentence that starts by referring back ("He said …") comes
    after the sentence it refers to.
    """
    first = last = index

    def text() -> str:
        return " ".join(sentences[first : last + 1])

    while (
        last - first + 1 < max_sentences and last + 1 < len(sentences) and _open_quotes(text()) > 0
    ):
        last += 1
    while last - first + 1 < max_sentences + 2 and first > 0 and _open_quotes(text()) < 0:
        first -= 1
    if (
        first == last == index
        and first > 0
        and max_sentences > 1
        and _REFERS_BACK.match(sentences[first])
    ):
        first -= 1
    return text()


def _open_quotes(text: str) -> int:
    """> 0: a quotation is left open; < 0: one closes that opened before ``text``."""
    straight = text.count('"')
    balance = sum(text.count(c) for c in _OPENING) - sum(text.count(c) for c in _CLOSING)
    if balance:
        return balance
    if straight % 2 == 0:
        return 0
    # An odd number of straight quotes: closing if the first one ends a word (…3," he said).
    first = text.index('"')
    before = text[first - 1] if first else " "
    return -1 if not before.isspace() else 1
