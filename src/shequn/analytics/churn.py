"""Churn risk (P-MEA-2): members whose activity decays against their own baseline, flagged
before they leave — and a backtest of how well that flag predicts leaving.

With A the as-of day (a local date), R ``recent_weeks`` [2] and B ``baseline_weeks`` [8]:

* recent window: the 7·R local days ending with A, ``(A − 7R, A]``;
* baseline window: the 7·B days before it, ``(A − 7(R+B), A − 7R]``;
* ``baseline`` = active days in the baseline window / B, ``recent`` = active days in the
  recent window / R — active days per week; a day is active when the person did one of the
  active kinds (:data:`~shequn.analytics.scope.DEFAULT_ACTIVE_KINDS`) in a scope group;
* a member is **at risk** when ``baseline ≥ min_baseline`` [1 active day a week] and
  ``recent < ratio × baseline`` [ratio 0.3]; ``ratio`` reported = recent / baseline.

Only members still present on A are considered: someone is gone when, in every scope group
where they were active or have membership events, their last ``member.joined`` /
``member.left`` / ``member.removed`` up to A is an exit (a re-join makes them present again;
activity with no membership events counts as present). Merged identities are one person.
``scope.since`` is ignored: the windows are fixed by the as-of day. A member who arrived
during the baseline window has a diluted baseline (days / B), so is flagged less readily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of

BASELINE_WEEKS = 8
RECENT_WEEKS = 2
RATIO = 0.3
MIN_BASELINE = 1.0
HORIZON_DAYS = 30
_EXITS = ("member.left", "member.removed")


@dataclass(frozen=True, slots=True)
class ChurnRisk:
    person: str
    groups: tuple[str, ...]  # groups the person was active in during both windows
    baseline: float  # active days per week in the baseline window
    recent: float  # active days per week in the recent window
    ratio: float  # recent / baseline (0 = went silent)
    last_active: date  # last local day with an active event, up to the as-of day


@dataclass(frozen=True, slots=True)
class ChurnBacktest:
    at: date  # the past as-of day the flags were computed for
    horizon_days: int
    horizon_complete: bool  # False when at + horizon runs past the newest data
    members: int  # present members with baseline ≥ min_baseline on `at` (the population)
    flagged: int  # of those, flagged at risk
    churned: int  # of those, left/removed or went silent within the horizon
    true_positives: int  # flagged and churned
    precision: float | None  # true_positives / flagged; None when nobody was flagged
    recall: float | None  # true_positives / churned; None when nobody churned
    flagged_people: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Rates:
    person: str
    groups: tuple[str, ...]
    baseline: float
    recent: float
    last_active: date


def _rates(
    con: Any,
    scope: Scope,
    day: date,
    *,
    baseline_weeks: int,
    recent_weeks: int,
    min_baseline: float,
    active_kinds: tuple[str, ...],
) -> list[_Rates]:
    """Present members with baseline ≥ ``min_baseline`` as of ``day``, with their rates.

    Defined once for both engines (``analytics/portable.py``)."""
    import ibis  # lazy: only metrics need it

    t = portable.ev()
    scoped = t.filter(*portable.in_scope(t, portable.history(scope, day)))
    start = day - timedelta(weeks=recent_weeks + baseline_weeks)
    split = day - timedelta(weeks=recent_weeks)
    acting = scoped.filter(
        scoped.kind.isin(active_kinds), scoped.person.notnull(), scoped.day > start
    )
    act = acting.select("person", "grp", "day").distinct()
    rates = act.group_by("person").aggregate(
        base_days=act.day.nunique(where=act.day <= split),
        recent_days=act.day.nunique(where=act.day > split),
        last_active=act.day.max(),
    )
    moves = scoped.filter(scoped.kind.isin(("member.joined", "member.left", "member.removed")))
    removed = moves.kind == "member.removed"
    membership = moves.select(
        "grp",
        "kind",
        "occurred_at",
        "id",
        who=ibis.ifelse(removed, moves.subject_person, moves.person),
    ).filter(lambda m: m.who.notnull())
    newest = ibis.row_number().over(
        group_by=["grp", "who"], order_by=[membership.occurred_at.desc(), membership.id.desc()]
    )
    latest = membership.mutate(rn=newest).filter(lambda m: m.rn == 0).select("grp", "who", "kind")
    seen = ibis.union(
        act.select(who=act.person, grp=act.grp), latest.select("who", "grp"), distinct=True
    )
    both = seen.left_join(latest, [seen.who == latest.who, seen.grp.identical_to(latest.grp)])
    present = both.group_by("who").aggregate(
        here=(both.kind.fill_null("member.joined") == "member.joined").any()
    )
    kept = rates.join(present, rates.person == present.who).filter(
        lambda r: r.here & (r.base_days >= math.ceil(min_baseline * baseline_weeks))
    )
    # each kept person with the groups they acted in, in one query: asking for the groups
    # separately (a semi-join on ``kept``) computed ``kept`` a second time
    pairs = act.filter(act.grp.notnull()).select(pperson="person", pgrp="grp").distinct()
    with_groups = kept.left_join(pairs, kept.person == pairs.pperson).select(
        "person", "base_days", "recent_days", "last_active", "pgrp"
    )
    found: dict[str, tuple[Any, Any, Any]] = {}
    groups: dict[str, list[str]] = {}
    for person, b, r, last, grp in portable.fetch(con, with_groups):
        found[person] = (b, r, last)
        if grp is not None:
            groups.setdefault(person, []).append(grp)
    return [
        _Rates(p, tuple(sorted(groups.get(p, ()))), b / baseline_weeks, r / recent_weeks, last)
        for p, (b, r, last) in sorted(found.items())
    ]


def churn_risk(
    con: Any,
    scope: Scope,
    *,
    baseline_weeks: int = BASELINE_WEEKS,
    recent_weeks: int = RECENT_WEEKS,
    ratio: float = RATIO,
    min_baseline: float = MIN_BASELINE,
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> list[ChurnRisk]:
    """Members at risk as of the as-of day (see the module doc), highest risk first: lowest
    recent/baseline ratio, then highest baseline (the more active they were, the bigger the
    loss), then person key."""
    day = as_of(con, scope)
    if day is None:
        return []
    rates = _rates(
        con,
        scope,
        day,
        baseline_weeks=baseline_weeks,
        recent_weeks=recent_weeks,
        min_baseline=min_baseline,
        active_kinds=active_kinds,
    )
    return _flag(rates, ratio)


def _flag(rates: list[_Rates], ratio: float) -> list[ChurnRisk]:
    risks = [
        ChurnRisk(
            r.person,
            r.groups,
            round(r.baseline, 4),
            round(r.recent, 4),
            round(r.recent / r.baseline, 4),
            r.last_active,
        )
        for r in rates
        if r.baseline > 0 and r.recent < ratio * r.baseline
    ]
    return sorted(risks, key=lambda x: (x.ratio, -x.baseline, x.person))


def churn_backtest(
    con: Any,
    scope: Scope,
    *,
    at: date | None = None,
    horizon_days: int = HORIZON_DAYS,
    baseline_weeks: int = BASELINE_WEEKS,
    recent_weeks: int = RECENT_WEEKS,
    ratio: float = RATIO,
    min_baseline: float = MIN_BASELINE,
    active_kinds: tuple[str, ...] = DEFAULT_ACTIVE_KINDS,
) -> ChurnBacktest | None:
    """How well :func:`churn_risk` would have predicted leaving (P-MEA-2).

    Flags are computed as of ``at`` (default: the as-of day − ``horizon_days`` [30], the
    latest day whose horizon is fully observed). Population: present members with
    ``baseline ≥ min_baseline`` on ``at``. A member *churned* when, within
    ``(at, at + horizon_days]``, they left or were removed from a scope group
    (``member.left`` / ``member.removed``) or had no active event in scope (went silent).
    ``precision = flagged ∧ churned / flagged``, ``recall = flagged ∧ churned / churned``.
    None when the scope has no events."""
    newest = as_of(con, scope)
    if newest is None:
        return None
    day = at if at is not None else newest - timedelta(days=horizon_days)
    rates = _rates(
        con,
        scope,
        day,
        baseline_weeks=baseline_weeks,
        recent_weeks=recent_weeks,
        min_baseline=min_baseline,
        active_kinds=active_kinds,
    )
    flagged = {r.person for r in _flag(rates, ratio)}
    churned = _churned(con, scope, day, horizon_days, [r.person for r in rates], active_kinds)
    tp = len(flagged & churned)
    return ChurnBacktest(
        at=day,
        horizon_days=horizon_days,
        horizon_complete=day + timedelta(days=horizon_days) <= newest,
        members=len(rates),
        flagged=len(flagged),
        churned=len(churned),
        true_positives=tp,
        precision=round(tp / len(flagged), 4) if flagged else None,
        recall=round(tp / len(churned), 4) if churned else None,
        flagged_people=tuple(sorted(flagged)),
    )


def _churned(
    con: Any,
    scope: Scope,
    day: date,
    horizon_days: int,
    people: list[str],
    active_kinds: tuple[str, ...],
) -> set[str]:
    """Of ``people``, who left, was removed or went silent within ``(day, day + horizon]``.

    Defined once for both engines (``analytics/portable.py``)."""
    import ibis  # lazy: only metrics need it

    if not people:
        return set()
    horizon = replace(
        scope, since=day + timedelta(days=1), until=day + timedelta(days=horizon_days)
    )
    t = portable.ev()
    seen = t.filter(*portable.in_scope(t, horizon))
    acting = seen.filter(seen.kind.isin(active_kinds), seen.person.notnull())
    active = {p for (p,) in portable.fetch(con, acting.select("person").distinct())}
    moves = seen.filter(seen.kind.isin(_EXITS))
    who = ibis.ifelse(moves.kind == "member.removed", moves.subject_person, moves.person)
    gone = {p for (p,) in portable.fetch(con, moves.select(who=who).distinct())}
    return {p for p in people if p in gone or p not in active}


_PARAMS: dict[str, Any] = {
    "baseline_weeks": BASELINE_WEEKS,
    "recent_weeks": RECENT_WEEKS,
    "ratio": RATIO,
    "min_baseline": MIN_BASELINE,
    "active_kinds": DEFAULT_ACTIVE_KINDS,
}

METRICS = (
    Metric(
        "churn_risk",
        "Members whose recent active-day rate fell below a share of their own baseline",
        ("P-MEA-2",),
        churn_risk,
        _PARAMS,
    ),
    Metric(
        "churn_backtest",
        "Precision and recall of the churn-risk flag, evaluated at a past day over a horizon",
        ("P-MEA-2",),
        churn_backtest,
        {"at": None, "horizon_days": HORIZON_DAYS, **_PARAMS},
    ),
)
