"""Offline events: what the CLI and the worker's ``meetups.run`` tick call (P-ENG-6).

Each function runs one transaction that takes the append lock, folds the community's meetup
events (``meetup_rules.fold``: no table), decides with the pure rules and applies the
decision, so two operators answering for the last seat at once leave one of them waiting.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from shequn.engine.decisions import apply, new_ref, operator_source
from shequn.engine.engagement.meetup_rules import (
    KINDS,
    Meetup,
    Plan,
    by_start,
    decide_cancel,
    decide_checkin,
    decide_plan,
    decide_rsvp,
    decide_tick,
    fold,
    meetup_id,
    region_groups,
)
from shequn.engine.engagement.sessions import stop_timeline
from shequn.engine.engagement.timeline import aware
from shequn.errors import NotFound
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.care import opted_out
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.rules_queries import events_by


def plan_meetup(
    store: Store,
    community: str,
    group: str,
    *,
    title: str,
    venue: str,
    starts_at: datetime,
    minutes: int | None = None,
    capacity: int = 0,
    city: str = "",
    host: str | None = None,
    region: bool = False,
    meetup: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> tuple[Meetup, bool]:
    """Plan a meetup for the members of ``group`` and queue its invitation; ``(meetup, new)``
    — ``new`` is false when the same meetup (the group and the local start) exists. The door
    code is four random digits. ``region``: the other groups of the group's region are
    invited too (their members may answer and come)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        starts_at = aware(bp, starts_at)
        mid = meetup or meetup_id(bp, group, starts_at)
        known = _all(conn, community).get(mid)
        if known is not None:
            return known, False
        length = timedelta(minutes=minutes or bp.engagement.meetups.duration_minutes)
        code = f"{secrets.randbelow(10_000):04d}"
        invited = region_groups(bp, group) if region else ()
        plan = Plan(group, mid, title, venue, starts_at, starts_at + length, capacity, code,
                    city, host, invited)  # fmt: skip
        apply(conn, decide_plan(bp, plan, at, actor))
        return _get(conn, community, mid), True


def rsvp(
    store: Store,
    community: str,
    meetup: str,
    member: str,
    answer: str,
    *,
    ref: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> tuple[Meetup, str]:
    """Record a member's answer (yes, no, maybe); returns the meetup and where the member
    stands: ``going``, ``waitlisted``, ``maybe`` or ``not going``. ``ref`` (a platform's
    message id) makes a re-delivered answer one."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        m = _get(conn, community, meetup)
        decision, where = decide_rsvp(
            bp, m, member, answer, at, ref or new_ref(), source or operator_source()
        )
        apply(conn, decision)
        return _get(conn, community, meetup), where


def check_in(
    store: Store,
    community: str,
    meetup: str,
    member: str,
    code: str,
    *,
    now: datetime | None = None,
) -> bool:
    """Check a member in at the door with the meetup's code; true the first time."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        m = _get(conn, community, meetup)
        return apply(conn, decide_checkin(bp, m, member, code, at)).new > 0


def cancel_meetup(
    store: Store,
    community: str,
    meetup: str,
    *,
    reason: str = "",
    actor: str | None = None,
    now: datetime | None = None,
) -> Meetup:
    """Call a meetup off; those going or waiting are told privately (not after /stop)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        m = _get(conn, community, meetup)
        if m.status == "cancelled":
            return m
        stop_timeline(conn, m.cause, at)  # an invitation not sent yet is not sent
        apply(conn, decide_cancel(bp, m, reason, at, actor, opted_out(conn, community)))
        return _get(conn, community, meetup)


def run_meetups(store: Store, community: str, now: datetime | None = None) -> int:
    """The ``meetups.run`` tick: reminders due and meetups ended; returns events recorded."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        planned = [m for m in _all(conn, community).values() if m.status == "planned"]
        if not planned:
            return 0
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        stopped = opted_out(conn, community)
        return sum(apply(conn, decide_tick(bp, m, at, stopped)).new for m in planned)


def list_meetups(store: Store, community: str, groups: Sequence[str] | None = None) -> list[Meetup]:
    with store.read() as conn:
        return by_start(_all(conn, community), groups)


def show_meetup(store: Store, community: str, meetup: str) -> Meetup:
    with store.read() as conn:
        return _get(conn, community, meetup)


def _all(conn: Connection, community: str) -> dict[str, Meetup]:
    return fold(events_by(conn, community, KINDS))


def _get(conn: Connection, community: str, meetup: str) -> Meetup:
    found = _all(conn, community).get(meetup)
    if found is None:
        raise NotFound(Said("no meetup {meetup!r}", meetup=meetup), meetup=meetup)
    return found
