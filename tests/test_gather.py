"""Group commit at the door (``engine/gather.py``): concurrent knocks decided in shared
``enter_many`` batches, each caller answered with its own entries or its own error."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from shequn.engine import gather
from shequn.engine.entry import Request, enter_many
from shequn.engine.links import create_link
from shequn.engine.record import record
from shequn.errors import Forbidden, NotFound
from shequn.model.entities import EntryState
from shequn.model.events import Event
from shequn.store.seat_queries import seats
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx


def joined(who: str, n: int, source: str = "bot") -> Event:
    ref = f"join:{who}"
    return Event("member.joined", at(n), COMMUNITY, source, ref, group="g1", actor=wx(who))


def knock(request: Request, source: str = "engine") -> gather.Knock:
    return gather.Knock(COMMUNITY, source, request)


def held(run_many, *, fits=None):
    """A Gather whose first batch waits until ``release`` is set: callers arriving meanwhile
    queue up and go together in the next batch (deterministic batches for the tests)."""
    release, started = threading.Event(), threading.Event()
    sizes: list[int] = []

    def run(key, items):
        sizes.append(len(items))
        if len(sizes) == 1:
            started.set()
            assert release.wait(30)
        return run_many(key, items)

    return gather.Gather(run, fits=fits), started, release, sizes


def queued(g: gather.Gather, key, n: int) -> None:
    """Wait until ``n`` callers wait behind the running batch."""
    for _ in range(3000):
        line = g._lines.get(key)
        if line is not None and len(line.waiting) >= n:
            return
        time.sleep(0.001)
    raise AssertionError(f"{n} callers never queued")


# -- the door on both stores ---------------------------------------------------------------
def test_200_knocks_from_8_threads_fill_every_group_exactly_in_shared_batches(store):
    """As tests/test_fission.py's concurrency test, through the combiner: 200 newcomers on
    one live code from 8 threads sharing the server's store; every group ends exactly full,
    each caller gets its own entries, and knocks went several to a transaction."""
    bp = loaded(store, group("g1", capacity=70), group("g2", capacity=70), group("g3", capacity=50))
    live = create_link(store, bp, purpose="live_code", groups=["g1", "g2", "g3"], now=at(-45))
    before = (gather.WRITES.counts.batches, gather.WRITES.counts.items)

    def knock(n: int) -> tuple[str, list[EntryState]]:
        request = Request(wx(f"n{n}"), link=live.code, at=at(n / 100), ref=f"k{n}")
        return wx(f"n{n}"), gather.enter(store, COMMUNITY, request)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(knock, range(200)))
    assert all([e.identity for e in found] == [who] for who, found in answers)  # its own
    statuses = [found[0].status for _, found in answers]
    assert statuses.count("admitted") == 190 and statuses.count("waitlisted") == 10
    with store.read() as conn:
        taken = {g: s.taken for g, s in seats(conn, COMMUNITY, ["g1", "g2", "g3"]).items()}
    assert taken == {"g1": 70, "g2": 70, "g3": 50}
    batches = gather.WRITES.counts.batches - before[0]
    assert gather.WRITES.counts.items - before[1] == 200
    assert batches < 200  # some transactions held several callers' knocks


def test_a_bad_knock_among_good_ones_fails_only_its_caller(store):
    bp = loaded(store, group("g1", capacity=5))
    live = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(-45))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    key = store
    requests = [
        knock(Request(wx("first"), link=live.code, ref="k0")),
        knock(Request(wx("good1"), link=live.code, ref="k1")),
        knock(Request(wx("bad"), link="no-such-code", ref="k2")),
        knock(Request(wx("good2"), link=live.code, ref="k3")),
    ]
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(g.submit, key, requests[0])
        assert started.wait(30)
        rest = []
        for n, r in enumerate(requests[1:], 1):
            rest.append(pool.submit(g.submit, key, r))
            queued(g, key, n)
        release.set()
        assert first.result()[0].status == "admitted"
        assert rest[0].result()[0].identity == wx("good1")
        with pytest.raises(NotFound):
            rest[1].result()
        assert rest[2].result()[0].identity == wx("good2")
    assert sizes == [1, 3, 1, 1, 1]  # the batch of three failed whole, then one at a time
    assert (g.counts.batches, g.counts.split) == (2, 1)
    with store.read() as conn:
        assert seats(conn, COMMUNITY, ["g1"])["g1"].taken == 3


def test_a_second_knock_of_one_person_goes_in_the_next_batch(store):
    """Each caller sees its entries as they stood after its own knock: a person's second
    knock (another group) is not decided in the same batch as the first."""
    bp = loaded(store, group("g1"), group("g2"))
    one = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(-45))
    two = create_link(store, bp, purpose="live_code", groups=["g2"], now=at(-44))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    key = store
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(g.submit, key, knock(Request(wx("a"), link=one.code, ref="a1")))
        assert started.wait(30)
        again = pool.submit(g.submit, key, knock(Request(wx("b"), link=one.code, ref="b1")))
        queued(g, key, 1)
        later = pool.submit(g.submit, key, knock(Request(wx("b"), link=two.code, ref="b2")))
        queued(g, key, 2)
        release.set()
        first.result()
        assert [e.group for e in again.result()] == ["g1"]  # not yet g2: as enter would
        assert sorted(e.group for e in later.result()) == ["g1", "g2"]
    assert sizes == [1, 1, 1]


def test_one_caller_alone_runs_at_once_as_a_batch_of_one(store):
    bp = loaded(store, group("g1"))
    live = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(-45))
    before = gather.WRITES.counts.batches, gather.WRITES.counts.items
    mine = gather.enter(store, COMMUNITY, Request(wx("solo"), link=live.code))
    plain = enter_many(store, COMMUNITY, [Request(wx("solo2"), link=live.code)])[0]
    assert [(e.group, e.status) for e in mine] == [(e.group, e.status) for e in plain]
    now = gather.WRITES.counts
    assert (now.batches, now.items) == (before[0] + 1, before[1] + 1)
    assert not gather.WRITES._lines  # nothing kept once idle


# -- the log --------------------------------------------------------------------------------
def test_recorded_together_each_caller_counts_its_own_events(store):
    loaded(store, group("g1"))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(g.submit, store, [joined("a", 1)])
        assert started.wait(30)
        both = pool.submit(g.submit, store, [joined("b", 2), joined("c", 3)])
        queued(g, store, 1)
        repeat = pool.submit(g.submit, store, [joined("c", 3), joined("d", 4)])
        queued(g, store, 2)
        release.set()
        assert (first.result().new, first.result().duplicate) == (1, 0)
        assert (both.result().new, both.result().duplicate) == (2, 0)
        assert (repeat.result().new, repeat.result().duplicate) == (1, 1)  # c came just before
    assert sizes == [1, 2]
    again = gather.record(store, [joined("a", 1), joined("e", 5)])  # a stored before
    assert (again.new, again.duplicate, again.stored_before) == (1, 1, 1)


def test_a_refused_event_fails_only_its_callers_receive(store):
    loaded(store, group("g1"))
    bad = Event("meetup.cancelled", at(1), COMMUNITY, "bot", "m1", group="g1", data={"meetup": "m"})
    with ThreadPoolExecutor(2) as pool:
        good = pool.submit(gather.receive, store, COMMUNITY, [joined("a", 1, "connector")])
        refused = pool.submit(gather.receive, store, COMMUNITY, [joined("b", 2, "c"), bad])
        assert good.result().new == 1
        with pytest.raises(Forbidden):
            refused.result()
    with store.read() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM events WHERE kind = 'member.joined'")
        assert n.scalar() == 1  # none of the refused call's events


def test_a_failed_batch_of_records_is_run_again_one_call_at_a_time(store):
    loaded(store, group("g1"))
    broken = Event("member.joined", at(9), "nowhere", "bot", "x", group="g1", actor=wx("x"))
    g, started, release, sizes = held(gather._write_together, fits=gather._fits)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(g.submit, store, [joined("a", 1)])
        assert started.wait(30)
        bad = pool.submit(g.submit, store, [broken])
        queued(g, store, 1)
        good = pool.submit(g.submit, store, [joined("b", 2)])
        queued(g, store, 2)
        release.set()
        assert first.result().new == 1
        with pytest.raises(NotFound):
            bad.result()
        assert good.result().new == 1
    assert sizes == [1, 2, 1, 1] and g.counts.split == 1


# -- the combiner alone ------------------------------------------------------------------------
class Stop(BaseException):
    """Not an Exception: what a dying thread raises (KeyboardInterrupt, SystemExit)."""


def test_a_leader_dying_answers_its_batch_and_leaves_no_line_stuck():
    calls: list[list[int]] = []

    def run(key, items):
        calls.append(items)
        if 13 in items:
            raise Stop
        return [i * 2 for i in items]

    g, started, release, _ = held(run)
    pool = ThreadPoolExecutor(3)  # not waited for on exit: a stuck caller fails the test
    first = pool.submit(g.submit, "k", 1)
    assert started.wait(30)
    dying = pool.submit(g.submit, "k", 13)
    queued(g, "k", 1)
    other = pool.submit(g.submit, "k", 2)
    queued(g, "k", 2)
    release.set()
    assert first.result(30) == 2
    with pytest.raises(Stop):
        dying.result(30)
    with pytest.raises(RuntimeError):
        other.result(30)  # in the dying batch: answered, not left waiting
    pool.shutdown(wait=False)
    assert g.submit("k", 5) == 10 and not g._lines  # the line goes on


def test_batches_are_bounded_and_keep_arrival_order():
    g, started, release, _ = held(lambda key, items: [(i, tuple(items)) for i in items])
    g.limit = 3
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(g.submit, "k", 0)]
        assert started.wait(30)
        for n in range(1, 8):
            futures.append(pool.submit(g.submit, "k", n))
            queued(g, "k", n)
        release.set()
        batches = sorted({f.result()[1] for f in futures})
    assert batches == [(0,), (1, 2, 3), (4, 5, 6), (7,)]


def test_record_counts_events_as_record_does(store):
    loaded(store, group("g1"))
    events = [joined("a", 1), joined("b", 2), joined("a", 1)]
    mine = gather.record(store, events)
    plain = record(store, [joined("c", 3), joined("d", 4), joined("c", 3)])
    assert (mine.new, mine.duplicate) == (plain.new, plain.duplicate) == (2, 1)


def test_a_child_forked_while_a_batch_runs_gathers_on_its_own():
    """A server forked while a batch of its combiner is running (a worker process started
    mid-burst): the child's callers must not wait behind the parent's leader, which the child
    does not have."""
    g, started, release, _sizes = held(lambda _key, items: [i * 2 for i in items])
    leader = threading.Thread(target=g.submit, args=("k", 1))
    leader.start()
    assert started.wait(30)  # the parent's line is busy now
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=lambda: os._exit(0 if g.submit("k", 21) == 42 else 1))
    child.start()
    child.join(30)
    release.set()
    leader.join(30)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0  # answered at once, not stuck behind the parent's leader
