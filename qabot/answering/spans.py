"""Typed spans: what a sentence holds that could answer a question.

:func:`spans` reads a sentence once into its names (a person's, an organisation's or a
place's), times, numbers (with what they measure), quotations (with who said them, or
indirect speech when there is none), reasons, manners, and the phrases between its
punctuation. This module is the only one that recognises these things in text: the kind
bonus of a sentence and its short answer (:mod:`qabot.answering.short`) read the same
spans, so they cannot disagree about whether "in the 1990s" holds a time.

The spans do not depend on the question; choosing among them does. Everything is plain
regular expressions over the sentence, built from the word lists of
:mod:`qabot.lexicon`, so each span can be explained and no model or data is needed.
A sentence's spans are computed once and cached (news sentences repeat across questions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from typing import Literal, get_args

from qabot import lexicon

__all__ = [
    "NAME_KINDS",
    "Span",
    "SpanKind",
    "body_start",
    "closing_marks",
    "ends_with_place_cue",
    "name_span",
    "opening_marks",
    "quote_marks",
    "spans",
    "spans_of",
    "stopwords",
    "tokens",
]

SpanKind = Literal[
    "person", "organisation", "place", "time", "number", "quote", "reason", "manner", "phrase"
]

#: The kinds a run of capitalised words is read as: one reading finds all three.
NAME_KINDS: frozenset[SpanKind] = frozenset({"person", "organisation", "place"})
_ALL_KINDS: frozenset[SpanKind] = frozenset(get_args(SpanKind))
#: Kinds whose reading needs the sentence's times first (a time is no number, no name).
_AFTER_TIMES: frozenset[SpanKind] = NAME_KINDS | {"time", "number"}

_CACHE_SIZE = 8192


@dataclass(frozen=True)
class Span:
    """A stretch of a sentence and what kind of thing it names."""

    start: int
    end: int
    kind: SpanKind
    #: ``sentence[start:end]``.
    text: str
    #: For a number, what it measures ("money", "percent", "age", "duration", "distance",
    #: "count"); for a quote, "reported" when it is indirect speech ("he said that …").
    detail: str = ""
    #: For a quote, the words naming who said it.
    context: str = ""


@lru_cache(maxsize=_CACHE_SIZE)
def spans(sentence: str) -> tuple[Span, ...]:
    """Every typed span of ``sentence``, in the order they are found (kind by kind)."""
    return tuple(_all_spans(sentence, _ALL_KINDS))


@lru_cache(maxsize=_CACHE_SIZE)
def spans_of(sentence: str, kinds: frozenset[SpanKind]) -> tuple[Span, ...]:
    """The spans of ``sentence`` of these kinds, as :func:`spans` gives them and in its
    order, read without the other kinds: a time is found without reading names or phrases,
    a quotation without reading times (the kind bonus asks about one kind of thing)."""
    return tuple(s for s in _all_spans(sentence, kinds) if s.kind in kinds)


def body_start(sentence: str) -> int:
    """Where the sentence proper starts: after a news dateline ("LONDON (CNN) -- ")."""
    found = _rx().dateline.match(sentence)
    return found.end() if found else 0


def ends_with_place_cue(before: str) -> bool:
    """Whether ``before`` ends with words after which a name is a place ("in", "the capital")."""
    return _rx().place_cue.search(before) is not None


def tokens(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """The words of ``text[start:end]`` as spans read them (initials such as "U.S." whole)."""
    return _rx().token.finditer(text, start, len(text) if end is None else end)


@cache
def stopwords() -> frozenset[str]:
    """Words never worth a short answer on their own (case-folded)."""
    return lexicon.word_list("stopwords_en.txt") | lexicon.words("span_stopwords")


@cache
def quote_marks() -> str:
    """Every quotation mark, opening or closing."""
    return "".join(dict.fromkeys(m for pair in lexicon.forms("quote_marks") for m in pair))


@cache
def opening_marks() -> str:
    """Marks that only open a quotation (“ « „)."""
    return "".join(dict.fromkeys(o for o, c in lexicon.forms("quote_marks") if o != c))


@cache
def closing_marks() -> str:
    """Marks that only close one (” »); “ closes „ but opens more often, so it opens."""
    opening = opening_marks()
    pairs = lexicon.forms("quote_marks")
    return "".join(dict.fromkeys(c for o, c in pairs if o != c and c not in opening))


# -- patterns, built from the word lists on first use ------------------------------------
# Where a time or a number can start, tested before the long pattern is tried at a place:
# a time starts with a digit, a capitalised month or weekday, or a lower-case word of the
# lists after a word boundary; a number with a digit, a currency (sign or prefix), or a word
# after no letter or hyphen. Most places in a sentence are none of these, and the pattern
# finds the same matches two to three times faster. The word lists must start with ASCII
# letters for this to hold (tests/answering/test_spans.py checks that they do).
TIME_START = r"(?=[\dA-Z]|\b[a-z])"
NUMBER_START = r"(?=[\d$£€¥uach]|(?<![\w-])[a-z])"  # compiled with re.I: either case


@dataclass(frozen=True)
class _Patterns:
    token: re.Pattern[str]
    dateline: re.Pattern[str]
    time: re.Pattern[str]
    number: re.Pattern[str]
    number_word: re.Pattern[str]
    money: re.Pattern[str]
    duration: re.Pattern[str]
    place_cue: re.Pattern[str]
    quote: re.Pattern[str]
    speaker_after: re.Pattern[str]
    speaker_before: re.Pattern[str]
    reported: re.Pattern[str]
    reported_first: re.Pattern[str]
    reason: re.Pattern[str]
    manner: re.Pattern[str]
    phrase_break: re.Pattern[str]


@cache
def _rx() -> _Patterns:
    alt = lexicon.alternation
    months = lexicon.forms("months")
    month = "(?:" + "|".join(
        [m[0].capitalize() for m in months]
        + sorted((a.capitalize() + r"\.?" for m in months for a in m[1:]), key=len, reverse=True)
    ) + ")"  # fmt: skip
    day = "(?:" + "|".join(d[0].capitalize() for d in lexicon.forms("weekdays")) + ")"
    year = r"(?:1[0-9]\d\d|20\d\d)"
    numword = rf"(?:{alt('number_words')})(?:[- ](?:{alt('number_parts')}))*"
    ordinal = r"(?:\d{1,2}(?:st|nd|rd|th)|" + alt("ordinals") + ")"
    time = re.compile(
        TIME_START + "(?:"
        rf"(?:{day},?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{month}(?:,?\s+{year})?"
        rf"|{month}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{year})?|{month}(?:\s+{year})?)\b"
        rf"|{day}(?:\s+(?:{alt('day_parts')}))?\b"
        r"|\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)(?:\s+\w+\s+time\b)?"
        rf"|\b(?:the\s+)?(?:(?:early|late|mid)[- ])?{year}s\b"
        rf"|\b(?:(?:early|late|mid)[- ])?{year}\b(?![-\d%]| ?(?:{alt('percent_units')}))"
        rf"|\b(?:(?:early|late|mid)[- ])?{ordinal}\s+century\b"
        r"|\b\d{1,2}:\d\d\b(?![:\d])"
        rf"|\b(?:{alt('relative_days')})\b"
        r"|\b(?:last|next|this|earlier this|later this)\s+"
        rf"(?:{alt('time_periods')}|{month}|{day})\b"
        rf"|\b(?:\d[\d,.]*|{numword}|a|an)(?:\s(?:million|billion|thousand))?\s+"
        rf"(?:{alt('time_units')})\s+(?:ago|later|earlier)\b)",
    )
    units = "|".join(
        alt(s) for s in ("money_units", "duration_units", "distance_units", "percent_units")
    )
    number = re.compile(
        NUMBER_START + "(?:"
        r"(?P<cur>(?:US|A|C|HK)?[$£€¥]\s?)?"
        rf"(?P<num>\d[\d,]*(?:[.:]\d+)?(?:[-–]\d[\d,]*(?:\.\d+)?)?"
        rf"|(?<![\w-])(?:{numword}|twice|once)(?!\w|-(?!time\b)))"
        rf"(?P<scale>(?:\s?(?:{alt('number_scales')})\b)?)"
        r"(?P<pct>\s?%)?"
        rf"(?P<unit>\s(?:{units})\b(?!-)(?!\s+old\b))?"
        r"(?P<age>-year-old|\syears? old)?)",
        re.I,
    )
    said = alt("speech_verbs")
    pairs = lexicon.forms("quote_marks")
    quote = "|".join(
        f"{re.escape(o)}(?P<q{n}>[^{re.escape(o + c)}]{{2,}}){re.escape(c)}"
        for n, (o, c) in enumerate(pairs)
    )
    marks = re.escape(quote_marks())
    return _Patterns(
        # Initials whole: "U.S.", and the middle initial of "James O. McKinsey".
        token=re.compile(r"(?:[A-Za-z]\.){2,}|[A-Z]\.(?= [A-Z])|[^\W_][\w'’&-]*"),
        dateline=re.compile(r"^[^.!?\n]{0,80}?\([^()\n]{1,30}\)\s*(?:--|—|–|-)\s*"),
        time=time,
        number=number,
        number_word=re.compile(numword),
        money=re.compile(alt("money_units")),
        duration=re.compile(alt("duration_units")),
        place_cue=re.compile(
            rf"\b(?:{alt('place_prepositions')}|(?:city|town|village|state|north|south|east|"
            r"west) of)\s+(?:the\s+)?$",
            re.I,
        ),
        quote=re.compile(quote),
        speaker_after=re.compile(
            rf"^\s*[,.!?]?\s*(?:(?P<v1>{said})\s+(?P<s1>[^,.;:!?{marks}]{{1,60}})"
            rf"|(?P<s2>[^,.;:!?{marks}]{{1,60}}?)\s+(?:{said})\b)",
        ),
        speaker_before=re.compile(
            rf"(?P<s>[^,.;:!?{marks}]{{1,60}}?)\s+(?:{said})(?:\s+\w+)?\s*[,:]?\s*$",
        ),
        reported=re.compile(
            rf"\b(?:{said})(?:\s+(?:[A-Z][\w-]*|reporters|journalists|him|her|them|CNN))?"
            rf"\s+(?:that\s+)?(?P<c>[^{marks}]{{8,}}?)\s*[.!?]?\s*$"
        ),
        reported_first=re.compile(
            rf"^(?P<c>[^{marks}]{{8,}}?),\s*(?:[^,]{{1,50}}?)\s+(?:{said})\b[^,]*\.?\s*$"
        ),
        reason=re.compile(
            rf"\b(?:{alt('reason_cues')})\s+(?P<c>[^;.!?]+?)\s*(?=[,;.!?]|$)",
            re.I,
        ),
        manner=re.compile(
            rf"\b(?:{alt('manner_cues')})\s+(?P<c>(?:\w+ing\b|using\b)[^,;.!?]*)",
            re.I,
        ),
        phrase_break=re.compile(rf"[,;:(){marks}!?]|\.(?=\s|$)|\s[-–—]+\s"),
    )


# -- reading a sentence ----------------------------------------------------------------
def _all_spans(sentence: str, kinds: frozenset[SpanKind]) -> Iterator[Span]:
    """The spans of ``sentence``, kind by kind; kinds not in ``kinds`` are not read (a
    reading that gives several kinds, names or numbers with periods, may still yield them)."""
    rx = _rx()
    body = body_start(sentence)
    times = (
        [m.span() for m in rx.time.finditer(sentence) if m.start() >= body]
        if kinds & _AFTER_TIMES
        else []
    )
    if "time" in kinds:
        for start, end in times:
            yield _make(sentence, start, end, "time")
    if "number" in kinds:
        for (start, end), (start2, end2) in pairwise(times):
            # "from 1870 to 1939", "between 1990 and 1995": a period, which answers "how long".
            join = sentence[end:start2]
            if _RANGE_JOIN.fullmatch(join) and (
                "and" not in join or sentence[max(0, start - 8) : start].endswith("between ")
            ):
                yield _make(sentence, start, end2, "number", "duration")
        for m in rx.number.finditer(sentence):
            # A clock time ("3:08 left") may also answer "how much time"; other times are no number.
            if m.start() < body or any(
                s <= m.start() < e and ":" not in sentence[s:e] for s, e in times
            ):
                continue
            yield _make(sentence, m.start(), m.end(), "number", _measure(m))
    if kinds & NAME_KINDS:
        yield from _names(sentence, body, times)
    if "phrase" in kinds:
        yield from _phrases(sentence, body)
    if "quote" in kinds:
        yield from _quotes(sentence, body)
    if "reason" in kinds:
        for m in rx.reason.finditer(sentence):
            yield _make(sentence, m.start("c"), m.end("c"), "reason")
    if "manner" in kinds:
        for m in rx.manner.finditer(sentence):
            yield _make(sentence, m.start(), m.end("c"), "manner")


_RANGE_JOIN = re.compile(r"\s*[-–]\s*|\s+(?:to|until|till|and)\s+")
_AGE_BEFORE = re.compile(r"\b(?:[Aa]ged?|[Aa]ges of)\s+$")


def _measure(m: re.Match[str]) -> str:
    """What a number measures, from its currency sign, percent sign or unit."""
    rx = _rx()
    unit = m.group("unit")
    if m.group("cur") or (unit and rx.money.search(unit)):
        return "money"
    if m.group("pct") or (unit and "per" in unit):
        return "percent"
    if m.group("age") or (
        not unit and _AGE_BEFORE.search(m.string, max(0, m.start() - 12), m.start())
    ):
        return "age"  # "39 years old", "a 39-year-old", "at age 39", "aged 39"
    if unit:
        return "duration" if rx.duration.fullmatch(unit.strip()) else "distance"
    return "count"


def _names(sentence: str, body: int, times: list[tuple[int, int]]) -> Iterator[Span]:
    """Runs of capitalised words, typed as organisation, place or person."""
    found = [m for m in tokens(sentence) if m.start() >= body]
    first = found[0].start() if found else -1
    glue = lexicon.words("name_glue")
    run: list[re.Match[str]] = []
    for t in [*found, None]:
        word = t.group() if t else ""
        # A month or a weekday is a time, not a name (asked only of capitalised words).
        capital = (
            t is not None and word[:1].isupper() and not any(s <= t.start() < e for s, e in times)
        )
        joined = bool(run) and t is not None and sentence[run[-1].end() : t.start()] == " "
        if t is not None and capital and (not run or joined):
            run.append(t)
            continue
        if t is not None and run and joined and word in glue:
            run.append(t)
            continue
        if run:  # most words start no name: nothing to judge
            yield from name_span(sentence, run, first)
        run = [t] if t is not None and capital else []


def name_span(sentence: str, run: list[re.Match[str]], first: int) -> Iterator[Span]:
    """The name a run of capitalised words gives, if any, typed by its words and cues.

    ``first`` is where the sentence's first word starts (-1: the run is not at the start),
    since a word capitalised there may be an ordinary word ("Police said …").
    """
    glue = lexicon.words("name_glue")
    ordinary = lexicon.words("ordinary_starts")
    demonyms = lexicon.words("demonyms")
    stop = stopwords()
    while run and run[-1].group() in glue:
        run = run[:-1]
    while (
        run
        and (run[0].group().casefold() in stop or run[0].group().casefold() in ordinary)
        and (run[0].start() == first or run[0].group() in ("The", "A", "An"))
    ):
        run = run[1:]
    # "Egyptian President Hosni Mubarak": the nationality describes, the name answers; in
    # "the Scottish Executive" it is part of the one name.
    affiliations = lexicon.words("party_affiliations")
    while len(run) > 2 and (
        run[0].group().casefold() in demonyms or run[0].group().casefold() in affiliations
    ):
        run = run[1:]  # "Conservative Michael Fallon", "Tory David Heathcoat-Amory" too
    if not run:
        return
    words = [m.group().casefold().rstrip(".") for m in run]
    if len(run) == 1 and (words[0] in demonyms or words[0] in stop):
        return
    if len(run) == 1 and (
        _rx().number_word.fullmatch(words[0]) or (run[0].start() == first and words[0] in ordinary)
    ):
        # "Nine of the 11 …", "Thousands of mourners …": numbers, not names.
        return
    start, end = run[0].start(), run[-1].end()
    text = sentence[start:end]
    if text.endswith(("'s", "’s")):
        end -= 2
    before = sentence[max(0, start - 20) : start]
    plain = [re.sub(r"['’]s$", "", w) for w in words]
    organisations = _organisation_words()
    acronym = any(len(w) >= 2 and w.isupper() and w.isalpha() for w in (m.group() for m in run))
    named = " ".join(plain)
    kind: SpanKind
    if any(w in organisations or (w[-1:] == "s" and w[:-1] in organisations) for w in plain):
        kind = "organisation"  # "Allied Irish Banks", "… Safety Administration"
    elif named in lexicon.words("place_names") or named.removeprefix("the ") in lexicon.words(
        "place_names"
    ):
        kind = "place"  # "the UK", "Jordan", "New York"
    elif acronym:
        kind = "organisation"
    elif ends_with_place_cue(before):
        kind = "place"
    else:
        kind = "person"
    yield _make(sentence, start, end, kind)


@cache
def _organisation_words() -> frozenset[str]:
    """Words that make a name an organisation's ("Group", "Party", "Administration")."""
    return lexicon.words("organisation_words") | lexicon.words("name_organisation_words")


def _quotes(sentence: str, body: int) -> Iterator[Span]:
    """Quotations with who said them; or, failing those, indirect speech."""
    rx = _rx()
    found = False
    marks = quote_marks()
    quoted: list[tuple[int, int]] = [m.span() for m in rx.quote.finditer(sentence)]
    at = [i for i, ch in enumerate(sentence) if ch in marks]
    if not quoted and len(at) == 1:
        # A quotation cut by the sentence splitter: `We cannot have Minsk 3," he said.`
        i = at[0]
        if sentence[i + 1 : i + 40].lstrip(" ").startswith(("said", "he ", "she ")) or (
            i > 0 and sentence[i - 1] in ",.!?"
        ):
            quoted.append((body - 1, i + 1))
        else:
            quoted.append((i, len(sentence) + 1))
    for s, e in quoted:
        start, end = s + 1, e - 1
        inner = sentence[start:end].rstrip(" ,")
        end = start + len(inner)
        after = rx.speaker_after.match(sentence[e:])
        speaker = ""
        if after:
            speaker = after.group("s1") or after.group("s2") or ""
        elif (before := rx.speaker_before.search(sentence[: max(s, 0)])) is not None:
            speaker = before.group("s")
        if end - start >= 2:
            found = True
            yield _make(sentence, start, end, "quote", "", speaker)
    if found:
        return
    for pattern in (rx.reported_first, rx.reported):
        m = pattern.search(sentence, body)
        if m:
            reported = pattern is rx.reported
            speaker = sentence[body : m.start()] if reported else sentence[m.end("c") :]
            yield _make(sentence, m.start("c"), m.end("c"), "quote", "reported", speaker)
            return


def _phrases(sentence: str, body: int) -> Iterator[Span]:
    """Stretches of the sentence between punctuation, for questions no other kind fits.

    The question's own words are cut out when a question reads them
    (:mod:`qabot.answering.short`); here a stretch is what lies between two marks.
    """
    start = body
    for m in [*_rx().phrase_break.finditer(sentence, body), None]:
        end = m.start() if m else len(sentence)
        if end > start:
            yield _make(sentence, start, end, "phrase")
        start = m.end() if m else end


def _make(
    sentence: str, start: int, end: int, kind: SpanKind, detail: str = "", context: str = ""
) -> Span:
    text = sentence[start:end]
    stripped = text.strip().rstrip(",;:")
    start += len(text) - len(text.lstrip())
    return Span(start, start + len(stripped), kind, stripped, detail, context)
