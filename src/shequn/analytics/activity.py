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
            f"SELECT min(CAST(local_at AS DATE)) FROM ev WHERE {where} AND {kinds}",  # noqa: S608
            [*params, *kparams],
        ).fetchall()[0][0]
    )
    if first is None:
        return []
    sql = f"""
        WITH act AS (
            SELECT DISTINCT person, CAST(local_at AS DATE) AS day FROM ev
            WHERE {where} AND {kinds} AND person IS NOT NULL
        ),
        msgs AS (
            SELECT CAST(local_at AS DATE) AS day, count(*) AS n FROM ev
            WHERE {where} AND kind = 'message.posted' GROUP BY 1
        ),
        days AS (
            SELECT CAST(d AS DATE) AS day
            FROM range(CAST(? AS DATE), CAST(? AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)
        ),
        windows AS (
            SELECT days.day,
                   count(DISTINCT act.person) FILTER (WHERE act.day = days.day) AS dau,
                   count(DISTINCT act.person) FILTER (WHERE act.day > days.day - 7) AS wau,
                   count(DISTINCT act.person) AS mau
            FROM days LEFT JOIN act ON act.day BETWEEN days.day - 29 AND days.day
            GROUP BY days.day
        )
        SELECT w.day, w.dau, w.wau, w.mau, coalesce(m.n, 0)
        FROM windows w LEFT JOIN msgs m ON m.day = w.day ORDER BY w.day
    """  # noqa: S608  # only placeholders and fixed SQL are interpolated
    rows = con.execute(sql, [*params, *kparams, *params, first, last]).fetchall()
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
