"""Group bindings in the store: the projection of ``group.bound`` / ``group.unbound`` and the
questions connectors, importers and the CLI ask of it.

A binding only moves forward in time (``changed_at``), so an older ``group.bound`` replayed
or imported after a newer ``group.unbound`` changes nothing, and ``rebuild`` reproduces what
live appends built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, and_, func, select, update

from shequn.model.bindings import UNBOUND_PREFIX, parse_unbound
from shequn.model.events import Event
from shequn.store import tables as t

if TYPE_CHECKING:
    from shequn.store.projections import Projector


def _fold(p: Projector, event_id: int, e: Event) -> None:
    """Fold one ``group.bound`` or ``group.unbound`` into its chat's row."""
    c = t.bindings.c
    cid = p.communities[e.community]
    platform, chat = str(e.data["platform"]), str(e.data["chat"])
    active = e.kind == "group.bound"
    gid = p.group_id(e.community, e.group)
    where = and_(c.community_id == cid, c.platform == platform, c.chat_id == chat)
    row = p.conn.execute(select(c.changed_at).where(where)).first()
    if row is None:
        p.conn.execute(
            t.bindings.insert().values(
                community_id=cid,
                platform=platform,
                chat_id=chat,
                group_id=gid,
                active=active,
                changed_at=e.occurred_at,
            )
        )
        return
    values: dict[str, object] = {"active": active, "changed_at": e.occurred_at}
    if active:  # an unbinding keeps the group the chat was last bound to
        values["group_id"] = gid
    p.conn.execute(update(t.bindings).where(where, c.changed_at <= e.occurred_at).values(values))


HANDLERS: dict[str, Callable[[Projector, int, Event], None]] = {
    "group.bound": _fold,
    "group.unbound": _fold,
}
"""Folded into ``Projector``'s rare-kind handlers."""


@dataclass(frozen=True, slots=True)
class Binding:
    """One chat a community bound: where it goes, and whether it still does."""

    community: str
    group: str
    platform: str
    chat: str
    active: bool
    changed_at: datetime


def _bindings_query() -> Select[Any]:
    b, g, c = t.bindings.c, t.groups.c, t.communities.c
    return (
        select(c.slug, g.slug, b.platform, b.chat_id, b.active, b.changed_at)
        .join_from(t.bindings, t.groups, g.id == b.group_id)
        .join(t.communities, c.id == b.community_id)
    )


def list_bindings(
    conn: Connection,
    community: str | None = None,
    *,
    platform: str | None = None,
    active_only: bool = False,
) -> list[Binding]:
    """Bindings, ordered by community, platform and chat."""
    b, c = t.bindings.c, t.communities.c
    q = _bindings_query()
    if community is not None:
        q = q.where(c.slug == community)
    if platform is not None:
        q = q.where(b.platform == platform)
    if active_only:
        q = q.where(b.active.is_(True))
    rows = conn.execute(q.order_by(c.slug, b.platform, b.chat_id))
    return [Binding(*row) for row in rows]


def chat_bindings(conn: Connection, community: str, platform: str) -> dict[str, str]:
    """Chat id → group slug of the community's active bindings on ``platform``: what a
    connector and an importer are handed."""
    return {
        b.chat: b.group for b in list_bindings(conn, community, platform=platform, active_only=True)
    }


SAME_PLATFORM = {"wecom": ("wecom", "wechat")}
"""A group's own ``chat_id`` counts on these platforms too: WeCom customer groups are WeChat
groups, and blueprints written before WeCom say ``platform = "wechat"``."""


def group_chats(conn: Connection, community: str, platform: str) -> dict[str, str]:
    """Group slug → chat id on ``platform``, what an outbound connector and the live-code
    routing need: the active binding (``shequn groups bind``), else the group's own ``chat_id``
    (``group.configured``) when the group is on that platform or names none."""
    g, c = t.groups.c, t.communities.c
    platforms = SAME_PLATFORM.get(platform, (platform,))
    q = (
        select(g.slug, g.chat_id)
        .join_from(t.groups, t.communities, c.id == g.community_id)
        .where(c.slug == community, g.chat_id.is_not(None))
        .where(g.platform.is_(None) | g.platform.in_(platforms))
    )
    found = {str(slug): str(chat) for slug, chat in conn.execute(q)}
    for b in list_bindings(conn, community, platform=platform, active_only=True):
        found[b.group] = b.chat
    return found


def bound_anywhere(conn: Connection, platform: str, chat: str) -> list[Binding]:
    """Every community's active binding of this chat (a chat is one place: at most one)."""
    b = t.bindings.c
    q = _bindings_query()
    rows = conn.execute(q.where(b.platform == platform, b.chat_id == chat, b.active.is_(True)))
    return [Binding(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class UnboundChat:
    """A chat whose events arrived before anyone bound it, kept under ``unbound:…``."""

    community: str
    group: str
    platform: str
    chat: str
    name: str
    events: int
    last_at: datetime | None
    bound_to: str | None
    """The group the chat is bound to now, if it was bound since (its old events stay)."""


def unbound_chats(conn: Connection, community: str | None = None) -> list[UnboundChat]:
    """Chats seen under an ``unbound:`` group, with how much arrived and when last."""
    g, c, e = t.groups.c, t.communities.c, t.events.c
    q = (
        select(c.slug, g.slug, g.name)
        .join_from(t.groups, t.communities, c.id == g.community_id)
        .where(g.slug.startswith(UNBOUND_PREFIX, autoescape=True))
        .order_by(c.slug, g.slug)
    )
    if community is not None:
        q = q.where(c.slug == community)
    found = []
    for slug, group, name in conn.execute(q):
        parsed = parse_unbound(group)
        if parsed is None:
            continue
        platform, chat = parsed
        count, last = conn.execute(
            select(func.count(), func.max(e.occurred_at)).where(
                e.community_slug == slug, e.group_slug == group
            )
        ).one()
        bound = chat_bindings(conn, slug, platform).get(chat)
        found.append(UnboundChat(slug, group, platform, chat, name, count, last, bound))
    return found


def bindings_by_platform(conn: Connection, community: str) -> dict[str, dict[str, str]]:
    """The community's active bindings: platform → chat id → group (an import's routing)."""
    found: dict[str, dict[str, str]] = {}
    for b in list_bindings(conn, community, active_only=True):
        found.setdefault(b.platform, {})[b.chat] = b.group
    return found


def known_links(
    conn: Connection, community: str
) -> dict[str, tuple[str | None, str | None, str | None]]:
    """The community's links by code: (owner identity key, channel, campaign) — a live join
    through an invite link named with one of these codes is credited to its owner, on the
    channel the door would give it (the link's channel, else its purpose: ``join_data``)."""
    lk, i, c = t.links.c, t.identities.c, t.communities.c
    q = (
        select(lk.code, i.key, func.coalesce(lk.channel, lk.purpose), lk.campaign)
        .join_from(t.links, t.communities, c.id == lk.community_id)
        .outerjoin(t.identities, i.id == lk.owner_identity_id)
        .where(c.slug == community)
    )
    return {code: (owner, channel, campaign) for code, owner, channel, campaign in conn.execute(q)}


def due_actions(conn: Connection, now: datetime) -> int:
    """How many actions are waiting to be carried out now (``--exit-when-idle`` asks)."""
    a = t.actions.c
    q = select(func.count()).where(a.status.in_(("pending", "leased")), a.next_run_at <= now)
    return int(conn.execute(q).scalar_one())
