"""A big batch goes into the log whole (on PostgreSQL a COPY into ``events`` itself) and,
when some of its events are stored already, through the form that skips them: the same
events, ids in time order and projections either way (``store/append_pg.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from shequn.engine.record import record
from shequn.store import append_pg
from shequn.store import tables as t
from shequn.store.queries import count_events
from shequn.store.rebuild import rebuild, snapshot

BIG = append_pg.FEW + 200  # over the size from which PostgreSQL copies a batch in


def talk(ev, first: int, last: int):
    """Messages ``first`` to ``last - 1`` of a chat among ten people, one a minute."""
    return [
        ev("message.posted", f"wechat:p{k % 10}", minutes=k, ref=f"m{k}", text=f"说 {k}",
           actor_name=f"成员 {k % 10}")
        for k in range(first, last)
    ]  # fmt: skip


def log(store) -> list[tuple[int, str]]:
    with store.read() as conn:
        found = conn.execute(text("SELECT id, source_ref FROM events ORDER BY id")).all()
    return [(int(i), ref) for i, ref in found]


def test_a_big_batch_with_stored_events_adds_only_the_new_ones(store, ev, monkeypatch):
    staged = []
    keep = append_pg._staged
    monkeypatch.setattr(append_pg, "_staged", lambda *a: staged.append(1) or keep(*a))
    began = datetime.now(UTC)
    first = record(store, [ev.community_configured(), *talk(ev, 0, BIG)], batch_size=2 * BIG)
    assert (first.new, first.duplicate, first.stored_before) == (BIG + 1, 0, 0)
    assert staged == []  # all new: straight into the log (PostgreSQL), no staging table
    # The second half of the first batch is stored already; the rest is new.
    mixed = talk(ev, BIG // 2, 2 * BIG)
    again = record(store, mixed, batch_size=2 * BIG)
    assert (again.new, again.duplicate, again.stored_before) == (BIG, BIG // 2, BIG // 2)
    if store.dialect == "postgresql":
        assert staged == [1]  # the COPY was refused and undone; the staging form skipped them
    ended = datetime.now(UTC)
    stored = log(store)
    assert len(stored) == 2 * BIG + 1 == len({ref for _, ref in stored})
    with store.read() as conn:
        recorded = conn.execute(select(t.events.c.recorded_at)).scalars().all()
    assert all(began <= at <= ended for at in recorded)  # the moment each batch went in
    messages = [ref for _, ref in stored if ref != "cfg"]
    assert messages == [f"m{k}" for k in range(2 * BIG)]  # ids follow time across both
    with store.read() as conn:
        live = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live
        assert count_events(conn) == 2 * BIG + 1


def test_after_a_batch_with_stored_events_the_next_new_one_still_goes_in(store, ev):
    """A resumed import: its first batch holds events stored before, the next ones none."""
    record(store, [ev.community_configured(), *talk(ev, 0, BIG)], batch_size=BIG + 1)
    resumed = record(store, talk(ev, BIG - 10, 4 * BIG - 10), batch_size=BIG)
    assert (resumed.new, resumed.stored_before) == (3 * BIG - 10, 10)
    messages = [ref for _, ref in log(store) if ref != "cfg"]
    assert messages == [f"m{k}" for k in range(4 * BIG - 10)]
