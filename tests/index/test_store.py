"""The index folder: save → load identical; torn, altered or foreign indexes detected."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import xxhash
from support.corpus import write_article

from qabot import QABot
from qabot.errors import IndexCorruptError, IndexLockedError, IndexVersionError
from qabot.index.store import FORMAT_VERSION, read_snapshot, write_lock


def manifest(index: Path) -> dict[str, object]:
    return json.loads((index / json.loads((index / "CURRENT").read_text())["snapshot"]).read_text())  # type: ignore[no-any-return]


def segment_folders(index: Path) -> list[Path]:
    return [index / s["name"] for s in manifest(index)["segments"]]  # type: ignore[attr-defined]


ARRAYS = ("doc_len", "fwd_ptr", "fwd_term", "fwd_tf", "post_ptr", "post_doc", "post_tf")


def test_save_then_load_changes_nothing(news_corpus: Path, tmp_path: Path) -> None:
    bot = QABot.open(news_corpus, tmp_path / "index")
    before = bot.index.current()
    loaded = read_snapshot(tmp_path / "index", news_corpus)
    assert loaded is not None and len(loaded.segments) == len(before.segments) == 1
    for old, new in zip(before.segments, loaded.segments, strict=True):
        assert new.index.vocab == old.index.vocab
        for name in ARRAYS:
            assert np.array_equal(getattr(new.index, name), getattr(old.index, name))
        assert new.articles == old.articles and new.sources == old.sources
        assert np.array_equal(new.shingle_ptr, old.shingle_ptr)
        assert np.array_equal(new.shingles, old.shingles)
        assert [new.passage(i) for i in range(new.n_passages)] == [
            old.passage(i) for i in range(old.n_passages)
        ]
    again = QABot.open(news_corpus, tmp_path / "index")
    question = "what did Stoltenberg say about Minsk"
    assert again.ask(question) == bot.ask(question)


def test_no_pickle_and_never_in_git(corpus: Path, tmp_path: Path) -> None:
    QABot.open(corpus, tmp_path / "index")
    for folder in segment_folders(tmp_path / "index"):
        for path in folder.glob("*.npy"):
            np.load(path, allow_pickle=False)  # raises if an object array slipped in
    assert (tmp_path / "index" / ".gitignore").read_text().strip().endswith("*")


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip", "delete", "garbage_current", "garbage_manifest", "garbage_segment"],
)
def test_damaged_index_is_detected(corpus: Path, tmp_path: Path, damage: str) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)
    (folder,) = segment_folders(index)
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
    elif damage == "garbage_manifest":
        (index / json.loads((index / "CURRENT").read_text())["snapshot"]).write_text("[]")
    else:
        (folder / "segment.json").write_text("{}")
    with pytest.raises(IndexCorruptError):
        read_snapshot(index, corpus)


def test_other_format_version_is_refused(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)
    pointer = json.loads((index / "CURRENT").read_text())
    path = index / pointer["snapshot"]
    data = json.loads(path.read_text())
    data["version"] = 999
    path.write_text(json.dumps(data))
    # A genuine index of another version: its pointer's checksum matches its manifest.
    pointer["xxh3"] = xxhash.xxh3_64(path.read_bytes()).hexdigest()
    (index / "CURRENT").write_text(json.dumps(pointer))
    with pytest.raises(IndexVersionError):
        read_snapshot(index, corpus)


def test_updates_add_segments_and_garbage_is_collected(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    bot = QABot.open(corpus, index)
    for n in range(12):
        write_article(corpus, f"extra{n}.txt", f"Extra {n}", f"Some text number {n} about kites.")
        bot.reindex()
        segments = [s["name"] for s in manifest(index)["segments"]]  # type: ignore[attr-defined]
        assert len(segments) <= 8  # merged before they pile up
        on_disk = {p.name for p in index.glob("seg-*")}
        assert set(segments) <= on_disk and len(on_disk) <= 2 * 8
        assert len(list(index.glob("snap-*.json"))) <= 2
    assert len(bot.ask("kites", k=20).passages) == 12
    fresh = QABot.open(corpus, tmp_path / "fresh")
    assert bot.ask("kites", k=20) == fresh.ask("kites", k=20)


def test_deleted_articles_are_tombstoned_then_compacted(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    for n in range(8):
        write_article(corpus, f"k{n}.txt", f"Kite {n}", f"Kite flying number {n} in the park.")
    bot = QABot.open(corpus, index)
    (corpus / "k0.txt").unlink()
    bot.reindex()
    entry = manifest(index)["segments"][0]  # type: ignore[index]
    assert entry["deleted"] == ["k0.txt"]
    for n in range(1, 4):
        (corpus / f"k{n}.txt").unlink()
    bot.reindex()  # over a quarter of the segment is dead: rewritten without it
    assert all(not s["deleted"] for s in manifest(index)["segments"])  # type: ignore[attr-defined]
    assert sorted(h.article.id for h in bot.ask("kite flying", k=20).passages) == [
        "k4.txt", "k5.txt", "k6.txt", "k7.txt",
    ]  # fmt: skip


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
        # flock locks belong to an open file description, so a second open conflicts.
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


def _as_format_5(index: Path) -> None:
    """Turn an index into one written before article days were stored (format 5)."""
    for folder in segment_folders(index):
        (folder / "article_day.npy").unlink()
        meta = json.loads((folder / "segment.json").read_text())
        del meta["files"]["article_day.npy"]
        meta["version"] = 5
        (folder / "segment.json").write_text(json.dumps(meta))
    pointer = json.loads((index / "CURRENT").read_text())
    path = index / pointer["snapshot"]
    path.write_text(json.dumps({**json.loads(path.read_text()), "version": 5}))
    pointer["xxh3"] = xxhash.xxh3_64(path.read_bytes()).hexdigest()
    (index / "CURRENT").write_text(json.dumps(pointer))


def test_an_index_without_article_days_is_rebuilt_with_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "vote.md").write_text(
        "---\ntitle: Vote\ndate: 12 June 2024\n---\nThe council voted for the tram line.\n"
    )
    index = tmp_path / "index"
    QABot.open(corpus, index)
    _as_format_5(index)
    with pytest.raises(
        IndexVersionError, match=rf"index format 5 .* this qabot reads {FORMAT_VERSION}"
    ):
        read_snapshot(index, corpus)
    caplog.set_level(logging.WARNING)
    bot = QABot.open(corpus, index)
    assert "index format 5" in caplog.text and "it will be rebuilt from the corpus" in caplog.text
    assert bot.last_report is not None and bot.last_report.rebuilt
    (segment,) = bot.index.current().segments
    assert segment.article_day.tolist() == [date(2024, 6, 12).toordinal()]
    assert bot.ask("tram line vote", since="2024-06-12").found
    assert not bot.ask("tram line vote", since="2024-06-13").found


def test_a_commit_syncs_each_file_before_naming_it_and_names_current_last(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    bot = QABot.open(corpus, index)
    write_article(corpus, "kites.txt", "Kites", "Kites flew over the beach all weekend.")
    steps: list[str] = []
    fsync, rename = os.fsync, os.replace

    def record_fsync(fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        steps.append(f"sync {Path(target).name if os.path.isfile(target) else 'folder'}")
        fsync(fd)

    def record_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        steps.append(f"name {Path(dst).name}")
        rename(src, dst)

    monkeypatch.setattr(os, "fsync", record_fsync)
    monkeypatch.setattr(os, "replace", record_replace)
    bot.reindex()
    monkeypatch.undo()
    generation = manifest(index)["generation"]
    snap = f"snap-{generation:06d}.json"
    commit = steps[steps.index(f"name {snap}") - 1 :]
    # The manifest synced, named and its name synced; then the pointer synced and named
    # (the commit); then the folder synced once more.
    assert [s.split("-")[0] if "tmp" in s else s for s in commit] == [
        "sync .snap", f"name {snap}", "sync folder", "sync .CURRENT", "name CURRENT",
        "sync folder",
    ]  # fmt: skip
    segment = manifest(index)["segments"][-1]["name"]  # type: ignore[index]
    assert steps.index(f"name {segment}") < steps.index(f"name {snap}")
    assert not [p.name for p in index.iterdir() if p.name.endswith(".tmp")]


def test_a_commit_that_cannot_sync_its_folder_afterwards_stands(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import qabot.index.store as store

    index = tmp_path / "index"
    bot = QABot.open(corpus, index)
    write_article(corpus, "kites.txt", "Kites", "Kites flew over the beach all weekend.")
    real = store.atomic.fsync_folder

    def fail_after_the_commit(path: Path) -> None:
        if (index / "CURRENT").read_bytes() != before:
            raise OSError(5, "Input/output error")
        real(path)

    before = (index / "CURRENT").read_bytes()
    monkeypatch.setattr(store.atomic, "fsync_folder", fail_after_the_commit)
    caplog.set_level(logging.WARNING)
    bot.reindex()
    monkeypatch.undo()
    assert "committed, but tidying up failed" in caplog.text
    assert QABot.open(corpus, index, update=False).ask("who flew kites?").found


def _as_format_10(index: Path) -> None:
    """Turn an index into one of format 10: the duplicates listed in the manifest itself."""
    for folder in segment_folders(index):
        meta = json.loads((folder / "segment.json").read_text())
        (folder / "segment.json").write_text(json.dumps({**meta, "version": 10}))
    pointer = json.loads((index / "CURRENT").read_text())
    path = index / pointer["snapshot"]
    data = json.loads(path.read_text())
    (dups,) = index.glob("dups-*.json")
    data.update(version=10, duplicates=json.loads(dups.read_text()))
    dups.unlink()
    path.write_text(json.dumps(data))
    pointer["xxh3"] = xxhash.xxh3_64(path.read_bytes()).hexdigest()
    (index / "CURRENT").write_text(json.dumps(pointer))


def test_an_index_with_the_duplicates_in_its_manifest_is_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "c"
    write_article(corpus, "a.txt", "Tram", "The council voted for the tram line.")
    write_article(corpus, "b.txt", "Tram vote", "The council voted for the tram line.")
    index = tmp_path / "index"
    QABot.open(corpus, index)
    _as_format_10(index)
    with pytest.raises(
        IndexVersionError, match=rf"index format 10 .* this qabot reads {FORMAT_VERSION}"
    ):
        read_snapshot(index, corpus)
    caplog.set_level(logging.WARNING)
    bot = QABot.open(corpus, index)
    assert "index format 10" in caplog.text and "it will be rebuilt from the corpus" in caplog.text
    assert bot.last_report is not None and bot.last_report.rebuilt
    assert bot.last_report.duplicates == (("b.txt", "a.txt"),)
    assert manifest(index)["duplicates"] == {
        "name": (dups := next(index.glob("dups-*.json"))).name,
        "xxh3": xxhash.xxh3_64(dups.read_bytes()).hexdigest(),
    }
    assert bot.ask("tram line vote").found


def _rewrite(folder: Path, name: str, payload: bytes) -> None:
    """Replace a segment file and its recorded size and checksum, as a faulty writer would."""
    (folder / name).write_bytes(payload)
    meta = json.loads((folder / "segment.json").read_text())
    meta["files"][name] = {"bytes": len(payload), "xxh3": xxhash.xxh3_64(payload).hexdigest()}
    (folder / "segment.json").write_text(json.dumps(meta))


def _npy(array: np.ndarray) -> bytes:  # type: ignore[type-arg]
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("quote_ptr.npy", lambda ptr: ptr[:-1]),  # ends before the blob does
        ("quote_article.npy", lambda numbers: numbers[::-1]),  # out of article order
        ("speaker_rows.npy", lambda rows: rows + 2),  # rows the table lacks
    ],
)
def test_stored_quotations_that_disagree_are_detected(
    tmp_path: Path,
    name: str,
    change: Callable[[np.ndarray], np.ndarray],  # type: ignore[type-arg]
) -> None:
    corpus = tmp_path / "c"
    write_article(corpus, "a.txt", "Talks", '"We will not sign," Ms Berg said.')
    write_article(corpus, "b.txt", "Vote", 'Mayor Tom Reed said: "The harbour is ours."')
    index = tmp_path / "index"
    QABot.open(corpus, index)
    (folder,) = segment_folders(index)
    _rewrite(folder, name, _npy(change(np.load(folder / name))))
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        read_snapshot(index, corpus)
    bot = QABot.open(corpus, index)  # rebuilt
    assert bot.ask("What did Mayor Tom Reed say about the harbour?").short == "The harbour is ours."


def test_unsorted_speaker_words_are_detected_when_first_read(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(corpus, "b.txt", "Vote", 'Mayor Tom Reed said: "The harbour is ours."')
    index = tmp_path / "index"
    QABot.open(corpus, index)
    (folder,) = segment_folders(index)
    words = json.loads((folder / "speakers.json").read_text())
    _rewrite(folder, "speakers.json", json.dumps(words[::-1]).encode())
    snapshot = read_snapshot(index, corpus)
    assert snapshot is not None
    with pytest.raises(IndexCorruptError, match=r"speaker words are not sorted.*--rebuild"):
        snapshot.quotations({"reed"})
