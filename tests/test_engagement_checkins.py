"""Check-in camps (P-ENG-5): streaks and the leaderboard as pure values, then 21 days of a camp
through the worker on a fake clock — the reminder goes out once a day, after the hour, only
to those who have not checked in, and the board keeps every streak and its breaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shequn.engine.engagement import honours
from shequn.engine.engagement.checkins import leaderboard, remind
from shequn.engine.engagement.streaks import (
    board,
    camps,
    decide_completions,
    decide_reminders,
    streak,
    zone_of,
)
from shequn.engine.entry import Request, enter, graduate
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.templates import render_payload
from shequn.store.outbox import list_actions
from tests.engagement_helpers import EVENING
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.worker_helpers import FakeClock, Scripted, worker

D = date(2026, 5, 10)
CAMP = (group("main", gates=["camp"], camp="camp"), group("camp"))


def days(*offsets: int) -> list[date]:
    return [D - timedelta(days=n) for n in offsets]


# -- pure -----------------------------------------------------------------------------------


def test_a_streak_counts_consecutive_local_days_and_today_stays_open():
    s = streak("a", days(0, 1, 1, 2, 4, 5), D)  # twice on one day counts once
    assert (s.current, s.longest, s.total, s.today) == (3, 3, 5, True)
    morning = streak("a", days(1, 2, 3), D)  # not yet today: yesterday's streak stands
    assert (morning.current, morning.today) == (3, False)
    assert streak("a", days(2, 3), D).current == 0  # yesterday missed: broken
    assert streak("a", days(-1, 0), D).total == 1  # a day after today is not counted
    assert streak("a", [], D) == streak("a", [], D) and streak("a", [], D).current == 0


def test_freeze_tokens_bridge_missed_days_without_counting_them():
    gappy = days(0, 2, 3, 5)  # missed D-1 and D-4
    assert streak("a", gappy, D).current == 1
    assert streak("a", gappy, D, freezes=1).current == 3
    assert streak("a", gappy, D, freezes=2).current == 4
    assert streak("a", days(2, 3), D, freezes=1).current == 2  # D-1 frozen, today open


def test_the_board_ranks_streak_then_days_and_leaves_out_nobody_who_never_checked_in():
    ranked = board(
        [streak("a", days(0, 1), D), streak("b", days(0, 1, 5), D), streak("c", [], D),
         streak("d", days(0, 1, 2), D)],
        top=10,
    )  # fmt: skip
    assert [s.member for s in ranked] == ["d", "b", "a"]
    assert len(board([streak("a", days(0), D), streak("b", days(0), D)], top=1)) == 1


def test_the_reminder_waits_for_the_hour_and_skips_who_checked_in():
    bp = blueprint(*CAMP)
    assert camps(bp) == ["camp"]
    done = {wx("a"): streak(wx("a"), [date(2026, 5, 1)], date(2026, 5, 1))}
    members = [wx("a"), wx("b")]
    assert not decide_reminders(bp, "camp", done, members, EVENING - timedelta(hours=1))
    decision = decide_reminders(bp, "camp", done, members, EVENING)
    assert [a.payload["to"] for a in decision.actions] == [wx("b")]
    assert decision.events[0].source_ref.endswith(":camp:2026-05-01")
    late = blueprint(*CAMP, extra="[engagement.checkins]\nremind_hour = 22\n")
    assert not decide_reminders(late, "camp", done, members, EVENING)
    paced = blueprint(*CAMP, extra="[engagement.checkins]\nremind_per_minute = 2\n")
    many = decide_reminders(paced, "camp", {}, [wx(str(n)) for n in range(5)], EVENING)
    assert [a.due_at - EVENING for a in many.actions] == [
        timedelta(minutes=n) for n in (0, 0, 1, 1, 2)
    ]


# -- a camp's 21 days through the worker -------------------------------------------------------


def test_a_camp_of_21_days_reminds_once_a_day_and_keeps_the_board(store):
    loaded(store, *CAMP)
    people = [wx("amy"), wx("bo"), wx("cy")]
    record(store, [Event("member.joined", T0 - timedelta(hours=1), COMMUNITY, "bot", f"j{p}",
                         group="camp", actor=p) for p in people])  # fmt: skip
    clock = FakeClock(T0)
    connector = Scripted(clock=clock)
    w = worker(store, connector, clock, ticks=True)
    skips = {wx("amy"): set(), wx("bo"): {7, 8}, wx("cy"): set(range(10, 21))}
    reminded: list[list[str]] = []
    for day in range(21):
        morning = T0 + timedelta(days=day)  # 10:00 local
        checkins = [
            Event("checkin.done", morning, COMMUNITY, "bot", f"c{day}{p}", group="camp",
                  actor=p, data={"camp": "camp", "day": day + 1})
            for p in people if day not in skips[p]
        ]  # fmt: skip
        record(store, checkins)
        before = len(connector.calls)
        for at in (morning, EVENING + timedelta(days=day), EVENING + timedelta(days=day, hours=2)):
            clock.t = at
            w.run(once=True)
        reminded.append(sorted(c.payload["to"] for c in connector.calls[before:]
                               if c.payload.get("template") == "checkin_reminder"))  # fmt: skip
    assert reminded[:7] == [[]] * 7
    assert reminded[7] == reminded[8] == [wx("bo")]
    assert reminded[10:] == [[wx("cy")]] * 11
    assert remind(store, COMMUNITY, EVENING + timedelta(days=20)) == 0  # once a day
    top = leaderboard(store, COMMUNITY, "camp", now=EVENING + timedelta(days=20))
    assert [(s.member, s.current, s.longest, s.total) for s in top] == [
        (wx("amy"), 21, 21, 21),
        (wx("bo"), 12, 12, 19),
        (wx("cy"), 0, 10, 10),
    ]


def test_graduation_counts_days_checked_in_as_the_board_does(store):
    loaded(store, group("main", gates=["camp"], camp="camp", graduate_checkins=2), group("camp"))
    enter(store, COMMUNITY, Request(wx("dan"), group="main", at=T0))
    joined = Event("member.joined", T0, COMMUNITY, "bot", "j", group="camp", actor=wx("dan"))

    def checkin(ref: str, day: int) -> Event:
        return Event("checkin.done", T0 + timedelta(days=day, minutes=1), COMMUNITY, "bot", ref,
                     group="camp", actor=wx("dan"))  # fmt: skip

    record(store, [joined, checkin("a", 0), checkin("b", 0)])  # twice on one day: one day
    assert graduate(store, COMMUNITY, now=T0 + timedelta(hours=1)) == []
    record(store, [checkin("c", 1)])
    assert graduate(store, COMMUNITY, now=T0 + timedelta(days=1, hours=1)) == [wx("dan")]


# -- a camp with a period, a daily task and completion ------------------------------------------

PERIOD = '[engagement.checkins]\ndays = 21\ntask = "读 20 页"\ncomplete_days = 19\n'


def test_a_camp_of_21_days_ends_its_reminders_and_completes_who_checked_in_19_days(store):
    """amy checks in every day, bo misses two, cy stops after ten: amy and bo complete the
    camp (19 days of 21) once each with a private note; the reminders carry the day of the
    camp and the task, and stop after day 21."""
    loaded(store, *CAMP, extra=PERIOD)
    people = [wx("amy"), wx("bo"), wx("cy")]
    record(store, [Event("member.joined", T0 - timedelta(hours=1), COMMUNITY, "bot", f"j{p}",
                         group="camp", actor=p) for p in people])  # fmt: skip
    skips = {wx("amy"): set(), wx("bo"): {7, 8}, wx("cy"): set(range(10, 21))}
    for day in range(21):
        record(store, [
            Event("checkin.done", T0 + timedelta(days=day), COMMUNITY, "bot", f"c{day}{p}",
                  group="camp", actor=p, data={"camp": "camp", "day": day + 1})
            for p in people if day not in skips[p]
        ])  # fmt: skip
    assert remind(store, COMMUNITY, EVENING + timedelta(days=20)) == 3  # cy reminded; 2 done
    assert remind(store, COMMUNITY, EVENING + timedelta(days=20, hours=1)) == 0
    with store.read() as conn:
        sent = [a["payload"] for a in list_actions(conn, community=COMMUNITY, kind="message.send")]
    done = sorted((p["to"], p["days"]) for p in sent if p["template"] == "checkin_completed")
    assert done == [(wx("amy"), 21), (wx("bo"), 19)]
    (nudge,) = [p for p in sent if p["template"] == "checkin_reminder"]
    said = (nudge["to"], nudge["day_of"], nudge["days"], nudge["task"])
    assert said == (wx("cy"), 21, 21, "读 20 页")
    bp = blueprint(*CAMP, extra=PERIOD)
    assert render_payload(bp, {**nudge, "group": "camp"}).endswith(
        "（第 21/21 天）今日任务：读 20 页"
    )
    assert remind(store, COMMUNITY, EVENING + timedelta(days=21)) == 0  # day 22: the camp is over

    # completing the camp earns earn.camps (50) points and the camps badge, cy's ten days none
    after = EVENING + timedelta(days=21)
    amy, cy = (honours.standing(store, COMMUNITY, p, after) for p in (wx("amy"), wx("cy")))
    assert (amy["counts"]["camps"], amy["points"]) == (1, 21 * 5 + 50)
    assert ("camps" not in cy["counts"], cy["points"]) == (True, 10 * 5)
    assert honours.grant(store, COMMUNITY, after) >= 2  # amy's and bo's camps 1 (streaks too)
    badges = {
        (b["badge"], b["level"]) for b in honours.standing(store, COMMUNITY, wx("bo"))["badges"]
    }
    assert ("camps", 1) in badges and ("camps", 3) not in badges


def test_without_a_period_nothing_completes_and_everyone_is_reminded():
    bp = blueprint(*CAMP)
    amy = streak(wx("amy"), [D - timedelta(days=n) for n in range(30)], D)
    assert decide_completions(bp, "camp", {wx("amy"): amy}, set(), EVENING) == []
    long_ago = {wx("amy"): date(2020, 1, 1)}
    assert decide_reminders(bp, "camp", {}, [wx("amy")], EVENING, long_ago).actions


# -- each member's own local day ----------------------------------------------------------------


def test_a_check_in_counts_on_the_members_own_day_across_the_date_line(store):
    """kiri lives at UTC+14 (Kiribati), hono at UTC-10: they check in at the same two
    instants four hours apart, which straddle midnight for both — Saturday then Sunday for
    kiri, Friday then Saturday for hono — so each has two days in a row; lin, whose card names
    no zone, keeps the community's (Shanghai), where both fell on Saturday: one day. Each is
    reminded at 20:00 where they live, once that day."""
    loaded(store, *CAMP)
    kiri, hono, lin = wx("kiri"), wx("hono"), wx("lin")
    cards = {kiri: "Pacific/Kiritimati", hono: "UTC-10", lin: "somewhere nice"}
    record(store, [Event("member.joined", T0 - timedelta(days=2), COMMUNITY, "bot", f"j{p}",
                         group="camp", actor=p) for p in cards] + [
        Event("intake.answered", T0 - timedelta(days=2), COMMUNITY, "bot", f"i{p}", actor=p,
              data={"card": {"timezone": z}}) for p, z in cards.items()
    ])  # fmt: skip
    instants = (datetime(2026, 5, 2, 8, tzinfo=UTC), datetime(2026, 5, 2, 12, tzinfo=UTC))
    record(store, [
        Event("checkin.done", at, COMMUNITY, "bot", f"c{n}{p}", group="camp", actor=p)
        for n, at in enumerate(instants) for p in cards
    ])  # fmt: skip
    now = instants[1] + timedelta(minutes=5)
    top = leaderboard(store, COMMUNITY, "camp", now=now)
    assert {s.member: (s.current, s.total, s.last, s.today) for s in top} == {
        kiri: (2, 2, date(2026, 5, 3), True),
        hono: (2, 2, date(2026, 5, 2), True),
        lin: (1, 1, date(2026, 5, 2), True),
    }

    def reminded(at: datetime) -> list[tuple[str, str]]:
        remind(store, COMMUNITY, at)
        with store.read() as conn:
            rows = list_actions(conn, community=COMMUNITY, kind="message.send")
        return sorted((r["payload"]["to"], r["payload"]["day"]) for r in rows)

    # 20:00 in Kiribati (Sun) and Honolulu (Sat): both checked in on their own day
    assert remind(store, COMMUNITY, datetime(2026, 5, 3, 6, tzinfo=UTC)) == 0
    assert reminded(datetime(2026, 5, 3, 12, tzinfo=UTC)) == [(lin, "2026-05-03")]  # Shanghai
    assert reminded(datetime(2026, 5, 4, 6, tzinfo=UTC)) == [
        (hono, "2026-05-03"), (kiri, "2026-05-04"), (lin, "2026-05-03"),
    ]  # fmt: skip
    assert remind(store, COMMUNITY, datetime(2026, 5, 4, 7, tzinfo=UTC)) == 0  # once a day


def test_a_members_time_zone_is_an_iana_name_or_an_offset():
    assert str(zone_of("Pacific/Kiritimati")) == "Pacific/Kiritimati"
    assert [str(zone_of(t)) for t in ("UTC-10", "+05:30", "gmt+8")] == [
        "UTC-10:00", "UTC+05:30", "UTC+08:00",
    ]  # fmt: skip
    assert [zone_of(t) for t in ("", "Mars/Base", "UTC+15", None, 8)] == [None] * 5
