"""Shared fixtures: small corpora written into ``tmp_path``, and bots opened on them."""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from botapi_server import BotApiServer

from qabot import Answer, Article, Problem, QABot

DEMO_ARTICLE = (
    Path(__file__).resolve().parent.parent / "corpus" / "stoltenberg-peace-talks-minsk-3.txt"
)


def write_article(folder: Path, name: str, title: str, *paragraphs: str) -> Path:
    """A .txt article: title, blank line, paragraphs separated by blank lines."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder holding the demo article."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(DEMO_ARTICLE, folder / DEMO_ARTICLE.name)
    return folder


@pytest.fixture
def news_corpus(corpus: Path) -> Path:
    """The demo article plus three short unrelated ones."""
    write_article(
        corpus, "markets/oil.txt", "Oil prices climb",
        "Oil prices rose 3% on Tuesday after OPEC agreed to cut output by 1.5 million barrels"
        " a day.",
        "Analysts at Goldman Sachs said the cut would tighten supply through the winter.",
    )  # fmt: skip
    write_article(
        corpus, "sport/final.txt", "Cup final ends in draw",
        "The cup final ended 2-2 after extra time, and the replay is set for next Sunday.",
        "The manager said his players were exhausted but proud.",
    )  # fmt: skip
    write_article(
        corpus, "tech/chips.txt", "Chip maker opens plant",
        "A new semiconductor plant opened in Dresden, creating 1,200 jobs.",
        "The company said production of 300mm wafers starts in March.",
    )  # fmt: skip
    return corpus


@pytest.fixture
def open_bot(tmp_path: Path) -> Callable[..., QABot]:
    """Open a bot on a corpus with its index in a separate temporary folder."""

    def _open(folder: Path, **kwargs: object) -> QABot:
        return QABot.open(folder, tmp_path / "index", **kwargs)  # type: ignore[arg-type]

    return _open


# -- generated corpora, for the reliability tests ---------------------------------------------
_SYLLABLES = [
    "ka", "lo", "mi", "ren", "dus", "tor", "vel", "sa", "ni", "po", "gar", "fen",
    "ul", "bri", "co", "mar", "tes", "ol", "vin", "dra", "pe", "quo", "zim", "hal",
]  # fmt: skip


def _vocabulary(size: int = 1500, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))))
    return sorted(words)


_VOCABULARY = _vocabulary()


def story_name(number: int) -> str:
    """The made-up proper name that only story ``number`` mentions (``zqbaa``, ``zqbab`` …)."""
    letters, n = "", number + 26 * 26
    while n:
        n, r = divmod(n, 26)
        letters = chr(97 + r) + letters
    return "zq" + letters


def story_path(folder: Path, number: int) -> Path:
    return folder / f"desk{number % 20:02d}" / f"story{number:05d}.txt"


def write_stories(folder: Path, numbers: Iterable[int], edition: str, seed: int = 1) -> None:
    """Generated .txt articles, the same for the same number, edition and seed.

    Every paragraph mentions ``edition`` and the title carries it, so a passage or an
    article can always tell which edition of the corpus it came from; the first paragraph
    names the story's own :func:`story_name`.
    """
    for number in numbers:
        rng = random.Random(f"{seed}-{number}-{edition}")
        paragraphs = []
        for p in range(rng.randint(3, 6)):
            words = [rng.choice(_VOCABULARY) for _ in range(rng.randint(15, 40))]
            if p == 0:
                words.insert(rng.randint(0, len(words)), story_name(number))
            words.insert(rng.randint(0, len(words)), edition)
            paragraphs.append(" ".join(words).capitalize() + ".")
        title = f"Report {number} on {story_name(number)} ({edition} edition)"
        write_article(folder, str(story_path(Path(), number)), title, *paragraphs)


def story_questions(numbers: Iterable[int], seed: int = 3, extra: int = 10) -> list[str]:
    """Questions naming given stories, plus ``extra`` made of two common generated words."""
    rng = random.Random(seed)
    questions = [f"what about {story_name(n)}?" for n in numbers]
    questions += [" ".join(rng.sample(_VOCABULARY, 2)) for _ in range(extra)]
    return questions


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


# -- Telegram ---------------------------------------------------------------------------------
@pytest.fixture
def api() -> Iterator[BotApiServer]:
    """The stand-in Bot API server on 127.0.0.1, stopped afterwards."""
    with BotApiServer() as server:
        yield server
