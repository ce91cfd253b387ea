"""Atomic writes: the old file or the new one, never a part; nothing left behind on failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest

from qabot import atomic


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class Recorder:
    """Records the order of fsyncs and renames, telling files from folders."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        fsync, replace, link = os.fsync, os.replace, os.link

        def record_fsync(fd: int) -> None:
            kind = "folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "file"
            self.calls.append(f"fsync {kind}")
            fsync(fd)

        def record_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            self.calls.append("replace")
            replace(src, dst)

        def record_link(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            self.calls.append("link")
            link(src, dst)

        monkeypatch.setattr(os, "fsync", record_fsync)
        monkeypatch.setattr(os, "replace", record_replace)
        monkeypatch.setattr(os, "link", record_link)


def test_write_file_replaces_the_file_synced_then_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "list.json"
    path.write_bytes(b"old")
    recorder = Recorder(monkeypatch)
    atomic.write_file(path, b"new")
    assert path.read_bytes() == b"new"
    assert entries(tmp_path) == ["list.json"]
    # The data reaches the disk before the name points at it, and the name after.
    assert recorder.calls == ["fsync file", "replace", "fsync folder"]


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "list.json"
    path.write_bytes(b"old")

    def half_then_fail(fh: BinaryIO) -> None:
        fh.write(b"ne")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic.write_file(path, half_then_fail)
    assert path.read_bytes() == b"old"
    assert entries(tmp_path) == ["list.json"]


def test_a_rename_that_fails_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "list.json"
    path.write_bytes(b"old")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        atomic.write_file(path, b"new")
    assert path.read_bytes() == b"old"
    assert entries(tmp_path) == ["list.json"]


def test_a_process_killed_while_writing_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_bytes(b"old")
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from qabot import atomic\n"
        "def fill(fh):\n"
        "    fh.write(b'n' * 100_000)\n"
        "    fh.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "atomic.write_file(Path(sys.argv[1]), fill)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert path.read_bytes() == b"old"
    # The killed writer's temporary file is hidden (corpus scans skip it).
    [leftover] = [n for n in entries(tmp_path) if n != "list.json"]
    assert leftover.startswith(".list.json-") and leftover.endswith(".tmp")


def test_write_new_never_overwrites_any_entry(tmp_path: Path) -> None:
    taken = tmp_path / "taken.md"
    taken.write_bytes(b"first")
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    assert atomic.write_new(taken, b"second") is False
    assert atomic.write_new(dangling, b"second") is False
    assert taken.read_bytes() == b"first"
    assert not (tmp_path / "nowhere.md").exists()  # the link was not written through
    assert atomic.write_new(tmp_path / "free.md", b"third") is True
    assert (tmp_path / "free.md").read_bytes() == b"third"
    assert entries(tmp_path) == ["dangling.md", "free.md", "taken.md"]


def test_a_staged_file_is_published_under_the_first_free_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_bytes(b"there")
    recorder = Recorder(monkeypatch)
    with atomic.staged(tmp_path, b"mine", prefix=".upload-", suffix=".part") as tmp:
        assert tmp.name.startswith(".upload-") and tmp.name.endswith(".part")
        assert not atomic.link_new(tmp, tmp_path / "a.md")
        assert atomic.link_new(tmp, tmp_path / "a-2.md")
    assert (tmp_path / "a-2.md").read_bytes() == b"mine"
    assert entries(tmp_path) == ["a-2.md", "a.md"]
    assert recorder.calls == ["fsync file", "link", "link", "fsync folder"]


def test_a_commit_rename_can_leave_syncing_the_folder_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(monkeypatch)
    with atomic.staged(tmp_path, b"pointer") as tmp:
        atomic.replace(tmp, tmp_path / "CURRENT", sync_folder=False)
    assert recorder.calls == ["fsync file", "replace"]
    assert (tmp_path / "CURRENT").read_bytes() == b"pointer"


def test_write_synced_writes_in_place_and_syncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(monkeypatch)
    atomic.write_synced(tmp_path / "a.npy", lambda fh: fh.write(b"\x93NUMPY"))
    assert (tmp_path / "a.npy").read_bytes() == b"\x93NUMPY"
    assert recorder.calls == ["fsync file"]
