"""Which shard owns a corpus file's article, for the cluster tests."""

from __future__ import annotations

from pathlib import Path

from qabot.articles import parse_file
from qabot.cluster.sharding import owner_of


def owner_of_file(corpus: Path, relpath: str, shards: int) -> int:
    """The shard owning the (first) article of the file ``relpath`` in ``corpus``."""
    path = corpus / relpath
    texts, _ = parse_file(path, relpath, path.read_bytes())
    return owner_of(texts[0], shards)
