"""A fake clock, a scripted connector and a way to queue actions, for the worker tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shequn.connectors.base import DRY_RUN_KINDS, Call, Limits, Performed
from shequn.model.actions import Action
from shequn.store.db import Store
from shequn.store.outbox import enqueue
from shequn.worker.clock import SteppedClock
from shequn.worker.loop import Config, Worker
from tests.growth_helpers import COMMUNITY, T0


class FakeClock(SteppedClock):
    """Time that moves only when the worker sleeps (or the test says so); remembers the sleeps."""

    def __init__(self, start: datetime = T0) -> None:
        super().__init__(start)
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept.append(seconds)
        super().sleep(seconds)


@dataclass
class Scripted:
    """A connector whose calls answer from a script: ``fail(call) -> Exception | None``."""

    fail: Callable[[Call], Exception | None] = lambda _call: None
    limits: Limits = field(default_factory=Limits)
    kinds: frozenset[str] = DRY_RUN_KINDS
    name: str = "fake"
    can_check: bool = False
    calls: list[Call] = field(default_factory=list)
    at: list[datetime] = field(default_factory=list)
    clock: FakeClock | None = None

    def perform(self, call: Call) -> Performed:
        self.calls.append(call)
        if self.clock is not None:
            self.at.append(self.clock.now())
        error = self.fail(call)
        if error is not None:
            raise error
        return Performed(
            f"msg-{call.action_id}", {"invite_link": f"https://t.me/+{call.action_id}"}
        )

    def check(self, call: Call) -> Performed | None:
        return None

    def close(self) -> None:
        pass


def queue(
    store: Store,
    n: int,
    kind: str = "message.send",
    *,
    group: str | None = "main",
    due: datetime = T0,
    **payload: Any,
) -> None:
    """``n`` actions of ``kind`` due at ``due``, each with its own text."""
    with store.transaction() as conn:
        enqueue(conn, [
            Action(kind, COMMUNITY, due, group, {"text": f"hello {i}", **payload})
            for i in range(n)
        ])  # fmt: skip


def worker(store: Store, connector: Any, clock: FakeClock, **config: Any) -> Worker:
    config.setdefault("ticks", False)
    return Worker(store, connector, config=Config(**config), clock=clock, name="w1")
