"""The valuable/chatter definitions of ``model/talk.py`` on the log that
``tests/test_analytics_talk.py::test_classification_per_day`` works out by hand for the SQL:
the same counts, so the metrics and the engine's damping share one definition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shequn.model.talk import Said, chatter, in_bursts, valuable

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: int, hour: float) -> datetime:
    return T0 + timedelta(days=day, hours=hour)


def test_day_zero_and_one_match_the_sql_metric():
    day0 = [
        Said(at(0, 9), "a", 5),
        Said(at(0, 10), "a", None, question=True, drew=True),
        Said(at(0, 10.1), "b", 60, reply=True),
        Said(at(0, 10.2), "c", 10, reply=True),
        Said(at(0, 11), "d", None),  # replied to only by himself: drew nothing
        Said(at(0, 11.1), "d", 5, reply=True),
        *(Said(at(0, 20 + k / 120), w, 3) for k, w in enumerate("pqrpq")),
        Said(at(0, 20 + 2.5 / 60), "r", 3, media=True),
        Said(at(0, 20 + 3 / 60), "s", 3, link=True),
    ]
    day1 = [Said(at(1, 9 + k / 60), "p", 3) for k in range(4)]
    day1 += [Said(at(1, 15 + k * 0.75 / 60), "q", 3) for k in range(5)]
    for log, expected in ((day0, (13, 3, 5)), (day1, (9, 0, 5))):
        counts = (len(log), sum(map(valuable, log)), sum(chatter(log)))
        assert counts == expected


def test_a_burst_needs_enough_messages_close_together():
    times = [at(0, k / 60) for k in range(4)]
    assert in_bursts(times) == [False] * 4
    assert in_bursts(times, burst_messages=4) == [True] * 4
