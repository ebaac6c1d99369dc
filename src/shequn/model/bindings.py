"""Pure rules of group bindings: where a platform chat's events go.

Imported by connectors and importers (which may import ``model`` only): they are handed the
community's bindings as a plain mapping and ask here for a chat's group, so a bound chat's
updates and exports land in its group and an unbound chat's are kept, never dropped, under a
group that says so (``unbound:telegram:-100123``, listed by ``shequn groups unbound``).
"""

from __future__ import annotations

from collections.abc import Mapping

UNBOUND_PREFIX = "unbound:"

PLATFORMS = ("telegram", "wecom")
"""Platforms a chat can be bound on (those with a live connector)."""


def unbound_group(platform: str, chat: str | int) -> str:
    """The group holding the events of a chat nobody bound yet."""
    return f"{UNBOUND_PREFIX}{platform}:{chat}"


def parse_unbound(group: str) -> tuple[str, str] | None:
    """``(platform, chat)`` of an ``unbound:`` group, else ``None``."""
    if not group.startswith(UNBOUND_PREFIX):
        return None
    platform, _, chat = group[len(UNBOUND_PREFIX) :].partition(":")
    return (platform, chat) if chat else None


def group_for_chat(bindings: Mapping[str, str], platform: str, chat: str | int) -> str:
    """The group a chat's live events go to: its binding, else its ``unbound:`` group.
    ``bindings`` maps chat id (as text) → group slug for one community and platform."""
    return bindings.get(str(chat)) or unbound_group(platform, chat)


def telegram_export_id(chat: str | int) -> str:
    """The id a Telegram Desktop export writes for a Bot API chat id.

    The Bot API writes a supergroup or channel as ``-100`` followed by its id and a basic
    group as its negated id; an export writes the bare id. Bindings hold the Bot API form (what
    ``shequn bot check`` and the webhook show), so imports compare through this.
    """
    text = str(chat).strip()
    if text.startswith("-100") and len(text) > 4:
        return text[4:]
    return text.removeprefix("-")


def export_bindings(platform: str, bindings: Mapping[str, str]) -> dict[str, str]:
    """Chat id as the platform's export writes it → group, for an importer's context."""
    if platform == "telegram":
        return {telegram_export_id(chat): group for chat, group in bindings.items()}
    return dict(bindings)
