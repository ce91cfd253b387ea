"""The analyzer: tokens, normalization, stopwords, stems, sentences; no nltk data needed."""

from __future__ import annotations

import random
import re
import subprocess
import sys

from qabot.analysis import Analyzer, _prefixed_words
from qabot.config import AnalyzerSettings

STOLTENBERG_QUOTE = (
    '"Some months later, (Russians-ed.) went into eastern Donbas, agreed a ceasefire — the '
    "Minsk 1 — violated that, moved ... even further west, agreed Minsk 2, waited for seven "
    'years, and then launched a full-scale attack, and took even more. We cannot have Minsk 3," '
    "Stoltenberg concluded."
)


def test_numbers_are_kept_whole_and_distinct() -> None:
    a = Analyzer()
    assert a.terms("Minsk 3") == ["minsk", "3"]
    assert a.terms("Minsk 3") != a.terms("Minsk 2")
    assert a.terms("1,500 troops and 3.5 percent at 10:30") == [
        "1500", "troop", "3.5", "percent", "10:30",
    ]  # fmt: skip


def test_case_folding_and_unicode_normalization() -> None:
    a = Analyzer()
    assert a.terms("NATO") == a.terms("nato")
    # NFKC: the ligature and full-width letters fold to plain ones.
    assert a.terms("ﬁnance") == a.terms("finance")
    assert a.terms("ＮＡＴＯ") == a.terms("NATO")
    assert a.terms("CAFÉ") == a.terms("café")


def test_stopwords_dropped_and_stems_shared() -> None:
    a = Analyzer()
    assert a.terms("What did they say about the negotiations?") == ["say", "negoti"]
    assert a.terms("negotiating") == a.terms("negotiation")
    assert Analyzer(AnalyzerSettings(stopwords=False)).terms("the talks") == ["the", "talk"]
    assert Analyzer(AnalyzerSettings(stemmer="porter")).terms("negotiations") == ["negoti"]
    assert Analyzer(AnalyzerSettings(stemmer="none")).terms("negotiations") == ["negotiations"]


def test_acronyms_keep_their_dots() -> None:
    a = Analyzer()
    assert a.terms("the U.S. army") == ["u.s", "armi"]


def test_token_spans_point_into_the_text() -> None:
    text = "Putin's proposal, NATO-led"
    tokens = Analyzer().tokens(text)
    assert [text[t.start : t.end] for t in tokens] == ["Putin", "s", "proposal", "NATO", "led"]
    assert [t.term for t in tokens] == ["putin", None, "propos", "nato", "led"]


def test_sentences_split_only_after_more() -> None:
    sentences = Analyzer().sentences(STOLTENBERG_QUOTE)
    assert len(sentences) == 2
    assert sentences[0].endswith("took even more.")
    assert sentences[1] == 'We cannot have Minsk 3," Stoltenberg concluded.'


def test_news_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Gen. Smith met Mr. Jones in the U.S. capital at 3 p.m. on Friday. They talked for an hour."
    )
    assert Analyzer().sentences(text) == [
        "Gen. Smith met Mr. Jones in the U.S. capital at 3 p.m. on Friday.",
        "They talked for an hour.",
    ]


def test_fingerprint_names_the_settings() -> None:
    fp = Analyzer().fingerprint()
    assert fp["stemmer"] == "snowball" and fp["stopwords"] is True
    assert fp != Analyzer(AnalyzerSettings(stemmer="porter")).fingerprint()


def test_works_without_any_nltk_data_and_never_downloads(tmp_path: object) -> None:
    # A fresh interpreter where nltk finds no data at all and downloading raises.
    code = (
        "import nltk, sys\n"
        "nltk.data.path[:] = []\n"
        "def refuse(*a, **k): raise SystemExit('nltk.download was called')\n"
        "nltk.download = refuse\n"
        "import nltk.downloader; nltk.downloader.download = refuse\n"
        "from qabot.analysis import Analyzer\n"
        "a = Analyzer()\n"
        "print(a.terms('Stoltenberg said: We cannot have Minsk 3.'))\n"
        "print(len(a.sentences('One sentence. Another one.')))\n"
    )
    env = {"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.splitlines() == ["['stoltenberg', 'said', 'cannot', 'minsk', '3']", "2"]


def test_find_gives_the_matching_tokens() -> None:
    a = Analyzer()
    text = "Minsk 3, the Minsk talks; NATO-led minsk, happily axing $280bn. He won't; U.S. won"
    for wanted in (
        {"minsk", "nato"}, {"happili", "axe"}, {"bn", "won"}, {"u.s.", "minsk"}, {"3", "talk"},
    ):  # fmt: skip
        assert a.find(text, wanted) == [t for t in a.tokens(text) if t.term in wanted], wanted
    assert [text[t.start : t.end] for t in a.find(text, {"minsk", "nato"})] == [
        "Minsk", "Minsk", "NATO", "minsk",
    ]  # fmt: skip
    assert a.find(text, set()) == []


def test_find_places_words_as_the_prefix_pattern_would() -> None:
    # The prefixes are found without compiling a pattern per question; the words found
    # must be the pattern's matches, case-insensitive as re.IGNORECASE is: mid-word
    # places (express), words after a digit, underscore or period, overlapping prefixes
    # (aa in aaa), the Kelvin sign, and the three letters lower() treats otherwise.
    def pattern(prefixes: tuple[str, ...]) -> list[tuple[int, int]]:
        alternatives = "|".join(sorted(prefixes, key=lambda p: (-len(p), p)))
        finder = re.compile(rf"(?<![^\W\d_]|\.)(?:{alternatives})\w*", re.IGNORECASE)
        return [m.span() for m in finder.finditer(text)]

    texts = [
        "The President expressed presidency; pres_ident, abc_pres 3pres x.pres (pres)",
        "aaa aa a AAA Aa ka \u212aa KA Sa \u017fa s\u00e9 ia \u0130a \u0131a \u00c9a",
        "Minsk 3, the Minsk talks; NATO-led minsk, happily axing $280bn. He won't",
    ]
    rng = random.Random(7)
    for letters in ("aAkKsSiI\u212a\u00e9 ._-3'’", "aAkKsSiI\u212a\u017f\u0130\u0131 ._3"):
        texts += ["".join(rng.choice(letters) for _ in range(80)) for _ in range(300)]
    for text in texts:
        for prefixes in [("ab", "pres"), ("a", "aa"), ("ia", "ka", "sa"), ("k", "s"), ("minsk",)]:
            assert _prefixed_words(text, prefixes) == pattern(prefixes), (text, prefixes)


def test_stopwords_do_not_eat_content_words() -> None:
    a = Analyzer()
    # "won" is a verb of its own; only the negation "won't" is a function word.
    assert a.terms("Who won the award?") == ["won", "award"]
    assert a.terms("He won't go and they don’t care, it can't last") == ["go", "care", "last"]
    # A capitalised name is not the modal verb, an acronym is not the pronoun.
    assert a.terms("Will Smith will act") == ["will", "smith", "act"]
    assert a.terms("WHO officials") == ["who", "offici"]
    assert a.terms("Theresa May said") == ["theresa", "may", "said"]


def test_sentences_are_punkts_own() -> None:
    # The splitter answers Punkt's commonest question itself; it must split as Punkt does.
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    from qabot import lexicon

    params = PunktParameters()
    params.abbrev_types = set(lexicon.word_list("abbreviations_en.txt"))
    punkt = PunktSentenceTokenizer(params)
    words = [
        "said.", "Mr.", "U.S.", "Jan.", "3.", "1,500.", "J.", "e.g.", "etc.", "St.", "well...",
        'said."', "said.”", "said.'", "said.)", "years.!", "No.", "it.\n\nThen", "co-op.",
        "Ltd.", "minister.", "(he", "“We", '"We', "the", "The", "5", "Ukraine", "?", "!",
        "x.", "ok.", "NATO.", "Minsk.", "café.", "p.m.", "--", "a", "he", "And",
        "2005.", "9-9.", "£5m.", "5%.", "$5.", "ex-Gov.", "Gov.", "x-ray.", "a-b.", "-5.",
        "why?", 'why?"', "no!", '"said".', "(2005).", "(he).", "£.", "5.5.", "3,", "(The",
    ]  # fmt: skip
    state = 7
    for _ in range(1000):
        chosen = []
        for _ in range(14):
            state = (state * 1_103_515_245 + 12_345) % 2**31  # a fixed stream: no flakes
            chosen.append(words[state % len(words)])
        text = " ".join(chosen)
        assert Analyzer().sentence_spans(text) == list(punkt.span_tokenize(text)), text
