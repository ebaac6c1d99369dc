"""Delegation: what the CLI and the API call (P-ORG-4) — who covers which group, the gaps in
that coverage, and handing a leaver's roles to a successor.

Reads fold the pyramid's state and the role holders; :func:`handover` applies the pure
decision of ``delegation_rules.py`` in one transaction under the append lock, so a handover
and an election's close at the same moment cannot both decide from the same stale roles.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import apply, operator_source
from shequn.engine.delegation_rules import (
    Holder,
    covered_by,
    decide_handover,
    find_gaps,
    overdue_duties,
)
from shequn.engine.organization_levels import Pyramid, read_pyramid
from shequn.engine.reactions import react
from shequn.model.events import Event
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.org_queries import last_messages, last_of_kinds, role_holders

LOOK_BACK = 8
"""How many ``inactive_days`` back a silent leader's last message is looked for."""


def holders(conn: Connection, p: Pyramid) -> list[Holder]:
    """Everyone holding a role, as the member standing for their identity."""
    return [
        Holder(p.owner_of.get(h["member"], h["member"]), str(h["role"]), h["group"])
        for h in role_holders(conn, p.bp.community.slug)
    ]


def coverage(store: Store, community: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Each group's leaders and every gap (docs/organization.md, "Delegation")."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        p = read_pyramid(conn, community, at, facts=False)
        who = holders(conn, p)
        days = p.bp.organization.coverage.inactive_days
        seen: dict[str, datetime] = {}
        for actor, last in last_messages(
            conn, community, at - timedelta(days=days * LOOK_BACK)
        ).items():
            member = p.owner_of.get(actor, actor)
            seen[member] = max(last, seen.get(member, last))
        duties = p.bp.organization.coverage.duties
        longest = max((d.every_days for d in duties), default=1) * LOOK_BACK
        done = last_of_kinds(
            conn, community, sorted({d.kind for d in duties}), at - timedelta(days=longest)
        ) if duties else {}  # fmt: skip
    groups = [g.slug for g in p.bp.groups]
    gaps = find_gaps(groups, who, seen, p.state.tasks.values(), days, at)
    gaps += overdue_duties(groups, duties, done, at)
    return {
        "groups": {
            g: [{"member": h.member, "role": h.role} for h in hs]
            for g, hs in covered_by(groups, who).items()
        },
        "community_wide": [{"member": h.member, "role": h.role} for h in who if h.group is None],
        "gaps": [gap.to_dict() for gap in gaps],
        "look_back_days": days * LOOK_BACK,  # a silent leader's days are None beyond this
    }


def scoped(
    found: dict[str, Any], covers: Callable[[str], bool], sees: Callable[[str], bool]
) -> dict[str, Any]:
    """``found`` (from :func:`coverage`) as a token scoped to some groups may see it: those
    groups' leaders and gaps (a leader's gap only when every group they lead is covered),
    an overdue task when it ``sees`` the member, no community-wide roles."""
    gaps = [
        g for g in found["gaps"]
        if (g["group"] is not None and all(covers(x) for x in g["group"].split(", ")))
        or (g["kind"] == "task_overdue" and g["member"] is not None and sees(g["member"]))
    ]  # fmt: skip
    groups = {g: hs for g, hs in found["groups"].items() if covers(g)}
    return {**found, "groups": groups, "community_wide": [], "gaps": gaps}


def handover(
    store: Store, community: str, leaver: str, successor: str, *,
    operator: str | None = None, source: str | None = None, now: datetime | None = None,
) -> list[Event]:  # fmt: skip
    """Hand every role ``leaver`` holds to ``successor`` (member or identity keys)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        decision = decide_handover(
            community, p.member(leaver), p.member(successor), holders(conn, p), at,
            source=source or operator_source(), operator=operator,
        )  # fmt: skip
        react(conn, apply(conn, decision).new_events)  # the platform role follows
    return decision.events


__all__ = ["coverage", "handover", "holders", "scoped"]
