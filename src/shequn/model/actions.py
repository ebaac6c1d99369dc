"""Actions: what the engine wants a platform to do, queued in the outbox.

An action is data, not a call: the engine decides it, the store writes it in the same
transaction as the events that caused it, and ``shequn worker`` (later) carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shequn.model.events import parse_time


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
