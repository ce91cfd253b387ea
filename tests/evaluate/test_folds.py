"""Folds: stable, and grouped by article."""

from __future__ import annotations

from qabot.evaluate.folds import fold_of


def test_folds_are_stable_and_group_by_article() -> None:
    assert fold_of("a.txt") == fold_of("a.txt") and 0 <= fold_of("a.txt") < 5
    assert {fold_of(f"{i}.txt", 3) for i in range(50)} == {0, 1, 2}
