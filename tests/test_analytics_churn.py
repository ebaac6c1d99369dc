"""Churn risk and its backtest on a hand-built log; rates worked out by hand.

Defaults: baseline 8 weeks before the last 2 weeks, flag when recent < 0.3 × baseline and
baseline ≥ 1 active day a week. With the as-of day A = day 69 the recent window is days
56-69 (14 days) and the baseline window days 0-55 (56 days).
"""

from __future__ import annotations

from datetime import date, timedelta

from shequn.analytics.churn import ChurnBacktest, churn_backtest, churn_risk
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, leave, post

DAY0 = date(2026, 1, 1)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def active(who: str, days, group: str = "g"):
    return [post(who, day=d, group=group) for d in days]


def history():
    members = ["s", "s2", "f", "q", "l", "g", "r", "m", "m2"]
    log = [join(w, day=0, hour=8) for w in members]
    log += active("s", range(100))  # steady, all along
    log += [*active("s2", range(70)), leave("s2", day=80)]  # steady, then leaves: missed
    log += [*active("f", [*range(56), 60]), leave("f", day=75)]  # fades, then leaves
    log += active("q", [d for d in range(56) if d % 7 in (0, 3)])  # 2 a week, then silent
    log += active("l", [0, 14, 28, 42])  # 0.5 a week: below the 1-day minimum
    log += [*active("g", range(50)), leave("g", day=50)]  # already gone on day 69
    # r leaves on day 40, re-joins on day 42, falls silent from day 56, comes back on day 70
    log += active("r", [*range(40), *range(42, 56), *range(70, 100)])
    log += [leave("r", day=40), join("r", day=42)]
    # m and m2 are one person: m in the baseline window, m2 in the recent one and after
    log += active("m", range(56)) + active("m2", range(56, 100))
    log.append(
        event(
            "identity.merged",
            None,
            day=0,
            hour=18,
            group=None,
            subject="m2",
            into="wechat:m",
            identities=["wechat:m2"],
        )
    )
    return log


def test_churn_risk_flags_fading_members(replica_of):
    con = replica_of(history())
    risks = churn_risk(con, Scope(COMMUNITY, until=day(69)))
    got = [(r.person, r.groups, r.baseline, r.recent, r.ratio, r.last_active) for r in risks]
    assert got == [
        # r: active days 0-39 and 42-55 = 54 → 54/8 = 6.75 a week; recent 0. Re-joined: present.
        ("wechat:r", ("g",), 6.75, 0.0, 0.0, day(55)),
        # q: days ≡ 0 or 3 (mod 7) in 0-55 = 16 days → 2 a week; recent 0 (lower baseline: later)
        ("wechat:q", ("g",), 2.0, 0.0, 0.0, day(52)),
        # f: 56 days → 7 a week; recent 1 day / 2 weeks = 0.5; 0.5 / 7 = 0.0714 < 0.3
        ("wechat:f", ("g",), 7.0, 0.5, 0.0714, day(60)),
    ]
    # not flagged: s (7 → 7), s2 (7 → 7), m+m2 merged (7 → 7; m alone would be flagged),
    # l (baseline 0.5 < 1), g (left on day 50, not a member on day 69)


def test_backtest_precision_and_recall(replica_of):
    con = replica_of(history())
    # as-of day 99, horizon 30 → flags as of day 69, outcomes over days 70-99.
    # Population on day 69: s, s2, f, q, r, m → 6; flagged f, q, r.
    # Churned within the horizon: f (left day 75), q (silent), s2 (left day 80).
    # True positives f, q → precision 2/3, recall 2/3. r came back: a false alarm.
    result = churn_backtest(con, Scope(COMMUNITY))
    assert result == ChurnBacktest(
        at=day(69),
        horizon_days=30,
        horizon_complete=True,
        members=6,
        flagged=3,
        churned=3,
        true_positives=2,
        precision=0.6667,
        recall=0.6667,
        flagged_people=("wechat:f", "wechat:q", "wechat:r"),
    )
    # a horizon running past the newest data is reported as incomplete
    late = churn_backtest(con, Scope(COMMUNITY), at=day(80))
    assert late is not None and late.horizon_complete is False


def test_group_with_one_member_and_empty_scope(replica_of):
    assert churn_risk(replica_of([]), Scope(COMMUNITY)) == []
    assert churn_backtest(replica_of([]), Scope(COMMUNITY)) is None
    log = active("solo", range(56), group="h") + active("busy", range(70))
    con = replica_of(log)
    [solo] = churn_risk(con, Scope(COMMUNITY, group="h", until=day(69)))
    assert (solo.person, solo.groups, solo.baseline, solo.recent) == (
        "wechat:solo",
        ("h",),
        7.0,
        0.0,
    )
    assert churn_risk(con, Scope(COMMUNITY, group="g", until=day(69))) == []
    # ratio 0 flags nobody: recent < 0 × baseline never holds, even for solo's silence
    assert churn_risk(con, Scope(COMMUNITY, until=day(69)), ratio=0.0) == []
