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

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics import portable, starts
from shequn.analytics.registry import Metric
from shequn.analytics.retention import check_period
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, MEANINGFUL_KINDS, Scope, as_of
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


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _counts(con: Any, stages: dict[str, Any]) -> dict[Any, dict[str, int]]:
    """Rows per segment of each stage table (``segment`` column), in one query, kept for the
    replica's watermark (``portable.shared``: a few rows, read by every metric asking again)."""
    import ibis

    parts = [
        x.group_by("segment").aggregate(stage=ibis.literal(name), n=x.count())
        for name, x in stages.items()
    ]
    union = parts[0].union(*parts[1:], distinct=False) if len(parts) > 1 else parts[0]
    out: dict[Any, dict[str, int]] = {}
    for segment, stage, n in portable.fetch(con, portable.shared(con, union)):
        out.setdefault(segment, {})[stage] = int(n)
    return out


def _within(a: Any, x: Any, lo: int, hi: int) -> list[Any]:
    """``x`` is the person of start ``a`` (in ``a``'s group for a group segment), on a day of
    ``[a.day + lo, a.day + hi]``."""
    return [
        x.person == a.person,
        a.g.isnull() | (x.grp == a.g),
        x.day >= portable.plus_days(a.day, lo),
        x.day <= portable.plus_days(a.day, hi),
    ]


def _starts(con: Any, t: Any, conds: list[Any], by: str, community: str) -> tuple[Any, Any]:
    """(``firsts``: person → first join, ``starts``: segment, person, g, day) for ``by``."""
    import ibis

    if by not in SEGMENTS:
        raise ShequnError(Said("unknown segmentation {by!r}", by=by), by=by, choices=SEGMENTS)
    first = starts.firsts(con, t, conds)
    none = ibis.null().cast("string")
    if by == "group":
        joins = starts.joins(con, t, conds)
        per = joins.group_by(["person", "grp"]).aggregate(day=joins.day.min())
        return first, per.select(segment=per.grp, person=per.person, g=per.grp, day=per.day)
    segment = ibis.literal(community) if by == "community" else first.channel
    return first, first.select(segment=segment, person=first.person, g=none, day=first.day)


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
    """AARRR counts per segment, biggest acquisition first (P-MEA-1; see the module doc).

    Defined once for both engines (``analytics/portable.py``): the engine counts each stage
    per segment, the rates are taken here."""
    counts = stage_counts(
        con,
        scope,
        _STAGES,
        by=by,
        activation_days=activation_days,
        retention_days=retention_days,
        referral_days=referral_days,
        meaningful_kinds=meaningful_kinds,
        active_kinds=active_kinds,
    )
    order = sorted(counts, key=lambda s: (-counts[s].get("acquired", 0), s is None, s or ""))
    rows = [(s, *(counts[s].get(k, 0) for k in _STAGES)) for s in order]
    return [
        FunnelRow(
            segment=seg,
            acquired=acq_n,
            activated=act,
            retention_base=base,
            retained=ret,
            paid=paid_n,
            referred=ref,
            activation_rate=_rate(act, acq_n),
            retention_rate=_rate(ret, base),
            paid_rate=_rate(paid_n, acq_n),
            referral_rate=_rate(ref, acq_n),
        )
        for seg, acq_n, act, base, ret, paid_n, ref in rows
    ]


def stage_counts(
    con: Any,
    scope: Scope,
    wanted: tuple[str, ...],
    *,
    by: str = "channel",
    activation_days: int = 7,
    retention_days: tuple[int, int] = (21, 27),
    referral_days: int = 30,
    meaningful_kinds: tuple[str, ...] = MEANINGFUL_KINDS,
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> dict[Any, dict[str, int]]:
    """Segment → stage (of ``wanted``, names of :data:`_STAGES`) → persons, as :func:`funnel`
    counts them; a segment appears when one of the ``wanted`` stages has a row for it.
    ``channel_cost`` wants only the retention: on Spark the fees, the credited inviters and
    the meaningful days are then neither built nor scanned (they were half the funnel's time);
    on DuckDB it reads the counts the funnel kept, or keeps them for it (one count, not two)."""
    last = as_of(con, scope)
    if last is None:
        return {}
    t = portable.ev()
    conds = portable.in_scope(t, replace(scope, since=None, until=last))
    first, begun = _starts(con, t, conds, by, scope.community)
    acq = begun.filter(begun.day.between(scope.since or date.min, last))

    def activated() -> Any:
        meaningful = starts.days(t, conds, meaningful_kinds)
        both = acq.join(meaningful, _within(acq, meaningful, 0, activation_days - 1))
        return both.select(segment=acq.segment, person=acq.person).distinct()

    r0, r1 = retention_days
    judged = acq.filter(portable.plus_days(acq.day, r1) <= last)

    def retained() -> Any:
        active = starts.days(t, conds, active_kinds)
        kept = judged.join(active, _within(judged, active, r0, r1))
        return kept.select(judged.segment, judged.person).distinct()

    def paid() -> Any:
        window = portable.in_scope(t, Scope(scope.community, until=last))
        pay = starts.fees(con, t, window, scope.community)
        payments = acq.join(pay, [pay.person == acq.person, pay.day >= acq.day])
        per = payments.group_by([acq.segment, acq.person]).aggregate(total=payments.amount.sum())
        return per.filter(per.total > 0)

    def referred() -> Any:
        credits = starts.credits(con, t, conds)
        gone = t.filter(*conds, t.kind.isin(("member.left", "member.removed")))
        leaves = gone.select(
            person=(gone.kind == "member.left").ifelse(gone.person, gone.subject_person),
            grp=gone.grp,
            day=gone.day,
        )
        kept = credits.join(first, credits.invitee == first.person)
        stayed = kept.anti_join(
            leaves,
            [
                leaves.person == kept.person,
                leaves.grp == kept.grp,
                leaves.day >= kept.day,
                leaves.day < portable.plus_days(kept.day, referral_days),
            ],
        ).select("inviter")
        both = acq.join(stayed, stayed.inviter == acq.person)
        return both.select(acq.segment, acq.person).distinct()

    stages = {
        "acquired": lambda: acq,
        "activated": activated,
        "base": lambda: judged,
        "retained": retained,
        "paid": paid,
        "referred": referred,
    }
    # On DuckDB every stage is counted and the counts kept for the watermark (`_counts`): the
    # funnel and channel_cost, asking with the same parameters, then count once. On Spark,
    # where nothing is kept, only the stages asked for are built.
    names = _STAGES if portable.dialect(con) == "duckdb" else wanted
    counts = _counts(con, {name: stages[name]() for name in names})
    picked = {seg: {k: n for k, n in c.items() if k in wanted} for seg, c in counts.items()}
    return {seg: c for seg, c in picked.items() if c}


_STAGES = ("acquired", "activated", "base", "retained", "paid", "referred")


def k_factor(
    con: Any,
    scope: Scope,
    *,
    period: str = "month",
    activation_days: int = 7,
    meaningful_kinds: tuple[str, ...] = MEANINGFUL_KINDS,
) -> list[KFactor]:
    """Viral coefficient per join cohort (P-FIS-1, P-MEA-1; see the module doc).

    Defined once for both engines (``analytics/portable.py``)."""
    check_period(period)
    last = as_of(con, scope)
    if last is None:
        return []
    t = portable.ev()
    conds = portable.in_scope(t, replace(scope, since=None, until=last))
    first = starts.firsts(con, t, conds)
    came = first.filter(first.day.between(scope.since or date.min, last))
    cohorts = came.select(person=came.person, segment=portable.period(came.day, period))
    credits = starts.credits(con, t, conds)
    brought = cohorts.join(credits, credits.inviter == cohorts.person)
    brought = brought.join(first, first.person == brought.invitee)
    invitees = brought.select(segment=brought.segment, person=brought.invitee, day=brought.day)
    meaningful = starts.days(t, conds, meaningful_kinds)
    acted = invitees.join(
        meaningful,
        [
            meaningful.person == invitees.person,
            meaningful.day >= invitees.day,
            meaningful.day <= portable.plus_days(invitees.day, activation_days - 1),
        ],
    )
    counts = _counts(
        con,
        {
            "size": cohorts,
            "invitees": invitees,
            "activated": acted.select(invitees.segment, invitees.person).distinct(),
        },
    )
    out = []
    for start in sorted(counts):
        got = counts[start]
        size, n, n_act = got.get("size", 0), got.get("invitees", 0), got.get("activated", 0)
        out.append(
            KFactor(
                cohort_start=start,
                size=size,
                invitees=n,
                activated_invitees=n_act,
                invites_per_member=_rate(n, size),
                conversion=_rate(n_act, n),
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
