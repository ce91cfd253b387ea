"""Index build time of this tree against other qabot trees, in one run.

Corpus: ``--copies`` copies of the BBC articles of ``--bbc``, written as
``benchmarks/scale.py`` writes them (each copy's texts marked with a word of its own, so
that no copy is indexed once as a duplicate of another). Each tree builds its own index
of it in a fresh process, the trees taking turns ``--rounds`` times; it prints each
build's passages and seconds, and each tree's median against this tree's.

    .venv/bin/python benchmarks/build_compare.py --bbc ../shared/data/bbc \\
        --copies 10 --tree /tmp/base-scale
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import bbc_articles, write_copies

BUILD = """
import sys, time
start = time.perf_counter()
from qabot import QABot
bot = QABot.open(sys.argv[1], sys.argv[2])
print(bot.stats().passages, time.perf_counter() - start)
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bbc", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--tree", type=Path, action="append", default=[], help="another tree")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    trees = {"this tree": Path(__file__).resolve().parent.parent}
    trees.update((str(tree), tree) for tree in args.tree)
    seconds: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="qabot-build-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_copies(bbc_articles(args.bbc), corpus, range(args.copies))
        for r in range(args.rounds):
            for name, tree in trees.items():
                index = Path(tmp) / f"index-{len(seconds[name])}-{abs(hash(name))}"
                done = subprocess.run(
                    [sys.executable, "-c", BUILD, str(corpus), str(index)],
                    env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree,
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                passages, took = done.stdout.split()
                seconds[name].append(float(took))
                print(
                    f"round {r + 1}  {name:20s} {int(passages):,} passages in {float(took):.1f} s"
                )
    mine = statistics.median(seconds["this tree"])
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"{name:20s} median {median:.1f} s  ({median / mine:.2f}x this tree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
