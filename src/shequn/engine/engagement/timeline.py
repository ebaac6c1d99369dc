"""Sharing sessions as pure decisions (P-ENG-2, seed 003's timeline).

A session is planned once and becomes a timeline of actions with future due times — the
announcement, the question collection, the warm-up, the start, and at the end an operator
task to write the summary — all caused by one ``session.planned`` event, so planning the same
session twice records a duplicate and queues nothing. Moving it records
``session.rescheduled`` (which causes a fresh timeline; the service cancels the old pending
steps); cancelling records ``session.cancelled``. The summary goes privately to every member,
spread over minutes so a big group is not one burst.

A step whose time has already passed when the session is planned is sent at once, except the
warm-up, which only makes sense in the hours before the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.errors import Conflict
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said


@dataclass(frozen=True, slots=True)
class Plan:
    """What a session is: where, when, about what, by whom."""

    group: str
    session: str
    title: str
    starts_at: datetime
    ends_at: datetime
    speaker: str | None = None


def session_id(group: str, starts_at: datetime, bp: Blueprint) -> str:
    """The default id: the group and the local start, so one slot of a group is one session."""
    return f"{group}-{starts_at.astimezone(ZoneInfo(bp.community.timezone)):%Y%m%d-%H%M}"


def aware(bp: Blueprint, at: datetime) -> datetime:
    """``at`` with a time zone: a naive time (``--at 2026-05-08T20:00``) is the community's."""
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(bp.community.timezone))


def local(bp: Blueprint, at: datetime) -> str:
    """``at`` as the group reads it: the community's time zone, to the minute."""
    return f"{at.astimezone(ZoneInfo(bp.community.timezone)):%Y-%m-%d %H:%M}"


def said(bp: Blueprint, plan: Plan) -> dict[str, Any]:
    """The variables every session template gets (plus the session id, for the timeline)."""
    speaker = plan.speaker.split(":", 1)[-1] if plan.speaker else ""
    return {
        "group": plan.group,
        "session": plan.session,
        "title": plan.title,
        "starts_at": local(bp, plan.starts_at),
        "speaker": speaker,
    }


def timeline(bp: Blueprint, plan: Plan, now: datetime) -> list[Action]:
    """Pure: the session's steps from ``now`` on, as actions with their due times."""
    cfg = bp.engagement.sessions
    start = plan.starts_at
    community = bp.community.slug
    base = said(bp, plan)
    steps: list[tuple[str, datetime, dict[str, Any]]] = [
        ("session_announce", start - timedelta(days=cfg.announce_days_before), {}),
        ("session_collect", start - timedelta(days=cfg.collect_days_before), {}),
    ]
    warmup = start - timedelta(hours=cfg.warmup_hours_before)
    if warmup >= now and cfg.warmup_hours_before > 0:
        steps.append(("session_warmup", warmup, {"hours": _number(cfg.warmup_hours_before)}))
    steps.append(("session_start", start, {}))
    actions = [
        Action("message.send", community, max(due, now), plan.group, {"template": t, **base, **x})
        for t, due, x in steps
    ]
    ask = {"session": plan.session, "title": plan.title}
    actions.append(Action("session.summarize", community, plan.ends_at, plan.group, ask))
    return actions


def decide_plan(bp: Blueprint, plan: Plan, now: datetime, actor: str | None) -> Decision:
    """Pure: ``session.planned`` and its timeline. A session that has started is refused."""
    bp.group(plan.group)
    if plan.starts_at <= now:
        raise Conflict(Said("a session is planned before it starts"), starts_at=plan.starts_at)
    if plan.ends_at <= plan.starts_at:
        raise Conflict(Said("a session ends after it starts"), ends_at=plan.ends_at)
    ref = _ref(bp, plan.session)
    event = _event(bp, "session.planned", plan, now, ref, actor, plan.speaker, title=plan.title)
    return Decision(events=[event], actions=timeline(bp, plan, now))


def decide_move(
    bp: Blueprint,
    plan: Plan,
    was: datetime,
    cause: int,
    done: frozenset[str],
    now: datetime,
    actor: str | None,
) -> Decision:
    """Pure: ``session.rescheduled`` with the new timeline. ``done`` names the steps (their
    templates) already carried out: the group heard of the session, so it is told of the move
    at once (the notice names the new time) and no step it had is repeated. ``cause``
    (the event the old timeline hangs on) keys the move, so the same move sent twice is one."""
    if plan.starts_at <= now:
        raise Conflict(
            Said("a session moves to a time that has not passed"), starts_at=plan.starts_at
        )
    ref = f"{_ref(bp, plan.session)}:after:{cause}:{plan.starts_at.isoformat()}"
    event = _event(bp, "session.rescheduled", plan, now, ref, actor)
    actions = [a for a in timeline(bp, plan, now) if a.payload.get("template") not in done]
    if done:
        notice = {"template": "session_moved", **said(bp, plan), "was": local(bp, was)}
        actions.insert(0, Action("message.send", bp.community.slug, now, plan.group, notice))
    return Decision(events=[event], actions=actions)


def decide_cancel(
    bp: Blueprint, plan: Plan, heard: bool, reason: str, now: datetime, actor: str | None
) -> Decision:
    """Pure: ``session.cancelled``; the group is told when it had heard of the session."""
    why = {"reason": reason} if reason else {}
    event = _event(
        bp, "session.cancelled", plan, now, f"{_ref(bp, plan.session)}:off", actor, **why
    )
    actions = []
    if heard:
        notice = {"template": "session_cancelled", **said(bp, plan), "reason": reason}
        actions.append(Action("message.send", bp.community.slug, now, plan.group, notice))
    return Decision(events=[event], actions=actions)


def decide_held(bp: Blueprint, plan: Plan, attendees: Sequence[str]) -> Decision:
    """Pure: ``session.held`` at the session's end, with who was active during it."""
    data = {"session": plan.session, "attendees": len(attendees), "members": list(attendees)}
    event = Event(
        kind="session.held",
        occurred_at=plan.ends_at,
        community=bp.community.slug,
        source=ENGINE_SOURCE,
        source_ref=f"{_ref(bp, plan.session)}:held",
        group=plan.group,
        actor=plan.speaker,
        data=data,
    )
    return Decision(events=[event])


def decide_summary(
    bp: Blueprint,
    plan: Plan,
    summary: str,
    members: Sequence[str],
    now: datetime,
    actor: str | None,
) -> Decision:
    """Pure: ``session.summarized`` and one private message per member, ``summary_per_minute``
    of them a minute, so the platform's private-message limits are respected from the start."""
    per_minute = bp.engagement.sessions.summary_per_minute
    ref = f"{_ref(bp, plan.session)}:summary"
    event = _event(
        bp, "session.summarized", plan, now, ref, actor, summary=summary, recipients=len(members)
    )
    base = {"template": "session_summary", **said(bp, plan), "summary": summary}
    return Decision(events=[event], actions=paced(bp, plan.group, base, members, now, per_minute))


def paced(
    bp: Blueprint,
    group: str,
    base: dict[str, Any],
    members: Sequence[str],
    now: datetime,
    per_minute: int,
) -> list[Action]:
    """Pure: one private ``message.send`` of ``base`` to each member, ``per_minute`` of them a
    minute from ``now`` (session summaries, meetup reminders and follow-ups)."""
    return [
        Action(
            "message.send",
            bp.community.slug,
            now + timedelta(minutes=i // per_minute),
            group,
            {**base, "to": member},
        )
        for i, member in enumerate(members)
    ]


def _event(
    bp: Blueprint,
    kind: str,
    plan: Plan,
    now: datetime,
    ref: str,
    actor: str | None,
    subject: str | None = None,
    **data: Any,
) -> Event:
    """A session event under ``source`` "engine" whatever channel asked (CLI, API, dashboard):
    the ``source_ref`` alone then makes planning, moving or summarizing twice one event."""
    return Event(
        kind=kind,
        occurred_at=now,
        community=bp.community.slug,
        source=ENGINE_SOURCE,
        source_ref=capped_ref(ref),
        group=plan.group,
        actor=actor,
        subject=subject,
        data={
            "session": plan.session,
            "starts_at": plan.starts_at.isoformat(),
            "ends_at": plan.ends_at.isoformat(),
            **data,
        },
    )


def _ref(bp: Blueprint, session: str) -> str:
    return f"session:{bp.community.slug}:{session}"


def _number(hours: float) -> int | float:
    return int(hours) if float(hours).is_integer() else hours
