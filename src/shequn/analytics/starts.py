"""Who joined first where, who brought them, the fees paid and the days people acted: the
building blocks of the funnel's, the money's and the referrals' figures, as Ibis expressions
over ``ev`` (``analytics/portable.py``), defined once for both engines.
"""

from __future__ import annotations

from typing import Any

from shequn.analytics import portable


def joins(con: Any, t: Any, conds: list[Any]) -> Any:
    """Every join among the events of ``t`` meeting ``conds``: ``person``, ``grp``, ``day``,
    ``occurred_at`` and ``channel`` (``data.channel``, ``"unknown"`` when absent)."""
    joined = t.filter(*conds, t.kind == "member.joined", t.person.notnull())
    return joined.select(
        "person",
        "grp",
        "day",
        "occurred_at",
        channel=portable.field(con, joined.data, "channel").fill_null("unknown"),
    )


def firsts(con: Any, t: Any, conds: list[Any]) -> Any:
    """Per person, their first join among the events of ``t`` meeting ``conds``: ``day``
    (the first join's local day), ``grp`` and ``channel`` (``data.channel``, ``"unknown"``
    when absent) of the earliest join.

    Joins at the same instant (an export with minute-resolution times, a platform adding one
    person to two groups at once) go to the smaller group, then channel: ``argmin`` leaves such
    a tie to the engine, and DuckDB's parallel aggregation and Spark's ``min_by`` need not pick
    the same row — nor DuckDB twice the same."""
    import ibis

    joins_ = joins(con, t, conds)
    earliest = ibis.window(
        group_by="person", order_by=[joins_.occurred_at, joins_.grp, joins_.channel]
    )
    ranked = joins_.mutate(
        rank=ibis.row_number().over(earliest),
        first_day=joins_.day.min().over(ibis.window(group_by="person")),
    )
    first = ranked.filter(ranked.rank == 0)
    # The funnel, the K-factor, revenue and the acquisition cost all start from who came
    # first where (a window over every join): computed once per watermark and scope.
    return portable.shared(con, first.select("person", "grp", "channel", day=first.first_day))


def days(t: Any, conds: list[Any], kinds: tuple[str, ...]) -> Any:
    """Distinct (``person``, ``grp``, ``day``) with an event of ``kinds`` meeting ``conds``."""
    acted = t.filter(*conds, t.kind.isin(kinds), t.person.notnull())
    return acted.select("person", "grp", "day").distinct()


def credits(con: Any, t: Any, conds: list[Any]) -> Any:
    """(``inviter``, ``invitee``, ``campaign``) persons, at most one inviter per invitee (the
    *credited inviter*) among the events of ``t`` meeting ``conds``: ``data.inviter`` of their
    join (resolved through ``people``), else the actor of the earliest ``member.invited``
    naming them; self-invites never count. ``campaign`` is the ``data.campaign`` of the
    credited event. Ties in time go to the smaller inviter, then campaign (first nulls)."""
    import ibis

    joined = t.filter(*conds, t.kind == "member.joined", t.person.notnull())
    joined = joined.select(
        "community",
        named=portable.field(con, joined.data, "inviter"),
        invitee=joined.person,
        seen_at=joined.occurred_at,
        campaign=portable.field(con, joined.data, "campaign"),
    ).filter(lambda j: j.named.notnull())
    pp = portable.people()
    by_join = joined.left_join(
        pp, [pp.of_community == joined.community, pp.identity == joined.named]
    ).select(
        inviter=lambda j: j.member.fill_null(j.named),
        invitee="invitee",
        prio=ibis.literal(0),
        seen_at="seen_at",
        campaign="campaign",
    )
    invited = t.filter(
        *conds, t.kind == "member.invited", t.person.notnull(), t.subject_person.notnull()
    )
    by_invite = invited.select(
        inviter=invited.person,
        invitee=invited.subject_person,
        prio=ibis.literal(1),
        seen_at=invited.occurred_at,
        campaign=portable.field(con, invited.data, "campaign"),
    )
    both = by_join.union(by_invite, distinct=False)
    both = both.filter(both.inviter != both.invitee)
    first = ibis.row_number().over(
        group_by=both.invitee,
        order_by=[both.prio, both.seen_at, both.inviter, both.campaign.asc(nulls_first=True)],
    )
    ranked = both.mutate(rn=first)
    return ranked.filter(ranked.rn == 0).select("inviter", "invitee", "campaign")


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
