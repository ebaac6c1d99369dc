"""Motions and votes: what the CLI, the API and the worker's tick call (P-ORG-3).

Members move, second and vote through these functions (a bot command, the API or the CLI on
their behalf); each runs one transaction under the append lock, reads the pyramid's state as a
fold over the log and refuses what the rules of order do not allow — seconding one's own
motion, voting before a motion is open or after it closed, voting without the level the
blueprint asks. A vote's ``source_ref`` is the motion and the member, so voting twice records
one vote; a vote a bot reports raw is counted by the same fold, first vote standing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.engine.motions_rules import announce_open, closes_at, decide_close, opened_at, tally
from shequn.engine.organization_levels import Pyramid, read_pyramid
from shequn.engine.reactions import react
from shequn.errors import Conflict, NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said, told
from shequn.model.kinds_org import MOTION_ROLES
from shequn.model.motion_rules import RuleChange, parse_rule_change, with_rule_change
from shequn.model.org_state import Motion
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.engagement import group_members
from shequn.store.org_queries import role_holders

CHOICES = ("yes", "no", "abstain")


def checked_rule(bp: Blueprint, group: str, rule: str) -> RuleChange:
    """The rule change a motion in ``group`` would make, or :class:`Conflict` (reason
    ``change_rule``) saying why it may not."""
    try:
        change = parse_rule_change(rule)
        with_rule_change(bp, group, change)
    except ValueError as e:
        said = told(e)  # the rule's own words, else pydantic's first line
        why = said if isinstance(said, Said) else said.splitlines()[0]
        raise Conflict(why, rule=rule, reason="change_rule") from None
    return change


def eligible(conn: Connection, p: Pyramid, group: str | None) -> set[str]:
    """Members of ``group`` (the community's members when none) at ``min_level`` or above."""
    keys = group_members(conn, p.bp.community.slug, group) if group else list(p.owner_of)
    floor = p.bp.organization.motions.min_level
    members = {p.owner_of.get(k, k) for k in keys}
    return {m for m in members if p.state.of(m).level >= floor}


def _motion(p: Pyramid, motion: str) -> Motion:
    found = p.state.motions.get(motion)
    if found is None:
        raise NotFound(
            Said("no motion {motion}", motion=repr(motion)), motion=motion, reason="no_motion"
        )
    return found


def _event(
    kind: str,
    p: Pyramid,
    group: str | None,
    actor: str,
    source: str | None,
    ref: str | None = None,
    **data: Any,
) -> Event:
    return Event(
        kind=kind,
        occurred_at=p.now,
        community=p.bp.community.slug,
        source=source or operator_source(),
        source_ref=ref or new_ref(),
        group=group,
        actor=actor,
        data=data,
    )


def _may_amend(p: Pyramid, main: Motion, group: str, at: datetime) -> None:
    """An amendment is moved in the motion's group while the motion is open, one at a time,
    never of an amendment, and only where the blueprint allows amendments."""
    rules, m = p.bp.organization.motions, main.motion
    refusals = (
        (main.group != group, Said("motion {motion} is in group {group}", motion=m,
         group=main.group), "other_group"),
        (not rules.amendments, Said("this community's motions are not amended"),
         "no_amendments"),
        (main.result is not None or at >= closes_at(main, rules),
         Said("motion {motion} is closed", motion=m), "closed"),
        (main.amends is not None, Said("{motion} is an amendment: amend the motion itself",
         motion=m), "amend_amendment"),
        (main.amending is not None, Said("motion {motion} has an amendment pending ({amending})",
         motion=m, amending=main.amending), "amendment_pending"),
    )  # fmt: skip
    for refused, words, reason in refusals:
        if refused:
            raise Conflict(words, motion=m, reason=reason)


def _may_act(conn: Connection, p: Pyramid, group: str | None, member: str) -> None:
    if member not in eligible(conn, p, group):
        floor = p.bp.organization.motions.min_level
        raise Conflict(
            Said(
                "{member} may not move, second or vote here (a member of the group at level "
                "{floor} or above)",
                member=member,
                floor=floor,
            ),
            member=member,
            reason="not_eligible",
        )


def propose(
    store: Store,
    community: str,
    group: str,
    mover: str,
    text: str,
    *,
    change: tuple[str, str] | None = None,
    rule: str | None = None,
    amends: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> Motion:
    """Move a motion in ``group``; when no second is needed it opens at once. ``change``
    (member, role) is the role change it makes in ``group`` if carried (``MOTION_ROLES``);
    ``rule`` (``KEY=VALUE``, ``KEY+=ITEM``, ``KEY-=ITEM``) the change of the group's rules,
    refused now if the key is not one a motion may change or the value does not fit.
    ``amends``: this is an amendment of that pending motion (``text`` its new wording, ``rule``
    its new rule change), in the motion's group, voted on before it (:func:`_may_amend`)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        p.bp.group(group)
        who = p.member(mover)
        if amends is not None:
            _may_amend(p, _motion(p, amends), group, at)
        _may_act(conn, p, group, who)
        ref = f"m-{uuid.uuid4().hex[:6]}"
        extra: dict[str, str] = {"amends": amends} if amends is not None else {}
        if change is not None:
            if change[1] not in MOTION_ROLES:
                raise Conflict(
                    Said(
                        "a motion gives one of {roles} in its group, not {change}",
                        roles=", ".join(MOTION_ROLES),
                        change=repr(change[1]),
                    ),
                    reason="change_role",
                )
            extra |= {"change_member": p.member(change[0]), "change_role": change[1]}
        if rule is not None:
            extra["change_rule"] = str(checked_rule(p.bp, group, rule))
        event = _event("motion.proposed", p, group, who, source, motion=ref, text=text, **extra)
        motion = Motion(
            ref, community, group, who, text, at, rule=extra.get("change_rule"), amends=amends
        )
        opens = (
            [] if p.bp.organization.motions.second_required else [announce_open(p.bp, motion, at)]
        )
        apply(conn, Decision([event], opens))
        return motion


def second(
    store: Store,
    community: str,
    motion: str,
    member: str,
    *,
    source: str | None = None,
    now: datetime | None = None,
) -> Motion:
    """Second a motion: discussion and voting open until ``discussion_hours`` from now."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        m, who = _motion(p, motion), p.member(member)
        if m.result is not None or at >= closes_at(m, p.bp.organization.motions):
            raise Conflict(
                Said("motion {motion} is closed", motion=motion), motion=motion, reason="closed"
            )
        if m.seconded_at is not None:
            raise Conflict(
                Said("motion {motion} is seconded already", motion=motion),
                motion=motion,
                reason="seconded",
            )
        if who == m.mover:
            raise Conflict(
                Said("the mover cannot second their own motion"), motion=motion, reason="own_motion"
            )
        _may_act(conn, p, m.group, who)
        event = _event("motion.seconded", p, m.group, who, source, motion=motion)
        m.seconded_at, m.seconder = at, who
        apply(conn, Decision([event], [announce_open(p.bp, m, at)]))
        return m


def vote(
    store: Store,
    community: str,
    motion: str,
    member: str,
    choice: str,
    *,
    source: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Cast ``member``'s vote; ``False`` when they had voted already (the first stands)."""
    if choice not in CHOICES:
        raise Conflict(
            Said("a vote is one of {choices}", choices=", ".join(CHOICES)),
            choice=choice,
            reason="choice",
        )
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        m, who = _motion(p, motion), p.member(member)
        rules = p.bp.organization.motions
        start = opened_at(m, rules)
        if start is None or at < start:
            raise Conflict(
                Said("motion {motion} is not open for votes yet", motion=motion),
                motion=motion,
                reason="not_open",
            )
        if m.result is not None or at >= closes_at(m, rules):
            raise Conflict(
                Said("motion {motion} is closed", motion=motion), motion=motion, reason="closed"
            )
        _may_act(conn, p, m.group, who)
        if m.amending is not None:
            raise Conflict(
                Said("motion {motion} has an amendment pending: vote on {amending} first",
                     motion=motion, amending=m.amending),
                motion=motion, amendment=m.amending, reason="amendment_pending",
            )  # fmt: skip
        prior = m.votes.get(who)
        if prior is not None and (m.amended_at is None or prior[1] >= m.amended_at):
            return False  # the first vote stands (one on the old wording does not)
        ref = f"vote:{motion}:{who}" + (f":{m.amended_at.isoformat()}" if m.amended_at else "")
        apply(
            conn,
            Decision(
                [_event("vote.cast", p, m.group, who, source, ref, motion=motion, choice=choice)]
            ),
        )
        return True


def close_motions(store: Store, community: str, now: datetime) -> int:
    """The ``motions.close`` tick: close every motion whose deadline passed."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, now, facts=False)
        decision = Decision.none()
        holds = {
            (p.owner_of.get(h["member"], h["member"]), h["group"]): str(h["role"])
            for h in role_holders(conn, community)
        }
        for m in p.state.motions.values():
            if m.result is None:
                decision += decide_close(p.bp, m, eligible(conn, p, m.group), now, holds)
        react(conn, apply(conn, decision).new_events)  # the platform role follows
        return len(decision.events)


def group_of(store: Store, community: str, motion: str) -> str:
    """The group ``motion`` was moved in (:class:`NotFound`, reason ``no_motion``, if none)."""
    with store.read() as conn:
        p = read_pyramid(conn, community, datetime.now(UTC), facts=False)
    group = _motion(p, motion).group
    if group is None:
        raise NotFound(
            Said("no motion {motion} in a group", motion=repr(motion)),
            motion=motion,
            reason="no_motion",
        )
    return group


def list_motions(
    store: Store, community: str, *, now: datetime | None = None, groups: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every motion (of ``groups``, a leader's scope), newest first, with its running tally
    — counts only, never who voted how."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        p = read_pyramid(conn, community, at, facts=False)
        rules = p.bp.organization.motions
        rows = []
        for m in sorted(p.state.motions.values(), key=lambda m: m.proposed_at, reverse=True):
            if groups is not None and m.group not in groups:
                continue
            t = tally(m, rules, eligible(conn, p, m.group))
            rows.append(
                {
                    "motion": m.motion,
                    "group": m.group,
                    "text": m.text,
                    "rule": m.rule,
                    "amends": m.amends,
                    "amending": m.amending,
                    "mover": m.mover,
                    "seconder": m.seconder,
                    "proposed_at": m.proposed_at.isoformat(),
                    "closes_at": closes_at(m, rules).isoformat(),
                    "result": m.result,
                    "yes": t.yes,
                    "no": t.no,
                    "abstain": t.abstain,
                    "eligible": t.eligible,
                }
            )
        return rows


__all__ = [
    "CHOICES",
    "close_motions",
    "eligible",
    "group_of",
    "list_motions",
    "propose",
    "second",
    "vote",
]
