"""Sharing sessions: what the CLI, the API and the worker's tick call (P-ENG-2).

Each function runs one transaction that takes the append lock first, reads the session from
the projection, decides with the pure rules of ``timeline.py`` and applies the decision, so
two operators planning or moving the same session at once leave one timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from shequn.engine.decisions import Decision, apply, new_ref
from shequn.engine.engagement.timeline import (
    Plan,
    aware,
    decide_cancel,
    decide_held,
    decide_move,
    decide_plan,
    decide_summary,
    session_id,
)
from shequn.errors import Conflict, NotFound
from shequn.model.actions import Status
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import action_states
from shequn.store import tables as t
from shequn.store.append import lock_for_decision
from shequn.store.care import opted_out
from shequn.store.db import Store
from shequn.store.engagement import Session, active_posters, get_session, group_members
from shequn.store.engagement import list_sessions as _list
from shequn.store.growth_queries import get_blueprint


def plan_session(
    store: Store,
    community: str,
    group: str,
    *,
    title: str,
    starts_at: datetime,
    minutes: int | None = None,
    speaker: str | None = None,
    session: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> tuple[Session, bool]:
    """Plan a session and queue its timeline; ``(session, new)`` — ``new`` is false when
    the same session (its id: the group and the local start) was planned already."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        starts_at = aware(bp, starts_at)
        sid = session or session_id(group, starts_at, bp)
        known = get_session(conn, community, sid)
        if known is not None:
            return known, False
        length = timedelta(minutes=minutes or bp.engagement.sessions.duration_minutes)
        plan = Plan(group, sid, title, starts_at, starts_at + length, speaker)
        apply(conn, decide_plan(bp, plan, at, actor))
        return _get(conn, community, sid), True


def reschedule(
    store: Store,
    community: str,
    session: str,
    starts_at: datetime,
    *,
    actor: str | None = None,
    now: datetime | None = None,
) -> Session:
    """Move a planned session: its pending steps are cancelled and a new timeline queued."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        starts_at = aware(bp, starts_at)
        known = _planned(conn, community, session)
        if known.starts_at == starts_at:
            return known
        done = stop_timeline(conn, known.cause_event_id, at)
        plan = _plan(known, starts_at, starts_at + (known.ends_at - known.starts_at))
        apply(conn, decide_move(bp, plan, known.starts_at, known.cause_event_id, done, at, actor))
        return _get(conn, community, session)


def cancel_session(
    store: Store,
    community: str,
    session: str,
    *,
    reason: str = "",
    actor: str | None = None,
    now: datetime | None = None,
) -> Session:
    """Call a planned session off: its pending steps are cancelled (cancelling twice is one)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        known = _get(conn, community, session)
        if known.status == "cancelled":
            return known
        if known.status != "planned":
            raise Conflict(
                Said("session {session!r} is {status}", session=session, status=known.status),
                session=session,
            )
        heard = bool(stop_timeline(conn, known.cause_event_id, at))
        plan = _plan(known, known.starts_at, known.ends_at)
        apply(conn, decide_cancel(bp, plan, heard, reason, at, actor))
        return _get(conn, community, session)


def ask(
    store: Store,
    community: str,
    session: str,
    identity: str,
    text: str,
    *,
    source: str,
    ref: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Collect a member's question for a session (from a bot, the API or the dashboard);
    ``ref`` (the platform's message id) makes a re-delivered question one. True when new."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        known = _get(conn, community, session)
        event = Event(
            kind="session.question",
            occurred_at=at,
            community=community,
            source=source,
            source_ref=ref or new_ref(),
            group=known.group,
            actor=identity,
            data={"session": session, "text": text},
        )
        return apply(conn, Decision(events=[event])).new > 0


def summarize(
    store: Store,
    community: str,
    session: str,
    summary: str,
    *,
    actor: str | None = None,
    now: datetime | None = None,
) -> int:
    """Send a held session's summary privately to every member of its group, paced; returns
    how many messages were queued (0 when it was summarized already)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        known = _get(conn, community, session)
        if known.status == "cancelled":
            raise Conflict(
                Said("session {session!r} was cancelled", session=session), session=session
            )
        stopped = opted_out(conn, community)  # /stop: no private messages (P-ENG-7)
        members = [m for m in group_members(conn, community, known.group) if m not in stopped]
        plan = _plan(known, known.starts_at, known.ends_at)
        decision = decide_summary(bp, plan, summary, members, at, actor)
        result = apply(conn, decision)
        return len(decision.actions) if result.new else 0


def close_sessions(store: Store, community: str, now: datetime | None = None) -> int:
    """Record ``session.held`` with attendance for every planned session that has ended
    (the worker's ``sessions.close`` tick); returns how many closed."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        ended = _list(conn, community, status="planned", ended_by=at)
        if not ended:
            return 0
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        for s in ended:
            people = active_posters(conn, community, s.group, s.starts_at, s.ends_at)
            apply(conn, decide_held(bp, _plan(s, s.starts_at, s.ends_at), people))
        return len(ended)


def list_sessions(
    store: Store, community: str, groups: Sequence[str] | None = None
) -> list[Session]:
    with store.read() as conn:
        return _list(conn, community, groups=groups)


def show_session(store: Store, community: str, session: str) -> Session:
    with store.read() as conn:
        return _get(conn, community, session)


def _get(conn: Connection, community: str, session: str) -> Session:
    found = get_session(conn, community, session)
    if found is None:
        raise NotFound(Said("no session {session!r}", session=session), session=session)
    return found


def _planned(conn: Connection, community: str, session: str) -> Session:
    found = _get(conn, community, session)
    if found.status != "planned":
        raise Conflict(
            Said("session {session!r} is {status}", session=session, status=found.status),
            session=session,
        )
    return found


def _plan(s: Session, starts_at: datetime, ends_at: datetime) -> Plan:
    return Plan(s.group, s.session, s.title, starts_at, ends_at, s.speaker)


def stop_timeline(conn: Connection, cause: int, now: datetime) -> frozenset[str]:
    """Cancel the timeline's steps nobody has carried out; returns the templates of those
    carried out or under way (non-empty: the group heard of the session)."""
    a = t.actions.c
    rows = conn.execute(select(a.id, a.status, a.payload).where(a.caused_by == cause)).all()
    for action_id, status, _ in rows:
        if status == Status.PENDING:
            action_states.cancel(conn, action_id, now)
    return frozenset(
        str(payload.get("template") or "")
        for _, status, payload in rows
        if status not in (Status.PENDING, Status.CANCELLED)
    )
