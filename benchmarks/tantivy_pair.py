"""qabot's retrieval beside tantivy's on an index already built, as ``scale.py`` sets them.

``scale.py`` builds its corpus and index before it compares retrieval with tantivy's
(:func:`scale.tantivy_peer`); this runs the same comparison on ``--corpus`` and its index
``--index`` as they are (no update), so that several qabot trees can be compared on one
index in a few minutes (``PYTHONPATH`` naming each tree in turn). tantivy is not a
dependency of qabot: install it by hand into the venv (``.venv/bin/pip install tantivy``).
Prints tantivy's build time and the p50s of the four ways, taken in turn question by
question for ``--paired-rounds`` rounds after one unmeasured round.

    .venv/bin/python benchmarks/tantivy_pair.py --corpus /tmp/bbc-1m --index /tmp/idx-1m \\
        --questions ../shared/data/newsqa-dev/questions.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from qabot import QABot

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import tantivy_peer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--paired-rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    bot = QABot.open(args.corpus, args.index, update=False)
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(x)["question"] for x in lines if x.strip()][: args.queries]
    with tempfile.TemporaryDirectory(prefix="qabot-tantivy-", dir=args.workdir) as tmp:
        row = tantivy_peer(bot, questions, Path(tmp) / "tantivy", args)
    if not row:
        return 1
    passages, built = bot.index.current().n_passages, row["tantivy_build_s"]
    print(f"{passages:,} passages; tantivy built in {built:.1f} s")
    s, st = row["paired_search_p50_ms"], row["paired_search_terms_p50_ms"]
    w, t = row["tantivy_words_p50_ms"], row["tantivy_terms_p50_ms"]
    print(f"qabot from the question's text {s:.2f} ms, tantivy's parser {w:.2f} ms ({s / w:.2f}x)")
    print(f"qabot on its terms {st:.2f} ms, tantivy term queries {t:.2f} ms ({st / t:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
