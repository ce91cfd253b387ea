"""The answering sentence: which sentence of the best passages answers, or none does.

:func:`read` reads a candidate passage once (where the question's words stand, its
sentences); :func:`choose` picks the sentence covering most of the question's weight,
helped by its passage's score, by holding the kind of thing asked for
(:func:`~qabot.answering.short.offers`) or a quotation when the question asks what someone
said, and by opening its article; it adds what a reader needs with it (the opening of a
quotation it closes, the sentence a "He said …" refers to, the passage's next best
sentence while the answer stays short), finds the short answer inside, and decides
whether to answer at all: when the passage the answer would come from, with its article,
covers less than ``min_coverage`` of the question's weight, or only common words, qabot
says it does not know rather than cite a weak match.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from qabot import lexicon
from qabot.analysis import Analyzer, Token
from qabot.answering.rank import Ranker, SentenceView, options, pick
from qabot.answering.short import fits, named_terms, offers, roles
from qabot.answering.spans import Span, closing_marks, opening_marks, quote_marks
from qabot.config import AnswerSettings
from qabot.dates import day_number
from qabot.passages import is_heading

if TYPE_CHECKING:
    from qabot.index import Match
    from qabot.query import Query

__all__ = ["Choice", "Reading", "choose_answer", "read"]

#: What a question of each kind asks for, in a reason for not answering.
_WANTED = {
    "person": "name",
    "organisation": "name",
    "place": "place",
    "time": "date or time",
    "number": "figure",
    "quote": "quotation",
}


@dataclass(frozen=True)
class Choice:
    """The chosen answer: its text, which candidate it came from, and how sure qabot is."""

    text: str
    source: int | None
    confidence: float
    reason: str = ""
    #: The candidate holding the best sentence, even when it is not good enough to
    #: answer: the passage to cite first.
    best: int | None = None
    #: An answer is given, but it covers the question only in part or in common words.
    unsure: bool = False
    #: The short answer and where it starts in ``text`` ("" and 0: none).
    short: str = ""
    short_start: int = 0


@dataclass(frozen=True)
class Reading:
    """A candidate passage read once: where the question's words are, and its sentences."""

    match: Match
    #: The passage's words whose term is one of the question's.
    tokens: Sequence[Token]
    #: Sentence texts; a heading or paragraph line never runs into the next line.
    sentences: Sequence[str]
    #: Where each sentence starts in the passage text.
    starts: Sequence[int]
    #: The question's terms found in each sentence.
    sentence_terms: Sequence[frozenset[str]]


def read(match: Match, query: Query, analyzer: Analyzer) -> Reading:
    """``match``'s passage read for ``query``: its sentences and the question's words in them."""
    text = match.passage.text
    # Only the question's words matter from here on: where they stand, in which sentence.
    tokens = analyzer.find(text, query.weights)
    sentences: list[str] = []
    starts: list[int] = []
    terms: list[frozenset[str]] = []
    offset = 0
    at = 0  # tokens are in text order, so one pass assigns them to sentences
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if number < len(lines) - 1 and is_heading(line):
            # A heading names what follows; it is never offered as the answer.
            offset += len(line) + 1
            continue
        for start, end in analyzer.sentence_spans(line):
            raw = line[start:end]
            sentence = raw.strip()
            lo, hi = offset + start, offset + end
            first = lo + len(raw) - len(raw.lstrip())
            while at < len(tokens) and tokens[at].start < lo:
                at += 1
            found = set()
            while at < len(tokens) and tokens[at].end <= hi:
                if tokens[at].term:
                    found.add(tokens[at].term)
                at += 1
            if sentence:
                sentences.append(sentence)
                starts.append(first)
                terms.append(frozenset(found))  # type: ignore[arg-type]
        offset += len(line) + 1
    return Reading(match, tokens, sentences, starts, terms)


class _Scores:
    """Every sentence's value; the kind bonus (its spans) is read only where it can matter.

    A sentence's value is its base (coverage, passage score, quotation, lead, question
    penalty) plus ``kind_weight`` when it offers the kind asked for. Reading spans costs
    far more than the rest, so the best is found by exact pruning: sentences are taken
    best base first, and once a base plus the largest bonus falls below the best value
    found, no later sentence can win.
    """

    def __init__(self, query: Query, reads: Sequence[Reading], settings: AnswerSettings) -> None:
        self.query = query
        self.reads = reads
        self.weight = settings.kind_weight if query.shape.kind is not None else 0.0
        #: (base, candidate, sentence), best base first.
        self.items = sorted(_bases(query, reads, settings), reverse=True)
        self._values: dict[tuple[int, int], float] = {}

    def value(self, base: float, h: int, s: int) -> float:
        key = (h, s)
        found = self._values.get(key)
        if found is None:
            sentence = self.reads[h].sentences[s]
            bonus = self.weight if self.weight and offers(self.query.shape, sentence) else 0.0
            found = self._values[key] = base + bonus
        return found

    def best(self, keep: Callable[[int, int], bool] | None = None) -> tuple[int, int] | None:
        """The best (candidate, sentence), among those ``keep`` allows (all: None)."""
        bound = max(0.0, self.weight)
        kept = (i for i in self.items if keep is None or keep(i[1], i[2]))
        first, second = next(kept, None), next(kept, None)
        if first is None:
            return None
        if second is None or second[0] + bound < first[0] + min(0.0, self.weight):
            # Nothing else reaches the first's least value even with the bonus: it is the
            # best whether or not it has one, and its spans need not be read.
            return first[1], first[2]
        best = (self.value(*first), first[1], first[2])
        for base, h, s in itertools.chain([second], kept):
            if base + bound < best[0]:
                break  # sorted by base: nothing after this can reach the best
            item = (self.value(base, h, s), h, s)
            if item > best:
                best = item
        return best[1], best[2]

    def __bool__(self) -> bool:
        return bool(self.items)


def choose_answer(
    query: Query,
    reads: Sequence[Reading],
    settings: AnswerSettings,
    ranker: Ranker | None = None,
) -> Choice:
    """Pick the answering sentence(s) from the candidates, or decide not to answer.

    ``ranker`` chooses the short answer among the options of the chosen sentences
    (default: :func:`~qabot.answering.short.pick`, the shipped weights).

    The decision weighs the passage the best sentence comes from together with the
    question terms its whole article holds: a story that holds every word of the
    question, if not all in one passage, is judged as a whole.
    """
    scores = _Scores(query, reads, settings)
    best = scores.best()
    lead = best[0] if best is not None else None
    cited = reads[lead or 0].match
    found = set(cited.counts) | cited.article_terms
    confidence = query.coverage(found)
    specificity = query.specificity(found)
    if confidence < settings.min_coverage:
        missing = query.missing(found)
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
    h, s = best
    unsure = confidence < settings.sure_coverage or specificity < settings.sure_specificity
    reading = reads[h]
    first, last = _context(reading.sentences, s, settings.max_sentences)
    chosen = list(range(first, last + 1))
    # The passage's next best sentence often holds what the best one leaves out; it
    # joins when the answer stays short enough to read on a phone.
    other = scores.best(lambda hh, o: hh == h and not first <= o <= last)
    if other is not None and settings.answer_words:
        extra = other[1]
        words = sum(len(reading.sentences[o].split()) for o in [*chosen, extra])
        if words <= settings.answer_words:
            chosen = sorted([*chosen, extra])
    text, offsets = _joined(reading.sentences, chosen)
    typed = settings.type_check != "off" and query.shape.kind in _WANTED
    views = [_view(query, reading, o, s) for o in chosen]
    pool = options(query.shape, views)
    picked = (ranker or pick)(pool)
    short, at = (picked.span, chosen[picked.sentence]) if picked else (None, s)
    # "Who is Jens Stoltenberg?": what the text calls him ("NATO Secretary General");
    # "what is another term for rotors?": the words a sentence says it is called.
    shape = query.shape
    naming: Callable[[str], list[Span]] | None = (
        (lambda text: roles(text, shape.described))
        if shape.described
        else (lambda text: named_terms(text, shape))
        if shape.asks_term and short is not None
        else None
    )
    if naming is not None:
        for o in sorted(chosen, key=lambda o: (abs(o - s), o)):
            named = naming(reading.sentences[o])
            if named:
                short, at = named[0], o
                break
    # Unsure when none of the answer's sentences gives what the question asks for.
    offered = any(fits(query.shape, o.span) for o in pool)
    if typed and not offered:
        # "How much was X paid?" answered by a sentence that names no amount.
        if settings.type_check == "decline":
            what = _WANTED[query.shape.kind or ""]
            return Choice(
                "", None, confidence, f"The closest passages give no {what} for that.", lead
            )
        unsure = True
    if short is None:
        return Choice(text, h, confidence, best=h, unsure=unsure)
    start = offsets[at] + short.start
    return Choice(text, h, confidence, best=h, unsure=unsure, short=short.text, short_start=start)


def _joined(sentences: Sequence[str], chosen: Sequence[int]) -> tuple[str, dict[int, int]]:
    """The chosen sentences as one text (" … " where one was skipped), and where each starts."""
    pieces: list[str] = []
    offsets: dict[int, int] = {}
    at = 0
    for n, o in enumerate(chosen):
        if n:
            sep = " " if o == chosen[n - 1] + 1 else " … "
            pieces.append(sep)
            at += len(sep)
        offsets[o] = at
        pieces.append(sentences[o])
        at += len(sentences[o])
    return "".join(pieces), offsets


def _view(query: Query, reading: Reading, o: int, best: int) -> SentenceView:
    """Sentence ``o`` of ``reading`` as the short-answer choice sees it."""
    start = reading.starts[o]
    end = start + len(reading.sentences[o])
    wanted = frozenset(query.terms) - query.frame
    anchors = tuple(
        (t.start - start, t.end - start, query.weights.get(t.term or "", 0.0))
        for t in reading.tokens
        if start <= t.start and t.end <= end and t.term in wanted
    )
    return SentenceView(
        reading.sentences[o], anchors, query.coverage(reading.sentence_terms[o]), abs(o - best)
    )


def _bases(
    query: Query, reads: Sequence[Reading], settings: AnswerSettings
) -> list[tuple[float, int, int]]:
    """(base value, candidate, sentence) of every sentence holding a question term."""
    shape = query.shape
    out: list[tuple[float, int, int]] = []
    top_score = reads[0].match.score or 1.0 if reads else 1.0
    weighed = set(query.weights)
    marks = quote_marks()
    # Ties go to the more recent story, then the earlier candidate and sentence.
    days = [day_number(read.match.article.published) for read in reads]
    place = {h: n for n, h in enumerate(sorted(range(len(reads)), key=lambda h: -days[h]))}
    for h, reading in enumerate(reads):
        match = reading.match
        pairs = zip(reading.sentences, reading.sentence_terms, strict=True)
        for s, (sentence, terms) in enumerate(pairs):
            if not terms & weighed:
                continue
            value = query.coverage(terms)
            value += settings.passage_weight * (match.score / top_score)
            if shape.asks_for_quote and any(q in sentence for q in marks):
                value += settings.quote_weight
            if match.passage.position == 0 and s == 0:
                value += settings.lead_weight
            if sentence.rstrip().endswith("?"):
                # A question in the text ("So how do teams prepare?") restates, not answers.
                value -= settings.question_penalty
            out.append((value - 1e-9 * (place[h] * 1000 + s), h, s))
    return out


@cache
def _refers_back() -> re.Pattern[str]:
    # A sentence starting with one of these words leans on the sentence before it.
    return re.compile(rf"(?:{lexicon.alternation('referring_words')})\b")


def _context(sentences: Sequence[str], index: int, max_sentences: int) -> tuple[int, int]:
    """First and last sentence to show: the chosen one, and what a reader needs with it.

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
        and _refers_back().match(sentences[first])
    ):
        first -= 1
    return first, last


def _open_quotes(text: str) -> int:
    """> 0: a quotation is left open; < 0: one closes that opened before ``text``."""
    straight = text.count('"')
    balance = sum(text.count(c) for c in opening_marks()) - sum(
        text.count(c) for c in closing_marks()
    )
    if balance:
        return balance
    if straight % 2 == 0:
        return 0
    # An odd number of straight quotes: closing if the first one ends a word (…3," he said).
    first = text.index('"')
    before = text[first - 1] if first else " "
    return -1 if not before.isspace() else 1
