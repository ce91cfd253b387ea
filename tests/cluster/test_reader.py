"""A question's rounds over shards (ClusterReader), without Ray: shards called in process."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.corpus import story_questions, write_article, write_stories
from support.shards import owner_of_file

from qabot import QABot
from qabot.analysis import Analyzer
from qabot.cluster import ClusterIndex
from qabot.cluster.shard import Shard
from qabot.config import AnswerSettings, Settings

SHARDS = 3


class InProcessRuntime:
    """What a ClusterIndex asks of Ray's runtime, answered by shards in this process.

    Shards in ``silent`` never reply (as a shard past its deadline); ``calls`` records
    each call's method and the shards it went to.
    """

    def __init__(self, settings: Settings, shards: int) -> None:
        self.shards = shards
        self.parts = [Shard(settings, i, shards) for i in range(shards)]
        self.silent: set[int] = set()
        self.calls: list[tuple[str, tuple[int, ...]]] = []

    def call(
        self,
        method: str,
        args: Callable[[int], tuple[Any, ...]],
        shards: Sequence[int],
        timeout: float | None,
    ) -> dict[int, Any]:
        self.calls.append((method, tuple(shards)))
        return {i: getattr(self.parts[i], method)(*args(i)) for i in shards if i not in self.silent}

    def call_all(self, method: str, *args: Any, timeout: float | None = None) -> list[Any]:
        return [getattr(part, method)(*args) for part in self.parts]


def _cluster(corpus: Path, settings: Settings) -> tuple[QABot, InProcessRuntime]:
    settings = settings.with_paths(corpus, corpus.parent / "shards")
    runtime = InProcessRuntime(settings, SHARDS)
    index = ClusterIndex(settings, runtime, wait=1.0)  # type: ignore[arg-type]
    return QABot(settings, Analyzer(settings.analyzer), index), runtime


STORY = (
    "The harbour authority approved a new ferry terminal at Kelmouth on Monday after a "
    "two-year planning inquiry.",
    "Construction starts in spring and is expected to cost 40 million pounds, the "
    "authority said in a statement.",
    "Local businesses welcomed the decision, saying the terminal would bring visitors to "
    "the town all year round.",
)


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(30), "first")
    write_article(corpus, "wire/original.txt", "Ferry terminal approved", *STORY)
    # Republished with a new headline and an edited figure: one story, two texts, which
    # fall in two shards.
    edited = [p.replace("40 million", "41 million") for p in STORY]
    write_article(corpus, "site/republished.txt", "Kelmouth terminal gets go-ahead", *edited)
    write_article(
        corpus, "other/ferries.txt", "Ferry fares rise",
        "Ferry operators raised fares on Kelmouth routes, blaming the new terminal's cost.",
    )  # fmt: skip
    return corpus


@pytest.mark.parametrize("near_duplicate", [0.5, 2.0])
def test_answers_and_hits_equal_one_indexs_near_duplicates_folded_alike(
    tmp_path: Path, near_duplicate: float
) -> None:
    corpus = _corpus(tmp_path)
    settings = Settings(answers=AnswerSettings(near_duplicate=near_duplicate))
    one = QABot.open(corpus, tmp_path / "one", settings=settings)
    bot, _ = _cluster(corpus, settings)
    copies = {"wire/original.txt", "site/republished.txt"}
    assert len({owner_of_file(corpus, copy, SHARDS) for copy in copies}) == 2
    for question in ["ferry terminal Kelmouth", *story_questions(range(0, 30, 7), extra=3)]:
        answer = bot.ask(question)
        assert answer.shards == SHARDS and not answer.partial
        assert replace(answer, shards=0) == one.ask(question)
        assert bot.search(question, 7) == one.search(question, 7)
    cited = {h.article.id for h in bot.ask("ferry terminal Kelmouth").passages}
    assert len(cited & copies) == (1 if near_duplicate <= 1 else 2)


def test_texts_are_fetched_once_a_question_only_when_there_is_something_to_fold(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path)
    bot, runtime = _cluster(corpus, Settings())
    bot.ask("ferry terminal Kelmouth")
    bodies = [shards for method, shards in runtime.calls if method == "bodies"]
    # One round, to the shards holding the articles found (no shard twice).
    assert len(bodies) == 1 and len(set(bodies[0])) == len(bodies[0])
    runtime.calls.clear()
    bot.search("ferry terminal Kelmouth")  # a search folds nothing
    assert [m for m, _ in runtime.calls] == ["statistics", "contenders"]


def test_a_shard_that_does_not_reply_is_named_in_the_answer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    bot, runtime = _cluster(corpus, Settings())
    silent = owner_of_file(corpus, "wire/original.txt", SHARDS)
    runtime.silent.add(silent)
    answer = bot.ask("ferry terminal Kelmouth")
    assert answer.partial and answer.missing_shards == (silent,)
    assert all(owner_of_file(corpus, h.article.id, SHARDS) != silent for h in answer.passages)
