"""Values: the JSON form of an answer; values and their renderer import nothing heavy."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from types import ModuleType

from qabot.values import Answer, Article, Hit, IndexStats, Problem, ReindexReport


def test_answer_to_dict_has_everything_a_json_reader_needs() -> None:
    article = Article(
        "a.txt", "Minsk", Path("corpus/a.txt"), date="2024-07-01", url="https://e.org"
    )
    hit = Hit(article, 2, (3, 4), "We cannot have Minsk 3.", 1.5, 1, ((15, 20),))
    answer = Answer(
        "What can NATO not have?",
        "We cannot have Minsk 3.",
        (hit,),
        terms=("nato",),
        confidence=0.61234,
        source=0,
        unsure=True,
        short="Minsk 3",
        short_span=(15, 22),
    )
    data = json.loads(json.dumps(answer.to_dict()))
    assert data == {
        "question": "What can NATO not have?",
        "text": "We cannot have Minsk 3.",
        "short": "Minsk 3",
        "short_span": [15, 22],
        "found": True,
        "unsure": True,
        "confidence": 0.6123,
        "reason": "",
        "source": 0,
        "date": "2024-07-01",
        "terms": ["nato"],
        "passages": [
            {
                "rank": 1,
                "score": 1.5,
                "citation": "Minsk, ¶4–5, 2024-07-01, https://e.org",
                "position": 2,
                "paragraphs": [3, 4],
                "text": "We cannot have Minsk 3.",
                "highlights": [[15, 20]],
                "article": {
                    "id": "a.txt",
                    "title": "Minsk",
                    "path": "corpus/a.txt",
                    "date": "2024-07-01",
                    "url": "https://e.org",
                    "source": None,
                },
            }
        ],
    }
    unknown = Answer("q", "", (), reason="No article mentions: q.").to_dict()
    assert unknown["found"] is False and unknown["short_span"] is None
    assert unknown["reason"] == "No article mentions: q." and unknown["passages"] == []
    assert unknown["date"] is None


def top_level_imports(module: ModuleType) -> set[str]:
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:  # module level only: imports inside functions are lazy
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_values_and_render_stay_at_the_bottom_of_the_layering() -> None:
    import qabot.dates
    import qabot.lexicon
    import qabot.render
    import qabot.values

    for bottom in (qabot.values, qabot.lexicon):
        assert {n for n in top_level_imports(bottom) if n.startswith("qabot")} == set()
    # Dates read their month names from the word lists, which sit at the very bottom.
    assert {n for n in top_level_imports(qabot.dates) if n.startswith("qabot")} == {"qabot.lexicon"}
    # Render reads a word list too (the verbs that contest what they report).
    assert {n for n in top_level_imports(qabot.render) if n.startswith("qabot")} == {
        "qabot.values",
        "qabot.dates",
        "qabot.lexicon",
    }
    for module in (qabot.values, qabot.lexicon, qabot.dates, qabot.render):
        for name in top_level_imports(module):
            assert name.startswith("qabot") or name.split(".")[0] in sys.stdlib_module_names


def test_reprs_are_short_and_say_when_they_cut() -> None:
    long = Article(
        "a.txt", "Stoltenberg on peace talks with Russia: We cannot have Minsk 3", Path()
    )
    assert repr(long) == "Article('a.txt', 'Stoltenberg on peace talks with Russia:…')"
    assert repr(Article("b.txt", "Short title", Path())) == "Article('b.txt', 'Short title')"


def test_paragraphs_are_indexes_and_the_label_counts_from_1() -> None:
    article = Article("a.txt", "T", Path())
    seventh = Hit(article, 3, (6, 6), "text", 1.0, 1)
    assert seventh.paragraphs == (6, 6) and seventh.paragraph_label == "¶7"
    assert seventh.citation == "T, ¶7"
    assert Hit(article, 0, (2, 3), "text", 1.0, 1).paragraph_label == "¶3–4"


def test_skipped_files_are_counted_once_whatever_their_problems() -> None:
    feed, other = Path("c/feed.jsonl"), Path("c/x.json")
    problems = (Problem(feed, "line 1: bad"), Problem(feed, "line 2: bad"), Problem(other, "bad"))
    report = ReindexReport(added=("a",), problems=problems)
    assert report.skipped_files == 2 and str(report).endswith(", 2 skipped")
    stats = IndexStats(1, 1, 1, 0, None, Path("c"), Path("i"), problems)
    assert stats.skipped_files == 2


def test_stats_read_well_at_any_size() -> None:
    def stats(articles: int, size: int) -> IndexStats:
        return IndexStats(articles, articles * 6, 150, size, None, Path("c"), Path("i"), ())

    assert str(stats(1, 53_248)).startswith("1 article, 6 passages, 150 distinct terms, 52 KiB")
    assert stats(2, 900).size_text == "900 bytes"
    assert stats(2, 15_099_494).size_text == "14.4 MiB"
    assert stats(2, 3 * 1024**3).size_text == "3.0 GiB"
