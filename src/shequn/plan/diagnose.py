"""Diagnosis (P-PLAN-2): for each group, the playbook move that fits now, and why.

The seeds give advice as *situations and answers* — "if the red envelopes are not grabbed
within one or two hours, the group is dead" (001), "over-activity buries valuable
information and drives the core members out" (003). Each piece of advice becomes one
:class:`Rule` of :data:`RULES`: a condition over a group's measured facts, default thresholds
(the seeds' numbers), the playbook ids and the seed it comes from, and a priority. Rules are
data so an operator can tune a threshold, switch a rule off or reorder it without touching
code (``overrides``, or a TOML ``[diagnosis.<rule id>]`` table; see docs/diagnose.md).

Facts are measured once per call (:func:`shequn.plan.facts.gather`); the rules are pure
functions of those facts, so a rule is tested with plain values and the same facts feed every
rule. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from shequn.analytics.configured import configured_blueprint
from shequn.analytics.money import TIERS
from shequn.analytics.scope import Scope
from shequn.errors import ShequnError
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import DEFAULT_INVITES_TO_UNLOCK
from shequn.model.blueprint_org import Coverage
from shequn.model.blueprint_plan import DEFAULT_LIFE_DAYS
from shequn.model.i18n import Said
from shequn.plan import acts
from shequn.plan.coverage import attach_gaps, cover_group
from shequn.plan.facts import GroupFacts, Hit, gather

Condition = Callable[[GroupFacts, Mapping[str, Any]], Hit | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """One piece of playbook advice: when it applies, what to do, where it comes from."""

    id: str
    move: str
    when: str  # the condition in words (docs, --json)
    playbook: tuple[str, ...]
    seed: str
    priority: int  # lower comes first
    urgent: bool  # act this week (a group at risk), not an opportunity
    condition: Condition
    params: Mapping[str, Any]
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Diagnosis:
    group: str
    move: str
    rule_id: str
    priority: int
    evidence: dict[str, Any]
    playbook: tuple[str, ...]
    seed: str
    targets: list[str]
    why: str = ""
    urgent: bool = False
    act: dict[str, str] = field(default_factory=dict)


# --- the conditions ----------------------------------------------------------------------


def _mean(xs: list[int]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _since(f: GroupFacts, days: int) -> date:
    """First day of the ``days``-day window ending with the as-of day."""
    return f.as_of - timedelta(days=int(days) - 1)


def _dau(f: GroupFacts, recent_days: int, baseline_days: int) -> tuple[float, float]:
    """Mean DAU over the last ``recent_days`` and over the ``baseline_days`` before them."""
    recent_from = _since(f, recent_days)
    base_from = recent_from - timedelta(days=int(baseline_days))
    recent = _mean([d.dau for d in f.days if d.day >= recent_from])
    return recent, _mean([d.dau for d in f.days if base_from <= d.day < recent_from])


def _retire(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    life, ev = f.life, {"stage": f.life.stage, "age_days": f.life.age_days}
    ev |= {"members": life.members, "days_silent": life.evidence.get("days_silent")}
    if life.stage == "dead" and life.age_days >= p["min_age_days"]:
        big = life.members >= p["merge_members"]
        how = Said("merge its members into a living group") if big else Said("retire it")
        return Hit(Said("dead: {why}; {how}", why=life.reason, how=how), ev)
    if life.stage == "declining" and life.age_days >= p["life_days"]:
        return Hit(
            Said("{days} days old and declining: the life cycle is ending", days=life.age_days),
            ev,
        )
    return None


def _activate(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    rule, life = f.life.seven_day_rule, f.life
    first7 = life.evidence.get("first_7_days", {})
    needs = life.evidence.get("seven_day_rule_needs", {})
    ev = {"seven_day_rule": rule, "age_days": life.age_days, "first_7_days": first7}
    if rule == "pending" or (rule == "failed" and life.age_days <= p["within_days"]):
        why = Said(
            "{days}-day rule {verdict}: {events} real events by {people} person(s) in the "
            "first {days} days (needs ≥ {need_events} by ≥ {need_people})",
            days=needs.get("days"),
            verdict=Said(rule),
            events=first7.get("events", 0),
            people=first7.get("people", 0),
            need_events=needs.get("events"),
            need_people=needs.get("people"),
        )
        return Hit(why, ev)
    return None


def _red_envelope(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    if f.life.stage == "dead" or not f.days:
        return None
    recent, baseline = _dau(f, p["recent_days"], p["baseline_days"])
    ev = {"dau_recent": round(recent, 2), "dau_baseline": round(baseline, 2)}
    if baseline >= p["min_baseline_dau"] and recent <= p["drop_ratio"] * baseline:
        why = Said(
            "DAU {before} → {now} (last {days} days): test with a red envelope before it dies",
            before=format(baseline, ".1f"),
            now=format(recent, ".1f"),
            days=p["recent_days"],
        )
        return Hit(why, ev, act=acts.envelope_test(f.group))
    return None


def _damp_chatter(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    start = _since(f, p["window_days"])
    mixes = [m for m in f.talk if m.period_start >= start]
    messages, chatter = sum(m.messages for m in mixes), sum(m.chatter for m in mixes)
    share = chatter / messages if messages else 0.0
    alerts = [a for a in f.alerts if a.hour.date() >= start]
    keys = {x.person for x in f.leaders[: int(p["key_members"])]}
    quieting = sorted((keys & f.at_risk) | {q for a in alerts for q in a.quieting_key_members})
    ev = {
        "chatter_share": round(share, 4),
        "messages": messages,
        "over_activity_hours": len(alerts),
        "quieting_key_members": quieting,
    }
    noisy = messages >= p["min_messages"] and share >= p["chatter_share"]
    if alerts or (noisy and len(quieting) >= p["min_quieting"]):
        why = Said(
            "{share} of {messages} messages are chatter, {hours} over-active hours, "
            "{quieting} key members going quiet",
            share=format(share, ".0%"),
            messages=messages,
            hours=len(alerts),
            quieting=len(quieting),
        )
        return Hit(why, ev, quieting)
    return None


def _session(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    gap = (f.as_of - f.last_session).days if f.last_session else None
    open_qs = [d for d in f.unanswered if d >= _since(f, p["window_days"])]
    ev = {
        "last_session": f.last_session.isoformat() if f.last_session else None,
        "days_since_session": gap,
        "unanswered_questions": len(open_qs),
    }
    if (gap is None or gap >= 7 * p["weeks"]) and len(open_qs) >= p["min_unanswered"]:
        why = (
            Said(
                "no session in {days} days; {open} questions unanswered",
                days=gap,
                open=len(open_qs),
            )
            if gap is not None
            else Said("no session ever; {open} questions unanswered", open=len(open_qs))
        )
        return Hit(why, ev, act=acts.plan_session(f.group, f.as_of + timedelta(p["lead_days"])))
    return None


def _promote(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    top = f.leaders[: int(p["within_rank"])]
    picks = [
        x for x in top if not x.has_role and x.score >= p["min_score"] and x.person not in f.at_risk
    ]
    if not picks:
        return None
    chosen = picks[: int(p["max_targets"])]
    ev = {x.person: {"rank": x.rank, "score": x.score, **x.evidence} for x in chosen}
    why = Said(
        "{person} is key behaviour leader #{rank} (score {score}) with no role",
        person=chosen[0].person,
        rank=chosen[0].rank,
        score=format(chosen[0].score, "g"),
    )
    return Hit(why, ev, [x.person for x in chosen])


def _offers(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    active_from, quiet_from = _since(f, p["active_days"]), _since(f, p["cooldown_days"])
    ready = [
        x
        for x in f.positions
        if x.tier in p["from_tiers"]
        and TIERS.index(x.tier) + 1 < len(TIERS)
        and x.last_active >= active_from
        and (x.last_offer is None or x.last_offer < quiet_from)
    ]
    if len(ready) < p["min_ready"]:
        return None
    by_tier: dict[str, int] = {}
    for x in ready:
        by_tier[x.tier] = by_tier.get(x.tier, 0) + 1
    steps = {r.tier: r.rate for r in f.ladder if r.rate is not None}
    ev = {"ready_by_tier": by_tier, "ladder_step_rates": steps}
    why = Said(
        "{ready} active members ready for the next rung: offer privately, one by one, "
        "not in the group",
        ready=len(ready),
    )
    return Hit(why, ev, sorted(x.person for x in ready), act=acts.plan_offers())


def _referral(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    row, life = f.funnel, f.life
    before, now = life.evidence.get("members_window_ago", 0), life.members
    growth = (now - before) / before if before else None
    rate = row.retention_rate if row is not None else None
    base = row.retention_base if row is not None else 0
    ev = {
        "retention_rate": rate,
        "retention_base": base,
        "members": now,
        "members_window_ago": before,
        "growth": None if growth is None else round(growth, 4),
        "referral_rate": row.referral_rate if row is not None else None,
    }
    recent, baseline = _dau(f, 7, 28)
    ev["dau_recent_vs_baseline"] = round(recent / baseline, 4) if baseline else None
    healthy = rate is not None and base >= p["min_base"] and rate >= p["min_retention"]
    holding = baseline > 0 and recent >= p["min_dau_ratio"] * baseline
    flat = growth is not None and growth <= p["max_growth"]
    if healthy and holding and flat and life.stage in ("active", "rapid_growth"):
        why = Said(
            "week-4 retention {rate} but members {before} → {now}: ask members to invite "
            "(unlock a reward at {invites})",
            rate=format(rate, ".0%"),
            before=before,
            now=now,
            invites=DEFAULT_INVITES_TO_UNLOCK,
        )
        return Hit(why, ev)
    return None


def _params(**kw: Any) -> Mapping[str, Any]:
    return MappingProxyType(kw)


# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("retire_or_merge", Said("Retire the group or merge its members into a living one"),
         "life-cycle stage is dead (silent ≥ 14 days or red-envelope test unclaimed) and the "
         "group is ≥ min_age_days old; or it is ≥ life_days old and declining",
         ("P-MEA-3", "P-POS-4", "P-ENG-4"),
         "001 Q&A 1 (envelopes not grabbed in 1–2 h: dead, give up) and Q&A 3 (life ≈ 2 years)",
         10, True, _retire,
         _params(min_age_days=14, life_days=DEFAULT_LIFE_DAYS, merge_members=10)),
    Rule("cover_group", Said("Give the group an active leader again: hand over, or elect one"),
         "a leader of the group silent for [organization.coverage] inactive_days (7), or its "
         "leader stepped down and nobody followed, or a duty overdue (the first of kinds)",
         ("P-ORG-4", "P-ORG-3", "P-ORG-1"),
         "001 §4 and 004 (the pyramid runs itself only while every group has its little chef)",
         25, True, cover_group,
         _params(kinds=("leader_inactive", "no_leader", "duty_overdue"))),
    Rule("activate_new_group",
         Said("Activate the new group: welcome wave, seeded questions, a session"),
         "7-day rule (≥ 2 people, ≥ 5 real events in the first 7 days; life_cycle's "
         "defaults) pending, or failed while the group is ≤ within_days old",
         ("P-MEA-3", "P-ENG-1", "P-ENG-2", "P-ENG-3"),
         "001 §1 (no real activity in the first 7 days: 90% of groups fall silent)",
         20, True, _activate, _params(within_days=30)),
    Rule("red_envelope_test", Said("Run the red-envelope test (dead-group test)"),
         "not dead; mean DAU of the last recent_days ≤ drop_ratio × mean DAU of the "
         "baseline_days before, with baseline ≥ min_baseline_dau",
         ("P-ENG-4", "P-MEA-2"),
         "001 Q&A 1 (send red envelopes to test the waters; unclaimed in 1–2 h: dead)",
         30, True, _red_envelope,
         _params(recent_days=7, baseline_days=28, drop_ratio=0.3, min_baseline_dau=1.0)),
    Rule("damp_chatter", Said("Damp the chatter and reach the quieting key members privately"),
         "an over-activity alert in the last window_days; or chatter share ≥ chatter_share of "
         "≥ min_messages messages while ≥ min_quieting of the top key_members are at churn risk",
         ("P-RUL-3", "P-MEA-5", "P-ENG-7"),
         "003 §3 (over-activity: chatter buries value, core members leave; 90% of groups die)",
         40, True, _damp_chatter,
         _params(window_days=14, chatter_share=0.4, min_messages=30, key_members=10,
                 min_quieting=1)),
    Rule("sharing_session", Said("Schedule a sharing session (announce 3–5 days ahead, "
                                 "collect the open questions)"),
         "no session.held for ≥ weeks weeks (or never) and ≥ min_unanswered questions of the "
         "last window_days got no answer",
         ("P-ENG-2", "P-ENG-3"),
         "003 §4 (announce 3–5 days before, collect questions 2 days before, warm up 2 h "
         "before); 000 §7 (ask and answer: questions are the core of interaction)",
         50, False, _session,
         _params(weeks=4, window_days=28, min_unanswered=3, lead_days=7)),
    Rule("promote_key_member", Said("Promote the key member: give a small task, then a role"),
         "a member among the group's top within_rank key behaviour leaders holds no role, "
         "scores ≥ min_score and is not at churn risk (max_targets named)",
         ("P-ORG-2", "P-MEA-4", "P-ORG-1"),
         "002 (dig and cultivate key members with small tasks); 003 (key behaviour leaders); "
         "001 §4 (the pyramid's little chefs)",
         60, False, _promote, _params(within_rank=3, min_score=10.0, max_targets=1)),
    Rule("private_offers", Said("Make private offers of the next rung, point to point"),
         "≥ min_ready members active in the last active_days paid at a tier in from_tiers, "
         "are not yet at the next, and got no offer in the last cooldown_days",
         ("P-MON-3", "P-MON-1", "P-MON-4"),
         "003 §4 (point to point: never sell in the group) and §6 (low → mid → high ladder)",
         70, False, _offers,
         _params(min_ready=3, active_days=14, cooldown_days=30,
                 from_tiers=("low", "mid", "high"))),
    Rule("referral_campaign", Said("Start a referral campaign (invite 3 to unlock)"),
         "stage active or rapid_growth; week-4 retention ≥ min_retention over ≥ min_base "
         "members; mean DAU of the last 7 days ≥ min_dau_ratio × the 28 before; member "
         "growth over the life-cycle window (28 days) ≤ max_growth",
         ("P-FIS-2", "P-FIS-1", "P-MEA-1"),
         "001 §3 (invite three to unlock the black card); 004 (fish bring fish: word of mouth)",
         80, False, _referral,
         _params(min_retention=0.4, min_base=5, min_dau_ratio=0.7, max_growth=0.05)),
)
# fmt: on
"""The diagnosis rules, most urgent first. Defaults are the seeds' numbers where they give one."""


# --- configuration -----------------------------------------------------------------------


def configure(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[Rule, ...]:
    """:data:`RULES` with an operator's overrides: ``{rule_id: {param: value}}``; the keys
    ``priority`` and ``enabled`` change the rule itself. Unknown ids or params are errors, so
    a typo in a config file does not silently leave a default in force."""
    known = {r.id: r for r in RULES}
    for rule_id in overrides or {}:
        if rule_id not in known:
            raise ShequnError(
                f"unknown diagnosis rule {rule_id!r}; known: {', '.join(known)}",
                field="diagnosis",
                rule=rule_id,
            )
    out = []
    for rule in RULES:
        changes = dict((overrides or {}).get(rule.id, {}))
        priority = int(changes.pop("priority", rule.priority))
        enabled = bool(changes.pop("enabled", rule.enabled))
        params = dict(rule.params)
        for key, value in changes.items():
            if key not in params:
                raise ShequnError(
                    f"unknown parameter {key!r} of diagnosis rule {rule.id!r}; "
                    f"known: {', '.join([*params, 'priority', 'enabled'])}",
                    field="diagnosis",
                    rule=rule.id,
                    param=key,
                )
            params[key] = _coerce(params[key], value, rule.id, key)
        out.append(replace(rule, priority=priority, enabled=enabled, params=_params(**params)))
    return tuple(out)


def _coerce(default: Any, value: Any, rule: str, key: str) -> Any:
    try:
        if isinstance(default, tuple):
            return tuple(value)
        return type(default)(value)
    except (TypeError, ValueError) as e:
        raise ShequnError(
            f"diagnosis rule {rule!r}: {key} = {value!r} is not a {type(default).__name__}",
            rule=rule,
            param=key,
        ) from e


# --- diagnosis ---------------------------------------------------------------------------


def blueprint_overrides(blueprint: Blueprint) -> dict[str, dict[str, Any]]:
    """The rule parameters a community's blueprint sets: its planned life (``[plan]``
    life_months, else ``[community]`` planned_life_months) for ``retire_or_merge``."""
    life = blueprint.plan.life_days(blueprint.community.planned_life_months)
    return {"retire_or_merge": {"life_days": life}}


def diagnose(
    con: Any, scope: Scope, *, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Diagnosis]:
    """Every move whose rule holds for a group in scope, by priority, then group.

    A group's first diagnosis is the move that fits it now; the others are what follows.
    The community's blueprint (as the log has it) sets the figures it owns — the planned
    life here, the 7-day rule and the dead-group test in the life-cycle metric — in place of
    the seeds' defaults; ``overrides`` win over both. Read-only over the replica."""
    blueprint = configured_blueprint(con, scope.community)
    merged = blueprint_overrides(blueprint) if blueprint is not None else {}
    for rule_id, changes in (overrides or {}).items():
        merged[rule_id] = {**merged.get(rule_id, {}), **changes}
    rules = [r for r in configure(merged) if r.enabled]
    out: list[Diagnosis] = []
    gathered = gather(con, scope)
    cfg = blueprint.organization.coverage if blueprint is not None else Coverage()
    attach_gaps(con, scope.community, gathered, cfg)
    for g, facts in sorted(gathered.items()):
        for rule in rules:
            hit = rule.condition(facts, rule.params)
            if hit is not None:
                out.append(
                    Diagnosis(
                        g,
                        rule.move,
                        rule.id,
                        rule.priority,
                        hit.evidence,
                        rule.playbook,
                        rule.seed,
                        hit.targets,
                        hit.why,
                        rule.urgent,
                        {k: v.replace("{community}", scope.community) for k, v in hit.act.items()},
                    )
                )
    return sorted(out, key=lambda d: (d.priority, d.group, d.rule_id))


__all__ = [
    "RULES",
    "Diagnosis",
    "GroupFacts",
    "Rule",
    "blueprint_overrides",
    "configure",
    "diagnose",
    "gather",
]
