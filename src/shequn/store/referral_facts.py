"""What became of the invitees of some referral edges, in one statement (issue 22).

``referral_queries.referrals_of_inviters`` re-counts an inviter's campaign on every join
they brought: after their edges it needs, for the edges' invitees, their identities' keys and
persons, each invitee's first touch, their joins and their fraud cases. Those were four
independent reads (one round trip on PostgreSQL, four statements on both stores); here they
are one ``UNION ALL`` of tagged rows, each branch the read it was, by the same index. A
statement fewer saves ~17 k instructions on SQLite (callgrind), and ~60–100 µs of psycopg's
client CPU on PostgreSQL, pipeline or not (issue 22, session 40, docs/speed/).

The two reads that were ordered by the server (joins by time, cases by when flagged) are
ordered here, in Python, on the same values: a ``UNION ALL`` keeps no branch's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection

from shequn.store import raw


class Invitees(NamedTuple):
    """The four reads' rows, as each read gave them (joins by time, cases by when flagged)."""

    people: list[tuple[Any, ...]]  # (id, key, member id) of the identities asked
    touches: list[tuple[Any, ...]]  # (invitee id, occurred at, referral id): every touch
    joined: list[tuple[Any, ...]]  # (identity id, joined at, status, left at), earliest first
    flagged: list[tuple[Any, ...]]  # (invitee id, inviter id, status), oldest case first


def invitees(conn: Connection, cid: int, ids: Sequence[int], invitees: Sequence[int]) -> Invitees:
    """The identities ``ids`` (key, member) and, for ``invitees`` in community ``cid``, every
    touch, their joins and their fraud cases."""
    people: list[tuple[Any, ...]] = []
    touches: list[tuple[Any, ...]] = []
    joined: list[tuple[Any, datetime, tuple[Any, ...]]] = []
    flagged: list[tuple[Any, datetime, Any, tuple[Any, ...]]] = []
    utc = raw.utc
    params = [cid, list(invitees), list(ids), cid, list(invitees), cid, list(invitees)]
    for tag, a, b, c, text, at, left in raw.rows(conn, _INVITEES, params):
        if tag == "j":
            joined.append((a, utc(at), (a, at, text, left)))  # type: ignore[arg-type]  # NOT NULL
        elif tag == "p":
            people.append((a, text, b))
        elif tag == "t":
            touches.append((a, at, b))
        else:
            flagged.append((a, utc(at), c, (a, b, text)))  # type: ignore[arg-type]  # NOT NULL
    joined.sort(key=lambda j: j[1])  # the read's ORDER BY joined_at (stable, as was the server)
    flagged.sort(key=lambda f: (f[1], f[2]))  # its ORDER BY flagged_at, id
    return Invitees(people, touches, [j[-1] for j in joined], [f[-1] for f in flagged])


_INVITEES = (
    # (tag, id, id, id, text, time, time). The joins first, with every column typed:
    # PostgreSQL types a UNION's columns pair by pair from the left (a NULL alone is text).
    # CROSS JOIN: SQLite reads the invitees' memberships by identity first (one probe each);
    # left to choose, it probed every group of the community for every invitee.
    "SELECT 'j', m.identity_id, CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), m.status,"
    " m.joined_at, m.left_at FROM group_memberships m CROSS JOIN groups g"
    " WHERE g.id = m.group_id AND g.community_id = ? AND m.identity_id IN (?*)"
    " AND m.joined_at IS NOT NULL"
    " UNION ALL SELECT 'p', id, member_id, NULL, \"key\", NULL, NULL FROM identities"
    " WHERE id IN (?*)"
    " UNION ALL SELECT 't', invitee_identity_id, id, NULL, NULL, occurred_at, NULL"
    " FROM referrals WHERE community_id = ? AND invitee_identity_id IN (?*)"
    " UNION ALL SELECT 'c', invitee_identity_id, inviter_identity_id, id, status, flagged_at,"
    " NULL FROM fraud_cases WHERE community_id = ? AND invitee_identity_id IN (?*)"
)
