"""Money figures beside ``money.py``'s (P-MON-1..4): recurring revenue and the revenue churned,
refunds per product, private offers accepted, and the time it takes to climb each rung.

Amounts are **integer minor units** (fen, cents): ``data.amount_minor`` of the payment, else
its ``amount`` × 100 (logs and imports from before minor units; two-digit currencies), summed
per currency — never a float sum. Persons, local days and the as-of day as in ``money.py``;
with ``scope.group`` set, the persons who joined that group.

``recurring_revenue`` (P-MON-2, P-MON-4)
    A *paid term* is a ``membership.started`` or ``membership.renewed`` with ``data.until`` and
    ``data.payment`` naming a ``payment.made`` (trials and gifts have no payment: not revenue).
    It runs from its start — for a renewal, the previous term's end, since a renewal extends
    from there — to ``until``; *n* = its length in days / 30.4375 rounded, at least 1, and its
    monthly value = the payment / *n* (a year's 99.00 is 8.25 a month). A person's membership
    of a plan is *recurring at the as-of day* when its latest term by then ends after that day
    and no ``membership.ended`` of the plan followed the term by then (a cancelled membership
    counts until its end). ``mrr`` = the monthly values of those, per plan and currency.
    ``churned`` counts the ``membership.ended`` (expired, cancelled, refunded) in the window
    and ``churned_mrr`` their last term's monthly value: the recurring revenue lost.

``refund_rate`` (P-MON-1, P-MON-4)
    Per product (``data.product``, ``"(none)"`` when absent) and currency: ``payments`` = fees
    paid in the window (deposits left out, as in ``revenue``), ``paid`` their sum; a payment is
    *refunded* when a ``payment.refunded`` names it (``data.payment``) by the as-of day;
    ``refunded_amount`` sums those refunds. ``rate = refunded / payments``, ``amount_rate =
    refunded_amount / paid``.

``offer_acceptance`` (P-MON-3)
    Per product: ``offered`` = ``offer.made`` in the window, ``accepted`` = those with an
    ``offer.accepted`` of the same offer id by the as-of day, ``rate = accepted / offered``,
    ``median_days`` from the offer to its acceptance.

``conversion_time`` (P-MON-1, P-MON-4)
    Per rung above ``free``: ``converted`` = persons whose first payment at that tier or higher
    falls in the window; ``median_days`` / ``mean_days`` from their first join in the
    community (first event when they never joined) to that payment. With ``ladder_conversion``
    (who climbs) this says how long the climb takes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shequn.analytics import portable
from shequn.analytics.funnel import named, run
from shequn.analytics.money import TIERS, _members_of, joined_group, rate, scope_window
from shequn.analytics.registry import Metric
from shequn.analytics.scope import Scope

MINOR = (
    "coalesce(TRY_CAST(data->>'amount_minor' AS BIGINT), "
    "CAST(round(TRY_CAST(data->>'amount' AS DOUBLE) * 100) AS BIGINT), 0)"
)
"""A payment's or refund's amount in minor units (see the module doc)."""
CURRENCY = "coalesce(data->>'currency', 'CNY')"
MEAN_MONTH_DAYS = 30.4375


@dataclass(frozen=True, slots=True)
class Recurring:
    plan: str
    currency: str
    active: int  # paying memberships recurring at the as-of day
    mrr: int  # their monthly value, minor units
    churned: int  # memberships ended in the window
    churned_mrr: int  # the monthly value they had, minor units


@dataclass(frozen=True, slots=True)
class Refunds:
    product: str
    currency: str
    payments: int
    paid: int  # minor units
    refunded: int  # payments with a refund
    refunded_amount: int  # minor units
    rate: float | None  # refunded / payments
    amount_rate: float | None  # refunded_amount / paid


@dataclass(frozen=True, slots=True)
class OfferAcceptance:
    product: str
    offered: int
    accepted: int
    rate: float | None
    median_days: float | None  # offer → acceptance


@dataclass(frozen=True, slots=True)
class ConversionTime:
    tier: str
    converted: int
    median_days: float | None  # first join → first payment at this tier or higher
    mean_days: float | None


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _money_window(con: Any, scope: Scope) -> tuple[str, dict[str, Any]] | None:
    """The community's events of the window up to the as-of day (money has no group), and
    the parameters, with ``$c`` the community and ``$last`` the as-of day."""
    setup = scope_window(con, scope)
    if setup is None:
        return None
    last, p = setup
    p["c"] = scope.community
    return named(replace(scope, group=None, until=last).where(), "cw", p), p


def recurring_revenue(con: Any, scope: Scope) -> list[Recurring]:
    """Monthly recurring revenue at the as-of day and what churned (P-MON-2; module doc)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    p["c"], p["month"] = scope.community, MEAN_MONTH_DAYS
    where = named(Scope(scope.community, until=last).where(), "w", p) + _members_of(scope, p)
    sql = f"""
        WITH pays AS (
            SELECT source_ref AS ref, {CURRENCY} AS currency, {MINOR} AS minor FROM ev
            WHERE community = $c AND kind = 'payment.made'
        ),
        terms AS (
            SELECT m.person, m.data->>'plan' AS plan, m.occurred_at AS ts, m.day,
                   TRY_CAST(left(m.data->>'until', 10) AS DATE) AS until, m.kind,
                   p.currency, p.minor
            FROM ev m JOIN pays p ON p.ref = m.data->>'payment'
            WHERE {where} AND m.person IS NOT NULL AND m.data->>'until' IS NOT NULL
              AND m.kind IN ('membership.started', 'membership.renewed')
        ),
        valued AS (
            SELECT *, minor / greatest(1, round(date_diff('day',
                       CASE WHEN kind = 'membership.renewed' THEN coalesce(
                           lag(until) OVER (PARTITION BY person, plan ORDER BY ts), day)
                       ELSE day END, until) / $month)) AS monthly,
                   row_number() OVER (PARTITION BY person, plan ORDER BY ts DESC) AS latest
            FROM terms
        ),
        ended AS (
            SELECT person, data->>'plan' AS plan, occurred_at AS ts, day FROM ev
            WHERE {where} AND kind = 'membership.ended' AND person IS NOT NULL
        ),
        now_ AS (
            SELECT v.plan, v.currency, count(*) AS n, sum(v.monthly) AS mrr FROM valued v
            WHERE v.latest = 1 AND v.until > $last AND NOT EXISTS (
                SELECT 1 FROM ended e WHERE e.person = v.person AND e.plan = v.plan
                  AND e.ts >= v.ts)
            GROUP BY 1, 2
        ),
        lost AS (
            SELECT v.plan, v.currency, count(*) AS n, sum(v.monthly) AS mrr
            FROM ended e JOIN valued v ON v.person = e.person AND v.plan = e.plan AND v.ts <= e.ts
            WHERE e.day BETWEEN $first AND $last AND NOT EXISTS (
                SELECT 1 FROM valued w WHERE w.person = v.person AND w.plan = v.plan
                  AND w.ts > v.ts AND w.ts <= e.ts)
            GROUP BY 1, 2
        )
        SELECT coalesce(a.plan, b.plan), coalesce(a.currency, b.currency), coalesce(a.n, 0),
               coalesce(a.mrr, 0), coalesce(b.n, 0), coalesce(b.mrr, 0)
        FROM now_ a FULL OUTER JOIN lost b ON a.plan = b.plan AND a.currency = b.currency
        ORDER BY 1, 2
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    return [
        Recurring(plan, currency, n, round(mrr), churned, round(lost))
        for plan, currency, n, mrr, churned, lost in run(con, sql, p)
    ]


def refund_rate(con: Any, scope: Scope) -> list[Refunds]:
    """Refunds per product, by count and by amount (P-MON-1, P-MON-4; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    made = t.filter(
        *portable.in_scope(t, replace(scope, group=None, until=last)),
        *joined_group(t, scope),
        t.kind == "payment.made",
        t.person.notnull(),
        ~portable.field(con, t.data, "deposit").try_cast("boolean").fill_null(False),
    )
    paid = made.select(
        ref=made.source_ref,
        product=portable.field(con, made.data, "product").fill_null("(none)"),
        currency=portable.field(con, made.data, "currency").fill_null("CNY"),
        minor=_minor(con, made),
    )
    refunds = t.filter(t.community == scope.community, t.kind == "payment.refunded", t.day <= last)
    back = (
        refunds.select(ref=portable.field(con, refunds.data, "payment"), minor=_minor(con, refunds))
        .group_by("ref")
        .aggregate(back=lambda b: b.minor.sum())
    )
    both = paid.left_join(back, "ref")
    per = both.group_by(["product", "currency"]).aggregate(
        n=both.count(), paid=both.minor.sum(), k=both.ref_right.count(), back=both.back.sum()
    )
    return [
        Refunds(product, cur, n, int(paid), k, int(back or 0), rate(k, n), rate(back or 0, paid))
        for product, cur, n, paid, k, back in sorted(portable.fetch(con, per))
    ]


def _minor(con: Any, t: Any) -> Any:
    """:data:`MINOR` on Ibis table ``t``."""
    amount = portable.field(con, t.data, "amount").try_cast("float64")
    return (
        portable.field(con, t.data, "amount_minor")
        .try_cast("int64")
        .fill_null((amount * 100).round().cast("int64"))
        .fill_null(0)
    )


def offer_acceptance(con: Any, scope: Scope) -> list[OfferAcceptance]:
    """Private offers accepted per product, and how fast (P-MON-3; see the module doc)."""
    setup = _money_window(con, scope)
    if setup is None:
        return []
    window, p = setup
    if scope.group is not None:
        members = _members_of(scope, p)
        window += members.replace("person IN", "subject_person IN", 1)
    sql = f"""
        WITH made AS (
            SELECT data->>'offer' AS offer, coalesce(data->>'product', '(none)') AS product,
                   occurred_at AS ts FROM ev WHERE {window} AND kind = 'offer.made'
        ),
        took AS (
            SELECT data->>'offer' AS offer, min(occurred_at) AS ts FROM ev
            WHERE community = $c AND kind = 'offer.accepted' AND day <= $last GROUP BY 1
        )
        SELECT product, count(*), count(took.offer),
               median(date_diff('second', made.ts, took.ts) / 86400.0)
        FROM made LEFT JOIN took USING (offer) GROUP BY 1 ORDER BY 1
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    return [
        OfferAcceptance(product, n, k, rate(k, n), _days(days))
        for product, n, k, days in run(con, sql, p)
    ]


def conversion_time(con: Any, scope: Scope) -> list[ConversionTime]:
    """Days from joining to the first payment at each rung (P-MON-1, P-MON-4; module doc)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    p["c"] = scope.community
    history = named(Scope(scope.community, until=last).where(), "h", p) + _members_of(scope, p)
    rank = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(TIERS))
    sql = f"""
        WITH seen AS (
            SELECT person, coalesce(min(occurred_at) FILTER (WHERE kind = 'member.joined'),
                                    min(occurred_at)) AS ts
            FROM ev WHERE {history} AND person IS NOT NULL GROUP BY 1
        ),
        paid AS (
            SELECT person, occurred_at AS ts, day, CASE data->>'tier' {rank} END AS r FROM ev
            WHERE {history} AND kind = 'payment.made' AND person IS NOT NULL
        ),
        rungs AS (SELECT unnest(range(1, {len(TIERS)})) AS r),
        firsts AS (
            SELECT rungs.r, paid.person, min(paid.ts) AS ts, min(paid.day) AS day
            FROM rungs JOIN paid ON paid.r >= rungs.r GROUP BY 1, 2
        )
        SELECT f.r, count(*), median(date_diff('second', s.ts, f.ts) / 86400.0),
               avg(date_diff('second', s.ts, f.ts) / 86400.0)
        FROM firsts f JOIN seen s USING (person)
        WHERE f.day BETWEEN $first AND $last GROUP BY 1
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    found = {r: (n, med, mean) for r, n, med, mean in run(con, sql, p)}
    return [
        ConversionTime(tier, found.get(i, (0,))[0], *map(_days, found.get(i, (0, None, None))[1:]))
        for i, tier in enumerate(TIERS)
        if i > 0
    ]


METRICS = (
    Metric(
        "recurring_revenue",
        "Monthly recurring revenue of paid memberships at the as-of day, and what churned",
        ("P-MON-2", "P-MON-4"),
        recurring_revenue,
        {},
    ),
    Metric(
        "refund_rate",
        "Refunds per product: share of payments refunded, by count and by amount",
        ("P-MON-1", "P-MON-4"),
        refund_rate,
        {},
    ),
    Metric(
        "offer_acceptance",
        "Private offers accepted per product, and the median days to accept",
        ("P-MON-3",),
        offer_acceptance,
        {},
    ),
    Metric(
        "conversion_time",
        "Days from joining to the first payment at each rung of the ladder",
        ("P-MON-1", "P-MON-4"),
        conversion_time,
        {},
    ),
)
