"""Identities in the projections: display names, verified phones and union ids, merges and
unmerges.

Kept apart from ``projections.py`` (which registers these handlers) because a merge is the one
projection step that must check the state it changes: the log is append-only, so a merge of a
member into itself, into a merged member or of identities that are not the subject's is refused
(the batch rolls back with a 422) rather than stored for ever.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, update

from shequn.errors import InvalidEvent
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import bulk, raw
from shequn.store import tables as t
from shequn.store.sql import chunks

if TYPE_CHECKING:
    from shequn.store.projections import Projector


Names = dict[str, tuple[datetime, str]]
"""The newest display name a batch gives each identity key, with its time."""


def newest_names(events: Sequence[tuple[int, Event]]) -> Names:
    """Display names move forward in time only; the newest name seen wins (at one instant,
    the one later in the log). Read before the identities are made, so that a new identity is
    inserted with its name rather than updated right after (issue 22)."""
    newest: Names = {}

    def saw(key: str | None, name: Any, at: datetime) -> None:
        if key is not None and name:
            seen = newest.get(key)
            if seen is None or at >= seen[0]:
                newest[key] = (at, name)

    for _, e in events:  # the common case (an actor's name) inline: it is nearly every event
        data, actor, at = e.data, e.actor, e.occurred_at
        if actor is not None and (name := data.get("actor_name")):
            seen = newest.get(actor)
            if seen is None or at >= seen[0]:
                newest[actor] = (at, name)
        if "subject_name" in data:
            saw(e.subject, data["subject_name"], at)
        if e.kind == "member.renamed":
            saw(actor, data["name"], at)
    return newest


def write_names(p: Projector, newest: Names) -> None:
    """Store the names newer than the stored ones; identities made in this batch already
    carry theirs (``Projector._create_identities``), so they are skipped here."""
    identities = p.identities
    changed: list[tuple[Any, ...]] = []
    for key, (at, name) in newest.items():
        ident = identities[key]
        if ident["name_at"] is not None and at < ident["name_at"]:
            continue
        if ident["display_name"] != name or ident["name_at"] != at:
            ident["display_name"], ident["name_at"] = name, at
            when = raw.bind_time(p.conn, at)
            changed.append((name, when, ident["id"], when))
    if p.conn.dialect.name == "postgresql" and len(changed) >= bulk.UNNEST_FROM:
        # An import renames thousands per batch (every speaker's name_at moves): one
        # statement, not one per row (session 35).
        bulk.run_columns(p.conn, _PG_RENAME, [(i, name, at) for name, at, i, _ in changed])
    elif changed:
        raw.run_many(p.conn, _RENAME, changed)


NewPerson = tuple[str, Any, Any, Any]
"""A key seen for the first time: (key, first seen, display name, name time), times bound."""


def insert_people(
    conn: Connection, community_id: int, people: Sequence[NewPerson]
) -> dict[str, tuple[int, int]]:
    """A member and an identity for each new key: ``{key: (member id, identity id)}``.

    SQLite: multi-row ``VALUES … RETURNING`` (fixed text per row count, ``store/raw.py``; a
    knock at the door creates one). PostgreSQL: one ``INSERT … SELECT FROM unnest(…)`` per
    table, a parameter per column: the ``VALUES`` form bound 1,800 parameters per 200
    identities and the server parsed and planned each such statement (~20 ms a statement,
    1–1.4 s for the 5,000 new people of ``bench_append.py``'s first batch; issue 22).
    """
    if not people:
        return {}
    if conn.dialect.name == "postgresql":
        return _insert_people_pg(conn, community_id, people)
    out: dict[str, tuple[int, int]] = {}
    for part in chunks(people, 200):
        rows = [(community_id, key, seen) for key, seen, _, _ in part]
        made: dict[str, int] = dict(raw.rows(conn, _NEW_MEMBERS, [rows]))
        values = []
        for key, seen, name, name_at in part:
            platform, _, user_id = key.partition(":")
            member = made[key]
            values.append(
                (community_id, key, platform, user_id, member, member, seen, name, name_at)
            )
        for key, identity in raw.rows(conn, _NEW_IDENTITIES, [values]):
            out[key] = (made[key], identity)
    return out


def _insert_people_pg(
    conn: Connection, community_id: int, people: Sequence[NewPerson]
) -> dict[str, tuple[int, int]]:
    if len(people) <= _PG_FEW:
        return _insert_few_people_pg(conn, community_id, people)
    keys = [p[0] for p in people]
    found = conn.exec_driver_sql(_PG_NEW_MEMBERS, (community_id, keys, [p[1] for p in people]))
    made: dict[str, int] = {key: member for key, member in found}
    platform_ids = [key.partition(":") for key in keys]
    params = (
        community_id,
        keys,
        [p for p, _, _ in platform_ids],
        [u for _, _, u in platform_ids],
        [made[key] for key in keys],
        [p[1] for p in people],
        [p[2] for p in people],
        [p[3] for p in people],
    )
    return {key: (made[key], i) for key, i in conn.exec_driver_sql(_PG_NEW_IDENTITIES, params)}


_PG_FEW = 50
"""Up to this many new people (a knock brings one) go in as one statement on the driver's
cursor: both tables' inserts through SQLAlchemy were two round trips and ~0.1 ms of its own
client CPU each; a batch's thousands keep the ``unnest`` form (parsed once per statement)."""


def _insert_few_people_pg(
    conn: Connection, community_id: int, people: Sequence[NewPerson]
) -> dict[str, tuple[int, int]]:
    """A few new people in one statement: the members' insert is a data-modifying ``WITH``
    whose ids the identities' insert joins by key. Both inserts take their rows in the order
    given (``ORDER BY n``), so the ids are those the ``unnest`` form gives — the same as
    ``shequn rebuild`` makes, whichever form it takes."""
    rows = []
    for n, (key, seen, name, name_at) in enumerate(people):
        platform, _, user_id = key.partition(":")
        rows.append((n, key, platform, user_id, seen, name, name_at))
    found = raw.rows(conn, _PG_FEW_PEOPLE, [rows, community_id, community_id])
    return {key: (member, identity) for key, member, identity in found}


_PG_FEW_PEOPLE = (
    "WITH v (n, k, p, u, s, d, a) AS (VALUES ?**),"
    ' m AS (INSERT INTO members (community_id, "key", first_seen_at)'
    ' SELECT ?, k, s::timestamptz FROM v ORDER BY n RETURNING "key", id)'
    ' INSERT INTO identities (community_id, "key", platform, platform_user_id, member_id,'
    " origin_member_id, first_seen_at, display_name, name_at)"
    " SELECT ?, v.k, v.p, v.u, m.id, m.id, v.s::timestamptz, v.d, v.a::timestamptz"
    ' FROM v JOIN m ON m."key" = v.k ORDER BY v.n RETURNING "key", member_id, id'
)
_NEW_MEMBERS = (
    'INSERT INTO members (community_id, "key", first_seen_at) VALUES ?** RETURNING "key", id'
)
_NEW_IDENTITIES = (
    'INSERT INTO identities (community_id, "key", platform, platform_user_id, member_id,'
    ' origin_member_id, first_seen_at, display_name, name_at) VALUES ?** RETURNING "key", id'
)
_PG_NEW_MEMBERS = (
    'INSERT INTO members (community_id, "key", first_seen_at) SELECT %s, k, s'
    ' FROM unnest(%b::text[], %b::timestamptz[]) AS u(k, s) RETURNING "key", id'
)  # arrays in binary: psycopg spells their text form in Python (store/sql_text.py)
_PG_NEW_IDENTITIES = (
    'INSERT INTO identities (community_id, "key", platform, platform_user_id, member_id,'
    " origin_member_id, first_seen_at, display_name, name_at) SELECT %s, k, p, u, m, m, s, n, a"
    " FROM unnest(%b::text[], %b::text[], %b::text[], %b::integer[], %b::timestamptz[],"
    ' %b::text[], %b::timestamptz[]) AS x(k, p, u, m, s, n, a) RETURNING "key", id'
)


_RENAME = (
    "UPDATE identities SET display_name = ?, name_at = ? "
    "WHERE id = ? AND (name_at IS NULL OR name_at <= ?)"
)
"""A newer display name (fixed SQL: thousands of rows per batch of an import)."""
_PG_RENAME = (
    "UPDATE identities AS i SET display_name = u.n, name_at = u.a"
    " FROM unnest(%b::integer[], %b::text[], %b::timestamptz[]) AS u(id, n, a)"
    " WHERE i.id = u.id AND (i.name_at IS NULL OR i.name_at <= u.a)"
)
""":data:`_RENAME` for many identities on PostgreSQL (one row per identity, so no row is
updated twice)."""


def _verified(p: Projector, _id: int, e: Event) -> None:
    values = {k: e.data[k] for k in ("phone_sha256", "union_id") if e.data.get(k)}
    if values:
        assert e.actor is not None  # noqa: S101  # guaranteed by the kind's spec
        p.conn.execute(
            update(t.identities).where(t.identities.c.id == p.identity_id(e.actor)).values(**values)
        )


def _member_id(p: Projector, member_key: str) -> int:
    m = t.members.c
    q = select(m.id).where(m.community_id == p.community_id, m.key == member_key)
    found = p.conn.execute(q).scalar()
    if found is None:  # the batch rolls back: a merge must name members that exist
        raise InvalidEvent(
            Said(
                "no member {member!r} in {community!r} to merge (a member key, as "
                "`shequn members show` prints it)",
                member=member_key,
                community=p.community,
            ),
            field="member",
        )
    return int(found)


def _move_identities(p: Projector, keys: list[str], member_id: int) -> None:
    i = t.identities.c
    p.conn.execute(
        update(t.identities)
        .where(i.community_id == p.community_id, i.key.in_(keys))
        .values(member_id=member_id)
    )
    for key in keys:
        if key in p.identities:
            p.identities[key]["member_id"] = member_id


def _merged(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None  # noqa: S101
    into = _member_id(p, e.data["into"])
    absorbed = _member_id(p, e.subject)
    m, i = t.members.c, t.identities.c
    if (
        into == absorbed
        or p.conn.execute(
            select(m.id).where(m.id.in_([into, absorbed]), m.merged_into.is_not(None))
        ).first()
    ):
        raise InvalidEvent(
            Said(
                "identity.merged: {subject!r} into {into!r} is not a merge of two "
                "distinct, unmerged members",
                subject=e.subject,
                into=e.data["into"],
            ),
            field="data.into",
        )
    owned = select(i.key).where(i.community_id == p.community_id, i.member_id == absorbed)
    if not set(e.data["identities"]) <= set(p.conn.execute(owned).scalars()):
        raise InvalidEvent(
            Said(
                "identity.merged: data.identities must be identities of {subject!r}",
                subject=e.subject,
            ),
            field="data.identities",
        )
    _move_identities(p, list(e.data["identities"]), into)
    p.conn.execute(update(t.members).where(t.members.c.id == absorbed).values(merged_into=into))


def _unmerged(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None  # noqa: S101
    restored = _member_id(p, e.subject)
    merged = select(t.members.c.merged_into).where(t.members.c.id == restored)
    if p.conn.execute(merged).scalar() is None:
        raise InvalidEvent(
            Said("identity.unmerged: {subject!r} is not merged into anyone", subject=e.subject),
            field="subject",
        )
    _move_identities(p, list(e.data["identities"]), restored)
    p.conn.execute(update(t.members).where(t.members.c.id == restored).values(merged_into=None))


HANDLERS = {
    "identity.verified": _verified,
    "identity.merged": _merged,
    "identity.unmerged": _unmerged,
}
