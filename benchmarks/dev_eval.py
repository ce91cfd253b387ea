"""qabot on the dev question set, next to the usual BM25 setups, from one run.

Builds a qabot index over the given article folders (in a temporary folder: the data is
linked, never copied into the project), runs ``qabot.evaluate`` on the questions, then the
peers of ``benchmarks/peers.py`` on the same articles (paragraphs as passages), and prints:

1. one Markdown table: qabot with its defaults (it says "I don't know" when unsure), qabot
   always answering (as the peers do), and the peers;
2. the cross-validation folds of the answer settings (``qabot.evaluate.cross_validate``);
3. the no-answer trade-off: each fold's questions asked again without its stories
   (``qabot.evaluate.no_answer_study``).

    .venv/bin/python benchmarks/dev_eval.py \\
        --questions ../shared/data/newsqa-dev/questions.jsonl \\
        --articles ../shared/data/newsqa-dev/articles --articles ../shared/data/bbc

``--quick`` prints the table only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers

from qabot import QABot, Settings
from qabot.evaluate import (
    EvalResult,
    cross_validate,
    evaluate,
    load_questions,
    no_answer_study,
)


def link_corpus(article_dirs: Sequence[Path], target: Path) -> None:
    """Link every ``.txt`` file under ``target``, named as ``peers.load_paragraph_corpus`` does."""
    for folder in article_dirs:
        for path in sorted(folder.rglob("*.txt")):
            rel = path.relative_to(folder)
            name = Path(rel.name) if len(rel.parts) == 1 else Path(folder.name) / rel
            link = target / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path.resolve())


def qabot_row(name: str, result: EvalResult, build_s: float) -> peers.PeerResult:
    return peers.PeerResult(
        name=name,
        hit1=result.hits[1],
        hit5=result.hits[5],
        hit20=result.hits[20],
        answer=result.answer,
        words_per_passage=result.words_per_passage,
        p50_ms=result.p50_ms,
        build_s=build_s,
    )


def always_answering(settings: Settings) -> Settings:
    """The same settings without the no-answer rule: an answer for every question."""
    answers = replace(settings.answers, min_coverage=0.0, min_specificity=0.0)
    return replace(settings, answers=answers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--articles", type=Path, action="append", required=True)
    parser.add_argument("--peers", default="split,porter,bm25s,tantivy")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the table only")
    args = parser.parse_args(argv)

    questions = load_questions(args.questions)[: args.limit]
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="qabot-dev-") as tmp:
        corpus = Path(tmp) / "corpus"
        link_corpus(args.articles, corpus)
        start = time.perf_counter()
        bot = QABot.open(corpus, Path(tmp) / "index", settings=settings)
        build_s = time.perf_counter() - start
        result = evaluate(bot, questions)
        eager = QABot.open(corpus, Path(tmp) / "index", settings=always_answering(settings))
        eager_result = evaluate(eager, questions)
        rows = [
            qabot_row("qabot", result, build_s),
            qabot_row("qabot, always answering", eager_result, build_s),
        ]
        print(
            f"qabot: answered {result.answered:.3f} of the questions "
            f"({result.answer_words:.1f} words an answer)",
            file=sys.stderr,
        )
        folds = study = None
        if not args.quick:
            folds = cross_validate(
                bot, questions, folds=args.folds, progress=lambda s: print(s, file=sys.stderr)
            )
            study = no_answer_study(
                bot, questions, folds=args.folds, progress=lambda s: print(s, file=sys.stderr)
            )
    peer_questions = peers.load_questions(args.questions)[: args.limit]
    passages = peers.load_paragraph_corpus(args.articles)
    for name in [n for n in args.peers.split(",") if n]:
        rows.append(peers.PEERS[name](peer_questions, passages))
        print(f"{name}: done", file=sys.stderr)
    print(peers.format_table(rows))
    if folds is not None:
        print(f"\nCross-validation of the answer settings, {args.folds} folds by article:\n")
        print(folds)
    if study is not None:
        print("\nKnowing when not to answer (right: the answer holds a gold answer; sure: not")
        print("marked unsure; without the stories every answer is a false one):\n")
        print(study)
    return 0


if __name__ == "__main__":
    sys.exit(main())
