"""Matches → the answer: the answering sentence(s), highlights, and the decision not to answer.

:func:`compose` reads each candidate passage once (its tokens and sentences), picks the
sentence covering most of the question's weight among the best passages, with a
preference for quotations when the question asks what someone said and for sentences
holding the kind of thing asked for, and builds the :class:`~qabot.values.Answer` with
its cited passages, ranked once, each text cited once (copies of an article saved under
two names give identical passages). When the passage the answer would come from, with its
article, covers less than ``min_coverage`` of the question's weight, or only common words,
qabot says it does not know rather than cite a weak match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.analysis import Analyzer, Token
from qabot.candidates import Candidate, fits, short_answer
from qabot.config import AnswerSettings
from qabot.dates import day_number
from qabot.filters import Filters
from qabot.index import Match
from qabot.passages import is_heading
from qabot.query import Query
from qabot.questions import offers
from qabot.values import Answer, Article, Hit

__all__ = ["Choice", "compose", "hits_of"]

# A sentence starting with one of these words leans on the sentence before it.
_REFERS_BACK = re.compile(r"(?:He|She|They|It|This|These|Those|His|Her|Their|Its)\b")
#: What a question of each kind asks for, in a reason for not answering.
_WANTED = {
    "person": "name",
    "organisation": "name",
    "place": "place",
    "time": "date or time",
    "number": "figure",
    "quote": "quotation",
}
_QUOTES = '"“”«»„'
_OPENING = "“«„"
_CLOSING = "”»"


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
class _Read:
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


def compose(
    query: Query,
    matches: Sequence[Match],
    k: int,
    analyzer: Analyzer,
    settings: AnswerSettings,
    filters: Filters | None = None,
) -> Answer:
    """The answer to ``query`` from its ranked ``matches``, citing at most ``k`` passages.

    ``filters`` are those the matches were found with, named when nothing was found.
    """
    if not matches:
        words = ", ".join(dict.fromkeys(query.words.values()))
        within = f" within {filters}" if filters else ""
        return Answer(
            query.question, "", (), query.terms, reason=f"No article{within} mentions: {words}."
        )
    reads = [_read(m, query, analyzer) for m in matches[: settings.candidate_passages]]
    choice = _choose(query, reads, settings)
    order = list(range(len(matches)))
    if choice.best:
        # The passage the answer comes from is cited first: it is what the reader checks.
        order.insert(0, order.pop(choice.best))
    order = _distinct(matches, order)
    tokens = {n: r.tokens for n, r in enumerate(reads)}
    hits = hits_of([matches[n] for n in order[:k]], query, analyzer, [tokens.get(n) for n in order])
    # With k = 0 no passage is cited, so the answer points at none.
    source = 0 if choice.source is not None and k > 0 else None
    return Answer(
        question=query.question,
        text=choice.text,
        passages=tuple(hits),
        terms=query.terms,
        matched_words=_matched_words(hits[: max(1, k)]),
        confidence=choice.confidence,
        source=source,
        reason=choice.reason,
        unsure=bool(choice.text) and choice.unsure,
        short=choice.short,
        short_span=(choice.short_start, choice.short_start + len(choice.short))
        if choice.short
        else None,
    )


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


def _distinct(matches: Sequence[Match], order: Sequence[int]) -> list[int]:
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


def _metadata(article: Article) -> tuple[int, int]:
    known = sum(bool(v) for v in (article.date, article.url, article.source))
    return known, day_number(article.published)


def _matched_words(hits: Sequence[Hit]) -> tuple[str, ...]:
    words: dict[str, None] = {}
    for hit in hits:
        for start, end in hit.highlights:
            words.setdefault(hit.text[start:end].casefold(), None)
    return tuple(words)


def _read(match: Match, query: Query, analyzer: Analyzer) -> _Read:
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
    return _Read(match, tokens, sentences, starts, terms)


def _choose(query: Query, reads: Sequence[_Read], settings: AnswerSettings) -> Choice:
    """Pick the answering sentence(s) from the candidates, or decide not to answer.

    The decision weighs the passage the best sentence comes from together with the
    question terms its whole article holds: a story that holds every word of the
    question, if not all in one passage, is judged as a whole.
    """
    scored = _scored_sentences(query, reads, settings)
    best = max(scored, default=None)
    lead = best[1] if best is not None else None
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
    _, h, s = best
    unsure = confidence < settings.sure_coverage or specificity < settings.sure_specificity
    read = reads[h]
    first, last = _context(read.sentences, s, settings.max_sentences)
    chosen = list(range(first, last + 1))
    # The passage's next best sentence often holds what the best one leaves out; it
    # joins when the answer stays short enough to read on a phone.
    others = [(v, o) for v, hh, o in scored if hh == h and not first <= o <= last]
    if others and settings.answer_words:
        extra = max(others)[1]
        words = sum(len(read.sentences[o].split()) for o in [*chosen, extra])
        if words <= settings.answer_words:
            chosen = sorted([*chosen, extra])
    text, offsets = _joined(read.sentences, chosen)
    short, at = _short(query, read, s), s
    typed = settings.type_check != "off" and query.shape.kind in _WANTED
    if typed and not fits(query.shape, short):
        # The answer's other sentences may hold what the best one lacks: "… after eight
        # months of repairs. The council said the work cost 41 million euros."
        for o in sorted(chosen, key=lambda o: (abs(o - s), o)):
            other = _short(query, read, o) if o != s else None
            if fits(query.shape, other):
                short, at = other, o
                break
    if typed and not fits(query.shape, short):
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


def _short(query: Query, read: _Read, s: int) -> Candidate | None:
    """The short answer in sentence ``s`` of ``read``, near the question's own words."""
    start = read.starts[s]
    end = start + len(read.sentences[s])
    wanted = frozenset(query.terms) - query.frame
    anchors = [
        (t.start - start, t.end - start)
        for t in read.tokens
        if start <= t.start and t.end <= end and t.term in wanted
    ]
    return short_answer(query.shape, read.sentences[s], anchors)


def _scored_sentences(
    query: Query, reads: Sequence[_Read], settings: AnswerSettings
) -> list[tuple[float, int, int]]:
    """(value, candidate, sentence) of every sentence holding a question term."""
    shape = query.shape
    out: list[tuple[float, int, int]] = []
    top_score = reads[0].match.score or 1.0 if reads else 1.0
    weighed = set(query.weights)
    # Ties go to the more recent story, then the earlier candidate and sentence.
    days = [day_number(read.match.article.published) for read in reads]
    place = {h: n for n, h in enumerate(sorted(range(len(reads)), key=lambda h: -days[h]))}
    for h, read in enumerate(reads):
        match = read.match
        pairs = zip(read.sentences, read.sentence_terms, strict=True)
        for s, (sentence, terms) in enumerate(pairs):
            if not terms & weighed:
                continue
            value = query.coverage(terms)
            value += settings.passage_weight * (match.score / top_score)
            if shape.asks_for_quote and _has_quote(sentence):
                value += settings.quote_weight
            if shape.kind is not None and offers(shape, sentence):
                value += settings.kind_weight
            if match.passage.position == 0 and s == 0:
                value += settings.lead_weight
            if sentence.rstrip().endswith("?"):
                # A question in the text ("So how do teams prepare?") restates, not answers.
                value -= settings.question_penalty
            out.append((value - 1e-9 * (place[h] * 1000 + s), h, s))
    return out


def _has_quote(sentence: str) -> bool:
    return any(q in sentence for q in _QUOTES)


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
        and _REFERS_BACK.match(sentences[first])
    ):
        first -= 1
    return first, last


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
