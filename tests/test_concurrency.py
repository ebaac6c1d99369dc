"""Two processes appending overlapping batches at once: every event stored exactly once —
in small batches (one ``INSERT``) and in big ones (on PostgreSQL a COPY into the log, undone
and redone through the staging table when the other writer stored some of its events)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store import append_pg
from shequn.store.db import Store
from shequn.store.queries import count_events, count_members
from shequn.store.rebuild import rebuild, snapshot

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def week(n: int) -> list[Event]:
    """n events: 200 people joining, talking, some leaving and coming back."""
    out = []
    for k in range(n):
        who = f"wechat:u{k % 200}"
        kind = "member.joined" if k < 200 else ("member.left" if k % 97 == 0 else "message.posted")
        out.append(
            Event(
                kind=kind,
                occurred_at=T0 + timedelta(seconds=k),
                community="c",
                group=f"g{k % 3}",
                actor=who,
                source="race",
                source_ref=str(k),
                data={"actor_name": f"user {k % 200}"},
            )
        )
    return out


def writer(
    url: str,
    start: int,
    stop: int,
    batch_size: int,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[tuple[int, int]],
) -> None:
    store = Store.open(url)
    events = week(6_000)[start:stop]
    barrier.wait()
    result = record(store, events, batch_size=batch_size)
    results.put((result.new, result.duplicate))
    store.close()


@pytest.mark.parametrize("batch_size", [300, append_pg.FEW + 500])
def test_overlapping_writers_store_each_event_once(database_url: str, batch_size: int):
    store = Store.open(database_url)
    record(
        store,
        [
            Event(
                kind="community.configured",
                occurred_at=T0,
                community="c",
                source="race",
                source_ref="cfg",
                data={"name": "C", "timezone": "UTC", "blueprint": {}},
            )
        ],
    )
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(database_url, a, b, batch_size, barrier, results))
        for a, b in ((0, 4_000), (2_000, 6_000))
    ]  # 2,000 events in both
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    counts = [results.get(timeout=5) for _ in procs]
    assert sum(new for new, _ in counts) == 6_000
    assert sum(dup for _, dup in counts) == 2_000
    with store.read() as conn:
        assert count_events(conn) == 6_001
        assert count_members(conn) == 200
        live = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live
    store.close()
