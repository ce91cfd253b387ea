"""One committed state of the index: segments, their deletions, and search across them.

New and changed articles go into a new small segment; the passages of removed or changed
articles are marked deleted in the segment that holds them. Statistics (passage count,
average length, document frequencies) are taken over live passages only, so scores equal
those of a single index built from scratch over the same articles; ties are broken by
article id and position, as the passage order of such an index would.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from qabot.config import BM25Settings
from qabot.index import InvertedIndex, Weights, absent_score, bm25_weights, term_scores
from qabot.values import Article, Passage, Problem

__all__ = ["ArticleRecord", "ArticleTable", "Ref", "Segment", "Snapshot", "SourceRecord"]


@dataclass(frozen=True)
class SourceRecord:
    """A corpus file as last indexed: what identifies its version, and its articles."""

    relpath: str
    size: int
    mtime_ns: int
    sha256: str
    article_ids: tuple[str, ...]
    #: Why parts of the file were skipped (bad feed rows, duplicate ids): reported again
    #: while the file stays as it is.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article: metadata, content hash and its range of passages in a segment."""

    article: Article
    relpath: str
    digest: str
    first: int
    count: int


_COLUMNS = ("id", "title", "relpath", "date", "url", "source", "digest", "first", "count")


class ArticleTable(Sequence[ArticleRecord]):
    """A segment's articles stored by column; a record is built only when asked for.

    Opening a million-passage index would otherwise build hundreds of thousands of
    records and paths before the first question.
    """

    def __init__(self, columns: Mapping[str, list[Any]], corpus: Path) -> None:
        lengths = {len(columns[c]) for c in _COLUMNS}
        if len(lengths) != 1:
            raise ValueError("article columns differ in length")
        self.columns = {c: columns[c] for c in _COLUMNS}
        self.corpus = corpus
        self._built: dict[int, ArticleRecord] = {}

    @classmethod
    def of(cls, records: Sequence[ArticleRecord], corpus: Path) -> ArticleTable:
        columns: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
        for rec in records:
            a = rec.article
            for name, value in zip(
                _COLUMNS,
                (a.id, a.title, rec.relpath, a.date, a.url, a.source, rec.digest, rec.first,
                 rec.count),
                strict=True,
            ):  # fmt: skip
                columns[name].append(value)
        return cls(columns, corpus)

    @property
    def ids(self) -> list[str]:
        return self.columns["id"]

    def __len__(self) -> int:
        return len(self.columns["id"])

    @overload
    def __getitem__(self, index: int) -> ArticleRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ArticleRecord]: ...
    def __getitem__(self, index: int | slice) -> ArticleRecord | Sequence[ArticleRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        record = self._built.get(index)
        if record is None:
            c = self.columns
            article = Article(
                id=c["id"][index], title=c["title"][index], path=self.corpus / c["relpath"][index],
                date=c["date"][index], url=c["url"][index], source=c["source"][index],
            )  # fmt: skip
            record = ArticleRecord(
                article, c["relpath"][index], c["digest"][index], int(c["first"][index]),
                int(c["count"][index]),
            )  # fmt: skip
            self._built[index] = record
        return record

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Ref:
    """A passage of a snapshot: segment number, passage number in it, and its score."""

    segment: int
    passage: int
    score: float


@dataclass
class Segment:
    """An immutable set of articles with their passages and postings."""

    name: str
    index: InvertedIndex
    articles: Sequence[ArticleRecord]
    sources: tuple[SourceRecord, ...]
    passage_article: npt.NDArray[np.int32]
    passage_para: npt.NDArray[np.int32]
    text_ptr: npt.NDArray[np.int64]
    texts: Any
    size_bytes: int = 0
    _ids: dict[str, int] | None = field(default=None, repr=False)

    @property
    def n_passages(self) -> int:
        return self.index.n_passages

    def article_number(self, article_id: str) -> int | None:
        """Position of an article in ``articles`` (kept with the segment, which never changes)."""
        if self._ids is None:
            articles = self.articles
            ids = (
                articles.ids
                if isinstance(articles, ArticleTable)
                else [rec.article.id for rec in articles]
            )
            self._ids = {article_id: n for n, article_id in enumerate(ids)}
        return self._ids.get(article_id)

    def passage_range(self, number: int) -> tuple[int, int]:
        """First passage and passage count of article ``number``."""
        articles = self.articles
        if isinstance(articles, ArticleTable):
            return int(articles.columns["first"][number]), int(articles.columns["count"][number])
        return articles[number].first, articles[number].count

    def deleted_passages(self, deleted: frozenset[str]) -> int:
        """How many passages the deleted articles held."""
        numbers = (self.article_number(a) for a in deleted)
        return sum(self.passage_range(n)[1] for n in numbers if n is not None)

    def passage_text(self, passage: int) -> str:
        lo, hi = int(self.text_ptr[passage]), int(self.text_ptr[passage + 1])
        return bytes(self.texts[lo:hi]).decode("utf-8")

    def record_of(self, passage: int) -> ArticleRecord:
        return self.articles[int(self.passage_article[passage])]

    def passage(self, passage: int) -> Passage:
        record = self.record_of(passage)
        first, last = (int(x) for x in self.passage_para[passage])
        return Passage(
            article_id=record.article.id,
            position=passage - record.first,
            paragraphs=(first, last),
            text=self.passage_text(passage),
        )


@dataclass
class Snapshot:
    """Segments with the ids of the articles deleted from each: what answers questions."""

    segments: tuple[Segment, ...]
    deleted: tuple[frozenset[str], ...]
    analyzer: dict[str, Any]
    passage_settings: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    created: datetime | None = None
    generation: int = 0
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def empty(cls, analyzer: dict[str, Any], passage_settings: dict[str, Any]) -> Snapshot:
        """A snapshot of no articles (generation 0: nothing committed)."""
        return cls((), (), analyzer, passage_settings)

    # -- what is live -------------------------------------------------------------------
    def _cached(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = make()
        return self._cache[key]

    @property
    def live(self) -> tuple[npt.NDArray[np.bool_] | None, ...]:
        """Per segment: a mask of live passages, or ``None`` when all are live."""

        def make() -> tuple[npt.NDArray[np.bool_] | None, ...]:
            masks: list[npt.NDArray[np.bool_] | None] = []
            for segment, deleted in zip(self.segments, self.deleted, strict=True):
                if not deleted:
                    masks.append(None)
                    continue
                mask = np.ones(segment.n_passages, bool)
                for article_id in deleted:
                    number = segment.article_number(article_id)
                    if number is not None:
                        first, count = segment.passage_range(number)
                        mask[first : first + count] = False
                masks.append(mask)
            return tuple(masks)

        return self._cached("live", make)  # type: ignore[no-any-return]

    @property
    def n_passages(self) -> int:
        def make() -> int:
            return sum(
                s.n_passages if m is None else int(m.sum())
                for s, m in zip(self.segments, self.live, strict=True)
            )

        return self._cached("n_passages", make)  # type: ignore[no-any-return]

    @property
    def total_length(self) -> int:
        def make() -> int:
            total = 0
            for segment, mask in zip(self.segments, self.live, strict=True):
                lengths = segment.index.doc_len
                total += int(
                    lengths.sum(dtype=np.int64)
                    if mask is None
                    else lengths[mask].sum(dtype=np.int64)
                )
            return total

        return self._cached("total_length", make)  # type: ignore[no-any-return]

    @property
    def n_articles(self) -> int:
        """Live articles, counted without building their records."""
        return sum(
            len(segment.articles) - sum(1 for a in deleted if segment.article_number(a) is not None)
            for segment, deleted in zip(self.segments, self.deleted, strict=True)
        )

    @property
    def articles(self) -> Sequence[tuple[int, ArticleRecord]]:
        """Live articles as (segment number, record), ordered by id; records built lazily."""
        return _LiveArticles(self.segments, self._article_order())

    def _article_order(self) -> list[tuple[str, int, int]]:
        """(id, segment number, article number) of every live article, by id."""

        def make() -> list[tuple[str, int, int]]:
            order = []
            for n, (segment, deleted) in enumerate(zip(self.segments, self.deleted, strict=True)):
                articles = segment.articles
                ids = (
                    articles.ids
                    if isinstance(articles, ArticleTable)
                    else [rec.article.id for rec in articles]
                )
                order += [(a, n, i) for i, a in enumerate(ids) if a not in deleted]
            order.sort()
            return order

        return self._cached("article_order", make)  # type: ignore[no-any-return]

    def find_article(self, article_id: str) -> tuple[int, ArticleRecord] | None:
        """The live article with this id, as (segment number, record)."""
        for number in range(len(self.segments) - 1, -1, -1):
            segment = self.segments[number]
            index = segment.article_number(article_id)
            if index is not None and article_id not in self.deleted[number]:
                return number, segment.articles[index]
        return None

    @property
    def sources(self) -> dict[str, SourceRecord]:
        """The record of every indexed file, by path relative to the corpus.

        Later segments hold newer records; a removed file's newest record is a tombstone
        (negative size), so it has none.
        """

        def make() -> dict[str, SourceRecord]:
            found: dict[str, SourceRecord] = {}
            for segment in self.segments:
                for record in segment.sources:
                    found[record.relpath] = record
            return {path: rec for path, rec in sorted(found.items()) if rec.size >= 0}

        return self._cached("sources", make)  # type: ignore[no-any-return]

    def document_frequency(self, term: str) -> int:
        """Live passages holding ``term``."""
        total = 0
        for segment, mask in zip(self.segments, self.live, strict=True):
            found = segment.index.postings(term)
            if found is not None:
                total += found[0].size if mask is None else int(mask[found[0]].sum())
        return total

    def _all_df(self) -> Mapping[str, int]:
        def make() -> dict[str, int]:
            df: dict[str, int] = {}
            for segment, mask in zip(self.segments, self.live, strict=True):
                index = segment.index
                counts = index.document_frequencies()
                if mask is not None:
                    dead = ~mask
                    for p in np.flatnonzero(dead).tolist():
                        lo, hi = int(index.fwd_ptr[p]), int(index.fwd_ptr[p + 1])
                        counts[np.asarray(index.fwd_term[lo:hi])] -= 1
                for term, count in zip(index.vocab, counts.tolist(), strict=True):
                    if count:
                        df[term] = df.get(term, 0) + count
            return df

        return self._cached("all_df", make)  # type: ignore[no-any-return]

    def weights(self, terms: Sequence[str], settings: BM25Settings) -> Weights:
        df = {t: self.document_frequency(t) for t in dict.fromkeys(terms)}
        return bm25_weights(settings, self.n_passages, self.total_length, df, self._all_df)

    # -- search -------------------------------------------------------------------------
    def search(self, terms: Sequence[str], k: int, settings: BM25Settings) -> list[Ref]:
        """The ``k`` best live passages holding at least one of ``terms``, best first.

        Scores equal rank-bm25's ``get_scores(terms)`` over the live passages (within
        1e-12: contributions are summed rarest term first); ties go to the lower article
        id, then the earlier passage.

        Exact top-k with MaxScore pruning: terms are scored rarest first; once the
        remaining terms together could not lift a passage that has none of the earlier
        ones up to the current k-th best score, they only update the passages already
        found, by binary search in their postings, instead of scanning them whole.
        """
        if k <= 0 or not terms or self.n_passages == 0:
            return []
        weights = self.weights(terms, settings)
        times = Counter(terms)
        absent = {t: absent_score(weights, weights.idf[t]) for t in times}
        constant = sum(absent[t] * n for t, n in times.items())
        postings = self._live_postings(times)
        order = sorted(
            (t for t in times if any(t in p for p in postings)),
            key=lambda t: sum(p[t][0].size for p in postings if t in p),
        )
        if not order:
            return []
        bounds = [self._upper_bound(t, times[t], absent[t], weights) for t in order]
        prunable = all(weights.idf[t] >= 0 for t in order)
        scratch = [segment.index.scratch() for segment in self.segments]
        found: list[list[npt.NDArray[Any]]] = [[] for _ in self.segments]
        complete: list[npt.NDArray[Any]] | None = None  # candidates, once no longer growing
        try:
            for position, term in enumerate(order):
                if (
                    complete is None
                    and prunable
                    and position
                    and sum(bounds[position:]) < self._kth(found, scratch, k)
                ):
                    complete = [_join(parts) for parts in found]
                for number, segment in enumerate(self.segments):
                    if term not in postings[number]:
                        continue
                    docs, tfs = postings[number][term]
                    buffer, seen = scratch[number]
                    if complete is None:
                        new = docs[~seen[docs]]
                        seen[new] = True
                        found[number].append(new)
                    else:
                        docs, tfs = _lookup(docs, tfs, complete[number])
                    norm = segment.index.length_norm(weights)[docs]
                    gain = term_scores(weights, weights.idf[term], tfs, norm)
                    if absent[term]:
                        gain = gain - absent[term]
                    buffer[docs] += times[term] * gain if times[term] > 1 else gain
            candidates = complete or [_join(parts) for parts in found]
            seg_parts, doc_parts, value_parts = [], [], []
            for number, docs in enumerate(candidates):
                if docs.size:
                    seg_parts.append(np.full(docs.size, number, np.int32))
                    doc_parts.append(docs)
                    value_parts.append(scratch[number][0][docs] + constant)
        finally:
            for (buffer, seen), parts in zip(scratch, found, strict=True):
                for docs in parts:
                    buffer[docs] = 0.0
                    seen[docs] = False
        if not doc_parts:
            return []
        return self._top(
            np.concatenate(seg_parts), np.concatenate(doc_parts), np.concatenate(value_parts), k
        )

    def _live_postings(
        self, terms: Mapping[str, int]
    ) -> list[dict[str, tuple[npt.NDArray[Any], npt.NDArray[Any]]]]:
        """Per segment: each term's live passages and frequencies."""
        out = []
        for segment, mask in zip(self.segments, self.live, strict=True):
            here = {}
            for term in terms:
                found = segment.index.postings(term)
                if found is not None and found[0].size:
                    docs, tfs = found
                    if mask is not None:
                        keep = mask[docs]
                        docs, tfs = docs[keep], tfs[keep]
                    if docs.size:
                        here[term] = (docs, tfs)
            out.append(here)
        return out

    def _upper_bound(self, term: str, times: int, absent: float, weights: Weights) -> float:
        """The most ``term`` can add to any passage's score (beyond its absent value)."""
        best = 0.0
        for segment in self.segments:
            index = segment.index
            tf = index.max_tf(term)
            if tf:
                norm = np.array([index.min_length_norm(weights)])
                gain = term_scores(weights, weights.idf[term], np.array([tf]), norm)[0]
                best = max(best, float(gain) - absent)
        # A little headroom so rounding can never prune a passage that belongs in the top k.
        return times * best * (1 + 1e-9) + 1e-12

    @staticmethod
    def _kth(
        found: list[list[npt.NDArray[Any]]],
        scratch: list[tuple[npt.NDArray[np.float64], Any]],
        k: int,
    ) -> float:
        """The k-th best partial score so far (-inf while fewer than k passages are found)."""
        values = [scratch[n][0][docs] for n, parts in enumerate(found) for docs in parts]
        joined = np.concatenate(values) if values else np.empty(0)
        if joined.size < k:
            return -np.inf
        return float(np.partition(joined, joined.size - k)[joined.size - k])

    def _top(
        self,
        segs: npt.NDArray[Any],
        docs: npt.NDArray[Any],
        values: npt.NDArray[np.float64],
        k: int,
    ) -> list[Ref]:
        if values.size > k:
            top = np.argpartition(-values, k - 1)[:k]
            # Everything tied with the k-th score competes on article id and position.
            top = np.union1d(top, np.flatnonzero(values == values[top].min()))
        else:
            top = np.arange(values.size)
        ranked = sorted(
            top.tolist(),
            key=lambda i: (-values[i], self._order_key(int(segs[i]), int(docs[i]))),
        )
        return [Ref(int(segs[i]), int(docs[i]), float(values[i])) for i in ranked[:k]]

    def _order_key(self, segment: int, passage: int) -> tuple[str, int]:
        record = self.segments[segment].record_of(passage)
        return (record.article.id, passage - record.first)

    # -- reading passages ---------------------------------------------------------------
    def passage(self, ref: Ref) -> Passage:
        return self.segments[ref.segment].passage(ref.passage)

    def article_of(self, ref: Ref) -> Article:
        return self.segments[ref.segment].record_of(ref.passage).article

    def term_counts(self, ref: Ref, terms: Collection[str]) -> dict[str, int]:
        """How often each of ``terms`` occurs in the passage (absent ones left out)."""
        return self.segments[ref.segment].index.term_counts(ref.passage, terms)

    def passage_texts(self) -> list[str]:
        """Every live passage's text (for measurements)."""
        texts = []
        for segment, mask in zip(self.segments, self.live, strict=True):
            for p in range(segment.n_passages):
                if mask is None or mask[p]:
                    texts.append(segment.passage_text(p))
        return texts

    @property
    def n_terms(self) -> int:
        return len(self._all_df())

    @property
    def size_bytes(self) -> int:
        return sum(s.size_bytes for s in self.segments)


def _join(parts: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """Candidate passages found so far, ascending (each part holds distinct passages)."""
    if not parts:
        return np.empty(0, np.int32)
    return np.sort(np.concatenate(parts) if len(parts) > 1 else parts[0])


def _lookup(
    docs: npt.NDArray[Any], tfs: npt.NDArray[Any], candidates: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The candidates that hold the term (``docs`` ascending), and its frequency in each."""
    if not candidates.size:
        return candidates, candidates
    at = np.minimum(np.searchsorted(docs, candidates), docs.size - 1)
    hit = docs[at] == candidates
    return candidates[hit], tfs[at[hit]]


class _LiveArticles(Sequence[tuple[int, ArticleRecord]]):
    """The live articles in id order, building each record only when it is read."""

    def __init__(self, segments: Sequence[Segment], order: list[tuple[str, int, int]]) -> None:
        self._segments, self._order = segments, order

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> tuple[int, ArticleRecord]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[int, ArticleRecord]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> tuple[int, ArticleRecord] | Sequence[tuple[int, ArticleRecord]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        _, segment, number = self._order[index]
        return segment, self._segments[segment].articles[number]
