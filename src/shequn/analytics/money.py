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

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics import portable, starts
from shequn.analytics.params import Choice
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of
from shequn.errors import ShequnError
from shequn.model.i18n import Said

TIERS: tuple[str, ...] = ("free", "low", "mid", "high", "partner")
"""The ladder's rungs in order (P-MON-1)."""


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


def rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def scope_window(con: Any, scope: Scope) -> tuple[date, dict[str, Any]] | None:
    """The as-of day and the window parameters (also used by fission.py). Payments and
    memberships carry no group, so a group's as-of day is the community's (else a payment
    after the group's last message would be cut off); an empty group is still empty."""
    here = as_of(con, scope)
    if here is None:
        return None
    # a community's own as-of day is the one just asked (a query over the whole log spared)
    last = here if scope.group is None else as_of(con, replace(scope, group=None))
    if last is None:  # pragma: no cover - the group had events, so the community has
        return None
    return last, {"first": scope.since or date.min, "last": last}


def joined_group(t: Any, scope: Scope, who: str = "person") -> list[Any]:
    """The condition "column ``who`` is a person who joined ``scope.group``" on Ibis table
    ``t`` (none for a whole community)."""
    if scope.group is None:
        return []
    joined = t.filter(
        t.community == scope.community, t.grp == scope.group, t.kind == "member.joined"
    )
    return [t[who].isin(joined.person)]


def renewal_rate(con: Any, scope: Scope, *, grace_days: int = 30) -> list[Renewal]:
    """Renewed versus ended memberships per plan (P-MON-4, P-MEA-6; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    kinds = ("membership.started", "membership.renewed", "membership.ended")
    terms = t.filter(
        *portable.in_scope(t, Scope(scope.community, until=last)),
        *joined_group(t, scope),
        t.person.notnull(),
        t.kind.isin(kinds),
    )
    until = portable.field(con, terms.data, "until").substr(0, 10).try_cast("date")
    m = terms.select(
        "person",
        "kind",
        "occurred_at",
        "day",
        plan=portable.field(con, terms.data, "plan"),
        until=until,
    )
    r = m.view()
    pairs = m.filter(m.kind != "membership.ended", m.until.between(scope.since or date.min, last))
    both = pairs.left_join(
        r, [r.person == pairs.person, r.plan == pairs.plan, r.occurred_at > pairs.occurred_at]
    )
    later = both.kind_right == "membership.renewed"
    judged = both.group_by(["plan", "person", "occurred_at", "until"]).aggregate(
        renewed=(later & (both.day_right <= portable.plus_days(both.until, grace_days)))
        .any()
        .fill_null(False),
        ended=(both.kind_right == "membership.ended").any().fill_null(False),
    )
    lapsed = judged.ended | (portable.plus_days(judged.until, grace_days) < last)
    counts = judged.group_by("plan").aggregate(
        due=judged.count(),
        renewed=judged.count(where=judged.renewed),
        ended=judged.count(where=~judged.renewed & lapsed),
    )
    rows = sorted(portable.fetch(con, counts), key=lambda row: (row[0] is None, row[0] or ""))
    return [
        Renewal(plan, due, renewed, ended, due - renewed - ended, rate(renewed, renewed + ended))
        for plan, due, renewed, ended in rows
    ]


def ladder_conversion(con: Any, scope: Scope) -> list[LadderRung]:
    """Persons reaching each rung of the ladder, and the step rate (P-MON-4; module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    import ibis  # lazy: only metrics need it

    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    joins = t.filter(
        *portable.in_scope(t, replace(scope, until=last)),
        t.kind == "member.joined",
        t.person.notnull(),
    )
    paid = t.filter(
        *portable.in_scope(t, replace(scope, group=None, until=last)),
        *joined_group(t, scope),
        t.kind == "payment.made",
        t.person.notnull(),
    )
    tier = portable.field(con, paid.data, "tier")
    rank = ibis.cases(*((tier == name, i) for i, name in enumerate(TIERS)), else_=None)
    tiers = ibis.union(
        joins.select("person", r=ibis.literal(0)), paid.select("person", r=rank), distinct=False
    )
    top = tiers.filter(tiers.r.notnull()).group_by("person").aggregate(r=lambda x: x.r.max())
    at_tier = dict(portable.fetch(con, top.group_by("r").aggregate(n=top.count())))
    if not at_tier:
        return []
    reached = [sum(n for r, n in at_tier.items() if r >= i) for i in range(len(TIERS))]
    return [
        LadderRung(tier, reached[i], rate(reached[i], reached[i - 1]) if i else None)
        for i, tier in enumerate(TIERS)
    ]


def revenue(
    con: Any,
    scope: Scope,
    *,
    by: str = "community",
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[Revenue]:
    """Revenue per member, for the community or per group (P-MON-4; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    import ibis  # lazy: only metrics need it

    if by not in ("community", "group"):
        raise ShequnError(
            Said("unknown segmentation {by!r}", by=by), by=by, choices=("community", "group")
        )
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    first = starts.firsts(con, t, portable.in_scope(t, Scope(scope.community, until=last)))
    window = portable.in_scope(t, replace(scope, group=None, until=last))
    pay = starts.fees(con, t, window, scope.community)
    paid = pay.left_join(first.select("person", home=first.grp), "person")
    home = paid.grp.fill_null(paid.home).fill_null("(none)")
    whole = ibis.literal(scope.group or scope.community)  # the scope's group, else community
    if scope.group is not None:
        paid = paid.filter(home == scope.group)
    money = paid.group_by(segment=whole if by == "community" else home).aggregate(
        fees=paid.amount.sum(where=paid.amount > 0),
        refunds=-paid.amount.sum(where=paid.amount < 0),
        payers=paid.person.nunique(where=paid.amount > 0),
    )
    acting = t.filter(
        *portable.in_scope(t, replace(scope, until=last)),
        t.kind.isin(active_kinds),
        t.person.notnull(),
    )
    act = acting.group_by(segment=whole if by == "community" else acting.grp).aggregate(
        n=acting.person.nunique()
    )
    rows: dict[str | None, list[Any]] = {}
    for segment, fees, refunds, payers in portable.fetch(con, money):
        rows[segment] = [float(fees or 0), float(refunds or 0), payers, 0]
    for segment, n in portable.fetch(con, act):
        rows.setdefault(segment, [0.0, 0.0, 0, 0])[3] = n
    out = []
    for segment, (fees, refunds, payers, n) in sorted(rows.items(), key=_nulls_last):
        net = round(fees - refunds, 2)
        out.append(
            Revenue(
                segment=segment,  # type: ignore[arg-type]  # None: events without a group
                fees=round(fees, 2),
                refunds=round(refunds, 2),
                net=net,
                payers=payers,
                active=n,
                per_active=rate(net, n),
                per_payer=rate(net, payers),
            )
        )
    return out


def _nulls_last(item: tuple[str | None, Any]) -> tuple[bool, str]:
    """Order by segment, None last (as the replica's SQL ordered it)."""
    return (item[0] is None, item[0] or "")


def acquisition_cost(con: Any, scope: Scope) -> AcquisitionCost:
    """Cost per acquired member per channel, and blended (P-FIS-4, P-MEA-6; module doc).

    Defined once for both engines (``analytics/portable.py``); the blueprint's prices are read
    from its JSON in Python."""
    import ibis  # lazy: only metrics need it

    setup = scope_window(con, scope)
    if setup is None:
        return AcquisitionCost([], 0, 0, 0.0, None)
    last, _ = setup
    t = portable.ev()
    first = starts.firsts(con, t, portable.in_scope(t, replace(scope, since=None, until=last)))
    came = first.filter(first.day.between(scope.since or date.min, last))
    acquired = dict(portable.fetch(con, came.group_by("channel").aggregate(n=came.count())))
    configured = t.filter(t.community == scope.community, t.kind == "community.configured")
    newest = configured.order_by(ibis.desc(configured.id)).limit(1).select("data")
    prices = _prices(portable.fetch(con, newest))
    names = {*acquired, *prices}
    channels = [
        ChannelCost(name, n, cpm, None if cpm is None else round(cpm * n, 2))
        for name, n, cpm in sorted(
            ((c, int(acquired.get(c, 0)), prices.get(c)) for c in names),
            key=lambda row: (-row[1], row[0]),
        )
    ]
    total = sum(c.acquired for c in channels)
    unpriced = sum(c.acquired for c in channels if c.cost is None)
    cost = round(sum(c.cost for c in channels if c.cost is not None), 2)
    return AcquisitionCost(channels, total, unpriced, cost, rate(cost, total - unpriced))


def _prices(rows: list[tuple[Any, ...]]) -> dict[str, float]:
    """Channel name → ``cost_per_member`` (0 when absent or not a number) of the blueprint in
    the newest ``community.configured`` (``rows``: its ``data`` as JSON text); the first entry
    of a name counts."""
    if not rows:
        return {}
    data = json.loads(rows[0][0]) if isinstance(rows[0][0], str) else rows[0][0]
    listed = ((data or {}).get("blueprint") or {}).get("channels")
    prices: dict[str, float] = {}
    for channel in listed if isinstance(listed, list) else ():
        name = channel.get("name") if isinstance(channel, dict) else None
        if name is None or str(name) in prices:
            continue
        cpm = channel.get("cost_per_member")
        try:
            price = 0.0 if cpm is None or isinstance(cpm, bool) else float(cpm)
        except (TypeError, ValueError):
            price = 0.0
        prices[str(name)] = price
    return prices


METRICS = (
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
