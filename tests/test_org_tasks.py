"""Key members and small tasks (P-ORG-2, seed 002): candidates ranked by the key-behaviour
score, a task given privately, done by behaviour or by hand, reminded once when overdue, and
the promotion it leads to — proposed to a manager by default, automatic when asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.organization_levels import standings
from shequn.engine.organization_rules import candidates, decide_progress
from shequn.engine.organization_tasks import (
    assign,
    complete,
    key_members,
    list_tasks,
    progress_tick,
)
from shequn.engine.record import record
from shequn.errors import Conflict, InvalidEvent
from shequn.model.org_facts import Facts
from shequn.model.org_state import OrgState, OrgTask, Standing
from shequn.store.outbox import list_actions
from shequn.store.tasks import list_tasks as operator_tasks
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.org_helpers import busy_member, ev


def _facts(**scores: int) -> dict[str, Facts]:
    out = {}
    for name, answers in scores.items():
        f = Facts()
        f.counts["answer"] = answers
        out[wx(name)] = f
    return out


def test_candidates_rank_by_score_and_skip_the_top_level_and_the_busy():
    bp = blueprint(group("main"))
    task = OrgTask("t1", wx("busy"), "x", T0, T0 + timedelta(days=7))
    state = OrgState({wx("top"): Standing(level=3)}, tasks={"t1": task})
    facts = _facts(lin=2, amy=5, top=9, busy=9, idle=0)
    assert [(m, s) for m, s, _ in candidates(bp, state, facts)] == [
        (wx("amy"), 25.0),
        (wx("lin"), 10.0),
    ]
    assert candidates(bp, state, facts)[0][2] == {"answer": 5}


def test_an_overdue_task_is_reminded_at_its_due_time_only():
    bp = blueprint(group("main"))
    task = OrgTask("t1", wx("lin"), "x", T0, T0 + timedelta(days=7), "answer", 5)
    state = OrgState(tasks={"t1": task})
    assert not decide_progress(bp, state, {"t1": 4}, T0 + timedelta(days=6))
    late = decide_progress(bp, state, {"t1": 4}, T0 + timedelta(days=8))
    assert [a.due_at for a in late.actions] == [T0 + timedelta(days=7)]  # one key, queued once
    done = decide_progress(bp, state, {"t1": 5}, T0 + timedelta(days=8))
    assert [e.data["reason"] for e in done.events] == ["answer 5/5"] and not done.actions


def test_a_task_done_by_behaviour_is_proposed_to_a_manager(store):
    loaded(store, group("main"))
    record(store, busy_member("lin", 3, T0 - timedelta(days=3)))
    (top,) = key_members(store, COMMUNITY, now=T0)
    assert (top["member"], top["evidence"]) == (wx("lin"), {"answer": 3, "reply": 3})
    task = assign(
        store,
        COMMUNITY,
        wx("lin"),
        "回答 2 个新人提问",
        done_when="answer",
        count=2,
        promote_to=2,
        now=T0,
    )
    with pytest.raises(InvalidEvent):
        assign(store, COMMUNITY, wx("lin"), "x", done_when="dance", now=T0)
    assert progress_tick(store, COMMUNITY, T0 + timedelta(hours=1)) == 0  # answers before it
    record(store, busy_member("lin", 2, T0 + timedelta(days=1))[2:])
    assert progress_tick(store, COMMUNITY, T0 + timedelta(days=3)) == 1
    assert progress_tick(store, COMMUNITY, T0 + timedelta(days=3, hours=1)) == 0
    (row,) = list_tasks(store, COMMUNITY)
    assert row["task"] == task.task and row["done_at"] is not None
    with store.transaction() as conn:
        (proposal,) = operator_tasks(conn, COMMUNITY)
        sent = list_actions(conn, community=COMMUNITY, limit=20)
    assert "shequn levels grant wechat:lin 2" in proposal["instruction"]
    assert [a["payload"]["template"] for a in sent] == ["task_offered"]
    assert sent[0]["payload"]["due"] == "2026-05-08 10:00"  # Shanghai time
    assert standings(store, COMMUNITY) == []  # proposed, not promoted


def test_auto_promotion_and_a_task_ticked_by_hand(store):
    loaded(store, group("main"), extra='[organization.tasks]\npromote = "auto"\n')
    record(store, [ev("member.joined", T0, wx("lin"))])
    task = assign(store, COMMUNITY, wx("lin"), "主持一次分享", promote_to=1, now=T0)
    events = complete(store, COMMUNITY, task.task, operator=wx("boss"), now=T0)
    assert [(e.kind, e.actor) for e in events] == [
        ("orgtask.done", wx("boss")),
        ("level.changed", None),
    ]
    with pytest.raises(Conflict):
        complete(store, COMMUNITY, task.task, now=T0)
    assert [r["level"] for r in standings(store, COMMUNITY)] == [1]
