"""The ``[rules]`` part of the blueprint: group rules and the enforcement ladder (P-RUL).

Per community, with per-group overrides (``[rules.groups.<slug>]``, the same keys, each one
replacing the community's). Every number is a default an operator may change; the seeds'
own rules are: advertising only with a red envelope (002), no politics or religion (004, fed
from ``culture.banned_topics``), activities reported first and no pulling people in (004),
and a ladder reminder → warning → mute → removal where a manager can undo every step (P-RUL-2).
Figures the seeds do not give (flood rate, mute length, decay) are conservative choices,
documented in docs/blueprint.md and docs/rules.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Step = Literal["reminder", "warning", "mute", "removal"]
LADDER: tuple[Step, ...] = ("reminder", "warning", "mute", "removal")
Lock = Literal["link", "media", "forward"]

DEFAULT_ADVERT_THRESHOLD = 0.8
"""Rules' score at which a message advertises (measured: benchmarks/bench_rules.py)."""
DEFAULT_ENVELOPE_HOURS = 24.0
"""A red envelope sent to the group this long before an advert pays its ad tax (002)."""
DEFAULT_FLOOD_MESSAGES = 8
DEFAULT_FLOOD_SECONDS = 30.0
DEFAULT_NEWCOMER_HOURS = 24.0
DEFAULT_NEWCOMER_LOCKS: tuple[Lock, ...] = ("link", "media")
DEFAULT_LINK_LEVEL = 0
"""Level needed to post links (0 member, 1 group leader, 2 manager, 3 owner): 0, everyone
may — the seeds set no level, and a stricter one is a choice to make after a replay."""
DEFAULT_MUTE_MINUTES = 60 * 24
DEFAULT_DECAY_DAYS = 30.0
"""Each this many clean days forgive one step of a member's ladder."""
DEFAULT_EXEMPT_ROLES = ("owner", "manager", "group_leader")
DEFAULT_PULL_CHANNELS = ("add", "added", "invite", "invited")
"""``member.joined`` channels that mean someone added the member directly (Telegram "added",
Discord/Slack/WhatsApp "add", QQ "invite", WeCom "invited"), not a link or a QR code."""
DEFAULT_PULL_LEVEL = 1
"""Level allowed to add people directly: group leaders and above (seed 002, "not allowed to
pull people casually")."""
DEFAULT_REPORT_DAYS = 30.0
"""An activity reported this long before its announcement covers it (seed 004, 活动必须报备)."""
DEFAULT_ACTIVITY_THRESHOLD = 1.0
"""Activity detector's score at which a message announces an event (an event word plus a
call to sign up, a time or a place)."""
DEFAULT_DAMPING_MINUTES = 10.0
DEFAULT_BURIED_AFTER = 20
"""A valuable post is buried when this many messages follow it within the window …"""
DEFAULT_SLOW_MODE_SECONDS = 30
"""A member's messages at least this far apart while a ladder step's slow mode lasts."""
DEFAULT_SLOW_MODE_MINUTES = 30.0
"""How long damping's slow mode lasts (when ``slow_mode_seconds`` turns it on)."""
DEFAULT_PIN_HOURS = 24.0
"""How long damping keeps a buried post pinned (when ``pin`` is on); 0 keeps it pinned."""
DEFAULT_CHATTER_SHARE = 0.6
"""… and at least this share of them is chatter (the over_activity metric's share)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Advert(_Section):
    """Adverts are allowed only with the ad tax: a red envelope first (002)."""

    enabled: bool = True
    threshold: float = Field(DEFAULT_ADVERT_THRESHOLD, gt=0)
    envelope_min_amount: float = Field(0.0, ge=0)
    envelope_hours: float = Field(DEFAULT_ENVELOPE_HOURS, ge=0)
    model: str | None = None  # a model file from ``shequn rules train``


class Topics(_Section):
    """Banned topics: ``culture.banned_topics`` plus these patterns (``*`` and ``?`` wildcards;
    a topic name shequn knows, such as ``politics``, stands for its word list)."""

    enabled: bool = True
    patterns: list[str] = Field(default_factory=list)


class Flow(_Section):
    """Flood, newcomer restrictions, links by level, locks by content type."""

    flood_messages: int = Field(DEFAULT_FLOOD_MESSAGES, gt=1)
    flood_seconds: float = Field(DEFAULT_FLOOD_SECONDS, gt=0)
    newcomer_hours: float = Field(DEFAULT_NEWCOMER_HOURS, ge=0)
    newcomer_locks: list[Lock] = Field(default_factory=lambda: list(DEFAULT_NEWCOMER_LOCKS))
    link_level: int = Field(DEFAULT_LINK_LEVEL, ge=0)
    locks: list[Lock] = Field(default_factory=list)


class PullIn(_Section):
    """No pulling people in without approval (seed 002/004): a member below ``level`` who adds
    someone directly (a join through one of ``channels`` naming them as ``inviter``) breaks the
    rule, unless the newcomer's entry was approved first (``entry.decided`` admitted or
    queued). The step goes to the one who added, not to the newcomer."""

    enabled: bool = True
    channels: list[str] = Field(default_factory=lambda: list(DEFAULT_PULL_CHANNELS))
    level: int = Field(DEFAULT_PULL_LEVEL, ge=0)


class Activities(_Section):
    """Activities must be reported first (seed 004): a message announcing an event (the
    activity detector) by a member who recorded no ``activity.reported`` for the group within
    ``report_days`` before it breaks the rule."""

    enabled: bool = True
    threshold: float = Field(DEFAULT_ACTIVITY_THRESHOLD, gt=0)
    report_days: float = Field(DEFAULT_REPORT_DAYS, gt=0)


class Ladder(_Section):
    """reminder → warning → mute → removal (P-RUL-2), decaying after clean periods."""

    steps: list[Step] = Field(default_factory=lambda: list(LADDER), min_length=1)
    mute_minutes: int = Field(DEFAULT_MUTE_MINUTES, gt=0)
    decay_days: float = Field(DEFAULT_DECAY_DAYS, gt=0)
    delete_message: bool = True
    ban_community_wide: bool = True
    exempt_roles: list[str] = Field(default_factory=lambda: list(DEFAULT_EXEMPT_ROLES))
    exempt_members: list[str] = Field(default_factory=list)  # identity keys
    slow_mode_rules: list[str] = Field(default_factory=list)
    """Rules whose steps also slow the group down (e.g. ``["flood"]``): ``group.slow_mode``
    with ``slow_mode_seconds`` for ``slow_mode_minutes``. None by default."""
    slow_mode_seconds: int = Field(DEFAULT_SLOW_MODE_SECONDS, gt=0)
    slow_mode_minutes: float = Field(DEFAULT_SLOW_MODE_MINUTES, gt=0)


class Damping(_Section):
    """Over-activity damping (P-RUL-3, seed 003): when chatter buries a valuable post (see
    ``model/talk.py``), re-post (or pin) it, remind the chatterers privately with the reason,
    and, where configured, slow the group down for a while."""

    enabled: bool = True
    window_minutes: float = Field(DEFAULT_DAMPING_MINUTES, gt=0)
    buried_after: int = Field(DEFAULT_BURIED_AFTER, gt=0)
    chatter_share: float = Field(DEFAULT_CHATTER_SHARE, gt=0, le=1)
    repost: bool = True
    remind: bool = True
    pin: bool = False  # also pin the buried post (``message.pin``)
    pin_hours: float = Field(DEFAULT_PIN_HOURS, ge=0)
    """Unpin it after this long (``message.unpin``), so pins do not pile up; 0: never."""
    slow_mode_seconds: int = Field(0, ge=0)
    """Turn slow mode on (``group.slow_mode``: a member's messages at least this far apart)
    for ``slow_mode_minutes``; 0 leaves it off."""
    slow_mode_minutes: float = Field(DEFAULT_SLOW_MODE_MINUTES, gt=0)


class GroupRules(_Section):
    """A group's overrides: any section given here replaces the community's."""

    advert: Advert | None = None
    topics: Topics | None = None
    flow: Flow | None = None
    pull_in: PullIn | None = None
    activities: Activities | None = None
    ladder: Ladder | None = None
    damping: Damping | None = None


class Rules(_Section):
    """``[rules]``: the community's rules and its groups' overrides.

    Off unless the blueprint says ``enabled = true``: a community that upgrades must not find
    its members muted by rules it never looked at (``shequn rules replay`` shows first what
    they would have done)."""

    enabled: bool = False
    advert: Advert = Field(default_factory=Advert)
    topics: Topics = Field(default_factory=Topics)
    flow: Flow = Field(default_factory=Flow)
    pull_in: PullIn = Field(default_factory=PullIn)
    activities: Activities = Field(default_factory=Activities)
    ladder: Ladder = Field(default_factory=Ladder)
    damping: Damping = Field(default_factory=Damping)
    groups: dict[str, GroupRules] = Field(default_factory=dict)

    def for_group(self, slug: str | None) -> Rules:
        """The rules that govern ``slug``: the community's with the group's sections."""
        over = self.groups.get(slug or "")
        if over is None:
            return self
        sections = {k: v for k, v in over if v is not None}
        return self.model_copy(update=sections)
