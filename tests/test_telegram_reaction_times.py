"""Reaction times of a Telegram export: local times read at the exporter's offset.

The mapper reads them straight into UTC when the offset is known (no conversion between zones
when it compares them with the message's time and checks them); these tests hold that to the
plain reading in the exporter's zone, instant for instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from shequn.ingest.base import ImportContext
from shequn.ingest.telegram_map import ChatMapper, _local_time
from shequn.ingest.telegram_parts import Chat, Names, Tally
from shequn.model.events import Event


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    st.integers(min_value=-18 * 60 + 1, max_value=18 * 60 - 1),
)
def test_a_local_time_is_the_same_instant_as_read_in_the_zone(
    local: datetime, minutes: int
) -> None:
    shift = timedelta(minutes=minutes)
    zone = timezone(shift)
    found = _local_time(local.isoformat(), zone, shift)
    assert found == local.replace(tzinfo=zone)
    zero = timedelta(0)
    fits = (shift <= zero or local >= datetime.min + shift) and (
        shift >= zero or local <= datetime.max + shift
    )
    assert found.tzinfo is (UTC if fits else zone)  # outside UTC's range: left to the check


def test_a_local_time_past_the_range_of_utc_keeps_its_zone() -> None:
    shift = timedelta(hours=8)
    found = _local_time("0001-01-01T03:00:00", timezone(shift), shift)
    assert found.tzinfo == timezone(shift) and found.hour == 3  # the event check refuses it
    assert _local_time("2024-03-04T20:05:10", ZoneInfo("Asia/Shanghai"), None).tzinfo == ZoneInfo(
        "Asia/Shanghai"
    )


def _reacted(message_date: str, reactor_dates: list[str]) -> list[Event]:
    ctx = ImportContext(path=Path("x.json"), community="c", tz=UTC)
    chat = Chat(index=-1, id=42, name="Club", type="public_supergroup")
    mapper = ChatMapper(ctx, chat, Names(), Tally())
    recent: list[dict[str, Any]] = [
        {"from": f"P{i}", "from_id": f"user{i}", "date": d} for i, d in enumerate(reactor_dates)
    ]
    reactions = [{"type": "emoji", "emoji": "👍", "count": len(recent), "recent": recent}]
    msg = {"id": 7, "type": "message", "date": message_date, "date_unixtime": "1709553600",
           "from": "Ann", "from_id": "user99", "text": "hi", "reactions": reactions}  # fmt: skip
    return [e for e in mapper.items(msg, 0) if isinstance(e, Event) and e.kind == "message.reacted"]


def test_reactions_at_a_western_offset_in_utc_never_before_their_message() -> None:
    # 1709553600 is 2024-03-04 12:00 UTC, written 07:00 locally: the exporter was at UTC-5.
    reacted = _reacted("2024-03-04T07:00:00", ["2024-03-04T07:30:00", "2024-03-04T06:59:00"])
    assert [e.occurred_at.isoformat() for e in reacted] == [
        "2024-03-04T12:30:00+00:00",
        "2024-03-04T12:00:00+00:00",  # the export says earlier than the message: the message's
    ]
    assert all(e.occurred_at.tzinfo is UTC for e in reacted)
