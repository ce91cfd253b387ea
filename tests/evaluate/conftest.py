"""Fixtures of the evaluation tests: the stories of :mod:`support.evaluation` written into
``tmp_path``, and their questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import write_article
from support.evaluation import QUESTIONS, STORIES

from qabot.evaluate.question_set import EvalQuestion


@pytest.fixture
def stories(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    for name, (title, text) in STORIES.items():
        write_article(folder, name, title, text)
    return folder


@pytest.fixture
def questions() -> list[EvalQuestion]:
    return [EvalQuestion(str(i), q, (a,), art) for i, (q, a, art) in enumerate(QUESTIONS)]
