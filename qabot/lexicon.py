"""Word lists: the English words qabot's rules are made of, read from ``qabot/data/``.

The one reader of the package's data files:

* one-word-a-line lists: ``stopwords_en.txt`` and ``abbreviations_en.txt`` (the analyzer's),
  ``question_words_en.txt`` (words that frame a question);
* the sections of ``lexicon_en.txt``: months, weekdays, number words, units, speech verbs,
  name parts, question nouns, cues of reasons and manners, quotation marks. Typed spans
  (:mod:`qabot.answering.spans`), question shapes (:mod:`qabot.answering.shape`) and
  dates (:mod:`qabot.dates`) are all built from these, so a word list has one home and
  every rule that reads it agrees.

This module sits at the bottom (it imports nothing of qabot), so that ``dates`` below the
index and the answer rules above it read the same lists. Files are read once, on first use.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

__all__ = ["alternation", "data_bytes", "entries", "forms", "word_list", "words"]

_LEXICON = "lexicon_en.txt"
_SECTION = re.compile(r"^\[(?P<name>[a-z_]+)\]$")


def data_bytes(name: str) -> bytes:
    """The raw bytes of data file ``name`` (for fingerprints of what the index depends on)."""
    return resources.files("qabot").joinpath("data", name).read_bytes()


@cache
def word_list(name: str) -> frozenset[str]:
    """The entries of a one-word-a-line data file (``stopwords_en.txt``), comments left out."""
    return frozenset(_lines(data_bytes(name).decode("utf-8")))


@cache
def _sections() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in _lines(data_bytes(_LEXICON).decode("utf-8")):
        header = _SECTION.match(line)
        if header:
            current = found.setdefault(header["name"], [])
        elif current is not None:
            current.append(line)
    return {name: tuple(lines) for name, lines in found.items()}


def entries(section: str) -> tuple[str, ...]:
    """The entries of ``[section]`` in ``lexicon_en.txt``, in file order, as written.

    Raises ``KeyError`` for an unknown section: a misspelt name must not read as empty.
    """
    return _sections()[section]


@cache
def words(section: str) -> frozenset[str]:
    """The entries of ``[section]``, case-folded, for membership tests."""
    return frozenset(e.casefold() for e in entries(section))


@cache
def forms(section: str) -> tuple[tuple[str, ...], ...]:
    """Sections whose lines hold the forms of one thing (``january jan``): each line split."""
    return tuple(tuple(line.split()) for line in entries(section))


@cache
def alternation(*sections: str) -> str:
    """A regular-expression alternation of the entries of ``sections`` (no group, escaped).

    Longest entries first, so that "because of" wins over "because"; the spaces inside an
    entry match any run of spaces. Lines of several forms (months) give every form.
    """
    found = {form for s in sections for line in forms(s) for form in _split_forms(s, line)}
    ordered = sorted(found, key=lambda e: (-len(e), e))
    return "|".join(r"\s+".join(map(re.escape, e.split())) for e in ordered)


def _split_forms(section: str, line: tuple[str, ...]) -> tuple[str, ...]:
    # A line of forms (months, weekdays) gives each form; any other line is one entry.
    return line if section in _FORM_SECTIONS else (" ".join(line),)


_FORM_SECTIONS = frozenset({"months", "weekdays"})


def _lines(text: str) -> list[str]:
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]
