"""Reads the pyramid's decisions need (P-ORG): its own events, the facts its levels count, and
who is who (identities → the member standing for them, and since when).

The engine folds these with the pure functions of ``model/org_facts.py`` and
``model/org_state.py``; nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shequn.model.events import Event
from shequn.model.kinds import ROLES
from shequn.model.org_facts import FACT_KINDS, Target
from shequn.model.org_state import ORG_EVENT_KINDS
from shequn.store import tables as t
from shequn.store.queries import row_to_event

_CHUNK = 500


def events_of(
    conn: Connection, community: str, kinds: Sequence[str], since: datetime | None = None
) -> list[Event]:
    """The community's events of ``kinds`` (since ``since``), oldest first."""
    e = t.events.c
    q = select(t.events).where(e.community_slug == community, e.kind.in_(list(kinds)))
    if since is not None:
        q = q.where(e.occurred_at >= since)
    return [row_to_event(r) for r in conn.execute(q.order_by(e.occurred_at, e.id)).mappings()]


def org_events(conn: Connection, community: str) -> list[Event]:
    """Every level, tag, task and motion event of the community."""
    return events_of(conn, community, ORG_EVENT_KINDS)


def fact_events(conn: Connection, community: str, since: datetime) -> list[Event]:
    """The events levels are counted from, since ``since``."""
    return events_of(conn, community, FACT_KINDS, since)


def message_targets(
    conn: Connection, community: str, events: Iterable[Event]
) -> dict[tuple[str, str], Target]:
    """The messages ``events`` reply or react to: (source, source_ref) → (author, question)."""
    wanted: set[tuple[str, str]] = set()
    for ev in events:
        ref = ev.data.get("reply_to") if ev.kind == "message.posted" else None
        ref = ev.data.get("message") if ev.kind == "message.reacted" else ref
        if ref is not None:
            wanted.add((ev.source, str(ref)))
    refs = sorted({r for _, r in wanted})
    e = t.events.c
    found: dict[tuple[str, str], Target] = {}
    for i in range(0, len(refs), _CHUNK):
        q = select(e.source, e.source_ref, e.actor, e.data).where(
            e.community_slug == community,
            e.kind == "message.posted",
            e.source_ref.in_(refs[i : i + _CHUNK]),
        )
        for source, ref, actor, data in conn.execute(q):
            if (source, ref) in wanted:
                found[(source, ref)] = (actor, bool((data or {}).get("is_question")))
    return found


def last_messages(conn: Connection, community: str, since: datetime) -> dict[str, datetime]:
    """Each author's (identity key) latest message in the community since ``since``."""
    e = t.events.c
    q = (
        select(e.actor, func.max(e.occurred_at))
        .where(
            e.community_slug == community,
            e.occurred_at >= since,
            e.kind == "message.posted",
            e.actor.is_not(None),
        )
        .group_by(e.actor)
    )
    return {str(actor): at for actor, at in conn.execute(q)}


def last_of_kinds(
    conn: Connection, community: str, kinds: Sequence[str], since: datetime
) -> dict[tuple[str, str], datetime]:
    """(group, kind) → the latest event of one of ``kinds`` in that group since ``since``."""
    e = t.events.c
    q = (
        select(e.group_slug, e.kind, func.max(e.occurred_at))
        .where(
            e.community_slug == community,
            e.occurred_at >= since,
            e.kind.in_(list(kinds)),
            e.group_slug.is_not(None),
        )
        .group_by(e.group_slug, e.kind)
    )
    return {(str(g), str(k)): at for g, k, at in conn.execute(q)}


def people(conn: Connection, community: str) -> tuple[dict[str, str], dict[str, datetime]]:
    """(identity key → the key of the member standing for it, after merges;
    member key → first seen) for the community's members not merged into another."""
    m, i, c = t.members.c, t.identities.c, t.communities.c
    rows = conn.execute(
        select(m.id, m.key, m.merged_into, m.first_seen_at)
        .join(t.communities, c.id == m.community_id)
        .where(c.slug == community)
    ).all()
    by_id = {r.id: r for r in rows}

    def root(member_id: int) -> int:
        seen: set[int] = set()
        while by_id[member_id].merged_into is not None and member_id not in seen:
            seen.add(member_id)
            member_id = by_id[member_id].merged_into
        return member_id

    identities = conn.execute(
        select(i.key, i.member_id)
        .join(t.communities, c.id == i.community_id)
        .where(c.slug == community, i.member_id.is_not(None))
    ).all()
    owner = {key: by_id[root(mid)].key for key, mid in identities if mid in by_id}
    owner.update({r.key: by_id[root(r.id)].key for r in rows})
    since = {r.key: r.first_seen_at for r in rows if r.merged_into is None}
    return owner, since


def role_holders(conn: Connection, community: str) -> list[dict[str, Any]]:
    """Everyone holding a role other than ``member``: identity, role, group (None: the whole
    community), since — highest role first."""
    r, i, g, c = t.roles.c, t.identities.c, t.groups.c, t.communities.c
    q = (
        select(i.key, r.role, g.slug, r.since)
        .join_from(t.roles, t.identities, i.id == r.identity_id)
        .join(t.communities, c.id == r.community_id)
        .outerjoin(t.groups, g.id == r.group_id)
        .where(c.slug == community, r.role != "member")
    )
    rows = [
        {"member": key, "role": role, "group": group, "since": since.isoformat()}
        for key, role, group, since in conn.execute(q)
    ]
    order = {role: n for n, role in enumerate(ROLES)}
    return sorted(rows, key=lambda x: (order.get(x["role"], 99), x["group"] or "", x["member"]))


def role_history(
    conn: Connection, community: str, subjects: Sequence[str]
) -> list[tuple[int, Event]]:
    """Every ``role.changed`` of ``subjects`` (a member's identity keys), in the order the
    roles projection applies them (time, then id), with their ids."""
    e = t.events.c
    q = (
        select(t.events)
        .where(
            e.community_slug == community,
            e.kind == "role.changed",
            e.subject.in_(list(subjects)),
        )
        .order_by(e.occurred_at, e.id)
    )
    return [(int(r["id"]), row_to_event(r)) for r in conn.execute(q).mappings()]


__all__ = [
    "events_of",
    "fact_events",
    "last_messages",
    "last_of_kinds",
    "message_targets",
    "org_events",
    "people",
    "role_history",
    "role_holders",
]
