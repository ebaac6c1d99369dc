"""Read-only queries the API needs that ``store/queries.py`` does not offer yet: pages by
cursor, and filters over *several* groups (a scoped token's). Nothing here writes.

They return ids and events in the same shapes as the store's queries (members are hydrated
with ``store.queries.list_members``), so they can move into the store unchanged once a second
interface (the dashboard) needs them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, select

from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.queries import named_like, row_to_event


def member_ids_page(
    conn: Connection,
    *,
    community: str,
    groups: Collection[str] | None,
    search: str | None,
    after: int | None,
    limit: int,
) -> list[int]:
    """Ids of unmerged members with a membership in ``community`` (in one of ``groups``
    when given), matching ``search`` (name or identity key), after the cursor, by id."""
    m, i, gm, g, c = (
        t.members.c,
        t.identities.c,
        t.group_memberships.c,
        t.groups.c,
        t.communities.c,
    )
    scoped = (
        select(i.member_id)
        .join_from(t.identities, t.group_memberships, gm.identity_id == i.id)
        .join(t.groups, g.id == gm.group_id)
        .join(t.communities, c.id == g.community_id)
        .where(c.slug == community)
    )
    if groups is not None:
        scoped = scoped.where(g.slug.in_(list(groups)))
    q = select(m.id).where(m.merged_into.is_(None), m.id.in_(scoped)).order_by(m.id).limit(limit)
    if after is not None:
        q = q.where(m.id > after)
    if search:
        q = q.where(named_like(search))
    return list(conn.execute(q).scalars())


def events_page(
    conn: Connection,
    *,
    community: str,
    groups: Collection[str] | None,
    kind: str | None,
    since: datetime | None,
    after: int | None,
    limit: int,
    hidden: Collection[str] = (),
) -> list[tuple[int, Event]]:
    """Events of ``community`` by id, after the cursor; ``groups`` limits them to those
    groups (and leaves out community-wide events, which have none); ``hidden`` kinds are left
    out (ballots, for everyone but the owner)."""
    e = t.events.c
    q = select(t.events).where(e.community_slug == community).order_by(e.id).limit(limit)
    if groups is not None:
        q = q.where(e.group_slug.in_(list(groups)))
    if kind is not None:
        q = q.where(e.kind == kind)
    if hidden:
        q = q.where(e.kind.not_in(list(hidden)))
    if since is not None:
        q = q.where(e.occurred_at >= since)
    if after is not None:
        q = q.where(e.id > after)
    return [(r["id"], row_to_event(r)) for r in conn.execute(q).mappings()]
