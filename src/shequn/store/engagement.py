"""Engagement in the store: the sessions projection and the questions the engagement engine
asks (who attended, who gets the summary, what the last welcome was).

A session row only moves forward in time (``changed_at``) except for question counts, which
add up in any order; a ``session.held`` or ``session.question`` for a session shequn never
planned (an export's own session ids) changes nothing here, so imports stay facts in the log
without inventing plans, and ``rebuild`` reproduces what live appends built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, select, update

from shequn.model.events import Event, parse_time
from shequn.store import tables as t

if TYPE_CHECKING:
    from shequn.store.projections import Projector

s = t.sessions.c


def _where(p: Projector, e: Event) -> Any:
    return and_(s.community_id == p.communities[e.community], s.session == str(e.data["session"]))


def _planned(p: Projector, event_id: int, e: Event) -> None:
    if p.conn.execute(select(s.id).where(_where(p, e))).first() is not None:
        return  # a session id is planned once; moves are session.rescheduled
    p.conn.execute(
        t.sessions.insert().values(
            community_id=p.communities[e.community],
            group_id=p.group_id(e.community, e.group),
            session=str(e.data["session"]),
            title=str(e.data["title"])[:512],
            speaker=e.subject,
            starts_at=parse_time(e.data["starts_at"], "starts_at"),
            ends_at=parse_time(e.data["ends_at"], "ends_at"),
            status="planned",
            cause_event_id=event_id,
            questions=0,
            changed_at=e.occurred_at,
        )
    )


def _moved(p: Projector, event_id: int, e: Event) -> None:
    values = {
        "starts_at": parse_time(e.data["starts_at"], "starts_at"),
        "ends_at": parse_time(e.data["ends_at"], "ends_at"),
        "cause_event_id": event_id,
        "changed_at": e.occurred_at,
    }
    live = and_(_where(p, e), s.status == "planned", s.changed_at <= e.occurred_at)
    p.conn.execute(update(t.sessions).where(live).values(values))


def _status(status: str) -> Callable[[Projector, int, Event], None]:
    def fold(p: Projector, event_id: int, e: Event) -> None:
        values: dict[str, Any] = {"status": status, "changed_at": e.occurred_at}
        if status == "held":
            values["attendees"] = e.data.get("attendees")
        live = and_(_where(p, e), s.status == "planned", s.changed_at <= e.occurred_at)
        p.conn.execute(update(t.sessions).where(live).values(values))

    return fold


def _question(p: Projector, event_id: int, e: Event) -> None:
    p.conn.execute(update(t.sessions).where(_where(p, e)).values(questions=s.questions + 1))


HANDLERS: dict[str, Callable[[Projector, int, Event], None]] = {
    "session.planned": _planned,
    "session.rescheduled": _moved,
    "session.cancelled": _status("cancelled"),
    "session.held": _status("held"),
    "session.question": _question,
}
"""Folded into ``Projector``'s rare-kind handlers."""


@dataclass(frozen=True, slots=True)
class Session:
    """One planned session as the projection holds it."""

    community: str
    group: str
    session: str
    title: str
    speaker: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    cause_event_id: int
    questions: int
    attendees: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "group": self.group,
            "title": self.title,
            "speaker": self.speaker,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "status": self.status,
            "questions": self.questions,
            "attendees": self.attendees,
        }


def _query(community: str) -> Any:
    c, g = t.communities.c, t.groups.c
    return (
        select(c.slug, g.slug, s.session, s.title, s.speaker, s.starts_at, s.ends_at, s.status)
        .add_columns(s.cause_event_id, s.questions, s.attendees)
        .join_from(t.sessions, t.communities, c.id == s.community_id)
        .join(t.groups, g.id == s.group_id)
        .where(c.slug == community)
    )


def get_session(conn: Connection, community: str, session: str) -> Session | None:
    row = conn.execute(_query(community).where(s.session == session)).first()
    return Session(*row) if row else None


def list_sessions(
    conn: Connection,
    community: str,
    *,
    groups: Sequence[str] | None = None,
    status: str | None = None,
    ended_by: datetime | None = None,
) -> list[Session]:
    """Sessions by start time; ``ended_by`` keeps those whose end is at or before it."""
    q = _query(community).order_by(s.starts_at, s.id)
    if groups is not None:
        q = q.where(t.groups.c.slug.in_(list(groups)))
    if status is not None:
        q = q.where(s.status == status)
    if ended_by is not None:
        q = q.where(s.ends_at <= ended_by)
    return [Session(*row) for row in conn.execute(q)]


def active_posters(
    conn: Connection, community: str, group: str, start: datetime, end: datetime
) -> list[str]:
    """Identity keys of who posted in ``group`` between ``start`` and ``end``: attendance."""
    e = t.events.c
    q = (
        select(e.actor)
        .where(e.community_slug == community, e.group_slug == group)
        .where(e.occurred_at >= start, e.occurred_at < end, e.kind == "message.posted")
        .where(e.actor.is_not(None))
        .distinct()
    )
    return sorted(str(a) for (a,) in conn.execute(q))


def group_members(conn: Connection, community: str, group: str) -> list[str]:
    """Identity keys of the group's active members (who a private summary goes to)."""
    m, i, g, c = t.group_memberships.c, t.identities.c, t.groups.c, t.communities.c
    q = (
        select(i.key)
        .join_from(t.group_memberships, t.identities, i.id == m.identity_id)
        .join(t.groups, g.id == m.group_id)
        .join(t.communities, c.id == g.community_id)
        .where(c.slug == community, g.slug == group, m.status == "active")
        .order_by(i.key)
    )
    return [str(k) for (k,) in conn.execute(q)]


def last_welcome_ref(conn: Connection, community: str, group: str) -> str | None:
    """The platform id of the group's latest delivered welcome (a clean welcome deletes it).

    Reads the group's newest deliveries only: welcomes are among the most recent messages the
    engine sends to a group that is being joined."""
    e = t.events.c
    q = (
        select(e.data)
        .where(e.community_slug == community, e.group_slug == group)
        .where(e.kind == "message.delivered")
        .order_by(e.occurred_at.desc(), e.id.desc())
        .limit(50)
    )
    for (data,) in conn.execute(q):
        if data.get("template") in WELCOME_TEMPLATES and data.get("platform_ref"):
            return str(data["platform_ref"])
    return None


WELCOME_TEMPLATES = frozenset({"welcome", "join_welcome"})


def checkin_times(conn: Connection, community: str, group: str) -> dict[str, list[datetime]]:
    """When each member checked in (``checkin.done``) in ``group``: the streaks' input."""
    e = t.events.c
    q = (
        select(e.actor, e.occurred_at)
        .where(e.community_slug == community, e.group_slug == group)
        .where(e.kind == "checkin.done", e.actor.is_not(None))
    )
    out: dict[str, list[datetime]] = {}
    for actor, at in conn.execute(q):
        out.setdefault(str(actor), []).append(at)
    return out
