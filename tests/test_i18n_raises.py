"""No importer says its errors in bare English (issue 23 item 10).

An importer's error is read by the operator at the command line, in the community's language
(``cli/failure.py`` says an error whose problem is a ``Said`` in the catalogue, keeping its
file and line). This test reads every module of ``src/shequn/ingest`` (with :mod:`ast`,
nothing runs) and fails where an error or a rejected record is made with a sentence written
as a plain string — a literal, an f-string, a concatenation, ``.format`` — instead of
``Said(…)``: directly, or through a name that holds such a string. The event's own checks
(``model/events.py``, whose messages reach the operator through every importer, and
``model/config_checks.py`` for configuration events) are read the same way, and so are the
dashboard's modules (``web/``: their refusals are shown on a page in the community's language),
the API's (``api/``: a problem's ``message`` says its refusal in the reader's language), the
command line's (``cli/``), the analytics' (``analytics/``: a metric's parameter refused, a
budget spent) and every module of ``store/``, ``engine/`` and ``model/`` (their refusals reach
a command, a page or a blueprint error). What no person reads stays English only where
``HELD_BACK`` says.
So are the connectors, the worker and the planner (``connectors/``, ``worker/``, ``plan/``): a
connector's reason is an action's last error, which the operator reads in ``shequn actions``,
on the actions page and in the worker's log — a connector error is made where it is mapped
(``return Permanent(…)``) and raised later, so it is read wherever it is made.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shequn"
MODULES = [
    *sorted((SRC / "ingest").glob("*.py")),
    *sorted((SRC / "web").glob("*.py")),  # the dashboard's refusals, read on its pages
    *sorted((SRC / "api").rglob("*.py")),  # the API's refusals: problem+json ``message``
    *sorted((SRC / "cli").glob("*.py")),  # a command's own errors
    *sorted((SRC / "analytics").glob("*.py")),  # a metric's refusals, by CLI, API and page
    *sorted((SRC / "store").rglob("*.py")),  # the store's, engine's and model's refusals, read
    *sorted((SRC / "engine").rglob("*.py")),  # at the command line, on the dashboard and in
    *sorted((SRC / "model").rglob("*.py")),  # a blueprint error (events.py, config_checks.py)
    # a connector's reason becomes an action's last error (shequn actions, the actions page,
    # the worker's log); the worker's own reasons and the planner's refusals likewise
    *sorted((SRC / "connectors").rglob("*.py")),
    *sorted((SRC / "worker").glob("*.py")),
    *sorted((SRC / "plan").glob("*.py")),
]

HELD_BACK = {
    ("store/sql_text.py", "expand"): "SQL whose placeholders do not fit its values: our own bug",
    ("store/sql_text.py", "_any"): "a long list bound outside IN (?*): the same bug",
    ("store/stored_forms.py", "_time"): (
        "a naive datetime handed to the store: events are checked first"
    ),
    ("store/table_types.py", "process_bind_param"): "the same guard, in the ORM's column type",
    ("store/migrations/env.py", "<module>"): "alembic run by hand, not through shequn db upgrade",
    ("model/orders.py", "order_ref"): "caught by payment_request: the fee is recorded by hand",
    (
        "store/db.py",
        "_pg_checkout",
    ): "SQLAlchemy's signal to its pool to open a fresh connection: caught by the pool",
}
"""Programmer errors nobody reads, left in English: ``(module, function)`` and why. A person
never meets them (a caller's bug, or caught where raised); each must still raise here."""

MESSAGE_AT = {"InputFormatError": 2, "Rejected": 1, "Bad": 1, "ParameterError": 1}
"""Where the sentence is among the arguments (the others: their first); the rest are the
file, the line or key path, data."""
MESSAGE_KEYWORDS = {"problem", "reason", "message"}
SAYS = {"Said", "C_"}
"""Calls that put a sentence through the catalogue."""


def _called(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _errors(tree: ast.Module) -> set[str]:
    """The names of what is raised or set aside here: the shared errors, the rejected record
    and the module's own exception classes."""
    names = {"InputFormatError", "ShequnError", "InvalidEvent", "Rejected", "Bad"}
    names |= {"ConnectorError", "Transient", "Permanent", "Uncertain"}  # made, then raised
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception")) or b.id in names)
            for b in node.bases
        ):
            names.add(node.name)
    return names


def _plain(node: ast.AST, names: dict[str, list[ast.AST]], seen: frozenset[str]) -> bool:
    """True when ``node`` makes a sentence as a plain string (not through the catalogue)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and " " in node.value.strip()
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):  # "…" + x, "%s …" % x
        return _plain(node.left, names, seen) or _plain(node.right, names, seen)
    if isinstance(node, ast.IfExp):
        return _plain(node.body, names, seen) or _plain(node.orelse, names, seen)
    if isinstance(node, ast.BoolOp):
        return any(_plain(v, names, seen) for v in node.values)
    if isinstance(node, ast.Call):
        f = node.func
        return isinstance(f, ast.Attribute) and f.attr == "format" and _plain(f.value, names, seen)
    if isinstance(node, ast.Name) and node.id not in seen:
        return any(_plain(v, names, seen | {node.id}) for v in names.get(node.id, []))
    return False


def _assignments(scope: ast.AST) -> dict[str, list[ast.AST]]:
    """What each name is set to in ``scope`` (a function, or the module)."""
    found: dict[str, list[ast.AST]] = {}
    for node in ast.walk(scope):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None
            else []
        )
        value = getattr(node, "value", None)
        for t in targets:
            if isinstance(t, ast.Name) and value is not None:
                found.setdefault(t.id, []).append(value)
    return found


def bare_english(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, error)`` for each error or rejection made with a plain English sentence."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    errors = _errors(tree)
    module = _assignments(tree)
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for scope in [tree, *scopes]:
        local = {**module, **_assignments(scope)} if scope is not tree else module
        body = scope.body if scope is not tree else [s for s in tree.body if not _is_def(s)]
        for stmt in body:
            raised = {
                id(n.exc)
                for n in ast.walk(stmt)
                if isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call)
            }
            for node in ast.walk(stmt):
                if not isinstance(node, ast.Call):
                    continue
                if _called(node) not in errors and id(node) not in raised:
                    continue
                name = _called(node)
                at = MESSAGE_AT.get(name, 0)
                said = [a for a in node.args[at : at + 1]]
                said += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
                if any(_plain(a, local, frozenset()) for a in said):
                    yield node.lineno, name


def _is_def(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def function_at(path: Path, line: int) -> str:
    """The name of the innermost function around ``line`` (``<module>`` outside any)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    around = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n.lineno <= line <= (n.end_lineno or n.lineno)
    ]
    return max(around, key=lambda n: n.lineno).name if around else "<module>"


def _bare(path: Path) -> Iterator[tuple[int, str, str]]:
    """``(line, error, function)`` of each bare sentence in ``path``."""
    for line, name in bare_english(path):
        yield line, name, function_at(path, line)


def test_importers_say_their_errors_through_the_catalogue() -> None:
    found = [
        f"src/shequn/{path.relative_to(SRC)}:{line}: {name}(…) with a bare English sentence"
        for path in dict.fromkeys(MODULES)
        for line, name, where in _bare(path)
        if (path.relative_to(SRC).as_posix(), where) not in HELD_BACK
    ]
    assert not found, "say it with Said(…) (docs/languages.md):\n" + "\n".join(found)


def test_what_is_held_back_is_still_there() -> None:
    """Each programmer error left in English is still raised where the list says (a stale
    entry would hide the next sentence written in that function)."""
    held = {
        (path.relative_to(SRC).as_posix(), where)
        for path in dict.fromkeys(MODULES)
        for _, _, where in _bare(path)
    }
    assert set(HELD_BACK) <= held, set(HELD_BACK) - held


def test_the_walk_finds_a_bare_sentence(tmp_path: Path) -> None:
    """The walk itself: each way of writing a sentence plainly is found, ``Said`` is not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "NO = 'no such thing here'\n"
        "class RowError(Exception): ...\n"
        "def f(path, e):\n"
        "    raise InputFormatError(path, '$.messages', f'broken: {e}')\n"
        "def g(path):\n"
        "    problem = 'a cell ' + 'is bad'\n"
        "    raise InputFormatError(path, 3, problem)\n"
        "def h(path):\n"
        "    yield Rejected(path, NO)\n"
        "    raise RowError('column {c} is empty'.format(c=1))\n"
        "    raise ValueError(f'ts {ts!r} is not text')\n"
        "    return Permanent(f'cannot reach {host}')\n"
        "def fine(path, e):\n"
        "    raise InputFormatError(path, '$.messages', Said('broken: {e}', e=str(e)))\n"
        "    yield Rejected(path, Said('no such thing'))\n"
        "async def page(path):\n"
        "    raise ValueError('an async handler refuses too')\n",
        encoding="utf-8",
    )
    assert [line for line, _ in bare_english(sample)] == [4, 7, 9, 10, 11, 12, 17]
