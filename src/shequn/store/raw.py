"""Fixed SQL on the driver's own cursor, for the statements the join path runs per knock.

SQLAlchemy builds, caches and post-processes every statement it runs: about 100 µs for a
prebuilt one and 300–400 µs for one built per call with an ``IN`` list, where SQLite itself
answers an indexed read in under 10 µs. A single knock at the door runs some fifty reads and
writes, so the hot ones are written here as fixed text and sent straight to the DBAPI cursor
(psycopg prepares a statement on the server once it has run a few times).

Every value is bound as a parameter and the SQL text is fixed: placeholders are ``?``, a list
bound to ``?*`` becomes ``?, ?, ?`` (for ``IN (?*)``) and a list of rows bound to ``?**``
becomes ``(?, ?), (?, ?)`` (for ``VALUES ?**``); for psycopg ``?`` is translated to ``%s``
(``store/sql_text.py``). On PostgreSQL a batch's long lists and :func:`insert_bound`'s many
rows go as arrays instead (issue 22, see there). Values come back as the driver gives them;
:func:`utc` and :func:`json_value` read the two types whose form differs between SQLite and
PostgreSQL (times and JSON), as the tables' SQLAlchemy types do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, Boolean, Connection, DateTime, Table

from shequn.store import write_behind
from shequn.store.sql_text import ARRAY_FROM as ARRAY_FROM
from shequn.store.sql_text import Array as Array
from shequn.store.sql_text import statement
from shequn.store.stored_forms import bind_pg_time, bind_sqlite_time
from shequn.store.stored_forms import bind_time as bind_time  # the callers' one import
from shequn.store.stored_forms import json_value as json_value
from shequn.store.stored_forms import sqlite_time as sqlite_time
from shequn.store.stored_forms import time_binder as time_binder
from shequn.store.stored_forms import utc as utc
from shequn.store.write_behind import GATHERING as _GATHERING

Params = Sequence[Any]


def driver(conn: Connection) -> Any:
    """``conn.connection.driver_connection`` without its walk through three properties (~1 µs,
    ~29 times a knock and its join: ~1% of its CPU, Session 39). The sync drivers shequn uses
    give their DBAPI connection itself; others, an invalidated connection, or a SQLAlchemy
    without its private ``_dbapi_connection``, go the long, public way."""
    fairy = getattr(conn, "_dbapi_connection", None)
    found = getattr(fairy, "dbapi_connection", None)
    if found is None or conn.dialect.driver not in _PLAIN_DRIVERS:
        return conn.connection.driver_connection
    return found


_PLAIN_DRIVERS = frozenset({"pysqlite", "psycopg"})  # get_driver_connection: SQLAlchemy's default


def _cursor_and_sql(conn: Connection, sql: str, params: Params) -> tuple[Any, str, tuple[Any, ...]]:
    """The driver's cursor, the text for this dialect and these list lengths, flat values."""
    raw = driver(conn)
    assert raw is not None  # noqa: S101  # a live connection inside a transaction
    text, values = statement(conn.dialect.name, sql, params)
    return raw.cursor(), text, values


def rows(
    conn: Connection, sql: str, params: Params = (), *, plan_each: bool = False
) -> list[tuple[Any, ...]]:
    """All rows of a read (or of an ``INSERT … RETURNING``).

    ``plan_each``: PostgreSQL plans this read for the values of each call, never once for
    all (psycopg prepares a statement run five times, and the server may then keep a generic
    plan). For a read of a table an import is filling: a plan made while it was nearly empty
    scans it whole once it holds 100,000 rows (issue 22, docs/speed/import.md)."""
    if _GATHERING.get() is not None and write_behind.waiting(conn):  # they ride along
        found: list[tuple[Any, ...]] = read_each(conn, [Read(sql, params, list)])[0]
        return found
    cur, text, values = _cursor_and_sql(conn, sql, params)
    try:
        if plan_each and conn.dialect.name == "postgresql":
            cur.execute(text, values, prepare=False)
        else:
            cur.execute(text, values)
        return list(cur.fetchall())
    finally:
        cur.close()


def first(conn: Connection, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
    """The first row of a read, or ``None``."""
    if _GATHERING.get() is not None and write_behind.waiting(conn):
        found = rows(conn, sql, params)
        return tuple(found[0]) if found else None
    cur, text, values = _cursor_and_sql(conn, sql, params)
    try:
        cur.execute(text, values)
        row = cur.fetchone()
        return tuple(row) if row is not None else None
    finally:
        cur.close()


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    """A read and how its rows become a value, so several can go to the server together
    (:func:`read_each`). ``sql`` ``None``: nothing to ask, the value is ``parse([])``."""

    sql: str | None
    params: Params
    parse: Callable[[list[tuple[Any, ...]]], T]


def read(conn: Connection, r: Read[T]) -> T:
    """The value of one read."""
    return r.parse(rows(conn, r.sql, r.params) if r.sql is not None else [])


def read_each(conn: Connection, reads: Sequence[Read[Any]]) -> list[Any]:
    """The values of independent reads, in order. On PostgreSQL they go to the server in one
    round trip (psycopg's pipeline mode: sent together, answered together); on SQLite, with
    no round trips to save, one after another. Writes gathered by :func:`later` go first."""
    due = _due(conn) if _GATHERING.get() is not None else None
    if due:
        return read_each(conn, [*due, *reads])[len(due) :]
    asked = [r for r in reads if r.sql is not None]
    if conn.dialect.name != "postgresql" or len(asked) < 2:
        return [read(conn, r) for r in reads]
    sent = [_cursor_and_sql(conn, r.sql, r.params) for r in asked if r.sql is not None]
    try:
        with driver(conn).pipeline():
            for cur, text, values in sent:
                cur.execute(text, values)
        found = iter([list(cur.fetchall()) for cur, _, _ in sent])
    finally:
        for cur, _, _ in sent:
            cur.close()
    return [r.parse(next(found) if r.sql is not None else []) for r in reads]


def run(conn: Connection, sql: str, params: Params = ()) -> int:
    """A write; returns the rows it changed."""
    settle(conn)
    cur, text, values = _cursor_and_sql(conn, sql, params)
    try:
        cur.execute(text, values)
        return int(cur.rowcount)
    finally:
        cur.close()


def run_many(conn: Connection, sql: str, seq: Sequence[Params]) -> None:
    """One write for many parameter rows (DBAPI ``executemany``; plain ``?`` only)."""
    if not seq:
        return
    settle(conn)
    cur, text, _ = _cursor_and_sql(conn, sql, seq[0])
    try:
        cur.executemany(text, [tuple(p) for p in seq])
    finally:
        cur.close()


# -- writes nobody reads back, sent with the next statement (store/write_behind.py) -------
def later(conn: Connection, table: str, sql: str, params: Params) -> None:
    """A write whose result nobody reads (``table``: the one it changes; the SQL reads no
    other): gathered while ``write_behind.gathered`` is open on ``conn``, else run now."""
    queued = write_behind.queue(conn) if _GATHERING.get() is not None else None
    if queued is None:
        run(conn, sql, params)
    else:
        queued.append((table, sql, params))


def later_many(conn: Connection, table: str, sql: str, seq: Sequence[Params]) -> None:
    """:func:`run_many` that gathers a single row (a knock's) as :func:`later` does."""
    if len(seq) == 1:
        later(conn, table, sql, seq[0])
    else:
        run_many(conn, sql, seq)


def settle(conn: Connection) -> None:
    """Send the gathered writes now (before a statement that does not carry them)."""
    if _GATHERING.get() is None:  # nothing gathered in this context (always on SQLite)
        return
    due = _due(conn)
    if due:
        read_each(conn, due)


def _due(conn: Connection) -> list[Read[None]]:
    return [Read(sql, params, _none) for sql, params in write_behind.take(conn)]


def _none(_found: list[tuple[Any, ...]]) -> None:
    return None


Reader = Callable[[Any], Any]


def records(
    conn: Connection, table: Table, columns: Sequence[str], where: str, params: Params = ()
) -> list[dict[str, Any]]:
    """Rows of ``table`` as dicts of ``columns``, typed as SQLAlchemy would return them
    (aware UTC times, decoded JSON, booleans). ``where`` is fixed SQL with placeholders."""
    return read(conn, records_read(table, columns, where, params))


def records_read(
    table: Table, columns: Sequence[str], where: str, params: Params = ()
) -> Read[list[dict[str, Any]]]:
    """:func:`records` as a read to send with others (:func:`read_each`)."""
    names = tuple(columns)
    readers = _READERS.get((table.name, names))
    if readers is None:
        readers = _READERS[(table.name, names)] = _readers(table, names)

    def parse(found: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        return [
            {c: v if f is None else f(v) for c, f, v in zip(names, readers, r, strict=True)}
            for r in found
        ]

    return Read(_select(table, names) + where, params, parse)


_SELECTS: dict[tuple[str, tuple[str, ...]], str] = {}
_READERS: dict[tuple[str, tuple[str, ...]], list[Reader | None]] = {}


def _select(table: Table, columns: tuple[str, ...]) -> str:
    key = (table.name, columns)
    sql = _SELECTS.get(key)
    if sql is None:
        for c in columns:
            table.c[c]  # only the table's own column names: KeyError otherwise
        names = ", ".join(f'"{c}"' for c in columns)
        sql = _SELECTS[key] = f'SELECT {names} FROM "{table.name}" '  # noqa: S608  # metadata names
    return sql


def _readers(table: Table, columns: tuple[str, ...]) -> list[Reader | None]:
    out: list[Reader | None] = []
    for c in columns:
        kind = table.c[c].type
        impl = getattr(kind, "impl", kind)
        if isinstance(impl, DateTime):
            out.append(utc)
        elif isinstance(kind, JSON):
            out.append(json_value)
        elif isinstance(kind, Boolean):
            out.append(lambda v: v if v is None else bool(v))
        else:
            out.append(None)
    return out


def insert(conn: Connection, table: Table, rows_: Sequence[dict[str, Any]], tail: str = "") -> None:
    """Insert dicts (all with the same keys) as multi-row ``VALUES``, a few thousand values
    per statement; values are bound as SQLAlchemy's types would bind them. ``tail``: fixed SQL
    after the values (``ON CONFLICT … DO NOTHING``)."""
    if not rows_:
        return
    names = tuple(rows_[0])
    insert_bound(conn, table, names, bound(conn, table, names, rows_), tail)


def insert_bound(
    conn: Connection,
    table: Table,
    names: tuple[str, ...],
    values: Sequence[tuple[Any, ...]],
    tail: str = "",
) -> None:
    """:func:`insert` of rows already bound (tuples in the order of ``names``, times and JSON
    as :func:`bound` binds them): for a writer that builds its rows itself and binds a value
    shared by all of them once."""
    if not values:
        return
    if conn.dialect.name == "postgresql" and len(values) >= ARRAY_FROM:
        columns = [Array(list(c)) for c in zip(*values, strict=True)]
        later(conn, table.name, _insert_arrays(conn, table, names) + tail, columns)
        return
    sql = _insert(table, names) + tail
    step = max(1, 3000 // len(names))
    for i in range(0, len(values), step):
        later(conn, table.name, sql, [values[i : i + step]])


def bound(
    conn: Connection, table: Table, names: tuple[str, ...], rows_: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Each dict's values of ``names`` in order, bound as the columns' types bind them.

    Only the columns that need a conversion (times, JSON) are touched value by value: a
    generator per row over every column cost more than the insert it fed (issue 22)."""
    pick = itemgetter(*names)
    plain = [(pick(r),) for r in rows_] if len(names) == 1 else [pick(r) for r in rows_]
    convert = [(k, w) for k, w in enumerate(_writers(conn, table, names)) if w is not None]
    if not convert:
        return plain
    out = []
    for values in plain:
        row = list(values)
        for k, w in convert:
            row[k] = w(row[k])
        out.append(tuple(row))
    return out


def update_by_id(conn: Connection, table: Table, rows_: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET … WHERE id = ?`` for each dict (same keys, ``id`` among them), in
    one ``executemany``."""
    if not rows_:
        return
    names = tuple(c for c in rows_[0] if c != "id")
    values = bound(conn, table, (*names, "id"), rows_)
    later_many(conn, table.name, _update(table, names), values)


_WRITES: dict[tuple[str, str, tuple[str, ...]], str] = {}


def _insert(table: Table, names: tuple[str, ...]) -> str:
    found = _WRITES.get(("insert", table.name, names))  # the text is built once
    if found is not None:
        return found
    cols = ", ".join(f'"{c}"' for c in names)
    return _write_sql("insert", table, names, f'INSERT INTO "{table.name}" ({cols}) VALUES ?** ')  # noqa: S608  # metadata names


def _insert_arrays(conn: Connection, table: Table, names: tuple[str, ...]) -> str:
    """PostgreSQL: the rows as one array per column, cast to the column's type, inserted in
    the order given (``WITH ORDINALITY``: ids follow it, as with ``VALUES``)."""
    key = ("arrays", table.name, names)
    found = _WRITES.get(key)
    if found is None:  # table.c[c]: only the table's own column names (KeyError otherwise)
        kinds = [table.c[c].type.compile(dialect=conn.dialect) for c in names]
        cols = ", ".join(f'"{c}"' for c in names)
        arrays = ", ".join(f"?::{kind}[]" for kind in kinds)
        found = _WRITES[key] = (
            f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM unnest({arrays})'  # noqa: S608  # metadata names and types
            f" WITH ORDINALITY AS u ({cols}, n_) ORDER BY n_ "
        )
    return found


def _update(table: Table, names: tuple[str, ...]) -> str:
    found = _WRITES.get(("update", table.name, names))
    if found is not None:
        return found
    sets = ", ".join(f'"{c}" = ?' for c in names)
    return _write_sql("update", table, names, f'UPDATE "{table.name}" SET {sets} WHERE id = ?')  # noqa: S608  # metadata names


def _write_sql(verb: str, table: Table, names: tuple[str, ...], sql: str) -> str:
    """``sql`` remembered for ``verb`` on these columns (its callers looked it up first),
    once they are known to be the table's own (only metadata names ever reach SQL text)."""
    _check(table, names)
    _WRITES[(verb, table.name, names)] = sql
    return sql


def _check(table: Table, names: Sequence[str]) -> None:
    """Only the table's own column names ever reach SQL text (KeyError otherwise)."""
    for c in names:
        table.c[c]


def _writers(conn: Connection, table: Table, names: tuple[str, ...]) -> list[Reader | None]:
    """How each column's value is bound (remembered per dialect, table and columns)."""
    key = (conn.dialect.name, table.name, names)
    found = _WRITERS.get(key)
    if found is not None:
        return found
    out: list[Reader | None] = []
    for c in names:
        kind = table.c[c].type
        impl = getattr(kind, "impl", kind)
        if isinstance(impl, DateTime):
            out.append(bind_pg_time if conn.dialect.name == "postgresql" else bind_sqlite_time)
        elif isinstance(kind, JSON):
            out.append(_json_text)
        else:
            out.append(None)
    _WRITERS[key] = out
    return out


_WRITERS: dict[tuple[str, str, tuple[str, ...]], list[Reader | None]] = {}


def _json_text(value: Any) -> str:
    """A JSON column's value as SQLAlchemy's JSON binds it: ``json.dumps``, ``None`` as JSON
    null. An absent value is spelled without the encoder (a new entry row has three)."""
    return "null" if value is None else json.dumps(value)
