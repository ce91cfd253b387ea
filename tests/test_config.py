"""Settings: defaults, the environment read in one place, clear errors."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qabot.config import (
    BM25Settings,
    FeedSettings,
    FetchSettings,
    PassageSettings,
    Settings,
    TelegramSettings,
)
from qabot.errors import ConfigError


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.corpus == Path("corpus") and s.index_dir == Path("corpus/.qabot-index")
    assert s.bm25.variant == "bm25plus" and s.telegram.token is None
    assert s.telegram.admin_ids == frozenset()


def test_environment() -> None:
    s = Settings.from_env({
        "QABOT_CORPUS": "/data/news", "QABOT_INDEX": "/var/qabot", "QABOT_BM25": "okapi",
        "TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "QABOT_ADMIN_IDS": " 1, 22 ,333", "QABOT_RATE_LIMIT": "5", "QABOT_LOG_LEVEL": "debug",
    })  # fmt: skip
    assert s.corpus == Path("/data/news") and s.index_dir == Path("/var/qabot")
    assert s.bm25.variant == "okapi" and s.log_level == "DEBUG"
    assert s.telegram.admin_ids == frozenset({1, 22, 333}) and s.telegram.rate_limit == 5
    assert s.telegram.file_url == "http://127.0.0.1:8081/file/bot"
    assert "123:ABC" not in repr(s)


@pytest.mark.parametrize(
    "env",
    [{"QABOT_ADMIN_IDS": "1,bob"}, {"QABOT_BM25": "tfidf"}, {"QABOT_RATE_LIMIT": "many"}],
)
def test_bad_values_are_config_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_value_checks() -> None:
    with pytest.raises(ConfigError):
        PassageSettings(min_words=200, max_words=100)
    with pytest.raises(ConfigError):
        BM25Settings(b=1.5)


def test_the_log_level_is_checked_and_each_entry_point_has_its_default() -> None:
    with pytest.raises(ConfigError, match="QABOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING"):
        Settings.from_env({"QABOT_LOG_LEVEL": "LOUD"})
    assert Settings.from_env({}).log_level == "INFO"
    assert Settings.from_env({}, log_level="WARNING").log_level == "WARNING"
    assert Settings.from_env({"QABOT_LOG_LEVEL": "error"}, log_level="WARNING").log_level == "ERROR"
    with pytest.raises(ConfigError, match="log level"):
        Settings(log_level="loud")


def test_bot_py_reports_a_bad_log_level_in_one_line(tmp_path: Path) -> None:
    bot_py = Path(__file__).resolve().parents[1] / "bot.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "TELEGRAM_"))}
    env["QABOT_LOG_LEVEL"] = "LOUD"
    done = subprocess.run(
        [sys.executable, str(bot_py)], cwd=tmp_path, env=env, input="", capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("qabot: QABOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING")
    assert done.stderr.count("\n") == 1


def test_fetching_settings_from_the_environment() -> None:
    s = Settings.from_env({})
    assert not s.fetch.allow_private and s.telegram.feed_interval == 15.0
    s = Settings.from_env({
        "QABOT_ALLOW_PRIVATE_URLS": "1", "QABOT_FEED_INTERVAL": "2.5",
        "QABOT_USER_AGENT": "newsbot (+mailto:ops@example.org)",
    })  # fmt: skip
    assert s.fetch.allow_private and s.telegram.feed_interval == 2.5
    assert s.fetch.user_agent == "newsbot (+mailto:ops@example.org)"
    for env in ({"QABOT_ALLOW_PRIVATE_URLS": "maybe"}, {"QABOT_FEED_INTERVAL": "-1"}):
        with pytest.raises(ConfigError, match=next(iter(env))):
            Settings.from_env(env)
    with pytest.raises(ConfigError, match="fetch"):
        FetchSettings(timeout=0)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("inf", "QABOT_FEED_INTERVAL must be a finite number, got 'inf'"),
        ("nan", "QABOT_FEED_INTERVAL cannot be negative, got 'nan'"),
        ("0.0001", "QABOT_FEED_INTERVAL is in minutes and must be 0 (never poll) or at least 1"),
        ("0.5", "QABOT_FEED_INTERVAL is in minutes and must be 0 (never poll) or at least 1"),
    ],
)
def test_a_feed_interval_that_is_infinite_or_tiny_is_refused(raw: str, error: str) -> None:
    # inf crashed the bot at start; 0.0001 minutes polled back to back (69,000 log lines).
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"QABOT_FEED_INTERVAL": raw})
    assert str(caught.value).startswith(error)
    assert Settings.from_env({"QABOT_FEED_INTERVAL": "0"}).telegram.feed_interval == 0
    assert Settings.from_env({"QABOT_FEED_INTERVAL": "1"}).telegram.feed_interval == 1
    with pytest.raises(ConfigError, match="finite number of minutes"):
        TelegramSettings(feed_interval=math.inf)


def test_bot_py_reports_an_infinite_feed_interval_in_one_line(tmp_path: Path) -> None:
    bot_py = Path(__file__).resolve().parents[1] / "bot.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "TELEGRAM_"))}
    env["QABOT_FEED_INTERVAL"] = "inf"
    done = subprocess.run(
        [sys.executable, str(bot_py)], cwd=tmp_path, env=env, input="", capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == "qabot: QABOT_FEED_INTERVAL must be a finite number, got 'inf'\n"


def test_fetch_and_feed_limits_from_the_environment() -> None:
    s = Settings.from_env({})
    assert s.fetch.total_timeout == 30.0
    assert (s.feeds.items_per_feed, s.feeds.items_per_poll) == (100, 200)
    s = Settings.from_env(
        {"QABOT_FETCH_TIMEOUT": "5", "QABOT_FEED_ITEMS": "20", "QABOT_FEED_FETCHES": "50"}
    )
    assert s.fetch.total_timeout == 5.0
    assert (s.feeds.items_per_feed, s.feeds.items_per_poll) == (20, 50)
    for env in (
        {"QABOT_FETCH_TIMEOUT": "0"},
        {"QABOT_FETCH_TIMEOUT": "inf"},
        {"QABOT_FEED_ITEMS": "0"},
        {"QABOT_FEED_FETCHES": "lots"},
    ):
        with pytest.raises(ConfigError, match=next(iter(env))):
            Settings.from_env(env)
    with pytest.raises(ConfigError, match="feed retries"):
        FeedSettings(retry_after=0)


def test_follow_chats_from_the_environment() -> None:
    raw = "-1001234567890, @NewsRoom; https://t.me/wire_x"
    chats = Settings.from_env({"QABOT_FOLLOW_CHATS": raw}).telegram.follow_chats
    assert chats == frozenset({-1001234567890, "newsroom", "wire_x"})
    assert Settings.from_env({}).telegram.follow_chats == frozenset()
    with pytest.raises(ConfigError, match=r"QABOT_FOLLOW_CHATS must be .* got 'news room'"):
        Settings.from_env({"QABOT_FOLLOW_CHATS": "news room"})
