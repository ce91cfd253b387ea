"""QABot end to end on real files: the contract, tiny corpora, no-answer, incremental reindex."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from support.corpus import write_article

from qabot import Answer, CorpusError, QABot, Settings
from qabot.config import PassageSettings
from qabot.errors import FilterError

MINSK_QUOTE = 'We cannot have Minsk 3," Stoltenberg concluded.'


def test_stoltenberg_minsk_contract(corpus: Path, open_bot: Callable[..., QABot]) -> None:
    bot = open_bot(corpus)
    answer = bot.ask("what did Stoltenberg say about Minsk")
    assert MINSK_QUOTE in answer.passages[0].text
    assert MINSK_QUOTE in answer.text
    assert answer.text.startswith('"Some months later')
    hit = answer.passages[0]
    assert hit.article.title == "Stoltenberg on peace talks with Russia: We cannot have Minsk 3"
    assert hit.article.id == "stoltenberg-peace-talks-minsk-3.txt"
    assert hit.article.path == corpus / "stoltenberg-peace-talks-minsk-3.txt"
    assert hit.score > 0 and hit.rank == 1 and hit.position == 4 and hit.paragraphs == (6, 6)
    assert {hit.text[s:e].lower() for s, e in hit.highlights} == {"minsk", "stoltenberg"}
    assert answer.source == 0 and answer.confidence == 1.0
    text = str(answer)
    # The short answer, then the sentence it stands in, then the sources.
    assert text.startswith(f"{answer.short}\n{answer.text}")
    assert "[1] Stoltenberg on peace talks" in text and "¶7" in text
    assert len(repr(answer)) < 120


def test_what_a_user_asks_of_the_demo_article(corpus: Path, open_bot: Callable[..., QABot]) -> None:
    bot = open_bot(corpus)
    assert bot.ask("what did Stoltenberg say about Minsk").short == "We cannot have Minsk 3"
    # "Who is X?" is answered with what the article calls X, not a stretch of the sentence.
    assert bot.ask("who is Jens Stoltenberg?").short == "NATO Secretary General"
    # A follow-up naming someone asks the same of them.
    assert bot.ask("and Zelenskyy?", context="who is Jens Stoltenberg?").short == (
        "Ukrainian President"
    )
    other = bot.ask("and Zelenskyy?", context="what did Stoltenberg say about Minsk")
    assert other.reason == "No quotation of Zelenskyy about Minsk in the indexed articles."
    said = bot.ask("what did Zelenskyy say about negotiations?")
    assert said.short.startswith("currently, only one model of negotiations")
    assert said.passages[0].paragraphs == (7, 8)  # its paragraph, under its heading


def test_ask_respects_k(news_corpus: Path, open_bot: Callable[..., QABot]) -> None:
    bot = open_bot(news_corpus)
    assert len(bot.ask("NATO Ukraine", k=2).passages) == 2
    assert len(bot.ask("NATO Ukraine", k=1).passages) == 1


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_corpora_answer(tmp_path: Path, open_bot: Callable[..., QABot], n: int) -> None:
    folder = tmp_path / "c"
    texts = [
        "The summit in Vilnius agreed a new package for Ukraine.",
        "Ukraine asked the summit for more air defence.",
        "The summit closed with a statement on Ukraine.",
    ]
    for i in range(n):
        write_article(folder, f"{i}.txt", f"Article {i}", texts[i])
    bot = open_bot(folder)
    answer = bot.ask("What did the summit agree for Ukraine?")
    assert answer.found, answer.reason
    assert len(answer.passages) == n
    assert answer.passages[0].text == texts[0]
    assert all(h.score > 0 for h in answer.passages)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("", "Ask a question"),
        ("   ", "Ask a question"),
        ("what is it that they were?", "only common words"),
        ("?!…", "Ask a question in words"),
        ("🙂🙂", "Ask a question in words"),
        ("zxqv blorf", "No article mentions: zxqv, blorf"),
    ],
)
def test_no_answer_instead_of_a_random_passage(
    corpus: Path, open_bot: Callable[..., QABot], question: str, reason: str
) -> None:
    answer = open_bot(corpus).ask(question)
    assert not answer.found and answer.text == "" and answer.passages == ()
    assert reason in answer.reason
    assert str(answer).startswith("I don't know.")


def test_weak_match_is_not_passed_off_as_an_answer(
    news_corpus: Path, open_bot: Callable[..., QABot]
) -> None:
    answer = open_bot(news_corpus).ask(
        "What did Stoltenberg say about the price of bananas in Peru?"
    )
    # Stoltenberg is quoted, but never on that: said so, with the closest passages.
    assert not answer.found
    assert answer.reason == (
        "No quotation of Stoltenberg about price, bananas, Peru in the indexed articles."
    )
    assert answer.passages and answer.confidence == 0.0


def test_empty_corpus_answers_nothing(tmp_path: Path, open_bot: Callable[..., QABot]) -> None:
    (tmp_path / "empty").mkdir()
    answer = open_bot(tmp_path / "empty").ask("anything about NATO?")
    assert not answer.found and "corpus is empty" in answer.reason


def test_missing_corpus_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        QABot.open(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


def test_default_index_lives_hidden_in_the_corpus(corpus: Path) -> None:
    bot = QABot.open(corpus)
    assert bot.settings.index_dir == corpus / ".qabot-index"
    assert (corpus / ".qabot-index" / "CURRENT").exists()
    assert QABot.open(corpus).last_report is not None and QABot.open(corpus).articles()


def test_broken_files_are_reported_and_everything_else_indexed(
    corpus: Path, open_bot: Callable[..., QABot]
) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "bad.json").write_text("{oops")
    (corpus / "bin.txt").write_bytes(b"\x00\xff\x00")
    bot = open_bot(corpus)
    report = bot.last_report
    assert report is not None
    assert report.added == ("stoltenberg-peace-talks-minsk-3.txt",)
    reasons = {p.path.name: p.reason for p in report.problems}
    assert set(reasons) == {"empty.txt", "bad.json", "bin.txt"}
    assert "malformed JSON" in reasons["bad.json"]
    assert bot.ask("Minsk").found
    assert {p.path.name for p in bot.stats().problems} == set(reasons)


def fingerprint(bot: QABot) -> tuple[object, ...]:
    """What a reader can observe of an index: articles, passages, statistics, rankings."""
    snap = bot.index.current()
    articles = tuple((rec.article.id, rec.article.title, rec.count) for _, rec in snap.articles)
    passages = tuple(
        snap.segments[n].passage(rec.first + p)
        for n, rec in snap.articles
        for p in range(rec.count)
    )
    stats = (snap.n_passages, snap.total_length, dict(snap._all_df()))
    rankings = tuple(
        tuple((m.article.id, m.passage.position, round(m.score, 9)) for m in matches)
        for matches in (
            snap.search(bot.analyzer.terms(q), 20, bot.settings.bm25)
            for q in ("oil prices", "Ukraine donors", "Minsk", "final replay", "NATO said")
        )
    )
    return (articles, passages, stats, rankings)


def test_reindex_after_add_change_delete_equals_full_rebuild(
    news_corpus: Path, tmp_path: Path
) -> None:
    bot = QABot.open(news_corpus, tmp_path / "index")
    write_article(
        news_corpus, "new/aid.txt", "Aid pledged", "Donors pledged 5 billion for Ukraine."
    )
    write_article(
        news_corpus, "markets/oil.txt", "Oil prices fall",
        "Oil prices fell 2% on Friday as demand worries returned.",
    )  # fmt: skip
    (news_corpus / "sport" / "final.txt").unlink()
    report = bot.reindex()
    assert report.added == ("new/aid.txt",)
    assert report.changed == ("markets/oil.txt",)
    assert report.removed == ("sport/final.txt",)
    assert set(report.unchanged) == {"stoltenberg-peace-talks-minsk-3.txt", "tech/chips.txt"}
    assert not report.rebuilt

    fresh = QABot.open(news_corpus, tmp_path / "fresh-index")
    assert fresh.last_report is not None and fresh.last_report.rebuilt
    assert fingerprint(bot) == fingerprint(fresh)
    for q in ("oil prices", "Ukraine donors", "Minsk", "final replay"):
        assert bot.ask(q) == fresh.ask(q)
    assert not bot.ask("cup final replay").found
    assert bot.reindex().modified is False


def test_an_update_told_which_paths_changed_equals_a_full_rebuild(
    news_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the corpus watcher does: it names the paths its events named, and only those
    # are looked at (no stat of every file).
    bot = QABot.open(news_corpus, tmp_path / "index")
    write_article(news_corpus, "new/aid.txt", "Aid pledged", "Donors pledged 5 billion.")
    write_article(news_corpus, "markets/oil.txt", "Oil prices fall", "Oil fell 2% on Friday.")
    (news_corpus / "sport" / "final.txt").unlink()
    import qabot.index.update

    def no_full_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole corpus was scanned")

    monkeypatch.setattr(qabot.index.update, "scan_stamps", no_full_scan)
    report = bot.catch_up(paths=["new", "markets/oil.txt", "sport/final.txt"])
    assert report is not None
    assert (report.added, report.changed, report.removed) == (
        ("new/aid.txt",), ("markets/oil.txt",), ("sport/final.txt",),
    )  # fmt: skip
    monkeypatch.undo()
    fresh = QABot.open(news_corpus, tmp_path / "fresh-index")
    assert fingerprint(bot) == fingerprint(fresh)
    assert bot.reindex().modified is False


def test_unchanged_articles_are_not_reanalysed(
    news_corpus: Path, open_bot: Callable[..., QABot], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = open_bot(news_corpus)
    analysed: list[str] = []
    import qabot.index.update

    real = qabot.index.update.split_article

    def spy(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        analysed.append(text.article.id)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(qabot.index.update, "split_article", spy)
    write_article(news_corpus, "z.txt", "Zed", "A brand new article about zebras.")
    # Touching a file without changing it costs a hash, not an analysis.
    os.utime(news_corpus / "tech" / "chips.txt", ns=(1, 1))
    report = bot.reindex()
    assert analysed == ["z.txt"]
    assert report.added == ("z.txt",) and "tech/chips.txt" in report.unchanged


def test_jsonl_article_change_reanalyses_only_that_article(
    tmp_path: Path, open_bot: Callable[..., QABot]
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    feed = folder / "feed.jsonl"
    rows = [
        {"id": f"a{i}", "title": f"T{i}", "text": f"Story number {i} about topic{i}."}
        for i in range(3)
    ]
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    bot = open_bot(folder)
    rows[1]["text"] = "Story one was rewritten about volcanoes."
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    report = bot.reindex()
    assert (report.changed, report.unchanged) == (("a1",), ("a0", "a2"))
    assert bot.ask("volcanoes").passages[0].article.id == "a1"


def test_corrupt_index_is_rebuilt_on_open(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)
    target = next(index.glob("seg-*/post_doc.npy"))
    data = bytearray(target.read_bytes())
    data[-1] ^= 0x55
    target.write_bytes(bytes(data))
    bot = QABot.open(corpus, index)
    assert bot.last_report is not None and bot.last_report.rebuilt
    assert "rebuilt" in caplog.text and "checksum" in caplog.text
    assert MINSK_QUOTE in bot.ask("what did Stoltenberg say about Minsk").text


def test_other_analysis_settings_force_a_rebuild(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    QABot.open(corpus, index)
    other = Settings(passages=PassageSettings(min_words=10, max_words=60))
    bot = QABot.open(corpus, index, settings=other)
    assert bot.last_report is not None and bot.last_report.rebuilt
    assert all(len(h.text.split()) <= 60 for h in bot.ask("NATO", k=20).passages)


def test_a_commit_by_another_process_is_picked_up(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    serving = QABot.open(corpus, index)
    assert not serving.ask("volcano eruption").found
    write_article(
        corpus, "v.txt", "Volcano erupts", "A volcano eruption forced evacuations in Iceland."
    )
    subprocess.run(
        [sys.executable, "-m", "qabot", "index", str(corpus), "--index", str(index)],
        check=True, capture_output=True,
    )  # fmt: skip
    answer = serving.ask("volcano eruption")
    assert answer.found and answer.passages[0].article.id == "v.txt"


def test_passage_lookup_and_stats(news_corpus: Path, open_bot: Callable[..., QABot]) -> None:
    bot = open_bot(news_corpus)
    hit = bot.ask("Minsk").passages[0]
    passage = bot.passage(hit.article.id, hit.position)
    assert passage is not None and passage.text == hit.text
    assert bot.passage(hit.article.id, 999) is None and bot.passage("nope", 0) is None
    stats = bot.stats()
    assert (stats.articles, stats.passages) == (4, 9)
    assert stats.terms > 50 and stats.size_bytes > 0 and stats.updated is not None
    assert "4 articles, 9 passages" in str(stats)
    assert 20 < bot.words_per_passage() < 120


def test_answers_without_telegram_installed(corpus: Path) -> None:
    code = (
        "import sys; sys.modules['telegram'] = None\n"
        "from qabot import QABot\n"
        f"bot = QABot.open({str(corpus)!r})\n"
        "print(bot.ask('what did Stoltenberg say about Minsk').found)\n"
        "print(any(m.split('.')[0] == 'telegram' for m in sys.modules if sys.modules[m]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_answer_value_is_frozen(corpus: Path, open_bot: Callable[..., QABot]) -> None:
    answer = open_bot(corpus).ask("Minsk")
    assert isinstance(answer, Answer)
    with pytest.raises(AttributeError):
        answer.text = "x"  # type: ignore[misc]
    assert isinstance(answer.passages[0].score, float) and not isinstance(
        answer.passages[0].score, np.floating
    )


def test_add_article_saves_and_indexes(corpus: Path, open_bot: Callable[..., QABot]) -> None:
    bot = open_bot(corpus)
    path, report = bot.add_article(
        "../../sneaky.md", b"# Glacier melts\n\nThe Aletsch glacier lost 3% of its ice."
    )
    assert path == (corpus / "sneaky.md").resolve()
    assert report.added == ("sneaky.md",)
    assert "Aletsch" in bot.ask("How much ice did the Aletsch glacier lose?").text


def test_moves_removals_and_returns_equal_a_full_rebuild(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    rows = [
        {"id": f"s{i}", "title": f"Story {i}", "text": f"Story {i} about topic{i}."}
        for i in range(4)
    ]
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]))
    (folder / "b.jsonl").write_text("\n".join(json.dumps(r) for r in rows[2:]))
    write_article(folder, "gone.txt", "Gone", "An article about meteorites.")
    bot = QABot.open(folder, tmp_path / "index")
    # s1 moves from a.jsonl to b.jsonl, gone.txt goes, then comes back changed.
    (folder / "a.jsonl").write_text(json.dumps(rows[0]))
    (folder / "b.jsonl").write_text("\n".join(json.dumps(r) for r in rows[1:]))
    (folder / "gone.txt").unlink()
    report = bot.reindex()
    assert report.removed == ("gone.txt",) and report.changed == ("s1",)
    write_article(folder, "gone.txt", "Back", "An article about comets.")
    assert bot.reindex().added == ("gone.txt",)
    fresh = QABot.open(folder, tmp_path / "fresh")
    assert fingerprint(bot) == fingerprint(fresh)
    assert bot.ask("topic1").passages[0].article.id == "s1"
    assert not bot.ask("meteorites").found and bot.ask("comets").found


def test_a_new_file_cannot_take_an_existing_article_id(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"id": "x", "title": "First", "text": "Owls hunt."}))
    bot = QABot.open(folder, tmp_path / "index")
    (folder / "b.json").write_text(json.dumps({"id": "x", "title": "Second", "text": "Bats fly."}))
    report = bot.reindex()
    assert [p.path.name for p in report.problems] == ["b.json"]
    assert "already used" in report.problems[0].reason
    assert bot.ask("owls").found and not bot.ask("bats").found


# -- dates, filters and recency -------------------------------------------------------------------
WIRE = (
    "The Tagus harbour bridge reopened to traffic on Monday after eight months of repairs.",
    "Engineers replaced the cables of the central span.",
)


def _md(folder: Path, name: str, title: str, body: tuple[str, ...], **meta: str) -> None:
    front = "".join(f"{key}: {value}\n" for key, value in meta.items())
    (folder / name).write_text(f"---\ntitle: {title}\n{front}---\n" + "\n\n".join(body) + "\n")


@pytest.fixture
def wire_corpus(tmp_path: Path) -> Path:
    """One wire story republished three times with different dates and sources, and another.

    Each copy names its agency (one word, so the passages score alike): copies with the
    same body would be indexed once (see tests/index/test_update.py).
    """
    folder = tmp_path / "wire"
    folder.mkdir()
    for name, source, meta in (
        ("a-reuters.md", "Reuters", {"date": "2024-06-01"}),
        ("b-ap.md", "AP", {"date": "12 June 2024"}),
        ("c-bbc.md", "BBC", {}),  # no date
    ):
        body = (*WIRE, f"Reported by {source}.")
        _md(folder, name, "Bridge reopens", body, source=source, **meta)
    _md(
        folder, "d-budget.md", "Budget", ("The council approved the harbour budget on Monday.",),
        date="2024-05-03", source="BBC",
    )  # fmt: skip
    for n in range(20):  # other news, so that the story's words are rare ones
        write_article(
            folder, f"other/{n}.txt", f"Kites {n}", f"Kite festival number {n} drew crowds."
        )
    return folder


QUESTION = "when did the Tagus harbour bridge reopen"


def test_the_newest_of_equally_good_stories_answers_and_says_when(
    wire_corpus: Path, open_bot: Callable[..., QABot]
) -> None:
    bot = open_bot(wire_corpus)
    answer = bot.ask(QUESTION)
    assert answer.found and answer.text.startswith("The Tagus harbour bridge reopened")
    cited = answer.passages[answer.source or 0].article
    assert cited.id == "b-ap.md" and cited.published == date(2024, 6, 12)
    assert cited.date == "12 June 2024"  # shown as written
    assert answer.published == date(2024, 6, 12) and answer.to_dict()["date"] == "2024-06-12"
    assert f"\n12 June 2024 — {answer.text}\n" in f"\n{answer}\n"
    # The search ranks the copies newest first, the undated one last.
    ids = [hit.article.id for hit in bot.search(QUESTION, 3)]
    assert ids == ["b-ap.md", "a-reuters.md", "c-bbc.md"]


def test_filters_choose_the_stories_that_may_answer(
    wire_corpus: Path, open_bot: Callable[..., QABot]
) -> None:
    bot = open_bot(wire_corpus)

    def cited(**filters: object) -> list[str]:
        return [hit.article.id for hit in bot.search(QUESTION, 10, **filters)]  # type: ignore[arg-type]

    assert cited(until="2024-06-11") == ["a-reuters.md", "d-budget.md"]
    assert cited(since=date(2024, 6, 1), until="2024-06-01") == ["a-reuters.md"]
    assert cited(sources=["bbc"]) == ["c-bbc.md", "d-budget.md"]  # undated, yet a BBC story
    assert cited(since="2024-05-01", sources=["BBC", "ap"]) == ["b-ap.md", "d-budget.md"]
    answer = bot.ask(QUESTION, until="2024-06-11")
    assert answer.passages[answer.source or 0].article.id == "a-reuters.md"
    assert str(answer).splitlines()[:2] == ["Monday", f"1 June 2024 — {answer.text}"]
    nothing = bot.ask(QUESTION, since="2024-07-01")
    assert not nothing.found and nothing.passages == ()
    assert nothing.reason.startswith("No article within since:2024-07-01 mentions:")
    with pytest.raises(FilterError, match=r"since: '1/7/2024' is not a date \(use YYYY-MM-DD\)"):
        bot.ask(QUESTION, since="1/7/2024")


def test_open_reads_the_environment_as_the_cli_does_and_explicit_settings_win(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.web_server import BRIDGE, article_page, serving

    from qabot.errors import UnsafeURLError

    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("QABOT_BM25", "okapi")
    with serving() as web:
        url = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))
        given = QABot.open(corpus, tmp_path / "given", settings=Settings())
        assert given.settings.bm25.variant == "bm25plus"
        with pytest.raises(UnsafeURLError, match="QABOT_ALLOW_PRIVATE_URLS=1"):
            given.add_url(url)
        bot = QABot.open(corpus, tmp_path / "index")
        assert bot.settings.bm25.variant == "okapi"
        assert bot.add_url(url).title == "Tagus bridge reopens"  # as the refusal advised
