"""Fission money (P-FIS-3, P-FIS-4): what a retained member costs per channel, and the
commission fission agents earn. Listed in :data:`shequn.analytics.fission.METRICS`; persons,
local days and the as-of day as everywhere in analytics (a group's as-of day is the
community's, as in money.py: commission and payments carry no group).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shequn.analytics import portable
from shequn.analytics.funnel import stage_counts
from shequn.analytics.money import acquisition_cost, joined_group, scope_window
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope


@dataclass(frozen=True, slots=True)
class ChannelReturn:
    channel: str
    acquired: int  # first join in the window through the channel
    retention_base: int  # acquired members whose week 4 is over by the as-of day
    retained: int  # of those, active in week 4
    cost_per_member: float | None  # blueprint price; None: the blueprint does not list it
    cost: float | None  # acquired × cost_per_member
    per_acquired: float | None  # cost / acquired
    per_retained: float | None  # cost_per_member × retention_base / retained


@dataclass(frozen=True, slots=True)
class Commission:
    agent: str
    level1: float  # commission on payments by their invitees
    level2: float  # on payments by their invitees' invitees
    total: float
    payments: list[str]  # source_refs of the payments it came from
    paid: float  # sum of those payments found in the log


def _rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def channel_cost(
    con: Any,
    scope: Scope,
    *,
    retention_days: tuple[int, int] = (21, 27),
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[ChannelReturn]:
    """What a retained member costs per channel (P-FIS-4, P-MEA-6): ``acquired``, price and
    ``cost`` exactly as ``acquisition_cost`` (first join in the window, ``data.channel`` matched
    to the blueprint's ``[[channels]]`` by name; ``cost = acquired × cost_per_member``);
    ``retention_base`` and ``retained`` exactly as the funnel's retention (active on a day of
    ``retention_days`` [21 … 27] after the join day; judged only once that week is over by the
    as-of day). ``per_acquired = cost / acquired``; ``per_retained = cost_per_member ×
    retention_base / retained`` (what the judged members cost per one who stayed); ``None``
    when the channel is unpriced or the divisor is 0. Order as ``acquisition_cost``."""
    costs = acquisition_cost(con, scope)
    kept = stage_counts(
        con,
        scope,
        ("base", "retained"),
        by="channel",
        retention_days=retention_days,
        active_kinds=active_kinds,
    )
    out = []
    for c in costs.channels:
        f = kept.get(c.channel, {})
        base, retained = f.get("base", 0), f.get("retained", 0)
        cpm = c.cost_per_member
        out.append(
            ChannelReturn(
                channel=c.channel,
                acquired=c.acquired,
                retention_base=base,
                retained=retained,
                cost_per_member=cpm,
                cost=c.cost,
                per_acquired=None if c.cost is None else _rate(c.cost, c.acquired),
                per_retained=None if cpm is None else _rate(cpm * base, retained),
            )
        )
    return out


def commission(con: Any, scope: Scope) -> list[Commission]:
    """Commission per fission agent in the window (P-FIS-3): ``level1`` / ``level2`` = sums of
    ``commission.earned`` ``data.amount`` with ``data.level`` 1 / 2 (``total`` = all levels);
    ``payments`` = the distinct ``data.payment`` refs they came from; ``paid`` = the sum of
    those payments' ``data.amount`` (``payment.made`` with that source_ref; a payment not in the
    log adds 0). With ``scope.group``, agents who joined that group. Biggest total first.
    Defined once for both engines (``analytics/portable.py``)."""
    t = portable.ev()
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    earned = t.filter(
        *portable.in_scope(t, replace(scope, group=None, until=last)),
        t.kind == "commission.earned",
        *joined_group(t, scope, "subject_person"),
    )
    earned = earned.select(
        agent=earned.subject_person,
        level=portable.field(con, earned.data, "level").try_cast("int32"),
        amount=portable.field(con, earned.data, "amount").try_cast("float64").fill_null(0),
        payment=portable.field(con, earned.data, "payment"),
    )
    per = earned.group_by("agent").aggregate(
        l1=earned.amount.sum(where=earned.level == 1),
        l2=earned.amount.sum(where=earned.level == 2),
        total=earned.amount.sum(),
    )
    made = t.filter(
        *portable.in_scope(t, Scope(scope.community, until=last)),
        t.kind == "payment.made",
        t.source_ref.isin(earned.payment),
    )
    made = made.group_by(ref="source_ref").aggregate(
        paid=portable.field(con, made.data, "amount").try_cast("float64").fill_null(0).arbitrary()
    )
    refs = earned.filter(earned.payment.notnull()).select("agent", "payment").distinct()
    refs = refs.left_join(made, refs.payment == made.ref).select("agent", "payment", "paid")
    came: dict[str, dict[str, float]] = {}
    for agent, ref, paid in portable.fetch(con, refs):
        came.setdefault(agent, {})[ref] = float(paid or 0)
    rows = sorted(portable.fetch(con, per), key=lambda r: (-r[3], r[0] is None, r[0] or ""))
    return [
        Commission(
            agent,
            round(l1 or 0, 2),
            round(l2 or 0, 2),
            round(total, 2),
            sorted(came.get(agent, {})),
            round(sum(came.get(agent, {}).values()), 2),
        )
        for agent, l1, l2, total in rows
    ]
