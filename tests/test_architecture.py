"""The package's layers: each package imports only the ones below it, and no module imports itself round about."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fupin_cli"

# Bottom to top, along the data's path; a package may import only packages before it (and itself).
LAYERS = ("model", "store", "forms", "intake", "count", "relay", "reach", "render", "cli")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """fupin_cli.intake.ingest for src/fupin_cli/intake/ingest.py."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = PACKAGE) -> set[str]:
    """The fupin_cli modules a file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("fupin_cli"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("fupin_cli"):
            module = node.module or ""
            found.add(module)
            # `from fupin_cli.store import archive` imports a module, not a name
            for a in node.names:
                candidate = root.parent / Path(*module.split("."), a.name)
                if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
                    found.add(f"{module}.{a.name}")
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the fupin_cli modules it imports (package __init__ files included)."""
    graph = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        graph[name] = imports_of(path, root) - {name}  # a package's __init__ naming its own submodules
    return graph


def layer_of(module: str) -> str | None:
    """The layer (sub-package) a module belongs to; None for fupin_cli itself and __main__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a package imports one above it, or anything imports the package root."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    found = []
    for module, targets in graph.items():
        mine = layer_of(module)
        for target in targets:
            theirs = layer_of(target)
            if mine is None or target == "fupin_cli":
                continue  # the package root and __main__ may import anything; __version__ comes from the root
            if theirs is None or rank[theirs] > rank[mine]:
                found.append((module, target))
    return sorted(found)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among the modules, as a list of names, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_module_lies_in_a_layer() -> None:
    """Nothing lies flat beside the packages but the package root and __main__."""
    loose = [m for m in import_graph() if layer_of(m) is None and m not in ("fupin_cli", "fupin_cli.__main__")]
    assert loose == []


def test_no_package_imports_upwards() -> None:
    assert upward_imports(import_graph()) == []


def test_no_import_cycles() -> None:
    assert find_cycle(import_graph()) is None


def test_model_imports_no_other_fupin_package() -> None:
    graph = import_graph()
    outside = {(m, t) for m, targets in graph.items() if layer_of(m) == "model"
               for t in targets if layer_of(t) != "model"}
    assert outside == set()


@pytest.fixture
def fake_package(tmp_path: Path) -> Path:
    """A copy of the package's shape with two modules to make mistakes in."""
    root = tmp_path / "fupin_cli"
    for layer in ("model", "count"):
        (root / layer).mkdir(parents=True)
        (root / layer / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "model" / "a.py").write_text("from fupin_cli.model import b\n")
    (root / "model" / "b.py").write_text("X = 1\n")
    (root / "count" / "c.py").write_text("from fupin_cli.model.a import X\n")
    return root


def test_the_checks_catch_an_upward_import_and_a_cycle(fake_package: Path) -> None:
    """The checks above can fail: an upward import and a cycle planted in a copy are found."""
    assert upward_imports(import_graph(fake_package)) == []
    assert find_cycle(import_graph(fake_package)) is None
    (fake_package / "model" / "b.py").write_text("def f():\n    from fupin_cli.count.c import X\n")
    graph = import_graph(fake_package)
    assert upward_imports(graph) == [("fupin_cli.model.b", "fupin_cli.count.c")]
    assert find_cycle(graph) == ["fupin_cli.count.c", "fupin_cli.model.a", "fupin_cli.model.b", "fupin_cli.count.c"]
