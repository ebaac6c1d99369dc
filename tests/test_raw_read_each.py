"""Reads sent together (``raw.read_each``: one round trip on PostgreSQL) give what each
gives alone, in order, with empty reads answered without asking."""

from __future__ import annotations

from shequn.store import raw
from shequn.store.db import Store
from shequn.store.door_queries import links_read, persons_read
from shequn.store.growth_queries import entries_read
from shequn.store.seat_queries import seats_read
from tests.growth_helpers import COMMUNITY, group, loaded


def test_reads_sent_together_equal_each_read_alone(store: Store) -> None:
    loaded(store, group("g1", capacity=5), group("g2", capacity=7))
    with store.transaction() as conn:
        reads = [
            seats_read(conn, COMMUNITY, ["g1", "g2", "nope"]),
            persons_read(COMMUNITY, ["wechat:new"]),
            links_read([]),  # nothing to ask
            entries_read(COMMUNITY, identities=["wechat:new"]),
        ]
        together = raw.read_each(conn, reads)
        alone = [raw.read(conn, r) for r in reads]
    assert together == alone
    room, people, links, entries = together
    assert {g: (s.capacity, s.taken) for g, s in room.items()} == {"g1": (5, 0), "g2": (7, 0)}
    assert people == {"wechat:new": ["wechat:new"]}
    assert links == {} and entries == []
