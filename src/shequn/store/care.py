"""What care at scale reads (P-ENG-7): who is in which group since when, who posted how much
and at which times, the birthdays of the intake cards, and who opted out of private care.

Read straight from the projections and the log; nothing is projected for care.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select

from shequn.store import tables as t

OPT_KINDS = ("care.opted_out", "care.opted_in")


def memberships(conn: Connection, community: str) -> list[tuple[str, str, datetime | None]]:
    """(identity key, group slug, joined at) of every active membership."""
    m, i, g, c = t.group_memberships.c, t.identities.c, t.groups.c, t.communities.c
    q = (
        select(i.key, g.slug, m.joined_at)
        .join_from(t.group_memberships, t.identities, i.id == m.identity_id)
        .join(t.groups, g.id == m.group_id)
        .join(t.communities, c.id == g.community_id)
        .where(c.slug == community, m.status == "active")
        .order_by(g.slug, i.key)
    )
    return [(str(k), str(s), at) for k, s, at in conn.execute(q)]


def post_times(conn: Connection, community: str, since: datetime) -> dict[str, list[datetime]]:
    """When each member posted since ``since`` (any group), oldest first."""
    e = t.events.c
    q = (
        select(e.actor, e.occurred_at)
        .where(e.community_slug == community, e.kind == "message.posted")
        .where(e.occurred_at >= since, e.actor.is_not(None))
        .order_by(e.occurred_at)
    )
    out: dict[str, list[datetime]] = {}
    for actor, at in conn.execute(q):
        out.setdefault(str(actor), []).append(at)
    return out


def cards(conn: Connection, keys: Iterable[str], community: str) -> dict[str, dict[str, object]]:
    """The intake card of each identity that has one."""
    p, i, c = t.profiles.c, t.identities.c, t.communities.c
    q = (
        select(i.key, p.card)
        .join_from(t.profiles, t.identities, i.id == p.identity_id)
        .join(t.communities, c.id == i.community_id)
        .where(c.slug == community, i.key.in_(sorted(set(keys))), p.card.is_not(None))
    )
    return {str(k): dict(card) for k, card in conn.execute(q) if isinstance(card, dict)}


def opted_out(conn: Connection, community: str) -> set[str]:
    """Who said ``/stop`` (``care.opted_out``) and has not taken it back since."""
    e = t.events.c
    q = (
        select(e.actor, e.kind)
        .where(e.community_slug == community, e.kind.in_(OPT_KINDS), e.actor.is_not(None))
        .order_by(e.occurred_at, e.id)
    )
    latest = {str(actor): kind for actor, kind in conn.execute(q)}
    return {k for k, kind in latest.items() if kind == "care.opted_out"}
