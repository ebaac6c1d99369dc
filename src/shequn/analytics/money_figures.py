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
from datetime import date
from typing import Any

from shequn.analytics import portable
from shequn.analytics.money import TIERS, joined_group, rate, scope_window
from shequn.analytics.registry import Metric
from shequn.analytics.scope import Scope


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


def _days(seconds: Any) -> float | None:
    """Seconds as days, to two decimals."""
    return None if seconds is None else round(float(seconds) / 86400, 2)


def recurring_revenue(con: Any, scope: Scope) -> list[Recurring]:
    """Monthly recurring revenue at the as-of day and what churned (P-MON-2; module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    valued, ended = _terms(con, scope, last)
    v, e = valued, ended
    recurring = v.filter(v.latest == 0, v.until > last).anti_join(
        e, [e.person == v.person, e.plan == v.plan, e.ts >= v.ts]
    )
    now_ = recurring.group_by(["plan", "currency"]).aggregate(
        n=recurring.count(), mrr=recurring.monthly.sum()
    )
    closed = e.filter(e.day.between(scope.since or date.min, last)).join(
        v, [e.person == v.person, e.plan == v.plan, v.ts <= e.ts]
    )
    closed = closed.select("plan", "currency", "monthly", who=closed.person, began=closed.ts_right,
                           at=closed.ts)  # fmt: skip
    w = valued.view()
    lost_terms = closed.anti_join(
        w, [w.person == closed.who, w.plan == closed.plan, w.ts > closed.began, w.ts <= closed.at]
    )
    lost = lost_terms.group_by(["plan", "currency"]).aggregate(
        n=lost_terms.count(), mrr=lost_terms.monthly.sum()
    )
    rows: dict[tuple[Any, Any], list[Any]] = {}
    for at, table in enumerate((now_, lost)):
        for plan, currency, n, mrr in portable.fetch(con, table):
            rows.setdefault((plan, currency), [0, 0, 0, 0])[2 * at : 2 * at + 2] = [n, mrr]
    return [
        Recurring(plan, currency, n, round(mrr), churned, round(gone))
        for (plan, currency), (n, mrr, churned, gone) in sorted(rows.items(), key=_nulls_last)
    ]


def _nulls_last(item: tuple[tuple[Any, Any], Any]) -> tuple[Any, ...]:
    """Order by plan then currency, nulls last (as the replica's SQL ordered them)."""
    (plan, currency), _ = item
    return (plan is None, plan or "", currency is None, currency or "")


def _terms(con: Any, scope: Scope, last: date) -> tuple[Any, Any]:
    """Ibis tables ``valued`` (each paid term: person, plan, ts, day, until, currency, its
    ``monthly`` value, ``latest`` = 0 for a person's newest term of the plan) and ``ended``
    (``membership.ended``: person, plan, ts, day), over the history up to ``last``."""
    import ibis  # lazy: only metrics need it

    t = portable.ev()
    scoped = [*portable.in_scope(t, Scope(scope.community, until=last)), *joined_group(t, scope)]
    made = t.filter(t.community == scope.community, t.kind == "payment.made")
    pays = made.select(
        ref=made.source_ref,
        currency=portable.field(con, made.data, "currency").fill_null("CNY"),
        minor=_minor(con, made),
    )
    began = t.filter(
        *scoped,
        t.person.notnull(),
        portable.field(con, t.data, "until").notnull(),
        t.kind.isin(("membership.started", "membership.renewed")),
    )
    m = began.select(
        "person",
        "kind",
        "day",
        ts=began.occurred_at,
        plan=portable.field(con, began.data, "plan"),
        until=portable.field(con, began.data, "until").substr(0, 10).try_cast("date"),
        ref=portable.field(con, began.data, "payment"),
    )
    terms = m.join(pays, "ref").drop("ref")
    span = ibis.window(group_by=["person", "plan"], order_by="ts")
    start = ibis.ifelse(
        terms.kind == "membership.renewed", terms.until.lag().over(span).fill_null(terms.day),
        terms.day,
    )  # fmt: skip
    # days / 30.4375 = days × 16 / 487, the same double (30.4375 = 487 / 16 exactly), in
    # integers: Spark reads the literal 30.4375 as DECIMAL
    months = ibis.greatest(1, (terms.until.delta(start, unit="day") * 16 / 487).round())
    valued = terms.mutate(
        monthly=terms.minor / months,
        latest=ibis.row_number().over(group_by=["person", "plan"], order_by=ibis.desc("ts")),
    )
    done = t.filter(*scoped, t.kind == "membership.ended", t.person.notnull())
    ended = done.select(
        "person", "day", ts=done.occurred_at, plan=portable.field(con, done.data, "plan")
    )
    return valued, ended


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
    """The amount in minor units of the payments or refunds in ``t``: ``data.amount_minor``,
    else ``data.amount`` × 100 rounded (see the module doc)."""
    amount = portable.field(con, t.data, "amount").try_cast("float64")
    return (
        portable.field(con, t.data, "amount_minor")
        .try_cast("int64")
        .fill_null((amount * 100).round().cast("int64"))
        .fill_null(0)
    )


def offer_acceptance(con: Any, scope: Scope) -> list[OfferAcceptance]:
    """Private offers accepted per product, and how fast (P-MON-3; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    offers = t.filter(
        *portable.in_scope(t, replace(scope, group=None, until=last)),
        *joined_group(t, scope, "subject_person"),
        t.kind == "offer.made",
    )
    made = offers.select(
        ts=offers.occurred_at,
        offer=portable.field(con, offers.data, "offer"),
        product=portable.field(con, offers.data, "product").fill_null("(none)"),
    )
    taken = t.filter(t.community == scope.community, t.kind == "offer.accepted", t.day <= last)
    took = taken.group_by(offer=portable.field(con, taken.data, "offer")).aggregate(
        ts=taken.occurred_at.min()
    )
    both = made.left_join(took, "offer")
    per = both.group_by("product").aggregate(
        n=both.count(),
        k=both.offer_right.count(),
        median=portable.seconds(both.ts, both.ts_right).median(),
    )
    return [
        OfferAcceptance(product, n, k, rate(k, n), _days(seconds))
        for product, n, k, seconds in sorted(portable.fetch(con, per), key=lambda r: r[0])
    ]


def conversion_time(con: Any, scope: Scope) -> list[ConversionTime]:
    """Days from joining to the first payment at each rung (P-MON-1, P-MON-4; module doc).

    Defined once for both engines (``analytics/portable.py``): one row per person with the
    first payment at or above each rung, measured per rung."""
    import ibis  # lazy: only metrics need it

    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    h = t.filter(
        *portable.in_scope(t, Scope(scope.community, until=last)),
        *joined_group(t, scope),
        t.person.notnull(),
    )
    seen = h.group_by("person").aggregate(
        joined=h.occurred_at.min(where=h.kind == "member.joined"), first=h.occurred_at.min()
    )
    seen = seen.select("person", ts=seen.joined.fill_null(seen.first))
    made = h.filter(h.kind == "payment.made")
    tier = portable.field(con, made.data, "tier")
    paid = made.select(
        "person",
        "day",
        ts=made.occurred_at,
        r=ibis.cases(*((tier == name, i) for i, name in enumerate(TIERS)), else_=None),
    )
    rungs = range(1, len(TIERS))
    firsts = paid.group_by("person").aggregate(
        **{f"ts{i}": paid.ts.min(where=paid.r >= i) for i in rungs},
        **{f"day{i}": paid.day.min(where=paid.r >= i) for i in rungs},
    )
    f = firsts.join(seen, "person")
    window = scope.since or date.min
    measures: dict[str, Any] = {}
    for i in rungs:
        inside = f[f"day{i}"].between(window, last)
        # nulls outside, not ``where=``: Ibis would filter Spark's percentage argument too
        took = inside.ifelse(portable.seconds(f.ts, f[f"ts{i}"]), ibis.null())
        measures |= {
            f"n{i}": f.count(where=inside),
            f"median{i}": took.median(),
            f"mean{i}": took.mean(),
        }
    (row,) = portable.fetch(con, f.aggregate(**measures))  # Spark: a null count when empty
    return [
        ConversionTime(tier, int(row[3 * (i - 1)] or 0), *map(_days, row[3 * (i - 1) + 1 : 3 * i]))
        for i, tier in zip(rungs, TIERS[1:], strict=True)
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
