"""qabot on a Ray cluster: a corpus in shards, answered with exactly one index's scores.

Modules, bottom up::

    sharding  which shard owns an article (a stable hash of its text), where shards live
    shard     one shard: an ordinary index of its own articles, and what it answers
    runtime   the one importer of Ray: connecting, build tasks, shard actors, deadlines
    bot       :class:`ClusterBot`: ask / search / reindex / stats over every shard

Ray is an optional extra (``pip install -e ".[cluster]"`` in a clone of qabot): ``import
qabot`` never imports this package, and :meth:`qabot.QABot.open_cluster` imports it when
called.
"""

from qabot.cluster.bot import ClusterBot
from qabot.cluster.sharding import owner_of, shard_of

__all__ = ["ClusterBot", "owner_of", "shard_of"]
