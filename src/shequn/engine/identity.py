"""Identity: one person, however many accounts (P-FIS-5 duplicate identities).

Merging never rewrites history: it records ``identity.merged`` and the projection moves the
absorbed member's identities over. ``unmerge`` records the reverse. Merges happen on an
operator's word (``shequn members merge``) or automatically when two identities share a
verified phone or union id. ``suggestions`` lists likely duplicates for an operator to review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, select

from shequn.engine.decisions import ENGINE_SOURCE, Decision, apply, new_ref, operator_source
from shequn.engine.reactions import react
from shequn.errors import Conflict, NotFound
from shequn.model.entities import Member
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.queries import get_member, root_member, row_to_event
from shequn.store.scope_queries import in_community


def decide_merge(
    keep: Member,
    absorb: Member,
    *,
    community: str,
    now: datetime,
    reason: str = "operator",
    source: str | None = None,
    source_ref: str | None = None,
    operator: str | None = None,
) -> Decision:
    """Pure: the event that makes ``absorb`` part of ``keep``."""
    if keep.id == absorb.id:
        raise Conflict(
            Said("{key} and {key2} are already the same member", key=keep.key, key2=absorb.key),
            member=keep.key,
        )
    if absorb.merged_into is not None:
        raise Conflict(
            Said(
                "{key} was already merged into {merged_into}",
                key=absorb.key,
                merged_into=absorb.merged_into,
            ),
            member=absorb.key,
        )
    return Decision(
        events=[
            Event(
                kind="identity.merged",
                occurred_at=now,
                community=community,
                source=source or operator_source(),
                source_ref=source_ref or new_ref(),
                actor=operator,
                subject=absorb.key,
                data={
                    "into": keep.key,
                    "identities": [i.key for i in absorb.identities],
                    "reason": reason,
                },
            )
        ]
    )


def decide_unmerge(
    member: Member,
    last_merge: Event | None,
    *,
    community: str,
    now: datetime,
    operator: str | None = None,
) -> Decision:
    """Pure: the event that undoes the merge that absorbed ``member``."""
    if member.merged_into is None or last_merge is None:
        raise Conflict(Said("{key} is not merged into anyone", key=member.key), member=member.key)
    return Decision(
        events=[
            Event(
                kind="identity.unmerged",
                occurred_at=now,
                community=community,
                source=operator_source(),
                source_ref=new_ref(),
                actor=operator,
                subject=member.key,
                data={
                    "from": member.merged_into,
                    "identities": list(last_merge.data["identities"]),
                },
            )
        ]
    )


def _community_of(conn: Connection, member_id: int) -> str:
    """The community the member belongs to (each member belongs to exactly one)."""
    m, c = t.members.c, t.communities.c
    q = select(c.slug).join_from(t.members, t.communities, c.id == m.community_id)
    return str(conn.execute(q.where(m.id == member_id)).scalar_one())


def merge(
    store: Store,
    keep_ref: str,
    absorb_ref: str,
    *,
    operator: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
    community: str | None = None,
) -> Event:
    """Merge ``absorb_ref`` into ``keep_ref`` (member ids or identity keys); ``source`` names
    the channel the operator used (default ``operator:cli``). Both must be members of one
    community (``community``, or the keep member's): merges across communities are refused."""
    with store.transaction() as conn:
        keep = get_member(conn, keep_ref, community=community)
        community = community or _community_of(conn, keep.id)
        try:
            absorb = get_member(conn, absorb_ref, community=community)
        except NotFound:
            raise NotFound(
                Said(
                    "no member {absorb_ref!r} in {community!r} (merges across communities are "
                    "refused: communities are isolated)",
                    absorb_ref=absorb_ref,
                    community=community,
                ),
                member=absorb_ref,
            ) from None
        decision = decide_merge(
            keep,
            absorb,
            community=community,
            now=now or datetime.now(UTC),
            operator=operator,
            source=source,
        )
        react(conn, apply(conn, decision).new_events)
    return decision.events[0]


def unmerge(
    store: Store,
    ref: str,
    *,
    operator: str | None = None,
    now: datetime | None = None,
    community: str | None = None,
) -> Event:
    """Undo the merge that absorbed the member ``ref`` (its member key or id)."""
    with store.transaction() as conn:
        member = get_member(conn, ref, follow_merges=False, community=community)
        community = community or _community_of(conn, member.id)
        e = t.events.c
        row = (
            conn.execute(
                select(t.events)
                .where(
                    e.community_slug == community,
                    e.kind == "identity.merged",
                    e.subject == member.key,
                )
                .order_by(e.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        last = row_to_event(row) if row is not None else None
        decision = decide_unmerge(
            member,
            last,
            community=community,
            now=now or datetime.now(UTC),
            operator=operator,
        )
        react(conn, apply(conn, decision).new_events)
    return decision.events[0]


def apply_auto_merges(conn: Connection, new_events: Sequence[tuple[int, Event]]) -> list[Event]:
    """Merge identities that share a verified phone or union id with someone already known;
    returns the merge events recorded.

    The member first seen is kept. The merge is dated no earlier than the moment both members
    existed, however the input was split into batches. Each merge is applied before the next
    is decided, since it changes who the next one sees. ``source_ref`` derives from the
    verifying event, so re-running the rule on the same event adds nothing.
    """
    merged: list[Event] = []
    i = t.identities.c
    verified = [(i, e) for i, e in new_events if e.kind == "identity.verified"]
    for event_id, e in sorted(verified, key=lambda pair: pair[1].occurred_at):
        if e.actor is None:
            continue
        for field in ("phone_sha256", "union_id"):
            value = e.data.get(field)
            if not value:
                continue
            same = select(i.member_id).where(
                i[field] == value, in_community(t.identities, e.community)
            )
            ids = conn.execute(same).scalars().all()
            roots = [
                get_member(conn, str(r))
                for r in sorted({root_member(conn, mid) for mid in ids if mid is not None})
            ]
            roots.sort(key=lambda m: (m.first_seen_at, m.id))  # the person as first met
            for absorbed in roots[1:]:
                kept = roots[0]
                step = decide_merge(
                    kept,
                    absorbed,
                    community=e.community,
                    now=max(e.occurred_at, absorbed.first_seen_at),
                    reason=f"same_{field.removesuffix('_sha256')}",
                    source=ENGINE_SOURCE,
                    source_ref=f"auto-merge:{event_id}:{field}:{absorbed.key}",
                )
                apply(conn, step)
                merged.extend(step.events)
    return merged


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Two members who may be one person, and why shequn thinks so."""

    a: Member
    b: Member
    reason: str


def suggestions(conn: Connection, *, limit: int = 50) -> list[Suggestion]:
    """Pairs of distinct members with the same display name who share at least one group."""
    i1, i2 = t.identities.alias("i1"), t.identities.alias("i2")
    m1, m2 = t.group_memberships.alias("m1"), t.group_memberships.alias("m2")
    mem1, mem2 = t.members.alias("mem1"), t.members.alias("mem2")
    name1, name2 = (
        func.lower(func.trim(i1.c.display_name)),
        func.lower(func.trim(i2.c.display_name)),
    )
    q = (
        select(
            i1.c.member_id,
            i2.c.member_id,
            func.min(i1.c.display_name),
            func.count(func.distinct(m1.c.group_id)),
        )
        .select_from(i1)
        .join(i2, and_(name1 == name2, i1.c.member_id < i2.c.member_id))
        .join(mem1, and_(mem1.c.id == i1.c.member_id, mem1.c.merged_into.is_(None)))
        .join(mem2, and_(mem2.c.id == i2.c.member_id, mem2.c.merged_into.is_(None)))
        .join(m1, m1.c.identity_id == i1.c.id)
        .join(m2, and_(m2.c.identity_id == i2.c.id, m2.c.group_id == m1.c.group_id))
        .where(i1.c.display_name.is_not(None), func.length(func.trim(i1.c.display_name)) > 0)
        .group_by(i1.c.member_id, i2.c.member_id)
        .order_by(i1.c.member_id, i2.c.member_id)
        .limit(limit)
    )
    out = []
    for a, b, name, shared in conn.execute(q):
        out.append(
            Suggestion(
                get_member(conn, str(a)),
                get_member(conn, str(b)),
                Said("same name {name!r}, {n} shared group(s)", name=name, n=shared),
            )
        )
    return out
