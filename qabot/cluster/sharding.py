"""Which shard owns an article, and where each shard's index lives.

An article belongs to shard ``hash(body) mod S``: the hash of its body text
(:func:`~qabot.articles.body_key`, whitespace folded, title and metadata left out), with
a hash that is the same on every machine and Python run (BLAKE2b, not Python's salted
``hash``). Copies of one story saved under different names thus land in one shard, which
indexes the story once and cites the copy one index would keep, as one index does; an
article whose text is edited moves to the shard of its new text (every shard reads the
changed files, the old one drops it, the new one adds it). The shards' indexes sit side by
side under one cluster folder (``<corpus>/.qabot-cluster`` unless another is named), with
``cluster.json`` recording the number of shards they were built for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from qabot import atomic
from qabot.articles import ArticleText, body_key
from qabot.config import Settings
from qabot.errors import ClusterError

__all__ = [
    "DEFAULT_CLUSTER_DIRNAME",
    "LAYOUT_VERSION",
    "Owner",
    "cluster_root",
    "owner_of",
    "read_shards",
    "shard_of",
    "shard_settings",
    "write_shards",
]

#: The shards' indexes live in this hidden folder inside the corpus unless told otherwise.
DEFAULT_CLUSTER_DIRNAME = ".qabot-cluster"
_LAYOUT = "cluster.json"
#: 2: shards own articles by body text (1: by id). A folder of another layout is rebuilt.
LAYOUT_VERSION = 2


def shard_of(key: str, shards: int) -> int:
    """The shard (0 … ``shards`` - 1) that owns the articles with this body key."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def owner_of(text: ArticleText, shards: int) -> int:
    """The shard that owns a parsed article: that of its body key."""
    return shard_of(body_key(text), shards)


@dataclass(frozen=True)
class Owner:
    """Whether a body key belongs to one shard: an index's ``owns`` filter."""

    shard: int
    shards: int

    def __call__(self, key: str) -> bool:
        return shard_of(key, self.shards) == self.shard


def cluster_root(settings: Settings) -> Path:
    """The folder of every shard's index: ``settings.index``, else in the corpus."""
    return (
        settings.index if settings.index is not None else settings.corpus / DEFAULT_CLUSTER_DIRNAME
    )


def shard_settings(settings: Settings, shard: int, shards: int) -> Settings:
    """``settings`` with the index folder of one shard."""
    return settings.with_paths(index=cluster_root(settings) / f"shard-{shard:03d}-of-{shards:03d}")


def read_shards(settings: Settings) -> tuple[int, bool] | None:
    """The number of shards the cluster folder was built for, and whether it was built
    with today's layout (its shards must be rebuilt if not); ``None`` if not built."""
    path = cluster_root(settings) / _LAYOUT
    try:
        layout = json.loads(path.read_text("utf-8"))
        return int(layout["shards"]), layout.get("version") == LAYOUT_VERSION
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ClusterError(
            f"{path} cannot be read ({exc}); remove the folder {path.parent} to rebuild the shards"
        ) from None


def write_shards(settings: Settings, shards: int) -> None:
    """Record (atomically) that the cluster folder holds ``shards`` shards."""
    root = cluster_root(settings)
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / ".gitignore").write_text("*\n", "utf-8")
        layout = json.dumps({"version": LAYOUT_VERSION, "shards": shards}).encode()
        atomic.write_file(root / _LAYOUT, layout)
    except OSError as exc:
        raise ClusterError(
            f"cannot write the cluster folder {root}: {exc.strerror or exc}; "
            "name a writable one with --index"
        ) from None
