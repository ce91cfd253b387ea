"""A segment: what a passage points at is checked before it is cited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qabot import QABot
from qabot.errors import IndexCorruptError


def test_a_passage_pointing_at_another_article_is_refused(
    news_corpus: Path, tmp_path: Path
) -> None:
    bot = QABot.open(news_corpus, tmp_path / "index")
    (segment,) = bot.index.current().segments
    for passage in range(segment.n_passages):  # intact: each passage finds its article
        record = segment.record_of(passage)
        assert record.first <= passage < record.first + record.count
    # The article numbers of a mapped file overwritten in place: every passage moves.
    moved = len(segment.articles) - 1 - np.asarray(segment.passage_article)
    damaged = replace(segment, passage_article=moved.astype(np.int32))
    for value in (-1, len(segment.articles)):  # out of range either way
        out = replace(segment, passage_article=np.full(segment.n_passages, value, np.int32))
        with pytest.raises(IndexCorruptError, match="changed on disk"):
            out.record_of(0)
    wrong = [p for p in range(segment.n_passages) if moved[p] != segment.passage_article[p]]
    assert wrong
    for passage in wrong:
        with pytest.raises(IndexCorruptError, match="names no article of its own"):
            damaged.record_of(passage)
