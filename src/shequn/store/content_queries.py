"""Reads for content entries (P-CHN-3): how many persons each join channel brought in."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, distinct, func, select

from shequn.store import tables as t


def joins_by_channel(
    conn: Connection, community: str, channels: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """For each of ``channels``: ``(joined, staying)`` — the persons (merged identities are
    one) whose membership came in by that channel, and those of them still in the group."""
    if not channels:
        return {}
    gm, g, c, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    staying = func.count(distinct(i.member_id)).filter(gm.status == "active")
    q = (
        select(gm.join_channel, func.count(distinct(i.member_id)), staying)
        .join(t.groups, g.id == gm.group_id)
        .join(t.communities, c.id == g.community_id)
        .join(t.identities, i.id == gm.identity_id)
        .where(c.slug == community, gm.join_channel.in_(list(channels)))
        .group_by(gm.join_channel)
    )
    return {str(ch): (int(n), int(s)) for ch, n, s in conn.execute(q)}
