"""The short answer: which span of a sentence answers the question, and whether one does.

Of a sentence's :func:`~qabot.answering.spans.spans`, a question takes those of the kinds
it can use (:func:`candidates`: a "who" question takes names; the question's own words
are cut out), and :func:`short_answer` picks the one that answers best: of the asked
type, new, and nearest to the words that match the question. :func:`offers` says whether
a sentence holds one of the kind asked for, strictly: it is what the choice of the
answering sentence rewards, read from the same spans as the short answer itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import get_args

from qabot import lexicon
from qabot.answering.shape import QuestionShape
from qabot.answering.spans import (
    NAME_KINDS,
    Span,
    SpanKind,
    ends_with_place_cue,
    name_span,
    spans,
    spans_of,
    stopwords,
    tokens,
)

__all__ = [
    "candidates",
    "eligible",
    "figure_cue",
    "fits",
    "is_strict",
    "kind_fit",
    "offers",
    "pool",
    "roles",
    "rule_score",
    "same_word",
    "short_answer",
]

# Which span kinds fit each asked kind, and how well: a name's kind is only guessed,
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
#: What a question of each kind must find to be answered: the kinds of span that count
#: (a name's kind is a guess, so people and organisations stand for each other; a country
#: or a capital acts in news as its government does: "it is up to Kyiv to decide").
_STRICT: dict[str, frozenset[str]] = {
    "person": frozenset({"person", "organisation", "place"}),
    "organisation": frozenset({"organisation", "person", "place"}),
    "place": frozenset({"place"}),
    "time": frozenset({"time"}),
    "number": frozenset({"number"}),
    "quote": frozenset({"quote"}),
}
#: What makes a sentence offer the kind asked for: the strict kinds, and reasons for "why";
#: a place may answer "who", but only a person or an organisation makes a sentence offer one.
_OFFERED: dict[str, frozenset[str]] = {
    **_STRICT,
    "person": frozenset({"person", "organisation"}),
    "organisation": frozenset({"organisation", "person"}),
    "reason": frozenset({"reason"}),
}
_UNITS = frozenset({"money", "percent", "age", "duration", "distance"})


def _sources(kind: str) -> frozenset[SpanKind]:
    """The span kinds whose candidates may be of a kind offered for ``kind``: a candidate
    keeps its span's kind, except a name's, which is judged again without the question's
    words (:func:`_untitled`) and may come out as another kind of name."""
    wanted = _OFFERED[kind]
    return frozenset(
        k
        for k in get_args(SpanKind)
        if k in _FIT[kind] and (k in wanted or (k in NAME_KINDS and wanted & NAME_KINDS))
    )


#: What :func:`offers` reads of a sentence, by the kind asked for.
_OFFER_SOURCES: dict[str, frozenset[SpanKind]] = {kind: _sources(kind) for kind in _OFFERED}


def candidates(sentence: str, shape: QuestionShape) -> list[Span]:
    """The spans of ``sentence`` a question of this shape can use, beyond its own words."""
    return sorted(_candidates(sentence, shape, spans(sentence)), key=lambda c: (c.start, c.end))


def _candidates(sentence: str, shape: QuestionShape, found: Iterable[Span]) -> Iterator[Span]:
    """Of the spans ``found`` in ``sentence``, the candidates, in the order of the spans."""
    fit = _FIT.get(shape.kind or "", {})
    for c in found:
        if c.kind not in fit:
            continue
        if c.kind == "phrase":
            parts = _outside_question(sentence, c, shape)
        else:
            parts = [_untitled(sentence, c, shape)]
        yield from (p for p in parts if not _only_question_words(p.text, shape))


def fits(shape: QuestionShape, candidate: Span | None) -> bool:
    """Whether ``candidate`` is the kind of thing ``shape`` asks for, strictly.

    "How much was she paid?" wants an amount of money, not any number; questions of no
    strict kind ("what …", "why …", "how …") are fitted by any candidate.
    """
    kind = shape.kind or ""
    if kind not in _STRICT:
        return candidate is not None
    if (
        kind == "number"
        and shape.unit in ("age", "duration")
        and candidate is not None
        and candidate.kind == "time"
        and candidate.text.endswith(" ago")
    ):
        return True  # "how old are the fossils?", "how long ago …?": "515 million years ago"
    if candidate is None or candidate.kind not in _STRICT[kind]:
        return False
    if kind == "number" and shape.unit in _UNITS:
        return candidate.detail == shape.unit
    return True


def offers(shape: QuestionShape, sentence: str) -> bool:
    """Whether ``sentence`` holds a span of the kind ``shape`` asks for, not named in it.

    True exactly when :func:`short_answer` could find a fitting answer of the offered
    kinds in the sentence (for "why", a reason; for "who", a person or an organisation,
    not a place), so the choice of sentence and the short answer never disagree.
    """
    kind = shape.kind or ""
    wanted = _OFFERED.get(kind)
    if not wanted:
        return False
    # Only the spans that may give a candidate of a wanted kind are read (a "when"
    # question reads the sentence's times, not its names or phrases): reading every kind
    # is the costliest step of choosing the answering sentence.
    found = spans_of(sentence, _OFFER_SOURCES[kind])
    return any(c.kind in wanted and fits(shape, c) for c in _candidates(sentence, shape, found))


def short_answer(
    shape: QuestionShape, sentence: str, anchors: Sequence[tuple[int, int]] = ()
) -> Span | None:
    """The candidate that best answers: of the asked type, new, and near the question's words.

    ``anchors`` are the spans of ``sentence`` whose words match the question; when empty,
    words equal to the question's (case-folded, or sharing a five-letter stem) are used.
    """
    found = candidates(sentence, shape)
    if not found or shape.kind is None:
        return None
    near = list(anchors) or _anchors(sentence, shape)
    return max(found, key=lambda c: rule_score(c, shape, sentence, near))


def kind_fit(shape: QuestionShape, kind: str) -> float:
    """How well a span of ``kind`` fits what ``shape`` asks for (0: not at all)."""
    return _FIT.get(shape.kind or "", {}).get(kind, 0.0)


def is_strict(shape: QuestionShape) -> bool:
    """Whether the question asks for one kind of thing (a name, place, time, figure, quote)."""
    return (shape.kind or "") in _STRICT


def figure_cue(before: str) -> str:
    """What the words just before a figure make of it: "change" ("rose 5%"), "level"
    ("to $3m"), or ""."""
    if _change_before().search(before):
        return "change"
    return "level" if _LEVEL_BEFORE.search(before) else ""


def same_word(a: str, b: str) -> bool:
    """Two case-folded words are one: equal, or sharing a five-letter stem (no nltk data)."""
    return _same_word(a, b)


@cache
def _change_before() -> re.Pattern[str]:
    """Words a change is stated with, just before a figure: "jumped 76%", "rose by $2m"."""
    return re.compile(rf"\b(?:by|{lexicon.alternation('change_words')})\s*$", re.I)


# "to"/"from" a figure give levels, not changes.
_LEVEL_BEFORE = re.compile(r"\b(?:to|from|at|of)\s*$", re.I)


def rule_score(
    c: Span,
    shape: QuestionShape,
    sentence: str,
    anchors: Sequence[tuple[int, int]],
    gap: Callable[[Span, tuple[int, int]], int] | None = None,
) -> float:
    """How well ``c`` answers by the hand-written rule: kind fit, new words, nearness.

    ``gap`` counts the words between a span and an anchor (default: read from the text).
    """
    value = _FIT[shape.kind or ""].get(c.kind, 0.0)
    words = _words(c.text)
    # A candidate that repeats part of the question ("President Obama" for "what did
    # Obama say") is less likely the new information asked for.
    if words:
        value -= 0.5 * sum(w in shape.words for w in words) / len(words)
    if anchors:
        between = gap or (lambda c, a: _gap(c, a, sentence))
        value -= 0.04 * min(min(between(c, a) for a in anchors), 20)
        if shape.asks_for_subject and shape.kind in ("person", "organisation"):
            # "Who won …": the subject comes before the verb the question names.
            value += 0.15 if c.end <= anchors[0][0] else 0.0
    before = sentence[max(0, c.start - 20) : c.start]
    if shape.kind == "number":
        value += _unit_fit(c, shape, sentence, before)
    elif shape.kind == "quote":
        value += 0.0 if c.detail == "reported" else 0.5
        speaker = {w.casefold() for w in shape.speaker} - stopwords()
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
        value += 0.2 if ends_with_place_cue(before) else 0.0
    return value


def _unit_fit(c: Span, shape: QuestionShape, sentence: str, before: str) -> float:
    value = 0.0
    if shape.unit == "change":
        if _change_before().search(before):
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


def _untitled(sentence: str, c: Span, shape: QuestionShape) -> Span:
    """A name without the question's words that lead it: "NATO Secretary General Jens
    Stoltenberg" answers "who is the NATO Secretary General?" as "Jens Stoltenberg"."""
    if c.kind not in ("person", "organisation", "place"):
        return c
    wanted = {w for w in shape.words if w not in stopwords()}
    run = list(tokens(sentence, c.start, c.end))
    lead = 0
    while lead < len(run) - 1 and any(_same_word(run[lead].group().casefold(), w) for w in wanted):
        lead += 1
    if not lead and shape.kind == "person" and shape.focus:
        # "Which judge …": "Santa Clara County Superior Court Judge James Kleinberg" answers
        # as the name after the word asked about.
        at = [n for n, t in enumerate(run[:-2]) if _same_word(t.group().casefold(), shape.focus)]
        if at and all(t.group()[:1].isupper() for t in run[at[-1] + 1 :]):
            lead = at[-1] + 1
    if not lead:
        return c
    # The rest is judged again: without "NATO" the name is a person's, not an organisation's.
    return next(name_span(sentence, run[lead:], -1), c)


def _outside_question(sentence: str, c: Span, shape: QuestionShape) -> list[Span]:
    """The runs of a phrase between the question's words, without stopwords at the ends."""
    stop = stopwords()
    wanted = {w for w in shape.words if w not in stop}
    runs: list[list[re.Match[str]]] = [[]]
    for m in tokens(sentence, c.start, c.end):
        word = m.group().casefold()
        if any(_same_word(word, w) for w in wanted):
            runs.append([])
        else:
            runs[-1].append(m)
    out = []
    for run in runs:
        while run and run[0].group().casefold() in stop:
            run = run[1:]
        while run and run[-1].group().casefold() in stop:
            run = run[:-1]
        if run:
            start, end = run[0].start(), run[-1].end()
            out.append(Span(start, end, "phrase", sentence[start:end]))
    return out


def _anchors(sentence: str, shape: QuestionShape) -> list[tuple[int, int]]:
    """Spans of ``sentence`` whose words match the question's content words."""
    stop = stopwords()
    wanted = [w for w in shape.words if w not in stop and w.isalnum()]
    return [
        m.span()
        for m in tokens(sentence)
        if any(_same_word(m.group().casefold(), w) for w in wanted)
    ]


def _same_word(a: str, b: str) -> bool:
    # A crude stem: "subscribers"/"subscriber", "profits"/"profit", without nltk data.
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def _gap(c: Span, anchor: tuple[int, int], sentence: str) -> int:
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
    words = [w for w in _words(text) if w not in stopwords()]
    return not words or all(w in shape.words or w.rstrip("s'’") in shape.words for w in words)


def eligible(shape: QuestionShape, found: Sequence[Span]) -> list[Span]:
    """The spans a short answer is chosen among: of the kind asked for, when one is.

    A question of a strict kind ("who", "where", "when", "how many", "what did X say")
    is answered with a span of that kind when the sentences hold one; when they hold none,
    a time or a figure is not made up from another kind (no short answer), while a name's
    kind is only a guess, so any span may still answer "who". A text that is no question
    ("Berlin council") gets no short answer.
    """
    if shape.kind is None:
        return []
    if shape.kind not in _STRICT:
        return list(found)
    fitting = [c for c in found if fits(shape, c)]
    if fitting or shape.kind in ("time", "number"):
        return fitting
    return list(found)


def pool(sentence: str, shape: QuestionShape) -> list[Span]:
    """Every span a short answer to ``shape`` may be in ``sentence``: typed spans, phrases
    cut at the question's words and the runs between their stopwords, names without the
    question's words that lead them; none made only of question words."""
    out: list[Span] = []
    seen: set[tuple[int, int, str]] = set()
    for c in spans(sentence):
        if c.kind == "phrase":
            parts = _outside_question(sentence, c, shape)
            # The stretches between stopwords inside a phrase: "the altitude chamber".
            parts = parts + [q for p in parts for q in _chunks(sentence, p)]
        else:
            parts = [_untitled(sentence, c, shape)]
        for p in parts:
            key = (p.start, p.end, p.kind)
            if key not in seen and not _only_question_words(p.text, shape):
                seen.add(key)
                out.append(p)
    return sorted(out, key=lambda c: (c.start, c.end))


def _chunks(sentence: str, phrase: Span) -> list[Span]:
    """The runs of words of ``phrase`` between stopwords (a shorter answer often is one)."""
    stop = stopwords()
    out: list[Span] = []
    run: list[re.Match[str]] = []
    for m in [*tokens(sentence, phrase.start, phrase.end), None]:
        if m is not None and m.group().casefold() not in stop:
            run.append(m)
            continue
        if run and (run[0].start(), run[-1].end()) != (phrase.start, phrase.end):
            start, end = run[0].start(), run[-1].end()
            out.append(Span(start, end, "phrase", sentence[start:end], "chunk"))
        run = []
    return out


_NAMING = re.compile(
    r"\b(?:called|known\s+as|referred\s+to\s+as|termed|nicknamed|dubbed)\s+(?:variously\s+)?"
    r"[\"“'‘]?(?P<term>[^,.;:()\"“”‘’]+?)[\"”'’]?"
    r"(?=\s*[,.;:()\"“”]|\s+(?:and|or|by|in|for|that|which|because|from)\b|\s*$)",
    re.I,
)


def named_terms(sentence: str, shape: QuestionShape) -> list[Span]:
    """What ``sentence`` says something is called ("eight strips, called *comb rows*"),
    not made of the question's own words. For "what is X called?" questions."""
    out = []
    for m in _NAMING.finditer(sentence):
        start, end = m.span("term")
        text = sentence[start:end]
        if 0 < len(text.split()) <= 6 and not _only_question_words(text, shape):
            out.append(Span(start, end, "phrase", text))
    return out


def roles(sentence: str, name: Sequence[str]) -> list[Span]:
    """What ``sentence`` calls the person ``name`` names: the title before the name
    ("NATO Secretary General Jens Stoltenberg"), or the apposition after it ("Radu Mazare,
    the mayor of Constanta,"). For "who is …?" questions."""
    wanted = [w.casefold() for w in name]
    found = list(tokens(sentence))
    words = [m.group().casefold().rstrip(".") for m in found]
    glue = lexicon.words("name_glue")
    out: list[Span] = []
    for at in range(len(found)):
        # The name, or its last word alone ("Stoltenberg" for "Jens Stoltenberg").
        for size in (len(wanted), 1):
            if words[at : at + size] == wanted[-size:]:
                break
        else:
            continue
        first, last = at, at + size - 1
        # Before: the capitalised words of the same run ("Ukrainian President"), and a
        # first name the question left out ("Volodymyr" of "Zelenskyy") is not a title.
        lead = first
        while (
            lead > 0
            and sentence[found[lead - 1].end() : found[lead].start()] == " "
            and (found[lead - 1].group()[:1].isupper() or found[lead - 1].group() in glue)
        ):
            lead -= 1
        title = found[lead:first]
        if size < len(wanted) or (title and first > lead and size == 1):
            # Drop a trailing capitalised word that is a first name (not a title word).
            while title and not _role_word(title[-1].group()) and len(title) > 1:
                title = title[:-1]
        if title and any(_role_word(t.group()) for t in title):
            start, end = title[0].start(), title[-1].end()
            out.append(Span(start, end, "phrase", sentence[start:end], "role"))
        # After: ", the mayor of Constanta," — a short stretch between commas.
        after = sentence[found[last].end() :]
        m = _APPOSITION.match(after)
        if m:
            start = found[last].end() + m.start("role")
            out.append(Span(start, start + len(m["role"]), "phrase", m["role"], "role"))
    return list({(r.start, r.end): r for r in out}.values())


_APPOSITION = re.compile(
    r"^['’]?s?\s*,\s+(?P<role>(?:the|a|an|his|her|its|their|[A-Z][\w'’-]*)\b[^,;.()]{2,80}?)"
    r"\s*(?:,|\.|;|$)"
)


def _role_word(word: str) -> bool:
    """Whether a word names a position rather than a person ("President", "Secretary")."""
    return word.casefold() in _role_words()


@cache
def _role_words() -> frozenset[str]:
    titles = (w for entry in lexicon.entries("speaker_titles") for w in entry.split())
    return frozenset(w.casefold() for w in titles) | lexicon.words("person_nouns")
