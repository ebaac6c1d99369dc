"""Compiled SQL kept per process: an Ibis expression compiled once per engine.

Compiling an expression (``ibis.to_sql``) costs 10–60 ms of CPU; over the whole suite on a
1M-event replica about 1.1 of 7 CPU s, and the suite compiles some queries twice
(``channel_cost`` asks ``acquisition_cost``'s, ``promotion_candidates`` the leaders'). The
dashboard and ``shequn report`` build the same expressions on every page before the
replica's reused results (``results.Reusing``) can answer, so a warm page was mostly Ibis.

The key must say everything the SQL depends on. Ibis compares expressions structurally, but
its nodes compare their values with ``==``: a literal ``-0.0`` equals ``0.0`` (and ``1`` equals
``1.0`` and ``True``) though each compiles to different SQL. So the key is the dialect, the
expression's root node (Ibis's equality: the same structure, values equal as Python sees
them) *and* every value in it spelled exactly (its type and ``repr``), in the order a walk of
the expression meets them. Two keys are equal only when both agree: a different literal, even
one Python calls equal, is a miss and is compiled afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

SIZE = 512
"""Compiled queries kept (least recently used go first): a suite compiles ~50, and each
dashboard page a few per scope; the SQL text is a few kB each."""

_kept: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_lock = threading.Lock()


def to_sql(expr: Any, dialect: str) -> str:
    """``ibis.to_sql(expr, dialect=dialect)``, compiled once per process for the same key."""
    import ibis

    key = (dialect, expr.op(), spelled(expr.op()))
    with _lock:
        hit = _kept.get(key)
        if hit is not None:
            _kept.move_to_end(key)
            return hit
    text = str(ibis.to_sql(expr, dialect=dialect))
    with _lock:
        _kept[key] = text
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return text


def spelled(root: Any) -> tuple[Any, ...]:
    """Every value below ``root`` as ``(type, repr)``, in walk order; each node as
    ``(n,)``, ``n`` the order of its first visit, so a node met again (a shared
    sub-expression) is only its number. Read against the structure the node's equality
    already fixed, the sequence gives the exact value at every place of the expression."""
    from ibis.expr.operations import Node

    seen: dict[int, int] = {}
    out: list[tuple[Any, ...]] = []
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            number = seen.get(id(item))
            if number is not None:
                out.append((number,))
                continue
            number = seen[id(item)] = len(seen)
            out.append((number,))
            stack.extend(reversed(item.__args__))
        elif isinstance(item, dict):  # Ibis's FrozenDict: names to nodes
            out.append((dict, len(item)))
            stack.extend(reversed([v for pair in item.items() for v in pair]))
        elif isinstance(item, (tuple, list)):
            out.append((type(item), len(item)))
            stack.extend(reversed(item))
        else:
            out.append((type(item), repr(item)))
    return tuple(out)


def clear() -> None:
    """Forget every compiled query (tests; nothing else needs to)."""
    with _lock:
        _kept.clear()
