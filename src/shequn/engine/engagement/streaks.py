"""Check-in camps as pure decisions (P-ENG-5): streaks, the daily reminder, the leaderboard.

A check-in is a ``checkin.done`` event; what counts is the *member's own local day* it fell on
(the time zone their intake card gives, ``card.timezone`` — an IANA name such as
``America/Los_Angeles`` or an offset such as ``UTC-8`` — else the community's), and a day
counts once however often someone checks in. The daily reminder follows the same clock: at
``remind_hour`` where the member is. The streak is the run of consecutive days up to today —
or up to yesterday while today is still open, so nobody's streak reads 0 in the morning —
bridging at most ``freeze_tokens`` missed days. The total is every day checked in; the entry
engine's camp graduation counts the same ``checkin.done`` events.

No store, no clock: the service (``checkins.py``) reads the days and passes "now".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def zone_of(text: object) -> tzinfo | None:
    """The time zone a member wrote (an IANA name, or ``UTC+8`` / ``+05:30`` / ``GMT-10``);
    ``None`` for anything else, so a typo falls back to the community's zone."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    offset = _OFFSET.fullmatch(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            return None
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def member_zones(bp: Blueprint, cards: Mapping[str, Mapping[str, object]]) -> dict[str, tzinfo]:
    """Each member's own time zone, from their intake card's ``timezone``, when it names one
    other than the community's."""
    home = bp.community.timezone
    zones = {k: zone_of(card.get("timezone")) for k, card in cards.items()}
    return {k: z for k, z in zones.items() if z is not None and str(z) != home}


def local_day(bp: Blueprint, at: datetime, zone: tzinfo | None = None) -> date:
    """The calendar day of ``at`` in ``zone`` (the member's), else the community's."""
    return at.astimezone(zone or ZoneInfo(bp.community.timezone)).date()


def _runs(days: Sequence[date], freezes: int) -> Iterator[int]:
    """For each of the sorted distinct ``days``, the length of the run it extends, each run
    bridging at most ``freezes`` missed days in all."""
    n, left, before = 0, freezes, None
    for d in days:
        gap = (d - before).days - 1 if before is not None else freezes + 1
        n, left = (n + 1, left - gap) if gap <= left else (1, freezes)
        before = d
        yield n


def reached(days: Iterable[date], freezes: int = 0) -> list[date]:
    """The day the member's longest run first reached 1, 2, 3 … days (``[k - 1]``: the day
    a ``k``-day streak badge was earned), over the same runs :func:`streak` measures."""
    seen = sorted(set(days))
    out: list[date] = []
    for d, n in zip(seen, _runs(seen, freezes), strict=True):
        if n > len(out):
            out.append(d)
    return out


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
    longest = max(current, *_runs(seen, freezes))
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
    joined: Mapping[str, date] | None = None,
    zone: tzinfo | None = None,
) -> Decision:
    """After ``remind_hour`` local time in ``zone`` (default: the community's), one private
    ``checkin_reminder`` to every given member of the camp — those living in that zone — who
    has not checked in today and is within their period (``days`` from the local day they
    ``joined``, when the camp has one), with their streak, the daily ``task`` and their day of
    the camp, ``remind_per_minute`` of them a minute. ``checkin.reminded`` keyed on the group,
    the zone (when it is not the community's) and the local day makes a second tick that day
    queue nothing."""
    cfg = bp.engagement.checkins
    home = ZoneInfo(bp.community.timezone)
    local = now.astimezone(zone or home)
    if not cfg.enabled or local.hour < cfg.remind_hour:
        return Decision.none()
    today = local.date()
    joined = joined or {}
    due = [
        m for m in members
        if not (m in streaks and streaks[m].today) and in_period(bp, joined.get(m), today)
    ]  # fmt: skip
    if not due:
        return Decision.none()
    community = bp.community.slug
    where = "" if zone is None or str(zone) == str(home) else f"{zone}:"
    ref = f"checkin-remind:{community}:{group}:{where}{today.isoformat()}"
    data = {"day": today.isoformat(), "members": len(due), **({"zone": str(zone)} if where else {})}
    event = Event("checkin.reminded", now, community, ENGINE_SOURCE, capped_ref(ref),
                  group=group, data=data)  # fmt: skip
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
                "task": cfg.task,
                "day_of": day_of(joined.get(m), today),
                "days": cfg.days,
            },
        )
        for i, m in enumerate(due)
    ]
    return Decision(events=[event], actions=actions)


def day_of(joined: date | None, today: date) -> int:
    """The member's day of the camp (the join day is day 1); 0 when unknown."""
    return (today - joined).days + 1 if joined is not None else 0


def in_period(bp: Blueprint, joined: date | None, today: date) -> bool:
    """Whether ``today`` falls in the member's camp period (always, without a period or a
    known join day)."""
    days = bp.engagement.checkins.days
    return not days or joined is None or 1 <= day_of(joined, today) <= days


def decide_completions(
    bp: Blueprint,
    group: str,
    streaks: Mapping[str, Streak],
    done: set[str],
    now: datetime,
    stopped: frozenset[str] | set[str] = frozenset(),
) -> list[Decision]:
    """Members whose days checked in reached ``to_complete``: ``checkin.completed`` (keyed on
    the camp and the member: once) and a private ``checkin_completed``, one decision each;
    ``done`` are those already recorded; ``stopped`` (/stop) get the event, not the message.
    Nothing for a camp without a period."""
    need = bp.engagement.checkins.to_complete
    if not need:
        return []
    community = bp.community.slug
    out = []
    for s in sorted(streaks.values(), key=lambda s: s.member):
        if s.member in done or s.total < need:
            continue
        ref = capped_ref(f"checkin-completed:{community}:{group}:{s.member}")
        data = {"days": s.total, "longest": s.longest}
        event = Event("checkin.completed", now, community, ENGINE_SOURCE, ref, group=group,
                      subject=s.member, data=data)  # fmt: skip
        told = {"template": "checkin_completed", "to": s.member, **data}
        says = [] if s.member in stopped else [Action("message.send", community, now, group, told)]
        out.append(Decision([event], says))
    return out


__all__ = [
    "Streak", "board", "camps", "day_of", "decide_completions", "decide_reminders", "in_period",
    "local_day", "member_zones", "reached", "streak", "zone_of",
]  # fmt: skip
