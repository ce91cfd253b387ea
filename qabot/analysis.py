"""Text analysis, the one owner of nltk: tokens, stopwords, stems and sentences.

Everything here works with no nltk data installed and never downloads any: word tokens
come from nltk's ``RegexpTokenizer``, stems from nltk's Snowball (or Porter) stemmer, and
sentences from nltk's Punkt splitter seeded with the news abbreviations shipped in
``qabot/data``, as is the English stopword list. Installed nltk data is deliberately not
used, so results are the same on every machine. Passages and questions go through the
same :class:`Analyzer`; its :meth:`Analyzer.fingerprint` is stored with the index.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from typing import Any, NamedTuple

import nltk
from nltk.stem.porter import PorterStemmer
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

from qabot import lexicon
from qabot.config import AnalyzerSettings

__all__ = ["Analyzer", "Token"]

#: Bump when tokenization or normalization changes: stored indexes are then rebuilt.
ANALYZER_VERSION = 2

# Acronyms with dots (U.S., p.m.), numbers with separators (1,500 and 3.5 and 10:30) kept
# whole so "Minsk 3" is not "Minsk 2", "won't" whole (it is not "won"), then plain words.
# Other apostrophes and hyphens split words: "don't" gives the stopwords "don" and "t".
_TOKEN_PATTERN = r"(?:[^\W\d_]\.){2,}|\d+(?:[.,:]\d+)*|[Ww]on['’]t\b|\w+"
#: Stopwords that are names when capitalised: Theresa May, Will Smith.
_CAPITALISED_NAMES = frozenset({"may", "will"})
_TERM_CACHE_SIZE = 2_000_000
_UNKNOWN = object()
_SENTENCE_CACHE_SIZE = 4096


class Token(NamedTuple):
    """A word of a text: where it is, and the index term it gives (``None``: a stopword).

    A named tuple, not a dataclass: a passage makes a hundred of them per question.
    """

    start: int
    end: int
    term: str | None


class Analyzer:
    """Turns text into index terms and sentences. Build once, share freely (thread-safe)."""

    def __init__(self, settings: AnalyzerSettings | None = None) -> None:
        self.settings = settings or AnalyzerSettings()
        tokenizer = RegexpTokenizer(_TOKEN_PATTERN)
        tokenizer._check_regexp()
        # RegexpTokenizer.tokenize is its pattern's findall; newer nltk runs it under a
        # per-call time limit (see _unguarded), which made tokenizing 4 times slower.
        self._words: Callable[[str], list[str]] = _unguarded(tokenizer._regexp).findall
        self._stopwords = (
            lexicon.word_list("stopwords_en.txt") if self.settings.stopwords else (frozenset())
        )
        params = PunktParameters()
        params.abbrev_types = set(lexicon.word_list("abbreviations_en.txt"))
        self._sentences = _NewsPunkt(params)
        self._stem: Callable[[str], str] = _make_stemmer(self.settings.stemmer)
        # Word → term, for every distinct spelling seen: normalizing and stemming cost far
        # more than indexing, and news text repeats its words. Dict reads and writes are
        # atomic, so threads can share it.
        self._term_cache: dict[str, str | None] = {}
        # Punkt is the slowest step of an answer; the passages people ask about repeat.
        self._split = functools.lru_cache(maxsize=_SENTENCE_CACHE_SIZE)(self._split_uncached)
        self._prefixes = functools.lru_cache(maxsize=4096)(_find_prefixes)

    def fingerprint(self) -> dict[str, object]:
        """Everything that decides which terms a text gives; stored with the index."""
        lists = hashlib.sha256()
        for name in ("stopwords_en.txt", "abbreviations_en.txt"):
            lists.update(lexicon.data_bytes(name))
        return {
            **self.settings.to_dict(),
            "version": ANALYZER_VERSION,
            "nltk": nltk.__version__,
            "word_lists": lists.hexdigest()[:16],
        }

    def normalize(self, word: str) -> str:
        """Unicode-normalized, case-folded form of one word."""
        word = unicodedata.normalize("NFKC", word).casefold().replace("’", "'")
        if word[0].isdigit():
            # 1,500 and 1500 are the same number; keep decimal points and times.
            return word.replace(",", "")
        return word.rstrip(".")

    def term(self, word: str) -> str | None:
        """The index term of one word, or ``None`` for a stopword."""
        cached = self._term_cache.get(word, _UNKNOWN)
        if cached is not _UNKNOWN:
            return cached  # type: ignore[return-value]
        if len(self._term_cache) >= _TERM_CACHE_SIZE:
            self._term_cache.clear()
        term = self._term_cache[word] = self._uncached_term(word)
        return term

    def is_stopword(self, word: str) -> bool:
        """Whether ``word`` is a function word here (case matters: "US" and "May" are not)."""
        norm = self.normalize(word)
        if norm not in self._stopwords:
            return False
        # An acronym (US, WHO, IT) or a capitalised name is content, not a function word.
        if len(word) > 1 and word.isupper():
            return False
        return not (word[:1].isupper() and norm in _CAPITALISED_NAMES)

    def _uncached_term(self, word: str) -> str | None:
        norm = self.normalize(word)
        if self.is_stopword(word):
            return None
        if norm[0].isdigit() or not norm.isalpha():
            return norm
        return self._stem(norm)

    def tokens(self, text: str) -> list[Token]:
        """Every word of ``text`` with its position and term."""
        # Locating tokenize()'s words in order is several times faster than nltk's
        # span_tokenize, which pays a ReDoS guard per match; the words are the same.
        out = []
        position = 0
        for word in self._words(text):
            start = text.find(word, position)
            position = start + len(word)
            out.append(Token(start, position, self.term(word)))
        return out

    def find(self, text: str, terms: Collection[str]) -> list[Token]:
        """The words of ``text`` whose term is one of ``terms``, in order.

        The same words :meth:`tokens` would give with those terms, found faster: a stem is
        a prefix of its words (give or take a last letter), so the prefixes' places in the
        text give the few candidate words, and each is confirmed by its own term. Terms
        that are not plain letters (numbers, acronyms) take the full tokenizer.
        """
        wanted = frozenset(terms)
        if not wanted:
            return []
        prefixes = self._prefixes(wanted)
        if prefixes is None:
            return [t for t in self.tokens(text) if t.term in wanted]
        out = []
        for start, end in _prefixed_words(text, prefixes):
            word = text[start:end]
            if text.startswith(("'t", "’t"), end) and word.lower() == "won":
                continue  # "won't" is one word, a stopword
            term = self.term(word)
            if term in wanted:
                out.append(Token(start, end, term))
        return out

    def terms(self, text: str) -> list[str]:
        """The index terms of ``text``, in order, repeats kept, stopwords dropped."""
        lookup, term = self._term_cache.get, self.term
        out = []
        for word in self._words(text):
            # One dict read: another thread may clear the cache between two.
            t = lookup(word, _UNKNOWN)
            if t is _UNKNOWN:
                t = term(word)
            if isinstance(t, str):
                out.append(t)
        return out

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """Start and end offsets of each sentence of ``text``."""
        return list(self._split(text))

    def _split_uncached(self, text: str) -> tuple[tuple[int, int], ...]:
        return self._sentences.spans(text)

    def sentences(self, text: str) -> list[str]:
        """The sentences of ``text``."""
        return [text[s:e] for s, e in self.sentence_spans(text)]


#: A potential sentence end as Punkt hands it over (the word before a period, the period,
#: then the next token or a punctuation mark) whose answer is plain: a word of two or more
#: characters (letters, and digits, "£", "$", "%" and inner hyphens, but not digits alone),
#: not an abbreviation, then more text.
_PLAIN_END = re.compile(
    r"((?=[^.]*[A-Za-z£$%])[A-Za-z0-9£$%]{2,}(?:-[A-Za-z0-9£$%]+)*)\.(?:\s+\S+|\S)"
)
#: A number, then a period, then a word with a capital or a quotation mark ("in 2005. The").
_NUMBER_END = re.compile(r"(\d[\d,]*)\.\s+[\"A-Z]\S*")
#: A mark that is always a token of its own before the end: "?" or "!" ("why? He"), or a
#: period after a closing quotation mark or bracket ('"said". The', "(in 2005). The").
_MARK_END = re.compile(r"\S*(?:[?!]|[\")]\.)(?:\s+\S+|\S)")
#: What Punkt counts as white space before a word (``string.whitespace``).
_WHITESPACE = " \t\n\r\x0b\x0c"


def _unguarded(pattern: Any) -> Any:
    """nltk's own compiled pattern, without the per-call time limit newer nltk wraps every
    pattern in (``nltk.redos``): meant for patterns callers supply; Punkt's own are fixed
    and linear, and the guard costs a quarter of a split. Older nltk has no wrapper."""
    return getattr(pattern, "_rx", pattern)


class _NewsPunktVars(PunktLanguageVars):  # type: ignore[misc]
    """Punkt's English conventions, with the two patterns every split runs (where a sentence
    may end; closing marks realigned) unguarded: the same patterns, the same engine."""

    re_boundary_realignment = _unguarded(PunktLanguageVars.re_boundary_realignment)

    def __init__(self) -> None:
        super().__init__()
        self._ends = _unguarded(super().period_context_re())

    def period_context_re(self) -> Any:
        return self._ends


class _NewsPunkt(PunktSentenceTokenizer):  # type: ignore[misc]
    """Punkt, answering its commonest questions without building tokens for them.

    For every period that may end a sentence Punkt asks :meth:`text_contains_sentbreak` of
    its context ("said. The"), tokenizing and annotating it afresh — most of the time of a
    split. With our parameters (abbreviations only: no collocations, no orthographic
    context, no sentence starters) the answer is yes, a sentence ends, for

    * a word that is no abbreviation, initial or number, then a period and a token (Punkt's
      first pass marks it, its second pass only reconsiders abbreviations, initials and
      numbers);
    * a number, then a period and a token that starts with no lower-case letter and is no
      punctuation mark (the second pass finds no orthographic evidence either way);
    * "?" or "!", or a period after '"' or ")", then a token: each is a token of its own,
      which the first pass marks and the second leaves alone;

    those cases are answered here, every other by Punkt. ``tests/test_analysis.py`` checks
    both give the same sentences.
    """

    def __init__(self, params: PunktParameters) -> None:
        super().__init__(params, lang_vars=_NewsPunktVars())
        self._abbreviations = frozenset(params.abbrev_types)

    def text_contains_sentbreak(self, text: str) -> bool:
        plain = _PLAIN_END.fullmatch(text) or _NUMBER_END.fullmatch(text)
        if plain is not None:
            word = plain[1].lower()
            if word not in self._abbreviations and word.rsplit("-", 1)[-1] not in (
                self._abbreviations
            ):
                return True
        elif _MARK_END.fullmatch(text) is not None:
            return True
        return bool(super().text_contains_sentbreak(text))

    def _get_last_whitespace_index(self, text: str) -> int:
        # Punkt's own looks at each character in turn, from the end of all the text since
        # the last potential sentence end: the same answer, found by ``str.rfind``.
        return max(0, *map(text.rfind, _WHITESPACE))

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        """``span_tokenize(text)``: the same steps (potential ends paired with the word
        before them, the breaks among them, closing marks realigned), in one loop each
        rather than a chain of generators."""
        ends: list[tuple[Any, str]] = []  # (match, context) of each potential end
        previous, start, stop = None, 0, 0  # the last match, and the word before it
        for match in self._lang_vars.period_context_re().finditer(text):
            at = match.start()
            space = self._get_last_whitespace_index(text[stop:at])
            word_start = stop + space + 1 if space else start
            if previous is not None and stop <= word_start:
                ends.append((previous, text[start:stop] + previous.group() + previous["after_tok"]))
            previous, start, stop = match, word_start, at
        if previous is not None:
            ends.append((previous, text[start:stop] + previous.group() + previous["after_tok"]))
        breaks: list[tuple[int, int]] = []
        last = 0
        for match, context in ends:
            if self.text_contains_sentbreak(context):
                breaks.append((last, match.end()))
                last = match.start("next_tok") if match["next_tok"] else match.end()
        breaks.append((last, len(text.rstrip())))
        out: list[tuple[int, int]] = []
        realign = 0
        boundary = self._lang_vars.re_boundary_realignment
        for i, (first, end) in enumerate(breaks):
            first += realign
            if i + 1 == len(breaks):
                if first < end:
                    out.append((first, end))
                continue
            following, following_end = breaks[i + 1]
            m = boundary.match(text[following:following_end])
            if m:
                out.append((first, following + len(m.group(0).rstrip())))
                realign = m.end()
            else:
                realign = 0
                if first < end:
                    out.append((first, end))
        return tuple(out)


def _find_prefixes(terms: frozenset[str]) -> tuple[str, ...] | None:
    """The prefixes :meth:`Analyzer.find` looks for (``None``: a term is not plain
    letters). Stems may change a last letter (happy → happi, axing → axe): all but it."""
    if not all(t.isascii() and t.isalpha() for t in terms):
        return None
    return tuple(sorted({(t[:-1] if len(t) > 2 else t).lower() for t in terms}))


#: A word that starts here (no letter or period before it), to the end of its word
#: characters: the one pattern :func:`_prefixed_words` runs, compiled once.
_WORD_FROM = re.compile(r"(?<![^\W\d_]|\.)\w*")
#: The characters ``re.IGNORECASE`` matches to an ASCII letter although their
#: ``str.lower()`` is not that letter (İ, dotless ı, long s).
_CASE_EXCEPTIONS = re.compile("[\u0130\u0131\u017f]")


@functools.lru_cache(maxsize=256)
def _prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """The pattern :func:`_prefixed_words` stands for, compiled (rare texts need it)."""
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=lambda p: (-len(p), p)))
    return re.compile(rf"(?<![^\W\d_]|\.)(?:{alternatives})\w*", re.IGNORECASE)


def _prefixed_words(text: str, prefixes: Sequence[str]) -> list[tuple[int, int]]:
    r"""Start and end of each word of ``text`` that begins with one of ``prefixes``
    (lower-case ASCII letters), any case, in order: the matches of
    ``(?<![^\W\d_]|\.)(?:prefix|…)\w*`` under ``re.IGNORECASE``.

    Compiling that pattern costs a question more than finding its words in all the
    passages it reads, so the prefixes are found by ``str.find`` in the lower-cased text
    and each place is checked by one precompiled pattern. Every match of the pattern at
    a place runs to the end of the word characters there whichever prefix matched, so
    the places found, each taken unless an earlier word covers it, are its matches.
    """
    if _CASE_EXCEPTIONS.search(text) is not None:
        return [match.span() for match in _prefix_pattern(tuple(prefixes)).finditer(text)]
    # Without those characters lower-casing keeps every character's place, and a
    # character matches a lower-case ASCII letter exactly when it lower-cases to it.
    lower = text.lower()
    places = set()
    for prefix in prefixes:
        at = lower.find(prefix)
        while at >= 0:
            places.add(at)
            at = lower.find(prefix, at + 1)
    out: list[tuple[int, int]] = []
    covered = 0
    word_from = _WORD_FROM.match
    for at in sorted(places):
        if at < covered:
            continue
        word = word_from(text, at)
        if word is not None:
            covered = word.end()
            out.append((at, covered))
    return out


def _make_stemmer(name: str) -> Callable[[str], str]:
    if name == "snowball":
        return SnowballStemmer("english").stem  # type: ignore[no-any-return]
    if name == "porter":
        return PorterStemmer().stem  # type: ignore[no-any-return]
    if name == "none":
        return lambda word: word
    raise ValueError(f"unknown stemmer {name!r}")
