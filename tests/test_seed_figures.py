"""Every seed figure once, in the blueprint (issue 23 item 12).

The seeds' numbers — the 7-day rule, the dead-group test's 1–2 hours, a life of about two
years (24 months, 730 days), waves of 20, "invite 3 to unlock", 500 members a WeChat group,
the 9.9-yuan entry, 90% / 95% of groups dying — are defaults of the blueprint
(``src/shequn/model/blueprint*.py``) and nowhere else: the engine, the metrics, the diagnosis,
the simulator and the forecast read them from there, so an operator who changes one in the
TOML file changes it everywhere. This test reads every other module of ``src/shequn`` (with
:mod:`ast`, nothing runs) and fails where such a number is written down again: a literal
named like the figure it would be (``wave_size = 20``, ``life_days=730``), a number only a
seed figure is (730, 9.9), or the 7-day window in SQL or in a comparison of ages.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from shequn.model.blueprint import PLATFORM_CAPACITY, Blueprint
from shequn.model.blueprint_growth import DEFAULT_INVITES_TO_UNLOCK, DEFAULT_WAVE_SIZE
from shequn.model.blueprint_plan import DEFAULT_LIFE_DAYS, PLAN

SRC = Path(__file__).resolve().parent.parent / "src" / "shequn"
DEFAULTS = re.compile(r"^model/blueprint[a-z_]*\.py$")
"""The blueprint defaults modules: the one place a seed figure is written."""


@dataclass(frozen=True, slots=True)
class Seed:
    what: str
    name: str  # a regex over the name a literal is given (variable, key, keyword, field)
    values: frozenset[float]


SEEDS = (
    Seed("the 7-day rule", r"seven|first_?7|first_week", frozenset({7})),
    Seed("the dead-group test's hours", r"test_hours", frozenset({1, 2})),
    Seed("the planned life", r"(?<!half_)life(?!_half)", frozenset({730, 24, 2})),
    Seed("the wave size", r"wave_size", frozenset({20})),
    Seed("invite N to unlock", r"invite", frozenset({3})),
    Seed("a group's capacity", r"capacity", frozenset({500})),
    Seed("the low-price entry", r"price", frozenset({9.9})),
    Seed("the odds a group dies", r"death|dies", frozenset({0.9, 0.95})),
)
ONLY_SEEDS = frozenset({730, 9.9})
"""Numbers that mean a seed figure wherever they appear."""
SEVEN_IN_SQL = re.compile(r"[+-]\s*(?:INTERVAL\s*)?'?7\b(?!\s*\*)")
"""The 7-day window written into SQL (``born + 7``)."""

ALLOWED: dict[tuple[str, str, float], str] = {
    ("analytics/activity.py", "SQL", 7): "a week (WAU), not the 7-day rule",
    ("plan/forecast.py", "compare", 7): "a forecast needs one week, not the 7-day rule",
    ("model/templates_table.py", "amount", 9.9): "a template's sample values (its preview)",
    ("model/templates_table.py", "invites", 3): "a template's sample values (its preview)",
}
"""``(module, name, value)`` → why that number is not the seed figure its name suggests."""


def _numbers(node: ast.AST) -> list[tuple[float, int]]:
    return [
        (n.value, n.lineno)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, int | float)
        and not isinstance(n.value, bool)
    ]


def _name(target: ast.AST) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return ""


def _named_numbers(tree: ast.AST) -> list[tuple[str, float, int]]:
    """Every ``(name, number, line)`` where a number literal is given a name."""
    found: list[tuple[str, float, int]] = []
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.AST | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(_name(t), node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(_name(node.target), node.value)]
        elif isinstance(node, ast.keyword) and node.arg:
            pairs = [(node.arg, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [
                (str(k.value), v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        elif isinstance(node, ast.arguments):
            args = [*node.posonlyargs, *node.args]
            pairs = [
                (a.arg, d)
                for a, d in zip(args[len(args) - len(node.defaults) :], node.defaults, strict=True)
            ]
            pairs += [(a.arg, d) for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True)]
        for name, value in pairs:
            if name and value is not None:
                found += [(name, number, line) for number, line in _numbers(value)]
    return found


def _ages_against_seven(tree: ast.AST) -> list[int]:
    """Lines comparing an age or a day count with a literal 7 (``if age < 7``)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        sevens = [s for s in sides if isinstance(s, ast.Constant) and s.value == 7]
        named = [_name(s) for s in sides if re.search(r"age|days?$", _name(s))]
        if sevens and named:
            lines.append(node.lineno)
    return lines


def violations() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if DEFAULTS.match(rel):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, number, line in _named_numbers(tree):
            for seed in SEEDS:
                hit = number in seed.values and re.search(seed.name, name, re.I)
                if hit and (rel, name, number) not in ALLOWED:
                    found.append(f"{rel}:{line}: {name} = {number} ({seed.what})")
        named = {(name, number) for name, number, _ in _named_numbers(tree)}
        for number, line in _numbers(tree):
            allowed = any((rel, name, number) in ALLOWED for name, n in named if n == number)
            if number in ONLY_SEEDS and not allowed:
                found.append(f"{rel}:{line}: {number} (a seed figure)")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = "SELECT" in node.value and SEVEN_IN_SQL.search(node.value)
                if sql and (rel, "SQL", 7) not in ALLOWED:
                    found.append(f"{rel}:{node.lineno}: the 7-day window in SQL")
        if (rel, "compare", 7) not in ALLOWED:
            found += [f"{rel}:{n}: an age compared with 7" for n in _ages_against_seven(tree)]
    return sorted(set(found))


def test_no_seed_figure_is_written_outside_the_blueprint_defaults() -> None:
    assert violations() == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan itself, on code that repeats seed figures the ways the code once did."""
    code = """
SIM = dict(wave_size=20, life_days=730)
def rule(age, first_week_days=7):
    return "pending" if age < 7 else "failed"
SQL = "SELECT count(*) FILTER (WHERE day < born + 7) FROM ev"
class P:
    invites_per_inviter: float = 3.0
"""
    tree = ast.parse(code)
    named = {(n, v) for n, v, _ in _named_numbers(tree)}
    assert {("wave_size", 20), ("life_days", 730), ("first_week_days", 7)} <= named
    assert ("invites_per_inviter", 3.0) in named
    assert _ages_against_seven(tree) == [4]
    assert SEVEN_IN_SQL.search("WHERE day < born + 7)") and not SEVEN_IN_SQL.search("+ 70")


def test_the_figures_are_the_seeds() -> None:
    """The defaults the rest of the code reads are the playbook's numbers."""
    assert (PLAN.seven_day_days, DEFAULT_LIFE_DAYS, DEFAULT_WAVE_SIZE) == (7, 730, 20)
    assert (DEFAULT_INVITES_TO_UNLOCK, PLAN.invite_rate, PLATFORM_CAPACITY["wechat"]) == (3, 3, 500)
    assert Blueprint.model_fields["plan"].default_factory is not None
