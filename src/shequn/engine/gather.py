"""Group commit at the door: concurrent callers' knocks (and platform facts) decided together.

A live server calls the door from many threads at once (FastAPI runs the webhook routes'
sync work in its threadpool). One transaction per call makes them take turns on the store's
append lock, so four threads run no faster than one; ``enter_many`` decides a batch of
knocks in one transaction from state read once, many times faster per knock. This module
joins the two: a caller hands its item to a :class:`Gather` and waits; whoever finds nobody
else at work (the *leader*) runs one batch for everything queued for the same store — what
arrived while the previous batch ran — and hands each caller its own result, then passes the
lead to the first caller still waiting. No daemon thread and no timer: a caller alone leads
at once and runs a batch of one, as it would without this module. Knocks and ``record``
calls share one line (:data:`WRITES`): a burst's knocks and the joins reported for earlier
knocks commit once, not once for the door and once for the log (session 39).

Guarantees (``tests/test_gather.py``):

- each caller gets exactly what the plain call would have returned for its item (a
  ``record`` caller its own new and duplicate counts, :func:`each_own`), or its own
  exception: a batch is one transaction, so when it raises nothing of it was committed and
  its items are run again one at a time (a bad knock fails only its caller);
- batches hold at most ``limit`` items, taken in arrival order (a batch ends before an item
  it must not hold: a second knock of the same person goes into the next batch, so each
  caller sees the entries as they stood after its own knock);
- the queue holds at most one item per waiting caller (callers block until answered); a
  caller interrupted while it waits is skipped, and the lead it was handed is passed on;
- other processes still take turns on the store's lock, as before; a forked child starts with
  no lines (what its parent was gathering is the parent's to finish).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from shequn.engine import inbound
from shequn.engine.decisions import new_ref
from shequn.engine.door import enter_batch
from shequn.engine.entry import Request, enter_many
from shequn.engine.guard import guarded
from shequn.engine.record import record as record_apart
from shequn.engine.record import record_batch
from shequn.model.entities import EntryState
from shequn.model.events import Event
from shequn.store.append import AppendResult
from shequn.store.db import Store
from shequn.store.planner_stats import after_knocks as analyse_grown

K = TypeVar("K", bound=Hashable)  # what a batch shares (store, community, …)
I = TypeVar("I")  # noqa: E741 — an item handed over
R = TypeVar("R")  # its result

LIMIT = 100
"""Items per batch at most: enter_many's batches of 100 run ~2,800 knocks/s on SQLite here."""

LIMIT_EVENTS = 1_000
"""Events per gathered ``record`` at most (a webhook call brings a few); a bigger call is
recorded on its own, as before."""


@dataclass(eq=False, slots=True)
class _Slot(Generic[I, R]):
    """One caller's item, and what comes back to it: a result, an exception or the lead."""

    item: I
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None
    lead: bool = False  # handed the lead: run the next batch
    gone: bool = False  # the caller stopped waiting (interrupted)


@dataclass(slots=True)
class _Line(Generic[I, R]):
    waiting: deque[_Slot[I, R]] = field(default_factory=deque)
    busy: bool = False  # a leader is running a batch of this line


@dataclass(slots=True)
class Counts:
    """What a :class:`Gather` did: batches run, items in them, batches rerun one by one."""

    batches: int = 0
    items: int = 0
    split: int = 0


class Gather(Generic[K, I, R]):
    """Leader/follower group commit of ``run_many`` over concurrent callers of ``submit``.

    ``run_many(key, items)`` must run ``items`` in one transaction and return one result per
    item, in order; ``fits(batch, item)`` says whether ``item`` may join ``batch`` (besides
    the ``limit``).
    """

    def __init__(
        self,
        run_many: Callable[[K, list[I]], list[R]],
        *,
        limit: int = LIMIT,
        fits: Callable[[Sequence[I], I], bool] | None = None,
    ) -> None:
        self.run_many, self.limit, self.fits = run_many, max(1, limit), fits
        self.counts = Counts()
        self._forget()
        mine = weakref.ref(self)  # the hook must not keep a dropped combiner alive
        os.register_at_fork(after_in_child=lambda: _forget_in_child(mine))

    def _forget(self) -> None:
        """No lines and a fresh lock: at start, and in a forked child, where the parent's
        leaders and waiters do not exist (a line copied busy would never be led again)."""
        self._lock = threading.Lock()
        self._lines: dict[K, _Line[I, R]] = {}

    def submit(self, key: K, item: I) -> R:
        """Hand ``item`` over and return its result (or raise its exception)."""
        slot: _Slot[I, R] = _Slot(item)
        with self._lock:
            line = self._lines.setdefault(key, _Line())
            line.waiting.append(slot)
            slot.lead = not line.busy
            line.busy = True
        if not slot.lead:
            self._wait(key, slot)
        if slot.lead:
            slot.done.clear()  # it woke us as leader; set again once our item is answered
            self._lead(key, slot)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set with done

    def _wait(self, key: K, slot: _Slot[I, R]) -> None:
        try:
            slot.done.wait()
        except BaseException:  # interrupted: nobody will read the result or take the lead
            with self._lock:
                slot.gone = True
                lead = slot.lead  # handed the lead meanwhile: pass it on
            if lead:
                self._pass_lead(key)
            raise

    def _lead(self, key: K, slot: _Slot[I, R]) -> None:
        with self._lock:
            batch = self._take(self._lines[key])
        try:
            self._run(key, batch)
        finally:
            for s in batch:  # an unexpected error (BaseException) still answers everyone
                if not s.done.is_set():
                    s.error = s.error or RuntimeError("the gathered batch did not finish")
                    s.done.set()
            self._pass_lead(key)
        assert slot in batch  # noqa: S101 — the leader is first in its line

    def _take(self, line: _Line[I, R]) -> list[_Slot[I, R]]:
        batch: list[_Slot[I, R]] = []
        items: list[I] = []
        while line.waiting and len(batch) < self.limit:
            s = line.waiting[0]
            if s.gone:
                line.waiting.popleft()
                continue
            if batch and self.fits is not None and not self.fits(items, s.item):
                break
            batch.append(line.waiting.popleft())
            items.append(s.item)
        return batch

    def _run(self, key: K, batch: list[_Slot[I, R]]) -> None:
        items = [s.item for s in batch]
        try:
            results = self.run_many(key, items)
        except Exception as e:  # one transaction: nothing of the batch was committed
            if len(batch) == 1:
                batch[0].error = e
                batch[0].done.set()
                self._count(1, split=False)
                return
            self._count(len(batch), split=True)
            for s in batch:  # one at a time: each caller gets its own result or error
                try:
                    s.result = self.run_many(key, [s.item])[0]
                except Exception as one:
                    s.error = one
                s.done.set()
            return
        self._count(len(batch), split=False)
        for s, r in zip(batch, results, strict=True):
            s.result = r
            s.done.set()

    def _count(self, items: int, *, split: bool) -> None:
        with self._lock:
            self.counts.batches += 1
            self.counts.items += items
            self.counts.split += split

    def _pass_lead(self, key: K) -> None:
        """Give the lead to the first caller still waiting, or end the line's turn."""
        with self._lock:
            line = self._lines[key]
            while line.waiting and line.waiting[0].gone:
                line.waiting.popleft()
            if not line.waiting:
                line.busy = False
                del self._lines[key]  # idle lines are not kept
                return
            nxt = line.waiting[0]
            nxt.lead = True
        nxt.done.set()  # wakes it as leader (it is still in the line: it takes itself first)


def _forget_in_child(ref: weakref.ref[Gather[Any, Any, Any]]) -> None:
    combiner = ref()
    if combiner is not None:
        combiner._forget()


# -- the door and the log, gathered ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Knock:
    """A knock handed to the combiner: a door request for ``community``, from ``source``."""

    community: str
    source: str
    request: Request


Write = Knock | list[Event]
"""What a caller hands over: a knock, or a ``record`` call's events."""


@dataclass(slots=True)
class Kinds:
    """What the gathered batches held: knocks and record calls, and batches holding each
    (``bench_join.py`` reports knocks and commits per join from them)."""

    knocks: int = 0
    records: int = 0
    with_knocks: int = 0
    with_records: int = 0


KINDS = Kinds()
_kinds_lock = threading.Lock()


def _write_together(store: Store, items: list[Write]) -> list[Any]:
    """One transaction for what arrived together: the knocks first, one ``enter_batch`` per
    community and source in arrival order, then every record call's events in one append.

    Knocks first, because a platform reports a join after the door let the person in: a
    ``member.joined`` gathered with its own knock must find the entry decided, as it would
    had it arrived just after. Every item of a batch was pending at once, so any order among
    them is one a lone caller could have met; each caller gets what its plain call returns.
    """
    out: list[Any] = [None] * len(items)
    doors: dict[tuple[str, str], list[tuple[int, Request]]] = {}
    parts: list[tuple[int, list[Event]]] = []
    for n, item in enumerate(items):
        if isinstance(item, Knock):
            doors.setdefault((item.community, item.source), []).append((n, item.request))
        else:
            parts.append((n, item))
    with store.transaction() as conn:
        for (community, source), door in doors.items():
            found = enter_batch(conn, community, [r for _, r in door], source)
            for (n, _), entries in zip(door, found, strict=True):
                out[n] = entries
        if parts:
            result = record_batch(conn, [e for _, part in parts for e in part])
            for (n, _), mine in zip(parts, each_own([p for _, p in parts], result), strict=True):
                out[n] = mine
    knocks = len(items) - len(parts)
    if knocks:
        analyse_grown(store, knocks)  # as enter_many does after its transaction
    with _kinds_lock:
        KINDS.knocks += knocks
        KINDS.records += len(parts)
        KINDS.with_knocks += bool(knocks)
        KINDS.with_records += bool(parts)
    return out


def each_own(parts: Sequence[Sequence[Event]], result: AppendResult) -> list[AppendResult]:
    """Each caller's counts out of one append of all their events, as one call after another
    would have counted them: an event the append stored (``result.new_events``) is new for
    the first caller who brought it; for a later caller it was in the log already
    (``stored_before``), as is one the append did not store; a repeat within one call is a
    duplicate only, as ``append`` counts it."""
    new = {(e.source, e.source_ref) for _, e in result.new_events}
    earlier: set[tuple[str, str]] = set()  # brought by the callers before
    out = []
    for part in parts:
        mine, own = AppendResult(), set()
        for e in part:
            key = (e.source, e.source_ref)
            if key in own:
                mine.duplicate += 1
                continue
            own.add(key)
            if key in new and key not in earlier:
                mine.new += 1
            else:
                mine.duplicate += 1
                mine.stored_before += 1
        earlier |= own
        out.append(mine)
    return out


def _fits(batch: Sequence[Write], item: Write) -> bool:
    """A batch ends before a second knock of one person in one community (each caller sees
    its entries as they stood after its own knock) and before its record calls would pass
    :data:`LIMIT_EVENTS` events."""
    if isinstance(item, Knock):
        who = (item.community, item.request.identity)
        return all(
            not isinstance(b, Knock) or (b.community, b.request.identity) != who for b in batch
        )
    events = sum(len(b) for b in batch if not isinstance(b, Knock))
    return events + len(item) <= LIMIT_EVENTS


WRITES: Gather[Store, Write, Any] = Gather(_write_together, fits=_fits)
"""The live path's combiner: a store's concurrent knocks and small ``record`` calls go in one
transaction (at most :data:`LIMIT` calls)."""


def enter(
    store: Store, community: str, request: Request, *, source: str = "engine"
) -> list[EntryState]:
    """``entry.enter`` for a caller among many: decided in a batch with whatever other
    callers knocked or recorded meanwhile; returns this newcomer's entries after its own
    knock."""
    if request.ref is None:  # a rerun one at a time must not knock a second time
        request = replace(request, ref=new_ref())
    waiting: list[EntryState] = WRITES.submit(store, Knock(community, source, request))
    return waiting


def enter_some(
    store: Store, community: str, requests: Sequence[Request], *, source: str = "engine"
) -> list[list[EntryState]]:
    """``enter_many`` for a live caller: one knock is gathered (:func:`enter`); several are
    a batch already and go in their own ``enter_many``."""
    if len(requests) == 1:
        return [enter(store, community, requests[0], source=source)]
    return enter_many(store, community, requests, source=source)


def record(store: Store, events: Sequence[Event]) -> AppendResult:
    """``engine.record.record`` for a caller among many: recorded in one transaction with
    other callers' knocks and events (its own counts exact); a call too big to gather is
    recorded on its own."""
    if not events:
        return AppendResult()
    if len(events) > LIMIT_EVENTS:
        return record_apart(store, events)
    mine: AppendResult = WRITES.submit(store, list(events))
    return mine


def receive(
    store: Store, community: str, events: Sequence[Event], *, role: str = "connector"
) -> AppendResult:
    """``engine.inbound.receive`` for a caller among many: the write guard checks this
    caller's events first (a refused event fails only this call, and none of its events is
    recorded), then they are recorded gathered (:func:`record`)."""
    checked = guarded(store, inbound.writer(community, role), events, label="updates")
    return record(store, list(checked))


__all__ = [
    "KINDS",
    "LIMIT",
    "WRITES",
    "Counts",
    "Gather",
    "Knock",
    "each_own",
    "enter",
    "enter_some",
    "receive",
    "record",
]
