"""Library first: the base install answers; each optional part is an extra, and using one
without it is one line naming the extra to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qabot.errors import MissingExtraError
from qabot.fetch import Page

ROOT = Path(__file__).resolve().parents[1]

#: What the extras install (and what they pull in that qabot imports itself).
OPTIONAL = {
    "telegram": ["telegram", "httpx", "sniffio", "apscheduler", "cachetools", "tornado"],
    "ingest": ["httpx", "trafilatura", "lxml_html_clean", "feedparser"],
    "cluster": ["ray"],
}

# Runs a `qabot` command line, or bot.py, as if no extra were installed.
WITHOUT_EXTRAS = """
import runpy, sys
for name in {modules!r}:
    sys.modules[name] = None  # `import name` now fails, as when it is not installed
if sys.argv[1] == "bot.py":
    sys.argv = sys.argv[1:]
    runpy.run_path({bot!r}, run_name="__main__")
from qabot.cli import main
code = main(sys.argv[1:])
loaded = sorted({{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}})
assert not set(loaded) & set({modules!r}), loaded
sys.exit(code)
"""


def without_extras(
    *argv: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    modules = sorted({m for names in OPTIONAL.values() for m in names})
    code = WITHOUT_EXTRAS.format(modules=modules, bot=str(ROOT / "bot.py"))
    return subprocess.run(
        [sys.executable, "-c", code, *argv], input=stdin, capture_output=True, text=True,
        timeout=120, env={"PATH": "/usr/bin:/bin", **(env or {})},
    )  # fmt: skip


@pytest.mark.slow
def test_the_core_runs_without_any_extra(corpus: Path, tmp_path: Path) -> None:
    where = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    done = without_extras("index", *where)
    assert done.returncode == 0 and done.stdout.startswith("1 added"), done.stderr
    done = without_extras("ask", "what did Stoltenberg say about Minsk", *where)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("We cannot have Minsk 3\n")
    done = without_extras("stats", *where)
    assert done.returncode == 0 and done.stdout.startswith("1 article, "), done.stderr
    done = without_extras("chat", *where, stdin="who said we cannot have Minsk 3\nquit\n")
    assert done.returncode == 0 and "Stoltenberg" in done.stdout, done.stderr
    # bot.py without a token: the terminal chat.
    env = {"QABOT_CORPUS": str(corpus), "QABOT_INDEX": str(tmp_path / "index")}
    done = without_extras("bot.py", stdin="quit\n", env=env)
    assert done.returncode == 0, done.stderr
    assert "No TELEGRAM_BOT_TOKEN set" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "env", "needs"),
    [
        (["add", "https://example.org/news/story.html"], {}, "ingest"),
        (["feeds", "list"], {}, "ingest"),
        (["serve"], {"TELEGRAM_BOT_TOKEN": "123:abc"}, "telegram"),
        (["bot.py"], {"TELEGRAM_BOT_TOKEN": "123:abc"}, "telegram"),
        (["cluster", "stats"], {}, "cluster"),
    ],
)  # fmt: skip
def test_an_optional_part_without_its_extra_is_one_line_naming_it(
    corpus: Path, argv: list[str], env: dict[str, str], needs: str
) -> None:
    where = [] if argv == ["bot.py"] else ["--corpus", str(corpus)]
    done = without_extras(*argv, *where, env={"QABOT_CORPUS": str(corpus), **env})
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("qabot: ") and "which is not installed" in line
    assert line.endswith(f'install qabot\'s [{needs}] extra: pip install -e ".[{needs}]" in a '
                         "clone of qabot")  # fmt: skip


def test_the_message_names_the_feature_the_library_and_the_extra() -> None:
    error = MissingExtraError("the Telegram bot", "telegram", "telegram")
    assert str(error) == (
        "the Telegram bot needs telegram, which is not installed; install qabot's [telegram] "
        'extra: pip install -e ".[telegram]" in a clone of qabot'
    )


def test_an_import_error_inside_qabot_is_not_taken_for_a_missing_extra() -> None:
    with pytest.raises(ModuleNotFoundError):
        MissingExtraError.of(ModuleNotFoundError("x", name="qabot.nope"), "it", "ingest")
    error = MissingExtraError.of(ModuleNotFoundError("x", name="telegram.ext"), "it", "telegram")
    assert error.module == "telegram"


def test_extracting_without_trafilatura_names_the_ingest_extra_before_any_fetch(
    monkeypatch: pytest.MonkeyPatch, corpus: Path
) -> None:
    from qabot.extract import extract
    from qabot.fetch import Fetcher
    from qabot.ingest import Ingester

    monkeypatch.setitem(sys.modules, "trafilatura", None)
    page = Page("https://example.org/a", 200, "text/html", "utf-8", b"<html><p>Hi</p></html>")
    with pytest.raises(MissingExtraError, match=r"needs trafilatura.*\[ingest\]"):
        extract(page)
    # An adder that could fetch (httpx comes with the telegram extra too) says so at once.
    with Fetcher() as fetcher, pytest.raises(MissingExtraError, match=r"needs trafilatura"):
        Ingester(corpus, fetcher.settings, fetcher)


def test_each_optional_library_is_declared_in_its_extras_and_not_in_the_base() -> None:
    import tomllib  # (Python 3.11 and later)

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        return {r.split("[")[0].split(">")[0].split("=")[0].strip().lower() for r in requirements}

    base = names(project["dependencies"])
    declared = {
        "telegram": "python-telegram-bot", "httpx": "httpx", "sniffio": "sniffio",
        "trafilatura": "trafilatura", "lxml_html_clean": "lxml_html_clean",
        "feedparser": "feedparser", "ray": "ray",
    }  # fmt: skip
    for extra, modules in OPTIONAL.items():
        for module in modules:
            if module in declared:
                assert declared[module] in names(extras[extra]), (extra, module)
                assert declared[module] not in base, module
    # httpx is imported by qabot.fetch (ingest) and qabot.telegram_bot.transport (telegram).
    assert {"httpx"} <= names(extras["ingest"]) & names(extras["telegram"])
    # The dev extra installs every other one (the tests use them all).
    assert "qabot[telegram,ingest,cluster,webhooks]" in extras["dev"]
