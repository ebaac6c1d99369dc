"""Reads of group rules and moderation (P-RUL): the facts the rules judge a message by, the
steps of the ladder and what undid them, appeals.

Set-wise, per batch: the reactor asks once for every author of a recorded batch (their
roles, joins, recent messages, red envelopes, steps), never once per message. Reads only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import Connection, and_, or_, select, tuple_

from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.growth_queries import parsed_blueprint
from shequn.store.queries import row_to_event

STEP_KINDS = ("moderation.applied", "moderation.reversed", "appeal.filed", "appeal.decided")


def events_by(
    conn: Connection,
    community: str,
    kinds: Collection[str],
    keys: Collection[str] | None = None,
    *,
    who: Literal["actor", "subject"] = "actor",
    since: datetime | None = None,
    until: datetime | None = None,
    group: str | None = None,
) -> list[tuple[int, Event]]:
    """Events of ``kinds`` whose ``who`` is one of ``keys`` (all when ``None``), oldest first."""
    e = t.events.c
    q = select(t.events).where(e.community_slug == community, e.kind.in_(list(kinds)))
    if keys is not None:
        if not keys:
            return []
        q = q.where(e[who].in_(sorted(keys)))
    if since is not None:
        q = q.where(e.occurred_at >= since)
    if until is not None:
        q = q.where(e.occurred_at <= until)
    if group is not None:
        q = q.where(e.group_slug == group)
    q = q.order_by(e.occurred_at, e.id)
    return [(r["id"], row_to_event(r)) for r in conn.execute(q).mappings()]


def roles_of(
    conn: Connection, community: str, keys: Collection[str]
) -> dict[str, list[tuple[str | None, str]]]:
    """Each identity's current roles: ``(group slug or None for community-wide, role)``."""
    r, i, g, k = t.roles.c, t.identities.c, t.groups.c, t.communities.c
    q = (
        select(i.key, g.slug, r.role)
        .join_from(t.roles, t.identities, i.id == r.identity_id)
        .join(t.communities, k.id == r.community_id)
        .outerjoin(t.groups, g.id == r.group_id)
        .where(k.slug == community, i.key.in_(sorted(keys)))
    )
    out: dict[str, list[tuple[str | None, str]]] = {}
    for key, group, role in conn.execute(q):
        out.setdefault(key, []).append((group, role))
    return out


def joins_of(
    conn: Connection, community: str, keys: Collection[str]
) -> dict[tuple[str, str], datetime]:
    """When each identity (last) joined each group: ``(group slug, key) -> joined_at``."""
    m, i, g, k = t.group_memberships.c, t.identities.c, t.groups.c, t.communities.c
    q = (
        select(g.slug, i.key, m.joined_at)
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .join(t.identities, i.id == m.identity_id)
        .where(k.slug == community, i.key.in_(sorted(keys)), m.joined_at.is_not(None))
    )
    return {(grp, key): at for grp, key, at in conn.execute(q)}


def reversed_refs(conn: Connection, community: str, keys: Collection[str] | None) -> set[str]:
    """``source:source_ref`` of every step reversed (by a manager or a granted appeal)."""
    rows = events_by(conn, community, ("moderation.reversed",), keys, who="subject")
    return {f"{e.data.get('step_source')}:{e.data.get('step_ref')}" for _, e in rows}


def standing_steps(
    conn: Connection, community: str, keys: Collection[str] | None = None
) -> list[tuple[int, Event]]:
    """``moderation.applied`` events of ``keys`` (all members when ``None``) not reversed."""
    undone = reversed_refs(conn, community, keys)
    applied = events_by(conn, community, ("moderation.applied",), keys, who="subject")
    return [(i, e) for i, e in applied if f"{e.source}:{e.source_ref}" not in undone]


def find_step(conn: Connection, community: str, ref: str) -> Event | None:
    """The ``moderation.applied`` event named ``source:source_ref`` or by its event id."""
    e = t.events.c
    q = select(t.events).where(e.community_slug == community, e.kind == "moderation.applied")
    if ref.isdigit():
        q = q.where(e.id == int(ref))
    else:  # both halves may hold colons (``engine`` + ``step:bot:m1:advert``): try each cut
        cuts = [(ref[:n], ref[n + 1 :]) for n, c in enumerate(ref) if c == ":"]
        if not cuts:
            return None
        q = q.where(or_(*(and_(e.source == a, e.source_ref == b) for a, b in cuts)))
    row = conn.execute(q).mappings().first()
    return row_to_event(row) if row is not None else None


def is_reversed(conn: Connection, step: Event) -> bool:
    ref = f"{step.source}:{step.source_ref}"
    return ref in reversed_refs(conn, step.community, [step.subject or ""])


def appeals(
    conn: Connection, community: str, groups: Sequence[str] | None = None
) -> list[tuple[Event, Event | None]]:
    """Every appeal with its decision (``None`` while open), oldest first."""
    filed = events_by(conn, community, ("appeal.filed",))
    decided = {
        f"{e.data.get('step_source')}:{e.data.get('step_ref')}": e
        for _, e in events_by(conn, community, ("appeal.decided",))
    }
    out = []
    for _, e in filed:
        if groups is not None and e.group not in groups:
            continue
        out.append((e, decided.get(f"{e.data.get('step_source')}:{e.data.get('step_ref')}")))
    return out


def rules_blueprint(conn: Connection, community: str) -> Blueprint | None:
    """The blueprint when its ``[rules]`` are on, else ``None`` — checked on the stored JSON
    before parsing, since every recorded batch asks. A blueprint that does not validate
    (events written by hand) has no rules either."""
    c = t.communities.c
    raw = conn.execute(select(c.blueprint).where(c.slug == community)).scalar_one_or_none()
    if not isinstance(raw, dict):
        return None
    rules = raw.get("rules")
    if not (isinstance(rules, dict) and rules.get("enabled") is True):
        return None
    try:
        return parsed_blueprint(raw)
    except ValidationError:
        return None


def recent_texts(
    conn: Connection,
    community: str,
    *,
    limit: int,
    since: datetime | None = None,
    group: str | None = None,
) -> list[str]:
    """The texts of the community's latest ``limit`` messages (newest first, empty ones left
    out): the unlabelled chat a community's advert model is taught on (``rules train --chat``).
    Bounded by ``limit`` so a long history costs one index scan, not the whole log."""
    e = t.events.c
    q = select(e.data).where(e.community_slug == community, e.kind == "message.posted")
    if since is not None:
        q = q.where(e.occurred_at >= since)
    if group is not None:
        q = q.where(e.group_slug == group)
    q = q.order_by(e.occurred_at.desc(), e.id.desc()).limit(limit)
    texts = (str((data or {}).get("text") or "") for (data,) in conn.execute(q))
    return [text for text in texts if text.strip()]


def message_texts(
    conn: Connection, community: str, refs: Collection[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The text of each ``message.posted`` named ``(source, source_ref)`` (for the steps a
    manager reviews: what the member actually wrote)."""
    if not refs:
        return {}
    e = t.events.c
    q = select(e.source, e.source_ref, e.data).where(
        tuple_(e.source, e.source_ref).in_(sorted(set(refs))),  # the unique index
        e.community_slug == community,
        e.kind == "message.posted",
    )
    return {
        (source, ref): str((data or {}).get("text") or "") for source, ref, data in conn.execute(q)
    }
