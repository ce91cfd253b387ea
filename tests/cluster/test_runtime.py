"""Ray stays optional: qabot imports and answers without it, and says how to get it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WITHOUT_RAY = """
import sys
sys.modules["ray"] = None  # as if Ray were not installed
import qabot
from qabot import QABot, QABotError
assert "ray" not in [m for m in sys.modules if sys.modules[m] is not None]
print(QABot.open(sys.argv[1]).ask("what did Stoltenberg say about Minsk").short)
try:
    QABot.open_cluster(None, sys.argv[1], 2)
except QABotError as exc:
    print(exc)
"""


@pytest.mark.slow
def test_qabot_works_without_ray_and_the_cluster_says_how_to_get_it(corpus: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_RAY, str(corpus)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    short, message = done.stdout.strip().splitlines()
    assert short == "We cannot have Minsk 3"
    assert message == (
        "qabot on a Ray cluster needs ray, which is not installed; install qabot's [cluster] "
        'extra: pip install -e ".[cluster]" in a clone of qabot'
    )
