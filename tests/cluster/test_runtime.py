"""Joining Ray: qabot answers without Ray and says how to get it; a cluster that wants a
token is said in one line."""

from __future__ import annotations

import os
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


TOKEN_HEAD = """
import sys
from ray import cluster_utils
cluster = cluster_utils.Cluster(
    initialize_head=True,
    head_node_args={"num_cpus": 1, "include_dashboard": False, "object_store_memory": 80 << 20},
)
print(cluster.address, flush=True)
sys.stdin.read()  # until the test is done
cluster.shutdown()
"""


@pytest.mark.slow
def test_joining_a_cluster_that_wants_a_token_says_what_to_set_in_one_line(
    corpus: Path, tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="Ray is not installed")
    token = "0123456789abcdef" * 2
    # A head with token authentication on, as `ray start --head` turns it on where a
    # token exists; the commands below run in a home of their own, without it.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "QABOT_"))}
    clean.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    head = subprocess.Popen(
        [sys.executable, "-c", TOKEN_HEAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, env={**clean, "RAY_AUTH_MODE": "token",
                                                   "RAY_AUTH_TOKEN": token},
    )  # fmt: skip
    assert head.stdout is not None and head.stdin is not None
    try:
        address = head.stdout.readline().strip()
        if not address:
            pytest.skip("a local Ray head cannot start here")

        def ask(**env: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "qabot", "cluster", "ask", "Stoltenberg Minsk",
                 "--address", address, "--corpus", str(corpus), "--shards", "1"],
                capture_output=True, text=True, env={**clean, **env}, timeout=100,
            )  # fmt: skip

        without = ask()
        assert without.returncode == 1
        assert without.stderr == (
            f"qabot: the Ray cluster at {address} uses token authentication and refused this "
            "process: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH, or "
            "copy it to ~/.ray/auth_token); `ray get-auth-token` on the head prints the token\n"
        )
        wrong = ask(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN="f" * 32)
        assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1
        assert "set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to the cluster's token" in wrong.stderr
        right = ask(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token)  # what the line says to set
        assert right.returncode == 0, right.stderr
        assert "We cannot have Minsk 3" in right.stdout
    finally:
        head.communicate(timeout=60)  # closes its stdin: the head shuts down
