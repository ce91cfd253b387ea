"""A question set for evaluation: the questions, their gold answers, and the hit rule.

Questions come one JSON object a line: ``{"id", "question", "answers": [str], "article":
"<file name>", "paragraph_index": int}`` (the NewsQA dev-set layout). A question is a hit
at k when one of the top-k passages comes from ``article`` and contains one of ``answers``
(case-insensitive); a question with no answers (``"answers": []``) names its article
only, and any passage of it counts (``qabot eval --feedback`` writes such questions for
corrections that named the right passage without its words). (How a question is
analysed for answering is :mod:`qabot.answering.shape`.) A row's optional ``split``
("dev", "test") is kept as :attr:`EvalQuestion.part`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qabot.errors import QABotError
from qabot.values import Article, Hit

__all__ = ["EvalQuestion", "holds_answer", "is_hit", "load_questions", "same_article"]


@dataclass(frozen=True)
class EvalQuestion:
    """A question with its gold answers and the article that holds them."""

    id: str
    question: str
    answers: tuple[str, ...]
    article: str
    paragraph_index: int | None = None
    #: The part of the set the row belongs to, when the file says ("dev", "test").
    part: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The question as a line of a question file holds it (as :func:`load_questions` reads)."""
        line: dict[str, Any] = {
            "id": self.id, "question": self.question, "answers": list(self.answers),
            "article": self.article,
        }  # fmt: skip
        if self.paragraph_index is not None:
            line["paragraph_index"] = self.paragraph_index
        if self.part is not None:
            line["split"] = self.part
        return line


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file; a malformed line is an error naming the line."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QABotError(f"cannot read questions file {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if line.strip():
            questions.append(_question(line, f"{path}, line {number}", number))
    if not questions:
        raise QABotError(
            f"{path} holds no questions: write one JSON object a line, with "
            '"question", "answers" and "article" (see qabot eval --help)'
        )
    return questions


#: What every line of a question file must hold.
_REQUIRED = ("question", "answers", "article")


def _question(line: str, where: str, number: int) -> EvalQuestion:
    """One line of a question file; an error naming the line and what it lacks."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise QABotError(f"{where}: not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise QABotError(f"{where}: not a JSON object with {_listed(_REQUIRED)}")
    missing = [key for key in _REQUIRED if key not in obj]
    if missing:
        raise QABotError(
            f"{where}: no {_listed(missing)} (each line needs {_listed(_REQUIRED)}; "
            "see qabot eval --help)"
        )
    answers = obj["answers"]
    if isinstance(answers, str):
        answers = [answers]
    if not isinstance(answers, list):
        raise QABotError(f'{where}: "answers" must be a list of texts, or one text')
    return EvalQuestion(
        id=str(obj.get("id", number)),
        question=str(obj["question"]),
        answers=tuple(str(a) for a in answers if str(a).strip()),
        article=str(obj["article"]),
        paragraph_index=obj.get("paragraph_index"),
        part=obj.get("split"),
    )


def _listed(keys: tuple[str, ...] | list[str]) -> str:
    """``"question", "answers" and "article"``."""
    quoted = [f'"{key}"' for key in keys]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def same_article(article: Article, name: str) -> bool:
    """Whether ``article`` is the file ``name`` (a path relative to the corpus, or its tail)."""
    return article.id == name or article.id.endswith("/" + name)


def holds_answer(text: str, question: EvalQuestion) -> bool:
    """``text`` holds one of the question's answers (any text does when it has none)."""
    folded = text.casefold()
    return not question.answers or any(a.casefold() in folded for a in question.answers)


def is_hit(hit: Hit, question: EvalQuestion) -> bool:
    """The passage comes from the question's article and holds one of its answers."""
    return same_article(hit.article, question.article) and holds_answer(hit.text, question)
