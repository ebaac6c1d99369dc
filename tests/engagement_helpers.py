"""Shortcuts for the engagement tests (and for test_templates, which needs every message
the engagement engine can decide)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shequn.engine.engagement import meetup_rules as mr
from shequn.engine.engagement.badges import decide_badges
from shequn.engine.engagement.care import AtRisk, Person, decide_at_risk, decide_care
from shequn.engine.engagement.honour_stories import Honour, decide_honour
from shequn.engine.engagement.qa import Question, decide_repeat, decide_surface
from shequn.engine.engagement.streaks import decide_completions, decide_reminders, streak
from shequn.engine.engagement.timeline import (
    Plan,
    decide_cancel,
    decide_move,
    decide_plan,
    decide_summary,
)
from shequn.engine.engagement.welcome import Join, decide_welcomes
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.store.qa import Entry
from tests.growth_helpers import T0, wx

START = T0 + timedelta(days=7)
"""A session a week after T0 (2026-05-08 02:00 UTC, 10:00 in Shanghai)."""
EVENING = T0 + timedelta(hours=10, minutes=30)
"""2026-05-01 20:30 in Shanghai: past the check-in reminder hour (20)."""


def plan(start: datetime = START, speaker: str | None = wx("lin")) -> Plan:
    return Plan("main", "s1", "如何读完一本书", start, start + timedelta(hours=1), speaker)


def engagement_messages(bp: Blueprint) -> list[Action]:
    """One of every message the engagement engine decides, from its pure rules."""
    actions = decide_welcomes(bp, [Join(wx("a"), "main", T0)], T0).actions
    actions += decide_plan(bp, plan(), T0, None).actions
    actions += decide_move(
        bp, plan(START + timedelta(days=1)), START, 1, frozenset({"x"}), T0, None
    ).actions
    actions += decide_cancel(bp, plan(), True, "", T0, None).actions
    actions += decide_summary(bp, plan(), "要点", [wx("a")], START, None).actions
    actions += decide_reminders(bp, "main", {}, [wx("a")], EVENING).actions
    camp = bp.model_copy(update={"engagement": bp.engagement.model_copy(update={
        "checkins": bp.engagement.checkins.model_copy(update={"days": 1})})})  # fmt: skip
    done = {wx("a"): streak(wx("a"), [EVENING.date()], EVENING.date())}
    actions += [
        a for d in decide_completions(camp, "main", done, set(), EVENING) for a in d.actions
    ]
    kb = Entry("bot|1", "main", wx("b"), "怎么报名", T0, "answered", "看公告", wx("c"), "reply",
               None, None)  # fmt: skip
    repeat = Question("bot|2", "main", wx("a"), "怎么报名呢", T0)
    actions += decide_repeat(bp, repeat, (kb, 1.0), T0).actions
    waiting = Entry("bot|3", "main", wx("a"), "几点？", T0, "open", *[None] * 5)
    actions += decide_surface(bp, "main", [waiting], [wx("lead")], T0 + timedelta(days=1)).actions
    day3 = T0 + timedelta(days=2)
    people = [
        Person(wx("a"), "main", T0),
        Person(wx("b"), "main", T0 - timedelta(days=40), day3 - timedelta(days=20), 30),
        Person(wx("c"), "main", None, card={"birthday": f"{day3:%m-%d}"}),
    ]
    actions += [a for d in decide_care(bp, people, day3) for a in d.actions]
    at_risk = [AtRisk(wx("d"), "main", T0.date(), 0.1)]
    actions += [a for d in decide_at_risk(bp, at_risk, {}, day3) for a in d.actions]
    actions += decide_badges(bp, wx("a"), None, {"answer": 10}, set(), T0).actions
    actions += meetup_messages(bp)
    named = Honour("main-a-2026-05", "main", wx("a"), "答疑之星", "回答了 26 个问题", T0, None)
    actions += decide_honour(bp, named, "艾米", "operator:cli").actions  # honour_story
    return [a for a in actions if a.kind == "message.send"]


def meetup(capacity: int = 2, start: datetime = START) -> mr.Plan:
    """A meetup of ``main``'s members a week after T0, three hours long, door code 4821."""
    return mr.Plan("main", "m1", "读书会线下交流", "朝阳区某咖啡馆", start,
                   start + timedelta(hours=3), capacity, "4821", "北京", wx("lin"))  # fmt: skip


def meetup_messages(bp: Blueprint) -> list[Action]:
    """One of every message the meetup rules decide: invitation, seat, reminder, cancel,
    follow-up."""
    actions = mr.decide_plan(bp, meetup(), T0, None).actions
    full = mr.Meetup(meetup(1), yes_order=[wx("a"), wx("b")])
    actions += mr.decide_rsvp(bp, full, wx("a"), "no", T0, "r", "t")[0].actions  # b's seat
    actions += mr.decide_tick(bp, full, START - timedelta(hours=1), set()).actions  # reminder
    actions += mr.decide_cancel(bp, full, "", T0, None, set()).actions
    came = mr.Meetup(meetup(), attended=[wx("a")])
    actions += mr.decide_tick(bp, came, START + timedelta(hours=4), set()).actions  # follow-up
    return actions
