"""Recurring revenue and churn, refunds, offer acceptance and the time to climb each rung, in
integer minor units; expected values worked out by hand (day 0 is 2026-01-01, Asia/Shanghai)."""

from __future__ import annotations

from datetime import date

from shequn.analytics.money_figures import (
    ConversionTime,
    OfferAcceptance,
    Recurring,
    Refunds,
    conversion_time,
    offer_acceptance,
    recurring_revenue,
    refund_rate,
)
from shequn.analytics.money_series import RecurringMonth, month_ends, recurring_by_month
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, post


def pay(who: str, ref: str, minor: int, product: str, tier: str, day: float, **data):
    return event("payment.made", who, day=day, group=None, ref=ref, amount=minor / 100,
                 amount_minor=minor, product=product, tier=tier, **data)  # fmt: skip


def term(kind: str, who: str, plan: str, day: float, until: str, payment: str | None = None):
    data = {"plan": plan, "until": until, **({"payment": payment} if payment else {})}
    return event(f"membership.{kind}", who, day=day, group=None, **data)


LOG = [
    *(join(w, day=0) for w in ("u", "v", "w")),
    pay("u", "p-u1", 990, "fan", "low", 1),
    term("started", "u", "fan", 1, "2026-02-02", "p-u1"),
    pay("u", "p-u2", 990, "fan", "low", 25),  # renewed early: the term runs from 2 February
    term("renewed", "u", "fan", 25, "2026-03-02", "p-u2"),
    pay("v", "p-v1", 9900, "year", "mid", 3),
    term("started", "v", "year", 3, "2027-01-04", "p-v1"),  # a year: 825 a month
    pay("w", "p-w1", 990, "fan", "low", 1),
    term("started", "w", "fan", 1, "2026-02-02", "p-w1"),
    event("membership.ended", "w", day=35, group=None, plan="fan", reason="expired"),
    event(
        "payment.refunded", "w", day=36, group=None, amount=4.95, amount_minor=495, payment="p-w1"
    ),
    pay("x", "p-x1", 5000, "camp", "low", 2, deposit=True),  # a deposit: no fee
    term("started", "x", "fan", 2, "2026-01-09"),  # a trial: no payment, no revenue
    event("offer.made", None, day=10, group=None, subject="u", offer="o1", product="course"),
    event("offer.made", None, day=12, group=None, subject="v", offer="o2", product="course"),
    event("offer.accepted", "u", day=13, group=None, offer="o1", product="course"),
    post("u", day=40),  # the as-of day: 2026-02-10
]


def test_recurring_revenue_and_what_churned(replica_of):
    assert recurring_revenue(replica_of(LOG), Scope(COMMUNITY)) == [
        Recurring("fan", "CNY", active=1, mrr=990, churned=1, churned_mrr=990),
        Recurring("year", "CNY", active=1, mrr=825, churned=0, churned_mrr=0),
    ]


def test_refunds_per_product(replica_of):
    assert refund_rate(replica_of(LOG), Scope(COMMUNITY)) == [
        Refunds("fan", "CNY", 3, 2970, 1, 495, 0.3333, 0.1667),
        Refunds("year", "CNY", 1, 9900, 0, 0, 0.0, 0.0),
    ]


def test_offer_acceptance(replica_of):
    assert offer_acceptance(replica_of(LOG), Scope(COMMUNITY)) == [
        OfferAcceptance("course", offered=2, accepted=1, rate=0.5, median_days=3.0)
    ]


def test_time_to_climb_each_rung(replica_of):
    assert conversion_time(replica_of(LOG), Scope(COMMUNITY)) == [
        ConversionTime("low", 4, 1.0, 1.25),  # x at once (never joined), u and w 1 day, v 3
        ConversionTime("mid", 1, 3.0, 3.0),
        ConversionTime("high", 0, None, None),
        ConversionTime("partner", 0, None, None),
    ]


def test_an_empty_scope_has_no_figures(replica_of):
    con = replica_of([])
    assert recurring_revenue(con, Scope(COMMUNITY)) == []
    assert recurring_by_month(con, Scope(COMMUNITY)) == []
    assert conversion_time(con, Scope(COMMUNITY)) == []


def test_recurring_revenue_at_each_months_end(replica_of):
    """January ends with u (renewed early, 9.90), w (9.90) and v's year (8.25 a month);
    February, to the as-of day, has lost w — the figure the table shows."""
    assert recurring_by_month(replica_of(LOG), Scope(COMMUNITY)) == [
        RecurringMonth(date(2026, 1, 1), "fan", "CNY", 2, 1980, 0, 0),
        RecurringMonth(date(2026, 1, 1), "year", "CNY", 1, 825, 0, 0),
        RecurringMonth(date(2026, 2, 1), "fan", "CNY", 1, 990, 1, 990),
        RecurringMonth(date(2026, 2, 1), "year", "CNY", 1, 825, 0, 0),
    ]
    assert [r.month for r in recurring_by_month(replica_of(LOG), Scope(COMMUNITY), months=1)] == [
        date(2026, 2, 1), date(2026, 2, 1)
    ]  # fmt: skip


def test_months_follow_the_calendar():
    assert month_ends(date(2024, 1, 31), date(2024, 3, 5)) == [
        (date(2024, 1, 1), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),  # a leap year
        (date(2024, 3, 1), date(2024, 3, 5)),  # the as-of day
    ]
    assert month_ends(date(2024, 4, 2), date(2024, 3, 5)) == []
