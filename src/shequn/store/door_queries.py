"""Batch reads for the entry door: the state of many newcomers in a few queries.

``engine/door.py`` decides a whole batch of knocks in one transaction; these read, for all
of them at once, what :func:`shequn.engine.entry.door_view` reads per knock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shequn.model.entities import Link
from shequn.store import tables as t
from shequn.store.growth_queries import _link, links_query
from shequn.store.scope_queries import in_community


def links_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, Link]:
    q = links_query().where(t.links.c.code.in_(sorted(set(codes))))
    return {r["code"]: _link(r) for r in conn.execute(q).mappings()}


def persons_of(conn: Connection, community: str, keys: Sequence[str]) -> dict[str, list[str]]:
    """Identity key → every key of the same person in ``community`` (itself first); unknown
    keys map to themselves alone (a newcomer never seen)."""
    i = t.identities.c
    known = select(i.key, i.member_id).where(
        in_community(t.identities, community), i.key.in_(list(keys))
    )
    mine = dict(conn.execute(known).all())
    members = sorted({m for m in mine.values() if m is not None})
    by_member: dict[int, list[str]] = defaultdict(list)
    q = select(i.member_id, i.key).where(i.member_id.in_(members)).order_by(i.id)
    for member, key in conn.execute(q):
        by_member[member].append(key)
    out: dict[str, list[str]] = {}
    for key in keys:
        others = [k for k in by_member.get(mine.get(key) or -1, []) if k != key]
        out[key] = [key, *others]
    return out


def active_groups_of(conn: Connection, community: str, keys: Sequence[str]) -> dict[str, set[str]]:
    """Identity key → group slugs where that identity is an active member."""
    m, g, k, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    q = (
        select(i.key, g.slug)
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .join(t.identities, i.id == m.identity_id)
        .where(k.slug == community, i.key.in_(list(keys)), m.status == "active")
    )
    out: dict[str, set[str]] = defaultdict(set)
    for key, slug in conn.execute(q):
        out[key].add(slug)
    return out


def first_joins(conn: Connection, community: str, keys: Sequence[str]) -> dict[str, datetime]:
    """Identity key → its earliest recorded join time in the community (any group)."""
    m, g, k, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    q = (
        select(i.key, func.min(m.joined_at))
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .join(t.identities, i.id == m.identity_id)
        .where(k.slug == community, i.key.in_(list(keys)), m.joined_at.is_not(None))
        .group_by(i.key)
    )
    return {key: at for key, at in conn.execute(q)}


def edges_from(
    conn: Connection, community: str, inviters: Sequence[str], since: datetime
) -> list[tuple[str, str, datetime]]:
    """Invite edges ``(inviter, invitee, at)`` from these identities since ``since``."""
    inviter, _ = _ALIASES
    return _edges(
        conn, community, inviter.c.key.in_(list(inviters)), t.referrals.c.occurred_at >= since
    )


def edges_to(
    conn: Connection, community: str, invitees: Sequence[str]
) -> list[tuple[str, str, datetime]]:
    """Invite edges ``(inviter, invitee, at)`` towards these identities."""
    _, invitee = _ALIASES
    return _edges(conn, community, invitee.c.key.in_(list(invitees)))


_ALIASES = (t.identities.alias("inviter"), t.identities.alias("invitee"))


def _edges(conn: Connection, community: str, *where: Any) -> list[tuple[str, str, datetime]]:
    r, k = t.referrals.c, t.communities.c
    inviter, invitee = _ALIASES
    q = (
        select(inviter.c.key, invitee.c.key, r.occurred_at)
        .select_from(t.referrals)
        .join(t.communities, k.id == r.community_id)
        .join(inviter, inviter.c.id == r.inviter_identity_id)
        .join(invitee, invitee.c.id == r.invitee_identity_id)
        .where(k.slug == community, *where)
    )
    return [(a, b, at) for a, b, at in conn.execute(q)]
