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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from qabot import __version__
from qabot.articles import SUPPORTED_SUFFIXES
from qabot.config import Settings
from qabot.core import QABot
from qabot.errors import FilterError, MissingExtraError, QABotError
from qabot.filters import Filters

if TYPE_CHECKING:  # evaluation is imported only by the eval command, Ray only by cluster
    from qabot.cluster import ClusterIndex
    from qabot.evaluate import CrossValidation

__all__ = ["main"]

log = logging.getLogger("qabot")

#: Show a progress bar when indexing at least this many files on a terminal.
PROGRESS_MIN_FILES = 200
#: The command logs only warnings unless QABOT_LOG_LEVEL or -v asks for more.
CLI_LOG_LEVEL = "WARNING"

EVAL_EPILOG = """\
The questions file holds one JSON object a line, for example:
  {"question": "Who reopened the Tagus bridge?", "answers": ["Ana Lopez"], "article": "bridge.txt"}
"answers" are the accepted answers (a list, or one string; an empty list: any passage
of the article counts); "article" is the file that holds them, as a path relative to the
corpus (or its end); "id" is optional.
hit@k: share of questions with a passage of that article holding an answer among the
first k cited. answer: share whose answer text holds an answer, taken from that article.
qabot eval --feedback [-o FILE] writes such a file from the 👎 answers admins corrected.
"""


class _UsageError(Exception):
    """A command line that does not parse; reported in one line, like every user error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the qabot command line; returns the process exit code."""
    try:
        code = _run(argv)
        # Output is written here, not at exit, so a reader that went away is noticed below.
        sys.stdout.flush()
        return code
    except _UsageError as exc:
        print(f"qabot: {exc}", file=sys.stderr)
        return 1
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


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as exc:  # --help and --version print, then exit
        return exc.code if isinstance(exc.code, int) else 1
    if args.command is not None and args.func is None:
        # `qabot feeds`, `qabot cluster` without their command: usage and exit 2, as
        # argparse does for a missing argument.
        _command_missing(*args.usage_of)
        return 2
    if extra:  # point to the help of the command they were given to
        where = f"qabot {args.command}" if args.command else "qabot"
        raise _UsageError(f"unrecognized arguments: {' '.join(extra)} (see {where} --help)")
    if args.command is None:
        # Bare `qabot`: what it can do, as `pip` does; asking for that is no error.
        parser.print_help()
        return 0
    settings = Settings.from_env(log_level=CLI_LOG_LEVEL)
    _configure_logging(settings.log_level, args.verbose)
    result: int = args.func(args, settings)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="qabot", description="Answer questions about a folder of news articles, with sources."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"qabot {__version__}")
    # -v after the command too: SUPPRESS leaves the value given before it alone.
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens"
    )
    common.add_argument("--corpus", type=Path, help="article folder (default: corpus)")
    common.add_argument("--index", type=Path, help="index folder (default: CORPUS/.qabot-index)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(
            name, help=help, description=help[:1].upper() + help[1:] + ".", parents=[common],
            **kwargs,
        )  # fmt: skip
        return p

    p = command("index", "build or update the index of a corpus")
    p.add_argument(
        "corpus_arg", nargs="?", type=Path, metavar="CORPUS", help="the same as --corpus"
    )
    p.add_argument("--rebuild", action="store_true", help="re-analyse every article")
    p.set_defaults(func=_cmd_index)

    p = command("ask", "answer one question")
    p.add_argument("question", nargs="+", help="the question")
    p.add_argument(
        "-k", type=_at_least_one, default=5, help="how many passages to cite (default 5)"
    )
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    _filter_arguments(p)
    p.set_defaults(func=_cmd_ask)

    p = command("quotes", "what someone said, oldest first: a statement timeline")
    p.add_argument("speaker", help='who said it, as people write it ("Stoltenberg")')
    p.add_argument("--about", metavar="TOPIC", help="only their words about this")
    p.add_argument("--json", action="store_true", help="print the quotations as JSON")
    _filter_arguments(p)
    p.set_defaults(func=_cmd_quotes)

    p = command("chat", "a conversation in the terminal")
    p.set_defaults(func=_cmd_chat)

    p = command("stats", "figures about the index")
    p.set_defaults(func=_cmd_stats)

    p = command(
        "eval", "measure answer quality on a question file (JSONL)", epilog=EVAL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("questions", type=Path, nargs="?", help="questions, one JSON object a line")
    p.add_argument(
        "--beir",
        type=Path,
        metavar="DIR",
        help="instead, nDCG@10 of article ranking over a BEIR folder (indexed in a temp folder)",
    )
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
    p.add_argument(
        "--feedback",
        action="store_true",
        help="instead, write the 👎 answers admins corrected as a question file (JSONL)",
    )
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE",
        help="with --feedback: write the questions to FILE (default: print them)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_cmd_eval)

    p = command("feedback", "what people said of the answers: votes, most disliked questions")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_feedback)

    p = command("add", "add articles by URL: fetch, extract, save into the corpus and index")
    p.add_argument("urls", nargs="+", metavar="URL", help="the article pages")
    p.add_argument("--json", action="store_true", help='print [{"url", "path", "title", "date"}]')
    p.set_defaults(func=_cmd_add)

    p = sub.add_parser(
        "feeds", help="RSS and Atom feeds: add, list, remove, poll",
        description="RSS and Atom feeds, kept with the articles in CORPUS/.qabot-feeds.json "
        "(deleting the index keeps them).",
    )  # fmt: skip
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=None, usage_of=(p, actions))
    for name, text in [("add", "add a feed"), ("remove", "remove a feed")]:
        a = actions.add_parser(name, help=text, description=text + ".", parents=[common])
        a.add_argument("url", metavar="URL")
        a.set_defaults(func=_cmd_feeds)
    a = actions.add_parser("list", help="list the feeds", parents=[common])
    a.set_defaults(func=_cmd_feeds)
    a = actions.add_parser(
        "poll", help="fetch every feed once and add its new items", parents=[common]
    )
    a.add_argument("--json", action="store_true", help="print the figures as JSON")
    a.set_defaults(func=_cmd_feeds)

    p = command("serve", "run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    p.set_defaults(func=_cmd_serve)

    _cluster_parser(command("cluster", "index, ask or show stats on a Ray cluster, in shards"))
    return parser


def _cluster_parser(parser: argparse.ArgumentParser) -> None:
    """``qabot cluster index|ask|stats``: the same commands over shards on Ray."""
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens"
    )
    common.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="article folder")
    common.add_argument(
        "--index",
        type=Path,
        default=argparse.SUPPRESS,
        help="folder of the shards' indexes (default: CORPUS/.qabot-cluster)",
    )
    common.add_argument(
        "--address",
        help="Ray cluster address, host:port (default: QABOT_CLUSTER_ADDRESS, else start Ray here)",
    )
    common.add_argument(
        "--shards", type=int, help="shards of a new cluster folder (default: as built, else 4)"
    )
    sub = parser.add_subparsers(dest="cluster_command", metavar="COMMAND")
    p = sub.add_parser("index", help="build or update every shard", parents=[common])
    p.add_argument("--rebuild", action="store_true", help="re-analyse every article")
    p.set_defaults(func=_cmd_cluster_index)
    p = sub.add_parser("ask", help="answer one question from every shard", parents=[common])
    p.add_argument("question", nargs="+", help="the question")
    p.add_argument(
        "-k", type=_at_least_one, default=5, help="how many passages to cite (default 5)"
    )
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    _filter_arguments(p)
    p.set_defaults(func=_cmd_cluster_ask)
    p = sub.add_parser("stats", help="figures over every shard", parents=[common])
    p.set_defaults(func=_cmd_cluster_stats)
    parser.set_defaults(func=None, usage_of=(parser, sub))


def _at_least_one(text: str) -> int:
    """``-k``: a whole number of passages, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (got {value})")
    return value


def _command_missing(parser: argparse.ArgumentParser, commands: argparse.Action) -> None:
    """Usage on stderr, then the ``commands`` of ``parser`` (``qabot feeds``…), in one line."""
    parser.print_usage(sys.stderr)
    names = sorted(commands.choices or ())
    print(
        f"{parser.prog}: choose one of {', '.join(names[:-1])} or {names[-1]} "
        f"(see {parser.prog} --help)",
        file=sys.stderr,
    )


def _configure_logging(level_name: str, verbose: bool, *, force: bool = False) -> None:
    level = logging.getLevelName(level_name)
    if verbose:
        level = min(level, logging.INFO)
    detailed = level <= logging.INFO
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        if detailed
        else "qabot: %(message)s",
        force=force,
    )


def _settings(args: argparse.Namespace, settings: Settings) -> Settings:
    corpus = getattr(args, "corpus", None)
    positional = getattr(args, "corpus_arg", None)
    if positional is not None:
        if corpus is not None and corpus != positional:
            raise _UsageError(f"two corpus folders given ({positional} and --corpus {corpus})")
        corpus = positional
    return settings.with_paths(corpus, getattr(args, "index", None))


def _open(args: argparse.Namespace, settings: Settings) -> QABot:
    """Open the bot, first bringing the index in step with the corpus."""
    s = _settings(args, settings)
    progress = _progress_bar()
    bot = QABot.open(s.corpus, s.index, settings=s, update=False, progress=progress)
    known = set() if bot.last_report else set(bot.stats().problems)
    # A reader: never waits for another process's update, and works on a read-only index.
    report = bot.last_report or bot.catch_up(progress)
    # Files skipped before were reported by the run that found them: say only what is new.
    new = {p.path for p in report.problems if p not in known} if report else set()
    if new:
        print(
            f"qabot: {len(new)} file(s) could not be indexed and are skipped; "
            "`qabot index` lists them",
            file=sys.stderr,
        )
    return bot


def _progress_bar(stream: TextIO | None = None) -> Callable[[int, int], None] | None:
    """A tqdm bar on ``stream`` (stderr) for large corpora on a terminal; ``None`` elsewhere."""
    out = stream or sys.stderr
    if not out.isatty():
        return None
    from tqdm import tqdm  # the CLI owns the terminal progress bar

    bar: list[Any] = []

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if not bar:
            # Count from here: the files done before the bar existed took time it never
            # saw, and would show as a rate of millions a second.
            bar.append(
                tqdm(total=total, initial=done, unit="file", desc="indexing", leave=False, file=out)
            )
        else:
            # update() rather than setting n: tqdm then rates over its smoothing window.
            bar[0].update(done - bar[0].n)
        if done >= total:
            bar.pop().close()

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
    if args.verbose:
        for label, ids in (
            ("added", report.added),
            ("changed", report.changed),
            ("removed", report.removed),
        ):
            for article_id in ids:
                print(f"  {label}: {article_id}")
    if report.duplicates:
        print(_duplicates_text(report.duplicates, everything=args.verbose))
    stats = bot.stats()
    print(stats)
    if not stats.articles:
        # Not an error: an empty corpus is a start (the Telegram bot's /add fills it).
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        print(f"qabot: no articles found in {s.corpus} (supported: {supported})", file=sys.stderr)
    return 0


def _duplicates_text(pairs: Sequence[tuple[str, str]], everything: bool) -> str:
    """``3 duplicates of other articles not indexed again: a.txt = b.txt, …``."""
    shown = [f"{dup} = {kept}" for dup, kept in (pairs if everything else pairs[:3])]
    noun = "duplicate" if len(pairs) == 1 else "duplicates"
    more = ", … (-v lists all)" if len(pairs) > len(shown) else ""
    return f"{len(pairs)} {noun} of other articles not indexed again: {', '.join(shown)}{more}"


def _filter_arguments(p: argparse.ArgumentParser) -> None:
    """``--since``, ``--until`` and ``--source`` of a question."""
    p.add_argument("--since", metavar="DATE", help="only stories of this day (YYYY-MM-DD) or later")
    p.add_argument("--until", metavar="DATE", help="only stories of this day or earlier")
    p.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="only stories from this source (any case); repeat for several",
    )


def _filters_of(args: argparse.Namespace) -> Filters:
    """The question's filters, checked before the index is opened: named as a flag."""
    try:
        return Filters.of(args.since, args.until, args.source)
    except FilterError as exc:
        raise QABotError(f"--{exc.name}: {exc.reason}") from None


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    return _ask(args, _open(args, settings))


def _ask(args: argparse.Namespace, bot: QABot) -> int:
    """``qabot ask`` and ``qabot cluster ask``: one answer, printed or as JSON."""
    from qabot import render

    filters = _filters_of(args)
    answer = bot.ask(
        " ".join(args.question), k=args.k,
        since=filters.since, until=filters.until, sources=filters.source_names,
    )  # fmt: skip
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render.terminal(answer, color=sys.stdout.isatty()))
    return 0


def _cmd_quotes(args: argparse.Namespace, settings: Settings) -> int:
    from qabot import render

    filters = _filters_of(args)
    quotes = _open(args, settings).quotes(
        args.speaker, args.about,
        since=filters.since, until=filters.until, sources=filters.source_names,
    )  # fmt: skip
    if args.json:
        print(json.dumps([q.to_dict() for q in quotes], ensure_ascii=False, indent=2))
    else:
        print(render.timeline_text(quotes, args.speaker, args.about or ""))
    return 0


def _cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.chat import run_chat

    return run_chat(_open(args, settings), watch=True)


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
    if args.feedback:
        return _eval_feedback(args, settings)
    if args.questions is None:
        raise QABotError("eval needs a questions file, --beir DIR or --feedback")
    questions = load_questions(args.questions)
    if args.limit:
        questions = questions[: args.limit]
    bot = _open(args, settings)
    # The studies check their inputs first: a refusal comes before the long evaluation.
    folds = cross_validate(bot, questions, folds=args.folds) if args.folds is not None else None
    study = no_answer_study(bot, questions) if args.no_answer else None
    result = evaluate(bot, questions)
    extra: dict[str, Any] = {}
    tail = []
    if study is not None:
        extra["no_answer"] = [asdict(row) for row in study.rows]
        tail.append(f"\nKnowing when not to answer:\n{study}")
    return _print_figures(args, result.rows(), result.figures(), folds, "article", extra, tail)


def _eval_feedback(args: argparse.Namespace, settings: Settings) -> int:
    """``qabot eval --feedback``: corrected 👎 answers → a question file for ``qabot eval``."""
    from qabot import atomic
    from qabot.feedback import FeedbackStore, questions_jsonl

    if args.questions is not None:
        raise _UsageError("--feedback writes a questions file; it reads none")
    store = FeedbackStore(_settings(args, settings).corpus)
    questions = store.corrected_questions()
    text = questions_jsonl(questions)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            atomic.write_file(args.output, text.encode("utf-8"))
        except OSError as exc:
            raise QABotError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    noun = "question" if len(questions) == 1 else "questions"
    where = f" to {args.output}" if args.output is not None else ""
    print(
        f"qabot: {len(questions)} {noun} from corrected 👎 answers{where}; "
        "`qabot eval FILE` measures them",
        file=sys.stderr,
    )
    return 0


def _cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.feedback import FeedbackStore

    summary = FeedbackStore(_settings(args, settings).corpus).summary()
    print(json.dumps(summary.to_dict(), ensure_ascii=False) if args.json else summary)
    return 0


def _eval_beir(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.evaluate import cross_validate_beir, evaluate_beir, ranking_grid

    rankings = ranking_grid() if args.folds is not None else None
    result = evaluate_beir(args.beir, settings, rankings, limit=args.limit)
    folds = cross_validate_beir(result, args.folds) if args.folds is not None else None
    return _print_figures(args, result.rows(), result.figures(), folds, "query", {}, [])


def _print_figures(
    args: argparse.Namespace,
    rows: list[tuple[str, str]],
    figures: Mapping[str, object],
    folds: CrossValidation | None,
    folded_by: str,
    extra: dict[str, Any],
    tail: list[str],
) -> int:
    """An evaluation's figures, as JSON with ``--json``, else one aligned line each."""
    if args.json:
        data: dict[str, Any] = dict(figures)
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


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.ingest import Added

    results = _open(args, settings).add_urls(args.urls)
    added = []
    for result in results:
        if isinstance(result, Added):
            article = result.article
            added.append(
                {"url": result.url, "path": str(result.path), "title": article.title,
                 "date": article.date}
            )  # fmt: skip
            if not args.json:
                done = "added" if result.new else "already added"
                print(
                    f"{done}: {result.path}  {article.title}"
                    + (f" ({article.date})" if article.date else "")
                )
        else:
            print(f"qabot: cannot add {result.url}: {result.reason}", file=sys.stderr)
    if args.json:
        print(json.dumps(added, ensure_ascii=False, indent=2))
    return 0 if len(added) == len(results) else 1


def _cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.feeds import FeedList, subscribe

    s = _settings(args, settings)
    feeds = FeedList.of(s)
    if args.action == "add":
        feed, new = subscribe(s, args.url)
        print(("added feed: " if new else "already in the feed list: ") + feed.url
              + (f"  {feed.title}" if feed.title else ""))  # fmt: skip
    elif args.action == "remove":
        if not feeds.remove(args.url):
            raise QABotError(f"{args.url} is not in the feed list (`qabot feeds list` shows it)")
        print(f"removed feed: {args.url}")
    elif args.action == "list":
        listed = feeds.feeds()
        for feed in listed:
            print(feed.url + (f"  {feed.title}" if feed.title else ""))
        if not listed:
            print("no feeds yet: `qabot feeds add URL` adds one", file=sys.stderr)
    else:
        report = _open(args, settings).poll_feeds()
        for failed in (*report.feed_failures, *report.save_failures):
            print(f"qabot: cannot add {failed.url}: {failed.reason}", file=sys.stderr)
        for failed in report.item_failures:
            print(f"qabot: warning: cannot add {failed.url}: {failed.reason} (tried again "
                  "later)", file=sys.stderr)  # fmt: skip
        print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else str(report))
        # A feed that cannot be read, or an article that cannot be saved, fails the run (a
        # cron job learns of it); a dead item does not: it is remembered and tried again
        # later, less and less often.
        return 1 if report.feed_failures or report.save_failures else 0
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    # The bot logs as `python bot.py` does (its start, at INFO) unless QABOT_LOG_LEVEL says
    # otherwise: the bot's default level, not the command line's.
    _configure_logging(Settings.from_env().log_level, args.verbose, force=True)
    try:
        from qabot.telegram_bot import run_bot
    except ImportError as exc:
        raise MissingExtraError.of(exc, "the Telegram bot", "telegram") from None
    return run_bot(_settings(args, settings))


def _open_cluster(
    args: argparse.Namespace, settings: Settings, update: bool
) -> tuple[QABot, ClusterIndex]:
    """The bot over the cluster's shards, and its index (which tells about the shards)."""
    s = _settings(args, settings)
    bot = QABot.open_cluster(
        args.address or s.cluster.address, s.corpus, args.shards or s.cluster.shards, s.index,
        settings=s, update=update,
    )  # fmt: skip
    # open_cluster answers from a ClusterIndex; QABot types its index as any back end.
    return bot, cast("ClusterIndex", bot.index)


def _cmd_cluster_index(args: argparse.Namespace, settings: Settings) -> int:
    bot, cluster = _open_cluster(args, settings, update=not args.rebuild)
    # A folder built on opening (new, or of an older layout) is not built a second time.
    report = bot.last_report or bot.reindex(rebuild=args.rebuild)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(f"{report}")
    print(f"{bot.stats()} in {cluster.shards} shards")
    return 0


def _cmd_cluster_ask(args: argparse.Namespace, settings: Settings) -> int:
    bot, _ = _open_cluster(args, settings, update=True)
    return _ask(args, bot)


def _cmd_cluster_stats(args: argparse.Namespace, settings: Settings) -> int:
    bot, cluster = _open_cluster(args, settings, update=False)
    stats = bot.stats()
    print(f"{stats} in {cluster.shards} shards")
    print(f"corpus: {stats.corpus}\nindex:  {stats.index}")
    for info in cluster.shard_info():
        print(f"  shard {info.shard}: generation {info.generation}, process {info.pid}")
    return 0
