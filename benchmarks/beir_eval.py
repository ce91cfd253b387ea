"""Article ranking outside news: qabot against rank-bm25, bm25s and tantivy on BEIR folders.

For each BEIR folder given (``corpus.jsonl``, ``queries.jsonl``, ``qrels/test.tsv``), prints
nDCG@10 over the judged test queries, all from the same run:

- qabot, default: articles in the order of their first passage in qabot's ranking (BM25+
  passages re-ranked with their article's evidence), as ``qabot eval --beir`` reports it;
- qabot, proposed: whole-article Okapi BM25 (k1 2.0, b 0.75) over exact article term counts
  (``qabot.evaluate.ArticleRanking``; chosen by cross-validation, see ``--folds``);
- the peers of ``benchmarks/peers.py`` on whole documents (title + text): rank-bm25 Okapi with
  stopwords and Porter stems, bm25s with stopwords and Snowball stems, tantivy ``en_stem``.

A query whose id is also a corpus id (ArguAna) never retrieves itself, for every system.
Timings are per query (p50), build times per system; no data is copied into the project.

    .venv/bin/python benchmarks/beir_eval.py \\
        ../shared/data/beir/nfcorpus ../shared/data/beir/arguana

``--folds N`` also cross-validates qabot's article ranking (``qabot.evaluate.ranking_grid``)
over N folds of queries and prints the held-out figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers

from qabot.config import BM25Settings
from qabot.evaluate import (
    ArticleRanking,
    cross_validate_beir,
    evaluate_beir,
    ndcg,
    ranking_grid,
)

K = 10
#: The proposal. 5-fold cross-validation by query (qabot.evaluate.ranking_grid) chose whole-article
#: Okapi with k1 2.0 on both sets: b 0.75 in every NFCorpus fold, b 0.9 in every ArguAna fold.
PROPOSED = ArticleRanking(0.0, 1.0, BM25Settings(variant="okapi", k1=2.0, b=0.75))

Rank = Callable[[str], Sequence[int]]


@dataclass(frozen=True)
class Row:
    """One system on one set."""

    system: str
    ndcg: float
    p50_ms: float
    build_s: float


@dataclass(frozen=True)
class Beir:
    """A BEIR folder read for the peers: documents, judged queries and their judgements."""

    ids: list[str]
    texts: list[str]
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]


def load(folder: Path) -> Beir:
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / "test.tsv").open(encoding="utf-8", newline="") as rows:
        for row in csv.reader(rows, delimiter="\t"):
            if len(row) >= 3 and row[2].strip().lstrip("-").isdigit():
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    ids, texts = [], []
    for line in (folder / "corpus.jsonl").open(encoding="utf-8"):
        if line.strip():
            doc = json.loads(line)
            ids.append(str(doc["_id"]))
            texts.append(f"{doc.get('title') or ''} {doc.get('text') or ''}".strip())
    queries = []
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        if line.strip():
            query = json.loads(line)
            if str(query["_id"]) in qrels:
                queries.append((str(query["_id"]), str(query["text"])))
    return Beir(ids, texts, queries, qrels)


def score(name: str, data: Beir, rank: Rank, build_s: float) -> Row:
    """nDCG@10 of a peer: its top 11 documents, less the query itself."""
    values, times = [], []
    for query_id, text in data.queries:
        start = time.perf_counter()
        found = [data.ids[i] for i in rank(text)]
        times.append((time.perf_counter() - start) * 1000)
        values.append(ndcg([d for d in found if d != query_id][:K], data.qrels[query_id], K))
    return Row(name, sum(values) / len(values), statistics.median(times), build_s)


def rank_bm25_peer(data: Beir) -> Row:
    start = time.perf_counter()
    bm25 = peers.BM25Okapi([peers.porter_analyze(t) for t in data.texts])
    build_s = time.perf_counter() - start

    def rank(text: str) -> list[int]:
        return peers.top_k(np.asarray(bm25.get_scores(peers.porter_analyze(text))), K + 1)

    return score("rank-bm25 Okapi + stopwords + Porter", data, rank, build_s)


def bm25s_peer(data: Beir) -> Row:
    import bm25s
    from nltk.stem.snowball import SnowballStemmer

    snowball = SnowballStemmer("english")

    def stem(words: list[str]) -> list[str]:
        return [snowball.stem(w) for w in words]

    start = time.perf_counter()
    tokens = bm25s.tokenize(data.texts, stopwords="en", stemmer=stem, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    build_s = time.perf_counter() - start

    def rank(text: str) -> list[int]:
        words = bm25s.tokenize(
            text, stopwords="en", stemmer=stem, return_ids=False, show_progress=False
        )[0]
        ids = retriever.get_tokens_ids(list(words))
        return peers.top_k(np.asarray(retriever.get_scores(ids)), K + 1) if ids else []

    return score("bm25s + stopwords + Snowball", data, rank, build_s)


def tantivy_peer(data: Beir) -> Row:
    import tantivy

    start = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    builder.add_unsigned_field("n", stored=True)
    index = tantivy.Index(builder.build())
    writer = index.writer()
    for n, text in enumerate(data.texts):
        writer.add_document(tantivy.Document(body=text, n=n))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build_s = time.perf_counter() - start

    def rank(text: str) -> list[int]:
        words = peers.tantivy_query_text(text)
        if not words:
            return []
        hits = searcher.search(index.parse_query(words, ["body"]), K + 1).hits
        return [searcher.doc(address)["n"][0] for _, address in hits]

    return score("tantivy en_stem", data, rank, build_s)


def format_rows(name: str, rows: Sequence[Row]) -> str:
    lines = [
        f"\n{name}\n",
        "| system | nDCG@10 | p50 ms | build s |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {r.system} | {r.ndcg:.4f} | {r.p50_ms:.1f} | {r.build_s:.1f} |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folders", type=Path, nargs="+", help="BEIR folders")
    parser.add_argument("--folds", type=int, help="also cross-validate qabot's article ranking")
    args = parser.parse_args(argv)
    for folder in args.folders:
        start = time.perf_counter()
        rankings = ranking_grid() if args.folds else {}
        default, proposed = ArticleRanking(), PROPOSED
        rankings = {default.label: default, proposed.label: proposed, **rankings}
        result = evaluate_beir(folder, rankings=rankings)
        qabot_s = time.perf_counter() - start
        rows = [
            Row("qabot default (passages, first occurrence)", result.ndcg(default.label),
                result.p50_ms, qabot_s),
            Row(f"qabot proposed ({proposed.label})", result.ndcg(proposed.label),
                result.p50_ms, qabot_s),
        ]  # fmt: skip
        data = load(folder)
        for peer in (rank_bm25_peer, bm25s_peer, tantivy_peer):
            rows.append(peer(data))
        print(
            format_rows(f"{folder.name}: {len(data.queries)} queries, {len(data.ids)} docs", rows)
        )
        print(
            f"(qabot: p50 and build cover every ranking of the run, {len(rankings)} of them; "
            f"{result.self_queries} queries are corpus documents and never retrieve themselves)"
        )
        if args.folds:
            print(f"\nqabot article ranking, {args.folds}-fold cross-validation by query:\n")
            print(cross_validate_beir(result, args.folds))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
