"""SQuAD's answer normalisation and token F1, as the benchmarks score short answers."""

from __future__ import annotations

import pytest

from qabot.evaluate.squad import f1, normalize


def test_normalize_drops_case_punctuation_and_articles() -> None:
    assert normalize("The Katla volcano, in Iceland!") == ["katla", "volcano", "in", "iceland"]
    # Articles go as whole words only; punctuation first, so "a." goes too.
    assert normalize("An anthem, a. Theatre") == ["anthem", "theatre"]
    assert normalize("1,200 jobs") == ["1200", "jobs"]
    # As SQuAD's official script: only ASCII punctuation is dropped.
    assert normalize("“Minsk 3”") == ["“minsk", "3”"]


def test_f1_counts_shared_tokens() -> None:
    assert f1("Ana Lopez", "the mayor Ana Lopez") == pytest.approx(2 * 1 * (2 / 3) / (1 + 2 / 3))
    assert f1("the Tagus bridge", "Tagus bridge in Lisbon") == pytest.approx(2 / 3)
    assert f1("jobs jobs", "jobs") == pytest.approx(2 / 3)  # a token counts as often as shared
    assert f1("Lisbon.", "lisbon") == 1.0
    assert f1("Porto", "Lisbon") == 0.0


def test_f1_of_empty_answers() -> None:
    assert f1("the", "a") == 1.0  # both nothing once normalised
    assert f1("", "Lisbon") == 0.0 and f1("Lisbon", "") == 0.0
