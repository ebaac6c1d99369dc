"""Badges' earned-at (P-ENG-8): a level is earned when its rule was first met in the log — the
10th answer's time, the day a streak reached 7 — not when the tick granted it, so the first
run's backfill gives historical times."""

from __future__ import annotations

from datetime import date, timedelta

from shequn.engine.engagement import honours
from shequn.engine.engagement.badges import decide_badges, earned_at
from shequn.engine.engagement.streaks import reached, streak
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.text import message_data
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx

D = date(2026, 5, 1)


def test_the_day_a_streak_first_reached_each_length_with_and_without_freezes():
    days = [D, D + timedelta(1), D + timedelta(2), D + timedelta(4), D + timedelta(5)]
    assert reached(days) == days[:3]  # the gap on day 4 breaks it: longest 3
    assert reached(days, freezes=1) == days  # one frozen day bridges it: 5 days by the 6th
    assert len(reached(days)) == streak("m", days, days[-1]).longest
    assert len(reached(days, 1)) == streak("m", days, days[-1], 1).longest
    assert reached([days[1], days[0], days[1]]) == days[:2]  # any order, repeats once


def test_a_level_is_earned_at_the_count_that_met_it_else_at_the_grant():
    answers = [T0 + timedelta(hours=n) for n in range(12)]
    now = T0 + timedelta(days=30)
    assert earned_at({"answer": answers}, "answers", 10, now) == answers[9]
    assert earned_at({}, "answers", 10, now) == now  # the log does not say
    bp = blueprint(group("main"))
    d = decide_badges(bp, wx("amy"), None, {"answer": 12}, set(), now, {"answer": answers})
    assert [(e.data["earned_at"], e.occurred_at) for e in d.events] == [
        (answers[9].isoformat(), now)]  # fmt: skip


def _answers(n: int) -> list[Event]:
    out = []
    for i in range(n):
        at = T0 + timedelta(days=i)
        out.append(Event("message.posted", at, COMMUNITY, "bot", f"q{i}", group="main",
                         actor=wx("bo"), data=message_data(f"第{i}个问题怎么办？")))  # fmt: skip
        out.append(Event("message.posted", at + timedelta(minutes=5), COMMUNITY, "bot", f"a{i}",
                         group="main", actor=wx("amy"),
                         data=message_data("这样做就行", reply_to=f"q{i}")))  # fmt: skip
    return out


def test_the_backfill_gives_each_badge_its_historical_time(store):
    loaded(store, group("main", gates=["camp"], camp="camp"), group("camp"))
    checkins = [T0 + timedelta(days=d, hours=h) for d, h in
                ((0, 0), (1, 0), (1, 3), (2, 0), (3, 0), (5, 0), (6, 0), (7, 0), (8, 0),
                 (9, 0), (10, 0), (11, 0), (12, 0))]  # a break on day 5, then 8 days  # fmt: skip
    record(store, [*_answers(11), *(
        Event("checkin.done", at, COMMUNITY, "bot", f"c{n}", group="camp", actor=wx("amy"))
        for n, at in enumerate(checkins))])  # fmt: skip
    later = T0 + timedelta(days=60)  # the tick runs long after: the backfill
    assert honours.grant(store, COMMUNITY, later) == 2
    amy = honours.standing(store, COMMUNITY, wx("amy"), later)
    assert [(b["badge"], b["level"], b["at"]) for b in amy["badges"]] == [
        ("answers", 10, (T0 + timedelta(days=9, minutes=5)).isoformat()),  # the 10th answer
        ("streak", 7, (T0 + timedelta(days=11)).isoformat()),  # day 7 of the second run
    ]
