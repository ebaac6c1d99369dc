"""Batch reads for the entry door: the state of many newcomers in a few queries.

``engine/door.py`` decides a whole batch of knocks in one transaction; these read, for all
of them at once, what :func:`shequn.engine.entry.door_view` reads per knock. They run for
every knock, so they are fixed statements on the driver's cursor (``store/raw.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from shequn.model.entities import Link
from shequn.store import raw


def links_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, Link]:
    return raw.read(conn, links_read(codes))


def links_read(codes: Iterable[str]) -> raw.Read[dict[str, Link]]:
    """:func:`links_by_code` as a read to send with others (``raw.read_each``)."""
    wanted = sorted(set(codes))
    return raw.Read(LINKS_BY_CODE if wanted else None, [wanted], _links_from)


def _links_from(found: list[tuple[Any, ...]]) -> dict[str, Link]:
    return {r[0]: link_of(r) for r in found}


LINKS = (
    'SELECT l.code, k.slug, l.purpose, l.groups, l.fill, o."key", l.channel, l.campaign,'
    " l.max_uses, l.uses, l.expires_at FROM links l JOIN communities k ON k.id = l.community_id"
    " LEFT OUTER JOIN identities o ON o.id = l.owner_identity_id "
)
"""Links with their community's slug and their owner's identity key; rows for ``link_of``."""
LINKS_BY_CODE = LINKS + "WHERE l.code IN (?*)"


def link_of(r: Any) -> Link:
    code, community, purpose, groups, fill, owner, channel, campaign, max_uses, uses, exp = r
    return Link(
        code=code,
        community=community,
        purpose=purpose,
        groups=tuple(raw.json_value(groups)),
        fill=fill,
        owner=owner,
        channel=channel,
        campaign=campaign,
        max_uses=max_uses,
        uses=uses,
        expires_at=raw.utc(exp),
    )


def persons_of(conn: Connection, community: str, keys: Sequence[str]) -> dict[str, list[str]]:
    """Identity key → every key of the same person in ``community`` (itself first); unknown
    keys map to themselves alone (a newcomer never seen). One statement (a self-join): the
    door and its fraud check ask it on every knock, and on PostgreSQL each is a round trip."""
    return raw.read(conn, persons_read(community, keys))


def persons_read(community: str, keys: Sequence[str]) -> raw.Read[dict[str, list[str]]]:
    """:func:`persons_of` as a read to send with others (``raw.read_each``)."""
    wanted = list(keys)
    return raw.Read(
        _PERSONS if wanted else None, [community, wanted], lambda found: _persons(wanted, found)
    )


People = tuple[dict[str, list[str]], frozenset[str]]
"""Each key's person (as :func:`persons_of`) and the keys of all of them the store holds."""


def people_read(community: str, keys: Sequence[str]) -> raw.Read[People]:
    """:func:`persons_read`, and which of the people's keys are stored. Every stored identity
    has its member (``identity_projection`` creates them together), so the self-join finds
    each stored key at least with itself; a key without a row is a newcomer nobody stored
    yet, with no entry or membership anywhere — the batched door reads those for the stored
    keys only (a batch of newcomers: none)."""
    wanted = list(keys)

    def parse(found: list[tuple[Any, ...]]) -> People:
        return _persons(wanted, found), frozenset(other for _, other in found)

    return raw.Read(_PERSONS if wanted else None, [community, wanted], parse)


def _persons(wanted: list[str], found: list[tuple[Any, ...]]) -> dict[str, list[str]]:
    others: dict[str, list[str]] = defaultdict(list)
    for key, other in found:
        if other != key:
            others[key].append(other)
    return {key: [key, *others.get(key, ())] for key in wanted}


_PERSONS = (
    'SELECT a."key", b."key" FROM identities a JOIN identities b ON b.member_id = a.member_id'
    ' WHERE a.community_id = (SELECT id FROM communities WHERE slug = ?) AND a."key" IN (?*)'
    " ORDER BY b.id"
)


def active_groups_of(conn: Connection, community: str, keys: Sequence[str]) -> dict[str, set[str]]:
    """Identity key → group slugs where that identity is an active member."""
    return raw.read(conn, active_groups_read(community, keys))


def active_groups_read(community: str, keys: Sequence[str]) -> raw.Read[dict[str, set[str]]]:
    """:func:`active_groups_of` as a read to send with others (``raw.read_each``)."""
    sql = 'SELECT i."key", g.slug' + _MEMBERSHIPS + " AND m.status = 'active'"
    return raw.Read(sql if keys else None, [community, list(keys)], _active_from)


def _active_from(found: list[tuple[Any, ...]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for key, slug in found:
        out[key].add(slug)
    return out


def first_joins_read(community: str, keys: Sequence[str]) -> raw.Read[dict[str, datetime]]:
    """Identity key → its earliest recorded join time in the community (any group); a read
    to send with others (``raw.read_each``), as the fraud check does."""
    sql = 'SELECT i."key", min(m.joined_at)' + _MEMBERSHIPS + _JOINED
    return raw.Read(sql if keys else None, [community, list(keys)], _first_from)


def _first_from(found: list[tuple[Any, ...]]) -> dict[str, datetime]:
    return {key: at for key, joined in found if (at := raw.utc(joined)) is not None}


_MEMBERSHIPS = (  # from the identities (indexed by key, memberships by identity), not the groups
    " FROM identities i JOIN group_memberships m ON m.identity_id = i.id"
    " JOIN groups g ON g.id = m.group_id AND g.community_id = i.community_id"
    ' WHERE i.community_id = (SELECT id FROM communities WHERE slug = ?) AND i."key" IN (?*)'
)
_JOINED = ' AND m.joined_at IS NOT NULL GROUP BY i."key"'


Edge = tuple[str, str, datetime]
"""An invite edge: ``(inviter, invitee, at)``."""


def edges_from_read(
    conn: Connection, community: str, inviters: Sequence[str], since: datetime
) -> raw.Read[list[Edge]]:
    """Invite edges from these identities since ``since``; a read (``raw.read_each``)."""
    params = [community, list(inviters), raw.bind_time(conn, since)]
    return raw.Read(_EDGES + _FROM_SINCE if inviters else None, params, _edges_of)


def edges_to_read(community: str, invitees: Sequence[str]) -> raw.Read[list[Edge]]:
    """Invite edges towards these identities; a read (``raw.read_each``)."""
    sql = _EDGES + 'invitee."key" IN (?*)'
    return raw.Read(sql if invitees else None, [community, list(invitees)], _edges_of)


_EDGE = 'inviter."key", invitee."key", r.occurred_at'
_EDGES_OF = (
    " FROM referrals r JOIN communities k ON k.id = r.community_id"
    " JOIN identities inviter ON inviter.id = r.inviter_identity_id"
    " JOIN identities invitee ON invitee.id = r.invitee_identity_id WHERE k.slug = ? AND "
)
_EDGES = "SELECT " + _EDGE + _EDGES_OF
_FROM_SINCE = 'inviter."key" IN (?*) AND r.occurred_at >= ?'


def _edges_of(found: list[tuple[Any, ...]]) -> list[Edge]:
    return [(a, b, at) for a, b, when in found if (at := raw.utc(when)) is not None]


FraudFacts = tuple[dict[str, datetime], list[Edge], list[Edge]]
"""First joins, edges sent since a time and edges received, of the same keys."""


def fraud_facts_read(
    conn: Connection, community: str, keys: Sequence[str], since: datetime
) -> raw.Read[FraudFacts]:
    """:func:`first_joins_read`, :func:`edges_from_read` and :func:`edges_to_read` of the same
    ``keys`` (non-empty) as one statement, a ``UNION ALL`` of the three tagged: the fraud check
    of a knock with an inviter asks them together. Each branch is the read it was, by the
    same indexes; one statement, not three, saves ~17 k instructions a statement on SQLite
    (callgrind) and psycopg's client CPU on PostgreSQL (issue 22, session 40, docs/speed/)."""
    wanted = list(keys)
    params = [community, wanted, community, wanted, raw.bind_time(conn, since), community, wanted]

    def parse(found: list[tuple[Any, ...]]) -> FraudFacts:
        tagged: dict[str, list[tuple[Any, ...]]] = {"j": [], "f": [], "t": []}
        for tag, *row in found:
            tagged[tag].append(tuple(row))
        joins = [(key, joined) for key, _, joined in tagged["j"]]
        return _first_from(joins), _edges_of(tagged["f"]), _edges_of(tagged["t"])

    return raw.Read(_FRAUD_FACTS, params, parse)


_FRAUD_FACTS = (  # the other key NULL in the joins' branch, typed: PostgreSQL types a
    # UNION's columns pair by pair from the left
    f"SELECT 'j', i.\"key\", CAST(NULL AS TEXT), min(m.joined_at){_MEMBERSHIPS}{_JOINED}"
    f" UNION ALL SELECT 'f', {_EDGE}{_EDGES_OF}{_FROM_SINCE}"
    f" UNION ALL SELECT 't', {_EDGE}{_EDGES_OF}invitee.\"key\" IN (?*)"
)
