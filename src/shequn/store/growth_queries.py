"""Reads the entry and fission engines decide from: links, seats, entries, profiles, invites.

Reads only; called inside the deciding transaction so what is read cannot change before the
decision is appended (SQLite: the write lock is held from BEGIN IMMEDIATE; PostgreSQL: the
caller holds the append advisory lock, see :func:`shequn.store.append.lock_for_decision`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, func, select

from shequn.errors import NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.entities import EntryState, Link, Profile
from shequn.model.i18n import said_from
from shequn.store import tables as t
from shequn.store.growth import SEATED
from shequn.store.scope_queries import community_id_of, in_community


def links_query() -> Any:
    """Links with their community's slug and their owner's identity key (see ``_link``)."""
    c, i, k = t.links.c, t.identities.c, t.communities.c
    return (
        select(t.links, k.slug.label("community_slug"), i.key.label("owner_key"))
        .join_from(t.links, t.communities, k.id == c.community_id)
        .outerjoin(t.identities, i.id == c.owner_identity_id)
    )


def get_link(conn: Connection, code: str) -> Link | None:
    row = conn.execute(links_query().where(t.links.c.code == code)).mappings().first()
    return _link(row) if row is not None else None


def find_referral_link(
    conn: Connection, community: str, owner: Sequence[str], campaign: str | None
) -> Link | None:
    """The referral link one of ``owner``'s identities already has for ``campaign``."""
    c, i, k = t.links.c, t.identities.c, t.communities.c
    q = links_query().where(
        k.slug == community,
        in_community(t.identities, community),
        c.purpose == "referral",
        i.key.in_(list(owner)),
        c.campaign.is_(None) if campaign is None else c.campaign == campaign,
    )
    row = conn.execute(q.order_by(c.id)).mappings().first()
    return _link(row) if row is not None else None


def list_links(conn: Connection, community: str) -> list[Link]:
    q = links_query().where(t.communities.c.slug == community).order_by(t.links.c.id)
    return [_link(r) for r in conn.execute(q).mappings()]


def _link(r: Any) -> Link:
    return Link(
        code=r["code"],
        community=r["community_slug"],
        purpose=r["purpose"],
        groups=tuple(r["groups"]),
        fill=r["fill"],
        owner=r["owner_key"],
        channel=r["channel"],
        campaign=r["campaign"],
        max_uses=r["max_uses"],
        uses=r["uses"],
        expires_at=r["expires_at"],
    )


@dataclass(frozen=True, slots=True)
class Seats:
    """A group's capacity and the seats taken: active members plus admitted newcomers who
    have not arrived yet (they were promised a place)."""

    group: str
    capacity: int | None
    taken: int

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


def seats(conn: Connection, community: str, groups: Sequence[str]) -> dict[str, Seats]:
    """Seats of each named group that exists (unknown slugs are left out)."""
    g, k, m, e = t.groups.c, t.communities.c, t.group_memberships.c, t.entries.c
    found = conn.execute(
        select(g.id, g.slug, g.capacity)
        .join_from(t.groups, t.communities, k.id == g.community_id)
        .where(k.slug == community, g.slug.in_(list(groups)))
    ).all()
    ids = [gid for gid, _, _ in found]
    members: dict[int, int] = dict(
        conn.execute(
            select(m.group_id, func.count())
            .where(m.group_id.in_(ids), m.status == "active")
            .group_by(m.group_id)
        ).all()
    )
    promised: dict[int, int] = dict(
        conn.execute(
            select(e.group_id, func.count())
            .where(e.group_id.in_(ids), e.status.in_(SEATED))
            .group_by(e.group_id)
        ).all()
    )
    return {
        slug: Seats(slug, cap, members.get(gid, 0) + promised.get(gid, 0))
        for gid, slug, cap in found
    }


def get_entry(
    conn: Connection, community: str, group: str | None, identity: str
) -> EntryState | None:
    rows = list_entries(conn, community, group=group, identity=identity, any_group=False)
    return rows[0] if rows else None


def list_entries(
    conn: Connection,
    community: str,
    *,
    group: str | None = None,
    identity: str | None = None,
    status: Sequence[str] = (),
    any_group: bool = True,
    identities: Sequence[str] | None = None,
) -> list[EntryState]:
    """Entries of the community, oldest decision first; filters combine."""
    e, g, i, k = t.entries.c, t.groups.c, t.identities.c, t.communities.c
    q = (
        select(t.entries, g.slug.label("group_slug"), i.key.label("identity_key"))
        .join_from(t.entries, t.communities, k.id == e.community_id)
        .outerjoin(t.groups, g.id == e.group_id)
        .join(t.identities, i.id == e.identity_id)
        .where(k.slug == community)
        .order_by(e.decided_at, e.requested_at, e.id)
    )
    if group is not None:
        q = q.where(g.slug == group)
    elif not any_group:
        q = q.where(e.group_id.is_(None))
    if identity is not None or identities is not None:
        q = q.where(in_community(t.identities, community))
    if identity is not None:
        q = q.where(i.key == identity)
    if identities is not None:
        q = q.where(i.key.in_(list(identities)))
    if status:
        q = q.where(e.status.in_(list(status)))
    return [
        EntryState(
            community=community,
            group=r["group_slug"],
            identity=r["identity_key"],
            status=r["status"],
            reason=said_from(r["reason_said"]) if r["reason_said"] else r["reason"],
            link=r["link"],
            approvals=r["approvals"],
            rejections=r["rejections"],
            reviews=tuple(r["reviews"] or ()),
            gates=tuple(r["gates"] or ()),
            checkins=r["checkins"],
            wave=r["wave"],
            requested_at=r["requested_at"],
            decided_at=r["decided_at"],
        )
        for r in conn.execute(q).mappings()
    ]


def last_wave(conn: Connection, community: str, group: str) -> int:
    e, g, k = t.entries.c, t.groups.c, t.communities.c
    q = (
        select(func.max(e.wave))
        .join_from(t.entries, t.groups, g.id == e.group_id)
        .join(t.communities, k.id == g.community_id)
        .where(k.slug == community, g.slug == group)
    )
    return int(conn.execute(q).scalar() or 0)


def get_profile(conn: Connection, community: str, identities: Sequence[str]) -> Profile:
    """The intake profile of a person, folded over all their identities (merged members)."""
    p, i = t.profiles.c, t.identities.c
    rows = conn.execute(
        select(t.profiles, i.key)
        .join_from(t.profiles, t.identities, i.id == p.identity_id)
        .where(in_community(t.identities, community), i.key.in_(list(identities)))
        .order_by(p.id)
    ).mappings()
    card: dict[str, Any] = {}
    survey: dict[str, Any] = {}
    tasks: list[str] = []
    paid = 0.0
    care = stake = by = None
    for r in rows:
        card.update(r["card"] or {})
        survey.update(r["survey"] or {})
        tasks += [x for x in r["tasks"] or [] if x not in tasks]
        paid += r["paid"] or 0.0
        care, stake, by = r["care"] or care, r["stake"] or stake, r["classified_by"] or by
    return Profile(identities[0], card, survey, tuple(tasks), paid, care, stake, by)


# The entry path runs these for every newcomer: built once, with bound parameters, instead
# of being put together again on each call (building costs more than running them).
_i = t.identities.c
_MEMBER_OF = select(_i.member_id).where(
    _i.key == bindparam("key"), _i.community_id == community_id_of(bindparam("community"))
)
_KEYS_OF = select(_i.key).where(_i.member_id == _MEMBER_OF.scalar_subquery()).order_by(_i.id)
_c, _k, _e = t.campaigns.c, t.communities.c, t.entries.c
_ANY_CAMPAIGN = (
    select(_c.id)
    .join_from(t.campaigns, t.communities, _k.id == _c.community_id)
    .where(_k.slug == bindparam("community"))
    .limit(1)
)
_ANY_PENDING = (
    select(_e.id)
    .join_from(t.entries, t.communities, _k.id == _e.community_id)
    .where(_k.slug == bindparam("community"), _e.status == "pending")
    .limit(1)
)


def identities_of(conn: Connection, community: str, identity: str) -> list[str]:
    """Every identity key of the person ``identity`` belongs to in ``community`` (itself
    first)."""
    keys = conn.execute(_KEYS_OF, {"key": identity, "community": community}).scalars()
    others = [k for k in keys if k != identity]
    return [identity, *others]


def member_id_of(conn: Connection, community: str, identity: str) -> int | None:
    found = conn.execute(_MEMBER_OF, {"key": identity, "community": community}).scalar_one_or_none()
    return int(found) if found is not None else None


def get_blueprint(conn: Connection, community: str) -> Blueprint:
    """The blueprint the community was last configured with."""
    c = t.communities.c
    raw = conn.execute(select(c.blueprint).where(c.slug == community)).scalar_one_or_none()
    if raw is None:
        raise NotFound(f"no community {community!r}", community=community)
    return parsed_blueprint(raw)


_PARSED: dict[bytes, Blueprint] = {}
_PARSED_MAX = 64


def parsed_blueprint(raw: dict[str, Any]) -> Blueprint:
    """``Blueprint.model_validate(raw)``, remembered by content: the entry path reads the
    blueprint in every transaction, and validating it costs more than the decision itself.
    Blueprints are frozen models, so sharing one is safe."""
    key = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    found = _PARSED.get(key)
    if found is None:
        found = Blueprint.model_validate(raw)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = found
    return found


def pending_action(conn: Connection, kind: str, community: str, key: str, value: str) -> bool:
    """Whether an outbox action of ``kind`` with ``payload[key] == value`` is still open:
    queued, in a worker's hands, or waiting for a person (``review``: an operator task)."""
    a = t.actions.c
    q = select(a.payload).where(
        a.kind == kind,
        a.community_slug == community,
        a.status.in_(("pending", "leased", "review")),
    )
    return any(p.get(key) == value for p in conn.execute(q).scalars())


def has_campaigns(conn: Connection, community: str) -> bool:
    return conn.execute(_ANY_CAMPAIGN, {"community": community}).first() is not None


def has_pending_entries(conn: Connection, community: str) -> bool:
    return conn.execute(_ANY_PENDING, {"community": community}).first() is not None


def growth_blueprint(conn: Connection, community: str, busy: bool = False) -> Blueprint | None:
    """The blueprint when the growth engines have work in the community — campaigns, pending
    entries (``busy``) or commission rates — else ``None``, without parsing it (imports call
    this once per batch). A community configured without a valid blueprint (events written by
    hand) has no growth engines either."""
    c = t.communities.c
    raw = conn.execute(select(c.blueprint).where(c.slug == community)).scalar_one_or_none()
    if not isinstance(raw, dict):
        return None
    fission = raw.get("fission")
    commission = isinstance(fission, dict) and bool(fission.get("commission"))
    if not (busy or commission or has_campaigns(conn, community)):
        return None
    try:
        return parsed_blueprint(raw)
    except ValidationError:
        return None


def active_groups(conn: Connection, community: str, identities: Sequence[str]) -> set[str]:
    """Group slugs where one of ``identities`` is an active member now."""
    m, g, k, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    q = (
        select(g.slug)
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .join(t.identities, i.id == m.identity_id)
        .where(k.slug == community, i.key.in_(list(identities)), m.status == "active")
    )
    return set(conn.execute(q).scalars())
