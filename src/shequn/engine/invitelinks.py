"""The ``telegram.links`` tick: keep every referral link's and live code's chat invite links
in step with the seats left in their groups.

Reads the community's links, their groups bound to Telegram, the seats, the members each link
brought who are still in, and each invite link's last sync, and applies
:func:`shequn.engine.invitelinks_rules.decide_invite_link` for every (link, bound group) in one
transaction under the decision lock, so the seats read cannot change before the action is
queued. The worker's Telegram connector creates, edits or revokes the invite link and records
``link.published`` with its URL.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.decisions import Decision, apply
from shequn.engine.invitelinks_rules import SYNCED_PURPOSES, decide_invite_link
from shequn.model.livecodes import InviteLinkSync
from shequn.store.append import lock_for_decision
from shequn.store.bindings import chat_bindings, group_chats
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint, list_links
from shequn.store.invite_links import invite_link_syncs, present_through
from shequn.store.seat_queries import seats

PLATFORM = "telegram"


def sync_invite_links(store: Store, community: str, now: datetime) -> int:
    """Queue a ``link.sync`` for each invite link whose limit changed; how many."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        bound = set(chat_bindings(conn, community, PLATFORM).values())
        bound |= {g.slug for g in get_blueprint(conn, community).groups if g.platform == PLATFORM}
        bound &= set(group_chats(conn, community, PLATFORM))
        if not bound:
            return 0  # no group on Telegram: nothing to mirror
        links = [lk for lk in list_links(conn, community) if lk.purpose in SYNCED_PURPOSES]
        room = seats(conn, community, sorted({g for lk in links for g in lk.groups if g in bound}))
        present = present_through(conn, community)
        synced = invite_link_syncs(conn, community)
        decision = Decision.none()
        for link in links:
            channel = link.channel or link.purpose
            for group in (g for g in link.groups if g in room):
                decision += decide_invite_link(
                    link,
                    group,
                    room[group].free,
                    present.get((group, link.owner, channel), 0),
                    synced.get((link.code, group)) or InviteLinkSync(link.code, group),
                    now,
                )
        apply(conn, decision)
        return len(decision.actions)
