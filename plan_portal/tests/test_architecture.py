"""The code's shape, checked on every run: no import cycle between modules,
apps that import each other in one direction only, no function over 60 lines.

The import graph is grimp's (the engine of import-linter): it reads every
import statement, those inside functions too, without importing anything.
"""

import ast
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("plan_portal", "units", "tasks", "reports")

# The Django apps from the bottom up: an app imports only the apps below it.
# units is the organisation, tasks the plan built on it, reports the dashboard
# and weekly reports built on both.
APP_LAYERS = ("units", "tasks", "reports")
# The one import that goes up: the unit page (units:detail) is the dashboard
# for one unit, so its view reads the dashboard's figures. It imports the
# shared selector only, never a reports view or renderer, and nothing below
# units' pages imports it, so no module takes part in a cycle.
# Issue 12: the unit page also shows the urgings the unit received and sends an
# urging to its overdue tasks, so its views read tasks' selectors and call the
# one urging service. Page-level edges only: units' models, services and
# selectors still import nothing above them.
PAGE_IMPORTS_UPWARD = {
    ("units.views", "reports.dashboard"),
    ("units.views", "tasks.comments"),
    ("units.views", "tasks.selectors"),
}

MAX_FUNCTION_LINES = 60
# mutants/: `make mutants` leaves mutmut's mutated copy of the apps there (git-ignored).
NOT_PRODUCTION = {".git", ".venv", "node_modules", "static", "media", "migrations", "tests", "__pycache__", "mutants"}


@pytest.fixture(scope="module")
def graph():
    if str(ROOT) not in sys.path:  # pragma: no cover - pytest puts the root there
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _imports(graph) -> dict[str, set[str]]:
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle_through_three_modules():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path, monkeypatch):
    # Given two modules where one imports the other only inside a function
    package = tmp_path / "cycle_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("def enqueue():\n    from .jobs import job\n\n    return job\n")
    (package / "jobs.py").write_text("from .services import enqueue\n\n\ndef job():\n    return enqueue\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    probe = grimp.build_graph("cycle_probe", cache_dir=None)

    assert _cycles(_imports(probe)) == [["cycle_probe.jobs", "cycle_probe.services"]]


def test_no_module_takes_part_in_an_import_cycle(graph):
    cycles = _cycles(_imports(graph))

    assert cycles == [], "import cycles (break them, e.g. by moving the shared code down): " + "; ".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def _is_production(module: str) -> bool:
    parts = module.split(".")
    return "tests" not in parts and "migrations" not in parts


def test_apps_import_only_the_apps_below_them(graph):
    rank = {app: position for position, app in enumerate(APP_LAYERS)}
    upward = set()
    for importer, imported in sorted((a, b) for a, targets in _imports(graph).items() for b in targets):
        low, high = importer.split(".")[0], imported.split(".")[0]
        if low in rank and high in rank and _is_production(importer) and rank[high] > rank[low]:
            upward.add((importer, imported))

    assert upward == PAGE_IMPORTS_UPWARD


def _production_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if NOT_PRODUCTION.isdisjoint(relative.parts[:-1]) and not path.name.startswith(("test_", "conftest")):
            yield relative


def _function_lengths(source: str):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def test_function_length_counts_from_def_to_last_line():
    source = "def f():\n    x = 1\n\n    return x\n\n\nclass C:\n    def g(self):\n        pass\n"

    assert list(_function_lengths(source)) == [("f", 1, 4), ("g", 8, 2)]


def test_no_production_function_is_longer_than_60_lines():
    too_long = [
        f"{relative}:{line} {name} ({length} lines)"
        for relative in _production_files()
        for name, line, length in _function_lengths((ROOT / relative).read_text(encoding="utf-8"))
        if length > MAX_FUNCTION_LINES
    ]

    assert too_long == [], f"functions over {MAX_FUNCTION_LINES} lines: split them"
