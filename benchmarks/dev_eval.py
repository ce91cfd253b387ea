"""qabot on the dev question set, next to the usual BM25 setups, from one run.

Builds a qabot index over the given article folders (in a temporary folder: the data is
linked, never copied into the project), runs ``qabot.evaluate`` on the questions, then the
peers of ``benchmarks/peers.py`` on the same articles (paragraphs as passages), and prints
one Markdown table.

    .venv/bin/python benchmarks/dev_eval.py \\
        --questions ../shared/data/newsqa-dev/questions.jsonl \\
        --articles ../shared/data/newsqa-dev/articles --articles ../shared/data/bbc
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers

from qabot import QABot, Settings
from qabot.evaluate import EvalResult, evaluate, load_questions


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


def run_qabot(
    questions_path: Path, article_dirs: Sequence[Path], settings: Settings, limit: int | None
) -> tuple[peers.PeerResult, EvalResult]:
    questions = load_questions(questions_path)[:limit]
    with tempfile.TemporaryDirectory(prefix="qabot-dev-") as tmp:
        corpus = Path(tmp) / "corpus"
        link_corpus(article_dirs, corpus)
        start = time.perf_counter()
        bot = QABot.open(corpus, Path(tmp) / "index", settings=settings)
        build_s = time.perf_counter() - start
        result = evaluate(bot, questions)
    return qabot_row("qabot", result, build_s), result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--articles", type=Path, action="append", required=True)
    parser.add_argument("--peers", default="split,porter,bm25s,tantivy")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)

    row, result = run_qabot(args.questions, args.articles, Settings(), args.limit)
    rows = [row]
    print(f"qabot: answered {result.answered:.3f} of the questions", file=sys.stderr)
    questions = peers.load_questions(args.questions)[: args.limit]
    passages = peers.load_paragraph_corpus(args.articles)
    for name in [n for n in args.peers.split(",") if n]:
        rows.append(peers.PEERS[name](questions, passages))
        print(f"{name}: done", file=sys.stderr)
    print(peers.format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
