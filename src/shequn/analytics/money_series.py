"""Recurring revenue over time (P-MON-2, P-MON-4): ``recurring_revenue`` at each month's end.

``recurring_by_month``
    For each calendar month from the first paid membership term (``membership.started`` with a
    ``data.payment``) — or from ``scope.since`` when later — to the as-of day, the rows of
    ``recurring_revenue`` with the window set to that month and its as-of day to the month's
    last day (the as-of day itself for the current month): ``mrr`` the monthly value of the
    memberships recurring at the month's end, ``churned``/``churned_mrr`` those ended in it.
    The same definition as ``recurring_revenue``, asked once a month — nothing is re-derived
    here — so the series' last point is the figure the money page's table shows. Only the
    newest ``months`` (24) months are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.money import scope_window
from shequn.analytics.money_figures import recurring_revenue
from shequn.analytics.registry import Metric
from shequn.analytics.scope import Scope


@dataclass(frozen=True, slots=True)
class RecurringMonth:
    month: date  # the first day of the month
    plan: str
    currency: str
    active: int  # paying memberships recurring at the month's end
    mrr: int  # their monthly value, minor units
    churned: int  # memberships ended in the month
    churned_mrr: int  # the monthly value they had, minor units


def month_ends(first: date, last: date) -> list[tuple[date, date]]:
    """``(first day, last day)`` of each month from ``first``'s to ``last``'s, the last one
    cut at ``last`` (pure: the calendar, leap years included)."""
    out: list[tuple[date, date]] = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        out.append((start, min(following - timedelta(days=1), last)))
        start = following
    return out


def recurring_by_month(con: Any, scope: Scope, *, months: int = 24) -> list[RecurringMonth]:
    """``recurring_revenue`` at the end of each month (see the module doc), oldest first.

    Defined once for both engines (``analytics/portable.py``), as ``recurring_revenue`` is."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    paid = t.filter(
        *portable.in_scope(t, Scope(scope.community, until=last)),
        t.kind == "membership.started",
        portable.field(con, t.data, "payment").notnull(),
    )
    first = portable.scalar(con, paid.day.min())
    if first is None:
        return []
    spans = month_ends(max(first, scope.since or first), last)[-months:]
    return [
        RecurringMonth(start, r.plan, r.currency, r.active, r.mrr, r.churned, r.churned_mrr)
        for start, end in spans
        for r in recurring_revenue(con, replace(scope, since=start, until=end))
    ]


METRICS = (
    Metric(
        "recurring_by_month",
        "Monthly recurring revenue (MRR) at each month's end, and what churned in the month",
        ("P-MON-2", "P-MON-4"),
        recurring_by_month,
        {"months": 24},
    ),
)
