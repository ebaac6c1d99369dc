"""Who owns each platform chat: the projection of ``group.owner_changed`` and its questions.

WeCom counts a customer group's statistics under its owner (群主), and an owner changes when a
group is handed over (离职继承, a transfer in the client). The callbacks record it as
``group.owner_changed``; this table keeps the latest per chat, moving only forward in time like
the bindings, so a replayed older event changes nothing and ``rebuild`` gives the same rows.
It is keyed on the chat, not the group: an owner seen while the chat was unbound (WeCom made
the group itself) counts once someone binds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, and_, select, update

from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.bindings import group_chats

if TYPE_CHECKING:
    from shequn.store.projections import Projector


def _fold(p: Projector, _event_id: int, e: Event) -> None:
    c = t.chat_owners.c
    cid = p.communities[e.community]
    platform, chat = str(e.data["platform"]), str(e.data["chat"])
    where = and_(c.community_id == cid, c.platform == platform, c.chat_id == chat)
    values = {"owner": str(e.data["owner"]), "changed_at": e.occurred_at}
    if p.conn.execute(select(c.id).where(where)).first() is None:
        p.conn.execute(
            t.chat_owners.insert().values(
                community_id=cid, platform=platform, chat_id=chat, **values
            )
        )
        return
    p.conn.execute(update(t.chat_owners).where(where, c.changed_at <= e.occurred_at).values(values))


HANDLERS: dict[str, Callable[[Projector, int, Event], None]] = {"group.owner_changed": _fold}
"""Folded into ``Projector``'s rare-kind handlers."""


def chat_owners(conn: Connection, community: str, platform: str) -> dict[str, str]:
    """Chat id → its owner's userid, for the chats whose owner is known."""
    o, c = t.chat_owners.c, t.communities.c
    q = (
        select(o.chat_id, o.owner)
        .join_from(t.chat_owners, t.communities, c.id == o.community_id)
        .where(c.slug == community, o.platform == platform)
    )
    return {str(chat): str(owner) for chat, owner in conn.execute(q)}


def chat_owner(conn: Connection, community: str, platform: str, chat: str) -> str | None:
    """The owner recorded for one chat, if any."""
    o, c = t.chat_owners.c, t.communities.c
    q = (
        select(o.owner)
        .join_from(t.chat_owners, t.communities, c.id == o.community_id)
        .where(c.slug == community, o.platform == platform, o.chat_id == chat)
    )
    owner = conn.execute(q).scalar_one_or_none()
    return None if owner is None else str(owner)


def group_owners(conn: Connection, community: str, platform: str) -> dict[str, str | None]:
    """Every group on ``platform`` (its binding, else its ``chat_id``) → its chat's owner, or
    ``None`` when no owner was recorded yet."""
    owners = chat_owners(conn, community, platform)
    chats = group_chats(conn, community, platform)
    return {group: owners.get(chat) for group, chat in chats.items()}
