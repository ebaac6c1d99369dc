"""Sharing sessions (P-ENG-2, seed 003): the timeline as pure decisions, then planned, moved,
cancelled, held and summarized through a real store, and carried out by the worker on a
fake clock — nothing sent twice however often it is planned or ticked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.engagement.sessions import (
    ask,
    cancel_session,
    close_sessions,
    plan_session,
    reschedule,
    summarize,
)
from shequn.engine.engagement.timeline import decide_plan, timeline
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.events import Event
from shequn.store.outbox import list_actions
from tests.engagement_helpers import START, plan
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.worker_helpers import FakeClock, Scripted, worker

# -- pure -----------------------------------------------------------------------------------


def test_the_timeline_follows_the_seed_defaults():
    bp = blueprint(group("main"))
    steps = [(a.kind, a.payload.get("template"), a.due_at) for a in timeline(bp, plan(), T0)]
    assert steps == [
        ("message.send", "session_announce", START - timedelta(days=3)),
        ("message.send", "session_collect", START - timedelta(days=2)),
        ("message.send", "session_warmup", START - timedelta(hours=2)),
        ("message.send", "session_start", START),
        ("session.summarize", None, START + timedelta(hours=1)),
    ]
    announce = timeline(bp, plan(), T0)[0].payload
    assert announce["starts_at"] == "2026-05-08 10:00" and announce["speaker"] == "lin"


def test_a_late_plan_sends_the_passed_steps_at_once_and_refuses_the_past():
    bp = blueprint(group("main"))
    now = START - timedelta(days=1)
    dues = [a.due_at for a in timeline(bp, plan(), now)]
    assert dues == [now, now, START - timedelta(hours=2), START, START + timedelta(hours=1)]
    with pytest.raises(Conflict):
        decide_plan(bp, plan(), START, None)


def test_blueprint_figures_change_the_timeline():
    extra = "[engagement.sessions]\nannounce_days_before = 5\nwarmup_hours_before = 0\n"
    bp = blueprint(group("main"), extra=extra)
    templates = [a.payload.get("template") for a in timeline(bp, plan(), T0)]
    assert templates == ["session_announce", "session_collect", "session_start", None]
    assert timeline(bp, plan(), T0)[0].due_at == START - timedelta(days=5)


# -- through the store ----------------------------------------------------------------------


def _timeline(store, status: str | None = None) -> list[tuple[str, str | None, str]]:
    with store.transaction() as conn:
        rows = list_actions(conn, community=COMMUNITY, status=status, limit=1000)
    return [(r["kind"], r["payload"].get("template"), r["status"]) for r in rows]


def test_planning_twice_queues_one_timeline(store):
    loaded(store, group("main"))
    first, new = plan_session(store, COMMUNITY, "main", title="读书", starts_at=START, now=T0)
    again, new_again = plan_session(store, COMMUNITY, "main", title="读书", starts_at=START, now=T0)
    assert (new, new_again) == (True, False)
    assert first == again and first.session == "main-20260508-1000"
    assert len(_timeline(store)) == 5


def test_moving_and_cancelling_act_on_the_pending_steps(store):
    loaded(store, group("main"))
    s, _ = plan_session(store, COMMUNITY, "main", title="读书", starts_at=START, now=T0)
    later = START + timedelta(days=1)
    moved = reschedule(store, COMMUNITY, s.session, later, now=T0)
    reschedule(store, COMMUNITY, s.session, later, now=T0)  # the same move again: nothing
    assert moved.starts_at == later
    statuses = [st for _, _, st in _timeline(store, None)]
    assert statuses.count("cancelled") == 5 and statuses.count("pending") == 5
    assert not any(t == "session_moved" for _, t, _ in _timeline(store))  # nobody heard yet
    off = cancel_session(store, COMMUNITY, s.session, reason="讲者生病", now=T0)
    assert off.status == "cancelled" and _timeline(store, "pending") == []
    assert cancel_session(store, COMMUNITY, s.session, now=T0).status == "cancelled"
    with pytest.raises(Conflict):
        reschedule(store, COMMUNITY, s.session, START, now=T0)


def test_the_whole_timeline_on_a_fake_clock_sends_each_step_once(store):
    loaded(store, group("main"))
    members = [wx(n) for n in ("amy", "bo", "cy")]
    joins = [
        Event("member.joined", T0, COMMUNITY, "bot", f"j{i}", group="main", actor=m)
        for i, m in enumerate(members)
    ]
    record(store, joins)
    s, _ = plan_session(
        store, COMMUNITY, "main", title="读书", starts_at=START, speaker=wx("lin"), now=T0
    )
    clock = FakeClock(T0)
    connector = Scripted(clock=clock)
    w = worker(store, connector, clock, ticks=True)

    def run_until(at):
        clock.t = at
        w.run(once=True)
        w.run(once=True)  # ticking twice changes nothing

    run_until(START - timedelta(days=3))
    assert ask(store, COMMUNITY, s.session, wx("bo"), "怎么坚持？", source="api:1", ref="q1")
    assert not ask(store, COMMUNITY, s.session, wx("bo"), "怎么坚持？", source="api:1", ref="q1")
    run_until(START - timedelta(days=2))
    # the group heard of it: a move now tells the group
    s = reschedule(store, COMMUNITY, s.session, START + timedelta(hours=1), now=clock.t)
    start = s.starts_at
    run_until(start - timedelta(hours=2))
    run_until(start)
    talk = Event(
        "message.posted", start + timedelta(minutes=5), COMMUNITY, "bot", "m1",
        group="main", actor=wx("amy"),
    )  # fmt: skip
    record(store, [talk])
    run_until(s.ends_at)
    sent = [c.payload.get("template") for c in connector.calls]
    assert sent == [
        "session_announce",
        "session_collect",
        "session_moved",
        "session_warmup",
        "session_start",
    ]
    assert close_sessions(store, COMMUNITY, s.ends_at) == 0  # the tick closed it already
    with store.transaction() as conn:
        from shequn.store.engagement import get_session

        held = get_session(conn, COMMUNITY, s.session)
    assert held is not None and (held.status, held.attendees, held.questions) == ("held", 1, 1)
    assert ("session.summarize", None, "review") in _timeline(store)  # an operator task
    assert summarize(store, COMMUNITY, s.session, "三个方法", now=clock.t) == 3
    assert summarize(store, COMMUNITY, s.session, "三个方法", now=clock.t) == 0
    run_until(clock.t + timedelta(minutes=1))
    private = [c.payload["to"] for c in connector.calls if c.payload.get("to")]
    assert sorted(private) == members


def test_rebuild_reproduces_the_sessions(store):
    from shequn.store.rebuild import rebuild, snapshot

    loaded(store, group("main"))
    a, _ = plan_session(store, COMMUNITY, "main", title="一", starts_at=START, now=T0)
    b, _ = plan_session(
        store, COMMUNITY, "main", title="二", starts_at=START + timedelta(days=1), now=T0
    )
    reschedule(store, COMMUNITY, a.session, START + timedelta(hours=3), now=T0)
    cancel_session(store, COMMUNITY, b.session, now=T0)
    ask(store, COMMUNITY, a.session, wx("amy"), "问题", source="api:1", ref="q")
    close_sessions(store, COMMUNITY, START + timedelta(days=2))
    with store.transaction() as conn:
        live = snapshot(conn)
    assert len(live["sessions"]) == 2
    rebuild(store)
    with store.transaction() as conn:
        assert snapshot(conn) == live
