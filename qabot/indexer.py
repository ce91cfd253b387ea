"""Corpus → index update: scan the files, re-analyse only what changed, plan the segments.

An article is re-analysed only when its content hash changed. New and changed articles
form a new segment; the passages of changed and removed articles are marked deleted where
they are. When segments pile up or fill with deleted passages, they are merged by copying
their live passages' stored counts, never by re-analysing. Analysis of many articles runs
in worker processes, one per core.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qabot.analysis import Analyzer
from qabot.articles import ArticleText, SourceFile, digest, parse_file, read_source, scan_corpus
from qabot.config import AnalyzerSettings, PassageSettings
from qabot.errors import ArticleError
from qabot.index import Block, InvertedIndex, Kept
from qabot.passages import split_article
from qabot.snapshot import ArticleRecord, Segment, Snapshot, SourceRecord
from qabot.values import Passage, Problem, ReindexReport

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


@dataclass(frozen=True)
class _Fresh:
    """An article analysed in this run."""

    text: ArticleText
    relpath: str
    digest: str
    passages: list[Passage] = field(default_factory=list)
    terms: list[list[str]] = field(default_factory=list)


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


def plan_update(
    corpus: Path,
    index_dir: Path,
    analyzer: Analyzer,
    passage_settings: PassageSettings,
    old: Snapshot | None,
    new_name: Callable[[], str],
    progress: Progress | None = None,
) -> Plan:
    """What the index must become for the corpus as it is now (``old=None``: from scratch)."""
    files, problems = scan_corpus(corpus, skip=index_dir)
    old_sources = old.sources if old else {}
    entries: dict[str, _Fresh | _Kept] = {}
    new_sources: list[SourceRecord] = []
    for source in files:
        record = old_sources.get(source.relpath)
        if old and record and (record.size, record.mtime_ns) == (source.size, source.mtime_ns):
            kept = [old.find_article(aid) for aid in record.article_ids]
            if all(k is not None for k in kept):
                for seg, rec in kept:  # type: ignore[misc]
                    _claim(entries, _Kept(seg, rec), rec.article.id, rec.article.path, problems)
                continue
        try:
            new_sources.append(_read(source, old, entries, problems))
        except ArticleError as exc:
            log.info("skipped %s: %s", exc.path, exc.reason)
            problems.append(Problem(exc.path, exc.reason))

    fresh = [e for e in entries.values() if isinstance(e, _Fresh)]
    _analyze(fresh, analyzer, passage_settings, progress)
    report = _report(old, entries, problems)
    if old is None:
        segment = _build_segment(new_name(), [entries[a] for a in sorted(entries)], new_sources, [])
        return Plan([segment], [frozenset()], [segment], report, tuple(problems))
    return _plan_segments(old, entries, new_sources, new_name, report, tuple(problems))


def _claim(
    entries: dict[str, _Fresh | _Kept],
    entry: _Fresh | _Kept,
    article_id: str,
    path: Path,
    problems: list[Problem],
) -> bool:
    if article_id in entries:
        problems.append(
            Problem(path, f"article id {article_id!r} is already used by another article; skipped")
        )
        return False
    entries[article_id] = entry
    return True


def _read(
    source: SourceFile,
    old: Snapshot | None,
    entries: dict[str, _Fresh | _Kept],
    problems: list[Problem],
) -> SourceRecord:
    data = read_source(source)
    texts, file_problems = parse_file(source.path, source.relpath, data)
    problems.extend(file_problems)
    kept = []
    for text in texts:
        article_id = text.article.id
        article_digest = _article_digest(text, source.relpath)
        found = old.find_article(article_id) if old else None
        entry: _Fresh | _Kept
        if found is not None and found[1].digest == article_digest:
            entry = _Kept(*found)
        else:
            entry = _Fresh(text, source.relpath, article_digest)
        if _claim(entries, entry, article_id, source.path, problems):
            kept.append(article_id)
    return SourceRecord(source.relpath, source.size, source.mtime_ns, digest(data), tuple(kept))


def _article_digest(text: ArticleText, relpath: str) -> str:
    a = text.article
    payload = [relpath, a.title, a.date, a.url, a.source, list(text.paragraphs)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


# -- analysis -----------------------------------------------------------------------------
_worker: tuple[Analyzer, PassageSettings] | None = None


def _init_worker(analyzer_settings: AnalyzerSettings, passage_settings: PassageSettings) -> None:
    global _worker
    _worker = (Analyzer(analyzer_settings), passage_settings)


def _analyze_chunk(texts: Sequence[ArticleText]) -> list[tuple[list[Passage], list[list[str]]]]:
    if _worker is None:  # pragma: no cover - set by the pool initializer
        raise RuntimeError("analysis worker not initialised")
    return [_analyze_one(text, *_worker) for text in texts]


def _analyze_one(
    text: ArticleText, analyzer: Analyzer, settings: PassageSettings
) -> tuple[list[Passage], list[list[str]]]:
    passages = split_article(text, analyzer, settings)
    return passages, [analyzer.terms(p.text) for p in passages]


def _analyze(
    fresh: list[_Fresh], analyzer: Analyzer, settings: PassageSettings, progress: Progress | None
) -> None:
    """Split and analyse every fresh article, in worker processes when there are many."""
    total = len(fresh)
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_MIN_ARTICLES or workers < 2:
        for done, entry in enumerate(fresh, 1):
            passages, terms = _analyze_one(entry.text, analyzer, settings)
            entry.passages.extend(passages)
            entry.terms.extend(terms)
            if progress and (done % 100 == 0 or done == total):
                progress(done, total)
        return
    chunks = [fresh[i : i + _CHUNK_ARTICLES] for i in range(0, total, _CHUNK_ARTICLES)]
    # A fresh interpreter per worker ("spawn"): forking a process that runs threads (a bot)
    # can deadlock.
    context = multiprocessing.get_context("spawn")
    done = 0
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker,
        initargs=(analyzer.settings, settings),
    ) as pool:  # fmt: skip
        results = pool.map(_analyze_chunk, [[e.text for e in chunk] for chunk in chunks])
        for chunk, analysed in zip(chunks, results, strict=True):
            for entry, (passages, terms) in zip(chunk, analysed, strict=True):
                entry.passages.extend(passages)
                entry.terms.extend(terms)
            done += len(chunk)
            if progress:
                progress(done, total)


# -- segments -----------------------------------------------------------------------------
def _plan_segments(
    old: Snapshot,
    entries: dict[str, _Fresh | _Kept],
    new_sources: list[SourceRecord],
    new_name: Callable[[], str],
    report: ReindexReport,
    problems: tuple[Problem, ...],
) -> Plan:
    gone = set(report.changed) | set(report.removed)
    deleted = [
        d | frozenset(r.article.id for r in seg.articles if r.article.id in gone)
        for seg, d in zip(old.segments, old.deleted, strict=True)
    ]
    fresh_ids = sorted(a for a, e in entries.items() if isinstance(e, _Fresh))
    dead = [_deleted_passages(seg, d) for seg, d in zip(old.segments, deleted, strict=True)]
    live = [seg.n_passages - n for seg, n in zip(old.segments, dead, strict=True)]
    keep = [n for n in range(len(old.segments)) if live[n] > 0]
    dirty = {n for n in keep if dead[n] > MAX_DELETED_SHARE * old.segments[n].n_passages}
    merge: list[int] = []
    if len(keep) + 1 > MAX_SEGMENTS or dirty:
        largest = max(keep, key=lambda n: live[n]) if keep else None
        merge = [n for n in keep if n != largest or n in dirty]
    stay = [n for n in keep if n not in merge]
    moved = [
        (a, e) for a, e in entries.items()
        if isinstance(e, _Kept) and e.segment in merge
    ]  # fmt: skip
    items: list[tuple[str, _Fresh | _Kept]] = [(a, entries[a]) for a in fresh_ids]
    items = sorted(items + list(moved), key=lambda item: item[0])
    segments = [old.segments[n] for n in stay]
    deletions = [deleted[n] for n in stay]
    new: list[Segment] = []
    if items or new_sources:
        carried = [
            rec for n in merge for rec in old.segments[n].sources
            if old.sources.get(rec.relpath) == rec
        ]  # fmt: skip
        sources = _latest_sources(carried + new_sources)
        segment = _build_segment(new_name(), [e for _, e in items], sources, old.segments)
        segments.append(segment)
        deletions.append(frozenset())
        new.append(segment)
    return Plan(segments, deletions, new, report, problems)


def _deleted_passages(segment: Segment, deleted: frozenset[str]) -> int:
    return sum(r.count for r in segment.articles if r.article.id in deleted)


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
    first = 0
    for number, item in enumerate(items):
        if isinstance(item, _Kept):
            seg, rec = old_segments[item.segment], item.record
            lo, hi = rec.first, rec.first + rec.count
            _extend_kept(blocks, seg.index, lo, hi)
            paras.append(np.asarray(seg.passage_para[lo:hi], np.int32))
            t_lo, t_hi = int(seg.text_ptr[lo]), int(seg.text_ptr[hi])
            text_parts.append(bytes(seg.texts[t_lo:t_hi]))
            text_lens.append(np.diff(seg.text_ptr[lo : hi + 1]))
            count = rec.count
            records.append(ArticleRecord(rec.article, rec.relpath, rec.digest, first, count))
        else:
            last = blocks[-1] if blocks else None
            if isinstance(last, list):
                last.extend(item.terms)
            else:
                blocks.append(list(item.terms))
            encoded = [p.text.encode("utf-8") for p in item.passages]
            paras.append(np.array([p.paragraphs for p in item.passages], np.int32).reshape(-1, 2))
            text_parts.extend(encoded)
            text_lens.append(np.array([len(e) for e in encoded], np.int64))
            count = len(item.passages)
            records.append(
                ArticleRecord(item.text.article, item.relpath, item.digest, first, count)
            )
        article_of.append(np.full(count, number, np.int32))
        first += count
    text_ptr = np.zeros(first + 1, np.int64)
    if text_lens:
        np.cumsum(np.concatenate(text_lens), out=text_ptr[1:])
    return Segment(
        name=name,
        index=InvertedIndex.assemble(blocks),
        articles=tuple(records),
        sources=tuple(sources),
        passage_article=np.concatenate(article_of) if article_of else np.empty(0, np.int32),
        passage_para=np.concatenate(paras) if paras else np.empty((0, 2), np.int32),
        text_ptr=text_ptr,
        texts=b"".join(text_parts),
    )


def _extend_kept(blocks: list[Block], index: InvertedIndex, start: int, stop: int) -> None:
    """Append a kept range, merged with the previous one when they touch (fewer blocks)."""
    last = blocks[-1] if blocks else None
    if isinstance(last, Kept) and last.source is index and last.stop == start:
        blocks[-1] = Kept(index, last.start, stop)
    else:
        blocks.append(Kept(index, start, stop))


def _report(
    old: Snapshot | None, entries: dict[str, _Fresh | _Kept], problems: list[Problem]
) -> ReindexReport:
    old_ids = {rec.article.id for _, rec in old.articles} if old else set()
    added, changed, unchanged = [], [], []
    for article_id, entry in sorted(entries.items()):
        if isinstance(entry, _Kept):
            unchanged.append(article_id)
        elif article_id in old_ids:
            changed.append(article_id)
        else:
            added.append(article_id)
    removed = sorted(old_ids - set(entries))
    return ReindexReport(
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=tuple(unchanged),
        problems=tuple(problems),
        rebuilt=old is None,
    )
