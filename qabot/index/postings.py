"""One segment's postings: raw term frequencies by passage and by term, and their assembly.

An :class:`InvertedIndex` holds one segment's passages as raw term frequencies, twice
over: by passage (``fwd_*``, CSR) to reassemble an index from kept passages without
re-analysing them, and by term (``post_*``, CSC) to score only the passages that hold a
question term. Global figures (passage count, average length, document frequencies) are
derived from those raw counts across all live segments at question time, so deleting or
adding passages never leaves a stale weight behind.

The maths that turns these counts into scores is in :mod:`qabot.index.bm25`.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qabot.index.bm25 import Weights, length_norm, term_scores

__all__ = ["GAIN_CACHE_BYTES", "Block", "InvertedIndex", "Kept"]

#: Memory an index keeps for the per-posting gains of its most frequent question terms.
GAIN_CACHE_BYTES = 64 << 20
#: Terms with fewer postings are scored afresh: cheap, and many.
GAIN_MIN_POSTINGS = 2048

IntArray = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Kept:
    """Passages ``start:stop`` of an existing index, carried into a new one unanalysed."""

    source: InvertedIndex
    start: int
    stop: int


#: A block of passages for :meth:`InvertedIndex.assemble`: kept ones, or the term lists of
#: newly analysed ones.
Block = Kept | Sequence[Sequence[str]]


class InvertedIndex:
    """An immutable BM25 index over passages numbered ``0..n_passages-1`` (one segment)."""

    def __init__(
        self,
        vocab: Sequence[str],
        doc_len: npt.NDArray[Any],
        fwd_ptr: npt.NDArray[Any],
        fwd_term: npt.NDArray[Any],
        fwd_tf: npt.NDArray[Any],
        post_ptr: npt.NDArray[Any],
        post_doc: npt.NDArray[Any],
        post_tf: npt.NDArray[Any],
    ) -> None:
        self.vocab = vocab
        self.doc_len = doc_len
        self.fwd_ptr, self.fwd_term, self.fwd_tf = fwd_ptr, fwd_term, fwd_tf
        self.post_ptr, self.post_doc, self.post_tf = post_ptr, post_doc, post_tf
        self._term_ids: dict[str, int] | None = None
        self._norm: tuple[tuple[float, float], FloatArray, float] | None = None
        self._max_tf: dict[str, int] = {}
        self._gains: dict[str, tuple[tuple[Any, ...], FloatArray]] = {}
        self._gain_bytes = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        # Picklable for analysis workers: locks, buffers and caches stay behind.
        skip = ("_lock", "_local", "_term_ids", "_norm", "_max_tf", "_gains", "_gain_bytes")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._term_ids, self._norm, self._max_tf = None, None, {}
        self._gains, self._gain_bytes = {}, 0
        self._lock, self._local = threading.Lock(), threading.local()

    @property
    def n_passages(self) -> int:
        return int(self.doc_len.shape[0])

    @property
    def n_terms(self) -> int:
        return len(self.vocab)

    def term_id(self, term: str) -> int | None:
        if self._term_ids is None:
            with self._lock:
                if self._term_ids is None:
                    self._term_ids = {t: i for i, t in enumerate(self.vocab)}
        return self._term_ids.get(term)

    def postings(self, term: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]] | None:
        """Passages holding ``term`` (ascending) and its frequency in each."""
        tid = self.term_id(term)
        if tid is None:
            return None
        lo, hi = int(self.post_ptr[tid]), int(self.post_ptr[tid + 1])
        return self.post_doc[lo:hi], self.post_tf[lo:hi]

    def document_frequencies(self) -> npt.NDArray[np.int64]:
        """Passages holding each vocabulary term."""
        return np.diff(self.post_ptr).astype(np.int64)

    def length_norm(self, weights: Weights) -> FloatArray:
        """:func:`length_norm` of every passage, kept while b and the average length hold."""
        key = (weights.b, weights.avgdl)
        cached = self._norm
        if cached is None or cached[0] != key:
            norm = length_norm(weights, self.doc_len.astype(np.int64))
            cached = self._norm = (key, norm, float(norm.min()) if norm.size else 1.0)
        return cached[1]

    def gains(self, term: str, weights: Weights, absent: float) -> FloatArray | None:
        """What ``term`` adds to each passage of its postings, less ``absent`` (what it
        adds to a passage without it): :func:`~qabot.index.bm25.term_scores` of them all,
        the same floats, kept while these weights hold (they hold for one snapshot's
        questions). ``None`` for a term of few postings, scored afresh by the caller."""
        found = self.postings(term)
        if found is None or found[0].size < GAIN_MIN_POSTINGS:
            return None
        idf = weights.idf[term]
        key = (weights.variant, weights.k1, weights.b, weights.avgdl, weights.delta, idf, absent)
        cached = self._gains.get(term)
        if cached is not None and cached[0] == key:
            return cached[1]
        docs, tfs = found
        gain = term_scores(weights, idf, tfs, self.length_norm(weights)[docs])
        if absent:
            gain = gain - absent
        gain.flags.writeable = False
        with self._lock:
            # The earliest kept go first when the memory is used up (dicts keep order).
            old = self._gains.pop(term, None)
            self._gain_bytes -= old[1].nbytes if old is not None else 0
            while self._gains and self._gain_bytes + gain.nbytes > GAIN_CACHE_BYTES:
                self._gain_bytes -= self._gains.pop(next(iter(self._gains)))[1].nbytes
            if gain.nbytes <= GAIN_CACHE_BYTES:
                self._gains[term] = (key, gain)
                self._gain_bytes += gain.nbytes
        return gain

    def min_length_norm(self, weights: Weights) -> float:
        """The smallest length factor: the shortest passage's, where terms weigh most."""
        self.length_norm(weights)
        return self._norm[2] if self._norm else 1.0

    def max_tf(self, term: str) -> int:
        """The highest frequency of ``term`` in any passage (0 if absent)."""
        cache = self._max_tf
        if term not in cache:
            found = self.postings(term)
            cache[term] = int(found[1].max()) if found is not None and found[1].size else 0
        return cache[term]

    def scratch(self) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """This thread's score buffer and seen-mask, all zero/False between questions."""
        local = self._local
        if getattr(local, "buffer", None) is None:
            local.buffer = np.zeros(self.n_passages)
            local.seen = np.zeros(self.n_passages, bool)
        return local.buffer, local.seen

    # -- assembly ---------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Sequence[Sequence[str]]) -> InvertedIndex:
        """An index over the given passages' term lists."""
        return cls.assemble([passages])

    @classmethod
    def assemble(cls, blocks: Sequence[Block]) -> InvertedIndex:
        """A new index whose passages are the blocks' passages, in block order.

        Kept passages reuse their stored counts; the vocabulary is the sorted set of terms
        still in use, so the result does not depend on the history of updates.
        """
        vocab_set: set[str] = set()
        used: dict[int, tuple[InvertedIndex, list[npt.NDArray[Any]]]] = {}
        for block in blocks:
            if isinstance(block, Kept):
                src = block.source
                lo, hi = int(src.fwd_ptr[block.start]), int(src.fwd_ptr[block.stop])
                used.setdefault(id(src), (src, []))[1].append(np.asarray(src.fwd_term[lo:hi]))
            else:
                for terms in block:
                    vocab_set.update(terms)
        for src, parts in used.values():
            ids = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
            vocab_set.update(src.vocab[i] for i in ids.tolist())
        vocab = sorted(vocab_set)
        new_id = {t: i for i, t in enumerate(vocab)}
        remaps = {
            key: np.array([new_id.get(t, -1) for t in src.vocab], dtype=np.int32)
            for key, (src, _) in used.items()
        }
        lens, counts, term_parts, tf_parts = [], [], [], []
        for block in blocks:
            if isinstance(block, Kept):
                src = block.source
                lo, hi = int(src.fwd_ptr[block.start]), int(src.fwd_ptr[block.stop])
                lens.append(np.asarray(src.doc_len[block.start : block.stop], np.int32))
                counts.append(np.diff(src.fwd_ptr[block.start : block.stop + 1]))
                term_parts.append(remaps[id(src)][src.fwd_term[lo:hi]])
                tf_parts.append(np.asarray(src.fwd_tf[lo:hi], np.int32))
            elif len(block):
                block_lens, block_counts, block_terms, block_tfs = _count(block, new_id)
                lens.append(block_lens)
                counts.append(block_counts)
                term_parts.append(block_terms)
                tf_parts.append(block_tfs)
        doc_len = _concat(lens, np.int32)
        per_doc = _concat(counts, np.int64)
        fwd_term = _concat(term_parts, np.int32)
        fwd_tf = _concat(tf_parts, np.int32)
        fwd_ptr = np.zeros(doc_len.size + 1, np.int64)
        np.cumsum(per_doc, out=fwd_ptr[1:])
        # Transpose to postings: stable sort by term keeps passages ascending in each list.
        entry_doc = np.repeat(np.arange(doc_len.size, dtype=np.int32), per_doc)
        order = np.argsort(fwd_term, kind="stable")
        post_ptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(np.bincount(fwd_term, minlength=len(vocab)), out=post_ptr[1:])
        return cls(
            vocab, doc_len, fwd_ptr, fwd_term, fwd_tf, post_ptr, entry_doc[order], fwd_tf[order]
        )

    def term_counts(self, passage: int, terms: Collection[str]) -> dict[str, int]:
        """How often each of ``terms`` occurs in one passage (absent ones left out)."""
        ids = {tid: t for t in terms if (tid := self.term_id(t)) is not None}
        if not ids:
            return {}
        lo, hi = int(self.fwd_ptr[passage]), int(self.fwd_ptr[passage + 1])
        row = self.fwd_term[lo:hi]  # the passage's term ids, ascending
        wanted = np.fromiter(ids, np.int64, len(ids))
        at = np.minimum(np.searchsorted(row, wanted), max(0, hi - lo - 1))
        found = (row[at] == wanted) if hi > lo else np.zeros(len(ids), bool)
        tfs = self.fwd_tf[lo:hi]
        return {ids[int(t)]: int(tfs[i]) for t, i, ok in zip(wanted, at, found, strict=True) if ok}

    def __repr__(self) -> str:
        return f"InvertedIndex({self.n_passages} passages, {self.n_terms} terms)"


def _concat(parts: list[npt.NDArray[Any]], dtype: Any) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)


def _count(
    passages: Sequence[Sequence[str]], new_id: dict[str, int]
) -> tuple[I32Array, IntArray, I32Array, I32Array]:
    """Lengths, distinct-term counts, and (term, tf) pairs sorted by term, per passage."""
    lengths = np.fromiter((len(p) for p in passages), np.int64, len(passages))
    flat = np.fromiter((new_id[t] for p in passages for t in p), np.int64, int(lengths.sum()))
    owner = np.repeat(np.arange(len(passages), dtype=np.int64), lengths)
    # One key per (passage, term): unique keys in order give each passage's sorted terms.
    keys, tfs = np.unique(owner * (len(new_id) + 1) + flat, return_counts=True)
    passage_of, term = np.divmod(keys, len(new_id) + 1)
    distinct = np.bincount(passage_of, minlength=len(passages))
    return (
        lengths.astype(np.int32),
        distinct.astype(np.int64),
        term.astype(np.int32),
        tfs.astype(np.int32),
    )
