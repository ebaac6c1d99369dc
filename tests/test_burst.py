"""A burst on the live path (``engine/gather.py``, session 39): knocks and ``record`` calls that
queue together commit in one transaction, knocks first; each ``record`` caller gets exactly
its own counts, also when the log held some of the batch's events before."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import Connection

from shequn.engine import gather
from shequn.engine.entry import Request
from shequn.engine.links import create_link
from shequn.engine.record import record
from shequn.errors import NotFound
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.growth_queries import list_entries
from shequn.store.rebuild import rebuild, snapshot
from shequn.store.seat_queries import seats
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx
from tests.test_gather import held, joined, knock, queued


def counted(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the store's write transactions from now on."""
    opened: list[int] = []
    plain = store.transaction

    def transaction() -> AbstractContextManager[Connection]:
        opened.append(1)
        return plain()

    monkeypatch.setattr(store, "transaction", transaction)
    return opened


def spied(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """What the combiner's batches run, and in which transaction."""
    calls: list[tuple[str, object]] = []
    for name in ("enter_batch", "record_batch"):
        plain = getattr(gather, name)

        def spy(conn: Connection, *args: Any, _plain: Any = plain, _name: str = name) -> Any:
            calls.append((_name, conn.get_transaction()))
            return _plain(conn, *args)

        monkeypatch.setattr(gather, name, spy)
    return calls


def queue_up(pool: ThreadPoolExecutor, g: Any, store: Store, items: list[Any]) -> list[Future[Any]]:
    """Hand ``items`` over one after another, each queued before the next is handed over."""
    answers = []
    for n, item in enumerate(items, 1):
        answers.append(pool.submit(g.submit, store, item))
        queued(g, store, n)
    return answers


def counts(result: Any) -> tuple[int, int, int]:
    return result.new, result.duplicate, result.stored_before


def test_each_caller_counts_exactly_its_own_events_stored_before(store):
    """The log held ``x`` before the batch: only the callers who brought ``x`` count it as
    stored before, and an event an earlier caller of the batch brought counts as stored
    before for a later one: each as its lone call after the others would have (session 38
    counted ``x`` against the earliest caller's first event)."""
    loaded(store, group("g1"))
    record(store, [joined("x", 9)])
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    calls = [
        [joined("b", 2), joined("c", 3)],
        [joined("x", 9), joined("d", 4)],
        [joined("c", 3), joined("x", 9), joined("e", 5), joined("e", 5)],
    ]
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(g.submit, store, [joined("a", 1)])
        assert started.wait(30)
        answers = queue_up(pool, g, store, calls)
        release.set()
        assert counts(first.result()) == (1, 0, 0)
        assert [counts(a.result()) for a in answers] == [(2, 0, 0), (1, 1, 1), (1, 3, 2)]
    assert sizes == [1, 3]


def test_knocks_and_records_that_queue_together_commit_once(store, monkeypatch):
    bp = loaded(store, group("g1"))
    live = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(-45))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(g.submit, store, [joined("a", 1)])
        assert started.wait(30)
        calls = spied(monkeypatch)
        items = [
            knock(Request(wx("k1"), link=live.code, ref="k1")),
            [joined("b", 2)],
            knock(Request(wx("k2"), link=live.code, ref="k2")),
        ]
        answers = queue_up(pool, g, store, items)
        release.set()
        first.result()
        one, joins, two = (a.result() for a in answers)
    assert [(e.identity, e.status) for e in one] == [(wx("k1"), "admitted")]
    assert [(e.identity, e.status) for e in two] == [(wx("k2"), "admitted")]
    assert counts(joins) == (1, 0, 0)
    assert sizes == [1, 3]
    # the first batch's record, then the second batch: its knocks, then its record, in one
    assert [what for what, _ in calls] == ["record_batch", "enter_batch", "record_batch"]
    assert calls[1][1] is calls[2][1] and calls[0][1] is not calls[1][1]


def test_a_join_gathered_with_its_knock_is_recorded_after_it(store):
    """The platform's ``member.joined`` for a newcomer arrives in the same batch as the
    newcomer's knock, even ahead of it: the knock is decided first (admitted, one seat), then
    the join marks the entry joined, as knock-then-join one after another does. Recorded
    first, the join would have made the knock find a member and decide nothing."""
    bp = loaded(store, group("g1", capacity=2))
    live = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(-45))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(g.submit, store, [joined("a", 1)])
        assert started.wait(30)
        join = pool.submit(g.submit, store, [joined("y", 3)])
        queued(g, store, 1)
        mine = pool.submit(g.submit, store, knock(Request(wx("y"), link=live.code, at=at(2))))
        queued(g, store, 2)
        release.set()
        first.result()
        assert counts(join.result()) == (1, 0, 0)
        assert [(e.group, e.status) for e in mine.result()] == [("g1", "admitted")]
    assert sizes == [1, 2]
    with store.read() as conn:
        assert [(e.identity, e.status) for e in list_entries(conn, COMMUNITY)] == [
            (wx("y"), "joined")
        ]
        assert seats(conn, COMMUNITY, ["g1"])["g1"].taken == 2  # a and y


def test_a_failed_burst_commits_nothing_and_reruns_each_call_alone(store):
    bp = loaded(store, group("g1"))
    live = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(-45))
    broken = Event("member.joined", at(9), "nowhere", "bot", "x", group="g1", actor=wx("x"))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(g.submit, store, [joined("a", 1)])
        assert started.wait(30)
        items: list[gather.Write] = [
            knock(Request(wx("k1"), link=live.code, ref="k1")),
            [broken],
            [joined("b", 2)],
        ]
        answers = queue_up(pool, g, store, items)
        release.set()
        first.result()
        assert [e.status for e in answers[0].result()] == ["admitted"]
        with pytest.raises(NotFound):
            answers[1].result()
        assert counts(answers[2].result()) == (1, 0, 0)
    assert sizes == [1, 3, 1, 1, 1] and g.counts.split == 1
    with store.read() as conn:
        assert [e.identity for e in list_entries(conn, COMMUNITY)] == [wx("k1")]  # once


def test_200_knocks_and_their_joins_from_8_threads_share_transactions(store, monkeypatch):
    """The bench's threads mode as a test: each thread knocks, then records its newcomer's
    join, through the live path; every seat and join exactly once, in fewer transactions
    than calls, and ``rebuild`` equals live."""
    bp = loaded(store, group("g1", capacity=70), group("g2", capacity=70), group("g3", capacity=50))
    live = create_link(store, bp, purpose="live_code", groups=["g1", "g2", "g3"], now=at(-45))
    opened = counted(store, monkeypatch)

    def arrive(n: int) -> int:
        who = wx(f"n{n}")
        mine = gather.enter(store, COMMUNITY, Request(who, link=live.code, at=at(n / 100)))
        admitted = [e.group for e in mine if e.status == "admitted"]
        for g in admitted:
            when, ref = at(n / 100 + 1), f"join:{who}"
            event = Event("member.joined", when, COMMUNITY, "bot", ref, group=g, actor=who)
            assert gather.record(store, [event]).new == 1
        return len(admitted)

    with ThreadPoolExecutor(8) as pool:
        admitted = sum(pool.map(arrive, range(200)))
    assert admitted == 190
    with store.read() as conn:
        taken = {g: s.taken for g, s in seats(conn, COMMUNITY, ["g1", "g2", "g3"]).items()}
        statuses = [e.status for e in list_entries(conn, COMMUNITY)]
        joins = conn.exec_driver_sql("SELECT count(*) FROM events WHERE kind = 'member.joined'")
        assert joins.scalar() == 190
    assert taken == {"g1": 70, "g2": 70, "g3": 50}
    assert statuses.count("joined") == 190 and statuses.count("waitlisted") == 10
    assert len(opened) < 200 + 190  # calls shared transactions
    with store.read() as conn:
        live = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live  # mixed batches leave what the log replays to
