"""Per-token rate limits: a token bucket in memory.

Each token has a bucket of ``burst`` requests that refills at ``per_minute`` requests a
minute; a request takes one, and an empty bucket answers 429 with the wait in Retry-After.
The buckets live in the process: with several server processes each enforces the limit on
its own share of the traffic, which keeps one runaway script from starving the others
without a shared store. (A shared limit would live in the database or a cache; not needed yet.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from shequn.model.i18n import Said


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``take(key)`` returns 0 when the request may go ahead, else the seconds to wait."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError(Said("a rate limit needs per_minute > 0 and burst >= 1"))
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()  # sync routes run on a thread pool

    def take(self, key: object) -> float:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate
