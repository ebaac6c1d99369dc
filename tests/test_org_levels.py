"""Levels and core-figure tags (P-ORG-1): the facts as a pure fold shared with the key
behaviour leaders, the level rules as pure decisions, then evaluation, grants, locks and tags
through a real store and the worker's tick."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from shequn.engine.organization_levels import (
    evaluate,
    grant_level,
    lock_level,
    set_tag,
    standings,
)
from shequn.engine.organization_rules import assess, decide_all, decide_level
from shequn.engine.record import record
from shequn.errors import Conflict, InvalidEvent
from shequn.model.org_facts import Facts, fold_facts
from shequn.model.org_state import OrgState, Standing, fold_org
from shequn.model.writers import may_write
from shequn.store.org_queries import org_events
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.org_helpers import busy_member, ev

TZ = ZoneInfo("Asia/Shanghai")


def _facts(events, owner_of=None, since=T0):  # type: ignore[no-untyped-def]
    targets = {
        (e.source, e.source_ref): (e.actor, bool(e.data.get("is_question")))
        for e in events
        if e.kind == "message.posted"
    }
    return fold_facts(events, targets, owner_of or {}, since=since, tz=TZ)


# -- the facts --------------------------------------------------------------------------


def test_answers_replies_days_and_invitees_who_stayed_are_counted_once():
    events = busy_member("lin", 3)
    stay, gone = wx("stay"), wx("gone")
    events += [
        ev("member.invited", T0, wx("lin"), subject=stay),
        ev("member.joined", T0 + timedelta(hours=1), stay, inviter=wx("lin")),  # same invitee
        ev("member.joined", T0, gone, inviter=wx("lin")),
        ev("member.left", T0 + timedelta(days=2), gone),  # left within 30 days: not counted
        ev("rule.violated", T0, wx("lin"), rule="advert"),
        ev("checkin.done", T0, wx("lin")),
    ]
    lin = _facts(events)[wx("lin")]
    assert (lin.get("answer"), lin.get("reply"), lin.active_days) == (3, 3, 3)
    assert (lin.get("invite"), lin.get("checkins"), len(lin.violated)) == (1, 1, 1)
    assert lin.score() == 3 * 5 + 3 * 2 + 8


def test_a_reply_to_oneself_counts_nothing_and_merged_identities_are_one_person():
    q = ev("message.posted", T0, wx("lin"), is_question=True)
    own = ev("message.posted", T0, wx("lin-phone"), reply_to=q.source_ref)
    facts = _facts([q, own], owner_of={wx("lin-phone"): wx("lin")})
    assert facts[wx("lin")].get("answer") == 0 and facts[wx("lin")].get("messages") == 2


# -- the rules ----------------------------------------------------------------------------


def _with(**counts: int) -> Facts:
    f = Facts()
    f.days = {(T0 + timedelta(days=d)).date() for d in range(counts.pop("days", 0))}
    f.counts.update(counts)
    return f


def test_a_level_needs_every_rung_below_it():
    org = blueprint(group("main")).organization
    inviter = _with(days=25, answer=20, invite=5)  # no replies: stuck below level 1
    assert assess(org, inviter, 100, T0).level == 0
    assert "reply 0/3" in assess(org, inviter, 100, T0).lacking
    steady = _with(days=12, reply=12, answer=4)
    got = assess(org, steady, 40, T0)
    assert (got.level, got.lacking) == (
        2,
        ["active_days 12/20", "answer 4/10", "invite 0/2", "tenure_days 40/60"],
    )


def test_a_recent_violation_holds_a_member_back():
    org = blueprint(group("main")).organization
    f = _with(days=12, reply=12, answer=4)
    f.violated.append(T0 - timedelta(days=3))
    assert assess(org, f, 40, T0).level == 1
    assert assess(org, f, 40, T0 + timedelta(days=31)).level == 2


def test_promotion_tells_the_member_and_demotion_waits_for_the_hold():
    bp = blueprint(group("main"))
    up = decide_level(bp, wx("lin"), OrgState(), _with(days=5, reply=3), 10, T0)
    assert [(e.kind, e.data["level"], e.source) for e in up.events] == [
        ("level.changed", 1, "engine")
    ]
    assert up.events[0].data["reason"] == "met active_days 5/4, reply 3/3, tenure_days 10/7"
    assert up.actions[0].payload == {"template": "level_up", "to": wx("lin"), "level": "活跃成员"}
    state = OrgState({wx("lin"): Standing(level=1, since=T0)})
    assert not decide_level(bp, wx("lin"), state, Facts(), 10, T0 + timedelta(days=29))
    down = decide_level(bp, wx("lin"), state, Facts(), 10, T0 + timedelta(days=30))
    assert [(e.data["level"], e.data["was"]) for e in down.events] == [(0, 1)]
    assert down.actions == []  # nobody is messaged about a demotion
    locked = OrgState({wx("lin"): Standing(level=1, since=T0, locked=True)})
    assert not decide_level(bp, wx("lin"), locked, Facts(), 10, T0 + timedelta(days=90))


def test_tags_by_rule_are_given_once_and_never_taken_by_rule():
    bp = blueprint(group("main"), extra="[organization]\nfission_agent_invitees = 2\n")
    facts = {wx("pay"): _with(payments=1), wx("fis"): _with(invite=2), wx("no"): _with(invite=1)}
    d = decide_all(bp, OrgState(), facts, {}, T0)
    assert sorted((e.subject, e.data["tag"]) for e in d.events) == [
        (wx("fis"), "fission_agent"),
        (wx("pay"), "payer"),
    ]
    state = fold_org(d.events)
    assert not decide_all(bp, state, facts, {}, T0 + timedelta(hours=1))
    assert not decide_all(bp, state, {}, {}, T0 + timedelta(days=400))


def test_the_hand_that_writes_a_level_is_part_of_its_kind():
    assert not may_write("group_leader", "level.changed")
    assert not may_write("group_leader", "level.granted")
    assert not may_write("manager", "level.granted")
    assert not may_write("manager", "tag.changed")
    assert may_write("owner", "level.granted")


# -- through the store --------------------------------------------------------------------


def test_evaluation_promotes_once_records_the_reason_and_queues_the_note(store):
    loaded(store, group("main"))
    record(store, busy_member("lin", 12, T0 - timedelta(days=12)) + busy_member("bo", 2))
    now = T0 + timedelta(days=3)  # lin: 12 active days, 15 days' tenure; bo: 3 days' tenure
    preview = evaluate(store, COMMUNITY, now=now, dry_run=True)
    assert [(e.subject, e.data["level"]) for e in preview] == [(wx("lin"), 1)]
    with store.transaction() as conn:
        assert org_events(conn, COMMUNITY) == []  # a dry run records nothing
    first = evaluate(store, COMMUNITY, now=now)
    again = evaluate(store, COMMUNITY, now=now + timedelta(minutes=5))
    assert len(first) == 1 and again == []
    rows = standings(store, COMMUNITY, now=now)
    assert [(r["member"], r["level"], r["name"]) for r in rows] == [(wx("lin"), 1, "活跃成员")]
    with store.transaction() as conn:
        sent = list_actions(conn, community=COMMUNITY, limit=100)
    assert [(a["payload"]["template"], a["payload"]["to"]) for a in sent] == [
        ("level_up", wx("lin"))
    ]


def test_grants_locks_and_tags_by_hand(store):
    loaded(store, group("main"))
    record(store, busy_member("lin", 1))
    events = grant_level(
        store, COMMUNITY, wx("lin"), 2, reason="班长推荐", operator=wx("boss"), now=T0
    )
    assert [e.kind for e in events] == ["level.granted", "level.locked"]
    assert evaluate(store, COMMUNITY, now=T0 + timedelta(days=60)) == []  # locked: kept
    with pytest.raises(Conflict):
        grant_level(store, COMMUNITY, wx("lin"), 2, reason="", now=T0)
    with pytest.raises(InvalidEvent):
        grant_level(store, COMMUNITY, wx("lin"), 9, reason="", now=T0)
    lock_level(store, COMMUNITY, wx("lin"), False, now=T0 + timedelta(days=1))
    down = evaluate(store, COMMUNITY, now=T0 + timedelta(days=60))
    assert [(e.kind, e.data["level"]) for e in down] == [("level.changed", 0)]
    set_tag(store, COMMUNITY, wx("lin"), "partner", True, now=T0)
    with pytest.raises(Conflict):
        set_tag(store, COMMUNITY, wx("lin"), "partner", True, now=T0)
    with pytest.raises(InvalidEvent):
        set_tag(store, COMMUNITY, wx("lin"), "king", True, now=T0)
    (row,) = standings(store, COMMUNITY, now=T0 + timedelta(days=60))
    assert (row["level"], row["locked"], row["tags"]) == (0, False, ["partner"])
