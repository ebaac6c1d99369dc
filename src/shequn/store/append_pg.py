"""The events insert on PostgreSQL: a batch's rows into ``events``, the ids of those inserted.

Three forms, by the batch's size and what is expected of it:

- up to :data:`FEW` events, one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (``VALUES``
  for a knock's few, column arrays for a door's batch);
- a big batch of events expected to be new (an import's, a JSONL file's): ids reserved from the
  log's sequence, then one ``COPY`` into ``events`` itself inside a savepoint. If a key is
  stored already (a resumed import's first batch, a live bot that wrote the same message) the
  unique index refuses the COPY, the savepoint undoes it and the batch takes the next form;
- otherwise COPY into a temporary staging table and one ``INSERT … SELECT … ON CONFLICT DO
  NOTHING RETURNING``.

Every form inserts the rows in the order given (log order: ids follow time within a batch)
and returns exactly the rows this transaction inserted, even while another writer races on
the same keys: RETURNING lists them, and a COPY goes in whole or not at all. The COPY into
``events`` skips what the staging form costs the server per row — writing and reading the
staging table, sorting it and the conflict arbiter's speculative insertion — about 40% of the
events' share of an import (issue 22, session 36: docs/store.md, "Session 36, pgimport3").

Both COPY forms send binary rows (``FORMAT BINARY``): psycopg's C dumpers write an id, a
text or a time without the text form's escaping, and the server reads a ``timestamptz`` as
eight bytes instead of parsing it — per row about half the client's CPU of the text form
(4.4–5.5 → 2.1–2.3 µs) and ~1–2 µs less of the server's (issue 22, session 39:
docs/store.md, "Session 39, pgimport6"). The same values are stored either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from psycopg.errors import UniqueViolation
from sqlalchemy import Connection

from shequn.model.events import Event
from shequn.store import raw

Stored = list[tuple[int, Event]]
"""The events this transaction inserted, with their ids, in id order."""

FEW = 1000
"""Up to this many events go in as one ``INSERT``: a knock's three events through COPY took
five round trips (staging table, COPY, insert, truncate) where one will do, and a door's
batch of 100 knocks (~250 events) four, with the staging table's TRUNCATE on the server."""

_COLUMNS = (
    "kind, occurred_at, community_slug, group_slug, actor, subject, source, source_ref, data, "
    "recorded_at"
)
# The statements are spelled out in full: fixed text, every value bound as a parameter.
_IDS = "SELECT setval('events_id_seq', nextval('events_id_seq') + %s - 1)"
"""The last of ``n`` consecutive ids, reserved from the log's sequence in one call (not one
``nextval`` a row: 0.28 s of the server and a 10,000-row answer a batch per 300,000 messages,
session 37). Appenders hold the advisory lock (``store/append.py``), so no other appender
draws between the two calls; a writer bypassing it that did would take an id of the range,
and the COPY's primary key would refuse the batch, which then takes the staging form."""
_BINARY = "FROM STDIN (FORMAT BINARY)"
_TYPES = ["text", "timestamptz", "text", "text", "text", "text", "text", "text", "bytea",
          "timestamptz"]  # fmt: skip
"""The binary rows' types after the id: ``data`` goes as ``bytea`` holding what the server's
``jsonb`` receive function reads (:data:`_JSONB`, then the JSON text), so psycopg passes
orjson's bytes through untouched instead of dumping the value again."""
_JSONB = b"\x01"
"""The version byte of ``jsonb``'s binary form; the rest is the JSON text, which the server
parses as it would the text form's."""
_COPY_IN = f"COPY events (id, {_COLUMNS}) {_BINARY}"
_STAGING = """CREATE TEMP TABLE IF NOT EXISTS events_staging (
    kind text, occurred_at timestamptz, community_slug text, group_slug text, actor text,
    subject text, source text, source_ref text, data jsonb, recorded_at timestamptz
) ON COMMIT DELETE ROWS"""
_COPY_STAGED = f"COPY events_staging ({_COLUMNS}) {_BINARY}"
_INSERT_STAGED = (
    f"INSERT INTO events ({_COLUMNS}) "  # noqa: S608  # fixed text
    "SELECT kind, occurred_at, community_slug, group_slug, actor, subject, source, "
    "source_ref, data, recorded_at FROM events_staging ORDER BY occurred_at, source, source_ref "
    "ON CONFLICT DO NOTHING RETURNING id, source, source_ref"
)


def insert_many(conn: Connection, events: list[Event], now: datetime, *, new: bool) -> Stored:
    """A big batch (over :data:`FEW`) in log order: ``new`` (its events are expected not to
    be stored yet) tries the COPY straight into ``events`` first, else — or when a key is
    stored already — the staging table and ``ON CONFLICT DO NOTHING``."""
    raw.settle(conn)  # gathered writes go before a statement sent past store/raw.py
    driver = conn.connection.driver_connection
    assert driver is not None  # noqa: S101  # a live connection inside a transaction
    with driver.cursor() as cur:
        stored = _copy_in(cur, events, now) if new else None
        return _staged(cur, events, now) if stored is None else stored


def _copy_in(cur: Any, events: list[Event], now: datetime) -> Stored | None:
    """COPY the batch into ``events`` with consecutive ids reserved from its sequence (so ids
    follow the batch's order); None, with nothing written, when a key is stored already."""
    cur.execute(_IDS, (len(events),))
    last = int(cur.fetchone()[0])
    ids = list(range(last - len(events) + 1, last + 1))
    dumps, jsonb = orjson.dumps, _JSONB
    cur.execute("SAVEPOINT events_copy")
    try:
        with cur.copy(_COPY_IN) as copy:
            copy.set_types(["int8", *_TYPES])
            for i, e in zip(ids, events, strict=True):
                copy.write_row((i, e.kind, e.occurred_at, e.community, e.group, e.actor,
                                e.subject, e.source, e.source_ref, jsonb + dumps(e.data),
                                now))  # fmt: skip
    except UniqueViolation:  # a key (or, from a writer bypassing the sequence, an id) is taken
        cur.execute("ROLLBACK TO SAVEPOINT events_copy")
        return None
    cur.execute("RELEASE SAVEPOINT events_copy")
    return list(zip(ids, events, strict=True))


def _staged(cur: Any, events: list[Event], now: datetime) -> Stored:
    """COPY into a temporary staging table, then one ``INSERT … SELECT … ON CONFLICT DO
    NOTHING RETURNING``: RETURNING lists exactly the rows this transaction inserted even
    while another writer races on the same keys."""
    dumps, jsonb = orjson.dumps, _JSONB
    cur.execute(_STAGING)
    with cur.copy(_COPY_STAGED) as copy:
        copy.set_types(_TYPES)
        for e in events:
            copy.write_row((e.kind, e.occurred_at, e.community, e.group, e.actor, e.subject,
                            e.source, e.source_ref, jsonb + dumps(e.data), now))  # fmt: skip
    cur.execute(_INSERT_STAGED)
    by_key = {(e.source, e.source_ref): e for e in events}
    stored = sorted((int(i), by_key[(src, ref)]) for i, src, ref in cur.fetchall())
    cur.execute("TRUNCATE events_staging")  # the same transaction may append again
    return stored


_VALUES = (
    f"INSERT INTO events ({_COLUMNS}) VALUES ?** "  # noqa: S608  # fixed text
    "ON CONFLICT DO NOTHING RETURNING id, source, source_ref"
)
_ARRAYS = (
    f"INSERT INTO events ({_COLUMNS}) "  # noqa: S608  # fixed text
    "SELECT kind, occurred_at, community_slug, group_slug, actor, subject, source, source_ref, "
    "data, ?::timestamptz FROM unnest(?::varchar[], ?::timestamptz[], ?::varchar[], "
    "?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::jsonb[]) "
    "WITH ORDINALITY AS u (kind, occurred_at, community_slug, group_slug, actor, subject, "
    "source, source_ref, data, n) ORDER BY n "
    "ON CONFLICT DO NOTHING RETURNING id, source, source_ref"
)
"""A batch's events as one array per column (``raw.Array``): the ``VALUES`` form's text grows
with the rows (10 parameters each), and psycopg and the server parse it anew on every call."""


def insert_few(conn: Connection, events: list[Event], now: datetime) -> Stored:
    """Up to :data:`FEW` events: one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` —
    ``VALUES`` for a knock's few, arrays for a batch's (rows in log order, so ids follow time
    as with COPY); RETURNING lists exactly the rows this transaction inserted, as the COPY
    forms' do."""
    dumps = orjson.dumps
    values = [
        (e.kind, e.occurred_at, e.community, e.group, e.actor, e.subject, e.source,
         e.source_ref, dumps(e.data).decode())
        for e in events
    ]  # fmt: skip
    by_key = {(e.source, e.source_ref): e for e in events}
    if len(values) < raw.ARRAY_FROM:
        found = raw.rows(conn, _VALUES, [[(*v, now) for v in values]])
    else:
        columns = [raw.Array(list(c)) for c in zip(*values, strict=True)]
        found = raw.rows(conn, _ARRAYS, [now, *columns])
    return sorted((int(i), by_key[(src, ref)]) for i, src, ref in found)
