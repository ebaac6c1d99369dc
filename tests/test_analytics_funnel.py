"""AARRR funnel and K-factor on hand-built logs; expected values worked out by hand.

Day 0 is 2026-01-01 (Asia/Shanghai). Defaults: activation within days 0-6 of the join day,
retention = active on days 21-27, referral = an invitee who did not leave within 30 days.
"""

from __future__ import annotations

from datetime import date

from shequn.analytics.funnel import funnel, k_factor
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, kept, leave, merge, post


def pay(who: str, amount: float, *, day: float, **data):
    return event("payment.made", who, day=day, group=None, amount=amount, **data)


def refund(who: str, amount: float, *, day: float, **data):
    return event("payment.refunded", who, day=day, group=None, amount=amount, **data)


def counts(row):
    return (row.segment, row.acquired, row.activated, row.retention_base, row.retained,
            row.paid, row.referred)  # fmt: skip


STORY = [
    join("a", day=0, channel="qr"),
    post("a", day=3),  # activated
    post("a", day=22),  # retained (week 4)
    pay("a", 99, day=10),  # paid
    join("b", day=0, channel="qr"),
    post("b", day=7),  # day 7 is outside days 0-6
    post("b", day=30),  # outside days 21-27
    pay("b", 10, day=5),
    refund("b", 10, day=6),  # refunded in full: not paid
    join("c", day=1, inviter="wechat:a"),  # no channel: "unknown"; a brought c, c stays
    post("c", day=1),
    event("member.invited", "b", day=2, subject="d"),
    join("d", day=2, channel="qr"),
    leave("d", day=10),  # left within 30 days: b gets no referral credit
    join("f", day=2, channel="ad"),
    pay("f", 100, day=3, deposit=True),  # a deposit is not a fee
    join("e", day=40, channel="ad"),  # week 4 not over by the as-of day (45)
    post("e", day=45),
]


def test_funnel_by_channel(replica_of):
    con = replica_of(STORY)
    rows = funnel(con, Scope(COMMUNITY))
    assert [counts(r) for r in rows] == [
        ("qr", 3, 1, 3, 1, 1, 1),  # a, b, d
        ("ad", 2, 1, 1, 0, 0, 0),  # f, e (only f's week 4 is over)
        ("unknown", 1, 1, 1, 0, 0, 0),  # c
    ]
    qr = rows[0]
    assert (qr.activation_rate, qr.retention_rate, qr.paid_rate, qr.referral_rate) == (
        0.3333,
        0.3333,
        0.3333,
        0.3333,
    )
    assert (rows[1].activation_rate, rows[1].retention_rate, rows[1].paid_rate) == (0.5, 0.0, 0.0)


def test_funnel_whole_community_and_window(replica_of):
    con = replica_of(STORY)
    [row] = funnel(con, Scope(COMMUNITY), by="community")
    assert counts(row) == (COMMUNITY, 6, 3, 5, 1, 1, 1)
    # window from day 2: only d, f (day 2) and e (day 40) were acquired in it
    [later] = funnel(con, Scope(COMMUNITY, since=date(2026, 1, 3)), by="community")
    assert counts(later) == (COMMUNITY, 3, 1, 2, 0, 0, 0)


def test_leave_and_rejoin_acquired_once(replica_of):
    con = replica_of(
        [
            join("g", day=0, channel="qr"),
            leave("g", day=1),
            join("g", day=20, channel="ad"),
            post("g", day=21),  # retained relative to the first join (day 0)
            post("g", day=28),  # week 4 is over by the as-of day
        ]
    )
    assert [counts(r) for r in funnel(con, Scope(COMMUNITY))] == [("qr", 1, 0, 1, 1, 0, 0)]
    # not acquired again in a window that holds only the re-join
    assert funnel(con, Scope(COMMUNITY, since=date(2026, 1, 15))) == []


def test_local_day_boundary_for_activation(replica_of):
    # 23:30 and the next 00:30 are one UTC day but two local days
    con = replica_of([join("h", day=0, hour=23.5), post("h", day=1, hour=0.5)])
    [same_day] = funnel(con, Scope(COMMUNITY), activation_days=1)
    assert (same_day.acquired, same_day.activated) == (1, 0)
    [week] = funnel(con, Scope(COMMUNITY))
    assert week.activated == 1


def test_by_group_with_a_one_member_group(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            post("a", day=1),
            join("a", day=3, group="solo"),
            post("a", day=4),  # in group g: does not activate a in "solo"
        ]
    )
    rows = funnel(con, Scope(COMMUNITY), by="group")
    assert [counts(r) for r in rows] == [("g", 1, 1, 0, 0, 0, 0), ("solo", 1, 0, 0, 0, 0, 0)]
    assert [counts(r) for r in funnel(con, Scope(COMMUNITY, group="solo"))] == [
        ("unknown", 1, 0, 0, 0, 0, 0)
    ]


def test_merged_identities_and_self_invites(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("a2", day=1, group="h"),
            post("a2", day=1, group="h"),
            merge("a", "a2"),
            join("x", day=2, inviter="wechat:a2"),  # credited to person a
            join("y", day=2, inviter="wechat:y"),  # a self-invite brings nobody
        ]
    )
    [row] = funnel(con, Scope(COMMUNITY), by="community")
    assert counts(row) == (COMMUNITY, 3, 1, 0, 0, 0, 1)  # a (once), x, y; a activated, referred


def test_empty_scope(replica_of):
    con = replica_of([join("a", day=0)])
    assert funnel(con, Scope(COMMUNITY, group="nobody")) == []
    assert k_factor(con, Scope(COMMUNITY, group="nobody")) == []


def test_k_factor(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("b", day=1),
            join("c", day=1, inviter="wechat:a"),
            post("c", day=1),  # c activated
            event("member.invited", "b", day=2, subject="d"),
            join("d", day=2),  # d never activates
            event("member.invited", "a", day=3, subject="z"),  # z never joins: no invitee
            join("e", day=35, inviter="wechat:c"),  # February joiner, credited to c (January)
            post("e", day=36),
        ]
    )
    got = [
        (k.cohort_start, k.size, k.invitees, k.activated_invitees, k.invites_per_member,
         k.conversion, k.k)
        for k in k_factor(con, Scope(COMMUNITY))
    ]  # fmt: skip
    assert got == [
        (date(2026, 1, 1), 4, 3, 2, 0.75, 0.6667, 0.5),  # a b c d brought c d e; c e active
        (date(2026, 2, 1), 1, 0, 0, 0.0, None, 0.0),
    ]
    weekly = [(k.cohort_start, k.size, k.k) for k in k_factor(con, Scope(COMMUNITY), period="week")]
    assert weekly == [(date(2025, 12, 29), 4, 0.5), (date(2026, 2, 2), 1, 0.0)]


def test_joins_at_the_same_instant_go_to_the_smaller_group_and_its_channel(replica_of):
    # A minute-resolution export: x was added to two groups in the same minute. The first
    # join is the one into the smaller group ("g1"), and its channel counts, on every run.
    con = replica_of(
        [
            join("x", day=0, group="g2", channel="qr"),
            join("x", day=0, group="g1", channel="ad"),
            join("y", day=0, group="g1", channel="qr"),
        ]
    )
    for _ in range(3):
        rows = funnel(con, Scope(COMMUNITY))
        assert sorted((r.segment, r.acquired) for r in rows) == [("ad", 1), ("qr", 1)]


def test_channel_cost_reads_the_counts_the_funnel_kept(replica_of, monkeypatch):
    from shequn.analytics import portable
    from shequn.analytics.fission_costs import channel_cost

    con = replica_of(STORY)
    scope = Scope(COMMUNITY)

    def both(c):
        return funnel(c, scope), channel_cost(c, scope)

    # through the replica's reused results: one table of stage counts serves both
    shared = both(con)
    assert kept(con, temporary=False, column="stage") == 1
    judged = {r.segment: (r.retention_base, r.retained) for r in shared[0]}
    assert judged == {"qr": (3, 1), "ad": (1, 0), "unknown": (1, 0)}
    assert {c.channel: (c.retention_base, c.retained) for c in shared[1]} == judged
    funnel(con, scope, by="group")  # another segmentation counts anew
    assert kept(con, temporary=False, column="stage") == 2
    # a bare connection to the replica keeps its own (in memory): the same answers
    assert both(con.raw) == shared
    assert kept(con, temporary=True, column="stage") == 1
    # each metric counting for itself, as on Spark: the same answers again
    monkeypatch.setattr(portable, "shared", lambda c, expr: expr)
    assert both(con.raw) == shared
