"""The seats of a community's groups: capacity, and the seats taken — active members plus
admitted newcomers who have not arrived yet (they were promised a place). Read for every knock
at the door (``engine/door.py``), in the deciding transaction, from the count each group keeps
(``groups.seats_taken``, kept by triggers: migration 0310)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection

from shequn.store import raw
from shequn.store.growth import SEATED


class Seats(NamedTuple):
    """A group's capacity and the seats taken: active members plus admitted newcomers who
    have not arrived yet (they were promised a place).

    A named tuple, not a frozen dataclass: the door builds one per group of a live code on
    every knock (twenty in the join benchmark), and a frozen dataclass's ``__init__`` (three
    ``object.__setattr__`` calls) cost three times a tuple's (issue 22, Session 39)."""

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
    """:func:`seats` as a read to send with others (``raw.read_each``): each group's kept
    count (``groups.seats_taken``, migration 0310's triggers), one row per group whatever
    its size."""
    if not groups:
        return raw.Read(None, [], _seats_from)
    return raw.Read(_SEATS, [community, list(groups)], _seats_from)


def counted_seats(conn: Connection, community: str, groups: Sequence[str]) -> dict[str, Seats]:
    """The seats as :func:`seats` would find them by counting the rows (O(members) a group):
    what the kept count must equal (the tests and the join benchmark's check)."""
    if not groups:
        return {}
    return raw.read(conn, raw.Read(_COUNTED, [SEATED, community, list(groups)], _seats_from))


def _seats_from(found: list[tuple[Any, ...]]) -> dict[str, Seats]:
    return {slug: Seats(slug, cap, int(taken)) for _, slug, cap, taken in found}


_SEATS = (
    "SELECT g.id, g.slug, g.capacity, g.seats_taken FROM groups g"
    " JOIN communities k ON k.id = g.community_id WHERE k.slug = ? AND g.slug IN (?*)"
)
_COUNTED = (
    "SELECT g.id, g.slug, g.capacity, (SELECT count(*) FROM group_memberships m"
    " WHERE m.group_id = g.id AND m.status = 'active') + (SELECT count(*) FROM entries e"
    " WHERE e.group_id = g.id AND e.status IN (?*)) FROM groups g"
    " JOIN communities k ON k.id = g.community_id WHERE k.slug = ? AND g.slug IN (?*)"
)
