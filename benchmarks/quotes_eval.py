"""Quotation extraction against the hand-checked set: precision, recall, speaker accuracy.

For the articles of a split of ``benchmarks/data/bbc_quotes.jsonl`` (rows: article,
paragraph — body paragraphs from 0, title excluded —, kind, quote, speaker_as_written,
speaker, verb, fragment, split), :func:`qabot.answering.quotes.extract_quotes` runs on each
article's paragraphs as qabot reads them. Extracted quotations are matched one-to-one to
gold ones of the same article and paragraph by SQuAD-style token F1 (lower case,
punctuation and a/an/the dropped) of at least 0.5, best pairs first. Printed: precision
and recall overall, of direct and of reported quotations, and with fragments left out
(gold rows marked ``fragment``, and extracted ones matched to them or marked fragment
themselves); speaker accuracy over matched pairs — the resolved speaker equal after
case-folding, titles (Mr, Dr …) and a leading "the" dropped — and a lenient figure where
the surnames (last words) agree.

    .venv/bin/python benchmarks/quotes_eval.py --bbc ../shared/data/bbc \\
        --gold benchmarks/data/bbc_quotes.jsonl --split dev --show 20

``--time`` also times extraction over every article of the corpus (sentence splitting
included, then with the sentences already split, as at index time).
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qabot import lexicon
from qabot.analysis import Analyzer
from qabot.answering.quotes import Quote, extract_quotes
from qabot.articles import parse_file

_PUNCTUATION = set(string.punctuation) | {"“", "”", "‘", "’", "«", "»", "…"}


def normalize(text: str) -> list[str]:
    """SQuAD's answer normalisation, as tokens."""
    text = "".join(ch if ch not in _PUNCTUATION else " " for ch in text.lower())
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return text.split()


def f1(prediction: str, gold: str) -> float:
    p, g = normalize(prediction), normalize(gold)
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or common == 0:
        return float(p == g)
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def speaker_key(name: str) -> str:
    """A speaker compared: case-folded, titles and a leading "the" dropped."""
    titles = {f[0] for f in lexicon.forms("honorifics")}
    words = [w.strip(".,") for w in name.casefold().replace("’", "'").split()]
    while words and (words[0] in titles or words[0] == "the"):
        words = words[1:]
    return " ".join(words)


def paragraphs(bbc: Path, article: str) -> tuple[str, ...]:
    path = bbc / article
    found, _ = parse_file(path, article, path.read_bytes())
    return found[0].paragraphs


@dataclass
class Tally:
    gold: int = 0
    predicted: int = 0
    matched: int = 0

    def line(self, name: str) -> str:
        p = self.matched / self.predicted if self.predicted else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        return (
            f"{name:<22} precision {p:.3f} ({self.matched}/{self.predicted})  "
            f"recall {r:.3f} ({self.matched}/{self.gold})"
        )


def match(predicted: list[Quote], gold: list[dict[str, object]]) -> list[tuple[int, int]]:
    """One-to-one pairs (predicted, gold) of F1 >= 0.5, best pairs first."""
    pairs = sorted(
        (
            (f1(p.text, str(g["quote"])), i, j)
            for i, p in enumerate(predicted)
            for j, g in enumerate(gold)
            if p.paragraph == g["paragraph"]
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score < 0.5 or i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bbc", type=Path, required=True, help="the BBC corpus folder")
    parser.add_argument("--gold", type=Path, default=Path("benchmarks/data/bbc_quotes.jsonl"))
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--show", type=int, default=0, help="print this many misses")
    parser.add_argument("--time", action="store_true", help="time extraction over the corpus")
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if args.split == "all" or r["split"] == args.split]
    by_article: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        by_article[r["article"]].append(r)

    analyzer = Analyzer()
    tallies: dict[str, Tally] = defaultdict(Tally)
    speakers = Counter[str]()
    misses: list[str] = []
    for article, gold in sorted(by_article.items()):
        predicted = extract_quotes(paragraphs(args.bbc, article), analyzer)
        pairs = match(predicted, gold)
        matched_p = {i: j for i, j in pairs}
        matched_g = {j: i for i, j in pairs}
        for j, g in enumerate(gold):
            kinds = ["all", str(g["kind"])] + ([] if g["fragment"] else ["no fragments"])
            for k in kinds:
                tallies[k].gold += 1
                tallies[k].matched += j in matched_g
            if j not in matched_g:
                misses.append(f"MISSED {article} ¶{g['paragraph']} {g['kind']}: {g['quote']!r}")
        for i, p in enumerate(predicted):
            g_row = gold[matched_p[i]] if i in matched_p else None
            kind = str(g_row["kind"]) if g_row else p.kind
            fragment = bool(g_row["fragment"]) if g_row else p.fragment
            for k in ["all", kind] + ([] if fragment else ["no fragments"]):
                tallies[k].predicted += 1
            if g_row is None:
                misses.append(f"EXTRA  {article} ¶{p.paragraph} {p.kind}: {p.text!r} ({p.speaker})")
                continue
            same = speaker_key(p.speaker) == speaker_key(str(g_row["speaker"]))
            surname = (
                speaker_key(p.speaker).split()[-1:]
                == speaker_key(str(g_row["speaker"])).split()[-1:]
            )
            speakers["pairs"] += 1
            speakers["exact"] += same
            speakers["surname"] += same or surname
            if not same:
                misses.append(
                    f"SPEAKER {article} ¶{p.paragraph}: {p.speaker!r} (as written "
                    f"{p.speaker_as_written!r}) ≠ {g_row['speaker']!r} (as written "
                    f"{g_row['speaker_as_written']!r}) for {p.text[:60]!r}"
                )

    print(f"split {args.split}: {len(rows)} gold quotations in {len(by_article)} articles")
    for k in ("all", "direct", "reported", "no fragments"):
        print(tallies[k].line(k))
    n = speakers["pairs"] or 1
    print(
        f"speaker accuracy       {speakers['exact'] / n:.3f} ({speakers['exact']}/{n})  "
        f"lenient (surname) {speakers['surname'] / n:.3f}"
    )
    for line in misses[: args.show]:
        print(line)
    if args.time:
        timing(args.bbc)
    return 0


def timing(bbc: Path) -> None:
    """CPU time of extraction over every article (best of two runs): all of it, and with
    each article's sentences split beforehand (as at index time, where the passages split
    the long paragraphs first), which leaves the extractor's own work."""
    articles = []
    for path in sorted(bbc.rglob("*.txt")):
        found, _ = parse_file(path, str(path.relative_to(bbc)), path.read_bytes())
        articles.extend(a.paragraphs for a in found)
    cold, split, own = [], [], []
    count = 0
    for _ in range(2):
        analyzer = Analyzer()
        t = time.process_time()
        count = sum(len(extract_quotes(p, analyzer)) for p in articles)
        cold.append(time.process_time() - t)
        analyzer = Analyzer()
        s = o = 0.0
        for p in articles:
            t = time.process_time()
            for text in p:
                analyzer.sentence_spans(text)
            u = time.process_time()
            extract_quotes(p, analyzer)
            s, o = s + u - t, o + time.process_time() - u
        split.append(s)
        own.append(o)
    print(
        f"timing: {len(articles)} articles, {count} quotations: {min(cold):.2f} s CPU in all; "
        f"sentence splitting alone {min(split):.2f} s, the extractor's own work {min(own):.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
