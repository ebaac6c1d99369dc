"""Pacing: a token bucket per target chat and one per connector, as reservations in time.

Each bucket is a GCRA (generic cell rate algorithm): it keeps the *theoretical arrival time*
``tat`` of the next call and allows a burst of ``count`` calls. A burst of 500 messages for one
group is therefore not dropped nor sent at once: each action gets the next free slot of its
chat and waits (back in the queue, due at its slot) until then. Only the chat's bucket reserves
slots in the future; the connector's bucket is asked at the moment of sending, so one busy chat
does not hold back every other chat.

Times are seconds (floats) on the worker's clock, so tests assert on the computed schedule.

The buckets live in memory, but they start from the outbox: the first time a worker paces a
target it reads what the connector carried out for it within the bucket's horizon
(:func:`remember`), so a restarted worker does not send WeCom's one task a day twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shequn.connectors.base import Limits, Rate
from shequn.store.action_states import recent_sends
from shequn.store.db import Store

SLACK = 0.001
"""A slot this close to now counts as now."""


@dataclass(slots=True)
class Bucket:
    rate: Rate
    tat: float = float("-inf")

    def earliest(self, now: float) -> float:
        """The first time a call fits in the bucket."""
        tolerance = self.rate.interval * (self.rate.count - 1)
        return max(now, self.tat - tolerance)

    def take(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.rate.interval


@dataclass(slots=True)
class Pacer:
    """The worker's buckets, and the slots it has promised to actions it sent back to wait."""

    limits: Limits
    targets: dict[str, Bucket] = field(default_factory=dict)
    overall: Bucket | None = None
    held: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limits.overall is not None:
            self.overall = Bucket(self.limits.overall)

    def slot(self, action_id: int, target: str | None, now: float) -> float | None:
        """The action's slot in its chat: ``None`` when it may go now, else the time to come
        back at (the slot stays promised to it, so coming back does not queue it again)."""
        slot = self.held.pop(action_id, None)
        if slot is None:
            rate = self.limits.per_target
            if rate is None or target is None:
                return None
            bucket = self.targets.setdefault(target, Bucket(rate))
            slot = bucket.earliest(now)
            bucket.take(slot)
        if slot > now + SLACK:
            self.held[action_id] = slot
            return slot
        return None

    def known(self, target: str) -> bool:
        return target in self.targets

    def seed(self, target: str, sent: Sequence[float]) -> None:
        """Start ``target``'s bucket from calls made before this worker started (``sent``:
        their times, oldest first)."""
        if self.limits.per_target is None or target in self.targets:
            return
        bucket = self.targets[target] = Bucket(self.limits.per_target)
        for at in sent:
            bucket.take(at)

    def overall_wait(self, now: float) -> float:
        """Seconds to wait before the next call fits the connector's own limit (taken)."""
        if self.overall is None:
            return 0.0
        at = self.overall.earliest(now)
        self.overall.take(at)
        return max(0.0, at - now)

    def forget_before(self, horizon: float) -> None:
        """Drop promises long past (their action went elsewhere) and idle chat buckets."""
        self.held = {a: s for a, s in self.held.items() if s >= horizon}
        self.targets = {k: b for k, b in self.targets.items() if b.tat >= horizon}


def remember(
    pacer: Pacer, store: Store, connector: str, targets: Sequence[str | None], now: datetime
) -> int:
    """Seed the buckets of ``targets`` this worker has not paced yet from the outbox (what
    ``connector`` carried out for them within the bucket's horizon, of the kinds it paces);
    returns how many calls it found."""
    rate = pacer.limits.per_target
    new = sorted({tg for tg in targets if tg is not None and not pacer.known(tg)})
    if rate is None or not new:
        return 0
    since = now - timedelta(seconds=rate.interval * rate.count)
    with store.read() as conn:
        done = recent_sends(conn, connector, new, since)
    sent: dict[str, list[float]] = {tg: [] for tg in new}
    for target, kind, payload, at in done:
        if pacer.limits.paces(kind, payload):
            sent[target].append(at.timestamp())
    for target, times in sent.items():
        pacer.seed(target, times)
    return sum(map(len, sent.values()))
