"""The short-answer extractor alone, given the sentence that holds the gold answer.

For each question of a QA set (``questions.jsonl`` + ``articles/``, the layout of
``newsqa-dev`` and ``xquad-en``), the gold paragraph is split into sentences and the first
sentence containing a gold answer (case-insensitive) is the oracle sentence; questions
whose answer crosses sentences are counted and left out. ``short_answer`` runs on it, and
the SQuAD token F1 and exact match (``qabot.evaluate.squad``: lower-cased, punctuation and
a/an/the dropped; best over the gold answers, 0 when no short answer) are printed overall
and by answer type.

    .venv/bin/python benchmarks/short_answers.py \\
        --questions ../shared/data/xquad-en/questions.jsonl \\
        --articles ../shared/data/xquad-en/articles --split test

``--split`` keeps the questions of one part of the articles (by article, as
``benchmarks/answer_eval.py`` splits: fold 0 of ``qabot.evaluate.fold_of`` is ``test``, the
rest ``tune``), so rules are tuned on one part and reported on the other.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from qabot.analysis import Analyzer
from qabot.answering.shape import analyze_question
from qabot.answering.short import short_answer
from qabot.evaluate import fold_of
from qabot.evaluate.squad import f1, normalize


def in_split(article: str, split: str) -> bool:
    test = fold_of(article) == 0
    return split == "all" or (split == "test") == test


def paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    body = text.split("\n\n", 1)[1] if "\n\n" in text else ""
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--show", type=int, default=0, help="print this many misses")
    parser.add_argument("--kind", default="", help="show misses of this answer type only")
    args = parser.parse_args(argv)

    analyzer = Analyzer()
    cache: dict[str, list[str]] = {}
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0])
    skipped = 0
    shown = 0
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if not in_split(q["article"], args.split):
            continue
        if q["article"] not in cache:
            cache[q["article"]] = paragraphs(args.articles / q["article"])
        paras = cache[q["article"]]
        if q["paragraph_index"] >= len(paras):
            skipped += 1
            continue
        golds = [a for a in q["answers"] if a.strip()]
        sentence = next(
            (
                s
                for s in analyzer.sentences(paras[q["paragraph_index"]])
                if any(a.strip().lower() in s.lower() for a in golds)
            ),
            None,
        )
        if sentence is None:
            skipped += 1
            continue
        shape = analyze_question(q["question"])
        short = short_answer(shape, sentence)
        text = short.text if short else ""
        score = max(f1(text, a) for a in golds) if short else 0.0
        exact = float(short is not None and any(normalize(text) == normalize(a) for a in golds))
        for key in ("all", shape.kind or "none"):
            row = totals[key]
            row[0] += 1
            row[1] += score
            row[2] += exact
            row[3] += short is None
        if shown < args.show and score < 0.5 and (args.kind in ("", shape.kind)):
            shown += 1
            print(f"- {q['question']!r} gold={golds[0]!r} got={text!r}\n    {sentence}")
    print(
        f"{args.questions.parent.name} split={args.split} "
        f"(skipped, answer not in one sentence: {skipped})"
    )
    print(f"{'type':<14}{'n':>6}{'F1':>8}{'EM':>8}{'None':>8}")
    for key, (n, f, e, none) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
        print(f"{key:<14}{int(n):>6}{f / n:>8.3f}{e / n:>8.3f}{none / n:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
