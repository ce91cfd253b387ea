"""One committed state of the index: segments, their deletions, live statistics.

New and changed articles go into a new small segment; the passages of removed or changed
articles are marked deleted in the segment that holds them. Statistics (passage count,
average length, document frequencies) are taken over live passages only, so scores equal
those of a single index built from scratch over the same articles; ties are broken by
recency, then article id and position, as the passage order of such an index would.

A search restricted by :class:`~qabot.filters.Filters` (dates, sources) looks only at the
passages of the articles they allow, while its statistics stay those of every live passage:
a filter changes which passages compete, never how a passage scores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from qabot.config import BM25Settings
from qabot.filters import Filters
from qabot.index.bm25 import Weights, bm25_weights, rarity
from qabot.index.search import Match, search
from qabot.index.segment import (
    ArticleRecord,
    ArticleTable,
    Ref,
    Segment,
    SourceRecord,
    SourceTable,
)
from qabot.values import Article, Passage, Problem, Quotation

__all__ = ["Duplicate", "DuplicatesFile", "Snapshot", "TermStats"]


@dataclass(frozen=True)
class Duplicate:
    """An article whose body text is that of an indexed article: recorded, not indexed again."""

    article: Article
    relpath: str
    #: Its content hash, as an indexed article's: tells whether it changed.
    digest: str
    #: Its body key (:func:`~qabot.articles.body_key`), shared with the article kept.
    body: str
    #: The id of the indexed article with the same body.
    of: str


@dataclass(frozen=True)
class DuplicatesFile:
    """Where a committed snapshot's duplicate records are kept: a file of the index folder
    (written once, shared by the snapshots that have the same duplicates) and its checksum."""

    name: str
    xxh3: str


@dataclass(frozen=True)
class TermStats:
    """Live statistics of some terms: what weighing a question and scoring it need."""

    n_passages: int
    total_length: int
    #: Live passages holding each term.
    df: Mapping[str, int]

    def rarity(self, term: str) -> float:
        """How much finding ``term`` says (:func:`~qabot.index.bm25.rarity`)."""
        return rarity(self.n_passages, self.df.get(term, 0))

    def rarity_of(self, df: int) -> float:
        """The rarity of a term found in ``df`` live passages."""
        return rarity(self.n_passages, df)

    def weights(
        self,
        terms: Sequence[str],
        settings: BM25Settings,
        all_df: Callable[[], Mapping[str, int]],
    ) -> Weights:
        """rank-bm25's weights of ``terms`` with these statistics; ``all_df`` gives every
        term's live document frequency when asked (Okapi's IDF floor needs them all)."""
        df = {t: self.df[t] for t in dict.fromkeys(terms)}
        return bm25_weights(settings, self.n_passages, self.total_length, df, all_df)


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
    #: Articles not indexed because an indexed one has the same body text, by id.
    duplicates: tuple[Duplicate, ...] = ()
    #: The file ``duplicates`` were read from (``None``: there are none, or not committed).
    duplicates_file: DuplicatesFile | None = None
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

    def allowed(self, filters: Filters | None) -> tuple[npt.NDArray[np.bool_] | None, ...]:
        """Per segment: a mask of the live passages whose articles ``filters`` allow, or
        ``None`` when every passage of the segment may answer."""
        if not filters:
            return self.live
        masks = []
        for segment, live in zip(self.segments, self.live, strict=True):
            keep = segment.allowed_articles(filters)[segment.passage_article]
            masks.append(keep if live is None else keep & live)
        return tuple(masks)

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
    def duplicate_of(self) -> Mapping[str, Duplicate]:
        """The recorded duplicates by id."""
        return self._cached("duplicate_of", lambda: {d.article.id: d for d in self.duplicates})  # type: ignore[no-any-return]

    @property
    def body_index(self) -> Mapping[str, str]:
        """The live indexed article holding each body key."""

        def make() -> dict[str, str]:
            found: dict[str, str] = {}
            for segment, deleted in zip(self.segments, self.deleted, strict=True):
                found.update((body, aid) for aid, body in _bodies(segment, deleted))
            return found

        return self._cached("body_index", make)  # type: ignore[no-any-return]

    def carry_over(self, previous: Snapshot) -> None:
        """Take over the body index ``previous`` (the snapshot this one was committed on)
        worked out, changed where articles went or came, instead of reading every article
        of the corpus again on the next update; it equals the one read from scratch."""
        if "body_index" in self._cache or (old := previous._cache.get("body_index")) is None:
            return
        carried = _carried_bodies(old, previous, self)
        if carried is not None and len(carried) == self.n_articles:
            with self._lock:
                self._cache.setdefault("body_index", carried)

    def quotations(
        self, speaker: Collection[str], filters: Filters | None = None
    ) -> list[Quotation]:
        """The live quotations whose speaker is named by every word of ``speaker``
        (case-folded, as :func:`~qabot.index.quotes.speaker_words` gives them), of the
        articles ``filters`` allow, in index order."""
        if not speaker:
            return []
        out = []
        for segment, deleted in zip(self.segments, self.deleted, strict=True):
            rows = segment.quotes.by_speaker(speaker)
            if not rows:
                continue
            allowed = segment.allowed_articles(filters) if filters else None
            numbers = segment.quotes.article
            articles: dict[int, Article | None] = {}  # an article's quotations come together
            for row in rows:
                number = int(numbers[row])
                if number not in articles:
                    found = segment.articles[number].article
                    live = found.id not in deleted and (allowed is None or allowed[number])
                    articles[number] = found if live else None
                if (article := articles[number]) is not None:
                    out.append(segment.quotes.quotation(row, article))
        return out

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One live passage of an article by position, or ``None`` if there is no such one."""
        found = self.find_article(article_id)
        if found is None or not 0 <= position < found[1].count:
            return None
        return self.segments[found[0]].passage(found[1].first + position)

    def article_body(self, article_id: str, max_chars: int | None = None) -> str:
        """The text of a live article's passages, joined ("" for no such article); with
        ``max_chars``, only the passages needed to reach that many characters."""
        return "\n".join(self.article_passages(article_id, max_chars))

    def article_passages(self, article_id: str, max_chars: int | None = None) -> list[str]:
        """The texts of a live article's passages (none for no such article), those of
        :meth:`article_body`."""
        for number in range(len(self.segments) - 1, -1, -1):
            segment = self.segments[number]
            index = segment.article_number(article_id)
            if index is not None and article_id not in self.deleted[number]:
                return segment.passage_texts(*segment.passage_range(index), max_chars)
        return []

    def article_shingles(self, article_id: str) -> npt.NDArray[np.uint32] | None:
        """A live article's stored near-duplicate shingles; ``None`` when there is no such
        article or its segment keeps none."""
        for number in range(len(self.segments) - 1, -1, -1):
            segment = self.segments[number]
            index = segment.article_number(article_id)
            if index is not None and article_id not in self.deleted[number]:
                return segment.stored_shingles(index)
        return None

    @property
    def sources(self) -> dict[str, SourceRecord]:
        """The record of every indexed file, by path relative to the corpus (in no order).

        Later segments hold newer records; a removed file's newest record is a tombstone
        (negative size), so it has none.
        """

        def make() -> dict[str, SourceRecord]:
            found: dict[str, SourceRecord] = {}
            for segment in self.segments:
                for record in segment.sources:
                    found[record.relpath] = record
            return {path: rec for path, rec in found.items() if rec.size >= 0}

        return self._cached("sources", make)  # type: ignore[no-any-return]

    @property
    def source_stamps(self) -> Mapping[str, tuple[int, int]]:
        """(size, modification time in ns) of every indexed file, by relative path."""

        def make() -> dict[str, tuple[int, int]]:
            found: dict[str, tuple[int, int]] = {}
            for segment in self.segments:
                c = SourceTable.of(segment.sources).columns
                stamps = zip(c["size"], c["mtime_ns"], strict=True)
                found.update(zip(c["relpath"], stamps, strict=True))
            return {path: stamp for path, stamp in found.items() if stamp[0] >= 0}

        return self._cached("source_stamps", make)  # type: ignore[no-any-return]

    def _source_rows(self) -> list[dict[str, int]]:
        def make() -> list[dict[str, int]]:
            return [
                {path: row for row, path in enumerate(SourceTable.of(s.sources).columns["relpath"])}
                for s in self.segments
            ]

        return self._cached("source_rows", make)  # type: ignore[no-any-return]

    def source_segments(self, relpath: str) -> list[int]:
        """The segments holding a record of a file (its tombstone included), oldest first."""
        return [n for n, rows in enumerate(self._source_rows()) if relpath in rows]

    def source(self, relpath: str) -> SourceRecord | None:
        """The record of one indexed file (``None``: not indexed, or removed)."""
        rows = self._source_rows()
        for number in range(len(self.segments) - 1, -1, -1):
            row = rows[number].get(relpath)
            if row is not None:
                record = self.segments[number].sources[row]
                return record if record.size >= 0 else None
        return None

    @property
    def sources_with_problems(self) -> Sequence[SourceRecord]:
        """The records of indexed files that were partly skipped, by path."""

        def make() -> list[SourceRecord]:
            flagged = []
            for segment in self.segments:
                c = SourceTable.of(segment.sources).columns
                flagged += [p for p, bad in zip(c["relpath"], c["problems"], strict=True) if bad]
            records = (self.source(path) for path in sorted(set(flagged)))
            return [r for r in records if r is not None and r.problems]

        return self._cached("sources_with_problems", make)  # type: ignore[no-any-return]

    @property
    def live_ids(self) -> Sequence[str]:
        """The ids of every article in the corpus when committed (indexed, and duplicates),
        sorted."""

        def make() -> list[str]:
            ids = [d.article.id for d in self.duplicates]
            for segment, deleted in zip(self.segments, self.deleted, strict=True):
                articles = segment.articles
                every = (
                    articles.ids
                    if isinstance(articles, ArticleTable)
                    else [r.article.id for r in articles]
                )
                ids += [a for a in every if a not in deleted] if deleted else every
            # Each segment's ids are sorted already: the sort merges runs, in linear time.
            ids.sort()
            return ids

        return self._cached("live_ids", make)  # type: ignore[no-any-return]

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
            # In term order: Okapi's IDF floor sums over this table, and a sum in a fixed
            # order is the same however the terms are split into segments or shards.
            return dict(sorted(df.items()))

        return self._cached("all_df", make)  # type: ignore[no-any-return]

    def document_frequencies(self) -> Mapping[str, int]:
        """Every term's live document frequency (computed once per snapshot)."""
        return self._all_df()

    def statistics(self, terms: Iterable[str]) -> TermStats:
        """The live statistics of ``terms``: each term's document frequency, taken once."""
        df = {t: self.document_frequency(t) for t in dict.fromkeys(terms)}
        return TermStats(self.n_passages, self.total_length, df)

    def weights(
        self, terms: Sequence[str], settings: BM25Settings, stats: TermStats | None = None
    ) -> Weights:
        """rank-bm25's weights of ``terms``, from ``stats`` when the caller has them."""
        stats = stats if stats is not None else self.statistics(terms)
        return stats.weights(terms, settings, self._all_df)

    def search(
        self,
        terms: Sequence[str],
        k: int,
        settings: BM25Settings,
        stats: TermStats | None = None,
        *,
        rerank_depth: int = 0,
        article_weight: float = 0.0,
        filters: Filters | None = None,
    ) -> list[Match]:
        """The ``k`` best live passages for ``terms``: see :func:`qabot.index.search.search`."""
        return search(
            self, terms, k, settings, stats,
            rerank_depth=rerank_depth, article_weight=article_weight, filters=filters,
        )  # fmt: skip

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


def _bodies(segment: Segment, deleted: Collection[str]) -> Iterable[tuple[str, str]]:
    """(id, body key) of the articles of ``segment`` not in ``deleted``."""
    articles = segment.articles
    pairs: Iterable[tuple[str, str]] = (
        zip(articles.ids, articles.columns["body"], strict=True)
        if isinstance(articles, ArticleTable)
        else ((r.article.id, r.body) for r in articles)
    )
    return ((aid, body) for aid, body in pairs if aid not in deleted)


def _body_of(segment: Segment, number: int) -> str:
    articles = segment.articles
    if isinstance(articles, ArticleTable):
        return str(articles.columns["body"][number])
    return articles[number].body


def _carried_bodies(
    old: Mapping[str, str], previous: Snapshot, now: Snapshot
) -> dict[str, str] | None:
    """``now``'s body index from ``previous``'s (``old``): the articles of segments dropped
    or newly deleted taken out, those of new segments put in. ``None`` when it cannot be
    carried: a body held by two live articles, where which one wins depends on order."""
    if len(old) != previous.n_articles:
        return None
    kept = {s.uid: d for s, d in zip(now.segments, now.deleted, strict=True)}
    found = dict(old)
    for segment, deleted in zip(previous.segments, previous.deleted, strict=True):
        if segment.uid not in kept:  # merged into a new segment, or every article gone
            gone = _bodies(segment, deleted)
        elif kept[segment.uid] == deleted:
            continue
        elif not deleted <= kept[segment.uid]:  # pragma: no cover - deletions only grow
            return None
        else:
            numbers = ((aid, segment.article_number(aid)) for aid in kept[segment.uid] - deleted)
            gone = ((aid, _body_of(segment, n)) for aid, n in numbers if n is not None)
        for aid, body in gone:
            if found.get(body) == aid:
                del found[body]
    before = {s.uid for s in previous.segments}
    for segment, deleted in zip(now.segments, now.deleted, strict=True):
        if segment.uid in before:
            continue
        for aid, body in _bodies(segment, deleted):
            if found.setdefault(body, aid) != aid:
                return None
    return found


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
