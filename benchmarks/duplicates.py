"""Duplicates on a real corpus: exact copies folded at index time, near-duplicates in answers.

Prints, for the articles of ``--articles`` (indexed in a temporary folder):

- exact duplicates: groups of articles with the same body text (whitespace folded) that
  the index folded, how many of them are byte-identical files;
- near-duplicates: groups of indexed articles whose word 3-shingle sets have a Jaccard
  resemblance of at least each threshold (all pairs sharing a rare shingle compared
  exactly), with a few example pairs;
- ``ask()`` p50 latency with near-duplicate folding on and off, on the questions of
  ``--questions``, and the ratio;
- with ``--baseline DIR`` (a checkout of qabot before folding, e.g. ``git worktree add``):
  index build time of the baseline and of this tree, each in a fresh process, alternated,
  and the ratio.

    .venv/bin/python benchmarks/duplicates.py --articles ../shared/data/bbc \\
        --questions benchmarks/data/bbc_answerable.jsonl --baseline /tmp/qabot-base
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from qabot import QABot
from qabot.config import AnswerSettings, Settings
from qabot.index.dedup import resemblance, shingles

_BUILD = (
    "import sys, time; from qabot import QABot; t = time.perf_counter(); "
    "QABot.open(sys.argv[1], sys.argv[2]); print(time.perf_counter() - t)"
)


def build_seconds(tree: Path, corpus: Path, index: Path) -> float:
    """Build an index from scratch in a fresh process with ``tree`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    run = subprocess.run(
        [sys.executable, "-c", _BUILD, str(corpus), str(index)],
        env=env, check=True, capture_output=True, text=True, cwd=tree,
    )  # fmt: skip
    return float(run.stdout.split()[-1])


def near_groups(bodies: dict[str, frozenset[int]], threshold: float) -> list[list[str]]:
    """Connected groups of articles at least ``threshold`` alike (exact Jaccard)."""
    holders: dict[int, list[str]] = defaultdict(list)
    for aid, shingle_set in bodies.items():
        for s in shingle_set:
            holders[s].append(aid)
    pairs: set[tuple[str, str]] = set()
    for ids in holders.values():
        if 1 < len(ids) <= 20:  # a shingle many stories share says nothing
            pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    parent = {aid: aid for aid in bodies}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in pairs:
        if resemblance(bodies[a], bodies[b]) >= threshold:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for aid in bodies:
        groups[root(aid)].append(aid)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def p50_ms(bot: QABot, questions: Sequence[str]) -> float:
    times = []
    for question in questions:
        start = time.perf_counter()
        bot.ask(question)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--thresholds", default="0.3,0.5,0.7")
    parser.add_argument("--baseline", type=Path, help="a qabot checkout without folding")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qabot-dups-"))
    bot = QABot.open(args.articles, work / "index")
    snapshot = bot.index.current()
    groups = Counter(d.of for d in snapshot.duplicates)
    byte_groups = 0
    for kept, _ in groups.items():
        members = [kept] + [d.article.id for d in snapshot.duplicates if d.of == kept]
        contents = {hashlib.sha256((args.articles / m).read_bytes()).digest() for m in members}
        byte_groups += len(contents) == 1
    print("## exact duplicates (same body text, folded at index time)")
    print(f"  articles in the corpus      {snapshot.n_articles + len(snapshot.duplicates)}")
    print(f"  indexed                     {snapshot.n_articles}")
    sizes = dict(Counter(n + 1 for n in groups.values()))
    print(f"  groups                      {len(groups)}  (articles per group: {sizes})")
    print(f"  of them byte-identical      {byte_groups}")
    print(f"  duplicates not indexed      {len(snapshot.duplicates)}")

    bodies = {a.id: shingles(snapshot.article_body(a.id)) for a in bot.articles()}
    titles = {a.id: a.title for a in bot.articles()}
    print("## near-duplicates among indexed articles (word 3-shingles, exact Jaccard)")
    for threshold in (float(t) for t in args.thresholds.split(",")):
        found = near_groups(bodies, threshold)
        print(f"  >= {threshold:.2f}: {len(found)} groups, {sum(len(g) for g in found)} articles")
        for group in found[:3]:
            pair = " | ".join(f"{g} {titles[g]!r}" for g in group[:2])
            print(f"      e.g. {pair}")

    if args.questions:
        lines = args.questions.read_text(encoding="utf-8").splitlines()
        questions = [json.loads(line)["question"] for line in lines if line.strip()]
        off = QABot.open(
            args.articles,
            work / "index",
            settings=Settings(answers=AnswerSettings(near_duplicate=2)),
        )
        runs: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(5):  # alternated, so that the machine's load falls on both
            runs["on"].append(p50_ms(bot, questions))
            runs["off"].append(p50_ms(off, questions))
        on_ms, off_ms = statistics.median(runs["on"]), statistics.median(runs["off"])
        changed = sum(
            [h.article.id for h in bot.ask(q).passages]
            != [h.article.id for h in off.ask(q).passages]
            for q in questions
        )
        print("## ask() with near-duplicate folding")
        ratio = on_ms / off_ms
        print(f"  p50 ms on / off             {on_ms:.2f} / {off_ms:.2f}  (ratio {ratio:.2f})")
        print(f"  questions whose citations change  {changed} of {len(questions)}")

    if args.baseline:
        here = Path(__file__).resolve().parent.parent
        times: dict[str, list[float]] = {"baseline": [], "this tree": []}
        for n in range(args.rounds):
            for name, tree in (("baseline", args.baseline), ("this tree", here)):
                times[name].append(build_seconds(tree, args.articles, work / f"build-{name}-{n}"))
        base, ours = (statistics.median(times[k]) for k in ("baseline", "this tree"))
        print("## index build from scratch (fresh process, median)")
        print(f"  baseline s / this tree s    {base:.2f} / {ours:.2f}  (ratio {ours / base:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
