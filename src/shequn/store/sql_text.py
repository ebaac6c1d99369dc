"""Fixed SQL's text for a driver, from ``?`` marks and the shape of the values bound.

Placeholders are ``?``; a list bound to ``?*`` becomes ``?, ?, ?`` (for ``IN (?*)``) and a
list of rows bound to ``?**`` becomes ``(?, ?), (?, ?)`` (for ``VALUES ?**``); for psycopg
``?`` is translated to ``%s``. The text is remembered per dialect, SQL and shape.

On PostgreSQL a long list (``ARRAY_FROM`` values or more: a batch's) is bound as one array
instead, ``IN (?*)`` becoming ``= ANY(?)``, and :class:`Array` values (``store/raw.py``'s
``insert_bound`` of many rows: one array per column) go as one parameter each. psycopg parses
a statement's text anew on every call once it has more than 50 parameters (its cache's
limit: 2–3 ms for a batch's 1,600-value insert) and PostgreSQL parses and plans it anew as
well; a text that does not grow with the batch is parsed once and prepared (issue 22).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Shape = tuple[tuple[int, int], ...]
"""Per value: (-1, 0) plain, (-2, 0) an Array, (n, 0) a list of n, (n, w) n rows of w."""

_TEXTS: dict[tuple[str, str, Shape | int], str] = {}


def statement(dialect: str, sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    """The text for this dialect and these list lengths (remembered), and the flat values."""
    for p in params:
        if isinstance(p, _SHAPED):
            break
    else:  # only plain values (most reads): no shape to work out, nothing to flatten
        key: tuple[str, str, Shape | int] = (dialect, sql, len(params))
        text = _TEXTS.get(key)
        if text is None:
            text = _remember(key, sql, ((-1, 0),) * len(params), dialect)
        return text, tuple(params)
    shape = tuple(value_shape(p) for p in params)
    flat: list[Any] = []
    arrays = dialect == "postgresql"
    for p, (n, w) in zip(params, shape, strict=True):
        if n == _ARRAY:
            flat.append(p.values)
        elif n < 0:
            flat.append(p)
        elif w == 0:
            if arrays and n >= ARRAY_FROM:
                flat.append(list(p))
            else:
                flat.extend(p)
        else:
            for row in p:
                flat.extend(row)
    key = (dialect, sql, shape)
    text = _TEXTS.get(key)
    if text is None:
        text = _remember(key, sql, shape, dialect)
    return text, tuple(flat)


def _remember(key: tuple[str, str, Shape | int], sql: str, shape: Shape, dialect: str) -> str:
    if len(_TEXTS) >= 4096:  # IN lists of many lengths: keep the memo bounded
        _TEXTS.clear()
    text = _TEXTS[key] = expand(sql, shape, "%s" if dialect == "postgresql" else "?")
    return text


@dataclass(frozen=True, slots=True)
class Array:
    """Values bound as one PostgreSQL array (``?::integer[]``), not spread as ``?*``."""

    values: list[Any]


ARRAY_FROM = 16
"""From this many values a list bound to ``IN (?*)`` goes to PostgreSQL as one array."""
_ARRAY = -2  # the shape of an Array
_BINARY = "%b"
"""psycopg's mark for a value sent in binary: its text form of an array quotes and escapes
every element in Python (1.7 ms for 100 JSON texts, 0.6 ms for 100 times), binary ~40 µs."""


def value_shape(p: Any) -> tuple[int, int]:
    if isinstance(p, Array):
        return (_ARRAY, 0)
    if not isinstance(p, _LISTS):
        return (-1, 0)
    if isinstance(p, list | tuple) and p and isinstance(p[0], list | tuple):
        return (len(p), len(p[0]))
    return (len(p), 0)


_LISTS = (list, tuple, set, frozenset)
_SHAPED = (*_LISTS, Array)  # values a statement's text depends on


def expand(sql: str, shape: Shape, mark: str) -> str:
    """``sql`` with each ``?`` / ``?*`` / ``?**`` replaced by placeholders for its value."""
    parts = sql.split("?")
    if len(parts) - 1 != len(shape):
        raise ValueError(f"{len(parts) - 1} placeholders, {len(shape)} values: {sql}")
    if mark != "?" and "%" in sql:  # psycopg would read it as a placeholder
        raise ValueError(f"a literal % in raw SQL, bind it as a parameter: {sql}")
    out = [parts[0]]
    for (n, w), rest in zip(shape, parts[1:], strict=True):
        if rest.startswith("**"):
            if n < 1 or w < 1:
                raise ValueError(f"?** takes a non-empty list of rows: {sql}")
            row = "(" + ", ".join([mark] * w) + ")"
            out.append(", ".join([row] * n))
            rest = rest[2:]
        elif rest.startswith("*"):
            if n < 1 or w:
                raise ValueError(f"?* takes a non-empty list of values: {sql}")
            if mark == "%s" and n >= ARRAY_FROM:  # PostgreSQL: one array (see the top)
                out[-1] = _any(out[-1], sql)
                out.append(_BINARY)
            else:
                out.append(", ".join([mark] * n))
            rest = rest[1:]
        elif n >= 0 or (n == _ARRAY and mark == "?"):
            raise ValueError(f"a list bound to a plain ? (arrays on PostgreSQL only): {sql}")
        elif n == _ARRAY:
            out.append(_BINARY)
        else:
            out.append(mark)
        out.append(rest)
    return "".join(out)


def _any(before: str, sql: str) -> str:
    """The text before ``?*`` with its ``IN (`` turned into ``= ANY(`` (the ``)`` after the
    placeholder closes it); ``NOT IN (`` into ``<> ALL(``."""
    if before.endswith("NOT IN ("):
        return before[: -len("NOT IN (")] + "<> ALL("
    if before.endswith("IN ("):
        return before[: -len("IN (")] + "= ANY("
    raise ValueError(f"?* stands in IN (?*) only: {sql}")
