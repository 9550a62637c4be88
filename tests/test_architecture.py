"""The house's rules (docs/ARCHITECTURE.md), checked on the source: no import circle, and no
generic stage names a flow (a new flow is a new room plus one line in the registry)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "importer"
FLOW_NAMES = {
    "catalog",
    "prices",
    "inventory",
    "invoices",
    "catalog-products",
    "tracking",
    "cancellations",
}
# The stages that every flow goes through: none of them may branch on a flow's name.
GENERIC = [
    "pipeline.py",
    "push.py",
    "validate.py",
    "diff.py",
    "outcomes.py",
    "rows.py",
    "batches.py",
    "deps.py",
    "report.py",
    "flows/keyed.py",
    "flows/base.py",
    "flows/spec.py",
    "run/runner.py",
    "run/leftovers.py",
    "run/resume.py",
    "preview/plan.py",
    "preview/run.py",
    "preview/write.py",
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def runtime_imports(path: Path) -> set[str]:
    """The importer modules `path` imports when it runs (not those imported for types only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("importer"))
            elif isinstance(child, ast.ImportFrom) and (child.module or "").startswith("importer"):
                base = child.module or ""
                # `from importer import batches` imports the module importer.batches; the
                # package itself is kept (below) only when a name is not a module of it.
                found.add(base)
                found.update(f"{base}.{a.name}" for a in child.names)
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        # A module's own packages are imported before it, whatever it imports: an edge to an
        # ancestor package is how Python loads submodules, not a circle of the code's making.
        targets = {
            t
            for t in runtime_imports(path)
            if t in modules and t != name and not name.startswith(t + ".")
        }
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                walk(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return found


def test_no_module_of_the_importer_imports_itself_back_in_a_circle() -> None:
    graph = import_graph()
    assert "importer.flows.prices" in graph and graph["importer.pipeline"], "graph not built"
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_generic_stage_names_a_flow() -> None:
    named: list[str] = []
    for relative in GENERIC:
        tree = ast.parse((PACKAGE / relative).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in FLOW_NAMES:
                named.append(f"{relative}:{node.lineno} {node.value!r}")
    assert named == []


def test_the_registry_is_the_one_list_of_flows() -> None:
    from importer.flows import registry

    assert [f.spec.name for f in registry.flows()] == list(registry.FLOW_NAMES)
    # Every room under flows/ is in the registry (a room left out would never run).
    rooms = {p.stem for p in (PACKAGE / "flows").glob("*.py")} - {
        "__init__",
        "base",
        "keyed",
        "registry",
        "spec",
    }
    rooms |= {p.name for p in (PACKAGE / "flows").iterdir() if (p / "__init__.py").exists()}
    assert rooms == set(registry.FLOW_NAMES)
