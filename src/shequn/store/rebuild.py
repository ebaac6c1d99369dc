"""Rebuild: drop every projection and replay the log into it.

The log is the truth; projections are a cache of it. ``rebuild`` proves it — and repairs a
store whose projection code changed. It runs in one transaction, so readers see either the
old projections or the new ones, never half of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.projections import Projector
from shequn.store.queries import row_to_event

REPLAY_CHUNK = 10_000


def rebuild(store: Store, *, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Replay the whole log; returns the number of events replayed."""
    with store.transaction() as conn:
        total = int(conn.execute(select(func.count()).select_from(t.events)).scalar_one())
        _clear(conn)
        done, last_id = 0, 0
        e = t.events.c
        while True:
            rows = list(
                conn.execute(
                    select(t.events).where(e.id > last_id).order_by(e.id).limit(REPLAY_CHUNK)
                ).mappings()
            )
            if not rows:
                break
            Projector(conn).apply([(r["id"], row_to_event(r)) for r in rows])
            last_id = rows[-1]["id"]
            done += len(rows)
            if on_progress is not None:
                on_progress(done, total)
    return done


def needs_replay(store: Store) -> bool:
    """Whether the projections are empty while the log is not: a migration that changed
    what a projection row means empties them (0005: communities isolated), and ``shequn db
    upgrade`` then replays the log."""
    with store.read() as conn:
        has_events = conn.execute(select(t.events.c.id).limit(1)).first() is not None
        configured = conn.execute(select(t.communities.c.id).limit(1)).first() is not None
    return has_events and not configured


def _clear(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join(table.name for table in t.PROJECTIONS)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))  # our own names
        return
    conn.execute(t.identities.update().values(member_id=None, origin_member_id=None))
    conn.execute(t.members.update().values(merged_into=None))
    for table in t.PROJECTIONS:
        conn.execute(table.delete())


def snapshot(conn: Connection) -> dict[str, Any]:
    """Every projection as plain sorted data, keyed by stable text keys rather than ids,
    so two stores (or one before and after a rebuild) can be compared with ``==``."""
    m, i, c = t.members.c, t.identities.c, t.communities.c
    community_of = t.communities.join  # members and identities are keyed within a community
    member_key = {
        mid: f"{slug}/{key}"
        for mid, slug, key in conn.execute(
            select(m.id, c.slug, m.key).select_from(community_of(t.members))
        )
    }
    ident_key = {
        iid: f"{slug}/{key}"
        for iid, slug, key in conn.execute(
            select(i.id, c.slug, i.key).select_from(community_of(t.identities))
        )
    }
    group_key = {
        gid: f"{cslug}/{gslug}"
        for gid, cslug, gslug in conn.execute(
            select(t.groups.c.id, t.communities.c.slug, t.groups.c.slug).join_from(
                t.groups, t.communities
            )
        )
    }
    community_key = dict(conn.execute(select(t.communities.c.id, t.communities.c.slug)).all())

    def rows(table: Table, **maps: dict[Any, Any]) -> list[tuple[Any, ...]]:
        out = []
        for r in conn.execute(select(table)).mappings():
            d = {k: v for k, v in r.items() if k != "id" and k not in ("event_id",)}
            for col, mapping in maps.items():
                if d.get(col) is not None:
                    d[col] = mapping[d[col]]
            out.append(tuple(sorted((k, repr(v)) for k, v in d.items())))
        return sorted(out)

    return {
        "communities": rows(t.communities),
        "groups": rows(t.groups, community_id=community_key),
        "members": rows(t.members, community_id=community_key, merged_into=member_key),
        "identities": rows(
            t.identities,
            community_id=community_key,
            member_id=member_key,
            origin_member_id=member_key,
        ),
        "group_memberships": rows(
            t.group_memberships,
            group_id=group_key,
            identity_id=ident_key,
            inviter_identity_id=ident_key,
            own_inviter_identity_id=ident_key,
        ),
        "roles": rows(
            t.roles, community_id=community_key, group_id=group_key, identity_id=ident_key
        ),
        "links": rows(t.links, community_id=community_key, owner_identity_id=ident_key),
        "entries": rows(
            t.entries, community_id=community_key, group_id=group_key, identity_id=ident_key
        ),
        "campaigns": rows(t.campaigns, community_id=community_key),
        "rewards": rows(t.rewards, community_id=community_key, identity_id=ident_key),
        "fraud_cases": rows(
            t.fraud_cases,
            community_id=community_key,
            invitee_identity_id=ident_key,
            inviter_identity_id=ident_key,
        ),
        "profiles": rows(t.profiles, identity_id=ident_key),
        "bindings": rows(t.bindings, community_id=community_key, group_id=group_key),
        "sessions": rows(t.sessions, community_id=community_key, group_id=group_key),
        "qa_entries": rows(t.qa_entries, community_id=community_key, group_id=group_key),
        "paid_memberships": rows(
            t.paid_memberships, community_id=community_key, identity_id=ident_key
        ),
        "referrals": rows(
            t.referrals,
            community_id=community_key,
            group_id=group_key,
            inviter_identity_id=ident_key,
            invitee_identity_id=ident_key,
        ),
    }
