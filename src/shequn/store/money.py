"""Money in the store: the paid-memberships projection and the questions the money engine
asks of it.

A row per member and product, folded from ``membership.*`` events only (payments stay facts in
the log; the engine turns them into membership events), so ``rebuild`` reproduces it exactly.
A row only moves forward in time: an event older than the row's ``changed_at`` (a late
import) changes nothing, so any order of arrival ends in the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, select, update

from shequn.model.events import Event, parse_time
from shequn.store import tables as t

if TYPE_CHECKING:
    from shequn.store.projections import Projector

pm = t.paid_memberships.c


def _until(e: Event, name: str = "until") -> datetime | None:
    """An end from the event; imports and older logs may carry a date or a time without a
    zone (read as UTC) or nothing readable (no end known: ``None``)."""
    value = e.data.get(name)
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parse_time(at if at.tzinfo is not None else at.replace(tzinfo=UTC), name)


def _where(p: Projector, e: Event) -> Any:
    assert e.actor is not None  # noqa: S101 - the kinds require an actor
    return and_(
        pm.community_id == p.communities[e.community],
        pm.identity_id == p.identity_id(e.actor),
        pm.plan == str(e.data["plan"]),
    )


def _started(p: Projector, _id: int, e: Event) -> None:
    values = {
        "state": str(e.data.get("state") or ("active" if "until" in e.data else "lifetime")),
        "started_at": e.occurred_at,
        "until": _until(e),
        "grace_until": None,
        "changed_at": e.occurred_at,
        "cancelled_at": None,
    }
    row = p.conn.execute(select(pm.id, pm.changed_at).where(_where(p, e))).first()
    if row is None:
        assert e.actor is not None  # noqa: S101
        p.conn.execute(
            t.paid_memberships.insert().values(
                community_id=p.communities[e.community],
                identity_id=p.identity_id(e.actor),
                plan=str(e.data["plan"]),
                renewals=0,
                **values,
            )
        )
    elif row.changed_at <= e.occurred_at:  # a new membership after an ended one
        p.conn.execute(update(t.paid_memberships).where(pm.id == row.id).values(values))


def _forward(**fixed: Any) -> Callable[[Projector, int, Event], None]:
    def fold(p: Projector, _id: int, e: Event) -> None:
        values: dict[str, Any] = {**fixed, "changed_at": e.occurred_at}
        if e.kind == "membership.renewed":
            values.update(
                until=_until(e), grace_until=None, renewals=pm.renewals + 1, cancelled_at=None
            )  # paying again withdraws a cancellation
        elif e.kind == "membership.lapsed":
            values["grace_until"] = _until(e, "grace_until")
        elif e.kind == "membership.ended":
            values["state"] = str(e.data.get("reason") or "expired")
        elif e.kind == "membership.cancelled":
            values["cancelled_at"] = e.occurred_at
        live = and_(_where(p, e), pm.changed_at <= e.occurred_at)
        p.conn.execute(update(t.paid_memberships).where(live).values(values))

    return fold


HANDLERS: dict[str, Callable[[Projector, int, Event], None]] = {
    "membership.started": _started,
    "membership.renewed": _forward(state="active"),
    "membership.lapsed": _forward(state="past_due"),
    "membership.ended": _forward(),
    "membership.cancelled": _forward(),
}
"""Folded into ``Projector``'s rare-kind handlers."""


@dataclass(frozen=True, slots=True)
class Membership:
    """One member's membership of one product, as the projection holds it."""

    identity: str
    plan: str
    state: str
    started_at: datetime
    until: datetime | None
    grace_until: datetime | None
    renewals: int
    cancelled_at: datetime | None = None  # cancelled by the member: ends at ``until``

    def to_dict(self) -> dict[str, Any]:
        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v is not None else None

        return {
            "identity": self.identity,
            "plan": self.plan,
            "state": self.state,
            "started_at": self.started_at.isoformat(),
            "until": iso(self.until),
            "grace_until": iso(self.grace_until),
            "renewals": self.renewals,
            "cancelled_at": iso(self.cancelled_at),
        }


COLUMNS = (
    t.identities.c.key, pm.plan, pm.state, pm.started_at, pm.until, pm.grace_until, pm.renewals,
    pm.cancelled_at,
)  # fmt: skip
"""A :class:`Membership`'s fields, in order."""


def list_memberships(
    conn: Connection,
    community: str,
    *,
    identity: str | None = None,
    plan: str | None = None,
    states: tuple[str, ...] | None = None,
) -> list[Membership]:
    """Memberships of ``community`` by member and plan, optionally filtered."""
    i, c = t.identities.c, t.communities.c
    q = (
        select(*COLUMNS)
        .join_from(t.paid_memberships, t.identities, i.id == pm.identity_id)
        .join(t.communities, c.id == pm.community_id)
        .where(c.slug == community)
        .order_by(i.key, pm.plan)
    )
    if identity is not None:
        q = q.where(i.key == identity)
    if plan is not None:
        q = q.where(pm.plan == plan)
    if states is not None:
        q = q.where(pm.state.in_(states))
    return [Membership(*row) for row in conn.execute(q)]


def get_membership(conn: Connection, community: str, identity: str, plan: str) -> Membership | None:
    found = list_memberships(conn, community, identity=identity, plan=plan)
    return found[0] if found else None


def find_payment(conn: Connection, community: str, source: str | None, ref: str) -> Event | None:
    """The ``payment.made`` recorded from ``source`` (any, when ``None``) under ``ref`` (what
    a refund names), or ``None``."""
    from shequn.store.queries import row_to_event

    e = t.events.c
    q = select(t.events).where(
        e.community_slug == community,
        e.kind == "payment.made",
        e.source_ref == ref,
    )
    if source is not None:
        q = q.where(e.source == source)
    row = conn.execute(q).mappings().first()
    return row_to_event(row) if row is not None else None
