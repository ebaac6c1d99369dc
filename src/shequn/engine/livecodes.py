"""The ``wecom.livecodes`` tick: keep every WeCom group live code in step with seats left.

Reads the community's live-code links, their groups' WeCom chats (bindings, else the group's
``chat_id``), the seats, each code's last sync and the blueprint's ``[wecom]`` settings
(``auto_create_room``), and applies
:func:`shequn.engine.livecodes_rules.decide_live_code` in one transaction under the decision
lock, so the seats read cannot change before the action is queued.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.decisions import Decision, apply
from shequn.engine.livecodes_rules import decide_live_code
from shequn.store.append import lock_for_decision
from shequn.store.bindings import group_chats
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint, list_links
from shequn.store.seat_queries import seats
from shequn.store.wecom_queries import live_code_syncs


def sync_live_codes(store: Store, community: str, now: datetime) -> int:
    """Queue a ``livecode.sync`` for each live code whose list of groups changed; how many."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        chats = group_chats(conn, community, "wecom")
        if not chats:
            return 0  # no group on WeCom: nothing to mirror
        links = [lk for lk in list_links(conn, community) if lk.purpose == "live_code"]
        room = seats(conn, community, sorted({g for lk in links for g in lk.groups}))
        free = {g: s.free for g, s in room.items()}
        synced = live_code_syncs(conn, community)
        wecom = get_blueprint(conn, community).wecom
        decision = Decision.none()
        for link in links:
            if link.code in synced:
                rooms = wecom.rooms_for(link.code)
                decision += decide_live_code(
                    link, chats, free, synced[link.code], now,
                    rooms=rooms.join_way() if rooms.auto_create_room else None,
                )  # fmt: skip
        apply(conn, decision)
        return len(decision.actions)
