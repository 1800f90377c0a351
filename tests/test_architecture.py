"""The package's shape, read from its imports with the stdlib ``ast``: no import cycles, layers respected.

Every import statement counts, wherever it is (module level, inside a
function, under ``if TYPE_CHECKING:``): a lazy import hides a cycle from the
interpreter, not from a reader. Relative imports are resolved; importing a
package counts as importing its ``__init__``; ``from pkg import name`` counts
as importing ``pkg.name`` when that is a module, else ``pkg``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "blaslint"
MAX_RULE_MODULE_LINES = 400


def module_name(path: Path, root: Path = PACKAGE_DIR) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE_DIR) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The blaslint modules ``name`` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = []
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                targets.append(sub if sub in known else module)
        else:
            continue
        for target in targets:
            # `import blaslint.core.rule` names a module; `import x.y.z` of a non-module attribute falls back
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph(root: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (iterative DFS, deterministic order)."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(graph, WHITE)
    for start in sorted(graph):
        if color[start] != WHITE:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        color[start] = GREY
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                color[node] = BLACK
                stack.pop()
                path.pop()
                continue
            if color.get(child, BLACK) == GREY:
                return path[path.index(child):] + [child]
            if color.get(child) == WHITE:
                color[child] = GREY
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


GRAPH = import_graph()


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_sees_the_package():
    # guards against a walker that silently finds nothing
    assert len(GRAPH) > 60
    assert "blaslint.core.engine" in GRAPH["blaslint.core.runner"]
    assert "blaslint.rules" in GRAPH["blaslint.core.runner"]             # `import blaslint.rules`
    assert "blaslint.analysis.base" in GRAPH["blaslint.analysis.facts"]  # under TYPE_CHECKING
    assert "blaslint.integrations.notebook" in GRAPH["blaslint.core.runner"]  # inside a function


def test_no_import_cycles():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_reports_a_cycle(tmp_path):
    pkg = tmp_path / "blaslint"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from blaslint.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\n")
    (pkg / "c.py").write_text("import blaslint.a\n")
    graph = import_graph(pkg)
    assert graph["blaslint.a"] == {"blaslint.sub.b"}
    assert graph["blaslint.sub.b"] == {"blaslint.a"}
    assert find_cycle(graph) == ["blaslint.a", "blaslint.sub.b", "blaslint.a"]
    (pkg / "sub" / "b.py").write_text("")
    assert find_cycle(import_graph(pkg)) is None


FORBIDDEN = [
    # (importer package, imported packages it must not import, why)
    ("blaslint.analysis", ["blaslint.rules", "blaslint.core.engine", "blaslint.core.runner", "blaslint.cli",
                           "blaslint.project", "blaslint.report", "blaslint.integrations"],
     "analysis computes facts; it knows neither rules nor the run"),
    ("blaslint.rules", ["blaslint.cli", "blaslint.project", "blaslint.report", "blaslint.integrations",
                        "blaslint.core.engine", "blaslint.core.runner"],
     "a rule does not know the CLI, the project or the outputs"),
    ("blaslint.core.rule", ["blaslint.rules"], "the registry fills when the engine's caller imports the catalogue"),
    ("blaslint.core.engine", ["blaslint.rules"], "the engine knows no rule"),
    ("blaslint.integrations.notebook", ["blaslint.core.runner", "blaslint.core.engine", "blaslint.project"],
     "the notebook is a source adapter below the runner"),
]


@pytest.mark.parametrize("importer,forbidden,why", FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_layers(importer, forbidden, why):
    bad = sorted((m, t) for m, targets in GRAPH.items() if _in(m, importer)
                 for t in targets if any(_in(t, f) for f in forbidden))
    assert not bad, f"{why}: " + ", ".join(f"{m} imports {t}" for m, t in bad)


def test_fact_modules_do_not_import_the_facade():
    facade = "blaslint.analysis.context"
    bad = sorted(m for m, targets in GRAPH.items() if _in(m, "blaslint.analysis") and facade in targets)
    assert not bad, f"{bad} import the facade {facade}; use blaslint.analysis.base.Context"


def test_rule_modules_are_short():
    long = {str(p.relative_to(PACKAGE_DIR)): n for p in sorted((PACKAGE_DIR / "rules").rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_RULE_MODULE_LINES}
    assert not long, f"rule modules over {MAX_RULE_MODULE_LINES} lines: {long}"


def test_one_rule_per_module_named_after_it():
    from blaslint.rules import all_rules

    for cls in all_rules():
        family, _, module = cls.__module__.removeprefix("blaslint.rules.").partition(".")
        assert module == cls.name.replace("-", "_"), f"{cls.code} lives in {cls.__module__}"
        assert family in ("layout", "dead_writes", "loops", "algebra", "vectorize", "dtypes")
