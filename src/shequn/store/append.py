"""Appending events: insert what is new, skip what is known, update projections — atomically.

``append(conn, events)`` handles one batch inside the caller's transaction:

1. duplicates inside the batch and against the log (unique ``(source, source_ref)``) are
   counted and skipped — ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (or on PostgreSQL a
   big batch's COPY, which goes in whole or not at all: ``store/append_pg.py``) tells exactly
   which rows this transaction inserted, so two writers racing on the same events each see
   only their own;
2. the projections are updated from the new events only (``store/projections.py``).

Rows are inserted in time order (ties broken by ``(source, source_ref)``), so ids follow time
within a batch. On PostgreSQL a transaction-scoped advisory lock serializes appenders: their
projection updates read then write, and must not interleave (SQLite has one writer anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter

import orjson
from sqlalchemy import Connection, event

from shequn.errors import NotFound
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import append_pg, raw, write_behind
from shequn.store.append_ahead import Ahead, look_ahead, prefetched
from shequn.store.projections import IdentityCache, Projector

APPEND_LOCK = 0x5348_4551  # "SHEQ": the advisory lock key appenders share on PostgreSQL


@dataclass
class AppendResult:
    """What one or more appends did. ``new_events`` pairs each stored event with its id."""

    new: int = 0
    duplicate: int = 0
    stored_before: int = 0
    """Of ``duplicate``, the events the log held already (the rest repeat inside a batch)."""
    new_events: list[tuple[int, Event]] = field(default_factory=list, repr=False)

    def __iadd__(self, other: AppendResult) -> AppendResult:
        self.new += other.new
        self.duplicate += other.duplicate
        self.stored_before += other.stored_before
        self.new_events.extend(other.new_events)
        return self


def append(
    conn: Connection,
    events: Sequence[Event],
    *,
    keep_events: bool = False,
    identity_cache: IdentityCache | None = None,
    ahead: Ahead | None = None,
    expect_new: bool = True,
) -> AppendResult:
    """Append one batch in the current transaction; returns counts (and new events if asked).

    ``identity_cache`` may be shared by consecutive batches of one import (see Projector).
    ``ahead``: what the events name, read earlier in this transaction under the lock (the
    door's second round trip); used when it covers them, else they are looked up here.
    ``expect_new``: the events are probably not stored yet (an import whose last batch held
    none stored before): on PostgreSQL a big batch is copied into the log itself, and goes
    the slower way only if a key is taken after all (``store/append_pg.py``). Only speed
    depends on it.
    """
    result = AppendResult()
    if not events:
        return result
    unique: dict[tuple[str, str], Event] = {}
    for e in events:
        unique.setdefault((e.source, e.source_ref), e)
    result.duplicate = len(events) - len(unique)
    # A few events of one community: the lock and the projections' lookups in one round trip
    # (store/append_ahead.py).
    lock = decision_lock_read(conn)
    ahead = None if lock.sql is not None else prefetched(ahead, unique.values(), identity_cache)
    if ahead is None:
        ahead = look_ahead(conn, unique.values(), lock, identity_cache)
    absent, groups = None, None
    if ahead is None:
        if conn.dialect.name == "postgresql":
            _advisory_lock(conn)
        known = _check_communities(conn, unique.values())
    else:
        known = _check_communities(conn, unique.values(), ahead.communities)
        identity_cache, absent, groups = ahead.identities, ahead.absent, ahead.groups

    ordered = sorted(unique.values(), key=_IN_LOG_ORDER)
    now = datetime.now(UTC)
    if conn.dialect.name != "postgresql":
        new_events = _insert_sqlite(conn, ordered, now)
    elif len(ordered) > append_pg.FEW:
        new_events = append_pg.insert_many(conn, ordered, now, new=expect_new)
    else:
        new_events = append_pg.insert_few(conn, ordered, now)
    result.new = len(new_events)
    result.stored_before = len(unique) - len(new_events)
    result.duplicate += result.stored_before
    Projector(conn, identity_cache, known, absent, groups).apply(new_events)
    if keep_events:
        result.new_events = new_events
    return result


@contextmanager
def gathered(conn: Connection) -> Iterator[None]:
    """Inside the block, the projections' and the outbox's writes that nobody reads back wait
    for the transaction's next statement and go with it, several as one statement
    (``store/write_behind.py``; PostgreSQL only, on SQLite nothing changes); the rest go at
    the block's end. Every statement on ``conn`` sends them first: those of ``store/raw.py``,
    SQLAlchemy's (its ``before_cursor_execute``) and the driver-cursor paths (COPY, unnest),
    which settle first. If the block raises, the writes not yet sent are dropped: it is
    opened only where an error ends the transaction (the door's and ``record``'s appends)."""
    if conn.dialect.name != "postgresql" or write_behind.GATHERING.get() is not None:
        yield
        return
    if not event.contains(conn.engine, "before_cursor_execute", _settle_first):
        event.listen(conn.engine, "before_cursor_execute", _settle_first)
    token = write_behind.GATHERING.set((conn, []))
    try:
        yield
        raw.settle(conn)
    finally:
        write_behind.GATHERING.reset(token)


def _settle_first(conn: Connection, *_: object) -> None:
    raw.settle(conn)


def lock_for_decision(conn: Connection) -> None:
    """Serialise a read-decide-append transaction with every appender.

    A decision that reads state (seats left in a group, rewards granted) must not interleave
    with another one reading the same state. SQLite writers already hold the database's write
    lock from ``BEGIN IMMEDIATE``; on PostgreSQL this takes the appenders' advisory lock now,
    before the reads, rather than at the append.
    """
    if conn.dialect.name == "postgresql":
        _advisory_lock(conn)


def decision_lock_read(conn: Connection) -> raw.Read[None]:
    """:func:`lock_for_decision` as the first read of a ``raw.read_each``: on PostgreSQL the
    pipeline's later reads run once the lock is held, and the lock costs no round trip of its
    own (the door sends it with its first reads, issue 22). Nothing to ask on SQLite or when
    this transaction holds the lock already."""
    if conn.dialect.name != "postgresql":  # SQLite: BEGIN IMMEDIATE holds the lock already
        return _NOTHING
    held = conn.get_transaction()
    if held is not None and conn.info.get(_HOLDS) is held:
        return _NOTHING

    def taken(_found: list[tuple[object, ...]]) -> None:
        conn.info[_HOLDS] = held

    return raw.Read(_LOCK, (APPEND_LOCK,), taken)


def _nothing(_found: list[tuple[object, ...]]) -> None:
    return None


_NOTHING: raw.Read[None] = raw.Read(None, (), _nothing)


_LOCK = "SELECT pg_advisory_xact_lock(?)"


def _advisory_lock(conn: Connection) -> None:
    """The appenders' lock, once per transaction (a decision takes it before its reads, its
    append need not ask again), sent on the driver's cursor: through SQLAlchemy each cost
    more client CPU than the server's answer (issue 22). The transaction that holds it is
    remembered on the connection; a later transaction is another object, so asks again."""
    held = conn.get_transaction()
    if held is not None and conn.info.get(_HOLDS) is held:
        return
    raw.first(conn, _LOCK, (APPEND_LOCK,))
    conn.info[_HOLDS] = held


_HOLDS = "shequn_append_lock"


_IN_LOG_ORDER = attrgetter("occurred_at", "source", "source_ref")
Stored = append_pg.Stored
# The statement is spelled out in full: fixed text, every value bound as a parameter.
_SQLITE_INSERT = (
    "INSERT OR IGNORE INTO events (kind, occurred_at, community_slug, group_slug, actor, "
    "subject, source, source_ref, data, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_sqlite(conn: Connection, events: list[Event], now: datetime) -> Stored:
    """SQLite: ``INSERT OR IGNORE`` in one executemany; ids follow from the previous maximum.

    The transaction holds SQLite's write lock (BEGIN IMMEDIATE), so the rows with an id above
    the previous maximum are exactly the ones this statement inserted, in order: when every
    row went in, the ids are simply consecutive; otherwise they are read back. Values are bound in
    the same text forms SQLAlchemy's SQLite types use, skipping per-value type processing,
    which otherwise costs more than the insert itself.
    """
    recorded, dumps, when = raw.sqlite_time(now), orjson.dumps, raw.sqlite_time
    rows = [
        (
            e.kind,
            when(e.occurred_at),
            e.community,
            e.group,
            e.actor,
            e.subject,
            e.source,
            e.source_ref,
            dumps(e.data).decode(),
            recorded,
        )
        for e in events
    ]
    cur = raw.driver(conn).cursor()
    try:
        before = int(cur.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
        cur.executemany(_SQLITE_INSERT, rows)
        if cur.rowcount == len(events):
            return list(enumerate(events, before + 1))
        if cur.rowcount == 0:
            return []
        by_key = {(e.source, e.source_ref): e for e in events}
        cur.execute("SELECT id, source, source_ref FROM events WHERE id > ? ORDER BY id", (before,))
        return [(int(i), by_key[(src, ref)]) for i, src, ref in cur.fetchall()]
    finally:
        cur.close()


def _check_communities(
    conn: Connection, events: Iterable[Event], found: dict[str, int] | None = None
) -> dict[str, int]:
    """Events must belong to a community whose blueprint was loaded (or is in this batch).
    Returns the ids of the stored ones it looked up (the projections need them next);
    ``found``: those already looked up (``append_ahead``)."""
    slugs: set[str] = set()
    configured: set[str] = set()
    for e in events:
        slugs.add(e.community)
        if e.kind == "community.configured":
            configured.add(e.community)
    missing = slugs - configured
    if not missing:
        return {}
    if found is None:
        wanted = sorted(missing)
        sql = "SELECT slug, id FROM communities WHERE slug IN (?*)"
        found = dict(raw.rows(conn, sql, [wanted]))
    known: dict[str, int] = dict(found)
    unknown = sorted(missing - set(known))
    if unknown:
        raise NotFound(
            Said(
                "unknown community {community!r}: load its blueprint first "
                "(shequn blueprint load FILE)",
                community=unknown[0],
            ),
            community=unknown[0],
        )
    return known
