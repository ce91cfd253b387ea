"""Test corpora: the demo article, hand-written articles, and generated stories."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

DEMO_ARTICLE = (
    Path(__file__).resolve().parents[2] / "corpus" / "stoltenberg-peace-talks-minsk-3.txt"
)


def write_article(folder: Path, name: str, title: str, *paragraphs: str) -> Path:
    """A .txt article: title, blank line, paragraphs separated by blank lines."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def write_another_story(folder: Path) -> Path:
    """One short story on something else, beside a test's own: a term's rarity needs more
    than one story to mean anything."""
    ferry = 'Ruth Dale said: "The ferry must stay."'
    return write_article(folder, "ferry.txt", "Ferry cuts", ferry)


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
