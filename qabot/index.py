"""The BM25 index, the one owner of rank-bm25: postings arrays, assembly and scoring maths.

An :class:`InvertedIndex` holds one segment's passages as raw term frequencies, twice
over: by passage (``fwd_*``, CSR) to reassemble an index from kept passages without
re-analysing them, and by term (``post_*``, CSC) to score only the passages that hold a
question term. Global figures (passage count, average length, document frequencies) are
derived from those raw counts across all live segments at question time, so deleting or
adding passages never leaves a stale weight behind.

The maths is rank-bm25's: :func:`bm25_weights` lets the library's variant class compute
the IDF table, and :func:`term_scores` is the per-term expression of its ``get_scores``,
evaluated on postings only. Contributions are added in question order, so scores equal
``get_scores`` (to the last bit for Okapi and BM25L; BM25+ adds its constant for absent
terms once at the end, within 1e-12).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import rank_bm25

from qabot.config import BM25Settings

__all__ = ["InvertedIndex", "Kept", "Weights", "bm25_weights", "term_scores"]

IntArray = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

_VARIANTS: dict[str, Any] = {
    "okapi": rank_bm25.BM25Okapi,
    "bm25l": rank_bm25.BM25L,
    "bm25plus": rank_bm25.BM25Plus,
}
_DEFAULT_DELTA = {"bm25l": 0.5, "bm25plus": 1.0}


@dataclass(frozen=True)
class Kept:
    """Passages ``start:stop`` of an existing index, carried into a new one unanalysed."""

    source: InvertedIndex
    start: int
    stop: int


#: A block of passages for :meth:`InvertedIndex.assemble`: kept ones, or the term lists of
#: newly analysed ones.
Block = Kept | Sequence[Sequence[str]]


@dataclass(frozen=True)
class Weights:
    """rank-bm25's parameters and the IDF of each question term, for live statistics."""

    variant: str
    k1: float
    b: float
    avgdl: float
    delta: float
    idf: Mapping[str, float]


def _model(settings: BM25Settings, corpus_size: int, avgdl: float) -> Any:
    # rank-bm25's constructors want the tokenized corpus itself; an index keeps statistics
    # instead, so the model gets the attributes its _calc_idf reads.
    cls = _VARIANTS[settings.variant]
    model: Any = cls.__new__(cls)
    model.k1, model.b = settings.k1, settings.b
    model.epsilon = settings.epsilon
    model.delta = (
        settings.delta if settings.delta is not None else _DEFAULT_DELTA.get(settings.variant, 0.0)
    )
    model.corpus_size, model.avgdl = corpus_size, avgdl
    model.doc_freqs, model.doc_len, model.idf, model.tokenizer = [], [], {}, None
    return model


def bm25_weights(
    settings: BM25Settings,
    n_passages: int,
    total_length: int,
    df: Mapping[str, int],
    all_df: Callable[[], Mapping[str, int]],
) -> Weights:
    """The weights of the terms in ``df`` (term → live document frequency).

    rank-bm25's ``_calc_idf`` computes the IDFs. BM25L and BM25+ need only the question's
    terms; Okapi floors negative IDFs at epsilon × the average IDF of *every* term, so it
    is given ``all_df()`` (which callers cache).
    """
    avgdl = total_length / n_passages if n_passages else 0.0
    model = _model(settings, n_passages, avgdl)
    known = {t: f for t, f in df.items() if f > 0}
    if known:
        model._calc_idf(all_df() if settings.variant == "okapi" else known)
    return Weights(
        variant=settings.variant,
        k1=model.k1,
        b=model.b,
        avgdl=avgdl,
        delta=model.delta,
        idf={t: float(model.idf.get(t) or 0.0) for t in df},
    )


def length_norm(weights: Weights, doc_len: npt.NDArray[Any]) -> FloatArray:
    """``1 - b + b * doc_len / avgdl``, the length factor shared by all terms of a passage."""
    return 1 - weights.b + weights.b * doc_len / weights.avgdl


def term_scores(
    weights: Weights, idf: float, q_freq: npt.NDArray[Any], norm: FloatArray
) -> FloatArray:
    """One term's contribution per passage, written exactly as in rank-bm25's ``get_scores``.

    ``norm`` is :func:`length_norm` of the passages: the same sub-expression, computed once.
    """
    k1, delta = weights.k1, weights.delta
    if weights.variant == "okapi":
        return idf * (q_freq * (k1 + 1) / (q_freq + k1 * norm))
    if weights.variant == "bm25l":
        ctd = q_freq / norm
        return idf * q_freq * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
    return idf * (delta + (q_freq * (k1 + 1)) / (k1 * norm + q_freq))  # type: ignore[no-any-return]


def absent_score(weights: Weights, idf: float) -> float:
    """What a term adds to a passage that lacks it (non-zero only for BM25+)."""
    return float(term_scores(weights, idf, np.zeros(1, np.int64), np.ones(1))[0])


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
        self._lock = threading.Lock()
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        # Picklable for analysis workers: locks, buffers and caches stay behind.
        skip = ("_lock", "_local", "_term_ids", "_norm", "_max_tf")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._term_ids, self._norm, self._max_tf = None, None, {}
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

    def passage_terms(self, passage: int) -> dict[str, int]:
        """Term → frequency of one passage."""
        lo, hi = int(self.fwd_ptr[passage]), int(self.fwd_ptr[passage + 1])
        return {
            self.vocab[t]: int(f)
            for t, f in zip(self.fwd_term[lo:hi].tolist(), self.fwd_tf[lo:hi].tolist(), strict=True)
        }

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
