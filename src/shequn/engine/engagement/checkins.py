"""Check-in camps: what the worker's ``checkins.remind`` tick and ``shequn checkin board``
call (P-ENG-5).

Each reads the camp's ``checkin.done`` events, folds them into streaks with the pure rules of
``streaks.py`` and, for the reminder, applies the decision in the same transaction that took
the append lock — so two workers ticking at once remind a camp once that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import Connection

from shequn.engine.decisions import apply
from shequn.engine.engagement.streaks import (
    Streak,
    board,
    camps,
    decide_completions,
    decide_reminders,
    local_day,
    member_zones,
    reached,
    streak,
)
from shequn.errors import NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.care import cards, memberships, opted_out
from shequn.store.db import Store
from shequn.store.engagement import checkin_times, group_members
from shequn.store.growth_queries import get_blueprint
from shequn.store.rules_queries import events_by

COMPLETED = ("checkin.completed",)


def zones_of(conn: Connection, bp: Blueprint, members: Iterable[str]) -> dict[str, tzinfo]:
    """The members' own time zones, where their intake card names one."""
    return member_zones(bp, cards(conn, members, bp.community.slug))


def streaks_in(conn: Connection, bp: Blueprint, group: str, now: datetime) -> dict[str, Streak]:
    """Every member's streak in ``group`` on their own local day of ``now`` (also what the
    camp's graduation counts: days checked in, ``Streak.total``)."""
    freezes = bp.engagement.checkins.freeze_tokens
    times = checkin_times(conn, bp.community.slug, group)
    zones = zones_of(conn, bp, times)
    return {
        member: streak(
            member,
            (local_day(bp, t, zones.get(member)) for t in when),
            local_day(bp, now, zones.get(member)),
            freezes,
        )
        for member, when in times.items()
    }


def streak_times(conn: Connection, bp: Blueprint, group: str) -> dict[str, list[datetime]]:
    """When each member's longest streak in ``group`` first reached 1, 2, 3 … days: their
    first check-in on the day it did (:func:`streaks.reached`, on their own local days)."""
    freezes = bp.engagement.checkins.freeze_tokens
    times = checkin_times(conn, bp.community.slug, group)
    zones = zones_of(conn, bp, times)
    out: dict[str, list[datetime]] = {}
    for member, when in times.items():
        first: dict[date, datetime] = {}
        for t in sorted(when):
            first.setdefault(local_day(bp, t, zones.get(member)), t)
        out[member] = [first[d] for d in reached(first, freezes)]
    return out


def remind(store: Store, community: str, now: datetime | None = None) -> int:
    """Remind, once a local day per camp, the members within their camp period who have not
    checked in by the reminder hour, and congratulate, once, those whose days checked in
    complete the camp (the ``checkins.remind`` tick); returns how many messages were queued."""
    at = now or datetime.now(UTC)
    sent = 0
    with store.transaction() as conn:
        try:
            bp = get_blueprint(conn, community)
        except (NotFound, ValueError):
            return 0
        if not bp.engagement.checkins.enabled or not camps(bp):
            return 0
        lock_for_decision(conn)
        stopped = opted_out(conn, community)  # /stop: no private reminders (P-ENG-7)
        joins = memberships(conn, community) if bp.engagement.checkins.days else []
        for group in camps(bp):
            members = [m for m in group_members(conn, community, group) if m not in stopped]
            zones = zones_of(conn, bp, members)
            joined = {k: local_day(bp, j, zones.get(k)) for k, g, j in joins
                      if g == group and j is not None}  # fmt: skip
            ranks = streaks_in(conn, bp, group, at)
            for zone, living in _by_zone(members, zones):
                decision = decide_reminders(bp, group, ranks, living, at, joined, zone)
                if decision and apply(conn, decision).new:
                    sent += len(decision.actions)
            done = {str(e.subject) for _, e in events_by(conn, community, COMPLETED, group=group)}
            for d in decide_completions(bp, group, ranks, done, at, stopped):
                sent += len(d.actions) if apply(conn, d).new else 0
    return sent


def _by_zone(members: list[str], zones: dict[str, tzinfo]) -> list[tuple[tzinfo | None, list[str]]]:
    """The members by their own zone (``None``: the community's), the community's first."""
    groups: dict[str, tuple[tzinfo | None, list[str]]] = {"": (None, [])}
    for m in members:
        z = zones.get(m)
        groups.setdefault(str(z) if z else "", (z, []))[1].append(m)
    return [g for g in groups.values() if g[1]]


def leaderboard(
    store: Store, community: str, group: str, *, top: int | None = None, now: datetime | None = None
) -> list[Streak]:
    """The camp's leaderboard today: current streak, then days checked in."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        if group not in {g.slug for g in bp.groups}:
            raise NotFound(
                Said("no group {slug!r} in {community!r}", slug=group, community=community),
                group=group,
            )
        ranked = streaks_in(conn, bp, group, at).values()
        return board(ranked, top or bp.engagement.checkins.board_top)
