"""The first question about what someone said, after opening, in this tree against others.

The first say/react question a process answers reads the quotations kept with the index
and finds the speaker among them; the questions after it reuse what was read. This times,
in fresh processes: opening the index, that first question, the median of the next ones
(``--queries`` questions of ``--questions``, the hand-written say/react questions over
BBC), and the process's peak memory. Corpus and indexes as ``benchmarks/ask_compare.py``
makes them (``--copies`` copies of the BBC articles; with ``--work DIR`` kept and reused:
``DIR/corpus`` and one ``DIR/index-N`` per tree, this tree's first). The trees take turns
``--rounds`` times, their order alternating; each figure is the median of the rounds,
with the ratio to this tree's.

    .venv/bin/python benchmarks/say_compare.py --bbc ../shared/data/bbc \\
        --questions benchmarks/data/bbc_say_questions.jsonl --copies 9 --tree /tmp/base
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ask_compare import tree_rounds

ASK = """
import json, resource, statistics, sys, time
from qabot import QABot
start = time.perf_counter()
bot = QABot.open(sys.argv[1], sys.argv[2], update=False)
opened = time.perf_counter() - start
questions = json.loads(sys.argv[3])
times = []
for q in questions:
    start = time.perf_counter()
    bot.ask(q)
    times.append(time.perf_counter() - start)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps([opened, times[0], statistics.median(times[1:]), rss]))
"""
FIGURES = ("open s", "first say s", "next p50 ms", "peak MB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bbc", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=9)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--tree", type=Path, action="append", default=[], help="another tree")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the corpus and indexes here")
    args = parser.parse_args(argv)
    if args.queries < 2:
        parser.error("--queries must be at least 2: the first and the ones after it")
    figures: dict[str, list[list[float]]] = {}
    for r, name, out in tree_rounds(args, ASK):
        found = json.loads(out)
        found[2] *= 1000
        figures.setdefault(name, []).append(found)
        shown = "  ".join(f"{f} {v:.3g}" for f, v in zip(FIGURES, found, strict=True))
        print(f"round {r + 1}  {name:20s} {shown}")
    mine = [statistics.median(column) for column in zip(*figures["this tree"], strict=True)]
    for name, rounds in figures.items():
        medians = [statistics.median(column) for column in zip(*rounds, strict=True)]
        shown = "  ".join(
            f"{f} {v:.3g} ({v / m:.2f}x)" for f, v, m in zip(FIGURES, medians, mine, strict=True)
        )
        print(f"{name:20s} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
