"""A small append looks up its community, groups and identities before its insert
(``store/append_ahead.py``: with the lock, one round trip on PostgreSQL) and finds exactly
what the projector would have read; batches it does not fit go the usual way."""

from __future__ import annotations

from typing import Any

import pytest

from shequn.model.events import Event
from shequn.store import raw
from shequn.store.append import append, decision_lock_read
from shequn.store.append_ahead import FEW, ahead_of, look_ahead, prefetched, reads
from shequn.store.db import Store
from shequn.store.projections import Projector
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx


def joined(who: str, group: str, minutes: float = 1) -> Event:
    return Event(
        kind="member.joined",
        occurred_at=at(minutes),
        community=COMMUNITY,
        source="test",
        source_ref=f"join:{who}:{group}",
        group=group,
        actor=wx(who),
    )


def test_what_is_looked_up_ahead_is_what_the_projector_reads(store: Store) -> None:
    loaded(store, group("g1"), group("g2"))
    with store.transaction() as conn:
        append(conn, [joined("ann", "g1")])
    events = [joined("ann", "g2", 2), joined("bob", "g1", 3), joined("cy", "nowhere", 4)]
    with store.transaction() as conn:
        ahead = look_ahead(conn, events, decision_lock_read(conn))
        assert ahead is not None
        projector = Projector(conn, communities=ahead.communities)
        projector.community = COMMUNITY
        projector.load_identities([wx("ann"), wx("bob"), wx("cy")])
        cid = raw.first(conn, "SELECT id FROM communities WHERE slug = ?", (COMMUNITY,))
    assert cid is not None and ahead.communities == {COMMUNITY: cid[0]}
    assert ahead.identities == {COMMUNITY: projector.identities}
    assert set(ahead.identities[COMMUNITY]) == {wx("ann")}
    assert ahead.absent == {COMMUNITY: {wx("bob"), wx("cy")}}
    assert sorted(slug for slug, _, _ in ahead.groups) == ["g1", "g2"]  # "nowhere" is new


def test_an_append_after_the_look_ahead_creates_the_people_and_groups_it_did_not_find(
    store: Store,
) -> None:
    loaded(store, group("g1"))
    with store.transaction() as conn:
        result = append(conn, [joined("ann", "g1"), joined("bob", "fresh", 2)])
    assert result.new == 2
    with store.read() as conn:
        found = raw.rows(
            conn,
            'SELECT g.slug, i."key", m.status FROM group_memberships m'
            " JOIN groups g ON g.id = m.group_id JOIN identities i ON i.id = m.identity_id"
            ' ORDER BY i."key"',
        )
    assert found == [("g1", wx("ann"), "active"), ("fresh", wx("bob"), "active")]


def test_batches_it_does_not_fit_go_the_usual_way(store: Store) -> None:
    loaded(store, group("g1"))
    other = Event(
        kind="member.joined",
        occurred_at=at(1),
        community="elsewhere",
        source="test",
        source_ref="join:elsewhere",
        group="g1",
        actor=wx("dan"),
    )
    many = [joined(f"p{i}", "g1") for i in range(FEW + 1)]
    with store.transaction() as conn:
        lock = decision_lock_read(conn)
        assert look_ahead(conn, [], lock) is None
        assert look_ahead(conn, [joined("ann", "g1"), other], lock) is None  # two communities
        assert look_ahead(conn, many, lock) is None  # an import's batch


def test_what_the_door_read_before_deciding_serves_the_append_only_when_it_covers_it(
    store: Store,
) -> None:
    loaded(store, group("g1"), group("g2"))
    with store.transaction() as conn:
        append(conn, [joined("ann", "g1")])
    with store.transaction() as conn:
        found = raw.read_each(conn, reads(COMMUNITY, [wx("ann"), wx("bob")], ["g1", "g2"]))
        read = ahead_of(COMMUNITY, [wx("ann"), wx("bob")], found)
        # the rows of just the groups the events name; bob was asked for and is new
        fits = prefetched(read, [joined("ann", "g2"), joined("bob", "g2", 2)], None)
        assert fits is not None and [slug for slug, _, _ in fits.groups] == ["g2"]
        assert fits.absent == {COMMUNITY: {wx("bob")}}
        assert prefetched(read, [joined("cy", "g1")], None) is None  # cy was not asked for
        assert prefetched(read, [joined("ann", "g3")], None) is None  # nor was g3
        assert prefetched(read, [joined("ann", "g1")], {}) is None  # a record's cache: its own
        result = append(conn, [joined("bob", "g2", 2)], ahead=read)
    assert result.new == 1
    with store.read() as conn:
        assert raw.rows(
            conn,
            "SELECT g.slug FROM group_memberships m JOIN groups g ON g.id = m.group_id"
            ' JOIN identities i ON i.id = m.identity_id WHERE i."key" = ?',
            (wx("bob"),),
        ) == [("g2",)]


def test_the_books_load_no_rows_for_people_the_append_itself_creates(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded(store, group("g1"), group("g2"))
    tables: list[str] = []
    records_read = raw.records_read

    def seen(table: Any, *args: Any) -> Any:
        tables.append(table.name)
        return records_read(table, *args)

    monkeypatch.setattr(raw, "records_read", seen)
    with store.transaction() as conn:  # ann is new: her memberships cannot exist yet
        append(conn, [joined("ann", "g1")])
    assert "group_memberships" not in tables
    with store.transaction() as conn:  # now she is known: her rows are read before the fold
        append(conn, [joined("ann", "g2", 2)])
    assert "group_memberships" in tables
    with store.read() as conn:
        assert raw.rows(
            conn,
            "SELECT g.slug, m.status, m.times_joined FROM group_memberships m"
            " JOIN groups g ON g.id = m.group_id ORDER BY g.slug",
        ) == [("g1", "active", 1), ("g2", "active", 1)]


def test_a_few_events_with_one_already_stored_fold_only_the_new_one(store: Store) -> None:
    loaded(store, group("g1"), group("g2"))
    with store.transaction() as conn:
        append(conn, [joined("ann", "g1")])
    with store.transaction() as conn:  # a bot sends the same join again beside a new one
        result = append(conn, [joined("ann", "g2", 2), joined("ann", "g1")])
    assert (result.new, result.duplicate) == (1, 1)
    with store.read() as conn:
        assert raw.rows(
            conn,
            "SELECT g.slug, m.times_joined FROM group_memberships m"
            " JOIN groups g ON g.id = m.group_id ORDER BY g.slug",
        ) == [("g1", 1), ("g2", 1)]
