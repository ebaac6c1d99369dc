"""Money and delivery (P-MEA-6, P-MON-4, P-ENG-5, P-FIS-4): camps, renewals, ladder, revenue,
cost per acquired member.

Persons (merged identities are one), local days, and the as-of day (``scope.until`` or the day
of the newest event in scope) as everywhere in analytics. Amounts are summed as recorded: one
currency per community is assumed. Payments and memberships usually have no group; with
``scope.group`` set, ``renewal_rate`` and ``ladder_conversion`` look at the persons who joined
that group, and ``revenue`` at the money attributed to it (see below). For the same reason a
group's as-of day is the community's.

``checkin_completion`` (P-ENG-5, P-MEA-6)
    Per camp (``checkin.done`` ``data.camp``; the group when absent): the camp has *days* =
    the highest ``data.day`` seen (days 1 … max; a check-in without ``day`` is numbered by its
    local date, the camp's first check-in date being day 1). ``participants`` checked in at
    least once; ``completed`` checked in on at least ``threshold`` [0.8] × days distinct days;
    ``rate = completed / participants``. A camp still running is measured on its days so far.

``renewal_rate`` (P-MON-2, P-MON-4, P-MEA-6)
    A *term* is a ``membership.started`` or ``membership.renewed`` with ``data.until`` (the
    date part of the ISO value); lifetime terms never come due. Terms whose ``until`` falls in
    the window ``[since, as-of]`` are *due*. A due term is *renewed* when the same person
    renewed the same plan after the term began and no later than ``until + grace_days`` [30];
    otherwise *ended* when a ``membership.ended`` of that plan followed or the grace period is
    over by the as-of day; otherwise *pending*. ``rate = renewed / (renewed + ended)`` per plan.

``ladder_conversion`` (P-MON-1, P-MON-4)
    Tiers ``free < low < mid < high < partner``. A person's tier is the highest ``data.tier`` of
    their ``payment.made`` in the window; anyone who joined in the window is at least ``free``.
    ``reached[T]`` = persons at tier T or higher; ``rate[T] = reached[T] / reached[T-1]`` (the
    step from the previous rung). Refunds do not lower a tier.

``revenue`` (P-MON-4)
    Fees = ``payment.made`` in the window that are not deposits; refunds = ``payment.refunded``
    in the window, except refunds of deposits; ``net = fees − refunds``. ``payers`` paid a fee
    in the window; ``active`` were active (default active kinds) in the window.
    ``per_active = net / active``, ``per_payer = net / payers``. ``by="group"``: a payment
    belongs to its own group; one without a group belongs to the group of the payer's first
    join in the community (their entry group), else ``"(none)"`` — every payment is counted in
    exactly one group, so the groups add up to the community.

``acquisition_cost`` (P-FIS-4, P-MEA-6)
    Acquired members per channel as in the funnel (first join in the window, ``data.channel``,
    ``"unknown"`` when absent). Cost per channel = the blueprint channel's ``cost_per_member``
    (latest ``community.configured``) × acquired; channels missing from the blueprint have an
    unknown cost (``None``). ``blended = total known cost / members acquired through priced
    channels``; ``unpriced`` counts the members acquired through channels without a price.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics import portable
from shequn.analytics.funnel import fees_sql, named, run, starts_sql
from shequn.analytics.params import Choice
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of, kinds_sql
from shequn.errors import ShequnError

TIERS: tuple[str, ...] = ("free", "low", "mid", "high", "partner")
"""The ladder's rungs in order (P-MON-1)."""


@dataclass(frozen=True, slots=True)
class CampCompletion:
    camp: str
    days: int  # highest day number seen
    participants: int  # checked in at least once
    completed: int  # checked in on at least threshold × days days
    rate: float | None  # completed / participants


@dataclass(frozen=True, slots=True)
class Renewal:
    plan: str
    due: int  # terms whose end fell in the window
    renewed: int
    ended: int  # explicitly ended, or not renewed within the grace period
    pending: int  # grace period still running at the as-of day
    rate: float | None  # renewed / (renewed + ended)


@dataclass(frozen=True, slots=True)
class LadderRung:
    tier: str
    reached: int  # persons at this tier or higher
    rate: float | None  # reached / reached at the previous tier; None for "free"


@dataclass(frozen=True, slots=True)
class Revenue:
    segment: str  # community slug (the scope's group, if any) or group slug
    fees: float
    refunds: float
    net: float
    payers: int
    active: int
    per_active: float | None  # net / active
    per_payer: float | None  # net / payers


@dataclass(frozen=True, slots=True)
class ChannelCost:
    channel: str
    acquired: int
    cost_per_member: float | None  # None: the blueprint does not list the channel
    cost: float | None


@dataclass(frozen=True, slots=True)
class AcquisitionCost:
    channels: list[ChannelCost]
    acquired: int
    unpriced: int  # acquired through channels the blueprint does not price
    cost: float  # sum of known costs
    blended: float | None  # cost / (acquired - unpriced)


def _rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def scope_window(con: Any, scope: Scope) -> tuple[date, dict[str, Any]] | None:
    """The as-of day and the window parameters (also used by fission.py). Payments and
    memberships carry no group, so a group's as-of day is the community's (else a payment
    after the group's last message would be cut off); an empty group is still empty."""
    if as_of(con, scope) is None:
        return None
    last = as_of(con, replace(scope, group=None))
    if last is None:  # pragma: no cover - the group had events, so the community has
        return None
    return last, {"first": scope.since or date.min, "last": last}


def _members_of(scope: Scope, p: dict[str, Any]) -> str:
    """``AND person IN (members of scope.group)``, or nothing for a whole community."""
    if scope.group is None:
        return ""
    p["mc"], p["mg"] = scope.community, scope.group
    return (
        " AND person IN (SELECT person FROM ev WHERE community = $mc AND grp = $mg"
        " AND kind = 'member.joined')"
    )


def checkin_completion(con: Any, scope: Scope, *, threshold: float = 0.8) -> list[CampCompletion]:
    """Completion rate per training camp (P-ENG-5, P-MEA-6; see the module doc).

    Defined once for both engines (``analytics/portable.py``); who completed is judged in
    Python from the counts (a float threshold is not rendered the same by both engines)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    done = t.filter(
        *portable.in_scope(t, replace(scope, until=last)),
        t.kind == "checkin.done",
        t.person.notnull(),
    )
    ci = done.select(
        "person",
        "day",
        camp=portable.field(con, done.data, "camp").fill_null(done.grp).fill_null("(none)"),
        n=portable.field(con, done.data, "day").try_cast("int64"),
    )
    since_first = ci.day.delta(ci.day.min().over(group_by="camp"), unit="day") + 1
    numbered = ci.select("person", "camp", n=ci.n.fill_null(since_first))
    days = dict(portable.fetch(con, numbered.group_by("camp").aggregate(days=numbered.n.max())))
    counted = numbered.filter(numbered.n >= 1)
    per = counted.group_by(["camp", "person"]).aggregate(done=counted.n.nunique())
    tally = per.group_by(["camp", "done"]).aggregate(people=per.count())
    camps: dict[str, list[int]] = {}
    for camp, n_done, people in portable.fetch(con, tally):
        totals = camps.setdefault(camp, [0, 0])
        totals[0] += int(people)
        totals[1] += int(people) if n_done >= threshold * days[camp] - 1e-9 else 0
    return [
        CampCompletion(camp, int(days[camp]), n, ok, _rate(ok, n))
        for camp, (n, ok) in sorted(camps.items())
    ]


def renewal_rate(con: Any, scope: Scope, *, grace_days: int = 30) -> list[Renewal]:
    """Renewed versus ended memberships per plan (P-MON-4, P-MEA-6; see the module doc)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    p["grace"] = grace_days
    where = named(Scope(scope.community, until=last).where(), "w", p) + _members_of(scope, p)
    sql = f"""
        WITH m AS (
            SELECT person, data->>'plan' AS plan, kind, occurred_at,
                   CAST(local_at AS DATE) AS day,
                   TRY_CAST(left(data->>'until', 10) AS DATE) AS until
            FROM ev WHERE {where} AND person IS NOT NULL AND kind IN
                ('membership.started', 'membership.renewed', 'membership.ended')
        ),
        judged AS (
            SELECT t.plan, t.person, t.occurred_at, t.until,
                   coalesce(bool_or(r.kind = 'membership.renewed'
                                    AND r.day <= t.until + $grace), false) AS renewed,
                   coalesce(bool_or(r.kind = 'membership.ended'), false) AS ended
            FROM m t LEFT JOIN m r ON r.person = t.person AND r.plan = t.plan
                 AND r.occurred_at > t.occurred_at
            WHERE t.kind <> 'membership.ended' AND t.until BETWEEN $first AND $last
            GROUP BY t.plan, t.person, t.occurred_at, t.until
        )
        SELECT plan, count(*), count(*) FILTER (WHERE renewed),
               count(*) FILTER (WHERE NOT renewed AND (ended OR until + $grace < $last))
        FROM judged GROUP BY plan ORDER BY plan
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    return [
        Renewal(plan, due, renewed, ended, due - renewed - ended, _rate(renewed, renewed + ended))
        for plan, due, renewed, ended in run(con, sql, p)
    ]


def ladder_conversion(con: Any, scope: Scope) -> list[LadderRung]:
    """Persons reaching each rung of the ladder, and the step rate (P-MON-4; module doc)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    joins = named(replace(scope, until=last).where(), "w", p)
    window = replace(scope, group=None, until=last)
    money = named(window.where(), "cw", p) + _members_of(scope, p)
    rank = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(TIERS))
    sql = f"""
        WITH tiers AS (
            SELECT person, 0 AS r FROM ev
            WHERE {joins} AND kind = 'member.joined' AND person IS NOT NULL
            UNION ALL
            SELECT person, CASE data->>'tier' {rank} END FROM ev
            WHERE {money} AND kind = 'payment.made' AND person IS NOT NULL
        )
        SELECT r, count(*) FROM (
            SELECT person, max(r) AS r FROM tiers WHERE r IS NOT NULL GROUP BY person
        ) GROUP BY r
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    at_tier = dict(run(con, sql, p))
    if not at_tier:
        return []
    reached = [sum(n for r, n in at_tier.items() if r >= i) for i in range(len(TIERS))]
    return [
        LadderRung(tier, reached[i], _rate(reached[i], reached[i - 1]) if i else None)
        for i, tier in enumerate(TIERS)
    ]


def revenue(
    con: Any,
    scope: Scope,
    *,
    by: str = "community",
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[Revenue]:
    """Revenue per member, for the community or per group (P-MON-4; see the module doc)."""
    if by not in ("community", "group"):
        raise ShequnError(f"unknown segmentation {by!r}", by=by, choices=("community", "group"))
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    p["c"], p["g"] = scope.community, scope.group
    history = named(Scope(scope.community, until=last).where(), "h", p)
    window = named(replace(scope, group=None, until=last).where(), "cw", p)
    active = named(replace(scope, until=last).where(), "w", p)
    kinds = named(kinds_sql(active_kinds), "k", p)
    home = "coalesce(pay.grp, f.grp, '(none)')"
    whole = "coalesce(CAST($g AS VARCHAR), $c)"  # the scope's group, else the community
    seg_pay, seg_act = (whole, whole) if by == "community" else (home, "grp")
    sql = f"""
        WITH {starts_sql(history, "community")},
        {fees_sql(window)},
        money AS (
            SELECT CAST({seg_pay} AS VARCHAR) AS segment,
                   sum(amount) FILTER (WHERE amount > 0) AS fees,
                   -sum(amount) FILTER (WHERE amount < 0) AS refunds,
                   count(DISTINCT pay.person) FILTER (WHERE amount > 0) AS payers
            FROM pay LEFT JOIN firsts f ON f.person = pay.person
            WHERE CAST($g AS VARCHAR) IS NULL OR {home} = $g
            GROUP BY 1
        ),
        act AS (
            SELECT CAST({seg_act} AS VARCHAR) AS segment, count(DISTINCT person) AS n FROM ev
            WHERE {active} AND {kinds} AND person IS NOT NULL GROUP BY 1
        )
        SELECT coalesce(m.segment, a.segment), coalesce(m.fees, 0), coalesce(m.refunds, 0),
               coalesce(m.payers, 0), coalesce(a.n, 0)
        FROM money m FULL OUTER JOIN act a ON a.segment = m.segment
        ORDER BY 1
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    out = []
    for segment, fees, refunds, payers, n in run(con, sql, p):
        net = round(fees - refunds, 2)
        out.append(
            Revenue(
                segment=segment,
                fees=round(fees, 2),
                refunds=round(refunds, 2),
                net=net,
                payers=payers,
                active=n,
                per_active=_rate(net, n),
                per_payer=_rate(net, payers),
            )
        )
    return out


def acquisition_cost(con: Any, scope: Scope) -> AcquisitionCost:
    """Cost per acquired member per channel, and blended (P-FIS-4, P-MEA-6; module doc)."""
    setup = scope_window(con, scope)
    if setup is None:
        return AcquisitionCost([], 0, 0, 0.0, None)
    last, p = setup
    p["c"] = scope.community
    where = named(replace(scope, since=None, until=last).where(), "w", p)
    sql = f"""
        WITH {starts_sql(where, "channel")},
        acq AS (
            SELECT segment AS channel, count(*) AS n FROM starts
            WHERE day BETWEEN $first AND $last GROUP BY 1
        ),
        bp AS (
            SELECT data->'blueprint'->'channels' AS ch FROM ev
            WHERE community = $c AND kind = 'community.configured' ORDER BY id DESC LIMIT 1
        ),
        costs AS (
            SELECT DISTINCT ON (channel) c->>'name' AS channel,
                   coalesce(TRY_CAST(c->>'cost_per_member' AS DOUBLE), 0) AS cpm
            FROM bp, unnest(CAST(bp.ch AS JSON[])) AS t(c) WHERE c->>'name' IS NOT NULL
        )
        SELECT coalesce(a.channel, k.channel), coalesce(a.n, 0), k.cpm
        FROM acq a FULL OUTER JOIN costs k ON k.channel = a.channel
        ORDER BY 2 DESC, 1
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    channels = [
        ChannelCost(name, n, cpm, None if cpm is None else round(cpm * n, 2))
        for name, n, cpm in run(con, sql, p)
    ]
    acquired = sum(c.acquired for c in channels)
    unpriced = sum(c.acquired for c in channels if c.cost is None)
    cost = round(sum(c.cost for c in channels if c.cost is not None), 2)
    return AcquisitionCost(channels, acquired, unpriced, cost, _rate(cost, acquired - unpriced))


METRICS = (
    Metric(
        "checkin_completion",
        "Training-camp completion rate: members who checked in on most days",
        ("P-ENG-5", "P-MEA-6"),
        checkin_completion,
        {"threshold": 0.8},
    ),
    Metric(
        "renewal_rate",
        "Membership renewal rate per plan for terms ending in the window",
        ("P-MON-2", "P-MON-4", "P-MEA-6"),
        renewal_rate,
        {"grace_days": 30},
    ),
    Metric(
        "ladder_conversion",
        "Persons reaching each ladder tier and the conversion from the tier below",
        ("P-MON-1", "P-MON-4"),
        ladder_conversion,
        {},
    ),
    Metric(
        "revenue",
        "Net revenue per active member and per payer, for the community or per group",
        ("P-MON-4",),
        revenue,
        {"by": "community", "active_kinds": DEFAULT_ACTIVE_KINDS},
        {"by": Choice(options=("community", "group"))},
    ),
    Metric(
        "acquisition_cost",
        "Cost per acquired member per channel (blueprint prices) and blended",
        ("P-FIS-4", "P-MEA-6"),
        acquisition_cost,
        {},
    ),
)
