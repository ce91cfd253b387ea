"""What one changed article costs to index on a large corpus, for several qabot trees in turn.

The corpus is ``--corpus`` (for instance the BBC copies ``benchmarks/scale.py`` writes, 81 of
them for 1M passages). Each tree (``--tree NAME=TREE:INDEX``, the qabot checkout put first on
the path and its own index folder) runs in a fresh process, the trees taking turns
``--rounds`` times: it opens its index (building or catching it up when it must), then
writes a small article ``zz-update-probe.txt`` into the corpus and updates once unmeasured
(the first update after opening reads what later ones keep), then ``--changes`` times
changes that article and times ``reindex(paths=[it])`` (the watcher's path, as the bot and
the chat update) and, changed again, ``reindex()`` (every file looked at, as ``qabot
index``). It removes the article and updates before leaving. Printed: each round's medians
per tree, then each tree's median of them. With ``--profile N`` this tree also prints the
N costliest functions of the watcher's path under cProfile (to stderr).

    .venv/bin/python benchmarks/update_one.py --corpus /tmp/bbc-1m \\
        --tree base=/tmp/base:/tmp/idx-base --tree now=.:/tmp/idx-now --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

PROBE = "zz-update-probe.txt"

ROUND = """
import cProfile, io, json, pstats, statistics, sys, time
from pathlib import Path
from qabot import QABot
corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
changes, profile = int(sys.argv[3]), int(sys.argv[4])
probe = corpus / sys.argv[5]
t = time.perf_counter()
bot = QABot.open(corpus, index)
opened = time.perf_counter() - t
def write(n, where):
    probe.write_text(f"Probe article\\n\\nA probe article about kites over the {where} {n}.\\n")
write(0, "harbour")
t = time.perf_counter(); bot.reindex(paths=[probe.name]); first = time.perf_counter() - t
watched, full = [], []
profiler = cProfile.Profile() if profile else None
for n in range(changes):
    write(n, "bay")
    if profiler: profiler.enable()
    t = time.perf_counter(); bot.reindex(paths=[probe.name])
    watched.append(time.perf_counter() - t)
    if profiler: profiler.disable()
    write(n, "port")
    t = time.perf_counter(); bot.reindex(); full.append(time.perf_counter() - t)
probe.unlink()
bot.reindex(paths=[probe.name])
if profiler:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
    print(out.getvalue(), file=sys.stderr)
print(json.dumps({"open_s": opened, "first_s": first, "watched_s": statistics.median(watched),
                  "full_s": statistics.median(full), "passages": bot.stats().passages}))
"""


def run(tree: Path, corpus: Path, index: Path, changes: int, profile: int) -> dict[str, float]:
    # From the index's folder: ``python -c`` puts its working directory first on the path.
    out = subprocess.run(
        [sys.executable, "-c", ROUND, str(corpus.resolve()), str(index.resolve()),
         str(changes), str(profile), PROBE],
        capture_output=True, text=True, check=True, cwd=index.resolve().parent,
        env={**os.environ, "PYTHONPATH": str(tree.resolve())},
    )  # fmt: skip
    if out.stderr.strip():
        print(out.stderr, file=sys.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--tree", action="append", required=True, help="NAME=TREE:INDEX")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="LINES")
    args = parser.parse_args(argv)
    trees = {}
    for spec in args.tree:
        name, _, rest = spec.partition("=")
        tree, _, index = rest.partition(":")
        trees[name] = (Path(tree), Path(index))
    here = Path(__file__).resolve().parent.parent
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for r in range(args.rounds):
        order = list(trees) if r % 2 == 0 else list(reversed(trees))
        for name in order:
            tree, index = trees[name]
            profile = args.profile if tree.resolve() == here and r == 0 else 0
            results[name].append(run(tree, args.corpus, index, args.changes, profile))
            print(f"round {r} {name}: {json.dumps(results[name][-1])}", flush=True)
    print("| tree | passages | open s | first update s | watched s | every file s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in results.items():
        med = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
        print(
            f"| {name} | {int(med['passages']):,} | {med['open_s']:.2f} | {med['first_s']:.3f} "
            f"| {med['watched_s']:.3f} | {med['full_s']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
