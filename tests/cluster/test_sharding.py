"""Sharding: a stable owner for every article text, and the cluster folder's layout."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from qabot.articles import ArticleText
from qabot.cluster.sharding import (
    Owner,
    cluster_root,
    owner_of,
    read_shards,
    shard_of,
    shard_settings,
    write_shards,
)
from qabot.config import Settings
from qabot.errors import ClusterError
from qabot.values import Article


def test_the_owner_of_an_id_is_pinned_across_runs_and_machines() -> None:
    # Python's own hash() is salted per process; these figures would change with it.
    assert [shard_of(f"story{n}.txt", 4) for n in range(8)] == [
        shard_of(f"story{n}.txt", 4) for n in range(8)
    ]
    assert shard_of("stoltenberg-peace-talks-minsk-3.txt", 4) == 1
    assert shard_of("stoltenberg-peace-talks-minsk-3.txt", 7) == 5


def test_ids_spread_over_every_shard() -> None:
    counts = Counter(shard_of(f"desk{n % 20}/story{n:05d}.txt", 8) for n in range(8000))
    assert sorted(counts) == list(range(8))
    assert min(counts.values()) > 800


def test_an_owner_accepts_exactly_its_shards_ids() -> None:
    ids = [f"a{n}" for n in range(100)]
    owners = [Owner(s, 3) for s in range(3)]
    assert all(sum(owner(i) for owner in owners) == 1 for i in ids)


def test_shard_indexes_live_side_by_side_in_the_cluster_folder(tmp_path: Path) -> None:
    settings = Settings(corpus=tmp_path / "corpus")
    assert cluster_root(settings) == tmp_path / "corpus" / ".qabot-cluster"
    assert shard_settings(settings, 2, 4).index_dir == cluster_root(settings) / "shard-002-of-004"
    elsewhere = settings.with_paths(index=tmp_path / "shards")
    assert shard_settings(elsewhere, 0, 1).index_dir == tmp_path / "shards" / "shard-000-of-001"


def test_the_folder_remembers_its_number_of_shards(tmp_path: Path) -> None:
    settings = Settings(corpus=tmp_path, index=tmp_path / "shards")
    assert read_shards(settings) is None
    write_shards(settings, 5)
    assert read_shards(settings) == (5, True)
    (tmp_path / "shards" / "cluster.json").write_text("{not json", "utf-8")
    with pytest.raises(ClusterError, match="remove the folder"):
        read_shards(settings)


def test_copies_of_one_text_have_one_owner_whatever_their_names() -> None:
    def text(article_id: str, title: str, body: str) -> ArticleText:
        return ArticleText(Article(article_id, title, Path(article_id)), (body,))

    body = "The Tagus bridge reopened on Monday."
    owners = {owner_of(text(f"desk{n}/copy.txt", f"Title {n}", body), 8) for n in range(50)}
    assert len(owners) == 1
    spread = {owner_of(text("same.txt", "Same", f"{body} Edit {n}."), 8) for n in range(50)}
    assert len(spread) > 1  # an edited text may move


def test_a_folder_of_an_older_layout_is_to_be_rebuilt(tmp_path: Path) -> None:
    settings = Settings(corpus=tmp_path, index=tmp_path / "shards")
    (tmp_path / "shards").mkdir()
    (tmp_path / "shards" / "cluster.json").write_text('{"version": 1, "shards": 3}', "utf-8")
    assert read_shards(settings) == (3, False)


def test_the_layout_is_written_atomically_and_durably(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(corpus=tmp_path, index=tmp_path / "shards")
    write_shards(settings, 3)
    synced: list[str] = []
    fsync = os.fsync

    def record(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", record)
    write_shards(settings, 4)
    # The new layout reached the disk before its name, then the name (the folder).
    assert len(synced) == 2 and synced[1] == str(tmp_path / "shards")
    assert Path(synced[0]).parent == tmp_path / "shards"
    assert read_shards(settings) == (4, True)
    assert sorted(p.name for p in (tmp_path / "shards").iterdir()) == [".gitignore", "cluster.json"]
