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

from shequn.store import raw, referral_facts
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
    return referrals_of_inviters(conn, community, [inviter])[inviter]


def referrals_of_inviters(
    conn: Connection, community: str, inviters: Sequence[str]
) -> dict[str, list[Referral]]:
    """:func:`referrals_by` for many inviters at once, in the same three statements however
    many there are: a batch of joins re-counts every inviter it touches, and reading them one
    by one cost eight statements each. Fixed SQL on the driver's cursor (``store/raw.py``):
    the inviters' people, their edges, then what became of the invitees
    (``store/referral_facts.py``: four reads in one statement; each recorded join with an
    inviter runs this, issue 22)."""
    out: dict[str, list[Referral]] = {inviter: [] for inviter in inviters}
    if not inviters:
        return out
    asked = sorted(out)
    people = raw.rows(conn, _PEOPLE, [community, asked, community, asked])
    if not people:
        return out  # no inviter was ever seen (or no such community): no edges
    cid = people[0][3]  # every row's community: a person's identities share it
    member_of = {key: member for _, key, member, _ in people}
    ids_of: dict[str, set[int]] = {}
    for inviter in asked:
        if inviter not in member_of:
            continue  # never seen: no edges
        own = member_of[inviter]
        ids_of[inviter] = {i for i, key, m, _ in people if key == inviter or (own and m == own)}
    theirs = set().union(*ids_of.values())
    inviter_members = {i: m for i, _, m, _ in people if i in theirs}
    if not inviter_members:
        return out
    edges = raw.rows(
        conn,
        "SELECT invitee_identity_id, inviter_identity_id, campaign, occurred_at, id"
        " FROM referrals WHERE community_id = ? AND inviter_identity_id IN (?*)"
        " ORDER BY occurred_at, id",
        [cid, sorted(inviter_members)],
    )
    resolved = _resolve(conn, cid, edges, inviter_members)
    for inviter, ids in ids_of.items():
        out[inviter] = [r for e, r in zip(edges, resolved, strict=True) if e[1] in ids]
    return out


_PEOPLE = (  # the inviters' own identities and every identity of their persons (a UNION,
    # not an OR: each half uses its index, an OR scanned the community), with their community's
    # id: the edges are read by it, and asking for it alone was one statement more per re-count
    'SELECT id, "key", member_id, community_id FROM identities'
    ' WHERE community_id = (SELECT id FROM communities WHERE slug = ?) AND "key" IN (?*)'
    ' UNION SELECT id, "key", member_id, community_id FROM identities WHERE member_id IN'
    " (SELECT member_id FROM identities"
    ' WHERE community_id = (SELECT id FROM communities WHERE slug = ?) AND "key" IN (?*))'
)


def _resolve(
    conn: Connection, cid: int, edges: Sequence[Any], inviter_members: dict[int, int]
) -> list[Referral]:
    invitees = sorted({e[0] for e in edges})
    if not invitees:
        return []
    ids = sorted({*invitees, *inviter_members})
    people, touches, joined, flagged = referral_facts.invitees(conn, cid, ids, invitees)
    keys: dict[int, str] = {i: key for i, key, _ in people}
    wanted = set(invitees)
    members = {i: member for i, _, member in people if i in wanted}
    first: dict[int, tuple[datetime, int]] = {}
    for invitee, when, rid in touches:
        at = raw.utc(when)
        assert at is not None  # noqa: S101  # NOT NULL
        if invitee not in first or (at, rid) < first[invitee]:
            first[invitee] = (at, rid)
    joins: dict[int, tuple[datetime | None, str, datetime | None]] = {}
    for identity, joined_at, status, left_at in joined:
        joins.setdefault(identity, (raw.utc(joined_at), status, raw.utc(left_at)))
    cases: dict[tuple[int, int], str] = {}
    for invitee, inviter, status in flagged:
        cases[(invitee, inviter)] = status
    out = []
    for invitee, inviter, campaign, when, rid in edges:
        at = raw.utc(when)
        assert at is not None  # noqa: S101  # NOT NULL
        join = joins.get(invitee)
        out.append(
            Referral(
                invitee=keys[invitee],
                inviter=keys[inviter],
                campaign=campaign,
                touched_at=at,
                first_touch=first[invitee] == (at, rid),
                joined_at=join[0] if join else None,
                status=join[1] if join else None,
                left_at=join[2] if join else None,
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
    mine = list(keys or identities_of(conn, community, invitee))
    sql = (
        'SELECT inviter."key" FROM referrals r JOIN communities k ON k.id = r.community_id'
        " JOIN identities i ON i.id = r.invitee_identity_id"
        " JOIN identities inviter ON inviter.id = r.inviter_identity_id"
        ' WHERE k.slug = ? AND i."key" IN (?*)'
    )
    params: list[Any] = [community, mine]
    if before is not None:
        sql += " AND r.occurred_at < ?"
        params.append(raw.bind_time(conn, before))
    return [key for (key,) in raw.rows(conn, sql, params)]


def inviters_of(conn: Connection, community: str, invitees: Sequence[str]) -> dict[str, list[str]]:
    """:func:`invited_by` for many invitees in one statement (a batch of joins asks it for
    each newcomer): invitee key → the keys that invited any identity of their person."""
    out: dict[str, list[str]] = {key: [] for key in invitees}
    if not out:
        return out
    keys = [community, sorted(out)]
    for asked, inviter in raw.rows(conn, _INVITERS_OF, keys + keys):
        out[asked].append(inviter)
    return out


_INVITED = (
    'SELECT a."key", inviter."key" FROM identities a{}'
    " JOIN referrals r ON r.invitee_identity_id = {}.id AND r.community_id = a.community_id"
    " JOIN identities inviter ON inviter.id = r.inviter_identity_id"
    ' WHERE a.community_id = (SELECT id FROM communities WHERE slug = ?) AND a."key" IN (?*)'
)
# the asked identities' own invites, then their persons' other identities': a join ``ON i.id
# = a.id OR i.member_id = a.member_id`` read every identity per statement on PostgreSQL
_OTHERS = " JOIN identities i ON i.member_id = a.member_id AND i.id <> a.id"
_INVITERS_OF = f"{_INVITED.format('', 'a')} UNION ALL {_INVITED.format(_OTHERS, 'i')}"


def rewards_of(conn: Connection, community: str, campaign: str, inviter: str) -> dict[int, str]:
    """Tier → status (granted | revoked) of ``inviter``'s rewards in ``campaign``."""
    mine = identities_of(conn, community, inviter)
    found = raw.rows(
        conn,
        "SELECT w.tier, w.status FROM rewards w JOIN communities k ON k.id = w.community_id"
        " JOIN identities i ON i.id = w.identity_id"
        ' WHERE k.slug = ? AND w.campaign = ? AND i."key" IN (?*)',
        [community, campaign, mine],
    )
    return {tier: status for tier, status in found}


def rewards_of_inviters(
    conn: Connection, community: str, inviters: Sequence[str]
) -> dict[str, dict[str, dict[int, str]]]:
    """Inviter → campaign → tier → status: :func:`rewards_of` for a batch's inviters in one
    statement (a batch of joins re-counts every inviter it touches: two statements each)."""
    if not inviters:
        return {}
    asked = sorted(set(inviters))
    out: dict[str, dict[str, dict[int, str]]] = {}
    for key, campaign, tier, status in raw.rows(conn, _REWARDS_OF, [community, asked] * 2):
        out.setdefault(key, {}).setdefault(campaign, {})[tier] = status
    return out


_REWARDS_OF = (  # every identity of the inviter's person (a UNION, not an OR: indexed halves)
    # CROSS JOIN: SQLite keeps the tables in this order — the inviters' keys first, then
    # their persons' identities, then each one's rewards (ix_rewards_identity, 0265); left
    # to choose, it walked every reward of the community. PostgreSQL plans it as a JOIN.
    'SELECT a."key", w.campaign, w.tier, w.status FROM identities a'
    " CROSS JOIN identities b CROSS JOIN rewards w"
    " WHERE b.member_id = a.member_id AND w.identity_id = b.id"
    " AND w.community_id = a.community_id"
    ' AND a.community_id = (SELECT id FROM communities WHERE slug = ?) AND a."key" IN (?*)'
    ' UNION ALL SELECT a."key", w.campaign, w.tier, w.status FROM identities a'
    " CROSS JOIN rewards w WHERE w.identity_id = a.id AND w.community_id = a.community_id"
    " AND a.member_id IS NULL"
    ' AND a.community_id = (SELECT id FROM communities WHERE slug = ?) AND a."key" IN (?*)'
)


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
    found = raw.rows(
        conn,
        "SELECT c.config FROM campaigns c JOIN communities k ON k.id = c.community_id"
        " WHERE k.slug = ? ORDER BY c.slug",
        (community,),
    )
    return [dict(raw.json_value(cfg)) for (cfg,) in found]


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
