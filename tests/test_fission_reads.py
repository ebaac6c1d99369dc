"""Fission's reads of a referral knock and of a join's re-count, fewer statements (issue 22,
session 40): the fraud check's first joins and edges in one ``UNION ALL``
(``door_queries.fraud_facts_read``), and what became of a re-count's invitees in one
(``store/referral_facts.py``). Both give the values of the reads they replace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest

from shequn.engine.entry import Request, enter_many
from shequn.store import raw
from shequn.store.db import Store
from shequn.store.door_queries import (
    edges_from_read,
    edges_to_read,
    first_joins_read,
    fraud_facts_read,
    persons_of,
)
from shequn.store.referral_queries import referrals_by, referrals_of_inviters
from tests.growth_helpers import COMMUNITY, at, wx
from tests.test_fission_recount import _one_person_two_links, knocked_and_joined


@contextmanager
def _statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every statement sent through ``store/raw.py`` meanwhile."""
    sent: list[str] = []
    real = raw.statement

    def spy(dialect: str, sql: str, params: Any) -> Any:
        sent.append(sql)
        return real(dialect, sql, params)

    with monkeypatch.context() as m:
        m.setattr(raw, "statement", spy)
        yield sent


def separate_fraud_reads(conn: Any, keys: list[str], since: datetime) -> tuple[Any, ...]:
    """The fraud check's reads one by one, as before they were one statement: the people
    behind ``keys``, all their keys, first joins, edges sent since ``since``, edges received."""
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
    return people, everyone, first, sent, towards


def test_the_fraud_checks_three_reads_are_one_statement_with_their_values(store, monkeypatch):
    knocked_and_joined(store)
    keys = sorted([wx("ann"), wx("b1"), wx("b3"), wx("nobody")])
    since = at(1)  # b1's invite (at 0) is older: only the later two are "since"
    with store.read() as conn:
        _, everyone, first, sent, towards = separate_fraud_reads(conn, keys, since)
        with _statements(monkeypatch) as asked:
            got = raw.read(conn, fraud_facts_read(conn, COMMUNITY, everyone, since))
    assert len(asked) == 1
    assert got[0] == first and set(first) == {wx("ann"), wx("ann-alt"), wx("b1")}
    assert sorted(got[1]) == sorted(sent)
    assert sorted((a, b) for a, b, _ in sent) == [(wx("ann"), wx("b2")), (wx("ann"), wx("b3"))]
    assert sorted(got[2]) == sorted(towards)
    assert [(a, b) for a, b, _ in towards] == [(wx("ann"), wx("b1")), (wx("ann"), wx("b3"))]


def test_a_referral_knocks_fraud_check_on_sqlite_reads_in_two_statements(tmp_path, monkeypatch):
    """The people behind the keys, then their joins and edges (PostgreSQL: one statement,
    ``store/fraud_facts.py``): four statements before."""
    store = Store.open(f"sqlite:///{tmp_path / 'fraud.db'}")
    try:
        mine, _ = _one_person_two_links(store)
        with _statements(monkeypatch) as asked:
            enter_many(store, COMMUNITY, [Request(wx("b1"), link=mine.code, at=at(0))])
    finally:
        store.close()
    fraud = [sql for sql in asked if "min(m.joined_at)" in sql or 'invitee."key" IN' in sql]
    assert len(fraud) == 1 and "UNION ALL SELECT 'f'" in fraud[0]


def test_a_recount_reads_its_invitees_in_three_statements(store, monkeypatch):
    knocked_and_joined(store)
    with store.read() as conn:
        with _statements(monkeypatch) as asked:
            refs = referrals_of_inviters(conn, COMMUNITY, [wx("ann")])[wx("ann")]
        assert refs == referrals_by(conn, COMMUNITY, wx("ann-alt"))  # one person
    assert len(asked) == 3  # the people, their edges, what became of the invitees (was six)
    got = {r.invitee: r for r in refs}
    assert set(got) == {wx("b1"), wx("b2"), wx("b3")}
    assert (got[wx("b1")].joined_at, got[wx("b1")].status) == (at(10), "active")
    assert (got[wx("b2")].joined_at, got[wx("b3")].joined_at) == (at(11), None)
    assert all(r.first_touch and r.same_person is False and r.case_status is None for r in refs)
