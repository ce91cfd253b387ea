"""Bad articles: every unusable file is reported with its path and reason and skipped.

One corpus holds good articles in every format next to every kind of bad file qabot can
meet: empty, binary, wrong encodings, JSON that is not an article, 50 MB and 25 MB files,
deeply nested JSON, a feed of 100,000 bad rows, FIFOs, devices, dangling links, link
loops, a name that is not UTF-8, and (with file permissions enforced) unreadable files
and folders. Nothing good may be lost, nothing may raise, and the index must stay usable.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import QABot
from qabot.values import Problem

#: Each good article, by id, and a word only it contains.
GOOD = {
    "plain.txt": "aardvark",
    "notes/markdown.md": "bassoon",
    "object.json": "cormorant",
    "list.json#1": "dulcimer",
    "list.json#2": "echidna",
    "feed-1": "flamingo",
    "odd.txt/inside.txt": "gazelle",
    "many-bad.json#1": "harmonium",
}


def good_articles(corpus: Path) -> None:
    write_article(corpus, "plain.txt", "Plain", "The aardvark left the zoo on Monday.")
    (corpus / "notes").mkdir()
    (corpus / "notes" / "markdown.md").write_text(
        "---\ntitle: Music\n---\n\nA bassoon was found on the train.\n", encoding="utf-8"
    )
    (corpus / "object.json").write_text(
        json.dumps({"title": "Birds", "text": "A cormorant nested on the pier."})
    )
    (corpus / "list.json").write_text(
        json.dumps(
            [
                {"title": "Strings", "text": "The dulcimer recital sold out."},
                {"title": "Wildlife", "text": "An echidna crossed the road."},
            ]
        )
    )
    (corpus / "feed.jsonl").write_text(
        json.dumps({"id": "feed-1", "title": "Pink", "text": "A flamingo stood still."})
        + "\n"
        + "[" * 50_000
        + "\n"
    )
    # A folder whose name looks like an article file is walked like any folder.
    write_article(corpus, "odd.txt/inside.txt", "Inside", "A gazelle ran across the plain.")
    bad_rows = [{"title": "Keys", "text": "The harmonium was restored."}] + [7] * 100_000
    (corpus / "many-bad.json").write_text(json.dumps(bad_rows))


def bad_files(corpus: Path) -> dict[str, str]:
    """Write the bad files; return each one's name and a fragment of the expected reason."""
    files = {
        "empty.txt": (b"", "empty"),
        "blank.md": (b" \n\t\n  ", "empty"),
        "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        "utf16.txt": ("Title\n\nText".encode("utf-16"), "binary"),
        "latin1.txt": ("Café\n\nUne crème brûlée".encode("latin-1"), "UTF-8"),
        "cp1252.md": ("\u201cQuoted\u201d\n\ntext".encode("cp1252"), "UTF-8"),
        "cut.txt": ("Title\n\nZürich".encode()[:-5], "UTF-8"),
        "title-only.txt": (b"Only a title\n", "no article text"),
        "number.json": (b"42", "not int"),
        "string.json": (b'"an article"', "not str"),
        "null.json": (b"null", "not NoneType"),
        "flag.json": (b"true", "not bool"),
        "no-text.json": (b'{"title": "x"}', '"text"'),
        "broken.json": (b'{"title": "x", "text": ', "malformed JSON"),
        "deep-list.json": (b"[" * 200_000 + b"]" * 200_000, "malformed JSON"),
        "deep-object.json": (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "malformed JSON"),
        "bad-rows.jsonl": (b"7\n[]\n{}\n", "no usable article"),
    }
    for name, (data, _) in files.items():
        (corpus / name).write_bytes(data)
    expected = {name: reason for name, (_, reason) in files.items()}

    # Too large to be an article: refused by size, before being read.
    with open(corpus / "huge.txt", "wb") as fh:
        fh.write(b"Huge\n\n")
        line = b"All work and no play makes a very large file. " * 20 + b"\n\n"
        fh.write(line * (50_000_000 // len(line) + 1))
    with open(corpus / "huge.json", "wb") as fh:
        item = json.dumps({"title": "x", "text": "y" * 1000}).encode()
        fh.write(b"[" + b",".join([item] * 25_000) + b"]")
    expected |= {"huge.txt": "allowed", "huge.json": "allowed"}

    os.mkfifo(corpus / "pipe.txt")  # reading it would block for ever
    os.symlink("/dev/zero", corpus / "zero.txt")  # an endless device
    os.symlink(corpus / "missing.txt", corpus / "dangling.txt")
    os.symlink("self.md", corpus / "self.md")
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    os.symlink(".", corpus / "here")  # a folder loop
    os.symlink("..", corpus / "notes" / "up")
    expected |= {
        "pipe.txt": "not a regular file",
        "zero.txt": "not a regular file",
        "dangling.txt": "No such file",
        "self.md": "symbolic links",
        "loop-a.txt": "symbolic links",
        "loop-b.txt": "symbolic links",
        "here": "not followed",
        "notes/up": "not followed",
    }
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_text("Latin-1 name\n\nbody text")
    expected["caf\ufffd.txt"] = "not valid UTF-8"
    return expected


def check_problems(
    corpus: Path, problems: tuple[Problem, ...], expected: dict[str, str], *, partial: bool = True
) -> None:
    by_name: dict[str, list[str]] = {}
    for problem in problems:
        by_name.setdefault(problem.path.relative_to(corpus).as_posix(), []).append(problem.reason)
    for name, fragment in expected.items():
        assert name in by_name, f"{name} not reported; reported: {sorted(by_name)}"
        assert fragment in by_name[name][0], (name, by_name[name])
    if not partial:
        assert set(by_name) == set(expected)
        return
    # Files with good articles and bad entries report the bad entries.
    assert set(by_name) == set(expected) | {"feed.jsonl", "many-bad.json"}
    assert "malformed JSON" in by_name["feed.jsonl"][0]
    # 100,000 bad rows: the first few, then how many more; not a 100,000-line report.
    assert len(by_name["many-bad.json"]) <= 11
    assert "99,990 more" in by_name["many-bad.json"][-1]


@pytest.mark.slow
def test_bad_files_are_reported_and_skipped_and_nothing_else_lost(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good_articles(corpus)
    expected = bad_files(corpus)
    started = time.monotonic()
    bot = QABot.open(corpus, tmp_path / "index")
    assert time.monotonic() - started < 30
    report = bot.last_report
    assert report is not None
    assert set(report.added) == set(GOOD)
    assert {a.id for a in bot.articles()} == set(GOOD)
    check_problems(corpus, report.problems, expected)
    for article_id, word in GOOD.items():
        answer = bot.ask(f"what about the {word}?")
        assert answer.found and answer.passages[0].article.id == article_id

    # Reopened: still usable, nothing to redo, every skipped file listed again, the bad
    # entries of partly good files too.
    again = QABot.open(corpus, tmp_path / "index")
    assert again.last_report is not None and not again.last_report.modified
    check_problems(corpus, again.stats().problems, expected)

    # The command line lists every skipped file with its reason, and succeeds.
    done = subprocess.run(
        [sys.executable, "-m", "qabot", "index", str(corpus), "--index", str(tmp_path / "index")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped ")]
    for name in expected:
        assert any(f"{corpus / name}: " in line for line in skipped), name
    assert f"{len(GOOD)} unchanged" in done.stdout


def _drop_file_permission_override() -> None:
    """In the child, before exec: lose root's power to ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for cap in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_unreadable_files_and_folders_are_reported_and_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_article(corpus, "ok.txt", "Fine", "The okapi is doing fine.")
    write_article(corpus, "secret.txt", "Secret", "Nobody may read this.")
    write_article(corpus, "locked/inner.txt", "Locked", "Nor this.")
    command = [
        sys.executable, "-m", "qabot", "index", str(corpus), "--index", str(tmp_path / "index"),
    ]  # fmt: skip
    preexec = None
    if os.geteuid() == 0:
        # Root reads anything; run the indexer as root without that privilege instead.
        probe = subprocess.run(
            [sys.executable, "-c", "pass"], preexec_fn=_drop_file_permission_override,
            capture_output=True,
        )  # fmt: skip
        if probe.returncode != 0:
            pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE to test permissions")
        preexec = _drop_file_permission_override
    (corpus / "secret.txt").chmod(0)
    (corpus / "locked").chmod(0)
    try:
        done = subprocess.run(
            command, preexec_fn=preexec, capture_output=True, text=True, timeout=60
        )
    finally:
        (corpus / "locked").chmod(0o755)
        (corpus / "secret.txt").chmod(0o644)
    assert done.returncode == 0, done.stderr
    assert f"skipped {corpus / 'secret.txt'}: cannot read: Permission denied" in done.stderr
    assert f"skipped {corpus / 'locked'}: cannot list folder: Permission denied" in done.stderr
    bot = QABot.open(corpus, tmp_path / "index", update=False)
    assert [a.id for a in bot.articles()] == ["ok.txt"]
    assert bot.ask("how is the okapi?").found


def test_bad_entries_of_an_unchanged_feed_are_still_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [{"id": "a", "title": "A", "text": "The avocet returned."}, "not an article"]
    (corpus / "feed.json").write_text(json.dumps(rows))
    first = QABot.open(corpus, tmp_path / "index").last_report
    assert first is not None and [p.reason for p in first.problems] == [
        "item 2: expected an object with title and text, got str"
    ]
    write_article(corpus, "other.txt", "Other", "Something else happened.")
    bot = QABot.open(corpus, tmp_path / "index")  # feed.json unchanged: reused, not re-read
    assert bot.last_report is not None and bot.last_report.added == ("other.txt",)
    assert bot.last_report.problems == first.problems
    assert bot.stats().problems == first.problems
