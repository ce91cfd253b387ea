"""Near-duplicate stories: folded among an answer's citations, the better ranked kept."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from support.corpus import write_article, write_stories

from qabot import QABot
from qabot.config import AnswerSettings, Settings
from qabot.index.dedup import (
    MAX_CHARS,
    MAX_WORDS,
    RECHECK,
    Shingles,
    distinct_stories,
    hashed_shingles,
    overlap,
    resemblance,
    shingles,
    stored_shingles,
)
from qabot.index.update import MAX_SEGMENTS

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


def test_stored_shingles_are_those_of_each_article_through_updates_and_merges(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "corpus"
    write_stories(folder, range(30), "first")
    bot = QABot.open(folder, tmp_path / "index")
    # New stories and new editions, one update each: segments pile up and are merged.
    for n in range(MAX_SEGMENTS + 2):
        write_stories(folder, [30 + n, n], f"edition {n}", seed=n)
        bot.reindex()
    snapshot = bot.index.current()
    assert any(len(s.articles) > 2 for s in snapshot.segments[1:]) or len(snapshot.segments) == 1
    ids = [a.id for a in bot.articles()]
    expected = stored_shingles(hashed_shingles([snapshot.article_body(a, MAX_CHARS) for a in ids]))
    for article_id, wanted in zip(ids, expected, strict=True):
        found = snapshot.article_shingles(article_id)
        assert found is not None and found.tolist() == wanted.tolist()


def test_a_stored_resemblance_near_the_threshold_is_taken_from_the_texts() -> None:
    # Stored shingles say two articles are alike just above the threshold; their texts say
    # just below: the texts decide.
    text = {"a": "one two three four five", "b": "one two three four six"}
    exact = hashed_shingles([text["a"], text["b"]])
    threshold = overlap(exact[0], exact[1]) + 0.01
    shared = next(n for n in range(100) if n / (200 - n) >= threshold)
    stored = {"a": np.arange(100, dtype=np.uint32), "b": np.arange(100 - shared, 200 - shared)}
    assert threshold <= overlap(stored["a"], stored["b"]) < threshold + RECHECK

    def stored_of(ids: Sequence[str]) -> list[Shingles]:
        return [stored[i].astype(np.uint32) for i in ids]

    def exact_of(ids: Sequence[str]) -> list[Shingles]:
        return hashed_shingles([text[i] for i in ids])

    assert distinct_stories(["a", "b"], stored_of, threshold) == [0]
    assert distinct_stories(["a", "b"], stored_of, threshold, exact_of=exact_of) == [0, 1]
