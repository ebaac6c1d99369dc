"""The AARRR funnel (P-MEA-1) and the K-factor of referrals (P-FIS-1 … P-FIS-4).

Everything is counted in persons (merged identities are one person) and in the community's
local days. The *as-of day* is ``scope.until`` or the day of the newest event in scope; nothing
after it is seen.

``funnel`` — one row per segment, ``by="channel"`` (default), ``"group"`` or ``"community"``:

Acquisition
    Persons whose **first** ``member.joined`` in the scope (community, or ``scope.group``) falls
    in the window ``[since, as-of]``. A member who leaves and re-joins is acquired once, on the
    first join. Channel: ``data.channel`` of that first join, ``"unknown"`` when absent. With
    ``by="group"`` each group counts the persons whose first join *into that group* is in the
    window (one person can be acquired by several groups), and activation and retention only
    look at activity in that group.
Activation
    Of those, persons who did a meaningful action
    (:data:`~shequn.analytics.scope.MEANINGFUL_KINDS`) within ``activation_days`` [7] local days
    counting the join day (days 0 … 6).
Retention
    Persons active (:data:`~shequn.analytics.scope.DEFAULT_ACTIVE_KINDS`) on a day of
    ``retention_days`` [21 … 27 after the join day: week 4]. Judged only for members whose
    window is over by the as-of day (``retention_base``); ``retention_rate = retained /
    retention_base``.
Revenue
    Persons who paid after joining: fees (``payment.made`` that is not a ``deposit``) on or
    after the join day, anywhere in the community, minus ``payment.refunded`` on or after it
    (refunds of deposits excluded), is above zero — a payment refunded in full does not count.
Referral
    Persons credited with bringing at least one member who stayed. Each joiner is credited to
    one inviter: ``data.inviter`` of their join, else the actor of the earliest
    ``member.invited`` naming them; self-invites do not count (P-FIS-5). The invitee *stayed*
    when they did not leave (``member.left`` / ``member.removed``) the group of their first join
    within ``referral_days`` [30] days of it (a join less than 30 days before the as-of day
    counts while the member is still there).

Every ``*_rate`` is the stage count divided by ``acquired`` (retention: ``retention_base``);
``None`` when the divisor is 0.

``k_factor`` — per join cohort (the ``period`` [month; or week, day] of the first join):
``invites_per_member = invitees / size``, where *invitees* are the distinct persons credited
(as above) to a member of the cohort and who joined by the as-of day; ``conversion =
activated_invitees / invitees``, where an invitee is activated by a meaningful action within
``activation_days`` of their own first join; ``k = invites_per_member × conversion =
activated_invitees / size``. K above 1 means each member brings in more than one new active
member: the community grows by itself (P-FIS-1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics.registry import Metric
from shequn.analytics.retention import period_sql
from shequn.analytics.scope import (
    DEFAULT_ACTIVE_KINDS,
    MEANINGFUL_KINDS,
    Scope,
    as_of,
    kinds_sql,
)
from shequn.errors import ShequnError
from shequn.model.i18n import Said

SEGMENTS: tuple[str, ...] = ("channel", "group", "community")


@dataclass(frozen=True, slots=True)
class FunnelRow:
    segment: str  # channel name, group slug or community slug
    acquired: int
    activated: int
    retention_base: int  # acquired members whose retention window is over by the as-of day
    retained: int
    paid: int
    referred: int
    activation_rate: float | None  # activated / acquired
    retention_rate: float | None  # retained / retention_base
    paid_rate: float | None  # paid / acquired
    referral_rate: float | None  # referred / acquired


@dataclass(frozen=True, slots=True)
class KFactor:
    cohort_start: date
    size: int  # persons whose first join fell in the period
    invitees: int  # distinct joiners credited to a cohort member
    activated_invitees: int  # of those, activated within activation_days of joining
    invites_per_member: float | None  # invitees / size
    conversion: float | None  # activated_invitees / invitees
    k: float | None  # invites_per_member × conversion = activated_invitees / size


# --- SQL building blocks (also used by money.py and fission.py) -----------------------


def named(fragment: tuple[str, list[Any]], name: str, params: dict[str, Any]) -> str:
    """Turn ``?`` placeholders (from ``Scope.where``, ``kinds_sql``) into ``$name0, $name1 …``
    and add their values to ``params``, so one fragment can be used many times in a query."""
    sql, values = fragment
    parts = sql.split("?")
    if len(parts) != len(values) + 1:  # pragma: no cover - a programming error
        raise ValueError(Said("{n} values for {m} placeholders", n=len(values), m=len(parts) - 1))
    out = parts[0]
    for i, (value, part) in enumerate(zip(values, parts[1:], strict=True)):
        params[f"{name}{i}"] = value
        out += f"${name}{i}{part}"
    return out


def run(con: Any, sql: str, params: dict[str, Any]) -> list[Any]:
    """Execute with the named parameters the SQL uses (DuckDB rejects unused ones); fetch all."""
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    return list(con.execute(sql, used).fetchall())


def starts_sql(where: str, by: str) -> str:
    """CTEs ``joins`` (every join in ``where``), ``firsts`` (person → first join day, group,
    channel) and ``starts`` (segment, person, g, day) for a segmentation ``by``."""
    if by not in SEGMENTS:
        raise ShequnError(Said("unknown segmentation {by!r}", by=by), by=by, choices=SEGMENTS)
    segment = {
        "community": "SELECT min(community) AS segment, person, CAST(NULL AS VARCHAR) AS g, "
        "min(day) AS day FROM joins GROUP BY person",
        "channel": "SELECT channel AS segment, person, CAST(NULL AS VARCHAR) AS g, day FROM firsts",
        "group": "SELECT grp AS segment, person, grp AS g, min(day) AS day FROM joins "
        "GROUP BY person, grp",
    }[by]
    return f"""
        joins AS (
            SELECT person, community, grp, occurred_at, day,
                   coalesce(data->>'channel', 'unknown') AS channel
            FROM ev WHERE {where} AND kind = 'member.joined' AND person IS NOT NULL
        ),
        firsts AS (
            SELECT person, min(day) AS day, arg_min(grp, occurred_at) AS grp,
                   arg_min(channel, occurred_at) AS channel
            FROM joins GROUP BY person
        ),
        starts AS ({segment})
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated


def fees_sql(where: str) -> str:
    """CTE ``pay``: one signed row per fee paid (+) or refunded (−), deposits left out."""
    return f"""
        pay AS (
            SELECT person, grp, day,
                   CASE WHEN kind = 'payment.made' THEN 1 ELSE -1 END
                   * coalesce(TRY_CAST(data->>'amount' AS DOUBLE), 0) AS amount
            FROM ev
            WHERE {where} AND person IS NOT NULL AND (
                (kind = 'payment.made'
                 AND NOT coalesce(TRY_CAST(data->>'deposit' AS BOOLEAN), false))
                OR (kind = 'payment.refunded' AND NOT coalesce(data->>'payment' IN (
                    SELECT source_ref FROM events d
                    WHERE d.kind = 'payment.made' AND d.community = ev.community
                      AND TRY_CAST(d.data->>'deposit' AS BOOLEAN)), false)))
        )
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated


def credits_sql(where: str) -> str:
    """CTE ``credits``: (inviter, invitee, campaign) persons, at most one inviter per invitee
    (the *credited inviter*, also used by fission.py): ``data.inviter`` of their join, else the
    actor of the earliest ``member.invited`` naming them; self-invites never count.
    ``campaign`` is the ``data.campaign`` of the credited event."""
    return f"""
        credits AS (
            SELECT inviter, invitee, campaign FROM (
                SELECT inviter, invitee, campaign,
                       row_number() OVER (PARTITION BY invitee ORDER BY prio, seen_at) AS rn
                FROM (
                    SELECT coalesce(pp.member, ev.data->>'inviter') AS inviter,
                           ev.person AS invitee, 0 AS prio, ev.occurred_at AS seen_at,
                           ev.data->>'campaign' AS campaign
                    FROM ev LEFT JOIN people pp
                        ON pp.of_community = ev.community AND pp.identity = ev.data->>'inviter'
                    WHERE {where} AND ev.kind = 'member.joined'
                      AND ev.data->>'inviter' IS NOT NULL AND ev.person IS NOT NULL
                    UNION ALL
                    SELECT ev.person, ev.subject_person, 1, ev.occurred_at,
                           ev.data->>'campaign' FROM ev
                    WHERE {where} AND ev.kind = 'member.invited'
                      AND ev.person IS NOT NULL AND ev.subject_person IS NOT NULL
                ) WHERE inviter <> invitee
            ) WHERE rn = 1
        )
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated


def days_sql(name: str, where: str, kinds: str) -> str:
    """CTE ``name``: distinct (person, group, local day) with an event of ``kinds``."""
    return f"""
        {name} AS (
            SELECT DISTINCT person, grp, day FROM ev
            WHERE {where} AND {kinds} AND person IS NOT NULL
        )
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


# --- metrics ---------------------------------------------------------------------------


def funnel(
    con: Any,
    scope: Scope,
    *,
    by: str = "channel",
    activation_days: int = 7,
    retention_days: tuple[int, int] = (21, 27),
    referral_days: int = 30,
    meaningful_kinds: tuple[str, ...] = MEANINGFUL_KINDS,
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[FunnelRow]:
    """AARRR counts per segment, biggest acquisition first (P-MEA-1; see the module doc)."""
    last = as_of(con, scope)
    if last is None:
        return []
    p: dict[str, Any] = {
        "first": scope.since or date.min,
        "last": last,
        "adays": activation_days - 1,
        "r0": retention_days[0],
        "r1": retention_days[1],
        "rdays": referral_days,
    }
    where = named(replace(scope, since=None, until=last).where(), "w", p)
    money = named(Scope(scope.community, until=last).where(), "cw", p)
    sql = f"""
        WITH {starts_sql(where, by)},
        acq AS (SELECT * FROM starts WHERE day BETWEEN $first AND $last),
        {days_sql("meaningful", where, named(kinds_sql(meaningful_kinds), "mk", p))},
        {days_sql("active", where, named(kinds_sql(active_kinds), "ak", p))},
        {fees_sql(money)},
        {credits_sql(where)},
        leaves AS (
            SELECT CASE WHEN kind = 'member.left' THEN person ELSE subject_person END AS person,
                   grp, day
            FROM ev WHERE {where} AND kind IN ('member.left', 'member.removed')
        ),
        stayed AS (
            SELECT c.inviter FROM credits c JOIN firsts f ON f.person = c.invitee
            WHERE NOT EXISTS (
                SELECT 1 FROM leaves l WHERE l.person = f.person AND l.grp = f.grp
                  AND l.day >= f.day AND l.day < f.day + $rdays)
        ),
        activated AS (
            SELECT DISTINCT a.segment, a.person FROM acq a JOIN meaningful m
              ON m.person = a.person AND (a.g IS NULL OR m.grp = a.g)
             AND m.day BETWEEN a.day AND a.day + $adays
        ),
        retained AS (
            SELECT DISTINCT a.segment, a.person FROM acq a JOIN active m
              ON m.person = a.person AND (a.g IS NULL OR m.grp = a.g)
             AND m.day BETWEEN a.day + $r0 AND a.day + $r1
            WHERE a.day + $r1 <= $last
        ),
        paid AS (
            SELECT a.segment, a.person FROM acq a JOIN pay ON pay.person = a.person
             AND pay.day >= a.day
            GROUP BY a.segment, a.person HAVING sum(pay.amount) > 0
        ),
        referred AS (
            SELECT DISTINCT a.segment, a.person FROM acq a JOIN stayed s ON s.inviter = a.person
        )
        SELECT a.segment, count(*), count(x.person),
               count(*) FILTER (WHERE a.day + $r1 <= $last), count(r.person),
               count(pd.person), count(f.person)
        FROM acq a
        LEFT JOIN activated x ON x.segment = a.segment AND x.person = a.person
        LEFT JOIN retained r ON r.segment = a.segment AND r.person = a.person
        LEFT JOIN paid pd ON pd.segment = a.segment AND pd.person = a.person
        LEFT JOIN referred f ON f.segment = a.segment AND f.person = a.person
        GROUP BY a.segment ORDER BY count(*) DESC, a.segment
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    rows = run(con, sql, p)
    return [
        FunnelRow(
            segment=seg,
            acquired=acq,
            activated=act,
            retention_base=base,
            retained=ret,
            paid=paid,
            referred=ref,
            activation_rate=_rate(act, acq),
            retention_rate=_rate(ret, base),
            paid_rate=_rate(paid, acq),
            referral_rate=_rate(ref, acq),
        )
        for seg, acq, act, base, ret, paid, ref in rows
    ]


def k_factor(
    con: Any,
    scope: Scope,
    *,
    period: str = "month",
    activation_days: int = 7,
    meaningful_kinds: tuple[str, ...] = MEANINGFUL_KINDS,
) -> list[KFactor]:
    """Viral coefficient per join cohort (P-FIS-1, P-MEA-1; see the module doc)."""
    last = as_of(con, scope)
    if last is None:
        return []
    p: dict[str, Any] = {"first": scope.since or date.min, "last": last}
    p["adays"] = activation_days - 1
    where = named(replace(scope, since=None, until=last).where(), "w", p)
    cohort = period_sql(period, "day")
    sql = f"""
        WITH {starts_sql(where, "community")},
        {days_sql("meaningful", where, named(kinds_sql(meaningful_kinds), "mk", p))},
        {credits_sql(where)},
        cohorts AS (
            SELECT person, {cohort} AS cohort FROM firsts WHERE day BETWEEN $first AND $last
        ),
        invitees AS (
            SELECT c.cohort, cr.invitee, f.day FROM cohorts c
            JOIN credits cr ON cr.inviter = c.person JOIN firsts f ON f.person = cr.invitee
        ),
        activated AS (
            SELECT DISTINCT i.cohort, i.invitee FROM invitees i JOIN meaningful m
              ON m.person = i.invitee AND m.day BETWEEN i.day AND i.day + $adays
        ),
        counts AS (
            SELECT i.cohort, count(*) AS n, count(a.invitee) AS n_act FROM invitees i
            LEFT JOIN activated a ON a.cohort = i.cohort AND a.invitee = i.invitee
            GROUP BY i.cohort
        )
        SELECT c.cohort, count(*), any_value(coalesce(k.n, 0)), any_value(coalesce(k.n_act, 0))
        FROM cohorts c LEFT JOIN counts k ON k.cohort = c.cohort
        GROUP BY c.cohort ORDER BY c.cohort
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    rows = run(con, sql, p)
    out = []
    for start, size, n, n_act in rows:
        conversion = _rate(n_act, n)
        out.append(
            KFactor(
                cohort_start=start,
                size=size,
                invitees=n,
                activated_invitees=n_act,
                invites_per_member=_rate(n, size),
                conversion=conversion,
                k=_rate(n_act, size),
            )
        )
    return out


METRICS = (
    Metric(
        "funnel",
        "AARRR funnel per acquisition channel, group or community",
        ("P-MEA-1", "P-FIS-1", "P-FIS-4"),
        funnel,
        {
            "by": "channel",
            "activation_days": 7,
            "retention_days": (21, 27),
            "referral_days": 30,
            "meaningful_kinds": MEANINGFUL_KINDS,
            "active_kinds": DEFAULT_ACTIVE_KINDS,
        },
    ),
    Metric(
        "k_factor",
        "K-factor per join cohort: invitees per member times their activation rate",
        ("P-FIS-1", "P-FIS-2", "P-FIS-3", "P-MEA-1"),
        k_factor,
        {"period": "month", "activation_days": 7, "meaningful_kinds": MEANINGFUL_KINDS},
    ),
)
