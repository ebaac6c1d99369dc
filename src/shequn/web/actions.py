"""The outbox page: ``/c/{community}/actions`` — actions by state, the dead letters and failures
with their errors (retry or cancel them), and the operator tasks waiting for a person.

The same store functions as ``shequn actions`` and ``shequn tasks``; scoped like the rest (a
group leader sees the actions and tasks of their groups).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from shequn.api.deps import Operator
from shequn.errors import Conflict, NotFound
from shequn.model.actions import said_status
from shequn.model.i18n import Said
from shequn.store import action_states
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from shequn.store.tasks import list_tasks, task_done
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import router

TROUBLE = ("dead", "failed", "review")


def actions_view(store: Store, op: Operator, community: str) -> dict[str, Any]:
    groups = None if op.groups is None else sorted(op.groups)
    with store.read() as conn:
        counts = action_states.counts(conn, community, groups)
        trouble = [
            a
            for status in TROUBLE
            for a in list_actions(conn, community=community, status=status, limit=200)
            if op.covers(a["group_slug"])
        ]
        tasks = [t for t in list_tasks(conn, community) if op.covers(t["group_slug"])]
    return {
        "counts": counts,
        "trouble": trouble,
        "tasks": tasks,
        "status_of": said_status,
        "error_of": action_states.last_error,  # the worker's reason, in the reader's language
    }


@router.get("/actions", response_class=HTMLResponse)
def actions_page(p: PageDep) -> HTMLResponse:
    return p.render("actions.html", done=None, **actions_view(p.store, p.op, p.community))


@router.post("/actions/do", response_model=None)
def act(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    what: Annotated[str, Form(pattern="^(retry|cancel|task)$")],
    id: Annotated[int, Form(ge=1, le=2**63 - 1)],
) -> HTMLResponse:
    """Retry or cancel an action, or mark a task done, like the CLI does."""
    op = checked_writer(p, csrf)
    now = datetime.now(UTC)
    with p.store.transaction() as conn:
        try:
            if what == "task":
                task = next((t for t in list_tasks(conn, p.community) if t["id"] == id), None)
                if task is None or not op.covers(task["group_slug"]):
                    raise NotFound(Said("no task {id}", id=id))
                task_done(conn, id, by=f"web:{op.token_id}", now=now)
                done = p._(Said("task {id}: done", id=id))
            else:
                row = action_states.get(conn, id)
                if row["community_slug"] != p.community or not op.covers(row["group_slug"]):
                    raise NotFound(Said("no action {action_id}", action_id=id))
                step = action_states.retry if what == "retry" else action_states.cancel
                status = said_status(step(conn, id, now)["status"])
                done = p._(Said("action {id}: {status}", id=id, status=status))
        except (Conflict, NotFound) as e:
            done = p._(e.message)  # a Said: in the reader's language
    request.state.audit_summary = {what: id}
    return p.render("actions.html", done=done, **actions_view(p.store, p.op, p.community))
