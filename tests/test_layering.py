"""The layering of ARCHITECTURE.md, enforced: imports point downward only, and never in a circle.

Layers keep the engine the only writer and keep ``model`` pure; a shortcut import quietly
undoes that, and nobody notices in review. So every module under ``src/shequn`` is parsed
with :mod:`ast` (nothing is imported or executed) and each ``import`` is checked against the
table below. For layering every import counts — inside functions and under
``if TYPE_CHECKING:`` too, since a deferred import is still a dependency. For cycles only
imports that run when the module is loaded count, since those are the ones that break.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# --- the rules --------------------------------------------------------------------------
#
#   area          rank   may import (besides its own area)
#   ------------  -----  ---------------------------------------------------------------
#   model          0     -
#   store          1     model
#   engine         2     store, model            (and analytics/plan: same rank)
#   analytics      2     store, model            (and engine/plan)
#   plan           2     store, model            (and engine/analytics)
#   cli, api, web  3     everything below, and the adapters ingest/connectors; but api
#                        not web (the dashboard sits on the API: APART below)
#   ingest         adapter: model only  — hands events to the engine, so the engine
#   connectors     adapter: model only    must not import it; only interfaces do
#
#   shequn (the package __init__) and shequn.errors may be imported from anywhere.
#   shequn.errors imports nothing of ours. shequn/__init__ is the public facade: it may name
#   any layer lazily (under TYPE_CHECKING, loaded in __getattr__), but what it imports at
#   load time is limited to model, because every `import shequn.x` runs it first.

RANKS: dict[str, int] = {
    "model": 0,
    "store": 1,
    "engine": 2,
    "analytics": 2,
    "plan": 2,
    "cli": 3,
    "worker": 3,  # beside the interfaces: it drives connectors (adapters) for the engine
    "api": 3,
    "web": 3,
}
"""An area may import areas of equal or lower rank (cycles are caught separately)."""

ADAPTERS: dict[str, frozenset[str]] = {
    "ingest": frozenset({"model"}),
    "connectors": frozenset({"model"}),
}
"""What each adapter may import besides itself; only rank-3 areas may import an adapter."""

INTERFACE_RANK = 3
APART: dict[tuple[str, str], str] = {
    ("api", "web"): "the dashboard is built on the API, not the other way round: move what "
    "both need into api/ (or lower); `shequn serve` mounts the dashboard",
}
"""Pairs of areas of one rank where the first may not import the second."""
OPEN = frozenset({"shequn", "shequn.errors"})
"""Modules any module may import."""
ROOT_MAY_IMPORT = frozenset({"model"})
"""What ``shequn/__init__.py`` may import at load time: it runs before any shequn module."""

SRC = Path(__file__).resolve().parent.parent / "src"


# --- reading imports --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Import:
    """One imported shequn module, where it is imported, and whether loading runs it."""

    importer: str  # dotted module name, e.g. shequn.store.append
    path: Path
    line: int
    target: str  # dotted module name, resolved to a submodule when ``from pkg import mod``
    statement: str  # the source text, for messages
    at_load: bool  # top level, not in a function nor under ``if TYPE_CHECKING:``

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root)}:{self.line}: `{self.statement}`"


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, at_load: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement below ``node``, with whether it runs when the module loads."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, at_load
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, False)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk_stmt(stmt, False)
            for stmt in child.orelse:
                yield from _walk_stmt(stmt, at_load)
        else:
            yield from _walk(child, at_load)


def _walk_stmt(stmt: ast.stmt, at_load: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        yield stmt, at_load
    else:
        yield from _walk(ast.Module(body=[stmt], type_ignores=[]), at_load)


def collect_imports(src: Path) -> tuple[set[str], list[Import]]:
    """All shequn modules under ``src`` and every import of a shequn module they make."""
    files = sorted((src / "shequn").rglob("*.py"))
    modules = {module_name(p, src) for p in files}
    found: list[Import] = []
    for path in files:
        name = module_name(path, src)
        is_package = path.name == "__init__.py"
        source = path.read_text(encoding="utf-8")
        for node, at_load in _walk(ast.parse(source, str(path)), True):
            text = ast.get_source_segment(source, node) or ast.dump(node)
            for target in dict.fromkeys(_targets(node, name, is_package, modules)):
                if target == "shequn" or target.startswith("shequn."):
                    found.append(Import(name, path, node.lineno, target, text, at_load))
    return modules, found


def _targets(
    node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: set[str]
) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against the importing module's package
        package = importer.split(".")
        if not is_package:
            package.pop()
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    # ``from pkg import mod`` imports the submodule pkg.mod; ``from mod import name`` imports mod.
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
    ]


# --- checking ---------------------------------------------------------------------------


def area(module: str) -> str:
    """The area of a module: ``shequn.store.append`` -> ``store``, ``shequn`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(imports: list[Import], root: Path) -> list[str]:
    """One message per import that points up a layer or across into an adapter."""
    problems = []
    for imp in imports:
        src, dst = area(imp.importer), area(imp.target)
        why = _forbidden(imp, src, dst)
        if why:
            problems.append(f"{imp.where(root)}: {imp.importer} imports {imp.target}: {why}")
    return problems


def _forbidden(imp: Import, src: str, dst: str) -> str | None:
    """Why ``imp`` (from area ``src`` into area ``dst``) breaks the rules, or None."""
    importer, target = imp.importer, imp.target
    if importer == "shequn.errors":
        return "shequn.errors must import nothing of ours (everything imports it)"
    if importer == "shequn":
        if target in OPEN or dst in ROOT_MAY_IMPORT or not imp.at_load:
            return None
        return (
            "shequn/__init__.py runs before every shequn module, so at load time it may import "
            "only model; load other layers lazily (TYPE_CHECKING + __getattr__)"
        )
    if target in OPEN or src == dst:
        return None
    for a in (src, dst):
        if a not in RANKS and a not in ADAPTERS:
            return f"area {a!r} is in no layer: add it to the table in tests/test_layering.py"
    if src in ADAPTERS:
        if dst in ADAPTERS[src]:
            return None
        return f"{src} is an adapter: it may import only {', '.join(sorted(ADAPTERS[src]))}"
    if dst in ADAPTERS:
        if RANKS[src] == INTERFACE_RANK:
            return None
        return f"{dst} is an adapter: only interfaces (cli/api/web) may import it, not {src}"
    if (src, dst) in APART:
        return APART[src, dst]
    if RANKS[dst] > RANKS[src]:
        return (
            f"{src} (rank {RANKS[src]}) may not import the higher layer {dst} (rank {RANKS[dst]})"
        )
    return None


def import_cycles(imports: list[Import]) -> list[list[Import]]:
    """One cycle (as its chain of imports) per strongly connected set of load-time imports."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        if imp.at_load and imp.target != imp.importer:
            edges.setdefault(imp.importer, {}).setdefault(imp.target, imp)
    cycles = []
    for component in _strongly_connected(edges):
        if len(component) > 1:
            cycles.append(_a_cycle(min(component), component, edges))
    return cycles


def _strongly_connected(edges: dict[str, dict[str, Import]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on deep chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[set[str]] = []
    nodes = sorted(set(edges) | {t for out in edges.values() for t in out})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    result.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, {})))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return result


def _a_cycle(start: str, component: set[str], edges: dict[str, dict[str, Import]]) -> list[Import]:
    """The shortest chain of imports from ``start`` back to itself within ``component``."""
    paths: dict[str, list[Import]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target, imp in sorted(edges.get(node, {}).items()):
            if target == start:
                return [*paths[node], imp]
            if target in component and target not in paths:
                paths[target] = [*paths[node], imp]
                queue.append(target)
    raise AssertionError(f"{start} is in a cycle but no path returns to it")  # pragma: no cover


def describe_cycle(cycle: list[Import], root: Path) -> str:
    chain = " -> ".join([cycle[0].importer, *(imp.target for imp in cycle)])
    steps = "\n".join(f"    {imp.where(root)}" for imp in cycle)
    return f"import cycle: {chain}\n{steps}"


# --- the tests --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shequn_imports() -> list[Import]:
    modules, imports = collect_imports(SRC)
    assert "shequn.model.kinds" in modules and imports, "found no shequn modules to check"
    return imports


def test_imports_point_down_the_layers(shequn_imports: list[Import]) -> None:
    problems = layer_violations(shequn_imports, SRC.parent)
    assert not problems, "layering broken (see ARCHITECTURE.md):\n" + "\n".join(problems)


def test_no_import_cycles(shequn_imports: list[Import]) -> None:
    cycles = [describe_cycle(c, SRC.parent) for c in import_cycles(shequn_imports)]
    assert not cycles, "\n".join(cycles)


# The checker itself, on a small tree with known faults: a rule test that passes because it
# looks at nothing would be worse than none.

FAULTY_TREE = {
    "shequn/__init__.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from shequn.engine import run\n"
        "from shequn.store import db\n"
    ),
    "shequn/errors.py": "from shequn.model import kinds\n",
    "shequn/model/__init__.py": "",
    "shequn/model/kinds.py": "from shequn import errors\n",
    "shequn/model/events.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from shequn.store.db import Store\n"
    ),
    "shequn/store/__init__.py": "",
    "shequn/store/db.py": "from ..model import events\nfrom . import tables\n",
    "shequn/store/tables.py": "import shequn.store.db\n",
    "shequn/engine/__init__.py": "",
    "shequn/engine/run.py": "def go():\n    from shequn.ingest import jsonl\n",
    "shequn/ingest/__init__.py": "",
    "shequn/ingest/jsonl.py": "from shequn.store import db\nfrom shequn.model.events import x\n",
    "shequn/cli/__init__.py": "",
    "shequn/cli/app.py": "from shequn.ingest.jsonl import read\nfrom shequn.engine import run\n",
    "shequn/tools/__init__.py": "",
    "shequn/tools/x.py": "from shequn.model import kinds\n",
    "shequn/plan/__init__.py": "",
    "shequn/plan/a.py": "def f():\n    import shequn.plan.b\n",
    "shequn/plan/b.py": "import shequn.plan.a\n",
    "shequn/api/__init__.py": "",
    "shequn/api/app.py": "def make():\n    from shequn.web.app import mount\n",
    "shequn/web/__init__.py": "",
    "shequn/web/app.py": "from shequn.api import app\n",
}


def test_checker_finds_known_faults(tmp_path: Path) -> None:
    for name, text in FAULTY_TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    _, imports = collect_imports(tmp_path)
    problems = layer_violations(imports, tmp_path)
    assert [p.split(":", 2)[:2] for p in problems] == [
        ["shequn/__init__.py", "4"],  # the facade loads the store eagerly (lazy engine is fine)
        ["shequn/api/app.py", "2"],  # api -> web (web -> api is fine)
        ["shequn/engine/run.py", "2"],  # engine -> ingest, inside a function
        ["shequn/errors.py", "1"],  # errors imports something of ours
        ["shequn/ingest/jsonl.py", "1"],  # adapter -> store
        ["shequn/model/events.py", "3"],  # model -> store, under TYPE_CHECKING
        ["shequn/tools/x.py", "1"],  # an area outside the table
    ], "\n".join(problems)
    assert "`from shequn.store.db import Store`" in problems[5]
    assert "rank 0" in problems[5] and "rank 1" in problems[5]

    cycles = sorted(describe_cycle(c, tmp_path) for c in import_cycles(imports))
    # Relative imports are resolved; plan.a <-> plan.b is no cycle: a imports b only when called.
    assert [c.splitlines()[0] for c in cycles] == [
        "import cycle: shequn.errors -> shequn.model.kinds -> shequn.errors",
        "import cycle: shequn.store.db -> shequn.store.tables -> shequn.store.db",
    ]
    assert "shequn/store/tables.py:1: `import shequn.store.db`" in cycles[1]
