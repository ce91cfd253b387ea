"""qabot in shards on a local Ray cluster against one index, from one run.

Corpus: the BBC articles of ``--bbc`` replicated as ``benchmarks/scale.py`` does (copy
``r`` of ``business/001.txt`` is the JSON article ``r<r>/business/001.txt``) until one
index holds at least ``--size`` passages. Questions: ``--questions`` (JSONL, a
``question`` field; the NewsQA dev questions).

It starts a local Ray cluster of ``--nodes`` nodes (one CPU each: this machine's cores),
builds one index (``QABot.open``) and then, for each shard count of ``--shards``, a
cluster (``QABot.open_cluster``: parallel Ray build tasks, then one actor per shard),
and prints for each: build time and its ratio to the single build; ``ask()`` p50 / p99
of the cluster and of the single index measured in the same loop (questions alternate
between them, so the machine's noise hits both); how many answers differ from the single
index's in any field (passages, scores, sentence, short answer: should be 0); passages
per shard, and the resident memory of each shard's actor process.

    .venv/bin/python benchmarks/cluster.py --bbc ../shared/data/bbc \\
        --questions ../shared/data/newsqa-dev/questions.jsonl --size 1000000 --shards 4,8
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import bbc_articles, write_copies

from qabot import QABot


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bbc", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--shards", default="4,8")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    questions = [
        json.loads(line)["question"]
        for line in args.questions.read_text().splitlines()
        if line.strip()
    ]
    articles = bbc_articles(args.bbc)
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False},
    )
    for _ in range(args.nodes - 1):
        cluster.add_node(num_cpus=1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="qabot-cluster-", dir=args.workdir) as tmp:
        work = Path(tmp)
        write_copies(articles, work / "probe", range(1))
        per_copy = QABot.open(work / "probe", work / "probe-index").stats().passages
        corpus = work / "corpus"
        write_copies(articles, corpus, range(math.ceil(args.size / per_copy)))
        start = time.perf_counter()
        one = QABot.open(corpus, work / "single")
        single_build = time.perf_counter() - start
        stats = one.stats()
        print(f"single: {stats} in {single_build:.1f} s", file=sys.stderr)
        for shards in [int(s) for s in args.shards.split(",")]:
            start = time.perf_counter()
            bot = QABot.open_cluster(cluster.address, corpus, shards, work / f"shards-{shards}")
            build = time.perf_counter() - start
            bot.ask("warm up the shards")
            one_ms: list[float] = []
            cluster_ms: list[float] = []
            differ = 0
            for question in questions:
                t0 = time.perf_counter()
                mine = one.ask(question)
                t1 = time.perf_counter()
                theirs = bot.ask(question)
                t2 = time.perf_counter()
                one_ms.append((t1 - t0) * 1000)
                cluster_ms.append((t2 - t1) * 1000)
                differ += replace(theirs, shards=0, missing_shards=()) != mine
            info = bot.index.shard_info()
            p50, one_p50 = statistics.median(cluster_ms), statistics.median(one_ms)
            each = [s.passages for s in bot.index.runtime.call_all("stats")]
            rows.append(
                {
                    "shards": shards,
                    "passages": stats.passages,
                    "build_s": round(build, 1),
                    "single_build_s": round(single_build, 1),
                    "build_ratio": round(build / single_build, 2),
                    "ask_p50_ms": round(p50, 2),
                    "ask_p99_ms": round(pct(cluster_ms, 0.99), 2),
                    "single_p50_ms": round(one_p50, 2),
                    "single_p99_ms": round(pct(one_ms, 0.99), 2),
                    "p50_ratio": round(
                        statistics.median(cluster_ms) / statistics.median(one_ms), 2
                    ),
                    "questions": len(questions),
                    "answers_differing": differ,
                    "passages_per_shard": f"{min(each)}-{max(each)}",
                    "shard_rss_mib": round(max(rss_mib(i.pid) for i in info)),
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr)
            bot.index.shutdown()
    ray.shutdown()  # the driver leaves before its head node goes
    cluster.shutdown()
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---:|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
