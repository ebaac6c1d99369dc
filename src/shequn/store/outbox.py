"""The outbox: actions written in the same transaction as the events that caused them.

If the transaction rolls back, the actions vanish with the events; if it commits, a worker
will find them. That is what makes "decide, then act" safe without distributed commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from shequn.model.actions import Action, said_status
from shequn.model.i18n import Said
from shequn.store import raw
from shequn.store import tables as t
from shequn.store.stored_forms import time_binder


def enqueue(conn: Connection, actions: Sequence[Action], *, caused_by: int | None = None) -> int:
    """Queue actions as ``pending``; returns how many were queued."""
    return enqueue_each(conn, [(a, caused_by) for a in actions])


def enqueue_each(conn: Connection, actions: Sequence[tuple[Action, int | None]]) -> int:
    """Queue actions, each with the event that caused it, in one statement (fixed SQL on the
    driver's cursor, ``store/raw.py``: every knock at the door queues some).

    An action whose idempotency key is queued already is skipped: the same cause asking for
    the same effect twice (a replayed decision) leaves one row, so the effect happens once."""
    if not actions:
        return 0
    when = time_binder(conn)  # as raw.bound binds the columns' times; JSON as SQLAlchemy's
    now = when(datetime.now(UTC))
    rows = []
    for a, caused_by in actions:
        due = when(a.due_at)
        key = idempotency_key(a, caused_by)
        payload = json.dumps(a.payload)
        rows.append(
            (
                a.kind,
                a.community,
                a.group,
                payload,
                due,
                due,
                "pending",
                0,
                caused_by,
                now,
                now,
                key,
                target_of(a),
            )
        )
    raw.insert_bound(conn, t.actions, _COLUMNS, rows, "ON CONFLICT (idempotency_key) DO NOTHING")
    return len(actions)


_COLUMNS = (
    *("kind", "community_slug", "group_slug", "payload", "due_at", "next_run_at", "status"),
    *("attempts", "caused_by", "created_at", "updated_at", "idempotency_key", "target"),
)
"""The columns :func:`enqueue_each` writes, in the order of its rows' values."""


def answered(conn: Connection, community: str, command: str) -> bool:
    """Whether a reply (or a poster) to the bot command keyed ``command`` (the platform's chat
    and message id) is queued already: a re-delivered command that changed something must not
    change it, or answer it, again."""
    a = t.actions
    query = select(a.c.id).where(
        a.c.community_slug == community,
        a.c.kind.in_(("message.send", "poster.send")),
        a.c.payload["command"].as_string() == command,
    )
    return conn.execute(query.limit(1)).first() is not None


def idempotency_key(action: Action, caused_by: int | None) -> str:
    """A deterministic key for one intended effect: its cause, kind and content."""
    body = _KEY_JSON.encode(
        [action.community, action.group, action.payload, action.due_at.isoformat()]
    )
    digest = hashlib.sha256(body.encode()).hexdigest()[:32]
    return f"{caused_by if caused_by is not None else '-'}:{action.kind}:{digest}"


_KEY_JSON = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)
"""What ``json.dumps(…, sort_keys=True, default=str, ensure_ascii=False)`` builds per call:
built once (the keys stay as they were)."""


def target_of(action: Action) -> str:
    """The chat or person an action touches, the key its rate limit is counted under.

    A message to one person counts against that person's private chat — whether ``to`` names
    them or lists only them (bot replies do) — everything else against the group (or the
    community when there is none)."""
    to = action.payload.get("to")
    if isinstance(to, list) and len(to) == 1:
        to = to[0]
    if isinstance(to, str):
        return to
    if action.group is not None:
        return f"{action.community}/{action.group}"
    return action.community


def pending(conn: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Pending actions, earliest due first (what a worker would look at next)."""
    c = t.actions.c
    q = select(t.actions).where(c.status == "pending").order_by(c.due_at, c.id).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]


OUTCOMES = ("done", "failed")


def list_actions(
    conn: Connection,
    *,
    community: str | None = None,
    status: str | None = "pending",
    kind: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Actions in id order after ``after`` (a worker's cursor), filtered."""
    c = t.actions.c
    q = select(t.actions).where(c.id > after).order_by(c.id).limit(limit)
    if community is not None:
        q = q.where(c.community_slug == community)
    if status is not None:
        q = q.where(c.status == status)
    if kind is not None:
        q = q.where(c.kind == kind)
    return [dict(r) for r in conn.execute(q).mappings()]


def finish(
    conn: Connection, action_id: int, outcome: str, result: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Mark a pending action done or failed (a worker reports back); returns the row.

    Only a pending action can be finished, so two workers racing on one action cannot both
    report it."""
    from shequn.errors import Conflict, InvalidEvent, NotFound

    if outcome not in OUTCOMES:
        raise InvalidEvent(
            Said("outcome must be one of {names}", names=", ".join(OUTCOMES)), field="outcome"
        )
    c = t.actions.c
    row = conn.execute(select(t.actions).where(c.id == action_id)).mappings().first()
    if row is None:
        raise NotFound(Said("no action {action_id}", action_id=action_id), action=action_id)
    if row["status"] != "pending":
        raise Conflict(
            Said(
                "action {action_id} is {status} already",
                action_id=action_id,
                status=said_status(row["status"]),
            ),
            action=action_id,
        )
    conn.execute(
        t.actions.update()
        .where(c.id == action_id, c.status == "pending")
        .values(
            status=outcome, result=result, attempts=c.attempts + 1, updated_at=datetime.now(UTC)
        )
    )
    return {**dict(row), "status": outcome, "result": result}
