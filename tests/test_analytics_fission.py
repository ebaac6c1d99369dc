"""Referral trees, the inviter leaderboard, campaign K-factor, channel cost and commission, on
hand-built logs; expected values worked out by hand.

Day 0 is 2026-01-01 (Asia/Shanghai), a Thursday: days 0-3 are in the week of 2025-12-29,
days 4-10 in the week of 2026-01-05.
"""

from __future__ import annotations

from datetime import date

from shequn.analytics.fission import (
    ReferralForest,
    ReferralTree,
    campaign_k_factor,
    referral_leaderboard,
    referral_tree,
    walk,
)
from shequn.analytics.fission_costs import channel_cost, commission
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, leave, post

W = "wechat:"


def invite(inviter: str, invitee: str, *, day: float, **data):
    return event("member.invited", inviter, day=day, subject=invitee, **data)


def flag(invitee: str, inviter: str, case: str, outcome: str, *, day: float):
    return event("referral.flagged", None, day=day, group=None, subject=invitee, case=case,
                 inviter=W + inviter, score=80, reasons=["burst"], outcome=outcome)  # fmt: skip


def review(invitee: str, case: str, verdict: str, *, day: float):
    return event("referral.reviewed", None, day=day, group=None, subject=invitee, case=case,
                 verdict=verdict)  # fmt: skip


def pay(who: str, amount: float, *, day: float, **data):
    return event("payment.made", who, day=day, group=None, amount=amount, **data)


def reward(kind: str, who: str, campaign: str, tier: int, *, day: float):
    return event(f"reward.{kind}", None, day=day, group=None, subject=who, campaign=campaign,
                 tier=tier, **({"reason": "left"} if kind == "revoked" else {}))  # fmt: skip


def earned(agent: str, amount: float, level: int, payment: str, *, day: float):
    return event("commission.earned", None, day=day, group=None, subject=agent, amount=amount,
                 level=level, payment=payment)  # fmt: skip


FOREST = [
    join("a", day=0),
    invite("a", "b", day=1),
    join("b", day=1),
    join("c", day=2, inviter=W + "b"),
    join("d", day=2, inviter=W + "b"),
    join("e", day=3, inviter=W + "c"),
    invite("b", "a", day=5),  # the ring: a joined before b, so b cannot have brought a
    join("x", day=0),
    join("y", day=4, inviter=W + "x"),
    join("f", day=3, inviter=W + "x"),
    flag("f", "x", "case-f", "blocked", day=3),  # blocked: f is nobody's invitee
    join("g", day=3, inviter=W + "x"),
    flag("g", "x", "case-g", "review", day=3),
    review("g", "case-g", "overturned", day=4),  # overturned: counts
    join("h", day=5, inviter=W + "y"),
    flag("h", "y", "case-h", "review", day=5),  # under review: counts until upheld
    join("k", day=5, inviter=W + "y"),
    flag("k", "y", "case-k", "review", day=5),
    review("k", "case-k", "upheld", day=6),  # upheld: does not count
    join("z", day=0),  # a loner
    join("s", day=4, inviter=W + "s"),  # a self-invite brings nobody
    invite("a", "q", day=5),  # q never joins
]


def test_referral_tree_with_a_ring_and_fraud_cases(replica_of):
    con = replica_of(FOREST)
    forest = referral_tree(con, Scope(COMMUNITY))
    assert [(t.root, t.size, t.depth, t.branching) for t in forest.trees] == [
        (W + "a", 4, 3, 1.3333),  # a > b > {c > e, d}: 4 below, 3 of them bring someone
        (W + "x", 3, 2, 1.5),  # x > {y > h, g}; f blocked, k upheld
    ]
    # members a b c d e x y f g h k z s; referred b c d e y g h
    assert (forest.members, forest.referred, forest.roots, forest.max_depth) == (13, 7, 2, 3)
    assert forest.referral_share == 0.5385
    top = referral_tree(con, Scope(COMMUNITY), top=1)
    assert [t.root for t in top.trees] == [W + "a"] and top.roots == 2


def test_a_pure_ring_of_joins_terminates(replica_of):
    # m and n each claim the other as inviter; the one who joined first is the root
    con = replica_of(
        [
            join("m", day=0, inviter=W + "n"),
            join("n", day=1, inviter=W + "m"),
            join("o", day=1, hour=13, inviter=W + "n"),
            join("m", day=2, group="h", inviter=W + "o"),  # re-join elsewhere, same credit
        ]
    )
    forest = referral_tree(con, Scope(COMMUNITY))
    assert [(t.root, t.size, t.depth) for t in forest.trees] == [(W + "m", 2, 2)]
    assert (forest.members, forest.referred, forest.roots) == (3, 2, 1)


LEADERS = [
    join("a", day=0),
    join("x", day=0),
    invite("a", "b", day=1, campaign="spring"),
    join("b", day=1),
    post("b", day=2),  # activated
    pay("b", 100, day=3),  # paid
    invite("a", "c", day=1, campaign="spring"),
    join("c", day=2),
    leave("c", day=5),  # no longer a member
    post("c", day=9),  # day 7 after joining: too late to activate
    join("d", day=2, inviter=W + "a"),  # no campaign
    pay("d", 50, day=3),
    event("payment.refunded", "d", day=4, group=None, amount=50),  # net 0: not paid
    join("e", day=3, inviter=W + "x", campaign="spring"),
    post("e", day=3),  # activated
    join("f", day=3, inviter=W + "x"),
    flag("f", "x", "c1", "blocked", day=3),
    invite("x", "g", day=4),
    join("g", day=4),
    post("g", day=5),  # activated
    flag("g", "x", "c2", "review", day=4),
    review("g", "c2", "overturned", day=6),
    reward("granted", "a", "spring", 2, day=3),
    reward("granted", "a", "spring", 3, day=4),
    reward("revoked", "a", "spring", 3, day=5),
    reward("granted", "x", "autumn", 1, day=4),
    earned("a", 10, 1, "p1", day=3),
    earned("a", 2, 2, "p2", day=4),
    invite("w", "q", day=8, campaign="spring"),  # w takes part; q never joins
    post("z", day=10),  # as-of day: day 10
]


def test_referral_leaderboard(replica_of):
    con = replica_of(LEADERS)

    def rows(**kw):
        return [(r.inviter, r.invitees, r.still_members, r.paid, r.rewards, r.commission,
                 r.flagged) for r in referral_leaderboard(con, **kw)]  # fmt: skip

    assert rows(scope=Scope(COMMUNITY)) == [
        (W + "a", 3, 2, 1, 1, 12.0, 0),  # b c d; c left; b paid; tier 3 revoked
        (W + "x", 2, 2, 0, 1, 0.0, 2),  # e g (f blocked); cases c1 c2
    ]
    assert rows(scope=Scope(COMMUNITY), campaign="spring") == [
        (W + "a", 2, 1, 1, 1, 12.0, 0),  # b c
        (W + "x", 1, 1, 0, 0, 0.0, 2),  # e; the autumn reward is another campaign's
    ]
    assert rows(scope=Scope(COMMUNITY), top=1) == [(W + "a", 3, 2, 1, 1, 12.0, 0)]
    # from day 4: a's invitees joined earlier and a has no case then, so a is not listed
    assert rows(scope=Scope(COMMUNITY, since=date(2026, 1, 5))) == [
        (W + "x", 1, 1, 0, 1, 0.0, 1),  # g (f blocked, e earlier); the autumn reward; case c2
    ]


def test_campaign_k_factor(replica_of):
    con = replica_of(LEADERS)
    got = [
        (c.campaign, c.participants, c.invitees, c.activated, c.invitees_per_participant,
         c.conversion, c.k, [(w.week_start, w.participants, w.invitees, w.activated, w.k)
                             for w in c.weeks])
        for c in campaign_k_factor(con, Scope(COMMUNITY))
    ]  # fmt: skip
    assert got == [
        # a brought d (day 2), x brought g (day 4, activated)
        ("(none)", 2, 2, 1, 1.0, 0.5, 0.5,
         [(date(2025, 12, 29), 1, 1, 0, 0.0), (date(2026, 1, 5), 1, 1, 1, 1.0)]),
        # a brought b (activated) and c; x brought e (activated); w brought nobody
        ("spring", 3, 3, 2, 1.0, 0.6667, 0.6667,
         [(date(2025, 12, 29), 2, 3, 2, 1.0), (date(2026, 1, 5), 1, 0, 0, 0.0)]),
    ]  # fmt: skip


BLUEPRINT = {
    "channels": [
        {"name": "qr", "kind": "free", "cost_per_member": 2.5},
        {"name": "ad", "kind": "paid", "cost_per_member": 10},
        {"name": "offline", "kind": "offline", "cost_per_member": 0},
    ]
}


def test_channel_cost(replica_of):
    con = replica_of(
        [
            join("a", day=0, channel="qr"),
            post("a", day=22),  # retained (week 4 = days 21-27)
            join("b", day=0, channel="qr"),
            join("c", day=0, channel="ad"),
            post("c", day=25),  # retained
            join("d", day=1, channel="poster"),  # not in the blueprint
            join("e", day=40, channel="ad"),  # week 4 not over by the as-of day
            post("e", day=45),
        ],
        blueprint=BLUEPRINT,
    )
    got = [(c.channel, c.acquired, c.retention_base, c.retained, c.cost_per_member, c.cost,
            c.per_acquired, c.per_retained)
           for c in channel_cost(con, Scope(COMMUNITY))]  # fmt: skip
    assert got == [
        ("ad", 2, 1, 1, 10.0, 20.0, 10.0, 10.0),  # c judged and retained
        ("qr", 2, 2, 1, 2.5, 5.0, 2.5, 5.0),  # 2 judged cost 5.0, 1 stayed
        ("poster", 1, 1, 0, None, None, None, None),
        ("offline", 0, 0, 0, 0.0, 0.0, None, None),
    ]


def test_commission(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("b", day=0, group="h"),
            pay("c", 100, day=1, ref="p1"),
            pay("d", 30, day=2, ref="p2"),
            earned("a", 10, 1, "p1", day=1),
            earned("b", 4, 2, "p1", day=1),
            earned("a", 3, 2, "p2", day=2),
            earned("a", 5, 1, "p3", day=12),  # p3 is not in the log
        ]
    )
    got = [(c.agent, c.level1, c.level2, c.total, c.payments, c.paid)
           for c in commission(con, Scope(COMMUNITY))]  # fmt: skip
    assert got == [
        (W + "a", 15.0, 3.0, 18.0, ["p1", "p2", "p3"], 130.0),
        (W + "b", 0.0, 4.0, 4.0, ["p1"], 100.0),
    ]
    early = commission(con, Scope(COMMUNITY, until=date(2026, 1, 6)))
    assert [(c.agent, c.total, c.payments) for c in early] == [
        (W + "a", 13.0, ["p1", "p2"]),
        (W + "b", 4.0, ["p1"]),
    ]
    assert [c.agent for c in commission(con, Scope(COMMUNITY, group="h"))] == [W + "b"]


def test_empty_scope(replica_of):
    con = replica_of([join("a", day=0)])
    nobody = Scope(COMMUNITY, group="nobody")
    assert referral_tree(con, nobody) == ReferralForest([], 0, 0, 0, 0, None)
    assert referral_leaderboard(con, nobody) == []
    assert campaign_k_factor(con, nobody) == []
    assert channel_cost(con, nobody) == []
    assert commission(con, nobody) == []
    alone = referral_tree(con, Scope(COMMUNITY))
    assert (alone.trees, alone.members, alone.referred, alone.referral_share) == ([], 1, 0, 0.0)


def test_the_walk_measures_each_tree_below_its_root_and_stops_at_the_cap() -> None:
    # a → b → c → d, a → e; x → y; z invited nobody and is nobody's root
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "e"), ("x", "y")]
    assert walk(edges) == [
        ReferralTree("a", size=4, depth=3, branching=round(4 / 3, 4)),  # a, b, c bring someone
        ReferralTree("x", size=1, depth=1, branching=1.0),
    ]
    # two levels at most: d is not reached, and c (whose invitee is beyond) brought no one seen
    assert walk(edges, cap=2)[0] == ReferralTree("a", size=3, depth=2, branching=1.5)
