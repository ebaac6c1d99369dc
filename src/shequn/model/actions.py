"""Actions: what the engine wants a platform to do, queued in the outbox.

An action is data, not a call: the engine decides it, the store writes it in the same
transaction as the events that caused it, and ``shequn worker`` carries it out through a
connector. This module holds the states an action moves through (:class:`Status`) and the
retry rule, a pure function of the attempt count and the error (:func:`decide_retry`); the
vocabulary of action kinds is ``model/action_kinds.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from shequn.model.events import parse_time
from shequn.model.i18n import C_, Said


@dataclass(slots=True)
class Action:
    """One thing to do on a platform, at or after ``due_at``."""

    kind: str
    community: str
    due_at: datetime
    group: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.due_at = parse_time(self.due_at, "due_at")


class Status(StrEnum):
    """Where an action is: ``pending → leased → done | failed | dead | review | cancelled``.

    ``failed``: the platform refused for good (bot not admin, user blocked the bot).
    ``dead``: transient errors outlasted the retries. ``review``: a person must decide — a send
    whose outcome a crash left unknown, or a kind the connector cannot perform (an operator task
    says what to do)."""

    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"
    REVIEW = "review"
    CANCELLED = "cancelled"


SAID: dict[str, Said] = {
    "pending": C_("action", "pending"),
    "leased": C_("action", "leased"),
    "done": C_("action", "done"),
    "failed": C_("action", "failed"),
    "dead": C_("action", "dead"),
    "review": C_("action", "review"),
    "cancelled": C_("action", "cancelled"),
    "retried": C_("action", "retried"),
    "recovered": C_("action", "recovered"),
    "paced": C_("action", "paced"),
}
"""An action's state (and what the worker counts) as a person reads it: words a group's life
cycle also uses (``dead``, ``failed``) mean something else here, so they have a context."""


def said_status(status: str) -> Said:
    """``status`` of an action, to be said in the reader's language."""
    return SAID.get(status) or Said(status)


FINAL = frozenset({Status.DONE, Status.FAILED, Status.DEAD, Status.CANCELLED})
RETRYABLE = frozenset({Status.FAILED, Status.DEAD, Status.REVIEW, Status.CANCELLED})
"""States an operator may send back to ``pending`` (``shequn actions retry``)."""


# --- retries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a transient error is retried."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Retry:
    at: datetime


@dataclass(frozen=True, slots=True)
class GiveUp:
    reason: str


def decide_retry(
    attempts: int,
    reason: str,
    now: datetime,
    *,
    retry_after: float | None = None,
    policy: RetryPolicy = RetryPolicy(),
    rng: random.Random | None = None,
) -> Retry | GiveUp:
    """After ``attempts`` tries that failed transiently: when to try again, or give up.

    Exponential backoff (``base · 2^(attempts-1)``, capped) with jitter between half and the
    whole delay, so a crowd of failed actions does not return at one instant; never sooner than
    the platform's ``retry_after`` (seconds)."""
    if attempts >= policy.max_attempts:
        return GiveUp(Said("gave up after {n} attempts: {reason}", n=attempts, reason=reason))
    full = min(policy.cap.total_seconds(), policy.base.total_seconds() * 2 ** max(attempts - 1, 0))
    delay = full * (0.5 + 0.5 * (rng or random).random())
    if retry_after is not None:
        delay = max(delay, retry_after)
    return Retry(now + timedelta(seconds=delay))
