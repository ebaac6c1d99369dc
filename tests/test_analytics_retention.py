"""Cohort retention, returning vs new, quarter retention; expected values worked out by hand.

Day 0 is Thursday 2026-01-01 (Asia/Shanghai). Weeks start on Monday: the week of 2025-12-29
holds days 0-3, the week of 2026-01-05 days 4-10, of 2026-01-12 days 11-17, of 2026-01-19
days 18-24. Quarter 2 begins on day 90 (April 1), quarter 3 on day 181 (July 1).
"""

from __future__ import annotations

from datetime import date

import pytest

from shequn.analytics.retention import quarter_retention, retention, returning_vs_new
from shequn.analytics.scope import Scope
from shequn.errors import ShequnError
from tests.analytics_helpers import COMMUNITY, join, leave, merge, post

W0, W1, W2, W3 = date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)


def rows(table):
    return [(r.cohort_start, r.size, r.retained, r.rates) for r in table]


def test_weekly_cohorts(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            post("a", day=0),
            post("a", day=5),
            join("b", day=1),
            post("b", day=12),
            join("c", day=4),
            post("c", day=4),
            post("c", day=11),
        ]
    )
    # cohort W0 = {a, b}: week 0 a, week 1 a, week 2 b. Cohort W1 = {c}: weeks 0 and 1;
    # its week 2 (W3) starts after the as-of day (day 12, in W2): unknown.
    assert rows(retention(con, Scope(COMMUNITY), periods=3)) == [
        (W0, 2, [1, 1, 1], [0.5, 0.5, 0.5]),
        (W1, 1, [1, 1, 0], [1.0, 1.0, None]),
    ]
    # since selects cohorts by their start; activity before since still counts
    assert rows(retention(con, Scope(COMMUNITY, since=date(2026, 1, 6)), periods=2)) == [
        (W1, 1, [1, 1], [1.0, 1.0]),
    ]


def test_leave_and_rejoin_stays_in_first_cohort(replica_of):
    con = replica_of([join("a", day=0), leave("a", day=2), join("a", day=8), post("a", day=8)])
    assert rows(retention(con, Scope(COMMUNITY), periods=3)) == [
        (W0, 1, [0, 1, 0], [0.0, 1.0, None]),
    ]


def test_local_day_boundary(replica_of):
    # 23:30 and 00:30 local are the same UTC day (15:30, 16:30) but two local days; day 3
    # (Sunday) 23:30 and day 4 (Monday) 00:30 are two local weeks.
    con = replica_of(
        [
            join("a", day=0, hour=23.5),
            post("a", day=1, hour=0.5),
            join("b", day=3, hour=23.5),
            post("b", day=4, hour=0.5),
        ]
    )
    daily = retention(con, Scope(COMMUNITY), period="day", periods=2)
    assert rows(daily)[0] == (date(2026, 1, 1), 1, [0, 1], [0.0, 1.0])
    weekly = retention(con, Scope(COMMUNITY), periods=2)
    assert rows(weekly) == [(W0, 2, [1, 1], [0.5, 0.5])]  # a in week 0, b in week 1


def test_merged_identities_and_single_member_group(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("a2", day=5, group="h"),
            post("a2", day=5, group="h"),
            merge("a", "a2"),
        ]
    )
    # one person: first joined on day 0, active (as a2) in week 1
    assert rows(retention(con, Scope(COMMUNITY), periods=2)) == [(W0, 1, [0, 1], [0.0, 1.0])]
    # in group h alone (one member) the first join is day 5
    assert rows(retention(con, Scope(COMMUNITY, group="h"), periods=2)) == [
        (W1, 1, [1, 0], [1.0, None])
    ]


def test_monthly_cohorts(replica_of):
    con = replica_of([join("a", day=0), post("a", day=40), join("b", day=31), post("b", day=31)])
    # January cohort {a}: active in February (day 40 = Feb 10). February cohort {b}.
    assert rows(retention(con, Scope(COMMUNITY), period="month", periods=2)) == [
        (date(2026, 1, 1), 1, [0, 1], [0.0, 1.0]),
        (date(2026, 2, 1), 1, [1, 0], [1.0, None]),
    ]


def test_empty_scope_and_bad_period(replica_of):
    con = replica_of([join("a", day=0)])
    assert retention(con, Scope(COMMUNITY, group="nobody")) == []
    assert returning_vs_new(con, Scope(COMMUNITY, group="nobody")) == []
    assert quarter_retention(con, Scope(COMMUNITY, group="nobody")) == []
    with pytest.raises(ShequnError):
        retention(con, Scope(COMMUNITY), period="fortnight")


def test_returning_vs_new(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            post("a", day=0),
            post("b", day=1),  # no join event: first seen when first active
            join("c", day=2),  # first seen on joining, first active a week later
            post("a", day=5),
            post("c", day=6),
            post("b", day=6),
            post("d", day=7),
            post("a", day=19),
        ]
    )
    mix = [(m.start, m.new, m.returning, m.total) for m in returning_vs_new(con, Scope(COMMUNITY))]
    assert mix == [
        (W0, 2, 0, 2),  # a, b
        (W1, 1, 3, 4),  # d new; a, b, c returning
        (W2, 0, 0, 0),  # quiet week still listed
        (W3, 0, 1, 1),  # a
    ]
    later = returning_vs_new(con, Scope(COMMUNITY, since=date(2026, 1, 6)))
    assert [(m.start, m.new, m.returning) for m in later][:1] == [(W1, 1, 3)]


def test_quarter_retention(replica_of):
    con = replica_of(
        [
            post("a", day=0),
            post("a", day=100),
            post("a", day=200),
            post("b", day=10),
            post("b", day=95),
            post("c", day=95),
            post("e", day=89, hour=23.5),  # March 31 local: quarter 1
            post("f", day=90, hour=0.5),  # April 1 00:30 local (still March 31 in UTC)
            post("d", day=185),
        ]
    )
    got = [
        (q.quarter, q.start, q.active, q.retained_from_previous, q.rate)
        for q in quarter_retention(con, Scope(COMMUNITY))
    ]
    assert got == [
        ("2026-Q1", date(2026, 1, 1), 3, 0, None),  # a, b, e
        ("2026-Q2", date(2026, 4, 1), 4, 2, round(2 / 3, 4)),  # a, b, c, f; a, b kept
        ("2026-Q3", date(2026, 7, 1), 2, 1, 0.25),  # a, d; a kept of 4
    ]
