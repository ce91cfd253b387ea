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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qabot.analysis import Analyzer
from qabot.config import AnswerSettings
from qabot.values import Hit

__all__ = ["Choice", "QuestionTerms", "choose_answer", "highlight_spans", "weigh_question"]

_SAY_QUESTION = re.compile(
    r"\b(say|said|says|tell|told|think|thinks|thought|claim|claimed|warn|warned|state|stated|"
    r"react|reacted|respond|responded|mean|meant)\b",
    re.I,
)
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

    def coverage(self, present: set[str]) -> float:
        """Share of the question's required weight found among ``present`` terms.

        Optional terms neither count as missing nor make up for a missing required one;
        a question of optional terms only is judged on all of them.
        """
        required = {t: w for t, w in self.weights.items() if t not in self.optional}
        if not required:
            required = dict(self.weights)
        total = sum(required.values())
        got = sum(w for t, w in required.items() if t in present)
        return got / total if total > 0 else 0.0


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
    optional = (frame & set(weights)) | (set(context) - set(terms))
    return QuestionTerms(weights, frozenset(optional))


@dataclass(frozen=True)
class Choice:
    """The chosen answer: its text, which hit it came from, and how sure qabot is."""

    text: str
    source: int | None
    confidence: float
    reason: str = ""


def highlight_spans(text: str, terms: set[str], analyzer: Analyzer) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of ``text`` whose term is one of ``terms``."""
    return tuple((t.start, t.end) for t in analyzer.tokens(text) if t.term in terms)


def choose_answer(
    question: str,
    question_terms: QuestionTerms,
    hits: Sequence[Hit],
    analyzer: Analyzer,
    settings: AnswerSettings,
) -> Choice:
    """Pick the answering sentence(s) from the top hits, or decide not to answer."""
    if not hits:
        return Choice("", None, 0.0, "No article mentions the words of your question.")
    top_terms = set(analyzer.terms(hits[0].text))
    confidence = question_terms.coverage(top_terms)
    if confidence < settings.min_coverage:
        missing = [
            t
            for t in question_terms.weights
            if t not in top_terms and t not in question_terms.optional
        ]
        return Choice(
            "",
            None,
            confidence,
            "The closest passages match only part of your question"
            + (f" (nothing on: {', '.join(missing[:4])})." if missing else "."),
        )
    asks_for_quote = bool(_SAY_QUESTION.search(question))
    best: tuple[float, int, int, list[str]] | None = None
    top_score = hits[0].score or 1.0
    for h, hit in enumerate(hits[: settings.candidate_passages]):
        sentences = _sentences(hit.text, analyzer)
        for s, sentence in enumerate(sentences):
            terms = set(analyzer.terms(sentence))
            if not terms & set(question_terms.weights):
                continue
            value = question_terms.coverage(terms)
            value += 0.15 * (hit.score / top_score)
            if asks_for_quote and _has_quote(sentence):
                value += 0.25
            if best is None or value > best[0] + 1e-12:
                best = (value, h, s, sentences)
    if best is None:
        return Choice("", None, confidence, "No sentence of the closest passages fits.")
    _, h, s, sentences = best
    text = _with_quote_start(sentences, s, settings.max_sentences)
    return Choice(text, h, confidence)


def _sentences(text: str, analyzer: Analyzer) -> list[str]:
    # Paragraph lines first: a heading has no final stop and would glue onto a sentence.
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in analyzer.sentences(line) if s.strip())
    return out


def _has_quote(sentence: str) -> bool:
    return any(q in sentence for q in _QUOTES)


def _with_quote_start(sentences: list[str], index: int, max_sentences: int) -> str:
    """The sentence, preceded by the sentences back to the start of a quotation it closes."""
    chosen = [sentences[index]]
    start = index
    while len(chosen) < max_sentences + 2 and start > 0 and _open_quotes(" ".join(chosen)) < 0:
        start -= 1
        chosen.insert(0, sentences[start])
    return " ".join(chosen)


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
