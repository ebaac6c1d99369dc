"""The outbox: actions written in the same transaction as the events that caused them.

If the transaction rolls back, the actions vanish with the events; if it commits, a worker
will find them. That is what makes "decide, then act" safe without distributed commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from shequn.model.actions import Action
from shequn.store import tables as t


def enqueue(conn: Connection, actions: Sequence[Action], *, caused_by: int | None = None) -> int:
    """Queue actions as ``pending``; returns how many were queued."""
    if not actions:
        return 0
    now = datetime.now(UTC)
    conn.execute(
        t.actions.insert(),
        [
            {
                "kind": a.kind,
                "community_slug": a.community,
                "group_slug": a.group,
                "payload": a.payload,
                "due_at": a.due_at,
                "status": "pending",
                "attempts": 0,
                "caused_by": caused_by,
                "created_at": now,
                "updated_at": now,
            }
            for a in actions
        ],
    )
    return len(actions)


def pending(conn: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Pending actions, earliest due first (what a worker would look at next)."""
    c = t.actions.c
    q = select(t.actions).where(c.status == "pending").order_by(c.due_at, c.id).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]
