"""What the fraud check of a few invites reads, in one statement (issue 22).

``fission_reactions.check_fraud`` needs, for the keys of a batch's invites: every key of the
same person (``door_queries.persons_of``), then for all those keys their first joins, the
edges they sent since a time and the edges towards them. The last three depend on the first
(the person's other keys), so they were two round trips and four statements — on a knock at
the door, under the appenders' lock, at ~60–100 µs of psycopg's client CPU a statement. Here
the person's keys are found inside each read (the same self-join on ``member_id``), and the
four come back as one ``UNION ALL`` of tagged rows: the same values as the four reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection

from shequn.store import raw

Edge = tuple[str, str, datetime]
"""An invite edge: ``(inviter, invitee, at)`` (as ``door_queries.Edge``)."""

FEW = 50
"""Up to this many keys are read in one statement (a knock's two), on PostgreSQL only: a
batch's many keys keep the four reads, where each key list is bound once instead of in every
clause; on SQLite (no round trips, ~10–30 µs a statement) the four reads cost 57 µs and this
one 560 µs (issue 22, measured at 300 joins)."""


class Facts(NamedTuple):
    people: dict[str, list[str]]  # key → every key of the same person, itself first
    first_joins: dict[str, datetime]  # key of the people → its earliest join
    edges_from: list[Edge]  # sent by the people's keys since ``since``
    edges_to: list[Edge]  # towards the people's keys


def facts(conn: Connection, community: str, keys: Sequence[str], since: datetime) -> Facts:
    """The four reads of the fraud check for ``keys`` (non-empty, at most :data:`FEW`)."""
    wanted = list(keys)
    everyone = [community, wanted, community, wanted]  # ``_EVERYONE``'s values
    params = [
        *(community, wanted),
        *everyone,
        *(community, *everyone, raw.bind_time(conn, since)),
        *(community, *everyone),
    ]
    found = raw.rows(conn, _FACTS, params)
    others: dict[str, list[tuple[int, str]]] = defaultdict(list)
    first: dict[str, datetime] = {}
    sent: list[Edge] = []
    towards: list[Edge] = []
    utc = raw.utc
    for tag, a, b, when, n in found:
        if tag == "p":
            if a != b:
                others[a].append((n, b))
        elif tag == "j":
            if (at := utc(when)) is not None:
                first[a] = at
        elif (at := utc(when)) is not None:
            (sent if tag == "f" else towards).append((a, b, at))
    people = {k: [k, *(b for _, b in sorted(others.get(k, ())))] for k in wanted}
    return Facts(people, first, sent, towards)


_COMMUNITY = "(SELECT id FROM communities WHERE slug = ?)"
_EVERYONE = (
    # the ids of the keys asked and of every other identity of their people: a set that
    # the planner joins by index (an OR of the two in the outer WHERE made PostgreSQL scan
    # every referral of the community)
    f'(SELECT a.id FROM identities a WHERE a.community_id = {_COMMUNITY} AND a."key" IN (?*)'  # noqa: S608
    " UNION SELECT b.id FROM identities a JOIN identities b ON b.member_id = a.member_id"
    f' WHERE a.community_id = {_COMMUNITY} AND a."key" IN (?*))'
)
_EDGES = (
    'inviter."key", invitee."key", r.occurred_at, NULL FROM referrals r'
    " JOIN communities k ON k.id = r.community_id"
    " JOIN identities inviter ON inviter.id = r.inviter_identity_id"
    " JOIN identities invitee ON invitee.id = r.invitee_identity_id WHERE k.slug = ? AND "
)
_FACTS = (
    # the people (the other key's id orders them, as in ``persons_of``) first: PostgreSQL
    # types a UNION's columns pair by pair from the left, and they type the last one
    'SELECT \'p\', a."key", b."key", NULL, b.id FROM identities a'  # noqa: S608
    f" JOIN identities b ON b.member_id = a.member_id WHERE a.community_id = {_COMMUNITY}"
    ' AND a."key" IN (?*)'
    " UNION ALL SELECT 'j', i.\"key\", NULL, min(m.joined_at), NULL FROM identities i"
    " JOIN group_memberships m ON m.identity_id = i.id"
    " JOIN groups g ON g.id = m.group_id AND g.community_id = i.community_id"
    f" WHERE i.id IN {_EVERYONE} AND m.joined_at IS NOT NULL"
    ' GROUP BY i."key"'
    f" UNION ALL SELECT 'f', {_EDGES}r.inviter_identity_id IN {_EVERYONE} AND r.occurred_at >= ?"
    f" UNION ALL SELECT 't', {_EDGES}r.invitee_identity_id IN {_EVERYONE}"
)
