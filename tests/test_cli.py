"""The qabot command: thin, exit codes, one-line errors, JSON output."""

from __future__ import annotations

import io
import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot import __version__
from qabot.cli import _progress_bar, main

ROOT = Path(__file__).resolve().parents[1]


def qabot_env(**extra: str) -> dict[str, str]:
    """The environment of a real ``qabot`` process, as a user's shell would give it.

    This checkout comes first on the path; qabot's own variables are cleared; and output
    is buffered as usual (PYTHONUNBUFFERED would make every write fail at once, and hide
    the write that fails only when Python flushes stdout at exit).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONUNBUFFERED" and not k.startswith(("QABOT_", "TELEGRAM_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return {**env, **extra}


def qabot(*argv: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m qabot`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "qabot", *argv], input=stdin, capture_output=True, text=True,
        env=qabot_env(**env), timeout=120, check=False,
    )  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_reports_changes_and_skipped_files(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "broken.json").write_text("[1, 2")
    code, out, err = run(capsys, "index", str(corpus))
    assert code == 0
    assert out.startswith("1 added, 0 changed, 0 removed, 0 unchanged, 1 skipped (full rebuild)")
    assert "1 article, 6 passages" in out
    assert "broken.json: malformed JSON" in err
    write_article(corpus, "b.txt", "B", "Bees are busy.")
    code, out, _ = run(capsys, "index", str(corpus), "-v")
    assert out.splitlines()[0] == "1 added, 0 changed, 0 removed, 1 unchanged, 1 skipped"
    assert "  added: b.txt" in out
    code, out, _ = run(capsys, "index", str(corpus), "--rebuild")
    assert "(full rebuild)" in out.splitlines()[0]


def test_ask_prints_answer_and_citations(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "ask", "what did Stoltenberg say about Minsk", "--corpus", str(corpus)
    )
    assert code == 0
    # The short answer first, then the sentence it stands in.
    assert out.splitlines()[0] == "We cannot have Minsk 3"
    assert 'We cannot have Minsk 3," Stoltenberg concluded.' in out.splitlines()[1]
    assert "[1] Stoltenberg on peace talks with Russia: We cannot have Minsk 3, ¶7" in out


def test_ask_json(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "ask", "Stoltenberg on Minsk", "-k", "2", "--json", "--corpus", str(corpus)
    )
    data = json.loads(out)
    assert code == 0 and data["found"] is True and len(data["passages"]) == 2
    first = data["passages"][0]
    assert first["article"]["id"] == "stoltenberg-peace-talks-minsk-3.txt"
    assert first["rank"] == 1 and first["paragraphs"] == [6, 6] and first["highlights"]
    assert data["passages"][1]["rank"] == 2


def test_quotes_prints_a_cited_timeline_and_json(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "quotes", "Stoltenberg", "--about", "Minsk", "--corpus", str(corpus))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Stoltenberg about Minsk: 1 statement, oldest first."
    assert lines[2].startswith("Jens Stoltenberg: “Some months later") and "Minsk 3”" in lines[2]
    assert lines[3] == "  Stoltenberg on peace talks with Russia: We cannot have Minsk 3, ¶7"
    code, out, _ = run(capsys, "quotes", "Jens Stoltenberg", "--json", "--corpus", str(corpus))
    found = json.loads(out)
    assert code == 0 and len(found) >= 4 and {q["speaker"] for q in found} == {"Jens Stoltenberg"}
    code, out, _ = run(capsys, "quotes", "Nobody", "--corpus", str(corpus))
    assert code == 0 and out == "No quotation of Nobody in the indexed articles.\n"
    code, _, err = run(capsys, "quotes", "Nobody", "--since", "2024-13-01", "--corpus", str(corpus))
    assert code == 1 and err.startswith("qabot: --since:")


def test_stats(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stats", "--corpus", str(corpus))
    assert code == 0 and "1 article, 6 passages" in out and "KiB on disk" in out


def test_chat_answers_and_commands(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("Minsk?\n/stats\n/sources\n/nope\n\n/quit\nignored\n")
    )
    code, out, _ = run(capsys, "chat", "--corpus", str(corpus))
    assert code == 0
    assert "qabot: 1 article indexed." in out
    assert "Sources:" in out and "Unknown command /nope" in out
    assert "- Stoltenberg on peace talks with Russia" in out


def test_eval_prints_figures(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "question": "What did Stoltenberg conclude about Minsk?",
         "answers": ["Minsk 3"],
         "article": "stoltenberg-peace-talks-minsk-3.txt", "paragraph_index": 6},
        {"id": "2", "question": "Who facilitated the grain corridor?", "answers": ["mediators"],
         "article": "stoltenberg-peace-talks-minsk-3.txt", "paragraph_index": 8},
        {"id": "3", "question": "Where is the volcano?", "answers": ["Iceland"],
         "article": "other.txt", "paragraph_index": 0},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    code, out, _ = run(capsys, "eval", str(questions), "--corpus", str(corpus), "--json")
    figures = json.loads(out)
    assert code == 0
    # Numbers, not strings of them.
    assert figures["questions"] == 3 and isinstance(figures["questions"], int)
    assert figures["hit@1"] == pytest.approx(2 / 3) and figures["hit@20"] == pytest.approx(2 / 3)
    assert all(isinstance(v, (int, float)) for v in figures.values())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "hi", "--corpus", "/definitely/missing"], "does not exist"),
        (["eval", "/definitely/missing.jsonl", "--corpus", "."], "cannot read questions"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("qabot: ") and message in err
    assert "Traceback" not in err


def test_bad_environment_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QABOT_ADMIN_IDS", "12,alice")
    code, _, err = run(capsys, "stats")
    assert code == 1 and "QABOT_ADMIN_IDS" in err


def test_python_dash_m_qabot(corpus: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "qabot", "ask", "Minsk", "--corpus", str(corpus)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Minsk" in out.stdout


def test_a_reader_that_goes_away_gets_no_traceback(corpus: Path) -> None:
    # `qabot chat … | head -1`: the pipe closes while qabot still writes.
    command = [sys.executable, "-m", "qabot", "chat", "--corpus", str(corpus)]
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(b"Minsk\n" * 50, timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err, err.decode()


# -- a newcomer's first hour (issue 12) -------------------------------------------------------
@pytest.mark.parametrize("command", ["index", "stats", "ask", "chat"])
def test_a_reader_gone_before_the_output_gets_no_traceback(corpus: Path, command: str) -> None:
    # `qabot stats | head -1`, where head is gone by the time qabot writes: with stdout
    # buffered, the failing write used to come as Python flushed it at exit (exit 120).
    argv = {
        "index": ["index", str(corpus)],
        "stats": ["stats", "--corpus", str(corpus)],
        "ask": ["ask", "Minsk", "--corpus", str(corpus)],
        "chat": ["chat", "--corpus", str(corpus)],
    }[command]
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "qabot", *argv], input=b"Minsk\n", stdout=write,
            stderr=subprocess.PIPE, env=qabot_env(), timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask"], "the following arguments are required: question (see qabot ask --help)"),
        (["nope"], "invalid choice: 'nope'"),
        (["ask", "-k", "many", "hi"], "invalid int value: 'many' (see qabot ask --help)"),
        (["ask", "-k", "0", "hi"], "argument -k: must be 1 or more (got 0) (see qabot ask --help)"),
        (["cluster", "ask", "-k", "-2", "hi"], "must be 1 or more (got -2) (see qabot cluster ask"),
        (["stats", "--bogus"], "unrecognized arguments: --bogus (see qabot stats --help)"),
    ],
)
def test_usage_errors_are_one_line_and_exit_1(argv: list[str], message: str) -> None:
    done = qabot(*argv)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("qabot: ") and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr


def test_a_bad_log_level_is_one_line_and_the_cli_honours_a_good_one(corpus: Path) -> None:
    done = qabot("stats", "--corpus", str(corpus), QABOT_LOG_LEVEL="LOUD")
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "QABOT_LOG_LEVEL" in done.stderr and "DEBUG, INFO, WARNING" in done.stderr
    done = qabot("index", str(corpus), QABOT_LOG_LEVEL="info")
    assert done.returncode == 0 and "INFO qabot.index.index: index updated" in done.stderr
    # By default the command logs only warnings; -v (anywhere) overrides the environment.
    assert "INFO" not in qabot("index", str(corpus), "--rebuild").stderr
    done = qabot("index", str(corpus), "--rebuild", "-v", QABOT_LOG_LEVEL="ERROR")
    assert "INFO qabot.index.index: index updated" in done.stderr


def test_bare_qabot_prints_help_and_version_is_known(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 0 and out.startswith("usage: qabot") and "ask" in out and err == ""
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"qabot {__version__}"


def test_every_command_takes_corpus_and_verbose_anywhere(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = str(tmp_path / "index")
    code, out, _ = run(capsys, "index", "--corpus", str(corpus), "--index", index, "-v")
    assert code == 0 and out.startswith("1 added") and "  added: stoltenberg" in out
    code, out, _ = run(capsys, "-v", "stats", "--corpus", str(corpus), "--index", index)
    assert code == 0 and "1 article," in out
    code, _, err = run(capsys, "index", str(corpus), "--corpus", str(tmp_path))
    assert code == 1 and err.startswith("qabot: two corpus folders given")


def test_the_first_index_summarises_and_lists_names_only_when_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "many"
    for n in range(25):
        write_article(corpus, f"a{n:02}.txt", f"Story {n}", f"Story number {n} is told here.")
    code, out, _ = run(capsys, "index", str(corpus))
    assert (
        code == 0
        and out.splitlines()[0] == "25 added, 0 changed, 0 removed, 0 unchanged (full rebuild)"
    )
    assert "added:" not in out and "more" not in out
    code, out, _ = run(capsys, "index", str(corpus), "--rebuild", "-v")
    assert [line for line in out.splitlines() if line.startswith("  added: ")] == [
        f"  added: a{n:02}.txt" for n in range(25)
    ]


def test_index_reports_duplicates_and_stats_count_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "c"
    body = "The harbour authority approved a new ferry terminal at Kelmouth on Monday."
    for n in range(5):
        write_article(folder, f"copy{n}.txt", f"Ferry, take {n}", body)
    code, out, _ = run(capsys, "index", str(folder))
    assert code == 0
    assert (
        "4 duplicates of other articles not indexed again: copy1.txt = copy0.txt, "
        "copy2.txt = copy0.txt, copy3.txt = copy0.txt, … (-v lists all)"
    ) in out.splitlines()
    code, out, _ = run(capsys, "index", str(folder), "-v")
    assert "copy4.txt = copy0.txt" in out and "-v lists all" not in out
    code, out, _ = run(capsys, "stats", "--corpus", str(folder))
    assert out.startswith("1 article, 1 passage, ") and "(4 duplicates not indexed again)" in out


def test_indexing_a_folder_without_articles_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.pdf").write_bytes(b"%PDF")
    code, out, err = run(capsys, "index", str(empty))
    assert code == 0 and "0 articles" in out
    assert f"qabot: no articles found in {empty} (supported: " in err and ".md" in err


def test_skipped_files_are_counted_once_and_reported_when_found(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One file with two bad lines (and a good one): two problems, one file.
    good = json.dumps({"title": "Feed", "text": "A story from the feed."})
    (corpus / "feed.jsonl").write_text('{"title": "x"\n[1\n' + good + "\n")
    code, out, err = run(capsys, "index", str(corpus))
    assert out.startswith("2 added, 0 changed, 0 removed, 0 unchanged, 1 skipped")
    assert err.count("skipped ") == 2  # both problems are listed
    # Known problems are not repeated at every command …
    for argv in (["stats"], ["ask", "Minsk"], ["chat"]):
        monkey_stdin = io.StringIO("")
        sys.stdin, saved = monkey_stdin, sys.stdin
        try:
            code, _, err = run(capsys, *argv, "--corpus", str(corpus))
        finally:
            sys.stdin = saved
        assert code == 0 and err == "", argv
    # … but a command that finds new ones says so, counting files.
    (corpus / "broken.json").write_text("[1, 2")
    code, _, err = run(capsys, "ask", "Minsk", "--corpus", str(corpus))
    assert (
        err == "qabot: 1 file(s) could not be indexed and are skipped; `qabot index` lists them\n"
    )


def test_eval_explains_its_file_and_refuses_what_it_cannot_measure(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "eval", "--help")
    assert code == 0 and '{"question": "' in out and '"answers": [' in out and '"article": ' in out
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    code, out, err = run(capsys, "eval", str(empty), "--corpus", str(corpus))
    assert code == 1 and out == "" and err.count("\n") == 1 and "holds no questions" in err
    questions = tmp_path / "q.jsonl"
    row = {"question": "What about Minsk?", "answers": ["Minsk 3"],
           "article": "stoltenberg-peace-talks-minsk-3.txt"}  # fmt: skip
    questions.write_text(json.dumps(row) + "\n" + json.dumps({**row, "article": "other.txt"}))
    # Both articles fall in fold 1 of 2: fold 0 would average in as zeros.
    code, out, err = run(capsys, "eval", str(questions), "--corpus", str(corpus), "--folds", "2")
    assert code == 1 and "fall in one of the 2 folds" in err and "0.500" not in out
    code, _, err = run(capsys, "eval", str(questions), "--corpus", str(corpus), "--folds", "3")
    assert code == 1 and "3 folds need questions about at least 3 different articles" in err
    # A one-article corpus has nothing left to ask without its article.
    code, _, err = run(capsys, "eval", str(questions), "--corpus", str(corpus), "--no-answer")
    assert code == 1 and "at least two articles" in err and "does not exist" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_rates_only_the_files_it_saw(monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm.std

    now = [1000.0]

    def clock() -> float:
        now[0] += 1e-6  # a bar drawn right after the first chunk: microseconds later
        return now[0]

    monkeypatch.setattr(tqdm.std, "time", clock)
    monkeypatch.setattr(tqdm.std.tqdm, "monitor_interval", 0)
    stream = _Terminal()
    update = _progress_bar(stream)
    assert update is not None
    update(200, 1000)  # the first chunk of 200 files was analysed before the bar existed
    now[0] += 10
    update(400, 1000)
    now[0] += 10
    update(600, 1000)
    rates = [float(r) for r in re.findall(r"([\d.]+)file/s", stream.getvalue())]
    assert rates and all(r == pytest.approx(20, rel=0.01) for r in rates), stream.getvalue()
    update(1000, 1000)


def _read_until(fd: int, marker: str | None, seen: list[str]) -> str:
    """Read the terminal until ``marker`` shows (``None``: until it closes).

    Returns what came since the last call.
    """
    start = len("".join(seen))
    while marker is None or marker not in "".join(seen)[start:]:
        ready, _, _ = select.select([fd], [], [], 60)
        assert ready, f"no {marker!r} in {''.join(seen)!r}"
        try:
            chunk = os.read(fd, 4096).decode(errors="replace")
        except OSError:  # the other side closed
            chunk = ""
        if not chunk:
            assert marker is None, f"no {marker!r} before the end: {''.join(seen)!r}"
            break
        seen.append(chunk)
    return "".join(seen)[start:]


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX terminal")
def test_the_chat_on_a_terminal_edits_lines_recalls_questions_and_ends_cleanly(
    corpus: Path,
) -> None:
    import pty

    from qabot.chat import PROMPT

    assert main(["index", str(corpus)]) == 0  # the chat then starts at once
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qabot", "chat", "--corpus", str(corpus)],
        stdin=slave, stdout=slave, stderr=slave, env=qabot_env(TERM="xterm"),
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen: list[str] = []
    try:
        greeting = _read_until(master, PROMPT, seen)
        assert "1 article indexed" in greeting and "quit" in greeting
        os.write(master, b"what did Stoltenberg say about Minsk\r")
        first = _read_until(master, PROMPT, seen)
        assert "We cannot have Minsk 3" in first
        os.write(master, b"\x1b[A\r")  # Up, Enter: the same question again
        again = _read_until(master, PROMPT, seen)
        assert "^[[A" not in again and "We cannot have Minsk 3" in again
        os.write(master, b"\x04")  # Ctrl-D at the prompt
        end = _read_until(master, None, seen)
        assert proc.wait(timeout=60) == 0
        assert "\n" in end  # the shell's prompt will not start after ours
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_ask_filters_by_date_and_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    stories = (
        ("old", "2024-05-02", "Reuters", "Forty members backed it after a debate of six hours."),
        ("new", "12 June 2024", "BBC", "Crowds watched the session live from the town hall."),
    )
    for name, day, source, more in stories:  # two stories, not near-duplicate copies of one
        (corpus / f"{name}.md").write_text(
            f"---\ntitle: Tram vote {name}\ndate: {day}\nsource: {source}\n---\n"
            f"The council voted for the {name} tram line to the harbour. {more}\n"
        )
    for n in range(6):  # other news, so that the story's words are rare ones
        write_article(corpus, f"k{n}.txt", f"Kites {n}", f"Kite festival number {n} drew crowds.")
    ask = ("ask", "which tram line did the council vote for", "--corpus", str(corpus))

    def cited(*flags: str) -> list[str]:
        code, out, err = run(capsys, *ask, "--json", *flags)
        assert code == 0, err
        return [p["article"]["id"] for p in json.loads(out)["passages"]]

    assert cited("--until", "2024-06-11") == ["old.md"]
    assert cited("--source", "AP", "--source", "reuters") == ["old.md"]
    assert cited() == ["new.md", "old.md"]
    # As a user runs it: the answer says when, and a bad date is one line.
    done = qabot(*ask, "--since", "2024-06-01", "--source", "bbc")
    assert done.returncode == 0, done.stderr
    assert "\n12 June 2024 — The council voted for the new tram" in "\n" + done.stdout
    assert "old.md" not in done.stdout and "Tram vote old" not in done.stdout
    done = qabot(*ask, "--since", "12/06/2024")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "qabot: --since: '12/06/2024' is not a date (use YYYY-MM-DD)\n"
    code, _, err = run(capsys, *ask, "--until", "June")
    assert code == 1 and err == "qabot: --until: 'June' is not a date (use YYYY-MM-DD)\n"


def test_add_urls_prints_what_was_added_and_fails_one_by_one(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.web_server import BRIDGE, article_page, serving

    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    with serving() as web:
        good = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))
        missing = web.url("/gone.html")
        code, out, err = run(capsys, "add", good, missing, "--corpus", str(corpus), "--json")
        assert code == 1
        assert err == f"qabot: cannot add {missing}: no such page (HTTP 404)\n"
        [entry] = json.loads(out)
        assert entry["url"] == good and entry["title"] == "Tagus bridge reopens"
        assert entry["date"] == "2024-06-12" and Path(entry["path"]).is_file()
        code, out, err = run(capsys, "add", good, "--corpus", str(corpus))
        assert (code, err) == (0, "")
        assert out == f"already added: {entry['path']}  Tagus bridge reopens (2024-06-12)\n"
        code, out, _ = run(capsys, "ask", "how much did the bridge repairs cost", "--corpus",
                           str(corpus))  # fmt: skip
        assert "41 million" in out


def test_add_refuses_local_addresses_by_default(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QABOT_ALLOW_PRIVATE_URLS", raising=False)
    code, out, err = run(capsys, "add", "http://127.0.0.1:9/a", "--corpus", str(corpus))
    assert (code, out) == (1, "")
    assert err.startswith("qabot: cannot add http://127.0.0.1:9/a: 127.0.0.1 is a loopback")
    assert err.count("\n") == 1


def test_feeds_add_list_poll_remove(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.web_server import BRIDGE, article_page, serving

    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    where = ["--corpus", str(corpus)]
    with serving() as web:
        page = web.add("/bridge.html", article_page("Tagus bridge reopens", BRIDGE))
        feed = web.add(
            "/rss.xml",
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Lisbon Daily</title>'
            f"<item><title>Bridge</title><link>{page}</link></item></channel></rss>",
            content_type="application/rss+xml", etag='"v1"',
        )  # fmt: skip
        assert run(capsys, "feeds", "add", feed, *where) == (
            0, f"added feed: {feed}  Lisbon Daily\n", "",
        )  # fmt: skip
        assert run(capsys, "feeds", "list", *where) == (0, f"{feed}  Lisbon Daily\n", "")
        code, out, _ = run(capsys, "feeds", "poll", "--json", *where)
        assert (code, json.loads(out)) == (0, {"added": 1, "unchanged": 0, "failed": []})
        code, out, _ = run(capsys, "feeds", "poll", *where)
        assert (code, out) == (0, "0 added, 1 unchanged\n")
        assert web.not_modified == 1
    # The site is gone: the poll says why, and its exit code tells a cron job.
    code, out, err = run(capsys, "feeds", "poll", *where)
    assert (code, out) == (1, "0 added, 0 unchanged, 1 failed\n")
    assert err.startswith(f"qabot: cannot add {feed}: ") and err.count("\n") == 1
    assert run(capsys, "feeds", "remove", feed, *where) == (0, f"removed feed: {feed}\n", "")
    code, _, err = run(capsys, "feeds", "remove", feed, *where)
    assert code == 1 and err.startswith(f"qabot: {feed} is not in the feed list")
    code, _, err = run(capsys, "feeds", *where)
    assert code == 1 and err.startswith("qabot: ") and err.count("\n") == 1


# -- a corpus that cannot be written (issue 20) ----------------------------------------------
def test_add_on_a_full_disk_reports_each_file_in_one_line_and_adds_the_rest(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.full_disk import full_disk_for
    from support.web_server import serving, stories

    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    with serving() as web:
        urls = stories(web, 3)
        full_disk_for(monkeypatch, "Story 1 of the bridge")
        code, out, err = run(capsys, "add", *urls, "--corpus", str(corpus))
    assert code == 1
    assert (
        err.startswith(f"qabot: cannot add {urls[1]}: cannot save it in ") and err.count("\n") == 1
    )
    assert "No space left on device; free some space and add it again" in err
    assert [line.split(":")[0] for line in out.splitlines()] == ["added", "added"]


def test_feeds_poll_on_a_full_disk_reports_the_item_and_adds_the_rest(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.full_disk import full_disk_for
    from support.web_server import serving, stories

    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    where = ["--corpus", str(corpus)]
    with serving() as web:
        items = "".join(
            f"<item><title>S</title><link>{url}</link></item>" for url in stories(web, 3)
        )
        feed = web.add(
            "/rss.xml", f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
            content_type="application/rss+xml",
        )  # fmt: skip
        assert run(capsys, "feeds", "add", feed, *where)[0] == 0
        full_disk_for(monkeypatch, "Story 1 of the bridge")
        code, _, err = run(capsys, "feeds", "poll", *where)
    assert code == 1 and "Traceback" not in err
    [line] = [line for line in err.splitlines() if "No space left on device" in line]
    assert line.startswith("qabot: cannot add ") and "/n/1.html" in line
    assert len(list(corpus.rglob("*.md"))) == 2


@pytest.mark.slow
def test_add_into_a_read_only_corpus_says_so_for_each_url(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.read_only import run_qabot
    from support.web_server import serving, stories

    monkeypatch.setenv("QABOT_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    with serving() as web:
        urls = stories(web, 2)
        done = run_qabot(
            "add", *urls, "--corpus", str(corpus), "--index", str(tmp_path / "index"),
            read_only=corpus,
        )  # fmt: skip
    assert done.returncode == 1 and done.stdout == "", done.stderr
    lines = done.stderr.splitlines()
    assert [line.split(": cannot save")[0] for line in lines] == [
        f"qabot: cannot add {url}" for url in urls
    ]
    assert all(line.endswith("; the corpus folder must be writable") for line in lines), lines


@pytest.mark.parametrize(
    ("command", "choices"),
    [("feeds", "add, list, poll or remove"), ("cluster", "ask, index or stats")],
)
def test_a_command_without_its_subcommand_prints_usage_and_exits_2(
    capsys: pytest.CaptureFixture[str], command: str, choices: str
) -> None:
    code, out, err = run(capsys, command)
    assert (code, out) == (2, "")
    usage, said = err.rstrip("\n").rsplit("\n", 1)
    assert usage.startswith(f"usage: qabot {command} ")
    assert said == f"qabot {command}: choose one of {choices} (see qabot {command} --help)"
