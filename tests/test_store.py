"""The index folder: save → load identical; torn, altered or foreign indexes detected."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from qabot import QABot
from qabot.errors import IndexCorruptError, IndexLockedError, IndexVersionError
from qabot.store import read_snapshot, write_lock


def committed_folder(index: Path) -> Path:
    return index / json.loads((index / "CURRENT").read_text())["snapshot"]


def test_save_then_load_changes_nothing(news_corpus: Path, tmp_path: Path) -> None:
    bot = QABot.open(news_corpus, tmp_path / "index")
    before = bot._snapshot
    loaded = read_snapshot(tmp_path / "index", news_corpus)
    assert loaded is not None
    assert loaded.index.vocab == before.index.vocab
    for name in ("doc_len", "fwd_ptr", "fwd_term", "fwd_tf", "post_ptr", "post_doc", "post_tf"):
        assert np.array_equal(getattr(loaded.index, name), getattr(before.index, name))
    assert loaded.articles == before.articles
    assert loaded.sources == before.sources
    assert [loaded.passage(i) for i in range(loaded.n_passages)] == [
        before.passage(i) for i in range(before.n_passages)
    ]
    again = QABot.open(news_corpus, tmp_path / "index")
    question = "what did Stoltenberg say about Minsk"
    assert again.ask(question) == bot.ask(question)


def test_no_pickle_in_the_index(corpus: Path, tmp_path: Path) -> None:
    QABot.open(corpus, tmp_path / "index")
    folder = committed_folder(tmp_path / "index")
    for path in folder.glob("*.npy"):
        np.load(path, allow_pickle=False)  # raises if an object array slipped in
    assert (tmp_path / "index" / ".gitignore").read_text().strip().endswith("*")


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip", "delete", "garbage_current", "garbage_manifest"],
)
def test_damaged_index_is_detected(corpus: Path, tmp_path: Path, damage: str) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)
    folder = committed_folder(index)
    target = folder / "post_tf.npy"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:-7])
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[-1] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "delete":
        (folder / "texts.bin").unlink()
    elif damage == "garbage_current":
        (index / "CURRENT").write_text("{not json")
    else:
        (folder / "manifest.json").write_text("[]")
    with pytest.raises(IndexCorruptError):
        read_snapshot(index, corpus)


def test_other_format_version_is_refused(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)
    manifest_path = committed_folder(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexVersionError):
        read_snapshot(index, corpus)


def test_only_current_and_previous_snapshots_are_kept(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    bot = QABot.open(corpus, index)
    for n in range(3):
        (corpus / f"extra{n}.txt").write_text(f"Extra {n}\n\nSome text number {n}.\n")
        bot.reindex()
    assert sorted(p.name for p in index.glob("snap-*")) == ["snap-000003", "snap-000004"]


def test_write_lock_refuses_a_second_writer_after_timeout(tmp_path: Path) -> None:
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with write_lock(tmp_path):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    try:
        # flock locks are per open file description, so a second open in-process conflicts.
        with (
            pytest.raises(IndexLockedError, match="another process"),
            write_lock(tmp_path, timeout=0.2),
        ):
            pass
    finally:
        release.set()
        thread.join()
    with write_lock(tmp_path, timeout=0.2):
        pass
