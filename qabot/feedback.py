"""Feedback on answers: votes (👍 / 👎) and admins' corrections, kept in the corpus.

The one owner of ``<corpus>/.qabot-feedback.jsonl``, an append-only file of one JSON
object a line (hidden, so never indexed; deleting the index keeps it)::

    {"v": 1, "kind": "vote", "at": "2024-06-12T08:30:00Z", "answer": KEY, "voter": KEY,
     "verdict": "bad", "question": "…", "shown": "…", "short": "…",
     "passages": [{"article", "title", "position", "paragraphs", "citation", "text"}]}
    {"v": 1, "kind": "correction", "at": "…", "answer": KEY, "voter": KEY,
     "article": "telegram/-100123/42.md", "answers": ["…"], "given": "…"}

* **One vote per voter and answer.** The same vote again is not written; a changed vote
  is written and the later one counts.
* **No names.** Voters, and the Telegram messages answers were sent as, appear only as
  salted hashes (HMAC-SHA256, :meth:`FeedbackStore.key`) of their ids. The salt is made
  once, at random, in ``<corpus>/.qabot-feedback.salt`` (readable by its owner only), and
  is never logged: the feedback file alone does not tell who voted.
* **Crash-safe.** A record is one ``write`` of one line to the file opened for appending,
  then synced. A line torn by a crash is skipped when read (logged once), and the next
  record starts on a line of its own.
* **Shared.** Records are appended under a lock (``<corpus>/.qabot-feedback.lock``) after
  reading what other processes appended, so the bot and ``qabot chat`` can vote at once.

:meth:`FeedbackStore.summary` is what ``qabot feedback`` prints;
:meth:`FeedbackStore.corrected_questions` turns 👎 answers corrected afterwards into
questions for ``qabot eval`` (``qabot eval --feedback``). :func:`read_correction` finds the
article (and the answer) an admin's correction names, by link or by text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from qabot import atomic, locks
from qabot.errors import FeedbackError
from qabot.evaluate.question_set import EvalQuestion
from qabot.values import Answer, Article, Hit

if TYPE_CHECKING:  # the store is handed an open bot; it never opens one
    from qabot.core import QABot

__all__ = [
    "FEEDBACK_FILE",
    "MAX_ANSWER_WORDS",
    "CitedPassage",
    "Correction",
    "DislikedQuestion",
    "FeedbackStore",
    "FeedbackSummary",
    "Found",
    "Verdict",
    "Vote",
    "article_by_link",
    "questions_jsonl",
    "read_correction",
]

log = logging.getLogger(__name__)

FEEDBACK_FILE = ".qabot-feedback.jsonl"
SALT_FILE = ".qabot-feedback.salt"
LOCK_FILE = ".qabot-feedback.lock"
FORMAT_VERSION = 1
#: Seconds a process waits for another one appending.
LOCK_TIMEOUT = 10.0
#: A correction's text of more words than this is the passage, not the answer: only its
#: article is checked by ``qabot eval``.
MAX_ANSWER_WORDS = 20
#: Questions listed under "most disliked".
DISLIKED_SHOWN = 5

Verdict = Literal["good", "bad"]
VERDICTS: tuple[Verdict, ...] = ("good", "bad")
_LINK = re.compile(r"https?://\S+", re.I)


# -- values -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CitedPassage:
    """A passage an answer cited, as the voter saw it."""

    article: str
    title: str
    position: int
    paragraphs: tuple[int, int]
    citation: str
    text: str

    @classmethod
    def of(cls, hit: Hit) -> CitedPassage:
        a = hit.article
        return cls(a.id, a.title, hit.position, hit.paragraphs, hit.citation, hit.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article, "title": self.title, "position": self.position,
            "paragraphs": list(self.paragraphs), "citation": self.citation, "text": self.text,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CitedPassage:
        first, last = raw["paragraphs"]
        return cls(
            str(raw["article"]), str(raw["title"]), int(raw["position"]), (int(first), int(last)),
            str(raw["citation"]), str(raw["text"]),
        )  # fmt: skip


@dataclass(frozen=True)
class Vote:
    """One voter's verdict on one answer, with what the answer said."""

    answer: str
    voter: str
    verdict: Verdict
    question: str
    #: The answer's sentence(s) as shown (empty when qabot said it did not know), and why not.
    shown: str
    short: str = ""
    reason: str = ""
    passages: tuple[CitedPassage, ...] = ()
    at: str = ""


@dataclass(frozen=True)
class Correction:
    """An admin's word on where the right answer to a 👎 answer is."""

    answer: str
    voter: str
    #: The id of the article holding the right answer.
    article: str
    #: The right answer's text; empty when the correction named the passage only.
    answers: tuple[str, ...]
    #: What the admin wrote.
    given: str
    at: str = ""


@dataclass(frozen=True)
class Found:
    """What a correction names: the article with the right answer, and that answer if given."""

    article: Article
    answers: tuple[str, ...]


@dataclass(frozen=True)
class DislikedQuestion:
    """A question whose answers got 👎 (and perhaps 👍) votes."""

    question: str
    bad: int
    good: int


@dataclass(frozen=True)
class FeedbackSummary:
    """What the votes say: how many, the share liked, the most disliked questions."""

    answers: int
    votes: int
    good: int
    bad: int
    corrections: int
    #: 👎 answers corrected afterwards: the questions ``qabot eval --feedback`` writes.
    corrected: int
    disliked: tuple[DislikedQuestion, ...] = ()

    @property
    def liked(self) -> float | None:
        """The share of 👍 among the votes (``None`` before the first vote)."""
        return self.good / self.votes if self.votes else None

    def __str__(self) -> str:
        if not self.votes:
            return "No feedback yet: votes appear here once people press 👍 or 👎 under answers."
        answers = "answer" if self.answers == 1 else "answers"
        votes = "vote" if self.votes == 1 else "votes"
        lines = [
            f"{self.votes} {votes} on {self.answers} {answers}: {self.liked or 0.0:.0%} liked "
            f"({self.good} 👍, {self.bad} 👎); {self.corrections} "
            f"{'correction' if self.corrections == 1 else 'corrections'}, "
            f"{self.corrected} ready for `qabot eval --feedback`."
        ]
        if self.disliked:
            lines.append("Most disliked questions:")
            lines += [f"  {d.bad} 👎 {d.good} 👍  {d.question}" for d in self.disliked]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``qabot feedback --json``)."""
        return {
            "answers": self.answers, "votes": self.votes, "good": self.good, "bad": self.bad,
            "liked": self.liked, "corrections": self.corrections, "corrected": self.corrected,
            "disliked": [
                {"question": d.question, "bad": d.bad, "good": d.good} for d in self.disliked
            ],
        }  # fmt: skip


_Record = Vote | Correction


# -- the store ----------------------------------------------------------------------------------
class FeedbackStore:
    """The votes and corrections of one corpus. Thread-safe; safe between processes.

    Nothing is read or written until first used.
    """

    def __init__(self, corpus: Path) -> None:
        self.path = corpus / FEEDBACK_FILE
        self._salt_path = corpus / SALT_FILE
        self._lock_path = corpus / LOCK_FILE
        self._lock = threading.Lock()
        self._salt: bytes | None = None
        self._records: list[_Record] = []
        self._read_to = 0
        self._damaged = 0
        #: The file ends in a line torn by a crash: the next record starts a new line.
        self._torn = False

    # -- names ------------------------------------------------------------------------------
    def key(self, *parts: object) -> str:
        """A salted hash of ``parts``: the same parts give the same key in this corpus only."""
        with self._lock:
            salt = self._load_salt()
        message = "\x1f".join(str(part) for part in parts).encode("utf-8")
        return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]

    def voter(self, where: str, user: object) -> str:
        """The key a voter is known by: ``voter("telegram", user_id)``."""
        return self.key("voter", where, user)

    # -- writing ----------------------------------------------------------------------------
    def vote(self, answer_key: str, voter: str, verdict: Verdict, answer: Answer) -> bool:
        """Store ``voter``'s ``verdict`` on ``answer``; ``False`` if that was their vote already.

        A different verdict replaces the voter's earlier one (both stay in the file; the
        later counts). Raises :class:`FeedbackError` when the file cannot be written.
        """
        if verdict not in VERDICTS:
            raise FeedbackError(f"a verdict is 'good' or 'bad', not {verdict!r}")
        with self._appending():
            if self._verdict(answer_key, voter) == verdict:
                return False
            self._append(_vote(answer, answer_key, voter, verdict))
        return True

    def correct(
        self, answer_key: str, voter: str, found: Found, given: str, answer: Answer | None = None
    ) -> Correction:
        """Store a correction of an answer by ``voter``, which counts as their 👎 too.

        ``answer`` is the answer corrected, when known; otherwise an earlier vote must
        have stored it, else :class:`FeedbackError` (the question would be unknown).
        """
        correction = Correction(
            answer_key, voter, found.article.id, found.answers, given.strip(), _now()
        )
        with self._appending():
            known = (
                _vote(answer, answer_key, voter, "bad")
                if answer is not None
                else self._latest_vote(answer_key)
            )
            if known is None:
                raise FeedbackError(
                    "I no longer know that answer: vote 👎 under it first, then correct it"
                )
            if self._verdict(answer_key, voter) != "bad":
                self._append(replace(known, voter=voter, verdict="bad", at=_now()))
            self._append(correction)
        return correction

    # -- reading ----------------------------------------------------------------------------
    def votes(self) -> list[Vote]:
        """Every voter's current vote on every answer, in the order first cast."""
        current: dict[tuple[str, str], Vote] = {}
        for record in self._read():
            if isinstance(record, Vote):
                current[(record.answer, record.voter)] = record
        return list(current.values())

    def corrections(self) -> list[Correction]:
        """Every correction, oldest first."""
        return [r for r in self._read() if isinstance(r, Correction)]

    def question_of(self, answer_key: str) -> Vote | None:
        """The latest vote on an answer (holding its question and text), if any."""
        with self._lock:
            self._catch_up()
            return self._latest_vote(answer_key)

    def summary(self, shown: int = DISLIKED_SHOWN) -> FeedbackSummary:
        """The votes in figures, and the ``shown`` most disliked questions."""
        votes = self.votes()
        by_question: dict[str, list[Vote]] = {}
        for vote in votes:
            by_question.setdefault(_folded(vote.question), []).append(vote)
        disliked = [
            DislikedQuestion(
                group[0].question,
                sum(v.verdict == "bad" for v in group),
                sum(v.verdict == "good" for v in group),
            )
            for group in by_question.values()
        ]
        disliked = [d for d in disliked if d.bad]
        disliked.sort(key=lambda d: (-d.bad, d.good, d.question.casefold()))
        good = sum(v.verdict == "good" for v in votes)
        return FeedbackSummary(
            answers=len({v.answer for v in votes}), votes=len(votes), good=good,
            bad=len(votes) - good, corrections=len(self.corrections()),
            corrected=len(self.corrected_questions()), disliked=tuple(disliked[:shown]),
        )  # fmt: skip

    def corrected_questions(self) -> list[EvalQuestion]:
        """A question for ``qabot eval`` from each 👎 answer corrected after the 👎.

        The answer's question, the corrected article, and the right answer when the
        correction gave one (without it, any passage of that article counts). The latest
        correction of an answer wins; the same question corrected the same way is one.
        """
        latest: dict[str, Vote] = {}
        disliked: set[str] = set()
        corrected: dict[str, Correction] = {}
        for record in self._read():
            if isinstance(record, Vote):
                latest[record.answer] = record
                if record.verdict == "bad":
                    disliked.add(record.answer)
            elif record.answer in disliked:
                corrected[record.answer] = record
        questions: dict[tuple[str, str, tuple[str, ...]], EvalQuestion] = {}
        for key, correction in corrected.items():
            question = latest[key].question
            same = (_folded(question), correction.article, correction.answers)
            questions.setdefault(
                same,
                EvalQuestion(f"feedback-{key[:12]}", question, correction.answers,
                             correction.article),
            )  # fmt: skip
        return list(questions.values())

    # -- the file ---------------------------------------------------------------------------
    def _read(self) -> list[_Record]:
        with self._lock:
            self._catch_up()
            return list(self._records)

    def _verdict(self, answer_key: str, voter: str) -> Verdict | None:
        for record in reversed(self._records):
            if isinstance(record, Vote) and record.answer == answer_key and record.voter == voter:
                return record.verdict
        return None

    def _latest_vote(self, answer_key: str) -> Vote | None:
        for record in reversed(self._records):
            if isinstance(record, Vote) and record.answer == answer_key:
                return record
        return None

    @contextmanager
    def _appending(self) -> Iterator[None]:
        """Both locks held and the file read to its end: ready to decide and append."""
        with self._lock, ExitStack() as held:
            self._load_salt()  # a corpus that cannot take a salt cannot take votes
            try:
                held.enter_context(locks.hold(self._lock_path, LOCK_TIMEOUT))
            except TimeoutError:  # (an OSError: caught first)
                raise FeedbackError(
                    f"another process has been writing {self.path} for {LOCK_TIMEOUT:g} s; "
                    "try again"
                ) from None
            except OSError as exc:
                raise FeedbackError(_cannot_write(self._lock_path, exc)) from None
            self._torn = self._catch_up(torn_tail=True)
            yield

    def _catch_up(self, *, torn_tail: bool = False) -> bool:
        """Read what was appended since last time; returns whether the file ends mid-line.

        A line still being written by another process is left for later; under the lock
        (``torn_tail``) nobody is writing, so such a line is a crash's remnant.
        """
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._read_to)
                data = fh.read()
        except FileNotFoundError:
            self._records, self._read_to = [], 0
            return False
        except OSError as exc:
            raise FeedbackError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            if line.strip():
                record = _parse(line)
                if record is None:
                    self._damaged += 1
                    if self._damaged == 1:
                        log.warning("skipping a damaged line of %s (a crash's remnant?)", self.path)
                else:
                    self._records.append(record)
        self._read_to += end
        if torn_tail and end < len(data):
            self._damaged += 1
            log.warning("skipping a torn last line of %s", self.path)
        return end < len(data)

    def _load_salt(self) -> bytes:
        if self._salt is not None:
            return self._salt
        try:
            if not self._salt_path.exists():
                # Linked in place only if still absent: two processes agree on one salt.
                atomic.write_new(self._salt_path, secrets.token_hex(32).encode("ascii"))
            salt = self._salt_path.read_bytes().strip()
        except OSError as exc:
            raise FeedbackError(_cannot_write(self._salt_path, exc)) from None
        if len(salt) < 16:
            raise FeedbackError(f"{self._salt_path} is damaged; delete it (votes then count anew)")
        self._salt = salt
        return salt

    def _append(self, record: _Record) -> None:
        """Append one record (the caller holds both locks and has caught up)."""
        line = json.dumps(_to_json(record), ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            created = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if self._torn:  # a crash's remnant: the record starts a line of its own
                    line = b"\n" + line
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(28, os.strerror(28))  # ENOSPC: only part was written
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                atomic.fsync_folder(self.path.parent)
        except OSError as exc:
            raise FeedbackError(_cannot_write(self.path, exc)) from None
        self._torn = False
        self._catch_up()


# -- corrections --------------------------------------------------------------------------------
def read_correction(
    bot: QABot, given: str, resolve_link: Callable[[str], Article | None] | None = None
) -> Found:
    """The article (and answer) an admin's correction names.

    ``given`` holds the right passage's link (an article's URL, or what ``resolve_link``
    knows, such as a Telegram post's link), its text, or both. Text alone is looked for
    in the indexed passages. Text of up to :data:`MAX_ANSWER_WORDS` words is the right
    answer; longer text is the passage, and only its article is kept. Raises
    :class:`FeedbackError` saying what to send when nothing fits.
    """
    links = _LINK.findall(given)
    text = " ".join(_LINK.sub(" ", given).split())
    if not links and not text:
        raise FeedbackError("send the right passage's link, or the right answer's text")
    article = None
    for link in links:
        article = (resolve_link(link) if resolve_link else None) or article_by_link(
            bot.articles(), link
        )
        if article is not None:
            break
    if links and article is None:
        raise FeedbackError(f"no indexed article has the link {links[0]}")
    if article is None:
        article = _article_holding(bot, text)
        if article is None:
            raise FeedbackError(
                "no indexed passage holds that text; send the right passage's link instead"
            )
    answers = (text,) if text and len(text.split()) <= MAX_ANSWER_WORDS else ()
    return Found(article, answers)


def article_by_link(articles: Iterable[Article], link: str) -> Article | None:
    """The article whose URL is ``link`` (scheme and host in any case, no fragment)."""
    wanted = _normal_url(link)
    return next((a for a in articles if a.url and _normal_url(a.url) == wanted), None)


def _article_holding(bot: QABot, text: str) -> Article | None:
    """The article of the best passage holding ``text`` (or held by it: a pasted passage)."""
    wanted = _folded(text)
    for hit in bot.search(text, k=20):
        passage = _folded(hit.text)
        if wanted in passage or passage in wanted:
            return hit.article
    return None


# -- helpers ------------------------------------------------------------------------------------
def _normal_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _vote(answer: Answer, answer_key: str, voter: str, verdict: Verdict) -> Vote:
    return Vote(
        answer_key, voter, verdict, answer.question, answer.text, answer.short, answer.reason,
        tuple(CitedPassage.of(hit) for hit in answer.passages), _now(),
    )  # fmt: skip


def _cannot_write(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"cannot store feedback in {path}: {reason}; the corpus folder must be writable"


def _to_json(record: _Record) -> dict[str, Any]:
    if isinstance(record, Vote):
        return {
            "v": FORMAT_VERSION, "kind": "vote", "at": record.at, "answer": record.answer,
            "voter": record.voter, "verdict": record.verdict, "question": record.question,
            "shown": record.shown, "short": record.short, "reason": record.reason,
            "passages": [p.to_dict() for p in record.passages],
        }  # fmt: skip
    return {
        "v": FORMAT_VERSION, "kind": "correction", "at": record.at, "answer": record.answer,
        "voter": record.voter, "article": record.article, "answers": list(record.answers),
        "given": record.given,
    }  # fmt: skip


def _parse(line: bytes) -> _Record | None:
    """A record from one line, or ``None`` for a line that is none (torn, foreign)."""
    try:
        raw = json.loads(line)
        kind = raw["kind"]
        if kind == "vote" and raw["verdict"] in VERDICTS:
            return Vote(
                str(raw["answer"]), str(raw["voter"]), raw["verdict"], str(raw["question"]),
                str(raw.get("shown", "")), str(raw.get("short", "")), str(raw.get("reason", "")),
                tuple(CitedPassage.from_dict(p) for p in raw.get("passages", ())),
                str(raw.get("at", "")),
            )  # fmt: skip
        if kind == "correction":
            return Correction(
                str(raw["answer"]), str(raw["voter"]), str(raw["article"]),
                tuple(str(a) for a in raw.get("answers", ())), str(raw.get("given", "")),
                str(raw.get("at", "")),
            )  # fmt: skip
    except (ValueError, TypeError, KeyError):
        pass
    return None


def questions_jsonl(questions: Sequence[EvalQuestion]) -> str:
    """A question file's text: one JSON object a line, as ``qabot eval`` reads it."""
    return "".join(json.dumps(q.to_dict(), ensure_ascii=False) + "\n" for q in questions)
