"""Index files: damaged or foreign index files are detected and rebuilt, never used to answer.

The tests know nothing of the index's layout: they walk the index folder and damage
whatever files they find there (truncated, emptied, cut by a byte, a byte flipped,
garbage appended, deleted, single bits flipped). A file is *needed* when deleting it
makes qabot rebuild; any damage to a needed file must be detected, logged and rebuilt
from the corpus, and whatever the damage, every answer must equal a fresh build's.
"""

from __future__ import annotations

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

import pytest
from support.behaviour import Behaviour, behaviour
from support.corpus import write_article

from qabot import QABot

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
