"""Key behaviour leaders on hand-built logs; scores worked out by hand from the definitions
(answer 5, reply 2, link 3, forward 2, invite-who-stayed 8, reaction received 1, given 0.5)."""

from __future__ import annotations

import pytest

from shequn.analytics.leaders import key_behaviour_leaders, promotion_candidates
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, kept, leave, merge, post


def role(who: str, new_role: str, *, day: float, group: str | None = "g"):
    return event("role.changed", None, day=day, group=group, subject=who, role=new_role)


def behaviour_log():
    return [
        post("a", day=0, ref="q1", is_question=True),
        post("b", day=0, hour=13, ref="b1", reply_to="q1"),  # b: answer
        post("c", day=0, hour=14, reply_to="q1"),  # c: answer
        post("a", day=0, hour=15, reply_to="b1"),  # a: reply (b1 is no question)
        post("a", day=0, hour=16, reply_to="q1"),  # own message: nothing
        post("b", day=1, has_link=True),  # b: link
        event("content.shared", "c", day=1, url="https://x.example"),  # c: link
        event("content.forwarded", "c", day=1, to="moments"),  # c: forward
        post("d", day=1, forwarded_from="channel:news"),  # d: forward
        event("message.reacted", "d", day=2, subject="a", message="q1"),  # d given, a received
        event("message.reacted", "a", day=2, subject="a", message="q1"),  # own: nothing
        event("message.reacted", "c", day=2, message="b1"),  # author via b1: c given, b got
        event("member.invited", "a", day=2, subject="e"),
        join("e", day=2),  # stays: a gets an invite
        join("f", day=3, inviter="wechat:b", channel="invite"),
        leave("f", day=5),  # f stayed 2 days < 30: nothing for b
        role("a", "manager", day=3),  # a: role in g
        role("b", "manager", day=3, group="h"),  # b's role is in another group
        role("c", "group_leader", day=3, group=None),
        role("c", "member", day=4, group=None),  # c: demoted again, no role
    ]


def test_scores_evidence_roles(replica_of):
    con = replica_of(behaviour_log())
    leaders = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=None)
    got = [(x.person, x.score, x.rank, x.evidence, x.has_role) for x in leaders]
    assert got == [
        # a: reply 2 + reaction received 1 + invite 8 = 11
        ("wechat:a", 11.0, 1, {"reply": 1, "invite": 1, "reaction_received": 1}, True),
        # c: answer 5 + link 3 + forward 2 + reaction given 0.5 = 10.5
        (
            "wechat:c",
            10.5,
            2,
            {"answer": 1, "link": 1, "forward": 1, "reaction_given": 1},
            False,
        ),
        # b: answer 5 + link 3 + reaction received 1 = 9
        ("wechat:b", 9.0, 3, {"answer": 1, "link": 1, "reaction_received": 1}, False),
        # d: forward 2 + reaction given 0.5 = 2.5
        ("wechat:d", 2.5, 4, {"forward": 1, "reaction_given": 1}, False),
    ]
    assert {x.group for x in leaders} == {"g"}
    candidates = promotion_candidates(con, Scope(COMMUNITY), half_life_days=None)
    assert [(x.person, x.rank) for x in candidates] == [
        ("wechat:c", 2),
        ("wechat:b", 3),
        ("wechat:d", 4),
    ]
    # only the top 2 are considered: a has a role, so c alone
    top2 = promotion_candidates(con, Scope(COMMUNITY), top=2, half_life_days=None)
    assert [x.person for x in top2] == ["wechat:c"]


def test_decay_and_weights(replica_of):
    con = replica_of(
        [
            post("a", day=0, ref="q1", is_question=True),
            post("b", day=0, reply_to="q1"),  # day 0 12:00
            post("z", day=30),  # as-of day is day 30: ages are taken at day 31 00:00
        ]
    )
    # age of b's answer: 30.5 days; with H = 30.5 it is worth half: 5 × 0.5 = 2.5
    [b] = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=30.5)
    assert (b.person, b.score, b.evidence) == ("wechat:b", 2.5, {"answer": 1})
    [b] = key_behaviour_leaders(con, Scope(COMMUNITY))  # default H = 30
    assert b.score == round(5 * 0.5 ** (30.5 / 30), 4)
    [b] = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=30.5, weights={"answer": 8})
    assert b.score == 4.0  # 8 × 0.5; the other weights keep their defaults
    with pytest.raises(ValueError, match="unknown behaviour"):
        key_behaviour_leaders(con, Scope(COMMUNITY), weights={"chatting": 1})


def test_invitees_who_stay_leave_and_rejoin(replica_of):
    con = replica_of(
        [
            join("f", day=0, inviter="wechat:b"),
            leave("f", day=40),  # stayed 40 days ≥ 30: counts
            event("member.invited", "b", day=0, subject="r"),
            join("r", day=0),
            leave("r", day=2),  # left after 2 days ...
            join("r", day=10),  # ... but came back: a member again, counts
            event("member.invited", "c", day=0, subject="x"),
            join("x", day=0),
            leave("x", day=3),  # gone after 3 days: nothing for c
            post("z", day=45),
        ]
    )
    [b] = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=None)
    assert (b.person, b.score, b.evidence) == ("wechat:b", 16.0, {"invite": 2})
    # with a 50-day stay rule f no longer counts; r (back in the group) still does
    [b] = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=None, invite_stay_days=50)
    assert (b.score, b.evidence) == (8.0, {"invite": 1})


def test_merged_identities_count_once(replica_of):
    con = replica_of(
        [
            post("x", day=0, ref="q1", is_question=True),
            post("a", day=0, ref="am"),
            post("a2", day=0, hour=13, reply_to="am"),  # a replying to himself: nothing
            post("a2", day=0, hour=14, reply_to="q1"),  # answer
            post("a", day=0, hour=15, has_link=True),  # link
            merge("a", "a2"),
        ]
    )
    [a] = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=None)
    assert (a.person, a.score, a.evidence) == ("wechat:a", 8.0, {"answer": 1, "link": 1})


def test_groups_one_member_and_empty_scope(replica_of):
    assert key_behaviour_leaders(replica_of([]), Scope(COMMUNITY)) == []
    con = replica_of(
        [
            post("solo", day=0, group="h", has_link=True),
            post("solo", day=0, group="h", hour=13),
            post("a", day=0, ref="q1", is_question=True),
            post("b", day=0, reply_to="q1"),
        ]
    )
    only_h = key_behaviour_leaders(con, Scope(COMMUNITY, group="h"), half_life_days=None)
    assert [(x.group, x.person, x.score, x.rank) for x in only_h] == [("h", "wechat:solo", 3.0, 1)]
    both = key_behaviour_leaders(con, Scope(COMMUNITY), half_life_days=None)
    assert [(x.group, x.person, x.rank) for x in both] == [
        ("g", "wechat:b", 1),
        ("h", "wechat:solo", 1),
    ]


def test_promotion_candidates_read_the_leaders_ranking(replica_of, monkeypatch):
    from shequn.analytics import portable

    con = replica_of(behaviour_log())
    scope = Scope(COMMUNITY)

    def both(c):
        return key_behaviour_leaders(c, scope), promotion_candidates(c, scope)

    # through the replica's reused results: the candidates read the ranking the leaders kept
    shared = both(con)
    assert [x.person for x in shared[1]] == ["wechat:c", "wechat:b", "wechat:d"]
    assert kept(con, temporary=False, column="rank") == 1
    promotion_candidates(con, scope, top=2)  # other parameters rank anew
    assert kept(con, temporary=False, column="rank") == 2
    # a bare connection to the replica keeps its own (in memory): the same answers
    assert both(con.raw) == shared
    assert kept(con, temporary=True, column="rank") == 1
    # each metric ranking for itself, as on Spark: the same answers again
    monkeypatch.setattr(portable, "shared", lambda c, expr: expr)
    assert both(con.raw) == shared
