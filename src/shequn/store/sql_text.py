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

On SQLite such a list goes as one JSON array, ``IN (?*)`` becoming ``IN (SELECT value FROM
json_each(?))``: the text is then one for every length, so the driver's statement cache keeps
it prepared. Spread, a batch of 100 knocks and joins sent ~18 texts of lengths not seen in
the batch before, each compiled anew (``sqlite3_prepare_v2``: 2.3% of a batched join's
instructions, 40–180 µs a statement; issue 22, docs/speed/). The values keep their types
(``str`` and ``int`` only; others are spread as before), and ``IN`` compares them under the
same affinity rules: neither bound values nor ``json_each``'s ``value`` have an affinity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

Shape = tuple[tuple[int, int], ...]
"""Per value: (-1, 0) plain, (-2, 0) an Array, (-3, 0) a JSON array (SQLite), (n, 0) a list of
n, (n, w) n rows of w."""

_TEXTS: dict[tuple[str, str, Shape | int], str] = {}


def statement(dialect: str, sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    """The text for this dialect and these list lengths (remembered), and the flat values.

    One pass over the values works out their shape and flattens them: most of a knock's
    statements bind an ``IN (?*)`` list, and a shape worked out value by value in a function
    of its own, then a second pass to flatten, cost ~5 µs a statement — ~0.1 ms a knock and
    its join, more than SQLite's answer to most of them (issue 22, Session 38)."""
    shape: list[tuple[int, int]] = []
    flat: list[Any] = []
    shaped = False
    for p in params:
        if type(p) in _PLAIN_TYPES or not isinstance(p, _SHAPED):
            shape.append(_PLAIN)
            flat.append(p)
            continue
        shaped = True
        if isinstance(p, Array):
            shape.append(_ARRAY_SHAPE)
            flat.append(p.values)
            continue
        n = len(p)
        if n and isinstance(p, list | tuple) and isinstance(p[0], list | tuple):
            shape.append((n, len(p[0])))
            for row in p:
                flat.extend(row)
        else:
            if n < ARRAY_FROM:
                shape.append((n, 0))
                flat.extend(p)
            elif dialect == "postgresql":
                shape.append((n, 0))
                flat.append(list(p))
            elif (listed := _json_list(p)) is not None:  # SQLite: one text, one JSON array
                shape.append(_JSON_SHAPE)
                flat.append(listed)
            else:
                shape.append((n, 0))
                flat.extend(p)
    key: tuple[str, str, Shape | int] = (dialect, sql, tuple(shape) if shaped else len(shape))
    text = _TEXTS.get(key)
    if text is None:
        text = _remember(key, sql, tuple(shape), dialect)
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
"""From this many values a list bound to ``IN (?*)`` goes as one array (PostgreSQL) or one
JSON array (SQLite)."""
_ARRAY = -2  # the shape of an Array
_JSON = -3  # the shape of a SQLite list bound as one JSON array
_JSON_SHAPE = (_JSON, 0)
_JSON_TYPES = frozenset({str, int})

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
_PLAIN_TYPES = frozenset({str, int, float, bool, bytes, type(None)})  # never shaped: no isinstance
_PLAIN = (-1, 0)
_ARRAY_SHAPE = (_ARRAY, 0)


def _json_list(values: Any) -> str | None:
    """A long ``IN (?*)`` list as one JSON array for SQLite's ``json_each``, or ``None`` when
    a value is not a plain ``str`` or ``int`` (those come back from ``json_each`` as the same
    TEXT and INTEGER values the spread placeholders bind; anything else is spread)."""
    if not _JSON_TYPES.issuperset(map(type, values)):  # (bool, a subclass of int: spread)
        return None
    try:
        return orjson.dumps(list(values)).decode()
    except orjson.JSONEncodeError:  # an int past 64 bits
        return None


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
            if (n < 1 and n != _JSON) or w:
                raise ValueError(f"?* takes a non-empty list of values: {sql}")
            if mark == "%s" and n >= ARRAY_FROM:  # PostgreSQL: one array (see the top)
                out[-1] = _any(out[-1], sql)
                out.append(_BINARY)
            elif n == _JSON:  # SQLite: one JSON array (see the top)
                _any(out[-1], sql)  # only in IN (?*)
                out.append("SELECT value FROM json_each(?)")
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
