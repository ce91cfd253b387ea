"""Quotations of an article: who said what, in their own words or reported.

:func:`extract_quotes` reads an article's body paragraphs into :class:`Quote` values, each
with the words said, who said them as written and as a reader resolves them (the fullest
name of the article, by :class:`~qabot.answering.speakers.Cast`), the verb that says so,
and where it stands: the paragraph, the quotation's offsets, and the stretch a reader
should see (the quotation with its attribution, in whole sentences).

Direct quotations
    Quotation marks are paired over a whole paragraph, so a quotation may run over several
    sentences. Double marks (" “ ” « » „, from ``[quote_marks]``) are read by their context:
    a straight mark after a space opens, one before a space or a stop closes; a mark that
    opens while a quotation is open re-opens it — the first was left unclosed, as news
    style leaves a quotation that runs on — and one still open at the paragraph's end runs
    to it. Single marks (‘ ’ and the straight one, ``[single_quote_marks]``) count only
    where they are no apostrophes: an opening mark before a word, a closing one after it.
    The attribution is read after the quotation (`"…," he said`, `"…," said Mr Skeens of
    Brownsville`, `"…," Axa spokesman Mark Hamilton, Axa spokesman, told BBC News`) or
    before it (`Jol said: "…"`, `An Ajax spokesman told BBC Sport: "…"`, `he called it
    "…"`), with a verb of ``[quote_verbs]``; after a quotation that ends a sentence, only
    if no clause follows the verb (`"…." He said the firm had …` is the next sentence's
    reported speech), and a quotation that ends without a stop or a comma takes only
    `said X` after it (`the "dirty tricks" campaign went on` is no attribution).
    `"…," he said, "…"` is one quotation in two parts, joined with " … ". A quotation
    opening a paragraph after one that ends `… he said:` is his.

Reported speech
    In each sentence (``analyzer.sentence_spans``: Punkt with news abbreviations), a verb of
    ``[report_verbs]`` with a speaker before it and a clause after it: "X said (that)
    CLAUSE", "X told reporters CLAUSE" (``[tell_verbs]`` take a listener first), "X said on
    Monday that CLAUSE", "X confirmed A but said B" (the same speaker); or a clause before
    it: "CLAUSE, X said.", "CLAUSE, says X - …", and "For X, she said, CLAUSE"; or
    "according to X, CLAUSE" and "CLAUSE, according to X". A clause must have a verb of its
    own (a word of ``[clause_words]``, a past tense in -ed, a subject pronoun first), so
    "announced plans" or "warned of delays" are no speech; a clause framed by `…, X said.`
    needs only four words. Speech reported inside reported speech is not read again.

Quotations with no attribution of their own
    Inside reported speech (`He said Bez was being "loopy"`) or beside it in the same
    sentence, a quotation is that speaker's, as it is after a verb of ``[naming_verbs]``
    (`He described the ban as "ridiculous"`); ``fragment`` marks a phrase of fewer than
    four words that is no sentence of its own. A quotation that reads as a sentence of its
    own, after another speaker's words in the same or the previous paragraph, is the
    previous speaker's, as a reader takes it (`"…," he said. "We need a solution."`). Any
    other quoted words — a title, a nickname, a scare quote — are left out.

Speakers are read back from the verb over a few words (:data:`_MAX_SPEAKER`), skipping
``[speaker_adverbs]`` ("has also", "later", "on Monday") and stopping at
``[speaker_boundaries]``, verbs and punctuation; an apposition in commas (`Victor Conte, of
Balco Laboratories, claims`) is stepped over. Everything is regular expressions and sets
over the word lists of ``qabot/data/lexicon_en.txt``: no model. Verbs are found with one
pass of a trie-shaped pattern per paragraph (in an ASCII paragraph, only after the spaces
of a copy whose other separators are spaces), and a paragraph with neither a quotation mark
nor a verb of speech is not split into sentences at all.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Literal

from qabot import lexicon
from qabot.analysis import Analyzer
from qabot.answering.spans import closing_marks, opening_marks, quote_marks, tokens
from qabot.answering.speakers import Cast, Speaker, is_person_noun, nicknames

__all__ = [
    "EXTRACTION_VERSION",
    "Quote",
    "QuoteKind",
    "extract_quotes",
    "extraction_fingerprint",
    "worth_keeping",
]

#: Bump when the quotations or speakers read from a text change: stored indexes, which keep
#: the quotations extracted when each article was indexed, are then rebuilt.
EXTRACTION_VERSION = 27

QuoteKind = Literal["direct", "reported"]

#: Longer paragraphs are not read for quotations (news paragraphs are a few hundred
#: characters; reading is linear in paragraphs, not in one paragraph's length).
MAX_PARAGRAPH_CHARS = 20_000
#: Words read back from a verb for its speaker, at most.
_MAX_SPEAKER = 12
#: A quoted phrase shorter than this, inside someone's speech, is a fragment of it.
_FRAGMENT_WORDS = 4
#: Words between a verb and the quotation it introduces (`told BBC Sport: "…"`), at most.
_MAX_LEAD_IN = 8
_MASK = "_"  # quoted words, hidden while attributions are read (never a word character here)


@dataclass(frozen=True)
class Quote:
    """Words an article attributes to someone, directly or in reported speech."""

    #: The words said, without quotation marks; a split quotation's parts joined by " … ".
    text: str
    kind: QuoteKind
    #: Index of the body paragraph (title excluded).
    paragraph: int
    #: Offsets of the words in the paragraph (of the first and last part, when split).
    start: int
    end: int
    #: The stretch a reader should see: the quotation and its attribution, whole sentences.
    sentence_start: int
    sentence_end: int
    #: Who said it, as the article writes it here ("he", "the NATO Secretary General", or
    #: empty for a quotation that goes on from the previous one).
    speaker_as_written: str
    #: Who that is: the article's fullest name ("Jens Stoltenberg"), titles dropped; or the
    #: words as written, without their article, for someone unnamed ("Ajax spokesman").
    speaker: str
    #: The verb that attributes it ("said", "told", "according to"); empty when it goes on.
    verb: str
    #: A quoted phrase inside someone's speech rather than a sentence said ("loopy").
    fragment: bool = False
    #: The words the article describes the speaker with anywhere ("culture secretary"):
    #: a question may name them so ("what did the Culture Secretary say …").
    roles: tuple[str, ...] = ()

    def __str__(self) -> str:
        said = f"{self.speaker} ({self.verb})" if self.verb else self.speaker
        words = f"“{self.text}”" if self.kind == "direct" else self.text
        return f"{said}: {words}"


def extraction_fingerprint() -> dict[str, object]:
    """What decides the quotations a text gives, stored with an index: this version and
    the word lists the extractor reads."""
    return {"version": EXTRACTION_VERSION, "lexicon": _lexicon_digest()}


@cache
def _lexicon_digest() -> str:
    return hashlib.sha256(lexicon.data_bytes("lexicon_en.txt")).hexdigest()[:16]


def worth_keeping(quote: Quote) -> bool:
    """Whether a quotation is kept with the index: not a phrase inside someone's speech
    (the whole of it is kept), unless a verb of naming gives it alone (`called the target
    "hugely unambitious"`: how she described it)."""
    return not quote.fragment or quote.verb.casefold() in _rx().naming_only


def extract_quotes(paragraphs: Sequence[str], analyzer: Analyzer) -> list[Quote]:
    """Every quotation of an article's body ``paragraphs``, in reading order.

    A paragraph longer than :data:`MAX_PARAGRAPH_CHARS` is no reporter's paragraph (a
    pasted transcript, a data blob) and is not read: its quotations are not kept, and
    indexing such a file stays as fast as its passages.
    """
    paragraphs = [p if len(p) <= MAX_PARAGRAPH_CHARS else "" for p in paragraphs]
    # Quoted nicknames ("Brian 'Head' Welch"), found once: no quotation, no speaker's word.
    nicks = [_nicknames(text) if _has_marks(text) else {} for text in paragraphs]
    marked = [_marks(text, nicks[n]) for n, text in enumerate(paragraphs)]
    found: list[_Found] = []
    for index, text in enumerate(paragraphs):
        previous = paragraphs[index - 1] if index else ""
        reader = _Reader(index, text, marked[index], nicks[index], analyzer, previous)
        found.extend(reader.read())
    if not found:
        return []  # (nothing said: no speaker to resolve, no names to index)
    cast = Cast(paragraphs, [[(q.open, q.stop) for q in found] for found in marked])
    return _resolve(found, cast, paragraphs)


# -- what a paragraph holds, before speakers are resolved -----------------------------------
# (Working records, never changed once made, but not frozen: tens of thousands are made over
# a corpus, and a frozen one sets each field through object.__setattr__.)
@dataclass(slots=True)
class _Marked:
    """Words between quotation marks."""

    open: int  # the opening mark
    start: int
    end: int
    stop: int  # after the closing mark; ``end`` when the quotation is left open
    closed: bool


@dataclass(slots=True)
class _Found:
    kind: QuoteKind
    paragraph: int
    parts: tuple[tuple[int, int], ...]
    stretch: tuple[int, int]
    #: The speaker's words: (paragraph, start, end); None for a quotation that goes on.
    speaker: tuple[int, int, int] | None
    verb: str
    fragment: bool = False


@dataclass(slots=True)
class _Attribution:
    speaker: tuple[int, int, int]
    verb: str
    start: int  # of the attribution's words in the paragraph
    end: int
    #: Where the verb is, when the verb speaks only for this quotation (`said: "…"`, not
    #: `said it had been a "difficult year"`, which is reported speech too).
    verb_at: int = -1


@dataclass(frozen=True)
class _Patterns:
    verb: re.Pattern[str]
    spaced_verb: re.Pattern[str]
    spaces: bytes
    quote_verbs: frozenset[str]
    report_verbs: frozenset[str]
    adverb_words: frozenset[str]
    adverb_ends: frozenset[str]
    times: frozenset[str]
    after_speaker: re.Pattern[str]
    marks: re.Pattern[str]
    double_marks: tuple[str, str]  # every double mark, and the ASCII ones
    single: re.Pattern[str]
    #: ``marks`` and ``single`` for an ASCII text, which holds no other marks: with one mark
    #: to look for, the search skips ahead to it fast.
    ascii_marks: re.Pattern[str]
    ascii_single: re.Pattern[str]
    single_openers: tuple[str, str]  # every mark opening a single-quoted stretch, and ASCII
    clause_words: frozenset[str]
    tell_verbs: frozenset[str]
    boundaries: frozenset[str]
    prepositions: frozenset[str]
    #: Words a phrase fronted before a comma opens with (a preposition, "to", "as").
    fronting: frozenset[str]
    #: Words no reported clause opens with (a preposition, "to", "so", "nothing").
    no_clause: frozenset[str]
    verbs: frozenset[str]
    #: Words telling that a sentence is about someone's words: verbs of speech, "asked",
    #: "view", "response" (:meth:`_Reader._named_just_before`).
    speaking: frozenset[str]
    stop_chars: re.Pattern[str]
    inverted_end: re.Pattern[str]
    joint: re.Pattern[str]
    participle_joint: re.Pattern[str]
    coordinated: re.Pattern[str]
    direct_next: re.Pattern[str]
    that: re.Pattern[str]
    sentence_stop: re.Pattern[str]
    opening_words: re.Pattern[str]
    name_after_comma: re.Pattern[str]
    clause_split: re.Pattern[str]
    colon_quote: re.Pattern[str]
    leading_adverb: re.Pattern[str]
    naming_verbs: frozenset[str]
    naming_only: frozenset[str]  # the verbs of naming alone, case-folded
    speech_nouns: frozenset[str]
    auxiliaries: frozenset[str]


_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i"})
_LETTERS = re.compile(r"[^\W\d_]+")
#: Words after a participle opening a sentence: "Speaking *on* …", "Welcoming *the* …".
_OPENING_LINKS = frozenset({
    "on", "in", "to", "at", "after", "before", "about", "from", "with", "for", "during",
    "outside", "ahead", "further", "back", "forward", "the", "a", "an", "his", "her", "their",
    "its",
})  # fmt: skip
#: Words opening a sentence before a comma, no part of its subject.
_OPENERS = frozenset({"However", "Meanwhile", "Later", "Earlier", "Separately", "Now", "But"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "these", "those"})
#: Prepositions that may join the words of a speaker: "a spokesman for the firm".
_INNER = frozenset({"of", "for", "at", "from", "on"})
_INNER_OR_DETERMINER = _INNER | _DETERMINERS
_ANY_PRONOUN = _PRONOUNS | {"him", "her", "them", "me", "us"}
_SUBJECTS = _PRONOUNS | {"you", "there"}  # a clause's subject, first
_ACCORDING = ("according to", "According to")
#: A reported clause's parts (one; two where the attribution stands inside it) and its
#: speaker and verb.
_Report = tuple[tuple[tuple[int, int], ...], tuple[int, int, int], str]
_BY_AS = re.compile(r"\s+by\s+(\S.{0,60}?)\s+as\s+(?:(?:the|a|an|his|her|its|their)\s+)?$")
#: The agent after a quoted name: `… as a "consummate professional" by his friend and
#: fellow broadcaster Michael Pointon` (the words describing him stepped over).
_BY_AFTER = re.compile(r"\s+by\s+(?:(?:his|her|their|its)\s+(?:[a-z]+\s+){1,5})?")
#: Words an object opens with, after a verb in -s ("follows *the* standards").
_OBJECT_STARTS = frozenset({
    "the", "a", "an", "its", "his", "her", "their", "this", "these", "those", "our", "my",
})  # fmt: skip
_AND_THAT = re.compile(r",?\s+and\s+that\s+")
_PUNCTUATION = "\"'“”‘’«»()[]—–-…_.,;:!?"


@cache
def _rx() -> _Patterns:
    singles = lexicon.forms("single_quote_marks")
    marks = re.escape(quote_marks() + "".join(m for p in singles for m in p))
    # (The verbs naming a quoted phrase are looked for too: "describes himself as "…"".)
    quote_verbs = frozenset(lexicon.entries("quote_verbs")) | lexicon.words("naming_verbs")
    report_verbs = frozenset(lexicon.entries("report_verbs"))
    said = _trie(quote_verbs)
    said_words = quote_verbs | report_verbs | set(_ACCORDING)
    separators = [c for c in range(128) if not re.fullmatch(r"[\w-]", chr(c))]
    said_starts = "".join(re.escape(c) for c in sorted({word[0] for word in said_words}))
    # (As a trie, not an alternation: the same words, the longer tried first all the same,
    # but a failing word costs one letter's look, not one per word.)
    adverb_words = _trie(lexicon.words("speaker_adverbs"))
    adverbs = rf"(?:{adverb_words}|(?-i:[a-z][a-z]+ly))"
    opening = "".join(re.escape(o) for o, _ in singles)
    closing = "".join(re.escape(c) for _, c in singles)

    ascii_doubles = "".join(m for m in quote_marks() if m.isascii())
    ascii_openers = "".join(o for o, _ in singles if o.isascii())

    def single(openers: str) -> re.Pattern[str]:
        # A single-quoted stretch: the opening mark before a word and not after one, the
        # closing mark after a word and not before one; apostrophes inside words allowed.
        return re.compile(
            rf"[{openers}](?<![\w{opening}{closing}][{openers}])(?=[^\s{opening}{closing}])"
            rf"((?:[^{opening}{closing}\"“”«»\n]|[{closing}](?=\w))+?)"
            rf"(?<=\S)[{closing}](?![\w{closing}])"
        )

    return _Patterns(
        # Every verb of speech, in one pass over a paragraph (a trie: many times faster
        # than an alternation of the words; the first letters looked at first, which fails
        # most word starts fastest).
        # ("so-called" calls nobody: no hyphen on either side.)
        verb=re.compile(rf"\b(?=[{said_starts}])(?<!-)(?:{_trie(said_words)})\b(?!-)"),
        # The same after a space, in a copy of an ASCII text whose characters but word ones
        # and "-" are spaces (``spaces``): where to look for one (see _find_verbs).
        spaced_verb=re.compile(rf" (?=[{said_starts}])(?:{_trie(said_words)})\b(?!-)"),
        spaces=bytes.maketrans(bytes(separators), b" " * len(separators)),
        quote_verbs=quote_verbs,
        report_verbs=report_verbs | set(_ACCORDING),
        adverb_words=lexicon.words("speaker_adverbs"),
        adverb_ends=frozenset(a.split()[-1] for a in lexicon.words("speaker_adverbs")),
        times=frozenset(f for line in lexicon.forms("weekdays") for f in line)
        | lexicon.words("relative_days"),
        # (An apostrophe inside a word is no quotation mark: "Eddie O'Sullivan said".)
        after_speaker=re.compile(
            rf"(?P<np>(?:[^,.;:!?{marks}{_MASK}]|(?<=\w)['’](?=\w)){{1,80}}?)"
            rf"(?:,(?P<app>(?:[^,.;:!?{marks}{_MASK}]|(?<=\w)['’](?=\w)){{1,60}}),)?"
            rf"(?:\s+{adverbs})*\s+(?P<v>{said})\b",
            re.I,
        ),
        marks=re.compile(f"[{re.escape(quote_marks())}]"),
        ascii_marks=re.compile(f"[{re.escape(ascii_doubles)}]"),
        double_marks=(quote_marks(), ascii_doubles),
        single=single(opening),
        ascii_single=single(re.escape(ascii_openers)),
        single_openers=("".join(o for o, _ in singles), ascii_openers),
        clause_words=lexicon.words("clause_words"),
        tell_verbs=lexicon.words("tell_verbs"),
        boundaries=lexicon.words("speaker_boundaries"),
        prepositions=lexicon.words("speaker_prepositions"),
        fronting=lexicon.words("speaker_prepositions") | {"to", "as"},
        no_clause=lexicon.words("speaker_prepositions") | {"to", "so", "nothing"},
        verbs=lexicon.words("quote_verbs") | lexicon.words("report_verbs"),
        speaking=lexicon.words("quote_verbs")
        | lexicon.words("report_verbs")
        | lexicon.words("tell_verbs")
        | lexicon.words("statement_words")
        | {"asked", "viewpoint"},
        # Words up to the next stop or quotation mark.
        stop_chars=re.compile(rf"[^,.;:!?{re.escape(quote_marks())}]*"),
        # What may follow "…, says the party": the sentence's end, or a dash and more.
        inverted_end=re.compile(r"\s*(?:[.!?;]|[-–—]\s|$)"),
        # "… but said …", "…, and added …": the same speaker speaks again.
        # "… but said …", "… but he said …": the same speaker's next report.
        joint=re.compile(r"(?:,\s*|\s)(?:and|but)\s+(?:(?:he|she|they|it|we)\s+)?(?:\w+ly\s+)?$"),
        participle_joint=re.compile(r",\s*$"),
        coordinated=re.compile(r"(?:\band|\bbut|,)\s*$"),
        direct_next=re.compile(rf"\s*(?::|[,]?\s*[{re.escape(quote_marks())}])"),
        # ("\bthat\b", written so that the search skips ahead to the letters fast.)
        that=re.compile(r"that(?<!\wthat)\b"),
        sentence_stop=re.compile(r"[.;:!?]"),
        opening_words=re.compile(
            r"\s*(?:(?:But|And|However|Meanwhile|Now|Earlier|Later|Separately),?\s+)?"
        ),
        name_after_comma=re.compile(r",\s+((?:[A-Z][\w'’-]*\s?){1,4})(?=[.,;]|$)"),
        clause_split=re.compile(r"[,;:]"),
        colon_quote=re.compile(rf":\s*[{re.escape(quote_marks())}]"),
        naming_verbs=report_verbs | frozenset(lexicon.entries("naming_verbs")),
        naming_only=frozenset(lexicon.words("naming_verbs")),
        speech_nouns=lexicon.words("anonymous_speakers") | lexicon.words("speaker_document_nouns"),
        auxiliaries=lexicon.words("auxiliaries"),
        leading_adverb=re.compile(rf"\s*(?:{adverb_words})\s+(?=[a-z]+\s)", re.I),
    )


def _trie(words: set[str] | frozenset[str]) -> str:
    """A regular expression matching any of ``words``, their common starts shared
    ("sa(?:id|ys|y)"); a space inside an entry matches any run of spaces."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        alternatives = [
            (r"\s+" if ch == " " else re.escape(ch)) + emit(node[ch]) for ch in sorted(node) if ch
        ]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _marks(text: str, nicknames: Mapping[int, int]) -> list[_Marked]:
    """The quotations of a paragraph: double marks paired, then single ones outside them;
    none of the ``nicknames`` (where each opens, and where it stops)."""
    rx = _rx()
    # (Most paragraphs hold no mark of one kind or the other: a look for the characters is
    # many times cheaper than the patterns' search.)
    doubles = _double_marks(text) if _holds(text, rx.double_marks) else []
    found = list(doubles)
    if _holds(text, rx.single_openers):
        for m in (rx.ascii_single if text.isascii() else rx.single).finditer(text):
            if not any(q.open <= m.start() < q.stop for q in doubles):
                found.append(_quote(text, m.start(), m.end() - 1))
    if found and nicknames:
        found = [q for q in found if q.open not in nicknames]
    if len(found) == len(doubles):
        return found  # (the double marks are paired in order already)
    return sorted(found, key=lambda q: q.open)


def _nicknames(text: str) -> dict[int, int]:
    """Where each quoted nickname of a paragraph opens, and where it stops: no quotation."""
    return {start: stop for start, stop, _ in nicknames(text)}


def _has_marks(text: str) -> bool:
    """Whether a paragraph holds any quotation mark, single or double."""
    rx = _rx()
    return _holds(text, rx.single_openers) or _holds(text, rx.double_marks)


def _holds(text: str, chars: tuple[str, str]) -> bool:
    """Whether ``text`` holds any of ``chars`` (all of them, and the ASCII ones: an ASCII text
    can hold no other)."""
    return any(map(text.__contains__, chars[1] if text.isascii() else chars[0]))


def _double_marks(text: str) -> list[_Marked]:
    openers, closers = opening_marks(), closing_marks()
    open_after, close_before = "([{—–-/" + openers, ".,;:!?)]}—–-…" + closers
    found: list[_Marked] = []
    open_at = -1
    rx = _rx()
    for found_mark in (rx.ascii_marks if text.isascii() else rx.marks).finditer(text):
        i = found_mark.start()
        ch = text[i]
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        opens = before.isspace() or before in open_after
        closes = after.isspace() or after in close_before
        if open_at < 0:
            if ch in closers or (closes and not opens):
                continue  # a stray closing mark
            open_at = i
        elif (ch in openers and ch not in closers) or (opens and not closes and ch not in closers):
            # Opening again while open: the quotation before was left unclosed — up to here,
            # or up to its last sentence when that introduces this one (`… record. He
            # added: "The whole world …`).
            found.append(_open_quote(text, open_at, _introduced(text, open_at, i)))
            open_at = i
        else:
            found.append(_quote(text, open_at, i))
            open_at = -1
    if open_at >= 0:
        found.append(_open_quote(text, open_at, len(text)))
    return [q for q in found if q.end > q.start]


def _find_verbs(masked: str, outside: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """Every verb of speech of a paragraph with its quoted words hidden, in order: what the
    verb pattern finds in the stretches ``outside`` the hidden words."""
    rx = _rx()
    if not masked.isascii():
        for start, end in outside:
            yield from rx.verb.finditer(masked, start, end)
        return
    # An ASCII paragraph (as most news is) is looked at through a copy with every character
    # but a letter, a digit, "_" and "-" made a space: a verb then follows a space, which a
    # search skips ahead to many times faster than to every place a word may start; each
    # place found is read again in the paragraph itself. (No verb is in hidden words.)
    spaced = masked.encode("ascii").translate(rx.spaces).decode("ascii")
    verb = rx.verb.match(masked)
    at = 0
    if verb is not None:
        yield verb
        at = verb.end()
    while (found := rx.spaced_verb.search(spaced, at)) is not None:
        at = found.start() + 1
        verb = rx.verb.match(masked, at)
        if verb is not None:
            yield verb
            at = verb.end()


def _introduced(text: str, open_at: int, at: int) -> int:
    """Where a quotation left open before ``at`` ends: before a last sentence that ends
    with a verb of speech and a colon (`He added:`), else at ``at``."""
    lead = text[open_at:at].rstrip()
    if not lead.endswith((":", ",")):
        return at
    stop = max(lead.rfind(". "), lead.rfind("? "), lead.rfind("! "))
    if stop < 0 or len(lead) - stop > 120:
        return at
    if _rx().verb.search(lead, stop) is None:
        return at
    return open_at + stop + 1


def _quote(text: str, open_at: int, close_at: int) -> _Marked:
    start = open_at + 1
    inner = text[start:close_at]
    start += len(inner) - len(inner.lstrip())
    end = start + len(inner.strip().rstrip(",;: ").rstrip())
    return _Marked(open_at, start, end, close_at + 1, True)


def _inside(text: str, q: _Marked) -> str:
    """Everything between the marks of a quotation, its last stop or comma included."""
    return text[q.start : q.stop - 1 if q.closed else q.stop].rstrip()


def _open_quote(text: str, open_at: int, stop: int) -> _Marked:
    q = _quote(text, open_at, stop)
    return _Marked(q.open, q.start, q.end, q.end, False)


class _Reader:
    """Reads one paragraph's quotations and reported speech (speakers still as written)."""

    def __init__(
        self,
        index: int,
        text: str,
        marked: list[_Marked],
        nicknames: Mapping[int, int],
        analyzer: Analyzer,
        previous: str,
    ) -> None:
        self.index = index
        self.text = text
        self.marked = marked
        self.analyzer = analyzer
        self.previous = previous
        pieces, position = [], 0
        # Stretches between the hidden words, each with the first hidden character (which
        # decides whether a word ends there): the only places a verb can be.
        outside: list[tuple[int, int]] = []
        after = 0  # where the last hidden words end
        for q in marked:
            if q.start >= position:
                pieces += [text[position : q.start], _MASK * (q.end - q.start)]
                if q.end > q.start:
                    outside.append((after, q.start + 1))
                    after = q.end
                position = q.end
        outside.append((after, len(text)))
        masked = "".join(pieces) + text[position:]
        for open_at, stop in nicknames.items():
            # "Brian 'Head' Welch said": the nickname is no word of the speaker's.
            masked = masked[:open_at] + " " * (stop - open_at) + masked[stop:]
        rx = _rx()
        #: The paragraph with quoted words hidden: verbs and speakers are read outside them.
        self.masked = masked
        self.sentences: list[tuple[int, int]] = []
        self.sentence_at: list[int] = []
        self.used: set[int] = set()  # verbs already attributing a direct quotation
        #: Every verb of speech outside quotations, in order, by the list it is in (a verb
        #: may be in both), with where each starts.
        self.quote_verbs: list[re.Match[str]] = []
        self.report_verbs: list[re.Match[str]] = []
        for v in _find_verbs(self.masked, outside):
            name = v.group()
            if not name.isalpha():
                name = " ".join(name.split())  # "according  to"
            if name in rx.quote_verbs:
                self.quote_verbs.append(v)
            if name in rx.report_verbs:
                self.report_verbs.append(v)
        self.quote_at = [v.start() for v in self.quote_verbs]
        self.report_at = [v.start() for v in self.report_verbs]

    def _verbs_in(self, lo: int, hi: int, kind: str) -> list[re.Match[str]]:
        """The verbs of ``[quote_verbs]`` ("quote") or ``[report_verbs]`` ("report")
        starting in ``[lo, hi)``."""
        verbs, at = (
            (self.quote_verbs, self.quote_at)
            if kind == "quote"
            else (self.report_verbs, self.report_at)
        )
        return verbs[bisect.bisect_left(at, lo) : bisect.bisect_left(at, hi)]

    def read(self) -> list[_Found]:
        if not self.marked and not self.report_verbs:
            return []  # nothing said here: no need to split sentences
        self.sentences = self.analyzer.sentence_spans(self.text)
        self.sentence_at = [s for s, _ in self.sentences]
        direct, attributed = self._direct()
        reported = self._reported(attributed)
        return [*direct, *reported, *self._unattributed(attributed, reported)]

    # -- sentences -------------------------------------------------------------------------
    def _sentence(self, at: int) -> tuple[int, int]:
        """The sentence holding offset ``at`` (the one before it, between two sentences)."""
        i = bisect.bisect_right(self.sentence_at, at) - 1
        return self.sentences[i] if i >= 0 else (0, 0)

    def _stretch(self, start: int, end: int) -> tuple[int, int]:
        return self._sentence(start)[0], max(self._sentence(max(start, end - 1))[1], end)

    # -- direct quotations -----------------------------------------------------------------
    def _direct(self) -> tuple[list[_Found], set[int]]:
        found: list[_Found] = []
        attributed: set[int] = set()  # indexes into self.marked
        n = 0
        while n < len(self.marked):
            q = self.marked[n]
            nxt = self.marked[n + 1] if n + 1 < len(self.marked) else None
            limit = nxt.open if nxt else len(self.text)
            att = self._after(q, limit) if q.closed else None
            parts = [(q.start, q.end)]
            last = q
            if att is not None and nxt is not None and self._continues(q, att, nxt):
                parts.append((nxt.start, nxt.end))  # `"…," he said, "…"`: one quotation
                attributed.add(n + 1)
                last = nxt
            if att is None:
                att = self._before(q, self.marked[n - 1].stop if n else 0)
            if att is not None:
                attributed.add(n)
                s0 = self._sentence(q.open)[0]
                if att.start < q.open or len(self.masked[s0 : q.open].split()) < 3:
                    # (`The law is enforceable and "very clear", Alun Michael has said.`:
                    # the verb reports the whole sentence too; the quotation is a part.)
                    self.used.add(att.verb_at)
                start = min(q.open, att.start)
                stop = max(last.stop, att.end)
                # (A quotation opening its sentence is no fragment: its words go uncounted.)
                fragment = not self._alone(q) and (
                    sum(_few_words(self.text, s, e) for s, e in parts) < _FRAGMENT_WORDS
                )
                found.append(
                    _Found(
                        "direct",
                        self.index,
                        tuple(parts),
                        self._stretch(start, stop),
                        att.speaker,
                        att.verb,
                        fragment=fragment,
                    )
                )
            n += 2 if len(parts) == 2 else 1
        return found, attributed

    def _alone(self, q: _Marked) -> bool:
        """Whether a quotation is a sentence of its own, or its own sentence's start."""
        s, _ = self._sentence(q.open)
        return not self.masked[s : q.open].strip(" " + quote_marks())

    def _continues(self, q: _Marked, att: _Attribution, nxt: _Marked) -> bool:
        between = self.text[att.end : nxt.open]
        first_ends = _inside(self.text, q)
        return between.strip() == "," and not first_ends.endswith((".", "!", "?"))

    def _after(self, q: _Marked, limit: int) -> _Attribution | None:
        """`"…," he said` / `"…," said Mr Skeens of Brownsville` / `"…" Stoltenberg stated.`"""
        rx, m = _rx(), self.masked
        following = m[q.stop : limit]
        p = q.stop + len(following) - len(following.lstrip(" ,;"))
        verb = next(iter(self._verbs_in(p, p + 1, "quote")), None)
        inside = _inside(self.text, q)
        if verb is None and inside[-1:] not in ",.!?…;-—" and m[q.stop : q.stop + 1] != ",":
            return None  # `the "dirty tricks" campaign went on`: a phrase, not a quotation
        if verb is not None:
            span = _words_after(m, verb.end(), limit)
            if span is None:
                return None
            speaker, verb_at, verb_name, tail = span, verb.start(), verb.group(), span[1]
        else:
            found = rx.after_speaker.match(m, p, limit)
            if found is None or not _is_speaker(m, found.start("np"), found.end("np")):
                return None
            speaker = (found.start("np"), found.start("np") + len(found.group("np").rstrip()))
            if found.group("app") and _named_by_apposition(found.group("np"), found.group("app")):
                # `"…," Authenti-corp's CEO, Cynthia Musselman, told …`: she speaks.
                app = found.group("app")
                start = found.start("app") + len(app) - len(app.lstrip())
                speaker = (start, found.start("app") + len(app.rstrip()))
            verb_at, verb_name, tail = found.start("v"), found.group("v"), found.end("v")
        rest = rx.stop_chars.match(m, tail, limit)
        after = rest.group() if rest else ""
        if m[tail + len(after) : tail + len(after) + 1] == ":":
            return None  # `"…." Jones added: "…"` introduces the next quotation
        if verb_at > speaker[0] and (_is_clause(after) or after.lstrip().startswith("that ")):
            return None  # `"…." He said the firm had …`: the next sentence's speech
        ended = inside.endswith((".", "!", "?"))
        if ended and verb_at > speaker[0] and len(after.split()) > 3:
            return None  # `"….' Ms Chakrabarti has called on the government to …`: a new sentence
        end = tail + len(after.rstrip()) if verb_at > speaker[0] else tail
        return _Attribution(
            (self.index, *speaker), verb_name, min(verb_at, speaker[0]), end, verb_at
        )

    def _before(self, q: _Marked, previous: int) -> _Attribution | None:
        """`Jol said: "…"`, `An Ajax spokesman told BBC Sport: "…"`, `he called it "…"`
        (``previous``: where the quotation before this one ends)."""
        m = self.masked
        lo = max(self._sentence(q.open)[0], previous if previous <= q.open else 0)
        if not m[lo : q.open].strip() and q.open == self._first_open() and self.previous:
            return self._previous_paragraph()
        for verb in reversed(self._verbs_in(lo, q.open, "quote")):
            lead_in = m[verb.end() : q.open].strip()
            words = lead_in.rstrip(":,").split()
            if (
                lead_in
                and lead_in[-1] not in ":,"
                and (len(words) > 3 or verb.group() not in _rx().naming_verbs)
            ):
                continue  # only `called it "a disgrace"` goes without a colon or a comma
            if len(words) > _MAX_LEAD_IN or _is_clause(lead_in.rstrip(":,")):
                continue
            speaker = self._speaker_before(lo, verb.start())
            if speaker is None:
                return None
            alone = not words or lead_in[-1] in ":,"
            return _Attribution(
                speaker,
                verb.group(),
                min(speaker[1], verb.start()),
                verb.end(),
                verb.start() if alone else -1,
            )
        return None

    def _first_open(self) -> int:
        return self.marked[0].open if self.marked else -1

    def _previous_paragraph(self) -> _Attribution | None:
        """A quotation opening a paragraph after one ending `… he said:`."""
        text = self.previous.rstrip()
        if not text.endswith(":"):
            return None
        verbs = [
            v
            for v in _rx().verb.finditer(text, max(0, len(text) - 200))
            if v.group() in _rx().quote_verbs
        ]
        if not verbs or len(text[verbs[-1].end() :].split()) > _MAX_LEAD_IN:
            return None
        verb = verbs[-1]
        span = _words_before(text, max(0, verb.start() - 200), verb.start())
        if span is None:
            return None
        return _Attribution((self.index - 1, *span), verb.group(), 0, 0)

    def _speaker_before(self, lo: int, verb: int) -> tuple[int, int, int] | None:
        """The speaker read back from a verb; or, for "… and says", the sentence's subject."""
        m = self.masked
        span = _words_before(m, lo, verb)
        if span is not None:
            return (self.index, *span)
        before = _strip_adverbs(m, lo, verb)
        last = m[lo:before].split()[-1:] if m[lo:before].strip() else []
        word = last[0].casefold() if last else ""
        if word == "who":  # "X, who said …"
            cut = m.rfind(",", lo, before)
            span = _words_before(m, lo, cut) if cut > lo else None
            return (self.index, *span) if span else None
        if (
            not last
            or word in ("and", "but", "after", "before", "while", "by", "when")
            or (m[lo:before].rstrip().endswith(","))
        ):
            span = self._subject(lo)
            return (self.index, *span) if span else None
        return None

    def _subject(self, lo: int) -> tuple[int, int] | None:
        """The words that open the sentence at ``lo``, when they name someone."""
        m = self.masked
        s = self._sentence(lo)[0]
        opening = _rx().opening_words.match(m, s)
        start = opening.end() if opening else s
        if m.startswith(_ACCORDING, start):
            start += len(_ACCORDING[0])  # "According to Frank Brown, …": he speaks
        elif (comma := m.find(",", start, start + 80)) > 0 and _participle_opening(m[start:comma]):
            # "Speaking on German TV, Bert Ruerup said … and warned"
            start = len(m) - len(m[comma + 1 :].lstrip())
        return _words_after(m, start, len(m))

    def _named_just_before(
        self, s0: int, opens: int, reported: list[_Found]
    ) -> tuple[int, int] | None:
        """The name of two or more capitalised words opening the sentence before a
        quotation that opens its own, when that sentence (in the same paragraph) speaks of
        speaking ("has a partisan viewpoint", "was asked if") and reports nobody's words."""
        if s0 == 0 or self.masked[s0:opens].strip():
            return None
        p0, p1 = self._sentence(s0 - 1)
        if (
            p1 > s0
            or any(p0 <= q.open < p1 for q in self.marked)
            or any(p0 <= r.parts[0][0] < p1 for r in reported)
        ):
            return None
        words = {w.casefold() for w in _LETTERS.findall(self.masked, p0, p1)}
        if words.isdisjoint(_rx().speaking):
            return None
        subject = self._subject(p0)
        if subject is None:
            return None
        name = self.text[subject[0] : subject[1]].split()
        if len(name) < 2 or not all(w[:1].isupper() for w in name):
            return None
        if name[0].casefold() in _DETERMINERS:
            return None
        return subject

    # -- reported speech -------------------------------------------------------------------
    def _reported(self, attributed: set[int]) -> list[_Found]:
        found: list[_Found] = []
        if not self.report_verbs:
            return found
        direct = [(q.open, q.stop) for n, q in enumerate(self.marked) if n in attributed]
        for s0, s1 in self.sentences:
            speaker: tuple[int, int, int] | None = None
            clause_end = -1
            for verb in self._verbs_in(s0, s1, "report"):
                if verb.start() in self.used or verb.start() < clause_end:
                    continue  # attributes a quotation, or is inside speech already reported
                report = self._report(verb, s0, s1, speaker)
                if report is None:
                    continue
                parts, speaker, name = report
                c0, c1 = parts[0][0], parts[-1][1]
                clause_end = max(clause_end, c1)
                if direct and any(
                    c0 < e and s < c1 and not (c0 <= s and e <= c1) for s, e in direct
                ):
                    continue  # crosses a quotation attributed on its own
                if (
                    direct
                    and any(c0 <= s and e <= c1 for s, e in direct)
                    and not self._outside_words(c0, c1)
                ):
                    continue
                stretch = self._stretch(min(c0, speaker[1], verb.start()), max(c1, speaker[2]))
                for split in [parts] if len(parts) > 1 else [(p,) for p in self._and_that(c0, c1)]:
                    found.append(_Found("reported", self.index, split, stretch, speaker, name))
        return found

    def _and_that(self, start: int, end: int) -> list[tuple[int, int]]:
        """A reported clause split where a second one joins it: "said the sprinter had
        passed a test and that she has never …" reports two things."""
        m = self.masked
        parts: list[tuple[int, int]] = []
        for joint in _AND_THAT.finditer(m, start, end):
            after = next(tokens(m, joint.end(), end), None)
            if after is None or after.group().casefold() in _rx().auxiliaries:
                continue  # "… and that was the end": "that" is its subject
            first = _trim(m, start, joint.start())
            if first is None or not self._clause_ok(*first, that=True):
                continue
            parts.append(first)
            start = joint.end()
        rest = _trim(m, start, end) if parts else None
        return [*parts, rest] if rest is not None else [(start, end)]

    def _namer(self, s0: int, verb: re.Match[str], q: _Marked) -> tuple[int, int, int] | None:
        """Who named something with the quoted words ``q``: the subject (`He described the
        ban as "ridiculous"`), or the agent of a passive (`was described by Jobs as the
        "most important Mac"`, `was described as a "consummate professional" by his friend
        Michael Pointon`)."""
        m = self.masked
        by = _BY_AS.match(m, verb.end(), q.open)
        if by is not None:
            span = _words_after(m, by.start(1), by.end(1))
            return (self.index, *span) if span is not None else None
        after = _BY_AFTER.match(m, q.stop)
        if after is not None and m[verb.end() : q.open].split()[:1] == ["as"]:
            span = _words_after(m, after.end(), len(m))
            if span is not None:
                return (self.index, *span)
        return self._speaker_before(s0, verb.start())

    def _outside_words(self, start: int, end: int) -> bool:
        """Whether a clause holds words of its own beside the quotations in it."""
        return any(t for t in tokens(self.masked, start, end))

    def _report(
        self, verb: re.Match[str], s0: int, s1: int, previous: tuple[int, int, int] | None
    ) -> _Report | None:
        """The clause and speaker of a reporting verb, if it reports speech."""
        m = self.masked
        name = verb.group()
        if name.casefold().startswith("according"):
            return self._according(verb, s0, s1)
        # "CLAUSE, the company said." / "CLAUSE, says the party - …" / "For X, she said, CLAUSE"
        comma = m.rfind(",", max(s0, verb.start() - 100), verb.start())
        speaker: tuple[int, int] | None = None
        tell = verb.group().casefold() in _rx().tell_verbs  # "told X": X listens
        edge = len(m[s0 : verb.start()].rstrip()) + s0
        if (
            verb.group() in ("say", "says", "said")
            and edge > s0
            and (comma < 0 or m[comma + 1 : edge].strip(" " + _MASK))
            and any(
                # (Words quoted inside the reporter's sentence, not a sentence of their own.)
                q.stop == edge and q.open > s0 and self.text[q.start : q.start + 1].islower()
                for q in self.marked
            )
        ):
            # `… have been "making good progress" say those behind the talks.`: the
            # quotation's end stands for the comma.
            comma = edge
        if comma >= 0 and not tell and not m[comma + 1 : verb.start()].strip(" " + _MASK):
            speaker = _words_after(m, verb.end(), s1)
            tail = speaker[1] if speaker else -1
        elif comma >= 0 and self._frames(frame_end := self._told(verb, s1), s1):
            speaker = _words_before(m, comma + 1, verb.start())
            if speaker is not None and m[comma + 1 : speaker[0]].strip():
                speaker = None  # not the whole stretch after the comma
            named = _name_before_office(m, s0, *speaker) if speaker is not None else None
            if named is not None and m.rfind(",", s0, named[0]) >= 0:
                # "CLAUSE, Alan Milburn, Labour's election strategist told …"
                speaker, comma = named, m.rfind(",", s0, named[0])
            tail = frame_end
        if speaker is not None:
            rest = m[tail:s1]
            if _rx().inverted_end.match(rest):
                clause = _trim(m, s0, comma)
                if clause and self._clause_ok(*clause, framed=True):
                    return (clause,), (self.index, *speaker), name
                return None
            if rest.startswith(","):
                clause = _trim(m, tail + 1, s1)
                if clause and self._clause_ok(*clause):
                    return (clause,), (self.index, *speaker), name
                inside = self._around(s0, comma, tail + 1, s1)
                if inside is not None:
                    return inside, (self.index, *speaker), name
                if comma >= 0 and _apposition(m[tail + 1 : s1]):
                    # "CLAUSE, says Tim Dams, the news editor of …": the speaker described.
                    clause = _trim(m, s0, comma)
                    if clause and self._clause_ok(*clause, framed=True):
                        return (clause,), (self.index, *speaker), name
                return None
        # "X said (that) CLAUSE"
        start = self._clause_start(verb, s1)
        if start is None:
            return None
        end = self._clause_end(start, s1)
        clause = _trim(m, start, end)
        if clause is None or not self._clause_ok(
            *clause, that=m[verb.end() : start].rstrip().endswith("that")
        ):
            return None
        who = self._speaker_before(s0, verb.start())
        if (
            who is None
            and previous is not None
            and _rx().coordinated.search(m, max(s0, verb.start() - 8), verb.start())
        ):
            who = previous  # "… confirmed he had attended but said …"
        if who is None:
            return None
        return (clause,), who, name

    def _around(
        self, s0: int, comma: int, after: int, s1: int
    ) -> tuple[tuple[int, int], ...] | None:
        """`The problem with the film, he believed, was that …`: the attribution stands
        between the subject (``s0``–``comma``) and its verb (``after``–``s1``); the two
        parts are what was said."""
        m = self.masked
        first, second = _trim(m, s0, comma), _trim(m, after, s1)
        if first is None or second is None or comma < 0:
            return None
        words = m[second[0] : second[1]].split()
        if not words or words[0].casefold() not in _rx().clause_words:
            return None  # the words after go on from a subject before: they open with a verb
        if _is_clause(m[first[0] : first[1]]) or len(m[first[0] : first[1]].split()) > 12:
            return None  # a clause of its own, or no subject
        return (first, second)

    def _told(self, verb: re.Match[str], s1: int) -> int:
        """Where an attribution ends: after its verb, or after whom it tells and when
        ("…, Alan Milburn told Radio 4's Today programme on Saturday.")."""
        if verb.group().casefold() not in _rx().tell_verbs:
            return verb.end()
        listener = _listener(self.masked, verb.end(), s1)
        if listener is None:
            return verb.end()
        when = _WHEN_TOLD.match(self.masked, listener[1], s1)
        return when.end() if when else listener[1]

    def _frames(self, tail: int, s1: int) -> bool:
        """Whether what follows an attribution ending at ``tail`` lets it frame a clause:
        the sentence ends (`…, the company said.`) or goes on after a comma (`…, she said,
        …`). (Checked first: the speaker before the verb is read only then.)"""
        rest = self.masked[tail:s1]
        return bool(_rx().inverted_end.match(rest)) or rest.startswith(",")

    def _according(self, verb: re.Match[str], s0: int, s1: int) -> _Report | None:
        m = self.masked
        speaker = _words_after(m, verb.end(), s1)
        if speaker is None:
            return None
        rest = m[speaker[1] : s1]
        if rest.startswith(","):
            clause = _trim(m, speaker[1] + 1, s1)
            if clause and self._clause_ok(*clause, shared=True):
                return (clause,), (self.index, *speaker), verb.group()
        before = m[s0 : verb.start()].rstrip()
        if before.endswith(","):
            clause = _trim(m, s0, s0 + len(before) - 1)
            if clause and self._clause_ok(*clause):
                return (clause,), (self.index, *speaker), verb.group()
        return None

    def _clause_start(self, verb: re.Match[str], s1: int) -> int | None:
        """Where the reported clause after a verb starts: after "that", when only an
        adverbial ("on Monday", "in the complaint, filed …,") or a listener comes first;
        after a listener ("told reporters …"); or right after the verb."""
        rx, m = _rx(), self.masked
        p = verb.end()
        if rx.direct_next.match(m, p, s1):
            return None  # `said: "…"`: a direct quotation
        tell = verb.group().casefold() in rx.tell_verbs
        that = rx.that.search(m, p, min(s1, p + 160))
        if that is not None and not rx.sentence_stop.search(m, p, that.start()):
            between = m[p : that.start()]
            words = [t.group().casefold() for t in tokens(between)]
            # Only an adverbial or a listener may come between: "said on Monday that", "said
            # in the complaint, filed …, that", "told reporters that" — not "agreed to a
            # new contract that cuts pay" (a relative clause).
            after_that = next(tokens(m, that.end(), s1), None)
            subject_next = after_that is not None and (
                after_that.group()[:1].isupper()
                or after_that.group().casefold() in _DETERMINERS | _SUBJECTS
            )
            adverbial = bool(words) and (
                between.rstrip().endswith(",")
                or (len(words) <= 4 and words[0] != "to")
                or words[-1] in rx.times
                or words[-1] in rx.adverb_words
                # "saying in an interview with the Financial Times that GM's argument …"
                or (words[0] in ("in", "during") and subject_next)
            )
            if not words or (
                len(words) <= 15
                and not _is_clause(between)
                and (
                    tell
                    or words[0] in rx.adverb_words
                    or (words[0] in rx.prepositions and adverbial)
                )
            ):
                after = next(tokens(m, that.end(), s1), None)
                if after is not None and after.group().casefold() in rx.auxiliaries:
                    return that.start()  # "said that was the only contact": "that" is its subject
                return that.end()
        lead = rx.leading_adverb.match(m, p, s1)
        if lead is not None:
            p = lead.end()  # "said last week he was hoping …"
        first = next(tokens(m, p, s1), None)
        if first is None or first.group().casefold() in rx.no_clause:
            return None
        if tell and first.group().casefold() not in _PRONOUNS:
            # Whom it was told: "reporters", "BBC News", "goalkeeper Jens Lehmann".
            for listener in (_listener(m, p, s1), _words_after(m, p, s1)):
                if listener is not None and m[listener[1] : listener[1] + 1] == ":":
                    return None  # `told the Evening Standard: "…"`
                if listener is not None and self._clause_ok(listener[1], s1):
                    following = next(tokens(m, listener[1], s1), None)
                    if following is not None:
                        return following.start()
        return first.start()

    def _clause_end(self, start: int, s1: int) -> int:
        """A clause ends with its sentence, or before the next verb said of the same speaker
        ("… but said …") or a trailing "according to"."""
        rx, m = _rx(), self.masked
        for used in sorted(self.used):
            if start < used < s1:
                # "…, who argues he is ensuring honesty, said: "…"": the next speech is direct.
                s1 = start + len(m[start:used].rstrip(" ,"))
                break
        colon = rx.colon_quote.search(m, start, s1)
        if colon is not None:
            s1 = colon.start()  # `… remained intact: "He was …"`: the quotation is direct
        for verb in self._verbs_in(start, s1, "report"):
            if verb.group().casefold().startswith("according"):
                return start + len(m[start : verb.start()].rstrip(" ,"))
            joint = rx.joint.search(m, max(start, verb.start() - 20), verb.start())
            if joint is None and verb.group().endswith("ing"):
                joint = rx.participle_joint.search(m, start, verb.start())  # "…, adding that …"
            if joint is not None:
                return joint.start()
        return s1

    def _clause_ok(
        self, start: int, end: int, that: bool = False, shared: bool = False, framed: bool = False
    ) -> bool:
        """Whether ``text[start:end]`` is a clause that reports speech. ``shared``: it may
        start with its verb, its subject written before ("ntl and Telewest … and,
        according to an ntl spokesman, are in a better position"). ``framed``: the
        attribution after it frames it as speech (`…, Ms Lomax said.`), so any stretch of
        four words or more not opening with a preposition will do."""
        part = self.masked[start:end]
        words = part.split()
        if len(words) < 2 or not part.strip(" " + _MASK + quote_marks()):
            return False
        if words[0].casefold() in ("and", "but", "or"):
            return False
        if framed and len(words) >= 4 and words[0].casefold() not in _rx().prepositions:
            return True
        # Quoted words are part of what was said: `said an "unidentified individual … has …"`.
        return (
            that
            or _is_clause(part, shared)
            or (_MASK in part and _is_clause(self.text[start:end], shared))
        )

    # -- quotations without an attribution of their own ------------------------------------
    def _unattributed(self, attributed: set[int], reported: list[_Found]) -> list[_Found]:
        rx = _rx()
        found: list[_Found] = []
        for n, q in enumerate(self.marked):
            if n in attributed:
                continue
            words = _few_words(self.text, q.start, q.end)
            fragment = words < _FRAGMENT_WORDS and not self._alone(q)
            inside = next(
                (r for r in reported if r.parts[0][0] <= q.open and q.stop <= r.parts[0][1] + 1),
                None,
            )
            if inside is not None:
                found.append(
                    _Found(
                        "direct",
                        self.index,
                        ((q.start, q.end),),
                        inside.stretch,
                        inside.speaker,
                        inside.verb,
                        fragment,
                    )
                )
                continue
            s0, s1 = self._sentence(q.open)
            beside = [r for r in reported if s0 <= r.parts[0][0] < s1]
            if beside:
                r = beside[0]
                found.append(
                    _Found(
                        "direct",
                        self.index,
                        ((q.start, q.end),),
                        self._stretch(s0, max(s1, q.stop)),
                        r.speaker,
                        r.verb,
                        fragment,
                    )
                )
                continue
            verbs = [
                v
                for v in self._verbs_in(s0, q.open, "quote")
                if v.group() in rx.naming_verbs
                and (
                    v.group() in rx.report_verbs or len(self.masked[v.end() : q.open].split()) <= 6
                )
            ]  # ("He accused the government of "…"", not an "accused" far from the words)
            speaker = self._namer(s0, verbs[-1], q) if verbs else None
            if speaker is not None:
                found.append(
                    _Found(
                        "direct",
                        self.index,
                        ((q.start, q.end),),
                        self._stretch(s0, max(s1, q.stop)),
                        speaker,
                        verbs[-1].group(),
                        fragment,
                    )
                )
                continue
            if self.masked[s0 : q.open].rstrip().endswith(":"):
                # `Mr Dean is confident though: "…"`: the sentence's subject speaks.
                subject = self._subject(s0)
                if subject is not None:
                    found.append(
                        _Found(
                            "direct",
                            self.index,
                            ((q.start, q.end),),
                            self._stretch(s0, max(s1, q.stop)),
                            (self.index, *subject),
                            "",
                            fragment,
                        )
                    )
                    continue
            named = self._named_just_before(s0, q.open, reported)
            if named is not None and words >= _FRAGMENT_WORDS:
                # `Graham Barlow, editor of Mac Format, has a partisan view. "It's just a
                # Mac, …"`: the person the sentence before is about speaks.
                found.append(
                    _Found(
                        "direct",
                        self.index,
                        ((q.start, q.end),),
                        self._stretch(named[0], max(s1, q.stop)),
                        (self.index, named[0], named[1]),
                        "",
                        fragment,
                    )
                )
                continue
            if words >= _FRAGMENT_WORDS and (self._alone(q) or self.text[q.start].isupper()):
                # Goes on from the quotation before: its speaker (read when resolving).
                found.append(
                    _Found(
                        "direct",
                        self.index,
                        ((q.start, q.end),),
                        self._stretch(q.open, q.stop),
                        None,
                        "",
                    )
                )
        return found


# -- speakers' words -------------------------------------------------------------------------
def _strip_adverbs(m: str, lo: int, hi: int) -> int:
    """Where the words before a verb end once "has also", "later", "on Monday" are left out
    (the longest listed phrase of up to four words, or a word in -ly, peeled off the end)."""
    rx = _rx()
    adverbs = rx.adverb_words
    end = lo + len(m[lo:hi].rstrip())
    while True:
        last = m[m.rfind(" ", lo, end) + 1 : end]
        if last.casefold() not in rx.adverb_ends and not last.endswith("ly"):
            return end  # the common case: nothing to leave out
        words = m[max(lo, end - 40) : end].split()[-4:]
        for n in range(len(words), 0, -1):
            phrase = " ".join(words[-n:]).casefold()
            ly = n == 1 and words[-1].islower() and phrase.endswith("ly") and len(phrase) > 3
            if phrase in adverbs or ly:
                cut = end
                for word in reversed(words[-n:]):
                    cut = m.rfind(word, lo, cut)
                end = lo + len(m[lo:cut].rstrip())
                break
        else:
            return end


def _words_before(m: str, lo: int, verb: int) -> tuple[int, int] | None:
    """The speaker written just before a verb: "Arsenal boss Arsene Wenger", "he", "The
    lawsuit, filed in Washington County," (the apposition stepped over)."""
    rx = _rx()
    end = _strip_adverbs(m, lo, verb)
    if end > lo and m[end - 1] == ",":
        relative = max(m.rfind(", whose ", lo, end), m.rfind(", who ", lo, end))
        if relative > lo:
            # "The Oscar-nominated actor, whose films include Schindler's List, …, said".
            return _words_before(m, lo, relative)
        comma = m.rfind(",", lo, end - 1)
        if comma < 0:
            return None
        first = m.find(",", lo, end - 1)
        opening = m[lo:first].split()
        if opening and (
            (len(opening) == 1 and opening[0] in _OPENERS) or _participle_opening(m[lo:first])
        ):
            # "Meanwhile, Ford, which …, said"; "Speaking on German TV, Bert Ruerup said".
            after = len(m) - len(m[first + 1 :].lstrip())
            return _words_before(m, after, verb) or _words_after(m, after, end - 1)
        inner = _words_after(m, comma + 1, end - 1)
        head = m[lo:comma].split()
        # "ITV's controller of entertainment, Claudia Rosencrantz, said": the name between.
        if (
            inner
            and m[inner[0]].isupper()
            and head
            and head[-1][:1].islower()
            and m[inner[0] : inner[1]].split()[0].casefold() not in _DETERMINERS
        ):
            return inner
        return _words_before(m, lo, comma)
    items = list(tokens(m, max(lo, end - 160), end))  # a speaker is a few words at most
    if items and items[-1].group().casefold() in rx.prepositions and items[-1].end() == end:
        return None  # "criticised the government for claiming …": no speaker written here
    taken: list[re.Match[str]] = []  # read back from the verb
    position = end
    for i in range(len(items) - 1, -1, -1):
        t = items[i]
        if m[t.end() : position].strip(" ()"):
            break
        word = t.group()
        lw = word.casefold()
        if not taken and lw in _PRONOUNS:
            taken.append(t)
            break
        if lw in rx.boundaries or lw in rx.verbs or (lw in rx.clause_words and taken):
            break
        if lw in rx.prepositions and lw not in _INNER and word[:1].islower():
            break  # ("League Against Cruel Sports": capitalised, part of a name)
        if (
            lw.endswith(("ing", "ed"))
            and len(lw) > 4
            and (word[:1].islower() or i == 0)
            and not (i and items[i - 1].group().casefold() in _DETERMINERS)
        ):
            break  # a verb ("Addressing claims that …"), not "the remaining members"
        if taken and lw in rx.times:
            break  # "On Tuesday Sir Alan said"
        taken.append(t)
        position = t.start()
        if lw in _DETERMINERS and not (i and items[i - 1].group().casefold() in _INNER):
            break
        if len(taken) >= _MAX_SPEAKER:
            break
    if not taken:
        return None
    # A speaker starts with no preposition: "with reports saying …" is "reports". (The
    # words read back are the window's last ones, in reverse.)
    words = [t.group().casefold() for t in reversed(taken)]
    lead = next((n for n, w in enumerate(words) if w not in rx.prepositions), None)
    if lead is None:
        return None
    first = taken[-1].start()
    if lead and m[lo:first].rstrip().endswith(","):
        # "Andrew Fisher, from Omaha, Nebraska, said": a place of origin stepped over.
        return _words_before(m, lo, lo + len(m[lo:first].rstrip()) - 1)
    start = taken[-1 - lead].start()
    if all(w in _DETERMINERS for w in words[lead:]):
        return None
    before = m[max(lo, start - 12) : start].split()[-1:]
    if (
        before
        and (before[0].casefold() in rx.prepositions or before[0] == "to")
        and m[verb : verb + 12].split()[0].rstrip(":,").endswith("ing")
        and m[start:end].split()[-1].casefold() not in rx.speech_nouns
    ):
        # "argue against positive discrimination saying …", "wrote to the watchdog
        # saying …": an object, not who says; "with reports saying …" is the reports'.
        return None
    return _name_before_office(m, lo, start, end) or (start, end)


#: When someone was told, after whom: "… told the BBC on Saturday."
_WHEN_TOLD = re.compile(
    r"\s+(?:on\s+[A-Z]\w+|last\s+\w+|this\s+\w+|earlier(?:\s+this\s+\w+)?|yesterday|today)\b"
)
_NAME_THEN_OFFICE = re.compile(
    r"(?:^|(?<=[,;:.!?\"”'’_]\s))"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’.-]*){0,2}\s+[A-Z][\w'’-]+),\s+"
    r"(?P<office>[^,.;:!?\"“”()_]{2,80}?)\s*$"
)


def _name_before_office(m: str, lo: int, start: int, end: int) -> tuple[int, int] | None:
    """The name of someone written as "Alan Milburn, Labour's election strategist told"
    or "Brent Bozell, PTC president and conservative activist said": the words read back
    from the verb are the office; the name stands before them and a comma."""
    words = m[start:end].split()
    if not any(w[:1].islower() and is_person_noun(w.casefold()) for w in words):
        return None
    if len(words) >= 2 and all(w[:1].isupper() for w in words[-2:]):
        return None  # "On Monday, economy minister Aburizal Bakrie told": named already
    found = _NAME_THEN_OFFICE.search(m, max(lo, start - 120), end)
    if found is None or found.start("office") > start or _is_clause(found["office"]):
        return None
    first = found["name"].split()[0].casefold()
    if first in _rx().clause_words or first in _rx().prepositions or first in _rx().times:
        return None  # "In London, the chief executive said": no name
    return found.start("name"), found.end("name")


def _words_after(m: str, start: int, limit: int) -> tuple[int, int] | None:
    """The speaker written just after a verb: `said accountant Jose Lopez.`, `said Mr Skeens
    of Brownsville`, `says the party - and …`; or the listener after "told"."""
    rx = _rx()
    taken: list[re.Match[str]] = []
    position = start
    for t in tokens(m, start, limit):
        if m[position : t.start()].strip(" ()"):
            break
        word = t.group()
        lw = word.casefold()
        if not taken and lw in _ANY_PRONOUN:
            taken.append(t)
            break
        inside_name = bool(taken) and word[:1].isupper() and taken[-1].group()[:1].isupper()
        if (lw in rx.boundaries or lw in rx.verbs or lw in rx.clause_words) and not (
            inside_name and lw not in rx.boundaries
        ):
            break  # "President Lula became …" (but "Sung Won Sohn" is one name)
        if lw in rx.prepositions and (lw not in _INNER or not taken):
            break
        if (
            lw in _DETERMINERS
            and taken
            and m[position - 4 : position].strip().casefold() not in _INNER
        ):
            break
        if word[:1].islower() and lw.endswith(("ing", "ed", "ly")) and len(lw) > 4:
            break
        if taken and ((lw in rx.adverb_words and word[:1].islower()) or lw in rx.times):
            break  # "said Mr Sener earlier this month", "said Smith on Monday"
        taken.append(t)
        position = t.end()
        if len(taken) >= _MAX_SPEAKER:
            break
    if not taken:
        return None
    # No trailing "of"/"for" without words after it.
    while taken and taken[-1].group().casefold() in _INNER_OR_DETERMINER:
        taken.pop()
    if not taken or all(t.group().casefold() in _DETERMINERS for t in taken):
        return None
    if taken[-1].group()[:1].islower():
        # "said RNID technology director, Guido Gybels.": the name after the comma.
        name = rx.name_after_comma.match(m, taken[-1].end(), limit)
        if name is not None:
            return name.start(1), name.start(1) + len(name.group(1).rstrip())
    return taken[0].start(), taken[-1].end()


def _few_words(text: str, start: int, end: int) -> int:
    """How many words ``text[start:end]`` has, counted up to :data:`_FRAGMENT_WORDS` (all a
    fragment needs: a long quotation is not tokenised to its end)."""
    return len(list(islice(tokens(text, start, end), _FRAGMENT_WORDS)))


def _listener(m: str, start: int, limit: int) -> tuple[int, int] | None:
    """Whom a speaker tells: "reporters", "him", "the BBC", "BBC Radio 4's Today
    programme" — a pronoun, or a name (with what it owns), or a few lower-case words."""
    found = _LISTENER.match(m, start, limit)
    if found is None or not found.group().strip():
        return None
    return found.start(1), found.end(1)


_LISTENER = re.compile(
    r"\s*((?:him|her|them|me|us|reporters|journalists|[Tt]he\s+\w+\s+(?=[a-z]))"
    r"|(?:(?:the|a)\s+)?(?:[A-Z][\w&.-]*(?:\s+(?:of\s+)?[A-Z0-9][\w&.-]*)*)"
    r"(?:['’]s(?:\s+[A-Z][\w-]*)*(?:\s+(?:programme|show|website|newspaper|radio))?)?)"
)


def _is_speaker(m: str, start: int, end: int) -> bool:
    """Whether words between a quotation and its verb can be a speaker (`"…," the spokesman
    added`), not a clause (`"…" and that is why they said`)."""
    rx = _rx()
    items = [t.group() for t in islice(tokens(m, start, end), _MAX_SPEAKER + 1)]
    if not items or len(items) > _MAX_SPEAKER:
        return False
    if len(items) == 1 and items[0].casefold() in _PRONOUNS:
        return True
    for word in items:
        lw = word.casefold()
        if lw in rx.boundaries or (
            word[:1].islower() and lw.endswith(("ing", "ed")) and len(lw) > 4
        ):
            return False
    return True


def _participle_opening(phrase: str) -> bool:
    """Whether ``phrase`` (the words before a sentence's first comma) is a participle's
    phrase before the subject: "Speaking on German TV", "Welcoming the ruling"; not
    "Groening recently heaped praise …" (a name) or "Speaking after it was announced Bob
    Neill" (the subject is inside: no comma after the phrase)."""
    words = phrase.split()
    if not 2 <= len(words) <= 10 or not re.fullmatch(r"[A-Z][a-z]+ing", words[0]):
        return False
    if words[1] not in _OPENING_LINKS or any(c in phrase for c in ".;:"):
        return False
    n = len(words)
    while n > 2 and words[n - 1][:1].isupper():
        n -= 1  # a name ending the phrase ("on German TV") …
    # … follows a word that links it ("on"), not a verb ("was announced Bob Neill").
    return n == len(words) or words[n - 1] in _OPENING_LINKS or words[n - 1][:1].isupper()


def _named_by_apposition(office: str, name: str) -> bool:
    """Whether `office, name,` before a verb names the speaker in its second part: a
    person's name of capitalised words after words that are no name ("Authenti-corp's
    CEO", "the firm's spokeswoman")."""
    words = name.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    if words[0].casefold() in _DETERMINERS:
        return False
    described = office.split()
    return any(
        w[:1].islower() or w.endswith(("'s", "’s")) or (w.isupper() and len(w) > 1)
        for w in described
    )


_APPOSITION_WORDS = 12


def _apposition(text: str) -> bool:
    """Whether ``text`` (what follows a speaker's comma, to the sentence's end) only
    describes the speaker: "the news editor of trade magazine Screen International.",
    "UK Online general manager."."""
    words = text.strip(" ,.;:!?" + _MASK).split()
    if not 0 < len(words) <= _APPOSITION_WORDS or _is_clause(" ".join(words)):
        return False
    if words[0].casefold() in ("the", "a", "an", "his", "her", "its", "their"):
        return True
    if any(w[:1].islower() and is_person_noun(w.casefold()) for w in words[:3]):
        return True  # "chairman of the MDA.", "senior analyst at Capital Economics."
    # An office after the employer's name: capitalised words, then lower-case ones.
    return words[0][:1].isupper() and words[-1][:1].islower() and words[-1].isalpha()


def _is_clause(text: str, shared: bool = False) -> bool:
    """Whether ``text`` reads as a clause with its own verb ("the firm had …", "he bought
    …"), not a noun phrase ("plans to …", "of delays"). A short fronted phrase before a
    comma ("currently, only one model … is") is read past. ``shared``: the clause may start
    with its verb."""
    rx = _rx()
    parts = rx.clause_split.split(text[:200], maxsplit=2)
    for n, part in enumerate(parts[:2]):
        words = [w for x in part.split()[:12] if (w := x.strip(_PUNCTUATION))]
        if not words:
            continue
        if shared and words[0].casefold() in rx.clause_words:
            return True
        if _has_verb(words, rx.clause_words):
            return True
        fronted = len(words) <= 3 or words[0].casefold() in rx.fronting
        if n or not fronted or len(words) > 8:
            break
    return False


def _has_verb(words: list[str], clause_words: frozenset[str]) -> bool:
    first = words[0].casefold()
    if first in clause_words or (
        words[0][:1].islower() and first.endswith("ed") and "-" not in first
    ):
        return False  # a verb with no subject before it (not "tsunami-related claims …")
    if first == "that" and len(words) > 1 and words[1].casefold() in _rx().auxiliaries:
        return True  # "that was the only contact": "that" is the subject
    if first in ("which", "who", "whom", "whose", "that"):
        return False  # a relative clause: "…, which would …"
    if first in _SUBJECTS and len(words) > 1:
        return True
    for n, word in enumerate(words[1:], 1):
        lw = word.casefold()
        if lw in ("that", "which", "who", "whom", "whose"):
            return False  # "an earlier report that he planned …": a noun and what it holds
        if lw in clause_words or lw.endswith(("n't", "n’t")):
            return True
        if word[:1].islower() and lw.endswith("ed") and len(lw) > 3:
            return True
        if (
            word[:1].islower()
            and lw.endswith("s")
            and not lw.endswith(("ss", "us", "'s", "’s"))
            and len(lw) > 3
            and n + 1 < len(words)
            and words[n + 1].casefold() in _OBJECT_STARTS
        ):
            return True  # "the network follows the same standards": a verb with its object
    return False


def _trim(m: str, start: int, end: int) -> tuple[int, int] | None:
    """``m[start:end]`` without spaces, a leading "that" and the sentence's closing stop."""
    text = m[start:end]
    lead = len(text) - len(text.lstrip(" ,"))
    start += lead
    text = m[start:end].rstrip()
    text = text.rstrip(".!?;, ")
    # (Folding goes letter by letter: the first five letters say whether it starts "that ".)
    if (
        text[:5].casefold().startswith("that ")
        and text[5:].split(" ", 1)[0] not in _rx().auxiliaries
    ):
        start += 5
        text = text[5:]
    if text.endswith(_JOINTS):
        text = _TRAILING_JOINT.sub("", text)  # "… 16.5bn euros and, according to …"
    if text.endswith(_GOING_ON):
        text = _TRAILING_GOING_ON.sub("", text)  # "… a scorching from MPs adding: "…""
    end = start + len(text)
    return (start, end) if end > start else None


_TRAILING_JOINT = re.compile(r"[\s,]+(?:and|but|or)$")
_GOING_ON = (" adding", " saying")
_TRAILING_GOING_ON = re.compile(r"[\s,]+(?:adding|saying)$")
_JOINTS = ("and", "but", "or", "and\n", "but\n", "or\n")  # what it may end with ($: a newline)


# -- speakers resolved, in reading order -----------------------------------------------------
def _resolve(found: list[_Found], cast: Cast, paragraphs: Sequence[str]) -> list[Quote]:
    def anchor(f: _Found) -> tuple[int, int]:
        if f.speaker is not None:
            return f.speaker[0], f.speaker[1]
        return f.paragraph, f.parts[0][0]

    seen: dict[tuple[int, int, int], Speaker] = {}
    last: tuple[Speaker, int] | None = None
    said: list[tuple[_Found, Speaker]] = []
    for f in sorted(found, key=anchor):
        if f.speaker is not None:
            speaker = seen.get(f.speaker)
            if speaker is None:
                # Reported words before their speaker ("…, he said") name someone else.
                before = f.kind == "reported" and f.speaker[:2] >= (f.paragraph, f.parts[-1][1])
                words = (f.parts[0][0], f.parts[-1][1]) if before else None
                speaker = seen[f.speaker] = cast.resolve(*f.speaker, words)
        elif last is not None and last[1] >= f.paragraph - 1:
            speaker = Speaker("", last[0].name, last[0].named)
            cast.repeat(speaker, f.paragraph, f.parts[0][0])
        else:
            continue
        last = (speaker, f.paragraph)
        said.append((f, speaker))
    # What describes a speaker is known only once the article is read ("Culture Secretary
    # Tessa Jowell" may come after "Ms Jowell said").
    roles: dict[str, tuple[str, ...]] = {}
    for _, speaker in said:
        if speaker.name not in roles:
            roles[speaker.name] = cast.roles_of(speaker)
    out = []
    for f, speaker in said:
        text = paragraphs[f.paragraph]
        out.append(
            Quote(
                text=" … ".join([text[s:e] for s, e in f.parts]),
                kind=f.kind,
                paragraph=f.paragraph,
                start=f.parts[0][0],
                end=f.parts[-1][1],
                sentence_start=f.stretch[0],
                sentence_end=f.stretch[1],
                speaker_as_written=speaker.written,
                speaker=speaker.name,
                verb=f.verb,
                fragment=f.fragment,
                roles=roles[speaker.name],
            )
        )
    return sorted(out, key=lambda q: (q.paragraph, q.start, q.kind))
