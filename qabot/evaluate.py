"""Measure answer quality on a question set: hit@k with correct citation, answer rate, latency.

Questions come one JSON object a line: ``{"id", "question", "answers": [str], "article":
"<file name>", "paragraph_index": int}`` (the NewsQA dev-set layout). A question is a hit
at k when one of the top-k passages comes from ``article`` and contains one of ``answers``
(case-insensitive); its answer is right when ``Answer.text`` contains one of them and was
taken from a passage of ``article``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qabot.core import QABot
from qabot.errors import QABotError
from qabot.values import Article, Hit

__all__ = ["EvalQuestion", "EvalResult", "evaluate", "is_hit", "load_questions"]

DEFAULT_KS = (1, 5, 20)


@dataclass(frozen=True)
class EvalQuestion:
    """A question with its gold answers and the article that holds them."""

    id: str
    question: str
    answers: tuple[str, ...]
    article: str
    paragraph_index: int | None = None


@dataclass(frozen=True)
class EvalResult:
    """Figures of one evaluation run."""

    questions: int
    #: k → share of questions with a correct, correctly cited passage in the top k.
    hits: dict[int, float]
    #: Share of questions whose ``Answer.text`` holds a gold answer.
    answer: float
    #: Share of questions qabot answered at all (non-empty ``Answer.text``).
    answered: float
    words_per_passage: float
    p50_ms: float
    p95_ms: float
    per_question: tuple[tuple[str, int | None, bool], ...] = field(default=(), repr=False)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for printing."""
        rows = [("questions", str(self.questions))]
        rows += [(f"hit@{k}", f"{v:.3f}") for k, v in sorted(self.hits.items())]
        rows += [
            ("answer", f"{self.answer:.3f}"),
            ("answered", f"{self.answered:.3f}"),
            ("words/passage", f"{self.words_per_passage:.1f}"),
            ("p50 ms", f"{self.p50_ms:.2f}"),
            ("p95 ms", f"{self.p95_ms:.2f}"),
        ]
        return rows


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file; a malformed line is an error naming the line."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QABotError(f"cannot read questions file {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            answers = obj["answers"]
            if isinstance(answers, str):
                answers = [answers]
            questions.append(
                EvalQuestion(
                    id=str(obj.get("id", number)),
                    question=str(obj["question"]),
                    answers=tuple(str(a) for a in answers if str(a).strip()),
                    article=str(obj["article"]),
                    paragraph_index=obj.get("paragraph_index"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QABotError(f"{path}, line {number}: not a question object ({exc})") from None
    return questions


def same_article(article: Article, name: str) -> bool:
    """Whether ``article`` is the file ``name`` (a path relative to the corpus, or its tail)."""
    return article.id == name or article.id.endswith("/" + name)


def is_hit(hit: Hit, question: EvalQuestion) -> bool:
    """The passage comes from the question's article and holds one of its answers."""
    if not same_article(hit.article, question.article):
        return False
    text = hit.text.casefold()
    return any(a.casefold() in text for a in question.answers)


def evaluate(
    bot: QABot,
    questions: Sequence[EvalQuestion],
    ks: Sequence[int] = DEFAULT_KS,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Ask every question and score the answers."""
    depth = max(ks)
    first_hit: list[int | None] = []
    right: list[bool] = []
    answered = 0
    latencies = []
    per_question = []
    for done, q in enumerate(questions, 1):
        start = time.perf_counter()
        answer = bot.ask(q.question, k=depth)
        latencies.append((time.perf_counter() - start) * 1000)
        rank = next((h.rank for h in answer.passages if is_hit(h, q)), None)
        ok = (
            answer.source is not None
            and same_article(answer.passages[answer.source].article, q.article)
            and any(a.casefold() in answer.text.casefold() for a in q.answers)
        )
        answered += bool(answer.text)
        first_hit.append(rank)
        right.append(ok)
        per_question.append((q.id, rank, ok))
        if progress:
            progress(done, len(questions))
    n = max(1, len(questions))
    latencies.sort()
    return EvalResult(
        questions=len(questions),
        hits={k: sum(1 for r in first_hit if r is not None and r <= k) / n for k in ks},
        answer=sum(right) / n,
        answered=answered / n,
        words_per_passage=bot.words_per_passage(),
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        per_question=tuple(per_question),
    )
