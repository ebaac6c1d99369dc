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
from types import MappingProxyType
from typing import Any

from shequn.analytics.configured import configured_blueprint
from shequn.analytics.scope import Scope
from shequn.errors import ShequnError
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_org import Coverage
from shequn.model.blueprint_plan import DEFAULT_LIFE_DAYS
from shequn.model.i18n import Said
from shequn.plan.coverage import attach_gaps, cover_group
from shequn.plan.diagnose_conditions import (
    activate,
    damp_chatter,
    offers,
    promote,
    red_envelope,
    referral,
    retire,
    session,
)
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


def _params(**kw: Any) -> Mapping[str, Any]:
    return MappingProxyType(kw)


# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("retire_or_merge", Said("Retire the group or merge its members into a living one"),
         "life-cycle stage is dead (silent ≥ 14 days or red-envelope test unclaimed) and the "
         "group is ≥ min_age_days old; or it is ≥ life_days old and declining",
         ("P-MEA-3", "P-POS-4", "P-ENG-4"),
         "001 Q&A 1 (envelopes not grabbed in 1–2 h: dead, give up) and Q&A 3 (life ≈ 2 years)",
         10, True, retire,
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
         20, True, activate, _params(within_days=30)),
    Rule("red_envelope_test", Said("Run the red-envelope test (dead-group test)"),
         "not dead; mean DAU of the last recent_days ≤ drop_ratio × mean DAU of the "
         "baseline_days before, with baseline ≥ min_baseline_dau",
         ("P-ENG-4", "P-MEA-2"),
         "001 Q&A 1 (send red envelopes to test the waters; unclaimed in 1–2 h: dead)",
         30, True, red_envelope,
         _params(recent_days=7, baseline_days=28, drop_ratio=0.3, min_baseline_dau=1.0)),
    Rule("damp_chatter", Said("Damp the chatter and reach the quieting key members privately"),
         "an over-activity alert in the last window_days; or chatter share ≥ chatter_share of "
         "≥ min_messages messages while ≥ min_quieting of the top key_members are at churn risk",
         ("P-RUL-3", "P-MEA-5", "P-ENG-7"),
         "003 §3 (over-activity: chatter buries value, core members leave; 90% of groups die)",
         40, True, damp_chatter,
         _params(window_days=14, chatter_share=0.4, min_messages=30, key_members=10,
                 min_quieting=1)),
    Rule("sharing_session", Said("Schedule a sharing session (announce 3–5 days ahead, "
                                 "collect the open questions)"),
         "no session.held for ≥ weeks weeks (or never) and ≥ min_unanswered questions of the "
         "last window_days got no answer",
         ("P-ENG-2", "P-ENG-3"),
         "003 §4 (announce 3–5 days before, collect questions 2 days before, warm up 2 h "
         "before); 000 §7 (ask and answer: questions are the core of interaction)",
         50, False, session,
         _params(weeks=4, window_days=28, min_unanswered=3, lead_days=7)),
    Rule("promote_key_member", Said("Promote the key member: give a small task, then a role"),
         "a member among the group's top within_rank key behaviour leaders holds no role, "
         "scores ≥ min_score and is not at churn risk (max_targets named)",
         ("P-ORG-2", "P-MEA-4", "P-ORG-1"),
         "002 (dig and cultivate key members with small tasks); 003 (key behaviour leaders); "
         "001 §4 (the pyramid's little chefs)",
         60, False, promote, _params(within_rank=3, min_score=10.0, max_targets=1)),
    Rule("private_offers", Said("Make private offers of the next rung, point to point"),
         "≥ min_ready members active in the last active_days paid at a tier in from_tiers, "
         "are not yet at the next, and got no offer in the last cooldown_days",
         ("P-MON-3", "P-MON-1", "P-MON-4"),
         "003 §4 (point to point: never sell in the group) and §6 (low → mid → high ladder)",
         70, False, offers,
         _params(min_ready=3, active_days=14, cooldown_days=30,
                 from_tiers=("low", "mid", "high"))),
    Rule("referral_campaign", Said("Start a referral campaign (invite 3 to unlock)"),
         "stage active or rapid_growth; week-4 retention ≥ min_retention over ≥ min_base "
         "members; mean DAU of the last 7 days ≥ min_dau_ratio × the 28 before; member "
         "growth over the life-cycle window (28 days) ≤ max_growth",
         ("P-FIS-2", "P-FIS-1", "P-MEA-1"),
         "001 §3 (invite three to unlock the black card); 004 (fish bring fish: word of mouth)",
         80, False, referral,
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
                Said(
                    "unknown diagnosis rule {rule}; known: {known}",
                    rule=repr(rule_id),
                    known=", ".join(known),
                ),
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
                    Said(
                        "unknown parameter {key} of diagnosis rule {rule}; known: {known}",
                        key=repr(key),
                        rule=repr(rule.id),
                        known=", ".join([*params, "priority", "enabled"]),
                    ),
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
            Said(
                "diagnosis rule {rule}: {key} = {value} is not a {type}",
                rule=repr(rule),
                key=key,
                value=repr(value),
                type=type(default).__name__,
            ),
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
