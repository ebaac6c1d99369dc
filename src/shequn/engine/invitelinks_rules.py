"""Chat invite links kept in step with seats (Telegram, P-IN-4, P-FIS-1): the pure decision.

On Telegram a referral link or a live code is also a real chat invite link for each of its
groups, named with the link's code (so a join through it is credited to the link's owner and
channel) and expiring with the link. Its ``member_limit`` lets in exactly the seats left:
Telegram counts against it the members who joined through the link and are still in the chat,
so the limit is those members plus the free seats. When the group fills (or the link expires
or is used up) the invite link is revoked — a limit cannot be 0 — and a new one is made when
seats free again. A ``link.sync`` is queued only when the limit differs from the last one
synced, never while one is in flight (the tick decides under the decision lock, so two workers
queue it once), and not again for a limit the platform refused until the limit changes.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.decisions import Decision
from shequn.model.actions import Action
from shequn.model.entities import Link
from shequn.model.livecodes import MAX_MEMBER_LIMIT, InviteLinkSync

SYNCED_PURPOSES = frozenset({"referral", "live_code"})
"""The links that become chat invite links (invitation codes are typed, not followed)."""
NAME_LIMIT = 32
"""Telegram: an invite link's name holds at most 32 characters."""


def wanted_limit(link: Link, free: int | None, present: int, now: datetime) -> int:
    """The ``member_limit`` the link's invite link should have (0: none should work): the
    members it brought who are still in the group plus the seats left (no capacity: the
    most Telegram allows); 0 when the group is full or the link expired or is used up."""
    over = link.expires_at is not None and link.expires_at <= now
    used = link.max_uses is not None and link.uses >= link.max_uses
    if over or used or free == 0:
        return 0
    return min(present + (MAX_MEMBER_LIMIT if free is None else free), MAX_MEMBER_LIMIT)


def decide_invite_link(
    link: Link,
    group: str,
    free: int | None,
    present: int,
    synced: InviteLinkSync,
    now: datetime,
) -> Decision:
    """Pure: a ``link.sync`` for ``link``'s invite link to ``group`` when its limit changed —
    create it, edit its ``member_limit``, or revoke it — else nothing."""
    if link.purpose not in SYNCED_PURPOSES or synced.in_flight:
        return Decision.none()
    limit = wanted_limit(link, free, present, now)
    if limit == synced.refused:
        return Decision.none()  # the platform refused this very change: a person looks
    payload: dict[str, object] = {"link": link.code, "after": synced.done_id or 0}
    if limit == 0:
        if not synced.live:
            return Decision.none()
        payload |= {"invite_link": synced.invite_link, "revoke": True}
    elif synced.live:
        if synced.member_limit == limit:
            return Decision.none()
        payload |= {"invite_link": synced.invite_link, "member_limit": limit}
    else:
        payload |= {"name": link.code[:NAME_LIMIT], "member_limit": limit}
    if link.expires_at is not None and limit:
        payload["expires_at"] = link.expires_at.isoformat()
    return Decision(actions=[Action("link.sync", link.community, now, group, payload)])
