"""qabot's index at 100k and 1M passages, against rank-bm25, bm25s and tantivy, from one run.

Corpus: the BBC articles of ``--bbc`` replicated with altered ids (copy ``r`` of
``business/001.txt`` is the JSON article ``r<r>/business/001.txt``; its text starts with a
word of that copy's own, :func:`edition`, else copies would be indexed once as the same
story), written as one JSONL file per copy into a temporary folder (with ``--files``, one
text file per article, ``r<r>/business/001.txt``: about 20,000 files at 100k passages),
until the index holds at least the requested number of passages. Questions are the NewsQA
dev questions.

For each size it prints: build time (nltk analysis on both cores included) against
rank-bm25's and bm25s's; open time and resident memory of a fresh process after opening
and answering 100 questions; ``ask()`` end-to-end and retrieval-only latency against
rank-bm25's ``get_scores`` + top-k and bm25s's ``retrieve`` on the same tokens; the largest
score difference from rank-bm25 (BM25+, the default); and the time of ``reindex()`` after
adding, changing and deleting articles. A last table puts ``ask`` and the update after one
changed article next to the peers in the same run: rank-bm25 and bm25s have no update,
so theirs is a rebuild of their index (on tokens already analysed). With ``--profile N``
it also prints (to stderr) the N costliest qabot functions of ``ask`` under cProfile.

When the ``tantivy`` package is importable (neither it nor bm25s is a dependency of qabot:
install both by hand into the venv that runs this script, ``.venv/bin/pip install tantivy
bm25s``), a fourth table sets tantivy beside qabot on the same passage texts (as they stand
after the updates, as for the other peers): an on-disk index in the temporary folder,
tokenizer ``en_stem``, one writer (1 GB heap, tantivy's own thread count), commit, merges
waited for, reload; its build time beside qabot's and bm25s's tokenize + index. Retrieval,
top 10 of the same questions, two ways: tantivy's query parser on the question's words (its
own pipeline from question text to top 10, stopwords kept, as ``benchmarks/peers.py`` asks
it), and a disjunction of term queries on qabot's analysed terms (the terms qabot looks up,
no parsing). No match count is collected (``count=False``), so tantivy prunes as a top-k
engine does. qabot's retrieval alone (from the question's text, and from its terms already
analysed, to set beside the term queries) and the two tantivy queries take turns question
by question (``--paired-rounds`` rounds after one unmeasured round), so each ratio comes
from the same seconds of a shared machine. Without tantivy its cells print "–".

    .venv/bin/python benchmarks/scale.py --bbc ../shared/data/bbc \\
        --questions ../shared/data/newsqa-dev/questions.jsonl --sizes 100000,1000000
    .venv/bin/python benchmarks/scale.py --bbc ../shared/data/bbc \\
        --questions ../shared/data/newsqa-dev/questions.jsonl --sizes 100000 --files
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qabot import QABot
from qabot.config import BM25Settings
from qabot.index.search import top_k

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers

K = 10


def bbc_articles(folder: Path) -> list[tuple[str, str, str]]:
    """(relative path, title, body) of every BBC article."""
    out = []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        title, _, body = text.partition("\n")
        out.append((path.relative_to(folder).as_posix(), title.strip(), body.strip()))
    return out


def edition(r: int) -> str:
    """Copy ``r``'s own word, letters only (``edqa``, ``edqb`` …): no number to answer with."""
    letters, n = "", r + 26
    while n:
        n, digit = divmod(n, 26)
        letters = chr(97 + digit) + letters
    return "ed" + letters


def write_copies(
    articles: Sequence[tuple[str, str, str]], corpus: Path, copies: range, files: bool = False
) -> None:
    """Copy ``r`` of every article into ``copy-<r>.jsonl`` (with ``files``: each into its
    own file, ``r<r>/<its path>``), each text marked with its edition.

    Copies of one story are near-duplicates: one index cites one of them per answer.
    """
    corpus.mkdir(parents=True, exist_ok=True)
    for r in copies:
        if files:
            for rel, title, body in articles:
                path = corpus / f"r{r}" / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"{title}\n\n{edition(r).capitalize()}: {body}\n", "utf-8")
            continue
        with open(corpus / f"copy-{r:04d}.jsonl", "w", encoding="utf-8") as fh:
            for rel, title, body in articles:
                text = f"{edition(r).capitalize()}: {body}"
                fh.write(json.dumps({"id": f"r{r}/{rel}", "title": title, "text": text}) + "\n")


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def p50_ms(fn: Callable[[str], Any], items: Sequence[str]) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


FRESH_PROCESS = """
import json, statistics, sys, time
t = time.perf_counter()
from qabot import QABot
imported = time.perf_counter() - t
t = time.perf_counter()
bot = QABot.open(sys.argv[1], sys.argv[2], update=False)
opened = time.perf_counter() - t
questions = json.loads(sys.argv[3])
lat = []
for q in questions:
    s = time.perf_counter(); bot.ask(q); lat.append((time.perf_counter() - s) * 1000)
rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) * 1024
figures = {"import_s": imported, "open_s": opened, "ask_p50_ms": statistics.median(lat)}
print(json.dumps({**figures, "rss": rss}))
"""


def fresh_process(corpus: Path, index: Path, questions: Sequence[str]) -> dict[str, float]:
    # Run from the index's folder: ``python -c`` puts its working directory first on the
    # import path, so from a checkout it would import that checkout's qabot, not the tree
    # PYTHONPATH names (the tree this process measures).
    out = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(corpus.resolve()), str(index.resolve()),
         json.dumps(list(questions))],
        capture_output=True, text=True, check=True, cwd=index.parent,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def token_lists(bot: QABot) -> list[list[str]]:
    """Every live passage's terms (repeated by frequency), from the index's stored counts."""
    lists = []
    snap = bot.index.current()
    for segment, mask in zip(snap.segments, snap.live, strict=True):
        index = segment.index
        vocab = list(index.vocab)
        ptr, terms, tfs = index.fwd_ptr, np.asarray(index.fwd_term), np.asarray(index.fwd_tf)
        for p in range(segment.n_passages):
            if mask is not None and not mask[p]:
                continue
            lo, hi = int(ptr[p]), int(ptr[p + 1])
            words: list[str] = []
            for t, f in zip(terms[lo:hi].tolist(), tfs[lo:hi].tolist(), strict=True):
                words.extend([vocab[t]] * f)
            lists.append(words)
    return lists


def measure(
    args: argparse.Namespace,
    size: int,
    articles: list[tuple[str, str, str]],
    questions: list[str],
    work: Path,
) -> dict[str, Any]:
    row: dict[str, Any] = {"target": size}
    corpus, index = work / f"corpus-{size}", work / f"index-{size}"
    probe_dir = work / "probe"
    write_copies(articles, probe_dir, range(1))
    per_copy = QABot.open(probe_dir, work / "probe-index").stats().passages
    copies = math.ceil(size / per_copy)
    write_copies(articles, corpus, range(copies), files=args.files)
    bot, build_s = timed(lambda: QABot.open(corpus, index))
    stats = bot.stats()
    row.update(passages=stats.passages, articles=stats.articles, build_s=build_s,
               index_mib=stats.size_bytes / 2**20,
               files=len(bot.index.current().source_stamps))  # fmt: skip
    print(f"[{size}] built {stats} in {build_s:.1f}s", file=sys.stderr)

    row.update(fresh_process(corpus, index, questions[: args.queries]))
    snap = bot.index.current()
    settings = bot.settings.bm25
    analyzed = [bot.analyzer.terms(q) for q in questions[: args.queries]]
    row["ask_p50_ms_warm"] = p50_ms(bot.ask, questions[: args.queries])
    if args.profile:
        print(f"[{size}] {profile(bot, questions[: args.queries], args.profile)}", file=sys.stderr)
    row["search_p50_ms"] = p50_ms(lambda q: _top_k(bot, snap, q), questions[: args.queries])

    # Updates: one article added, changed, deleted; then batches of new articles. "change
    # 1" looks at every file, as `qabot index` does; "change 1, watched" only at the file
    # a corpus watcher saw change, as the bot and the chat do. Medians of --update-rounds.
    updates: dict[str, float] = {}
    new_file = corpus / "zz-new.txt"
    rounds: dict[str, list[float]] = {"add 1": [], "change 1": [], "change 1, watched": []}
    rounds["delete 1"] = []
    for n in range(args.update_rounds):
        new_file.write_text("Fresh article\n\nA fresh article about kites over the harbour.\n")
        rounds["add 1"].append(timed(bot.reindex)[1])
        new_file.write_text(f"Fresh article\n\nA changed article about kites over bay {n}.\n")
        rounds["change 1"].append(timed(bot.reindex)[1])
        new_file.write_text(f"Fresh article\n\nA changed article about kites over port {n}.\n")
        watched = timed(lambda: bot.reindex(paths=[new_file.name]))
        rounds["change 1, watched"].append(watched[1])
        new_file.unlink()
        rounds["delete 1"].append(timed(bot.reindex)[1])
    updates.update({name: statistics.median(times) for name, times in rounds.items()})
    for n in args.batches:
        batch = corpus / f"zz-batch-{n}.jsonl"
        with open(batch, "w", encoding="utf-8") as fh:
            for i, (rel, title, body) in enumerate(articles[:n]):
                fh.write(
                    json.dumps({"id": f"batch{n}/{i}/{rel}", "title": title, "text": body}) + "\n"
                )
        updates[f"add {n}"] = timed(bot.reindex)[1]
    row["updates"] = updates

    # Baselines on the same tokens.
    tokens = token_lists(bot)
    row["exact_max_diff"] = None
    if not args.skip_rank_bm25:
        import rank_bm25

        model, row["rank_bm25_build_s"] = timed(
            lambda: rank_bm25.BM25Plus(tokens, k1=settings.k1, b=settings.b)
        )
        # Re-indexing one changed article is a rebuild for rank-bm25: its build again.
        rebuild = timed(lambda: rank_bm25.BM25Plus(tokens, k1=settings.k1, b=settings.b))[1]
        row["rank_bm25_rebuild_s"] = statistics.median([row["rank_bm25_build_s"], rebuild])
        sample = analyzed[: args.baseline_queries]
        row["rank_bm25_p50_ms"] = p50_ms(
            lambda i: np.argpartition(-model.get_scores(sample[int(i)]), K)[:K],
            [str(i) for i in range(len(sample))],
        )
        diffs = []
        for terms in sample[:5]:
            full = model.get_scores(terms)
            snap = bot.index.current()
            for ref in top_k(snap, terms, K, snap.weights(terms, BM25Settings())):
                passage = _global_position(bot, ref)
                diffs.append(abs(full[passage] - ref.score))
        row["exact_max_diff"] = max(diffs) if diffs else 0.0
        del model
    if not args.skip_bm25s:
        import bm25s

        retriever = bm25s.BM25(method="bm25+", k1=settings.k1, b=settings.b, delta=1.0)
        _, row["bm25s_index_s"] = timed(lambda: retriever.index(tokens, show_progress=False))
        row["bm25s_p50_ms"] = p50_ms(
            lambda i: retriever.retrieve([analyzed[int(i)] or ["none"]], k=K, show_progress=False),
            [str(i) for i in range(len(analyzed))],
        )
        texts = [t for t in bot.index.current().passage_texts()]
        start = time.perf_counter()
        corpus_tokens = bm25s.tokenize(texts, stopwords="en", show_progress=False)
        bm25s.BM25().index(corpus_tokens, show_progress=False)
        row["bm25s_tokenize_index_s"] = time.perf_counter() - start
        del retriever, corpus_tokens, texts
    tokens.clear()  # the peers are done with them: memory for tantivy at 1M
    row.update(tantivy_peer(bot, questions[: args.queries], work / f"tantivy-{size}", args))
    return row


def paired_p50_ms(fns: dict[str, Callable[[int], Any]], n: int, rounds: int) -> dict[str, float]:
    """p50 of each function over items ``0 … n-1``, the functions taking turns on each item,
    after one unmeasured round (caches, mapped pages)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for measured in [False] + [True] * rounds:
        for i in range(n):
            for name, fn in fns.items():
                start = time.perf_counter()
                fn(i)
                if measured:
                    times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def tantivy_peer(
    bot: QABot, questions: Sequence[str], folder: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """tantivy over the same passage texts: its build time and, timed in turn with qabot's
    retrieval alone, its top-10 p50 on the question's words and on qabot's terms."""
    try:
        import tantivy
    except ImportError:
        print("tantivy is not importable: its row prints –", file=sys.stderr)
        return {}
    texts = bot.index.current().passage_texts()
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=1_000_000_000, num_threads=0)
    for text in texts:
        writer.add_document(tantivy.Document(body=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build_s = time.perf_counter() - start
    del texts
    print(
        f"[tantivy] {searcher.num_docs:,} passages in {build_s:.1f}s, "
        f"{searcher.num_segments} segment(s)",
        file=sys.stderr,
    )

    snap, bm25 = bot.index.current(), bot.settings.bm25
    words = [peers.tantivy_query_text(q) or "none" for q in questions]
    terms = [bot.analyzer.terms(q) or ["none"] for q in questions]
    known = sum(searcher.doc_freq("body", t) > 0 for ts in terms for t in ts)
    print(
        f"[tantivy] {known} of {sum(map(len, terms))} qabot question terms are tantivy terms",
        file=sys.stderr,
    )

    def by_words(i: int) -> Any:
        return searcher.search(index.parse_query(words[i], ["body"]), K, count=False).hits

    def by_terms(i: int) -> Any:
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in terms[i]]
        )
        return searcher.search(query, K, count=False).hits

    p50 = paired_p50_ms(
        {
            "search": lambda i: _top_k(bot, snap, questions[i]),
            "search_terms": lambda i: top_k(snap, terms[i], K, snap.weights(terms[i], bm25)),
            "words": by_words,
            "terms": by_terms,
        },
        len(questions),
        args.paired_rounds,
    )
    return {
        "tantivy_build_s": build_s,
        "tantivy_index_mib": sum(f.stat().st_size for f in folder.iterdir()) / 2**20,
        "paired_search_p50_ms": p50["search"],
        "paired_search_terms_p50_ms": p50["search_terms"],
        "tantivy_words_p50_ms": p50["words"],
        "tantivy_terms_p50_ms": p50["terms"],
    }


def profile(bot: QABot, questions: Sequence[str], lines: int) -> str:
    """cProfile of ``ask`` over ``questions`` (asked once before): the functions taking
    most time, with what they call, per question."""
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        bot.ask(question)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"qabot", lines)
    return f"ask, {len(questions)} questions:\n{out.getvalue()}"


def _top_k(bot: QABot, snap: Any, question: str) -> Any:
    """Retrieval only: the BM25 top k of the question's terms, as a search engine does."""
    terms = bot.analyzer.terms(question)
    return top_k(snap, terms, K, snap.weights(terms, bot.settings.bm25))


def _global_position(bot: QABot, ref: Any) -> int:
    """The passage's number in token_lists order (live passages, segment by segment)."""
    snap = bot.index.current()
    position = 0
    for n, (segment, mask) in enumerate(zip(snap.segments, snap.live, strict=True)):
        if n == ref.segment:
            return position + (ref.passage if mask is None else int(mask[: ref.passage].sum()))
        position += segment.n_passages if mask is None else int(mask.sum())
    raise ValueError(ref)


def report(rows: list[dict[str, Any]]) -> str:
    def f(value: Any, fmt: str = "{:.2f}") -> str:
        return "–" if value is None else fmt.format(value)

    def ratio(peer: Any, ours: Any) -> str:
        return "–" if not peer or not ours else f"{peer / ours:,.1f}×"

    def times(ours: Any, peer: Any) -> str:
        """How many times the peer's figure ours is (below 1: faster or smaller)."""
        return "–" if not peer or not ours else f"{ours / peer:.2f}×"

    lines = [
        "| passages | build s (qabot) | passages/s | build s rank-bm25 | index s bm25s "
        "| tokenize+index s bm25s | open s | RSS MiB | ask p50 ms | search p50 ms "
        "| rank-bm25 p50 ms | bm25s p50 ms | speed-up vs rank-bm25 | max diff |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        speedup = (
            r.get("rank_bm25_p50_ms", 0) / r["search_p50_ms"] if r.get("rank_bm25_p50_ms") else None
        )
        lines.append(
            f"| {r['passages']:,} | {r['build_s']:.1f} | {r['passages'] / r['build_s']:,.0f} "
            f"| {f(r.get('rank_bm25_build_s'), '{:.1f}')} | {f(r.get('bm25s_index_s'), '{:.1f}')} "
            f"| {f(r.get('bm25s_tokenize_index_s'), '{:.1f}')} | {r['open_s']:.2f} "
            f"| {r['rss'] / 2**20:,.0f} | {r['ask_p50_ms']:.2f} | {r['search_p50_ms']:.2f} "
            f"| {f(r.get('rank_bm25_p50_ms'), '{:.1f}')} | {f(r.get('bm25s_p50_ms'))} "
            f"| {f(speedup, '{:,.0f}×')} | {f(r['exact_max_diff'], '{:.1e}')} |"
        )
    lines += [
        "",
        "| passages | " + " | ".join(rows[0]["updates"]) + " |",
        "|---:|" + "---:|" * len(rows[0]["updates"]),
    ]
    for r in rows:
        lines.append(
            f"| {r['passages']:,} | "
            + " | ".join(f"{v:.2f} s" for v in r["updates"].values())
            + " |"
        )
    lines += [
        "",
        "| passages | files | ask p50 ms | rank-bm25 p50 ms | bm25s p50 ms "
        "| rank-bm25 / ask | bm25s / ask | search p50 ms | rank-bm25 / search "
        "| change 1 s | change 1, watched s | rank-bm25 rebuild s | bm25s re-index s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        peer, peer_s = r.get("rank_bm25_p50_ms"), r.get("bm25s_p50_ms")
        lines.append(
            f"| {r['passages']:,} | {r['files']:,} | {r['ask_p50_ms']:.2f} "
            f"| {f(peer, '{:.1f}')} | {f(peer_s)} | {ratio(peer, r['ask_p50_ms'])} "
            f"| {ratio(peer_s, r['ask_p50_ms'])} | {r['search_p50_ms']:.2f} "
            f"| {ratio(peer, r['search_p50_ms'])} | {r['updates']['change 1']:.3f} "
            f"| {r['updates']['change 1, watched']:.3f} "
            f"| {f(r.get('rank_bm25_rebuild_s'))} | {f(r.get('bm25s_index_s'))} |"
        )
    lines += [
        "",
        "| passages | build s | tokenize+index s bm25s | build s tantivy | build / bm25s "
        "| build / tantivy | ask p50 ms | search p50 ms | tantivy p50 ms, question words "
        "| search / tantivy words | search on terms p50 ms | tantivy p50 ms, qabot's terms "
        "| search on terms / tantivy terms | ask / tantivy words |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        # Without tantivy, retrieval as timed alone (not in turn with tantivy).
        search = r.get("paired_search_p50_ms", r["search_p50_ms"])
        words = r.get("tantivy_words_p50_ms")
        on_terms, terms = r.get("paired_search_terms_p50_ms"), r.get("tantivy_terms_p50_ms")
        lines.append(
            f"| {r['passages']:,} | {r['build_s']:.1f} "
            f"| {f(r.get('bm25s_tokenize_index_s'), '{:.1f}')} "
            f"| {f(r.get('tantivy_build_s'), '{:.1f}')} "
            f"| {times(r['build_s'], r.get('bm25s_tokenize_index_s'))} "
            f"| {times(r['build_s'], r.get('tantivy_build_s'))} | {r['ask_p50_ms']:.2f} "
            f"| {f(search)} | {f(words)} | {times(search, words)} | {f(on_terms)} | {f(terms)} "
            f"| {times(on_terms, terms)} | {times(r['ask_p50_ms'], words)} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bbc", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--baseline-queries", type=int, default=20)
    parser.add_argument("--files", action="store_true", help="one file per article")
    parser.add_argument("--update-rounds", type=int, default=3)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="LINES", help="print a profile of ask"
    )
    parser.add_argument(
        "--batches", type=lambda s: [int(x) for x in s.split(",")], default=[10, 100, 1000]
    )
    parser.add_argument("--skip-rank-bm25", action="store_true")
    parser.add_argument("--skip-bm25s", action="store_true")
    parser.add_argument(
        "--paired-rounds", type=int, default=3, help="rounds of qabot search and tantivy in turn"
    )
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    articles = bbc_articles(args.bbc)
    questions = [
        json.loads(line)["question"]
        for line in args.questions.read_text().splitlines()
        if line.strip()
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="qabot-scale-", dir=args.workdir) as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            rows.append(measure(args, size, articles, questions, Path(tmp)))
            print(json.dumps(rows[-1]), file=sys.stderr)
    print(report(rows))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
