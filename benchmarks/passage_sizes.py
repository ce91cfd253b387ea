"""Passage sizes on the dev question set: one index per PassageSettings, cross-validated.

Passage settings decide the index (changing them rebuilds it), so they cannot be tried
per question like the answer settings of ``qabot eval --folds``. This script builds one
index per setting over the same linked corpus, evaluates each with qabot's defaults
otherwise (always answering, so that the no-answer rule does not hide the difference),
then picks a setting on four folds and reports the fifth, for every fold.

    .venv/bin/python benchmarks/passage_sizes.py \\
        --questions ../shared/data/newsqa-dev/questions.jsonl \\
        --articles ../shared/data/newsqa-dev/articles --articles ../shared/data/bbc \\
        --sizes 40-120-1,50-120-1,60-120-1,40-200-1

Sizes are ``min_words-max_words-overlap_sentences``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dev_eval import always_answering, link_corpus

from qabot import QABot, Settings
from qabot.config import PassageSettings
from qabot.evaluate import Outcome, evaluate, fold_of, load_questions

FIGURES = ("hit@1", "hit@5", "hit@20", "answer")


def figures(outcomes: Sequence[Outcome]) -> dict[str, float]:
    n = max(1, len(outcomes))
    out = {
        f"hit@{k}": sum(1 for o in outcomes if o.rank is not None and o.rank <= k) / n
        for k in (1, 5, 20)
    }
    out["answer"] = sum(o.right for o in outcomes) / n
    return out


def objective(outcomes: Sequence[Outcome]) -> float:
    return sum(figures(outcomes).values()) / len(FIGURES)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--articles", type=Path, action="append", required=True)
    parser.add_argument("--sizes", default="40-120-1,50-120-1,60-120-1,40-200-1")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    questions = load_questions(args.questions)
    sizes = [tuple(int(x) for x in s.split("-")) for s in args.sizes.split(",") if s]
    results: dict[str, tuple[float, Sequence[Outcome]]] = {}
    with tempfile.TemporaryDirectory(prefix="qabot-sizes-") as tmp:
        corpus = Path(tmp) / "corpus"
        link_corpus(args.articles, corpus)
        for low, high, overlap in sizes:
            label = f"{low}–{high} words, overlap {overlap}"
            settings = replace(
                always_answering(Settings()), passages=PassageSettings(low, high, overlap)
            )
            bot = QABot.open(corpus, Path(tmp) / f"index-{low}-{high}-{overlap}", settings=settings)
            result = evaluate(bot, questions)
            results[label] = (result.words_per_passage, result.per_question)
            print(f"{label}: done", file=sys.stderr)

    print("| passages | words/passage | " + " | ".join(FIGURES) + " |")
    print("|---|---:|" + "---:|" * len(FIGURES))
    for label, (words, outcomes) in results.items():
        values = " | ".join(f"{v:.3f}" for v in figures(outcomes).values())
        print(f"| {label} | {words:.1f} | {values} |")

    print(f"\nChosen on the other folds, reported on each ({args.folds} folds by article):\n")
    print("| fold | chosen | " + " | ".join(FIGURES) + " |")
    print("|---:|---|" + "---:|" * len(FIGURES))
    held_out: dict[str, list[float]] = {name: [] for name in FIGURES}
    for number in range(args.folds):
        chosen = max(
            results,
            key=lambda label: objective(
                [o for o in results[label][1] if fold_of(o.article, args.folds) != number]
            ),
        )
        held = [o for o in results[chosen][1] if fold_of(o.article, args.folds) == number]
        values = figures(held)
        for name in FIGURES:
            held_out[name].append(values[name])
        print(f"| {number} | {chosen} | " + " | ".join(f"{v:.3f}" for v in values.values()) + " |")
    spread = " | ".join(
        f"{statistics.fmean(v):.3f} ± {statistics.pstdev(v):.3f}" for v in held_out.values()
    )
    print(f"| mean ± sd | | {spread} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
