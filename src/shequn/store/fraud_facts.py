"""What the fraud check of a few invites reads, in one statement (issue 22).

``fission_reactions.check_fraud`` needs, for the keys of a batch's invites: every key of the
same person (``door_queries.persons_of``), then for all those keys their first joins, the
edges they sent since a time and the edges towards them. The last three depend on the first
(the person's other keys), so they were two round trips and four statements — on a knock at
the door, under the appenders' lock, at ~60–100 µs of psycopg's client CPU a statement. Here
the keys' identities and their people's are found once (``WITH … MATERIALIZED``), and the
four come back as one ``UNION ALL`` of tagged rows: the same values as the four reads.

Every look-up is an index probe per row (``LATERAL``), whatever the statistics say: psycopg
prepares the statement after five runs and the server keeps one generic plan, made perhaps
while the tables were young and never analysed; a plan chosen on such estimates walked all of
a community's identities per knock (session 36, docs/speed/joins.md).
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
    params = [[(k,) for k in wanted], community, community, raw.bind_time(conn, since), community]
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


def _edges(tag: str, side: str, since: str = "") -> str:
    """The branch of the edges with an identity of ``ids`` on ``side``, by that side's index."""
    return (
        f"SELECT '{tag}', r.ik, r.ek, r.occurred_at, NULL FROM ids CROSS JOIN LATERAL"  # noqa: S608
        ' (SELECT i."key" AS ik, e."key" AS ek, x.occurred_at FROM referrals x'
        " JOIN identities i ON i.id = x.inviter_identity_id"
        f" JOIN identities e ON e.id = x.invitee_identity_id WHERE x.{side}_identity_id = ids.id"
        f" AND x.community_id = {_COMMUNITY}{since} OFFSET 0) r"
    )


_FACTS = (
    # Each key asked is looked up once by its unique (community, key) index, and each
    # identity's joins and edges by their identity indexes: a LATERAL per row, kept apart by
    # LIMIT / OFFSET 0 so the planner cannot fold them into joins it costs on its own
    # estimates. ``key IN (…)`` / ``id IN (…)`` in every branch (as first written) let a
    # generic plan made on young tables walk all of a community's identities and filter them
    # by the list, eight times per statement: 1.8–3.5 ms of the server's time per referral
    # knock (issue 22, session 36, pg_stat_statements and auto_explain).
    'WITH a AS MATERIALIZED (SELECT i.id, i."key", i.member_id FROM (VALUES ?**) q (k)'  # noqa: S608  # fixed fragments
    ' CROSS JOIN LATERAL (SELECT x.id, x."key", x.member_id FROM identities x'
    f' WHERE x.community_id = {_COMMUNITY} AND x."key" = q.k LIMIT 1) i),'
    # every identity of the people asked (a key with no person is only itself)
    ' p AS MATERIALIZED (SELECT a."key" AS asked, b."key" AS other, b.id FROM a CROSS JOIN'
    ' LATERAL (SELECT y."key", y.id FROM identities y WHERE y.member_id = a.member_id OFFSET 0) b),'
    " ids AS MATERIALIZED (SELECT id FROM a UNION SELECT id FROM p)"
    # the people (the other key's id orders them, as in ``persons_of``) first: PostgreSQL
    # types a UNION's columns pair by pair from the left, and they type the last one
    " SELECT 'p', asked, other, NULL, id FROM p"
    " UNION ALL SELECT 'j', j.k, NULL, min(j.joined_at), NULL FROM ids CROSS JOIN LATERAL"
    ' (SELECT i."key" AS k, m.joined_at FROM identities i CROSS JOIN LATERAL (SELECT group_id,'
    " joined_at FROM group_memberships WHERE identity_id = i.id AND joined_at IS NOT NULL"
    " OFFSET 0) m JOIN groups g ON g.id = m.group_id AND g.community_id = i.community_id"
    " WHERE i.id = ids.id OFFSET 0) j GROUP BY j.k"
    f" UNION ALL {_edges('f', 'inviter', ' AND x.occurred_at >= ?')}"
    f" UNION ALL {_edges('t', 'invitee')}"
)
