"""Question analysis: what kind of answer a question asks for, and whether a sentence has one.

"Who …" wants a name, "where …" a place, "when …" a time, "how many …" a number, and
"what did X say …" a quotation. A sentence that holds such a thing, beyond the words of the
question itself, is more likely the answer than one that only repeats the question. The
rules are plain English patterns, the same for every corpus; they only nudge the choice
of the answering sentence and never decide alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["AnswerKind", "QuestionShape", "analyze_question", "offers"]

AnswerKind = Literal["person", "place", "time", "number"]

_KIND_PATTERNS: tuple[tuple[AnswerKind, re.Pattern[str]], ...] = (
    # Order matters: "how many people" is a number, "what year" a time, before "who".
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|old|long|far|big|large|tall|fast|often|high)\b"
            r"|\b(?:what|which) (?:number|amount|percent|percentage|age|size|price|total)\b",
            re.I,
        ),
    ),
    (
        "time",
        re.compile(r"\bwhen\b|\b(?:what|which) (?:year|month|day|date|time|decade)\b", re.I),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\b(?:what|which|in what|in which) (?:country|countries|city|cities|"
            r"state|town|place|region|nation|province|village|area|continent|island)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"\bwho(?:m|se)?\b|\b(?:what|which) (?:company|organization|group|team|person|man|"
            r"woman|agency|newspaper|network|airline|party|band|club|player|official)\b",
            re.I,
        ),
    ),
)

# "What did X say", "what does she think", "who told …": the answer is likely a quotation.
# "What state …" asks for a place, not a statement, hence the look-behind.
_SAYING = re.compile(
    r"\b(?:say|said|says|tell|told|think|thinks|thought|claim|claimed|warn|warned|stated|"
    r"(?<!what )(?<!which )state|react|reacted|respond|responded|mean|meant)\b",
    re.I,
)

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
# A news dateline ("NEW DELHI, India (CNN) -- "): its capitals name the newsroom, not an answer.
_DATELINE = re.compile(r"^[^.!?\n]{0,80}?\([^()\n]{1,30}\)\s*(?:--|—|–|-)\s*")
_PLACE = re.compile(
    r"\b(?:in|at|near|from|to|outside|inside|across|into|of)\s+(?:the\s+)?[A-Z][\w'’.-]*"
)


@dataclass(frozen=True)
class QuestionShape:
    """What a question asks for: a kind of answer (or ``None``), or words someone said."""

    kind: AnswerKind | None
    asks_for_quote: bool
    #: The question's own words, case-folded: an answer must bring something else.
    words: frozenset[str]


def analyze_question(question: str) -> QuestionShape:
    """The kind of answer ``question`` asks for."""
    kind = next((k for k, pattern in _KIND_PATTERNS if pattern.search(question)), None)
    words = frozenset(_plain(w) for w in _QUESTION_WORD.findall(question))
    return QuestionShape(kind, bool(_SAYING.search(question)), words)


def offers(shape: QuestionShape, sentence: str) -> bool:
    """Whether ``sentence`` holds a thing of the kind the question asks for, not named in it."""
    if shape.kind is None:
        return False
    text = _DATELINE.sub("", sentence, count=1)
    if shape.kind == "number":
        return any(_plain(m.group()) not in shape.words for m in _NUMBER.finditer(text))
    if shape.kind == "time":
        return any(_plain(m.group()) not in shape.words for m in _TIME.finditer(text))
    if shape.kind == "place":
        return any(_plain(m.group().split()[-1]) not in shape.words for m in _PLACE.finditer(text))
    # A person (or organisation): a capitalised word past the first, not from the question.
    names = _WORD.findall(text)[1:]
    return any(w[0].isupper() and _plain(w) not in shape.words for w in names)


def _plain(word: str) -> str:
    return word.casefold().rstrip(".,:")
