"""Which shard owns a corpus file's article, for the cluster tests."""

from __future__ import annotations

from pathlib import Path

from qabot.articles import parse_file
from qabot.cluster.sharding import owner_of


def owner_of_file(corpus: Path, relpath: str, shards: int) -> int:
    """The shard owning the (first) article of the file ``relpath`` in ``corpus``."""
    return owner_of_data(relpath, (corpus / relpath).read_bytes(), shards)


def owner_of_data(relpath: str, data: bytes, shards: int) -> int:
    """The shard that would own the (first) article of a file ``relpath`` holding ``data``."""
    texts, _ = parse_file(Path(relpath), relpath, data)
    return owner_of(texts[0], shards)
