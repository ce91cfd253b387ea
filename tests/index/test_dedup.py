"""Near-duplicate stories: folded among an answer's citations, the better ranked kept."""

from __future__ import annotations

import random
import re
from pathlib import Path

from support.corpus import write_article

from qabot import QABot
from qabot.config import AnswerSettings, Settings
from qabot.index.dedup import (
    MAX_CHARS,
    MAX_WORDS,
    hashed_shingles,
    overlap,
    resemblance,
    shingles,
)

STORY = (
    "The harbour authority approved a new ferry terminal at Kelmouth on Monday after a "
    "two-year planning inquiry.",
    "Construction starts in spring and is expected to cost 40 million pounds, the "
    "authority said in a statement.",
    "Local businesses welcomed the decision, saying the terminal would bring visitors to "
    "the town all year round.",
    "Opponents argued the terminal would harm the estuary's bird colonies and said they "
    "would consider a legal challenge.",
)


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_article(folder, "wire/original.txt", "Ferry terminal approved", *STORY)
    # The same wire story republished with a new headline, an edited figure and a line added.
    edited = list(STORY)
    edited[1] = edited[1].replace("40 million", "42 million")
    edited.append("The terminal is due to open in 2027.")
    write_article(folder, "site/republished.txt", "Kelmouth terminal gets go-ahead", *edited)
    write_article(
        folder, "other/ferries.txt", "Ferry fares rise",
        "Ferry operators raised fares on Kelmouth routes by five percent, blaming the cost "
        "of fuel. The new terminal was not mentioned.",
    )  # fmt: skip
    return folder


def test_resemblance_of_shingle_sets() -> None:
    a = shingles(" ".join(STORY))
    assert resemblance(a, a) == 1.0
    assert resemblance(a, shingles("Something else entirely, about rail strikes in Leeds.")) == 0
    assert resemblance(a, frozenset()) == 0.0
    edited = " ".join(STORY).replace("40 million", "42 million")
    assert 0.8 < resemblance(a, shingles(edited)) < 1.0
    # Case and punctuation do not count.
    assert shingles("The Ferry, terminal!") == shingles("the ferry terminal")


def _reference(text: str) -> frozenset[tuple[str, ...]]:
    """Shingles as word tuples, the words as the regular expression ``\\w+`` finds them."""
    words = re.findall(r"\w+", text[:MAX_CHARS].casefold())[:MAX_WORDS]
    if len(words) < 3:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def _jaccard(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def test_hashed_shingles_resemble_as_word_tuples_do() -> None:
    # Words of letters, digits, underscores and other scripts, between every kind of
    # separator, case folding that changes lengths (ß → ss), texts past the limits.
    pieces = ["ferry", "Ferry", "FERRY", "straße", "STRASSE", "İstanbul", "ǅemal", "x_y",
              "3½", "²", "日本", "١٢٣", "a", "of", "the", "terminal"]  # fmt: skip
    gaps = [" ", ", ", "\n", "—", "’", "'", "-", "\u00a0", " … ", "\t", "", "!?"]
    rng = random.Random(7)
    texts = ["", "a", "a b", "b a", "a b c", "!!", "ß", "ss"]
    for _ in range(300):
        n = rng.choice([1, 2, 3, 5, 40, 450, 1200])
        texts.append("".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(n)))
    for _ in range(100):  # edited copies, as near-duplicates are
        words = rng.choice(texts[8:]).split(" ")
        at = rng.randrange(len(words))
        texts.append(" ".join([*words[:at], rng.choice(pieces), *words[at + 1 :]]))
    hashed = [shingles(t) for t in texts]
    tuples = [_reference(t) for t in texts]
    for i in range(len(texts)):
        assert len(hashed[i]) == len(tuples[i])
        for j in [*rng.sample(range(len(texts)), 20), i - 1]:
            assert resemblance(hashed[i], hashed[j]) == _jaccard(tuples[i], tuples[j])
    # Many texts hashed at once (as a question's articles are) resemble as pairs do.
    for _ in range(30):
        group = rng.sample(range(len(texts)), rng.choice([2, 3, 10, 40, 70]))
        together = hashed_shingles([texts[i] for i in group])
        for a, i in enumerate(group):
            assert len(together[a]) == len(tuples[i])
            for b, j in enumerate(group):
                assert overlap(together[a], together[b]) == _jaccard(tuples[i], tuples[j])


def test_near_duplicate_stories_are_cited_once(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    bot = QABot.open(folder, tmp_path / "index")
    answer = bot.ask("ferry terminal Kelmouth", k=5)
    cited = {h.article.id for h in answer.passages}
    assert len(cited & {"wire/original.txt", "site/republished.txt"}) == 1
    assert "other/ferries.txt" in cited

    # Folding off: both copies are cited, which is what folding prevents.
    off = Settings(answers=AnswerSettings(near_duplicate=1.5))
    plain = QABot.open(folder, tmp_path / "index", settings=off)
    cited = {h.article.id for h in plain.ask("ferry terminal Kelmouth", k=5).passages}
    assert {"wire/original.txt", "site/republished.txt"} <= cited
