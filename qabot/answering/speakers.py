"""Who said it: the people and organisations an article names, and whom a speaker means.

:class:`Cast` knows where an article's names are (runs of capitalised words, found with one
pattern) and reads one only when a speaker needs it: the name proper, honorifics ("Mr",
"Dr", "Sir") and office titles ("NATO Secretary General") left out, with the words written
beside it that describe it — its *roles*: "Arsenal boss Arsene Wenger", "Metrovias, the
private firm …", "Jens Stoltenberg, NATO's secretary general" — and the evidence of what it
is: a person (an honorific, a title, a role noun such as "actor", ", who"), an organisation
(an organisation word, an acronym, "the" before it, "its" after it, "firm Apple") or a
place. A surname stands for the fullest name of the article that ends with it: "Pound" and
"Mr Pound" are "Dick Pound"; "Lib Dems" is "Liberal Democrats".

:meth:`Cast.resolve` reads a speaker as a reader would, at its place in the article:

* a name → its fullest name;
* "he" / "she" → the nearest earlier *salient* person — a speaker, or the subject of a main
  clause — whose gender does not contradict the pronoun; "it" → the nearest salient
  organisation (or a name of unknown kind: "Uefa", "Microsoft");
* "the NATO Secretary General", "the spokesman", "the ministry" → the nearest entity
  before it described by those words (titles, appositions, an organisation's own name);
  failing that "the firm" / "the party" → the nearest organisation, "the former teacher"
  → the nearest person, "the complaint" → whoever came before it suing or filing;
* anything else ("a spokesman", "reports", "the local press") → the words as written,
  without their article.

Each resolved speaker becomes salient where it stands, so "he added" after `"…," said
Cowell` is Cowell. Word lists are sections of ``qabot/data/lexicon_en.txt``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, islice

from qabot import lexicon
from qabot.answering.spans import name_span, quote_marks, tokens

__all__ = ["Cast", "Speaker", "is_person_noun", "nicknames"]

Position = tuple[int, int]  # (paragraph, offset)

#: Whom "it" / "the firm" may mean, and "he" / "she": nearest first within a tier.
_THING = (frozenset({"organisation", "unknown"}),)
_PERSON = (frozenset({"person"}), frozenset({"unknown"}))
#: Words ending with a lower-case noun, then a name: "… civil aviation Praful Patel".
_ROLE_THEN_NAME = re.compile(r"\b[a-z][\w-]*[a-rt-z] (?:[A-Z][\w'’-]*\s?){1,3}$")
_GLUE = frozenset({"of", "de", "da", "del", "van", "von", "der", "al", "bin", "la", "le"})
_ORGANISATION = (frozenset({"organisation"}),)
#: Who speaks for an organisation unnamed: "a spokesperson" of the one just spoken of.
_SPOKESPEOPLE = frozenset({"spokesman", "spokeswoman", "spokesperson", "spokespeople"})
#: Names and speakers looked back over, at most, for whom a speaker means (a long article's
#: worth: what lies further back is no reader's antecedent, and long texts stay linear).
_LOOK_BACK = 200
_MAX_PREFIX = 4  # role words read before a name ("Former Holby City actor …")
_MAX_APPOSITION = 8  # words of an apposition after a name (", the private firm …")
_ARTICLES = frozenset({"the", "a", "an"})
#: Words that start an unnamed group of speakers ("many analysts"), lower case.
_QUANTIFIERS = frozenset({"many", "some", "several", "most", "few"})
#: A plural noun a quantifier speaker ("most") may stand for, and how far back it is read.
_GROUP_BEFORE = re.compile(r"\b[a-z][a-z-]+s\b")
_GROUP_LOOK_BACK = 250
#: Possessive pronouns before a document that speaks ("her lawsuit"), and whom they mean.
_OWNERS = {"her": "female", "his": "male", "its": "thing", "their": "group"}
#: Where a name stops inside a run: "Mr Skeens of Brownsville" is Mr Skeens.
_CUT_AT = frozenset({"of", "for", "at"})
#: Office titles that are also surnames: after a first name they end a name.
_SURNAME_TITLES = frozenset({"king", "bishop", "judge", "pope", "major", "dean", "marshal"})
#: A nickname in quotation marks before a capitalised word: the 'Head' of Brian 'Head'
#: Welch (group 1: the word after). Starting with its mark, the search skips ahead fast.
_NICKNAME = re.compile(
    r"['‘\"“][A-Z][^\s'’\"”]*(?:\s[A-Z][^\s'’\"”]*)?['’\"”](?=\s([A-Z][\w'’-]*))"
)
_NAME_BEFORE = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*\s$")


def nicknames(text: str) -> Iterator[tuple[int, int, str]]:
    """Each nickname inside a name of ``text`` (Brian 'Head' Welch): where its marks open
    and stop, and the name without it ("Brian Welch")."""
    for m in _NICKNAME.finditer(text):
        before = _NAME_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if before is not None:
            yield m.start(), m.end(), f"{before.group().strip()} {m.group(1)}"


@dataclass(frozen=True)
class Speaker:
    """A speaker as written and as a reader resolves it."""

    written: str
    name: str
    #: Whether ``name`` is a named person or organisation of the article (not a description
    #: kept as written, such as "spokesman" or "reports").
    named: bool


@dataclass
class _Entity:
    """A person, organisation or described speaker of the article (filled in as read)."""

    name: str
    named: bool
    person: float = 0.0
    organisation: float = 0.0
    place: float = 0.0
    gender: str = ""
    roles: set[str] = field(default_factory=set)
    #: Mentions whose evidence is still to be added (read when it is needed).
    pending: list[_Mention] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.organisation > self.person and self.organisation >= self.place:
            return "organisation"
        if self.person > 0 and self.person >= self.place:
            return "person"
        return "place" if self.place > 0 else "unknown"


# (Mentions and traits are kept as read, never changed, but not frozen: tens of thousands are
# made over a corpus, and a frozen one sets each field through object.__setattr__.)
@dataclass(slots=True)
class _Mention:
    """A name as read at one place: the name proper, and where it stands."""

    at: Position
    end: int
    name: str
    possessive: bool
    quoted: bool
    #: What its own words say (an honorific, an office title, the kind its words give).
    own: _Evidence


@dataclass(slots=True)
class _Traits:
    """What the words around a mention say of it (read only when needed)."""

    person: float
    organisation: float
    place: float
    gender: str
    roles: frozenset[str]


@dataclass
class _Evidence:
    """What the words around a name say of it, added up while it is read."""

    person: float = 0.0
    organisation: float = 0.0
    place: float = 0.0
    gender: str = ""
    honorific: str = ""
    roles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Words:
    honorifics: dict[str, str]
    pronouns: dict[str, str]
    titles: frozenset[tuple[str, ...]]
    title_words: frozenset[str]  # every word of a title
    org_nouns: frozenset[str]
    document_nouns: frozenset[str]
    anonymous: frozenset[str]
    person_nouns: frozenset[str]
    female: frozenset[str]
    male: frozenset[str]
    female_names: frozenset[str]  # first names
    male_names: frozenset[str]
    first_names: frozenset[str]  # both
    organisation_words: frozenset[str]
    boundaries: frozenset[str]
    prepositions: frozenset[str]
    verbs: frozenset[str]
    adverbs: frozenset[str]
    stopwords: frozenset[str]
    times: frozenset[str]
    post_nominals: frozenset[str]  # as written: "MP", "QC"
    before_sentence: str  # what may stand between a sentence's start and its first word
    run: re.Pattern[str]
    he: tuple[re.Pattern[str], re.Pattern[str]]
    document: re.Pattern[str]


@cache
def _words() -> _Words:
    glue = "|".join(re.escape(g) for g in sorted(lexicon.words("name_glue"), key=len, reverse=True))
    capital = "[A-ZÀ-ÖØ-Þ]"
    rest = r"(?:\.(?=\s)|[\w&-]*(?:['’](?!s\b)\w[\w-]*)*)"
    word = capital + rest
    first = rf"{capital}(?<![\w'’-]{capital}){rest}"  # not inside a word
    return _Words(
        honorifics={f[0]: f[1] for f in lexicon.forms("honorifics")},
        pronouns={f[0]: f[1] for f in lexicon.forms("speaker_pronouns")},
        titles=frozenset(lexicon.forms("speaker_titles")),
        title_words=frozenset(x for title in lexicon.forms("speaker_titles") for x in title),
        org_nouns=lexicon.words("speaker_org_nouns"),
        document_nouns=lexicon.words("speaker_document_nouns"),
        anonymous=lexicon.words("anonymous_speakers"),
        person_nouns=lexicon.words("speaker_person_nouns"),
        female=lexicon.words("person_nouns_female"),
        male=lexicon.words("person_nouns_male"),
        female_names=lexicon.words("first_names_female"),
        male_names=lexicon.words("first_names_male"),
        first_names=lexicon.words("first_names_female") | lexicon.words("first_names_male"),
        organisation_words=lexicon.words("organisation_words")
        | lexicon.words("speaker_organisation_words"),
        boundaries=lexicon.words("speaker_boundaries"),
        prepositions=lexicon.words("speaker_prepositions"),
        verbs=lexicon.words("clause_words")
        | lexicon.words("quote_verbs")
        | lexicon.words("report_verbs"),
        adverbs=lexicon.words("speaker_adverbs"),
        stopwords=lexicon.word_list("stopwords_en.txt") | {"however", "together", "either"},
        # (Months are names too: "June Carter Cash".)
        times=frozenset(f for line in lexicon.forms("weekdays") for f in line)
        | lexicon.words("relative_days"),
        post_nominals=frozenset(lexicon.entries("post_nominals")),
        before_sentence=" " + quote_marks() + "'(",
        # A run of capitalised words joined by single spaces or name glue ("Bank of
        # England"); a possessive ends it ("Plaid Cymru's | Elfyn Llwyd").
        # (The capital comes before the look-behind, so the search skips ahead fast.)
        # ``more``: the words after the first, if any.
        run=re.compile(rf"{first}(?P<more>\s(?:(?:{glue})\s)*{word})*(?:['’]s\b|['’](?!\w))?"),
        # "he" and "she" (after an "s": its start is one before), and "He": each pattern
        # starts with its letters, which the search skips ahead to fast.
        he=(
            re.compile(r"he\b(?:(?<![\w']..)|(?<=[Ss]..)(?<![\w'][Ss]..))"),
            re.compile(r"He\b(?<![\w']..)"),
        ),
        document=re.compile(
            rf"\b(?:{lexicon.alternation('speaker_document_nouns')}|su(?:e|es|ed|ing))\b", re.I
        ),
    )


class Cast:
    """The named people and organisations of one article, and who a speaker is.

    Build once per article; call :meth:`resolve` for the speakers in reading order, since
    each resolved speaker is what a later "he" or "the firm" may mean.
    """

    def __init__(
        self, paragraphs: Sequence[str], quoted: Sequence[Sequence[tuple[int, int]]]
    ) -> None:
        w = _words()
        self._paragraphs = paragraphs
        self._quoted = quoted
        self._joined = "\n".join(paragraphs)
        #: Where each capitalised run (and where it ends) and each "he"/"she" is, in reading
        #: order; read later.
        self._run_at: list[Position] = []
        self._run_end: list[int] = []
        self._several: list[tuple[Position, int]] = []  # the runs of more than one word
        for n, text in enumerate(paragraphs):
            found = list(w.run.finditer(text))
            self._run_at += [(n, m.start()) for m in found]
            self._run_end += [m.end() for m in found]
            self._several += [((n, m.start()), m.end()) for m in found if m.start("more") >= 0]
        self._run_set = set(self._run_at)
        # (Pronouns are few, and "He" opening a sentence is a run already. They are looked
        # for in the whole article at once: a line break reads as a paragraph's edge.)
        self._salient_at: list[Position] = list(self._run_at)
        starts = list(accumulate((len(text) + 1 for text in paragraphs), initial=0))
        joined = self._joined
        for pattern in w.he:
            for m in pattern.finditer(joined):
                start = m.start() - (joined[m.start() - 1 : m.start()] in ("s", "S"))
                n = bisect.bisect_right(starts, start) - 1
                at = (n, start - starts[n])
                if at not in self._run_set:
                    bisect.insort(self._salient_at, at)
        self._read: dict[Position, _Mention | None] = {}
        self._speakers: dict[Position, _Entity] = {}
        self._pronoun_means: dict[Position, _Entity | None] = {}
        self._subject_means: dict[Position, _Entity | None] = {}
        self._entities: dict[str, _Entity] = {}
        self._full: dict[str, str] = {}
        self._counted: set[Position] = set()
        self._full_mention: dict[str, _Mention] = {}
        self._longest: dict[str, list[tuple[Position, str]]] | None = None
        self._by_start: dict[str, list[tuple[Position, str]]] | None = None
        self._weighed: dict[Position, _Traits] = {}
        self._subjects: dict[Position, bool] = {}
        self._named: dict[str, _Entity] = {}
        self._lower: dict[str, bool] = {}
        self._inside: dict[str, bool] = {}
        self._folds: dict[int, str] = {}
        self._nicknames: dict[str, str] | None = None
        #: Whom an office read before meant ("the chancellor"): the same person again.
        self._offices: dict[frozenset[str], _Entity] = {}
        #: The words being attributed while a speaker is resolved: (paragraph, start, end).
        self._said: tuple[int, int, int] | None = None

    # -- the public side -------------------------------------------------------------------
    def resolve(
        self, paragraph: int, start: int, end: int, words: tuple[int, int] | None = None
    ) -> Speaker:
        """Who the speaker written at ``paragraphs[paragraph][start:end]`` is; ``words``
        (a stretch of the same paragraph) are what they said: no one named in them is who
        "he" or "the minister" means ("Mr Blair has the same passion, he said")."""
        text = self._paragraphs[paragraph]
        written = text[start:end].strip()
        if written in self._named:
            # A name read before ("Mr Wolfson … Mr Wolfson also said"): the same entity.
            entity: _Entity | None = self._named[written]
            plain = head = ""
        else:
            self._said = (paragraph, *words) if words is not None else None
            try:
                entity, plain, head = self._resolve(text, (paragraph, start), start, end)
            finally:
                self._said = None
        if entity is None and plain and head:
            # Someone unnamed ("a UKIP spokesman"): kept, so that "the spokesman" finds them.
            employer = self._employer(plain, head, (paragraph, start))
            if employer is not None:
                # `Sky denied it. A spokesperson said: "…"`: the Sky spokesperson.
                plain = f"{employer.name} {plain}"
            entity = self._entities.get("~" + plain.casefold())
            if entity is None:
                w = _words()
                entity = _Entity(plain, named=False, roles={head}, gender=_gender({head}))
                if head in w.org_nouns:
                    entity.organisation = 1
                elif is_person_noun(head) or head in w.anonymous:
                    entity.person = 1
                self._entities["~" + plain.casefold()] = entity
        if entity is None:
            return Speaker(written, plain or written, False)
        if entity.named:
            entity.roles.update(_office_before_verb(text, end))
        self.remember((paragraph, end), entity)
        return Speaker(written, entity.name, entity.named)

    def _employer(self, plain: str, head: str, at: Position) -> _Entity | None:
        """The organisation an anonymous speaker written alone ("a spokesperson") speaks
        for: the one the sentence just before, in the same paragraph, is about."""
        if plain.casefold() != head or head not in _SPOKESPEOPLE:
            return None
        text = self._paragraphs[at[0]]
        before = text.rfind(". ", 0, at[1])
        if before < 0 or text[before + 2 : at[1]].strip(" " + quote_marks()).count(" ") > 1:
            return None  # ("A spokesperson said", "But a spokesman added")
        previous = text.rfind(". ", 0, before)  # where the sentence before starts
        start = previous + 2 if previous >= 0 else 0
        i = bisect.bisect_left(self._salient_at, at)
        for position in reversed(self._salient_at[max(0, i - _LOOK_BACK) : i]):
            if position < (at[0], start):
                break
            entity = self._salient(position)
            if entity is None or not entity.named:
                continue
            return entity if self._settled(entity).kind in ("organisation", "unknown") else None
        return None

    def repeat(self, speaker: Speaker, paragraph: int, at: int) -> None:
        """The same speaker again at ``at`` (a quotation with no attribution of its own)."""
        key = speaker.name.casefold() if speaker.named else "~" + speaker.name.casefold()
        entity = self._entities.get(key)
        if entity is not None:
            self.remember((paragraph, at), entity)

    def roles_of(self, speaker: Speaker) -> tuple[str, ...]:
        """The words the article describes ``speaker`` with ("culture", "secretary" for
        "Culture Secretary Tessa Jowell"; "boss" for "Arsenal boss Arsene Wenger"), sorted:
        from every mention read, so asked once the article's quotations are all resolved."""
        key = speaker.name.casefold() if speaker.named else "~" + speaker.name.casefold()
        entity = self._entities.get(key)
        if entity is None:
            return ()
        roles = set(self._settled(entity).roles)
        for role in list(roles):
            if full := self._defined(role.upper()):
                # "chairman of the MDA": of the Mobile Data Association, as the article says.
                roles.update(x.casefold() for x in full.split() if x.casefold() not in _GLUE)
        return tuple(sorted(roles))

    def remember(self, at: Position, entity: _Entity) -> None:
        """Make ``entity`` the salient one at ``at``."""
        if at not in self._speakers:
            bisect.insort(self._salient_at, at)
        self._speakers[at] = entity

    # -- resolving ---------------------------------------------------------------------------
    def _resolve(
        self, text: str, at: Position, start: int, end: int
    ) -> tuple[_Entity | None, str, str]:
        """(entity, plain words, head noun): the entity, or the words to keep as written."""
        w = _words()
        items = list(tokens(text, start, end))
        cut = next((n for n, t in enumerate(items) if n and t.group() in _QUANTIFIERS), 0)
        if cut:
            # "Following the announcement many analysts said": the speaker starts there.
            items = items[cut:]
            start = items[0].start()
        words = [t.group() for t in items]
        if not words:
            return None, "", ""
        first = words[0].casefold()
        if len(words) == 1 and first in w.pronouns:
            return self._pronoun(w.pronouns[first], at), "", ""
        if len(words) == 1 and first in _QUANTIFIERS:
            # "BBC News spoke to a number of analysts … most thought …": most of them.
            group = _GROUP_BEFORE.findall(text, max(0, start - _GROUP_LOOK_BACK), start)
            people = [g for g in group if is_person_noun(g.casefold()[:-1])]
            if people:
                return None, people[-1], people[-1].casefold()
        # The speaker proper is what comes before a preposition: "a spokesman for the firm".
        head_words: list[str] = []
        head_end = end
        for n, t in enumerate(items):
            lw = t.group().casefold()
            inside_name = (
                lw in _GLUE
                and items[n - 1].group()[:1].isupper()
                and n + 1 < len(items)
                and items[n + 1].group()[:1].isupper()
            )  # "Bank of England": not a preposition here
            if head_words and lw in w.prepositions and not inside_name:
                head_end = t.start()
                break
            head_words.append(lw.removesuffix("'s").removesuffix("’s").strip("'’"))
        demonym = len(words) == 2 and first in _ARTICLES and is_person_noun(words[1].casefold())
        # ("The Spaniard", "the Frenchman": capitalised, but a description, not a name.)
        named = None if demonym else self._name_ending(at[0], start, head_end)
        role_then_name = _ROLE_THEN_NAME.search(text, start, end) if head_end < end else None
        if (
            named is None
            and role_then_name is not None
            and role_then_name.group().split(" ", 1)[0] not in w.prepositions | _ARTICLES
        ):
            # "the minister for civil aviation Praful Patel": the name ends the words (not
            # "the remaining members of Korn": they are no Korn).
            named = self._name_ending(at[0], start, end)
        if named is not None:
            self._named[text[start:end].strip()] = named
            return named, "", ""
        plain = _ARTICLE.sub("", text[start:end].strip(" ,"))
        while plain.split(" ", 1)[0].casefold().rstrip(".") in w.honorifics and " " in plain:
            plain = plain.split(" ", 1)[1]  # titles dropped: "Mr Blair" → "Blair"
        described = {x for x in head_words if x not in _ARTICLES}
        if not described:
            return None, plain, ""
        head = head_words[-1]
        if head in w.document_nouns and len(items) >= 2 and items[-2].group()[:1].isupper():
            # "an FA statement", "the World Bank report": the body named writes it.
            owner_entity = self._name_ending(at[0], start, items[-2].end())
            if owner_entity is not None:
                return owner_entity, "", ""
        if first in ("a", "an"):
            return None, plain, head  # someone new
        definite = (
            first in ("the", "this", "that")
            or words[0][:1].isupper()
            or (words[0].endswith(("'s", "’s")))
            or text[max(0, start - 4) : start].casefold() == "our "  # the outlet's own
        )
        plural = head.endswith("s") and not head.endswith("ss")
        if head in w.document_nouns and len(words) <= 2:
            # "Her lawsuit said …": the document speaks for its owner (written with it, or
            # just before the words read as the speaker).
            before = text[max(0, start - 8) : start].split()
            owner = first if len(words) == 2 else (before[-1].casefold() if before else "")
            if owner in _OWNERS:
                return self._pronoun(_OWNERS[owner], at), "", ""
        if not definite or (plural and head not in w.org_nouns):
            return None, plain, head  # "reports", "Underground staff": as written
        found = self._described(described, head, at)
        if found is not None:
            return found, "", ""
        if head in w.document_nouns:
            found = self._author(at)  # "the report": the one named writing it before
            if found is not None:
                return found, "", ""
        if head in w.anonymous:
            return None, plain, head  # a spokesman not met before
        if head in w.org_nouns:
            found = self._nearest(at, _THING) or self._nearest(at, _ORGANISATION, fallback=True)
        elif is_person_noun(head) and frozenset(described) in self._offices:
            # "The chancellor said …" twice in one story: one chancellor, though someone
            # else was named in between ("Michael Fallon asked Mr Brown …").
            found = self._offices[frozenset(described)]  # (not "the shadow chancellor")
        elif is_person_noun(head):
            # Someone named ("the former teacher"), not another unnamed speaker ("the prime
            # minister" is not "the prime minister's official spokesman").
            found = self._nearest(at, _PERSON[:1], _gender(described), named=True, office=head)
            if found is not None and (head,) in w.titles:
                self._offices[frozenset(described)] = found
        return found, plain, head

    def _name_ending(self, paragraph: int, start: int, end: int) -> _Entity | None:
        """The entity of the name the speaker's words end with, if they end with one."""
        text = self._paragraphs[paragraph]
        last = len(text[:end].rstrip(" ,"))
        i = bisect.bisect_left(self._run_at, (paragraph, start))
        if i and self._run_at[i - 1][0] == paragraph and self._run_end[i - 1] > start:
            i -= 1  # the words start inside a run: "On Tuesday Sir Alan said"
        while i < len(self._run_at) and self._run_at[i] < (paragraph, end):
            # Only a run reaching the end of the words can be the name that ends them.
            if self._run_end[i] >= last - 1:
                # ("Mr Skeens of Brownsville": the run reaches the end, the name stops earlier.)
                m = self._mention(self._run_at[i])
                if m is not None and m.end <= last:
                    return self._entity(m)
            i += 1
        return None

    def _described(self, described: set[str], head: str, at: Position) -> _Entity | None:
        """The entity named or spoken before ``at`` whose roles (or, for an organisation, its
        own name) hold the description's head; of those sharing most words, the nearest."""
        best: tuple[int, Position] | None = None
        found: _Entity | _Mention | None = None
        j = bisect.bisect_left(self._salient_at, at)
        for position in self._salient_at[max(0, j - _LOOK_BACK) : j]:  # "a UKIP spokesman" said …
            entity = self._speakers.get(position)
            if entity is not None and not entity.named and head in entity.roles:
                key = (len(described & entity.roles), position)
                if best is None or key > best:
                    best, found = key, entity
        i = bisect.bisect_left(self._run_at, at)
        back = max(0, i - _LOOK_BACK)
        worded: dict[int, bool] = {}  # paragraphs with the word anywhere (most have none)
        for position, end in zip(self._run_at[back:i], self._run_end[back:i], strict=True):
            # Only a name with the word near it can be described by it: read no other.
            if position[0] not in worded:
                worded[position[0]] = head in self._folded(position[0])
            if not worded[position[0]]:
                continue
            paragraph = self._paragraphs[position[0]]
            stop = paragraph.find(",", end + 1, end + 90)
            if (
                head
                not in paragraph[
                    max(0, position[1] - 40) : stop if stop > 0 else end + 90
                ].casefold()
            ):
                continue
            m = self._mention(position)
            if m is None:
                continue
            traits = self._traits(m)
            roles = traits.roles
            if traits.organisation >= traits.person:
                roles = roles | {x.casefold() for x in m.name.split()}  # "the ministry"
            if head in roles:
                key = (len(described & roles), position)
                if best is None or key > best:
                    best, found = key, m
        return self._entity(found) if isinstance(found, _Mention) else found

    def _folded(self, paragraph: int) -> str:
        """A paragraph case-folded, once (folding goes letter by letter, so a stretch of it
        folded is a stretch of this)."""
        if paragraph not in self._folds:
            self._folds[paragraph] = self._paragraphs[paragraph].casefold()
        return self._folds[paragraph]

    def _pronoun(self, want: str, at: Position) -> _Entity | None:
        if want == "thing":
            return self._nearest(at, _THING, fallback=True)
        if want in ("male", "female"):
            return self._nearest(at, _PERSON, want, fallback=True)
        if want == "group":
            # "Analysts say … As a result, they say, …": the nearest speaker named by a plural.
            for entity in self._salient_before(at):
                if (
                    not entity.named
                    and entity.name.endswith("s")
                    and not entity.name.endswith("ss")
                ):
                    return entity
                if entity.named and self._settled(entity).kind == "organisation":
                    return entity
        return None

    def _nearest(
        self,
        at: Position,
        tiers: tuple[frozenset[str], ...],
        gender: str = "",
        fallback: bool = False,
        named: bool = False,
        office: str = "",
    ) -> _Entity | None:
        """The nearest salient entity before ``at`` of the first tier that has one; failing
        any, the nearest one named at all (outside quotations)."""
        searches = (
            (self._salient_before, self._named_before) if fallback else (self._salient_before,)
        )
        for candidates in searches:
            for kinds in tiers:
                for entity in candidates(at):
                    self._settled(entity)
                    if named and not entity.named:
                        continue
                    if office and (office,) in _words().titles and office not in entity.roles:
                        titled = {r for r in entity.roles if (r,) in _words().titles}
                        if titled:
                            continue  # "the prime minister" is not Home Secretary Charles Clarke
                    if entity.kind not in kinds or (gender and entity.gender not in ("", gender)):
                        continue
                    if gender and entity.named:
                        entity.gender = gender  # "she" said it: a later "he" is someone else
                    return entity
        return None

    def _salient_before(self, at: Position) -> Iterator[_Entity]:
        """Speakers and subjects of main clauses before ``at``, nearest first."""
        i = bisect.bisect_left(self._salient_at, at)
        said = self._said
        for position in reversed(self._salient_at[max(0, i - _LOOK_BACK) : i]):
            if said is not None and position[0] == said[0] and said[1] <= position[1] < said[2]:
                continue  # named in the words being attributed
            entity = self._salient(position)
            # An unnamed speaker of no known kind ("unions", "reports") stands for no "it".
            if entity is not None and (entity.named or entity.kind != "unknown"):
                yield entity

    def _named_before(self, at: Position) -> Iterator[_Entity]:
        i = bisect.bisect_left(self._run_at, at)
        for position in reversed(self._run_at[max(0, i - _LOOK_BACK) : i]):
            m = self._mention(position)
            if m is not None and not m.quoted:
                yield self._entity(m)

    def _salient(self, position: Position) -> _Entity | None:
        if position in self._speakers:
            return self._speakers[position]
        # What a name or a pronoun there stands for is settled once read (walks back from
        # later speakers pass it again).
        if position not in self._subject_means:
            self._subject_means[position] = self._subject_at(position)
        return self._subject_means[position]

    def _subject_at(self, position: Position) -> _Entity | None:
        """Whom the subject named or meant at ``position`` stands for, if it is one."""
        if position in self._run_set:
            if not _may_be_subject(self._paragraphs[position[0]], position[1]):
                return None  # too far into its clause to be its subject
            if self._in_quote(position):
                return None  # a quoted name is nobody's antecedent (read no further)
            m = self._mention(position)
            if m is not None:
                return self._entity(m) if self._subject(m) else None
        # "He denied …": whom a pronoun subject means, once, from what came before it.
        if position not in self._pronoun_means:
            self._pronoun_means[position] = None  # no loops through itself
            text = self._paragraphs[position[0]]
            word = text[position[1] : position[1] + 3].rstrip().casefold()
            end = position[1] + len(word)
            if (
                word in ("he", "she")
                and _is_subject(text, position[1], end)
                and not self._in_quote(position)
            ):
                self._pronoun_means[position] = self._pronoun(_words().pronouns[word], position)
        return self._pronoun_means[position]

    def _author(self, at: Position) -> _Entity | None:
        """Whoever filed or wrote "the complaint": the salient one of the nearest earlier
        sentence that speaks of a document or of suing."""
        cue = _words().document
        i = bisect.bisect_left(self._salient_at, at)
        for position in reversed(self._salient_at[max(0, i - _LOOK_BACK) : i]):
            text = self._paragraphs[position[0]]
            start = text.rfind(". ", 0, position[1]) + 1
            stop = text.find(". ", position[1])
            if cue.search(text, start, len(text) if stop < 0 else stop):
                entity = self._salient(position)
                if entity is not None and self._settled(entity).kind != "place":
                    return entity
        return None

    # -- names, read when needed ---------------------------------------------------------------
    def _in_quote(self, at: Position) -> bool:
        return any(s <= at[1] < e for s, e in self._quoted[at[0]])

    def _mention(self, at: Position) -> _Mention | None:
        if at not in self._read:
            i = bisect.bisect_left(self._run_at, at)
            self._read[at] = self._read_run(at, self._run_end[i])
        return self._read[at]

    def _entity(self, m: _Mention) -> _Entity:
        """The entity a name stands for: its fullest form in the article; what its mentions
        say of it is added when needed (:meth:`_settled`)."""
        full = self._fullest(m)
        entity = self._entities.get(full.casefold())
        if entity is None:
            entity = self._entities[full.casefold()] = _Entity(full, named=True)
            if full.split()[-1] in self._nicknamed():
                entity.person += 2  # only people have nicknames written inside their names
        # The fullest mention says most of what it is ("Arsenal boss Arsene Wenger").
        for mention in (m, self._full_mention.get(m.name)):
            if mention is not None and mention.at not in self._counted:
                self._counted.add(mention.at)
                entity.pending.append(mention)
        return entity

    def _settled(self, entity: _Entity) -> _Entity:
        """The entity with the evidence of all its mentions read so far added."""
        while entity.pending:
            traits = self._traits(entity.pending.pop())
            entity.person += traits.person
            entity.organisation += traits.organisation
            entity.place += traits.place
            entity.roles |= traits.roles
            entity.gender = entity.gender or traits.gender
        return entity

    def _traits(self, m: _Mention) -> _Traits:
        if m.at not in self._weighed:
            text = self._paragraphs[m.at[0]]
            evidence = _Evidence(
                m.own.person, m.own.organisation, m.own.place, m.own.gender, m.own.honorific,
                set(m.own.roles),
            )  # fmt: skip
            _weigh(text, m.at[1], m.end, m.name, evidence)
            self._weighed[m.at] = _Traits(
                evidence.person, evidence.organisation, evidence.place,
                evidence.gender or _gender(evidence.roles), frozenset(evidence.roles),
            )  # fmt: skip
        return self._weighed[m.at]

    def _subject(self, m: _Mention) -> bool:
        """Whether a mention is the subject of a main clause (kept apart from its traits:
        most names looked back over are no subject, and need not be weighed)."""
        if m.at not in self._subjects:
            text = self._paragraphs[m.at[0]]
            # A name that only modifies a noun after it ("Arsenal boss …") is no subject.
            self._subjects[m.at] = (
                not m.possessive
                and not _modifies(text, m.at[1], m.end)
                and _is_subject(text, m.at[1], m.end)
            )
        return self._subjects[m.at]

    def _fullest(self, m: _Mention) -> str:
        """The fullest name of the article a name stands for: "Pound" → "Dick Pound" (a
        person-like name ending with it), "Lib Dems" → "Liberal Democrats"."""
        if m.name in self._full:
            return self._full[m.name]
        self._full[m.name] = m.name  # while it is worked out
        if self._longest is None:
            self._index_names()
        assert self._longest is not None and self._by_start is not None
        best = m.name
        words = m.name.split()
        if len(words) == 1 and m.name[:1].isupper() and (full := self._defined(m.name)):
            self._full[m.name] = full
            return full
        # (A name read is part of its run's words: a run without the words is not read.)
        if m.own.honorific in ("sir", "dame") and len(words) == 1:
            # "Sir Alan" is Sir Alan Budd: a knight is named by his first name.
            for position, run in self._by_start.get(words[0].casefold()[:3], ()):
                if m.name + " " not in run:
                    continue
                other = self._mention(position)
                if other is not None and other.name.startswith(m.name + " ") and not other.quoted:
                    best = other.name if len(other.name) > len(best) else best
            self._full[m.name] = best
            return best
        for position, run in self._longest.get(words[-1].casefold(), ()):
            if " " + m.name not in run or _name_room(run) <= len(best):
                continue
            other = self._mention(position)
            if (
                other is None
                or len(other.name) <= len(best)
                or not other.name.endswith(" " + m.name)
            ):
                continue
            if other.quoted:
                continue  # a name inside a quotation ("Old Europe") stands for no speaker
            if "&" in other.name:
                continue  # "Matt Lucas & David Walliams": two people, neither's full name
            if not _organisation_like(other):
                best = other.name
                self._full_mention[m.name] = other
        if best == m.name:
            for position, run in self._by_start.get(words[0].casefold()[:3], ()):
                if _name_room(run) <= len(best):
                    continue
                other = self._mention(position)
                if other is None or len(other.name) <= len(best):
                    continue
                like_organisation = (
                    _organisation_like(m) or self._traits(m).organisation >= self._traits(m).person
                )
                if like_organisation and (
                    _shortens(m.name, other.name.split()) or self._first_word_of(m, other)
                ):
                    best = other.name
                    self._full_mention[m.name] = other
        if best == m.name and len(words) == 1 and m.name in self._nicknamed():
            best = self._nicknamed()[m.name]  # "Welch" of "Brian 'Head' Welch": Brian Welch
        self._full[m.name] = best
        return best

    def _defined(self, short: str) -> str:
        """The full name a short form stands for where the article defines it in brackets
        ("Deutsche Boerse (DB)"), else ""."""
        if not (
            2 <= len(short) <= 6
            and short.isalpha()
            and f"({short})" in self._joined  # (looked for first: a pattern per name is dear)
        ):
            return ""
        defined = re.search(
            r"((?:[A-Z][\w'’&-]*(?:\.(?=\S))? (?:(?:of|and|for|on|de|the) ){0,2}){1,6})\("
            + short
            + r"\)",
            self._joined,
        )
        if defined is None or (full := defined.group(1).strip()) == short:
            return ""
        return re.sub(r"['’]s$", "", re.sub(r"^(?:The|A|An)\s+", "", full))

    def _nicknamed(self) -> dict[str, str]:
        """The article's names written with a nickname inside ("Brian 'Head' Welch"), by
        their last word, without the nickname ("Brian Welch")."""
        if self._nicknames is None:
            self._nicknames = {}
            for _, _, name in nicknames(self._joined):
                self._nicknames[name.rsplit(" ", 1)[1]] = name
        return self._nicknames

    def _first_word_of(self, m: _Mention, other: _Mention) -> bool:
        """Whether a one-word name is the start of an organisation's longer one: "the Fed"
        of "the Federal Reserve", "the Bank" of "the Bank of England"."""
        words, longer = m.name.split(), other.name.split()
        if len(words) != 1 or len(words[0]) < 3 or len(longer) < 2 or other.quoted:
            return False
        traits = self._traits(other)
        return (
            longer[0].casefold().startswith(words[0].casefold())
            and traits.organisation > traits.person
        )

    def _index_names(self) -> None:
        """Runs of several words (where each is, and its words) by their last word and by the
        start of their first: where a fuller form of a name may be (read only when asked for)."""
        self._longest, self._by_start = {}, {}
        honorifics = _words().honorifics
        for position, end in self._several:
            run = self._paragraphs[position[0]][position[1] : end]
            words = run.split()
            while words and (
                words[0].casefold().rstrip(".") in honorifics or words[0] in ("The", "A", "An")
            ):
                words = words[1:]  # "Mr", and a sentence's first "The" ("The Federal Reserve")
            if len(words) > 2 and words[-1] in _words().post_nominals:
                words = words[:-1]  # "Andrew Tyrie MP" is found by "Tyrie"
            if len(words) > 1:
                last = words[-1].casefold().removesuffix("'s").removesuffix("’s").rstrip("'’")
                self._longest.setdefault(last, []).append((position, run))
                self._by_start.setdefault(words[0].casefold()[:3], []).append((position, run))
                # "Ambassador Stefan Johannesson of Iceland": the name is read up to "of"
                # (:meth:`_read_run`), so "Mr Johannesson" finds it by the word before it.
                cut = next((n for n, x in enumerate(words) if n >= 2 and x in _CUT_AT), 0)
                if cut:
                    self._longest.setdefault(words[cut - 1].casefold(), []).append((position, run))

    def _read_run(self, at: Position, stop: int) -> _Mention | None:
        """The name a capitalised run gives, with what the words around it say of it."""
        text = self._paragraphs[at[0]]
        run = list(tokens(text, at[1], stop))
        evidence = _Evidence()
        run = _honorifics(run, evidence)
        initial = not evidence.honorific and bool(run) and _sentence_initial(text, run[0].start())
        # A capitalised first word of a sentence is a name only if the article never writes
        # it in lower case ("Judges Simon Cowell …"), and, alone, only if it looks like one.
        while run and initial and self._written_lower(run[0].group()):
            run = _honorifics(run[1:], evidence)  # "But Mr Blair insisted"
            initial = False
        if initial and len(run) > 2 and is_person_noun(run[0].group().casefold()):
            evidence.roles.add(run[0].group().casefold())  # "Farmer Geoff Brooks"
            evidence.person += 2
            run = run[1:]
            initial = False
        # "On Tuesday Sir Alan said": a day or a month is no part of a name.
        while len(run) > 1 and run[0].group().casefold() in _words().times:
            run = _honorifics(run[1:], evidence)
            initial = False
        if not run or (initial and len(run) == 1 and not self._looks_named(text, run[0])):
            return None
        span = next(name_span(text, run, run[0].start() if initial else -1), None)
        if span is None:
            return None
        words = _honorifics([t for t in run if span.start <= t.start() < span.end], evidence)
        if span.kind == "organisation":
            evidence.organisation += 1
        elif span.kind == "place":
            evidence.place += 1
        post = None  # (read before titles: "Andrew Tyrie MP" would read as an office)
        if (
            len(words) >= 3
            and words[-1].group() in _words().post_nominals
            and words[0].group().casefold() in _words().first_names
        ):
            # "Andrew Tyrie MP": the letters after a person's name describe them ("the
            # Ealing North MP" and "Plaid Cymru MP" are offices).
            post = words[-1]
            evidence.roles.add(post.group().casefold())
            evidence.person += 2
            words = words[:-1]
        # Office titles describe: "NATO Secretary General Jens Stoltenberg" is Jens Stoltenberg.
        folded = [t.group().casefold().rstrip(".") for t in words]
        cut = _title_end(folded)
        if (
            cut == len(folded) >= 2
            and folded[-1] in _SURNAME_TITLES
            and not _title_end(folded[:-1])
        ):
            cut = 0  # "Mervyn King", "Julie Bishop": a surname, not an office
        rest = len(words) - cut
        if cut and rest == 0:
            return None  # only a title ("The NATO Secretary General"): a description
        if cut and (rest >= 2 or folded[cut - 1] != "general"):  # not "General Motors"
            evidence.roles.update(folded[:cut])
            evidence.person += 2
            words = _honorifics(words[cut:], evidence)
        elif len(words) >= 3:
            # "Treasurer Peter Costello", "US Attorney David Kelley": a first name after
            # words that describe (:meth:`_describes`) starts the person's name.
            first = _words().first_names
            starts = [n for n, t in enumerate(words) if t.group().casefold() in first]
            if (
                starts
                and starts[0]
                and len(words) - starts[0] >= 2
                and all(self._describes(t.group()) for t in words[: starts[0]])
            ):
                evidence.roles.update(folded[: starts[0]])
                evidence.person += 2
                words = words[starts[0] :]
        honorifics = _words().honorifics
        inner = [n for n, t in enumerate(words[:-1]) if t.group().casefold() in honorifics]
        if inner:
            # "Lib Dem Sir Archy Kirkwood": the name follows the honorific.
            evidence.roles.update(t.group().casefold() for t in words[: inner[-1]])
            words = _honorifics(words[inner[-1] :], evidence)
        for n, t in enumerate(words):
            # "Mr Skeens of Brownsville" is Mr Skeens, "Andreas Adriano of Latin Trade
            # Magazine" is Andreas Adriano ("Lord Roberts of Conwy", "Bank of England" stay).
            if t.group() in _CUT_AT and (
                (n and evidence.honorific in ("mr", "mrs", "ms", "miss", "dr", "mx")) or n >= 2
            ):
                words = words[:n]
                break
        if not words:
            return None
        start, end = words[0].start(), words[-1].end()
        name = text[start:end]
        possessive = text.startswith(("'s", "’s"), end)
        if name.endswith(("'s", "’s", "'", "’")):
            name = name[:-2] if name.endswith("s") else name[:-1]
            end = start + len(name)
            possessive = True
        if not name or not name[0].isupper():
            return None
        if post is not None and words[-1].end() == end:
            end = post.end()  # the name's clause goes on after the letters
        return _Mention((at[0], start), end, name, possessive, self._in_quote(at), evidence)

    def _describes(self, word: str) -> bool:
        """Whether a capitalised word before a person's name describes them rather than
        starting the name ("Treasurer", "US", "Speaker"; not "Jose" or "Iain")."""
        w, folded = _words(), word.casefold()
        return (
            word.isupper()
            or folded in w.title_words
            or folded in w.organisation_words
            or is_person_noun(folded)
            or self._written_lower(word)
        )

    def _written_lower(self, word: str) -> bool:
        """Whether the article writes ``word`` in lower case somewhere: a space before it, a
        space or a stop after it."""
        if word not in self._lower:
            joined, lower = self._joined, " " + word.casefold()
            found = False
            at = joined.find(lower)
            while at >= 0 and not found:  # (one scan of the article)
                stop = at + len(lower)
                found = joined[stop : stop + 1] in (" ", ",", ".", ";", ":")
                at = joined.find(lower, at + 1)
            self._lower[word] = found
        return self._lower[word]

    def _looks_named(self, text: str, word: re.Match[str]) -> bool:
        """Whether a lone capitalised word starting a sentence is a name: the article writes
        it capitalised inside a sentence too, it is written like one ("GlaxoSmithKline",
        "NATO"), or an apposition follows it ("Metrovias, the private firm …")."""
        name = word.group()
        if self._written_inside(name) or any(c.isupper() for c in name[1:]):
            return True
        if name.endswith("ly"):
            return False  # "Separately, …"
        return text.startswith(", who", word.end()) or bool(_apposition_roles(text, word.end()))

    def _written_inside(self, word: str) -> bool:
        """Whether the article writes ``word`` (capitalised) inside a sentence somewhere."""
        if word not in self._inside:
            joined = self._joined
            inner = False
            at = joined.find(" " + word)
            while at > 0 and not inner:
                after = joined[at + 1 + len(word) : at + 2 + len(word)]
                inner = joined[at - 1] not in ".!?:;\"“'‘(\n-–—•*" and not (
                    after.isalnum() or after == "-"
                )
                at = joined.find(" " + word, at + 1)
            self._inside[word] = inner
        return self._inside[word]


_THE_BEFORE = re.compile(r"\bthe\s+$", re.I)
_WHO_AFTER = re.compile(r",\s+(?:who|aged)\b|,\s+\d{1,2},")
_ITS_AFTER = re.compile(r"(?:\s+[a-z]\w*){0,2}?\s+its\b")
_HIS_AFTER = re.compile(r"(?:\s+[a-z]\w*){0,2}?\s+his\b")
# A stop or "but" (any case): "[.!?;:,]|\bbut\b" case-blind, written to start with one
# character of a set, which the search skips ahead to fast.
_CLAUSE_START = re.compile(r"[.!?;:,Bb](?:(?<=[.!?;:,])|(?<=[Bb])(?<!\w[Bb])[Uu][Tt]\b)")
_NEXT_WORD = re.compile(r" ([a-z][\w-]*)")
_ACTING = re.compile(r"\s+([a-z][\w'’-]*)")
_APPOSITION = re.compile(r",\s+([^,.;:!?()\"“”]{2,80})(?=[,.;:!?]|$)")
#: Words before a speaker kept as written that are no part of it ("*some* economists").
_ARTICLE = re.compile(r"^(?:the|a|an|one|some|many|several|most|other)\s+", re.I)


# -- reading the words around a name ---------------------------------------------------------
def _honorifics(run: list[re.Match[str]], evidence: _Evidence) -> list[re.Match[str]]:
    """The run without its leading honorifics ("Mr", "Dr"), which say it is a person."""
    honorifics = _words().honorifics
    while run and run[0].group().casefold().rstrip(".") in honorifics:
        evidence.honorific = run[0].group().casefold().rstrip(".")
        gender = honorifics[evidence.honorific]
        evidence.gender = evidence.gender or ("" if gender == "any" else gender)
        evidence.person += 2
        run = run[1:]
    return run


def _weigh(text: str, start: int, end: int, name: str, evidence: _Evidence) -> None:
    """Add what the name and the words around it say: organisation words, acronyms, "the"
    before it, a role noun before it ("firm Apple", "actor Jeremy Edwards"), ", who" or
    "its" after it, an apposition ("Metrovias, the private firm …")."""
    w = _words()
    name_words = name.split()
    if any(x.casefold() in w.organisation_words for x in name_words):
        evidence.organisation += 2
    if any(len(x) >= 2 and x.isupper() and x.isalpha() for x in name_words):
        evidence.organisation += 1
    if _THE_BEFORE.search(text, max(0, start - 5), start) and not evidence.person:
        evidence.organisation += 1.5
    for words, weight in ((_prefix_roles(text, start), 2.0), (_apposition_roles(text, end), 1.0)):
        if words:
            evidence.roles.update(words)
            if words[-1] in w.org_nouns:
                evidence.organisation += 2
            elif is_person_noun(words[-1]):
                evidence.person += weight
    after = text[end : end + 60]
    if _WHO_AFTER.match(after):
        evidence.person += 2
    elif _ITS_AFTER.match(after):
        evidence.organisation += 1  # "GlaxoSmithKline saw its profits fall"
    elif _HIS_AFTER.match(after):
        evidence.person += 1
        evidence.gender = evidence.gender or "male"
    if name.casefold() in lexicon.words("place_names"):
        evidence.place += 2  # "Leicester", "Wales": no "he" or "she"
    if name_words[0].casefold() in lexicon.words("number_words"):
        evidence.organisation += 1  # "Six Nations", "Three Degrees": a body, not a person
    elif len(name_words) >= 2:
        evidence.person += 0.5  # a first and a last name, unless something says otherwise
        first = name_words[0].casefold()
        if first in w.female_names or first in w.male_names:
            evidence.person += 1
            if not evidence.gender:
                # "Margaret Davidson" is no "he" (nor, once "he" is read as her, a man).
                evidence.gender = "female" if first in w.female_names else "male"


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 20) : start].rstrip(_words().before_sentence)
    return (not before and start < 20) or (bool(before) and before[-1] in ".!?:;-–—•*")


def _is_subject(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start`` is the subject of a main clause: it starts one, after
    at most a few words that describe it ("Computer firm Apple", "The RNID")."""
    w = _words()
    if text.startswith(("'s", "’s"), end) or text[end : end + 1] in ("'", "’"):
        return False  # "Stallone's ex-wife …": the possessor is not the subject
    window = text[max(0, start - 120) : start]
    cut, comma = 0, False
    for m in _CLAUSE_START.finditer(window):
        cut, comma = m.end(), m.group() == ","
    if start >= 120 and cut == 0:
        return False
    if comma and not _acts(text, end):
        return False  # "its shooter, Halo 2.": after a comma, a subject acts
    # (One word more than a prefix may have is enough to know it is too long.)
    prefix = [t.group() for t in islice(tokens(window, cut), _MAX_PREFIX + 1)]
    if len(prefix) > _MAX_PREFIX:
        return False
    for n, word in enumerate(prefix):
        lw = word.casefold()
        if lw in _ARTICLES and n == 0:
            continue
        # "… because Mr Flight had exposed …": not whom a following "he said" means.
        if lw in w.boundaries or lw in w.prepositions or lw in _ARTICLES:
            return False
        if word[:1].islower() and lw.endswith(("ed", "ing")) and len(lw) > 4:
            return False
    # What stands right before the name describes it: "Computer firm Apple", "Racing pundit
    # John McCririck" — not "fixes some IE".
    last = prefix[-1] if prefix else ""
    lw = last.casefold().removesuffix("'s")
    return (
        not last
        or last[:1].isupper()
        or lw in _ARTICLES
        or lw in w.org_nouns
        or (is_person_noun(lw))
    )


def _acts(text: str, end: int) -> bool:
    """Whether a verb (or an adverb before one) follows the name ending at ``end``."""
    w = _words()
    following = _ACTING.match(text[end : end + 30])
    if following is None:
        return False
    word = following.group(1)
    return word.endswith(("ed", "s", "ly")) or word in w.verbs or word in w.adverbs


def _may_be_subject(text: str, start: int) -> bool:
    """A quick look before :func:`_is_subject`: a clause starts at most a few words before."""
    window = text[max(0, start - 60) : start]
    cut = max(
        window.rfind("."), window.rfind("!"), window.rfind("?"),
        window.rfind(";"), window.rfind(":"), window.rfind(","),
    )  # fmt: skip
    if cut < 0 and start > 60:
        return False
    return len(window[cut + 1 :].split()) <= _MAX_PREFIX


def _modifies(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start:end`` describes a noun after it rather than acting:
    "Arsenal boss Arsene Wenger" (a role noun follows), "the MacWorld conference" ("the"
    before it, a noun after) — not "Apple said", "Mr Blunkett quit", "Ajax also …"."""
    w = _words()
    following = _NEXT_WORD.match(text, end)
    if following is None:
        return False
    word = following.group(1)
    if word in w.org_nouns or is_person_noun(word):
        return True
    if not _THE_BEFORE.search(text, max(0, start - 5), start):
        return False
    return not (
        word.endswith(("ed", "s", "ly"))
        or word in w.verbs
        or word in w.boundaries
        or word in w.prepositions
        or word in w.adverbs
    )


def _title_end(folded: list[str]) -> int:
    """How many leading words of a capitalised run are an office title (0: none); words
    before a title belong to it ("NATO Secretary General")."""
    w = _words()
    if w.title_words.isdisjoint(folded):
        return 0  # (most names)
    end = n = 0
    while n < len(folded):
        if n + 1 < len(folded) and tuple(folded[n : n + 2]) in w.titles:
            n += 2
            end = n
        elif (folded[n],) in w.titles:
            n += 1
            end = n
        else:
            n += 1
            if n - end > 2:
                break
    return end


def _prefix_roles(text: str, start: int) -> list[str]:
    """Words just before a name that describe it: "accountant", "Arsenal boss"."""
    w = _words()
    window = text[max(0, start - 80) : start]
    if not window.endswith(" "):
        return []
    found: list[str] = []
    last_written = ""
    position = len(window)
    comma = False
    tokens_before = list(tokens(window))
    for n in range(len(tokens_before) - 1, -1, -1):
        t = tokens_before[n]
        gap = window[t.end() : position].strip()
        if gap == "," and not found and t.group()[:1].islower():
            comma = True  # "The Scottish Conservative Party leader, David McLetchie, …"
        elif gap:
            break
        word = t.group()
        lw = word.casefold()
        if not found and lw.rstrip(".") in w.honorifics:
            position = t.start()  # "London mayor Mr Livingstone": past the honorific
            continue
        office_of = (
            lw == "of"
            and found
            and n > 0
            and is_person_noun(tokens_before[n - 1].group().casefold())
        )  # "director of rugby Philippe Saint-Andre", "head of research Ian Harris"
        if not office_of and (
            lw in _ARTICLES or lw in w.boundaries or lw in w.prepositions or lw in w.verbs
        ):
            break
        if word[:1].islower() and lw.endswith(("ed", "ing")) and len(lw) > 4:
            break
        found.insert(0, lw.removesuffix("'s").removesuffix("’s").strip("'’"))
        position = t.start()
        last_written = last_written or word
        if len(found) >= _MAX_PREFIX:
            break
    # The word right before the name must describe it: "accountant", "boss", "Minister";
    # before a comma, a word for a person ("leader", not "Last year, Smith …").
    if comma:
        # (The office's head noun: "controller" of "ITV's controller of entertainment, …".)
        head = found[found.index("of") - 1] if "of" in found[1:] else found[-1] if found else ""
        return found if head and is_person_noun(head) else []
    if found and (last_written[:1].islower() or (found[-1],) in w.titles):
        return found
    return []


def _apposition_roles(text: str, end: int) -> list[str]:
    """The head words of an apposition after a name: ", NATO's secretary general," → those;
    ", the private firm which runs …," → "private firm"; the employer's words before the
    office's (", chairman of the MDA" → "mda", "chairman"). Not a list, nor a clause."""
    w = _words()
    m = _APPOSITION.match(text, end)
    if m is None:
        return []
    words = [t.group() for t in islice(tokens(m.group(1)), _MAX_APPOSITION)]
    if not words or any(x.casefold() in w.verbs for x in words):
        return []
    first = words[0].casefold()
    # ", UK Online general manager": the employer's name, then the office.
    office = (
        words[0][:1].isupper() and words[-1][:1].islower() and is_person_noun(words[-1].casefold())
    )
    if not (
        first in _ARTICLES or words[0].endswith(("'s", "’s")) or is_person_noun(first) or office
    ):
        return []
    out: list[str] = []
    employer: list[str] | None = None
    for word in words:
        lw = word.casefold()
        if lw in _CUT_AT and out and employer is None and is_person_noun(out[-1]):
            # ", the news editor of trade magazine Screen International": where they work
            # describes them too ("the chairman of the MDA", "a spokesman for Union …").
            employer = []
            continue
        if lw in w.prepositions or lw in w.boundaries:
            break
        if lw not in _ARTICLES:
            (out if employer is None else employer).append(lw.removesuffix("'s").removesuffix("’s"))
    # (The employer first: the last word is the head, which says what the name is.)
    return (employer or []) + out


#: ", Plaid Cymru health spokesman said": an office between a speaker's name and the verb.
_OFFICE_BEFORE_VERB = re.compile(r",\s+((?:[\w'’&-]+\s+){1,6}?)(?:said|says|told|tells|added)\b")


_RELATIVES = frozenset({"who", "whose", "which", "that", "where"})
#: Words between an office's words that describe no one: "editor *at* Mac Format".
_OFFICE_GLUE = _GLUE | frozenset({"and", "at", "for", "in", "with", "&", "on"})
#: `said Tim Ellsmore, managing director of 3ami.`: an office after an attribution's name.
_OFFICE_AT_END = re.compile(r",\s+((?:[\w'’&-]+\s+){0,9}?[\w'’&-]+)\s*(?:[.!?]|$)")


def _office_before_verb(text: str, end: int) -> list[str]:
    """The words of the office written after a speaker's name and before the verb ("Rhodri
    Glyn Thomas, Plaid Cymru health spokesman said"), or after the name to the sentence's
    end (`said Tim Ellsmore, managing director of 3ami.`), case-folded, as roles."""
    m = _OFFICE_BEFORE_VERB.match(text, end)
    if m is not None:
        words = m.group(1).split()
        if not (words[-1][:1].islower() and is_person_noun(words[-1].casefold())):
            return []
    elif (m := _OFFICE_AT_END.match(text, end)) is not None:
        words = m.group(1).split()
        # The office's noun among its first words ("technical and reviews editor at …").
        head = next((n for n, x in enumerate(words[:5]) if is_person_noun(x.casefold())), None)
        if (
            head is None
            or not words[head][:1].islower()
            or any(x.casefold() in _words().verbs for x in words[head:])
            or any(x.casefold() in _RELATIVES for x in words)
        ):
            return []  # (not `…, said Smith, adding that …`, nor `…, who hopes to …`)
    else:
        return []
    folded = (w.casefold().removesuffix("'s").removesuffix("’s") for w in words)
    return [w for w in folded if w not in _ARTICLES and w not in _OFFICE_GLUE]


def is_person_noun(word: str) -> bool:
    """Whether a lower-case noun names a person: "actor", "teacher", "spokesman", "35-year-old"."""
    w = _words()
    if word in w.org_nouns or word in w.document_nouns:
        return False
    return (
        word in w.person_nouns
        or word in w.female
        or word in w.male
        or (word,) in w.titles
        or (
            word.endswith(("er", "or", "ist", "ian", "man", "woman", "year-old"))
            and word not in w.adverbs
            and word not in w.stopwords
        )
    )


def _gender(words: set[str]) -> str:
    w = _words()
    female, male = bool(words & w.female), bool(words & w.male)
    return "female" if female and not male else "male" if male and not female else ""


def _organisation_like(m: _Mention) -> bool:
    """Whether a name's own words make it an organisation's ("Vodafone Group", "BBC News")."""
    w = _words()
    words = m.name.split()
    return m.own.organisation > m.own.person or any(
        x.casefold() in w.organisation_words or (len(x) >= 2 and x.isupper()) for x in words
    )


def _name_room(run: str) -> int:
    """How long the name read from a run of capitalised words can be, at most (a possessive
    ending is no part of it)."""
    if run.endswith(("'s", "’s")):
        return len(run) - 2
    return len(run) - 1 if run.endswith(("'", "’")) else len(run)


def _shortens(short: str, words: list[str]) -> bool:
    """Whether ``short`` is a short form of the name of ``words``: "Lib Dems" of "Liberal
    Democrats", "Glaxo" of "GlaxoSmithKline" (each word the start of the other's)."""
    a = short.casefold().split()
    b = [x.casefold().removesuffix("'s").removesuffix("’s") for x in words]
    if len(a) != len(b) or a == b:
        return False
    return all(
        len(x.rstrip("s")) >= 3 and y.startswith(x.rstrip("s")) for x, y in zip(a, b, strict=True)
    )
