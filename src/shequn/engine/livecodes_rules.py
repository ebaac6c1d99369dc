"""Live-code routing on WeCom (P-IN-4): the pure decision of which groups a live code lists.

shequn's door routes a live code's newcomers to the first of its groups with a free seat; a
WeCom group live code routes a scan to the first of its (at most five) groups that WeCom has
room in. To make the two agree, the WeCom live code lists the link's first five groups that
are bound to a WeCom chat and have seats left, in the link's order: when a group fills it
drops off and the next one of the link comes in. A ``livecode.sync`` action is queued only
when that list differs from the last one synced; it reuses the live code's ``config_id`` so
WeCom updates the same QR code (posters already printed keep working).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shequn.engine.decisions import Decision
from shequn.model.actions import Action
from shequn.model.entities import Link
from shequn.model.livecodes import MAX_GROUPS, LiveCodeSync


def wanted_chats(
    link: Link, chats: Mapping[str, str], free: Mapping[str, int | None]
) -> tuple[str, ...]:
    """The chats the live code should list: the link's groups in order that have a WeCom chat
    and a free seat (``free`` ``None``: no capacity set), at most :data:`MAX_GROUPS`."""
    found: list[str] = []
    for group in link.groups:
        chat = chats.get(group)
        if chat is None or group not in free:
            continue
        room = free[group]
        if (room is None or room > 0) and chat not in found:
            found.append(chat)
    return tuple(found[:MAX_GROUPS])


def decide_live_code(
    link: Link,
    chats: Mapping[str, str],
    free: Mapping[str, int | None],
    synced: LiveCodeSync,
    now: datetime,
    *,
    rooms: Mapping[str, Any] | None = None,
) -> Decision:
    """Pure: a ``livecode.sync`` for ``link`` if its list of chats (or its ``rooms``, the
    blueprint's ``auto_create_room`` parameters; ``None``: off) changed, else nothing.

    An expired link's live code is deleted (``delete``), once. Nothing when a sync is still in
    flight (its ``config_id`` is not known yet: a second one would add a second live code),
    when the link is not a live code, when none of its groups is on WeCom, or when every
    group is full (WeCom needs at least one
    group; the code keeps its last list and WeCom turns scans away from full groups itself).
    The action is due at ``synced.since`` and carries the last sync's id, so the same state
    gives the same idempotency key: two workers ticking at once queue it once.
    """
    if link.purpose != "live_code" or synced.in_flight:
        return Decision.none()
    expired = link.expires_at is not None and link.expires_at <= now
    if expired and not (synced.config_id and synced.chat_ids):
        return Decision.none()  # never made on WeCom, or deleted already
    wanted = () if expired else wanted_chats(link, chats, free)
    rooms = dict(rooms) if rooms else None
    if (not wanted and not expired) or (wanted == synced.chat_ids and rooms == synced.rooms):
        return Decision.none()
    payload: dict[str, object] = {
        "link": link.code,
        "state": link.channel or link.code,
        "chat_ids": list(wanted),
        "after": synced.done_id or 0,
    }
    if synced.config_id:
        payload["config_id"] = synced.config_id
    if rooms and not expired:
        payload["rooms"] = rooms  # WeCom opens the next group itself when these are full
    if expired:
        payload["delete"] = True  # the link is over: the QR code stops working
    return Decision(actions=[Action("livecode.sync", link.community, synced.since, None, payload)])
