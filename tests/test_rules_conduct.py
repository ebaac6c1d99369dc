"""Seed 004's two rules about conduct: no pulling people in without approval, and activities
reported before they are announced — the pure detectors, the ladder's step going to the
inviter, the replay, and live enforcement through the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.engine.record import record
from shequn.engine.rules.activity import announcement, unreported
from shequn.engine.rules.conduct import JoinFacts, pull_in
from shequn.engine.rules.judge import MessageFacts, judge, judge_join
from shequn.engine.rules.ladder import Offence
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.replay import replay
from shequn.model.blueprint_rules import Activities, PullIn, Rules
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.outbox import pending
from shequn.store.rules_queries import events_by
from tests.growth_helpers import COMMUNITY, blueprint, loaded, wx
from tests.test_rules_live import fresh_now

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
NOW = fresh_now()


@pytest.fixture(autouse=True)
def _fresh_now() -> None:
    global NOW
    NOW = fresh_now()  # see fresh_now: the rules judge only the last hour


ON = "[rules]\nenabled = true\n"
MEETUP_ZH = "周六下午三点读书会，地点：中关村，欢迎报名！"
MEETUP_EN = "Book club meetup on Saturday 7pm at the Crown — sign up here"


def test_an_announcement_needs_an_event_and_a_way_to_come():
    hit = announcement(fold(MEETUP_ZH), 1.0)
    assert hit.hit and [e.signal for e in hit.evidence] == ["event", "signup", "time", "place"]
    assert hit.evidence[0].match == "读书会"
    assert announcement(fold(MEETUP_EN), 1.0).hit
    assert announcement(fold("週六下午三點讀書會，地點：中關村，歡迎報名"), 1.0).hit  # traditional
    for talk in ("was the meetup fun?", "今天的分享会很棒", "明天有活动吗？地点在哪？",
                 "周六下午三点，地点中关村，欢迎报名"):  # fmt: skip
        assert not announcement(fold(talk), 1.0).hit, talk


def test_a_report_within_the_window_allows_the_announcement():
    cfg = Activities(report_days=7)
    folded = fold(MEETUP_ZH)
    assert unreported(folded, [], T0, cfg).hit
    assert not unreported(folded, [T0 - timedelta(days=6)], T0, cfg).hit
    assert unreported(folded, [T0 - timedelta(days=8)], T0, cfg).hit
    assert unreported(folded, [T0 + timedelta(days=1)], T0, cfg).hit  # reported after
    assert not unreported(folded, [], T0, Activities(enabled=True, threshold=5)).hit


def test_pulling_in_is_a_direct_add_below_the_level_without_approval():
    cfg = PullIn()
    added = JoinFacts(newcomer="wechat:new", channel="added", inviter="wechat:lin")
    v = pull_in(added, cfg)
    assert v.hit and v.explain() == 'added "wechat:new", level "0 < 1"'
    assert not pull_in(JoinFacts("wechat:new", "link", "wechat:lin"), cfg).hit  # a link
    assert not pull_in(JoinFacts("wechat:new", "added"), cfg).hit  # nobody added them
    assert not pull_in(JoinFacts("wechat:new", "added", "wechat:new"), cfg).hit  # themselves
    leader = JoinFacts("wechat:new", "add", "wechat:lin", frozenset({"group_leader"}), 1)
    assert not pull_in(leader, cfg).hit
    approved = JoinFacts("wechat:new", "invite", "wechat:lin", approved=True)
    assert not pull_in(approved, cfg).hit
    assert not pull_in(added, PullIn(enabled=False)).hit
    assert not pull_in(added, PullIn(channels=["add"])).hit


def test_the_step_goes_to_the_inviter_and_deletes_nothing():
    rules = Rules(enabled=True)
    o = Offence("c", "main", "wechat:lin", "wechat-bot:g", "j1", T0, message=False)
    added = JoinFacts("wechat:new", "added", "wechat:lin")
    j = judge_join(rules, o, added, [T0 - timedelta(days=1)])
    assert (j.rule, j.step) == ("pull_in", "warning")
    violated, applied = j.decision.events
    assert violated.actor == applied.subject == "wechat:lin"
    assert [a.kind for a in j.decision.actions] == ["message.send"]  # no message to delete
    assert j.decision.actions[0].payload["rule"] == "pull_in"
    manager = JoinFacts("wechat:new", "added", "wechat:lin", frozenset({"manager"}), 0)
    assert judge_join(rules, o, manager).exempt  # exempt roles, even below the level


def test_an_unreported_announcement_earns_a_step_in_order():
    rules = Rules(enabled=True)
    o = Offence("c", "main", "wechat:lin", "wechat-bot:g", "m1", T0)
    j = judge(rules, o, MessageFacts(text=MEETUP_ZH))
    assert (j.rule, j.step) == ("activity", "reminder")
    reported = MessageFacts(text=MEETUP_ZH, reported=(T0 - timedelta(days=1),))
    assert judge(rules, o, reported).rule is None
    off = Rules(enabled=True, activities=Activities(enabled=False))
    assert judge(off, o, MessageFacts(text=MEETUP_ZH)).rule is None


def ev(kind: str, who: str, at: datetime, ref: str, **data: Any) -> Event:
    return Event(
        kind=kind, occurred_at=at, community=COMMUNITY, group="main", actor=wx(who),
        source="wechat-bot:test", source_ref=ref, data=data,
    )  # fmt: skip


def approve(who: str, at: datetime, ref: str) -> Event:
    return Event(
        kind="entry.decided", occurred_at=at, community=COMMUNITY, subject=wx(who),
        source="engine", source_ref=ref, data={"outcome": "admitted", "reason": "ok"},
    )  # fmt: skip


def test_the_replay_shows_both_rules():
    bp = blueprint(extra=ON)
    lin = wx("lin")
    events = [
        ev("member.joined", "a", T0, "j1", channel="added", inviter=lin),
        approve("b", T0, "e1"),
        ev("member.joined", "b", T0 + timedelta(minutes=1), "j2", channel="added", inviter=lin),
        ev("activity.reported", "lin", T0 + timedelta(minutes=2), "r1", title="读书会"),
        ev("message.posted", "lin", T0 + timedelta(minutes=3), "m1", text=MEETUP_ZH),
        ev("message.posted", "kim", T0 + timedelta(minutes=4), "m2", text=MEETUP_ZH),
    ]
    report = replay(bp, events)
    got = [(v.source_ref, v.member, v.rule, v.step) for v in report.verdicts]
    assert got == [("j1", wx("lin"), "pull_in", "reminder"), ("m2", wx("kim"), "activity",
                                                               "reminder")]  # fmt: skip
    assert report.messages == 2


def steps(store: Store) -> list[tuple[str, str, str]]:
    with store.transaction() as conn:
        rows = events_by(conn, COMMUNITY, ("moderation.applied",))
    return [(e.subject or "", e.data["rule"], e.data["step"]) for _, e in rows]


def test_live_pull_in_and_unreported_activity(store: Store):
    loaded(store, extra=ON)
    for batch in (
        ev("member.joined", "a", NOW, "j1", channel="added", inviter=wx("lin")),
        approve("b", NOW, "e1"),
        ev("member.joined", "b", NOW + timedelta(minutes=1), "j2", channel="added",
           inviter=wx("lin")),
        ev("member.joined", "c", NOW + timedelta(minutes=2), "j3", channel="link"),
    ):  # fmt: skip
        record(store, [batch])
    assert steps(store) == [(wx("lin"), "pull_in", "reminder")]
    record(store, [ev("message.posted", "kim", NOW + timedelta(minutes=3), "m1",
                      text=MEETUP_EN)])  # fmt: skip
    assert steps(store)[-1] == (wx("kim"), "activity", "reminder")
    record(store, [ev("activity.reported", "kim", NOW + timedelta(minutes=4), "r1"),
                   ev("message.posted", "kim", NOW + timedelta(minutes=5), "m2",
                      text=MEETUP_EN)])  # fmt: skip
    assert len(steps(store)) == 2
    with store.transaction() as conn:
        said = [a["payload"] for a in pending(conn) if a["kind"] == "message.send"]
    steps_said = [(p["template"], p["rule"]) for p in said if "rule" in p]
    assert steps_said == [("moderation_reminder", "pull_in"), ("moderation_reminder", "activity")]
