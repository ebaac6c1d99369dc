"""Key members and small tasks: what the CLI, the API and the worker's tick call (P-ORG-2).

Seed 002: "find potential people by observing speeches … then give them small tasks to
cultivate". Candidates are ranked by the key-behaviour score (``model/org_facts.py``, the same
definitions as the dashboard's leaders); a manager gives one a task, which the member is told
privately; it is done by a manager's tick or by the behaviour it names counted since it was
given (``done_when = "answer"``, ``count = 5``: answer five questions). Completing a task with
``promote_to`` raises the level itself (``tasks.promote = "auto"``) or opens an operator task
proposing the promotion (``"propose"``, the default: a person decides who leads).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, operator_source
from shequn.engine.organization_levels import Pyramid, read_pyramid, window_facts
from shequn.engine.organization_rules import (
    candidates,
    decide_done,
    decide_progress,
    offer_task,
)
from shequn.errors import Conflict, InvalidEvent, NotFound
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.org_facts import BEHAVIOURS
from shequn.model.org_state import OrgTask
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.tasks import open_task

DONE_WHEN = ("manual", *BEHAVIOURS, "checkins", "sessions_hosted", "messages", "active_days")


def key_members(
    store: Store, community: str, *, limit: int | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Promotion candidates: member, score, level, the behaviours behind the score."""
    with store.read() as conn:
        p = read_pyramid(conn, community, now or datetime.now(UTC))
    return [
        {"member": m, "score": score, "level": p.state.of(m).level, "evidence": evidence}
        for m, score, evidence in candidates(p.bp, p.state, p.facts, limit)
    ]


def assign(
    store: Store,
    community: str,
    member_ref: str,
    title: str,
    *,
    due: datetime | None = None,
    done_when: str = "manual",
    count: int = 1,
    promote_to: int | None = None,
    operator: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> OrgTask:
    """Give a member a small task; they are told privately (template ``task_offered``)."""
    if done_when not in DONE_WHEN:
        raise InvalidEvent(
            Said("done_when is one of {names}", names=", ".join(DONE_WHEN)), field="done_when"
        )
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        top = len(p.bp.organization.levels)
        if promote_to is not None and not 0 < promote_to <= top:
            raise InvalidEvent(
                Said("promote_to is between 1 and {top}", top=top), field="promote_to"
            )
        member = p.member(member_ref)
        due_at = due or at + timedelta(days=p.bp.organization.tasks.due_days)
        task = OrgTask(
            f"t-{uuid.uuid4().hex[:6]}", member, title, at, due_at, done_when, count, promote_to
        )
        data: dict[str, Any] = {"task": task.task, "title": title, "due": due_at.isoformat()}
        data |= {"done_when": done_when, "count": count}
        data |= {"promote_to": promote_to} if promote_to is not None else {}
        event = Event(
            kind="orgtask.assigned",
            occurred_at=at,
            community=community,
            source=source or operator_source(),
            source_ref=f"orgtask:{task.task}",
            actor=operator,
            subject=member,
            data=data,
        )
        apply(conn, Decision([event], [offer_task(p.bp, task, at)]))
        return task


def _propose(conn: Connection, p: Pyramid, decision: Decision, now: datetime) -> None:
    """``tasks.promote = "propose"``: an operator task for each completed task that leads to
    a level its member does not hold."""
    if p.bp.organization.tasks.promote != "propose":
        return
    for e in decision.events:
        task = p.state.tasks.get(str(e.data.get("task"))) if e.kind == "orgtask.done" else None
        if task is None or not task.promote_to or task.promote_to <= p.state.of(task.member).level:
            continue
        open_task(
            conn,
            key=f"orgtask:{task.task}:promote",
            kind="org.promote",
            community=p.bp.community.slug,
            group=None,
            instruction=f"{task.member} completed “{task.title}”: promote them to level "
            f"{task.promote_to}? shequn levels grant {task.member} {task.promote_to}",
            now=now,
        )


def complete(
    store: Store,
    community: str,
    task_id: str,
    *,
    operator: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> list[Event]:
    """Tick a task done by hand; :class:`Conflict` when it is done already."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        task = p.state.tasks.get(task_id)
        if task is None:
            raise NotFound(Said("no task {task_id!r}", task_id=task_id), task=task_id)
        if task.done_at is not None:
            raise Conflict(Said("task {task_id} is done already", task_id=task_id), task=task_id)
        decision = decide_done(p.bp, p.state, task, note or "ticked by hand", at)
        decision.events[0] = replace(decision.events[0], actor=operator)
        apply(conn, decision)
        _propose(conn, p, decision, at)
        return decision.events


def progress_tick(store: Store, community: str, now: datetime) -> int:
    """The ``org.tasks`` tick: tasks done by behaviour, promotions, overdue reminders."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, now, facts=False)
        counts: dict[str, int] = {}
        for t in p.state.tasks.values():
            if t.done_at is None and t.done_when != "manual":
                facts = window_facts(conn, p.bp, p.owner_of, now, since=t.assigned_at)
                mine = facts.get(t.member)
                counts[t.task] = mine.get(t.done_when) if mine else 0
        decision = decide_progress(p.bp, p.state, counts, now)
        apply(conn, decision)
        _propose(conn, p, decision, now)
        return len(decision.events)


def list_tasks(
    store: Store, community: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every small task, newest first."""
    with store.read() as conn:
        p = read_pyramid(conn, community, now or datetime.now(UTC), facts=False)
    return [
        {
            "task": t.task,
            "member": t.member,
            "title": t.title,
            "due": t.due.isoformat(),
            "done_when": t.done_when,
            "count": t.count,
            "promote_to": t.promote_to,
            "done_at": t.done_at.isoformat() if t.done_at else None,
        }
        for t in sorted(p.state.tasks.values(), key=lambda t: t.assigned_at, reverse=True)
    ]


__all__ = ["DONE_WHEN", "assign", "complete", "key_members", "list_tasks", "progress_tick"]
