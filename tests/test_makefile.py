"""The Makefile's targets that touch files: ``make clean`` leaves a checkout as it was cloned."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_clean_removes_what_setup_and_the_demo_made_and_keeps_the_articles(
    tmp_path: Path,
) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    made = [
        ".venv/bin/python", ".pytest_cache/x", ".mypy_cache/x", ".ruff_cache/x",
        "corpus/.qabot-index/CURRENT", "corpus/.qabot-cluster/cluster.json",
        "qabot.egg-info/PKG-INFO",
    ]  # fmt: skip
    kept = ["corpus/article.txt", "corpus/.qabot-feeds.json", "qabot/__init__.py"]
    for name in made + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    assert [n for n in made if (tmp_path / n).parent.exists()] == []
    assert all((tmp_path / n).is_file() for n in kept)
