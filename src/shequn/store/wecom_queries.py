"""What WeCom's routing and connector read from the outbox: each live code's last sync, the
group welcome template in use.

The outbox is the record of what shequn asked WeCom to do and what WeCom answered (the live
code's ``config_id``, the welcome's ``template_id``, as the action's ``platform_ref``), so
neither needs a table of its own and a restarted worker edits what the last one made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shequn.model.actions import Status
from shequn.model.livecodes import LiveCodeSync
from shequn.store import tables as t

IN_FLIGHT = frozenset({Status.PENDING, Status.LEASED, Status.REVIEW})


def syncs(conn: Connection, community: str, kind: str) -> list[tuple[Any, ...]]:
    """The community's sync actions of ``kind`` in order: id, status, group, payload, the
    platform's answer (``platform_ref``) and when they last changed — what a platform was
    asked to show, and what it showed."""
    a = t.actions.c
    q = (
        select(a.id, a.status, a.group_slug, a.payload, a.platform_ref, a.updated_at)
        .where(a.community_slug == community, a.kind == kind)
        .order_by(a.id)
    )
    return [tuple(row) for row in conn.execute(q)]


def live_code_syncs(conn: Connection, community: str) -> dict[str, LiveCodeSync]:
    """Live-code link code → its sync state (links never synced start at their creation)."""
    lk, c = t.links.c, t.communities.c
    created = conn.execute(
        select(lk.code, lk.created_at)
        .join_from(t.links, t.communities, c.id == lk.community_id)
        .where(c.slug == community, lk.purpose == "live_code")
    )
    found = {code: LiveCodeSync(code, at) for code, at in created}
    for action_id, status, _, payload, ref, updated_at in syncs(conn, community, "livecode.sync"):
        sync = found.get(str(payload.get("link")))
        if sync is None:
            continue
        if status in IN_FLIGHT:
            found[sync.link] = replace(sync, in_flight=True)
        elif status == Status.DONE:
            found[sync.link] = _done(sync, action_id, payload, ref, updated_at)
    return found


def _done(
    sync: LiveCodeSync,
    action_id: int,
    payload: dict[str, object],
    ref: str | None,
    at: datetime,
) -> LiveCodeSync:
    chats = payload.get("chat_ids")
    rooms = payload.get("rooms")
    return replace(
        sync,
        rooms=dict(rooms) if isinstance(rooms, dict) else None,
        since=at,
        done_id=action_id,
        chat_ids=tuple(str(x) for x in chats) if isinstance(chats, list) else (),
        config_id=ref or sync.config_id,
    )


def welcome_templates(conn: Connection, templates: frozenset[str]) -> dict[str, str]:
    """``community/group`` → the id of the group welcome template the ``wecom`` connector last
    made or edited for it (a group ``message.send`` of one of ``templates``, done), so a new
    worker edits it instead of making another."""
    a = t.actions.c
    q = (
        select(a.community_slug, a.group_slug, a.payload, a.platform_ref)
        .where(a.kind == "message.send", a.connector == "wecom", a.status == Status.DONE)
        .where(a.platform_ref.is_not(None), a.group_slug.is_not(None))
        .order_by(a.id)
    )
    return {
        f"{community}/{group}": str(ref)
        for community, group, payload, ref in conn.execute(q)
        if payload.get("template") in templates and not payload.get("to")
    }


def pulled_stats(conn: Connection, community: str) -> dict[str, dict[str, Any]]:
    """Day (``YYYY-MM-DD``) → the ``stats.pull`` result (``data``: WeCom's counts, ``by_owner``,
    ``groups``: whose each group was), from the pulls done (the last pull of a day wins: a day
    pulled again later may have grown)."""
    a = t.actions.c
    q = (
        select(a.result)
        .where(a.community_slug == community, a.kind == "stats.pull", a.status == Status.DONE)
        .order_by(a.id)
    )
    found: dict[str, dict[str, Any]] = {}
    for (result,) in conn.execute(q):
        if isinstance(result, dict) and result.get("day"):
            found[str(result["day"])] = result
    return found


def joins_between(
    conn: Connection, community: str, groups: list[str], begin: datetime, end: datetime
) -> int:
    """``member.joined`` events of ``groups`` that happened in ``[begin, end)``."""
    e = t.events.c
    q = select(func.count()).where(
        e.community_slug == community,
        e.kind == "member.joined",
        e.group_slug.in_(groups),
        e.occurred_at >= begin,
        e.occurred_at < end,
    )
    return int(conn.execute(q).scalar_one())


def message_tasks_since(
    conn: Connection, target: str, since: datetime, welcomes: frozenset[str]
) -> int:
    """Message tasks the ``wecom`` connector carried out for ``target`` (a group's
    ``community/group`` or a customer) since ``since``: what WeCom's monthly cap counts
    (welcome-template edits are not tasks)."""
    a = t.actions.c
    q = select(a.payload).where(
        a.kind == "message.send",
        a.connector == "wecom",
        a.status == Status.DONE,
        a.target == target,
        a.updated_at >= since,
    )
    return sum(1 for (payload,) in conn.execute(q) if is_task(payload, welcomes))


def is_task(payload: dict[str, Any], welcomes: frozenset[str]) -> bool:
    """Whether a ``message.send`` the connector carried out was a message task: not a
    welcome-template edit, not a reply to a member's command (an app message)."""
    return payload.get("template") not in welcomes and not payload.get("command")


@dataclass(frozen=True, slots=True)
class SentTask:
    """A message task the ``wecom`` connector carried out (WeCom's ``msgid``)."""

    action: int
    msgid: str
    at: datetime
    group: str | None
    to: str | None
    """The one customer it went to, if one."""


def tasks_to_read_back(
    conn: Connection, community: str, before: datetime, welcomes: frozenset[str]
) -> list[SentTask]:
    """WeCom message tasks carried out before ``before`` and not read back yet (an app
    message has nothing to read back: WeCom delivers it at once)."""
    a = t.actions.c
    read = {
        int(p["action"])
        for (p,) in conn.execute(
            select(a.payload).where(a.community_slug == community, a.kind == "message.readback")
        )
        if isinstance(p, dict) and p.get("action") is not None
    }
    q = (
        select(a.id, a.payload, a.platform_ref, a.updated_at, a.group_slug)
        .where(a.community_slug == community, a.kind == "message.send")
        .where(a.connector == "wecom", a.status == Status.DONE, a.platform_ref.is_not(None))
        .where(a.updated_at < before)
        .order_by(a.id)
    )
    return [
        SentTask(
            action_id, str(ref), at, group, to if isinstance(to := payload.get("to"), str) else None
        )
        for action_id, payload, ref, at, group in conn.execute(q)
        if action_id not in read and is_task(payload, welcomes)
    ]
