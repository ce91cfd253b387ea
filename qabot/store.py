"""The index folder on disk: snapshot format, checksums, atomic commits and the write lock.

Layout (no pickle anywhere; plain ``.npy`` arrays and JSON)::

    <index>/
      CURRENT              JSON naming the committed snapshot; replaced atomically
      .lock                held by the one process writing
      .gitignore           "*": the index never lands in a git repository
      snap-000007/         one committed snapshot, never modified once written
        manifest.json      format version, generation, analyzer/passage settings,
                           counts, and size + CRC32 of every other file
        vocab.json  articles.json  sources.json
        doc_len.npy fwd_ptr.npy fwd_term.npy fwd_tf.npy post_ptr.npy post_doc.npy post_tf.npy
        passage_article.npy passage_para.npy text_ptr.npy texts.bin

A commit writes a new snapshot folder under a temporary name, syncs it, renames it, then
replaces ``CURRENT``: a crash at any point leaves the previous snapshot in force. A reader
checks every file against the manifest before use, so a torn or altered index is
detected (:class:`~qabot.errors.IndexCorruptError`) and never answers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from qabot.errors import IndexCorruptError, IndexLockedError, IndexVersionError
from qabot.index import InvertedIndex
from qabot.values import Article, Passage, Problem

__all__ = [
    "FORMAT_VERSION",
    "ArticleRecord",
    "Snapshot",
    "SourceRecord",
    "current_marker",
    "read_snapshot",
    "write_lock",
    "write_snapshot",
]

log = logging.getLogger(__name__)

FORMAT = "qabot-index"
#: Bump on any change of the files' layout or meaning: older indexes are then rebuilt.
FORMAT_VERSION = 1
_ARRAYS = (
    "doc_len", "fwd_ptr", "fwd_term", "fwd_tf", "post_ptr", "post_doc", "post_tf",
    "passage_article", "passage_para", "text_ptr",
)  # fmt: skip
_JSON = ("vocab", "articles", "sources")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceRecord:
    """A corpus file as last indexed: what identifies its version, and its articles."""

    relpath: str
    size: int
    mtime_ns: int
    sha256: str
    article_ids: tuple[str, ...]


@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article: metadata, content hash and its range of passages."""

    article: Article
    relpath: str
    digest: str
    first: int
    count: int


@dataclass
class Snapshot:
    """One committed state of the index: the BM25 index plus what its passages are."""

    index: InvertedIndex
    articles: tuple[ArticleRecord, ...]
    sources: dict[str, SourceRecord]
    passage_article: npt.NDArray[np.int32]
    passage_para: npt.NDArray[np.int32]
    text_ptr: npt.NDArray[np.int64]
    texts: bytes | memoryview | np.memmap[Any, np.dtype[np.uint8]]
    analyzer: dict[str, Any]
    passage_settings: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    created: datetime | None = None
    generation: int = 0
    size_bytes: int = 0
    _by_id: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def empty(cls, analyzer: dict[str, Any], passage_settings: dict[str, Any]) -> Snapshot:
        """A snapshot of no articles (generation 0: nothing committed)."""
        return cls(
            index=InvertedIndex.build([]),
            articles=(),
            sources={},
            passage_article=np.empty(0, np.int32),
            passage_para=np.empty((0, 2), np.int32),
            text_ptr=np.zeros(1, np.int64),
            texts=b"",
            analyzer=analyzer,
            passage_settings=passage_settings,
        )

    @property
    def n_passages(self) -> int:
        return self.index.n_passages

    def article_index(self, article_id: str) -> int | None:
        if not self._by_id and self.articles:
            self._by_id = {rec.article.id: i for i, rec in enumerate(self.articles)}
        return self._by_id.get(article_id)

    def passage_text(self, passage: int) -> str:
        lo, hi = int(self.text_ptr[passage]), int(self.text_ptr[passage + 1])
        return bytes(self.texts[lo:hi]).decode("utf-8")

    def passage(self, passage: int) -> Passage:
        record = self.articles[int(self.passage_article[passage])]
        first, last = (int(x) for x in self.passage_para[passage])
        return Passage(
            article_id=record.article.id,
            position=passage - record.first,
            paragraphs=(first, last),
            text=self.passage_text(passage),
        )

    def article_of(self, passage: int) -> Article:
        return self.articles[int(self.passage_article[passage])].article


# -- writing ------------------------------------------------------------------------------
@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the index's write lock; wait up to ``timeout`` seconds, then refuse."""
    index_dir.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(index_dir)
    with open(index_dir / ".lock", "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"another process is updating the index in {index_dir}; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_snapshot(index_dir: Path, snap: Snapshot) -> int:
    """Commit ``snap`` as the index's new current state; returns its generation.

    Call with :func:`write_lock` held.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(index_dir)
    generation = _current_generation(index_dir) + 1
    name = f"snap-{generation:06d}"
    tmp = index_dir / f"{name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    files: dict[str, dict[str, int]] = {}
    idx = snap.index
    arrays: dict[str, npt.NDArray[Any]] = {
        "doc_len": idx.doc_len, "fwd_ptr": idx.fwd_ptr, "fwd_term": idx.fwd_term,
        "fwd_tf": idx.fwd_tf, "post_ptr": idx.post_ptr, "post_doc": idx.post_doc,
        "post_tf": idx.post_tf, "passage_article": snap.passage_article,
        "passage_para": snap.passage_para, "text_ptr": snap.text_ptr,
    }  # fmt: skip
    for key, array in arrays.items():
        files[f"{key}.npy"] = _write(tmp / f"{key}.npy", lambda fh, a=array: np.save(fh, a))
    files["texts.bin"] = _write(tmp / "texts.bin", lambda fh: fh.write(bytes(snap.texts)))
    documents: dict[str, Any] = {
        "vocab": list(idx.vocab),
        "articles": [_article_to_json(rec) for rec in snap.articles],
        "sources": [_source_to_json(rec) for rec in snap.sources.values()],
    }
    for key, doc in documents.items():
        payload = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        files[f"{key}.json"] = _write(tmp / f"{key}.json", lambda fh, p=payload: fh.write(p))
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generation": generation,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "analyzer": snap.analyzer,
        "passages": snap.passage_settings,
        "counts": {
            "articles": len(snap.articles),
            "passages": idx.n_passages,
            "terms": idx.n_terms,
        },
        "problems": [{"path": str(p.path), "reason": p.reason} for p in snap.problems],
        "files": files,
    }
    payload = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
    _write(tmp / "manifest.json", lambda fh: fh.write(payload))
    _fsync_dir(tmp)
    os.replace(tmp, index_dir / name)
    _fsync_dir(index_dir)
    current = json.dumps({"snapshot": name, "generation": generation}).encode()
    _write(index_dir / "CURRENT.tmp", lambda fh: fh.write(current))
    os.replace(index_dir / "CURRENT.tmp", index_dir / "CURRENT")
    _fsync_dir(index_dir)
    _remove_old(index_dir, keep={name, f"snap-{generation - 1:06d}"})
    return generation


def _write(path: Path, fill: Any) -> dict[str, int]:
    with open(path, "wb") as fh:
        fill(fh)
        fh.flush()
        os.fsync(fh.fileno())
    return {"bytes": path.stat().st_size, "crc32": _crc32(path)}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old(index_dir: Path, keep: set[str]) -> None:
    # The previous snapshot stays one generation, for readers that are loading it now.
    for entry in index_dir.iterdir():
        if entry.name.startswith("snap-") and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def _ensure_gitignore(index_dir: Path) -> None:
    marker = index_dir / ".gitignore"
    if not marker.exists():
        marker.write_text("# qabot's index: rebuilt from the corpus, never committed\n*\n")


# -- reading ------------------------------------------------------------------------------
def current_marker(index_dir: Path) -> tuple[int, int, int] | None:
    """A cheap token that changes whenever a new snapshot is committed (``None``: no index)."""
    try:
        st = (index_dir / "CURRENT").stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _current_generation(index_dir: Path) -> int:
    generations = [0]
    for entry in index_dir.glob("snap-*"):
        digits = entry.name[5:11]
        if digits.isdigit():
            generations.append(int(digits))
    return max(generations)


def read_snapshot(index_dir: Path, corpus: Path) -> Snapshot | None:
    """The committed snapshot, checked file by file; ``None`` when there is no index yet.

    Raises :class:`IndexCorruptError` or :class:`IndexVersionError` when it cannot be used.
    """
    try:
        pointer = json.loads((index_dir / "CURRENT").read_bytes())
        folder = index_dir / str(pointer["snapshot"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"unreadable CURRENT file in {index_dir}: {exc}") from None
    try:
        manifest = json.loads((folder / "manifest.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"unreadable manifest in {folder}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{folder} is not a qabot index")
    if manifest.get("version") != FORMAT_VERSION:
        raise IndexVersionError(
            f"index format {manifest.get('version')} in {folder}; this qabot reads {FORMAT_VERSION}"
        )
    try:
        return _load(folder, manifest, corpus)
    except IndexCorruptError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise IndexCorruptError(f"index in {folder} cannot be loaded: {exc}") from None


def _load(folder: Path, manifest: dict[str, Any], corpus: Path) -> Snapshot:
    expected = manifest["files"]
    wanted = {f"{k}.npy" for k in _ARRAYS} | {f"{k}.json" for k in _JSON} | {"texts.bin"}
    if set(expected) != wanted:
        raise IndexCorruptError(f"index in {folder} lists unexpected files")
    size = 0
    for name, facts in expected.items():
        path = folder / name
        try:
            actual = path.stat().st_size
        except OSError:
            raise IndexCorruptError(f"index file {path} is missing") from None
        if actual != facts["bytes"]:
            raise IndexCorruptError(
                f"index file {path} has {actual} bytes, expected {facts['bytes']} (truncated?)"
            )
        if _crc32(path) != facts["crc32"]:
            raise IndexCorruptError(f"index file {path} fails its checksum")
        size += actual
    arrays = {
        key: np.load(folder / f"{key}.npy", mmap_mode="r", allow_pickle=False) for key in _ARRAYS
    }
    docs = {key: json.loads((folder / f"{key}.json").read_bytes()) for key in _JSON}
    text_size = expected["texts.bin"]["bytes"]
    texts: Any = np.memmap(folder / "texts.bin", dtype=np.uint8, mode="r") if text_size else b""
    index = InvertedIndex(
        docs["vocab"], arrays["doc_len"], arrays["fwd_ptr"], arrays["fwd_term"],
        arrays["fwd_tf"], arrays["post_ptr"], arrays["post_doc"], arrays["post_tf"],
    )  # fmt: skip
    articles = tuple(_article_from_json(obj, corpus) for obj in docs["articles"])
    sources = {rec.relpath: rec for rec in (_source_from_json(o) for o in docs["sources"])}
    n = index.n_passages
    if (
        arrays["passage_article"].shape != (n,)
        or arrays["passage_para"].shape != (n, 2)
        or arrays["text_ptr"].shape != (n + 1,)
        or index.fwd_ptr.shape != (n + 1,)
        or index.post_ptr.shape != (len(index.vocab) + 1,)
        or sum(rec.count for rec in articles) != n
    ):
        raise IndexCorruptError(f"index in {folder} has inconsistent array shapes")
    return Snapshot(
        index=index,
        articles=articles,
        sources=sources,
        passage_article=arrays["passage_article"],
        passage_para=arrays["passage_para"],
        text_ptr=arrays["text_ptr"],
        texts=texts,
        analyzer=manifest["analyzer"],
        passage_settings=manifest["passages"],
        problems=tuple(Problem(Path(p["path"]), p["reason"]) for p in manifest["problems"]),
        created=datetime.fromisoformat(manifest["created"]),
        generation=int(manifest["generation"]),
        size_bytes=size,
    )


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _article_to_json(rec: ArticleRecord) -> dict[str, Any]:
    a = rec.article
    return {
        "id": a.id, "title": a.title, "relpath": rec.relpath, "date": a.date, "url": a.url,
        "source": a.source, "digest": rec.digest, "first": rec.first, "count": rec.count,
    }  # fmt: skip


def _article_from_json(obj: dict[str, Any], corpus: Path) -> ArticleRecord:
    article = Article(
        id=obj["id"], title=obj["title"], path=corpus / obj["relpath"], date=obj["date"],
        url=obj["url"], source=obj["source"],
    )  # fmt: skip
    return ArticleRecord(
        article, obj["relpath"], obj["digest"], int(obj["first"]), int(obj["count"])
    )


def _source_to_json(rec: SourceRecord) -> dict[str, Any]:
    return {
        "relpath": rec.relpath, "size": rec.size, "mtime_ns": rec.mtime_ns,
        "sha256": rec.sha256, "articles": list(rec.article_ids),
    }  # fmt: skip


def _source_from_json(obj: dict[str, Any]) -> SourceRecord:
    return SourceRecord(
        obj["relpath"], int(obj["size"]), int(obj["mtime_ns"]), obj["sha256"],
        tuple(obj["articles"]),
    )  # fmt: skip
