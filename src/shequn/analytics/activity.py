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
    return _by(con, scope, last, active_kinds, ()).get((), [])


def activity_by_group(
    con: Any, scope: Scope, *, active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS
) -> dict[str, list[ActivityDay]]:
    """:func:`activity` of every group in ``scope`` at once: for a scope with an as-of day
    (``until``), ``result[g] == activity(con, scope.with_group(g))`` for each group ``g``
    (left out where that is empty); without one, every group is measured up to the scope's
    as-of day. One pass over the log where the diagnosis asked once per group (50 groups:
    50 day series, and three Ibis compilations each)."""
    last = as_of(con, scope)
    if last is None:
        return {}
    return {str(k[0]): days for k, days in _by(con, scope, last, active_kinds, ("grp",)).items()}


def _by(
    con: Any, scope: Scope, last: date, active_kinds: tuple[str, ...], by: tuple[str, ...]
) -> dict[tuple[Any, ...], list[ActivityDay]]:
    """The day series of each value of the ``by`` columns (``()``: one series, key ``()``)."""
    # Windows reach back 29 days before `since`, so look at events from then on.
    t = portable.ev(con)
    wide = t.filter(*portable.in_scope(t, portable.history(scope, last)))
    if by:  # an event outside every group is in no group's series
        wide = wide.filter(*(wide[c].notnull() for c in by))
    acting = wide.filter(wide.kind.isin(active_kinds))
    first: dict[tuple[Any, ...], date] = {}  # where each series starts, without `since`
    if scope.since is None:
        starts = (acting.group_by(list(by)) if by else acting).aggregate(first=acting.day.min())
        first = {tuple(r[:-1]): r[-1] for r in portable.fetch(con, starts) if r[-1] is not None}
        if not first:
            return {}
    deltas: dict[tuple[Any, ...], dict[date, tuple[int, int, int]]] = {}
    for *key, d, counts in _deltas(con, acting, by):
        deltas.setdefault(tuple(key), {})[d] = counts
    posted = wide.filter(wide.kind == "message.posted")
    count = posted.group_by([*by, "day"]).aggregate(n=posted.count())
    messages: dict[tuple[Any, ...], dict[date, int]] = {}
    for *key, d, n in portable.fetch(con, count) if deltas else ():
        messages.setdefault(tuple(key), {})[d] = int(n)
    return {
        key: _series(days, messages.get(key, {}), scope.since or first[key], last)
        for key, days in deltas.items()
    }


def _series(
    deltas: dict[date, tuple[int, int, int]], messages: dict[date, int], first: date, last: date
) -> list[ActivityDay]:
    """The days from ``first`` to ``last``, DAU / WAU / MAU summed from their daily changes."""
    out: list[ActivityDay] = []
    dau = wau = mau = 0
    day = min(deltas)
    while day <= last:
        d_dau, d_wau, d_mau = deltas.get(day, (0, 0, 0))
        dau, wau, mau = dau + d_dau, wau + d_wau, mau + d_mau
        if day >= first:
            n = messages.get(day, 0)
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


def _deltas(con: Any, acting: Any, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Per ``by`` value and day, how DAU, WAU and MAU change that day (summed from the first
    day they give the counts): rows ``(*by, day, (dau, wau, mau))``.

    Each person-day starts a stretch during which that person counts towards DAU (1 day),
    WAU (7) and MAU (30), cut short where their next active day starts the next stretch.
    Stretches of one person never overlap, so +1/-1 at their ends, summed over days, gives
    distinct counts in one pass over person-days (no days x events range join).

    The next active day is a ``lead`` over the person's events themselves: of the events of
    one person-day only the last has a later (or no) next day, so keeping the events whose
    next day differs keeps each person-day once (no ``DISTINCT`` first: it cost as much as
    the window). Person-days are then counted per (day, next day capped at 31 days on), all
    a stretch's ends depend on, so the +1/-1 are summed over those few rows, not over every
    person-day (EXPLAIN ANALYZE at 2M events: 0.83 → 0.49 CPU s; docs/scale.md)."""
    import ibis  # lazy: only metrics need it

    keys = [*by, portable.who(con)]
    act = acting.filter(acting[keys[-1]].notnull()).select(*keys, "day")
    act = act.mutate(nxt=act.day.lead().over(group_by=keys, order_by="day"))
    act = act.filter(~act.nxt.identical_to(act.day))
    far = portable.plus_days(act.day, 31)  # past every end: a later next day cuts nothing
    seg = act.group_by([*by, "day", ibis.least(act.nxt.fill_null(far), far).name("cap")])
    seg = seg.aggregate(n=act.count())

    def ends(n: int) -> Any:
        return ibis.least(portable.plus_days(seg.day, n), seg.cap)

    zero, less = ibis.literal(0, type="int64"), -seg.n
    deltas = ibis.union(
        seg.select(*by, d=seg.day, dau=seg.n, wau=seg.n, mau=seg.n),
        seg.select(*by, d=portable.plus_days(seg.day, 1), dau=less, wau=zero, mau=zero),
        seg.select(*by, d=ends(7), dau=zero, wau=less, mau=zero),
        seg.select(*by, d=ends(30), dau=zero, wau=zero, mau=less),
        distinct=False,
    )
    daily = deltas.group_by([*by, "d"]).aggregate(
        dau=deltas.dau.sum(), wau=deltas.wau.sum(), mau=deltas.mau.sum()
    )
    rows = portable.fetch(con, daily.order_by([*by, "d"]))
    return [(*r[:-4], r[-4], (int(r[-3]), int(r[-2]), int(r[-1]))) for r in rows]


METRICS = (
    Metric(
        "activity",
        "DAU, WAU, MAU, stickiness and messages per active member, per day",
        ("P-MEA-2",),
        activity,
        {"active_kinds": DEFAULT_ACTIVE_KINDS},
    ),
)
