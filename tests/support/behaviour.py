"""What a user can observe of an index, to compare two indexes by behaviour."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from qabot import Answer, Article, Problem, QABot


@dataclass(frozen=True)
class Behaviour:
    """What a user can observe of an index: answers, articles, every passage, figures."""

    answers: tuple[Answer, ...]
    articles: tuple[Article, ...]
    passages: str
    figures: tuple[int, int, int]
    problems: tuple[Problem, ...]


def behaviour(bot: QABot, questions: Iterable[str]) -> Behaviour:
    """Everything ``bot`` answers and lists, to compare two indexes by what users see."""
    digest = hashlib.sha256()
    articles = tuple(bot.articles())
    for article in articles:
        position = 0
        while (passage := bot.passage(article.id, position)) is not None:
            digest.update(f"{article.id}\0{position}\0{passage.text}\0".encode())
            position += 1
    stats = bot.stats()
    return Behaviour(
        answers=tuple(bot.ask(q) for q in questions),
        articles=articles,
        passages=digest.hexdigest(),
        figures=(stats.articles, stats.passages, stats.terms),
        problems=stats.problems,
    )
