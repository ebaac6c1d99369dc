"""Motions by rules of order, decided purely (P-ORG-3, seed 004: "Robert's Rules").

A motion is moved, seconded by someone other than the mover (unless the blueprint waives the
second), discussed and voted on until ``discussion_hours`` after it opened, then closed:

- **lapsed**: no second came before the deadline (counted from the motion itself);
- **no_quorum**: fewer than ``quorum`` × eligible members voted (an abstention is a vote
  present, so it counts towards the quorum — Robert's Rules counts those present);
- **carried** / **defeated** by the majority rule over the votes *cast* (abstentions count
  for neither side): ``simple`` — more yes than no; ``two_thirds`` — yes at least twice no.
  A motion with no yes vote is never carried.

A motion moved through the engine may carry a role change in its own group (make a member
the group's leader, or recall one: ``MOTION_ROLES``); carried, the engine applies it.

Only eligible members' votes count (members of the motion's group at ``min_level`` or above
when it closes), only the first vote of each (the fold keeps it) and only votes cast before
the close.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision
from shequn.engine.organization import role_changed
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_org import Motions
from shequn.model.events import Event
from shequn.model.motion_rules import parse_rule_change, with_rule_change
from shequn.model.org_state import Motion


@dataclass(frozen=True, slots=True)
class Tally:
    """A motion's counts and its result."""

    result: str
    yes: int
    no: int
    abstain: int
    eligible: int


def opened_at(motion: Motion, rules: Motions) -> datetime | None:
    """When discussion and voting opened: the second, or the motion when none is needed."""
    return motion.seconded_at if rules.second_required else motion.proposed_at


def closes_at(motion: Motion, rules: Motions) -> datetime:
    """When the motion closes (or, never seconded, lapses)."""
    start = opened_at(motion, rules) or motion.proposed_at
    end = start + timedelta(hours=rules.discussion_hours)
    if motion.reopened_at is not None:  # its amendment closed: discussed and voted on again
        end = max(end, motion.reopened_at + timedelta(hours=rules.discussion_hours))
    return end


def carried(yes: int, no: int, majority: str) -> bool:
    """Pure: does ``yes`` against ``no`` carry under ``majority``?"""
    if yes == 0:
        return False
    return yes > no if majority == "simple" else yes >= 2 * no


def quorum_met(voted: int, eligible: int, quorum: float) -> bool:
    """Pure: did enough of the eligible members take part (abstaining counts)?"""
    return voted >= max(1, math.ceil(quorum * eligible - 1e-9))


def tally(motion: Motion, rules: Motions, eligible: Collection[str]) -> Tally:
    """Pure: the counts and result of ``motion`` as of its close."""
    n = len(eligible)
    if rules.second_required and motion.seconded_at is None:
        return Tally("lapsed", 0, 0, 0, n)
    end = closes_at(motion, rules)
    since = motion.amended_at or motion.proposed_at  # votes on the old wording do not count
    votes = [c for who, (c, at) in motion.votes.items() if who in eligible and since <= at <= end]
    yes, no, abstain = (votes.count(c) for c in ("yes", "no", "abstain"))
    if not quorum_met(len(votes), n, rules.quorum):
        return Tally("no_quorum", yes, no, abstain, n)
    return Tally("carried" if carried(yes, no, rules.majority) else "defeated", yes, no, abstain, n)


def _said(bp: Blueprint, motion: Motion) -> dict[str, str]:
    return {"motion": motion.motion, "wording": motion.text}


def announce_open(bp: Blueprint, motion: Motion, now: datetime) -> Action:
    """The group message opening discussion and voting (template ``motion_open``)."""
    rules = bp.organization.motions
    local = closes_at(motion, rules).astimezone(ZoneInfo(bp.community.timezone))
    payload = {
        "template": "motion_open",
        **_said(bp, motion),
        "closes_at": local.strftime("%Y-%m-%d %H:%M"),
    }
    return Action("message.send", bp.community.slug, now, motion.group, payload)


def decide_close(
    bp: Blueprint,
    motion: Motion,
    eligible: Collection[str],
    now: datetime,
    holds: Mapping[tuple[str, str | None], str] | None = None,
) -> Decision:
    """Pure: close ``motion`` once its deadline passed — ``motion.closed`` with the counts,
    and the result told in the group; a carried motion that changes a role gives it
    (``role.changed`` in the motion's group, unless the member holds it already: ``holds``
    is who holds which role now, by (member, group)). Nothing before the deadline or when
    closed already."""
    rules = bp.organization.motions
    end = closes_at(motion, rules)
    if motion.result is not None or now < end or motion.amending is not None:
        return Decision.none()  # a pending amendment is voted on first
    t = tally(motion, rules, eligible)
    counts = {"yes": t.yes, "no": t.no, "abstain": t.abstain}
    event = Event(
        kind="motion.closed",
        occurred_at=end,
        community=motion.community,
        source=ENGINE_SOURCE,
        source_ref=f"motion:{motion.motion}:closed",
        group=motion.group,
        data={"motion": motion.motion, "result": t.result, **counts, "eligible": t.eligible},
    )
    payload = {"template": "motion_result", **_said(bp, motion), "result": t.result, **counts}
    told = Action("message.send", bp.community.slug, now, motion.group, payload)
    events = [event]
    if t.result == "carried" and motion.amends is not None:
        return Decision(events, [told])  # an amendment changes the motion, not the group
    if t.result == "carried" and motion.change is not None:
        member, role = motion.change
        if (holds or {}).get((member, motion.group), "member") != role:
            events.append(
                role_changed(
                    motion.community,
                    motion.group,
                    member,
                    role,
                    end,
                    source=ENGINE_SOURCE,
                    ref=f"motion:{motion.motion}:role:{member}",
                    reason="motion",
                    motion=motion.motion,
                )
            )
    if t.result == "carried" and motion.rule is not None and motion.group is not None:
        events += rule_changed(bp, motion, now)  # on top of the blueprint of now
    return Decision(events, [told])


def rule_changed(bp: Blueprint, motion: Motion, at: datetime) -> list[Event]:
    """The ``community.configured`` a carried rule change records (the blueprint with the
    group's rules changed), or nothing when it no longer fits the blueprint of today."""
    assert motion.rule is not None and motion.group is not None  # noqa: S101
    try:
        changed = with_rule_change(bp, motion.group, parse_rule_change(motion.rule))
    except ValueError:
        return []
    data = {"name": changed.community.name, "timezone": changed.community.timezone}
    return [
        Event(
            kind="community.configured",
            occurred_at=at,
            community=motion.community,
            source=ENGINE_SOURCE,
            source_ref=f"motion:{motion.motion}:rule",
            data={**data, "blueprint": changed.to_dict(), "motion": motion.motion},
        )
    ]


__all__ = [
    "Tally",
    "announce_open",
    "carried",
    "closes_at",
    "decide_close",
    "opened_at",
    "quorum_met",
    "rule_changed",
    "tally",
]
