"""The simulator's knobs: every number a default, and where the seeds say it.

Numbers marked "seed NNN" come from ``/work/shared/seeds``; those marked "assumption" are
shequn's own guesses where the seeds are silent — they are the first thing to calibrate
against a real community's log. ``docs/simulate.md`` lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_plan import PLAN, SEVEN_DAY_RULE_DAYS, Plan

Fate = Literal["dies_first_week", "declines", "dies", "thrives"]
FATES: tuple[str, ...] = ("dies_first_week", "declines", "dies", "thrives")


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """Forces one group's story; ``None`` fields are drawn or taken from :class:`SimParams`.

    ``fate`` decides the life-cycle curve: ``dies_first_week`` never gets going (a founder's
    hello, then silence, members drift away — the 7-day rule failed); ``declines`` grows, then
    from ``decline_day`` loses activity and members; ``dies`` lives ``life_days`` then goes
    silent; ``thrives`` never declines within the run.
    """

    fate: Fate | None = None
    opens_day: int | None = None
    """Day of the run (0 = the blueprint's ``start_date``) the group opens."""
    decline_day: int | None = None
    """Age in days at which a ``declines``/``dies`` group starts to decline."""
    life_days: int | None = None
    """Age in days at which a ``dies`` group falls silent."""
    size: float = 1.0
    """Multiplies the recruitment waves of this group (on top of ``scale``)."""


@dataclass(frozen=True, slots=True)
class SimParams:
    """Every parameter of the community model, with defaults from the seeds."""

    scale: float = 1.0
    """Multiplies every recruitment wave: 10 gives ten times the members and events."""
    groups: Mapping[str, GroupPlan] = field(default_factory=dict)
    """Per-group overrides by group slug (see :class:`GroupPlan`)."""

    # --- recruitment and capacity (P-IN-3, P-IN-4, P-FIS-4) ---------------------------
    wave_size: int | None = PLAN.wave_size  # None: each group's [groups.entry] wave_size
    wave_every_days: int = PLAN.wave_every_days  # assumption: a wave every few days
    growth_days: int = PLAN.growth_days  # assumption: seed 000's "rapid growth" phase
    trickle_per_week: float = PLAN.trickle_per_week  # assumption: joiners a week after it
    paid_channel_share: float = PLAN.paid_channel_share  # seed 001 §2: 0-cost channels first
    # --- fission (P-FIS-1/2) ----------------------------------------------------------
    inviter_share: float = PLAN.inviter_share  # assumption: seed 000 §3.2's fission figures
    invites_per_inviter: float = PLAN.invite_rate  # seed 001: "invite three" to unlock
    invitee_conversion: float = PLAN.invitee_conversion  # assumption: invitees who join
    invite_window_days: int = 14  # assumption: invitations happen in a member's first weeks
    # --- talk (P-MEA-2, P-MEA-5, P-ENG-3) ---------------------------------------------
    lurker_share: float = 0.55  # assumption: most members read and never post (seed 003 P-MEA-5)
    messages_per_talker_day: float = 0.9  # assumption: mean posts a day of a member who talks
    talk_sigma: float = 1.4  # lognormal talkativeness: "a few people talk most" (seed 003)
    weekend_factor: float = 0.8  # assumption: fewer work-related chats at weekends
    question_share: float = 0.12  # seed 000: "questions are the core of social interaction"
    answer_rate: float = 0.7  # assumption: share of questions someone answers
    answer_delay_minutes: float = 25.0  # assumption: mean wait for an answer
    reply_share: float = 0.18  # assumption: messages that answer a recent one
    link_share: float = 0.05  # seed 003: sharing links is a key behaviour (KBL)
    media_share: float = 0.12  # assumption: photos, stickers, voice
    share_rate: float = 0.03  # assumption: content.shared per message
    reaction_rate: float = 0.25  # assumption: messages that get reactions (1-3)
    burst_chance: float = 0.08  # seed 003: chatter bursts, "the over-activity trap"
    burst_size: int = 40  # assumption: messages in one chatter burst
    # --- life cycle (P-POS-4, P-MEA-3) ------------------------------------------------
    life_days: int | None = None  # None: the blueprint's planned life (seed 001: 2 years)
    eventual_death: float = PLAN.eventual_death  # seed 001: 95 of 100 groups eventually die
    silent_start_share: float = PLAN.silent_start_share  # assumption: no real first week
    silent_start_death: float = PLAN.silent_start_death  # seed 001: then 90% fall silent
    first_week_days: int = SEVEN_DAY_RULE_DAYS  # the 7-day rule's window ([plan])
    decline_half_life_days: float = 21.0  # assumption: activity halves every 3 weeks in decline
    # --- churn (P-MEA-2) --------------------------------------------------------------
    engaged_days: float = PLAN.retention_days  # assumption: mean days a talker keeps talking
    leave_after_quiet_days: float = 30.0  # assumption: mean days quiet before leaving
    quiet_leave_share: float = PLAN.quiet_leave_share  # assumption: quiet members who leave
    # --- engagement (P-ENG) -----------------------------------------------------------
    envelope_per_week: float = 0.5  # seed 002: red envelopes are one way of "staying active"
    envelope_shares: int = 15  # seed 001 Q&A: "send out dozens of red envelopes"
    dead_test_after_days: int = 10  # seed 001 Q&A: the red-envelope test of a quiet group
    session_every_days: int = 28  # assumption: one sharing session a month (seed 003 P-ENG-2)
    session_notice_days: int = 4  # seed 003: announce three to five days ahead
    camp_days: int = 21  # the example blueprint's 21-day camp (seed 000 "punching")
    camp_every_days: int = 28  # assumption: a new cohort every four weeks
    camp_cohort: int = 25  # assumption: members per camp cohort
    camp_daily_dropout: float = 0.04  # assumption: ~43% complete 21 days
    # --- monetization (P-MON-1/2) -----------------------------------------------------
    convert_low: float = PLAN.conversion.low  # assumption: free -> low-price entry
    convert_mid: float = PLAN.conversion.mid  # assumption: low -> mid
    convert_high: float = PLAN.conversion.high  # assumption: mid -> high
    convert_after_days: float = PLAN.conversion.after_days  # assumption: days between steps
    membership_days: int = PLAN.membership_days  # seed 001: an annual membership
    renewal_rate: float = PLAN.renewal_rate  # assumption: memberships renewed at term
    # --- organization (P-ORG) ---------------------------------------------------------
    leader_after_days: int = 30  # seed 002: spot potential people, give them tasks, promote


HOURS_WEEKDAY: tuple[float, ...] = (
    0.6, 0.25, 0.1, 0.05, 0.05, 0.1, 0.5, 2.0, 2.6, 1.8, 1.5, 1.6,
    3.0, 2.6, 1.2, 1.1, 1.2, 1.4, 1.6, 2.0, 4.2, 4.6, 3.6, 1.6,
)  # fmt: skip
"""Relative messages per local hour on workdays: commute, lunch, the 20:00-22:30 peak
(seed 003 "rhythm": reach members when they can take part)."""
HOURS_WEEKEND: tuple[float, ...] = (
    1.0, 0.5, 0.2, 0.08, 0.05, 0.05, 0.15, 0.4, 1.0, 1.8, 2.2, 2.2,
    2.2, 1.8, 1.8, 1.9, 2.0, 1.9, 1.8, 2.2, 3.6, 4.0, 3.6, 2.0,
)  # fmt: skip
"""Weekends: late mornings, busier afternoons, the same evening peak."""


def plan_params(plan: Plan) -> dict[str, Any]:
    """The :class:`SimParams` fields a blueprint's ``[plan]`` sets, by field name."""
    return {
        "wave_size": plan.wave_size,
        "wave_every_days": plan.wave_every_days,
        "growth_days": plan.growth_days,
        "trickle_per_week": plan.trickle_per_week,
        "paid_channel_share": plan.paid_channel_share,
        "inviter_share": plan.inviter_share,
        "invites_per_inviter": plan.invite_rate,
        "invitee_conversion": plan.invitee_conversion,
        "eventual_death": plan.eventual_death,
        "silent_start_share": plan.silent_start_share,
        "silent_start_death": plan.silent_start_death,
        "first_week_days": plan.seven_day_days,
        "engaged_days": plan.retention_days,
        "quiet_leave_share": plan.quiet_leave_share,
        "convert_low": plan.conversion.low,
        "convert_mid": plan.conversion.mid,
        "convert_high": plan.conversion.high,
        "convert_after_days": plan.conversion.after_days,
        "membership_days": plan.membership_days,
        "renewal_rate": plan.renewal_rate,
    }


def sim_params(blueprint: Blueprint, **changes: Any) -> SimParams:
    """The simulator's parameters as the blueprint's ``[plan]`` sets them (its life from
    ``[community]``), then ``changes`` (``scale``, ``groups`` …) on top."""
    life = blueprint.plan.life_days(blueprint.community.planned_life_months)
    return SimParams(**{**plan_params(blueprint.plan), "life_days": life, **changes})
