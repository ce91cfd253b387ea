"""The index folder on disk: segments, snapshot manifests, checksums, commits, the lock.

Layout (plain ``.npy`` arrays and JSON; no pickle anywhere)::

    <index>/
      CURRENT               JSON naming the committed snapshot manifest, with its checksum;
                            replaced atomically
      snap-000007.json      format version, generation, analyzer and passage settings,
                            the segments in force (name and random id) and the article ids
                            deleted from each, the file of duplicates (name and checksum)
      dups-000004.json      the articles not indexed again because an indexed one has the
                            same body; never modified once written, named by every snapshot
                            with the same duplicates (a commit that changes none writes none)
      seg-000003/           one segment, never modified once written:
        segment.json        its random id; size and xxh3-64 checksum of each file below
        vocab.json articles.json sources.json speakers.json texts.bin quotes.bin
        doc_len.npy fwd_ptr.npy fwd_term.npy fwd_tf.npy post_ptr.npy post_doc.npy post_tf.npy
        passage_article.npy passage_para.npy text_ptr.npy article_day.npy
        shingle_ptr.npy shingles.npy quote_article.npy quote_ptr.npy
        speaker_ptr.npy speaker_rows.npy
      .lock                 held by the one process writing
      .gitignore            "*": the index never lands in a git repository

A commit writes new segments under temporary names, syncs and renames them, writes a
new file of duplicates if they changed, writes the new manifest the same way, and only
then replaces ``CURRENT``: a crash at any point leaves the previous snapshot in force, and
unreferenced leftovers are removed by the next writer. A commit that fails (disk full,
read-only) removes what it wrote and raises :class:`~qabot.errors.IndexWriteError`. A
reader checks every file of every segment, and the file of duplicates, against its
checksum before use, so a torn or altered index is detected
(:class:`~qabot.errors.IndexCorruptError`) and never answers.

Segment names start again at ``seg-000001`` when the folder is deleted and rebuilt, so a
segment is known by its random id too: one kept in memory is reused only when the
manifest names the same id. Arrays are memory-mapped, and a mapped file changed in place
(truncated, overwritten) would crash the process or answer wrongly; each segment keeps
the identity of its files (:class:`~qabot.index.segment.FileStamp`) so that
:func:`changed_in_place` sees such a change before the mapping is touched.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from qabot import atomic, locks
from qabot.errors import IndexCorruptError, IndexLockedError, IndexVersionError, IndexWriteError
from qabot.index.postings import InvertedIndex
from qabot.index.quotes import QuoteTable, SpeakerPostings
from qabot.index.segment import ArticleRecord, ArticleTable, FileStamp, Segment, SourceTable
from qabot.index.snapshot import Duplicate, DuplicatesFile, Snapshot
from qabot.values import Article, Problem

__all__ = [
    "FORMAT_VERSION",
    "changed_in_place",
    "check_location",
    "current_marker",
    "discard_duplicates",
    "discard_segments",
    "new_segment_name",
    "read_snapshot",
    "write_duplicates",
    "write_error",
    "write_lock",
    "write_segment",
    "write_snapshot",
]

log = logging.getLogger(__name__)

FORMAT = "qabot-index"
#: Bump on any change of the files' layout or meaning: older indexes are then rebuilt.
#: 9: each article's near-duplicate shingles are kept (a question compares copies of a
#: story without hashing their texts).
#: 10: the stored quotations are read anew (speakers described after a comma, "the Fed"
#: for the Federal Reserve, a pronoun never resolved to a place): older ones would differ;
#: and each keeps the words describing its speaker ("roles").
#: 11: the duplicate records are kept in a file of their own, written only when they
#: change (a commit no longer writes, reads back and decodes every duplicate).
#: 12: quotations are stored a row each in a blob with offsets, and the postings of their
#: speakers' words with them (a first question about someone read and indexed them all).
FORMAT_VERSION = 12
_ARRAYS = (
    "doc_len", "fwd_ptr", "fwd_term", "fwd_tf", "post_ptr", "post_doc", "post_tf",
    "passage_article", "passage_para", "text_ptr", "article_day", "shingle_ptr", "shingles",
    "quote_article", "quote_ptr", "speaker_ptr", "speaker_rows",
)  # fmt: skip
_JSON = ("vocab", "articles", "sources")
#: Parsed only when a question asks for someone's words.
_LAZY_JSON = ("speakers",)
_BLOBS = ("texts.bin", "quotes.bin")
_CHUNK = 4 << 20


# -- the location and the lock ----------------------------------------------------------
def check_location(index_dir: Path) -> None:
    """Refuse an index location that can never hold an index (a file is in the way)."""
    if index_dir.exists() and not index_dir.is_dir():
        raise write_error(index_dir, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))


def write_error(index_dir: Path, exc: OSError) -> IndexWriteError:
    """The one-line error for a file system that says no: what is wrong, what to do."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space and try again; the index committed before is kept"
    elif exc.errno in (errno.EEXIST, errno.ENOTDIR):
        reason = "it is a file, not a folder"
        advice = "remove it, or use --index DIR to keep the index elsewhere"
    else:
        advice = "use --index DIR on a writable disk"
    return IndexWriteError(f"cannot write the index in {index_dir}: {reason}; {advice}", reason)


@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the index's write lock; wait up to ``timeout`` seconds (0: not at all), then refuse.

    The lock (:mod:`qabot.locks`) dies with its process, so a writer killed mid-update
    never leaves the index locked. Raises :class:`IndexLockedError` when it is held,
    :class:`IndexWriteError` when the folder cannot be written.
    """

    def waiting() -> None:
        log.warning("waiting for another process to finish updating the index in %s", index_dir)

    with contextlib.ExitStack() as held:
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            _ensure_gitignore(index_dir)
            held.enter_context(locks.hold(index_dir / ".lock", timeout, waiting))
        except TimeoutError:  # (an OSError: caught first)
            raise IndexLockedError(
                f"another process is updating the index in {index_dir}; "
                "try again when it has finished"
            ) from None
        except OSError as exc:
            raise write_error(index_dir, exc) from None
        yield


# -- writing ------------------------------------------------------------------------------
def new_segment_name(index_dir: Path, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A segment name not used in ``index_dir`` nor in ``taken`` (hold the write lock)."""
    numbers = [0]
    for name in [*(e.name for e in index_dir.glob("seg-*")), *taken]:
        digits = name[4:10]
        if digits.isdigit():
            numbers.append(int(digits))
    return f"seg-{max(numbers) + 1:06d}"


def write_segment(index_dir: Path, segment: Segment) -> int:
    """Write ``segment`` durably under its name; returns its size in bytes.

    On failure nothing of it is left: the disk it would fill is given back.
    """
    tmp, final = index_dir / f"{segment.name}.tmp", index_dir / segment.name
    if final.exists():  # names come from the folder under the lock: never happens
        raise IndexCorruptError(f"segment folder {final} exists already")
    try:
        return _write_segment(index_dir, segment, tmp, final)
    except BaseException:
        _remove(tmp)
        _remove(final)
        raise


def _write_segment(index_dir: Path, segment: Segment, tmp: Path, final: Path) -> int:
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    idx = segment.index
    quotes = segment.quotes
    arrays: dict[str, npt.NDArray[Any]] = {
        "doc_len": idx.doc_len, "fwd_ptr": idx.fwd_ptr, "fwd_term": idx.fwd_term,
        "fwd_tf": idx.fwd_tf, "post_ptr": idx.post_ptr, "post_doc": idx.post_doc,
        "post_tf": idx.post_tf, "passage_article": segment.passage_article,
        "passage_para": segment.passage_para, "text_ptr": segment.text_ptr,
        "article_day": segment.article_day, "shingle_ptr": segment.shingle_ptr,
        "shingles": segment.shingles, "quote_article": quotes.article, "quote_ptr": quotes.ptr,
        "speaker_ptr": quotes.speakers.ptr, "speaker_rows": quotes.speakers.rows,
    }  # fmt: skip
    files: dict[str, dict[str, Any]] = {}
    for key, array in arrays.items():
        files[f"{key}.npy"] = _write(tmp / f"{key}.npy", lambda fh, a=array: np.save(fh, a))
    for key, blob in zip(_BLOBS, (segment.texts, quotes.blob), strict=True):
        files[key] = _write(tmp / key, lambda fh, b=blob: fh.write(bytes(b)))
    documents: dict[str, Any] = {
        "vocab": list(idx.vocab),
        "articles": _articles_to_json(segment.articles),
        "sources": SourceTable.of(segment.sources).columns,
        "speakers": list(quotes.speakers.words),
    }
    for key, doc in documents.items():
        payload = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        files[f"{key}.json"] = _write(tmp / f"{key}.json", lambda fh, p=payload: fh.write(p))
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "uid": segment.uid, "files": files}
    _write(tmp / "segment.json", lambda fh: fh.write(json.dumps(meta, indent=1).encode()))
    atomic.fsync_folder(tmp)
    os.replace(tmp, final)
    atomic.fsync_folder(index_dir)
    return sum(int(f["bytes"]) for f in files.values())


def discard_segments(index_dir: Path, names: Iterable[str]) -> None:
    """Remove written but uncommitted segments (a failed commit): no reader uses them."""
    for name in names:
        _remove(index_dir / name)
        _remove(index_dir / f"{name}.tmp")


def write_duplicates(index_dir: Path, duplicates: Sequence[Duplicate]) -> DuplicatesFile:
    """Write the records of ``duplicates`` durably into a new file (hold the write lock).

    A snapshot names it in its manifest (:func:`write_snapshot`); the next ones name it
    again for as long as the duplicates stay the same.
    """
    numbers = [0]
    for entry in index_dir.glob("dups-*.json"):
        digits = entry.name[5:11]
        if digits.isdigit():
            numbers.append(int(digits))
    name = f"dups-{max(numbers) + 1:06d}.json"
    payload = json.dumps(
        [_duplicate_to_json(d) for d in duplicates], ensure_ascii=False, separators=(",", ":")
    ).encode()
    atomic.write_file(index_dir / name, payload)
    return DuplicatesFile(name, xxhash.xxh3_64(payload).hexdigest())


def discard_duplicates(index_dir: Path, written: DuplicatesFile | None) -> None:
    """Remove a file of duplicates written for a commit that failed: no snapshot names it."""
    if written is not None:
        _remove(index_dir / written.name)


def write_snapshot(
    index_dir: Path,
    segments: Sequence[tuple[Segment, frozenset[str]]],
    analyzer: dict[str, Any],
    passage_settings: dict[str, Any],
    problems: tuple[Problem, ...],
    duplicates: DuplicatesFile | None = None,
) -> int:
    """Commit a snapshot of ``segments`` (with their deleted article ids) and of the
    duplicates in ``duplicates`` (``None``: none); returns its generation.

    The segments and the file of duplicates must be written already. Call with
    :func:`write_lock` held. On failure the previous snapshot stays in force and nothing
    of this one is left.
    """
    generation = _latest_generation(index_dir) + 1
    name = f"snap-{generation:06d}.json"
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generation": generation,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "analyzer": analyzer,
        "passages": passage_settings,
        "segments": [{"name": s.name, "uid": s.uid, "deleted": sorted(d)} for s, d in segments],
        "problems": [{"path": str(p.path), "reason": p.reason} for p in problems],
        "duplicates": (
            {"name": duplicates.name, "xxh3": duplicates.xxh3} if duplicates is not None else None
        ),
    }
    payload = _manifest_json(manifest)
    committed = False
    try:
        atomic.write_file(index_dir / name, payload)
        # CURRENT carries the manifest's checksum: the manifest says which articles are
        # deleted, and a flipped bit there must not bring one back.
        pointer = {"snapshot": name, "generation": generation, "xxh3": _checksum(index_dir / name)}
        with atomic.staged(index_dir, json.dumps(pointer).encode(), prefix=".CURRENT-") as tmp:
            atomic.replace(tmp, index_dir / "CURRENT", sync_folder=False)  # the commit
            committed = True
    except BaseException:
        if not committed:  # (the temporary files went with their writers)
            _remove(index_dir / name)
        raise
    # Committed: what follows only tidies up, and failing at it must not undo the commit.
    try:
        atomic.fsync_folder(index_dir)
        _collect_garbage(index_dir, generation)
    except OSError as exc:
        log.warning("index generation %d committed, but tidying up failed: %s", generation, exc)
    return generation


def _manifest_json(manifest: Mapping[str, Any]) -> bytes:
    """``manifest`` as JSON, a key a line: Python's fast encoder writes each value (an
    indented dump goes through its slow one)."""
    lines = (
        f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False, separators=(',', ':'))}"
        for key, value in manifest.items()
    )
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode()


def _write(path: Path, fill: Any) -> dict[str, Any]:
    atomic.write_synced(path, fill)
    return {"bytes": path.stat().st_size, "xxh3": _checksum(path)}


def _collect_garbage(index_dir: Path, generation: int) -> None:
    """Remove what neither this snapshot nor the previous one uses (readers may be on it)."""
    keep_snaps = {f"snap-{generation:06d}.json", f"snap-{generation - 1:06d}.json"}
    keep_segments: set[str] = set()
    keep_duplicates: set[str] = set()
    for snap in keep_snaps:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            manifest = json.loads((index_dir / snap).read_bytes())
            keep_segments.update(str(s["name"]) for s in manifest["segments"])
            if manifest["duplicates"] is not None:
                keep_duplicates.add(str(manifest["duplicates"]["name"]))
    for entry in index_dir.iterdir():
        name = entry.name
        if (
            name.endswith(".tmp")
            or (name.startswith("snap-") and name not in keep_snaps)
            or (name.startswith("seg-") and name not in keep_segments)
            or (name.startswith("dups-") and name not in keep_duplicates)
        ):
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _ensure_gitignore(index_dir: Path) -> None:
    marker = index_dir / ".gitignore"
    if not marker.exists():
        marker.write_text("# qabot's index: rebuilt from the corpus, never committed\n*\n")


# -- reading ------------------------------------------------------------------------------
def current_marker(index_dir: Path) -> bytes | None:
    """A cheap token that changes whenever a new snapshot is committed (``None``: no index).

    The pointer's bytes, not its inode and time: after the folder is deleted and rebuilt
    those can repeat, while the manifest checksum it holds covers random segment ids.
    """
    # Read with plain os calls: every question reads it, and pathlib's read_bytes costs
    # three times as much.
    try:
        fd = os.open(os.path.join(index_dir, "CURRENT"), os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def changed_in_place(segment: Segment) -> list[Path]:
    """The mapped files of ``segment`` changed in place since they were checked.

    A file deleted or replaced by another one (a new inode) is harmless: the mapping
    keeps the old file alive. The same file with another size or time was written to.
    """
    # Every question runs this over every mapped file: fields compared one by one, no
    # tuples built.
    changed = []
    for stamp in segment.stamps:
        try:
            st = os.stat(stamp.path)
        except OSError:
            continue
        if (
            st.st_ino == stamp.inode
            and st.st_dev == stamp.device
            and (
                st.st_size != stamp.size
                or st.st_mtime_ns != stamp.mtime_ns
                or st.st_ctime_ns != stamp.ctime_ns
            )
        ):
            changed.append(stamp.path)
    return changed


def _stamp(path: Path) -> FileStamp:
    st = os.stat(path)
    return FileStamp(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _latest_generation(index_dir: Path) -> int:
    generations = [0]
    for entry in index_dir.glob("snap-*.json"):
        digits = entry.name[5:11]
        if digits.isdigit():
            generations.append(int(digits))
    return max(generations)


def read_snapshot(
    index_dir: Path,
    corpus: Path,
    loaded: Mapping[str, Segment] | None = None,
    duplicates: tuple[DuplicatesFile, tuple[Duplicate, ...]] | None = None,
) -> Snapshot | None:
    """The committed snapshot, every segment checked; ``None`` when there is no index yet.

    Segments in ``loaded`` (already checked, by name) are reused when their id is the one
    the manifest names, and ``duplicates`` (a file of duplicates and its records) when the
    manifest names that file with that checksum. Raises :class:`IndexCorruptError` or
    :class:`IndexVersionError` when it cannot be used.
    """
    try:
        pointer = json.loads((index_dir / "CURRENT").read_bytes())
        path = index_dir / str(pointer["snapshot"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"unreadable CURRENT file in {index_dir}: {exc}") from None
    try:
        payload = path.read_bytes()
        if xxhash.xxh3_64(payload).hexdigest() != pointer.get("xxh3"):
            raise IndexCorruptError(f"snapshot manifest {path} fails its checksum")
        manifest = json.loads(payload)
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"unreadable snapshot manifest {path}: {exc}") from None
    _check_format(manifest, path)
    try:
        segments, deleted = [], []
        for entry in manifest["segments"]:
            name, uid = str(entry["name"]), str(entry["uid"])
            segment = (loaded or {}).get(name)
            if segment is None or segment.uid != uid:
                segment = _load_segment(index_dir / name, name, uid, corpus)
            segments.append(segment)
            deleted.append(frozenset(str(d) for d in entry["deleted"]))
        dups_file, dups = _read_duplicates(index_dir, manifest["duplicates"], corpus, duplicates)
        return Snapshot(
            segments=tuple(segments),
            deleted=tuple(deleted),
            analyzer=manifest["analyzer"],
            passage_settings=manifest["passages"],
            problems=tuple(Problem(Path(p["path"]), p["reason"]) for p in manifest["problems"]),
            created=datetime.fromisoformat(manifest["created"]),
            generation=int(manifest["generation"]),
            duplicates=dups,
            duplicates_file=dups_file,
        )
    except IndexCorruptError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise IndexCorruptError(f"index in {index_dir} cannot be loaded: {exc}") from None


def _check_format(manifest: Any, path: Path) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{path} is not a qabot index")
    if manifest.get("version") != FORMAT_VERSION:
        raise IndexVersionError(
            f"index format {manifest.get('version')} in {path}; this qabot reads {FORMAT_VERSION}"
        )


def _load_segment(folder: Path, name: str, uid: str, corpus: Path) -> Segment:
    try:
        meta = json.loads((folder / "segment.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"unreadable segment {folder}: {exc}") from None
    _check_format(meta, folder / "segment.json")
    if meta.get("uid") != uid:
        raise IndexCorruptError(f"segment {folder} is not the one the snapshot names")
    expected = meta["files"]
    wanted = {f"{k}.npy" for k in _ARRAYS} | {f"{k}.json" for k in (*_JSON, *_LAZY_JSON)}
    wanted.update(_BLOBS)
    if set(expected) != wanted:
        raise IndexCorruptError(f"segment {folder} lists unexpected files")
    size = 0
    stamps = []
    for file_name, facts in expected.items():
        path = folder / file_name
        try:
            # Taken before the checksum: a change after it shows as a changed stamp.
            stamp = _stamp(path)
        except OSError:
            raise IndexCorruptError(f"index file {path} is missing") from None
        actual = stamp.size
        if file_name.endswith((".npy", ".bin")):
            stamps.append(stamp)
        if actual != facts["bytes"]:
            raise IndexCorruptError(
                f"index file {path} has {actual} bytes, expected {facts['bytes']} (truncated?)"
            )
        if _checksum(path) != facts["xxh3"]:
            raise IndexCorruptError(f"index file {path} fails its checksum")
        size += actual
    # Plain ndarray views of the mappings: slicing a np.memmap costs a Python hook per slice.
    arrays = {
        key: np.load(folder / f"{key}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
        for key in _ARRAYS
    }
    docs = {key: json.loads((folder / f"{key}.json").read_bytes()) for key in _JSON}
    texts, quote_blob = (
        np.memmap(folder / key, dtype=np.uint8, mode="r").view(np.ndarray)
        if expected[key]["bytes"]
        else b""
        for key in _BLOBS
    )
    index = InvertedIndex(
        docs["vocab"], arrays["doc_len"], arrays["fwd_ptr"], arrays["fwd_term"],
        arrays["fwd_tf"], arrays["post_ptr"], arrays["post_doc"], arrays["post_tf"],
    )  # fmt: skip
    articles = ArticleTable(docs["articles"], corpus)
    n = index.n_passages
    if (
        arrays["passage_article"].shape != (n,)
        or arrays["passage_para"].shape != (n, 2)
        or arrays["text_ptr"].shape != (n + 1,)
        or index.fwd_ptr.shape != (n + 1,)
        or index.post_ptr.shape != (len(index.vocab) + 1,)
        or sum(articles.columns["count"]) != n
        or arrays["article_day"].shape != (len(articles),)
        or arrays["shingle_ptr"].shape != (len(articles) + 1,)
        or arrays["shingles"].shape != (int(arrays["shingle_ptr"][-1]),)
        or not _quotes_fit(arrays, len(articles), len(quote_blob))
    ):
        raise IndexCorruptError(f"segment {folder} has inconsistent array shapes")
    return Segment(
        name=name,
        index=index,
        articles=articles,
        sources=SourceTable(docs["sources"]),
        passage_article=arrays["passage_article"],
        article_day=arrays["article_day"],
        passage_para=arrays["passage_para"],
        text_ptr=arrays["text_ptr"],
        texts=texts,
        size_bytes=size,
        uid=uid,
        stamps=tuple(stamps),
        quotes=QuoteTable(
            arrays["quote_article"],
            arrays["quote_ptr"],
            quote_blob,
            lambda: _speakers_from(folder / "speakers.json", arrays),
        ),
        shingle_ptr=arrays["shingle_ptr"],
        shingles=arrays["shingles"],
    )


def _quotes_fit(arrays: Mapping[str, npt.NDArray[Any]], n_articles: int, size: int) -> bool:
    """Whether a segment's quotation arrays agree with each other and with its articles."""
    numbers, ptr = arrays["quote_article"], arrays["quote_ptr"]
    rows, speaker_ptr = arrays["speaker_rows"], arrays["speaker_ptr"]
    return bool(
        ptr.shape == (len(numbers) + 1,)
        and ptr[0] == 0 and ptr[-1] == size and (ptr[1:] >= ptr[:-1]).all()
        and (not len(numbers) or (numbers[0] >= 0 and numbers[-1] < n_articles))
        and (numbers[1:] >= numbers[:-1]).all()
        and speaker_ptr.ndim == 1 and len(speaker_ptr) >= 1
        and speaker_ptr[0] == 0 and rows.shape == (int(speaker_ptr[-1]),)
        and (speaker_ptr[1:] >= speaker_ptr[:-1]).all()
        and (not rows.size or (rows.min() >= 0 and rows.max() < len(numbers)))
    )  # fmt: skip


def _speakers_from(path: Path, arrays: Mapping[str, npt.NDArray[Any]]) -> SpeakerPostings:
    """A segment's speaker postings, their words read when first asked for; checked."""
    try:
        words = json.loads(path.read_bytes())
        if not isinstance(words, list) or len(words) != len(arrays["speaker_ptr"]) - 1:
            raise ValueError("speaker words and postings differ in length")
        if any(not isinstance(w, str) for w in words) or words != sorted(words):
            raise ValueError("speaker words are not sorted")
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(
            f"unreadable quotations {path}: {exc}; run `qabot index --rebuild`"
        ) from None
    return SpeakerPostings(words, arrays["speaker_ptr"], arrays["speaker_rows"])


def _checksum(path: Path) -> str:
    # xxh3 runs at several GB/s, so every file is checked on every open; reads are
    # buffered (not mapped) so checking does not count against the process's memory.
    digest = xxhash.xxh3_64()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _articles_to_json(articles: Sequence[ArticleRecord]) -> dict[str, list[Any]]:
    table = articles if isinstance(articles, ArticleTable) else ArticleTable.of(articles, Path())
    return table.columns


def _duplicate_to_json(dup: Duplicate) -> dict[str, Any]:
    a = dup.article
    return {
        "id": a.id, "title": a.title, "relpath": dup.relpath, "date": a.date, "url": a.url,
        "source": a.source, "digest": dup.digest, "body": dup.body, "of": dup.of,
    }  # fmt: skip


def _read_duplicates(
    index_dir: Path,
    named: Any,
    corpus: Path,
    known: tuple[DuplicatesFile, tuple[Duplicate, ...]] | None,
) -> tuple[DuplicatesFile | None, tuple[Duplicate, ...]]:
    """The file of duplicates a manifest names (``named``) and its records, checked."""
    if named is None:
        return None, ()
    stored = DuplicatesFile(str(named["name"]), str(named["xxh3"]))
    if known is not None and known[0] == stored:
        return stored, known[1]
    path = index_dir / stored.name
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise IndexCorruptError(f"unreadable duplicates {path}: {exc}") from None
    if xxhash.xxh3_64(payload).hexdigest() != stored.xxh3:
        raise IndexCorruptError(f"duplicates {path} fail their checksum")
    return stored, tuple(_duplicate_from_json(obj, corpus) for obj in json.loads(payload))


def _duplicate_from_json(obj: dict[str, Any], corpus: Path) -> Duplicate:
    article = Article(
        id=str(obj["id"]), title=str(obj["title"]), path=corpus / str(obj["relpath"]),
        date=obj["date"], url=obj["url"], source=obj["source"],
    )  # fmt: skip
    fields = (str(obj[key]) for key in ("relpath", "digest", "body", "of"))
    return Duplicate(article, *fields)
