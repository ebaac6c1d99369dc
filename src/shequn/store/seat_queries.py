"""The seats of a community's groups: capacity, and the seats taken — active members plus
admitted newcomers who have not arrived yet (they were promised a place). Read for every knock
at the door (``engine/door.py``), in the deciding transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shequn.store import raw
from shequn.store.growth import SEATED


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
    """Seats of each named group that exists (unknown slugs are left out). One fixed
    statement: the entry path reads this for every knock."""
    return raw.read(conn, seats_read(conn, community, groups))


def seats_read(
    conn: Connection, community: str, groups: Sequence[str]
) -> raw.Read[dict[str, Seats]]:
    """:func:`seats` as a read to send with others (``raw.read_each``)."""
    if not groups:
        return raw.Read(None, [], _seats_from)
    if conn.dialect.name == "postgresql":
        return raw.Read(_SEATS_PG, [community, list(groups), SEATED], _seats_from)
    return raw.Read(_SEATS, [SEATED, community, list(groups)], _seats_from)


def _seats_from(found: list[tuple[Any, ...]]) -> dict[str, Seats]:
    return {slug: Seats(slug, cap, int(members) + int(promised))
            for _, slug, cap, members, promised in found}  # fmt: skip


_SEATS = (
    "SELECT g.id, g.slug, g.capacity, (SELECT count(*) FROM group_memberships m"
    " WHERE m.group_id = g.id AND m.status = 'active'), (SELECT count(*) FROM entries e"
    " WHERE e.group_id = g.id AND e.status IN (?*)) FROM groups g"
    " JOIN communities k ON k.id = g.community_id WHERE k.slug = ? AND g.slug IN (?*)"
)
_SEATS_PG = (
    # One count per table for all the groups asked, not a sub-select per group: PostgreSQL
    # plans each of those once for every group, and a generic plan made on statistics from
    # another moment (the memberships all in one group, no entries yet) scanned the whole
    # table once per group — 60 scans per knock (session 36, auto_explain). SQLite keeps the
    # sub-selects (86 µs a knock against 131 µs for this form there).
    "WITH g AS (SELECT g.id, g.slug, g.capacity FROM groups g"
    " JOIN communities k ON k.id = g.community_id WHERE k.slug = ? AND g.slug IN (?*)),"
    " m AS (SELECT group_id, count(*) AS n FROM group_memberships"
    " WHERE status = 'active' AND group_id IN (SELECT id FROM g) GROUP BY group_id),"
    " e AS (SELECT group_id, count(*) AS n FROM entries"
    " WHERE status IN (?*) AND group_id IN (SELECT id FROM g) GROUP BY group_id)"
    " SELECT g.id, g.slug, g.capacity, coalesce(m.n, 0), coalesce(e.n, 0) FROM g"
    " LEFT JOIN m ON m.group_id = g.id LEFT JOIN e ON e.group_id = g.id"
)
