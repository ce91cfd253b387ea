"""qabot: question answering over news articles, with cited answers.

>>> from qabot import QABot
>>> bot = QABot.open("corpus")
>>> print(bot.ask("what did Stoltenberg say about Minsk"))
>>> bot.quotes("Stoltenberg", about="Minsk")  # what he said, oldest first
"""

from qabot.config import Settings
from qabot.core import QABot
from qabot.errors import (
    ArticleError,
    ClusterError,
    ConfigError,
    CorpusError,
    FeedError,
    FetchError,
    FilterError,
    IndexCorruptError,
    IndexLockedError,
    IndexStoreError,
    IndexVersionError,
    IndexWriteError,
    MissingExtraError,
    NotAnArticleError,
    QABotError,
    UnsafeURLError,
)
from qabot.values import (
    Answer,
    Article,
    Hit,
    IndexStats,
    Passage,
    Problem,
    Quotation,
    ReindexReport,
)

__all__ = [
    "Answer",
    "Article",
    "ArticleError",
    "ClusterError",
    "ConfigError",
    "CorpusError",
    "FeedError",
    "FetchError",
    "FilterError",
    "Hit",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexStats",
    "IndexStoreError",
    "IndexVersionError",
    "IndexWriteError",
    "MissingExtraError",
    "NotAnArticleError",
    "Passage",
    "Problem",
    "QABot",
    "QABotError",
    "Quotation",
    "ReindexReport",
    "Settings",
    "UnsafeURLError",
]

__version__ = "0.1.0"
