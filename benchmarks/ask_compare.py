"""``ask`` latency of this tree against other qabot trees, on one corpus, in one run.

Corpus: ``--copies`` copies of the BBC articles of ``--bbc``, written as
``benchmarks/scale.py`` writes them (8 copies hold about 100,000 passages). Each tree
builds its own index of it once; then, in fresh processes, the trees take turns
``--rounds`` times: each opens its index, answers ``--queries`` questions of
``--questions`` (the NewsQA dev questions) once to warm up and once timed, and reports the
median ``ask`` time. With ``--cold`` there is no warm-up: each question is timed when it is
first asked, as ``benchmarks/scale.py`` times ``ask`` (the caches of sentence spans and stems
cold, as for a question nobody asked before). The trees' order alternates from round to
round. It prints every round and each tree's median of medians against this tree's, as a
difference in milliseconds and a ratio, and the median of the per-round ratios. Questions
are asked in the same order by every tree. With ``--work DIR`` the corpus and the indexes
are kept there and reused by the next run.

    .venv/bin/python benchmarks/ask_compare.py --bbc ../shared/data/bbc \\
        --questions ../shared/data/newsqa-dev/questions.jsonl --copies 8 --tree /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import bbc_articles, write_copies

BUILD = """
import sys
from qabot import QABot
print(QABot.open(sys.argv[1], sys.argv[2]).stats().passages)
"""
ASK = """
import json, statistics, sys, time
from qabot import QABot
bot = QABot.open(sys.argv[1], sys.argv[2], update=False)
questions = json.loads(sys.argv[3])
if sys.argv[4] != "cold":
    for q in questions:
        bot.ask(q)
times = []
for q in questions:
    start = time.perf_counter()
    bot.ask(q)
    times.append((time.perf_counter() - start) * 1000)
print(statistics.median(times))
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bbc", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--tree", type=Path, action="append", default=[], help="another tree")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="time each question's first asking")
    parser.add_argument("--work", type=Path, help="keep the corpus and indexes here")
    args = parser.parse_args(argv)
    medians: dict[str, list[float]] = {}
    mode = "cold" if args.cold else "warm"
    for r, name, out in tree_rounds(args, ASK, mode):
        p50 = float(out)
        medians.setdefault(name, []).append(p50)
        print(f"round {r + 1}  {name:20s} ask p50 {p50:.2f} ms")
    mine = statistics.median(medians["this tree"])
    for name, values in medians.items():
        median = statistics.median(values)
        ratios = [v / m for v, m in zip(values, medians["this tree"], strict=True)]
        print(
            f"{name:20s} ask p50 {median:.2f} ms  ({median - mine:+.2f} ms, "
            f"{median / mine:.2f}x this tree; per round {statistics.median(ratios):.2f}x)"
        )
    return 0


def tree_rounds(args: argparse.Namespace, code: str, *extra: str) -> Iterator[tuple[int, str, str]]:
    """Build each tree's index of the corpus (``args.copies`` copies of ``args.bbc``, in
    ``args.work`` or a temporary folder), then run ``code`` in each tree ``args.rounds``
    times, the trees' order alternating, with the corpus, the tree's index, the first
    ``args.queries`` questions of ``args.questions`` (JSON) and ``extra`` as arguments:
    (round, tree name, the last line it printed) each time, "this tree" first."""
    trees = {"this tree": Path(__file__).resolve().parent.parent}
    trees.update((str(tree), tree) for tree in args.tree)
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = json.dumps([json.loads(x)["question"] for x in lines if x][: args.queries])
    with tempfile.TemporaryDirectory(prefix="qabot-compare-") as tmp:
        work = args.work or Path(tmp)
        corpus = work / "corpus"
        if not corpus.exists():
            write_copies(bbc_articles(args.bbc), corpus, range(args.copies))
        indexes = {name: str(work / f"index-{n}") for n, name in enumerate(trees)}
        for name, tree in trees.items():
            built = run_in(tree, BUILD, str(corpus), indexes[name])
            print(f"{name:20s} built {int(built):,} passages")
        for r in range(args.rounds):
            for name in list(trees) if r % 2 == 0 else list(reversed(trees)):
                yield (
                    r,
                    name,
                    run_in(trees[name], code, str(corpus), indexes[name], questions, *extra),
                )


def run_in(tree: Path, code: str, *args: str) -> str:
    """The last line ``code`` prints, run by this Python with ``tree`` as its qabot."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())
