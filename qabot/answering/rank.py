"""The learned choice of the short answer: each option's features, and shipped weights.

Of the spans the answer's sentences hold (:func:`qabot.answering.short.pool`), those a
question may be answered with (:func:`~qabot.answering.short.eligible`) become
:class:`Option` values with features: the kind asked for against the span's kind, its
length, capitals and digits, how near it stands to the question's words and on which
side, the words linking them ("built *by* …"), its sentence's coverage of the question,
what a figure measures, a name's cue words, quotation marks, and the pick of the
hand-written rule (:func:`~qabot.answering.short.rule_score`). :func:`pick` scores them
with weights trained on the tune folds of two QA sets by ``benchmarks/train_short.py`` and
shipped as plain JSON (``qabot/data/short_ranker.json``, no pickle).

A sentence's words are read once (one pass of a regular expression) and every distance is
then counted on word positions, so the features of all options cost a few milliseconds
at most.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from qabot import lexicon
from qabot.answering.shape import QuestionShape
from qabot.answering.short import (
    eligible,
    figure_cue,
    fits,
    is_strict,
    kind_fit,
    pool,
    rule_score,
    same_word,
)
from qabot.answering.spans import (
    Span,
    closing_marks,
    ends_with_place_cue,
    opening_marks,
    stopwords,
)

__all__ = [
    "WEIGHTS_FILE",
    "Option",
    "Ranker",
    "SentenceView",
    "options",
    "pick",
    "score",
    "shipped_weights",
]

#: The shipped weights, in qabot/data/.
WEIGHTS_FILE = "short_ranker.json"


@dataclass(frozen=True)
class SentenceView:
    """A sentence of the answer as the short-answer choice sees it."""

    text: str
    #: Where the question's words stand in it, and each word's weight (its term's rarity).
    anchors: tuple[tuple[int, int, float], ...]
    #: Share of the question's weight the sentence holds (``Query.coverage``).
    coverage: float
    #: Sentences between it and the answer's best sentence (0: the best one).
    distance: int


@dataclass(frozen=True)
class Option:
    """A candidate short answer: a span of one of the answer's sentences, with its features."""

    sentence: int
    span: Span
    features: Mapping[str, float]


#: Chooses the short answer among the options (``None``: none); the default scores them
#: with the shipped weights (:func:`pick`).
Ranker = Callable[[Sequence[Option]], "Option | None"]


def options(shape: QuestionShape, sentences: Sequence[SentenceView]) -> list[Option]:
    """The options a short answer to ``shape`` is chosen among, in ``sentences``."""
    found = [(n, span) for n, view in enumerate(sentences) for span in pool(view.text, shape)]
    allowed = {id(span) for span in eligible(shape, [span for _, span in found])}
    out = []
    for number, view in enumerate(sentences):
        mine = [span for n, span in found if n == number and id(span) in allowed]
        if not mine:
            continue
        words = _Words(view)
        anchors = [(s, e) for s, e, _ in view.anchors]
        # The hand-written choice is one of the features: the weights learn where to
        # follow it and where the other evidence knows better.
        rule = max(
            (c for c in mine if kind_fit(shape, c.kind) > 0 and c.detail != "chunk"),
            key=lambda c: rule_score(c, shape, view.text, anchors, words.gap),
            default=None,
        )
        for span in mine:
            values = _features(shape, view, words, span)
            if span is rule:
                asked = shape.kind or "none"
                values.update(
                    {"rule": 1.0, f"asked={asked},rule": 1.0,
                     f"rule,distance={min(view.distance, 2)}": 1.0}
                )  # fmt: skip
            out.append(Option(number, span, values))
    return out


def pick(found: Sequence[Option], weights: Mapping[str, float] | None = None) -> Option | None:
    """The option the weights score highest (the shipped weights by default)."""
    if not found:
        return None
    weights = shipped_weights() if weights is None else weights
    return max(found, key=lambda o: score(o.features, weights))


def score(values: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted sum of an option's features."""
    return sum(v * weights.get(name, 0.0) for name, v in values.items())


@cache
def shipped_weights() -> Mapping[str, float]:
    """The weights trained by ``benchmarks/train_short.py``, shipped in qabot/data/."""
    found = json.loads(lexicon.data_bytes(WEIGHTS_FILE).decode("utf-8"))
    weights: dict[str, float] = found["weights"]
    return weights


_WORD = re.compile(r"[\w'’-]+")
_LINK = re.compile(r"[\w'’-]+|[,:;()–—-]")
_NAMED_BEFORE = re.compile(r"\b(?:named|called|dubbed|known as|titled|entitled)\s+$", re.I)
_LENGTHS = ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (15, "9-15"))
#: Features whose weight depends on the kind asked for (nearness matters more for a name
#: than for a phrase).
_CROSSED = (
    "gap", "touches", "window3", "window8", "left5", "right5", "before_anchors",
    "after_anchors", "question_words", "capitalised", "position", "coverage", "digit",
)  # fmt: skip


class _Words:
    """A sentence's words read once: where each starts and ends, case-folded."""

    def __init__(self, view: SentenceView) -> None:
        text = view.text
        found = list(_WORD.finditer(text))
        self.text = text
        self.starts = [m.start() for m in found]
        self.ends = [m.end() for m in found]
        self.words = [m.group().casefold() for m in found]
        # Quotation marks before each character: odd straight ones, or more opening
        # than closing curly ones, leave a quotation open.
        opening, closing = opening_marks(), closing_marks()
        self.marks = [
            (i, ch) for i, ch in enumerate(text) if ch == '"' or ch in opening or ch in closing
        ]

    def inside(self, start: int, end: int) -> list[str]:
        """The words within ``text[start:end]``."""
        return self.words[bisect.bisect_left(self.starts, start) : bisect.bisect_right(
            self.ends, end
        )]  # fmt: skip

    def between(self, start: int, end: int) -> int:
        """How many words lie wholly within ``text[start:end]``."""
        if end <= start:
            return 0
        return max(0, bisect.bisect_right(self.ends, end) - bisect.bisect_left(self.starts, start))

    def gap(self, c: Span, anchor: tuple[int, int]) -> int:
        """Words between a span and an anchor (0 when they touch or overlap)."""
        if anchor[1] <= c.start:
            return self.between(anchor[1], c.start)
        if c.end <= anchor[0]:
            return self.between(c.end, anchor[0])
        return 0

    def quoted(self, at: int) -> bool:
        """Whether a quotation is open at position ``at``."""
        straight = opened = 0
        opening = opening_marks()
        for i, ch in self.marks:
            if i >= at:
                break
            if ch == '"':
                straight += 1
            else:
                opened += 1 if ch in opening else -1
        return straight % 2 == 1 or opened > 0


def _features(shape: QuestionShape, view: SentenceView, words: _Words, c: Span) -> dict[str, float]:
    """What the choice of a short answer weighs about span ``c`` of ``view``'s sentence."""
    sentence = view.text
    asked = shape.kind or "none"
    kind = "chunk" if c.detail == "chunk" else c.kind
    f: dict[str, float] = {
        f"kind={kind}": 1.0,
        f"asked={asked},kind={kind}": 1.0,
        "fit": kind_fit(shape, c.kind),
        "strict": float(is_strict(shape) and fits(shape, c)),
    }
    mine = words.inside(c.start, c.end)
    n = len(mine)
    length = next((label for bound, label in _LENGTHS if n <= bound), "16+")
    f[f"len={length}"] = 1.0
    f[f"asked={asked},len={length}"] = 1.0
    if mine:
        share = sum(w in shape.words for w in mine) / n
        f["question_words"] = share
        f["question_word_any"] = float(share > 0)
        f["starts_article"] = float(mine[0] in ("the", "a", "an"))
        f["verbish"] = sum(w.endswith(("ed", "ing")) for w in mine) / n
    letters = [w for w in sentence[c.start : c.end].split() if w[:1].isalpha()]
    if letters:
        f["capitalised"] = sum(w[0].isupper() for w in letters) / len(letters)
    f["digit"] = float(any(ch.isdigit() for ch in c.text))
    if view.anchors:
        _nearness(f, shape, view, words, c)
    else:
        f["no_anchor"] = 1.0
    f["position"] = c.start / max(1, len(sentence))
    f[f"distance={min(view.distance, 2)}"] = 1.0
    f["coverage"] = view.coverage
    before = sentence[max(0, c.start - 20) : c.start]
    if c.kind == "number":
        measure = c.detail or "count"
        f[f"measure={measure}"] = 1.0
        if shape.unit is not None:
            f[f"unit={shape.unit},measure={measure}"] = 1.0
            f["unit_match"] = float(c.detail == shape.unit)
        cue = figure_cue(before)
        if cue:
            f[f"{cue}_before"] = 1.0
        if shape.counted:
            after = words.inside(c.end, c.end + 30)[:3]
            f["counted_after"] = float(any(same_word(w, shape.counted) for w in after))
    elif c.kind == "time":
        form = _time_form(c.text)
        f[f"time={form}"] = 1.0
        if shape.focus in _TIME_FOCI:
            f[f"focus={shape.focus},time={form}"] = 1.0  # "what year" → 1993, "what date" → 3 Feb
    elif c.kind == "quote":
        f["reported"] = float(c.detail == "reported")
        speaker = {w.casefold() for w in shape.speaker} - stopwords()
        f["speaker_match"] = float(bool(speaker & set(_WORD.findall(c.context.casefold()))))
    elif c.kind in ("person", "organisation", "place"):
        f["place_cue"] = float(ends_with_place_cue(before))
        f["named_cue"] = float(_NAMED_BEFORE.search(before) is not None)
        # "Spain's most powerful bank": a possessive name describes something else.
        f["possessive"] = float(sentence.startswith(("'s", "’s"), c.end))
    for name in _CROSSED:
        if name in f:
            f[f"asked={asked},{name}"] = f[name]
    f["in_quotes"] = float(c.kind != "quote" and words.quoted(c.start))
    return f


#: The asked nouns a time's form is weighed against ("in what *year*").
_TIME_FOCI = frozenset({"year", "date", "day", "month", "century", "decade", "time", "season"})
_DAY_MONTH = re.compile(r"\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+|[A-Z][a-z]+\.?\s+\d{1,2}\b")


def _time_form(text: str) -> str:
    """How precise a time span is: a date, a year (or decade, century), a clock time, or
    a word ("Tuesday", "last week")."""
    if ":" in text or re.search(r"\d\s*(?:a\.m\.|p\.m\.|am\b|pm\b)", text):
        return "clock"
    if _DAY_MONTH.search(text):
        return "date"
    if re.search(r"\d{4}", text) or "century" in text:
        return "year"
    return "word"


def _nearness(
    f: dict[str, float], shape: QuestionShape, view: SentenceView, words: _Words, c: Span
) -> None:
    """Where the span stands against the question's words: how far, which side, how linked."""
    sentence = view.text
    gaps = [(words.gap(c, (s, e)), w, s, e) for s, e, w in view.anchors]
    gap, weight, _, _ = min(gaps)
    f["gap"] = min(gap, 20) / 20
    f["touches"] = float(gap == 0)
    f["near_weight"] = weight
    total = sum(w for _, w, _, _ in gaps) or 1.0
    for window in (3, 8, 15):
        f[f"window{window}"] = sum(w for g, w, _, _ in gaps if g <= window) / total
    f["left5"] = sum(w for g, w, s, _ in gaps if s < c.start and g <= 5) / total
    f["right5"] = sum(w for g, w, s, _ in gaps if s >= c.start and g <= 5) / total
    if shape.focus:
        near = [g for g, _, s, e in gaps if same_word(sentence[s:e].casefold(), shape.focus)]
        if near:
            f["focus_gap"] = min(min(near), 20) / 20
            f["focus_touches"] = float(min(near) == 0)

        # "which hotel" → "the Roosevelt *Hotel*"; "rock *star* Bryan Ferry"; "Allied Irish
        # Banks, Ireland's biggest *company*": the asked noun inside, before or after.
        def asked(found: list[str]) -> bool:
            return any(same_word(w, shape.focus) for w in found)

        if asked(words.inside(c.start, c.end)):
            f["focus_inside"] = 1.0
        elif asked(words.inside(max(0, c.start - 30), c.start)[-3:]):
            f["focus_before"] = 1.0
        elif asked(words.inside(c.end, c.end + 40)[:5]):
            f["focus_after"] = 1.0
    # The few words between the span and the nearest question word: "built *by* X",
    # "X*,* the capital", "*called* X". Only function words and marks are named.
    link = min(((g, s, e) for g, _, s, e in gaps if g <= 2), default=None)
    if link is not None:
        _, s, e = link
        side, between = ("after", sentence[e : c.start]) if e <= c.start else (
            "before", sentence[c.end : s]
        )  # fmt: skip
        found = _LINK.findall(between.casefold())
        if len(found) <= 2 and (e <= c.start or c.end <= s):
            plain = all(w in stopwords() or not w[0].isalnum() for w in found)
            joined = " ".join(found) or "_"
            f[f"link={side}:{joined if plain else 'word'}"] = 1.0
            f[f"link={side}"] = 1.0
    first, last = view.anchors[0][0], view.anchors[-1][1]
    f["before_anchors"] = float(c.end <= first)
    f["after_anchors"] = float(c.start >= last)
    if shape.asks_for_subject:
        f["subject_before"] = float(c.end <= first)
