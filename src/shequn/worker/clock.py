"""Time for the worker, injectable: tests drive a fake clock instead of sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock; ``sleep`` wakes early when ``stop`` is set (a signal arrived)."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stop.wait(seconds)


class SteppedClock:
    """A clock set to a given moment that moves only when the worker sleeps (or is told to).

    For replaying a story that happened in the past — ``shequn demo`` runs its worker at the
    end of its simulated fortnight, so the effects it records (members admitted, messages
    delivered) belong to the story and not to the day someone runs the demo — and for tests.
    """

    def __init__(self, start: datetime) -> None:
        self.t = start

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.t += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
