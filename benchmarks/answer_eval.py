"""The answer itself, measured: right sentence, short answer, and "I don't know", from one run.

For a QA set in the layout of ``../shared/data/newsqa-dev`` (``questions.jsonl`` + article
folders), it indexes the articles (linked into a work folder, never copied into the
project), asks every question of the chosen split and prints:

- hit@1: the first cited passage is from the gold story and holds a gold answer;
- answer: ``Answer.text`` holds a gold answer and cites the gold story;
- answered / unsure: shares of questions answered at all, and answered but marked unsure;
- short F1 / EM: SQuAD token F1 and exact match of ``Answer.short`` against the gold
  answers (0 when the first cited passage is not from the gold story or ``short`` is empty);
- answer / short F1, copy ok: the same, where a byte-identical copy of the gold story under
  another file name counts as the gold story (the BBC set holds some stories twice, and
  qabot cites such a story once);
- with ``--without-gold``: the same questions asked of an index without their stories,
  where every answer is false (answered, and answered sure);
- with ``--unanswerable FILE``: plausible questions about indexed stories whose answer no
  story states (JSONL with a ``question`` field), asked of the same index.

Splits are by article (``qabot.evaluate.fold_of``): ``test`` is fold 0, ``tune`` the rest;
a set that says which part each question belongs to (a ``split`` field, as the say/react
questions of ``benchmarks/data/bbc_say_questions.jsonl``) is cut with ``--split all
--part test``.

    .venv/bin/python benchmarks/answer_eval.py \\
        --questions ../shared/data/newsqa-dev/questions.jsonl \\
        --articles ../shared/data/newsqa-dev/articles --articles ../shared/data/bbc \\
        --split test --without-gold --unanswerable benchmarks/data/bbc_unanswerable.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from qabot import Article, QABot
from qabot.evaluate import EvalQuestion, fold_of, load_questions, same_article
from qabot.evaluate.squad import f1, normalize


def link(article_dirs: Sequence[Path], target: Path, skip: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Link every ``.txt`` article under ``target`` (a story's name relative to its folder)."""
    for folder in article_dirs:
        for path in sorted(folder.rglob("*.txt")):
            rel = path.relative_to(folder)
            if rel.name in skip or str(rel) in skip:
                continue
            name = Path(rel.name) if len(rel.parts) == 1 else Path(folder.name) / rel
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).symlink_to(path.resolve())


def copies_of(corpus: Path) -> dict[str, frozenset[str]]:
    """Each article of ``corpus`` (by its id) and the ids of byte-identical copies of it:
    the BBC set holds some stories twice under two names, and qabot cites such a story
    once."""
    groups: dict[str, set[str]] = {}
    for path in sorted(corpus.rglob("*.txt")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        groups.setdefault(digest, set()).add(path.relative_to(corpus).as_posix())
    return {name: frozenset(group) for group in groups.values() for name in group}


def ask_all(
    bot: QABot, questions: Sequence[EvalQuestion], copies: Mapping[str, frozenset[str]]
) -> dict[str, float]:
    right = right_copy = answered = unsure = hit1 = 0
    f1s, f1s_copy, ems, words, times = [], [], [], [], []

    def copy_of(article: Article, name: str) -> bool:
        """The gold story, or an identical copy of it."""
        same = copies.get(article.id, frozenset())
        return same_article(article, name) or any(c == name or c.endswith("/" + name) for c in same)

    for q in questions:
        start = time.perf_counter()
        answer = bot.ask(q.question, k=5)
        times.append((time.perf_counter() - start) * 1000)
        top = answer.passages[0] if answer.passages else None
        gold_top = top is not None and same_article(top.article, q.article)
        copy_top = top is not None and copy_of(top.article, q.article)
        hit1 += (
            top is not None
            and gold_top
            and any(a.casefold() in top.text.casefold() for a in q.answers)
        )
        if answer.text:
            answered += 1
            unsure += answer.unsure
            words.append(len(answer.text.split()))
            cited = answer.passages[answer.source] if answer.source is not None else None
            holds = any(a.casefold() in answer.text.casefold() for a in q.answers)
            right += cited is not None and same_article(cited.article, q.article) and holds
            right_copy += cited is not None and copy_of(cited.article, q.article) and holds
        short = answer.short if gold_top else ""
        f1s.append(max(f1(short, a) for a in q.answers) if short else 0.0)
        short = answer.short if copy_top else ""
        f1s_copy.append(max(f1(short, a) for a in q.answers) if short else 0.0)
        ems.append(float(bool(short) and any(normalize(short) == normalize(a) for a in q.answers)))
    n = max(1, len(questions))
    return {
        "questions": len(questions),
        "hit@1": hit1 / n,
        "answer": right / n,
        "answered": answered / n,
        "unsure": unsure / n,
        "short F1": sum(f1s) / n,
        "short EM": sum(ems) / n,
        "answer, copy ok": right_copy / n,
        "short F1, copy ok": sum(f1s_copy) / n,
        "answer words": statistics.mean(words) if words else 0.0,
        "p50 ms": statistics.median(times) if times else 0.0,
    }


def declines(bot: QABot, questions: Sequence[str]) -> dict[str, float]:
    answers = [bot.ask(q, k=5) for q in questions]
    n = max(1, len(answers))
    return {
        "questions": len(answers),
        "answered (false)": sum(bool(a.text) for a in answers) / n,
        "answered sure (false)": sum(bool(a.text) and not a.unsure for a in answers) / n,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--articles", type=Path, action="append", required=True)
    parser.add_argument("--split", choices=("tune", "test", "all"), default="test")
    parser.add_argument(
        "--part", help="only the questions whose own 'split' field is this (dev, test)"
    )
    parser.add_argument("--without-gold", action="store_true")
    parser.add_argument("--unanswerable", type=Path)
    parser.add_argument("--work", type=Path, help="keep indexes here between runs")
    args = parser.parse_args(argv)
    questions = load_questions(args.questions)
    if args.split != "all":
        test = args.split == "test"
        questions = [q for q in questions if (fold_of(q.article) == 0) == test]
    if args.part:
        questions = [q for q in questions if q.part == args.part]
    work = args.work or Path(tempfile.mkdtemp(prefix="qabot-answers-"))
    corpus = work / "corpus"
    if not corpus.exists():
        link(args.articles, corpus)
    bot = QABot.open(corpus, work / "index")
    name = f"{args.questions.parent.name} {args.split}" + (f" {args.part}" if args.part else "")
    rows = {name: ask_all(bot, questions, copies_of(corpus))}
    if args.unanswerable:
        lines = args.unanswerable.read_text(encoding="utf-8").splitlines()
        rows["unanswerable"] = declines(bot, [json.loads(x)["question"] for x in lines if x])
    if args.without_gold:
        without = work / f"corpus-without-{args.split}"
        if not without.exists():
            link(args.articles, without, {q.article for q in questions})
        other = QABot.open(without, work / f"index-without-{args.split}")
        rows["gold removed"] = declines(other, [q.question for q in questions])
    for name, row in rows.items():
        print(f"## {name}")
        for key, value in row.items():
            print(
                f"  {key:24s} {value:.3f}" if isinstance(value, float) else f"  {key:24s} {value}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
