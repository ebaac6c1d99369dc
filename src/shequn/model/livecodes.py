"""Group live codes (群活码) and chat invite links on a platform: what shequn last asked the
platform to show.

A live code is a ``live_code`` link (``shequn links create``) mirrored on WeCom as a group
live code listing at most :data:`MAX_GROUPS` groups. The outbox keeps what was synced
(``livecode.sync`` actions: the chats asked for, and the ``config_id`` WeCom answered), so the
routing tick can tell whether the list changed and which live code to update — no table of its
own, and nothing lost by a ``rebuild``. On Telegram each referral link and live code is a chat
invite link per group, its ``member_limit`` kept at the seats left; the ``link.sync`` actions
keep what was synced the same way (:class:`InviteLinkSync`).
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


MAX_MEMBER_LIMIT = 99_999
"""Telegram: an invite link's ``member_limit`` is 1–99,999."""


@dataclass(frozen=True, slots=True)
class InviteLinkSync:
    """Where one link's chat invite link for one group stands (Telegram), from its
    ``link.sync`` actions."""

    link: str
    group: str
    done_id: int | None = None
    """The last ``link.sync`` carried out: the next one follows it."""
    invite_link: str | None = None
    """The URL Telegram made (``createChatInviteLink``), to edit or revoke; ``None``: none."""
    member_limit: int | None = None
    """The limit that sync set."""
    revoked: bool = False
    in_flight: bool = False
    """A sync is queued, running or waiting for a person: decide nothing until it settles."""
    refused: int | None = None
    """The limit (0: a revocation) of a sync the platform refused since the last one done:
    not asked again until the limit wanted changes."""

    @property
    def live(self) -> bool:
        """A link that works on the platform now (made, not revoked)."""
        return self.invite_link is not None and not self.revoked
