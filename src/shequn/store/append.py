"""Appending events: insert what is new, skip what is known, update projections — atomically.

``append(conn, events)`` handles one batch inside the caller's transaction:

1. duplicates inside the batch and against the log (unique ``(source, source_ref)``) are
   counted and skipped — ``INSERT … ON CONFLICT DO NOTHING RETURNING`` tells exactly which
   rows this transaction inserted, so two writers racing on the same events each see only
   their own;
2. the projections are updated from the new events only (``store/projections.py``).

Rows are inserted in ``(source, source_ref)`` order so concurrent writers take row locks in
the same order and cannot deadlock on each other. On PostgreSQL a transaction-scoped
advisory lock serializes projection updates between writers (SQLite has one writer anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, select, text

from shequn.errors import NotFound
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.projections import Projector
from shequn.store.sql import insert_ignore

APPEND_LOCK = 0x5348_4551  # "SHEQ": the advisory lock key appenders share on PostgreSQL


@dataclass
class AppendResult:
    """What one or more appends did. ``new_events`` pairs each stored event with its id."""

    new: int = 0
    duplicate: int = 0
    new_events: list[tuple[int, Event]] = field(default_factory=list, repr=False)

    def __iadd__(self, other: AppendResult) -> AppendResult:
        self.new += other.new
        self.duplicate += other.duplicate
        self.new_events.extend(other.new_events)
        return self


def append(conn: Connection, events: Sequence[Event], *, keep_events: bool = False) -> AppendResult:
    """Append one batch in the current transaction; returns counts (and new events if asked)."""
    result = AppendResult()
    if not events:
        return result
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})

    unique: dict[tuple[str, str], Event] = {}
    for e in events:
        unique.setdefault((e.source, e.source_ref), e)
    result.duplicate = len(events) - len(unique)
    _check_communities(conn, unique.values())

    now = datetime.now(UTC)
    rows = [
        {
            "kind": e.kind,
            "occurred_at": e.occurred_at,
            "community_slug": e.community,
            "group_slug": e.group,
            "actor": e.actor,
            "subject": e.subject,
            "source": e.source,
            "source_ref": e.source_ref,
            "data": e.data,
            "recorded_at": now,
        }
        for _, e in sorted(unique.items(), key=lambda kv: kv[0])
    ]
    stmt = insert_ignore(conn, t.events).returning(
        t.events.c.id, t.events.c.source, t.events.c.source_ref
    )
    inserted = sorted(conn.execute(stmt, rows).all())
    result.new = len(inserted)
    result.duplicate += len(unique) - len(inserted)
    new_events = [(row[0], unique[(row[1], row[2])]) for row in inserted]
    Projector(conn).apply(new_events)
    if keep_events:
        result.new_events = new_events
    return result


def _check_communities(conn: Connection, events: Iterable[Event]) -> None:
    """Events must belong to a community whose blueprint was loaded (or is in this batch)."""
    slugs: set[str] = set()
    configured: set[str] = set()
    for e in events:
        slugs.add(e.community)
        if e.kind == "community.configured":
            configured.add(e.community)
    missing = slugs - configured
    if not missing:
        return
    known = set(
        conn.execute(select(t.communities.c.slug).where(t.communities.c.slug.in_(missing)))
        .scalars()
        .all()
    )
    unknown = sorted(missing - known)
    if unknown:
        raise NotFound(
            f"unknown community {unknown[0]!r}: load its blueprint first "
            "(shequn blueprint load FILE)",
            community=unknown[0],
        )
