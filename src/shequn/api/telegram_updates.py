"""Telegram updates into the log: the glue shared by long polling (``shequn bot run``) and the
webhook (``POST /hooks/telegram``), so both record exactly the same events.

The connector maps (``connectors/telegram/inbound.py``, pure); this module hands it the
community's bindings and links from the store, records the events through the one door for
platforms (``engine.inbound.receive``: platform facts only), hands join requests to a bound
group to the entry engine (``enter_many``: the group's thresholds decide), and applies the
two facts about a chat that are configuration, not platform facts, through the engine: a
group that became a supergroup (the binding follows the new id) and the bot removed from a
chat (the binding is disabled and an operator task says how to resume; ``shequn bot check``
and ``shequn groups bindings`` show it).

The webhook's calls arrive concurrently (FastAPI runs them in its threadpool): the events and
a lone join request go through ``engine/gather.py``, which records and decides concurrent
calls' together, one transaction for what arrived while the previous one ran. Long polling
is one caller: each of its calls runs at once, as a batch of one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from shequn.connectors.telegram.inbound import PLATFORM, Inbound, KnownLink
from shequn.engine import bindings as engine_bindings
from shequn.engine.bot_commands import BotCommand, answer
from shequn.engine.entry import Request
from shequn.engine.gather import enter_some, receive
from shequn.model.bindings import parse_unbound
from shequn.model.events import Event
from shequn.store.append import AppendResult
from shequn.store.bindings import chat_bindings, known_links
from shequn.store.db import Store

log = logging.getLogger("shequn.telegram")


def bot_id_of(token: str) -> int:
    """A bot token starts with the bot's id (``123456:ABC…``); no call needed to know it."""
    head = token.partition(":")[0]
    return int(head) if head.isdigit() else 0


def inbound_for(store: Store, community: str, bot_id: int) -> Inbound:
    """The mapper with the community's current bindings and links."""
    with store.read() as conn:
        bindings = chat_bindings(conn, community, PLATFORM)
        links = {code: KnownLink(*row) for code, row in known_links(conn, community).items()}
    return Inbound(community, bot_id, bindings, links)


def record_updates(
    store: Store, community: str, bot_id: int, updates: Sequence[Mapping[str, Any]]
) -> AppendResult:
    """Record a batch of updates (as ``getUpdates`` returns them, or one webhook call)."""
    _follow_chats(store, community, bot_id, updates)
    inbound = inbound_for(store, community, bot_id)
    events = list(inbound.events(updates))
    knocks = [
        e for e in events if e.kind == "entry.requested" and parse_unbound(e.group or "") is None
    ]
    result = receive(store, community, [e for e in events if e not in knocks])
    if knocks:  # the door decides (thresholds, seats, waves): approve or decline goes out
        enter_some(store, community, [_request(e) for e in knocks], source=inbound.source)
    commands = [
        BotCommand(c.identity, c.name, c.args, c.ref, c.at) for c in inbound.commands(updates)
    ]
    answer(store, community, commands, source=inbound.source)
    return result


def _request(e: Event) -> Request:
    """A join request to a bound group as the entry engine's knock (through our link if the
    request came by one, else straight at the group); keyed on the update, so a re-delivered
    request is no second knock."""
    assert e.actor is not None  # noqa: S101 — the mapper always names who asks
    link = e.data.get("link")
    return Request(
        e.actor,
        link=str(link) if link else None,
        group=None if link else e.group,
        ref=e.source_ref,
        at=e.occurred_at,
    )


def _follow_chats(
    store: Store, community: str, bot_id: int, updates: Sequence[Mapping[str, Any]]
) -> None:
    """Migrations and the bot's removal, before the batch is mapped (its later updates then
    land in the right group)."""
    for update in updates:
        msg = update.get("message") or {}
        if "migrate_to_chat_id" in msg:
            _migrate(store, community, str(msg["chat"]["id"]), str(msg["migrate_to_chat_id"]))
        mine = update.get("my_chat_member")
        if mine and mine["new_chat_member"].get("status") in ("left", "kicked"):
            at = datetime.fromtimestamp(int(mine.get("date") or 0), UTC)
            _removed(store, community, str(mine["chat"]["id"]), at)


def _migrate(store: Store, community: str, old: str, new: str) -> None:
    with store.read() as conn:
        group = chat_bindings(conn, community, PLATFORM).get(old)
    if group is None:
        return
    engine_bindings.unbind(
        store, community, group, PLATFORM, chat=old, reason=f"migrated to supergroup {new}"
    )
    engine_bindings.bind(store, community, group, PLATFORM, new, source="telegram-migration")
    log.info("group %s: Telegram chat %s became supergroup %s; binding follows", group, old, new)


def _removed(store: Store, community: str, chat: str, at: datetime) -> None:
    with store.read() as conn:
        group = chat_bindings(conn, community, PLATFORM).get(chat)
    if group is None:
        return
    engine_bindings.bot_removed(store, community, group, PLATFORM, chat, at=at)
    log.warning(
        "group %s: the bot was removed from Telegram chat %s; binding disabled", group, chat
    )
