"""Every answer to a set of questions, written out whole, to tell two trees' answers apart.

For each question (the ``question`` field of each JSONL line of every ``--questions``
file) it writes one JSON line: the answer's text, short answer and its span, whether it is
unsure, its confidence and reason, the matched words, and every citation (article id,
position, score as ``repr``, rank, highlights, paragraphs). Every seventh question is also
asked with ``k=2`` as a follow-up of the one before, and every eleventh is searched
(``QABot.search``, k 10). Run it with ``PYTHONPATH`` naming each tree in turn and compare
the files with ``cmp``: a speed-up that changes nothing writes the same bytes.

    PYTHONPATH=/work/base .venv/bin/python benchmarks/answer_dump.py --corpus CORPUS \\
        --index /tmp/index-base --questions ../shared/data/newsqa-dev/questions.jsonl \\
        --out /tmp/base.jsonl
    .venv/bin/python benchmarks/answer_dump.py --corpus CORPUS --index /tmp/index-now \\
        --questions ../shared/data/newsqa-dev/questions.jsonl --out /tmp/now.jsonl
    cmp /tmp/base.jsonl /tmp/now.jsonl

Give each tree an index folder of its own: an index of another format is rebuilt.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qabot import QABot
from qabot.values import Answer


def answer_record(question: str, k: int, context: str | None, answer: Answer) -> dict[str, Any]:
    return {
        "q": question, "k": k, "ctx": context, "text": answer.text, "short": answer.short,
        "span": answer.short_span, "source": answer.source, "unsure": answer.unsure,
        "conf": repr(answer.confidence), "reason": answer.reason, "mw": answer.matched_words,
        "terms": answer.terms,
        "p": [
            (h.article.id, h.position, repr(h.score), h.rank, h.highlights, h.paragraphs)
            for h in answer.passages
        ],
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    bot = QABot.open(args.corpus, args.index)
    previous = None
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for path in args.questions:
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                question = json.loads(line)["question"]
                asks = [(5, None)] + ([(2, previous)] if n % 7 == 0 else [])
                for k, context in asks:
                    answer = bot.ask(question, k=k, context=context)
                    out.write(json.dumps(answer_record(question, k, context, answer)) + "\n")
                if n % 11 == 0:
                    hits = [
                        (h.article.id, h.position, repr(h.score), h.highlights)
                        for h in bot.search(question, k=10)
                    ]
                    out.write(json.dumps({"q": question, "search": hits}) + "\n")
                previous = question
                n += 1
    print(f"{n} questions written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
