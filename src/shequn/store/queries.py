"""Read-only queries over the projections and the log, returning ``model.entities`` values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import aliased

from shequn.errors import Conflict, NotFound
from shequn.model.entities import Community, Group, Identity, Member, Membership, Role
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import tables as t
from shequn.store.sql import chunks


def list_communities(conn: Connection) -> list[Community]:
    c = t.communities.c
    rows = conn.execute(select(c.id, c.slug, c.name, c.timezone).order_by(c.slug))
    return [Community(*r) for r in rows]


def get_community(conn: Connection, slug: str) -> Community:
    for community in list_communities(conn):
        if community.slug == slug:
            return community
    raise NotFound(Said("no community {slug!r}", slug=slug), community=slug)


def list_groups(conn: Connection, community: str | None = None) -> list[Group]:
    g, c, m = t.groups.c, t.communities.c, t.group_memberships.c
    active = (
        select(func.count(func.distinct(t.identities.c.member_id)))
        .select_from(t.group_memberships.join(t.identities, t.identities.c.id == m.identity_id))
        .where(m.group_id == g.id, m.status == "active")
        .scalar_subquery()
    )
    q = (
        select(
            g.id,
            c.slug,
            g.slug,
            g.name,
            g.platform,
            g.theme,
            g.region,
            g.capacity,
            g.stage,
            g.configured,
            active,
        )
        .join_from(t.groups, t.communities)
        .order_by(c.slug, g.slug)
    )
    if community is not None:
        q = q.where(c.slug == community)
    return [Group(*r) for r in conn.execute(q)]


def resolve_member(
    conn: Connection, ref: str, *, follow_merges: bool = True, community: str | None = None
) -> int:
    """A member id from a member id, a member key or any identity key.

    With ``follow_merges`` (the default) the answer is the member that now stands for the
    person; without it, a member key names that member even if it was merged away. Members
    belong to one community: with ``community`` only its members are found; without, a key
    that names members of several communities is refused as ambiguous.
    """
    m, i = t.members.c, t.identities.c
    cid = None if community is None else _community_id(conn, community)
    missing = NotFound(
        Said("no member {ref!r} (give a member id or an identity key)", ref=ref), member=ref
    )
    if ref.isascii() and ref.isdigit():
        q = select(m.id).where(m.id == int(ref)) if int(ref) < 2**31 else None
        if q is not None and cid is not None:
            q = q.where(m.community_id == cid)
        found = None if q is None else conn.execute(q).scalar()
    else:
        found = None
        if not follow_merges:
            found = _one(conn, select(m.id, m.community_id).where(m.key == ref), cid, ref)
        if found is None:
            q = select(i.member_id, i.community_id).where(i.key == ref)
            found = _one(conn, q, cid, ref)
    if found is None:
        raise missing
    return root_member(conn, int(found)) if follow_merges else int(found)


def _community_id(conn: Connection, slug: str) -> int:
    found = conn.execute(select(t.communities.c.id).where(t.communities.c.slug == slug)).scalar()
    if found is None:
        raise NotFound(Said("no community {slug!r}", slug=slug), community=slug)
    return int(found)


def _one(conn: Connection, q: Any, community_id: int | None, ref: str) -> int | None:
    """The id the ``(id, community_id)`` query finds in the community (or the only one)."""
    rows = [r for r in conn.execute(q).all() if community_id is None or r[1] == community_id]
    if len(rows) > 1:
        raise Conflict(
            Said(
                "{ref!r} is a member of {n} communities: say which (--community)",
                ref=ref,
                n=len(rows),
            ),
            member=ref,
        )
    return int(rows[0][0]) if rows else None


def named_like(search: str) -> Any:
    """Members with an identity whose name or key contains ``search`` (case-insensitive,
    ``%`` and ``_`` taken literally)."""
    i = t.identities.c
    like = like_pattern(search.lower())
    matches = func.lower(i.display_name).like(like, escape="\\") | func.lower(i.key).like(
        like, escape="\\"
    )
    return t.members.c.id.in_(select(i.member_id).where(matches))


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE … ESCAPE '\\'``: a ``%`` or ``_`` the user typed is literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def root_member(conn: Connection, member_id: int) -> int:
    """Follow ``merged_into`` to the member that now stands for this person."""
    seen = {member_id}
    while True:
        nxt = conn.execute(
            select(t.members.c.merged_into).where(t.members.c.id == member_id)
        ).scalar()
        if nxt is None or nxt in seen:
            return member_id
        seen.add(nxt)
        member_id = nxt


def list_members(
    conn: Connection,
    *,
    community: str | None = None,
    group: str | None = None,
    search: str | None = None,
    ids: Sequence[int] | None = None,
    include_merged: bool = False,
    limit: int | None = None,
) -> list[Member]:
    """Members (people, merges applied) with identities, memberships and roles."""
    m, i, gm, g, c = (
        t.members.c,
        t.identities.c,
        t.group_memberships.c,
        t.groups.c,
        t.communities.c,
    )
    q = select(m.id).order_by(m.id)
    if not include_merged:
        q = q.where(m.merged_into.is_(None))
    if ids is not None:
        q = q.where(m.id.in_(list(ids)))
    if community is not None or group is not None:
        scoped = (
            select(i.member_id)
            .join_from(t.identities, t.group_memberships, gm.identity_id == i.id)
            .join(t.groups, g.id == gm.group_id)
            .join(t.communities, c.id == g.community_id)
        )
        if community is not None:
            scoped = scoped.where(c.slug == community)
        if group is not None:
            scoped = scoped.where(g.slug == group)
        q = q.where(m.id.in_(scoped))
    if community is not None:
        q = q.where(m.community_id == _community_id(conn, community))
    if search:
        q = q.where(named_like(search))
    if limit is not None:
        q = q.limit(limit)
    member_ids = list(conn.execute(q).scalars())
    return _hydrate(conn, member_ids)


def count_members(conn: Connection) -> int:
    m = t.members.c
    return int(conn.execute(select(func.count()).where(m.merged_into.is_(None))).scalar_one())


def _hydrate(conn: Connection, member_ids: list[int]) -> list[Member]:
    m, i, gm, g, c, r = (
        t.members.c,
        t.identities.c,
        t.group_memberships.c,
        t.groups.c,
        t.communities.c,
        t.roles.c,
    )
    inviter = aliased(t.identities)
    base: dict[int, Any] = {}
    idents: dict[int, list[Any]] = defaultdict(list)
    ships: dict[int, list[Membership]] = defaultdict(list)
    roles: dict[int, list[Role]] = defaultdict(list)
    for part in chunks(member_ids):
        for row in conn.execute(
            select(m.id, m.key, m.first_seen_at, m.merged_into, c.slug.label("community"))
            .join_from(t.members, t.communities, c.id == m.community_id)
            .where(m.id.in_(part))
        ):
            base[row.id] = row
        for ident in conn.execute(
            select(i.member_id, i.key, i.display_name, i.first_seen_at, i.name_at)
            .where(i.member_id.in_(part))
            .order_by(i.first_seen_at, i.id)
        ):
            idents[ident.member_id].append(ident)
        q = (
            select(
                i.member_id,
                c.slug,
                g.slug,
                i.key,
                gm.status,
                gm.joined_at,
                gm.left_at,
                gm.join_channel,
                inviter.c.key,
                gm.times_joined,
            )
            .select_from(t.group_memberships)
            .join(t.identities, gm.identity_id == i.id)
            .join(t.groups, gm.group_id == g.id)
            .join(t.communities, g.community_id == c.id)
            .outerjoin(inviter, gm.inviter_identity_id == inviter.c.id)
            .where(i.member_id.in_(part))
            .order_by(c.slug, g.slug)
        )
        for member_id, *ship in conn.execute(q):
            ships[member_id].append(Membership(*ship))
        q2 = (
            select(i.member_id, c.slug, g.slug, i.key, r.role, r.since)
            .select_from(t.roles)
            .join(t.identities, r.identity_id == i.id)
            .join(t.communities, r.community_id == c.id)
            .outerjoin(t.groups, r.group_id == g.id)
            .where(i.member_id.in_(part), r.role != "member")
        )
        for member_id, *role in conn.execute(q2):
            roles[member_id].append(Role(*role))
    keys = {row.id: row.key for row in base.values()}
    missing = {row.merged_into for row in base.values() if row.merged_into not in keys}
    for part in chunks(sorted(x for x in missing if x is not None)):
        keys.update(dict(conn.execute(select(m.id, m.key).where(m.id.in_(part))).all()))
    out = []
    for mid in member_ids:
        row = base[mid]
        ids_ = idents.get(mid, [])
        name = _display_name(row.key, ids_)
        out.append(
            Member(
                id=mid,
                key=row.key,
                display_name=name,
                first_seen_at=row.first_seen_at,
                merged_into=keys.get(row.merged_into) if row.merged_into else None,
                identities=tuple(Identity(x.key, x.display_name, x.first_seen_at) for x in ids_),
                memberships=tuple(ships.get(mid, ())),
                roles=tuple(roles.get(mid, ())),
                community=row.community,
            )
        )
    return out


def _display_name(key: str, identities: list[Any]) -> str | None:
    """The member's own identity's name, else the most recently set name of any identity."""
    for x in identities:
        if x.key == key and x.display_name:
            return str(x.display_name)
    named = [x for x in identities if x.display_name and x.name_at is not None]
    return str(max(named, key=lambda x: x.name_at).display_name) if named else None


def get_member(
    conn: Connection, ref: str, *, follow_merges: bool = True, community: str | None = None
) -> Member:
    """One member by id or key (see :func:`resolve_member`), fully hydrated."""
    member_id = resolve_member(conn, ref, follow_merges=follow_merges, community=community)
    return list_members(conn, ids=[member_id], include_merged=True)[0]


def tail_events(
    conn: Connection,
    *,
    limit: int = 20,
    community: str | None = None,
    group: str | None = None,
    kind: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
) -> list[tuple[int, Event]]:
    """The newest events (by id), oldest of them first."""
    e = t.events.c
    q = select(t.events).order_by(e.id.desc()).limit(limit)
    for col, value in (
        ("community_slug", community),
        ("group_slug", group),
        ("kind", kind),
        ("actor", actor),
        ("subject", subject),
    ):
        if value is not None:
            q = q.where(e[col] == value)
    rows = list(conn.execute(q).mappings())
    return [(r["id"], row_to_event(r)) for r in reversed(rows)]


def row_to_event(r: Any) -> Event:
    return Event(
        kind=r["kind"],
        occurred_at=r["occurred_at"],
        community=r["community_slug"],
        group=r["group_slug"],
        actor=r["actor"],
        subject=r["subject"],
        source=r["source"],
        source_ref=r["source_ref"],
        data=dict(r["data"]),
    )


def count_events(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.events)).scalar_one())


def display_names(conn: Connection, community: str, keys: Iterable[str]) -> dict[str, str]:
    """``{identity key: display name}`` for the keys of ``community`` that have one (a page
    shows people by name, their key on hover)."""
    i, m, c = t.identities.c, t.members.c, t.communities.c
    names: dict[str, str] = {}
    for part in chunks(sorted(set(keys))):
        rows = conn.execute(
            select(i.key, i.display_name)
            .join_from(t.identities, t.members, m.id == i.member_id)
            .join(t.communities, c.id == m.community_id)
            .where(c.slug == community, i.key.in_(part), i.display_name.is_not(None))
        )
        names.update({row.key: str(row.display_name) for row in rows if row.display_name})
    return names


def community_languages(conn: Connection) -> dict[str, str | None]:
    """``{community slug: the language its blueprint says}`` (``None`` when it says none):
    the CLI speaks to an operator in their community's language."""
    c = t.communities.c
    rows = conn.execute(select(c.slug, c.blueprint))
    found: dict[str, str | None] = {}
    for slug, blueprint in rows:
        said = ((blueprint or {}).get("community") or {}).get("language")
        found[str(slug)] = str(said) if said else None
    return found
