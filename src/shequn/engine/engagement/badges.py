"""Points and badges as pure decisions (P-ENG-8).

Both read the same counts the pyramid's levels read (``model/org_facts.py``: an *answer*, an
*invite* who stayed, a check-in …) plus the longest check-in streak (``streaks.py``), so a
member's badge and their level never disagree about what they did.

- **Points**: ``[engagement.points] earn`` points per counted behaviour, minus what was spent
  (``points.spent``); a spend that would go below zero is refused unless ``allow_negative``.
- **Badges** are rules: a badge is a count (``answers``, ``streak``, ``invites``) and its
  levels (10/25/50 answers, 7/30/100-day streaks, 1/3/5 members brought who stayed, 1/3/5
  check-in camps completed). A level
  reached is granted once (``badge.granted`` keyed on member, badge and level), whenever the
  tick first sees it — the first run backfills, later runs add what is new; a revoked level
  (``badge.revoked``) is never granted again. Its ``earned_at`` is when the rule was first
  met in the log — the 10th answer's time, the day the streak reached 7 — not the grant's
  (:func:`earned_at`), so the backfill gives historical times.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.errors import Conflict
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said

BADGES: dict[str, str] = {
    "answers": "answer",
    "streak": "streak",
    "invites": "invite",
    "camps": "camps",
}
"""Each badge and the count it reads (an org_facts behaviour, ``streak``, or ``camps``: the
check-in camps completed)."""


def points(bp: Blueprint, counts: Mapping[str, int], spent: int = 0) -> int:
    """The balance: earned by ``earn`` over the counts, minus ``spent``."""
    earn = bp.engagement.points.earn
    return sum(n * counts.get(name, 0) for name, n in earn.items()) - spent


def earned(bp: Blueprint, counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Every (badge, level) the counts reach."""
    cfg = bp.engagement.badges
    return [
        (badge, level)
        for badge, count in BADGES.items()
        for level in sorted(getattr(cfg, badge))
        if counts.get(count, 0) >= level
    ]


def earned_at(
    times: Mapping[str, Sequence[datetime]], badge: str, level: int, now: datetime
) -> datetime:
    """When ``level`` of ``badge`` was first met: the ``level``-th time its count grew
    (``times``, oldest first: answers, invites brought, the days a streak reached, camps
    completed); ``now`` when the log does not say (then the grant is the earliest known)."""
    grew = times.get(BADGES[badge], ())
    return min(grew[level - 1], now) if len(grew) >= level else now


def decide_badges(
    bp: Blueprint,
    member: str,
    group: str | None,
    counts: Mapping[str, int],
    known: Collection[tuple[str, int]],
    now: datetime,
    times: Mapping[str, Sequence[datetime]] | None = None,
) -> Decision:
    """Pure: ``badge.granted`` for each level reached and not granted (or revoked) before,
    with its ``earned_at`` from ``times`` (:func:`earned_at`), and one private
    ``badge_granted`` naming the highest new level of each badge."""
    new = [(b, lvl) for b, lvl in earned(bp, counts) if (b, lvl) not in known]
    if not new:
        return Decision.none()
    community = bp.community.slug
    events = [
        Event("badge.granted", now, community, ENGINE_SOURCE,
              capped_ref(f"badge:{community}:{member}:{badge}:{level}"), group=group,
              subject=member, data={"badge": badge, "level": level, "earned_at": earned_at(
                  times or {}, badge, level, now).isoformat()})
        for badge, level in new
    ]  # fmt: skip
    top = {b: lvl for b, lvl in new}  # sorted by level: the last is the highest
    said = {
        "template": "badge_granted",
        "to": member,
        "badges": [f"{b} {lvl}" for b, lvl in top.items()],
    }
    return Decision(events, [Action("message.send", community, now, group, said)])


def decide_spend(
    bp: Blueprint, member: str, balance: int, amount: int, reward: str, now: datetime,
    ref: str, actor: str | None,
) -> Decision:  # fmt: skip
    """Pure: ``points.spent`` on ``reward``; refused when it would take the balance below
    zero and the blueprint does not allow it."""
    if amount <= 0:
        raise Conflict(Said("points are spent in positive amounts"), amount=amount)
    if balance - amount < 0 and not bp.engagement.points.allow_negative:
        raise Conflict(
            Said(
                "{member} has {balance} points, not {amount}",
                member=member,
                balance=balance,
                amount=amount,
            ),
            balance=balance,
        )
    data = {"amount": amount, "reward": reward}
    event = Event("points.spent", now, bp.community.slug, ENGINE_SOURCE, capped_ref(ref),
                  actor=actor, subject=member, data=data)  # fmt: skip
    return Decision(events=[event])


__all__ = ["BADGES", "decide_badges", "decide_spend", "earned", "earned_at", "points"]
