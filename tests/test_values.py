"""Values: the JSON form of an answer; values and their renderer import nothing heavy."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from types import ModuleType

from qabot.values import Answer, Article, Hit


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
    import qabot.render
    import qabot.values

    qabot_modules = {n for n in top_level_imports(qabot.values) if n.startswith("qabot")}
    assert qabot_modules == set()
    assert {n for n in top_level_imports(qabot.render) if n.startswith("qabot")} == {"qabot.values"}
    for module in (qabot.values, qabot.render):
        for name in top_level_imports(module):
            assert name.startswith("qabot") or name.split(".")[0] in sys.stdlib_module_names
