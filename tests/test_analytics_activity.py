"""DAU/WAU/MAU on hand-built logs; expected numbers worked out by hand from the definitions."""

from __future__ import annotations

from datetime import date

from shequn.analytics.activity import activity, activity_by_group
from shequn.analytics.materialise import person_key
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, join, merge, post


def test_daily_weekly_monthly_counts(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("b", day=0),
            join("c", day=0),
            post("a", day=0),
            post("a", day=0, hour=13),
            post("b", day=0),
            post("a", day=1),
            post("c", day=8),
        ]
    )
    days = {d.day: d for d in activity(con, Scope(COMMUNITY))}
    d0, d1, d8 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 9)
    assert (days[d0].dau, days[d0].wau, days[d0].mau, days[d0].messages) == (2, 2, 2, 3)
    assert days[d0].messages_per_active == 1.5
    assert (days[d1].dau, days[d1].wau, days[d1].mau) == (1, 2, 2)
    # day 8: a and b were last active on days 0-1, more than 7 days back for WAU
    assert (days[d8].dau, days[d8].wau, days[d8].mau) == (1, 1, 3)
    assert days[d8].stickiness == round(1 / 3, 4)
    assert max(days) == d8  # as-of: the last event's day


def test_local_day_boundaries(replica_of):
    # 23:30 and 00:30 local are two days in Shanghai, though the same UTC day (15:30, 16:30).
    con = replica_of([join("a", day=0), post("a", day=0, hour=23.5), post("a", day=1, hour=0.5)])
    rows = activity(con, Scope(COMMUNITY))
    assert [(r.day, r.dau, r.messages) for r in rows] == [
        (date(2026, 1, 1), 1, 1),
        (date(2026, 1, 2), 1, 1),
    ]


def test_merged_identities_count_once_and_groups_filter(replica_of):
    con = replica_of(
        [
            join("a", day=0),
            join("a2", day=0, group="h"),
            post("a", day=0),
            post("a2", day=0, group="h"),
            merge("a", "a2"),
        ]
    )
    [row] = activity(con, Scope(COMMUNITY))
    assert row.dau == 1
    [in_h] = activity(con, Scope(COMMUNITY, group="h"))
    assert (in_h.dau, in_h.messages) == (1, 1)


def test_empty_scope(replica_of):
    con = replica_of([])
    assert activity(con, Scope(COMMUNITY)) == []


def test_matches_brute_force_on_random_logs():
    """The one-pass window counting agrees with counting sets day by day."""
    import random
    from datetime import datetime, timedelta

    import duckdb

    rnd = random.Random(5)
    for _ in range(20):
        con = duckdb.connect()
        con.execute(
            "CREATE TABLE ev (kind VARCHAR, community VARCHAR, grp VARCHAR, "
            "person VARCHAR, local_at TIMESTAMP, day DATE)"
        )
        rows = [
            (
                "message.posted",
                "c",
                "g",
                f"p{rnd.randrange(6)}",
                datetime(2026, 1, 1) + timedelta(days=rnd.randrange(60), hours=rnd.random()),
            )
            for _ in range(rnd.randrange(1, 40))
        ]
        con.executemany(
            "INSERT INTO ev VALUES (?, ?, ?, ?, ?, CAST(? AS DATE))", [(*r, r[-1]) for r in rows]
        )
        # people are counted by the key the replica keeps beside ``person`` (``who``)
        con.execute("ALTER TABLE ev ADD COLUMN person_key UUID")
        con.execute(f"UPDATE ev SET person_key = {person_key('person')}")
        got = {d.day: (d.dau, d.wau, d.mau) for d in activity(con, Scope("c"))}
        active = {(p, at.date()) for _, _, _, p, at in rows}
        for day, counts in got.items():
            expected = tuple(
                len({p for p, d in active if 0 <= (day - d).days < span}) for span in (1, 7, 30)
            )
            assert counts == expected, day


def test_by_group_is_each_groups_activity_in_one_pass(replica_of):
    """What the diagnosis asks for every group at once equals asking group by group."""
    con = replica_of(
        [
            join("a", day=0),
            join("b", day=0, group="h"),
            join("c", day=2, group="quiet"),  # joined, never active: no series
            post("a", day=0),
            post("a", day=3, hour=13),
            post("b", day=1, group="h"),
            post("b", day=40, group="h"),  # past the 30-day MAU window of day 1
        ]
    )
    fixed = Scope(COMMUNITY, until=date(2026, 2, 15))
    by_group = activity_by_group(con, fixed)
    assert sorted(by_group) == ["g", "h"]
    for g, days in by_group.items():
        assert days == activity(con, fixed.with_group(g))
    h = {d.day: (d.dau, d.wau, d.mau, d.messages) for d in by_group["h"]}
    assert h[date(2026, 1, 2)] == (1, 1, 1, 1)
    assert h[date(2026, 2, 1)] == (0, 0, 0, 0)  # day 31: b's day-1 post left every window
    assert h[date(2026, 2, 10)] == (1, 1, 1, 1)
    assert max(h) == date(2026, 2, 15)  # up to the scope's as-of day
    since = Scope(COMMUNITY, since=date(2026, 1, 3), until=date(2026, 1, 10))
    assert activity_by_group(con, since)["g"] == activity(con, since.with_group("g"))
