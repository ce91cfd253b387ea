"""Retrieval alone with and without the kept gains of frequent terms, in one process.

Opens the index of ``--corpus`` in ``--index`` (as it is: no update), analyses the first
``--queries`` questions of ``--questions`` and times ``search.top_k`` (depth ``--depth``)
for each, with the gains of frequent terms computed afresh (``GAIN_MIN_POSTINGS`` set out
of reach) and kept (the default), the two taking turns for ``--rounds`` rounds after one
pass that fills the cache: what a running bot pays for questions whose frequent terms it
has seen before. Every ranking is asserted equal to the fresh one. Prints each way's p50
of the per-question best, the sums, and the median per-question ratio.

    .venv/bin/python benchmarks/topk_gains.py --corpus /tmp/bbc-1m --index /tmp/idx-1m \\
        --questions ../shared/data/newsqa-dev/questions.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qabot import QABot
from qabot.index import postings, search

FRESH = 10**12


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    bot = QABot.open(args.corpus, args.index, update=False)
    snapshot = bot.index.current()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(x)["question"] for x in lines if x.strip()][: args.queries]
    terms = [t for t in (bot.analyzer.terms(q) for q in questions) if t]
    weights = [snapshot.weights(t, bot.settings.bm25, snapshot.statistics(t)) for t in terms]
    kept_limit = postings.GAIN_MIN_POSTINGS

    def run(limit: int) -> tuple[list[Any], list[float]]:
        postings.GAIN_MIN_POSTINGS = limit
        refs, times = [], []
        for t, w in zip(terms, weights, strict=True):
            start = time.perf_counter()
            refs.append(search.top_k(snapshot, t, args.depth, w))
            times.append(time.perf_counter() - start)
        return refs, times

    expected, _ = run(FRESH)
    run(kept_limit)  # fills the cache
    timings: dict[str, list[list[float]]] = {"fresh": [], "kept": []}
    for r in range(args.rounds):
        ways = [("fresh", FRESH), ("kept", kept_limit)]
        for name, limit in ways if r % 2 == 0 else ways[::-1]:
            refs, times = run(limit)
            if refs != expected:
                raise SystemExit(f"rankings differ with the gains {name}")
            timings[name].append(times)
    best = {name: [min(t) for t in zip(*rounds, strict=True)] for name, rounds in timings.items()}
    print(f"{snapshot.n_passages:,} passages, {len(terms)} questions, depth {args.depth}")
    for name, per_question in best.items():
        p50 = statistics.median(per_question) * 1000
        print(f"{name:6s} p50 {p50:.3f} ms, sum {sum(per_question) * 1000:.1f} ms")
    ratios = [k / f for k, f in zip(best["kept"], best["fresh"], strict=True)]
    print(f"kept / fresh, median per question: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
