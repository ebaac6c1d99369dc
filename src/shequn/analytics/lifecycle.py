"""Group life cycle (P-MEA-3, P-POS-4): stage, the 7-day rule, dead groups.

The seeds: a community lives through germination, rapid growth, an active period and decline
[life ≈ 2 years]; a group with no real activity in its first 7 days falls silent in 90% of
cases; a red envelope nobody grabs within 1–2 hours means the group is dead. Each group gets
one stage by the first rule that holds, with the numbers behind it:

1. **dead** — no meaningful event (:data:`MEANINGFUL_KINDS`) for ``dead_after_days`` [14]
   before the as-of day, or the latest dead-group test (``redenvelope.sent`` with
   ``purpose = "dead_group_test"``) failed with no meaningful event since: the engine's
   verdict on it (``envelope.judged``, P-ENG-4: fewer members grabbed it than it had shares),
   whose figures become the evidence; a test the engine never judged (history imported, no
   worker) is judged here on its own window — not grabbed within ``envelope_test_hours`` [2];
2. **germination** — younger than ``germination_days`` [30] (age from the first join or
   meaningful event);
3. **rapid_growth** — members grew by ≥ ``rapid_growth_rate`` [20%] over the last
   ``window_days`` [28];
4. **declining** — active members in the last window < ``decline_ratio`` [0.7] × the window
   before;
5. **active** — otherwise.

The **7-day rule** holds when, in the group's first ``seven_day_days`` [7] days, at least
``seven_day_posters`` [2] people produced at least ``seven_day_events`` [5] meaningful events;
it is *pending* while the group is younger than that and has not met it yet. These three and
``envelope_test_hours`` are the blueprint's (``[plan]``, ``[engagement.envelopes]``
``test_hours``): a community's own replace the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shequn.analytics import lifecycle_blocks as blocks
from shequn.analytics.configured import configured_blueprint
from shequn.analytics.registry import Metric
from shequn.analytics.scope import Scope, as_of
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_engagement import DEFAULT_ENVELOPE_TEST_HOURS
from shequn.model.blueprint_plan import PLAN
from shequn.model.i18n import Said

DEFAULTS: dict[str, Any] = {
    "window_days": 28,
    "germination_days": 30,
    "rapid_growth_rate": 0.2,
    "decline_ratio": 0.7,
    "dead_after_days": 14,
    "envelope_test_hours": DEFAULT_ENVELOPE_TEST_HOURS,
    "seven_day_days": PLAN.seven_day_days,
    "seven_day_posters": PLAN.seven_day_posters,
    "seven_day_events": PLAN.seven_day_events,
}
"""The seed figures (the 7-day rule, the dead-group test's hours) are the blueprint's
defaults; a community's own blueprint (:func:`blueprint_params`) replaces them, and the
caller's parameters win over both."""


def blueprint_params(blueprint: Blueprint) -> dict[str, Any]:
    """The parameters a community's blueprint sets: its 7-day rule (``[plan]``) and its
    dead-group test (``[engagement.envelopes] test_hours``)."""
    plan = blueprint.plan
    return {
        "envelope_test_hours": blueprint.engagement.envelopes.test_hours,
        "seven_day_days": plan.seven_day_days,
        "seven_day_posters": plan.seven_day_posters,
        "seven_day_events": plan.seven_day_events,
    }


@dataclass(frozen=True, slots=True)
class GroupLife:
    group: str
    stage: str  # dead | germination | rapid_growth | declining | active
    reason: str
    born: date | None
    age_days: int
    members: int
    seven_day_rule: str  # met | failed | pending
    evidence: dict[str, Any] = field(default_factory=dict)


def life_cycle(con: Any, scope: Scope, **params: Any) -> list[GroupLife]:
    """The stage of every group in scope as of the scope's last day, with the evidence.

    Defined once for both engines (``analytics/lifecycle_blocks.py``); the blueprint's
    parameters are read from its JSON in Python."""
    blueprint = configured_blueprint(con, scope.community)
    own = blueprint_params(blueprint) if blueprint is not None else {}
    p = {**DEFAULTS, **own, **params}
    last = as_of(con, scope)
    if last is None:
        return []
    window, first_week = int(p["window_days"]), int(p["seven_day_days"])
    cut, prev_cut = last - timedelta(days=window), last - timedelta(days=2 * window)
    groups_sql, envelopes_sql = blocks.queries(
        con, scope, last=last, cut=cut, prev_cut=prev_cut, first_week=first_week
    )
    rows = con.execute(groups_sql).fetchall()
    tests, verdicts = blocks.tests_and_verdicts(
        con.execute(envelopes_sql).fetchall(), float(p["envelope_test_hours"])
    )
    out = []
    for row in rows:
        grp, born, last_meaningful, events_last, active_last, active_prev, f7e, f7p = row[:8]
        members, members_then = int(row[8]), int(row[9])
        evidence = {
            "as_of": last.isoformat(),
            "last_meaningful": last_meaningful.isoformat() if last_meaningful else None,
            "days_silent": (last - last_meaningful).days if last_meaningful else None,
            "meaningful_events_last_window": events_last,
            "active_last_window": active_last,
            "active_previous_window": active_prev,
            "members": members,
            "members_window_ago": members_then,
            "first_7_days": {"events": f7e, "people": f7p},
            "seven_day_rule_needs": {
                "days": first_week,
                "events": p["seven_day_events"],
                "people": p["seven_day_posters"],
            },
        }
        age = (last - born).days + 1
        test = _latest_test(tests.get(grp), verdicts.get(grp))
        if test is not None:
            evidence["envelope_test"] = test
        stage, reason = _stage(p, evidence, age, test)
        rule = (
            "met"
            if f7p >= p["seven_day_posters"] and f7e >= p["seven_day_events"]
            else "pending"
            if age < first_week
            else "failed"
        )
        out.append(
            GroupLife(
                group=grp,
                stage=stage,
                reason=reason,
                born=born,
                age_days=age,
                members=members,
                seven_day_rule=rule,
                evidence=evidence,
            )
        )
    return out


def _stage(
    p: dict[str, Any], ev: dict[str, Any], age: int, test: dict[str, Any] | None
) -> tuple[str, str]:
    silent = ev["days_silent"]
    if silent is None or silent >= p["dead_after_days"]:
        return "dead", (
            Said("no meaningful activity for {days} days", days=silent)
            if silent is not None
            else Said("never any meaningful activity")
        )
    if test is not None and test["verdict"] == "dead" and not test["activity_since"]:
        if "grabbed" not in test:  # judged here, on the metric's own window
            return "dead", Said(
                "dead-group red envelope of {sent} went unclaimed", sent=test["sent"]
            )
        return "dead", Said(
            "judged dead by the red-envelope test of {sent}: {grabbed} of {shares} shares "
            "grabbed in {hours} h",
            sent=test["sent"], grabbed=test["grabbed"], shares=test["shares"], hours=test["hours"],
        )  # fmt: skip
    if age < p["germination_days"]:
        return "germination", Said("{days} days old", days=age)
    before, now = ev["members_window_ago"], ev["members"]
    growth = (now - before) / before if before else (1.0 if now else 0.0)
    ev["growth_rate"] = round(growth, 4)
    if growth >= p["rapid_growth_rate"]:
        change = format(growth, "+.0%")
        return "rapid_growth", Said(
            "members {before} → {now} ({change}) in {days} days",
            before=before,
            now=now,
            change=change,
            days=p["window_days"],
        )
    prev, last = ev["active_previous_window"], ev["active_last_window"]
    trend = last / prev if prev else None
    ev["activity_trend"] = round(trend, 4) if trend is not None else None
    if trend is not None and trend < p["decline_ratio"]:
        change = format(trend - 1, "+.0%")
        return "declining", Said(
            "active members {before} → {now} ({change})", before=prev, now=last, change=change
        )
    return "active", Said(
        "{active} active members in the last {days} days", active=last, days=p["window_days"]
    )


def _latest_test(own: blocks.Test | None, verdict: dict[str, Any] | None) -> dict[str, Any] | None:
    """The group's latest dead-group test as evidence: the engine's verdict when it judged
    that envelope (or no sending is in the log), else the metric's own reading of it."""
    if verdict is not None and (own is None or own[1] == verdict["envelope"]):
        return verdict
    if own is None:
        return None
    sent, envelope, grabbed, since = own
    dead = "alive" if grabbed else "dead"
    return {"envelope": envelope, "sent": sent, "verdict": dead, "activity_since": since}


METRICS = (
    Metric(
        "life_cycle",
        "Life-cycle stage, 7-day rule and dead-group detection per group",
        ("P-MEA-3", "P-POS-4", "P-ENG-4"),
        life_cycle,
        DEFAULTS,
    ),
)
