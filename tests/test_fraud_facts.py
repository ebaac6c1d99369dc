"""The fraud check's facts of a knock in one statement (``store/fraud_facts.py``) are the
values of the four reads it replaces: the people behind the keys, their first joins, the
edges they sent since a time and the edges towards them. PostgreSQL only (its LATERAL and
MATERIALIZED; SQLite keeps the four reads, see ``fission_reactions.check_fraud``)."""

from __future__ import annotations

import pytest

from shequn.engine.entry import Request, enter_many
from shequn.engine.record import record
from shequn.store import raw
from shequn.store.db import Store
from shequn.store.door_queries import (
    edges_from_read,
    edges_to_read,
    first_joins_read,
    persons_of,
)
from shequn.store.fraud_facts import facts
from tests.growth_helpers import COMMUNITY, at, wx
from tests.test_fission import joined
from tests.test_fission_recount import _one_person_two_links

pytestmark = pytest.mark.postgres


def test_one_statement_reads_what_the_four_reads_did(pg_store: Store):
    store = pg_store
    mine, alt = _one_person_two_links(store)  # ann and ann-alt: one person, a link each
    knocks = [("b1", mine), ("b2", alt), ("b3", mine)]
    enter_many(
        store,
        COMMUNITY,
        [Request(wx(w), link=ln.code, at=at(n), ref=f"k-{w}") for n, (w, ln) in enumerate(knocks)],
    )
    record(store, [joined("b1", 10), joined("b2", 11)])  # b3 knocked and never joined
    keys = sorted([wx("ann"), wx("b1"), wx("b3"), wx("nobody")])
    since = at(1)  # b1's invite (at 0) is older: only the later two are "since"
    with store.read() as conn:
        got = facts(conn, COMMUNITY, keys, since)
        people = persons_of(conn, COMMUNITY, keys)
        everyone = sorted({k for person in people.values() for k in person})
        first, sent, towards = raw.read_each(
            conn,
            [
                first_joins_read(COMMUNITY, everyone),
                edges_from_read(conn, COMMUNITY, everyone, since),
                edges_to_read(COMMUNITY, everyone),
            ],
        )
    assert got.people == people
    assert got.people[wx("ann")] == [wx("ann"), wx("ann-alt")]  # one person, itself first
    assert got.people[wx("nobody")] == [wx("nobody")]
    assert got.first_joins == first and set(first) == {wx("ann"), wx("ann-alt"), wx("b1")}
    assert sorted(got.edges_from) == sorted(sent)
    assert sorted((a, b) for a, b, _ in sent) == [(wx("ann"), wx("b2")), (wx("ann"), wx("b3"))]
    assert sorted(got.edges_to) == sorted(towards)
    assert [(a, b) for a, b, _ in towards] == [(wx("ann"), wx("b1")), (wx("ann"), wx("b3"))]
