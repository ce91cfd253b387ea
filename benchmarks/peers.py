"""Peer BM25 baselines on the NewsQA dev questions, for comparison with qabot.

What it measures
----------------
Each "peer" is a common off-the-shelf BM25 setup. All peers index the same passages: every
body paragraph of every article is one passage (the title line is not a passage), and the
corpus is the NewsQA dev stories plus the BBC articles as distractors. For each question the
peer returns its top 20 passages, and we report:

- hit@1 / hit@5 / hit@20: share of questions where one of the top-k passages comes from the
  question's ``article`` and contains one of its ``answers`` (case-insensitive substring).
- answer: share of questions where the top passage is a hit *and* the best sentence of that
  passage holds a gold answer (case-insensitive substring). Sentences come from a simple regex
  split on ``.``/``!``/``?`` followed by whitespace (good enough for peers; no NLP model). The
  best sentence is the one with the most distinct query terms, using the peer's own analyzer
  (ties go to the earlier sentence).
- words/passage: mean whitespace-separated words per passage (longer passages make hits easier
  and answers harder to read).
- p50 ms: median time per question to analyze the query, score and take the top 20.
- build s: time to analyze the corpus and build the index.

Peers
-----
- ``split``: rank_bm25 ``BM25Okapi`` over ``str.split`` tokens (LangChain's default BM25
  retriever).
- ``porter``: rank_bm25 ``BM25Okapi``; lowercase ``\\w+`` tokens, an NLTK-style English stopword
  list, nltk ``PorterStemmer`` (data-free, cached).
- ``bm25s``: bm25s with its own tokenizer (``stopwords="en"``) and nltk's English Snowball
  stemmer passed as the ``stemmer`` callable (PyStemmer is not a dependency); bm25s defaults
  (method "lucene", k1=1.5, b=0.75).
- ``tantivy``: an in-RAM tantivy index with the built-in ``en_stem`` tokenizer and tantivy's
  BM25; questions are reduced to plain words before query parsing so that query syntax
  (``AND``, ``:``, ``"``, ``-``, ...) in a question cannot change its meaning.

The stopword list matters more than the stemmer here: the 179-word NLTK list drops question
words (what, who, when, ...), while bm25s' "en" list (33 words, Lucene-style) keeps them. With
that 33-word list the ``porter`` peer falls to about the bm25s/tantivy level (hit@20 ~0.51 instead
of ~0.55 on newsqa-dev + BBC); Porter versus Snowball changes almost nothing.

For the rank_bm25 and bm25s peers the full score vector is computed once per question and the
top 20 are taken with ``numpy.argpartition``; ties are broken by corpus order so runs are
reproducible.

Data
----
The script takes paths as arguments and never copies data. Expected layout: a questions file
(JSON lines: ``{"id", "question", "answers": [str], "article": "<file name>",
"paragraph_index": int}``) and article directories whose ``.txt`` files hold a title line, a
blank line, then paragraphs separated by blank lines. Files directly in a directory are named by
their file name (``<story-id>.txt``, as in the questions file); files in sub-directories are named
``<dir name>/<sub path>`` (``bbc/business/001.txt``), so BBC names never collide with NewsQA ones.

Example
-------
    .venv/bin/python benchmarks/peers.py \\
        --questions ../shared/data/newsqa-dev/questions.jsonl \\
        --articles ../shared/data/newsqa-dev/articles --articles ../shared/data/bbc

Another script can reuse ``PEERS``, ``evaluate_retriever`` and ``format_table`` to print its
own row next to the peers.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from nltk.stem import PorterStemmer
from rank_bm25 import BM25Okapi

TOP_K = 20

# NLTK's English stopword list (179 words), written out so no NLTK data is needed.
_STOPWORDS_TEXT = """
i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
yourselves he him his himself she she's her hers herself it it's its itself they them their
theirs themselves what which who whom this that that'll these those am is are was were be been
being have has had having do does did doing a an the and but if or because as until while of at
by for with about against between into through during before after above below to from up down
in out on off over under again further then once here there when where why how all any both
each few more most other some such no nor not only own same so than too very s t can will just
don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't
doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't
needn needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
"""
ENGLISH_STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())

_WORD_RE = re.compile(r"\w+")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'\u201d\u2019)])\s+")
_PARAGRAPH_SPLIT_RE = re.compile(r"\n\s*\n")
_NON_WORD_RE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Question:
    """One dev question with its gold answers and the article it was written on."""

    id: str
    question: str
    answers: tuple[str, ...]
    article: str
    paragraph_index: int


@dataclass(frozen=True)
class Paragraph:
    """One passage: a body paragraph of an article (``index`` counts from 0, title excluded)."""

    article: str
    index: int
    text: str


@dataclass(frozen=True)
class PeerResult:
    """One row of the results table."""

    name: str
    hit1: float
    hit5: float
    hit20: float
    answer: float | None
    words_per_passage: float
    p50_ms: float
    build_s: float


Search = Callable[[str], Sequence[Paragraph]]
Analyzer = Callable[[str], Iterable[str]]
PeerFn = Callable[[Sequence[Question], Sequence[Paragraph]], PeerResult]


# --------------------------------------------------------------------------- data


def load_questions(path: Path) -> list[Question]:
    """Read the questions JSON-lines file."""
    questions: list[Question] = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            questions.append(
                Question(
                    id=str(row["id"]),
                    question=str(row["question"]),
                    answers=tuple(str(a) for a in row["answers"]),
                    article=str(row["article"]),
                    paragraph_index=int(row["paragraph_index"]),
                )
            )
    return questions


def article_paragraphs(text: str) -> list[str]:
    """Body paragraphs of an article file: drop the title block, split on blank lines."""
    blocks = [b.strip() for b in _PARAGRAPH_SPLIT_RE.split(text.strip())]
    return [b for b in blocks[1:] if b]


def load_paragraph_corpus(article_dirs: Sequence[Path]) -> list[Paragraph]:
    """Every body paragraph of every ``.txt`` file under ``article_dirs``, in a stable order.

    A file directly in a directory is named by its file name; a file in a sub-directory is
    named ``<dir name>/<relative path>``. Raises ``ValueError`` on duplicate names.
    """
    passages: list[Paragraph] = []
    seen: set[str] = set()
    for directory in article_dirs:
        root = Path(directory)
        if not root.is_dir():
            raise ValueError(f"not a directory: {root}")
        for path in sorted(root.rglob("*.txt")):
            rel = path.relative_to(root)
            name = rel.name if len(rel.parts) == 1 else f"{root.name}/{rel.as_posix()}"
            if name in seen:
                raise ValueError(f"duplicate article name {name!r} (from {path})")
            seen.add(name)
            text = path.read_text(encoding="utf-8")
            for i, para in enumerate(article_paragraphs(text)):
                passages.append(Paragraph(article=name, index=i, text=para))
    return passages


# --------------------------------------------------------------------------- scoring rules


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True when ``text`` holds one of ``answers`` (case-insensitive substring)."""
    folded = text.casefold()
    return any(a.strip() and a.strip().casefold() in folded for a in answers)


def is_hit(question: Question, passages: Sequence[Paragraph], k: int) -> bool:
    """True when one of the top-``k`` passages is from the question's article and holds an
    answer."""
    return any(
        p.article == question.article and contains_answer(p.text, question.answers)
        for p in passages[:k]
    )


def split_sentences(text: str) -> list[str]:
    """Simple regex sentence split: after ``.``, ``!`` or ``?`` (optionally a closing quote or
    bracket) followed by whitespace."""
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s and s.strip()]


def best_sentence(passage: str, query: str, analyze: Analyzer) -> str:
    """The sentence of ``passage`` with the most distinct query terms (earliest on ties)."""
    query_terms = set(analyze(query))
    best, best_count = "", -1
    for sentence in split_sentences(passage):
        count = len(query_terms.intersection(analyze(sentence)))
        if count > best_count:
            best, best_count = sentence, count
    return best


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` highest scores, best first; ties broken by lower index."""
    n = int(scores.shape[0])
    k = min(k, n)
    if k <= 0:
        return []
    if k == n:
        candidates = np.arange(n)
    else:
        part = np.argpartition(scores, n - k)[n - k :]
        kth = scores[part].min()
        above = np.flatnonzero(scores > kth)
        ties = np.flatnonzero(scores == kth)[: k - above.size]
        candidates = np.concatenate((above, ties))
    order = np.lexsort((candidates, -scores[candidates]))
    return [int(i) for i in candidates[order]]


def words_per_passage(passages: Sequence[Paragraph]) -> float:
    """Mean number of whitespace-separated words per passage."""
    if not passages:
        return 0.0
    return sum(len(p.text.split()) for p in passages) / len(passages)


def evaluate_retriever(
    name: str,
    questions: Sequence[Question],
    search: Search,
    *,
    analyze: Analyzer | None,
    build_s: float,
    passage_words: float,
) -> PeerResult:
    """Run ``search`` on every question (timing each call) and score it.

    ``search`` returns passages best first (at least 20 when available). ``analyze`` maps text to
    terms for picking the best sentence of the top passage; with ``None`` the answer metric is
    not computed.
    """
    hits = {1: 0, 5: 0, TOP_K: 0}
    answered = 0
    timings_ms: list[float] = []
    for question in questions:
        start = time.perf_counter()
        results = search(question.question)
        timings_ms.append((time.perf_counter() - start) * 1000.0)
        for k in hits:
            hits[k] += is_hit(question, results, k)
        if analyze is not None and results and is_hit(question, results, 1):
            sentence = best_sentence(results[0].text, question.question, analyze)
            answered += contains_answer(sentence, question.answers)
    n = max(len(questions), 1)
    return PeerResult(
        name=name,
        hit1=hits[1] / n,
        hit5=hits[5] / n,
        hit20=hits[TOP_K] / n,
        answer=answered / n if analyze is not None else None,
        words_per_passage=passage_words,
        p50_ms=statistics.median(timings_ms) if timings_ms else 0.0,
        build_s=build_s,
    )


# --------------------------------------------------------------------------- analyzers


_PORTER = PorterStemmer()


@cache
def porter_stem(word: str) -> str:
    """Porter stem of a lowercase word (nltk, cached)."""
    return str(_PORTER.stem(word))


def porter_analyze(text: str) -> list[str]:
    """Lowercase ``\\w+`` tokens, English stopwords removed, Porter-stemmed."""
    return [porter_stem(t) for t in _WORD_RE.findall(text.lower()) if t not in ENGLISH_STOPWORDS]


def split_analyze(text: str) -> list[str]:
    """``str.split`` tokens, as LangChain's default BM25 retriever uses."""
    return text.split()


# --------------------------------------------------------------------------- peers


def _rank_bm25_peer(
    name: str,
    questions: Sequence[Question],
    passages: Sequence[Paragraph],
    analyze: Analyzer,
) -> PeerResult:
    start = time.perf_counter()
    bm25 = BM25Okapi([list(analyze(p.text)) for p in passages])
    build_s = time.perf_counter() - start

    def search(query: str) -> list[Paragraph]:
        tokens = list(analyze(query))
        scores = np.asarray(bm25.get_scores(tokens)) if tokens else np.zeros(len(passages))
        return [passages[i] for i in top_k(scores, TOP_K)]

    return evaluate_retriever(
        name,
        questions,
        search,
        analyze=analyze,
        build_s=build_s,
        passage_words=words_per_passage(passages),
    )


def run_split(questions: Sequence[Question], passages: Sequence[Paragraph]) -> PeerResult:
    """rank_bm25 BM25Okapi over ``str.split`` tokens (LangChain's default BM25 retriever)."""
    return _rank_bm25_peer("rank_bm25 + str.split", questions, passages, split_analyze)


def run_porter(questions: Sequence[Question], passages: Sequence[Paragraph]) -> PeerResult:
    """rank_bm25 BM25Okapi over lowercase word tokens, stopwords removed, Porter stems."""
    return _rank_bm25_peer("rank_bm25 + stopwords + Porter", questions, passages, porter_analyze)


def run_bm25s(questions: Sequence[Question], passages: Sequence[Paragraph]) -> PeerResult:
    """bm25s with its own tokenizer (English stopwords) and nltk's English Snowball stemmer."""
    import bm25s
    from nltk.stem.snowball import SnowballStemmer

    snowball = SnowballStemmer("english")

    def stem_words(words: list[str]) -> list[str]:
        return [snowball.stem(w) for w in words]

    def analyze(text: str) -> list[str]:
        tokens = bm25s.tokenize(
            text, stopwords="en", stemmer=stem_words, return_ids=False, show_progress=False
        )
        return list(tokens[0])

    start = time.perf_counter()
    corpus_tokens = bm25s.tokenize(
        [p.text for p in passages], stopwords="en", stemmer=stem_words, show_progress=False
    )
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    build_s = time.perf_counter() - start

    def search(query: str) -> list[Paragraph]:
        ids = retriever.get_tokens_ids(analyze(query))
        scores = np.asarray(retriever.get_scores(ids)) if ids else np.zeros(len(passages))
        return [passages[i] for i in top_k(scores, TOP_K)]

    return evaluate_retriever(
        "bm25s + stopwords + Snowball",
        questions,
        search,
        analyze=analyze,
        build_s=build_s,
        passage_words=words_per_passage(passages),
    )


def tantivy_query_text(question: str) -> str:
    """A question reduced to lowercase words separated by spaces.

    Removing punctuation drops every query-syntax character (``+ - : " ( ) [ ] ^ ~ *`` ...), and
    lowercasing turns the ``AND``/``OR``/``NOT`` operators into ordinary words. ``en_stem``
    splits on non-alphanumerics and lowercases anyway, so no term is lost.
    """
    return _NON_WORD_RE.sub(" ", question).lower().strip()


def run_tantivy(questions: Sequence[Question], passages: Sequence[Paragraph]) -> PeerResult:
    """In-RAM tantivy index with the ``en_stem`` tokenizer and tantivy's BM25."""
    import tantivy

    start = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    builder.add_unsigned_field("pid", stored=True)
    index = tantivy.Index(builder.build())
    writer = index.writer()
    for i, passage in enumerate(passages):
        writer.add_document(tantivy.Document(body=passage.text, pid=i))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build_s = time.perf_counter() - start

    # The same analysis as "en_stem", to pick the best sentence with tantivy's own terms.
    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )

    def search(query: str) -> list[Paragraph]:
        text = tantivy_query_text(query)
        if not text:
            return []
        hits = searcher.search(index.parse_query(text, ["body"]), TOP_K).hits
        return [passages[searcher.doc(address)["pid"][0]] for _score, address in hits]

    return evaluate_retriever(
        "tantivy en_stem",
        questions,
        search,
        analyze=analyzer.analyze,
        build_s=build_s,
        passage_words=words_per_passage(passages),
    )


PEERS: dict[str, PeerFn] = {
    "split": run_split,
    "porter": run_porter,
    "bm25s": run_bm25s,
    "tantivy": run_tantivy,
}


# --------------------------------------------------------------------------- output


def format_table(rows: Iterable[PeerResult]) -> str:
    """A Markdown table of results; rates with three decimals, "-" for a missing answer."""
    lines = [
        "| system | hit@1 | hit@5 | hit@20 | answer | words/passage | p50 ms | build s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        answer = "-" if r.answer is None else f"{r.answer:.3f}"
        lines.append(
            f"| {r.name} | {r.hit1:.3f} | {r.hit5:.3f} | {r.hit20:.3f} | {answer} "
            f"| {r.words_per_passage:.1f} | {r.p50_ms:.1f} | {r.build_s:.1f} |"
        )
    return "\n".join(lines)


def _peer_names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in PEERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown peer(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(PEERS)}"
        )
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, required=True, help="questions .jsonl file")
    parser.add_argument(
        "--articles",
        type=Path,
        action="append",
        required=True,
        help="directory of article .txt files (repeatable)",
    )
    parser.add_argument(
        "--peers",
        type=_peer_names,
        default=list(PEERS),
        help=f"comma-separated peers to run (default: {','.join(PEERS)})",
    )
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N questions")
    args = parser.parse_args(argv)

    total_start = time.perf_counter()
    questions = load_questions(args.questions)
    if args.limit is not None:
        questions = questions[: args.limit]
    passages = load_paragraph_corpus(args.articles)
    articles = {p.article for p in passages}
    missing = sorted({q.article for q in questions} - articles)
    print(
        f"{len(questions)} questions, {len(passages)} passages from {len(articles)} articles",
        file=sys.stderr,
    )
    if missing:
        print(f"warning: {len(missing)} question articles not in the corpus", file=sys.stderr)

    rows: list[PeerResult] = []
    for name in args.peers:
        start = time.perf_counter()
        rows.append(PEERS[name](questions, passages))
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)

    print(format_table(rows))
    print(f"total: {time.perf_counter() - total_start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
