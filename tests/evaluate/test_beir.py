"""The BEIR harness: nDCG by hand, article rankings over a tiny BEIR folder, their folds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qabot import QABotError
from qabot.cli import main
from qabot.evaluate.beir import (
    ArticleRanking,
    BeirResult,
    cross_validate_beir,
    evaluate_beir,
    ndcg,
)

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
