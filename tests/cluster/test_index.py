"""QABot.open_cluster on a real local Ray cluster: one index's answers, routed updates, faults.

One cluster (a head and a worker node, one CPU each) serves the whole module; each test
opens its own cluster folder, whose shard actors it stops at the end. Skipped, with the
reason, where Ray is not installed or cannot start.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.botapi_server import BotApiServer
from support.corpus import story_name, story_path, story_questions, write_article, write_stories
from support.shards import owner_of_data, owner_of_file
from support.waiting import eventually

from qabot import QABot, render
from qabot.config import AnswerSettings, BM25Settings, Settings
from qabot.values import Answer
from qabot.watch import CorpusWatcher

ray = pytest.importorskip("ray", reason='Ray is not installed: pip install "qabot[cluster]"')
cluster_utils = pytest.importorskip("ray.cluster_utils")

pytestmark = pytest.mark.slow

#: Ray's smallest object store: the tests move a few kilobytes.
OBJECT_STORE = 80 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A head node and a worker node on this machine, shared by the module's tests."""
    try:
        cluster = cluster_utils.Cluster(
            initialize_head=True,
            head_node_args={
                "num_cpus": 1, "include_dashboard": False, "object_store_memory": OBJECT_STORE,
            },
        )  # fmt: skip
        cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE)
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # any reason at all: say it and skip
        pytest.skip(f"a local Ray cluster cannot start here: {exc}")
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture
def open_cluster(ray_cluster: Any) -> Iterator[Callable[..., QABot]]:
    """Opens bots over clusters on the module's cluster; their actors are stopped afterwards."""
    bots: list[QABot] = []

    def _open(corpus: Path, shards: int, **kwargs: Any) -> QABot:
        bot = QABot.open_cluster(ray_cluster.address, corpus, shards, **kwargs)
        bots.append(bot)
        return bot

    yield _open
    for bot in bots:
        bot.index.shutdown()


def _same(cluster: Answer, one: Answer) -> None:
    """Everything a reader sees, equal to the last bit (scores included)."""
    assert cluster.shards > 0
    assert not cluster.partial
    assert replace(cluster, shards=0, missing_shards=()) == one


# -- equality with one index, over random corpora -------------------------------------------
WORDS = [
    "minsk", "ceasefire", "talks", "budget", "council", "bridge", "harbour", "energy",
    "prices", "court", "vote", "troops", "summit", "election", "Lopez", "Stoltenberg",
]  # fmt: skip
_paragraph = st.lists(st.sampled_from(WORDS), min_size=3, max_size=25).map(
    lambda ws: " ".join(ws).capitalize() + "."
)
_articles = st.lists(st.lists(_paragraph, min_size=1, max_size=4), min_size=1, max_size=12)
_questions = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(
        lambda ws: "what about " + " and ".join(ws) + "?"
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    articles=_articles,
    questions=_questions,
    shards=st.integers(1, 4),
    deleted=st.sets(st.integers(0, 11), max_size=4),
    copied=st.sets(st.integers(0, 11), max_size=3),
    variant=st.sampled_from(["bm25plus", "okapi"]),
    near_duplicate=st.sampled_from([0.5, 0.2, 2.0]),
)
# Found by this test: Okapi's IDF floor (the average IDF of every term) summed in segment
# order differed in the last bit from one index's; both now sum in term order.
@example(
    articles=[
        ["Stoltenberg minsk minsk minsk election minsk minsk election troops talks bridge "
         "ceasefire vote minsk budget troops minsk troops election troops lopez.",
         "Minsk budget ceasefire.", "Election stoltenberg summit."],
        ["Stoltenberg energy budget budget lopez prices stoltenberg budget harbour council "
         "court lopez court stoltenberg troops budget harbour talks energy energy vote "
         "stoltenberg lopez minsk bridge.", "Prices court troops minsk court council energy."],
        ["Budget minsk talks troops stoltenberg minsk bridge prices budget council summit "
         "council bridge election prices ceasefire bridge prices lopez minsk court troops "
         "court bridge lopez.", "Council talks lopez court court lopez troops harbour troops "
         "harbour troops council summit lopez prices.", "Budget lopez bridge."],
        ["Bridge court vote stoltenberg stoltenberg harbour court bridge budget troops council "
         "vote stoltenberg vote summit summit.", "Election bridge summit energy bridge prices."],
        ["Prices budget court lopez election minsk minsk troops vote council."],
    ],
    questions=["what about Lopez and budget?", "what about summit and energy?"],
    shards=4,
    deleted={2},
    copied=set(),
    variant="okapi",
    near_duplicate=2.0,
)  # fmt: skip
def test_answers_equal_one_index_over_the_whole_corpus(
    open_cluster: Callable[..., QABot],
    articles: list[list[str]],
    questions: list[str],
    shards: int,
    deleted: set[int],
    copied: set[int],
    variant: str,
    near_duplicate: float,
) -> None:
    # Copies of a text (saved twice, under other titles) are indexed once, and stories
    # alike are cited once, wherever their shards: as by one index.
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for n, paragraphs in enumerate(articles):
            first, *rest = paragraphs
            body = (f"{first} Own{n}.", *rest)
            write_article(corpus, f"a{n:02d}.txt", f"Article {n} on {WORDS[n]}", *body)
            if n in copied:
                write_article(corpus, f"copy{n:02d}.txt", f"Copy of article {n}", *body)
        opts = Settings(
            bm25=BM25Settings(variant=variant),  # type: ignore[arg-type]
            answers=AnswerSettings(near_duplicate=near_duplicate),
        )
        one = QABot.open(corpus, Path(tmp) / "one", settings=opts)
        bot = open_cluster(corpus, shards, settings=opts)
        for question in questions:
            _same(bot.ask(question), one.ask(question))
        for n in deleted:
            (corpus / f"a{n:02d}.txt").unlink(missing_ok=True)
        one.reindex()
        bot.reindex()
        for question in questions:
            _same(bot.ask(question), one.ask(question))
            assert bot.search(question, 7) == one.search(question, 7)


def test_dates_and_sources_filter_as_on_one_index_and_the_newest_copy_answers(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    wire = "The Tagus harbour bridge reopened on Monday.\n\nEngineers replaced its cables.\n"
    copies = [("2024-06-01", "Reuters"), ("2024-06-12", "AP"), (None, "BBC"), ("2024-05-03", "AP")]
    for n, (day, source) in enumerate(copies):
        dated = f"date: {day}\n" if day else ""
        (corpus / f"copy{n}.md").write_text(  # republished, each signed: no two are one text
            f"---\ntitle: Bridge reopens\n{dated}source: {source}\n---\n{wire}\nBy desk{n}.\n"
        )
    write_stories(corpus, range(12), "first")
    one = QABot.open(corpus, tmp_path / "one")
    bot = open_cluster(corpus, 3)
    question = "when did the Tagus harbour bridge reopen"
    for filters in (
        {},
        {"until": "2024-06-11"},
        {"since": "2024-05-01", "sources": ["ap"]},
        {"sources": ["BBC"]},
        {"since": "2024-07-01"},
    ):
        _same(bot.ask(question, **filters), one.ask(question, **filters))  # type: ignore[arg-type]
        assert bot.search(question, 5, **filters) == one.search(question, 5, **filters)  # type: ignore[arg-type]
    newest = bot.ask(question)
    assert newest.passages[newest.source or 0].article.id == "copy1.md"
    assert newest.to_dict()["date"] == "2024-06-12" and newest.to_dict()["shards"] == 3


def test_copies_of_a_story_are_indexed_once_in_one_shard_as_by_one_index(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(24), "first")
    for n in range(0, 24, 3):  # the same text saved again under another name and title
        text = story_path(corpus, n).read_text("utf-8")
        (corpus / f"wire-{n:02d}.txt").write_text("Wire copy\n" + text.split("\n", 1)[1])
    one = QABot.open(corpus, tmp_path / "one")
    bot = open_cluster(corpus, 3)
    assert bot.stats().articles == one.stats().articles == 24
    assert bot.stats().duplicates == one.stats().duplicates == 8
    assert bot.last_report is not None
    assert bot.last_report.duplicates == one.last_report.duplicates  # type: ignore[union-attr]
    questions = story_questions(range(0, 24, 3), extra=4)
    for question in questions:
        _same(bot.ask(question), one.ask(question))
    # The kept copies go: the others take their place, in their shard.
    for n in range(0, 24, 6):
        story_path(corpus, n).unlink()
    assert bot.reindex().changed == one.reindex().changed
    assert [a.id for a in bot.articles()] == [a.id for a in one.articles()]
    for question in questions:
        _same(bot.ask(question), one.ask(question))
    # Passages and figures come from the shard holding each article, as from one index.
    for article in one.articles()[:6]:
        assert bot.passage(article.id, 0) == one.passage(article.id, 0) is not None
    assert bot.passage("no-such-article.txt", 0) is None
    assert bot.words_per_passage() == one.words_per_passage()


# -- updates ----------------------------------------------------------------------------------
def test_an_added_article_goes_to_its_shard_and_answers_the_next_question(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(30), "first")
    bot = open_cluster(corpus, 3)
    before = [info.generation for info in bot.index.shard_info()]
    data = b"Harbour reopens\n\nThe Tagus harbour reopened on Monday, said Ana Lopez.\n"
    path, report = bot.add_article("harbour.txt", data)
    owner = owner_of_file(corpus, "harbour.txt", 3)
    assert report.added == ("harbour.txt",)
    after = [info.generation for info in bot.index.shard_info()]
    assert [a - b for a, b in zip(after, before, strict=True)] == [
        int(s == owner) for s in range(3)
    ]
    answer = bot.ask("who reopened the Tagus harbour?")
    assert answer.passages[0].article.id == "harbour.txt"
    # Edited, then removed: each once, by its owner; the next question sees it.
    # (An edited text may belong to another shard: one drops it, the other adds it.)
    path.write_text("Harbour stays shut\n\nThe Tagus harbour stays shut, said Rui Costa.\n")
    assert bot.reindex().changed == ("harbour.txt",)
    assert "Rui Costa" in bot.ask("who said the Tagus harbour stays shut?").text
    path.unlink()
    assert bot.reindex().removed == ("harbour.txt",)
    assert bot.stats().articles == 30


def test_a_watched_corpus_updates_the_shards(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(12), "first")
    bot = open_cluster(corpus, 2)
    question = "where do the zebra finches nest?"
    with CorpusWatcher(bot):
        write_article(corpus, "finches.txt", "Finches", "Zebra finches nest under the pier.")
        assert eventually(lambda: bot.ask(question).found)
        # Edited into a text another shard owns: one shard drops it, the other adds it.
        first = owner_of_file(corpus, "finches.txt", 2)
        place = next(
            p for p in (f"the quay {n}" for n in range(50))
            if owner_of_data("f.txt", f"Finches\n\nZebra finches nest near {p}.\n".encode(), 2)
            != first
        )  # fmt: skip
        write_article(corpus, "finches.txt", "Finches", f"Zebra finches nest near {place}.")
        assert eventually(lambda: place in bot.ask(question).text)
        assert bot.stats().articles == 13
        (corpus / "finches.txt").unlink()
        assert eventually(lambda: not bot.ask(question).found)


# -- faults -----------------------------------------------------------------------------------
def test_a_killed_shard_is_restarted_and_reopens_its_committed_index(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(40), "first")
    one = QABot.open(corpus, tmp_path / "one")
    bot = open_cluster(corpus, 3)
    old = bot.index.shard_info()[1]
    bot.index.runtime.kill(1)
    # The question waits for the restarted shard: a whole answer, not a partial one.
    for question in story_questions(range(0, 40, 9), extra=2):
        _same(bot.ask(question), one.ask(question))
    new = bot.index.shard_info()[1]
    assert new.pid != old.pid
    assert new.reopened and new.generation == old.generation


def test_a_shard_that_cannot_reply_gives_a_partial_answer(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(40), "first")
    bot = open_cluster(corpus, 3)
    bot.index.runtime.kill(2, restart=False)
    present = next(
        n for n in range(40) if owner_of_file(corpus, story_path(Path(), n).as_posix(), 3) != 2
    )
    answer = bot.ask(f"what about {story_name(present)}?")
    assert answer.partial and answer.missing_shards == (2,)
    assert answer.found
    assert all(owner_of_file(corpus, hit.article.id, 3) != 2 for hit in answer.passages)
    assert answer.to_dict()["partial"] is True
    assert answer.to_dict()["missing_shards"] == [2]
    assert "1 of 3 parts of the archive did not reply" in str(answer)
    assert "did not reply" in render.answer_message(answer)


def test_an_update_interrupted_by_a_crash_is_neither_lost_nor_applied_twice(
    open_cluster: Callable[..., QABot], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(300), "first")
    bot = open_cluster(corpus, 2)
    write_stories(corpus, range(0, 300, 2), "second")
    done: list[Any] = []
    update = threading.Thread(target=lambda: done.append(bot.reindex()))
    update.start()
    bot.index.runtime.kill(0)
    update.join(timeout=90)
    assert done, "the update did not finish after the shard's restart"
    one = QABot.open(corpus, tmp_path / "one")
    assert [a.id for a in bot.articles()] == [a.id for a in one.articles()]
    assert bot.stats().passages == one.stats().passages
    for question in ["second edition", *story_questions(range(0, 300, 37), extra=1)]:
        _same(bot.ask(question), one.ask(question))


def test_a_lost_node_moves_its_shards_which_reopen_their_index(
    open_cluster: Callable[..., QABot], ray_cluster: Any, tmp_path: Path
) -> None:
    ray_cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE)
    ray_cluster.wait_for_nodes()
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(40), "first")
    one = QABot.open(corpus, tmp_path / "one")
    bot = open_cluster(corpus, 4)
    placed = bot.index.runtime.nodes()
    # A node other than the head that serves shards: it goes down.
    lost = next(n for n in ray_cluster.worker_nodes if n.node_id in placed)
    moved = [s for s, n in enumerate(placed) if n == lost.node_id]
    ray_cluster.remove_node(lost)
    for question in story_questions(range(0, 40, 7), extra=2):
        _same(bot.ask(question), one.ask(question))
    now = bot.index.runtime.nodes()
    info = bot.index.shard_info()
    for shard in moved:
        assert now[shard] != lost.node_id
        assert info[shard].reopened


# -- the command line -------------------------------------------------------------------------
def test_the_cluster_commands_index_ask_and_show_stats(ray_cluster: Any, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(20), "first")
    one = QABot.open(corpus, tmp_path / "one")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QABOT_CLUSTER_ADDRESS": ray_cluster.address}

    def qabot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qabot", "cluster", *args, "--corpus", str(corpus)],
            capture_output=True, text=True, env=env, timeout=100,
        )  # fmt: skip

    try:
        built = qabot("index", "--shards", "2")
        assert built.returncode == 0, built.stderr
        assert "20 added" in built.stdout and "in 2 shards" in built.stdout
        question = f"what about {story_name(4)}?"
        asked = qabot("ask", "--json", question)
        assert asked.returncode == 0, asked.stderr
        reply = json.loads(asked.stdout)
        assert reply["partial"] is False and reply["shards"] == 2
        assert reply["text"] == one.ask(question).text
        shown = qabot("stats")
        assert shown.returncode == 0 and "20 articles" in shown.stdout
        wrong = qabot("stats", "--shards", "3")
        assert wrong.returncode == 1
        assert wrong.stderr.strip().splitlines()[-1].startswith("qabot: the cluster folder")
    finally:
        settings = Settings(corpus=corpus)
        QABot.open_cluster(
            ray_cluster.address, corpus, settings=settings, update=False
        ).index.shutdown()


def test_a_cluster_started_on_this_machine_prints_only_the_answer(tmp_path: Path) -> None:
    # Without an address, Ray starts here; its notice about token authentication (on by
    # default) used to come out on stderr.
    corpus = tmp_path / "corpus"
    write_stories(corpus, range(3), "first")
    env = {k: v for k, v in os.environ.items() if k != "QABOT_CLUSTER_ADDRESS"}
    asked = subprocess.run(
        [sys.executable, "-m", "qabot", "cluster", "ask", f"what about {story_name(1)}?",
         "--corpus", str(corpus), "--shards", "1"],
        capture_output=True, text=True, env={**env, "PYTHONPATH": str(ROOT)}, timeout=120,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert story_name(1) in asked.stdout.lower()
    assert asked.stderr == ""


def test_a_cluster_address_where_nothing_listens_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qabot", "cluster", "ask", "x", "--corpus", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QABOT_CLUSTER_ADDRESS": "127.0.0.1:9"},
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("qabot: no Ray cluster answers at 127.0.0.1:9")
    assert "Traceback" not in done.stderr


def test_a_relative_corpus_is_the_folder_the_command_was_given(
    ray_cluster: Any, tmp_path: Path
) -> None:
    # The nodes run in a folder of their own (here: where pytest started them): a relative
    # --corpus used to name a folder there, created empty, and every answer was "empty".
    corpus = tmp_path / "articles"
    write_stories(corpus, range(6), "first")
    question = f"what about {story_name(4)}?"
    expected = QABot.open(corpus, tmp_path / "one").ask(question).text
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QABOT_CLUSTER_ADDRESS": ray_cluster.address}
    try:
        asked = subprocess.run(
            [sys.executable, "-m", "qabot", "cluster", "ask", "--json", question,
             "--corpus", "articles", "--shards", "2"],
            capture_output=True, text=True, env=env, timeout=100, cwd=tmp_path,
        )  # fmt: skip
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["text"] == expected
        assert (corpus / ".qabot-cluster" / "shard-001-of-002").is_dir()
    finally:
        QABot.open_cluster(ray_cluster.address, corpus, update=False).index.shutdown()


def test_a_corpus_that_a_node_does_not_see_is_refused_in_one_line(
    ray_cluster: Any, tmp_path: Path
) -> None:
    # The corpus is mounted for the command alone (a mount namespace of its own): the
    # nodes see an empty folder at that path, as a node without the shared disk would.
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"]).returncode:
        pytest.skip("needs root and mount namespaces to hide a folder from the Ray nodes")
    write_stories(tmp_path / "hidden" / "corpus", range(3), "first")
    private = tmp_path / "private"
    private.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QABOT_CLUSTER_ADDRESS": ray_cluster.address}
    mount = 'mount --bind "$0" "$1" && shift && exec "$@"'
    command = [sys.executable, "-m", "qabot", "cluster", "ask", f"what about {story_name(1)}?",
               "--corpus", str(private / "corpus"), "--shards", "1"]  # fmt: skip
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", mount, str(tmp_path / "hidden"), str(private), *command],
        capture_output=True, text=True, env=env, timeout=100,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(
        f"qabot: the corpus folder {private / 'corpus'} is not on the Ray node "
    ), done.stderr
    assert done.stderr.count("\n") == 1 and "every node must see the corpus" in done.stderr
    assert list(private.iterdir()) == []  # nothing created where the nodes looked


# -- Telegram -------------------------------------------------------------------------------
def test_the_telegram_bot_serves_from_the_cluster(
    ray_cluster: Any, api: BotApiServer, corpus: Path
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "QABOT_CORPUS": str(corpus),
        "QABOT_CLUSTER_ADDRESS": ray_cluster.address,
        "QABOT_CLUSTER_SHARDS": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "qabot", "serve"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        api.wait_for("setMyCommands", timeout=60)
        api.push_update(api.make_message_update("What did Stoltenberg say about Minsk?"))
        call = api.wait_for("sendMessage", timeout=30)
        assert 'We cannot have Minsk 3," Stoltenberg concluded.' in call.result["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        QABot.open_cluster(ray_cluster.address, corpus, update=False).index.shutdown()
    assert proc.returncode == 0, err[-2000:]
    assert api.token not in out + err
    assert (corpus / ".qabot-cluster" / "shard-001-of-002").is_dir()
