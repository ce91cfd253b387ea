"""Bad questions: any text, however odd or long, gets a well-formed answer, quickly.

Property tests (hypothesis) feed the analyzer and ``QABot.ask`` arbitrary Unicode, control
characters, right-to-left text, emoji, combining marks, only stopwords, only punctuation,
and mixtures with words the corpus knows (so that real answers are checked too); explicit
cases add 100,000-character inputs. No exception may escape; every answer must be
well-formed (types, ranks 1..n, n <= k, highlights within the passage, text empty exactly
when nothing was found, a reason when not); the Telegram message built from it must be
valid HTML within Telegram's limits; and each question must take well under a second.
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
import shutil
import string
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.botapi_server import parse_html, utf16_len
from support.corpus import DEMO_ARTICLE, write_article

from qabot import Answer, Hit, QABot, QABotError, render
from qabot.analysis import Analyzer

#: A functional bound, not a benchmark: a question answered in this time is "quick".
SECONDS_PER_QUESTION = 1.0
FUZZ = settings(
    max_examples=300,
    deadline=None,  # time is asserted per question instead, with a generous bound
    database=None,  # nothing written into the working directory
    suppress_health_check=[HealthCheck.too_slow],
)

STOPWORDS = sorted(
    line.strip()
    for line in resources.files("qabot")
    .joinpath("data", "stopwords_en.txt")
    .read_text("utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)
KNOWN = ["Minsk", "Stoltenberg", "NATO", "Ukraine", "oil", "OPEC", "Dresden", "Kyiv", "Zürich"]
KNOWN += ["שלום", "كييف", "東京", "🚀", "naïve", "ﬁnance", "İstanbul", "ß"]
RTL = "\u202e\u202b\u200f\u061c"
st_rtl = st.text(alphabet=st.sampled_from(list("אבגדהוזחטיכלמנסעפצקרשת" + "ابتثجحخدذرزسش" + RTL)))
st_emoji = st.text(
    alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.just("\u200d"),
    min_size=1,
)
st_controls = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"]))
st_punctuation = st.text(alphabet=st.sampled_from(string.punctuation + "…«»“”„¿¡—–·•"))
st_stopwords = st.lists(st.sampled_from(STOPWORDS), max_size=30).map(" ".join)
st_combining = st.text(alphabet=st.characters(categories=["Mn", "Me", "Lo", "Nd", "No"]))
st_question = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st_rtl,
    st_emoji,
    st_controls,
    st_punctuation,
    st_stopwords,
    st_combining,
    st.lists(
        st.one_of(st.sampled_from(KNOWN), st.sampled_from(STOPWORDS), st.text(max_size=5)),
        max_size=12,
    ).map(" ".join),
)
ANALYZER = Analyzer()
HUGE = {
    "repeated words": "what did Stoltenberg say about Minsk " * 2800,
    "one word": "a" * 100_000,
    "digits": "1," * 50_000,
    "acronym dots": "U.S." * 25_000,
    "emoji": "🚀" * 100_000,
    "controls": "\x00\x1b[2J\u202e" * 25_000,
    "stopwords": "the and of " * 10_000,
    "punctuation": "?!." * 33_334,
    "whitespace": " \t\n" * 33_334,
    "combining": "e\u0301" * 50_000,
}


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> QABot:
    """A small corpus with the demo article and articles in several scripts."""
    corpus = tmp_path_factory.mktemp("questions") / "corpus"
    corpus.mkdir()
    shutil.copy(DEMO_ARTICLE, corpus / DEMO_ARTICLE.name)
    write_article(
        corpus, "oil.txt", "Oil prices climb",
        "Oil prices rose 3% after OPEC agreed to cut output; naïve traders in Zürich cheered.",
        "In İstanbul, the ﬁnance ministry said the Straße was calm.",
    )  # fmt: skip
    write_article(
        corpus, "scripts.txt", "שלום – سلام – 東京",
        "שלום עולם. كييف مدينة كبيرة. 東京は大きい都市です。 🚀 launched from Kyiv.",
        "\u202eReversed text\u202c and e\u0301 combining marks in Dresden.",
    )  # fmt: skip
    return QABot.open(corpus, tmp_path_factory.mktemp("questions-index"))


def check_hit(bot: QABot, hit: Hit, rank: int, terms: set[str]) -> None:
    assert isinstance(hit, Hit) and hit.rank == rank
    assert isinstance(hit.score, float) and math.isfinite(hit.score) and hit.score > 0
    assert isinstance(hit.text, str) and hit.text
    first, last = hit.paragraphs
    assert 0 <= first <= last and hit.position >= 0
    stored = bot.passage(hit.article.id, hit.position)
    assert stored is not None and stored.text == hit.text
    previous_end = 0
    for start, end in hit.highlights:
        assert previous_end <= start < end <= len(hit.text)
        assert bot.analyzer.term(hit.text[start:end]) in terms
        previous_end = end
    assert isinstance(hit.citation, str) and hit.article.title in hit.citation


def check_answer(bot: QABot, answer: Answer, k: int, context: str | None = None) -> None:
    """Everything a caller may rely on about an answer, whatever the question."""
    assert isinstance(answer, Answer)
    assert isinstance(answer.question, str)
    assert len(answer.question) <= bot.settings.answers.max_question_chars
    assert isinstance(answer.text, str) and isinstance(answer.reason, str)
    assert answer.found == bool(answer.text)
    assert all(isinstance(t, str) and t for t in answer.terms)
    assert all(isinstance(w, str) for w in answer.matched_words)
    assert isinstance(answer.confidence, float) and 0.0 <= answer.confidence <= 1.0
    assert len(answer.passages) <= k
    if answer.found:
        assert answer.text.strip() == answer.text and (answer.passages or k == 0)
        assert answer.source is None or 0 <= answer.source < len(answer.passages)
    else:
        assert answer.reason and answer.source is None and not answer.unsure
    highlighted = set(answer.terms) | set(bot.analyzer.terms(context or ""))
    for rank, hit in enumerate(answer.passages, 1):
        check_hit(bot, hit, rank, highlighted)
    assert str(answer) and len(repr(answer)) < 200
    # What Telegram would be sent: valid HTML within its limit, for the answer and passages.
    for message in [render.answer_message(answer), *map(render.passage_message, answer.passages)]:
        assert utf16_len(message) <= render.MESSAGE_LIMIT
        parse_html(message)


def ask_checked(bot: QABot, question: str, k: int = 5, context: str | None = None) -> Answer:
    started = time.monotonic()
    answer = bot.ask(question, k, context=context)
    elapsed = time.monotonic() - started
    assert elapsed < SECONDS_PER_QUESTION, f"{elapsed:.2f}s for {question[:80]!r}"
    check_answer(bot, answer, k, context)
    return answer


@FUZZ
@given(text=st_question)
@example(text="")
@example(text="\x00")
@example(text="U.S.A.")
@example(text="İ")
@example(text="ǅ")
@example(text="1,000,000.5:30")
@example(text="e\u0301\u0301\u0301")
def test_analyzer_tokens_terms_and_sentences_are_consistent(text: str) -> None:
    analyzer = ANALYZER
    tokens = analyzer.tokens(text)
    previous_end = 0
    for token in tokens:
        assert previous_end <= token.start < token.end <= len(text)
        assert token.term is None or (isinstance(token.term, str) and token.term)
        previous_end = token.end
    assert analyzer.terms(text) == [t.term for t in tokens if t.term is not None]
    # A fresh analyzer gives the same terms as a warmed-up one (no cache effects).
    assert Analyzer().terms(text) == analyzer.terms(text)
    previous_end = 0
    for start, end in analyzer.sentence_spans(text):
        assert previous_end <= start <= end <= len(text)
        previous_end = end


@FUZZ
@given(question=st_question, k=st.integers(min_value=1, max_value=12))
@example(question="what did Stoltenberg say about Minsk", k=5)
@example(question="and Minsk 2?", k=1)
@example(question="שלום", k=3)
@example(question="🚀", k=3)
@example(question="the of and", k=5)
@example(question="?!…", k=5)
def test_any_question_gets_a_well_formed_answer(bot: QABot, question: str, k: int) -> None:
    ask_checked(bot, question, k)


@FUZZ
@given(question=st_question, context=st_question)
def test_any_follow_up_with_any_context_gets_a_well_formed_answer(
    bot: QABot, question: str, context: str
) -> None:
    ask_checked(bot, question, 5, context=context)


@pytest.mark.parametrize("kind", sorted(HUGE))
def test_100k_character_questions_are_cut_and_answered_quickly(bot: QABot, kind: str) -> None:
    question = HUGE[kind]
    assert len(question) >= 100_000
    answer = ask_checked(bot, question, 5)
    assert len(answer.question) <= bot.settings.answers.max_question_chars
    # As a follow-up's context, too, and through search().
    ask_checked(bot, "and Minsk?", 5, context=question)
    started = time.monotonic()
    hits = bot.search(question, 5)
    assert time.monotonic() - started < SECONDS_PER_QUESTION and len(hits) <= 5


def test_known_questions_still_answer_in_every_script(bot: QABot) -> None:
    """The fuzzing corpus really matches, so well-formed hits and answers are checked too."""
    found = 0
    for question, expected in [
        ("What did Stoltenberg say about Minsk?", "Minsk"),
        ("שלום", "שלום"),
        ("what about Kyiv 🚀", "Kyiv"),
        ("what did naïve traders in Zürich do?", "Zürich"),
    ]:
        answer = ask_checked(bot, question, 5)
        assert answer.passages and expected in answer.passages[0].text, (question, answer)
        found += answer.found
    assert found >= 2


def test_a_negative_k_gives_no_passages_or_a_clear_error(bot: QABot) -> None:
    try:
        answer = bot.ask("what did Stoltenberg say about Minsk", k=-1)
    except (ValueError, QABotError) as exc:  # a clear refusal is fine too
        assert "k" in str(exc)
        return
    assert answer.passages == ()


def test_zero_k_gives_an_answer_without_passages(bot: QABot) -> None:
    answer = ask_checked(bot, "what did Stoltenberg say about Minsk", 0)
    assert answer.found and answer.passages == () and answer.source is None


def test_a_follow_up_context_is_capped_like_the_question(bot: QABot) -> None:
    limit = bot.settings.answers.max_question_chars
    # Past the cap, words that would pull in another article.
    context = "the " * (limit // 4 + 1) + "Dresden " * 20_000
    capped = bot.ask("and the oil?", 5, context=context[:limit])
    assert bot.ask("and the oil?", 5, context=context) == capped


# -- huge articles: what an answer holds stays bounded (issue 11) ------------------------------
def answer_chars(answer: Answer) -> int:
    """Characters an answer holds: its texts and those of every cited passage."""
    fields = [answer.question, answer.text, answer.short, answer.reason, *answer.terms]
    fields += answer.matched_words
    for hit in answer.passages:
        fields += [hit.text, hit.article.id, hit.article.title, hit.citation]
    return sum(len(f) for f in fields)


@pytest.mark.slow
def test_answers_over_a_5mb_paragraph_and_a_1mb_blob_stay_small(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DEMO_ARTICLE, corpus / DEMO_ARTICLE.name)
    rng = random.Random(13)
    words = [
        "Minsk",
        "talks",
        "oil",
        "prices",
        "rose",
        "the",
        "ceasefire",
        "and",
        "OPEC",
        "Stoltenberg",
        "said",
        "Kyiv",
    ]
    endless = " ".join(rng.choice(words) for _ in range(900_000))[:5_000_000]
    write_article(corpus, "endless.txt", "Minutes of the talks", endless)
    blob = base64.b64encode(rng.randbytes(750_000)).decode()
    write_article(corpus, "blob.txt", "An attachment", f"Minsk talks attachment {blob}")
    bot = QABot.open(corpus, tmp_path / "index")
    passages = bot.settings.passages
    for question, k in [
        ("what did Stoltenberg say about the Minsk talks", 5),
        ("why did oil prices rise after OPEC and the ceasefire", 12),
        (f"what is in the attachment {blob[:40]}", 5),
    ]:
        answer = bot.ask(question, k)
        assert answer.passages and any(h.article.id != DEMO_ARTICLE.name for h in answer.passages)
        check_answer(bot, answer, k)
        # Each cited passage within the passage bound; the answer's own text within one
        # passage (its sentences come from one) plus separators.
        assert all(len(hit.text) <= passages.max_chars for hit in answer.passages)
        assert len(answer.text) <= 2 * passages.max_chars
        bound = (k + 3) * passages.max_chars + 4 * bot.settings.answers.max_question_chars
        assert answer_chars(answer) <= bound


# -- reproducible answers (issue 11) -----------------------------------------------------------
@pytest.mark.slow
def test_the_same_question_gives_byte_identical_json_under_any_hash_seed(
    news_corpus: Path, tmp_path: Path
) -> None:
    """Scores are sums of floats: their order may never follow set or dict hash order."""
    write_article(
        news_corpus, "markets/opec.txt", "OPEC meets in Vienna",
        "OPEC ministers met in Vienna to discuss output cuts as oil prices fell.",
        "Saudi Arabia said the cut of 1.5 million barrels would hold, and Goldman Sachs said"
        " oil supply would tighten.",
        "Ukraine and NATO officials in Kyiv said energy talks would follow the Minsk talks.",
    )  # fmt: skip
    write_article(
        news_corpus, "world/talks.txt", "Talks resume",
        "Peace talks between Russia and Ukraine resumed in Minsk, officials said on Tuesday.",
        "Stoltenberg said NATO would support a ceasefire, and oil prices rose on the news.",
    )  # fmt: skip
    index = tmp_path / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    run = [sys.executable, "-m", "qabot"]
    subprocess.run([*run, "index", str(news_corpus), "--index", str(index)], check=True, env=env)
    questions = [
        "what did Stoltenberg and NATO say about the Minsk peace talks in Ukraine",
        "how much did OPEC cut oil output, and what did Goldman Sachs say about supply",
        "when will talks on energy, oil prices and the ceasefire resume in Kyiv or Vienna",
    ]
    where = ["--corpus", str(news_corpus), "--index", str(index)]
    outputs: dict[str, set[bytes]] = {q: set() for q in questions}
    for seed in range(8):
        for question in questions:
            done = subprocess.run(
                [*run, "ask", question, *where, "--json", "-k", "8"],
                env={**env, "PYTHONHASHSEED": str(seed)},
                capture_output=True,
                check=True,
            )
            outputs[question].add(done.stdout)
    for question, seen in outputs.items():
        assert len(seen) == 1, question
        assert json.loads(next(iter(seen)))["passages"], question
