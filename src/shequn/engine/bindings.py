"""Binding platform chats to groups: the operator's ``shequn groups bind|unbind`` and what a
live connector learns about a chat (it migrated to a new id, the bot was removed).

A chat is one place: bound to at most one group of one community at a time, and a group to
at most one chat per platform, so a chat's updates never land in two groups. Binding twice
to the same group records nothing (re-running a setup script is safe).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.errors import Conflict, InvalidEvent, NotFound
from shequn.model.bindings import PLATFORMS, parse_unbound
from shequn.model.events import Event
from shequn.model.i18n import N_, Phrase, Said
from shequn.store import tables as t
from shequn.store.bindings import Binding, bound_anywhere, list_bindings
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.tasks import open_task


def decide_bind(
    community: str,
    group: str,
    platform: str,
    chat: str,
    *,
    chat_now: list[Binding],
    group_now: list[Binding],
    now: datetime,
    operator: str | None = None,
    source: str | None = None,
) -> Decision:
    """Pure: the ``group.bound`` event, nothing when already so, or why it cannot be."""
    if platform not in PLATFORMS:
        raise InvalidEvent(
            Said(
                "platform {platform!r} cannot be bound; known: {names}",
                platform=platform,
                names=", ".join(PLATFORMS),
            ),
            field="platform",
        )
    if parse_unbound(group) is not None:
        raise InvalidEvent(
            Said("{group!r} holds an unbound chat; bind to a real group", group=group),
            field="group",
        )
    for b in chat_now:
        if (b.community, b.group) == (community, group):
            return Decision.none()
        raise Conflict(
            Said(
                "{platform} chat {chat} is bound to {community}/{group}; unbind it first (shequn "
                "groups unbind {group} --platform {platform} --community {community})",
                platform=platform,
                chat=chat,
                community=b.community,
                group=b.group,
            ),
            chat=chat,
        )
    for b in group_now:
        raise Conflict(
            Said(
                "{community}/{group} is bound to {platform} chat {chat} already; unbind it first",
                community=community,
                group=group,
                platform=platform,
                chat=b.chat,
            ),
            group=group,
        )
    return Decision(
        events=[
            _event(
                "group.bound",
                community,
                group,
                platform,
                chat,
                now,
                operator=operator,
                source=source,
            )
        ]
    )


def _event(
    kind: str,
    community: str,
    group: str,
    platform: str,
    chat: str,
    now: datetime,
    *,
    operator: str | None,
    source: str | None,
    reason: str | None = None,
) -> Event:
    data: dict[str, object] = {"platform": platform, "chat": chat}
    if reason:
        data["reason"] = reason
    return Event(
        kind=kind,
        occurred_at=now,
        community=community,
        group=group,
        source=source or operator_source(),
        source_ref=new_ref(),
        actor=operator,
        data=data,
    )


def _configured_group(conn: Connection, community: str, group: str) -> None:
    g, c = t.groups.c, t.communities.c
    q = select(g.id).join_from(t.groups, t.communities, c.id == g.community_id)
    if conn.execute(q.where(c.slug == community, g.slug == group)).first() is None:
        raise NotFound(
            Said(
                "no group {group!r} in {community!r}: declare it in the blueprint first",
                group=group,
                community=community,
            ),
            group=group,
        )


def bind(
    store: Store,
    community: str,
    group: str,
    platform: str,
    chat: str,
    *,
    operator: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> Event | None:
    """Bind ``chat`` to ``group``; the event recorded, or ``None`` if it was bound already."""
    chat = chat.strip()
    with store.transaction() as conn:
        _configured_group(conn, community, group)
        group_now = [
            b
            for b in list_bindings(conn, community, platform=platform, active_only=True)
            if b.group == group and b.chat != chat
        ]
        decision = decide_bind(
            community,
            group,
            platform,
            chat,
            chat_now=bound_anywhere(conn, platform, chat),
            group_now=group_now,
            now=now or datetime.now(UTC),
            operator=operator,
            source=source,
        )
        apply(conn, decision)
    return decision.events[0] if decision.events else None


def unbind(
    store: Store,
    community: str,
    group: str,
    platform: str,
    *,
    chat: str | None = None,
    operator: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> Event:
    """Unbind the group's chat on ``platform`` (or the named ``chat``); a group with no such
    binding is a 404, so a typo is not mistaken for success."""
    with store.transaction() as conn:
        found = [
            b
            for b in list_bindings(conn, community, platform=platform, active_only=True)
            if b.group == group and (chat is None or b.chat == chat)
        ]
        if not found:
            raise NotFound(
                Said(
                    "{community}/{group} has no {platform} chat bound",
                    community=community,
                    group=group,
                    platform=platform,
                ),
                group=group,
            )
        event = _event(
            "group.unbound",
            community,
            group,
            platform,
            found[0].chat,
            now or datetime.now(UTC),
            operator=operator,
            source=source,
            reason=reason,
        )
        apply(conn, Decision(events=[event]))
    return event


REMOVED = Phrase(
    N_(
        "The bot was removed from {platform} chat {chat} (group {group}); shequn stopped "
        "acting there. To resume, add the bot back as an admin, then run "
        "`shequn groups bind {group} --platform {platform} --chat {chat}`."
    )
)
"""The operator task a removal opens, in the community's language."""


def bot_removed(
    store: Store, community: str, group: str, platform: str, chat: str, *,
    at: datetime, source: str | None = None,
) -> Event:  # fmt: skip
    """The bot was removed from a bound chat (the platform says so at ``at``): the binding is
    disabled now (nothing more is sent there) and an operator task says what happened and how
    to resume — once per removal."""
    event = unbind(
        store, community, group, platform, chat=chat, source=source,
        reason="the bot was removed from the chat",
    )  # fmt: skip
    with store.transaction() as conn:
        lang = get_blueprint(conn, community).community.language
        text = REMOVED.get(lang, REMOVED["en"]).format(platform=platform, chat=chat, group=group)
        open_task(
            conn, key=f"bot.removed:{platform}:{chat}:{at.isoformat()}", kind="bot.removed",
            community=community, group=group, instruction=text, now=at,
        )  # fmt: skip
    return event
