"""A live worker keeps the lease of what it claimed while it carries it out, however slow the
calls; what it lost anyway (another worker took it over as if this one had died) it leaves to
the new owner. Two workers never carry out one action, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shequn.connectors.base import Call
from shequn.store import action_states as states
from shequn.store import tables as t
from shequn.store.db import Store
from tests.growth_helpers import loaded
from tests.worker_helpers import FakeClock, Scripted, queue, worker

LEASE = timedelta(seconds=2)
SLOW = timedelta(seconds=1.5)  # each call: most of a lease


@pytest.fixture
def shop(store: Store) -> Store:
    loaded(store)
    return store


def leases(store: Store) -> dict[int, tuple[str | None, str]]:
    with store.read() as conn:
        q = select(t.actions.c.id, t.actions.c.leased_by, t.actions.c.status)
        return {r.id: (r.leased_by, r.status) for r in conn.execute(q.order_by(t.actions.c.id))}


def lease_end(store: Store, action_id: int):  # type: ignore[no-untyped-def]
    with store.read() as conn:
        q = select(t.actions.c.leased_until).where(t.actions.c.id == action_id)
        return conn.execute(q).scalar_one()


def test_slow_calls_keep_the_whole_chunk_leased(shop: Store) -> None:
    queue(shop, 6)
    clock = FakeClock()
    seen = []

    def slow(call: Call) -> None:
        until = lease_end(shop, call.action_id)
        seen.append(until.replace(tzinfo=clock.now().tzinfo) > clock.now())
        clock.t += SLOW
        return None

    fake = Scripted(fail=slow)
    counts = worker(shop, fake, clock, lease=LEASE, chunk=6, batch=6).run(once=True)
    # Six calls of 1.5 s each under a 2 s lease: without renewal the last ones would run on
    # a lease long gone, free for any other worker to take.
    assert counts["done"] == 6 and seen == [True] * 6
    assert sorted(c.action_id for c in fake.calls) == sorted(leases(shop))


def test_what_another_worker_took_over_is_not_carried_out_twice(shop: Store) -> None:
    queue(shop, 6)
    clock = FakeClock()

    def taken_over_after_the_third(call: Call) -> None:
        clock.t += SLOW
        if len(fake.calls) == 3:  # w2 found the rest "expired" and adopted them
            later = [i for i in leases(shop) if i > call.action_id]
            with shop.transaction() as conn:
                states.adopt(conn, "w2", later, lease_until=clock.now() + timedelta(hours=1),
                             now=clock.now())  # fmt: skip
        return None

    fake = Scripted(fail=taken_over_after_the_third)
    worker(shop, fake, clock, lease=LEASE, chunk=6, batch=6).run(once=True)
    called = [c.action_id for c in fake.calls]
    held = leases(shop)
    assert len(called) == 3
    assert [held[i] for i in called] == [("w1", "done")] * 3
    assert sorted(held[i] for i in held if i not in called) == [("w2", "leased")] * 3
