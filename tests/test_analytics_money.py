"""Camps, renewals, the ladder, revenue and acquisition cost; expected values worked out by hand.

Day 0 is 2026-01-01 (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import date

from shequn.analytics.camps import checkin_completion
from shequn.analytics.money import (
    AcquisitionCost,
    acquisition_cost,
    ladder_conversion,
    renewal_rate,
    revenue,
)
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, leave, merge, post


def checkin(who: str, *, on: float, n: int | None = None, hour: float = 12, group: str = "g",
            **data):  # fmt: skip
    """A check-in on local day ``on``; ``n`` is the camp's day number (``data.day``), which
    the shared ``event`` helper cannot set because its own ``day`` argument takes the name."""
    e = event("checkin.done", who, day=on, hour=hour, group=group, **data)
    if n is not None:
        e.data["day"] = n
    return e


def pay(who: str, amount: float, *, day: float = 1, group: str | None = None, **data):
    return event("payment.made", who, day=day, group=group, amount=amount, **data)


def refund(who: str, amount: float, *, day: float = 2, **data):
    return event("payment.refunded", who, day=day, group=None, amount=amount, **data)


def membership(kind: str, who: str, *, day: float, plan: str = "year", **data):
    return event(f"membership.{kind}", who, day=day, group=None, plan=plan, **data)


def test_checkin_completion(replica_of):
    con = replica_of(
        [
            *(checkin("u", on=n, n=n, camp="c1") for n in (1, 2, 3, 4, 5)),
            *(checkin("v", on=n, n=n, camp="c1") for n in (1, 2, 3, 4)),  # 4/5
            checkin("w", on=1, n=1, camp="c1"),
            checkin("w", on=1, n=1, hour=20, camp="c1"),  # same camp day twice
            # merged identities: one person, two days out of two
            checkin("m", on=1, n=1, camp="c2"),
            checkin("m2", on=2, n=2, camp="c2"),
            merge("m", "m2"),
            # no camp, no day number: the group is the camp, local dates number the days
            checkin("x", on=10, hour=23.5, group="solo"),
            checkin("x", on=11, hour=0.5, group="solo"),
            checkin("y", on=11, hour=0.5, group="solo"),  # 1 of 2 local days
        ]
    )
    got = [(c.camp, c.days, c.participants, c.completed, c.rate) for c in checkin_completion(
        con, Scope(COMMUNITY))]  # fmt: skip
    assert got == [
        ("c1", 5, 3, 2, 0.6667),  # u 5/5, v 4/5 = 80 %; w 1/5
        ("c2", 2, 1, 1, 1.0),
        ("solo", 2, 2, 1, 0.5),  # in UTC both check-ins would be one day, and y complete
    ]
    strict = checkin_completion(con, Scope(COMMUNITY), threshold=1.0)
    assert [(c.camp, c.completed) for c in strict] == [("c1", 1), ("c2", 1), ("solo", 1)]
    [solo] = checkin_completion(con, Scope(COMMUNITY, group="solo"))
    assert (solo.camp, solo.participants) == ("solo", 2)


RENEWALS = [
    membership("started", "p1", day=0, until="2026-01-31"),
    membership("renewed", "p1", day=25, until="2027-01-31"),  # renewed before the end
    membership("started", "p2", day=0, until="2026-01-20"),
    membership("ended", "p2", day=19),  # ended
    membership("started", "p3", day=0, until="2026-01-10"),  # lapsed: Feb 9 < as-of Feb 15
    membership("started", "p4", day=0, until="2026-02-10"),  # grace runs to Mar 12: pending
    membership("started", "p5", day=0, until="2026-03-31"),  # not due yet
    membership("started", "p6", day=0, plan="life"),  # lifetime: never due
    membership("started", "p7", day=0, until="2026-01-05T00:00:00+08:00"),
    membership("renewed", "p7", day=40, until="2027-02-10"),  # after Feb 4: a win-back
    post("z", day=45),  # as-of day: 2026-02-15
]


def test_renewal_rate(replica_of):
    con = replica_of(RENEWALS)
    got = [(r.plan, r.due, r.renewed, r.ended, r.pending, r.rate) for r in renewal_rate(
        con, Scope(COMMUNITY))]  # fmt: skip
    assert got == [("year", 5, 1, 3, 1, 0.25)]  # p1 renewed; p2, p3, p7 ended; p4 pending
    window = renewal_rate(con, Scope(COMMUNITY, since=date(2026, 1, 15)))
    assert [(r.due, r.renewed, r.ended, r.pending, r.rate) for r in window] == [(3, 1, 1, 1, 0.5)]


def test_renewal_in_a_group_and_merged(replica_of):
    con = replica_of(
        [
            join("q", day=0, group="solo"),
            membership("started", "q", day=0, until="2026-01-10"),
            membership("renewed", "q2", day=8, until="2026-02-10"),  # q2 is q
            merge("q", "q2"),
            membership("started", "r", day=0, until="2026-01-10"),  # not in group solo
            join("r", day=0),
            post("q", day=12, group="solo"),
        ]
    )
    got = [(r.due, r.renewed, r.ended, r.pending) for r in renewal_rate(
        con, Scope(COMMUNITY, group="solo"))]  # fmt: skip
    assert got == [(1, 1, 0, 0)]


def test_ladder_conversion(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("b", day=0),
            pay("b", 9.9, tier="low"),
            join("c", day=0),
            pay("c", 9.9, tier="low"),
            pay("c", 199, day=3, tier="mid"),
            pay("d", 999, tier="high"),  # paid without a recorded join
            join("e", day=0),
            pay("e", 5),  # no tier: still free
            join("f", day=0),
            pay("f", 5000, tier="partner"),
            refund("f", 5000),  # refunds do not lower a tier
            join("h", day=0, group="solo"),
            pay("h", 199, tier="mid"),
        ]
    )
    got = [(r.tier, r.reached, r.rate) for r in ladder_conversion(con, Scope(COMMUNITY))]
    assert got == [
        ("free", 7, None),  # a b c d e f h
        ("low", 5, 0.7143),  # b c d f h
        ("mid", 4, 0.8),  # c d f h
        ("high", 2, 0.5),  # d f
        ("partner", 1, 0.5),  # f
    ]
    solo = [(r.tier, r.reached, r.rate) for r in ladder_conversion(con, Scope(COMMUNITY, "solo"))]
    assert solo == [
        ("free", 1, None),
        ("low", 1, 1.0),
        ("mid", 1, 1.0),
        ("high", 0, 0.0),
        ("partner", 0, None),
    ]


REVENUE = [
    join("a", day=0),
    post("a", day=1),
    pay("a", 100, day=2, group="g"),
    join("b", day=0, group="h"),
    post("b", day=1, group="h"),
    pay("b", 50, day=2),  # no group: b's entry group h
    refund("b", 20, day=3),
    pay("b2", 10, day=2),  # b2 is b
    merge("b", "b2"),
    join("c", day=0),
    event("payment.made", "c", day=2, group=None, amount=300, deposit=True, ref="dep1"),
    refund("c", 300, day=3, payment="dep1"),  # a returned deposit: neither fee nor refund
    post("d", day=1),  # active in g, pays nothing
    pay("e", 30, day=2),  # never joined: no group
]


def test_revenue(replica_of):
    con = replica_of(REVENUE)

    def rows(**kw):
        return [(r.segment, r.fees, r.refunds, r.net, r.payers, r.active, r.per_active,
                 r.per_payer) for r in revenue(con, **kw)]  # fmt: skip

    assert rows(scope=Scope(COMMUNITY)) == [
        (COMMUNITY, 190.0, 20.0, 170.0, 3, 3, 56.6667, 56.6667)  # a b e pay; a b d active
    ]
    assert rows(scope=Scope(COMMUNITY), by="group") == [
        ("(none)", 30.0, 0.0, 30.0, 1, 0, None, 30.0),
        ("g", 100.0, 0.0, 100.0, 1, 2, 50.0, 100.0),
        ("h", 60.0, 20.0, 40.0, 1, 1, 40.0, 40.0),
    ]
    assert rows(scope=Scope(COMMUNITY, group="h")) == [("h", 60.0, 20.0, 40.0, 1, 1, 40.0, 40.0)]


BLUEPRINT = {
    "channels": [
        {"name": "qr", "kind": "free", "cost_per_member": 2.5},
        {"name": "ad", "kind": "paid", "cost_per_member": 10},
        {"name": "offline", "kind": "offline", "cost_per_member": 0},
    ]
}


def test_acquisition_cost(replica_of):
    con = replica_of(
        [
            join("a", day=0, channel="qr"),
            leave("a", day=1),
            join("a", day=3, channel="ad"),  # re-join: still acquired once, through qr
            join("b", day=0, channel="qr"),
            join("c", day=1, channel="ad"),
            join("d", day=1, channel="poster"),  # not in the blueprint: cost unknown
            join("e", day=2),  # no channel: "unknown"
        ],
        blueprint=BLUEPRINT,
    )
    got = acquisition_cost(con, Scope(COMMUNITY))
    assert [(c.channel, c.acquired, c.cost_per_member, c.cost) for c in got.channels] == [
        ("qr", 2, 2.5, 5.0),
        ("ad", 1, 10.0, 10.0),
        ("poster", 1, None, None),
        ("unknown", 1, None, None),
        ("offline", 0, 0.0, 0.0),
    ]
    assert (got.acquired, got.unpriced, got.cost, got.blended) == (5, 2, 15.0, 5.0)


def test_empty_scope(replica_of):
    con = replica_of([join("a", day=0)])
    nobody = Scope(COMMUNITY, group="nobody")
    assert checkin_completion(con, nobody) == []
    assert renewal_rate(con, nobody) == []
    assert ladder_conversion(con, nobody) == []
    assert revenue(con, nobody) == []
    assert acquisition_cost(con, nobody) == AcquisitionCost([], 0, 0, 0.0, None)
    # a community with members but no money, camps or blueprint channels
    assert checkin_completion(con, Scope(COMMUNITY)) == []
    assert renewal_rate(con, Scope(COMMUNITY)) == []
    empty = acquisition_cost(con, Scope(COMMUNITY))
    assert (empty.acquired, empty.unpriced, empty.blended) == (1, 1, None)
