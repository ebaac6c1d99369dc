"""Levels and core-figure tags, decided purely (P-ORG-1).

A level is earned when its requirements *and those of every level below it* are met over the
rolling window (one cannot skip a rung by, say, inviting a lot without ever replying). A level
is lost only when, after ``hold_days`` at it, the member no longer meets it — then they fall to
the highest level they do meet. A locked level (the owner's ``level.locked``) is never changed
automatically. Tags are given by rule and never taken by rule (a payer stays a payer); the
owner takes them by hand. Every change is an event whose ``reason`` names the figures, and a
promotion is told to the member privately (template ``level_up``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shequn.engine.decisions import Decision, engine_event
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_org import Level, Organization
from shequn.model.events import Event
from shequn.model.org_facts import BEHAVIOURS, Facts
from shequn.model.org_state import OrgState, OrgTask


@dataclass(frozen=True, slots=True)
class Assessment:
    """The highest level a member meets, and what the next one (or a lost one) lacks."""

    level: int
    met: list[str]  # "reply 3/3" … of the level reached
    lacking: list[str]  # "answer 1/3" … of the first level not reached


def _figures(
    rung: Level, facts: Facts, tenure_days: int, now: datetime
) -> list[tuple[str, int, int]]:
    """(requirement, what the member has, what the rung needs) for each requirement."""
    out: list[tuple[str, int, int]] = []
    for name, need in rung.requires.items():
        have = tenure_days if name == "tenure_days" else facts.get(name)
        out.append((name, have, need))
    if rung.clean_days:
        since = now - timedelta(days=rung.clean_days)
        recent = sum(1 for at in facts.violated if at >= since)
        out.append((f"violations_{rung.clean_days}d", recent, 0))
    return out


def _ok(name: str, have: int, need: int) -> bool:
    return have <= need if name.startswith("violations_") else have >= need


def assess(org: Organization, facts: Facts, tenure_days: int, now: datetime) -> Assessment:
    """Pure: the highest level whose requirements and all lower ones' are met."""
    met: list[str] = []
    for n, rung in enumerate(org.levels, start=1):
        figures = _figures(rung, facts, tenure_days, now)
        words = [f"{name} {have}/{need}" for name, have, need in figures]
        if not all(_ok(*f) for f in figures):
            lacking = [w for w, f in zip(words, figures, strict=True) if not _ok(*f)]
            return Assessment(n - 1, met, lacking)
        met = words
    return Assessment(len(org.levels), met, [])


def _level_event(
    bp: Blueprint, member: str, level: int, was: int, reason: str, now: datetime
) -> Event:
    ref = f"level:{member}:{level}:{now.isoformat()}"
    return engine_event(
        "level.changed", ref, bp.community.slug, member, now, level=level, was=was, reason=reason
    )


def tell_level(bp: Blueprint, member: str, level: int, now: datetime) -> Action:
    """The private note that a member reached ``level`` (template ``level_up``)."""
    org, lang = bp.organization, bp.community.language
    payload = {"template": "level_up", "to": member, "level": org.level_name(level, lang)}
    return Action("message.send", bp.community.slug, now, None, payload)


def decide_level(
    bp: Blueprint, member: str, state: OrgState, facts: Facts, tenure_days: int, now: datetime
) -> Decision:
    """Pure: promote, demote (after the hold) or leave one member's level."""
    standing = state.of(member)
    if standing.locked:
        return Decision.none()
    org = bp.organization
    got = assess(org, facts, tenure_days, now)
    current = min(standing.level, len(org.levels))
    if got.level > current:
        reason = "met " + ", ".join(got.met)
        event = _level_event(bp, member, got.level, standing.level, reason, now)
        return Decision([event], [tell_level(bp, member, got.level, now)])
    held = standing.since is None or now - standing.since >= timedelta(days=org.hold_days)
    if got.level < standing.level and held:
        reason = f"after {org.hold_days} days, lacking " + ", ".join(got.lacking)
        return Decision([_level_event(bp, member, got.level, standing.level, reason, now)])
    return Decision.none()


def decide_tags(
    bp: Blueprint, member: str, state: OrgState, facts: Facts, now: datetime
) -> Decision:
    """Pure: the tags a rule gives — ``payer`` on a payment in the window, ``fission_agent``
    at ``fission_agent_invitees`` invitees who stayed. Tags are not taken by rule."""
    tags = state.of(member).tags
    rules = {
        "payer": (facts.get("payments") > 0, f"payments {facts.get('payments')}"),
        "fission_agent": (
            facts.get("invite") >= bp.organization.fission_agent_invitees,
            f"invitees who stayed {facts.get('invite')}/{bp.organization.fission_agent_invitees}",
        ),
    }
    events = [
        engine_event(
            "tag.changed",
            f"tag:{member}:{tag}:{now.isoformat()}",
            bp.community.slug,
            member,
            now,
            tag=tag,
            on=True,
            reason=reason,
        )
        for tag, (earned, reason) in rules.items()
        if earned and tag not in tags
    ]
    return Decision(events)


def decide_all(
    bp: Blueprint,
    state: OrgState,
    facts: Mapping[str, Facts],
    tenure_days: Mapping[str, int],
    now: datetime,
) -> Decision:
    """Pure: every member's level and tags — those with facts and those holding a level."""
    decision = Decision.none()
    for member in sorted(set(facts) | {m for m, s in state.standing.items() if s.level}):
        mine = facts.get(member) or Facts()
        tenure = tenure_days.get(member, 0)
        decision += decide_level(bp, member, state, mine, tenure, now)
        decision += decide_tags(bp, member, state, mine, now)
    return decision


# -- key members and small tasks (P-ORG-2) ------------------------------------------------


def candidates(
    bp: Blueprint, state: OrgState, facts: Mapping[str, Facts], limit: int | None = None
) -> list[tuple[str, float, dict[str, int]]]:
    """Pure: key-member candidates — members below the top level with no open task, by their
    key-behaviour score over the window (the leaders' weights), best first."""
    top = len(bp.organization.levels)
    busy = {t.member for t in state.tasks.values() if t.done_at is None}
    ranked = sorted(
        (
            (m, f.score(), {b: f.get(b) for b in BEHAVIOURS if f.get(b)})
            for m, f in facts.items()
            if state.of(m).level < top and m not in busy and f.score() > 0
        ),
        key=lambda row: (-row[1], row[0]),
    )
    return ranked[: bp.organization.tasks.candidates if limit is None else limit]


def _local(bp: Blueprint, at: datetime) -> str:
    return at.astimezone(ZoneInfo(bp.community.timezone)).strftime("%Y-%m-%d %H:%M")


def offer_task(bp: Blueprint, task: OrgTask, now: datetime) -> Action:
    """The private message giving a candidate their task (template ``task_offered``)."""
    payload = {"template": "task_offered", "to": task.member, "title": task.title}
    return Action(
        "message.send", bp.community.slug, now, None, {**payload, "due": _local(bp, task.due)}
    )


def decide_progress(
    bp: Blueprint, state: OrgState, done_counts: Mapping[str, int], now: datetime
) -> Decision:
    """Pure: for each open task, done when ``done_counts[task]`` (its behaviour counted since
    it was given) reaches its count — ``orgtask.done`` and, with ``promote_to`` and
    ``tasks.promote = "auto"``, the level; overdue ones reminded once (the reminder is due
    at the task's due time, so asking again queues nothing new)."""
    decision = Decision.none()
    for task in state.tasks.values():
        if task.done_at is not None:
            continue
        if task.done_when != "manual" and done_counts.get(task.task, 0) >= task.count:
            reason = f"{task.done_when} {done_counts[task.task]}/{task.count}"
            decision += decide_done(bp, state, task, reason, now)
        elif now >= task.due:
            payload = {"template": "task_reminder", "to": task.member, "title": task.title}
            payload["due"] = _local(bp, task.due)
            decision.actions.append(
                Action("message.send", bp.community.slug, task.due, None, payload)
            )
    return decision


def decide_done(
    bp: Blueprint, state: OrgState, task: OrgTask, reason: str, now: datetime
) -> Decision:
    """Pure: ``orgtask.done``, and the promotion it leads to when the blueprint says ``auto``
    (``propose`` leaves it to a manager: see ``organization_tasks.complete``)."""
    slug = bp.community.slug
    done = engine_event(
        "orgtask.done",
        f"orgtask:{task.task}:done",
        slug,
        task.member,
        now,
        task=task.task,
        reason=reason,
    )
    decision = Decision([done])
    level = state.of(task.member).level
    if task.promote_to and task.promote_to > level and bp.organization.tasks.promote == "auto":
        why = f"task {task.task} done ({reason})"
        decision.events.append(_level_event(bp, task.member, task.promote_to, level, why, now))
        decision.actions.append(tell_level(bp, task.member, task.promote_to, now))
    return decision


__all__ = [
    "Assessment",
    "assess",
    "candidates",
    "decide_all",
    "decide_done",
    "decide_level",
    "decide_progress",
    "decide_tags",
    "offer_task",
    "tell_level",
]
