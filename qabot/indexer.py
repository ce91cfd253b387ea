"""Corpus → snapshot: scan the files, re-analyse only what changed, assemble the new index.

An article is re-analysed only when its content hash changed; every other article keeps
its stored passages and term counts. Articles are ordered by id and the vocabulary is
sorted, so an incremental update gives exactly the index a full rebuild would.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qabot.analysis import Analyzer
from qabot.articles import ArticleText, SourceFile, digest, parse_file, read_source, scan_corpus
from qabot.config import PassageSettings
from qabot.errors import ArticleError
from qabot.index import Block, InvertedIndex, Kept
from qabot.passages import split_article
from qabot.store import ArticleRecord, Snapshot, SourceRecord
from qabot.values import Passage, Problem, ReindexReport

__all__ = ["Progress", "update_snapshot"]

log = logging.getLogger(__name__)

#: Called as ``progress(files_done, files_total)`` while files are read and analysed.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Fresh:
    """An article analysed in this run."""

    text: ArticleText
    relpath: str
    digest: str
    passages: list[Passage]
    terms: list[list[str]]


@dataclass(frozen=True)
class _Reused:
    """An article whose stored passages are kept."""

    record: ArticleRecord
    snapshot: Snapshot


def update_snapshot(
    corpus: Path,
    index_dir: Path,
    analyzer: Analyzer,
    passage_settings: PassageSettings,
    old: Snapshot | None,
    progress: Progress | None = None,
) -> tuple[Snapshot, ReindexReport]:
    """The snapshot for the corpus as it is now, and what changed since ``old``.

    ``old=None`` builds from scratch.
    """
    files, problems = scan_corpus(corpus, skip=index_dir)
    old_records = {rec.article.id: rec for rec in old.articles} if old else {}
    entries: dict[str, _Fresh | _Reused] = {}
    sources: dict[str, SourceRecord] = {}
    for done, source in enumerate(files, 1):
        record = old.sources.get(source.relpath) if old else None
        if record and (record.size, record.mtime_ns) == (source.size, source.mtime_ns):
            reused = [old_records.get(aid) for aid in record.article_ids]
            if all(r is not None for r in reused):
                _add_reused(entries, sources, record, reused, old, problems)  # type: ignore[arg-type]
                _tick(progress, done, len(files))
                continue
        try:
            _read(source, analyzer, passage_settings, old, old_records, entries, sources, problems)
        except ArticleError as exc:
            log.info("skipped %s: %s", exc.path, exc.reason)
            problems.append(Problem(exc.path, exc.reason))
        _tick(progress, done, len(files))

    snapshot = _assemble(
        [entries[aid] for aid in sorted(entries)], sources, problems, analyzer,
        passage_settings,
    )  # fmt: skip
    report = _report(old_records, entries, problems, rebuilt=old is None)
    return snapshot, report


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _add_reused(
    entries: dict[str, _Fresh | _Reused],
    sources: dict[str, SourceRecord],
    record: SourceRecord,
    reused: list[ArticleRecord],
    old: Snapshot,
    problems: list[Problem],
) -> None:
    kept = []
    for rec in reused:
        if rec.article.id in entries:
            problems.append(_duplicate(rec.article.path, rec.article.id))
            continue
        entries[rec.article.id] = _Reused(rec, old)
        kept.append(rec.article.id)
    sources[record.relpath] = SourceRecord(
        record.relpath, record.size, record.mtime_ns, record.sha256, tuple(kept)
    )


def _duplicate(path: Path, article_id: str) -> Problem:
    return Problem(path, f"article id {article_id!r} is already used by another article; skipped")


def _read(
    source: SourceFile,
    analyzer: Analyzer,
    settings: PassageSettings,
    old: Snapshot | None,
    old_records: dict[str, ArticleRecord],
    entries: dict[str, _Fresh | _Reused],
    sources: dict[str, SourceRecord],
    problems: list[Problem],
) -> None:
    data = read_source(source)
    texts, file_problems = parse_file(source.path, source.relpath, data)
    problems.extend(file_problems)
    kept = []
    for text in texts:
        article_id = text.article.id
        if article_id in entries:
            problems.append(_duplicate(source.path, article_id))
            continue
        article_digest = _article_digest(text, source.relpath)
        record = old_records.get(article_id)
        if old is not None and record is not None and record.digest == article_digest:
            entries[article_id] = _Reused(record, old)
        else:
            passages = split_article(text, analyzer, settings)
            entries[article_id] = _Fresh(
                text, source.relpath, article_digest, passages,
                [analyzer.terms(p.text) for p in passages],
            )  # fmt: skip
        kept.append(article_id)
    sources[source.relpath] = SourceRecord(
        source.relpath, source.size, source.mtime_ns, digest(data), tuple(kept)
    )


def _article_digest(text: ArticleText, relpath: str) -> str:
    a = text.article
    payload = [relpath, a.title, a.date, a.url, a.source, list(text.paragraphs)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _assemble(
    entries: list[_Fresh | _Reused],
    sources: dict[str, SourceRecord],
    problems: list[Problem],
    analyzer: Analyzer,
    settings: PassageSettings,
) -> Snapshot:
    blocks: list[Block] = []
    records: list[ArticleRecord] = []
    article_of: list[Any] = []
    paras: list[Any] = []
    text_parts: list[bytes] = []
    text_lens: list[Any] = []
    first = 0
    for number, entry in enumerate(entries):
        if isinstance(entry, _Reused):
            rec, old = entry.record, entry.snapshot
            lo, hi = rec.first, rec.first + rec.count
            _extend_kept(blocks, old.index, lo, hi)
            paras.append(np.asarray(old.passage_para[lo:hi], np.int32))
            t_lo, t_hi = int(old.text_ptr[lo]), int(old.text_ptr[hi])
            text_parts.append(bytes(old.texts[t_lo:t_hi]))
            text_lens.append(np.diff(old.text_ptr[lo : hi + 1]))
            count = rec.count
            records.append(ArticleRecord(rec.article, rec.relpath, rec.digest, first, count))
        else:
            blocks.append(entry.terms)
            encoded = [p.text.encode("utf-8") for p in entry.passages]
            paras.append(np.array([p.paragraphs for p in entry.passages], np.int32).reshape(-1, 2))
            text_parts.extend(encoded)
            text_lens.append(np.array([len(e) for e in encoded], np.int64))
            count = len(entry.passages)
            records.append(
                ArticleRecord(entry.text.article, entry.relpath, entry.digest, first, count)
            )
        article_of.append(np.full(count, number, np.int32))
        first += count
    index = InvertedIndex.assemble(blocks)
    text_ptr = np.zeros(first + 1, np.int64)
    if text_lens:
        np.cumsum(np.concatenate(text_lens), out=text_ptr[1:])
    return Snapshot(
        index=index,
        articles=tuple(records),
        sources=dict(sorted(sources.items())),
        passage_article=np.concatenate(article_of) if article_of else np.empty(0, np.int32),
        passage_para=np.concatenate(paras) if paras else np.empty((0, 2), np.int32),
        text_ptr=text_ptr,
        texts=b"".join(text_parts),
        analyzer=analyzer.fingerprint(),
        passage_settings=settings.to_dict(),
        problems=tuple(problems),
    )


def _extend_kept(blocks: list[Block], index: InvertedIndex, start: int, stop: int) -> None:
    """Append a kept range, merged with the previous one when they touch (fewer blocks)."""
    last = blocks[-1] if blocks else None
    if isinstance(last, Kept) and last.source is index and last.stop == start:
        blocks[-1] = Kept(index, last.start, stop)
    else:
        blocks.append(Kept(index, start, stop))


def _report(
    old_records: dict[str, ArticleRecord],
    entries: dict[str, _Fresh | _Reused],
    problems: list[Problem],
    *,
    rebuilt: bool,
) -> ReindexReport:
    added, changed, unchanged = [], [], []
    for article_id, entry in sorted(entries.items()):
        if isinstance(entry, _Reused):
            unchanged.append(article_id)
        elif article_id in old_records:
            changed.append(article_id)
        else:
            added.append(article_id)
    removed = sorted(set(old_records) - set(entries))
    return ReindexReport(
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=tuple(unchanged),
        problems=tuple(problems),
        rebuilt=rebuilt,
    )
