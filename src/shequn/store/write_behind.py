"""Writes nobody reads back, gathered and sent as few statements (PostgreSQL, issue 22).

A knock's append writes its projections' rows one table at a time — the entry, the link's
use, the referral, the membership, the outbox's actions — and on PostgreSQL each was its own
statement and round trip (psycopg's client CPU is ~60–80 µs a statement, near its floor).
None of them returns anything the caller reads, so ``raw.later`` keeps them until the next
statement of the transaction, and they go then as one statement of data-modifying ``WITH``
clauses, sent in the same pipeline as that next read (``raw.read_each``).

One statement's ``WITH`` clauses all see the snapshot taken before the statement, not each
other's rows, so a write joins a statement only when no earlier write in it touches the same
table; the writes gathered are blind to other tables (an ``INSERT … VALUES`` with at most
``ON CONFLICT`` on its own table, an ``UPDATE`` of its own table by key), so a statement's
clauses commute. Writes to a table already in the statement start the next statement, and
consecutive statements run in order, as they did one by one. Foreign keys are checked at the
end of the statement, so a row may name one inserted by another clause of it.

This module keeps the gathered writes (per thread and connection); ``store/raw.py`` sends
them before its next statement, and ``append.gathered`` opens and closes the gathering.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection

Write = tuple[str, str, Sequence[Any]]
"""A gathered write: the table it changes, its SQL (``raw``'s ``?`` marks) and its params."""

GATHERING: ContextVar[tuple[Connection, list[Write]] | None] = ContextVar(
    "shequn_gathered_writes", default=None
)
"""The connection whose writes this thread is gathering, and the writes so far."""


def queue(conn: Connection) -> list[Write] | None:
    """Where ``conn``'s writes are gathered now, or ``None`` (they run at once)."""
    found = GATHERING.get()
    return found[1] if found is not None and found[0] is conn else None


def waiting(conn: Connection) -> bool:
    """Whether writes of ``conn`` wait to be sent."""
    return bool(queue(conn))


def take(conn: Connection) -> list[tuple[str, list[Any]]]:
    """The writes of ``conn`` waiting, as statements (:func:`combined`); the queue empties."""
    queued = queue(conn)
    if not queued:
        return []
    writes = list(queued)
    queued.clear()
    return combined(writes)


def combined(writes: Sequence[Write]) -> list[tuple[str, list[Any]]]:
    """``writes`` in order as few statements as the rule above allows, each ``WITH w0 AS
    (…), w1 AS (…) SELECT 0`` (a row back, so it rides in a pipeline like a read)."""
    out: list[tuple[str, list[Any]]] = []
    tables: set[str] = set()
    parts: list[str] = []
    params: list[Any] = []
    for table, sql, values in writes:
        if table in tables:
            out.append((_statement(parts), params))
            tables, parts, params = set(), [], []
        tables.add(table)
        parts.append(sql)
        params.extend(values)
    if parts:
        out.append((_statement(parts), params))
    return out


def _statement(parts: list[str]) -> str:
    clauses = ", ".join(f"w{k} AS ({sql})" for k, sql in enumerate(parts))
    return f"WITH {clauses} SELECT 0"
