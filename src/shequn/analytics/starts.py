"""Who joined first where, and the fees paid: the building blocks of the funnel's figures,
as Ibis expressions over ``ev`` (``analytics/portable.py``), for the metrics defined once for
both engines (``revenue``, ``acquisition_cost``).

They say what ``funnel.starts_sql`` and ``funnel.fees_sql`` say in DuckDB SQL for the
metrics not ported yet (``funnel``, ``k_factor``, the referral figures); those go when the
last of them is ported.
"""

from __future__ import annotations

from typing import Any

from shequn.analytics import portable


def firsts(con: Any, t: Any, conds: list[Any]) -> Any:
    """Per person, their first join among the events of ``t`` meeting ``conds``: ``day``
    (the first join's local day), ``grp`` and ``channel`` (``data.channel``, ``"unknown"``
    when absent) of the earliest join."""
    joins = t.filter(*conds, t.kind == "member.joined", t.person.notnull())
    joins = joins.select(
        "person",
        "grp",
        "day",
        "occurred_at",
        channel=portable.field(con, joins.data, "channel").fill_null("unknown"),
    )
    return joins.group_by("person").aggregate(
        day=joins.day.min(),
        grp=joins.grp.argmin(joins.occurred_at),
        channel=joins.channel.argmin(joins.occurred_at),
    )


def fees(con: Any, t: Any, conds: list[Any], community: str) -> Any:
    """One signed row per fee paid (+``amount``) or refunded (−) among the events of ``t``
    meeting ``conds``, with ``person``, ``grp``, ``day``: deposits (``data.deposit``) and
    refunds of deposits (a refund's ``data.payment`` naming one in ``community``) left out."""
    import ibis  # lazy: only metrics need it

    def deposit(x: Any) -> Any:
        return portable.field(con, x.data, "deposit").try_cast("boolean")

    made = t.kind == "payment.made"
    deposits = t.filter(t.community == community, made, deposit(t))
    refunded = portable.field(con, t.data, "payment").isin(deposits.source_ref)
    money = t.filter(
        *conds,
        t.person.notnull(),
        (made & ~deposit(t).fill_null(False))
        | ((t.kind == "payment.refunded") & ~refunded.fill_null(False)),
    )
    amount = portable.field(con, money.data, "amount").try_cast("float64").fill_null(0)
    return money.select(
        "person", "grp", "day", amount=ibis.ifelse(money.kind == "payment.made", 1, -1) * amount
    )
