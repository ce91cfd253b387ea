"""What the kind bonus costs a sentence: ``short.offers`` on sentences never read before.

Choosing the answering sentence asks of candidate sentences whether they hold the kind
of thing the question asks for (a name, a place, a time, a figure, a quotation, a
reason); that reads the sentence's typed spans. This script takes the questions of
``--questions`` whose kind the bonus rewards, pairs each with ``--sentences`` sentences of
the articles under ``--articles`` (split as the index splits them), and times
``offers(shape, sentence)`` with the span caches emptied before each call, as for a
sentence no earlier question read. It prints, per kind asked for, the calls, the mean
microseconds a call, and how often the sentence offers the kind, and a digest of every
answer, so that two trees can be compared (run it with ``PYTHONPATH`` naming each tree in
turn; the digests must be equal).

    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/kind_bonus.py \\
        --articles ../shared/data/newsqa-dev/articles \\
        --questions ../shared/data/newsqa-dev/questions.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from qabot.analysis import Analyzer
from qabot.answering import spans
from qabot.answering.shape import analyze_question
from qabot.answering.short import offers
from qabot.config import AnalyzerSettings

KINDS = ("person", "organisation", "place", "time", "number", "quote", "reason")


def sentences_of(folder: Path, analyzer: Analyzer, limit: int) -> list[str]:
    """The sentences of the articles under ``folder``, in file order, up to ``limit``."""
    out: list[str] = []
    for path in sorted(folder.rglob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            out += [line[a:b].strip() for a, b in analyzer.sentence_spans(line) if b > a]
            if len(out) >= limit:
                return out[:limit]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--per-kind", type=int, default=4, help="questions of each kind")
    parser.add_argument("--sentences", type=int, default=1500)
    args = parser.parse_args(argv)
    analyzer = Analyzer(AnalyzerSettings())
    sentences = sentences_of(args.articles, analyzer, args.sentences)
    shapes: dict[str, list[object]] = {kind: [] for kind in KINDS}
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        if line.strip():
            shape = analyze_question(json.loads(line)["question"])
            wanted = shapes.get(shape.kind or "")
            if wanted is not None and len(wanted) < args.per_kind:
                wanted.append(shape)
    caches = [spans.spans, getattr(spans, "spans_of", spans.spans)]
    offers(analyze_question("Who won?"), "Warm-up: Angela Merkel won on Monday.")
    digest = hashlib.sha256()
    print("| kind asked for | calls | µs a call | offers |")
    print("|---|---:|---:|---:|")
    total_calls, total_time = 0, 0.0
    for kind, kind_shapes in shapes.items():
        elapsed, offered, calls = 0.0, 0, 0
        for shape in kind_shapes:
            for sentence in sentences:
                for cache in caches:
                    cache.cache_clear()
                start = time.perf_counter()
                found = offers(shape, sentence)  # type: ignore[arg-type]
                elapsed += time.perf_counter() - start
                offered += found
                calls += 1
                digest.update(b"1" if found else b"0")
        total_calls += calls
        total_time += elapsed
        if calls:
            print(f"| {kind} | {calls} | {elapsed / calls * 1e6:.0f} | {offered / calls:.2f} |")
    print(f"| all | {total_calls} | {total_time / max(1, total_calls) * 1e6:.0f} | |")
    print(f"digest {digest.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
