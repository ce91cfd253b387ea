"""The BM25 index, the one owner of rank-bm25: postings arrays, assembly and scoring.

Passages are stored as raw term frequencies twice over, by passage (``fwd_*``, CSR) to
reassemble an index from kept passages without re-analysing them, and by term
(``post_*``, CSC) to score only the passages that hold a question term. Global figures
(passage count, average length, IDF) are derived from those raw counts, so an index
assembled incrementally is identical to one built from scratch.

The BM25 maths is rank-bm25's: its variant classes compute the IDF table from the
document frequencies, and :meth:`InvertedIndex.search` evaluates the same per-term
expression as the class's ``get_scores`` on the postings of the question's terms, adding
term contributions in question order, so scores equal ``get_scores`` exactly.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import rank_bm25

from qabot.config import BM25Settings

__all__ = ["InvertedIndex", "Kept", "ScoredPassage"]

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
class ScoredPassage:
    """A passage number with its BM25 score."""

    passage: int
    score: float


@dataclass(frozen=True)
class Kept:
    """Passages ``start:stop`` of an existing index, carried into a new one unanalysed."""

    source: InvertedIndex
    start: int
    stop: int


#: A block of passages for :meth:`InvertedIndex.assemble`: kept ones, or the term lists of
#: newly analysed ones.
Block = Kept | Sequence[Sequence[str]]


def bm25_model(settings: BM25Settings, corpus_size: int, avgdl: float, df: dict[str, int]) -> Any:
    """A rank-bm25 model of ``settings.variant`` holding the IDF table for these statistics.

    rank-bm25's constructors want the tokenized corpus itself; an index keeps statistics
    instead, so the model gets the attributes its ``_calc_idf`` reads and computes the
    IDF table with the library's own formula.
    """
    cls = _VARIANTS[settings.variant]
    model: Any = cls.__new__(cls)
    model.k1, model.b = settings.k1, settings.b
    if settings.variant == "okapi":
        model.epsilon = settings.epsilon
    else:
        model.delta = (
            settings.delta if settings.delta is not None else _DEFAULT_DELTA[settings.variant]
        )
    model.corpus_size = corpus_size
    model.avgdl = avgdl
    model.doc_freqs, model.doc_len, model.idf, model.tokenizer = [], [], {}, None
    if df:
        model._calc_idf(df)
    return model


class InvertedIndex:
    """An immutable BM25 index over passages numbered ``0..n_passages-1``."""

    def __init__(
        self,
        vocab: Sequence[str],
        doc_len: I32Array,
        fwd_ptr: IntArray,
        fwd_term: I32Array,
        fwd_tf: I32Array,
        post_ptr: IntArray,
        post_doc: I32Array,
        post_tf: I32Array,
    ) -> None:
        self.vocab = vocab
        self.doc_len = doc_len
        self.fwd_ptr, self.fwd_term, self.fwd_tf = fwd_ptr, fwd_term, fwd_tf
        self.post_ptr, self.post_doc, self.post_tf = post_ptr, post_doc, post_tf
        self._term_ids: dict[str, int] | None = None
        self._models: dict[BM25Settings, Any] = {}
        self._lock = threading.Lock()

    # -- figures ----------------------------------------------------------------------
    @property
    def n_passages(self) -> int:
        return int(self.doc_len.shape[0])

    @property
    def n_terms(self) -> int:
        return len(self.vocab)

    @property
    def avgdl(self) -> float:
        # Python ints divided, as rank-bm25 does, so the figure is bit-identical.
        return int(self.doc_len.sum(dtype=np.int64)) / self.n_passages if self.n_passages else 0.0

    def term_id(self, term: str) -> int | None:
        if self._term_ids is None:
            with self._lock:
                if self._term_ids is None:
                    self._term_ids = {t: i for i, t in enumerate(self.vocab)}
        return self._term_ids.get(term)

    def document_frequency(self, term: str) -> int:
        tid = self.term_id(term)
        return 0 if tid is None else int(self.post_ptr[tid + 1] - self.post_ptr[tid])

    def model(self, settings: BM25Settings) -> Any:
        """The rank-bm25 model (IDF table and parameters) for ``settings``, built once."""
        model = self._models.get(settings)
        if model is None:
            with self._lock:
                model = self._models.get(settings)
                if model is None:
                    df = np.diff(self.post_ptr).tolist()
                    model = bm25_model(
                        settings,
                        self.n_passages,
                        self.avgdl,
                        dict(zip(self.vocab, df, strict=True)),
                    )
                    self._models[settings] = model
        return model

    def idf(self, term: str, settings: BM25Settings) -> float:
        """The IDF of ``term`` under ``settings``; 0 for a term the index has never seen."""
        return float(self.model(settings).idf.get(term) or 0.0)

    # -- search -----------------------------------------------------------------------
    def search(self, terms: Sequence[str], k: int, settings: BM25Settings) -> list[ScoredPassage]:
        """The ``k`` best passages holding at least one of ``terms``, best first.

        Scores equal rank-bm25's ``get_scores(terms)`` for those passages; ties go to the
        lower passage number. Passages holding no term are never returned.
        """
        candidates, scores = self.score(terms, settings)
        if k <= 0 or candidates.size == 0:
            return []
        if candidates.size > k:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(candidates.size)
        order = top[np.lexsort((candidates[top], -scores[top]))]
        return [ScoredPassage(int(candidates[i]), float(scores[i])) for i in order]

    def score(self, terms: Sequence[str], settings: BM25Settings) -> tuple[I32Array, FloatArray]:
        """Passages holding any of ``terms`` (ascending) and their rank-bm25 scores."""
        postings: dict[str, tuple[I32Array, I32Array]] = {}
        for term in terms:
            tid = self.term_id(term)
            if tid is not None and term not in postings:
                lo, hi = int(self.post_ptr[tid]), int(self.post_ptr[tid + 1])
                postings[term] = (self.post_doc[lo:hi], self.post_tf[lo:hi])
        if not postings:
            return np.empty(0, np.int32), np.empty(0, np.float64)
        docs = [d for d, _ in postings.values()]
        candidates = docs[0] if len(docs) == 1 else np.unique(np.concatenate(docs))
        model = self.model(settings)
        doc_len = self.doc_len[candidates].astype(np.int64)
        score = np.zeros(candidates.size)
        for term in terms:
            if term not in postings:
                # rank-bm25 adds idf 0 for an unknown term: nothing changes.
                continue
            term_docs, term_tf = postings[term]
            q_freq = np.zeros(candidates.size, np.int64)
            q_freq[np.searchsorted(candidates, term_docs)] = term_tf
            score += _term_scores(settings.variant, model, model.idf[term], q_freq, doc_len)
        return candidates, score

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
        used: dict[int, tuple[InvertedIndex, set[int]]] = {}
        for block in blocks:
            if isinstance(block, Kept):
                src = block.source
                lo, hi = int(src.fwd_ptr[block.start]), int(src.fwd_ptr[block.stop])
                entry = used.setdefault(id(src), (src, set()))
                entry[1].update(np.unique(src.fwd_term[lo:hi]).tolist())
            else:
                for terms in block:
                    vocab_set.update(terms)
        for src, ids in used.values():
            vocab_set.update(src.vocab[i] for i in ids)
        vocab = sorted(vocab_set)
        new_id = {t: i for i, t in enumerate(vocab)}
        remaps = {
            key: np.array([new_id.get(t, -1) for t in src.vocab], dtype=np.int32)
            for key, (src, _) in used.items()
        }

        lens: list[npt.NDArray[Any]] = []
        counts: list[npt.NDArray[Any]] = []
        term_parts: list[npt.NDArray[Any]] = []
        tf_parts: list[npt.NDArray[Any]] = []
        for block in blocks:
            if isinstance(block, Kept):
                src = block.source
                lo, hi = int(src.fwd_ptr[block.start]), int(src.fwd_ptr[block.stop])
                lens.append(np.asarray(src.doc_len[block.start : block.stop], np.int32))
                counts.append(np.diff(src.fwd_ptr[block.start : block.stop + 1]))
                term_parts.append(remaps[id(src)][src.fwd_term[lo:hi]])
                tf_parts.append(np.asarray(src.fwd_tf[lo:hi], np.int32))
            else:
                for terms in block:
                    counter = Counter(new_id[t] for t in terms)
                    term_ids = sorted(counter)
                    lens.append(np.array([len(terms)], np.int32))
                    counts.append(np.array([len(term_ids)], np.int64))
                    term_parts.append(np.array(term_ids, np.int32))
                    tf_parts.append(np.array([counter[i] for i in term_ids], np.int32))
        doc_len = np.concatenate(lens).astype(np.int32) if lens else np.empty(0, np.int32)
        per_doc = np.concatenate(counts).astype(np.int64) if counts else np.empty(0, np.int64)
        fwd_term = (
            np.concatenate(term_parts).astype(np.int32) if term_parts else np.empty(0, np.int32)
        )
        fwd_tf = np.concatenate(tf_parts).astype(np.int32) if tf_parts else np.empty(0, np.int32)
        fwd_ptr = np.zeros(doc_len.size + 1, np.int64)
        np.cumsum(per_doc, out=fwd_ptr[1:])

        # Transpose to postings: stable sort by term keeps passages ascending in each list.
        entry_doc = np.repeat(np.arange(doc_len.size, dtype=np.int32), per_doc)
        order = np.argsort(fwd_term, kind="stable")
        post_doc = entry_doc[order]
        post_tf = fwd_tf[order]
        post_ptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(np.bincount(fwd_term, minlength=len(vocab)), out=post_ptr[1:])
        return cls(vocab, doc_len, fwd_ptr, fwd_term, fwd_tf, post_ptr, post_doc, post_tf)

    def passage_terms(self, passage: int) -> dict[str, int]:
        """Term → frequency of one passage."""
        lo, hi = int(self.fwd_ptr[passage]), int(self.fwd_ptr[passage + 1])
        return {
            self.vocab[t]: int(f)
            for t, f in zip(self.fwd_term[lo:hi].tolist(), self.fwd_tf[lo:hi].tolist(), strict=True)
        }

    def __repr__(self) -> str:
        return f"InvertedIndex({self.n_passages} passages, {self.n_terms} terms)"


def _term_scores(
    variant: str, model: Any, idf: float, q_freq: IntArray, doc_len: IntArray
) -> FloatArray:
    """One term's contribution, written exactly as in rank-bm25's ``get_scores``."""
    k1, b, avgdl = model.k1, model.b, model.avgdl
    if variant == "okapi":
        return idf * (q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl)))  # type: ignore[no-any-return]
    if variant == "bm25l":
        ctd = q_freq / (1 - b + b * doc_len / avgdl)
        return idf * q_freq * (k1 + 1) * (ctd + model.delta) / (k1 + ctd + model.delta)  # type: ignore[no-any-return]
    return idf * (model.delta + (q_freq * (k1 + 1)) / (k1 * (1 - b + b * doc_len / avgdl) + q_freq))  # type: ignore[no-any-return]
