"""SQuAD's answer scoring: its answer normalisation and token F1, as its official script does.

A text is lower-cased, its ASCII punctuation and the articles a/an/the are dropped, and
it is split on white space; F1 counts the tokens two texts share. The benchmarks score
``Answer.short`` with these against the gold answers.
"""

from __future__ import annotations

import re
import string
from collections import Counter

__all__ = ["f1", "normalize"]

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> list[str]:
    """SQuAD's answer normalisation, as tokens: lower case, no punctuation, no articles."""
    text = "".join(c for c in text.lower() if c not in _PUNCTUATION)
    return _ARTICLES.sub(" ", text).split()


def f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 of ``prediction`` against one gold answer (1.0 when both are empty)."""
    pred, ref = normalize(prediction), normalize(gold)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or not common:
        return float(pred == ref == [])
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)
