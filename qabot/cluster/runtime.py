"""The one importer of Ray: connecting, build tasks, shard actors and calls with deadlines.

Each shard is served by a named, detached Ray actor
(``qabot-<version>-layout<L>-shard-<i>-of-<S>`` in a namespace of the cluster folder), so
every process of one qabot version that opens the same cluster folder on the same Ray
cluster talks to the same shards. Ray restarts a dead actor (``max_restarts``
without limit), on another node when its node is gone; the restarted actor reopens its
committed index. Calls in flight are re-sent to the restarted actor (``max_task_retries``):
questions are read-only and updates bring an index in step with the corpus, so a call
run twice gives what it gives once. The caller bounds how long it waits for each reply.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from qabot import __version__
from qabot.cluster.shard import Shard, build_shard, corpus_unseen
from qabot.cluster.sharding import LAYOUT_VERSION, cluster_root
from qabot.config import Settings
from qabot.errors import ClusterError, MissingExtraError, QABotError
from qabot.values import ReindexReport

__all__ = ["Runtime", "connect"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds to wait for a cluster's address to accept a connection.
CONNECT_TIMEOUT = 5.0

try:
    import ray
    from ray.exceptions import RayError
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
except ImportError:  # pragma: no cover - checked by connect()
    ray = None  # type: ignore[assignment]


def connect(address: str | None) -> None:
    """Join the Ray cluster at ``address``; ``None`` starts a Ray instance on this machine."""
    if ray is None:
        raise MissingExtraError("qabot on a Ray cluster", "cluster", "ray")
    if ray.is_initialized():
        return
    if address is not None:
        _check_reachable(address)
        _check_token(address)
    else:
        # A new local instance turns on Ray's token authentication (what we want) and
        # says so on stderr at length; qabot's own log says where it runs.
        logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
            logging.ERROR
        )
    try:
        ray.init(
            # "local" always starts a new instance; None would join one a dead run left.
            address=address or "local",
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        if address is not None and _refused_token(exc):
            raise _token_error(address) from None
        raise ClusterError(
            f"cannot join the Ray cluster at {address or 'this machine'} ({_cause(exc)}); "
            "start one with `ray start --head` and give its address (host:port)"
        ) from None
    log.info("%s", f"joined the Ray cluster at {address}" if address else "started Ray here")


def _check_reachable(address: str) -> None:
    """Fail at once, not after Ray's minutes of retries, when nothing listens at host:port."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return  # "auto", "ray://…": Ray resolves those itself
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); start one with "
            "`ray start --head` there, or check the address (QABOT_CLUSTER_ADDRESS, --address)"
        ) from None


def _check_token(address: str) -> None:
    """Fail at once, not after Ray's 20 s of retries, when the cluster wants a token.

    Ray turns token authentication on where a token exists (``ray start --head`` on a
    machine with ``~/.ray/auth_token``, which a local ``ray.init`` writes), but a process
    joining an explicit address sends one only with ``RAY_AUTH_MODE=token``; without it,
    Ray's error does not mention authentication. One request to the cluster tells.
    """
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return
    # What ray.init itself joins with; a Ray without it (or without tokens) is left to
    # ray.init, which says what it says.
    gcs_client = getattr(ray._raylet, "GcsClient", None)
    refused = getattr(ray.exceptions, "AuthenticationError", None)
    if gcs_client is None or refused is None:
        return
    try:
        with _quiet_native_stderr():
            gcs_client(address=address)
    except Exception as exc:
        if isinstance(exc, refused):
            raise _token_error(address) from None
        # Anything else is ray.init's to report.


def _token_error(address: str) -> ClusterError:
    """The one line for a cluster that refused this process for want of its token."""
    mode = getattr(ray._raylet, "get_authentication_mode", None)
    modes = getattr(ray._raylet, "AuthenticationMode", None)
    where = (
        "set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to the cluster's token"
        if mode is not None and modes is not None and mode() == modes.TOKEN
        else "set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH, or copy it "
        "to ~/.ray/auth_token)"
    )
    return ClusterError(
        f"the Ray cluster at {address} uses token authentication and refused this process: "
        f"{where}; `ray get-auth-token` on the head prints the token"
    )


def _refused_token(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the cluster refusing a missing or wrong token."""
    seen: BaseException | None = exc
    while seen is not None:
        if "InvalidAuthToken" in str(seen) or type(seen).__name__ == "AuthenticationError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """File descriptor 2 pointed at nothing: Ray's C++ client logs each refused attempt
    there, and the error qabot raises says it in one line."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _ShardActor(Shard):
    """A shard as a Ray actor: a :class:`Shard` that can say where it runs."""

    def node_id(self) -> str:
        return str(ray.get_runtime_context().get_node_id())


class Runtime:
    """The shard actors of one cluster folder, and calls to them with deadlines."""

    def __init__(self, settings: Settings, shards: int) -> None:
        if ray is None or not ray.is_initialized():
            raise ClusterError("not connected to a Ray cluster: call connect() first")
        self.settings = settings
        self.shards = shards
        root = str(cluster_root(settings).resolve())
        self.namespace = "qabot-" + hashlib.blake2b(root.encode(), digest_size=6).hexdigest()
        actor = ray.remote(_ShardActor)
        self.actors: list[Any] = [
            actor.options(
                # Actors outlive their driver: one of another qabot or layout is not reused.
                name=f"qabot-{__version__}-layout{LAYOUT_VERSION}-shard-{i}-of-{shards}",
                namespace=self.namespace,
                get_if_exists=True,
                lifetime="detached",
                max_restarts=-1,
                max_task_retries=-1,
                # Threads: a shard answers questions while it updates.
                max_concurrency=8,
                # An actor only waits on disk and numpy: it holds no CPU while idle.
                num_cpus=0,
                scheduling_strategy="SPREAD",
            ).remote(settings, i, shards)
            for i in range(shards)
        ]

    # -- building -------------------------------------------------------------------------
    @staticmethod
    def check_nodes(settings: Settings) -> None:
        """Refuse a corpus that a node of the cluster does not see (:class:`ClusterError`).

        A task on every live node looks for the corpus folder: a shard built or served
        where it is missing would serve an empty corpus.
        """
        if ray is None or not ray.is_initialized():
            raise ClusterError("not connected to a Ray cluster: call connect() first")
        task = ray.remote(corpus_unseen)
        calls = [
            task.options(
                num_cpus=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False),
            ).remote(settings)
            for node in ray.nodes()  # type: ignore[no-untyped-call]
            if node.get("Alive")
        ]
        try:
            unseen = [problem for problem in ray.get(calls) if problem is not None]
        except RayError as exc:
            raise _own_error(exc) or ClusterError(
                f"cannot look for the corpus on the cluster's nodes: {_cause(exc)}"
            ) from None
        if unseen:
            raise ClusterError(unseen[0])

    @staticmethod
    def build(settings: Settings, shards: int, rebuild: bool) -> list[ReindexReport]:
        """Build or update every shard's index in parallel Ray tasks."""
        if ray is None or not ray.is_initialized():
            raise ClusterError("not connected to a Ray cluster: call connect() first")
        task = ray.remote(build_shard).options(num_cpus=1, max_retries=3)
        calls = [task.remote(settings, i, shards, rebuild) for i in range(shards)]
        try:
            return list(ray.get(calls))
        except RayError as exc:
            # A shard's own refusal (a corpus it cannot see, a full disk) is said as it is.
            raise _own_error(exc) or ClusterError(
                f"building the shards failed: {_cause(exc)}"
            ) from None

    # -- calls ----------------------------------------------------------------------------
    def call(
        self,
        method: str,
        args: Callable[[int], tuple[Any, ...]],
        shards: Sequence[int],
        timeout: float | None,
    ) -> dict[int, Any]:
        """Call ``method`` on ``shards`` at once; the replies that came within ``timeout``.

        ``args(shard)`` gives each shard's arguments. A shard whose actor is restarting
        is waited for until the deadline; one that did not reply by then (or cannot) is
        left out of the result, and the reason logged.
        """
        pending = {getattr(self.actors[i], method).remote(*args(i)): i for i in shards}
        deadline = None if timeout is None else time.monotonic() + timeout
        replies: dict[int, Any] = {}
        while pending:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=left)
            if not ready:
                break
            for ref in ready:
                shard = pending.pop(ref)
                try:
                    replies[shard] = ray.get(ref)
                except RayError as exc:
                    own = _own_error(exc)
                    if own is not None:  # the shard refused (see build): no fault to wait out
                        raise own from None
                    log.warning("shard %d did not answer %s: %s", shard, method, _cause(exc))
        for shard in pending.values():
            # Left to finish on its own: a late reply is dropped, never applied twice.
            log.warning("shard %d did not answer %s within %.1f s", shard, method, timeout or 0)
        return replies

    def call_all(self, method: str, *args: Any, timeout: float | None = None) -> list[Any]:
        """``method`` on every shard; raises :class:`ClusterError` unless all replied."""
        replies = self.call(method, lambda _: args, range(self.shards), timeout)
        missing = sorted(set(range(self.shards)) - set(replies))
        if missing:
            raise ClusterError(
                f"shards {', '.join(map(str, missing))} did not reply to {method}; "
                "check the cluster (`ray status`) and try again"
            )
        return [replies[i] for i in range(self.shards)]

    def kill(self, shard: int, *, restart: bool = True) -> None:
        """Kill one shard's actor, as a crash would; Ray restarts it unless told not to."""
        ray.kill(self.actors[shard], no_restart=not restart)

    def nodes(self) -> list[str]:
        """The id of the Ray node each shard's actor runs on."""
        found: list[str] = self.call_all("node_id")
        return found

    def shutdown(self) -> None:
        """Stop every shard actor of this cluster folder (they are detached otherwise)."""
        for actor in self.actors:
            ray.kill(actor, no_restart=True)


def _own_error(exc: BaseException) -> QABotError | None:
    """The qabot error a Ray task or actor call raised, if that is what ``exc`` carries."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, QABotError) else None


def _cause(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
