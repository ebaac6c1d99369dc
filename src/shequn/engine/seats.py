"""Seats given back (P-IN-4): an admitted newcomer who never arrives stops holding a seat.

A live code promises a seat the moment it admits someone; on a busy code the groups would
fill up with people who scanned and walked away. After the group's ``seat_hold_hours`` [48]
the admission expires: an ``entry.decided`` with outcome ``expired`` (the seat is free again,
a later knock is decided afresh), a ``member.admit.cancel`` action so the bot can revoke
the invitation it sent, and the message ``seat_expired`` telling the newcomer so. Run
``shequn entry expire`` hourly, next to ``shequn entry waves``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shequn.engine.decisions import Decision, apply
from shequn.engine.entry_rules import entry_config, reason_data
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.entities import EntryState
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint, list_entries


def decide_expiry(bp: Blueprint, admitted: Sequence[EntryState], now: datetime) -> Decision:
    """Pure: expire every admission older than its group's ``seat_hold_hours`` (0: never)."""
    community = bp.community.slug
    d = Decision.none()
    for e in admitted:
        if e.status != "admitted" or e.group is None or e.decided_at is None:
            continue
        hold = entry_config(bp, e.group).seat_hold_hours
        if hold <= 0 or now - e.decided_at < timedelta(hours=hold):
            continue
        reason = Said(
            "admitted {at} UTC and not arrived within {hours} h",
            at=format(e.decided_at, "%Y-%m-%d %H:%M"),
            hours=format(hold, "g"),
        )
        data = {"outcome": "expired", **reason_data(reason), **({"link": e.link} if e.link else {})}
        d.events.append(
            Event(
                kind="entry.decided",
                occurred_at=now,
                community=community,
                source="engine",
                source_ref=f"expire:{community}:{e.group}:{e.identity}:{e.decided_at.isoformat()}",
                group=e.group,
                subject=e.identity,
                data=data,
            )
        )
        d.actions.append(
            Action("member.admit.cancel", community, now, e.group, {"identity": e.identity})
        )
        hours = int(hold) if hold.is_integer() else hold  # "48 hours", not "48.0 hours"
        told = {"to": e.identity, "template": "seat_expired", "group": e.group, "hours": hours}
        d.actions.append(Action("message.send", community, now, e.group, told))
    return d


def expire_seats(store: Store, community: str, *, now: datetime | None = None) -> list[str]:
    """Give back every seat held too long; returns who lost theirs."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        decision = decide_expiry(bp, list_entries(conn, community, status=("admitted",)), at)
        if decision:
            apply(conn, decision)
    return [e.subject for e in decision.events if e.subject]
