"""The qabot command: thin, exit codes, one-line errors, JSON output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.corpus import write_article

from qabot.cli import main


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
    assert "1 articles, 6 passages" in out
    assert "broken.json: malformed JSON" in err
    write_article(corpus, "b.txt", "B", "Bees are busy.")
    code, out, _ = run(capsys, "index", str(corpus))
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


def test_stats(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stats", "--corpus", str(corpus))
    assert code == 0 and "1 articles, 6 passages" in out and "MiB on disk" in out


def test_chat_answers_and_commands(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("Minsk?\n/stats\n/sources\n/nope\n\n/quit\nignored\n")
    )
    code, out, _ = run(capsys, "chat", "--corpus", str(corpus))
    assert code == 0
    assert "qabot: 1 articles, 6 passages" in out
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
    assert (
        figures["questions"] == "3" and figures["hit@1"] == "0.667" and figures["hit@20"] == "0.667"
    )


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
