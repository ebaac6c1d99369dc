"""Where people stand in a community's groups: what the write guard needs to tell "your
member" from "someone else's"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from shequn.store import tables as t
from shequn.store.sql import chunks


def groups_of(conn: Connection, community: str, keys: Iterable[str]) -> dict[str, set[str]]:
    """For each identity key with a membership (any status) in ``community``: its groups."""
    i, m, g, c = t.identities.c, t.group_memberships.c, t.groups.c, t.communities.c
    found: dict[str, set[str]] = {}
    for part in chunks(sorted(set(keys))):
        q = (
            select(i.key, g.slug)
            .select_from(t.group_memberships)
            .join(t.identities, i.id == m.identity_id)
            .join(t.groups, g.id == m.group_id)
            .join(t.communities, c.id == g.community_id)
            .where(c.slug == community, i.key.in_(part))
        )
        for key, group in conn.execute(q):
            found.setdefault(key, set()).add(group)
    return found


def community_id_of(community: Any) -> Any:
    """The community's id as a scalar subquery, for ``identities.community_id == …``: identity
    keys are unique per community only, so every lookup by key names its community."""
    c = t.communities.c
    return select(c.id).where(c.slug == community).scalar_subquery()


def in_community(identities: Any, community: str) -> Any:
    """``identities.community_id`` is ``community``'s (``identities``: the table or an alias)."""
    return identities.c.community_id == community_id_of(community)


def display_names(conn: Connection, community: str, keys: Iterable[str]) -> dict[str, str]:
    """Identity key → display name, for the keys of ``community`` that have one."""
    i = t.identities.c
    found: dict[str, str] = {}
    for part in chunks(sorted(set(keys))):
        q = select(i.key, i.display_name).where(
            in_community(t.identities, community), i.key.in_(part), i.display_name.is_not(None)
        )
        found.update({key: name for key, name in conn.execute(q) if name})
    return found
