"""What the chat-invite-link tick reads: each link's last ``link.sync`` per group (from the
outbox, like the WeCom live codes: ``wecom_queries.syncs``) and how many members each link
brought who are still in the group (Telegram counts them against the link's limit)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, func, select

from shequn.model.actions import Status
from shequn.model.livecodes import InviteLinkSync
from shequn.store import tables as t
from shequn.store.wecom_queries import IN_FLIGHT, syncs

Present = dict[tuple[str, str | None, str | None], int]
"""(group, inviter identity key, channel) → active members whose join said so."""


def invite_link_syncs(conn: Connection, community: str) -> dict[tuple[str, str], InviteLinkSync]:
    """(link code, group) → where its invite link stands (absent: never synced)."""
    found: dict[tuple[str, str], InviteLinkSync] = {}
    for action_id, status, group, payload, ref, _ in syncs(conn, community, "link.sync"):
        key = (str(payload.get("link")), str(group))
        sync = found.get(key) or InviteLinkSync(*key)
        limit = 0 if payload.get("revoke") else int(payload.get("member_limit") or 0)
        if status in IN_FLIGHT:
            sync = replace(sync, in_flight=True)
        elif status == Status.DONE:
            url = ref or payload.get("invite_link")
            sync = InviteLinkSync(*key, action_id, url, limit or None, revoked=not limit)
        else:  # failed, dead or cancelled: not asked again for the same limit; an edit
            # refused means the link is gone (revoked by hand): the next change makes one
            sync = replace(
                sync,
                refused=limit,
                in_flight=False,
                revoked=sync.revoked
                or bool(payload.get("invite_link") and not payload.get("revoke")),
            )
        found[key] = sync
    return found


def present_through(conn: Connection, community: str) -> Present:
    """Active members by group, the inviter their join named and its channel: a link's own
    members are those of its owner and channel (``known_links`` credits joins that way)."""
    m, g, k, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    q = (
        select(g.slug, i.key, m.own_channel, func.count())
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .outerjoin(t.identities, i.id == m.own_inviter_identity_id)
        .where(k.slug == community, m.status == "active")
        .group_by(g.slug, i.key, m.own_channel)
    )
    return {(group, who, channel): n for group, who, channel, n in conn.execute(q)}
