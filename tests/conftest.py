"""Shared fixtures: small corpora written into ``tmp_path``, and bots opened on them.

Helpers that tests import (article writers, generated stories, behaviour snapshots, scoring
references) live in the ``support`` package next to this file; fixtures live here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.botapi_server import BotApiServer
from support.corpus import DEMO_ARTICLE, write_article

from qabot import QABot


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder holding the demo article."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(DEMO_ARTICLE, folder / DEMO_ARTICLE.name)
    return folder


@pytest.fixture
def news_corpus(corpus: Path) -> Path:
    """The demo article plus three short unrelated ones."""
    write_article(
        corpus, "markets/oil.txt", "Oil prices climb",
        "Oil prices rose 3% on Tuesday after OPEC agreed to cut output by 1.5 million barrels"
        " a day.",
        "Analysts at Goldman Sachs said the cut would tighten supply through the winter.",
    )  # fmt: skip
    write_article(
        corpus, "sport/final.txt", "Cup final ends in draw",
        "The cup final ended 2-2 after extra time, and the replay is set for next Sunday.",
        "The manager said his players were exhausted but proud.",
    )  # fmt: skip
    write_article(
        corpus, "tech/chips.txt", "Chip maker opens plant",
        "A new semiconductor plant opened in Dresden, creating 1,200 jobs.",
        "The company said production of 300mm wafers starts in March.",
    )  # fmt: skip
    return corpus


@pytest.fixture
def open_bot(tmp_path: Path) -> Callable[..., QABot]:
    """Open a bot on a corpus with its index in a separate temporary folder."""

    def _open(folder: Path, **kwargs: object) -> QABot:
        return QABot.open(folder, tmp_path / "index", **kwargs)  # type: ignore[arg-type]

    return _open


# -- Telegram ---------------------------------------------------------------------------------
@pytest.fixture
def api() -> Iterator[BotApiServer]:
    """The stand-in Bot API server on 127.0.0.1, stopped afterwards."""
    with BotApiServer() as server:
        yield server
