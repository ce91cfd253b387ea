"""The package's shape: dependencies point one way, with no import circles.

The graph is read from the source (module-level imports; those under ``TYPE_CHECKING`` or
inside functions are deliberate lazy ones and are left out), so a circle is caught when it
is written, not when an unlucky import order first trips over it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qabot

PACKAGE = Path(qabot.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """qabot modules imported at module level (not under TYPE_CHECKING, not in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If):
                test = node.test
                name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
                if name != "TYPE_CHECKING":
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("qabot"))
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "qabot":
                    found.update(f"qabot.{a.name}" for a in node.names)
                elif node.module.startswith("qabot"):
                    found.add(node.module)

    visit(tree.body)
    return found


def _graph() -> dict[str, set[str]]:
    """Module → the qabot modules its import runs (their packages' ``__init__`` included)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        own = _packages(name)  # already importing when ``name`` runs: never re-entered
        edges = set()
        for target in _top_level_imports(path):
            # "from qabot import lexicon" names a module; "from qabot import QABot" a value.
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            edges.update(t for t in (target, *_packages(target)) if t in modules)
        graph[name] = edges - own - {name}
    return graph


def _packages(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts))}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)) is not None:
            return found
    return None


def test_no_module_of_qabot_imports_itself_in_a_circle() -> None:
    graph = _graph()
    assert "qabot.answering.spans" in graph  # the graph was read
    assert _cycle(graph) is None


def test_the_circle_finder_finds_circles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_answering_package_reads_text_without_the_index() -> None:
    # The indexer may read text with the span rules: answering must not need the index
    # (``qabot/__init__`` imports everything for users; the package's own modules do not).
    graph = _graph()
    for module in ("qabot.answering", "qabot.query"):
        reached = _reachable(graph, module) - {"qabot"}
        assert not {m for m in reached if m.startswith("qabot.index")}, module


def test_lexicon_is_at_the_bottom() -> None:
    assert _graph()["qabot.lexicon"] == set()
