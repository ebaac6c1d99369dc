"""Projections of the growth events: links, entries, campaigns, rewards, fraud cases, profiles.

These kinds are rare next to messages, so each is folded in with a statement or two (the
``_RARE`` path of :class:`~shequn.store.projections.Projector`). They are what the entry and
fission engines read to decide quickly — who holds a seat in which group, how often a code
was used, which rewards were granted — and they are rebuilt from the log like everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select, update

from shequn.errors import InvalidEvent
from shequn.model.events import Event, parse_time
from shequn.model.i18n import Said
from shequn.store import raw
from shequn.store import tables as t
from shequn.store.sql import insert_ignore

if TYPE_CHECKING:
    from shequn.store.projections import Projector

SEATED = ("queued", "admitted")
"""Entry statuses that hold a seat in the group before the member actually joins."""


def _ident(p: Projector, key: str) -> int:
    """Id of an identity named inside ``data`` (not seen as actor or subject)."""
    p.load_identities([key])
    if key not in p.identities:  # the batch rolls back: a clean 422, not a crash
        raise InvalidEvent(
            Said(
                "identity {key!r} is named in the event's data but was never seen in {community!r}",
                key=key,
                community=p.community,
            ),
            field="data",
        )
    return p.identity_id(key)


def _entry_scope(p: Projector, e: Event, identity: int, group: str | None) -> Any:
    c = t.entries.c
    gid = p.group_id(e.community, group)
    return and_(
        c.community_id == p.communities[e.community],
        c.identity_id == identity,
        c.group_id.is_(None) if gid is None else c.group_id == gid,
    )


def _entry(p: Projector, e: Event, identity: int, group: str | None) -> dict[str, Any] | None:
    row = p.conn.execute(select(t.entries).where(_entry_scope(p, e, identity, group))).first()
    return dict(row._mapping) if row is not None else None


def _upsert_entry(p: Projector, e: Event, identity: int, **values: Any) -> dict[str, Any] | None:
    """Update the newcomer's entry row for the event's group, creating it when absent;
    returns the row as it was before (``None``: it is new)."""
    before = _entry(p, e, identity, e.group)
    if before is None:
        p.conn.execute(
            t.entries.insert().values(
                community_id=p.communities[e.community],
                group_id=p.group_id(e.community, e.group),
                identity_id=identity,
                **{"status": "requested", "approvals": 0, "rejections": 0, **values},
            )
        )
    else:
        p.conn.execute(update(t.entries).where(t.entries.c.id == before["id"]).values(**values))
    return before


def _link_created(p: Projector, _id: int, e: Event) -> None:
    """A new link, or (same code again) a changed one: its routing changes, its uses stay."""
    d = e.data
    owner = p.identity_id(e.subject) if e.subject else None
    values = {
        "purpose": d["purpose"],
        "owner_identity_id": owner,
        "groups": list(d["groups"]),
        "fill": d.get("fill") or "in_order",
        "channel": d.get("channel"),
        "campaign": d.get("campaign"),
        "max_uses": d.get("max_uses"),
        "expires_at": parse_time(d["expires_at"], "expires_at") if d.get("expires_at") else None,
    }
    c = t.links.c
    found = p.conn.execute(select(c.id).where(c.code == d["link"])).scalar_one_or_none()
    if found is None:
        p.conn.execute(
            t.links.insert().values(
                community_id=p.communities[e.community],
                code=d["link"],
                uses=0,
                created_at=e.occurred_at,
                **values,
            )
        )
    else:
        p.conn.execute(update(t.links).where(c.id == found).values(**values))


def _reviewed(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None and e.actor is not None  # noqa: S101
    me = p.identity_id(e.subject)
    row = _entry(p, e, me, e.group) or {"reviews": None, "approvals": 0, "rejections": 0}
    reviews = [r for r in row["reviews"] or [] if r["judge"] != e.actor]  # a judge may change
    reviews.append({"judge": e.actor, "verdict": e.data["verdict"], "reason": e.data.get("reason")})
    approvals = sum(r["verdict"] == "approve" for r in reviews)
    _upsert_entry(
        p, e, me, reviews=reviews, approvals=approvals, rejections=len(reviews) - approvals
    )


def _profile(p: Projector, identity: int, **values: Any) -> None:
    c = t.profiles.c
    row = p.conn.execute(select(t.profiles).where(c.identity_id == identity)).first()
    if row is None:
        p.conn.execute(t.profiles.insert().values(identity_id=identity, **values))
    else:
        p.conn.execute(update(t.profiles).where(c.id == row.id).values(**values))


def _merged(old: Any, new: Any) -> dict[str, Any]:
    return {**(old or {}), **(new or {})}


def _intake(p: Projector, _id: int, e: Event) -> None:
    assert e.actor is not None  # noqa: S101
    me = p.identity_id(e.actor)
    old = p.conn.execute(
        select(t.profiles.c.card, t.profiles.c.survey).where(t.profiles.c.identity_id == me)
    ).first()
    _profile(
        p,
        me,
        card=_merged(old.card if old else None, e.data.get("card")),
        survey=_merged(old.survey if old else None, e.data.get("survey")),
        answered_at=e.occurred_at,
    )


def _task(p: Projector, _id: int, e: Event) -> None:
    assert e.actor is not None  # noqa: S101
    me = p.identity_id(e.actor)
    old = p.conn.execute(select(t.profiles.c.tasks).where(t.profiles.c.identity_id == me)).first()
    tasks = list(old.tasks or []) if old else []
    if e.data["task"] not in tasks:
        _profile(p, me, tasks=[*tasks, e.data["task"]])


def _classified(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None  # noqa: S101
    _profile(
        p,
        p.identity_id(e.subject),
        care=e.data["care"],
        stake=e.data["stake"],
        classified_by=e.data.get("by") or "manager",
        reason=(e.data.get("reason") or "")[:1024] or None,
        classified_at=e.occurred_at,
    )


def _wave(p: Projector, _id: int, e: Event) -> None:
    c = t.entries.c
    ids = [_ident(p, key) for key in e.data["members"]]
    p.conn.execute(
        update(t.entries)
        .where(
            c.group_id == p.group_id(e.community, e.group),
            c.identity_id.in_(ids),
            c.status == "queued",
        )
        .values(status="admitted", wave=e.data["wave"], decided_at=e.occurred_at)
    )


def _actor_in_group(p: Projector, e: Event) -> Any:
    assert e.actor is not None  # noqa: S101  # the kinds' specs
    c = t.entries.c
    return and_(
        c.group_id == p.group_id(e.community, e.group), c.identity_id == p.identity_id(e.actor)
    )


def _joined(p: Projector, _id: int, e: Event) -> None:
    """A newcomer admitted to the group arrived: their seat is now a membership."""
    joined_many(p, [e])


_JOINED = (
    "UPDATE entries SET status = 'joined' WHERE group_id = ? AND identity_id = ?"
    " AND status IN ('queued', 'admitted')"  # SEATED
)


_JOINED_ARRAYS = (
    "UPDATE entries SET status = 'joined' FROM unnest(?::integer[], ?::integer[]) AS u (g, i)"
    " WHERE entries.group_id = u.g AND entries.identity_id = u.i"
    " AND entries.status IN ('queued', 'admitted')"  # SEATED
)
"""PostgreSQL, a batch's joins: one statement over arrays (an ``executemany`` ran one
statement per join on the server)."""


def joined_many(p: Projector, events: list[Event]) -> None:
    """:func:`_joined` for a run of joins in one statement (an import holds thousands; they
    commute: each touches its own member's seat)."""
    rows = []
    for e in events:
        assert e.actor is not None  # noqa: S101  # the kinds' specs
        rows.append((p.group_id(e.community, e.group), p.identity_id(e.actor)))
    if p.conn.dialect.name == "postgresql" and len(rows) >= raw.ARRAY_FROM:
        groups, identities = (raw.Array(list(c)) for c in zip(*rows, strict=True))
        raw.later(p.conn, "entries", _JOINED_ARRAYS, (groups, identities))
        return
    raw.later_many(p.conn, "entries", _JOINED, rows)


def _graduated(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None  # noqa: S101
    _upsert_entry(p, e, p.identity_id(e.subject), status="graduated", decided_at=e.occurred_at)


def _checkin(p: Projector, _id: int, e: Event) -> None:
    """Check-ins count towards graduating from a camp the member entered through the engine."""
    assert e.actor is not None  # noqa: S101
    c = t.entries.c
    p.conn.execute(update(t.entries).where(_actor_in_group(p, e)).values(checkins=c.checkins + 1))


def _paid(p: Projector, _id: int, e: Event) -> None:
    """What a member paid, net of refunds: the payment gate and the intake rule read it."""
    assert e.actor is not None  # noqa: S101
    me = p.identity_id(e.actor)
    amount = float(e.data["amount"]) * (1 if e.kind == "payment.made" else -1)
    old = p.conn.execute(select(t.profiles.c.paid).where(t.profiles.c.identity_id == me)).first()
    _profile(p, me, paid=(old.paid if old else 0.0) + amount)


def _campaign(p: Projector, _id: int, e: Event) -> None:
    c = t.campaigns.c
    cid = p.communities[e.community]
    scope = and_(c.community_id == cid, c.slug == e.data["campaign"])
    found = p.conn.execute(select(c.id, c.configured_at).where(scope)).first()
    values = {"config": e.data["config"], "configured_at": e.occurred_at}
    if found is None:
        p.conn.execute(
            t.campaigns.insert().values(community_id=cid, slug=e.data["campaign"], **values)
        )
    elif found.configured_at <= e.occurred_at:
        p.conn.execute(update(t.campaigns).where(c.id == found.id).values(**values))


def _reward(p: Projector, _id: int, e: Event) -> None:
    """One row per inviter, campaign and tier: its status follows the latest grant or revoke.
    Fixed SQL (``store/raw.py``): a batch of joins re-counts its inviters and may reward a
    few, and a statement built per reward cost more than the rest of its append."""
    assert e.subject is not None  # noqa: S101
    key = [p.communities[e.community], e.data["campaign"], p.identity_id(e.subject), e.data["tier"]]
    status = "granted" if e.kind == "reward.granted" else "revoked"
    at = raw.bind_time(p.conn, e.occurred_at)
    raw.run(p.conn, _REWARD_PUT, [*key, e.data.get("reward"), status, at])


# one statement, not a read then an insert or update: two round trips per reward on
# PostgreSQL, and a batch of joins may grant tens of them (docs/speed/import.md, "Session 38,
# pgbatch5"); the row's reward stays the first grant's, as before
_REWARD_PUT = (
    "INSERT INTO rewards (community_id, campaign, identity_id, tier, reward, status, status_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (community_id, campaign, identity_id, tier)"
    " DO UPDATE SET status = excluded.status, status_at = excluded.status_at"
)


def _flagged(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None  # noqa: S101
    d = e.data
    p.conn.execute(
        insert_ignore(p.conn, t.fraud_cases).values(
            community_id=p.communities[e.community],
            case=d["case"],
            invitee_identity_id=p.identity_id(e.subject),
            inviter_identity_id=_ident(p, d["inviter"]),
            score=float(d["score"]),
            reasons=list(d["reasons"]),
            status=d["outcome"],
            flagged_at=e.occurred_at,
        )
    )


def _case_reviewed(p: Projector, _id: int, e: Event) -> None:
    p.conn.execute(
        update(t.fraud_cases)
        .where(t.fraud_cases.c.case == e.data["case"])
        .values(status=e.data["verdict"], reviewed_at=e.occurred_at)
    )


Handler = Callable[["Projector", int, Event], None]

HANDLERS: dict[str, Handler] = {
    "link.created": _link_created,
    "application.reviewed": _reviewed,
    "intake.answered": _intake,
    "task.completed": _task,
    "member.classified": _classified,
    "wave.opened": _wave,
    "member.joined": _joined,
    "checkin.done": _checkin,
    "camp.graduated": _graduated,
    "payment.made": _paid,
    "payment.refunded": _paid,
    "campaign.configured": _campaign,
    "reward.granted": _reward,
    "reward.revoked": _reward,
    "referral.flagged": _flagged,
    "referral.reviewed": _case_reviewed,
}
"""Kinds with a growth projection (``commission.earned`` needs none:
they are read from the log by the engine and the metrics)."""

MANY: dict[str, Callable[[Projector, list[Event]], None]] = {"member.joined": joined_many}
"""Kinds whose consecutive events may be folded in one statement (the Projector does so)."""
