"""Decide purely, then apply: the one way state changes.

Engine rules are pure functions returning a :class:`Decision` — the events to record and the
actions to queue. :func:`apply` writes both in the caller's transaction, through the event
log (so projections follow) and the outbox. Nothing else in shequn writes tables.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from shequn.model.actions import Action
from shequn.model.events import Event
from shequn.store.append import AppendResult, append
from shequn.store.outbox import enqueue

ENGINE_SOURCE = "engine"
"""``source`` of events the engine decides on its own (auto-merges, scheduled moves)."""


def operator_source(who: str = "cli") -> str:
    """``source`` of events an operator asked for; ``who`` names the channel (cli, api:7)."""
    return f"operator:{who}"


def new_ref() -> str:
    """A fresh ``source_ref`` for a one-off decision that has no native id."""
    return uuid.uuid4().hex


@dataclass(slots=True)
class Decision:
    """What the engine decided: events to record, actions to queue."""

    events: list[Event] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    @classmethod
    def none(cls) -> Decision:
        return cls()

    def __bool__(self) -> bool:
        return bool(self.events or self.actions)

    def __add__(self, other: Decision) -> Decision:
        return Decision(self.events + other.events, self.actions + other.actions)


def capped_ref(ref: str) -> str:
    """``ref`` kept unique and under the key limit however long the identity keys in it are."""
    if len(ref) > 200:
        ref = ref[:120] + ":" + hashlib.sha256(ref.encode()).hexdigest()[:32]
    return ref


def engine_event(
    kind: str, ref: str, community: str, subject: str, now: datetime, **data: Any
) -> Event:
    """An event the engine decided by itself (``source`` "engine"), with a ``source_ref``
    kept unique and under the key limit however long the identity keys in it are."""
    return Event(
        kind=kind,
        occurred_at=now,
        community=community,
        source="engine",
        source_ref=capped_ref(ref),
        subject=subject,
        data=data,
    )


def apply(conn: Connection, decision: Decision) -> AppendResult:
    """Record a decision in the current transaction; actions are queued only if its events
    were new (a re-delivered decision queues nothing twice)."""
    result = append(conn, decision.events, keep_events=True)
    if decision.actions and (result.new or not decision.events):
        cause = result.new_events[0][0] if result.new_events else None
        enqueue(conn, decision.actions, caused_by=cause)
    return result
