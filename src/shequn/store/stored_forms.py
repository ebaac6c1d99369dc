"""Times and JSON as each store keeps them: the two value types whose stored form differs
between SQLite and PostgreSQL.

SQLite keeps a time as naive UTC text (the form SQLAlchemy's ``DateTime`` writes, so text
comparisons order correctly) and JSON as text; PostgreSQL keeps an aware ``timestamptz`` and
``jsonb``, which psycopg decodes. :mod:`shequn.store.raw` binds and reads values through these
functions when it sends fixed SQL straight to the driver, as the tables' SQLAlchemy types would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection


def utc(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite keeps naive UTC text, PostgreSQL an
    aware ``timestamptz`` (what ``tables.UTCDateTime`` returns)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[19] == ".":  # SQLite's naive UTC text: parse it as UTC
            return datetime.fromisoformat(value + "+00:00")  # (replace(tzinfo=) costs 6x more)
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
    parses keywords; this costs about two thirds of either, once per event (issue 22).

    The last time spelled is kept with its text: a knock's events share one time object, and
    a row often binds it twice (``requested_at`` and ``decided_at``, ``status_at`` and
    ``joined_at``), so about half the calls of a batch at the door ask for the same object
    again. Compared by identity (the kept pair holds the object, so it cannot be another's)."""
    global _LAST  # one pair, replaced whole: safe across threads
    last = _LAST
    if last[0] is at:
        return last[1]
    text = (_NAIVE_EPOCH + (at - _EPOCH)).isoformat(" ", "microseconds")
    _LAST = (at, text)
    return text


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # SQLite's times are naive UTC text
_LAST: tuple[object, str] = (object(), "")  # sqlite_time's last time and its text


def bind_pg_time(at: datetime | None) -> datetime | None:
    """A time (or None) as PostgreSQL takes it: aware, in UTC; a naive time is refused."""
    return None if at is None else _time(at)


def _time(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} given to the store")
    return at.astimezone(UTC)
