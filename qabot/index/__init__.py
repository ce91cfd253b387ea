"""The index: one front door (:class:`Index`) over postings, BM25 maths, segments and storage.

Modules, bottom up::

    bm25      all BM25 maths, the one rank-bm25 importer
    postings  one segment's term counts by passage and by term (numpy arrays)
    segment   a segment: articles, passage texts, postings; never modified once written
    search    exact top-k across segments, article re-ranking, :class:`Match` values
    snapshot  one committed state: segments, deletions, live statistics
    store     the folder on disk: checksummed files, atomic commits, the write lock
    update    corpus → next snapshot: what changed, analysis workers, merges
    index     :class:`Index`: load, update, current snapshot, articles, stats

Nothing outside this package reads numpy arrays or index files.
"""

from qabot.index.index import Index
from qabot.index.search import Candidate, Match, candidates, merge
from qabot.index.snapshot import Snapshot, TermStats
from qabot.index.update import Progress

__all__ = [
    "Candidate",
    "Index",
    "Match",
    "Progress",
    "Snapshot",
    "TermStats",
    "candidates",
    "merge",
]
