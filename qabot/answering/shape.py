"""Question shapes: what kind of answer a question asks for.

"Who …" wants a person (or an organisation), "which company …" an organisation, "where …" a
place, "when …" a time, "how many/much/long …" a number (with a hint of its unit), "what did
X say …" (or "how did X react …", "what was X's response …", "according to X …") a
quotation by X, "why …" a reason and "how …" a manner. The rules are plain
English patterns over the raw question, built from the word lists of :mod:`qabot.lexicon`
and the same for every corpus; they nudge the choice of the answering sentence and shape
the short answer (:mod:`qabot.answering.short`), and never decide alone.

Question words ("who", "when", "how") are stopwords to the index, so they are read here from
the raw question, never from its index terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from qabot import lexicon

__all__ = ["AnswerKind", "QuestionShape", "Unit", "analyze_question"]

AnswerKind = Literal[
    "person", "organisation", "place", "time", "number", "quote", "reason", "manner", "thing"
]
#: What a number answer should measure: money, an age, a duration, a distance or size,
#: a percentage, a change ("how much did profits rise": the rise, not the new level), a count.
Unit = Literal["money", "age", "duration", "distance", "percent", "change", "count"]


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
    #: The noun the question asks about ("what *satellite* …", "how many *species*"),
    #: case-folded; "" when none follows the question word.
    focus: str = ""
    #: "What has X said about Y over time?": every statement of X's, oldest first.
    timeline: bool = False
    #: "Who is Jens Stoltenberg?": the name whose description (a role, a title) is asked.
    described: tuple[str, ...] = ()
    #: "What is another term for rotors?", "what are comb-like bands called?": the name
    #: something goes by is asked.
    asks_term: bool = False


@dataclass(frozen=True)
class _Patterns:
    kinds: tuple[tuple[AnswerKind, re.Pattern[str]], ...]
    saying: re.Pattern[str]
    quote_question: re.Pattern[str]
    react_question: re.Pattern[str]
    response_question: re.Pattern[str]
    according: re.Pattern[str]
    money: re.Pattern[str]
    change: re.Pattern[str]


@cache
def _rx() -> _Patterns:
    alt = lexicon.alternation
    kinds: tuple[tuple[AnswerKind, re.Pattern[str]], ...] = (
        # Order matters: "how many people" is a number, "what year" a time, before "who".
        (
            "number",
            re.compile(
                r"\bhow (?:many|much|old|long|far|big|large|tall|fast|often|high|deep|wide|"
                r"heavy)\b|\b(?:what|which) (?:number|amount|percent|percentage|age|size|price|"
                r"total|proportion|share|rate|sum|cost|value|figure)\b",
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
            re.compile(
                rf"\bwhere\b|\b(?:what|which|in what|in which) (?:{alt('place_nouns')})\b", re.I
            ),
        ),
        (
            "organisation",
            re.compile(rf"\b(?:what|which) (?:{alt('organisation_nouns')})\b", re.I),
        ),
        (
            "person",
            re.compile(
                rf"\bwho(?:m|se)?\b|\b(?:what|which) (?:{alt('person_nouns')})\b"
                # A name asked for: "what is the giraffe called?", "what was its name?"
                r"|\bwhat\s+(?:is|was|are|were)\s+(?:the\s+|its\s+|his\s+|her\s+|their\s+)?"
                r"name\b|\bwhat\s+(?:is|was|are|were)\s+[^?]+?\s+(?:called|named|nicknamed)\b"
                # (Not "what did X say about … the phone call": a word of speech first.)
                r"|\bwhat\s+(?:did|do|does|will)\s+"
                rf"(?:(?!\b(?:{alt('question_speech_verbs')})\b)[^?])+?\s+(?:call|name)\b",
                re.I,
            ),
        ),
        ("reason", re.compile(r"\bwhy\b|\bwhat (?:was|is|were) the (?:reason|cause)\b", re.I)),
        # "How" alone, once "how many/much/…" above has taken the numbers.
        ("manner", re.compile(r"\bhow\b", re.I)),
        # Any other "what …"/"which …": a phrase of the sentence, the weakest kind.
        ("thing", re.compile(r"\b(?:what|which)\b", re.I)),
    )
    # "What state …" asks for a place, not a statement, hence the look-behind.
    asking = "|".join(
        rf"(?<!what )(?<!which ){re.escape(v)}" if v == "state" else re.escape(v)
        for v in sorted(lexicon.entries("asking_verbs"), key=len, reverse=True)
    )
    statements = (
        "response|reaction|view|views|position|stance|comment|comments|verdict|message|"
        "answer|reply|explanation|assessment|opinion|warning|advice|assurance|promise"
    )
    return _Patterns(
        kinds=kinds,
        saying=re.compile(rf"\b(?:{asking})\b", re.I),
        # "What did Stoltenberg say about Minsk?": a quotation, and who said it.
        quote_question=re.compile(
            r"\bwhat\s+(?:did|does|do|has|have|had|is|was|were|are|will|would|could)\s+"
            rf"(?P<speaker>.+?)\s+(?:{alt('question_speech_verbs')})\b",
            re.I,
        ),
        # "How did Blair react to …?", "how has the club responded?"
        react_question=re.compile(
            r"\bhow\s+(?:did|does|do|has|have|had|is|was|were|are|will|would)\s+"
            r"(?P<speaker>.+?)\s+(?:react|reacted|respond|responded|reply|replied|"
            r"feel|felt|view|viewed|see|describe|described|explain|explained|sum\s+up|"
            r"summed\s+up|summarise|summarised|summarize|summarized|justify|justified)\b",
            re.I,
        ),
        # "What was Blair's response to …?"
        response_question=re.compile(
            r"\bwhat\s+(?:was|is|were|are|has\s+been)\s+(?P<speaker>.+?)['’]s?\s+"
            rf"(?:{statements})\b"
            # "What was the response of Union Investment's spokesman to …?"
            r"|\bwhat\s+(?:was|is|were|are|has\s+been)\s+the\s+"
            # (a few words naming someone: not "the satellite that allowed Sky to …")
            rf"(?:{statements})\s+of\s+(?P<owner>(?:(?!(?:that|which|who)\b)[^\s?,]+\s+){{1,5}}?)"
            r"(?:to|on|about|over|towards)\b"
            # "What warning did the chairman give about …?"
            rf"|\bwhat\s+(?:{statements})\s+(?:did|does|has|have|had)\s+(?P<giver>.+?)\s+"
            r"(?:give|given|issue|issued|offer|offered|make|made|send|sent|deliver|delivered)\b",
            re.I,
        ),
        # "According to Wenger, why …?"
        according=re.compile(r"\baccording\s+to\s+(?P<speaker>[^,?]+?)\s*(?:,|\?|$)", re.I),
        money=re.compile(rf"\b(?:{alt('money_cues')})\b", re.I),
        change=re.compile(rf"\b(?:{alt('change_words')})\b", re.I),
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
_QUESTION_WORD = re.compile(r"\w[\w'’.,-]*")
#: Words that stand where a speaker would and name nobody: "what is *incorrectly* thought
#: about …", "what do *some* believe …".
_NOBODY = re.compile(r"[a-z]+ly|some|many|most|few|several")
#: A question asking what something is called.
_TERM = re.compile(
    r"\b(?:called|known\s+as|referred\s+to\s+as|termed|nicknamed|(?:another|the)\s+"
    r"(?:term|name|word|nickname)\s+for)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^\s*(?:name|give|list|identify|mention)\s+(?:(?:a|an|the|one|two|three|some)\s+)?", re.I
)
_POSSESSIVE = re.compile(r"['’]s?$")
_AUXILIARY = re.compile(
    r"\b(?:did|does|do|is|was|are|were|has|have|had|will|would|can|could|should|may|might)\b",
    re.I,
)
_WHO_IS_NAME = re.compile(
    r"\s*[Ww]ho (?:is|was) (?P<name>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*)*)\s*\??\s*$"
)
#: A follow-up that only names someone: "and Zelenskyy?", "what about Jens Stoltenberg?"
_NAME_ONLY = re.compile(
    r"^\s*(?:and|or|but|also|then|so)?\s*(?:(?:what|how)\s+about\s+)?"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})\s*\??\s*$"
)
_SUBJECT_AFTER_AUX = re.compile(
    r"\s+(?:the|a|an|his|her|their|its|this|that|these|those|he|she|they|it|i|you|we|"
    r"there|[A-Z0-9])",
)


def analyze_question(question: str, context: str | None = None) -> QuestionShape:
    """The kind of answer ``question`` asks for (read with the earlier question it
    follows up, ``context``, when there is one).

    A follow-up that only names someone asks the earlier question of them: after "what
    did Stoltenberg say about Minsk?", "and Zelenskyy?" asks what Zelenskyy said about it;
    after "who is Jens Stoltenberg?", who Zelenskyy is.
    """
    if context:
        earlier = analyze_question(context)
        name = _NAME_ONLY.match(question)
        if name and (earlier.speaker or earlier.described):
            who = tuple(_QUESTION_WORD.findall(name["name"]))
            words = earlier.words | {_plain(w) for w in who}
            if earlier.speaker:
                return replace(earlier, speaker=who, words=words)
            return replace(earlier, described=who, words=words)
        question = f"{context} {question}"
    rx = _rx()
    # "Name a luxury division of Toyota." asks what "what luxury division …" asks.
    asked = _IMPERATIVE.sub("What ", question, count=1)
    # The first question word decides: "what satellite was used when …" asks for a thing,
    # "when …" alone for a time; at the same place the earlier rule wins ("what year").
    found = [
        (m.start(), order, k)
        for order, (k, pattern) in enumerate(rx.kinds)
        if (m := pattern.search(asked)) is not None
    ]
    kind: AnswerKind | None = min(found)[2] if found else None
    if kind == "thing":
        # "What political party …", "which German general …": the noun asked about says
        # the kind when the word after the question word did not.
        kind = _head_kind(asked) or kind
    described: tuple[str, ...] = ()
    if who_is := _WHO_IS_NAME.match(question):
        # "Who is Radu Mazare?" asks what the person is ("the mayor of Constanta").
        kind = "thing"
        described = tuple(who_is["name"].split())
    speaker: tuple[str, ...] = ()
    quote = next(
        (
            m
            for pattern in (rx.quote_question, rx.react_question, rx.response_question)
            if (m := pattern.search(question)) is not None
        ),
        None,
    )
    according = rx.according.search(question)
    said_by = next(who for who in quote.groupdict().values() if who).strip() if quote else ""
    # "What was the spokeswoman's response …" asks for her words, not for a person.
    asks_words = quote is not None and quote.re is rx.response_question and kind == "person"
    if (
        quote
        and (kind in (None, "manner", "thing") or asks_words)
        and not _NOBODY.fullmatch(said_by)
    ):
        kind = "quote"
        speaker = tuple(_QUESTION_WORD.findall(said_by))
    elif according and kind in (None, "manner", "thing", "reason"):
        # "According to Wenger, why did Arsenal lose?": the answer is what Wenger said.
        kind = "quote"
        speaker = tuple(_QUESTION_WORD.findall(according.group("speaker")))
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
        kind, bool(rx.saying.search(question)), words, unit, counted, speaker, subject,
        _focus(asked), kind == "quote" and _TIMELINE.search(question) is not None,
        described, kind in ("thing", "person") and _TERM.search(question) is not None,
    )  # fmt: skip


#: "What has Blair said about Iraq over time?": every statement, oldest first.
_TIMELINE = re.compile(
    r"\bover\s+(?:time|the\s+years|the\s+months|the\s+(?:past|last)\s+\w+)\b|"
    r"\bthrough\s+the\s+years\b|\btime\s*line\b|\bover\s+and\s+over\b",
    re.I,
)
_FOCUS = re.compile(
    r"\b(?:what|which|how many|how much)\s+(?:of\s+the\s+|kind of\s+|type of\s+)?"
    r"(?P<noun>[^\W\d_][\w'-]*)",
    re.I,
)


def _focus(question: str) -> str:
    head = _head(question)
    if head is not None:
        return head[0]  # "which US *regulator*": the listed noun, not the first word
    m = _FOCUS.search(question)
    if m is None or _AUXILIARY.fullmatch(m.group("noun")):
        return ""
    noun = m.group("noun").casefold()
    return "" if noun in ("is", "are", "was", "were", "the", "a", "an") else noun


#: "what *political party*", "which *team*", and past a copula: "what is the *population*".
_HEAD_START = re.compile(r"\b(?:what|which)\s+(?:(?:is|was|are|were)\s+(?:the|a|an)\s+)?", re.I)
_HEAD_WORD = re.compile(r"[^\W\d_][\w'’-]*")
#: Words that end the noun phrase after "what"/"which" ("what party *is*", "what team *of*").
_HEAD_END = frozenset({
    "and", "or", "of", "in", "on", "at", "for", "to", "from", "by", "with", "that", "who",
    "which", "whose", "as", "is", "was", "are", "were", "did", "does", "do", "has", "have",
    "had", "will", "would", "can", "could", "should", "may", "might", "been", "be",
})  # fmt: skip
_HEAD_WORDS = 4


def _head_kind(question: str) -> AnswerKind | None:
    """The kind the noun after "what"/"which" names, read past its adjectives ("what
    *political party*", "which *British prime minister*"): a person, an organisation or a
    place, from the lexicon's lists of such nouns; ``None`` when it names none of them."""
    found = _head(question)
    return found[1] if found else None


def _head(question: str) -> tuple[str, AnswerKind] | None:
    """The listed noun heading the phrase after "what"/"which", and the kind it names.

    Of the phrase's first words, the last one a list names wins: "which *company*
    president" asks for a person, "which US *regulator* announced" for an organisation,
    and a verb after the noun ("which developer *made*") is simply not listed.
    """
    m = _HEAD_START.search(question)
    if m is None:
        return None
    found: tuple[str, AnswerKind] | None = None
    end = m.end()
    for n, word in enumerate(_HEAD_WORD.finditer(question, m.end())):
        folded = re.sub(r"['’]s$", "", word.group().casefold())
        if question[end : word.start()].strip() or n == _HEAD_WORDS or folded in _HEAD_END:
            break  # punctuation, or a word that ends the noun phrase
        if n and folded.endswith("ed"):
            break  # "what satellite *enabled* …"
        end = word.end()
        for kind, nouns in _head_nouns():
            if folded in nouns or (folded.endswith("s") and folded[:-1] in nouns):
                found = (folded, kind)
                break
        if word.group().endswith(("'s", "’s")):
            break  # "which rock star's son": the owner ends the phrase read here
    return found


@cache
def _head_nouns() -> tuple[tuple[AnswerKind, frozenset[str]], ...]:
    person = set(lexicon.words("person_nouns") | lexicon.words("speaker_person_nouns"))
    person |= lexicon.words("person_nouns_female") | lexicon.words("person_nouns_male")
    person |= {t for t in lexicon.words("speaker_titles") if " " not in t}
    organisation = lexicon.words("organisation_nouns") | lexicon.words("speaker_org_nouns")
    return (
        ("number", lexicon.words("number_nouns")),
        ("place", lexicon.words("place_nouns")),
        ("organisation", frozenset(organisation)),
        ("person", frozenset(person - {"he", "she", "people"})),
    )


def _number_unit(question: str) -> Unit | None:
    # "How much did profits rise?": the rise (76%), not the new level ($1.13bn), though
    # "profits" also cues money; so a change verb wins over the money cue.
    rx = _rx()
    if re.search(r"\bhow much\b", question, re.I) and rx.change.search(question):
        return "change"
    for unit, pattern in _UNIT_PATTERNS:
        if pattern.search(question):
            return unit
    if re.search(r"\bhow much\b|\b(?:what|which) (?:price|cost|sum|value)\b", question, re.I):
        return "money" if rx.money.search(question) else None
    if re.search(r"\bhow many\b", question, re.I):
        return "count"
    return None


def _plain(word: str) -> str:
    return word.casefold().rstrip(".,:")
