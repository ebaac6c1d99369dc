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

The same spelling, which also names every node's type, keys ``compiled_store``: SQL kept
across processes, for a fresh ``shequn report`` that would otherwise compile the whole suite
again. Only expressions whose every value has an exact ``repr`` (``EXACT``) go there; any
other (an in-memory table's data, say) is kept in this process only.
"""

from __future__ import annotations

import enum
import threading
import uuid
from collections import OrderedDict
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from shequn.analytics import compiled_store

SIZE = 512
"""Compiled queries kept (least recently used go first): a suite compiles ~50, and each
dashboard page a few per scope; the SQL text is a few kB each."""

_kept: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_lock = threading.Lock()


def to_sql(expr: Any, dialect: str) -> str:
    """``ibis.to_sql(expr, dialect=dialect)``, compiled once per process for the same key."""
    import ibis

    spelling = spelled(expr.op())
    key = (dialect, expr.op(), spelling)
    with _lock:
        hit = _kept.get(key)
        if hit is not None:
            _kept.move_to_end(key)
            return hit
    stored = compiled_store.key(dialect, spelling) if exact(spelling) else None
    text = compiled_store.get(stored) if stored else None
    if text is None:
        text = str(ibis.to_sql(expr, dialect=dialect))
        if stored:
            compiled_store.put(stored, text)
    with _lock:
        _kept[key] = text
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return text


def spelled(root: Any) -> tuple[Any, ...]:
    """Every value below ``root`` as ``(type, repr)``, in walk order; each node as
    ``(n, type)``, ``n`` the order of its first visit, so a node met again (a shared
    sub-expression) is only ``(n,)``. The sequence alone gives the whole expression: each
    node's type fixes how many arguments follow it, and every value is spelled exactly.
    A set's members are spelled in a stable order (its own order follows string hashing,
    which differs between processes)."""
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
            out.append((number, type(item)))
            stack.extend(reversed(item.__args__))
        elif isinstance(item, dict):  # Ibis's FrozenDict: names to nodes
            out.append((dict, len(item)))
            stack.extend(reversed([v for pair in item.items() for v in pair]))
        elif isinstance(item, (set, frozenset)):
            out.append((type(item), len(item)))
            stack.extend(sorted(item, key=lambda v: (str(type(v)), repr(v)), reverse=True))
        elif isinstance(item, (tuple, list)):
            out.append((type(item), len(item)))
            stack.extend(reversed(item))
        else:
            out.append((type(item), repr(item)))
    return tuple(out)


def exact(spelling: tuple[Any, ...]) -> bool:
    """Whether every value in ``spelling`` has a ``repr`` that says all of it, in any
    process (no object identity, no truncated data): only those go to the shared store."""
    import ibis.expr.datatypes as dt
    from ibis.expr.operations.relations import Namespace
    from ibis.expr.schema import Schema

    kinds = (*EXACT, dt.DataType, Schema, Namespace)
    return all(
        len(part) == 1 or not isinstance(part[0], type) or issubclass(part[0], kinds)
        for part in spelling
    )


EXACT: tuple[type, ...] = (type(None), bool, int, float, str, bytes, Decimal, date, time)
EXACT += (timedelta, uuid.UUID, enum.Enum, tuple, list, dict, set, frozenset)
"""Values whose ``repr`` is the value (with Ibis's data types, schemas and namespaces)."""


def clear() -> None:
    """Forget every compiled query in this process (tests; nothing else needs to)."""
    with _lock:
        _kept.clear()
    compiled_store.forget()
