"""The worker's loop: recover, tick, claim, pace, call, report.

One round (:meth:`Worker.step`) settles leases dead workers left, runs the ticks that are due,
claims a batch of due actions and carries them out in chunks. For a chunk, the sends (calls that
are not idempotent) are marked started in one commit *before* any of them is called; the
chunk's results, retries and failures are committed together after it. A crash in between
leaves started sends without a result: :meth:`Worker.recover` then looks for proof — the effect
event in the log, or the connector's own check — and sends the rest to ``review``, never again.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from shequn.connectors.base import Connector, Performed, Permanent, Transient, Uncertain
from shequn.engine.record import record
from shequn.engine.ticks import TICKS, Tick
from shequn.errors import ShequnError
from shequn.model.action_kinds import action_kind
from shequn.model.actions import Retry, RetryPolicy, Status, decide_retry, said_status
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import action_states as states
from shequn.store.action_states import ActionRow, Done
from shequn.store.db import Store
from shequn.store.queries import list_communities
from shequn.store.tasks import open_task
from shequn.worker.clock import Clock, SystemClock
from shequn.worker.effects import effect_event
from shequn.worker.lock import WorkerLock
from shequn.worker.pacing import Pacer, remember
from shequn.worker.texts import ActionTexts


@dataclass(frozen=True, slots=True)
class Config:
    """How a worker works; the defaults suit a laptop and a small team."""

    lease: timedelta = timedelta(minutes=2)
    batch: int = 500
    chunk: int = 50
    """Sends marked started per commit: after a crash, at most this many are uncertain."""
    idle: float = 1.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    ticks: bool = True


@dataclass(slots=True)
class Outcome:
    """What one chunk came to, written in one transaction."""

    done: list[tuple[ActionRow, Performed]] = field(default_factory=list)
    retry: list[tuple[int, datetime, str, bool]] = field(default_factory=list)
    ended: list[tuple[ActionRow, Status, str, bool]] = field(default_factory=list)


class Worker:
    """Carries out the outbox through one connector. ``run()`` until :meth:`stop`."""

    def __init__(
        self,
        store: Store,
        connector: Connector,
        *,
        config: Config | None = None,
        clock: Clock | None = None,
        name: str | None = None,
        rng: random.Random | None = None,
        ticks: Sequence[Tick] = TICKS,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.connector = connector
        self.config = config or Config()
        self.stopping = threading.Event()
        self.clock = clock or SystemClock(self.stopping)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
        self.ticks = tuple(ticks) if self.config.ticks else ()
        self.say = say or (lambda _msg: None)
        self.pacer = Pacer(connector.limits)
        self.source = f"worker:{connector.name}"
        self.counts: Counter[str] = Counter()
        self.next_tick: dict[str, datetime] = {}
        self.texts = ActionTexts(store)
        self.rounds = 0
        """Rounds finished (ticks run, due actions carried out): who waits for the worker to
        have looked once — ``bot run --exit-when-idle`` — reads it."""

    def stop(self) -> None:
        """Finish the action in hand, give the rest of the batch back, then return."""
        self.stopping.set()

    # --- the loop ----------------------------------------------------------------------

    def run(self, *, once: bool = False) -> Counter[str]:
        """Work until stopped (``once``: until nothing is due now); returns the counts."""
        lock = self._sqlite_lock()
        if lock is not None and not lock.acquire(self.say, self.clock.sleep, self.stopping.is_set):
            return self.counts
        try:
            self.recover(everyone=lock is not None)
            while not self.stopping.is_set():
                if self.step() == 0:
                    if once:
                        break
                    self.clock.sleep(self.config.idle)
        finally:
            if lock is not None:
                lock.release()
        return self.counts

    def _sqlite_lock(self) -> WorkerLock | None:
        url = self.store.engine.url
        if self.store.dialect != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return WorkerLock(os.path.realpath(str(url.database)))

    def step(self) -> int:
        """One round; returns how many actions it claimed."""
        self.recover()
        self.run_ticks()
        now = self.clock.now()
        with self.store.transaction() as conn:
            rows = states.claim(
                conn, self.name, now, lease_until=now + self.config.lease, limit=self.config.batch
            )
        if rows:
            self.texts.forget()  # a blueprint changed since the last batch is seen
            self.handle(rows)
            self.pacer.forget_before(now.timestamp() - 3600)
        self.rounds += 1
        return len(rows)

    def handle(self, rows: Sequence[ActionRow]) -> None:
        """Route a claimed batch: tasks for kinds the connector lacks, pacing, then calls."""
        now = self.clock.now()
        go: list[ActionRow] = []
        wait: list[tuple[int, datetime]] = []
        unsupported: list[ActionRow] = []
        remember(self.pacer, self.store, self.connector.name, [self._bucket(r) for r in rows], now)
        for row in rows:
            if row.kind not in self.connector.kinds:
                unsupported.append(row)
            elif (slot := self.pacer.slot(row.id, self._bucket(row), now.timestamp())) is not None:
                wait.append((row.id, datetime.fromtimestamp(slot, now.tzinfo)))
            else:
                go.append(row)
        if wait or unsupported:
            with self.store.transaction() as conn:
                for action_id, at in wait:
                    states.release(conn, self.name, [action_id], at=at, now=now)
                for row in unsupported:
                    why = Said(
                        "the {connector} connector cannot do {kind}",
                        connector=self.connector.name, kind=row.kind,
                    )  # fmt: skip
                    self._review(conn, row, why, self.texts.instruction(row), now)
            self.counts["paced"] += len(wait)
        for chunk in _chunks(go, self.config.chunk):
            if self.stopping.is_set():
                self._give_back(chunk)
                continue
            self._carry_out(chunk)

    def _bucket(self, row: ActionRow) -> str | None:
        """The rate-limit bucket of the action, ``None`` when its kind is not paced per target."""
        return row.target if self.connector.limits.paces(row.kind, row.payload) else None

    def _carry_out(self, chunk: Sequence[ActionRow]) -> None:
        lease = Lease(self, chunk)  # before the start: a lost row is not started by this one
        sends = [r.id for r in chunk if not action_kind(r.kind).idempotent]
        if sends:
            with self.store.transaction() as conn:
                states.start(conn, self.name, sends, self.clock.now())
        out = Outcome()
        for i, row in enumerate(chunk):
            if self.stopping.is_set():
                self._report(out)
                self._give_back(chunk[i:])
                return
            self.clock.sleep(self.pacer.overall_wait(self.clock.now().timestamp()))
            if lease.holds(row, chunk[i:]):
                self._perform(row, row.id in sends, out)
        self._report(out)

    def _perform(self, row: ActionRow, started: bool, out: Outcome) -> None:
        kind = action_kind(row.kind)
        try:
            out.done.append((row, self.connector.perform(self.texts.call(row))))
            return
        except Transient as e:
            reason, retry_after = e.reason, e.retry_after
        except Permanent as e:
            out.ended.append((row, Status.FAILED, e.reason, not started))
            return
        except Uncertain as e:
            if not kind.idempotent:
                out.ended.append(
                    (row, Status.REVIEW, Said("outcome unknown: {why}", why=e.reason), False)
                )
                return
            reason, retry_after = e.reason, None
        except Exception as e:  # an unmapped error is a connector bug: treat it as uncertain
            reason, retry_after = Said("unexpected error: {error}", error=repr(e)), None
            if not kind.idempotent:
                out.ended.append((row, Status.REVIEW, reason, False))
                return
        decision = decide_retry(
            row.attempts + 1,
            reason,
            self.clock.now(),
            retry_after=retry_after,
            policy=self.config.retry,
            rng=self.rng,
        )
        if isinstance(decision, Retry):
            out.retry.append((row.id, decision.at, reason, not started))
        else:
            out.ended.append((row, Status.DEAD, decision.reason, not started))

    def _report(self, out: Outcome) -> None:
        """Record the effects, then commit the chunk's results (effects first: a crash between
        leaves proof in the log that the recovery finds)."""
        now = self.clock.now()
        self._record_effects(out.done, now)
        with self.store.transaction() as conn:
            states.complete(
                conn,
                self.name,
                [
                    Done(r.id, p.result, p.platform_ref, action_kind(r.kind).idempotent)
                    for r, p in out.done
                ],
                self.connector.name,
                now,
            )
            for action_id, at, reason, count in out.retry:
                states.release(
                    conn, self.name, [action_id], at=at, now=now, error=reason, count=count
                )
            for row, status, reason, count in out.ended:
                if status == Status.REVIEW:
                    self._review(conn, row, reason, self.texts.uncertain(row, reason), now)
                else:
                    states.settle(conn, self.name, row.id, status, reason, now, count=count)
                    self.counts[status.value] += 1
                self.say(Said("action {id} ({kind}) {status}: {why}", id=row.id, kind=row.kind,
                              status=said_status(status), why=reason))  # fmt: skip
        self.counts["done"] += len(out.done)
        self.counts["retried"] += len(out.retry)

    def _record_effects(self, done: Sequence[tuple[ActionRow, Performed]], now: datetime) -> None:
        events: list[Event] = []
        for row, performed in done:
            try:
                event = effect_event(row, performed, self.connector.name, now)
            except ShequnError as e:  # e.g. an admission without a group: nothing to record
                self.say(Said("action {id}: effect not recorded: {why}", id=row.id, why=e.message))
                continue
            if event is not None:
                events.append(event)
        if events:
            record(self.store, events)

    def _give_back(self, rows: Sequence[ActionRow]) -> None:
        """Stopping: actions not called yet go back to the queue (their start is cleared)."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            states.release(conn, self.name, [r.id for r in rows], at=now, now=now)

    # --- crash recovery ------------------------------------------------------------------

    def recover(self, *, everyone: bool = False) -> None:
        """Settle the actions of workers that died holding them.

        Not started, or idempotent: back to the queue. A started send: done if its effect is
        in the log or the connector finds it; requeued if the connector is sure it never
        happened; otherwise ``review`` with a task — never sent blindly a second time."""
        now = self.clock.now()
        proven: list[tuple[ActionRow, Performed]] = []
        with self.store.transaction() as conn:
            rows = states.expired(conn, now, everyone=everyone)
            if not rows:
                return
            uncertain = [
                r for r in rows if r.attempt_started_at and not action_kind(r.kind).idempotent
            ]
            logged = states.effects_recorded(conn, self.source, [r.id for r in uncertain])
            requeue = [r.id for r in rows if r not in uncertain]
            for row in uncertain:
                found = self._check(row) if row.id not in logged else Performed(None)
                if found is not None:
                    proven.append((row, found))
                elif self.connector.can_check and row.kind in self.connector.kinds:
                    requeue.append(row.id)
                else:
                    why = Said("a worker stopped during the call: it may or may not have happened")
                    self._review(conn, row, why, self.texts.uncertain(row, why), now)
            states.release(conn, None, requeue, at=now, now=now)
            states.adopt(
                conn,
                self.name,
                [r.id for r, _ in proven],
                lease_until=now + self.config.lease,
                now=now,
            )
        self.counts["recovered"] += len(rows)
        if proven:
            self._report(Outcome(done=proven))

    def _check(self, row: ActionRow) -> Performed | None:
        if not self.connector.can_check or row.kind not in self.connector.kinds:
            return None
        return self.connector.check(self.texts.call(row, render=False))

    # --- helpers ---------------------------------------------------------------------------

    def _review(
        self, conn: Connection, row: ActionRow, why: str, instruction: str, now: datetime
    ) -> None:
        states.settle(conn, None, row.id, Status.REVIEW, why, now)
        open_task(
            conn,
            key=f"action:{row.id}:{row.attempts}",
            kind="action.review",
            community=row.community,
            group=row.group,
            instruction=instruction,
            now=now,
            action_id=row.id,
        )
        self.counts["review"] += 1

    # --- ticks -------------------------------------------------------------------------------

    def run_ticks(self) -> None:
        """Run each tick whose interval has passed, for every community."""
        now = self.clock.now()
        due = [t for t in self.ticks if self.next_tick.get(t.name, now) <= now]
        if not due:
            return
        with self.store.read() as conn:
            slugs = [c.slug for c in list_communities(conn)]
        for tick in due:
            self.next_tick[tick.name] = now + tick.every
            for slug in slugs:
                try:
                    n = tick.run(self.store, slug, now)
                except Exception as e:  # one community's broken blueprint must not stop the rest
                    why = e.message if isinstance(e, ShequnError) else str(e)
                    self.say(Said("tick {tick} in {c}: {why}", tick=tick.name, c=slug, why=why))
                    continue
                if n:
                    self.counts[f"tick:{tick.name}"] += n


def _chunks(rows: Sequence[ActionRow], size: int) -> Iterator[Sequence[ActionRow]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Lease:
    """A chunk's lease kept alive while it is carried out: renewed before the first call and
    whenever half the lease has passed since, so a live but slow worker keeps what it claimed
    (a batch's later chunks, pacing waits, a starved machine). An action whose lease was lost
    anyway (taken over by another worker as if this one had died) is left to its new owner."""

    def __init__(self, worker: Worker, chunk: Sequence[ActionRow]) -> None:
        self.worker = worker
        self.held: set[int] = set()
        self.renewed: datetime | None = None
        self._renew(chunk)

    def holds(self, row: ActionRow, rest: Sequence[ActionRow]) -> bool:
        """Whether ``row`` is still this worker's to carry out (``rest``: it and those after)."""
        assert self.renewed is not None  # noqa: S101 - set in __init__
        if self.worker.clock.now() - self.renewed >= self.worker.config.lease / 2:
            self._renew(rest)
        return row.id in self.held

    def _renew(self, rows: Sequence[ActionRow]) -> None:
        w = self.worker
        now = w.clock.now()
        with w.store.transaction() as conn:
            self.held = states.renew(conn, w.name, [r.id for r in rows],
                                     lease_until=now + w.config.lease, now=now)  # fmt: skip
        self.renewed = now
