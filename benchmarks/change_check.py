"""What it costs to notice that nothing changed, on a corpus of many files; and the watcher.

``--make`` writes a corpus of ``--files`` small article files (100 folders of generated
stories, words drawn from a fixed vocabulary) into ``--corpus`` and indexes it.

Then it times, in fresh processes, alternated, median of ``--rounds``:

- ``qabot ask`` end to end on the unchanged corpus (what a one-shot command pays), with
  ``--baseline DIR`` (a qabot checkout from before this change) against the baseline;
- the check alone, ``Index.catch_up()`` on an open index, in this process.

With ``--watch`` it opens the corpus with a watcher (as the Telegram bot and the terminal
chat do), writes a new article into a subfolder and prints how long until a question finds
it, ``--watch`` times per round (median and max); each tree's watcher runs in a process
of its own, the trees taking turns each round.

    .venv/bin/python benchmarks/change_check.py --corpus /tmp/qabot-100k --make --files 100000
    .venv/bin/python benchmarks/change_check.py --corpus /tmp/qabot-100k \\
        --baseline /tmp/qabot-base --watch 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from qabot import QABot

_WORDS = 2000


def make_corpus(corpus: Path, files: int, seed: int = 11) -> None:
    """``files`` generated stories, 100 folders of them, a few sentences each."""
    rng = random.Random(seed)
    vocabulary = [f"w{n:04d}" for n in range(_WORDS)]
    per_folder = max(1, files // 100)
    for n in range(files):
        folder = corpus / f"f{n // per_folder:03d}"
        if n % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        sentences = [" ".join(rng.choices(vocabulary, k=12)).capitalize() + "." for _ in range(4)]
        (folder / f"s{n:06d}.txt").write_text(
            f"Story {n}\n\n{' '.join(sentences)}\n", encoding="utf-8"
        )


def ask_seconds(tree: Path, corpus: Path, index: Path) -> float:
    """Wall time of ``qabot ask`` in a fresh process with ``tree`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "qabot", "ask", "w0001 w0002", "--corpus", str(corpus)]
    command += ["--index", str(index)]
    start = time.perf_counter()
    # Run from the tree: ``-m`` puts the working folder first on the path, before PYTHONPATH.
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=tree)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--make", action="store_true")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--baseline", type=Path, help="a qabot checkout to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--watch", type=int, default=0, help="files to add under a watcher")
    parser.add_argument("--watch-here", type=Path, help=argparse.SUPPRESS)  # one tree's run
    args = parser.parse_args(argv)
    if args.watch_here:
        print(json.dumps(watch(args.corpus, args.watch_here, args.watch)))
        return 0
    here = Path(__file__).resolve().parent.parent
    corpus = args.corpus
    if args.make:
        start = time.perf_counter()
        make_corpus(corpus, args.files)
        print(f"wrote {args.files} files in {time.perf_counter() - start:.1f} s")
    trees = {"this tree": here}
    if args.baseline:
        trees["baseline"] = args.baseline
    indexes = {name: corpus.parent / f"{corpus.name}-index-{n}" for n, name in enumerate(trees)}
    for name, tree in trees.items():  # build (or catch up) each tree's own index
        start = time.perf_counter()
        ask_seconds(tree, corpus, indexes[name])
        print(f"{name}: index ready in {time.perf_counter() - start:.1f} s")
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            times[name].append(ask_seconds(tree, corpus, indexes[name]))
    print(f"## qabot ask on the unchanged corpus of {sum(1 for _ in corpus.rglob('*.txt'))} files")
    for name, values in times.items():
        print(f"  {name:12s} median {statistics.median(values):.3f} s  (runs: "
              + ", ".join(f"{v:.2f}" for v in values) + ")")  # fmt: skip
    if args.baseline:
        ratio = statistics.median(times["this tree"]) / statistics.median(times["baseline"])
        print(f"  ratio this tree / baseline {ratio:.2f}")
    bot = QABot.open(corpus, indexes["this tree"])
    checks = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        bot.catch_up()
        checks.append(time.perf_counter() - start)
    print(f"  catch_up() alone, median    {statistics.median(checks):.3f} s")
    if args.watch:
        delays: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                command = [sys.executable, __file__, "--corpus", str(corpus)]
                command += ["--watch", str(args.watch), "--watch-here", str(indexes[name])]
                env = {**os.environ, "PYTHONPATH": str(tree)}
                done = subprocess.run(command, env=env, check=True, capture_output=True, cwd=tree)
                delays[name] += json.loads(done.stdout)
        print(f"## a file added under a watcher, until a question finds it ({args.watch} files "
              f"x {args.rounds} rounds)")  # fmt: skip
        for name, values in delays.items():
            print(f"  {name:12s} median {statistics.median(values):.2f} s, max {max(values):.2f} s")
        if args.baseline:
            ratio = statistics.median(delays["this tree"]) / statistics.median(delays["baseline"])
            print(f"  ratio this tree / baseline {ratio:.2f}")
    return 0


def watch(corpus: Path, index: Path, count: int) -> list[float]:
    """Seconds from writing a new article to a question that finds it, under a watcher."""
    from qabot.watch import CorpusWatcher

    bot = QABot.open(corpus, index)
    delays = []
    with CorpusWatcher(bot):
        folder = Path(tempfile.mkdtemp(prefix="added-", dir=corpus))
        for n in range(count):
            word = f"zebrafinch{n}x"
            start = time.perf_counter()
            (folder / f"new{n}.txt").write_text(f"New {n}\n\nThe {word} was seen today.\n")
            while not bot.ask(word).found:
                time.sleep(0.01)
            delays.append(time.perf_counter() - start)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return delays


if __name__ == "__main__":
    sys.exit(main())
