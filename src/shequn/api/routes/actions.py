"""The outbox and the operator's inbox: an action's detail, retry and cancel; counts by state;
operator tasks and marking them done.

The same store functions ``shequn actions`` and ``shequn tasks`` call, scoped like the rest: a
manager or group leader sees and acts on the actions and tasks of the groups they cover; an
action of another group answers 404, exactly like a missing one. (The list of actions and a
bot's "done" report live in ``routes/growth.py``.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from shequn.api.deps import (
    CommunityPath,
    Operator,
    StoreDep,
    WriterDep,
    access_community,
    no_action,
)
from shequn.errors import NotFound
from shequn.model.i18n import Said
from shequn.store import action_states
from shequn.store.tasks import get_task, list_tasks, task_done

router = APIRouter(tags=["actions"])
C = "/communities/{community}"
ActionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def access_action(conn: Connection, op: Operator, community: str, action_id: int) -> dict[str, Any]:
    access_community(conn, op, community)
    try:
        row = action_states.get(conn, action_id)
    except NotFound:
        row = None
    if row is None or row["community_slug"] != community or not op.covers(row["group_slug"]):
        raise NotFound(no_action(action_id, community), action=action_id)
    return row


@router.get(f"{C}/actions/counts", response_model=dict[str, int])
def get_action_counts(community: CommunityPath, op: WriterDep, store: StoreDep) -> dict[str, int]:
    """How many actions are in each state, in the caller's groups (the dashboard's tiles)."""
    with store.read() as conn:
        access_community(conn, op, community)
        groups = None if op.groups is None else sorted(op.groups)
        return action_states.counts(conn, community, groups)


@router.get(f"{C}/actions/{{action_id}}", response_model=dict[str, Any])
def get_action(
    community: CommunityPath, action_id: ActionId, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """One action: payload, state, attempts, last error, the platform's answer."""
    with store.read() as conn:
        return access_action(conn, op, community, action_id)


@router.post(f"{C}/actions/{{action_id}}/retry", response_model=dict[str, Any])
def post_action_retry(
    community: CommunityPath, action_id: ActionId, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Back to the queue, due now, with a fresh count of tries (409 while leased or done)."""
    with store.transaction() as conn:
        access_action(conn, op, community, action_id)
        return action_states.retry(conn, action_id, datetime.now(UTC))


@router.post(f"{C}/actions/{{action_id}}/cancel", response_model=dict[str, Any])
def post_action_cancel(
    community: CommunityPath, action_id: ActionId, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Cancel an action nobody is carrying out; repeating it changes nothing."""
    with store.transaction() as conn:
        access_action(conn, op, community, action_id)
        return action_states.cancel(conn, action_id, datetime.now(UTC))


@router.get(f"{C}/tasks", response_model=list[dict[str, Any]])
def get_tasks(
    community: CommunityPath,
    op: WriterDep,
    store: StoreDep,
    status: Annotated[str, Query(pattern="^(open|done)$")] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """What only a person can do, oldest first, in the caller's groups."""
    with store.read() as conn:
        access_community(conn, op, community)
        rows = list_tasks(conn, community, status=status, limit=limit)
    return [r for r in rows if op.covers(r["group_slug"])]


@router.post(f"{C}/tasks/{{task_id}}/done", response_model=dict[str, Any])
def post_task_done(
    community: CommunityPath,
    task_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    op: WriterDep,
    store: StoreDep,
) -> dict[str, Any]:
    """Mark a task done (its action in review becomes done); repeating it changes nothing."""
    with store.transaction() as conn:
        access_community(conn, op, community)
        try:
            row = get_task(conn, task_id)
        except NotFound:
            row = None
        if row is None or row["community_slug"] != community or not op.covers(row["group_slug"]):
            raise NotFound(
                Said("no task {task} in {community!r}", task=task_id, community=community),
                task=task_id,
            )
        return task_done(conn, task_id, by=op.source, now=datetime.now(UTC))
