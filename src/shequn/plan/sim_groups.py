"""Members and groups of the simulation: small, flat state, and each group's life curve.

A member is a handful of list entries (name, talkativeness, home group, quiet flag), not an
object, so a run with a million members stays small. A group keeps who is in it, who talks,
and the cumulative talk weights ``random.choices`` needs — rebuilt only on days when someone
joined, went quiet or left.
"""

from __future__ import annotations

import random
from itertools import accumulate

from shequn.plan.sim_params import GroupPlan, SimParams


class Members:
    """Parallel lists indexed by member number; identity keys are ``sim:<n>``."""

    __slots__ = ("home", "key", "name", "quiet", "talk", "tier")

    def __init__(self) -> None:
        self.key: list[str] = []
        self.name: list[str] = []
        self.talk: list[float] = []
        self.home: list[int] = []
        self.quiet: list[bool] = []
        self.tier: list[int] = []

    def add(self, name: str, talk: float, home: int) -> int:
        m = len(self.key)
        self.key.append(f"sim:{m + 1}")
        self.name.append(name)
        self.talk.append(talk)
        self.home.append(home)
        self.quiet.append(False)
        self.tier.append(0)
        return m


class ResolvedPlan:
    """A group's fate with every number decided (overrides, else drawn from the params)."""

    __slots__ = ("decline_day", "fate", "life_days", "opens_day", "size")

    def __init__(
        self, fate: str, opens_day: int, decline_day: int, life_days: int, size: float
    ) -> None:
        self.fate, self.opens_day, self.size = fate, opens_day, size
        self.decline_day, self.life_days = decline_day, life_days


def draw_plan(
    rng: random.Random, p: SimParams, slug: str, index: int, life_days: int
) -> ResolvedPlan:
    """The group's fate: as forced by ``params.groups[slug]``, else drawn by the seeds' odds.

    A fraction ``silent_start_share`` of groups start without real activity, and 90% of those
    fall silent in week one (seed 001); of the rest, ``eventual_death`` (95%) die after a
    lognormal life around ``life_days`` (the blueprint's planned life, two years by
    default), declining over its last third.
    """
    forced = p.groups.get(slug, GroupPlan())
    life = max(30, round(rng.lognormvariate(0.0, 0.4) * life_days))
    r = rng.random()
    if forced.fate is not None:
        fate = forced.fate
    elif r < p.silent_start_share * p.silent_start_death:
        fate = "dies_first_week"
    elif rng.random() < p.eventual_death:
        fate = "dies"
    else:
        fate = "thrives"
    life = forced.life_days if forced.life_days is not None else life
    if fate == "dies_first_week":
        life = p.first_week_days
    decline = forced.decline_day if forced.decline_day is not None else (life * 2) // 3
    if fate == "declines" and forced.decline_day is None:
        decline = 60
    return ResolvedPlan(fate, forced.opens_day or 0, decline, life, forced.size)


def activity(p: SimParams, g: GroupState, age: int) -> float:
    """How lively the group is at this age, 0 (dead) to 1: the seeds' life cycle of
    germination, growth, an active plateau and decline (seed 000 §4)."""
    plan = g.plan
    if plan.fate == "dies_first_week":
        return 0.0
    if plan.fate == "dies" and age >= plan.life_days:
        return 0.0
    ramp = min(1.0, 0.6 + age / 20)  # germination: the first weeks warm up
    if plan.fate in ("declines", "dies") and age >= plan.decline_day:
        return float(ramp * 0.5 ** ((age - plan.decline_day) / p.decline_half_life_days))
    return ramp


class GroupState:
    """One group of the matrix during the run."""

    __slots__ = (
        "_cum",
        "_talkers",
        "capacity",
        "died",
        "dirty",
        "index",
        "members",
        "opens",
        "plan",
        "recent",
        "recruiting",
        "slug",
        "stage",
        "talkers",
    )

    def __init__(self, slug: str, stage: str, capacity: int, index: int, plan: ResolvedPlan):
        self.slug, self.stage, self.capacity, self.index, self.plan = (
            slug,
            stage,
            capacity,
            index,
            plan,
        )
        self.opens = plan.opens_day
        self.members: dict[int, None] = {}  # insertion-ordered set: deterministic iteration
        self.talkers: list[int] = []
        self.recent: list[str] = []
        self.recruiting = True
        self.died: int | None = None
        self.dirty = True
        self._talkers: list[int] = []
        self._cum: list[float] = []

    def weights(self, mem: Members) -> tuple[list[int], list[float]]:
        """Members who still talk here, with cumulative talk weights for ``choices``."""
        if self.dirty:
            quiet, talk, inside = mem.quiet, mem.talk, self.members
            self.talkers = [m for m in self.talkers if not quiet[m] and m in inside]
            self._talkers = list(self.talkers)
            self._cum = list(accumulate(talk[m] for m in self.talkers))
            self.dirty = False
        return self._talkers, self._cum
