"""Activity (P-MEA-2): DAU, WAU, MAU, stickiness, messages per active member.

A member is *active* on a local day when they did one of the active kinds that day
(:data:`~shequn.analytics.scope.DEFAULT_ACTIVE_KINDS`; configurable). WAU on day *d* counts
members active on any of the 7 days ending with *d*, MAU the 30 days ending with *d*.
Stickiness is DAU / MAU. Merged identities count as one member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of


@dataclass(frozen=True, slots=True)
class ActivityDay:
    day: date
    dau: int
    wau: int
    mau: int
    messages: int
    stickiness: float | None  # DAU / MAU; None when MAU is 0
    messages_per_active: float | None  # messages / DAU; None when DAU is 0


def activity(
    con: Any, scope: Scope, *, active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS
) -> list[ActivityDay]:
    """One row per local day from ``scope.since`` (or the first event) to the as-of day.

    Defined once for both engines (``analytics/portable.py``)."""
    last = as_of(con, scope)
    if last is None:
        return []
    # Windows reach back 29 days before `since`, so look at events from then on.
    t = portable.ev()
    wide = t.filter(*portable.in_scope(t, portable.history(scope, last)))
    acting = wide.filter(wide.kind.isin(active_kinds))
    first = scope.since or portable.scalar(con, acting.day.min())
    if first is None:
        return []
    deltas = dict(_deltas(con, acting))
    if not deltas:
        return []
    posted = wide.filter(wide.kind == "message.posted")
    messages = dict(portable.fetch(con, posted.group_by("day").aggregate(n=posted.count())))
    out: list[ActivityDay] = []
    dau = wau = mau = 0
    day = min(deltas)
    while day <= last:
        d_dau, d_wau, d_mau = deltas.get(day, (0, 0, 0))
        dau, wau, mau = dau + d_dau, wau + d_wau, mau + d_mau
        if day >= first:
            n = int(messages.get(day, 0))
            out.append(
                ActivityDay(
                    day=day,
                    dau=dau,
                    wau=wau,
                    mau=mau,
                    messages=n,
                    stickiness=round(dau / mau, 4) if mau else None,
                    messages_per_active=round(n / dau, 2) if dau else None,
                )
            )
        day += timedelta(days=1)
    return out


def _deltas(con: Any, acting: Any) -> list[tuple[date, tuple[int, int, int]]]:
    """Per day, how DAU, WAU and MAU change that day (summed from the first day they give
    the counts).

    Each person-day starts a stretch during which that person counts towards DAU (1 day),
    WAU (7) and MAU (30), cut short where their next active day starts the next stretch.
    Stretches of one person never overlap, so +1/-1 at their ends, summed over days, gives
    distinct counts in one pass over person-days (no days x events range join)."""
    import ibis  # lazy: only metrics need it

    act = acting.filter(acting.person.notnull()).select("person", "day").distinct()
    seg = act.mutate(nxt=act.day.lead().over(group_by="person", order_by="day"))

    def ends(n: int) -> Any:
        return ibis.least(
            portable.plus_days(seg.day, n), seg.nxt.fill_null(portable.plus_days(seg.day, n))
        )

    one, zero, off = ibis.literal(1), ibis.literal(0), ibis.literal(-1)
    deltas = ibis.union(
        seg.select(d=seg.day, dau=one, wau=one, mau=one),
        seg.select(d=portable.plus_days(seg.day, 1), dau=off, wau=zero, mau=zero),
        seg.select(d=ends(7), dau=zero, wau=off, mau=zero),
        seg.select(d=ends(30), dau=zero, wau=zero, mau=off),
        distinct=False,
    )
    daily = deltas.group_by("d").aggregate(
        dau=deltas.dau.sum(), wau=deltas.wau.sum(), mau=deltas.mau.sum()
    )
    return [
        (d, (int(a), int(b), int(c))) for d, a, b, c in portable.fetch(con, daily.order_by("d"))
    ]


METRICS = (
    Metric(
        "activity",
        "DAU, WAU, MAU, stickiness and messages per active member, per day",
        ("P-MEA-2",),
        activity,
        {"active_kinds": DEFAULT_ACTIVE_KINDS},
    ),
)
