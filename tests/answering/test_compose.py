"""Answer choice: the answering sentence, highlights and ranks, and when not to answer."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from qabot import QABot
from qabot.analysis import Analyzer
from qabot.answering import choose as choose_module
from qabot.answering import compose
from qabot.config import AnswerSettings
from qabot.index import Match, TermStats
from qabot.query import Query, build_query
from qabot.values import Answer, Article, Passage

ANALYZER = Analyzer()
#: Answer at any coverage or specificity, with one sentence, so each test looks at one thing.
LENIENT = AnswerSettings(min_coverage=0.0, min_specificity=0.0, answer_words=0)


def hit(
    text: str,
    score: float = 1.0,
    rank: int = 1,
    position: int = 1,
    name: str = "a",
    evidence: Collection[str] = (),
) -> Match:
    """A match as the index returns it: the passage's term counts and its article's terms."""
    article = Article(f"{name}.txt", name.upper(), Path(f"{name}.txt"))
    counts = dict(Counter(ANALYZER.terms(text)))
    passage = Passage(article.id, position, (position, position), text)
    return Match(passage, article, score, counts, frozenset(counts) | frozenset(evidence))


def terms_of(question: str, n_passages: int = 1000, df: dict[str, int] | None = None) -> Query:
    def statistics(terms: Iterable[str]) -> TermStats:
        found = {t: (df.get(t, 0) if df is not None else 1) for t in terms}
        return TermStats(n_passages, 100 * n_passages, found)

    return build_query(question, ANALYZER, statistics)


def answer(
    question: str,
    *hits: Match,
    settings: AnswerSettings = LENIENT,
    evidence: Collection[str] = (),
    **weighing: object,
) -> Answer:
    if evidence:
        hits = tuple(replace(h, article_terms=h.article_terms | frozenset(evidence)) for h in hits)
    return compose(terms_of(question, **weighing), hits, 5, ANALYZER, settings)  # type: ignore[arg-type]


def choose(question: str, *hits: Match, **options: object) -> tuple[str, int | None]:
    """The answer's text and which of ``hits`` it came from (``None``: no answer)."""
    found = answer(question, *hits, **options)  # type: ignore[arg-type]
    if not found.text:
        return "", None
    cited = found.passages[0].article.id
    return found.text, next(n for n, h in enumerate(hits) if h.article.id == cited)


def test_the_sentence_holding_the_kind_asked_for_wins() -> None:
    passage = "The plant was opened last week, officials said. Angela Merkel opened the plant."
    assert choose("Who opened the plant?", hit(passage))[0] == "Angela Merkel opened the plant."
    no_kinds = replace(LENIENT, kind_weight=0.0)
    assert choose("Who opened the plant?", hit(passage), settings=no_kinds)[0].startswith(
        "The plant"
    )


def test_no_spans_are_read_for_a_best_sentence_no_other_can_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Reading a sentence's spans (for the kind bonus) costs more than the rest of the
    # choice: it is done only where the bonus could change which sentence is best.
    read: list[str] = []
    offers = choose_module.offers
    monkeypatch.setattr(
        choose_module,
        "offers",
        lambda shape, sentence: read.append(sentence) or offers(shape, sentence),
    )
    passage = "Angela Merkel opened the plant. It rained."
    assert choose("Who opened the plant?", hit(passage))[0] == "Angela Merkel opened the plant."
    assert read == []
    # Two sentences within the bonus of each other: the bonus decides, so spans are read.
    passage = "The plant was opened last week, officials said. Angela Merkel opened the plant."
    assert choose("Who opened the plant?", hit(passage))[0] == "Angela Merkel opened the plant."
    assert read


def test_a_question_in_the_text_is_not_its_own_answer() -> None:
    passage = (
        "How do teams prepare for a new circuit? "
        "Teams prepare for a new circuit with computer simulation."
    )
    question = "How do teams prepare for a new circuit?"
    assert choose(question, hit(passage))[0].endswith("computer simulation.")
    no_penalty = replace(LENIENT, question_penalty=0.0)
    assert choose(question, hit(passage), settings=no_penalty)[0].endswith("circuit?")


def test_a_sentence_that_refers_back_comes_with_the_one_before() -> None:
    passage = "Maria Lopez runs the shelter. She said the shelter needs blankets."
    text, _ = choose("What does the shelter need?", hit(passage))
    assert text == passage
    text, _ = choose(
        "What does the shelter need?", hit(passage), settings=replace(LENIENT, max_sentences=1)
    )
    assert text == "She said the shelter needs blankets."


def test_an_open_quotation_is_shown_to_its_end() -> None:
    passage = 'He said: "We will rebuild the bridge. It will take two years," on Monday.'
    text, _ = choose("What did he say about the bridge?", hit(passage))
    assert text == passage


def test_the_best_passage_weighs_in() -> None:
    first = hit("The council approved the budget.", score=10.0)
    second = hit("The council approved the budget.", score=5.0, rank=2, name="b")
    assert choose("What did the council approve?", first, second)[1] == 0
    # A better sentence from a slightly weaker passage wins …
    second = hit("The council approved the 2025 budget on Friday.", score=9.0, rank=2, name="b")
    assert choose("When did the council approve the budget?", first, second)[1] == 1
    # … unless the passage's rank weighs far more.
    heavy = replace(LENIENT, passage_weight=5.0)
    assert choose("When did the council approve the budget?", first, second, settings=heavy)[1] == 0


def test_the_opening_of_an_article_is_preferred() -> None:
    # "council" is rare and "approve" common: the lead sentence covers nearly all.
    text = "The council met on Monday. The council approved the budget."
    df = {"council": 1, "approv": 500}
    question = "What did the council approve?"
    assert choose(question, hit(text, position=0), df=df)[0] == "The council met on Monday."
    assert choose(question, hit(text, position=3), df=df)[0] == "The council approved the budget."


def test_a_weak_match_is_refused_but_still_points_at_the_best_passage() -> None:
    question = "What did Stoltenberg say about bananas in Peru?"
    weak = hit("Stoltenberg spoke about Minsk.", name="weak")
    choice = answer(question, weak, settings=AnswerSettings())
    assert choice.text == "" and choice.source is None
    assert "only part of your question" in choice.reason and choice.confidence < 0.45
    # The words are the user's, never stems.
    assert "(nothing on: bananas, Peru)" in choice.reason
    assert choice.passages[0].article.id == "weak.txt"


def test_the_passage_holding_the_answer_is_cited_first_and_ranks_are_dense() -> None:
    first = hit("The council met on Monday.", score=10.0, name="a")
    second = hit("The council approved the 2025 budget on Friday.", score=9.0, name="b")
    found = answer("When did the council approve the budget?", first, second)
    assert [h.article.id for h in found.passages] == ["b.txt", "a.txt"]
    assert [h.rank for h in found.passages] == [1, 2] and found.source == 0
    assert found.passages[0].highlights  # "council", "approved", "budget"


def test_the_article_counts_as_evidence() -> None:
    question = "What did Stoltenberg say about Minsk?"
    settings = replace(AnswerSettings(), min_specificity=0.0)
    passage = hit("Stoltenberg spoke at length on Thursday.")
    df = {"stoltenberg": 50, "minsk": 1}
    assert choose(question, passage, settings=settings, df=df)[0] == ""
    assert choose(question, passage, settings=settings, evidence={"minsk"}, df=df)[0] != ""


def test_a_question_of_common_words_only_is_too_general() -> None:
    question = "Who is hiring?"
    passage = hit("The federal government is hiring, officials said.")
    settings = AnswerSettings()
    common = {"hire": 300}
    choice = answer(question, passage, settings=settings, df=common)
    assert choice.text == "" and "too general" in choice.reason
    rare = answer(question, passage, settings=settings, df={"hire": 1})
    assert rare.text


def test_an_answer_short_of_sure_is_marked_unsure() -> None:
    question = "Who is hiring nurses?"
    passage = hit("The federal government is hiring nurses, officials said.")
    df = {"hire": 1, "nurs": 1}
    # (No name in the passage answers "who": that check is tested on its own.)
    untyped = AnswerSettings(type_check="off")
    sure = answer(question, passage, settings=untyped, df=df)
    assert sure.text and not sure.unsure
    strict = replace(untyped, sure_specificity=5.0)
    assert answer(question, passage, settings=strict, df=df).unsure


def test_a_heading_is_never_the_answer_nor_glued_to_one() -> None:
    passage = hit(
        "Negotiations between Russia and Ukraine\nIt should be noted that negotiations stalled."
    )
    # The heading matches the question best, but it names a topic, not an answer.
    text, _ = choose("What happened to the negotiations between Russia and Ukraine?", passage)
    assert text == "It should be noted that negotiations stalled."


def test_the_passages_next_best_sentence_joins_while_the_answer_stays_short() -> None:
    passage = hit(
        "The council approved the budget on Friday. Rain fell all day. "
        "The budget council vote was 7 to 2."
    )
    joined = replace(LENIENT, answer_words=60)
    text, _ = choose("When did the council approve the budget?", passage, settings=joined)
    assert (
        text == "The council approved the budget on Friday. … The budget council vote was 7 to 2."
    )
    short = replace(LENIENT, answer_words=10)
    text, _ = choose("When did the council approve the budget?", passage, settings=short)
    assert text == "The council approved the budget on Friday."


def test_the_short_answer_stands_inside_the_text() -> None:
    passage = hit("Rain fell. Mayor Ana Lopez reopened the bridge on Monday.")
    found = answer("Who reopened the bridge?", passage)
    assert found.short == "Ana Lopez" or found.short == "Mayor Ana Lopez"
    assert found.short_span is not None
    start, end = found.short_span
    assert found.text[start:end] == found.short
    when = answer("When did the mayor reopen the bridge?", passage)
    assert when.short == "Monday" and when.text[slice(*when.short_span)] == "Monday"  # type: ignore[misc]


def test_a_question_whose_kind_no_sentence_gives_is_unsure_or_declined() -> None:
    passage = hit("Laura Michelle Kelly was paid by Sir Cameron Mackintosh to star in the show.")
    question = "How much was Laura Michelle Kelly paid by Cameron Mackintosh?"
    # Every word is there, but no amount: the sentence does not answer "how much".
    assert answer(question, passage, settings=replace(LENIENT, type_check="off")).unsure is False
    unsure = answer(question, passage, settings=replace(LENIENT, type_check="unsure"))
    assert unsure.text and unsure.unsure and unsure.short == ""
    declined = answer(question, passage, settings=replace(LENIENT, type_check="decline"))
    assert (
        declined.text == "" and declined.reason == "The closest passages give no figure for that."
    )
    # With the amount stated, the answer is sure and short.
    paid = hit("Laura Michelle Kelly was paid £5,000 a week by Sir Cameron Mackintosh.")
    sure = answer(question, paid, settings=replace(LENIENT, type_check="decline"))
    assert sure.text and not sure.unsure and sure.short == "£5,000"


def test_the_short_answer_may_come_from_another_sentence_of_the_answer() -> None:
    passage = hit(
        "The harbour bridge reopened on Monday after eight months of repairs. "
        "The council said the work cost 41 million euros."
    )
    joined = replace(LENIENT, answer_words=60)
    found = answer("How much did the bridge repairs cost?", passage, settings=joined)
    # The best sentence names the repairs but only a duration; the amount is in the next one.
    assert found.short == "41 million euros" and not found.unsure
    assert found.text[slice(*found.short_span)] == "41 million euros"  # type: ignore[misc]
    alone = answer("How much did the bridge repairs cost?", passage, settings=LENIENT)
    assert alone.unsure  # the answer holds the best sentence only: no amount in it


def test_a_question_of_no_particular_kind_is_not_unsure_for_lacking_one() -> None:
    passage = hit("The Berlin council rejected the budget for 2025.")
    found = answer(
        "Berlin council budget", passage, settings=replace(LENIENT, type_check="decline")
    )
    assert found.text and not found.unsure


# -- copies of one article (issue 12) -----------------------------------------------------------
def test_byte_identical_articles_are_cited_once(
    news_corpus: Path, open_bot: Callable[..., QABot]
) -> None:
    story = news_corpus / "markets" / "oil.txt"
    shutil.copy(story, news_corpus / "markets" / "oil (copy).txt")
    shutil.copy(story, news_corpus / "saved-oil.txt")
    bot = open_bot(news_corpus)
    # "company" and "production" bring in the chip maker's story too.
    answer = bot.ask("how much oil output did OPEC cut, and company production", k=5)
    assert answer.found and "1.5 million barrels" in answer.text
    texts = [hit.text for hit in answer.passages]
    assert len(texts) == len(set(texts)) and len(texts) >= 2
    # The first copy (lowest id among equals) is the one cited; ranks stay 1, 2, …
    assert answer.passages[0].article.id == "markets/oil (copy).txt"
    assert [hit.rank for hit in answer.passages] == list(range(1, len(texts) + 1))
    assert answer.source == 0 and "1.5 million barrels" in answer.passages[0].text


def test_of_two_identical_passages_the_copy_with_more_metadata_is_cited(
    news_corpus: Path, open_bot: Callable[..., QABot]
) -> None:
    body = (news_corpus / "markets" / "oil.txt").read_text("utf-8").split("\n\n", 1)[1].strip()
    described = {
        "id": "zz-oil",
        "title": "Oil prices climb",
        "text": body,
        "date": "2024-11-30",
        "url": "https://example.org/oil",
        "source": "Wire",
    }
    (news_corpus / "wire.json").write_text(json.dumps(described), "utf-8")
    answer = open_bot(news_corpus).ask("how much did OPEC cut oil output", k=5)
    assert answer.found and "1.5 million barrels" in answer.text
    first = answer.passages[0]
    assert first.article.url == "https://example.org/oil" and "1.5 million" in first.text
    assert [hit.text for hit in answer.passages].count(first.text) == 1


def test_a_passage_sharing_one_common_word_with_the_question_is_no_source(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    stories = {
        "council.txt": "Paris council budget\n\nThe Paris council approved the budget on "
        "Tuesday after a long debate about the schools.",
        "weather.txt": "Weather\n\nRain is expected across the north on Tuesday.",
        "oil.txt": "Oil prices\n\nOil prices fell on Tuesday as supplies rose.",
        "mayor.txt": "Mayor speaks\n\nThe mayor said the council budget cuts no school.",
    }
    for name, text in stories.items():
        (corpus / name).write_text(text, encoding="utf-8")
    bot = QABot.open(corpus, tmp_path / "index")
    answer = bot.ask("what did the Paris council decide on Tuesday about the budget", k=5)
    cited = [hit.article.id for hit in answer.passages]
    assert cited[0] == "council.txt"
    assert "mayor.txt" in cited  # two of the question's words: on the question
    assert "weather.txt" not in cited and "oil.txt" not in cited


def test_a_name_asked_for_is_what_the_sentence_says_it_is_called() -> None:
    passage = (
        "Fuel burns in a closed space with a supply of air (called variously combustion "
        "chamber, firebox) under the boiler."
    )
    found = answer("Aside from firebox, what is another name for the space where fuel burns?",
                   hit(passage))  # fmt: skip
    assert found.short == "combustion chamber"
    found = answer("What is the nickname for the logo of the 2000 campaign?", hit(
        "The 2000 campaign launched a new logo, known as the dot, on billboards."
    ))  # fmt: skip
    assert found.short == "the dot"
