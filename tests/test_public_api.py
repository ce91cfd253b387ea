"""The public API is small and pinned: changing it is a deliberate act."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import qabot


def test_exported_names() -> None:
    assert sorted(qabot.__all__) == [
        "Answer", "Article", "ArticleError", "ClusterError", "ConfigError", "CorpusError",
        "FeedError", "FetchError", "FilterError", "Hit", "IndexCorruptError",
        "IndexLockedError", "IndexStats", "IndexStoreError", "IndexVersionError",
        "IndexWriteError", "MissingExtraError", "NotAnArticleError", "Passage", "Problem",
        "QABot", "QABotError", "Quotation", "ReindexReport", "Settings", "UnsafeURLError",
    ]  # fmt: skip
    for name in qabot.__all__:
        assert getattr(qabot, name) is not None


def test_every_error_is_a_qaboterror() -> None:
    for name in qabot.__all__:
        obj = getattr(qabot, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, qabot.QABotError)


def test_importing_does_no_work(tmp_path: object) -> None:
    import subprocess
    import sys

    code = "import sys, qabot; print('nltk' in sys.modules, 'telegram' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # nltk is imported (the analyzer module) but nothing is loaded or read; telegram never.
    assert out.stdout.split()[1] == "False"


def test_qabot_imports_where_there_is_no_fcntl() -> None:
    # Windows has no fcntl; the index's lock comes from filelock, which picks the OS's lock.
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import qabot, qabot.cli, qabot.index.store\n"
        "print(qabot.QABot.__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "QABot"


def test_the_articles_of_a_bot_read_well_in_a_repl(tmp_path: Path) -> None:
    from support.corpus import write_article

    corpus = tmp_path / "c"
    for n, title in enumerate(["Rail strike", "Museum reopens", "Harbour fire", "Cup final"]):
        write_article(corpus, f"{n}.txt", title, f"{title}: it happened on day {n}.")
    articles = qabot.QABot.open(corpus, tmp_path / "index").articles()
    assert repr(articles) == "<4 articles: 'Rail strike', 'Museum reopens', 'Harbour fire', …>"
    assert repr(articles[:1]) == "[Article('0.txt', 'Rail strike')]"
    for n in (1, 2, 3):
        (corpus / f"{n}.txt").unlink()
    one = qabot.QABot.open(corpus, tmp_path / "index").articles()
    assert repr(one) == "<1 article: 'Rail strike'>"


def test_the_packages_are_declared_where_they_are() -> None:
    # The package sits at the top of the project. Saying so (package-dir "" = ".") lets
    # `pip install -e .` write a plain .pth file; without it setuptools installs an
    # import-hook finder and pip prints its "Editable installation" BuildBackendWarning.
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    setuptools = pyproject["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"": "."}
    assert setuptools["packages"]["find"]["include"] == ["qabot*"]


@pytest.mark.parametrize(
    ("library", "owner"),
    [
        ("telegram", "telegram_bot/ptb.py"), ("nltk", "analysis.py"),
        ("rank_bm25", "index/bm25.py"), ("filelock", "locks.py"), ("watchdog", "watch.py"),
        ("feedparser", "feeds.py"), ("trafilatura", "extract.py"),
        ("ray", "cluster/runtime.py"),
    ],
)  # fmt: skip
def test_each_third_party_library_has_one_owning_module(library: str, owner: str) -> None:
    # An upgrade of the library touches that module only (STYLE.md: one owner each).
    importing = re.compile(rf"^\s*(?:from|import) {library}\b", re.MULTILINE)
    package = Path(qabot.__file__).parent
    found = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if importing.search(p.read_text(encoding="utf-8"))
    )
    assert found == [owner]


def test_one_bot_class_answers_from_one_index_or_a_cluster() -> None:
    # QABot.open and QABot.open_cluster give one class; what differs is its index.
    import qabot.cluster

    assert sorted(qabot.cluster.__all__) == [
        "ClusterIndex", "ClusterReader", "DEFAULT_SHARDS", "owner_of", "shard_of",
    ]  # fmt: skip
    assert not hasattr(qabot.cluster, "ClusterBot")
    for name in ["open", "open_cluster", "ask", "search", "reindex", "refresh", "catch_up",
                 "add_article", "add_url", "add_urls", "poll_feeds", "articles", "passage",
                 "quotes", "stats"]:  # fmt: skip
        assert callable(getattr(qabot.QABot, name)), name
