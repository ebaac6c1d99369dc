"""Times as SQLite keeps them: naive UTC text, the same however often a time is spelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from shequn.store.stored_forms import sqlite_time, utc


def test_a_time_is_spelled_as_naive_utc_text_each_time_it_is_asked() -> None:
    at = datetime(2026, 1, 1, 8, 30, tzinfo=UTC)
    later = at + timedelta(microseconds=1)
    beijing = datetime(2026, 1, 1, 16, 30, tzinfo=timezone(timedelta(hours=8)))
    assert sqlite_time(at) == "2026-01-01 08:30:00.000000"
    assert sqlite_time(at) == "2026-01-01 08:30:00.000000"  # the same object again
    assert sqlite_time(later) == "2026-01-01 08:30:00.000001"
    assert sqlite_time(beijing) == "2026-01-01 08:30:00.000000"  # another zone, same instant
    assert sqlite_time(later) == "2026-01-01 08:30:00.000001"
    assert utc(sqlite_time(beijing)) == at
