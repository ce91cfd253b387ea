"""Settings: every tunable of qabot with its named default, and the one reader of the environment.

Settings are frozen value objects. Entry points (the CLI, ``bot.py``) resolve them once,
from flags and :meth:`Settings.from_env`, and pass them down; nothing else reads
``os.environ``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from qabot.errors import ConfigError

__all__ = [
    "DEFAULT_CORPUS",
    "DEFAULT_FEED_INTERVAL",
    "DEFAULT_INDEX_DIRNAME",
    "DEFAULT_LOG_LEVEL",
    "LOG_LEVELS",
    "MIN_FEED_INTERVAL",
    "AnalyzerSettings",
    "AnswerSettings",
    "BM25Settings",
    "ClusterSettings",
    "FeedSettings",
    "FetchSettings",
    "PassageSettings",
    "Settings",
    "TelegramSettings",
]

DEFAULT_CORPUS = Path("corpus")
#: The log level of the Telegram bot; the ``qabot`` command logs only warnings by default.
DEFAULT_LOG_LEVEL = "INFO"
#: What ``QABOT_LOG_LEVEL`` may say (any case).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: The index lives in this hidden folder inside the corpus unless told otherwise.
DEFAULT_INDEX_DIRNAME = ".qabot-index"
#: The Telegram bot polls its feeds this often, in minutes.
DEFAULT_FEED_INTERVAL = 15.0
#: ``QABOT_FEED_INTERVAL`` may not be shorter (minutes), unless 0 (never poll).
MIN_FEED_INTERVAL = 1.0

Stemmer = Literal["snowball", "porter", "none"]
Variant = Literal["okapi", "bm25l", "bm25plus"]
TypeCheck = Literal["off", "unsure", "decline"]


@dataclass(frozen=True)
class AnalyzerSettings:
    """How text becomes index terms. Stored with the index: a change forces a rebuild."""

    stemmer: Stemmer = "snowball"
    stopwords: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PassageSettings:
    """How articles are cut into passages. Stored with the index: a change forces a rebuild."""

    min_words: int = 40
    max_words: int = 120
    overlap_sentences: int = 1
    #: No passage is longer, whatever the text (long words, no spaces at all): a passage
    #: always fits one Telegram message, and an answer citing it stays small.
    max_chars: int = 1500

    def __post_init__(self) -> None:
        if not 1 <= self.min_words <= self.max_words:
            raise ConfigError(
                f"passage sizes need 1 <= min_words <= max_words, got {self.min_words}, "
                f"{self.max_words}"
            )
        if self.overlap_sentences < 0:
            raise ConfigError("overlap_sentences cannot be negative")
        if self.max_chars < 1:
            raise ConfigError(f"max_chars must be at least 1, got {self.max_chars}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BM25Settings:
    """Which rank-bm25 variant scores passages, and its parameters.

    The default is BM25+ because Okapi's IDF is zero or negative for a term found in
    half or more of the passages, so a small corpus could answer nothing (rank_bm25
    issues #39, #43). BM25+ and BM25L keep every IDF positive. Applied at query time:
    changing it needs no rebuild.
    """

    variant: Variant = "bm25plus"
    k1: float = 1.2
    b: float = 0.75
    #: Okapi only: negative IDFs are floored at epsilon * average IDF.
    epsilon: float = 0.25
    #: BM25L / BM25+ only; ``None`` takes rank-bm25's default for the variant (0.5 / 1.0).
    delta: float | None = None

    def __post_init__(self) -> None:
        if self.variant not in ("okapi", "bm25l", "bm25plus"):
            raise ConfigError(f"unknown BM25 variant {self.variant!r}: okapi, bm25l or bm25plus")
        if self.k1 < 0 or not 0 <= self.b <= 1:
            raise ConfigError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={self.k1}, b={self.b}")


@dataclass(frozen=True)
class AnswerSettings:
    """How answers are picked from the ranked passages."""

    #: How many top passages are searched for the answering sentence.
    candidate_passages: int = 3
    #: At most this many sentences make up ``Answer.text``.
    max_sentences: int = 2
    #: The passage's next best sentence joins the answer while the whole stays within
    #: this many words (0: never).
    answer_words: int = 60
    #: How many of the best BM25 passages are re-ranked with their article's evidence.
    rerank_depth: int = 30
    #: Weight of the article's BM25 score, added to the passage's (0: passages alone).
    article_weight: float = 1.0
    #: Answer sentences: weight of their passage's score relative to the best passage's.
    passage_weight: float = 0.5
    #: … bonus for a quotation when the question asks what someone said.
    quote_weight: float = 0.25
    #: … bonus for holding the kind of thing asked for (a name, place, time, number).
    kind_weight: float = 0.3
    #: … bonus for the first sentence of an article (news puts the essentials first).
    lead_weight: float = 0.2
    #: … penalty for a sentence that is itself a question.
    question_penalty: float = 0.5
    #: Below this share of the question's term weight found in the best passage and its
    #: article, qabot says it does not know.
    min_coverage: float = 0.45
    #: … and below this many rare words found (see ``Query.specificity``): a
    #: question of common words only ("who is hiring?") matches too much to be trusted.
    min_specificity: float = 1.0
    #: A question asking for a name, place, time, figure or quotation whose answer
    #: sentence holds none: answered but marked unsure, declined, or let be ("off").
    type_check: TypeCheck = "unsure"
    #: Below this share, or this many rare words, an answer is given but marked as unsure.
    sure_coverage: float = 0.8
    sure_specificity: float = 1.25
    #: Questions are cut to this many characters before analysis.
    max_question_chars: int = 1000
    #: Two cited articles sharing this share of their word 3-shingles (Jaccard) are one
    #: story republished with small edits: only the better ranked is cited (above 1: off).
    near_duplicate: float = 0.5


@dataclass(frozen=True)
class FetchSettings:
    """How pages and feeds are fetched from the web (``qabot add``, feeds, the bot's links)."""

    #: Off by default: a URL whose host resolves to a loopback, private, link-local,
    #: multicast, reserved or cloud-metadata address is refused (SSRF). ``1`` lifts that
    #: for local testing and intranet sites (``QABOT_ALLOW_PRIVATE_URLS``).
    allow_private: bool = False
    #: Seconds for connecting, and for each read; a whole fetch (headers, body, redirects)
    #: gets ``total_timeout`` (``QABOT_FETCH_TIMEOUT``).
    timeout: float = 10.0
    total_timeout: float = 30.0
    #: A page (or feed) larger than this is refused; reading stops there.
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    #: At most this many requests to one host at a time, and in all.
    per_host: int = 2
    workers: int = 8
    #: Sent with every request (``QABOT_USER_AGENT``); add your contact for site owners.
    user_agent: str = ""
    #: Extracted main text shorter than this is not an article (a login form, an index page).
    min_text_chars: int = 200

    def __post_init__(self) -> None:
        if not (0 < self.timeout < math.inf and 0 < self.total_timeout < math.inf):
            raise ConfigError("fetch timeouts must be positive numbers of seconds")
        if self.max_bytes < 1 or self.max_redirects < 0 or self.per_host < 1 or self.workers < 1:
            raise ConfigError(
                "fetch limits need max_bytes >= 1, max_redirects >= 0, per_host >= 1, workers >= 1"
            )


@dataclass(frozen=True)
class FeedSettings:
    """How much one poll of the feeds may fetch, and when failed items are tried again."""

    #: Only a feed's newest this many items are looked at (by date, else in its order):
    #: a feed listing 100,000 items costs no more (``QABOT_FEED_ITEMS``).
    items_per_feed: int = 100
    #: At most this many articles are fetched in one poll, all feeds together; the rest
    #: wait for the next poll (``QABOT_FEED_FETCHES``).
    items_per_poll: int = 200
    #: An item that could not be added is tried again after this many seconds, then after
    #: twice as long each time, at most ``max_retry_after`` apart.
    retry_after: float = 3600.0
    max_retry_after: float = 86400.0

    def __post_init__(self) -> None:
        if not (1 <= self.items_per_feed <= 1000 and 1 <= self.items_per_poll <= 10_000):
            raise ConfigError(
                "feed limits need 1 to 1000 items per feed (QABOT_FEED_ITEMS) and 1 to 10000 "
                f"per poll (QABOT_FEED_FETCHES), got {self.items_per_feed} and "
                f"{self.items_per_poll}"
            )
        if not 0 < self.retry_after <= self.max_retry_after < math.inf:
            raise ConfigError("feed retries need 0 < retry_after <= max_retry_after, in seconds")


@dataclass(frozen=True)
class TelegramSettings:
    """How the Telegram adapter connects and whom it trusts."""

    token: str | None = field(default=None, repr=False)
    base_url: str | None = None
    base_file_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    #: Per-user rate limit: at most ``rate_limit`` questions per ``rate_window`` seconds.
    rate_limit: int = 10
    rate_window: float = 60.0
    #: Follow-up context of a chat expires after this many seconds.
    context_ttl: float = 600.0
    #: Largest article file /add accepts, in bytes.
    max_upload_bytes: int = 2_000_000
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    #: Minutes between two polls of the feeds (``QABOT_FEED_INTERVAL``; 0: never poll).
    feed_interval: float = DEFAULT_FEED_INTERVAL
    #: Channels and groups whose posts become articles without ``/follow``
    #: (``QABOT_FOLLOW_CHATS``): chat ids, and public usernames in lower case without "@".
    follow_chats: frozenset[int | str] = frozenset()

    def __post_init__(self) -> None:
        if not 0 <= self.feed_interval < math.inf:
            raise ConfigError(
                f"the feed interval must be a finite number of minutes, got {self.feed_interval}"
            )

    @property
    def file_url(self) -> str | None:
        """The file-download base URL that matches ``base_url`` (``…/bot`` → ``…/file/bot``)."""
        if self.base_file_url:
            return self.base_file_url
        if self.base_url and self.base_url.rstrip("/").endswith("/bot"):
            return self.base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
        return None


@dataclass(frozen=True)
class ClusterSettings:
    """Where a sharded qabot runs (``qabot.cluster``, on Ray)."""

    #: The Ray cluster's address (``host:port``, ``auto``); ``None``: not on a cluster.
    address: str | None = None
    #: Shards of a new cluster folder (``None``: as built, else 4).
    shards: int | None = None
    #: Seconds a question waits for a shard that does not reply (restarting, node lost)
    #: before it is answered from the others and marked partial.
    wait: float = 30.0


@dataclass(frozen=True)
class Settings:
    """Everything qabot can be told, with defaults that suit a newsroom corpus."""

    corpus: Path = DEFAULT_CORPUS
    #: ``None``: ``<corpus>/.qabot-index``.
    index: Path | None = None
    analyzer: AnalyzerSettings = AnalyzerSettings()
    passages: PassageSettings = PassageSettings()
    bm25: BM25Settings = BM25Settings()
    answers: AnswerSettings = AnswerSettings()
    telegram: TelegramSettings = TelegramSettings()
    cluster: ClusterSettings = ClusterSettings()
    fetch: FetchSettings = FetchSettings()
    feeds: FeedSettings = FeedSettings()
    #: One of :data:`LOG_LEVELS`.
    log_level: str = DEFAULT_LOG_LEVEL

    def __post_init__(self) -> None:
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(
                f"unknown log level {self.log_level!r}: one of {', '.join(LOG_LEVELS)}"
            )

    @property
    def index_dir(self) -> Path:
        return self.index if self.index is not None else self.corpus / DEFAULT_INDEX_DIRNAME

    def with_paths(
        self, corpus: Path | str | None = None, index: Path | str | None = None
    ) -> Settings:
        """A copy with the corpus and/or index folder replaced (``None`` keeps the current one)."""
        return replace(
            self,
            corpus=Path(corpus) if corpus is not None else self.corpus,
            index=Path(index) if index is not None else self.index,
        )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, log_level: str = DEFAULT_LOG_LEVEL
    ) -> Settings:
        """Settings from environment variables; unset ones keep their defaults.

        ``log_level`` is the level when ``QABOT_LOG_LEVEL`` is unset: each entry point has
        its own (the bot logs INFO, the ``qabot`` command only warnings).

        ``QABOT_CORPUS``, ``QABOT_INDEX``, ``QABOT_BM25`` (okapi / bm25l / bm25plus),
        ``QABOT_LOG_LEVEL``, ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_BASE_URL``,
        ``TELEGRAM_BASE_FILE_URL``, ``QABOT_ADMIN_IDS`` (comma-separated user ids),
        ``QABOT_RATE_LIMIT`` (questions a minute per user), ``QABOT_WEBHOOK_URL``,
        ``QABOT_WEBHOOK_LISTEN``, ``QABOT_WEBHOOK_PORT``, ``QABOT_WEBHOOK_SECRET``,
        ``QABOT_CLUSTER_ADDRESS`` (a Ray cluster to serve from), ``QABOT_CLUSTER_SHARDS``,
        ``QABOT_ALLOW_PRIVATE_URLS`` (``1`` lets URLs reach private addresses),
        ``QABOT_USER_AGENT``, ``QABOT_FETCH_TIMEOUT`` (seconds a whole fetch may take),
        ``QABOT_FEED_INTERVAL`` (minutes between feed polls: 0, or at least
        :data:`MIN_FEED_INTERVAL`), ``QABOT_FEED_ITEMS`` (newest items looked at per feed),
        ``QABOT_FEED_FETCHES`` (articles fetched per poll), ``QABOT_FOLLOW_CHATS``
        (comma-separated chat ids or @usernames of channels and groups whose posts the bot
        indexes).
        """
        env = os.environ if environ is None else environ
        base = cls()

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        corpus = get("QABOT_CORPUS")
        index = get("QABOT_INDEX")
        variant = get("QABOT_BM25")
        telegram = TelegramSettings(
            token=get("TELEGRAM_BOT_TOKEN"),
            base_url=get("TELEGRAM_BASE_URL"),
            base_file_url=get("TELEGRAM_BASE_FILE_URL"),
            admin_ids=_parse_ids(get("QABOT_ADMIN_IDS")),
            rate_limit=_parse_int("QABOT_RATE_LIMIT", get("QABOT_RATE_LIMIT"), 10),
            webhook_url=get("QABOT_WEBHOOK_URL"),
            webhook_listen=get("QABOT_WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=_parse_int("QABOT_WEBHOOK_PORT", get("QABOT_WEBHOOK_PORT"), 8443),
            webhook_secret=get("QABOT_WEBHOOK_SECRET"),
            feed_interval=_parse_feed_interval(get("QABOT_FEED_INTERVAL")),
            follow_chats=_parse_chats(get("QABOT_FOLLOW_CHATS")),
        )
        total_timeout = _parse_float(
            "QABOT_FETCH_TIMEOUT", get("QABOT_FETCH_TIMEOUT"), base.fetch.total_timeout
        )
        if not total_timeout > 0:
            raise ConfigError(
                f"QABOT_FETCH_TIMEOUT must be more than 0 seconds, got {total_timeout:g}"
            )
        fetch = replace(
            base.fetch,
            allow_private=_parse_flag("QABOT_ALLOW_PRIVATE_URLS", get("QABOT_ALLOW_PRIVATE_URLS")),
            user_agent=get("QABOT_USER_AGENT") or base.fetch.user_agent,
            total_timeout=total_timeout,
        )
        feeds = replace(
            base.feeds,
            items_per_feed=_parse_int(
                "QABOT_FEED_ITEMS", get("QABOT_FEED_ITEMS"), base.feeds.items_per_feed
            ),
            items_per_poll=_parse_int(
                "QABOT_FEED_FETCHES", get("QABOT_FEED_FETCHES"), base.feeds.items_per_poll
            ),
        )
        return replace(
            base,
            corpus=Path(corpus) if corpus else base.corpus,
            index=Path(index) if index else None,
            bm25=replace(base.bm25, variant=variant) if variant else base.bm25,  # type: ignore[arg-type]
            telegram=telegram,
            cluster=ClusterSettings(
                address=get("QABOT_CLUSTER_ADDRESS"),
                shards=_parse_int("QABOT_CLUSTER_SHARDS", get("QABOT_CLUSTER_SHARDS"), 0) or None,
            ),
            fetch=fetch,
            feeds=feeds,
            log_level=_parse_log_level(get("QABOT_LOG_LEVEL"), log_level),
        )


def _parse_log_level(raw: str | None, default: str) -> str:
    level = (raw or default).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"QABOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (any case), got {raw!r}"
        )
    return level


def _parse_ids(raw: str | None) -> frozenset[int]:
    if not raw:
        return frozenset()
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"QABOT_ADMIN_IDS must be comma-separated numeric Telegram user ids, got {part!r}"
            ) from None
    return frozenset(ids)


_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def _parse_chats(raw: str | None) -> frozenset[int | str]:
    """``-1001234567890, @newsroom, https://t.me/wire`` → ids, and usernames in lower case."""
    chats: set[int | str] = set()
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        name = re.sub(r"^(?:https?://)?t\.me/", "", part, flags=re.I).removeprefix("@")
        if re.fullmatch(r"-?\d+", name):
            chats.add(int(name))
        elif _USERNAME.fullmatch(name):
            chats.add(name.lower())
        else:
            raise ConfigError(
                "QABOT_FOLLOW_CHATS must be comma-separated chat ids (-1001234567890) or "
                f"public usernames (@channel), got {part!r}"
            )
    return frozenset(chats)


def _parse_int(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _parse_float(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value >= 0:  # also refuses nan
        raise ConfigError(f"{name} cannot be negative, got {raw!r}")
    if value == math.inf:
        raise ConfigError(f"{name} must be a finite number, got {raw!r}")
    return value


def _parse_feed_interval(raw: str | None) -> float:
    minutes = _parse_float("QABOT_FEED_INTERVAL", raw, DEFAULT_FEED_INTERVAL)
    if 0 < minutes < MIN_FEED_INTERVAL:
        # Polls back to back would flood the log and the sites.
        raise ConfigError(
            f"QABOT_FEED_INTERVAL is in minutes and must be 0 (never poll) or at least "
            f"{MIN_FEED_INTERVAL:g}, got {raw!r}"
        )
    return minutes


def _parse_flag(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")
