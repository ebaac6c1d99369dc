"""Values as SQLite keeps them: times as naive UTC text, the same however often a time is
spelled; None and bools bound as before."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

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


def test_times_come_from_memos_as_a_fresh_spelling_gives_them() -> None:
    """Each instant is spelled (and each stored text read) once, then kept: the memo gives
    the text a fresh spelling gives, for equal instants from other objects and zones."""
    at = datetime(2026, 3, 2, 1, 0, 0, 5, tzinfo=UTC)
    again = datetime(2026, 3, 2, 1, 0, 0, 5, tzinfo=UTC)  # equal, not the same object
    beijing = at.astimezone(timezone(timedelta(hours=8)))
    stored = "2026-03-02 01:00:00.000005"
    assert sqlite_time(at) == sqlite_time(again) == sqlite_time(beijing) == stored
    assert utc(stored) == at and utc(stored).tzinfo is UTC  # type: ignore[union-attr]
    assert utc(stored) is utc(stored)  # read once: the kept object
    with pytest.raises(TypeError):
        sqlite_time(at.replace(tzinfo=None))  # a naive time is still refused
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    repeated = first.replace(fold=1)  # the hour the clocks repeat: equal, an hour later
    assert first == repeated
    assert sqlite_time(first) == "2026-11-01 05:30:00.000000"
    assert sqlite_time(repeated) == "2026-11-01 06:30:00.000000"


def test_none_and_bools_are_bound_as_before_from_the_registry_s_first_look() -> None:
    """``None`` and bools have adapters registered (``store/stored_forms.py``): sqlite3 finds
    them at its registry's first look instead of searching (and formatting an error it drops)
    for each value, and binds what it bound before — NULL, and the integers 1 and 0."""
    conn = sqlite3.connect(":memory:")
    row = conn.execute("SELECT ? IS NULL, ?, ?, typeof(?)", (None, True, False, True)).fetchone()
    assert row == (1, 1, 0, "integer")
    for kind in (type(None), bool):
        assert (kind, sqlite3.PrepareProtocol) in sqlite3.adapters
    conn.close()
