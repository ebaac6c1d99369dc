"""Many rows into (or onto) one table in one statement, on either store.

``raw.insert`` sends rows as multi-row ``VALUES``: a parameter per value, a few thousand per
statement. PostgreSQL parses and plans each such statement anew, and that cost grows with
the parameters: the 5,000 memberships of ``benchmarks/bench_append.py``'s first batch took 19
statements and 0.7–1.2 s of the server's time. From ``UNNEST_FROM`` rows on, PostgreSQL gets
one ``INSERT … SELECT * FROM unnest(…)`` instead: one array parameter per column, cast to the
column's type (issue 22). SQLite (and a few rows on PostgreSQL, as a knock at the door
writes) keep ``raw.insert``. :func:`run_columns` is the same idea for a statement written out
by hand (an import's questions and display names, session 35): an ``executemany`` of
thousands of rows runs the statement once per row on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from shequn.store import raw

UNNEST_FROM = 50
"""Rows from which PostgreSQL gets the arrays form (below it ``VALUES`` is as cheap)."""


def insert(conn: Connection, table: Table, rows_: Sequence[dict[str, Any]]) -> None:
    """Insert dicts (all with the same keys), values bound as ``raw.insert`` binds them."""
    if conn.dialect.name != "postgresql" or len(rows_) < UNNEST_FROM:
        raw.insert(conn, table, rows_)
        return
    names = tuple(rows_[0])
    run_columns(conn, _unnest_sql(conn, table, names), raw.bound(conn, table, names, rows_))


def run_columns(conn: Connection, sql: str, rows_: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL: run ``sql`` (psycopg's ``%s`` placeholders, one ``unnest`` array per
    column) once, with a list per column of ``rows_`` — what an ``executemany`` of the same
    rows does, in one statement the server parses, plans and executes once."""
    columns = [list(c) for c in zip(*rows_, strict=True)]
    raw.settle(conn)  # gathered writes go before a statement sent past store/raw.py
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, columns)
    finally:
        cur.close()


def _unnest_sql(conn: Connection, table: Table, names: tuple[str, ...]) -> str:
    """The statement for these columns: names and types from the table's metadata only."""
    key = (table.name, names)
    found = _SQL.get(key)
    if found is None:
        types = [table.c[c].type.compile(dialect=conn.dialect) for c in names]
        cols = ", ".join(f'"{c}"' for c in names)
        arrays = ", ".join(f"%b::{kind}[]" for kind in types)  # binary: raw.Array's reason
        found = _SQL[key] = f'INSERT INTO "{table.name}" ({cols}) SELECT * FROM unnest({arrays})'  # noqa: S608  # metadata names and types
    return found


_SQL: dict[tuple[str, tuple[str, ...]], str] = {}
