"""Question analysis: what kind of answer a question asks for, and whether a sentence has one.

"Who …" wants a person (or an organisation), "which company …" an organisation, "where …" a
place, "when …" a time, "how many/much/long …" a number (with a hint of its unit), "what did
X say …" a quotation by X, "why …" a reason and "how …" a manner. A sentence that holds such
a thing, beyond the words of the question itself, is more likely the answer than one that
only repeats the question. The rules are plain English patterns, the same for every corpus;
they nudge the choice of the answering sentence and shape the short answer
(:mod:`qabot.candidates`), and never decide alone.

Question words ("who", "when", "how") are stopwords to the index, so they are read here from
the raw question, never from its index terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["AnswerKind", "QuestionShape", "Unit", "analyze_question", "offers"]

AnswerKind = Literal[
    "person", "organisation", "place", "time", "number", "quote", "reason", "manner", "thing"
]
#: What a number answer should measure: money, an age, a duration, a distance or size,
#: a percentage, a change ("how much did profits rise": the rise, not the new level), a count.
Unit = Literal["money", "age", "duration", "distance", "percent", "change", "count"]

_ORGANISATION_NOUNS = (
    r"company|companies|firm|organi[sz]ation|group|team|club|party|agency|newspaper|network|"
    r"airline|band|bank|council|university|college|school|union|channel|network|court|"
    r"ministry|department|government|association|league|studio|magazine|station|brand|label"
)
_PERSON_NOUNS = r"person|man|woman|player|official|leader|president|actor|actress|singer|people"
_PLACE_NOUNS = (
    r"country|countries|city|cities|state|town|place|region|nation|province|village|area|"
    r"continent|island|county|district|neighbou?rhood|capital|street|location|port|airport"
)

_KIND_PATTERNS: tuple[tuple[AnswerKind, re.Pattern[str]], ...] = (
    # Order matters: "how many people" is a number, "what year" a time, before "who".
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|old|long|far|big|large|tall|fast|often|high|deep|wide|heavy)\b"
            r"|\b(?:what|which) (?:number|amount|percent|percentage|age|size|price|total|"
            r"proportion|share|rate|sum|cost|value|figure)\b",
            re.I,
        ),
    ),
    (
        "time",
        re.compile(
            r"\bwhen\b|\b(?:what|which) "
            r"(?:year|month|day|date|time|decade|century|season|period)\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(rf"\bwhere\b|\b(?:what|which|in what|in which) (?:{_PLACE_NOUNS})\b", re.I),
    ),
    ("organisation", re.compile(rf"\b(?:what|which) (?:{_ORGANISATION_NOUNS})\b", re.I)),
    ("person", re.compile(rf"\bwho(?:m|se)?\b|\b(?:what|which) (?:{_PERSON_NOUNS})\b", re.I)),
    ("reason", re.compile(r"\bwhy\b|\bwhat (?:was|is|were) the (?:reason|cause)\b", re.I)),
    # "How" alone, once "how many/much/…" above has taken the numbers.
    ("manner", re.compile(r"\bhow\b", re.I)),
    # Any other "what …"/"which …": a phrase of the sentence, the weakest kind.
    ("thing", re.compile(r"\b(?:what|which)\b", re.I)),
)

_SAY_VERBS = (
    r"say|said|says|saying|tell|told|tells|think|thinks|thought|claim|claims|claimed|warn|"
    r"warns|warned|argue|argued|argues|believe|believes|believed|predict|predicted|"
    r"write|wrote|add|added|admit|admitted|insist|insisted|describe|described|"
    r"promise|promised|suggest|suggested|announce|announced|comment|commented|feel|felt|"
    r"react|reacted|respond|responded|mean|meant|urge|urged|explain|explained|state|stated"
)
# "What did X say", "what does she think", "who told …": the answer is likely a quotation.
# "What state …" asks for a place, not a statement, hence the look-behind.
_SAYING = re.compile(
    r"\b(?:say|said|says|tell|told|think|thinks|thought|claim|claimed|warn|warned|stated|"
    r"(?<!what )(?<!which )state|react|reacted|respond|responded|mean|meant)\b",
    re.I,
)
# "What did Stoltenberg say about Minsk?": a quotation, and who said it.
_QUOTE_QUESTION = re.compile(
    rf"\bwhat\s+(?:did|does|do|has|have|had|is|was|were|are|will|would|could)\s+"
    rf"(?P<speaker>.+?)\s+(?:{_SAY_VERBS})\b",
    re.I,
)
_MONEY_CUE = re.compile(
    r"\b(?:cost|costs|pay|paid|pays|worth|price|priced|raise|raised|spend|spent|earn|earned|"
    r"earns|profits?|revenues?|sales|sell|sold|fund|funds|funding|fine|fined|budget|salary|"
    r"dollars|pounds|euros|money|charge|charged|owe|owed|loans?|debts?|invest|invested|"
    r"bid|bill|damages|compensation|donate|donated|income|losses|tax|bonus|fee|fees)\b",
    re.I,
)
_CHANGE_CUE = re.compile(
    r"\b(?:rise|rose|risen|rises|jump|jumped|climb|climbed|fall|fell|fallen|falls|drop|"
    r"dropped|decline|declined|grow|grew|grown|increase|increased|decrease|decreased|"
    r"gain|gained|surge|surged|slump|slumped|plunge|plunged|soar|soared|shrink|shrank|"
    r"up|down)\b",
    re.I,
)
_UNIT_PATTERNS: tuple[tuple[Unit, re.Pattern[str]], ...] = (
    (
        "percent",
        re.compile(
            r"\b(?:what|which) (?:percent|percentage|proportion|share|rate)\b|"
            r"\bhow many percent\b",
            re.I,
        ),
    ),
    ("age", re.compile(r"\bhow old\b|\b(?:what|which) age\b|\bat what age\b", re.I)),
    (
        "duration",
        re.compile(
            r"\bhow long\b|\bhow many (?:years|months|weeks|days|hours|"
            r"minutes|decades)\b",
            re.I,
        ),
    ),
    ("distance", re.compile(r"\bhow (?:far|tall|high|deep|wide|big|large|heavy)\b", re.I)),
)
_COUNTED = re.compile(r"\bhow many\s+(?:more\s+|of\s+the\s+)?(?P<noun>[^\W\d_][\w'-]*)", re.I)

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|dozen|dozens|twenty|"
    "thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|"
    "million|millions|billion|billions|half|quarter"
)
_NUMBER = re.compile(rf"\b(?:\d[\d,.:]*|{_NUMBER_WORDS})\b", re.I)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_TIME = re.compile(
    rf"\b(?:{_MONTHS}|{_DAYS}|1[5-9]\d\d|20\d\d|\d{{1,2}}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm)"
    r"|yesterday|today|tomorrow|tonight|(?:last|next|this) (?:week|month|year|night|spring|"
    r"summer|fall|autumn|winter)|(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"several|a few) (?:days?|weeks?|months?|years?|hours?|decades?) (?:ago|later|earlier))\b",
    re.I,
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_QUESTION_WORD = re.compile(r"\w[\w'’.,-]*")
_POSSESSIVE = re.compile(r"['’]s?$")
# A news dateline ("NEW DELHI, India (CNN) -- "): its capitals name the newsroom, not an answer.
_DATELINE = re.compile(r"^[^.!?\n]{0,80}?\([^()\n]{1,30}\)\s*(?:--|—|–|-)\s*")
_PLACE = re.compile(
    r"\b(?:in|at|near|from|to|outside|inside|across|into|of)\s+(?:the\s+)?[A-Z][\w'’.-]*"
)
_AUXILIARY = re.compile(
    r"\b(?:did|does|do|is|was|are|were|has|have|had|will|would|can|could|should|may|might)\b",
    re.I,
)
_WHO_IS_NAME = re.compile(r"\s*[Ww]ho (?:is|was) [A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*)*\s*\??\s*$")
_SUBJECT_AFTER_AUX = re.compile(
    r"\s+(?:the|a|an|his|her|their|its|this|that|these|those|he|she|they|it|i|you|we|"
    r"there|[A-Z0-9])",
)
_QUOTES = ('"', "“", "”")
_REASON = re.compile(r"\b(?:because|due to|as a result of|so that|in order to|owing to)\b", re.I)


@dataclass(frozen=True)
class QuestionShape:
    """What a question asks for: a kind of answer (or ``None``), or words someone said."""

    kind: AnswerKind | None
    #: A saying verb is in the question ("say", "told", "claim"): quotations fit.
    asks_for_quote: bool
    #: The question's own words, case-folded: an answer must bring something else.
    words: frozenset[str]
    #: For a number: what it should measure, when the question says.
    unit: Unit | None = None
    #: For "how many X": X, case-folded ("subscribers").
    counted: str = ""
    #: For a quotation: the words naming who spoke ("Stoltenberg", "the prime minister").
    speaker: tuple[str, ...] = ()
    #: "Who won …": the answer is the subject, before the verb; "who did X meet": after it.
    asks_for_subject: bool = False


def analyze_question(question: str) -> QuestionShape:
    """The kind of answer ``question`` asks for."""
    # The first question word decides: "what satellite was used when …" asks for a thing,
    # "when …" alone for a time; at the same place the earlier rule wins ("what year").
    found = [
        (m.start(), order, k)
        for order, (k, pattern) in enumerate(_KIND_PATTERNS)
        if (m := pattern.search(question)) is not None
    ]
    kind: AnswerKind | None = min(found)[2] if found else None
    if _WHO_IS_NAME.match(question):
        # "Who is Radu Mazare?" asks what the person is ("the mayor of Constanta").
        kind = "thing"
    speaker: tuple[str, ...] = ()
    quote = _QUOTE_QUESTION.search(question)
    if quote and kind in (None, "manner", "thing"):
        kind = "quote"
        speaker = tuple(_QUESTION_WORD.findall(quote.group("speaker")))
    plain = [_plain(w) for w in _QUESTION_WORD.findall(question)]
    # "NATO's secretary general" names NATO too: it cannot be the answer.
    words = frozenset(plain + [_POSSESSIVE.sub("", w) for w in plain])
    unit: Unit | None = None
    counted = ""
    if kind == "number":
        unit = _number_unit(question)
        m = _COUNTED.search(question)
        # "How many were hurt?" counts nothing named: "were" is no noun.
        if m is not None and not _AUXILIARY.fullmatch(m.group("noun")):
            counted = m.group("noun").casefold()
    # "Who won …", "what frightened …": no auxiliary after the question word, so the
    # question word is the subject and the answer stands before the verb.
    # "What was taken …", "what did not violate …": an auxiliary not followed by a subject
    # of its own ("what was he …", "what did Carlin …") leaves the question word the subject.
    wh = re.search(r"\b(?:who|what|which)\b", question, re.I)
    subject = False
    if wh is not None:
        aux = _AUXILIARY.search(question, wh.end())
        own = _SUBJECT_AFTER_AUX.match(question, aux.end()) if aux else None
        subject = aux is None or (aux.start() == wh.end() + 1 and own is None)
    return QuestionShape(
        kind, bool(_SAYING.search(question)), words, unit, counted, speaker, subject
    )


def _number_unit(question: str) -> Unit | None:
    # "How much did profits rise?": the rise (76%), not the new level ($1.13bn), though
    # "profits" also cues money; so a change verb wins over the money cue.
    if re.search(r"\bhow much\b", question, re.I) and _CHANGE_CUE.search(question):
        return "change"
    for unit, pattern in _UNIT_PATTERNS:
        if pattern.search(question):
            return unit
    if re.search(r"\bhow much\b|\b(?:what|which) (?:price|cost|sum|value)\b", question, re.I):
        return "money" if _MONEY_CUE.search(question) else None
    if re.search(r"\bhow many\b", question, re.I):
        return "count"
    return None


def offers(shape: QuestionShape, sentence: str) -> bool:
    """Whether ``sentence`` holds a thing of the kind the question asks for, not named in it."""
    if shape.kind in (None, "manner", "thing"):
        return False
    text = _DATELINE.sub("", sentence, count=1)
    if shape.kind == "number":
        return any(_plain(m.group()) not in shape.words for m in _NUMBER.finditer(text))
    if shape.kind == "time":
        return any(_plain(m.group()) not in shape.words for m in _TIME.finditer(text))
    if shape.kind == "place":
        return any(_plain(m.group().split()[-1]) not in shape.words for m in _PLACE.finditer(text))
    if shape.kind == "quote":
        return any(q in text for q in _QUOTES)
    if shape.kind == "reason":
        return _REASON.search(text) is not None
    # A person or organisation: a capitalised word past the first, not from the question.
    names = _WORD.findall(text)[1:]
    return any(w[0].isupper() and _plain(w) not in shape.words for w in names)


def _plain(word: str) -> str:
    return word.casefold().rstrip(".,:")
