"""Retention (P-MEA-2): join cohorts, returning versus new members, quarter-on-quarter.

All periods are periods of the community's local calendar: a *day*, a *week* (starting on
Monday) or a calendar *month*. A member is *active* in a period when they did one of the active
kinds in it (:data:`~shequn.analytics.scope.DEFAULT_ACTIVE_KINDS`; configurable). Merged
identities count as one person. Periods that begin after the as-of day are unknown (``None``),
not zero; the period containing the as-of day is shown as far as it has gone.

``retention`` (cohort table)
    A person's *cohort* is the period of their **first** ``member.joined`` in the scope's
    community (or group), looking at all history up to the as-of day; a member who leaves and
    re-joins stays in their first cohort. Only cohorts that start on or after the first day of
    ``scope.since``'s period are listed. Cell *k* (``k = 0 … periods-1``; *k* = 0 is the
    joining period itself) is ``retained[k] / size``: the share of the cohort active in period
    cohort + *k*. Defaults: ``period="week"``, ``periods=8``.

``returning_vs_new``
    For each period from ``scope.since`` (or the first activity) to the as-of day: ``total``
    persons active in it; ``new`` those first seen (first join or first activity, whichever
    is earlier, over all history) in that period; ``returning`` the rest. Default: weeks.

``quarter_retention``
    For each calendar quarter: ``active`` persons; ``retained_from_previous`` persons active
    both in it and in the quarter before; ``rate = retained_from_previous / active(previous)``
    (``None`` when the previous quarter had nobody active).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of
from shequn.errors import ShequnError
from shequn.model.i18n import Said

PERIODS: tuple[str, ...] = ("day", "week", "month")
"""Periods a cohort or a mix can be measured in (local calendar; weeks start on Monday)."""


@dataclass(frozen=True, slots=True)
class CohortRow:
    cohort_start: date  # first local day of the cohort's period
    size: int  # persons whose first join fell in the period
    retained: list[int]  # retained[k]: cohort members active in period cohort + k
    rates: list[float | None]  # retained[k] / size; None for periods after the as-of day


@dataclass(frozen=True, slots=True)
class PeriodMix:
    start: date
    new: int  # active and first seen in this period
    returning: int  # active and first seen before it
    total: int  # new + returning


@dataclass(frozen=True, slots=True)
class QuarterRetention:
    quarter: str  # "2026-Q1"
    start: date
    active: int
    retained_from_previous: int  # active in this quarter and in the one before
    rate: float | None  # retained_from_previous / active(previous quarter)


# --- period arithmetic (shared with the funnel's cohorts) ------------------------------


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise ShequnError(
            Said("unknown period {period!r}", period=period), period=period, choices=PERIODS
        )
    return period


def period_sql(period: str, expr: str) -> str:
    """SQL for the first day of the local period containing the DATE ``expr``."""
    return f"CAST(date_trunc('{check_period(period)}', {expr}) AS DATE)"


def period_start(day: date, period: str) -> date:
    check_period(period)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def shift(start: date, period: str, k: int) -> date:
    """The start of the period ``k`` periods after the one starting on ``start``."""
    if period == "day":
        return start + timedelta(days=k)
    if period == "week":
        return start + timedelta(weeks=k)
    months = start.year * 12 + start.month - 1 + k
    return date(months // 12, months % 12 + 1, 1)


def _history(con: Any, scope: Scope) -> tuple[date, Any] | None:
    """The as-of day and the rows of ``ev`` with a person in all history up to it (``since``
    ignored), as an Ibis table. The person is its column :func:`portable.who` (the key on the
    replica): these metrics count people, they never name them."""
    last = as_of(con, scope)
    if last is None:
        return None
    t = portable.ev(con)
    who = t[portable.who(con)]
    return last, t.filter(*portable.in_scope(t, portable.history(scope, last)), who.notnull())


# --- metrics ---------------------------------------------------------------------------


def retention(
    con: Any,
    scope: Scope,
    *,
    period: str = "week",
    periods: int = 8,
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[CohortRow]:
    """Join-cohort retention table, one row per cohort (P-MEA-2; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    check_period(period)
    seen_in = _history(con, scope)
    if seen_in is None:
        return []
    last, seen = seen_in
    first = period_start(scope.since, period) if scope.since else date.min
    who = portable.who(con)
    joins = seen.filter(seen.kind == "member.joined")
    firsts = joins.group_by(who).aggregate(first_day=joins.day.min())
    cohorts = firsts.select(who, cohort=_truncate(firsts.first_day, period))
    if first > date.min:
        cohorts = cohorts.filter(cohorts.cohort >= first)
    acting = seen.filter(seen.kind.isin(active_kinds))
    # Each active event is joined to its person's cohort and kept only within the table's
    # periods (days compared as they are stored, the end computed once per cohort member),
    # and only then made distinct per (person, period). Distinct first made person-periods
    # of all history (1.3M at 2M events) to join and mostly drop (0.46 → 0.28 CPU s at 2M;
    # docs/scale.md).
    spans = cohorts.mutate(end=_after(cohorts.cohort, period, periods))
    both = spans.join(
        acting,
        [spans[who] == acting[who], acting.day >= spans.cohort, acting.day < spans.end],
    )
    cells = (
        both.select("cohort", who, p=_truncate(both.day, period))
        .distinct()
        .select("cohort", k=lambda c: _index(period, c.cohort, c.p))
        .group_by(["cohort", "k"])
        .aggregate(n=lambda c: c.count())
    )
    sizes = dict(portable.fetch(con, cohorts.group_by("cohort").aggregate(size=cohorts.count())))
    retained = {start: [0] * periods for start in sizes}
    for start, cell, n in portable.fetch(con, cells):
        retained[start][int(cell)] = int(n)
    return [
        CohortRow(
            cohort_start=start,
            size=int(size),
            retained=retained[start],
            rates=[
                round(n / size, 4) if shift(start, period, i) <= last else None
                for i, n in enumerate(retained[start])
            ],
        )
        for start, size in sorted(sizes.items())
    ]


def _truncate(day: Any, period: str) -> Any:
    """The first day of the local period containing ``day`` (an Ibis date expression)."""
    return portable.period(day, period)


def _after(start: Any, period: str, k: int) -> Any:
    """The first day of the period ``k`` periods after the one starting on ``start`` (an
    Ibis date expression; :func:`shift`'s)."""
    if period == "month":
        import ibis

        return (start + ibis.interval(months=k)).cast("timestamp").cast("date")
    return portable.plus_days(start, k * 7 if period == "week" else k)


def _index(period: str, a: Any, b: Any) -> Any:
    """How many periods the period starting on ``b`` is after the one starting on ``a``."""
    if period == "month":
        return (b.year() - a.year()) * 12 + b.month() - a.month()
    days = b.delta(a, unit="day")
    return days if period == "day" else days // 7


def returning_vs_new(
    con: Any,
    scope: Scope,
    *,
    period: str = "week",
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[PeriodMix]:
    """Active persons per period split into first-seen-this-period and returning (P-MEA-2).

    Defined once for both engines (``analytics/portable.py``)."""
    check_period(period)
    seen_in = _history(con, scope)
    if seen_in is None:
        return []
    last, t = seen_in
    who = portable.who(con)
    firsts = t.filter((t.kind == "member.joined") | t.kind.isin(active_kinds))
    seen = firsts.group_by(who).aggregate(first_p=_truncate(firsts.day, period).min())
    acting = t.filter(t.kind.isin(active_kinds))
    act = acting.select(who, p=_truncate(acting.day, period)).distinct()
    both = act.join(seen, who)
    mix = both.group_by("p").aggregate(
        new=both.count(where=both.first_p == both.p), total=both.count()
    )
    rows = portable.fetch(con, mix)
    found = {start: (new, total) for start, new, total in rows}
    if not found:
        return []
    start = period_start(scope.since, period) if scope.since else min(found)
    out: list[PeriodMix] = []
    while start <= last:
        new, total = found.get(start, (0, 0))
        out.append(PeriodMix(start=start, new=new, returning=total - new, total=total))
        start = shift(start, period, 1)
    return out


def quarter_retention(
    con: Any, scope: Scope, *, active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS
) -> list[QuarterRetention]:
    """Quarter-on-quarter retention of active persons (P-MEA-2; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    seen_in = _history(con, scope)
    if seen_in is None:
        return []
    last, t = seen_in
    who = portable.who(con)
    acting = t.filter(t.kind.isin(active_kinds))
    act = acting.select(
        who,
        q=portable.truncate(acting.day, "Q"),
        n=acting.day.year() * 4 + (acting.day.month() - 1) // 3,  # quarters since year 0
    ).distinct()
    prev = act.view()
    both = act.left_join(prev, [act[who] == prev[who], prev.n == act.n - 1])
    counts = both.group_by("q").aggregate(active=both.count(), kept=both[f"{who}_right"].count())
    rows = portable.fetch(con, counts)
    found = {q: (active, kept) for q, active, kept in rows}
    if not found:
        return []
    start = _quarter(scope.since) if scope.since else min(found)
    out: list[QuarterRetention] = []
    while start <= last:
        active, kept = found.get(start, (0, 0))
        before = found.get(shift(start, "month", -3), (0, 0))[0]
        out.append(
            QuarterRetention(
                quarter=f"{start.year}-Q{(start.month - 1) // 3 + 1}",
                start=start,
                active=active,
                retained_from_previous=kept,
                rate=round(kept / before, 4) if before else None,
            )
        )
        start = shift(start, "month", 3)
    return out


def _quarter(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


METRICS = (
    Metric(
        "retention",
        "Join-cohort retention table: share of each cohort active k periods later",
        ("P-MEA-2",),
        retention,
        {"period": "week", "periods": 8, "active_kinds": DEFAULT_ACTIVE_KINDS},
    ),
    Metric(
        "returning_vs_new",
        "Active members per period: first seen in the period versus returning",
        ("P-MEA-2",),
        returning_vs_new,
        {"period": "week", "active_kinds": DEFAULT_ACTIVE_KINDS},
    ),
    Metric(
        "quarter_retention",
        "Quarter-on-quarter retention of active members",
        ("P-MEA-2",),
        quarter_retention,
        {"active_kinds": DEFAULT_ACTIVE_KINDS},
    ),
)
