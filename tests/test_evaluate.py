"""Evaluation: the hit rule, figures, folds, the no-answer study, and BEIR article ranking."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import QABot, QABotError
from qabot.cli import main
from qabot.config import AnswerSettings
from qabot.evaluate import (
    ArticleRanking,
    BeirResult,
    EvalQuestion,
    cross_validate,
    cross_validate_beir,
    evaluate,
    evaluate_beir,
    fold_of,
    is_hit,
    load_questions,
    ndcg,
    no_answer_study,
    settings_grid,
    threshold_variants,
)
from qabot.values import Article, Hit

# Each story shares a word with another ("erupted", "jobs", "reopened", "ended"), so a
# question asked without its own story still finds something to (wrongly) answer with.
STORIES = {
    "volcano.txt": ("Volcano erupts", "The Katla volcano erupted in Iceland on Monday. "
                    "The eruption ended a quiet decade."),
    "bridge.txt": ("Bridge reopens", "Mayor Ana Lopez reopened the Tagus bridge in Lisbon, "
                   "saving 300 jobs."),
    "chips.txt": ("Chip plant", "A chip plant opened in Dresden, creating 1,200 jobs. "
                  "A road was reopened for trucks."),
    "final.txt": ("Cup final", "Fans erupted as the cup final in Glasgow ended 2-2."),
}  # fmt: skip
QUESTIONS = [
    ("Where did the Katla volcano erupt?", "Iceland", "volcano.txt"),
    ("Who reopened the Tagus bridge?", "Ana Lopez", "bridge.txt"),
    ("How many jobs did the Dresden chip plant create?", "1,200", "chips.txt"),
    ("How did the Glasgow cup final end?", "2-2", "final.txt"),
]


@pytest.fixture
def stories(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    for name, (title, text) in STORIES.items():
        write_article(folder, name, title, text)
    return folder


@pytest.fixture
def questions() -> list[EvalQuestion]:
    return [EvalQuestion(str(i), q, (a,), art) for i, (q, a, art) in enumerate(QUESTIONS)]


def test_load_questions(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"question": "Who?", "answers": "Ana", "article": "a.txt"})
        + "\n\n"
        + json.dumps({"id": 7, "question": "Where?", "answers": ["x", " "], "article": "b.txt"})
    )
    first, second = load_questions(path)
    assert first == EvalQuestion("1", "Who?", ("Ana",), "a.txt")
    assert second.id == "7" and second.answers == ("x",)
    path.write_text('{"question": "no answers"}')
    with pytest.raises(QABotError, match="line 1"):
        load_questions(path)
    path.write_text("\n\n")
    with pytest.raises(QABotError, match="holds no questions"):
        load_questions(path)


def test_a_hit_holds_an_answer_and_comes_from_the_article() -> None:
    q = EvalQuestion("1", "Who?", ("Ana Lopez",), "bridge.txt")

    def hit(article_id: str, text: str) -> Hit:
        return Hit(Article(article_id, "T", Path(article_id)), 0, (0, 0), text, 1.0, 1)

    assert is_hit(hit("bridge.txt", "Mayor ANA LOPEZ spoke."), q)
    assert is_hit(hit("news/bridge.txt", "Ana Lopez"), q)
    assert not is_hit(hit("other.txt", "Ana Lopez"), q)
    assert not is_hit(hit("bridge.txt", "The mayor spoke."), q)


def test_evaluate_scores_every_question(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    result = evaluate(bot, questions)
    assert result.questions == 4 and result.hits[1] == 1.0 and result.answer == 1.0
    assert [o.rank for o in result.per_question] == [1, 1, 1, 1]
    assert all(o.answered and o.right and o.answer_words > 3 for o in result.per_question)
    assert dict(result.rows())["answer words"] == f"{result.answer_words:.1f}"
    assert result.figures()["questions"] == 4 and result.figures()["hit@1"] == 1.0
    wrong = [replace(q, article="bridge.txt") for q in questions[:1]]
    assert evaluate(bot, wrong).hits[20] == 0.0 and evaluate(bot, wrong).answer == 0.0


def test_folds_are_stable_and_group_by_article() -> None:
    assert fold_of("a.txt") == fold_of("a.txt") and 0 <= fold_of("a.txt") < 5
    assert {fold_of(f"{i}.txt", 3) for i in range(50)} == {0, 1, 2}


def test_settings_grid_starts_with_the_defaults() -> None:
    base = AnswerSettings()
    grid = settings_grid(base, {"article_weight": (0.0, 2.0), "kind_weight": (0.0,)})
    assert list(grid) == [
        "defaults", "article_weight=0 kind_weight=0", "article_weight=2 kind_weight=0"
    ]  # fmt: skip
    assert grid["defaults"] == base
    assert grid["article_weight=0 kind_weight=0"] == replace(base, article_weight=0, kind_weight=0)
    # A combination equal to the defaults is not tried twice.
    same = {"article_weight": (base.article_weight,), "kind_weight": (base.kind_weight,)}
    assert list(settings_grid(base, same)) == ["defaults"]


def test_cross_validation_chooses_on_the_other_folds(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    mute = replace(bot.settings.answers, min_coverage=2.0)  # never answers
    result = cross_validate(bot, questions, {"mute": mute, "defaults": bot.settings.answers}, 2)
    assert [f.number for f in result.folds] == [0, 1]
    assert sum(f.questions for f in result.folds) == 4
    assert all(f.chosen == "defaults" and f.figures["answer"] == 1.0 for f in result.folds)
    assert result.chosen == "defaults"
    assert result.spread()["hit@1"] == (1.0, 0.0, 1.0, 1.0)
    assert "| mean ± sd |" in str(result) and "Chosen on all questions: defaults" in str(result)
    with pytest.raises(QABotError, match="at least 2 folds"):
        cross_validate(bot, questions, folds=1)


def test_cross_validation_never_averages_in_an_empty_fold(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    variants = {"defaults": bot.settings.answers}
    # The four stories fall in folds 2, 0, 2, 0 of 3: fold 1 holds no question.
    assert sorted(fold_of(q.article, 3) for q in questions) == [0, 0, 2, 2]
    result = cross_validate(bot, questions, variants, 3)
    assert [f.number for f in result.folds] == [0, 2] and result.empty == 1
    assert result.spread()["answer"] == (1.0, 0.0, 1.0, 1.0)
    assert "1 more fold(s) held no question" in str(result)
    with pytest.raises(QABotError, match="5 folds need questions about at least 5"):
        cross_validate(bot, questions, variants, 5)


def test_the_no_answer_study_needs_two_articles(tmp_path: Path) -> None:
    corpus = tmp_path / "one"
    write_article(corpus, "volcano.txt", *STORIES["volcano.txt"])
    bot = QABot.open(corpus, tmp_path / "index")
    question = EvalQuestion("1", "Where did Katla erupt?", ("Iceland",), "volcano.txt")
    with pytest.raises(QABotError, match="at least two articles"):
        no_answer_study(bot, [question])


def test_a_fold_holding_every_article_is_asked_against_an_empty_corpus(
    tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    corpus = tmp_path / "two"
    names = ("bridge.txt", "chips.txt")
    assert fold_of(names[0], 2) == fold_of(names[1], 2) == 1
    for name in names:
        write_article(corpus, name, *STORIES[name])
    bot = QABot.open(corpus, tmp_path / "index")
    held = [q for q in questions if q.article in names]
    study = no_answer_study(bot, held, {"default": bot.settings.answers}, 2)
    assert study.rows[0].false_answers == 0.0 and study.rows[0].right == 1.0


def test_no_answer_study_asks_without_the_stories(
    stories: Path, tmp_path: Path, questions: list[EvalQuestion]
) -> None:
    bot = QABot.open(stories, tmp_path / "index")
    lenient = replace(bot.settings.answers, min_coverage=0.0, min_specificity=0.0)
    study = no_answer_study(
        bot, questions, {"lenient": lenient, "default": bot.settings.answers}, 2
    )
    lenient_row, default_row = study.rows
    assert lenient_row.answered == 1.0 and lenient_row.right == 1.0
    # Without their stories the questions still find a word elsewhere: the lenient rule
    # answers, falsely; the default says it does not know.
    assert lenient_row.false_answers >= 0.5
    assert default_row.false_answers == 0.0 and default_row.right == 1.0
    assert (stories / "volcano.txt").exists()  # the corpus itself is left alone
    assert study.current == "coverage ≥ 0.45, specificity ≥ 1"
    assert "false" in str(study)


def test_threshold_variants_start_with_the_settings_in_force() -> None:
    variants = threshold_variants(AnswerSettings(), [(0.35, 0.0), (0.45, 1.0)])
    assert list(variants) == [
        "coverage ≥ 0.45, specificity ≥ 1",
        "coverage ≥ 0.35, specificity ≥ 0",
    ]


def test_qabot_eval_prints_folds_and_the_no_answer_trade_off(
    stories: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": str(i), "question": q, "answers": [a], "article": art})
            for i, (q, a, art) in enumerate(QUESTIONS)
        )
    )
    argv = ["eval", str(path), "--corpus", str(stories), "--index", str(tmp_path / "i")]
    assert main([*argv, "--folds", "2", "--no-answer"]) == 0
    out = capsys.readouterr().out
    assert "Cross-validation, 2 folds by article" in out and "| mean ± sd |" in out
    assert "Knowing when not to answer" in out and "(default)" in out
    assert main([*argv, "--folds", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["hit@1"] == 1.0 and len(data["folds"]) == 2 and "no_answer" not in data


# -- article ranking over a BEIR folder ------------------------------------------------------
BEIR_DOCS = {
    "d1": ("Katla", "The Katla volcano erupted in Iceland on Monday."),
    "d2": ("Ash", "Ash from a volcano closed airports across Europe, stranding travellers."),
    "d3": ("Airports", "Airports across Europe reopened after the ash cloud moved east."),
    "d4": ("Bridge", "Mayor Ana Lopez reopened the Tagus bridge in Lisbon."),
}  # fmt: skip


@pytest.fixture
def beir(tmp_path: Path) -> Path:
    """A BEIR-layout folder: corpus.jsonl, queries.jsonl, qrels/test.tsv."""
    folder = tmp_path / "tiny-beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "\n".join(
            json.dumps({"_id": i, "title": title, "text": text})
            for i, (title, text) in BEIR_DOCS.items()
        )
    )
    queries = [
        # Only d1 holds "Katla": the ranking is [d1]; d2 is judged better but not found.
        {"_id": "q1", "text": "Katla eruption"},
        # A query that is a corpus document (as in ArguAna) matches itself best.
        {"_id": "d3", "text": BEIR_DOCS["d3"][1]},
        {"_id": "q9", "text": "not judged: left out"},
    ]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nd3\td2\t1\n"
    )
    return folder


def test_ndcg_by_hand() -> None:
    # Ranked a, b, c; judged b=2, c=1, d=1 (d not retrieved).
    # DCG = 0 + 2/log2(3) + 1/log2(4); ideal = 2 + 1/log2(3) + 1/log2(4).
    dcg = 2 / 1.5849625007211563 + 1 / 2
    ideal = 2 + 1 / 1.5849625007211563 + 1 / 2
    assert ndcg(["a", "b", "c"], {"b": 2, "c": 1, "d": 1}) == pytest.approx(dcg / ideal)
    assert ndcg(["b", "c", "d"], {"b": 2, "c": 1, "d": 1}) == pytest.approx(1.0)
    assert ndcg(["b", "c"], {"b": 2, "c": 1, "d": 1}, k=1) == pytest.approx(1.0)
    assert ndcg(["a"], {"a": 0}) == 0.0  # nothing relevant: 0, not a division by zero


def test_evaluate_beir_ranks_articles_and_never_returns_the_query_itself(beir: Path) -> None:
    passages, articles = ArticleRanking(), ArticleRanking(0.0, 1.0)
    result = evaluate_beir(beir, rankings={"p": passages, "a": articles})
    assert result.query_ids == ("q1", "d3") and result.self_queries == 1
    for label in ("p", "a"):
        q1, d3 = result.per_query[label]
        # q1: only d1 (gain 1) is found, at rank 1; ideal is d2 (2), then d1 (1).
        assert q1 == pytest.approx(1 / (2 + 1 / 1.5849625007211563))
        # d3 would find itself first; without it, d2 leads.
        assert d3 == pytest.approx(1.0)
    assert result.ndcg("p") == pytest.approx(sum(result.per_query["p"]) / 2)
    assert ("queries", "2") in result.rows()


def test_cross_validate_beir_chooses_on_the_other_folds() -> None:
    ids = tuple(f"q{i}" for i in range(40))
    result = BeirResult("x", 10, ids, {"worse": (0.2,) * 40, "better": (0.5,) * 40}, p50_ms=1.0)
    folds = cross_validate_beir(result, 2)
    assert folds.chosen == "better" and all(f.chosen == "better" for f in folds.folds)
    assert sum(f.questions for f in folds.folds) == 40
    assert all(f.figures["nDCG@10"] == pytest.approx(0.5) for f in folds.folds)
    with pytest.raises(QABotError, match="at least 2 folds"):
        cross_validate_beir(result, 1)
    with pytest.raises(QABotError, match="50 folds need questions about at least 50 different"):
        cross_validate_beir(result, 50)


def test_qabot_eval_beir(beir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--beir", str(beir)]) == 0
    out = capsys.readouterr().out
    assert "nDCG@10 passages" in out and "self-queries" in out
    assert main(["eval", "--beir", str(beir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["queries"] == 2 and data["dataset"] == "tiny-beir"
    assert isinstance(data["nDCG@10 passages"], float)
    assert main(["eval", "--beir", str(beir / "missing")]) == 1
    assert "cannot read" in capsys.readouterr().err
