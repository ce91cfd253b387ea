"""What someone said: answers and timelines from the quotations kept with the index.

A question of the say/react kind ("what did X say about Y", "how did X react to Y", "what
was X's response to Y", "according to X, …") is answered from X's quotations
(:meth:`qabot.index.Reader.quotations`), not from whatever sentence matches best: each is
ranked by how much of Y its words and its sentence hold (BM25's saturation of term counts,
weighted by the rarity of Y's terms), and a little by its paragraph and the reporter's
paragraph before it. The answer's
sentence is the quotation with its attribution; its short answer is the quoted words,
trimmed to the sentence about Y when the quotation is long; the passage holding it is
cited first. When X is named but none of X's quotations is about Y, qabot says so and
shows the closest passages rather than answering with someone else's words.

:func:`timeline` orders a speaker's quotations oldest first (undated last) and folds the
same words reported by several stories (a story republished) into one, with every source.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from qabot import lexicon
from qabot.analysis import Analyzer
from qabot.answering.cite import hits_of
from qabot.answering.shape import analyze_question
from qabot.answering.spans import quote_marks
from qabot.config import AnswerSettings
from qabot.dates import day_number
from qabot.values import Answer, Hit, Passage, Quotation

if TYPE_CHECKING:
    from qabot.index import Match
    from qabot.query import Query

__all__ = [
    "Scored",
    "about_terms",
    "compose_quoted",
    "compose_timeline",
    "named_after",
    "rank_quotations",
    "speaker_names",
    "statements",
    "timeline",
    "whole",
]

#: A quotation must hold this share of the topic's weight (or its passage a little more)
#: to be about it.
MIN_ABOUT = 0.5
#: A quoted answer longer than this many words is trimmed to its sentence about the topic.
SHORT_WORDS = 40
#: Quoted words are preferred to reported speech of about the same weight.
_DIRECT = 1.5
#: Paragraphs after reported speech where the speaker's own words on it are looked for.
_ELABORATION = 2
#: How far a quotation's article counts: the question's words it holds, as the search
#: found them (a quotation rarely repeats the question's topic word for word).
_ARTICLE_WEIGHT = 0.3
#: An answer's quotation goes on with the speaker's next quoted sentences up to this many
#: words.
RUN_WORDS = 60
#: Quotations whose words share this much (Jaccard of their word sets) are the same words.
SAME_WORDS = 0.8
_K1, _B, _AVERAGE_WORDS = 1.2, 0.75, 40.0
#: How far the passage around a quotation counts, beside the quotation and its sentence.
_PASSAGE_WEIGHT = 0.5
#: The passages the question found first whose quotations (or their neighbours') are taken
#: to be about its topic.
_FOUND_FIRST = 3
#: Only this many best quotations are read with their passages.
_WITH_PASSAGES = 10
#: An article whose opening paragraph (outside quotation marks) holds this
#: share of the topic's weight is about it: the speaker's words there answer "what did X
#: say about Y" even when they do not repeat Y ("I am prepared to do anything I can to
#: help save her life", in a story on a hostage's release).
LEAD_ABOUT = 0.75
#: The article the question found first is about the topic when its own words (outside
#: quotation marks) hold this share of the topic's weight: its quotations of the speaker
#: then are.
TOP_ABOUT = 0.5
#: At most this many passages of that article are read for it.
_ARTICLE_PASSAGES = 30
_WORD = re.compile(r"\w+")
#: How much more a quotation counts, for "how did X react to Y", when it holds a word of
#: feeling ("I am very pleased we have secured this delay").
_FEELING = 1.25
#: Whom a question's speaker told: "what did X tell *BBC Sport* about …", "… *reporters* …".
_TOLD = re.compile(
    r"\b(?:tell|told)\s+(?P<listener>(?:the\s+)?(?:[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)*"
    r"|reporters|journalists|MPs|fans|the\s+press|parliament))(?=\s+(?:about|that|what|why|how"
    r"|whether|when|on|of|over)\b|\s*[?,])"
)
_SUM_UP = re.compile(r"\bsum(?:med)?\s+up\b", re.I)
#: Words inside an organisation's name ("Association of European Airlines").
_GLUE = frozenset({"of", "and", "for", "&"})


@dataclass(frozen=True)
class Scored:
    """A quotation ranked against a topic: how much of it, and how well, it holds."""

    quotation: Quotation
    score: float
    #: Share of the topic's weight its words, its sentence or (less) its passage hold.
    coverage: float


def about_terms(query: Query, analyzer: Analyzer) -> list[str]:
    """The question's terms that name the topic: not the speaker's, not framing words
    ("say", "react", "response", "over time")."""
    verbs = {t for w in lexicon.words("question_speech_verbs") if (t := analyzer.term(w))}
    skip = set(analyzer.terms(" ".join(query.shape.speaker))) | (query.frame - verbs)
    skip |= {t for w in lexicon.words("statement_words") if (t := analyzer.term(w))}
    if told := _TOLD.search(query.question):
        skip |= set(analyzer.terms(told["listener"]))  # whom X told is no topic
    if _SUM_UP.search(query.question):
        skip |= set(analyzer.terms("sum summed"))  # "how did X sum up …"
    own = _topic_terms(query.terms, skip, verbs)
    if own or not query.context:
        return own
    # A follow-up naming someone else ("and Zelenskyy?") keeps the earlier topic; the
    # earlier speaker is no topic either.
    skip |= set(analyzer.terms(" ".join(analyze_question(query.context).speaker)))
    return _topic_terms(query.context_terms, skip, verbs)


def _topic_terms(terms: Sequence[str], skip: set[str], verbs: set[str]) -> list[str]:
    """``terms`` but those to ``skip``, and the question's own verb of speech: it frames
    the question ("what did X *say* …"), while one after it is the topic's ("… about
    Windows users *thinking* of switching")."""
    verb = next((n for n, t in enumerate(terms) if t in verbs and t not in skip), None)
    framing = {t for t in terms[: verb + 1] if t in verbs} if verb is not None else set()
    return [t for t in dict.fromkeys(terms) if t not in skip and t not in framing]


def rank_quotations(
    quotes: Sequence[Quotation],
    about: Sequence[str],
    weight_of: Callable[[str], float],
    analyzer: Analyzer,
    passage: Callable[[Quotation], Passage | None] | None = None,
    articles: Mapping[str, frozenset[str]] | None = None,
    leads: Mapping[str, str] | None = None,
    found_first: Collection[tuple[str, int]] = (),
    on_topic: Collection[str] = (),
    feeling: bool = False,
) -> list[Scored]:
    """``quotes`` best first for the topic ``about`` (index terms); ties: newest, then first.

    ``weight_of`` gives each term's rarity; ``passage`` the passage holding a quotation,
    read for the best few only; ``articles`` the question's terms each searched article
    holds (by article id), which count a little towards a quotation of that article;
    ``leads`` the opening paragraph of searched articles (by article id): an
    article whose lead is about the topic (:data:`LEAD_ABOUT`) makes its quotations so;
    ``found_first`` the (article id, position) of the passages the question found first: a
    quotation in one of them, or beside one, is about the topic, though not surely; so is
    one of the articles ``on_topic`` (by id). With ``feeling`` (the question asks how the
    speaker reacted), words of feeling count a little more.
    """
    weight = {t: float(weight_of(t)) for t in dict.fromkeys(about)}
    total = sum(weight.values())
    known = {} if articles is None else articles
    feelings = lexicon.words("feeling_words") if feeling else frozenset()
    quotes = whole(quotes)
    about_lead = {
        article: _bm25(_unquoted(text), weight, analyzer)[1] / total >= LEAD_ABOUT
        for article, text in (leads or {}).items()
        if total
    }
    scored = []
    read: dict[str, tuple[float, float]] = {}  # a story republished: its words read once
    for quote in quotes:
        # The sentence without the words naming the speaker ("the NATO Secretary General
        # said" is not about NATO).
        context = quote.context.replace(quote.speaker_as_written, " ", 1)
        text = context if quote.text[:20] in context else f"{quote.text} {context}"
        if text not in read:
            read[text] = _bm25(text, weight, analyzer)
        score, covered = read[text]
        if feeling and feelings.intersection(_WORD.findall(quote.text.casefold())):
            score *= _FEELING
        if quote.kind == "direct":
            score *= _DIRECT
        coverage = covered / total if total else 1.0
        held = known.get(quote.article.id)
        if held is not None and total:
            # Alone, an article about the topic never makes a quotation about it: the
            # article may hold someone else's words on it.
            in_article = sum(w for t, w in weight.items() if t in held) / total
            coverage = min(1.0, coverage + _ARTICLE_WEIGHT * in_article)
        near = any((quote.article.id, quote.position + step) in found_first for step in (-1, 0, 1))
        if about_lead.get(quote.article.id) or near or quote.article.id in on_topic:
            coverage = max(coverage, MIN_ABOUT)
        scored.append(Scored(quote, score, coverage))
    scored.sort(key=_order)
    if passage is None or not total:
        return scored
    best = []
    for item in scored[:_WITH_PASSAGES]:
        found = passage(item.quotation)
        if found is None:
            best.append(item)
            continue
        score, covered = _bm25(_around(item.quotation, found.text), weight, analyzer)
        best.append(
            replace(
                item,
                score=item.score + _PASSAGE_WEIGHT * score,
                coverage=max(item.coverage, 0.8 * covered / total),
            )
        )
    return sorted(best, key=_order) + scored[_WITH_PASSAGES:]


def whole(quotes: Sequence[Quotation]) -> list[Quotation]:
    """``quotes`` without the quoted fragments of reported speech: in `she said his return
    would not put anybody's "nose out of joint"` the words in quotation marks are part of
    what she said, not all of it."""
    reported: dict[tuple[str, int], list[str]] = {}
    for quote in quotes:
        if quote.kind == "reported":
            reported.setdefault((quote.article.id, quote.paragraph), []).append(quote.text)
    return [
        quote
        for quote in quotes
        if quote.kind != "direct"
        or not any(
            quote.text in text and len(quote.text) < len(text)
            for text in reported.get((quote.article.id, quote.paragraph), ())
        )
    ]


def speaker_names(speaker: Sequence[str]) -> list[str]:
    """The ways a question's speaker may be looked up, most precise first: as written
    ("IDC's Jill Finger"), then the name before where they work ("Sung Won Sohn" of "Sung
    Won Sohn of Wells Fargo"), then the name at its end ("Jill Finger"), then what follows
    a possessive ("controller of entertainment" of "ITV's controller of entertainment")."""
    words = list(speaker)
    names = [" ".join(words)]
    lower = next((n for n, w in enumerate(words) if not w[:1].isupper()), len(words))
    if 0 < lower < len(words) and words[lower] in ("of", "from", "at", "for", "with"):
        names.append(" ".join(words[:lower]))
    tail: list[str] = []
    for word in reversed(words):
        if not word[:1].isupper():
            break
        tail.insert(0, word)
    if tail and len(tail) < len(words):
        names.append(" ".join(tail))
    owner = next((n for n, w in enumerate(words) if w.endswith(("'s", "’s"))), None)
    if owner is not None and owner + 1 < len(words):
        names.append(" ".join(words[owner + 1 :]))
    return list(dict.fromkeys(n for n in names if n))


def named_after(description: Sequence[str], texts: Sequence[str]) -> list[str]:
    """The names ``texts`` write right after the words ``description`` ("ITV's controller
    of entertainment Claudia Rosencrantz"; "Wal-Mart spokesman Guy Whitcomb" for "Wal-Mart's
    spokesman"): who a question names by office means."""
    words = [w for w in description if w.casefold() not in ("the", "a", "an")]
    if not words:
        return []
    owned = (re.escape(re.sub(r"['’]s$", "", w)) + r"(?:['’]s)?" for w in words)
    phrase = r"\s+".join(owned)
    name = r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3})"
    # The office in any case; the name capitalised, word by word: "ITV's controller of
    # entertainment Claudia Rosencrantz", or "Alan Milburn, Labour's election strategist".
    patterns = [
        re.compile(rf"\b(?i:{phrase}),?\s+{name}"),
        re.compile(rf"{name},\s+(?:the\s+)?(?i:{phrase})\b"),
    ]
    at = next((n for n, w in enumerate(words) if w.casefold() == "of"), None)
    org = words[at + 1 :] if at is not None else []
    if org and org[0][:1].isupper() and all(w[:1].isupper() or w in _GLUE for w in org):
        # "the head of the Association of European Airlines": whatever the office is
        # called there ("Ulrich Schulte-Strathaus, secretary general of the Association …").
        body = r"\s+".join(re.escape(w) for w in org)
        office = r"(?:the\s+)?[a-z][\w -]{0,30}?\s+of\s+(?:the\s+)?"
        patterns.append(re.compile(rf"{name},\s+{office}{body}\b"))
    found = (m["name"] for p in patterns for text in texts for m in p.finditer(text))
    return list(dict.fromkeys(found))


def _topic(query: Query, about: Sequence[str], analyzer: Analyzer) -> str:
    """The topic's words as the user wrote them (in the question, or the one it follows)."""
    written = dict(query.words)
    for token in analyzer.tokens(query.context or ""):
        if token.term and token.term not in written:
            written[token.term] = (query.context or "")[token.start : token.end]
    return ", ".join(written.get(t, t) for t in about)


def _weight_of(query: Query) -> Callable[[str], float]:
    return lambda term: query.weights.get(term, 0.0)


def _direct_for(
    best: Scored | None, ranked: Sequence[Scored], order: Mapping[int, int]
) -> Scored | None:
    """The speaker's own words for what ``best`` reports: a reporter often sums up ("He
    said the club had no plans …") then quotes ("I don't feel it will be necessary …").

    Their words on the topic nearby come first; else the words that follow the summary in
    its paragraph or open the next (``order``: each quotation's place in its article, by
    ``id``).
    """
    if best is None or best.quotation.kind == "direct":
        return best
    said = best.quotation
    own = [
        other
        for other in ranked
        if other.quotation.kind == "direct"
        and other.quotation.article.id == said.article.id
        and other.quotation.speaker == said.speaker
    ]
    on_topic = (
        other
        for other in own
        if said.paragraph <= other.quotation.paragraph <= said.paragraph + _ELABORATION
        and other.score >= 0.5 * best.score
    )
    after = order.get(id(said), 0)
    following = sorted(
        (
            other
            for other in own
            if order.get(id(other.quotation), -1) > after
            and other.quotation.paragraph - said.paragraph in (0, 1)
        ),
        key=lambda other: order.get(id(other.quotation), 0),
    )
    # `X said the change was "long overdue"` … `"This is long overdue. …"`: the words that
    # repeat what the summary quotes are the ones it sums up.
    echoed = _quoted_in(said.text)
    repeating = (
        other for other in own if echoed and any(e in other.quotation.text for e in echoed)
    )
    found = next(repeating, None) or next(on_topic, None) or next(iter(following), None)
    if found is None:
        return best
    return replace(found, coverage=max(found.coverage, best.coverage))


def _run(quote: Quotation, quotes: Sequence[Quotation], order: Mapping[int, int]) -> str:
    """The quotation's words as a reader meets them: its sentence and the quotations that
    go on from it in the same paragraph (`he said: "A. "B. "C."`), up to :data:`RUN_WORDS`."""
    text = quote.context or quote.text
    at = order.get(id(quote))
    if at is None or quote.kind != "direct":
        return text
    for nxt in quotes[at + 1 :]:
        if (
            nxt.article.id != quote.article.id
            or nxt.paragraph != quote.paragraph
            or nxt.kind != "direct"
            or nxt.speaker_as_written
            or nxt.speaker != quote.speaker
        ):
            break
        more = nxt.context or nxt.text
        if more in text or len(_WORD.findall(text + " " + more)) > RUN_WORDS:
            break
        text = f"{text} {more}"
    return text


def _quoted_in(text: str) -> list[str]:
    """The stretches of ``text`` in quotation marks (of two words or more)."""
    marks = "".join(re.escape(m) for m in quote_marks())
    found = (m.group(1).strip() for m in re.finditer(rf"[{marks}]([^{marks}]+)[{marks}]", text))
    return [q for q in found if len(q.split()) >= 2]


def _unquoted(text: str) -> str:
    """``text`` without its quoted stretches: a lead quoting someone on Y is not about Y
    for everyone it names."""
    marks = "".join(re.escape(m) for m in quote_marks())
    return re.sub(rf"[{marks}][^{marks}]*[{marks}]?", " ", text)


def _around(quote: Quotation, text: str) -> str:
    """The paragraph of ``text`` (a passage) holding the quotation, and the one before it:
    where a reporter says what the words answer ("Asked whether he would quit, …")."""
    lines = text.split("\n")
    lead = (quote.context or quote.text)[:30]
    at = next((n for n, line in enumerate(lines) if lead in line), None)
    if at is None:
        return ""
    # The paragraph before counts when it is the reporter's, not someone else's words.
    before = lines[at - 1] if at and not any(m in lines[at - 1] for m in quote_marks()) else ""
    return f"{before}\n{lines[at]}"


def _order(item: Scored) -> tuple[float, int, int, str, int]:
    quote = item.quotation
    direct = 0 if quote.kind == "direct" else 1
    return (-item.score, direct, -day_number(quote.published), quote.article.id, quote.paragraph)


def _bm25(text: str, weight: dict[str, float], analyzer: Analyzer) -> tuple[float, float]:
    """(BM25 score of ``text`` for the weighted terms, the weight of the terms it holds); a
    country and its people's word are one term ("German" is found in "Germany")."""
    if not weight:
        return 0.0, 0.0
    same = _countries(analyzer)
    also = {o: t for t in weight for o in same.get(t, ()) if o not in weight}
    found = analyzer.find(text, weight.keys() | also.keys() if also else weight)
    counts = Counter(also.get(t.term, t.term) for t in found if t.term)
    length = len(_WORD.findall(text)) or 1
    norm = _K1 * (1 - _B + _B * length / _AVERAGE_WORDS)
    score = sum(w * counts[t] * (_K1 + 1) / (counts[t] + norm) for t, w in weight.items())
    return score, sum(w for t, w in weight.items() if counts[t])


def compose_quoted(
    query: Query,
    quotes: Sequence[Quotation],
    matches: Sequence[Match],
    k: int,
    analyzer: Analyzer,
    settings: AnswerSettings,
    passage: Callable[[str, int], Passage | None],
) -> Answer:
    """The answer to a say/react question from the speaker's ``quotes`` (in article order),
    or why there is none.

    ``matches`` are the question's passages as searched (cited after the quotation's own,
    or as the closest passages when no quotation is about the topic); ``passage`` reads an
    article's passage by position.
    """
    speaker = " ".join(query.shape.speaker)
    about = about_terms(query, analyzer)
    held: dict[str, frozenset[str]] = {}
    for match in matches:
        held.setdefault(match.article.id, match.article_terms)
    # The opening paragraph of the articles the search found, read for whether each is
    # about the topic; only those of articles quoting the speaker. Not the headline: it
    # often sums up one speaker's words ("Stoltenberg: We cannot have Minsk 3").
    quoting = {q.article.id for q in quotes}
    leads = {}
    for article_id in held.keys() & quoting:
        if (lead := passage(article_id, 0)) is not None:
            leads[article_id] = lead.text.split("\n", 1)[0]
    # The passages the whole question found first, when their own words (not someone's
    # quoted ones) hold most of the topic: the speaker's words there are on the topic even
    # in other words ("why target the airlines?" in the passage on taxing jet fuel), and so
    # are their words in the passage beside one.
    weights = {t: float(_weight_of(query)(t)) for t in about}
    total = sum(weights.values())
    found_first = {
        (m.article.id, m.passage.position)
        for m in matches[:_FOUND_FIRST]
        if total and _bm25(_unquoted(m.passage.text), weights, analyzer)[1] / total >= LEAD_ABOUT
    }
    # The first article the whole question found that quotes the speaker, among the first
    # few, when its own words (not anyone's quoted ones) hold half the topic: the speaker's
    # words there are on it, though not surely ("It would be very unlikely … inside two
    # weeks", asked how likely he is to play within two weeks).
    leading = [m.article.id for m in matches[:_FOUND_FIRST]] if total else []
    top = next((a for a in leading if a in quoting), "")
    on_topic = (
        {top} if top and _own_words(top, passage, weights, analyzer) / total >= TOP_ABOUT else set()
    )
    ranked = rank_quotations(
        quotes, about, _weight_of(query), analyzer,
        lambda q: passage(q.article.id, q.position), held, leads, found_first, on_topic,
        _asks_reaction(query, analyzer),
    )  # fmt: skip
    order = {id(q): n for n, q in enumerate(quotes)}
    chosen = next((s for s in ranked if s.coverage >= MIN_ABOUT), None)
    best = _direct_for(chosen, ranked, order)
    others = hits_of(matches[: max(0, k)], query, analyzer)
    if (
        best is None
        or (found := passage(best.quotation.article.id, best.quotation.position)) is None
    ):
        topic = _topic(query, about, analyzer)
        reason = f"No quotation of {speaker}" + (f" about {topic}" if topic else "")
        return Answer(
            query.question, "", tuple(others), query.terms,
            reason=reason + " in the indexed articles.",
        )  # fmt: skip
    quote = best.quotation
    wanted = frozenset(query.bag)
    first = Hit(
        article=quote.article, position=found.position, paragraphs=found.paragraphs,
        text=found.text, score=best.score, rank=1,
        highlights=tuple((t.start, t.end) for t in analyzer.find(found.text, wanted)),
    )  # fmt: skip
    cited = [first] + [
        replace(hit, rank=0)
        for hit in others
        if (hit.article.id, hit.position) != (first.article.id, first.position)
    ]
    cited = [replace(hit, rank=n) for n, hit in enumerate(cited[: max(1, k)], 1)]
    text = _run(quote, quotes, order)
    if (
        chosen is not None
        and chosen is not best
        and order.get(id(chosen.quotation), 0) < order.get(id(quote), 0)
    ):
        # The reporter's summary the speaker's words were chosen for leads them in: "He
        # said the IAAF would seek to contact Conte. "If it is felt …""
        summary = chosen.quotation.context or chosen.quotation.text
        if summary not in text and text not in summary:
            text = f"{summary} {text}"
    short = _short(quote, about, analyzer)
    if quote.kind == "reported" and quote.verb.casefold() in lexicon.words("denial_verbs"):
        # "denied (that) the programme breached the guidelines": the clause alone would say
        # the opposite of what was said; with no verb just before it, no short answer.
        verb, clause = text.find(quote.verb), text.find(short)
        near = 0 <= verb < clause <= verb + len(quote.verb) + len(" that ")
        short = text[verb : clause + len(short)] if near else ""
    at = text.find(short) if short else -1
    return Answer(
        question=query.question,
        text=text,
        passages=tuple(cited) if k > 0 else (),
        terms=query.terms,
        matched_words=tuple(dict.fromkeys(
            first.text[s:e].casefold() for s, e in first.highlights
        )),
        confidence=best.coverage,
        source=0 if k > 0 else None,
        unsure=best.coverage < settings.sure_coverage,
        short=short if at >= 0 else "",
        short_span=(at, at + len(short)) if at >= 0 and short else None,
    )  # fmt: skip


@cache
def _countries(analyzer: Analyzer) -> dict[str, tuple[str, ...]]:
    """Each index term of a country or its people, with the other terms of the same line."""
    same: dict[str, tuple[str, ...]] = {}
    for line in lexicon.forms("country_forms"):
        terms = tuple(dict.fromkeys(t for w in line if (t := analyzer.term(w))))
        for t in terms:
            same[t] = tuple(o for o in terms if o != t)
    return same


def _asks_reaction(query: Query, analyzer: Analyzer) -> bool:
    """Whether the question asks how someone reacted ("react", "respond", "response")."""
    return not _reaction_terms(analyzer).isdisjoint(query.terms)


@cache
def _reaction_terms(analyzer: Analyzer) -> frozenset[str]:
    return frozenset(t for w in lexicon.words("reaction_words") if (t := analyzer.term(w)))


def _own_words(
    article_id: str,
    passage: Callable[[str, int], Passage | None],
    weights: dict[str, float],
    analyzer: Analyzer,
) -> float:
    """The weight of the topic's terms an article holds outside quotation marks."""
    texts = []
    for position in range(_ARTICLE_PASSAGES):
        found = passage(article_id, position)
        if found is None:
            break
        texts.append(_unquoted(found.text))
    return _bm25("\n".join(texts), weights, analyzer)[1]


def _short(quote: Quotation, about: Sequence[str], analyzer: Analyzer) -> str:
    """The quoted words, or the sentence of them about the topic when they are long."""
    parts = [p for p in quote.text.split(" … ") if p.strip()]
    pieces = [
        part[s:e].strip() for part in parts for s, e in analyzer.sentence_spans(part)
    ] or parts
    if len(_WORD.findall(quote.text)) <= SHORT_WORDS and len(parts) == 1:
        return quote.text
    weight = dict.fromkeys(about, 1.0)
    # The sentence that says most about the topic for its length (BM25), the first of equals.
    best = max(pieces, key=lambda p: (_bm25(p, weight, analyzer)[0], -pieces.index(p)), default="")
    return best.rstrip(" ,")


def statements(
    quotes: Sequence[Quotation],
    about: Sequence[str],
    weight_of: Callable[[str], float],
    analyzer: Analyzer,
) -> list[Quotation]:
    """The statement timeline: the quotations about the topic ``about`` (all of them when
    it is empty), oldest first, the same words reported twice folded (:func:`timeline`)."""
    if about:  # (ranked without the fragments of reported speech already)
        ranked = rank_quotations(quotes, about, weight_of, analyzer)
        return timeline([s.quotation for s in ranked if s.coverage >= MIN_ABOUT])
    return timeline(whole(quotes))


def compose_timeline(
    query: Query, quotes: Sequence[Quotation], analyzer: Analyzer, limit: int
) -> Answer:
    """A "what has X said about Y over time" question answered by X's statement timeline."""
    speaker = " ".join(query.shape.speaker)
    about = about_terms(query, analyzer)
    found = statements(quotes, about, _weight_of(query), analyzer)
    topic = _topic(query, about, analyzer)
    on = f" about {topic}" if topic else ""
    if not found:
        reason = f"No quotation of {speaker}{on} in the indexed articles."
        return Answer(query.question, "", (), query.terms, reason=reason)
    days = [q.published for q in found if q.published is not None]
    span = f", {days[0].isoformat()} to {days[-1].isoformat()}" if len(days) > 1 else ""
    count = f"{len(found)} statement{'s' if len(found) != 1 else ''}"
    shown = found[: max(1, limit)]
    more = f" (the first {len(shown)} shown)" if len(shown) < len(found) else ""
    return Answer(
        question=query.question,
        text=f"{found[0].speaker}{on}: {count}{span}, oldest first{more}.",
        passages=(),
        terms=query.terms,
        confidence=1.0,
        quotations=tuple(shown),
    )


def timeline(quotes: Sequence[Quotation]) -> list[Quotation]:
    """``quotes`` oldest first (undated last); the same words reported by several articles
    folded into the earliest, the others kept as its ``also``."""
    ordered = sorted(
        quotes,
        key=lambda q: (
            q.published is None, day_number(q.published), q.article.id, q.paragraph
        ),
    )  # fmt: skip
    kept: list[Quotation] = []
    words: list[frozenset[str]] = []
    for quote in ordered:
        mine = frozenset(w.casefold() for w in _WORD.findall(quote.text))
        for n, theirs in enumerate(words):
            if _same_words(mine, theirs):
                if quote.article.id != kept[n].article.id:
                    also = (*kept[n].also, quote.article)
                    kept[n] = replace(kept[n], also=tuple(dict.fromkeys(also)))
                break
        else:
            kept.append(quote)
            words.append(mine)
    return kept


def _same_words(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a | b) >= SAME_WORDS or (shared == min(len(a), len(b)) and shared >= 6)
