"""The batched door asks who the knockers are and which of their keys the store holds: a
newcomer nobody stored has no entry or membership, so the door reads those for stored keys
only (a batch of newcomers reads none)."""

from __future__ import annotations

from shequn.engine.entry import Request, enter_many
from shequn.engine.record import record
from shequn.store import raw
from shequn.store.db import Store
from shequn.store.door_queries import people_read, persons_of
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx
from tests.test_fission import joined


def test_people_say_which_keys_are_stored(store: Store) -> None:
    loaded(store, group("main"))
    record(store, [joined("amy", -10)])
    keys = [wx("amy"), wx("newcomer")]

    with store.read() as conn:
        people, stored = raw.read(conn, people_read(COMMUNITY, keys))
        assert people == persons_of(conn, COMMUNITY, keys)

    assert people == {wx("amy"): [wx("amy")], wx("newcomer"): [wx("newcomer")]}
    assert stored == {wx("amy")}


def test_stored_knockers_are_still_read_beside_newcomers(store: Store) -> None:
    loaded(store, group("main", capacity=3))
    record(store, [joined("amy", -10)])  # a member: her membership must be read
    enter_many(store, COMMUNITY, [Request(wx("eve"), group="main", ref="eve0", at=at(0))])
    knocks = [wx("amy"), wx("bo"), wx("eve"), wx("cy"), wx("di")]

    entries = enter_many(
        store,
        COMMUNITY,
        [Request(k, group="main", ref=k, at=at(i + 1)) for i, k in enumerate(knocks)],
    )

    # amy is in the group already: no entry; eve keeps the seat her stored entry holds; the
    # one seat left goes to bo, and the newcomers after him wait (the same as before the door
    # skipped the newcomers' reads); a knocker's entries of one moment come in either order
    assert [{(e.identity, e.group, e.status) for e in mine} for mine in entries] == [
        set(),
        {(wx("bo"), "main", "admitted")},
        {(wx("eve"), "main", "admitted")},
        {(wx("cy"), "main", "requested"), (wx("cy"), None, "waitlisted")},
        {(wx("di"), "main", "requested"), (wx("di"), None, "waitlisted")},
    ]
