"""Corpus → index update: scan the files, re-analyse only what changed, plan the segments.

An article is re-analysed only when its content hash changed. New and changed articles
form a new segment; the passages of changed and removed articles are marked deleted where
they are. When segments pile up or fill with deleted passages, they are merged by copying
their live passages' stored counts, never by re-analysing. Analysis of many articles runs
in worker processes, one per core.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Collection, Iterable, Sequence, Set
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from qabot.analysis import Analyzer
from qabot.answering.quotes import extract_quotes, worth_keeping
from qabot.articles import (
    ArticleText,
    SourceFile,
    body_key,
    parse_file,
    read_source,
    rescan_stamps,
    scan_stamps,
)
from qabot.config import AnalyzerSettings, PassageSettings
from qabot.errors import ArticleError
from qabot.index.dedup import MAX_CHARS, hashed_shingles, stored_shingles
from qabot.index.postings import Block, InvertedIndex, Kept
from qabot.index.quotes import QuoteTableBuilder
from qabot.index.segment import ArticleRecord, Segment, SourceRecord, days_of
from qabot.index.snapshot import Duplicate, Snapshot
from qabot.passages import split_article
from qabot.values import Article, Passage, Problem, ReindexReport
from qabot.workers import worker_context

__all__ = ["Plan", "Progress", "plan_update"]

log = logging.getLogger(__name__)

#: Called as ``progress(articles_done, articles_total)`` while articles are analysed.
Progress = Callable[[int, int], None]

#: More segments than this are merged into one (all but the largest, when it is clean).
MAX_SEGMENTS = 8
#: A segment with more than this share of deleted passages is rewritten.
MAX_DELETED_SHARE = 0.25
#: Fewer articles than this are analysed in this process; more go to worker processes.
PARALLEL_MIN_ARTICLES = 2000
_CHUNK_ARTICLES = 200
#: Articles whose shingles are hashed together (one sort orders up to 64).
_SHINGLE_BATCH = 64


@dataclass(frozen=True)
class _Analysed:
    """Passages analysed together (one worker's chunk): their postings, paragraphs, texts,
    and each article's quotations (rows of :data:`~qabot.index.quotes.QUOTE_COLUMNS`
    without the article number)."""

    index: InvertedIndex
    passage_para: npt.NDArray[np.int32]
    text_ptr: npt.NDArray[np.int64]
    texts: bytes
    quotes: tuple[tuple[tuple[Any, ...], ...], ...] = ()
    #: Each article's first passage, and its stored shingles (as a segment keeps them).
    article_first: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shingle_ptr: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shingles: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32))


@dataclass
class _Fresh:
    """An article analysed in this run; ``first``/``count`` locate its passages in ``analysed``."""

    text: ArticleText
    relpath: str
    digest: str
    body: str
    analysed: _Analysed | None = None
    first: int = 0
    count: int = 0
    #: Its quotations, as stored rows without the article number.
    quotes: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True)
class _Kept:
    """An article whose stored passages are kept where they are."""

    segment: int
    record: ArticleRecord


@dataclass
class Plan:
    """The segments of the next snapshot, which of them are new, and what changed."""

    segments: list[Segment]
    deleted: list[frozenset[str]]
    new: list[Segment]
    report: ReindexReport
    problems: tuple[Problem, ...]
    #: Articles not indexed because an indexed one has the same body text.
    duplicates: tuple[Duplicate, ...] = ()


def plan_update(
    corpus: Path,
    index_dir: Path,
    analyzer: Analyzer,
    passage_settings: PassageSettings,
    old: Snapshot | None,
    new_name: Callable[[], str],
    progress: Progress | None = None,
    owns: Callable[[str], bool] | None = None,
    paths: Collection[str] | None = None,
) -> Plan:
    """What the index must become for the corpus as it is now (``old=None``: from scratch).

    Work grows with the number of files and of changed articles, not with the number of
    articles: an unchanged file's articles are not even listed. Articles with the same body
    text are indexed once (:func:`_fold`). With ``owns``, only the articles whose body key
    (:func:`~qabot.articles.body_key`) it accepts are indexed (one shard of a cluster).

    ``paths`` (relative paths of the files and folders a watcher saw change) limits the
    look at the corpus to them; everything else is taken to be as ``old`` recorded it.
    """
    if paths is None or old is None:
        stamps, problems = scan_stamps(corpus, skip=index_dir)
    else:
        stamps, problems = rescan_stamps(corpus, index_dir, old.source_stamps, old.problems, paths)
    old_stamps = old.source_stamps if old else {}
    old_dups = old.duplicate_of if old else {}
    # One dict look-up per file, no object: 100,000 unchanged files cost little.
    changed_paths = sorted(p for p, stamp in stamps.items() if old_stamps.get(p) != stamp)
    removed_files = sorted(old_stamps.keys() - stamps.keys())
    unchanged_files = stamps.keys() - changed_paths
    touched_paths = [*changed_paths, *removed_files]
    touched = {a for p in touched_paths if (r := _source(old, p)) for a in r.article_ids}
    # A duplicate of an article that may go is read again: it may take that article's place.
    for path in sorted({d.relpath for d in old_dups.values() if d.of in touched}):
        record = _source(old, path)
        if path in unchanged_files and record is not None:
            unchanged_files.discard(path)
            touched.update(record.article_ids)
            changed_paths.append(path)
    changed_files = [SourceFile(corpus / p, p, *stamps[p]) for p in changed_paths]
    if old is not None:
        for record in old.sources_with_problems:
            if record.relpath in unchanged_files:
                where = corpus / record.relpath
                problems.extend(Problem(where, reason) for reason in record.problems)
    entries: dict[str, _Fresh | _Kept] = {}
    read = [
        _read(source, old, unchanged_files, entries, problems, owns) for source in changed_files
    ]
    # A removed file leaves a tombstone record, so older segments' records of it are void.
    new_sources = [r for r in read if r is not None]
    new_sources += [SourceRecord(path, -1, 0, ()) for path in removed_files]

    folded = _fold(old, entries, touched)
    fresh = [e for e in folded.entries.values() if isinstance(e, _Fresh)]
    _analyze(fresh, analyzer, passage_settings, progress)

    # Indexed articles that go: those of changed and removed files not kept, and demoted ones.
    gone = {
        aid
        for aid in touched | folded.demoted
        if old is not None
        and old.find_article(aid) is not None
        and not isinstance(folded.entries.get(aid), _Kept)
    }
    old_digest = {aid: d.digest for aid, d in old_dups.items()}
    if old is not None:
        old_digest.update(
            (aid, found[1].digest)
            for aid in touched
            if (found := old.find_article(aid)) is not None
        )
    # Every article of the last commit is claimed by one file: those of untouched files stay.
    unchanged = _without(old.live_ids, touched) if old else []
    added: list[str] = []
    changed: list[str] = []
    same: list[str] = []
    for aid in sorted(entries):
        was = old_digest.get(aid)
        entry = entries[aid]
        now = entry.record.digest if isinstance(entry, _Kept) else entry.digest
        (added if was is None else same if was == now else changed).append(aid)
    _insert_sorted(unchanged, same)
    # A look at some paths only keeps the last scan's problems, which the records repeat.
    problems = list(dict.fromkeys(problems))
    report = ReindexReport(
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(sorted(touched - set(entries))),
        unchanged=tuple(unchanged),
        problems=tuple(problems),
        rebuilt=old is None,
        duplicates=tuple((d.article.id, d.of) for d in folded.duplicates),
    )
    if old is None:
        items = [folded.entries[a] for a in sorted(folded.entries)]
        segment = _build_segment(new_name(), items, new_sources, [])
        return Plan([segment], [frozenset()], [segment], report, tuple(problems), folded.duplicates)
    return _plan_segments(old, folded, gone, new_sources, new_name, report)


def _without(ids: Sequence[str], gone: Collection[str]) -> list[str]:
    """The sorted ``ids`` without those in ``gone``, in order: cut out where binary search
    finds them (a corpus's ids are many, and an update touches few)."""
    cuts = sorted(
        at for aid in gone if (at := bisect.bisect_left(ids, aid)) < len(ids) and ids[at] == aid
    )
    out: list[str] = []
    start = 0
    for at in cuts:
        out += ids[start:at]
        start = at + 1
    out += ids[start:]
    return out


def _insert_sorted(ids: list[str], more: Sequence[str]) -> None:
    """Put the sorted ``more`` into the sorted ``ids``, in order."""
    if len(more) > 64:
        ids += more
        ids.sort()
        return
    for aid in more:
        bisect.insort(ids, aid)


@dataclass(frozen=True)
class _Folded:
    """Articles to index (one per body text), the others recorded as duplicates."""

    entries: dict[str, _Fresh | _Kept]
    duplicates: tuple[Duplicate, ...]
    #: Indexed articles that an article with the same body and more metadata replaces.
    demoted: frozenset[str]


def _rank(article: Article, aid: str) -> tuple[int, int, str]:
    """Which copy of a body text is indexed: the most metadata, then the newest, then the id."""
    metadata = sum(bool(v) for v in (article.date, article.url, article.source))
    day = article.published.toordinal() if article.published else 0
    return (-metadata, -day, aid)


def _fold(old: Snapshot | None, entries: dict[str, _Fresh | _Kept], touched: set[str]) -> _Folded:
    """Index one article per body text: the most metadata, then the newest, then the least id.

    Only the body texts of read and removed articles are looked at again. Articles of
    untouched files keep their part, except an indexed article that one read now beats.
    """
    old_dups = old.duplicate_of if old else {}
    body_index = old.body_index if old else {}
    # Members of each body text: (sort key, id, what it is).
    members: dict[
        str, list[tuple[tuple[int, int, str], str, _Fresh | _Kept | Duplicate | None]]
    ] = {}
    affected: set[str] = set()
    for aid, entry in entries.items():
        body = entry.record.body if isinstance(entry, _Kept) else entry.body
        article = entry.record.article if isinstance(entry, _Kept) else entry.text.article
        members.setdefault(body, []).append((_rank(article, aid), aid, entry))
        affected.add(body)
    for aid in touched:
        if aid in old_dups:
            affected.add(old_dups[aid].body)
        elif old is not None and (found := old.find_article(aid)) is not None:
            affected.add(found[1].body)
    for body in affected:
        kept = body_index.get(body)
        if kept is not None and kept not in touched and old is not None:
            found = old.find_article(kept)
            if found is not None:
                key = _rank(found[1].article, kept)
                members.setdefault(body, []).append((key, kept, None))
    for dup in old_dups.values():
        aid = dup.article.id
        if dup.body in affected and aid not in touched:
            members.setdefault(dup.body, []).append((_rank(dup.article, aid), aid, dup))
    chosen: dict[str, _Fresh | _Kept] = {}
    duplicates = [
        d for d in old_dups.values() if d.body not in affected and d.article.id not in touched
    ]
    demoted: set[str] = set()
    for body, group in members.items():
        group.sort(key=lambda m: m[0])
        _, winner, what = group[0]
        if isinstance(what, Duplicate):  # pragma: no cover - its file was read again
            raise RuntimeError(f"duplicate {winner} would be indexed without being read")
        if isinstance(what, (_Fresh, _Kept)):
            chosen[winner] = what
        for _, aid, other in group[1:]:
            if other is None:  # the indexed article of an untouched file
                found = old.find_article(aid) if old else None
                if found is None:  # pragma: no cover - listed from the live articles
                    raise RuntimeError(f"indexed article {aid} vanished")
                other = _Kept(*found)
            if isinstance(other, _Kept):
                demoted.add(aid)
                rec = other.record
                duplicates.append(Duplicate(rec.article, rec.relpath, rec.digest, body, winner))
            elif isinstance(other, _Fresh):
                duplicates.append(
                    Duplicate(other.text.article, other.relpath, other.digest, body, winner)
                )
            else:
                duplicates.append(replace(other, of=winner))
    duplicates.sort(key=lambda d: d.article.id)
    return _Folded(chosen, tuple(duplicates), frozenset(demoted))


def _source(old: Snapshot | None, relpath: str) -> SourceRecord | None:
    return old.source(relpath) if old else None


def _read(
    source: SourceFile,
    old: Snapshot | None,
    unchanged_files: Set[str],
    entries: dict[str, _Fresh | _Kept],
    problems: list[Problem],
    owns: Callable[[str], bool] | None = None,
) -> SourceRecord | None:
    """Parse a new or changed file; its articles go into ``entries``. ``None``: unusable.

    Articles whose body key ``owns`` rejects belong to another shard and are passed over.
    """
    try:
        data = read_source(source)
        texts, file_problems = parse_file(source.path, source.relpath, data)
    except ArticleError as exc:
        log.info("skipped %s: %s", exc.path, exc.reason)
        problems.append(Problem(exc.path, exc.reason))
        return None
    file_problems = list(file_problems)
    claimed = []
    for text in texts:
        article_id = text.article.id
        key = body_key(text)
        if owns is not None and not owns(key):
            continue
        found = old.find_article(article_id) if old else None
        dup = old.duplicate_of.get(article_id) if old else None
        # An id stays with the article that has it already: one read in this run, or one
        # in a file left as it was.
        if (
            article_id in entries
            or (found and found[1].relpath in unchanged_files)
            or (dup and dup.relpath in unchanged_files)
        ):
            file_problems.append(
                Problem(
                    source.path,
                    f"article id {article_id!r} is already used by another article; skipped",
                )
            )
            continue
        article_digest = _article_digest(text, source.relpath)
        if found is not None and found[1].digest == article_digest:
            entries[article_id] = _Kept(*found)
        else:
            entries[article_id] = _Fresh(text, source.relpath, article_digest, key)
        claimed.append(article_id)
    problems.extend(file_problems)
    return SourceRecord(
        source.relpath, source.size, source.mtime_ns, tuple(claimed),
        tuple(p.reason for p in file_problems),
    )  # fmt: skip


def _article_digest(text: ArticleText, relpath: str) -> str:
    a = text.article
    payload = [relpath, a.title, a.date, a.url, a.source, list(text.paragraphs)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


# -- analysis ---------------------------------------------------------------------------
_worker: tuple[Analyzer, PassageSettings] | None = None


def _init_worker(analyzer_settings: AnalyzerSettings, passage_settings: PassageSettings) -> None:
    global _worker
    _worker = (Analyzer(analyzer_settings), passage_settings)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # A worker must not outlive its parent (killed by SIGKILL, say): leave with it.
        sentinel = parent.sentinel
        threading.Thread(
            target=lambda: (multiprocessing.connection.wait([sentinel]), os._exit(1)),
            daemon=True,
        ).start()


def _analyze_in_worker(texts: Sequence[ArticleText]) -> tuple[list[int], _Analysed]:
    if _worker is None:  # pragma: no cover - set by the pool initializer
        raise RuntimeError("analysis worker not initialised")
    return _analyze_chunk(texts, *_worker)


def _analyze_chunk(
    texts: Sequence[ArticleText], analyzer: Analyzer, settings: PassageSettings
) -> tuple[list[int], _Analysed]:
    """Passage counts per article, and the chunk's passages as compact arrays.

    Workers send back arrays, not one string per word, so the parent process stays small.
    """
    counts: list[int] = []
    terms: list[list[str]] = []
    paragraphs: list[tuple[int, int]] = []
    encoded: list[bytes] = []
    quotes: list[tuple[tuple[Any, ...], ...]] = []
    bodies: list[str] = []
    for text in texts:
        passages = split_article(text, analyzer, settings)
        counts.append(len(passages))
        for passage in passages:
            terms.append(analyzer.terms(passage.text))
            paragraphs.append(passage.paragraphs)
            encoded.append(passage.text.encode("utf-8"))
        quotes.append(_quotation_rows(text, passages, analyzer))
        bodies.append(_body(p.text for p in passages))
    text_ptr = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=text_ptr[1:])
    article_first = np.zeros(len(counts), np.int64)
    np.cumsum(counts[:-1], out=article_first[1:])
    shingle_ptr, shingles = _shingles_of(bodies)
    analysed = _Analysed(
        index=InvertedIndex.build(terms),
        passage_para=np.array(paragraphs, np.int32).reshape(-1, 2),
        text_ptr=text_ptr,
        texts=b"".join(encoded),
        quotes=tuple(quotes),
        article_first=article_first,
        shingle_ptr=shingle_ptr,
        shingles=shingles,
    )
    return counts, analysed


def _body(passages: Iterable[str]) -> str:
    """The beginning of an article's text that near-duplicates are told by: its passages
    joined as :meth:`Snapshot.article_body <qabot.index.Snapshot.article_body>` joins them."""
    texts, length = [], 0
    for text in passages:
        if length >= MAX_CHARS:
            break
        texts.append(text)
        length += len(text) + 1
    return "\n".join(texts)


def _shingles_of(bodies: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
    """The stored shingles of articles (their ``bodies``), as a segment keeps them."""
    sets: list[npt.NDArray[np.uint32]] = []
    for at in range(0, len(bodies), _SHINGLE_BATCH):
        found = stored_shingles(hashed_shingles(bodies[at : at + _SHINGLE_BATCH]))
        sets.extend(np.asarray(s, np.uint32) for s in found)
    return _packed(sets)


def _packed(
    sets: Sequence[npt.NDArray[np.uint32]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
    ptr = np.zeros(len(sets) + 1, np.int64)
    np.cumsum([s.size for s in sets], out=ptr[1:])
    return ptr, np.concatenate(sets) if sets else np.zeros(0, np.uint32)


def _quotation_rows(
    text: ArticleText, passages: Sequence[Passage], analyzer: Analyzer
) -> tuple[tuple[Any, ...], ...]:
    """An article's quotations as stored rows, each with the passage that holds it."""
    rows = []
    for quote in extract_quotes(text.paragraphs, analyzer):
        if not worth_keeping(quote):
            continue  # a phrase inside someone's speech: the whole quotation is kept
        paragraph = text.paragraphs[quote.paragraph]
        context = paragraph[quote.sentence_start : quote.sentence_end]
        holding = [p for p in passages if p.paragraphs[0] <= quote.paragraph <= p.paragraphs[1]]
        lead = paragraph[quote.start : quote.start + 40]
        position = next(
            (p.position for p in holding if lead in p.text),
            holding[0].position if holding else 0,
        )
        rows.append((
            position, quote.paragraph, quote.kind, quote.text, context, quote.speaker,
            quote.speaker_as_written, quote.verb, " ".join(quote.roles),
        ))  # fmt: skip
    return tuple(rows)


def _analyze(
    fresh: list[_Fresh], analyzer: Analyzer, settings: PassageSettings, progress: Progress | None
) -> None:
    """Split and analyse every fresh article, in worker processes when there are many."""
    total = len(fresh)
    chunks = [fresh[i : i + _CHUNK_ARTICLES] for i in range(0, total, _CHUNK_ARTICLES)]
    jobs = [[e.text for e in chunk] for chunk in chunks]
    workers = min(os.cpu_count() or 1, 8)
    done = 0

    def take(chunk: list[_Fresh], result: tuple[list[int], _Analysed]) -> None:
        nonlocal done
        counts, analysed = result
        first = 0
        for number, (entry, count) in enumerate(zip(chunk, counts, strict=True)):
            entry.analysed, entry.first, entry.count = analysed, first, count
            entry.quotes = analysed.quotes[number] if analysed.quotes else ()
            first += count
        done += len(chunk)
        if progress:
            progress(done, total)

    # Workers start fresh ("spawn"), unless they would run the caller's script again.
    context = worker_context() if total >= PARALLEL_MIN_ARTICLES and workers >= 2 else None
    if context is None:
        for chunk, job in zip(chunks, jobs, strict=True):
            take(chunk, _analyze_chunk(job, analyzer, settings))
        return
    log.info("analysing %d articles in %d worker processes", total, workers)
    left = list(zip(chunks, jobs, strict=True))
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker,
            initargs=(analyzer.settings, settings),
        ) as pool:  # fmt: skip
            for result in pool.map(_analyze_in_worker, [job for _, job in left]):
                take(left.pop(0)[0], result)
    except BrokenProcessPool:
        # Workers cannot start when the calling script runs its work at import time
        # (no ``if __name__ == "__main__":`` guard); analyse here instead.
        log.warning(
            "analysis worker processes could not start; analysing in this process. "
            'Guard the script\'s work with `if __name__ == "__main__":` to use every core.'
        )
        for chunk, job in left:
            take(chunk, _analyze_chunk(job, analyzer, settings))


# -- segments -----------------------------------------------------------------------------
def _plan_segments(
    old: Snapshot,
    folded: _Folded,
    gone: set[str],
    new_sources: list[SourceRecord],
    new_name: Callable[[], str],
    report: ReindexReport,
) -> Plan:
    entries = folded.entries
    deleted = list(old.deleted)
    for article_id in gone:
        found = old.find_article(article_id)
        if found is not None:
            deleted[found[0]] = deleted[found[0]] | {article_id}
    dead = [seg.deleted_passages(d) for seg, d in zip(old.segments, deleted, strict=True)]
    live = [seg.n_passages - n for seg, n in zip(old.segments, dead, strict=True)]
    # A segment without live passages may still hold the record of a file: one whose
    # articles are all duplicates, or a removed file's tombstone. It stays until merged
    # (at once when it held passages: they are all deleted), its records carried over.
    keep = [n for n in range(len(old.segments)) if live[n] > 0 or _records_in_force(old, n)]
    dirty = {n for n in keep if dead[n] > MAX_DELETED_SHARE * old.segments[n].n_passages}
    merge: list[int] = []
    if len(keep) + 1 > MAX_SEGMENTS or dirty:
        largest = max(keep, key=lambda n: live[n]) if keep else None
        merge = [n for n in keep if n != largest or n in dirty]
    stay = [n for n in keep if n not in merge]
    items: list[tuple[str, _Fresh | _Kept]] = [
        (a, e) for a, e in entries.items() if isinstance(e, _Fresh)
    ]
    for n in merge:
        items += [
            (rec.article.id, _Kept(n, rec))
            for rec in old.segments[n].articles
            if rec.article.id not in deleted[n]
        ]
    items.sort(key=lambda item: item[0])
    segments = [old.segments[n] for n in stay]
    deletions = [deleted[n] for n in stay]
    new: list[Segment] = []
    if items or new_sources:
        carried = [rec for n in merge for rec in _records_in_force(old, n)]
        sources = _latest_sources(carried + new_sources)
        if not stay:  # no older segment is left for a tombstone to void
            sources = [rec for rec in sources if rec.size >= 0]
        segment = _build_segment(new_name(), [e for _, e in items], sources, old.segments)
        segments.append(segment)
        deletions.append(frozenset())
        new.append(segment)
    return Plan(segments, deletions, new, report, report.problems, folded.duplicates)


def _records_in_force(old: Snapshot, n: int) -> list[SourceRecord]:
    """The records of segment ``n`` that still say something: each the newest of its file,
    a removed file's tombstone only while an older segment holds a record it voids."""
    out = []
    for record in old.segments[n].sources:
        holders = old.source_segments(record.relpath)
        if holders[-1] == n and (record.size >= 0 or holders[0] < n):
            out.append(record)
    return out


def _latest_sources(records: list[SourceRecord]) -> list[SourceRecord]:
    latest: dict[str, SourceRecord] = {}
    for record in records:
        latest[record.relpath] = record
    return [latest[p] for p in sorted(latest)]


def _build_segment(
    name: str,
    items: Sequence[_Fresh | _Kept],
    sources: Sequence[SourceRecord],
    old_segments: Sequence[Segment],
) -> Segment:
    blocks: list[Block] = []
    records: list[ArticleRecord] = []
    article_of: list[Any] = []
    paras: list[Any] = []
    text_parts: list[bytes] = []
    text_lens: list[Any] = []
    quotes = QuoteTableBuilder()
    shingle_sets: list[npt.NDArray[np.uint32] | None] = []
    first = 0
    for number, item in enumerate(items):
        source: Segment | _Analysed
        if isinstance(item, _Kept):
            source, rec = old_segments[item.segment], item.record
            lo, count = rec.first, rec.count
            records.append(
                ArticleRecord(rec.article, rec.relpath, rec.digest, first, count, rec.body)
            )
            held = source.article_number(rec.article.id)
            if held is not None:
                quotes.keep(source.quotes, held, number)
            shingle_sets.append(source.stored_shingles(held) if held is not None else None)
        else:
            if item.analysed is None:  # pragma: no cover - _analyze fills every entry
                raise RuntimeError(f"article {item.text.article.id} was not analysed")
            source, lo, count = item.analysed, item.first, item.count
            article = item.text.article
            records.append(
                ArticleRecord(article, item.relpath, item.digest, first, count, item.body)
            )
            quotes.add(number, item.quotes)
            shingle_sets.append(_analysed_shingles(item.analysed, item.first))
        hi = lo + count
        _extend_kept(blocks, source.index, lo, hi)
        paras.append(np.asarray(source.passage_para[lo:hi], np.int32))
        t_lo, t_hi = int(source.text_ptr[lo]), int(source.text_ptr[hi])
        text_parts.append(bytes(source.texts[t_lo:t_hi]))
        text_lens.append(np.diff(source.text_ptr[lo : hi + 1]))
        article_of.append(np.full(count, number, np.int32))
        first += count
    text_ptr = np.zeros(first + 1, np.int64)
    if text_lens:
        np.cumsum(np.concatenate(text_lens), out=text_ptr[1:])
    texts = b"".join(text_parts)
    missing = [n for n, found in enumerate(shingle_sets) if found is None]
    if missing:  # kept from a segment that keeps none: hashed from the texts now
        ends = text_ptr.tolist()
        bodies = [
            _body(
                texts[ends[p] : ends[p + 1]].decode("utf-8")
                for p in range(records[n].first, records[n].first + records[n].count)
            )
            for n in missing
        ]
        hashed = _shingles_of(bodies)
        for at, n in enumerate(missing):
            shingle_sets[n] = hashed[1][hashed[0][at] : hashed[0][at + 1]]
    shingle_ptr, shingles = _packed([s for s in shingle_sets if s is not None])
    return Segment(
        name=name,
        index=InvertedIndex.assemble(blocks),
        articles=tuple(records),
        sources=tuple(sources),
        passage_article=np.concatenate(article_of) if article_of else np.empty(0, np.int32),
        article_day=days_of(records),
        passage_para=np.concatenate(paras) if paras else np.empty((0, 2), np.int32),
        text_ptr=text_ptr,
        texts=texts,
        quotes=quotes.build(),
        shingle_ptr=shingle_ptr,
        shingles=shingles,
    )


def _analysed_shingles(analysed: _Analysed, first: int) -> npt.NDArray[np.uint32] | None:
    """The stored shingles of the article whose passages start at ``first`` in a chunk."""
    ptr = analysed.shingle_ptr
    # (an article without passages shares its first with the next: the last one holds it)
    number = int(np.searchsorted(analysed.article_first, first, side="right")) - 1
    if ptr.shape[0] != analysed.article_first.shape[0] + 1 or not 0 <= number < ptr.shape[0] - 1:
        return None
    return analysed.shingles[int(ptr[number]) : int(ptr[number + 1])]


def _extend_kept(blocks: list[Block], index: InvertedIndex, start: int, stop: int) -> None:
    """Append a kept range, merged with the previous one when they touch (fewer blocks)."""
    last = blocks[-1] if blocks else None
    if isinstance(last, Kept) and last.source is index and last.stop == start:
        blocks[-1] = Kept(index, last.start, stop)
    else:
        blocks.append(Kept(index, start, stop))
