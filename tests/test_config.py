"""Settings: defaults, the environment read in one place, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot.config import BM25Settings, PassageSettings, Settings
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
