"""Article files in the corpus → :class:`ArticleText` values; bad files reported and skipped.

Formats, by file ending (subfolders are walked; hidden files and folders are not):

* ``.txt``: first line the title, a blank line, then paragraphs separated by blank lines.
* ``.md`` / ``.markdown``: optional ``---`` front matter (title, date, url, source, id),
  then Markdown; the title is the front matter's, else the first ``#`` heading, else the
  first line.
* ``.json``: one object or a list of objects; ``.jsonl``: one object a line. Each object has
  ``title`` and ``text``, optionally ``id``, ``date``, ``url``, ``source``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qabot import atomic
from qabot.errors import ArticleError, CorpusError
from qabot.values import Article, Problem

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "ArticleText",
    "SourceFile",
    "body_key",
    "parse_file",
    "read_source",
    "rescan_stamps",
    "safe_filename",
    "save_article",
    "scan_corpus",
    "scan_stamps",
]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".json", ".jsonl"})
#: Larger files are skipped: a news article is a few kilobytes; this leaves room for archives.
MAX_FILE_BYTES = 20_000_000
MAX_TITLE_CHARS = 300
#: Metadata is kept within these bounds, so what an answer carries stays small whatever a
#: file holds (a 5 MB "date" is cut; a URL longer than browsers keep is dropped).
MAX_DATE_CHARS = 100
MAX_SOURCE_CHARS = 300
MAX_URL_CHARS = 2048
#: A JSON list or JSONL file reports at most this many bad entries, then how many more.
MAX_PROBLEMS_PER_FILE = 10

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MD_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class SourceFile:
    """A candidate article file found in the corpus, with what identifies its version."""

    path: Path
    #: Path relative to the corpus, with ``/`` separators: the default article id.
    relpath: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ArticleText:
    """An article with its body paragraphs (title excluded)."""

    article: Article
    paragraphs: tuple[str, ...]


def body_key(text: ArticleText) -> str:
    """A key of the article's body text, whitespace folded, title and metadata left out.

    Two articles with the same key are the same story saved twice (every article has body
    text: parsing refuses one without).
    """
    body = " ".join(" ".join(text.paragraphs).split())
    return hashlib.blake2b(body.encode("utf-8"), digest_size=16).hexdigest()


#: A file's size and modification time in nanoseconds: what tells its versions apart.
Stamp = tuple[int, int]


def scan_corpus(corpus: Path, skip: Path | None = None) -> tuple[list[SourceFile], list[Problem]]:
    """Every supported file below ``corpus`` (sorted by path), and the files that were refused.

    Symbolic links to folders are not followed (no loops); ``skip`` (the index folder)
    and hidden entries are left out. A file whose name is not valid UTF-8 is refused: its
    name could not be stored in the index.
    """
    stamps, problems = scan_stamps(corpus, skip)
    files = [SourceFile(corpus / rel, rel, *stamps[rel]) for rel in sorted(stamps)]
    return files, problems


def scan_stamps(corpus: Path, skip: Path | None = None) -> tuple[dict[str, Stamp], list[Problem]]:
    """The stamp of every supported file below ``corpus`` by relative path, and the refused files.

    What :func:`scan_corpus` finds, without an object per file: telling that 100,000
    files are unchanged costs one ``stat`` each and little more. Every file is stat-ed,
    since a file rewritten in place changes its own time but not its folder's.
    """
    if not corpus.exists():
        raise CorpusError(f"corpus folder {corpus} does not exist; create it and add articles")
    if not corpus.is_dir():
        raise CorpusError(f"corpus {corpus} is not a folder")
    skip_resolved = os.path.realpath(skip) if skip is not None else None
    stamps: dict[str, Stamp] = {}
    problems: list[Problem] = []
    _scan(os.fspath(corpus), "", skip_resolved, stamps, problems)
    problems.sort(key=lambda p: p.path.parts)
    # Reported paths are shown and stored as text: undecodable bytes become U+FFFD.
    return stamps, [Problem(_printable(p.path), p.reason) for p in problems]


def rescan_stamps(
    corpus: Path,
    skip: Path | None,
    known: Mapping[str, Stamp],
    known_problems: Iterable[Problem],
    paths: Iterable[str],
) -> tuple[dict[str, Stamp], list[Problem]]:
    """What :func:`scan_stamps` would find, when only ``paths`` may differ from ``known``.

    ``paths`` are relative paths of files or folders that were created, changed, moved or
    removed (what a file watcher saw); ``known`` and ``known_problems`` are the last scan's
    stamps and problems. Only those paths are looked at: a folder among them is scanned
    whole, everything else is taken from the last scan. A corpus of 100,000 files is
    brought up to date after one saved article with a few ``stat`` calls and one pass
    over the last scan's stamps.
    """
    root = os.fspath(corpus)
    touched = {p.strip("/") for p in paths}
    if "" in touched or any(".." in p.split("/") for p in touched):
        return scan_stamps(corpus, skip)

    inside = tuple(p + "/" for p in touched)

    def under(relpath: str) -> bool:
        """Whether ``relpath`` is a touched path or lies in a touched folder."""
        return relpath in touched or relpath.startswith(inside)

    # One set look-up and one C-level prefix test per known file (0.05 s at 100,000).
    stamps = {relpath: stamp for relpath, stamp in known.items() if not under(relpath)}
    problems = [p for p in known_problems if not under(os.path.relpath(p.path, root))]
    skip_resolved = os.path.realpath(skip) if skip is not None else None
    real_root = os.path.realpath(root)
    for relpath in sorted(touched):
        parent, _, name = relpath.rpartition("/")
        if (parent and under(parent)) or any(part.startswith(".") for part in relpath.split("/")):
            continue  # scanned with its folder, or hidden (never scanned)
        path = os.path.join(root, relpath)
        # Folders are not entered through links, nor is the index's own folder.
        real_parent = os.path.realpath(os.path.join(root, parent))
        if parent and real_parent != os.path.join(real_root, parent):
            continue
        if skip_resolved is not None and (real_parent + os.sep).startswith(skip_resolved + os.sep):
            continue
        try:
            is_dir = stat.S_ISDIR(os.lstat(path).st_mode)
        except FileNotFoundError:
            continue  # gone: its stamps went above
        except OSError as exc:
            problems.append(Problem(Path(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if is_dir and os.path.realpath(path) == skip_resolved:
            continue
        if is_dir:
            _scan(path, relpath + "/", skip_resolved, stamps, problems)
        else:
            stat_of = functools.partial(os.stat, path)
            _add_file(path, relpath, name, os.path.islink(path), stat_of, stamps, problems)
    problems.sort(key=lambda p: p.path.parts)
    return stamps, [Problem(_printable(p.path), p.reason) for p in problems]


def _scan(
    folder: str, prefix: str, skip: str | None, stamps: dict[str, Stamp], problems: list[Problem]
) -> None:
    """Walk one folder, depth first, with ``os.scandir``'s cheap entries (in no order)."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as exc:
        problems.append(Problem(Path(folder), f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            if skip is None or os.path.realpath(entry.path) != skip:
                _scan(entry.path, f"{prefix}{name}/", skip, stamps, problems)
            continue
        _add_file(entry.path, prefix + name, name, entry.is_symlink(), entry.stat, stamps, problems)


def _add_file(
    path: str,
    relpath: str,
    name: str,
    is_link: bool,
    stat_of: Callable[[], os.stat_result],
    stamps: dict[str, Stamp],
    problems: list[Problem],
) -> None:
    """Stamp one entry that is not a folder, if it is an article file; else say why not."""
    if is_link and os.path.isdir(path):
        problems.append(Problem(Path(path), "link to a folder; not followed"))
        return
    dot = name.rfind(".")
    if dot <= 0 or name[dot:].lower() not in SUPPORTED_SUFFIXES:
        return
    try:
        st = stat_of()
    except OSError as exc:
        problems.append(Problem(Path(path), f"cannot read: {exc.strerror or exc}"))
        return
    if not stat.S_ISREG(st.st_mode):
        problems.append(Problem(Path(path), "not a regular file"))
        return
    if not (relpath.isascii() or _is_utf8(relpath)):
        problems.append(Problem(Path(path), "file name is not valid UTF-8; rename the file"))
        return
    stamps[relpath] = (st.st_size, st.st_mtime_ns)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by Python as lone surrogates
        return False
    return True


def _printable(path: Path) -> Path:
    text = str(path)
    return path if _is_utf8(text) else Path(os.fsencode(text).decode("utf-8", "replace"))


def read_source(source: SourceFile) -> bytes:
    """The bytes of a source file, refusing ones too large to be an article."""
    if source.size > MAX_FILE_BYTES:
        raise ArticleError(
            source.path, f"file is {source.size:,} bytes, more than the {MAX_FILE_BYTES:,} allowed"
        )
    try:
        with open(source.path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ArticleError(source.path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ArticleError(source.path, f"file is larger than the {MAX_FILE_BYTES:,} bytes allowed")
    return data


def digest(data: bytes) -> str:
    """Content hash used to tell whether an article changed."""
    return hashlib.sha256(data).hexdigest()


def parse_file(path: Path, relpath: str, data: bytes) -> tuple[list[ArticleText], list[Problem]]:
    """Parse one file's bytes into articles; raises :class:`ArticleError` if nothing is usable.

    A JSON list or JSONL file may yield some articles and some problems (bad entries).
    """
    text = _decode(path, data)
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        return _parse_json(path, relpath, text, lines=suffix == ".jsonl")
    if suffix in (".md", ".markdown"):
        return [_parse_markdown(path, relpath, text)], []
    return [_parse_plain(path, relpath, text)], []


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise ArticleError(path, "file is empty")
    if b"\x00" in data[:8192]:
        raise ArticleError(path, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            path, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(body: str) -> tuple[str, ...]:
    blocks = _BLANK_LINES.split(body.strip())
    return tuple(p for p in (" ".join(b.split()) for b in blocks) if p)


def _make(
    path: Path,
    article_id: str,
    title: str,
    paragraphs: tuple[str, ...],
    meta: dict[str, Any] | None = None,
) -> ArticleText:
    title = " ".join(title.split())[:MAX_TITLE_CHARS]
    if not paragraphs:
        raise ArticleError(path, "no article text after the title")
    meta = meta or {}
    return ArticleText(
        Article(
            id=article_id,
            title=title or Path(article_id).stem,
            path=path,
            date=_cut(_opt_str(meta.get("date")), MAX_DATE_CHARS),
            url=_url(_opt_str(meta.get("url"))),
            source=_cut(_opt_str(meta.get("source")), MAX_SOURCE_CHARS),
        ),
        paragraphs,
    )


def _cut(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def _url(text: str | None) -> str | None:
    """A URL longer than browsers keep is not a link to the article: dropped, not cut."""
    return text if text is None or len(text) <= MAX_URL_CHARS else None


def _opt_str(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _parse_plain(path: Path, relpath: str, text: str) -> ArticleText:
    text = text.strip()
    title, _, body = text.partition("\n")
    return _make(path, relpath, title, _paragraphs(body))


def _parse_markdown(path: Path, relpath: str, text: str) -> ArticleText:
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[match.end() :]
    raw_lines = text.strip().splitlines()
    lines = [_strip_markdown(line) for line in raw_lines]
    title = meta.get("title")
    if title:
        # A "# Title" opening the body under front matter that names it is only its repeat.
        same = " ".join(title.split()).casefold()
        if (
            raw_lines
            and raw_lines[0].startswith("# ")
            and " ".join(lines[0].split()).casefold() == same
        ):
            lines = lines[1:]
    else:
        heading = next((i for i, raw in enumerate(raw_lines) if raw.startswith("# ")), None)
        first = heading if heading is not None else 0
        title = lines[first] if lines else ""
        lines = lines[:first] + lines[first + 1 :]
    article_id = str(meta["id"]) if meta.get("id") else relpath
    return _make(path, article_id, str(title), _paragraphs("\n".join(lines)), meta)


def _strip_markdown(line: str) -> str:
    line = _MD_PREFIX.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPHASIS.sub(r"\2", line)


def _parse_json(
    path: Path, relpath: str, text: str, *, lines: bool
) -> tuple[list[ArticleText], list[Problem]]:
    entries: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    if lines:
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    entries.append((f"line {number}", json.loads(line)))
                except (ValueError, RecursionError) as exc:
                    problems.append(Problem(path, f"line {number}: malformed JSON ({exc})"))
    else:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ArticleError(path, f"malformed JSON ({str(exc)[:200]})") from None
        if isinstance(data, dict):
            entries.append(("object", data))
        elif isinstance(data, list):
            entries.extend((f"item {i}", item) for i, item in enumerate(data, 1))
        else:
            raise ArticleError(
                path, f"JSON must be an article object or a list of them, not {type(data).__name__}"
            )
    several = len(entries) > 1 or lines
    articles: list[ArticleText] = []
    for n, (where, obj) in enumerate(entries, 1):
        try:
            articles.append(_article_from_object(path, relpath, obj, n if several else None))
        except ArticleError as exc:
            problems.append(Problem(path, f"{where}: {exc.reason}"))
    if not articles:
        if len(problems) == 1 and not several:
            raise ArticleError(path, problems[0].reason.removeprefix("object: "))
        raise ArticleError(
            path, "no usable article in the file" + (f" ({problems[0].reason})" if problems else "")
        )
    if len(problems) > MAX_PROBLEMS_PER_FILE:
        # A feed of a million bad rows must not become a million-line report.
        more = len(problems) - MAX_PROBLEMS_PER_FILE
        problems = [
            *problems[:MAX_PROBLEMS_PER_FILE],
            Problem(path, f"and {more:,} more bad entries"),
        ]
    return articles, problems


def _article_from_object(path: Path, relpath: str, obj: Any, n: int | None) -> ArticleText:
    if not isinstance(obj, dict):
        raise ArticleError(
            path, f"expected an object with title and text, got {type(obj).__name__}"
        )
    title, body = obj.get("title"), obj.get("text")
    if not isinstance(body, str) or not body.strip():
        raise ArticleError(path, 'missing "text" (a non-empty string)')
    if title is not None and not isinstance(title, str):
        raise ArticleError(path, '"title" must be a string')
    if obj.get("id") is not None:
        article_id = str(obj["id"])
    else:
        article_id = relpath if n is None else f"{relpath}#{n}"
    body = body.replace("\r\n", "\n")
    paragraphs = _paragraphs(body)
    if len(paragraphs) == 1 and "\n" in body.strip():
        paragraphs = tuple(" ".join(line.split()) for line in body.splitlines() if line.strip())
    return _make(path, article_id, title or "", paragraphs, obj)


def safe_filename(name: str) -> str:
    """A plain file name for an uploaded article: no folders, no odd characters.

    Raises :class:`ArticleError` when the ending is not an article format.
    """
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
        raise ArticleError(
            Path(base or "upload"),
            f"not an article file; send {', '.join(sorted(SUPPORTED_SUFFIXES))}",
        )
    stem = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFKC", stem), flags=re.ASCII)
    stem = stem.strip(".-_")[:80] or "article"
    return f"{stem}.{suffix.lower()}"


def save_article(corpus: Path, name: str, data: bytes) -> Path:
    """Write a checked article file into ``corpus`` atomically under a new, safe name.

    Never overwrites anything, and never writes through a link: a name already taken by
    any entry (a file, a folder, a link, even a dangling one) gets ``-2``, ``-3`` … added.
    """
    filename = safe_filename(name)
    if len(data) > MAX_FILE_BYTES:
        raise ArticleError(
            Path(filename), f"file is larger than the {MAX_FILE_BYTES:,} bytes allowed"
        )
    parse_file(Path(filename), filename, data)  # raises ArticleError if unusable
    corpus = corpus.resolve()
    stem, suffix = filename.rsplit(".", 1)
    # A fresh hidden file (scans skip it), linked under the first free name.
    with atomic.staged(corpus, data, prefix=".upload-") as tmp:
        counter = 1
        while True:
            target = corpus / (filename if counter == 1 else f"{stem}-{counter}.{suffix}")
            if target.parent != corpus:  # safe_filename makes this impossible; say so anyway
                raise ArticleError(target, "refusing to write outside the corpus")
            if atomic.link_new(tmp, target):
                return target
            counter += 1
