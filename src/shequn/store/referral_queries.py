"""Reads of fission: referral edges and what became of each invitee, rewards, campaigns,
fraud cases — what the fission engine counts from and the CLI, API and dashboard show.

Split from ``growth_queries.py`` (the door: links, seats, entries, profiles). Reads only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from shequn.store import tables as t
from shequn.store.growth_queries import identities_of
from shequn.store.scope_queries import in_community


@dataclass(frozen=True, slots=True)
class Referral:
    """One invite edge towards a newcomer, with what became of the newcomer."""

    invitee: str
    inviter: str
    campaign: str | None
    touched_at: datetime
    first_touch: bool
    joined_at: datetime | None
    status: str | None  # membership status in the community's group joined first
    left_at: datetime | None
    same_person: bool
    case_status: str | None  # latest fraud case on this referral


def referrals_by(conn: Connection, community: str, inviter: str) -> list[Referral]:
    """Every referral edge from ``inviter``'s person (all their identities) in the community."""
    r, i, k = t.referrals.c, t.identities.c, t.communities.c
    mine = identities_of(conn, community, inviter)
    cid = conn.execute(select(k.id).where(k.slug == community)).scalar_one_or_none()
    if cid is None:
        return []
    q = select(i.id, i.member_id).where(i.community_id == cid, i.key.in_(mine))
    inviter_ids = dict(conn.execute(q).all())
    edges = conn.execute(
        select(r.invitee_identity_id, r.inviter_identity_id, r.campaign, r.occurred_at, r.id)
        .where(r.community_id == cid, r.inviter_identity_id.in_(list(inviter_ids)))
        .order_by(r.occurred_at, r.id)
    ).all()
    return _resolve(conn, cid, edges, inviter_ids)


def _resolve(
    conn: Connection, cid: int, edges: Sequence[Any], inviter_members: dict[int, int]
) -> list[Referral]:
    r, i, m, g, f = (
        t.referrals.c,
        t.identities.c,
        t.group_memberships.c,
        t.groups.c,
        t.fraud_cases.c,
    )
    invitees = sorted({e[0] for e in edges})
    if not invitees:
        return []
    keys: dict[int, str] = dict(
        conn.execute(select(i.id, i.key).where(i.id.in_(invitees + list(inviter_members)))).all()
    )
    members = dict(conn.execute(select(i.id, i.member_id).where(i.id.in_(invitees))).all())
    first: dict[int, tuple[datetime, int]] = {}
    for invitee, at, rid in conn.execute(
        select(r.invitee_identity_id, r.occurred_at, r.id).where(
            r.community_id == cid, r.invitee_identity_id.in_(invitees)
        )
    ):
        if invitee not in first or (at, rid) < first[invitee]:
            first[invitee] = (at, rid)
    joins: dict[int, Any] = {}
    for row in conn.execute(
        select(m.identity_id, m.joined_at, m.status, m.left_at)
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .where(g.community_id == cid, m.identity_id.in_(invitees), m.joined_at.is_not(None))
        .order_by(m.joined_at)
    ):
        joins.setdefault(row.identity_id, row)
    cases: dict[tuple[int, int], str] = {}
    for invitee, inviter, status in conn.execute(
        select(f.invitee_identity_id, f.inviter_identity_id, f.status)
        .where(f.community_id == cid, f.invitee_identity_id.in_(invitees))
        .order_by(f.flagged_at, f.id)
    ):
        cases[(invitee, inviter)] = status
    out = []
    for invitee, inviter, campaign, at, rid in edges:
        join = joins.get(invitee)
        out.append(
            Referral(
                invitee=keys[invitee],
                inviter=keys[inviter],
                campaign=campaign,
                touched_at=at,
                first_touch=first[invitee] == (at, rid),
                joined_at=join.joined_at if join else None,
                status=join.status if join else None,
                left_at=join.left_at if join else None,
                same_person=members.get(invitee) == inviter_members.get(inviter),
                case_status=cases.get((invitee, inviter)),
            )
        )
    return out


def recent_referrals(
    conn: Connection,
    community: str,
    inviter: str,
    since: datetime,
    keys: Sequence[str] | None = None,
) -> int:
    """Invite edges from ``inviter``'s person since ``since`` (burst detection)."""
    r, i, k = t.referrals.c, t.identities.c, t.communities.c
    mine = list(keys or identities_of(conn, community, inviter))
    q = (
        select(func.count())
        .select_from(t.referrals)
        .join(t.communities, k.id == r.community_id)
        .join(t.identities, i.id == r.inviter_identity_id)
        .where(k.slug == community, i.key.in_(mine), r.occurred_at >= since)
    )
    return int(conn.execute(q).scalar_one())


def invited_by(
    conn: Connection,
    community: str,
    invitee: str,
    before: datetime | None = None,
    keys: Sequence[str] | None = None,
) -> list[str]:
    """Identity keys that invited ``invitee``'s person (any of their identities), optionally
    only by invites before ``before``."""
    r, i, k = t.referrals.c, t.identities.c, t.communities.c
    inviter = t.identities.alias("inviter")
    q = (
        select(inviter.c.key)
        .select_from(t.referrals)
        .join(t.communities, k.id == r.community_id)
        .join(t.identities, i.id == r.invitee_identity_id)
        .join(inviter, inviter.c.id == r.inviter_identity_id)
        .where(
            k.slug == community, i.key.in_(list(keys or identities_of(conn, community, invitee)))
        )
    )
    if before is not None:
        q = q.where(r.occurred_at < before)
    return list(conn.execute(q).scalars())


def rewards_of(conn: Connection, community: str, campaign: str, inviter: str) -> dict[int, str]:
    """Tier → status (granted | revoked) of ``inviter``'s rewards in ``campaign``."""
    w, i, k = t.rewards.c, t.identities.c, t.communities.c
    q = (
        select(w.tier, w.status)
        .join_from(t.rewards, t.communities, k.id == w.community_id)
        .join(t.identities, i.id == w.identity_id)
        .where(
            k.slug == community,
            w.campaign == campaign,
            i.key.in_(identities_of(conn, community, inviter)),
        )
    )
    return {tier: status for tier, status in conn.execute(q)}


def get_campaign(conn: Connection, community: str, slug: str) -> dict[str, Any] | None:
    c, k = t.campaigns.c, t.communities.c
    q = (
        select(c.config)
        .join_from(t.campaigns, t.communities, k.id == c.community_id)
        .where(and_(k.slug == community, c.slug == slug))
    )
    found = conn.execute(q).scalar_one_or_none()
    return dict(found) if found is not None else None


def list_campaigns(conn: Connection, community: str) -> list[dict[str, Any]]:
    c, k = t.campaigns.c, t.communities.c
    q = (
        select(c.config)
        .join_from(t.campaigns, t.communities, k.id == c.community_id)
        .where(k.slug == community)
        .order_by(c.slug)
    )
    return [dict(cfg) for cfg in conn.execute(q).scalars()]


def fraud_cases(
    conn: Connection, community: str, status: Sequence[str] = ()
) -> list[dict[str, Any]]:
    f, k = t.fraud_cases.c, t.communities.c
    invitee, inviter = t.identities.alias("invitee"), t.identities.alias("inviter")
    q = (
        select(
            f.case,
            invitee.c.key.label("invitee"),
            inviter.c.key.label("inviter"),
            f.score,
            f.reasons,
            f.status,
            f.flagged_at,
            f.reviewed_at,
        )
        .join_from(t.fraud_cases, t.communities, k.id == f.community_id)
        .join(invitee, invitee.c.id == f.invitee_identity_id)
        .join(inviter, inviter.c.id == f.inviter_identity_id)
        .where(k.slug == community)
        .order_by(f.flagged_at, f.id)
    )
    if status:
        q = q.where(f.status.in_(list(status)))
    return [dict(r) for r in conn.execute(q).mappings()]


def tasks_of(conn: Connection, community: str, identities: Sequence[str]) -> dict[str, set[str]]:
    """Identity key → tasks done, for many identities of ``community`` at once."""
    p, i = t.profiles.c, t.identities.c
    q = select(i.key, p.tasks).join_from(t.profiles, t.identities, i.id == p.identity_id)
    q = q.where(in_community(t.identities, community))
    return {
        key: set(tasks or []) for key, tasks in conn.execute(q.where(i.key.in_(list(identities))))
    }


def first_touch(conn: Connection, community: str, invitee: str) -> Referral | None:
    """The referral that brought ``invitee``'s person: the earliest invite edge towards any
    of their identities (first touch wins)."""
    r, i, k = t.referrals.c, t.identities.c, t.communities.c
    cid = conn.execute(select(k.id).where(k.slug == community)).scalar_one_or_none()
    if cid is None:
        return None
    ids = select(i.id).where(
        i.community_id == cid, i.key.in_(identities_of(conn, community, invitee))
    )
    edge = conn.execute(
        select(r.invitee_identity_id, r.inviter_identity_id, r.campaign, r.occurred_at, r.id)
        .where(r.community_id == cid, r.invitee_identity_id.in_(ids))
        .order_by(r.occurred_at, r.id)
        .limit(1)
    ).first()
    if edge is None:
        return None
    inviter_member = conn.execute(select(i.member_id).where(i.id == edge[1])).scalar_one()
    return _resolve(conn, cid, [edge], {edge[1]: inviter_member})[0]


def fraud_case(conn: Connection, case: str) -> dict[str, Any] | None:
    f = t.fraud_cases.c
    invitee, inviter = t.identities.alias("invitee"), t.identities.alias("inviter")
    q = (
        select(f.case, f.status, invitee.c.key.label("invitee"), inviter.c.key.label("inviter"))
        .join_from(t.fraud_cases, invitee, invitee.c.id == f.invitee_identity_id)
        .join(inviter, inviter.c.id == f.inviter_identity_id)
        .where(f.case == case)
    )
    row = conn.execute(q).mappings().first()
    return dict(row) if row is not None else None


def was_member_before(
    conn: Connection,
    community: str,
    identity: str,
    at: datetime,
    keys: Sequence[str] | None = None,
) -> bool:
    """Whether ``identity``'s person had joined a group of the community before ``at``."""
    m, g, k, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    ids = select(i.id).where(
        in_community(t.identities, community),
        i.key.in_(list(keys or identities_of(conn, community, identity))),
    )
    q = (
        select(m.id)
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .where(k.slug == community, m.identity_id.in_(ids), m.joined_at < at)
        .limit(1)
    )
    return conn.execute(q).first() is not None


def inviters(conn: Connection, community: str) -> list[str]:
    """Identity keys that invited anyone in the community (campaign settlement walks them)."""
    r, i, k = t.referrals.c, t.identities.c, t.communities.c
    q = (
        select(i.key)
        .distinct()
        .join_from(t.referrals, t.identities, i.id == r.inviter_identity_id)
        .join(t.communities, k.id == r.community_id)
        .where(k.slug == community, r.campaign.is_not(None))
        .order_by(i.key)
    )
    return list(conn.execute(q).scalars())
