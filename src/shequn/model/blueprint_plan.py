"""The ``[plan]`` part of the blueprint: the life cycle a community is measured against and
the assumptions of its forecast (P-POS-4, P-MEA-3, P-PLAN-1).

The seeds give a few figures about how communities live: about two years (001 Q&A), no real
activity in the first 7 days and 90% of groups fall silent (001 §1), 95 of every 100 groups
eventually die (001), "invite three to unlock" (001 §2), waves of 20 (000). The life-cycle
metric, the diagnosis, the simulator and ``shequn forecast`` all read them from here, so an
operator who changes one in the TOML file changes it everywhere, and a test
(tests/test_seed_figures.py) fails when one is written down a second time elsewhere.

The forecast's own assumptions — how many members invite, how many join, how long people
stay, how many climb each rung of the ladder — are guesses the seeds do not make; they are
defaults here so that ``shequn plan compare`` can refit them and the operator can write the
fitted values back.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shequn.model.blueprint_growth import DEFAULT_INVITES_TO_UNLOCK

DEFAULT_LIFE_MONTHS = 24
"""A community lives about two years (001 Q&A, P-POS-4); plan its end, then extend it."""
DAYS_PER_MONTH = 365.25 / 12
"""The mean month, to turn ``planned_life_months`` into days."""
SEVEN_DAY_RULE_DAYS = 7
"""Seed 001 §1: a group with no real activity in its first 7 days falls silent in 90% of
cases — the window of the 7-day rule."""
SEVEN_DAY_POSTERS = 2
"""The 7-day rule is met by at least this many people …"""
SEVEN_DAY_EVENTS = 5
"""… producing at least this many meaningful events (the seeds say "real activity")."""
SILENT_START_DEATH = 0.9
"""Seed 001 §1: of the groups that fail the 7-day rule, 90% fall silent."""
EVENTUAL_DEATH = 0.95
"""Seed 001: "95 out of every 100 groups will eventually die"."""


def life_days(months: int) -> int:
    """A planned life of ``months`` months in whole days (24 months: 730 days)."""
    return int(months * DAYS_PER_MONTH)


DEFAULT_LIFE_DAYS = life_days(DEFAULT_LIFE_MONTHS)
"""The planned life in days when no blueprint says otherwise (730)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conversion(_Section):
    """``[plan.conversion]``: the share of members on one rung of the ladder who buy the next
    (P-MON-4), by the tier bought; a rung the ladder lacks is skipped."""

    low: float = Field(0.10, ge=0, le=1)  # free -> low-price entry
    mid: float = Field(0.20, ge=0, le=1)  # low -> mid
    high: float = Field(0.15, ge=0, le=1)  # mid -> high
    after_days: float = Field(20.0, gt=0)  # mean days between two steps


class Plan(_Section):
    """``[plan]``: the life cycle the community is measured against and the forecast's
    assumptions. ``None`` keys take the figure from the section that owns it."""

    # --- the life cycle (P-POS-4, P-MEA-3) ---------------------------------------------
    life_months: int | None = Field(None, gt=0)  # None: [community] planned_life_months
    seven_day_days: int = Field(SEVEN_DAY_RULE_DAYS, gt=0)
    seven_day_posters: int = Field(SEVEN_DAY_POSTERS, ge=0)
    seven_day_events: int = Field(SEVEN_DAY_EVENTS, ge=0)
    silent_start_share: float = Field(0.2, ge=0, le=1)  # groups with no real first week
    silent_start_death: float = Field(SILENT_START_DEATH, ge=0, le=1)
    eventual_death: float = Field(EVENTUAL_DEATH, ge=0, le=1)
    # --- recruitment (P-IN-3, P-FIS-4) -------------------------------------------------
    wave_size: int | None = Field(None, gt=0)  # None: each group's [groups.entry] wave_size
    wave_every_days: int = Field(3, gt=0)
    growth_days: int = Field(42, gt=0)  # the "rapid growth" phase of a group
    trickle_per_week: float = Field(3.0, ge=0)  # joiners a week after it
    paid_channel_share: float = Field(0.15, ge=0, le=1)
    # --- fission (P-FIS-1, P-FIS-2) ----------------------------------------------------
    invite_rate: float = Field(float(DEFAULT_INVITES_TO_UNLOCK), ge=0)  # invites per inviter
    inviter_share: float = Field(0.2, ge=0, le=1)  # members who invite at all
    invitee_conversion: float = Field(0.35, ge=0, le=1)  # invitees who join
    # --- retention (P-MEA-2) -----------------------------------------------------------
    retention_days: float = Field(75.0, gt=0)  # mean days a member who talks keeps talking
    quiet_leave_share: float = Field(0.5, ge=0, le=1)  # quiet members who leave (rest lurk)
    # --- money (P-MON-1, P-MON-2, P-MON-4) ---------------------------------------------
    conversion: Conversion = Field(default_factory=Conversion)
    renewal_rate: float = Field(0.5, ge=0, le=1)
    membership_days: int = Field(365, gt=0)  # seed 001: an annual membership

    def life_days(self, planned_life_months: int) -> int:
        """The planned life in days: ``life_months`` if set, else the community's."""
        return life_days(self.life_months or planned_life_months)


PLAN = Plan()
"""The defaults, for code that runs without a blueprint (a metric asked for by name)."""
