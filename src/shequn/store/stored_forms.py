"""Times and JSON as each store keeps them: the two value types whose stored form differs
between SQLite and PostgreSQL.

SQLite keeps a time as naive UTC text (the form SQLAlchemy's ``DateTime`` writes, so text
comparisons order correctly) and JSON as text; PostgreSQL keeps an aware ``timestamptz`` and
``jsonb``, which psycopg decodes. :mod:`shequn.store.raw` binds and reads values through these
functions when it sends fixed SQL straight to the driver, as the tables' SQLAlchemy types would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection


def _null(_value: None) -> None:
    return None


# Python's sqlite3 binds an exact ``int``, ``float``, ``str`` or ``bytearray`` directly and
# hands every other value to its adapter lookup first: a miss in its registry, then
# ``__adapt__`` looked up on its protocol *type*, which formats an AttributeError message only
# to drop it, then ``__conform__`` on the value — ~3,300 instructions (~1.2 µs against an
# int's ~0.05) for each ``None`` and ``bool`` bound, ~12 a batched join (2.4% of its
# instructions with the message, issue 22, docs/speed/). Registered, they are found at the
# registry's first look and bound as before: ``None`` as NULL, a bool as the integer sqlite3
# binds it as anyway. For the whole process, with the same result for every caller.
sqlite3.register_adapter(type(None), _null)
sqlite3.register_adapter(bool, int)


def utc(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite keeps naive UTC text, PostgreSQL an
    aware ``timestamptz`` (what ``tables.UTCDateTime`` returns)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[19] == ".":  # SQLite's naive UTC text: parse it as UTC
            at = _READ.get(value)
            if at is None:
                at = datetime.fromisoformat(value + "+00:00")  # (replace(tzinfo=) costs 6x more)
                _keep(_READ, value, at)
            return at
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    return value.astimezone(UTC)  # type: ignore[no-any-return]


def bind_time(conn: Connection, at: datetime) -> Any:
    """A time as a parameter: naive UTC text on SQLite (the form SQLAlchemy stores, so text
    comparisons order correctly), the aware value on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return bind_pg_time(at)
    return bind_sqlite_time(at)


def time_binder(conn: Connection) -> Callable[[datetime], Any]:
    """:func:`bind_time` for this connection's store, chosen once (for a loop over many rows)."""
    return bind_pg_time if conn.dialect.name == "postgresql" else bind_sqlite_time


def json_value(value: Any) -> Any:
    """A stored JSON column: text on SQLite, already decoded by psycopg on PostgreSQL."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


def bind_sqlite_time(at: datetime | None) -> str | None:
    """A time (or None) as SQLite keeps it; a naive time is refused."""
    if at is None:
        return None
    if at.tzinfo is None:
        _time(at)  # refuses it
    return sqlite_time(at)


def sqlite_time(at: datetime) -> str:
    """An aware time as the text SQLAlchemy's SQLite DateTime stores: naive UTC with
    microseconds, ``2026-01-01 08:30:00.000000``.

    Through the naive epoch plus the time since the aware one: an aware ``isoformat`` asks its
    zone for the offset and spells it (only to have it cut off), and ``replace(tzinfo=None)``
    parses keywords; this costs about two thirds of either.

    Spelled once per instant (:data:`_SPELLED`): a batch of 100 knocks and joins binds ~7
    times a join but only ~2 instants a join (a knock's time, its join's), each in several
    rows and columns (``requested_at`` and ``decided_at``, ``status_at`` and ``joined_at``,
    the events' ``occurred_at``, ``first_seen_at``), from objects that are equal but often not
    the same. ``isoformat`` costs ~8,000 instructions (CPython's ``PyUnicode_FromFormat``),
    4% of a batched join's; a dict hit ~10% of that (issue 22, docs/speed/). Only times in
    UTC (the engine's, the events') are kept: two of them are equal exactly when they are one
    instant, while two times of one other zone compare by wall clock (an hour that a change
    of clocks repeats would be one key)."""
    if at.tzinfo is not UTC:
        return _spelled(at)
    text = _SPELLED.get(at)
    if text is None:
        text = _spelled(at)
        _keep(_SPELLED, at, text)
    return text


def _spelled(at: datetime) -> str:
    return (_NAIVE_EPOCH + (at - _EPOCH)).isoformat(" ", "microseconds")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # SQLite's times are naive UTC text
_KEPT = 4_096
"""Entries per memo below: a few batches' instants (~2 a join), ~0.5 MB at most."""
_SPELLED: dict[datetime, str] = {}
""":func:`sqlite_time`'s instants and their text."""
_READ: dict[str, datetime] = {}
""":func:`utc`'s SQLite texts and their aware time: a batch's re-counts read the same
referrals' and memberships' times again (datetimes are immutable, so one object may be
handed out many times)."""


def _keep(memo: dict[Any, Any], key: Any, value: Any) -> None:
    """Remember ``key``, forgetting everything first once the memo is full (a dict's get, set
    and clear are each atomic under the GIL: a thread may miss, never read a wrong pair)."""
    if len(memo) >= _KEPT:
        memo.clear()
    memo[key] = value


def bind_pg_time(at: datetime | None) -> datetime | None:
    """A time (or None) as PostgreSQL takes it: aware, in UTC; a naive time is refused."""
    return None if at is None else _time(at)


def _time(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} given to the store")
    return at.astimezone(UTC)
