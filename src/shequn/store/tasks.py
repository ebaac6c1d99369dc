"""Operator tasks: what only a person can do, in one inbox.

Creating a group, refunding through a payment platform, deciding an action a crash left
uncertain: the worker opens a task with a plain instruction, the operator does it and marks it
done (``shequn tasks done``). Operational records like the actions themselves, not community
facts. A task's ``key`` makes opening it idempotent: a worker that opens the same task twice
(after a crash) leaves one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shequn.errors import NotFound
from shequn.model.i18n import Said
from shequn.store import action_states
from shequn.store import tables as t

c = t.operator_tasks.c


def open_task(
    conn: Connection,
    *,
    key: str,
    kind: str,
    community: str,
    group: str | None,
    instruction: str,
    now: datetime,
    action_id: int | None = None,
) -> None:
    """Open a task unless one with ``key`` exists."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
    conn.execute(
        insert(t.operator_tasks)
        .values(
            key=key,
            kind=kind,
            community_slug=community,
            group_slug=group,
            action_id=action_id,
            instruction=instruction[:4096],
            status="open",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )


def list_tasks(
    conn: Connection,
    community: str,
    *,
    status: str | None = "open",
    groups: Sequence[str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Tasks of a community, oldest first; ``groups`` limits them to those groups (a leader's
    scope: tasks without a group are community-wide and shown only when ``groups`` is None)."""
    q = select(t.operator_tasks).where(c.community_slug == community).order_by(c.id).limit(limit)
    if status is not None:
        q = q.where(c.status == status)
    if groups is not None:
        q = q.where(c.group_slug.in_(list(groups)))
    return [dict(r) for r in conn.execute(q).mappings()]


def get_task(conn: Connection, task_id: int) -> dict[str, Any]:
    row = conn.execute(select(t.operator_tasks).where(c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(Said("no task {task_id}", task_id=task_id), task=task_id)
    return dict(row)


def task_done(
    conn: Connection, task_id: int, *, by: str, now: datetime, note: str | None = None
) -> dict[str, Any]:
    """Close a task; the action waiting for it (in ``review``) becomes ``done``. Closing it
    again changes nothing (a repeated request is harmless)."""
    row = get_task(conn, task_id)
    if row["status"] != "open":
        return row
    conn.execute(
        update(t.operator_tasks)
        .where(c.id == task_id, c.status == "open")
        .values(status="done", done_at=now, done_by=by, note=note)
    )
    if row["action_id"] is not None:
        action_states.resolve(conn, row["action_id"], by, now)
    return get_task(conn, task_id)


def open_count(conn: Connection, community: str) -> int:
    q = select(func.count()).where(c.community_slug == community, c.status == "open")
    return int(conn.execute(q).scalar_one())
