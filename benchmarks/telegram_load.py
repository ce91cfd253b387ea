"""Load test of qabot's Telegram adapter: simulated users against the stand-in Bot API server.

Many simulated users chat with the bot in private chats (chat id = user id). Each user asks a
question by pushing a ``message`` update into the ``getUpdates`` queue of
``tests/support/botapi_server.py``,
waits for the bot's ``sendMessage`` reply to that chat, then asks the next one: ``--users`` is
the number of questions in flight. The bot is the real thing: ``build_application`` from
``qabot.telegram_bot`` with python-telegram-bot's polling ``Updater`` and HTTP stack, answering
from an index of ``--corpus`` built in a temporary folder (the corpus is only read).

Latency is from pushing the update to the server recording the reply (``Call.at``). A question
is lost when no reply comes within ``--timeout`` seconds; its user then stops asking, so the run
ends even when replies go missing. Every run starts with one untimed warm-up question per user.
``errors`` counts ERROR log records (a failed handler, which qabot answers with an apology) and
failed or unmatched ``sendMessage`` calls.

For a figure that is comparable on a noisy shared machine, the same load first runs against a
baseline: a bare python-telegram-bot echo bot (same server, same polling, a handler that
replies with the text). ``qabot / echo`` is the share of the echo throughput that qabot keeps.

By default the server, the simulated users and the bot share one Python process (one GIL), so
the stand-in server's and the users' work (roughly 15% of the CPU) is charged to the bot too.
With ``--bot-process`` the bot runs in a process of its own, as in production where the Bot API
server is elsewhere; on a 2-core machine the bot then has a core to itself, if the machine is
otherwise idle.

    .venv/bin/python benchmarks/telegram_load.py --corpus corpus
    .venv/bin/python benchmarks/telegram_load.py --corpus ../shared/data/bbc
    .venv/bin/python benchmarks/telegram_load.py --corpus ../shared/data/bbc --bot-process

Options: ``--users 50``, ``--messages 2000`` (in all, timed), ``--questions FILE`` (one question
a line; default: a built-in list of generic news questions), ``--timeout 30`` (seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.botapi_server import BotApiServer, Call
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from qabot import QABot
from qabot.config import TelegramSettings
from qabot.telegram_bot import build_application

AnyApp = Application[Any, Any, Any, Any, Any, Any]
FIRST_USER_ID = 100_001
LOG_FORMAT = "%(levelname)s %(processName)s %(name)s: %(message)s"
QUESTIONS = [
    "What did the government announce?",
    "Who won the match?",
    "What happened to the stock market?",
    "Why did the company's profits fall?",
    "What did the prime minister say about the election?",
    "Which film won the award?",
    "How much did oil prices rise?",
    "What did the minister say about taxes?",
    "Who was appointed as the new chief executive?",
    "What are the plans for the new mobile phone network?",
    "Why were the workers on strike?",
    "What did the court decide?",
    "How many jobs will be cut?",
    "What did the central bank do with interest rates?",
    "Who is the new coach of the team?",
    "What did the report say about the economy?",
    "Which band released a new album?",
    "What did the police say about the attack?",
    "How many people use broadband at home?",
    "What did the opposition leader criticise?",
]


@dataclass
class Question:
    """One question of a simulated user and when it was asked and answered (monotonic)."""

    chat_id: int
    text: str
    sent: float = 0.0
    answered: float | None = None
    done: threading.Event = field(default_factory=threading.Event)


class ErrorCount(logging.Handler):
    """Counts ERROR records: handler exceptions that python-telegram-bot or qabot logged
    (qabot answers those with an apology, which would otherwise pass for an answer)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Replies:
    """Matches the bot's replies (successful ``sendMessage`` calls) to the questions waiting
    in each chat, oldest first. ``on_call`` is the server's hook."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, deque[Question]] = {}
        self.errors = 0  # failed sendMessage calls, and replies no question was waiting for

    def expect(self, question: Question) -> None:
        with self._lock:
            self._waiting.setdefault(question.chat_id, deque()).append(question)

    def on_call(self, call: Call) -> None:
        if call.method != "sendMessage":
            return
        with self._lock:
            queue = self._waiting.get(call.params["chat_id"]) if call.ok else None
            question = queue.popleft() if queue else None
            if question is None:
                self.errors += 1
                return
        question.answered = call.at
        question.done.set()


@dataclass(frozen=True)
class Result:
    """What one load run measured."""

    name: str
    users: int
    questions: list[Question]
    errors: int
    planned: int

    @property
    def latencies_ms(self) -> list[float]:
        return sorted(
            (q.answered - q.sent) * 1000 for q in self.questions if q.answered is not None
        )

    @property
    def lost(self) -> int:
        return sum(q.answered is None for q in self.questions)

    @property
    def wall(self) -> float:
        ends = [q.answered if q.answered is not None else q.sent for q in self.questions]
        return max(ends) - min(q.sent for q in self.questions) if self.questions else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.wall if self.wall > 0 else 0.0


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 when empty)."""
    if not values:
        return 0.0
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def ask_as_user(
    server: BotApiServer, replies: Replies, chat_id: int, texts: Sequence[str], timeout: float
) -> list[Question]:
    """One simulated user: ask, wait for the reply, ask the next; give up after a lost one."""
    asked = []
    for text in texts:
        question = Question(chat_id, text)
        replies.expect(question)
        question.sent = time.monotonic()
        server.push_update(server.make_message_update(text, user_id=chat_id))
        asked.append(question)
        if not question.done.wait(timeout):
            break
    return asked


def load(
    server: BotApiServer,
    replies: Replies,
    users: int,
    messages: int,
    questions: Sequence[str],
    timeout: float,
) -> list[Question]:
    """Run ``users`` simulated users (one thread each) asking ``messages`` questions in all."""
    per_user: list[list[str]] = [[] for _ in range(users)]
    for n in range(messages):
        per_user[n % users].append(questions[n % len(questions)])
    results: list[list[Question]] = [[] for _ in range(users)]

    def user(i: int) -> None:
        results[i] = ask_as_user(server, replies, FIRST_USER_ID + i, per_user[i], timeout)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [q for asked in results for q in asked]


@dataclass(frozen=True)
class BotSpec:
    """Which bot to run and where its Bot API is (picklable, for a bot process)."""

    kind: str  # "echo" or "qabot"
    corpus: Path
    index: Path
    token: str
    base_url: str
    base_file_url: str


def make_app(spec: BotSpec) -> AnyApp:
    """qabot's own Application (per-user rate limit lifted), or the echo baseline:
    python-telegram-bot alone, replying with the question's text."""
    if spec.kind == "qabot":
        qabot = QABot.open(spec.corpus, spec.index, update=False)
        settings = TelegramSettings(
            token=spec.token,
            base_url=spec.base_url,
            base_file_url=spec.base_file_url,
            rate_limit=10**9,
        )
        return build_application(qabot, settings)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    builder = ApplicationBuilder().token(spec.token).base_url(spec.base_url)
    app = builder.base_file_url(spec.base_file_url).concurrent_updates(True).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@asynccontextmanager
async def bot_here(spec: BotSpec, errors: ErrorCount) -> AsyncIterator[None]:
    """Run the bot in this event loop, polling the server, while the block runs."""
    app = make_app(spec)
    logging.getLogger().addHandler(errors)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        logging.getLogger().removeHandler(errors)


def _bot_process(spec: BotSpec, ready: Event, stop: Event, errors: Synchronized[int]) -> None:
    """Entry point of a bot process: run the bot until ``stop`` is set."""

    async def serve() -> None:
        counted = ErrorCount()
        async with bot_here(spec, counted):
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
        errors.value = counted.count

    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    asyncio.run(serve())


@asynccontextmanager
async def bot_elsewhere(spec: BotSpec, errors: ErrorCount) -> AsyncIterator[None]:
    """Run the bot in a process of its own (the server then has the other core)."""
    ctx = multiprocessing.get_context("spawn")
    ready, stop, count = ctx.Event(), ctx.Event(), ctx.Value("i", 0)
    process = ctx.Process(target=_bot_process, args=(spec, ready, stop, count), name=spec.kind)
    process.start()
    try:
        if not await asyncio.to_thread(ready.wait, 60):
            raise RuntimeError(f"the {spec.kind} bot process did not start polling in 60 s")
        yield
    finally:
        stop.set()
        await asyncio.to_thread(process.join, 30)
        if process.is_alive():
            process.kill()
            process.join()
        process.close()
        errors.count += count.value


async def run(kind: str, index: Path, args: argparse.Namespace, questions: Sequence[str]) -> Result:
    """Serve a fresh stand-in server and bot, warm up, then time the load."""
    replies, errors = Replies(), ErrorCount()
    bot = bot_elsewhere if args.bot_process else bot_here
    with BotApiServer(on_call=replies.on_call) as server, ThreadPoolExecutor(1) as driver:
        spec = BotSpec(
            kind, args.corpus, index, server.token, server.base_url, server.base_file_url
        )
        async with bot(spec, errors):
            loop = asyncio.get_running_loop()
            for messages in (args.users, args.messages):  # warm-up, then timed
                asked = await loop.run_in_executor(
                    driver, load, server, replies, args.users, messages, questions, args.timeout
                )
    name = "echo (baseline)" if kind == "echo" else kind
    return Result(name, args.users, asked, replies.errors + errors.count, args.messages)


def report(results: Sequence[Result]) -> str:
    """A Markdown table of the runs, and qabot's share of the baseline."""
    lines = [
        "| bot | users | messages | wall s | answered/s | p50 ms | p99 ms | max ms | lost "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ms = r.latencies_ms
        lines.append(
            f"| {r.name} | {r.users} | {len(r.questions)} | {r.wall:.2f} | {r.rate:.1f} "
            f"| {percentile(ms, 50):.1f} | {percentile(ms, 99):.1f} | {percentile(ms, 100):.1f} "
            f"| {r.lost} | {r.errors} |"
        )
    notes = []
    for r in results:
        if len(r.questions) < r.planned:
            notes.append(f"{r.name}: {r.planned - len(r.questions)} questions never asked "
                         "(their users gave up after a lost reply)")  # fmt: skip
    if len(results) == 2 and results[0].rate > 0:
        base, bot = results
        notes.append(
            f"qabot / echo: {bot.rate / base.rate:.2f} of the echo throughput; p50 "
            f"{percentile(bot.latencies_ms, 50) - percentile(base.latencies_ms, 50):+.1f} ms"
        )
    return "\n".join([*lines, "", *notes])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder of articles")
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--messages", type=int, default=2000, help="questions in all (2000)")
    parser.add_argument("--questions", type=Path, help="file with one question a line")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before lost (30)")
    parser.add_argument(
        "--bot-process", action="store_true", help="run the bot in a process of its own"
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.messages < 1 or args.timeout <= 0:
        parser.error("--users, --messages and --timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    questions = QUESTIONS
    if args.questions is not None:
        text = args.questions.read_text(encoding="utf-8")
        questions = [line.strip() for line in text.splitlines() if line.strip()]
        if not questions:
            raise SystemExit(f"no questions in {args.questions}")
    with tempfile.TemporaryDirectory(prefix="qabot-load-") as tmp:
        started = time.perf_counter()
        index = Path(tmp) / "index"
        stats = QABot.open(args.corpus, index).stats()
        where = "in a process of its own" if args.bot_process else "in the server's process"
        print(
            f"corpus {args.corpus}: {stats.articles} articles, {stats.passages} passages "
            f"(indexed in {time.perf_counter() - started:.1f} s); {args.users} users, "
            f"{args.messages} questions, timeout {args.timeout:g} s; bot {where}\n"
        )
        results = [asyncio.run(run(kind, index, args, questions)) for kind in ("echo", "qabot")]
    print(report(results))
    return 0 if all(r.lost == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
