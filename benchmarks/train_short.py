"""Train the short-answer choice: weights of the features of candidate short answers.

For each question of the tune folds (``qabot.evaluate.fold_of`` ≠ 0) of the given QA sets
(the layout of ``../shared/data/newsqa-dev`` and ``xquad-en``), qabot answers as usual;
every candidate short answer of the chosen sentence(s) (:func:`qabot.answering.rank.options`)
is labelled with its SQuAD token F1 against the gold answers. A listwise logistic model
(softmax over a question's candidates, soft targets ∝ F1⁴, L2 penalty) is fitted with
numpy; its penalty is chosen by cross-validation over the tune folds, grouped by article,
and the weights are written as plain JSON (``qabot/data/short_ranker.json``), never pickled.

Printed: for each set, end-to-end short F1 (0 when the first cited passage is not from
the gold story or there is no short answer) of the hand-written choice
(:func:`~qabot.answering.short.short_answer`, one of the features), of the
cross-validated model, and of an oracle that always picks the best candidate; with
``--split test``, the same on the test fold with the shipped weights (or ``--weights``),
never trained on.

Retrain (the documented command; about two minutes)::

    D=../shared/data
    .venv/bin/python benchmarks/train_short.py \\
        --set newsqa $D/newsqa-dev/questions.jsonl $D/newsqa-dev/articles $D/bbc \\
        --set xquad $D/xquad-en/questions.jsonl $D/xquad-en/articles \\
        --work /tmp/qabot-short --out qabot/data/short_ranker.json

and the test folds, with the shipped weights: the same ``--set`` lines with ``--split test``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from answer_eval import link

from qabot import Answer, QABot
from qabot.answering import compose
from qabot.answering.rank import WEIGHTS_FILE, Option, Ranker, score
from qabot.evaluate import fold_of, load_questions, same_article
from qabot.evaluate.squad import f1
from qabot.query import build_query

PENALTIES = (0.003, 0.01, 0.03)
STEPS = 300


def ask_with(bot: QABot, question: str, ranker: Ranker) -> Answer:
    """``bot.ask(question, k=5)``, with ``ranker`` choosing the short answer."""
    reader = bot.index.reader()
    query = build_query(question, bot.analyzer, reader.statistics)
    if not query.terms:
        return Answer(question, "", ())
    matches = reader.search(query.bag, query.stats, 5, fold=True)
    return compose(query, matches, 5, bot.analyzer, bot.settings.answers, ranker=ranker)


@dataclass
class Case:
    """One question: its candidates' features and F1, and what the hand-written rule scores."""

    set: str
    fold: int
    features: list[dict[str, float]]
    gains: np.ndarray  # F1 of each candidate (all 0 when the gold story is not cited first)
    rule: float


def collect(name: str, spec: Sequence[str], work: Path, split: str) -> list[Case]:
    """Ask every question of the split; keep each one's candidates with their F1."""
    questions_file, *article_dirs = spec
    folder = work / name
    corpus = folder / "corpus"
    if not corpus.exists():
        link([Path(a) for a in article_dirs], corpus)
    bot = QABot.open(corpus, folder / "index")
    cases = []
    for q in load_questions(Path(questions_file)):
        fold = fold_of(q.article)
        if split != "all" and (split == "test") != (fold == 0):
            continue
        found: list[Option] = []

        def record(pool: Sequence[Option], found: list[Option] = found) -> Option | None:
            found.extend(pool)
            return None

        answer = ask_with(bot, q.question, record)
        top = answer.passages[0] if answer.passages else None
        gold_top = top is not None and same_article(top.article, q.article)
        gains = np.array(
            [max(f1(o.span.text, a) for a in q.answers) if gold_top else 0.0 for o in found]
        )
        # The hand-written choice: its pick in the sentence nearest the best one.
        rule = [
            g
            for d in range(3)
            for o, g in zip(found, gains, strict=True)
            if o.features.get(f"rule,distance={d}")
        ]
        cases.append(Case(name, fold, [dict(o.features) for o in found], gains,
                          float(rule[0]) if rule else 0.0))  # fmt: skip
    return cases


def design(cases: Sequence[Case], names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All candidates' features as one matrix, and where each question's rows start."""
    at = {n: i for i, n in enumerate(names)}
    rows = sum(len(c.features) for c in cases)
    x = np.zeros((rows, len(names)))
    starts = np.zeros(len(cases), dtype=int)
    row = 0
    for number, case in enumerate(cases):
        starts[number] = row
        for values in case.features:
            for key, value in values.items():
                if key in at:
                    x[row, at[key]] = value
            row += 1
    return x, starts


def fit(cases: Sequence[Case], names: Sequence[str], penalty: float) -> np.ndarray:
    """Listwise softmax regression: soft targets ∝ F1⁴ over a question's candidates, an L2
    ``penalty``, Adam steps (questions without a right candidate teach nothing: left out)."""
    used = [c for c in cases if len(c.gains) and c.gains.max() > 0]
    x, starts = design(used, names)
    lengths = np.array([len(c.gains) for c in used])
    target = np.concatenate([c.gains**4 / (c.gains**4).sum() for c in used])
    w = np.zeros(len(names))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, STEPS + 1):
        z = x @ w
        z -= np.repeat(np.maximum.reduceat(z, starts), lengths)
        p = np.exp(z)
        p /= np.repeat(np.add.reduceat(p, starts), lengths)
        grad = x.T @ (p - target) / len(used) + penalty * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def chosen(cases: Sequence[Case], weights: Mapping[str, float]) -> list[float]:
    """The F1 of the candidate the weights pick, question by question (0: none)."""
    out = []
    for case in cases:
        values = [score(f, weights) for f in case.features]
        out.append(float(case.gains[int(np.argmax(values))]) if values else 0.0)
    return out


def report(label: str, cases: Sequence[Case], gains: Sequence[float]) -> None:
    for name in sorted({c.set for c in cases}):
        idx = [i for i, c in enumerate(cases) if c.set == name]
        rule = np.mean([cases[i].rule for i in idx])
        model = np.mean([gains[i] for i in idx])
        oracle = np.mean([cases[i].gains.max() if len(cases[i].gains) else 0.0 for i in idx])
        print(
            f"  {label:12s} {name:8s} n={len(idx):5d}  rule {rule:.3f}  model {model:.3f}"
            f"  oracle {oracle:.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--set", nargs="+", action="append", required=True, metavar="NAME QUESTIONS DIR",
        help="a QA set: its name, its questions file and its article folders",
    )  # fmt: skip
    parser.add_argument("--work", type=Path, help="keep indexes here between runs")
    parser.add_argument("--split", choices=("tune", "test"), default="tune")
    parser.add_argument("--out", type=Path, help="write the trained weights here (tune only)")
    parser.add_argument("--weights", type=Path, help="weights to report on --split test")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="qabot-short-"))
    cases: list[Case] = []
    for name, *spec in args.set:
        cases += collect(name, spec, work, args.split)
    if args.split == "test":
        path = args.weights or Path(__file__).parents[1] / "qabot" / "data" / WEIGHTS_FILE
        weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
        report("test", cases, chosen(cases, weights))
        return 0
    names = sorted({k for c in cases for f in c.features for k in f})
    best = (-1.0, PENALTIES[0])
    for penalty in PENALTIES:
        gains = [0.0] * len(cases)
        for fold in sorted({c.fold for c in cases}):
            w = fit([c for c in cases if c.fold != fold], names, penalty)
            weights = dict(zip(names, w.tolist(), strict=True))
            held = [i for i, c in enumerate(cases) if c.fold == fold]
            for i, gain in zip(held, chosen([cases[i] for i in held], weights), strict=True):
                gains[i] = gain
        report(f"cv {penalty}", cases, gains)
        best = max(best, (float(np.mean(gains)), penalty))
    w = fit(cases, names, best[1])
    print(f"penalty {best[1]} (cross-validated mean {best[0]:.3f}); {len(names)} features")
    if args.out:
        weights = {n: round(float(v), 6) for n, v in zip(names, w, strict=True) if abs(v) > 1e-6}
        args.out.write_text(
            json.dumps(
                {
                    "about": "Weights of the short-answer features (qabot/answering/rank.py), "
                    "trained by benchmarks/train_short.py on the tune folds of "
                    + ", ".join(name for name, *_ in args.set),
                    "trained": datetime.date.today().isoformat(),
                    "penalty": best[1],
                    "weights": dict(sorted(weights.items())),
                },
                indent=1,
            )
            + "\n"
        )
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
