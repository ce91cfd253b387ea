"""Exact duplicates: one body text is indexed once, whatever the order files come and go."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from support.corpus import write_article

import qabot.index.index
from qabot import QABot
from qabot.errors import IndexCorruptError, IndexWriteError
from qabot.index.store import read_snapshot
from qabot.index.update import MAX_SEGMENTS

BODY = (
    "The harbour authority approved a new ferry terminal on Monday.",
    "Construction of the terminal at Kelmouth starts in spring and costs 40 million.",
)


def _md(folder: Path, name: str, title: str, *, url: str | None = None) -> Path:
    """A Markdown copy of the story, with a URL in its front matter when given."""
    front = f"---\ntitle: {title}\nurl: {url}\n---\n" if url else f"# {title}\n"
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front + "\n" + "\n\n".join(BODY) + "\n", encoding="utf-8")
    return path


def _state(bot: QABot) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Indexed ids, duplicate pairs and who answers: what must equal a fresh build."""
    snapshot = bot.index.current()
    answer = bot.ask("where is the new ferry terminal")
    return (
        [a.id for a in bot.articles()],
        [(d.article.id, d.of) for d in snapshot.duplicates],
        [h.article.id for h in answer.passages],
    )


def _fresh(folder: Path, tmp_path: Path, name: str) -> QABot:
    return QABot.open(folder, tmp_path / name)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_article(folder, "other.txt", "Rail strike", "Rail workers strike over pay in Leeds.")
    return folder


def test_same_body_is_indexed_once_cited_once_and_reported(folder: Path, tmp_path: Path) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "copies/b.txt", "Kelmouth gets a terminal", *BODY)
    # The same words with other line breaks are the same body.
    write_article(folder, "c.txt", "Terminal", " ".join(BODY))
    bot = QABot.open(folder, tmp_path / "index")
    report = bot.last_report
    assert report is not None
    assert report.duplicates == (("c.txt", "a.txt"), ("copies/b.txt", "a.txt"))
    assert [a.id for a in bot.articles()] == ["a.txt", "other.txt"]
    answer = bot.ask("where is the new ferry terminal", k=5)
    assert [h.article.id for h in answer.passages] == ["a.txt"]
    assert bot.stats().duplicates == 2 and bot.stats().articles == 2
    assert "(2 duplicates not indexed again)" in str(bot.stats())


def test_the_copy_with_more_metadata_is_kept(folder: Path, tmp_path: Path) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    _md(folder, "z.md", "Ferry terminal approved", url="https://example.com/ferry")
    bot = QABot.open(folder, tmp_path / "index")
    assert [a.id for a in bot.articles()] == ["other.txt", "z.md"]
    assert bot.ask("where is the new ferry terminal").passages[0].article.url == (
        "https://example.com/ferry"
    )


def test_of_copies_with_as_much_metadata_the_newest_is_kept(folder: Path, tmp_path: Path) -> None:
    # A wire story saved on two days: the newest answers, as among equally good stories.
    for name, day in (("a.md", "2024-06-01"), ("b.md", "12 June 2024")):
        front = f"---\ntitle: Ferry terminal approved\ndate: {day}\n---\n\n"
        (folder / name).write_text(front + "\n\n".join(BODY) + "\n", encoding="utf-8")
    bot = QABot.open(folder, tmp_path / "index")
    assert [a.id for a in bot.articles()] == ["b.md", "other.txt"]
    assert bot.stats().duplicates == 1


def test_removing_the_kept_copy_promotes_a_duplicate(folder: Path, tmp_path: Path) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)
    bot = QABot.open(folder, tmp_path / "index")
    (folder / "a.txt").unlink()
    report = bot.reindex()
    assert report.removed == ("a.txt",) and report.duplicates == ()
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))
    assert bot.ask("where is the new ferry terminal").passages[0].article.id == "b.txt"


def test_removing_a_duplicate_keeps_the_kept_copy(folder: Path, tmp_path: Path) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)
    bot = QABot.open(folder, tmp_path / "index")
    (folder / "b.txt").unlink()
    report = bot.reindex()
    assert report.removed == ("b.txt",) and not report.added and not report.changed
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))


def test_adding_a_copy_with_more_metadata_replaces_the_kept_one(
    folder: Path, tmp_path: Path
) -> None:
    write_article(folder, "b.txt", "Ferry terminal approved", *BODY)
    bot = QABot.open(folder, tmp_path / "index")
    write_article(folder, "a.txt", "Kelmouth gets a terminal", *BODY)  # smaller id
    assert bot.reindex().duplicates == (("b.txt", "a.txt"),)
    _md(folder, "m.md", "Ferry", url="https://example.com/ferry")  # more metadata
    report = bot.reindex()
    assert report.added == ("m.md",)
    assert report.duplicates == (("a.txt", "m.md"), ("b.txt", "m.md"))
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))


@pytest.mark.parametrize("which", ["a.txt", "b.txt"])
def test_changing_either_copy_parts_them(folder: Path, tmp_path: Path, which: str) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)
    bot = QABot.open(folder, tmp_path / "index")
    write_article(folder, which, "Terminal delayed", "The ferry terminal at Kelmouth is delayed.")
    report = bot.reindex()
    assert report.changed == (which,) and report.duplicates == ()
    assert [a.id for a in bot.articles()] == ["a.txt", "b.txt", "other.txt"]
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))
    # ... and changing it back folds them again.
    write_article(folder, which, "Ferry terminal approved", *BODY)
    assert bot.reindex().duplicates == (("b.txt", "a.txt"),)
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh-again"))


def test_duplicates_inside_one_feed_file(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    rows = [
        {"id": "wire-1", "title": "Ferry", "text": "\n\n".join(BODY)},
        {"id": "wire-2", "title": "Ferry", "text": "\n\n".join(BODY), "date": "2024-05-01"},
        {"id": "wire-3", "title": "Rail", "text": "Rail workers strike over pay in Leeds."},
    ]
    feed = folder / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    bot = QABot.open(folder, tmp_path / "index")
    assert bot.last_report is not None
    assert bot.last_report.duplicates == (("wire-1", "wire-2"),)
    del rows[1]
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    report = bot.reindex()
    assert report.removed == ("wire-2",) and report.duplicates == ()
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))


def test_one_shot_check_sees_in_place_changes_and_new_files_in_subfolders(
    folder: Path, tmp_path: Path
) -> None:
    """Every file is stat-ed: a folder's time says nothing of its files rewritten in place."""
    write_article(folder, "deep/er/a.txt", "Ferry terminal approved", *BODY)
    QABot.open(folder, tmp_path / "index")
    target = folder / "deep" / "er" / "a.txt"
    before = target.stat()
    folder_times = {p: p.stat().st_mtime_ns for p in (folder / "deep", folder / "deep" / "er")}
    same_size = target.read_text().replace("40 million", "90 million")
    assert len(same_size) == before.st_size
    target.write_text(same_size)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    for path, mtime in folder_times.items():
        os.utime(path, ns=(mtime, mtime))
    write_article(folder, "deep/er/new/b.txt", "Rail fares", "Rail fares rise by 90 pence.")
    bot = QABot.open(folder, tmp_path / "index")  # what `qabot ask` does first
    assert bot.last_report is not None
    assert bot.last_report.changed == ("deep/er/a.txt",)
    assert bot.last_report.added == ("deep/er/new/b.txt",)
    assert "90 million" in bot.ask("how much does the ferry terminal cost").text


def test_the_body_index_is_carried_over_and_equals_one_read_from_scratch(
    folder: Path, tmp_path: Path
) -> None:
    # Every update folds duplicates with the body index of the snapshot before it; the
    # committed snapshot takes it over, changed where articles went or came, instead of
    # reading every article of the corpus again (segments pile up and are merged too).
    bot = QABot.open(folder, tmp_path / "index")
    bot.index.current().body_index  # noqa: B018 - read once, as an update does
    steps = [
        lambda: write_article(folder, "a.txt", "Ferry terminal approved", *BODY),
        lambda: write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY),
        lambda: _md(folder, "m.md", "Ferry", url="https://example.com/ferry"),
        lambda: write_article(folder, "a.txt", "Terminal delayed", "It is delayed."),
        lambda: (folder / "m.md").unlink(),
        lambda: (folder / "other.txt").unlink(),
        *(
            (lambda n=n: write_article(folder, f"s{n}.txt", f"Story {n}", f"Story {n} words."))
            for n in range(MAX_SEGMENTS + 2)
        ),
        lambda: write_article(folder, "s3.txt", "Story 3", "Story three, changed."),
    ]
    for step in steps:
        step()
        bot.reindex()
        snapshot = bot.index.current()
        carried = snapshot._cache.get("body_index")
        assert carried is not None  # taken over, not to be read again
        assert carried == replace(snapshot, _cache={}).body_index
        bot.index.current().body_index  # noqa: B018


def test_a_file_of_duplicates_only_keeps_its_record_until_it_goes(
    folder: Path, tmp_path: Path
) -> None:
    # Its record sits in a segment without passages; such a segment was dropped at the
    # next update, and with it the record: the file's removal then went unseen.
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    bot = QABot.open(folder, tmp_path / "index")
    write_article(folder, "c.txt", "Terminal", *BODY)
    assert bot.reindex().duplicates == (("c.txt", "a.txt"),)
    write_article(folder, "new.txt", "Tram", "The tram line opens.")
    bot.reindex()
    (folder / "c.txt").unlink()
    report = bot.reindex()
    assert report.removed == ("c.txt",) and report.duplicates == ()
    assert bot.index.current().duplicates == ()
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))


def test_a_removed_file_stays_removed_through_later_updates(tmp_path: Path) -> None:
    # A removed file leaves a tombstone that voids its older record; the tombstone's
    # segment holds no passages and was dropped at the next update, bringing the record
    # back: the file was reported removed again and again.
    folder = tmp_path / "corpus"
    for n in range(10):
        write_article(folder, f"o{n}.txt", f"Other {n}", f"Filler words number {n}.")
    write_article(folder, "x.txt", "X", "Some words about x.")
    bot = QABot.open(folder, tmp_path / "index")
    (folder / "x.txt").unlink()
    assert bot.reindex().removed == ("x.txt",)
    for n in range(MAX_SEGMENTS + 2):
        write_article(folder, f"n{n}.txt", f"New {n}", f"New words number {n}.")
        report = bot.reindex()
        assert report.removed == () and report.added == (f"n{n}.txt",)
        assert bot.reindex().modified is False
    assert "x.txt" not in bot.index.current().live_ids


def _manifest(index: Path) -> dict[str, object]:
    pointer = json.loads((index / "CURRENT").read_text())
    return json.loads((index / pointer["snapshot"]).read_text())  # type: ignore[no-any-return]


def test_duplicates_are_kept_in_a_file_written_only_when_they_change(
    folder: Path, tmp_path: Path
) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)
    index = tmp_path / "index"
    bot = QABot.open(folder, index)
    before = bot.index.current()
    named = _manifest(index)["duplicates"]
    assert isinstance(named, dict) and before.duplicates_file is not None
    assert named == {"name": before.duplicates_file.name, "xxh3": before.duplicates_file.xxh3}
    stored = json.loads((index / named["name"]).read_text())
    assert [(d["id"], d["of"]) for d in stored] == [("b.txt", "a.txt")]
    # An update that changes no duplicate neither writes nor reads them: the manifest names
    # the same file, and the records in memory are those of the snapshot before.
    for n in range(3):
        write_article(folder, f"new{n}.txt", f"Tram {n}", f"The tram line {n} opens.")
        bot.reindex()
        assert _manifest(index)["duplicates"] == named
        assert bot.index.current().duplicates is before.duplicates
    assert sorted(p.name for p in index.glob("dups-*")) == [named["name"]]
    # A new duplicate: a new file; the old one goes once no kept snapshot names it.
    write_article(folder, "c.txt", "Terminal", *BODY)
    bot.reindex()
    again = _manifest(index)["duplicates"]
    assert isinstance(again, dict) and again["name"] != named["name"]
    assert [(d.article.id, d.of) for d in bot.index.current().duplicates] == [
        ("b.txt", "a.txt"),
        ("c.txt", "a.txt"),
    ]
    write_article(folder, "new9.txt", "Tram 9", "The tram line 9 opens.")
    bot.reindex()
    assert sorted(p.name for p in index.glob("dups-*")) == [again["name"]]
    assert _state(bot) == _state(_fresh(folder, tmp_path, "fresh"))
    # No duplicates left: no file.
    for name in ("b.txt", "c.txt"):
        (folder / name).unlink()
    bot.reindex()
    write_article(folder, "new10.txt", "Tram 10", "The tram line 10 opens.")
    bot.reindex()
    assert _manifest(index)["duplicates"] is None and not list(index.glob("dups-*"))


def test_a_commit_that_fails_leaves_no_file_of_duplicates(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    index = tmp_path / "index"
    bot = QABot.open(folder, index)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)

    def disk_full(*args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(qabot.index.index, "write_snapshot", disk_full)
    with pytest.raises(IndexWriteError):
        bot.reindex()
    assert not list(index.glob("dups-*")) and _manifest(index)["duplicates"] is None
    monkeypatch.undo()
    assert bot.reindex().duplicates == (("b.txt", "a.txt"),)


def test_a_damaged_file_of_duplicates_is_detected_and_the_index_rebuilt(
    folder: Path, tmp_path: Path
) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)
    index = tmp_path / "index"
    QABot.open(folder, index)
    (dups,) = index.glob("dups-*")
    dups.write_text(dups.read_text().replace("b.txt", "x.txt"))
    with pytest.raises(IndexCorruptError, match="fail their checksum"):
        read_snapshot(index, folder)
    bot = QABot.open(folder, index)
    assert bot.last_report is not None and bot.last_report.rebuilt
    assert [(d.article.id, d.of) for d in bot.index.current().duplicates] == [("b.txt", "a.txt")]


@pytest.mark.parametrize("rows", [3, 70])
def test_the_unchanged_articles_are_reported_in_order(tmp_path: Path, rows: int) -> None:
    # Those of untouched files are cut out of the last commit's ids; those of a file read
    # again but left as they were are put in among them.
    folder = tmp_path / "corpus"
    for name in ("a.txt", "m.txt", "z.txt"):
        write_article(folder, name, name, f"Words of {name} about rail.")
    feed = folder / "k.jsonl"
    lines = [{"id": f"k{n:02d}", "title": "T", "text": f"Row {n} on trams."} for n in range(rows)]
    feed.write_text("\n".join(json.dumps(r) for r in lines))
    bot = QABot.open(folder, tmp_path / "index")
    lines[1]["text"] = "Row one, changed."
    feed.write_text("\n".join(json.dumps(r) for r in lines))
    write_article(folder, "m.txt", "m.txt", "Words of m about buses.")
    report = bot.reindex()
    assert report.changed == ("k01", "m.txt")
    everything = ["a.txt", "z.txt", *(f"k{n:02d}" for n in range(rows))]
    assert report.unchanged == tuple(sorted(set(everything) - {"k01"}))


def test_a_commit_of_another_process_keeps_the_duplicates_read_before(
    folder: Path, tmp_path: Path
) -> None:
    write_article(folder, "a.txt", "Ferry terminal approved", *BODY)
    write_article(folder, "b.txt", "Kelmouth gets a terminal", *BODY)
    reader = QABot.open(folder, tmp_path / "index")
    before = reader.index.current().duplicates
    writer = QABot.open(folder, tmp_path / "index")
    write_article(folder, "new.txt", "Tram", "The tram line opens.")
    writer.reindex()
    assert reader.index.refresh()
    assert reader.index.current().duplicates is before
    assert [a.id for a in reader.articles()] == ["a.txt", "new.txt", "other.txt"]
