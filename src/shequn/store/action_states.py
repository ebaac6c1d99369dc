"""The one owner of an action's life: claim, lease, attempt, retry, dead letter, review.

Every change of an action's ``status`` happens here, so the worker, the CLI and the API leave
the same trace. A worker's changes are guarded by its lease (``status = 'leased' AND leased_by =
me``): a worker whose lease expired and was taken over cannot overwrite the new owner's work.

The *never twice* rule rests on :func:`start`: for a call that is not idempotent the worker
commits ``attempt_started_at`` before calling the platform, so after a crash an action that was
started and has no result is known to be uncertain and goes to ``review`` instead of being sent
again (see ``worker/loop.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from shequn.errors import Conflict, NotFound
from shequn.model.actions import RETRYABLE, Status, said_status
from shequn.model.i18n import N_, Said, said_from, said_payload
from shequn.store import tables as t

c = t.actions.c


@dataclass(frozen=True, slots=True)
class ActionRow:
    """An action as the worker sees it."""

    id: int
    kind: str
    community: str
    group: str | None
    payload: dict[str, Any]
    target: str | None
    idempotency_key: str
    attempts: int
    attempt_started_at: datetime | None
    next_run_at: datetime
    status: str

    @classmethod
    def of(cls, r: Any) -> ActionRow:
        return cls(
            r.id,
            r.kind,
            r.community_slug,
            r.group_slug,
            dict(r.payload or {}),
            r.target,
            r.idempotency_key,
            r.attempts,
            r.attempt_started_at,
            r.next_run_at,
            r.status,
        )


_COLUMNS = (
    c.id,
    c.kind,
    c.community_slug,
    c.group_slug,
    c.payload,
    c.target,
    c.idempotency_key,
    c.attempts,
    c.attempt_started_at,
    c.next_run_at,
    c.status,
)


def claim(
    conn: Connection, worker: str, now: datetime, *, lease_until: datetime, limit: int
) -> list[ActionRow]:
    """Lease up to ``limit`` due pending actions to ``worker``, earliest first.

    On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``: workers claiming at the same
    moment each get different rows and nobody waits. SQLite has one worker at a time."""
    due = (
        select(c.id)
        .where(c.status == Status.PENDING, c.next_run_at <= now)
        .order_by(c.next_run_at, c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    rows = conn.execute(
        update(t.actions)
        .where(c.id.in_(ids), c.status == Status.PENDING)
        .values(status=Status.LEASED, leased_until=lease_until, leased_by=worker, updated_at=now)
        .returning(*_COLUMNS)
    ).all()
    return sorted((ActionRow.of(r) for r in rows), key=lambda a: (a.next_run_at, a.id))


def expired(conn: Connection, now: datetime, *, everyone: bool = False) -> list[ActionRow]:
    """Leased actions whose lease ran out (their worker died), locked for the caller to settle.

    ``everyone``: every leased action, expired or not — what a SQLite worker may take over on
    start, since it holds the only worker lock and any lease left is a dead worker's."""
    q = select(*_COLUMNS).where(c.status == Status.LEASED).order_by(c.id)
    if not everyone:
        q = q.where(c.leased_until < now)
    return [ActionRow.of(r) for r in conn.execute(q.with_for_update(skip_locked=True))]


def adopt(
    conn: Connection, worker: str, ids: Sequence[int], *, lease_until: datetime, now: datetime
) -> None:
    """Take over leased actions of a dead worker (to finish what it proved it did)."""
    conn.execute(
        update(t.actions)
        .where(c.id.in_(ids), c.status == Status.LEASED)
        .values(leased_by=worker, leased_until=lease_until, updated_at=now)
    )


def renew(
    conn: Connection, worker: str, ids: Sequence[int], *, lease_until: datetime, now: datetime
) -> set[int]:
    """Extend this worker's lease on ``ids``; returns those it still holds. A lease that ran
    out while the worker was slow (a long batch, pacing, a starved machine) may have been taken
    over: that action is the new owner's now, and this worker must not carry it out too."""
    if not ids:
        return set()
    mine = (c.id.in_(ids), c.status == Status.LEASED, c.leased_by == worker)
    conn.execute(update(t.actions).where(*mine).values(leased_until=lease_until, updated_at=now))
    return set(conn.execute(select(c.id).where(*mine)).scalars())


def start(conn: Connection, worker: str, ids: Sequence[int], now: datetime) -> None:
    """Record that the platform is about to be called (commit before calling)."""
    conn.execute(
        update(t.actions)
        .where(c.id.in_(ids), c.status == Status.LEASED, c.leased_by == worker)
        .values(attempt_started_at=now, attempts=c.attempts + 1, updated_at=now)
    )


@dataclass(frozen=True, slots=True)
class Done:
    id: int
    result: dict[str, Any]
    platform_ref: str | None
    counted: bool  # False when start() counted the attempt already


def complete(
    conn: Connection, worker: str | None, done: Sequence[Done], connector: str, now: datetime
) -> int:
    """Mark performed actions ``done`` with the platform's answer; returns how many were
    still this worker's (a lost lease leaves the row to its new owner)."""
    if not done:
        return 0
    stmt = (
        update(t.actions)
        .where(c.id == bindparam("b_id"), c.status == Status.LEASED)
        .values(
            status=Status.DONE,
            result=bindparam("b_result"),
            platform_ref=bindparam("b_ref"),
            attempts=c.attempts + bindparam("b_add"),
            connector=connector,
            leased_until=None,
            last_error=None,
            last_error_said=None,
            updated_at=now,
        )
    )
    if worker is not None:
        stmt = stmt.where(c.leased_by == worker)
    params = [
        {"b_id": d.id, "b_result": d.result, "b_ref": d.platform_ref, "b_add": int(d.counted)}
        for d in done
    ]
    return conn.execute(stmt, params).rowcount or 0


def release(
    conn: Connection,
    worker: str | None,
    ids: Iterable[int],
    *,
    at: datetime,
    now: datetime,
    error: str | None = None,
    count: bool = False,
) -> None:
    """Back to ``pending``, to run at ``at``: a retry after a transient error (``count`` the
    attempt), a paced action's slot, or a dead worker's action that is safe to repeat."""
    q = update(t.actions).where(c.id.in_(list(ids)), c.status == Status.LEASED)
    if worker is not None:
        q = q.where(c.leased_by == worker)
    values: dict[str, Any] = {
        "status": Status.PENDING,
        "next_run_at": at,
        "leased_until": None,
        "leased_by": None,
        "attempt_started_at": None,
        "updated_at": now,
    }
    if error is not None:
        values |= _error(error)
    if count:
        values["attempts"] = c.attempts + 1
    conn.execute(q.values(**values))


def settle(
    conn: Connection,
    worker: str | None,
    action_id: int,
    status: Status,
    reason: str,
    now: datetime,
    *,
    count: bool = False,
) -> None:
    """End a leased action as ``failed``, ``dead`` or ``review``, with the reason in words."""
    q = update(t.actions).where(c.id == action_id, c.status == Status.LEASED)
    if worker is not None:
        q = q.where(c.leased_by == worker)
    values: dict[str, Any] = {
        "status": status,
        "leased_until": None,
        "updated_at": now,
        **_error(reason),
    }
    if count:
        values["attempts"] = c.attempts + 1
    conn.execute(q.values(**values))


def _error(reason: str) -> dict[str, Any]:
    """The columns of an action's last error: its English (``last_error``, for logs and API
    clients) and, when the worker's reason is a ``Said``, its message id and arguments
    (``last_error_said``), so each reader has it in their language (:func:`last_error`)."""
    said = said_payload(reason)
    try:
        json.dumps(said)
    except (TypeError, ValueError):  # an argument that is not data: the English alone
        said = None
    return {"last_error": reason[:2048], "last_error_said": said}


def last_error(row: Mapping[str, Any]) -> str:
    """An action row's last error to say in the reader's language: a ``Said`` rebuilt from
    ``last_error_said``, else the English ``last_error`` as stored (rows failed before it was
    kept, or a reason that was plain words); ``''`` when there is none."""
    said = row.get("last_error_said")
    return said_from(said) if isinstance(said, Mapping) else str(row.get("last_error") or "")


# --- what an operator does ----------------------------------------------------------------


def get(conn: Connection, action_id: int) -> dict[str, Any]:
    row = conn.execute(select(t.actions).where(c.id == action_id)).mappings().first()
    if row is None:
        raise NotFound(Said("no action {action_id}", action_id=action_id), action=action_id)
    return dict(row)


def retry(conn: Connection, action_id: int, now: datetime) -> dict[str, Any]:
    """Send a failed, dead, reviewed or cancelled action back to ``pending`` now, with a fresh
    count of attempts (the operator has fixed what was wrong, or decided to send again); a
    pending one waiting for its next try is due now."""
    row = get(conn, action_id)
    if row["status"] not in RETRYABLE and row["status"] != Status.PENDING:
        raise _refused(
            N_("action {action_id} is {status}: nothing to retry"), action_id, row["status"]
        )
    conn.execute(
        update(t.actions)
        .where(c.id == action_id, c.status == row["status"])
        .values(
            status=Status.PENDING,
            next_run_at=now,
            attempts=0,
            attempt_started_at=None,
            leased_until=None,
            leased_by=None,
            updated_at=now,
        )
    )
    _close_tasks(conn, action_id, now, "the action was sent back to the queue")
    return get(conn, action_id)


def _refused(msgid: str, action_id: int, status: str) -> Conflict:
    """An action in the wrong state for what was asked, said in the reader's language."""
    return Conflict(Said(msgid, action_id=action_id, status=said_status(status)), action=action_id)


def cancel(conn: Connection, action_id: int, now: datetime) -> dict[str, Any]:
    """Cancel an action nobody is carrying out (not leased, not finished); cancelling it
    again changes nothing."""
    row = get(conn, action_id)
    if row["status"] == Status.CANCELLED:
        return row
    if row["status"] not in (Status.PENDING, Status.REVIEW, Status.DEAD, Status.FAILED):
        raise _refused(
            N_("action {action_id} is {status}: cannot cancel"), action_id, row["status"]
        )
    conn.execute(
        update(t.actions)
        .where(c.id == action_id, c.status == row["status"])
        .values(status=Status.CANCELLED, leased_until=None, updated_at=now)
    )
    _close_tasks(conn, action_id, now, "the action was cancelled")
    return get(conn, action_id)


def _close_tasks(conn: Connection, action_id: int, now: datetime, note: str) -> None:
    """An operator retried or cancelled the action instead of doing its task: close it."""
    tc = t.operator_tasks.c
    conn.execute(
        update(t.operator_tasks)
        .where(tc.action_id == action_id, tc.status == "open")
        .values(status="done", done_at=now, done_by="shequn", note=note)
    )


def resolve(conn: Connection, action_id: int, by: str, now: datetime) -> bool:
    """An operator did what a ``review`` action asked (its task is done): mark it ``done``."""
    res = conn.execute(
        update(t.actions)
        .where(c.id == action_id, c.status == Status.REVIEW)
        .values(status=Status.DONE, result={"by": by}, connector="operator", updated_at=now)
    )
    return bool(res.rowcount)


def counts(
    conn: Connection, community: str | None = None, groups: Sequence[str] | None = None
) -> dict[str, int]:
    """How many actions are in each state (``groups``: only those groups' actions)."""
    q = select(c.status, func.count()).group_by(c.status)
    if community is not None:
        q = q.where(c.community_slug == community)
    if groups is not None:
        q = q.where(c.group_slug.in_(list(groups)))
    return {str(r[0]): int(r[1]) for r in conn.execute(q)}


def effects_recorded(conn: Connection, source: str, ids: Sequence[int]) -> set[int]:
    """Which of these actions already have their effect in the log (a worker recorded it and
    died before marking the action done): proof that an uncertain attempt took effect."""
    e = t.events.c
    refs = {f"action:{i}": i for i in ids}
    q = select(e.source_ref).where(e.source == source, e.source_ref.in_(list(refs)))
    return {refs[r] for r in conn.execute(q).scalars()}


def recent_sends(
    conn: Connection, connector: str, targets: Sequence[str], since: datetime
) -> list[tuple[str, str, dict[str, Any], datetime]]:
    """(target, kind, payload, when done) of the actions ``connector`` carried out for
    ``targets`` since ``since``: what a restarted worker's pacing must remember."""
    if not targets:
        return []
    q = (
        select(c.target, c.kind, c.payload, c.updated_at)
        .where(c.target.in_(targets), c.updated_at >= since)
        .where(c.status == Status.DONE, c.connector == connector)
        .order_by(c.updated_at)
    )
    return [(str(tg), str(kind), dict(p or {}), at) for tg, kind, p, at in conn.execute(q)]
