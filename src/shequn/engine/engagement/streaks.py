"""Check-in camps as pure decisions (P-ENG-5): streaks, the daily reminder, the leaderboard.

A check-in is a ``checkin.done`` event; what counts is the *local day* it fell on (the
community's time zone: shequn does not know each member's own), and a day counts once however
often someone checks in. The streak is the run of consecutive days up to today — or up to
yesterday while today is still open, so nobody's streak reads 0 in the morning — bridging at
most ``freeze_tokens`` missed days. The total is every day checked in; the entry engine's camp
graduation counts the same ``checkin.done`` events.

No store, no clock: the service (``checkins.py``) reads the days and passes "now".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event


@dataclass(frozen=True, slots=True)
class Streak:
    """One member's standing in a camp on ``today``."""

    member: str
    current: int  # consecutive days up to today (or yesterday, today still open)
    longest: int  # the longest run ever (freezes bridging as for current)
    total: int  # days checked in
    today: bool  # checked in today
    last: date | None

    def to_dict(self) -> dict[str, Any]:
        last = self.last.isoformat() if self.last else None
        return {"member": self.member, "current": self.current, "longest": self.longest,
                "total": self.total, "today": self.today, "last": last}  # fmt: skip


def local_day(bp: Blueprint, at: datetime) -> date:
    """The community's calendar day of ``at``."""
    return at.astimezone(ZoneInfo(bp.community.timezone)).date()


def _run_lengths(days: Sequence[date], freezes: int) -> list[int]:
    """Check-in days per maximal run over sorted distinct days, each run bridging at most
    ``freezes`` missed days in all."""
    lengths, n, left = [], 1, freezes
    for before, after in pairwise(days):
        gap = (after - before).days - 1
        if gap <= left:
            n, left = n + 1, left - gap
        else:
            lengths.append(n)
            n, left = 1, freezes
    return [*lengths, n]


def streak(member: str, days: Iterable[date], today: date, freezes: int = 0) -> Streak:
    """The member's streaks from the local days they checked in (any order, repeats allowed);
    days after ``today`` are ignored. A frozen day keeps a streak alive but does not count."""
    seen = sorted({d for d in days if d <= today})
    if not seen:
        return Streak(member, 0, 0, 0, False, None)
    left = freezes - max(0, (today - seen[-1]).days - 1)  # missed since, today still open
    current = 0
    if left >= 0:
        current, newest = 1, seen[-1]
        for d in reversed(seen[:-1]):
            gap = (newest - d).days - 1
            if gap > left:
                break
            current, left, newest = current + 1, left - gap, d
    longest = max(current, *_run_lengths(seen, freezes))
    return Streak(member, current, longest, len(seen), seen[-1] == today, seen[-1])


def board(streaks: Iterable[Streak], top: int) -> list[Streak]:
    """The leaderboard: current streak, then total, then the earliest to reach it."""
    ranked = sorted(streaks, key=lambda s: (-s.current, -s.total, s.last or date.max, s.member))
    return [s for s in ranked if s.total > 0][:top]


def camps(bp: Blueprint) -> list[str]:
    """The community's check-in camps: every entry's ``camp`` and ``[engagement.checkins]
    groups``, in blueprint order, once each."""
    named = [g.entry.camp for g in bp.groups if g.entry.camp] + bp.engagement.checkins.groups
    return list(dict.fromkeys(named))


def decide_reminders(
    bp: Blueprint,
    group: str,
    streaks: Mapping[str, Streak],
    members: Sequence[str],
    now: datetime,
) -> Decision:
    """After ``remind_hour`` local time, one private ``checkin_reminder`` to every member of
    the camp who has not checked in today, with their streak, ``remind_per_minute`` of them a
    minute. ``checkin.reminded`` keyed on
    the group and the local day makes a second tick that day queue nothing."""
    cfg = bp.engagement.checkins
    local = now.astimezone(ZoneInfo(bp.community.timezone))
    if not cfg.enabled or local.hour < cfg.remind_hour:
        return Decision.none()
    today = local.date()
    due = [m for m in members if not (m in streaks and streaks[m].today)]
    if not due:
        return Decision.none()
    community = bp.community.slug
    ref = f"checkin-remind:{community}:{group}:{today.isoformat()}"
    event = Event("checkin.reminded", now, community, ENGINE_SOURCE, capped_ref(ref),
                  group=group, data={"day": today.isoformat(), "members": len(due)})  # fmt: skip
    actions = [
        Action(
            "message.send",
            community,
            now + timedelta(minutes=i // cfg.remind_per_minute),
            group,
            {
                "template": "checkin_reminder",
                "to": m,
                "day": today.isoformat(),
                "streak": streaks[m].current if m in streaks else 0,
            },
        )
        for i, m in enumerate(due)
    ]
    return Decision(events=[event], actions=actions)


__all__ = ["Streak", "board", "camps", "decide_reminders", "local_day", "streak"]
