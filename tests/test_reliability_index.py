"""Index files: damaged or foreign index files are detected and rebuilt, never used to answer.

The tests know nothing of the index's layout: they walk the index folder and damage
whatever files they find there (truncated, emptied, cut by a byte, a byte flipped,
garbage appended, deleted, single bits flipped). A file is *needed* when deleting it
makes qabot rebuild; any damage to a needed file must be detected, logged and rebuilt
from the corpus, and whatever the damage, every answer must equal a fresh build's.
"""

from __future__ import annotations

import errno
import importlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from support.behaviour import Behaviour, behaviour
from support.corpus import write_article

from qabot import QABot, QABotError
from qabot.errors import IndexWriteError

QUESTIONS = [
    "what did Stoltenberg say about Minsk",
    "how much did oil prices rise?",
    "where did the chip plant open?",
    "how much did donors pledge?",
    "who played the xylophone?",  # only in the removed article: must stay unknown
    "cup final replay",
]
#: The removed article's long id makes the index's record of the removal a large target.
REMOVED = "removed/" + "a-folder-with-a-long-name-" * 8 + "/" + "a-long-name-" * 16 + "xylo.txt"

#: Single-bit flips tried in each index file, at seeded random positions.
FLIPS_PER_FILE = 6
DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "emptied": lambda data: b"",
    "cut in half": lambda data: data[: len(data) // 2],
    "last byte cut": lambda data: data[:-1],
    "a byte flipped": lambda data: _flip(data, len(data) // 2, 0xFF),
    "garbage appended": lambda data: data + b"\0garbage\n",
}


def _flip(data: bytes, position: int, mask: int) -> bytes:
    if not data:
        return data
    damaged = bytearray(data)
    damaged[position] ^= mask
    return bytes(damaged)


def index_files(index: Path) -> list[str]:
    """Every file below ``index``, relative, sorted."""
    found = []
    for root, _, files in os.walk(index):
        for name in files:
            found.append(os.path.relpath(os.path.join(root, name), index))
    return sorted(found)


@pytest.fixture
def pristine(news_corpus: Path, tmp_path: Path) -> tuple[Path, Path, Behaviour]:
    """An index committed twice (an article added, one removed), and a fresh build's behaviour."""
    index = tmp_path / "pristine"
    write_article(news_corpus, REMOVED, "Concert", "A xylophone solo closed the concert.")
    QABot.open(news_corpus, index)
    (news_corpus / REMOVED).unlink()
    write_article(news_corpus, "new/aid.txt", "Aid", "Donors pledged 5 billion for Ukraine.")
    QABot.open(news_corpus, index)
    expected = behaviour(QABot.open(news_corpus, tmp_path / "fresh"), QUESTIONS)
    assert not expected.answers[QUESTIONS.index("who played the xylophone?")].found
    return news_corpus, index, expected


def open_damaged(corpus: Path, index: Path, caplog: pytest.LogCaptureFixture) -> tuple[QABot, bool]:
    """Open the index as it is (as a running bot picks up a commit: no update from the
    corpus that could mend it); return it and whether it had to be rebuilt."""
    caplog.clear()
    bot = QABot.open(corpus, index, update=False)
    rebuilt = bot.last_report is not None
    warned = any(
        r.levelno >= logging.WARNING and "rebuilt" in r.getMessage() for r in caplog.records
    )
    assert rebuilt == warned, "damage must be logged, and a rebuild must follow"
    return bot, rebuilt


def needed_files(corpus: Path, index: Path, work: Path) -> set[str]:
    """The files whose deletion makes qabot rebuild the index: those that hold it."""
    needed = set()
    for name in index_files(index):
        shutil.copytree(index, work, symlinks=True)
        (work / name).unlink()
        if QABot.open(corpus, work, update=False).last_report is not None:
            needed.add(name)
        shutil.rmtree(work)
    return needed


@pytest.mark.slow
def test_every_damaged_index_file_is_detected_and_rebuilt(
    pristine: tuple[Path, Path, Behaviour], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    corpus, index, expected = pristine
    work = tmp_path / "work"
    files = index_files(index)
    needed = needed_files(corpus, index, work)
    assert len(needed) >= 3, needed  # at least some data files, whatever the layout
    cases = 0
    for name in files:
        for label, damage in DAMAGES.items():
            shutil.copytree(index, work, symlinks=True)
            target = work / name
            target.write_bytes(damage(target.read_bytes()))
            bot, rebuilt = open_damaged(corpus, work, caplog)
            assert behaviour(bot, QUESTIONS) == expected, f"{name} {label}: answered from it"
            if name in needed and target.stat().st_size:  # (emptying an empty file: no damage)
                assert rebuilt, f"{name} {label}: not detected"
            # The rebuilt index is whole: opened again, nothing is redone.
            again, rebuilt_again = open_damaged(corpus, work, caplog)
            assert not rebuilt_again and behaviour(again, QUESTIONS) == expected
            shutil.rmtree(work)
            cases += 1
    print(f"\n{cases} damaged indexes ({len(files)} files, {len(needed)} needed): all detected")


@pytest.mark.slow
def test_single_bit_flips_anywhere_are_detected_or_harmless(
    pristine: tuple[Path, Path, Behaviour], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    corpus, index, expected = pristine
    work = tmp_path / "work"
    rng = random.Random(6)
    undetected = []
    flips = 0
    for name in index_files(index):
        size = (index / name).stat().st_size
        for position in sorted(rng.sample(range(size), min(size, FLIPS_PER_FILE))):
            shutil.copytree(index, work, symlinks=True)
            target = work / name
            target.write_bytes(_flip(target.read_bytes(), position, 0x01))
            bot, rebuilt = open_damaged(corpus, work, caplog)
            if not rebuilt and behaviour(bot, QUESTIONS) != expected:
                undetected.append(f"{name}@{position}")
            shutil.rmtree(work)
            flips += 1
    print(f"\n{flips} single-bit flips, {len(undetected)} used to answer")
    assert undetected == [], f"bit flips used to answer: {undetected}"


@pytest.mark.parametrize(
    ("module", "constant", "logged"),
    [
        ("qabot.index.store", "FORMAT_VERSION", "format"),  # written by another qabot version
        ("qabot.analysis", "ANALYZER_VERSION", "other analysis settings"),
        ("qabot.answering.quotes", "EXTRACTION_VERSION", "other quotation rules"),
    ],
)
def test_an_index_from_another_version_is_rebuilt(
    corpus: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    constant: str,
    logged: str,
) -> None:
    caplog.set_level(logging.WARNING)
    owner = importlib.import_module(module)
    expected = behaviour(QABot.open(corpus, tmp_path / "fresh"), QUESTIONS)
    with monkeypatch.context() as patch:
        patch.setattr(owner, constant, getattr(owner, constant) + 1)
        QABot.open(corpus, tmp_path / "index")
    bot, rebuilt = open_damaged(corpus, tmp_path / "index", caplog)
    assert rebuilt and logged in caplog.text
    assert behaviour(bot, QUESTIONS) == expected


def test_qabot_ask_on_a_damaged_index_warns_in_one_line_and_answers(
    pristine: tuple[Path, Path, Behaviour],
) -> None:
    corpus, index, expected = pristine
    largest = max(index_files(index), key=lambda n: (index / n).stat().st_size)
    (index / largest).write_bytes((index / largest).read_bytes()[:-100])
    done = subprocess.run(
        [sys.executable, "-m", "qabot", "ask", "--json", QUESTIONS[0], "--corpus", str(corpus),
         "--index", str(index)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if "rebuilt" in line]
    assert len(warnings) == 1 and warnings[0].startswith("qabot: ")
    assert json.loads(done.stdout)["text"] == expected.answers[0].text


def test_a_damaged_commit_by_another_process_is_never_answered_from(
    news_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    index = tmp_path / "index"
    serving = QABot.open(news_corpus, index)
    before = behaviour(serving, QUESTIONS)
    write_article(news_corpus, "new/aid.txt", "Aid", "Donors pledged 5 billion for Ukraine.")
    old_files = {name: (index / name).read_bytes() for name in index_files(index)}
    subprocess.run(
        [sys.executable, "-m", "qabot", "index", str(news_corpus), "--index", str(index)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    # Damage every file the other process wrote or changed.
    written = [n for n in index_files(index) if old_files.get(n) != (index / n).read_bytes()]
    assert written
    for name in written:
        data = (index / name).read_bytes()
        (index / name).write_bytes(data[: len(data) // 2])
    # The serving bot keeps answering from the index it has, never from the damaged one.
    assert behaviour(serving, QUESTIONS) == before
    assert "cannot be used" in caplog.text
    # The next reindex repairs the index: it then equals a fresh build.
    serving.reindex()
    after = behaviour(QABot.open(news_corpus, tmp_path / "fresh"), QUESTIONS)
    assert behaviour(serving, QUESTIONS) == after
    assert behaviour(QABot.open(news_corpus, index, update=False), QUESTIONS) == after


# -- an index replaced or changed under a running process ----------------------------------
def _cited_twice(bot: QABot, question: str) -> list[tuple[str, int]]:
    cited = [(hit.article.id, hit.position) for hit in bot.ask(question, k=50).passages]
    return [c for c in set(cited) if cited.count(c) > 1]


def test_a_deleted_and_rebuilt_index_is_never_mixed_with_the_one_in_memory(
    news_corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    serving = QABot.open(news_corpus, index)  # a running bot
    watching = QABot.open(news_corpus, index)  # another one that only answers
    write_article(news_corpus, "new/aid.txt", "Aid", "Donors pledged 5 billion for Ukraine.")
    shutil.rmtree(index)  # `make clean`
    QABot.open(news_corpus, index)  # `qabot index`: segment names start again from the first
    files = sum(1 for p in news_corpus.rglob("*.txt"))
    assert watching.stats().articles == files
    serving.reindex()  # /reindex in the running bot
    fresh = QABot.open(news_corpus, index, update=False)
    for bot in (serving, watching, fresh):
        assert bot.stats().articles == files
        assert not _cited_twice(bot, "donors pledged billion ukraine oil prices cup final")
    expected = behaviour(QABot.open(news_corpus, tmp_path / "reference"), QUESTIONS)
    assert behaviour(fresh, QUESTIONS) == expected


_TRUNCATE_UNDER_A_RUNNING_BOT = """
import json, logging, os, sys
from pathlib import Path
from qabot import QABot
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
corpus, index, question = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
bot = QABot.open(corpus, index, update=False)
bot.ask(question)  # the index files are mapped and in use
for folder in index.glob("seg-*"):
    for name in ("post_doc.npy", "post_tf.npy", "texts.bin"):
        os.truncate(folder / name, 0)
print(json.dumps(bot.ask(question).to_dict()))
"""


def test_index_files_truncated_under_a_running_process_are_reopened_not_a_crash(
    pristine: tuple[Path, Path, Behaviour],
) -> None:
    corpus, index, expected = pristine
    question = QUESTIONS[0]
    done = subprocess.run(
        [sys.executable, "-c", _TRUNCATE_UNDER_A_RUNNING_BOT, str(corpus), str(index), question],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # SIGBUS (a truncated mapped file read) would show as returncode -7.
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert "changed on disk" in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout) == expected.answers[0].to_dict()


def test_an_index_file_overwritten_in_place_never_gives_wrong_citations(
    pristine: tuple[Path, Path, Behaviour], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    corpus, index, expected = pristine
    bot = QABot.open(corpus, index, update=False)
    assert behaviour(bot, QUESTIONS) == expected
    # Other values of the same size, written into the file the bot has mapped (a restore
    # or `rsync --inplace` of another index): each passage now names another article.
    overwritten = 0
    for path in index.glob("seg-*/passage_article.npy"):
        values = np.load(path)
        if values.max() == 0:
            continue  # a segment of one article: no other values to write
        overwritten += 1
        with open(path, "r+b") as fh:
            fh.seek(path.stat().st_size - values.nbytes)
            fh.write((values.max() - values).astype(values.dtype).tobytes())
    assert overwritten
    for answer in behaviour(bot, QUESTIONS).answers:
        for hit in answer.passages:
            assert bot.passage(hit.article.id, hit.position) is not None, hit
    assert "changed on disk" in caplog.text
    assert behaviour(bot, QUESTIONS) == expected


# -- a read-only index, a full disk, an unusable index location -----------------------------
def _qabot(*args: str, read_only: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``qabot args`` in a process of its own; with ``read_only``, that folder is read-only
    to it (a read-only bind mount when running as root, which ignores file modes)."""
    command = [sys.executable, "-m", "qabot", *args]
    if read_only is not None and os.geteuid() == 0:
        if (
            shutil.which("unshare") is None
            or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
        ):
            pytest.skip("running as root without mount namespaces: cannot make a folder read-only")
        mount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        command = ["unshare", "-m", "sh", "-c", mount, str(read_only), *command]
    elif read_only is not None:
        subprocess.run(["chmod", "-R", "a-w", str(read_only)], check=True)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        if read_only is not None and os.geteuid() != 0:
            subprocess.run(["chmod", "-R", "u+w", str(read_only)], check=True)


def test_readers_answer_from_a_read_only_index_and_writers_fail_in_one_line(
    pristine: tuple[Path, Path, Behaviour],
) -> None:
    corpus, index, expected = pristine
    where = ["--corpus", str(corpus), "--index", str(index)]
    before = {name: (index / name).read_bytes() for name in index_files(index)}
    for command in (["ask", "--json", QUESTIONS[1], *where], ["stats", *where]):
        done = _qabot(*command, read_only=index)
        assert (done.returncode, done.stderr) == (0, ""), command
    assert json.loads(_qabot("ask", "--json", QUESTIONS[1], *where, read_only=index).stdout) == (
        expected.answers[1].to_dict()
    )
    # The corpus changed and the index cannot follow: answered from it as it is, with a warning.
    write_article(corpus, "new/kites.txt", "Kites", "Kites flew over the beach all weekend.")
    done = _qabot("ask", "--json", QUESTIONS[1], *where, read_only=index)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected.answers[1].to_dict()
    (warning,) = done.stderr.splitlines()
    assert warning.startswith("qabot: ") and "cannot be updated" in warning
    assert "stale" in warning and "1 added" in warning
    # A writer says in one line what is wrong and what to do.
    done = _qabot("index", str(corpus), "--index", str(index), read_only=index)
    assert done.returncode == 1
    (error,) = done.stderr.splitlines()
    assert error.startswith("qabot: cannot write the index") and "--index DIR" in error
    assert {name: (index / name).read_bytes() for name in index_files(index)} == before


def test_a_full_disk_during_a_commit_fails_in_one_error_and_keeps_the_previous_index(
    pristine: tuple[Path, Path, Behaviour], monkeypatch: pytest.MonkeyPatch
) -> None:
    import qabot.index.store as store

    corpus, index, expected = pristine
    bot = QABot.open(corpus, index, update=False)
    write_article(corpus, "new/kites.txt", "Kites", "Kites flew over the beach all weekend.")
    before = {name: (index / name).read_bytes() for name in index_files(index)}
    real_fsync = os.fsync
    fail_at = 1
    while True:  # ENOSPC at the 1st, 2nd, … flush to disk of the commit, until none is left
        calls = 0

        def fsync(fd: int, fail_at: int = fail_at) -> None:
            nonlocal calls
            calls += 1
            if calls == fail_at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_fsync(fd)

        monkeypatch.setattr(store.os, "fsync", fsync)
        try:
            bot.reindex()
        except QABotError as exc:
            assert str(exc).startswith(f"cannot write the index in {index}: No space left")
            assert not [n for n in index_files(index) if ".tmp" in n]
            assert {name: (index / name).read_bytes() for name in index_files(index)} == before
            assert bot.ask(QUESTIONS[1]) == expected.answers[1]
            fail_at += 1
            continue
        finally:
            monkeypatch.setattr(store.os, "fsync", real_fsync)
        break
    assert fail_at > 10  # every file of a segment, the manifest and the pointer were tried
    assert bot.ask("who flew kites?").found
    reopened = QABot.open(corpus, index, update=False)
    assert behaviour(reopened, QUESTIONS) == behaviour(bot, QUESTIONS)


@pytest.mark.parametrize("where", ["a file", "under /sys", "read-only"])
def test_an_unusable_index_location_is_one_clear_line(
    corpus: Path, tmp_path: Path, where: str
) -> None:
    location = {
        "a file": tmp_path / "index-file",
        "under /sys": Path("/sys/qabot-index"),
        "read-only": tmp_path / "read-only",
    }[where]
    if where == "a file":
        location.write_text("not an index\n")
    elif where == "read-only":
        location.mkdir()
    elif not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    for command in (
        ["ask", "minsk", "--corpus", str(corpus)],
        ["stats", "--corpus", str(corpus)],
        ["index", str(corpus)],
    ):
        done = _qabot(
            *command, "--index", str(location),
            read_only=location if where == "read-only" else None,
        )  # fmt: skip
        assert done.returncode == 1, (command, done.stderr)
        (error,) = done.stderr.splitlines()
        assert error.startswith("qabot: ") and str(location) in error, error
        assert "--index DIR" in error and "rebuilt" not in error, error


def test_a_read_only_index_in_process_answers_warns_and_refuses_writes(
    pristine: tuple[Path, Path, Behaviour],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import qabot.locks as locks

    class ReadOnlyLock:
        """What taking the lock does on a read-only file system."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def acquire(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    caplog.set_level(logging.WARNING)
    corpus, index, expected = pristine
    monkeypatch.setattr(locks, "FileLock", ReadOnlyLock)
    assert behaviour(QABot.open(corpus, index), QUESTIONS) == expected
    assert not caplog.text
    write_article(corpus, "new/kites.txt", "Kites", "Kites flew over the beach all weekend.")
    bot = QABot.open(corpus, index)
    assert behaviour(bot, QUESTIONS) == expected
    assert "answers may be stale (1 added" in caplog.text
    with pytest.raises(IndexWriteError, match="Read-only file system; use --index DIR"):
        bot.reindex()
