"""Many rows through one hand-written statement on PostgreSQL: one array per column.

An ``executemany`` of thousands of rows (an import's questions and display names) runs the
statement once per row on the server. :func:`run_columns` sends the rows as one ``unnest``
array per column instead, so the server parses, plans and executes it once (issue 22,
session 35). Inserts of whole rows need nothing from here: ``raw.insert`` already sends a
batch's rows to PostgreSQL as arrays (``raw.insert_bound``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from shequn.store import raw

UNNEST_FROM = 50
"""Rows from which PostgreSQL gets the arrays form (below it ``executemany`` is as cheap)."""


def run_columns(
    conn: Connection, sql: str, rows_: Sequence[Sequence[Any]], *, plan_each: bool = False
) -> None:
    """PostgreSQL: run ``sql`` (psycopg placeholders, ``%b`` for binary: one ``unnest`` array
    per column) once, with a list per column of ``rows_`` — what an ``executemany`` of the
    same rows does, in one statement the server parses, plans and executes once.
    ``plan_each``: planned for these values every time, never prepared (``raw.rows``)."""
    columns = [list(c) for c in zip(*rows_, strict=True)]
    raw.settle(conn)  # gathered writes go before a statement sent past store/raw.py
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if plan_each:
            cur.execute(sql, columns, prepare=False)
        else:
            cur.execute(sql, columns)
    finally:
        cur.close()
