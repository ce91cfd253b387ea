"""The index: one front door (:class:`Index`) over postings, BM25 maths, segments and storage.

Modules, bottom up::

    bm25      all BM25 maths, the one rank-bm25 importer
    postings  one segment's term counts by passage and by term (numpy arrays)
    segment   a segment: articles, passage texts, postings; never modified once written
    quotes    the quotations kept with a segment, and who said them
    search    exact top-k across segments: contenders, ranking and re-ranking, matches
    snapshot  one committed state: segments, deletions, live statistics
    dedup     near-duplicate stories among a question's matches (word shingles)
    reader    :class:`Reader`: one question's view of an index (statistics, search with
              near-duplicates folded, article texts); :class:`SnapshotReader` for one index
    store     the folder on disk: checksummed files, atomic commits, the write lock
    update    corpus → next snapshot: what changed, analysis workers, merges
    index     :class:`Index`: load, update, current snapshot, a question's reader, articles

Nothing outside this package reads numpy arrays or index files. A cluster of shards
(:mod:`qabot.cluster`) ranks with :func:`contenders`, :func:`rank` and :func:`matches`
and weighs terms with :meth:`TermStats.weights`, as one index does.
"""

from qabot.index.bm25 import Weights
from qabot.index.index import Index
from qabot.index.quotes import speaker_words
from qabot.index.reader import Reader, SnapshotReader
from qabot.index.search import Contender, Match, contender_depth, contenders, matches, rank
from qabot.index.snapshot import Snapshot, TermStats
from qabot.index.update import Progress

__all__ = [
    "Contender",
    "Index",
    "Match",
    "Progress",
    "Reader",
    "Snapshot",
    "SnapshotReader",
    "TermStats",
    "Weights",
    "contender_depth",
    "contenders",
    "matches",
    "rank",
    "speaker_words",
]
