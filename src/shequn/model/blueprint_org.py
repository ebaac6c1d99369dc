"""The ``[organization]`` part of the blueprint: levels, core-figure tags, key-member tasks,
motions and elections, coverage (P-ORG-1..4).

Every default is here and nowhere else. The seeds give the shape, not the figures: a pyramid
HQ → monitors → group leaders → members (001 §4, 004), core figures — managers, fission
agents, partners, payers (000 §3.2) — and key members found by behaviour and given small
tasks (002), decisions by Robert's Rules (004). The figures below are conservative choices in
the manner of Discourse's trust levels, documented in docs/blueprint.md: a level is earned
over a rolling window, kept for a minimum hold, lost only when its requirements stay unmet.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shequn.model.i18n import Said
from shequn.model.kinds import KINDS

DEFAULT_WINDOW_DAYS = 30
"""The rolling window a level's requirements are counted over."""
DEFAULT_HOLD_DAYS = 30
"""A level is kept at least this long before a demotion check may take it away."""
DEFAULT_FISSION_AGENT_INVITEES = 5
"""Invitees who stayed (in the window) that make a member a fission agent."""
DEFAULT_CANDIDATES = 5
"""Key-member candidates proposed per evaluation."""
DEFAULT_TASK_DAYS = 7
"""A small task is due this many days after it is given unless the giver says otherwise."""
DEFAULT_DISCUSSION_HOURS = 48
"""How long a seconded motion is discussed and voted on before it closes."""
DEFAULT_QUORUM = 0.2
"""Share of the eligible members who must vote (abstentions count towards the quorum)."""

DEFAULT_NOMINATION_DAYS = 3
"""Nominations stay open this long after an election opens."""
DEFAULT_VOTING_DAYS = 2
"""Ballots are cast this long after nominations close."""
DEFAULT_TERM_DAYS = 180
"""An elected monitor or leader serves this long (a community lives about two years, 001)."""

DEFAULT_LEADER_INACTIVE_DAYS = 7
"""A monitor or leader silent in the groups this long is a coverage gap (P-ORG-4): a week is
one full cycle of a group's routine (the weekly session, the daily check-ins)."""

Majority = Literal["simple", "two_thirds"]
Requirement = Literal[
    "active_days",
    "messages",
    "reply",
    "answer",
    "link",
    "forward",
    "invite",
    "checkins",
    "sessions_hosted",
    "tenure_days",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Section):
    """One rung: a name in both languages and what it takes, counted over the window."""

    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    requires: dict[Requirement, int] = Field(default_factory=dict)
    clean_days: int = Field(0, ge=0)  # no rule violated in this many days (0: not checked)


def _default_levels() -> list[Level]:
    return [
        Level(
            name="活跃成员",
            name_en="active member",
            requires={"active_days": 4, "reply": 3, "tenure_days": 7},
        ),
        Level(
            name="骨干成员",
            name_en="key member",
            requires={"active_days": 10, "reply": 10, "answer": 3, "tenure_days": 30},
            clean_days=30,
        ),
        Level(
            name="核心成员",
            name_en="core member",
            requires={"active_days": 20, "answer": 10, "invite": 2, "tenure_days": 60},
            clean_days=60,
        ),
    ]


class Tasks(_Section):
    """Small tasks for key-member candidates (P-ORG-2, seed 002)."""

    candidates: int = Field(DEFAULT_CANDIDATES, ge=0)
    due_days: int = Field(DEFAULT_TASK_DAYS, gt=0)
    promote: Literal["auto", "propose"] = "propose"


class Motions(_Section):
    """Robert's Rules, as far as a chat group needs them (P-ORG-3, seed 004)."""

    second_required: bool = True
    discussion_hours: float = Field(DEFAULT_DISCUSSION_HOURS, gt=0)
    quorum: float = Field(DEFAULT_QUORUM, ge=0, le=1)
    majority: Majority = "simple"
    min_level: int = Field(0, ge=0)  # the level a member needs to vote or move
    amendments: bool = True  # a pending motion may be amended (voted on before the motion)


class Elections(_Section):
    """Monitor and leader elections (P-ORG-3, seed 004: 班长选举制度)."""

    nomination_days: float = Field(DEFAULT_NOMINATION_DAYS, gt=0)
    voting_days: float = Field(DEFAULT_VOTING_DAYS, gt=0)
    term_days: int = Field(DEFAULT_TERM_DAYS, gt=0)
    min_level: int = Field(0, ge=0)  # the level a member needs to vote or stand
    tie: Literal["seniority", "runoff"] = "seniority"


class Duty(_Section):
    """A routine a group's leaders owe it (P-ORG-4): done when an event of ``kind`` happens in
    the group at least every ``every_days`` — the weekly session (``session.held``, 7), the
    daily check-in review (``checkin.done``, 1), answering questions (``qa.answered``, 2)."""

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=64)
    every_days: int = Field(gt=0, le=366)
    groups: list[str] = Field(default_factory=list)  # empty: every group

    @model_validator(mode="after")
    def _known_kind(self) -> Duty:
        if self.kind not in KINDS:
            raise ValueError(
                Said("duty {name!r}: unknown event kind {kind!r}", name=self.name, kind=self.kind)
            )
        return self


class Coverage(_Section):
    """Who covers which group, and when a gap is reported (P-ORG-4)."""

    inactive_days: int = Field(DEFAULT_LEADER_INACTIVE_DAYS, gt=0)
    duties: list[Duty] = Field(default_factory=list)  # none by default: each community's own


class Platform(_Section):
    """The platform role follows shequn's (P-ORG-1): a group leader or manager is made the
    chat's admin where the connector can (Telegram), an operator task elsewhere; stepping
    down takes the rights away. ``titles``: the admin's title is the role's name (群主管, 班长)."""

    follow: bool = True
    titles: bool = True


class Organization(_Section):
    """``[organization]``: levels (level 0 is everybody), tags, tasks and motions."""

    window_days: int = Field(DEFAULT_WINDOW_DAYS, gt=0)
    hold_days: int = Field(DEFAULT_HOLD_DAYS, ge=0)
    levels: list[Level] = Field(default_factory=_default_levels)
    fission_agent_invitees: int = Field(DEFAULT_FISSION_AGENT_INVITEES, gt=0)
    tasks: Tasks = Field(default_factory=Tasks)
    motions: Motions = Field(default_factory=Motions)
    elections: Elections = Field(default_factory=Elections)
    coverage: Coverage = Field(default_factory=Coverage)
    platform: Platform = Field(default_factory=Platform)

    @model_validator(mode="after")
    def _levels_in_reach(self) -> Organization:
        if self.motions.min_level > len(self.levels):
            raise ValueError(
                Said(
                    "motions.min_level {level} is above the top level",
                    level=self.motions.min_level,
                )
            )
        return self

    def level_name(self, level: int, lang: str) -> str:
        """The level's name in ``lang`` (level 0: the plain word for a member)."""
        if level <= 0 or level > len(self.levels):
            return "成员" if lang == "zh" else "member"
        rung = self.levels[level - 1]
        return rung.name if lang == "zh" else rung.name_en


TAGS: tuple[str, ...] = ("manager", "fission_agent", "partner", "payer")
"""Core-figure tags (seed 000 §3.2): who decides more than the crowd."""
