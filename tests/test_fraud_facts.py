"""The fraud check's facts of a knock in one statement (``store/fraud_facts.py``) are the
values of the four reads it replaces: the people behind the keys, their first joins, the
edges they sent since a time and the edges towards them. PostgreSQL only (its LATERAL and
MATERIALIZED; SQLite keeps the four reads, see ``fission_reactions.check_fraud``)."""

from __future__ import annotations

import pytest

from shequn.store.db import Store
from shequn.store.fraud_facts import facts
from tests.growth_helpers import COMMUNITY, at, wx
from tests.test_fission_reads import separate_fraud_reads
from tests.test_fission_recount import knocked_and_joined

pytestmark = pytest.mark.postgres


def test_one_statement_reads_what_the_four_reads_did(pg_store: Store):
    store = pg_store
    knocked_and_joined(store)  # ann's two links; b1, b2 joined, b3 knocked only
    keys = sorted([wx("ann"), wx("b1"), wx("b3"), wx("nobody")])
    since = at(1)  # b1's invite (at 0) is older: only the later two are "since"
    with store.read() as conn:
        got = facts(conn, COMMUNITY, keys, since)
        people, _, first, sent, towards = separate_fraud_reads(conn, keys, since)
    assert got.people == people
    assert got.people[wx("ann")] == [wx("ann"), wx("ann-alt")]  # one person, itself first
    assert got.people[wx("nobody")] == [wx("nobody")]
    assert got.first_joins == first and set(first) == {wx("ann"), wx("ann-alt"), wx("b1")}
    assert sorted(got.edges_from) == sorted(sent)
    assert sorted((a, b) for a, b, _ in sent) == [(wx("ann"), wx("b2")), (wx("ann"), wx("b3"))]
    assert sorted(got.edges_to) == sorted(towards)
    assert [(a, b) for a, b, _ in towards] == [(wx("ann"), wx("b1")), (wx("ann"), wx("b3"))]
