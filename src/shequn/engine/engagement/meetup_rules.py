"""Offline events as pure decisions (P-ENG-6): plan, answers and the waitlist, the door
check-in, the reminder, the meetup held and its follow-up.

A meetup is a fold over its events (no table): ``meetup.planned`` says what, where, when and
how many seats; each member's latest ``event.rsvp`` counts, and those who said yes take the
seats in the order they said it — the rest wait, and a seat given back (a yes turned no) goes
to the first waiting, who is told privately. The invitation is an action with a future due
time like a sharing session's announcement (``timeline.py``); the reminder to those going and
the follow-up to those who came are decided by the worker's ``meetups.run`` tick, when the
people are known. Every event's ``source_ref`` names the meetup, so a second plan, answer,
check-in or tick records nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.engine.engagement.timeline import local, paced
from shequn.errors import Conflict
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event, parse_time
from shequn.model.i18n import N_, Said

KINDS = (
    "meetup.planned", "meetup.cancelled", "event.rsvp", "meetup.attended", "meetup.reminded",
    "meetup.held",
)  # fmt: skip
"""The kinds a meetup is folded from."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What the operator plans: for the members of ``group``, at ``venue``, from ``starts_at``."""

    group: str
    meetup: str
    title: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int = 0  # 0: no limit
    code: str = ""
    city: str = ""
    host: str | None = None
    invited: tuple[str, ...] = ()  # the other groups invited (a region's), beside ``group``

    @property
    def groups(self) -> tuple[str, ...]:
        """Every group whose members are invited: ``group`` first."""
        return (self.group, *self.invited)


COMMAND_PLATFORMS = frozenset({"telegram"})
"""Platforms whose bot takes a member's private ``/rsvp`` (engine/bot_commands.py)."""


def region_groups(bp: Blueprint, group: str) -> tuple[str, ...]:
    """The other groups of ``group``'s region (``[[groups]] region``), in blueprint order;
    a group without a region has none to invite."""
    region = bp.group(group).region
    if not region:
        raise Conflict(Said("group {group!r} has no region to invite", group=group), group=group)
    return tuple(g.slug for g in bp.groups if g.region == region and g.slug != group)


@dataclass(slots=True)
class Meetup:
    """A meetup as its events leave it."""

    plan: Plan
    cause: int = 0  # the id of the meetup.planned event its invitation hangs on
    status: str = "planned"  # planned, cancelled, held
    answers: dict[str, str] = field(default_factory=dict)  # member → latest answer
    yes_order: list[str] = field(default_factory=list)  # members saying yes, first first
    attended: list[str] = field(default_factory=list)
    reminded: bool = False

    @property
    def going(self) -> list[str]:
        """Members with a seat: the first ``capacity`` who said yes (all, without a limit)."""
        cap = self.plan.capacity
        return list(self.yes_order if cap <= 0 else self.yes_order[:cap])

    @property
    def waitlist(self) -> list[str]:
        cap = self.plan.capacity
        return [] if cap <= 0 else list(self.yes_order[cap:])

    def to_dict(self) -> dict[str, Any]:
        p = self.plan
        return {
            "meetup": p.meetup, "group": p.group, "title": p.title, "venue": p.venue,
            "city": p.city, "host": p.host, "starts_at": p.starts_at.isoformat(),
            "ends_at": p.ends_at.isoformat(), "capacity": p.capacity, "status": self.status,
            "going": self.going, "waitlist": self.waitlist, "attended": list(self.attended),
            "maybe": sorted(m for m, a in self.answers.items() if a == "maybe"),
            "invited": list(p.invited),
        }  # fmt: skip


def meetup_id(bp: Blueprint, group: str, starts_at: datetime) -> str:
    """The default id: the group and the local start, like a session's."""
    return f"{group}-{starts_at.astimezone(ZoneInfo(bp.community.timezone)):%Y%m%d-%H%M}"


def fold(events: Iterable[tuple[int, Event]]) -> dict[str, Meetup]:
    """Every meetup of the ``(id, event)`` pairs (in log order), by id."""
    found: dict[str, Meetup] = {}
    for event_id, e in events:
        mid = str(e.data.get("meetup") or e.data.get("event") or "")
        if e.kind == "meetup.planned":
            found.setdefault(mid, Meetup(_plan_of(e), event_id))
            continue
        m = found.get(mid)
        if m is None:
            continue  # an answer to an event shequn did not plan (an import): not ours
        if e.kind == "event.rsvp" and e.actor is not None:
            _answer(m, e.actor, str(e.data.get("answer") or "yes"))
        elif e.kind == "meetup.attended" and e.actor is not None and e.actor not in m.attended:
            m.attended.append(e.actor)
        elif e.kind == "meetup.cancelled":
            m.status = "cancelled"
        elif e.kind == "meetup.reminded":
            m.reminded = True
        elif e.kind == "meetup.held":
            m.status = "held"
    return found


def _answer(m: Meetup, member: str, answer: str) -> None:
    m.answers[member] = answer
    if answer == "yes" and member not in m.yes_order:
        m.yes_order.append(member)
    elif answer != "yes" and member in m.yes_order:
        m.yes_order.remove(member)


def _plan_of(e: Event) -> Plan:
    d = e.data
    return Plan(
        group=e.group or "", meetup=str(d["meetup"]), title=str(d["title"]),
        venue=str(d["venue"]), starts_at=parse_time(d["starts_at"], "starts_at"),
        ends_at=parse_time(d["ends_at"], "ends_at"), capacity=int(d.get("capacity") or 0),
        code=str(d.get("code") or ""), city=str(d.get("city") or ""), host=e.subject,
        invited=tuple(str(g) for g in d.get("invited") or ()),
    )  # fmt: skip


def said(bp: Blueprint, plan: Plan) -> dict[str, Any]:
    """The variables every meetup template gets."""
    return {
        "group": plan.group,
        "meetup": plan.meetup,
        "title": plan.title,
        "venue": plan.venue,
        "city": plan.city,
        "starts_at": local(bp, plan.starts_at),
        "host": plan.host.split(":", 1)[-1] if plan.host else "",
    }


def decide_plan(bp: Blueprint, plan: Plan, now: datetime, actor: str | None) -> Decision:
    """Pure: ``meetup.planned`` and the invitation to the group, ``invite_days_before`` the
    start (at once when that has passed). A meetup that has started is refused."""
    bp.group(plan.group)
    if plan.starts_at <= now:
        raise Conflict(Said("a meetup is planned before it starts"), starts_at=plan.starts_at)
    if plan.ends_at <= plan.starts_at:
        raise Conflict(Said("a meetup ends after it starts"), ends_at=plan.ends_at)
    data = {
        "meetup": plan.meetup, "title": plan.title, "venue": plan.venue,
        "starts_at": plan.starts_at.isoformat(), "ends_at": plan.ends_at.isoformat(),
        "capacity": plan.capacity, "code": plan.code, **({"city": plan.city} if plan.city else {}),
        **({"invited": list(plan.invited)} if plan.invited else {}),
    }  # fmt: skip
    event = _event(bp, "meetup.planned", plan, now, "", actor, plan.host, data)
    due = max(now, plan.starts_at - timedelta(days=bp.engagement.meetups.invite_days_before))
    invites = [
        Action("message.send", bp.community.slug, due, g,
               {"template": "meetup_invite", **said(bp, plan), "group": g,
                "capacity": plan.capacity,
                "rsvp": bp.group(g).platform in COMMAND_PLATFORMS})
        for g in plan.groups
    ]  # fmt: skip
    return Decision([event], invites)


def decide_rsvp(
    bp: Blueprint, m: Meetup, member: str, answer: str, now: datetime, ref: str, source: str
) -> tuple[Decision, str]:
    """Pure: the member's answer (``event.rsvp``) and where it leaves them — ``going``,
    ``waitlisted``, ``maybe`` or ``not going``. A yes turned no gives the seat to the first
    waiting, who is told privately (``meetup_seat``)."""
    if m.status != "planned" or now >= m.plan.ends_at:
        raise Conflict(
            Said("meetup {meetup!r} is {value}", meetup=m.plan.meetup, value=Said(_over(m, now))),
            meetup=m.plan.meetup,
        )
    before = set(m.going)
    after = Meetup(m.plan, answers=dict(m.answers), yes_order=list(m.yes_order))
    _answer(after, member, answer)
    event = Event(
        kind="event.rsvp", occurred_at=now, community=bp.community.slug, source=source,
        source_ref=capped_ref(ref), group=m.plan.group, actor=member,
        data={"event": m.plan.meetup, "answer": answer},
    )  # fmt: skip
    seated = [x for x in after.going if x not in before and x != member]
    told = {"template": "meetup_seat", **said(bp, m.plan)}
    actions = paced(bp, m.plan.group, told, seated, now, bp.engagement.meetups.per_minute)
    where = (
        "going" if member in after.going
        else "waitlisted" if member in after.waitlist
        else "maybe" if answer == "maybe"
        else "not going"
    )  # fmt: skip
    return Decision([event], actions), where


def decide_checkin(bp: Blueprint, m: Meetup, member: str, code: str, now: datetime) -> Decision:
    """Pure: ``meetup.attended`` when the door code is the meetup's, from an hour before the
    start to its end; a walk-in without an answer counts too (they came)."""
    if m.status != "planned":
        raise Conflict(
            Said("meetup {meetup!r} is {status}", meetup=m.plan.meetup, status=m.status),
            meetup=m.plan.meetup,
        )
    if not (m.plan.starts_at - timedelta(hours=1) <= now <= m.plan.ends_at):
        raise Conflict(Said("the door is open from an hour before the start to the end"),
                       starts_at=m.plan.starts_at, ends_at=m.plan.ends_at)  # fmt: skip
    if m.plan.code and code.strip() != m.plan.code:
        raise Conflict(Said("that is not this meetup's door code"), meetup=m.plan.meetup)
    ref = f"attended:{member}"
    data = {"meetup": m.plan.meetup}
    event = _event(bp, "meetup.attended", m.plan, now, ref, member, None, data)
    return Decision([event])


def decide_cancel(
    bp: Blueprint, m: Meetup, reason: str, now: datetime, actor: str | None, stopped: set[str]
) -> Decision:
    """Pure: ``meetup.cancelled``; those going or waiting are told privately."""
    if m.status != "planned":
        raise Conflict(
            Said("meetup {meetup!r} is {status}", meetup=m.plan.meetup, status=m.status),
            meetup=m.plan.meetup,
        )
    data = {"meetup": m.plan.meetup, **({"reason": reason} if reason else {})}
    event = _event(bp, "meetup.cancelled", m.plan, now, "off", actor, None, data)
    told = {"template": "meetup_cancelled", **said(bp, m.plan), "reason": reason}
    people = [x for x in m.yes_order if x not in stopped]
    cfg = bp.engagement.meetups
    return Decision([event], paced(bp, m.plan.group, told, people, now, cfg.per_minute))


def decide_tick(bp: Blueprint, m: Meetup, now: datetime, stopped: set[str]) -> Decision:
    """Pure: what the clock brings a planned meetup — the private reminder to those going
    (once, ``remind_hours_before`` the start, with the door code), and after its end
    ``meetup.held`` with who checked in, each of whom gets the follow-up privately. Members
    who said /stop get neither."""
    if m.status != "planned":
        return Decision.none()
    cfg, p = bp.engagement.meetups, m.plan
    if now >= p.ends_at:
        data = {"meetup": p.meetup, "attendees": len(m.attended), "members": list(m.attended),
                "going": len(m.going)}  # fmt: skip
        event = _event(bp, "meetup.held", p, p.ends_at, "held", None, p.host, data)
        told = {"template": "meetup_followup", **said(bp, p), "attendees": len(m.attended)}
        people = [x for x in m.attended if x not in stopped]
        return Decision([event], paced(bp, p.group, told, people, now, cfg.per_minute))
    if m.reminded or now < p.starts_at - timedelta(hours=cfg.remind_hours_before):
        return Decision.none()
    people = [x for x in m.going if x not in stopped]
    event = _event(bp, "meetup.reminded", p, now, "reminded", None, None,
                   {"meetup": p.meetup, "members": len(people)})  # fmt: skip
    told = {"template": "meetup_reminder", **said(bp, p), "code": p.code}
    return Decision([event], paced(bp, p.group, told, people, now, cfg.per_minute))


def _over(m: Meetup, now: datetime) -> str:
    return m.status if m.status != "planned" else N_("over") if now >= m.plan.ends_at else "planned"


def _event(
    bp: Blueprint,
    kind: str,
    plan: Plan,
    at: datetime,
    suffix: str,
    actor: str | None,
    subject: str | None,
    data: dict[str, Any],
) -> Event:
    """A meetup event keyed by the meetup (and ``suffix``), so doing it twice is one event."""
    ref = f"meetup:{bp.community.slug}:{plan.meetup}" + (f":{suffix}" if suffix else "")
    return Event(
        kind=kind, occurred_at=at, community=bp.community.slug, source=ENGINE_SOURCE,
        source_ref=capped_ref(ref), group=plan.group, actor=actor, subject=subject, data=data,
    )  # fmt: skip


def by_start(found: dict[str, Meetup], groups: Sequence[str] | None = None) -> list[Meetup]:
    """The meetups, soonest first; ``groups`` limits them to those groups (the meetup's own
    or one it invited)."""
    chosen = [m for m in found.values() if groups is None or set(m.plan.groups) & set(groups)]
    return sorted(chosen, key=lambda m: (m.plan.starts_at, m.plan.meetup))
