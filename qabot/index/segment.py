"""A segment: an immutable set of articles with their passages, texts, postings, quotations.

Articles are stored by column (:class:`ArticleTable`) and built only when read, with each
article's day (:func:`qabot.dates.day_number`) in an array so that a question filtered by
date, or ranked by recency, reads no records; passage texts are one UTF-8 blob with
offsets; postings are an :class:`InvertedIndex`; quotations a
:class:`~qabot.index.quotes.QuoteTable`. The files a segment is stored in are
:mod:`qabot.index.store`'s business.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from qabot.dates import UNKNOWN_DAY, day_number
from qabot.errors import IndexCorruptError
from qabot.filters import Filters, fold_source
from qabot.index.postings import InvertedIndex
from qabot.index.quotes import QuoteTable
from qabot.values import Article, Passage

__all__ = [
    "ArticleRecord", "ArticleTable", "FileStamp", "Ref", "Segment", "SourceRecord", "SourceTable",
    "days_of",
]  # fmt: skip


@dataclass(frozen=True)
class SourceRecord:
    """A corpus file as last indexed: what identifies its version, and its articles."""

    relpath: str
    size: int
    mtime_ns: int
    article_ids: tuple[str, ...]
    #: Why parts of the file were skipped (bad feed rows, duplicate ids): reported again
    #: while the file stays as it is.
    problems: tuple[str, ...] = ()


_SOURCE_COLUMNS = ("relpath", "size", "mtime_ns", "articles", "problems")


class SourceTable(Sequence[SourceRecord]):
    """A segment's file records stored by column; a record is built only when asked for.

    Telling that 100,000 files are unchanged needs their stamps, not 100,000 records.
    """

    def __init__(self, columns: Mapping[str, list[Any]]) -> None:
        if len({len(columns[c]) for c in _SOURCE_COLUMNS}) != 1:
            raise ValueError("source columns differ in length")
        self.columns = {c: columns[c] for c in _SOURCE_COLUMNS}

    @classmethod
    def of(cls, records: Sequence[SourceRecord]) -> SourceTable:
        if isinstance(records, SourceTable):
            return records
        return cls({
            "relpath": [r.relpath for r in records], "size": [r.size for r in records],
            "mtime_ns": [r.mtime_ns for r in records],
            "articles": [list(r.article_ids) for r in records],
            "problems": [list(r.problems) for r in records],
        })  # fmt: skip

    def __len__(self) -> int:
        return len(self.columns["relpath"])

    @overload
    def __getitem__(self, index: int) -> SourceRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[SourceRecord]: ...
    def __getitem__(self, index: int | slice) -> SourceRecord | Sequence[SourceRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        c = self.columns
        return SourceRecord(
            c["relpath"][index], int(c["size"][index]), int(c["mtime_ns"][index]),
            tuple(c["articles"][index]), tuple(c["problems"][index]),
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article: metadata, content hash and its range of passages in a segment."""

    article: Article
    relpath: str
    digest: str
    first: int
    count: int
    #: The key of its body text (:func:`~qabot.articles.body_key`): equal bodies, one article.
    body: str = ""


_COLUMNS = (
    "id", "title", "relpath", "date", "url", "source", "digest", "first", "count", "body",
)  # fmt: skip


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
                 rec.count, rec.body),
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
                int(c["count"][index]), c["body"][index],
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


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a memory-mapped file: a change in place shows here."""

    path: Path
    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int


def days_of(records: Sequence[ArticleRecord]) -> npt.NDArray[np.int32]:
    """Each article's day number, from its date text (:data:`~qabot.dates.UNKNOWN_DAY`: none)."""
    return np.array([day_number(r.article.published) for r in records], np.int32)


def new_uid() -> str:
    """A random segment id: names start again after the folder is deleted, ids never do."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Segment:
    """An immutable set of articles with their passages and postings."""

    name: str
    index: InvertedIndex
    articles: Sequence[ArticleRecord]
    sources: Sequence[SourceRecord]
    passage_article: npt.NDArray[np.int32]
    #: Each article's day (:func:`qabot.dates.day_number`), in ``articles`` order.
    article_day: npt.NDArray[np.int32]
    passage_para: npt.NDArray[np.int32]
    text_ptr: npt.NDArray[np.int64]
    texts: Any
    size_bytes: int = 0
    #: Unique across rebuilds: a segment in memory is reused only for the same id on disk.
    uid: str = field(default_factory=new_uid)
    #: The files this segment's arrays are mapped from, as they were when checked.
    stamps: tuple[FileStamp, ...] = ()
    #: Its articles' quotations (:mod:`qabot.index.quotes`), read when first asked for.
    quotes: QuoteTable = field(default_factory=lambda: QuoteTable.of([]))
    #: Each article's near-duplicate shingles (:func:`~qabot.index.dedup.stored_shingles`):
    #: article ``n``'s are ``shingles[shingle_ptr[n]:shingle_ptr[n + 1]]``. Empty: not kept.
    shingle_ptr: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shingles: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32))

    @property
    def n_passages(self) -> int:
        return self.index.n_passages

    @cached_property
    def _numbers(self) -> dict[str, int]:
        articles = self.articles
        ids = (
            articles.ids if isinstance(articles, ArticleTable) else [r.article.id for r in articles]
        )
        return {article_id: n for n, article_id in enumerate(ids)}

    @cached_property
    def in_id_order(self) -> bool:
        """Whether articles are stored by id with their passages in turn (as every segment
        qabot writes is): then passage numbers order passages by article id and position."""
        articles = self.articles
        if isinstance(articles, ArticleTable):
            ids, c = articles.ids, articles.columns
            first, count = np.asarray(c["first"], np.int64), np.asarray(c["count"], np.int64)
        else:
            ids = [r.article.id for r in articles]
            first = np.array([r.first for r in articles], np.int64)
            count = np.array([r.count for r in articles], np.int64)
        return all(a < b for a, b in pairwise(ids)) and bool(
            np.array_equal(first[1:], (first + count)[:-1]) and (not first.size or first[0] == 0)
        )

    def article_number(self, article_id: str) -> int | None:
        """Position of an article in ``articles`` (kept with the segment, which never changes)."""
        return self._numbers.get(article_id)

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

    def length_of(self, record: ArticleRecord) -> int:
        """An article's length in index terms: the sum of its passages' lengths."""
        return self._length(record.first, record.count)

    def _length(self, first: int, count: int) -> int:
        ends = self._length_ends
        return int(ends[first + count] - ends[first])

    @cached_property
    def _length_ends(self) -> npt.NDArray[np.int64]:
        """Passage lengths summed up to each passage: an article's length in two reads."""
        ends = np.zeros(self.n_passages + 1, np.int64)
        np.cumsum(self.index.doc_len, out=ends[1:])
        return ends

    def locate(self, passage: int) -> tuple[str, int, int]:
        """(article id, first passage, length in index terms) of the article holding
        ``passage``, without building its record; checked as :meth:`record_of` is."""
        number = int(self.passage_article[passage])
        articles = self.articles
        if isinstance(articles, ArticleTable):
            c = articles.columns
            if 0 <= number < len(c["id"]):
                first, count = int(c["first"][number]), int(c["count"][number])
                if first <= passage < first + count:
                    return c["id"][number], first, self._length(first, count)
        else:
            record = self.record_of(passage)
            return record.article.id, record.first, self._length(record.first, record.count)
        raise self._corrupt(passage)

    @cached_property
    def _source_codes(self) -> tuple[npt.NDArray[np.int32], dict[str, int]]:
        """Each article's source as a number, and the numbers of the (case-folded) names."""
        articles = self.articles
        names = (
            articles.columns["source"]
            if isinstance(articles, ArticleTable)
            else [r.article.source for r in articles]
        )
        codes: dict[str, int] = {}
        numbers = [codes.setdefault(fold_source(n), len(codes)) if n else -1 for n in names]
        return np.array(numbers, np.int32), codes

    def allowed_articles(self, filters: Filters) -> npt.NDArray[np.bool_]:
        """Per article: whether ``filters`` let it answer."""
        keep = np.ones(len(self.article_day), bool)
        if filters.sources:
            numbers, codes = self._source_codes
            wanted = [codes[name] for name in filters.sources if name in codes]
            keep &= np.isin(numbers, wanted)
        if filters.dated:
            days = self.article_day
            keep &= days != UNKNOWN_DAY
            if filters.since is not None:
                keep &= days >= filters.since.toordinal()
            if filters.until is not None:
                keep &= days <= filters.until.toordinal()
        return keep

    def passage_text(self, passage: int) -> str:
        lo, hi = int(self.text_ptr[passage]), int(self.text_ptr[passage + 1])
        return bytes(self.texts[lo:hi]).decode("utf-8")

    def stored_shingles(self, number: int) -> npt.NDArray[np.uint32] | None:
        """Article ``number``'s stored shingles, or ``None`` when the segment keeps none."""
        ptr = self.shingle_ptr
        if ptr.shape[0] != len(self.articles) + 1:
            return None
        return self.shingles[int(ptr[number]) : int(ptr[number + 1])]

    def passage_texts(self, first: int, count: int, max_chars: int | None = None) -> list[str]:
        """The texts of passages ``first`` … ``first + count - 1``; with ``max_chars``, only
        those needed for their newline-joined text to reach that many characters."""
        ends = self.text_ptr[first : first + count + 1].tolist()
        texts: list[str] = []
        length = 0
        for lo, hi in pairwise(ends):
            if max_chars is not None and length >= max_chars:
                break
            texts.append(bytes(self.texts[lo:hi]).decode("utf-8"))
            length += len(texts[-1]) + 1
        return texts

    def record_of(self, passage: int) -> ArticleRecord:
        """The article holding ``passage``; checked, as the mapped file may have changed."""
        number = int(self.passage_article[passage])
        if 0 <= number < len(self.articles):
            record = self.articles[number]
            if record.first <= passage < record.first + record.count:
                return record
        raise self._corrupt(passage)

    def _corrupt(self, passage: int) -> IndexCorruptError:
        return IndexCorruptError(
            f"passage {passage} of segment {self.name} names no article of its own: "
            "the index files changed on disk; run `qabot index --rebuild`"
        )

    def passage(self, passage: int) -> Passage:
        record = self.record_of(passage)
        first, last = (int(x) for x in self.passage_para[passage])
        return Passage(
            article_id=record.article.id,
            position=passage - record.first,
            paragraphs=(first, last),
            text=self.passage_text(passage),
        )
