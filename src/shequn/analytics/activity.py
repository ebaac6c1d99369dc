"""Activity (P-MEA-2): DAU, WAU, MAU, stickiness, messages per active member.

A member is *active* on a local day when they did one of the active kinds that day
(:data:`~shequn.analytics.scope.DEFAULT_ACTIVE_KINDS`; configurable). WAU on day *d* counts
members active on any of the 7 days ending with *d*, MAU the 30 days ending with *d*.
Stickiness is DAU / MAU. Merged identities count as one member.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of, kinds_sql


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
    """One row per local day from ``scope.since`` (or the first event) to the as-of day."""
    last = as_of(con, scope)
    if last is None:
        return []
    # Windows reach back 29 days before `since`, so look at events from then on.
    wide = replace(scope, since=None, until=last)
    where, params = wide.where()
    kinds, kparams = kinds_sql(active_kinds)
    first = (
        scope.since
        or con.execute(
            f"SELECT CAST(min(local_at) AS DATE) FROM ev WHERE {where} AND {kinds}",  # noqa: S608
            [*params, *kparams],
        ).fetchall()[0][0]
    )
    if first is None:
        return []
    # Each person-day starts a stretch during which that person counts towards DAU (1 day),
    # WAU (7) and MAU (30), cut short where their next active day starts the next stretch.
    # Stretches of one person never overlap, so +1/-1 at their ends, summed over days, gives
    # distinct counts in one pass over person-days (no days x events range join).
    sql = f"""
        WITH act AS (
            SELECT DISTINCT person, CAST(local_at AS DATE) AS day FROM ev
            WHERE {where} AND {kinds} AND person IS NOT NULL
        ),
        seg AS (
            SELECT day, lead(day) OVER (PARTITION BY person ORDER BY day) AS nxt FROM act
        ),
        deltas AS (
            SELECT day AS d, 1 AS dau, 1 AS wau, 1 AS mau FROM seg
            UNION ALL SELECT day + 1, -1, 0, 0 FROM seg
            UNION ALL SELECT least(day + 7, coalesce(nxt, day + 7)), 0, -1, 0 FROM seg
            UNION ALL SELECT least(day + 30, coalesce(nxt, day + 30)), 0, 0, -1 FROM seg
        ),
        daily AS (
            SELECT d, sum(dau) AS dau, sum(wau) AS wau, sum(mau) AS mau FROM deltas GROUP BY d
        ),
        msgs AS (
            SELECT CAST(local_at AS DATE) AS day, count(*) AS n FROM ev
            WHERE {where} AND kind = 'message.posted' GROUP BY 1
        ),
        days AS (
            SELECT CAST(t.d AS DATE) AS day
            FROM range((SELECT CAST(min(d) AS DATE) FROM daily), CAST(? AS DATE) + 1,
                       INTERVAL 1 DAY) t(d)
        ),
        running AS (
            SELECT days.day,
                   sum(coalesce(daily.dau, 0)) OVER w AS dau,
                   sum(coalesce(daily.wau, 0)) OVER w AS wau,
                   sum(coalesce(daily.mau, 0)) OVER w AS mau
            FROM days LEFT JOIN daily ON daily.d = days.day
            WINDOW w AS (ORDER BY days.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT r.day, CAST(r.dau AS BIGINT), CAST(r.wau AS BIGINT), CAST(r.mau AS BIGINT),
               coalesce(m.n, 0)
        FROM running r LEFT JOIN msgs m ON m.day = r.day
        WHERE r.day >= ? ORDER BY r.day
    """  # noqa: S608  # only placeholders and fixed SQL are interpolated
    rows = con.execute(sql, [*params, *kparams, *params, last, first]).fetchall()
    return [
        ActivityDay(
            day=d,
            dau=dau,
            wau=wau,
            mau=mau,
            messages=n,
            stickiness=round(dau / mau, 4) if mau else None,
            messages_per_active=round(n / dau, 2) if dau else None,
        )
        for d, dau, wau, mau, n in rows
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
