"""The ``qabot`` command: a thin layer over :class:`qabot.QABot`.

Each command parses its flags, makes one or two library calls, prints, and returns an
exit code. User errors are one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.config import Settings
from qabot.core import QABot
from qabot.errors import QABotError
from qabot.values import ReindexReport

if TYPE_CHECKING:  # evaluation is imported only by the eval command
    from qabot.evaluate import CrossValidation

__all__ = ["main"]

log = logging.getLogger("qabot")

#: Show a progress bar when indexing at least this many files on a terminal.
PROGRESS_MIN_FILES = 200


def main(argv: Sequence[str] | None = None) -> int:
    """Run the qabot command line; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        settings = Settings.from_env()
        result: int = args.func(args, settings)
        return result
    except QABotError as exc:
        print(f"qabot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qabot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`qabot stats | head -1`): stop quietly, as Unix tools do.
        # Python would complain again flushing stdout at exit; point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qabot", description="Answer questions about a folder of news articles, with sources."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def corpus_flags(p: argparse.ArgumentParser, positional: bool = False) -> None:
        if positional:
            p.add_argument("corpus", nargs="?", type=Path, help="article folder (default: corpus)")
        else:
            p.add_argument("--corpus", type=Path, help="article folder (default: corpus)")
        p.add_argument("--index", type=Path, help="index folder (default: CORPUS/.qabot-index)")

    p = sub.add_parser("index", help="build or update the index of a corpus")
    corpus_flags(p, positional=True)
    p.add_argument("--rebuild", action="store_true", help="re-analyse every article")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", nargs="+", help="the question")
    p.add_argument("-k", type=int, default=5, help="how many passages to cite (default 5)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    corpus_flags(p)
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal")
    corpus_flags(p)
    p.set_defaults(func=_cmd_chat)

    p = sub.add_parser("stats", help="figures about the index")
    corpus_flags(p)
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser("eval", help="measure answer quality on a question file (JSONL)")
    p.add_argument("questions", type=Path, nargs="?", help="questions, one JSON object a line")
    p.add_argument(
        "--beir",
        type=Path,
        metavar="DIR",
        help="instead, nDCG@10 of article ranking over a BEIR folder (indexed in a temp folder)",
    )
    corpus_flags(p)
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument(
        "--folds",
        type=int,
        metavar="N",
        help="also cross-validate the answer settings over N folds (by article)",
    )
    p.add_argument(
        "--no-answer",
        action="store_true",
        help="also ask each fold's questions without its stories: the false-answer trade-off",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("serve", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    corpus_flags(p)
    p.set_defaults(func=_cmd_serve)
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        if verbose
        else "qabot: %(message)s",
    )


def _settings(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_paths(getattr(args, "corpus", None), getattr(args, "index", None))


def _open(args: argparse.Namespace, settings: Settings, **kwargs: Any) -> QABot:
    s = _settings(args, settings)
    bot = QABot.open(s.corpus, s.index, settings=s, progress=_progress_bar(), **kwargs)
    _note_problems(bot.last_report)
    return bot


def _note_problems(report: ReindexReport | None) -> None:
    if report and report.problems:
        print(
            f"qabot: {len(report.problems)} file(s) skipped; `qabot index` lists them",
            file=sys.stderr,
        )


def _progress_bar() -> Callable[[int, int], None] | None:
    """A tqdm bar on stderr for large corpora on a terminal; ``None`` elsewhere."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm  # the CLI owns the terminal progress bar

    bar: list[Any] = []

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if not bar:
            bar.append(tqdm(total=total, unit="file", desc="indexing", leave=False))
        bar[0].n = done
        bar[0].refresh()
        if done >= total:
            bar[0].close()

    return update


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    s = _settings(args, settings)
    progress = _progress_bar()
    # Opening without update builds only a missing or unusable index; then update or rebuild.
    bot = QABot.open(s.corpus, s.index, settings=s, update=False, progress=progress)
    report = bot.last_report or bot.reindex(rebuild=args.rebuild, progress=progress)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(f"{report}")
    for label, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        for article_id in ids[:20]:
            print(f"  {label}: {article_id}")
        if len(ids) > 20:
            print(f"  … and {len(ids) - 20} more {label}")
    print(bot.stats())
    return 0


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from qabot import render

    bot = _open(args, settings)
    answer = bot.ask(" ".join(args.question), k=max(1, args.k))
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render.terminal(answer, color=sys.stdout.isatty()))
    return 0


def _cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.chat import run_chat

    return run_chat(_open(args, settings))


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    stats = _open(args, settings).stats()
    print(stats)
    print(f"corpus: {stats.corpus}\nindex:  {stats.index}")
    for problem in stats.problems:
        print(f"skipped {problem}")
    return 0


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.evaluate import cross_validate, evaluate, load_questions, no_answer_study

    if args.beir is not None:
        return _eval_beir(args, settings)
    if args.questions is None:
        raise QABotError("eval needs a questions file, or --beir DIR")
    questions = load_questions(args.questions)
    if args.limit:
        questions = questions[: args.limit]
    bot = _open(args, settings)
    result = evaluate(bot, questions)
    folds = cross_validate(bot, questions, folds=args.folds) if args.folds else None
    study = no_answer_study(bot, questions) if args.no_answer else None
    extra: dict[str, Any] = {}
    tail = []
    if study is not None:
        extra["no_answer"] = [asdict(row) for row in study.rows]
        tail.append(f"\nKnowing when not to answer:\n{study}")
    return _print_figures(args, result.rows(), folds, "article", extra, tail)


def _eval_beir(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.evaluate import cross_validate_beir, evaluate_beir, ranking_grid

    rankings = ranking_grid() if args.folds else None
    result = evaluate_beir(args.beir, settings, rankings, limit=args.limit)
    folds = cross_validate_beir(result, args.folds) if args.folds else None
    return _print_figures(args, result.rows(), folds, "query", {}, [])


def _print_figures(
    args: argparse.Namespace,
    rows: list[tuple[str, str]],
    folds: CrossValidation | None,
    folded_by: str,
    extra: dict[str, Any],
    tail: list[str],
) -> int:
    """An evaluation's figures, as JSON with ``--json``, else one aligned line each."""
    if args.json:
        data: dict[str, Any] = dict(rows)
        if folds is not None:
            data["folds"] = [asdict(f) for f in folds.folds]
            data["chosen"] = folds.chosen
        print(json.dumps({**data, **extra}, ensure_ascii=False))
        return 0
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if folds is not None:
        print(f"\nCross-validation, {len(folds.folds)} folds by {folded_by}:\n{folds}")
    for text in tail:
        print(text)
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.telegram_bot import run_bot

    return run_bot(_settings(args, settings))
