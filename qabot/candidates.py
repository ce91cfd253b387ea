"""Candidate answers inside a sentence, and the choice of the short answer.

This module owns the short answer: the names, organisations, places, times, numbers,
quotations and reasons a sentence holds (:func:`candidates`), and which of them answers a
question best (:func:`short_answer`): one of the asked type, not made of the question's own
words, and nearest to the words that match the question. Everything is plain regular
expressions over the sentence, so each choice can be explained and no data is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from qabot.questions import QuestionShape

__all__ = ["Candidate", "candidates", "fits", "short_answer"]


@dataclass(frozen=True)
class Candidate:
    """A possible short answer: a span of the sentence and what kind of thing it names."""

    start: int
    end: int
    #: "person" | "organisation" | "place" | "time" | "number" | "quote" | "reason" | "manner"
    kind: str
    text: str
    #: For a number, what it measures ("money", "percent", "age", "duration", "distance",
    #: "count"); for a quote, "reported" when it is indirect speech ("he said that …").
    detail: str = ""
    #: For a quote, the words naming who said it; for a number, the word that precedes it.
    context: str = ""


_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_YEAR = r"(?:1[0-9]\d\d|20\d\d)"
_NUMWORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|a hundred|dozens|a dozen|hundreds|thousands|millions|a few|several)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million))*"
)
_TIME = re.compile(
    rf"(?:{_DAY},?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+{_YEAR})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR})?|{_MONTH}(?:\s+{_YEAR})?)\b"
    rf"|{_DAY}(?:\s+(?:morning|afternoon|evening|night))?\b"
    r"|\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)(?:\s+\w+\s+time\b)?"
    rf"|\b(?:the\s+)?(?:(?:early|late|mid)[- ])?{_YEAR}s\b"
    rf"|\b(?:(?:early|late|mid)[- ])?{_YEAR}\b(?![-\d%]| ?(?:percent|per cent))"
    r"|\b(?:(?:early|late|mid)[- ])?(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|"
    r"sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)\s+century\b"
    r"|\b\d{1,2}:\d\d\b(?![:\d])"
    r"|\b(?:yesterday|today|tomorrow|tonight)\b"
    r"|\b(?:last|next|this|earlier this|later this)\s+(?:week|weekend|month|year|season|"
    rf"spring|summer|fall|autumn|winter|night|morning|{_MONTH}|{_DAY})\b"
    rf"|\b(?:\d[\d,.]*(?:\s(?:million|billion|thousand))?|{_NUMWORD}|a|an)\s+"
    r"(?:days?|weeks?|months?|years?|hours?|decades?)\s+"
    r"(?:ago|later|earlier)\b",
)
_UNIT_WORDS = {
    "money": r"dollars|euros|pounds|yen|yuan|rupees|cents|pence",
    "duration": r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries",
    "distance": r"km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|feet|foot|inch(?:es)?|acres|"
    r"hectares|square (?:miles|kilomet(?:re|er)s|feet|met(?:re|er)s)|kg|kilograms?|tons|"
    r"tonnes|pounds|mph|degrees|cm|mm",
    "percent": r"percent|per cent|percentage points",
}
_SCALE = r"(?:\s?(?:million|billion|trillion|bn|m|k|thousand|hundred)\b)?"
_NUMBER = re.compile(
    r"(?P<cur>(?:US|A|C|HK)?[$£€¥]\s?)?"
    rf"(?P<num>\d[\d,]*(?:[.:]\d+)?|(?<![\w-])(?:{_NUMWORD}|twice|once)(?!\w|-(?!time\b)))"
    rf"(?P<scale>{_SCALE})"
    r"(?P<pct>\s?%)?"
    rf"(?P<unit>\s(?:{'|'.join(_UNIT_WORDS.values())})\b(?!-))?"
    r"(?P<age>-year-old|\syears? old)?",
    re.I,
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_][\w'’&-]*")
# Words that glue the capitalised parts of one name: "Bank of England", "Osama bin Laden".
_NAME_GLUE = _word_set("of de da del van von der al bin la le &")
_ORG_WORDS = _word_set(
    "inc corp corporation ltd plc llc co company party council association university "
    "college institute foundation agency commission committee ministry department bank "
    "group union court airlines airways news times post fc club organization organisation "
    "society network studios records church army navy police service office federation "
    "league board authority parliament congress senate"
)
_DEMONYMS = _word_set(
    "american british english french german chinese japanese russian iraqi iranian "
    "israeli palestinian afghan pakistani indian mexican canadian african european asian "
    "arab muslim christian jewish italian spanish korean syrian egyptian turkish saudi "
    "somali kenyan nigerian australian brazilian scottish welsh irish dutch swiss swedish "
    "greek polish ukrainian western democrat republican democrats republicans islamic "
    "catholic sunni shiite kurdish"
)
# A capitalised first word of a sentence is often just a word: "Police", "Officials".
_ORDINARY_STARTS = _word_set(
    "police officials authorities meanwhile however earlier later last many some most "
    "several experts critics residents witnesses according despite although after before "
    "since while still yet also now then it's that's there's his her alleged around words "
    "people asked during under instead other another"
)
_STOPWORDS = _word_set(
    "a an the and or but of in on at to for by with from as is was were are be been it "
    "its he she they his her their this that these those we i you if so not no did do "
    "does has have had will would can could what which who whom whose when where why how "
    "many much there after before about into than then also just over said say says mr "
    "mrs ms dr according more most some"
)
_PLACE_CUE = re.compile(
    r"\b(?:in|at|near|from|to|outside|inside|across|into|toward|towards|around|"
    r"throughout|through|capital|(?:city|town|village|state|north|south|east|west) of)"
    r"\s+(?:the\s+)?$",
    re.I,
)
_SAID = (
    r"said|says|say|told|added|adds|warned|warns|concluded|explained|wrote|writes|argued|"
    r"insisted|stated|declared|noted|asked|continued|acknowledged|admitted|claimed|"
    r"believes|thinks|recalled|predicted|announced|urged|replied|cautioned|stressed"
)
_OPEN_CLOSE = {'"': '"', "“": "”", "”": "”"}
_QUOTE = re.compile(r'"(?P<a>[^"]{2,})"|“(?P<b>[^”“]{2,})”')
_SPEAKER_AFTER = re.compile(
    rf"^\s*[,.!?]?\s*(?:(?P<v1>{_SAID})\s+(?P<s1>[^,.;:!?\"“”]{{1,60}})"
    rf"|(?P<s2>[^,.;:!?\"“”]{{1,60}}?)\s+(?:{_SAID})\b)",
)
_SPEAKER_BEFORE = re.compile(
    rf"(?P<s>[^,.;:!?\"“”]{{1,60}}?)\s+(?:{_SAID})(?:\s+\w+)?\s*[,:]?\s*$",
)
# "He said that the talks had failed": indirect speech, when no quotation is there.
_REPORTED = re.compile(
    rf"\b(?:{_SAID})(?:\s+(?:[A-Z][\w-]*|reporters|journalists|him|her|them|CNN))?"
    r"\s+(?:that\s+)?(?P<c>[^\"“”]{8,}?)\s*[.!?]?\s*$"
)
_REPORTED_FIRST = re.compile(
    rf"^(?P<c>[^\"“”]{{8,}}?),\s*(?:[^,]{{1,50}}?)\s+(?:{_SAID})\b[^,]*\.?\s*$"
)
_REASON = re.compile(
    r"\b(?:because(?:\s+of)?|due\s+to|as\s+a\s+result\s+of|so\s+that|in\s+order\s+to|"
    r"owing\s+to|thanks\s+to|since)\s+(?P<c>[^;.!?]+?)\s*(?=[,;.!?]|$)",
    re.I,
)
_MANNER = re.compile(r"\b(?:by|through|using|via)\s+(?P<c>(?:\w+ing\b|using\b)[^,;.!?]*)", re.I)
_DATELINE = re.compile(r"^[^.!?\n]{0,80}?\([^()\n]{1,30}\)\s*(?:--|—|–|-)\s*")

# Which candidate kinds fit each asked kind, and how well: a name's kind is only guessed,
# so a "who" question still takes a name that looks like a place, at a cost.
_FIT: dict[str, dict[str, float]] = {
    "person": {"person": 1.0, "organisation": 0.7, "place": 0.3},
    "organisation": {"organisation": 1.0, "person": 0.7, "place": 0.4},
    "place": {"place": 1.0, "organisation": 0.5, "person": 0.5, "phrase": 0.1},
    "time": {"time": 1.0},
    "number": {"number": 1.0},
    "quote": {"quote": 1.0, "phrase": 0.3},
    "reason": {"reason": 1.0, "phrase": 0.3},
    "manner": {"manner": 1.0, "phrase": 0.3},
    "thing": {"phrase": 1.0, "organisation": 0.9, "person": 0.9, "place": 0.9, "quote": 0.8},
}
# Words a change is stated with: "jumped 76%", "rose by $2m"; "to"/"from" give the levels.
_CHANGE_BEFORE = re.compile(
    r"\b(?:by|rose|rise|rising|jumped|jump|fell|fall|dropped|climbed|gained|lost|grew|"
    r"increased|decreased|declined|surged|slumped|plunged|soared|up|down)\s*$",
    re.I,
)
_LEVEL_BEFORE = re.compile(r"\b(?:to|from|at|of)\s*$", re.I)


def candidates(sentence: str, shape: QuestionShape) -> list[Candidate]:
    """Every candidate in ``sentence`` fitting the shape's type, beyond the question's words."""
    fits = _FIT.get(shape.kind or "", {})
    out: list[Candidate] = []
    for c in _all_candidates(sentence):
        if c.kind not in fits:
            continue
        if c.kind == "phrase":
            parts = _outside_question(sentence, c, shape)
        else:
            parts = [_untitled(sentence, c, shape)]
        out.extend(p for p in parts if not _only_question_words(p.text, shape))
    return sorted(out, key=lambda c: (c.start, c.end))


#: What a question of each kind must find to be answered: the kinds of candidate that
#: count (a name's kind is a guess, so people and organisations stand for each other).
_STRICT: dict[str, frozenset[str]] = {
    "person": frozenset({"person", "organisation"}),
    "organisation": frozenset({"organisation", "person"}),
    "place": frozenset({"place"}),
    "time": frozenset({"time"}),
    "number": frozenset({"number"}),
    "quote": frozenset({"quote"}),
}
_UNITS = frozenset({"money", "percent", "age", "duration", "distance"})


def fits(shape: QuestionShape, candidate: Candidate | None) -> bool:
    """Whether ``candidate`` is the kind of thing ``shape`` asks for, strictly.

    "How much was she paid?" wants an amount of money, not any number; questions of no
    strict kind ("what …", "why …", "how …") are fitted by any candidate.
    """
    kind = shape.kind or ""
    if kind not in _STRICT:
        return candidate is not None
    if candidate is None or candidate.kind not in _STRICT[kind]:
        return False
    if kind == "number" and shape.unit in _UNITS:
        return candidate.detail == shape.unit
    return True


def short_answer(
    shape: QuestionShape, sentence: str, anchors: Sequence[tuple[int, int]] = ()
) -> Candidate | None:
    """The candidate that best answers: of the asked type, new, and near the question's words.

    ``anchors`` are the spans of ``sentence`` whose words match the question; when empty,
    words equal to the question's (case-folded, or sharing a five-letter stem) are used.
    """
    found = candidates(sentence, shape)
    if not found or shape.kind is None:
        return None
    spans = list(anchors) or _anchors(sentence, shape)
    return max(found, key=lambda c: _score(c, shape, sentence, spans))


def _score(
    c: Candidate, shape: QuestionShape, sentence: str, anchors: list[tuple[int, int]]
) -> float:
    value = _FIT[shape.kind or ""][c.kind]
    words = _words(c.text)
    # A candidate that repeats part of the question ("President Obama" for "what did
    # Obama say") is less likely the new information asked for.
    if words:
        value -= 0.5 * sum(w in shape.words for w in words) / len(words)
    if anchors:
        gap = min(_gap(c, a, sentence) for a in anchors)
        value -= 0.04 * min(gap, 20)
        if shape.asks_for_subject and shape.kind in ("person", "organisation"):
            # "Who won …": the subject comes before the verb the question names.
            value += 0.15 if c.end <= anchors[0][0] else 0.0
    before = sentence[max(0, c.start - 20) : c.start]
    if shape.kind == "number":
        value += _unit_fit(c, shape, sentence, before)
    elif shape.kind == "quote":
        value += 0.0 if c.detail == "reported" else 0.5
        speaker = {w.casefold() for w in shape.speaker} - _STOPWORDS
        if speaker and speaker & set(_words(c.context)):
            value += 1.0
    elif c.kind == "phrase" and anchors:
        # "What did X order?": the object after the question's words; "what frightened
        # the families?": the subject before them.
        if shape.asks_for_subject:
            value += 0.2 if c.end <= anchors[0][0] else 0.0
        else:
            value += 0.2 if c.start >= anchors[0][1] else 0.0
    elif shape.kind == "place" and c.kind == "place":
        value += 0.2 if _PLACE_CUE.search(before) else 0.0
    return value


def _unit_fit(c: Candidate, shape: QuestionShape, sentence: str, before: str) -> float:
    value = 0.0
    if shape.unit == "change":
        if _CHANGE_BEFORE.search(before):
            value += 0.6
        elif _LEVEL_BEFORE.search(before):
            value -= 0.4
        value += 0.3 if c.detail == "percent" else 0.0
    elif shape.unit is not None and shape.unit != "count":
        value += 0.6 if c.detail == shape.unit else 0.0
    elif shape.unit == "count":
        value -= 0.4 if c.detail in ("money", "percent") else 0.0
    if shape.counted:
        after = _words(sentence[c.end : c.end + 30])[:3]
        if any(_same_word(w, shape.counted) for w in after):
            value += 0.5
    return value


def _all_candidates(sentence: str) -> Iterator[Candidate]:
    dateline = _DATELINE.match(sentence)
    body = dateline.end() if dateline else 0
    times = [m.span() for m in _TIME.finditer(sentence) if m.start() >= body]
    for start, end in times:
        yield _make(sentence, start, end, "time")
    for m in _NUMBER.finditer(sentence):
        # A clock time ("3:08 left") may also answer "how much time"; other times are no number.
        if m.start() < body or any(
            s <= m.start() < e and ":" not in sentence[s:e] for s, e in times
        ):
            continue
        detail = "count"
        if m.group("cur") or (m.group("unit") and re.search(_UNIT_WORDS["money"], m.group("unit"))):
            detail = "money"
        elif m.group("pct") or (m.group("unit") and re.search("per", m.group("unit"))):
            detail = "percent"
        elif m.group("age"):
            detail = "age"
        elif m.group("unit"):
            unit = m.group("unit").strip()
            detail = "duration" if re.fullmatch(_UNIT_WORDS["duration"], unit) else "distance"
        yield _make(sentence, m.start(), m.end(), "number", detail)
    yield from _names(sentence, body, times)
    yield from _phrases(sentence, body)
    yield from _quotes(sentence, body)
    for m in _REASON.finditer(sentence):
        yield _make(sentence, m.start("c"), m.end("c"), "reason")
    for m in _MANNER.finditer(sentence):
        yield _make(sentence, m.start(), m.end("c"), "manner")


def _names(sentence: str, body: int, times: list[tuple[int, int]]) -> Iterator[Candidate]:
    """Runs of capitalised words, typed as organisation, place or person."""
    tokens = [m for m in _TOKEN.finditer(sentence) if m.start() >= body]
    first = tokens[0].start() if tokens else -1
    run: list[re.Match[str]] = []
    for t in [*tokens, None]:
        word = t.group() if t else ""
        in_time = t is not None and any(s <= t.start() < e for s, e in times)
        capital = word[:1].isupper() and not in_time
        joined = bool(run) and t is not None and sentence[run[-1].end() : t.start()] == " "
        if t is not None and capital and (not run or joined):
            run.append(t)
            continue
        if t is not None and run and joined and word in _NAME_GLUE:
            run.append(t)
            continue
        yield from _name_candidate(sentence, run, first)
        run = [t] if t is not None and capital else []


def _name_candidate(sentence: str, run: list[re.Match[str]], first: int) -> Iterator[Candidate]:
    while run and run[-1].group() in _NAME_GLUE:
        run = run[:-1]
    while (
        run
        and run[0].group().casefold() in _STOPWORDS | _ORDINARY_STARTS
        and (run[0].start() == first or run[0].group() in ("The", "A", "An"))
    ):
        run = run[1:]
    # "Egyptian President Hosni Mubarak": the nationality describes, the name answers.
    while len(run) > 1 and run[0].group().casefold() in _DEMONYMS:
        run = run[1:]
    if not run:
        return
    words = [m.group().casefold().rstrip(".") for m in run]
    if len(run) == 1 and (words[0] in _DEMONYMS or words[0] in _STOPWORDS):
        return
    if len(run) == 1 and (
        re.fullmatch(_NUMWORD, words[0])
        or (run[0].start() == first and words[0] in _ORDINARY_STARTS)
    ):
        # "Nine of the 11 …", "Thousands of mourners …": numbers, not names.
        return
    start, end = run[0].start(), run[-1].end()
    text = sentence[start:end]
    if text.endswith(("'s", "’s")):
        end -= 2
    before = sentence[max(0, start - 20) : start]
    last = re.sub(r"['’]s$", "", words[-1])
    acronym = any(len(w) >= 2 and w.isupper() and w.isalpha() for w in (m.group() for m in run))
    if last in _ORG_WORDS or any(w in _ORG_WORDS for w in words) or acronym:
        kind = "organisation"
    elif _PLACE_CUE.search(before):
        kind = "place"
    else:
        kind = "person"
    yield _make(sentence, start, end, kind)


def _quotes(sentence: str, body: int) -> Iterator[Candidate]:
    """Quotations with who said them; or, failing those, indirect speech."""
    found = False
    spans: list[tuple[int, int]] = [m.span() for m in _QUOTE.finditer(sentence)]
    marks = [i for i, ch in enumerate(sentence) if ch in _OPEN_CLOSE]
    if not spans and len(marks) == 1:
        # A quotation cut by the sentence splitter: `We cannot have Minsk 3," he said.`
        i = marks[0]
        if sentence[i + 1 : i + 40].lstrip(" ").startswith(("said", "he ", "she ")) or (
            i > 0 and sentence[i - 1] in ",.!?"
        ):
            spans.append((body - 1, i + 1))
        else:
            spans.append((i, len(sentence) + 1))
    for s, e in spans:
        start, end = s + 1, e - 1
        inner = sentence[start:end].rstrip(" ,")
        end = start + len(inner)
        after = _SPEAKER_AFTER.match(sentence[e:])
        speaker = ""
        if after:
            speaker = after.group("s1") or after.group("s2") or ""
        elif (before := _SPEAKER_BEFORE.search(sentence[: max(s, 0)])) is not None:
            speaker = before.group("s")
        if end - start >= 2:
            found = True
            yield _make(sentence, start, end, "quote", "", speaker)
    if found:
        return
    for pattern in (_REPORTED_FIRST, _REPORTED):
        m = pattern.search(sentence, body)
        if m:
            speaker = sentence[body : m.start()] if pattern is _REPORTED else sentence[m.end("c") :]
            yield _make(sentence, m.start("c"), m.end("c"), "quote", "reported", speaker)
            return


_PHRASE_BREAK = re.compile(r"[,;:()\"“”!?]|\.(?=\s|$)|\s[-–—]+\s")


def _phrases(sentence: str, body: int) -> Iterator[Candidate]:
    """Stretches of the sentence between punctuation, for questions no other kind fits.

    The question's own words are cut out later (see :func:`_outside_question`); here a
    stretch is what lies between two marks of punctuation.
    """
    start = body
    for m in [*_PHRASE_BREAK.finditer(sentence, body), None]:
        end = m.start() if m else len(sentence)
        if end > start:
            yield _make(sentence, start, end, "phrase")
        start = m.end() if m else end


def _untitled(sentence: str, c: Candidate, shape: QuestionShape) -> Candidate:
    """A name without the question's words that lead it: "NATO Secretary General Jens
    Stoltenberg" answers "who is the NATO Secretary General?" as "Jens Stoltenberg"."""
    if c.kind not in ("person", "organisation", "place"):
        return c
    wanted = {w for w in shape.words if w not in _STOPWORDS}
    run = list(_TOKEN.finditer(sentence, c.start, c.end))
    lead = 0
    while lead < len(run) - 1 and any(_same_word(run[lead].group().casefold(), w) for w in wanted):
        lead += 1
    if not lead:
        return c
    # The rest is judged again: without "NATO" the name is a person's, not an organisation's.
    return next(_name_candidate(sentence, run[lead:], -1), c)


def _outside_question(sentence: str, c: Candidate, shape: QuestionShape) -> list[Candidate]:
    """The runs of a phrase between the question's words, without stopwords at the ends."""
    wanted = {w for w in shape.words if w not in _STOPWORDS}
    runs: list[list[re.Match[str]]] = [[]]
    for m in _TOKEN.finditer(sentence, c.start, c.end):
        word = m.group().casefold()
        if any(_same_word(word, w) for w in wanted):
            runs.append([])
        else:
            runs[-1].append(m)
    out = []
    for run in runs:
        while run and run[0].group().casefold() in _STOPWORDS:
            run = run[1:]
        while run and run[-1].group().casefold() in _STOPWORDS:
            run = run[:-1]
        if run:
            out.append(_make(sentence, run[0].start(), run[-1].end(), "phrase"))
    return out


def _make(
    sentence: str, start: int, end: int, kind: str, detail: str = "", context: str = ""
) -> Candidate:
    text = sentence[start:end]
    stripped = text.strip().rstrip(",;:")
    start += len(text) - len(text.lstrip())
    return Candidate(start, start + len(stripped), kind, stripped, detail, context)


def _anchors(sentence: str, shape: QuestionShape) -> list[tuple[int, int]]:
    """Spans of ``sentence`` whose words match the question's content words."""
    wanted = [w for w in shape.words if w not in _STOPWORDS and w.isalnum()]
    return [
        m.span()
        for m in _TOKEN.finditer(sentence)
        if any(_same_word(m.group().casefold(), w) for w in wanted)
    ]


def _same_word(a: str, b: str) -> bool:
    # A crude stem: "subscribers"/"subscriber", "profits"/"profit", without nltk data.
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def _gap(c: Candidate, anchor: tuple[int, int], sentence: str) -> int:
    """Words between a candidate and an anchor (0 when they touch or overlap)."""
    if anchor[1] <= c.start:
        between = sentence[anchor[1] : c.start]
    elif c.end <= anchor[0]:
        between = sentence[c.end : anchor[0]]
    else:
        return 0
    return len(_words(between))


def _words(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"[\w'’-]+", text)]


def _only_question_words(text: str, shape: QuestionShape) -> bool:
    words = [w for w in _words(text) if w not in _STOPWORDS]
    return not words or all(w in shape.words or w.rstrip("s'’") in shape.words for w in words)
