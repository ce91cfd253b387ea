"""Article files: every format parsed; broken files reported with path and reason, and skipped."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.corpus import DEMO_ARTICLE, write_article

from qabot.articles import parse_file, read_source, rescan_stamps, scan_corpus, scan_stamps
from qabot.errors import ArticleError, CorpusError


def parse(path: Path, corpus: Path):  # type: ignore[no-untyped-def]
    return parse_file(path, path.relative_to(corpus).as_posix(), path.read_bytes())


def test_plain_text_article(corpus: Path) -> None:
    (article,), problems = parse(corpus / DEMO_ARTICLE.name, corpus)
    assert problems == []
    assert article.article.title == "Stoltenberg on peace talks with Russia: We cannot have Minsk 3"
    assert article.article.id == DEMO_ARTICLE.name
    assert article.article.path == corpus / DEMO_ARTICLE.name
    assert len(article.paragraphs) == 9
    assert article.paragraphs[7] == "Negotiations between Russia and Ukraine"


def test_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Title\n\nline one\nline two\n\n\n\nsecond\r\n", encoding="utf-8")
    (article,), _ = parse(path, tmp_path)
    assert article.paragraphs == ("line one line two", "second")


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: Summit ends\ndate: 2024-07-11\nurl: https://example.org/summit\n"
        "source: Wire\n---\n\n## Outcome\n\nLeaders **agreed** a [package](https://x.y).\n",
        encoding="utf-8",
    )
    (article,), _ = parse(path, tmp_path)
    a = article.article
    assert (a.title, a.date, a.url, a.source) == (
        "Summit ends", "2024-07-11", "https://example.org/summit", "Wire",
    )  # fmt: skip
    assert article.paragraphs == ("Outcome", "Leaders agreed a package.")


def test_markdown_title_from_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("# Big news\n\nSomething happened today.\n", encoding="utf-8")
    (article,), _ = parse(path, tmp_path)
    assert article.article.title == "Big news"
    assert article.paragraphs == ("Something happened today.",)


def test_a_markdown_h1_repeating_the_title_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text(
        "---\ntitle: Big news\n---\n\n# Big  news\n\nSomething happened today.\n",
        encoding="utf-8",
    )
    (article,), _ = parse(path, tmp_path)
    assert article.article.title == "Big news"
    assert article.paragraphs == ("Something happened today.",)


def test_json_object_list_and_jsonl(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"id": "a1", "title": "T", "text": "Body one.\n\nBody two.",
                               "date": "2024-01-02", "url": "https://e.org/a1"}))  # fmt: skip
    (article,), _ = parse(one, tmp_path)
    assert article.article.id == "a1" and article.article.url == "https://e.org/a1"
    assert article.paragraphs == ("Body one.", "Body two.")

    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"title": "A", "text": "x y"}, {"title": "B", "text": "z"}]))
    articles, _ = parse(many, tmp_path)
    assert [a.article.id for a in articles] == ["many.json#1", "many.json#2"]

    lines = tmp_path / "feed.jsonl"
    lines.write_text('{"id": 7, "title": "A", "text": "x"}\nnot json\n{"title": "B"}\n')
    articles, problems = parse(lines, tmp_path)
    assert [a.article.id for a in articles] == ["7"]
    assert [p.reason.split(":")[0] for p in problems] == ["line 2", "line 3"]


def test_huge_metadata_is_kept_within_bounds(tmp_path: Path) -> None:
    """A 5 MB date, source or URL must not ride along in every answer that cites the article."""
    huge = tmp_path / "huge.json"
    long_url = "https://e.org/" + "a" * 5_000_000
    huge.write_text(json.dumps({"title": "T" * 5000, "text": "Body.", "date": "2" * 5_000_000,
                                "source": "S" * 5_000_000, "url": long_url}))  # fmt: skip
    (text,), problems = parse(huge, tmp_path)
    article = text.article
    assert not problems
    assert article.date is not None and len(article.date) <= 100 and article.date.endswith("…")
    assert article.source is not None and len(article.source) <= 300
    assert article.url is None  # a cut URL would be a broken link
    assert len(article.title) <= 300
    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps({"title": "T", "text": "Body.", "url": "https://e.org/a1"}))
    assert parse(fine, tmp_path)[0][0].article.url == "https://e.org/a1"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("binary.txt", b"\x00\x01\x02PNG", "binary"),
        ("latin1.txt", "Caf\u00e9 news\n\ntext".encode("latin-1"), "UTF-8"),
        ("title-only.txt", b"Just a title\n", "no article text"),
        ("broken.json", b'{"title": "x", "text": ', "malformed JSON"),
        ("number.json", b"42", "not int"),
        ("notext.json", b'{"title": "x"}', '"text"'),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ],
)
def test_broken_files_raise_with_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ArticleError) as info:
        parse(path, tmp_path)
    assert info.value.path == path
    assert reason in info.value.reason


def test_scan_walks_subfolders_skips_hidden_index_and_other_files(tmp_path: Path) -> None:
    write_article(tmp_path, "b/deep/x.txt", "X", "x")
    write_article(tmp_path, "a.txt", "A", "a")
    write_article(tmp_path, ".hidden/h.txt", "H", "h")
    write_article(tmp_path, "idx/i.txt", "I", "i")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    files, problems = scan_corpus(tmp_path, skip=tmp_path / "idx")
    assert [f.relpath for f in files] == ["a.txt", "b/deep/x.txt"]
    assert problems == []


def test_scan_reports_folder_links_instead_of_looping(tmp_path: Path) -> None:
    write_article(tmp_path, "a.txt", "A", "a")
    os.symlink(tmp_path, tmp_path / "loop")
    files, problems = scan_corpus(tmp_path)
    assert [f.relpath for f in files] == ["a.txt"]
    assert [p.path.name for p in problems] == ["loop"]


def test_scan_of_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        scan_corpus(tmp_path / "nope")


def test_oversized_file_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qabot.articles.MAX_FILE_BYTES", 100)
    write_article(tmp_path, "big.txt", "Big", "word " * 100)
    (source,), _ = scan_corpus(tmp_path)
    with pytest.raises(ArticleError, match="more than the 100 allowed"):
        read_source(source)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/abs/path/x.md", "x.md"),
        ("..\\win\\y.JSON", "y.json"),
        ("a b<>|?.txt", "a-b.txt"),
        (".txt", "article.txt"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    from qabot.articles import safe_filename

    assert safe_filename(name) == expected


def test_save_article_never_overwrites_or_escapes(tmp_path: Path) -> None:
    from qabot.articles import save_article

    data = b"Title\n\nSome body text."
    first = save_article(tmp_path, "../x.txt", data)
    second = save_article(tmp_path, "x.txt", data)
    assert (first.name, second.name) == ("x.txt", "x-2.txt")
    assert {p.name for p in tmp_path.iterdir()} == {"x.txt", "x-2.txt"}
    with pytest.raises(ArticleError, match="not an article file"):
        save_article(tmp_path, "x.sh", data)
    with pytest.raises(ArticleError, match="malformed JSON"):
        save_article(tmp_path, "x.json", b"{")
    assert {p.name for p in tmp_path.iterdir()} == {"x.txt", "x-2.txt"}


def test_save_article_never_writes_through_a_link(tmp_path: Path) -> None:
    from qabot.articles import save_article

    corpus, outside = tmp_path / "corpus", tmp_path / "outside.txt"
    corpus.mkdir()
    (corpus / "x.txt").symlink_to(outside)  # dangling: opening it for writing would create it
    path = save_article(corpus, "x.txt", b"Title\n\nSome body text.")
    assert path == corpus / "x-2.txt" and path.read_bytes() == b"Title\n\nSome body text."
    assert not outside.exists()
    assert sorted(p.name for p in corpus.iterdir()) == ["x-2.txt", "x.txt"]  # no temporary file


# -- looking again at some paths only (what the corpus watcher does) ---------------------------
_NAMES = ["a.txt", "b.md", "c.json", "notes.pdf", ".hidden.txt", "d.jsonl"]
_FOLDERS = ["x", "x/y", "z", ".git", "idx"]
_operation = st.tuples(
    st.sampled_from(["write", "touch", "delete", "mkdir", "rmtree", "move", "movedir", "link"]),
    st.sampled_from([*_FOLDERS, ""]),
    st.sampled_from(_NAMES),
    st.sampled_from([*_FOLDERS, ""]),
)


def _apply(corpus: Path, op: tuple[str, str, str, str], n: int) -> set[str]:
    """Carry out one file operation; returns the relative paths a watcher's events name."""
    kind, folder, name, other = op
    where = corpus / folder / name
    rel = (Path(folder) / name).as_posix()
    if kind in ("write", "touch") and not where.is_dir():
        where.parent.mkdir(parents=True, exist_ok=True)
        if kind == "touch" and where.is_file():  # same size, new time: an in-place change
            os.utime(where, ns=(n * 1_000_000_000, n * 1_000_000_000))
        else:
            where.write_text(f"Title {n}\n\nBody {n} of {rel}.\n", encoding="utf-8")
        return {rel}
    if kind == "delete" and where.is_file():
        where.unlink()
        return {rel}
    if kind == "mkdir" and folder:  # a folder arrives with its files (copied in at once)
        (corpus / folder / "new").mkdir(parents=True, exist_ok=True)
        (corpus / folder / "new" / f"n{n}.txt").write_text(f"New {n}\n\nText {n}.\n")
        return {f"{folder}/new"}
    if kind == "rmtree" and folder and (corpus / folder).is_dir():
        shutil.rmtree(corpus / folder)
        return {folder}
    if kind == "move" and where.exists() and other != folder:
        target = corpus / other / f"m{n}-{name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        where.rename(target)
        return {rel, (Path(other) / target.name).as_posix()}
    if kind == "movedir" and folder and (corpus / folder).is_dir() and folder not in other:
        target = corpus / (other or ".") / f"moved{n}"
        target.parent.mkdir(parents=True, exist_ok=True)
        (corpus / folder).rename(target)
        return {folder, target.relative_to(corpus).as_posix()}
    if kind == "link" and not os.path.lexists(where):
        where.parent.mkdir(parents=True, exist_ok=True)
        target = corpus / other if other else corpus
        where.symlink_to(target, target_is_directory=True)
        return {rel}
    return set()


@settings(max_examples=100, deadline=None)
@given(st.lists(_operation, min_size=1, max_size=8))
def test_a_look_at_the_named_paths_finds_what_a_full_scan_finds(
    operations: list[tuple[str, str, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for folder in ("x/y", "z", ".git", "idx"):
            (corpus / folder).mkdir(parents=True)
        for n, rel in enumerate(["a.txt", "x/b.md", "x/y/c.json", "z/a.txt", "idx/i.txt"]):
            (corpus / rel).write_text(f"Start {n}\n\nText {n}.\n")
        (corpus / "z" / "bad.txt").write_text("x")
        os.chmod(corpus / "z" / "bad.txt", 0)  # unreadable for others than root: a problem
        skip = corpus / "idx"
        known, known_problems = scan_stamps(corpus, skip)
        named: set[str] = set()
        for n, op in enumerate(operations):
            named |= _apply(corpus, op, n + 2)
        stamps, problems = rescan_stamps(corpus, skip, known, known_problems, named)
        full_stamps, full_problems = scan_stamps(corpus, skip)
        assert stamps == full_stamps
        assert sorted(problems, key=str) == sorted(full_problems, key=str)


def test_a_look_at_no_path_changes_nothing_and_a_corpus_path_looks_at_everything(
    tmp_path: Path,
) -> None:
    write_article(tmp_path, "a.txt", "A", "Alpha.")
    known, problems = scan_stamps(tmp_path)
    write_article(tmp_path, "b.txt", "B", "Beta.")
    assert rescan_stamps(tmp_path, None, known, problems, []) == (known, problems)
    assert set(rescan_stamps(tmp_path, None, known, problems, [""])[0]) == {"a.txt", "b.txt"}
