"""Group live codes (群活码) on a platform: what shequn last asked the platform to show.

A live code is a ``live_code`` link (``shequn links create``) mirrored on WeCom as a group
live code listing at most :data:`MAX_GROUPS` groups. The outbox keeps what was synced
(``livecode.sync`` actions: the chats asked for, and the ``config_id`` WeCom answered), so the
routing tick can tell whether the list changed and which live code to update — no table of its
own, and nothing lost by a ``rebuild``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_GROUPS = 5
"""WeCom: a group live code lists at most five groups."""
WELCOME_TEMPLATES = frozenset({"welcome", "join_welcome"})
"""The templates WeCom gets as its group welcome template, not as message tasks: they are not
capped, not paced per group and not read back."""


@dataclass(frozen=True, slots=True)
class LiveCodeSync:
    """Where one link's live code stands on the platform, from its ``livecode.sync`` actions."""

    link: str
    since: datetime
    """When it last changed (the last sync done), else when the link was created."""
    done_id: int | None = None
    """The last ``livecode.sync`` carried out: the next one follows it."""
    chat_ids: tuple[str, ...] = ()
    """The chats that sync set."""
    config_id: str | None = None
    """WeCom's id of the live code (``add_join_way``), to update rather than add another."""
    in_flight: bool = False
    """A sync is queued, running or waiting for a person: decide nothing until it settles."""
    rooms: dict[str, Any] | None = None
    """The ``auto_create_room`` parameters that sync set (``None``: off, WeCom opens nothing)."""
