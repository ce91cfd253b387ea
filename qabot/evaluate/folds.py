"""Folds for cross-validation, shared by the harnesses: which fold a question falls in, and
what a cross-validation reports.

Questions are grouped by a name (the article of a news question, the id of a BEIR query):
a hash of it picks the fold, so no story is seen both in choosing and in reporting, and
the folds are the same across runs and machines.
"""

from __future__ import annotations

import statistics
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qabot.errors import QABotError

__all__ = ["DEFAULT_FOLDS", "CrossValidation", "Fold", "fold_of", "used_folds"]

DEFAULT_FOLDS = 5


def fold_of(article: str, folds: int = DEFAULT_FOLDS) -> int:
    """The fold of a question, from its article's name: stable across runs and machines."""
    return zlib.crc32(article.encode("utf-8")) % folds


@dataclass(frozen=True)
class Fold:
    """One fold: the settings chosen on the others, and the figures on this one."""

    number: int
    questions: int
    chosen: str
    figures: Mapping[str, float]


@dataclass(frozen=True)
class CrossValidation:
    """The folds of a cross-validation and the spread of their figures."""

    folds: tuple[Fold, ...]
    #: The settings chosen on all the questions.
    chosen: str
    #: Folds left out because none of the questions fell in them.
    empty: int = 0

    def spread(self) -> dict[str, tuple[float, float, float, float]]:
        """figure → (mean, standard deviation, min, max) over the folds."""
        names = list(self.folds[0].figures) if self.folds else []
        out = {}
        for name in names:
            values = [f.figures[name] for f in self.folds]
            sd = statistics.pstdev(values) if len(values) > 1 else 0.0
            out[name] = (statistics.fmean(values), sd, min(values), max(values))
        return out

    def __str__(self) -> str:
        names = list(self.folds[0].figures) if self.folds else []
        lines = [
            "| fold | questions | chosen on the other folds | " + " | ".join(names) + " |",
            "|---:|---:|---|" + "---:|" * len(names),
        ]
        for f in self.folds:
            values = " | ".join(f"{f.figures[n]:.3f}" for n in names)
            lines.append(f"| {f.number} | {f.questions} | {f.chosen} | {values} |")
        spread = self.spread()
        lines.append(
            "| mean ± sd | | | "
            + " | ".join(f"{spread[n][0]:.3f} ± {spread[n][1]:.3f}" for n in names)
            + " |"
        )
        if self.empty:
            lines.append(f"({self.empty} more fold(s) held no question and are left out.)")
        lines.append(f"\nChosen on all questions: {self.chosen}")
        return "\n".join(lines)


def used_folds(groups: Sequence[str], folds: int, what: str) -> list[int]:
    """The folds that ``groups`` (one per question) fall in; refuses too few to compare.

    Folds group by article (or query), and a fold without questions would count as a
    zero in the averages: empty folds are left out, and more folds than groups refused.
    """
    if folds < 2:
        raise QABotError(f"cross-validation needs at least 2 folds, got {folds}")
    distinct = set(groups)
    if folds > len(distinct):
        raise QABotError(
            f"{folds} folds need questions about at least {folds} different {what}; "
            f"these are about {len(distinct)}: use fewer folds"
        )
    used = sorted({fold_of(g, folds) for g in distinct})
    if len(used) < 2:
        raise QABotError(
            f"the {len(distinct)} {what} of these questions all fall in one of the {folds} "
            "folds: try another number of folds"
        )
    return used
