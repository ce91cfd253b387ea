"""qabot on a Ray cluster: a corpus in shards, answered with exactly one index's scores.

Modules, bottom up::

    sharding  which shard owns an article (a stable hash of its text), where shards live
    shard     one shard: an ordinary index of its own articles, and what it answers
    runtime   the one importer of Ray: connecting, build tasks, shard actors, deadlines
    reader    :class:`ClusterReader`: a question's two rounds over the shards
    index     :class:`ClusterIndex`: build, update, read and sum every shard

Ray is an optional extra (``pip install -e ".[cluster]"`` in a clone of qabot): ``import
qabot`` never imports this package; :meth:`qabot.QABot.open_cluster` imports it when
called and answers from a :class:`ClusterIndex`. Nothing here imports :mod:`qabot.core`.
"""

from qabot.cluster.index import DEFAULT_SHARDS, ClusterIndex
from qabot.cluster.reader import ClusterReader
from qabot.cluster.sharding import owner_of, shard_of

__all__ = ["DEFAULT_SHARDS", "ClusterIndex", "ClusterReader", "owner_of", "shard_of"]
