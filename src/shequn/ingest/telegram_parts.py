"""What a Telegram Desktop export's messages are made of: peer ids, display names, text and
its entities, the chats of an export, and the tally of what an import skipped.

Plain functions and records shared by the reader (``ingest/telegram.py``,
``ingest/telegram_account.py``) and the mapping (``ingest/telegram_map.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from shequn.model.events import MAX_KEY

PLATFORM = "telegram"
NAME_KEY = "telegram:name:"
"""Prefix of the placeholder key of someone the export names but never identifies."""

PRIVATE_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "replies"})
"""Chat types that are not a community space: skipped (with a note)."""

MEDIA_KEYS = frozenset(
    {
        "photo",
        "file",
        "media_type",
        "poll",
        "location_information",
        "contact_information",
        "place_name",
        "game_title",
        "invoice_information",
        "giveaway_information",
        "paid_stars_amount",
    }
)
"""Keys the exporter writes only for a message that carries media (SerializeMessage)."""

_PEER = re.compile(r"^(user|channel|chat)?(\d+)$")


def peer_key(value: object) -> str | None:
    """The identity key of an exported peer id: ``user123`` → ``telegram:123``,
    ``channel123`` → ``telegram:channel123`` (a channel or a group posting as itself),
    ``chat123`` → ``telegram:chat123``; a bare number (exports before 2021) is a user."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{PLATFORM}:{value}" if value > 0 else None
    if not isinstance(value, str):
        return None
    m = _PEER.match(value)
    if m is None or not value.isascii():
        return None
    kind, digits = m.groups()
    return f"{PLATFORM}:{digits}" if kind in (None, "user") else f"{PLATFORM}:{kind}{digits}"


def clean_name(name: object) -> str | None:
    """A display name as text, whitespace collapsed; ``None`` for null/empty (deleted accounts)."""
    if not isinstance(name, str):
        return None
    text = " ".join(name.split())
    return text or None


def name_key(name: str) -> str:
    """The placeholder key of someone known only by name: ``telegram:name:Anna Smith``."""
    return (NAME_KEY + name)[:MAX_KEY]


@dataclass
class Names:
    """Display name → the user ids seen with it anywhere in the export (as author, service
    actor or reactor). Service messages name invited and removed members but do not identify
    them; a name seen with exactly one id resolves to it."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    placeholders: set[str] = field(default_factory=set)
    ambiguous: set[str] = field(default_factory=set)
    resolved: int = 0

    def add(self, name: str, key: str) -> None:
        self.ids.setdefault(name, set()).add(key)

    def person(self, name: str) -> str:
        """The identity key for a name: the one id seen with it, else the marked placeholder."""
        found = self.ids.get(name)
        if found is not None and len(found) == 1:
            self.resolved += 1
            return next(iter(found))
        if found:
            self.ambiguous.add(name)
        self.placeholders.add(name)
        return name_key(name)


def plain_text(text: object) -> str:
    """``text`` as one string: it is a string, or a list of strings and entity objects."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(
            p if isinstance(p, str) else str(p.get("text") or "") if isinstance(p, dict) else ""
            for p in text
        )
    return ""


def entities_of(msg: dict[str, Any]) -> list[dict[str, Any]]:
    """The entity objects: ``text_entities`` (exports since 2022) or the objects in ``text``."""
    found = msg.get("text_entities")
    if not isinstance(found, list):
        found = msg.get("text")
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, dict)]


@dataclass
class Chat:
    """What the export says about one chat, and where it sits in the file."""

    index: int = 0
    left: bool = False
    name: str | None = None
    type: str | None = None
    id: object = None

    @property
    def where(self) -> str:
        if self.index < 0:
            return "$"
        part = "left_chats" if self.left else "chats"
        return f"$.{part}.list[{self.index}]"


@dataclass
class Tally:
    """What an import skipped or guessed, for the notes at the end."""

    ignored_actions: Counter[str] = field(default_factory=Counter)
    unsupported: int = 0
    nameless_members: int = 0
    anonymous_reactions: int = 0
    reaction_times_offset: bool = False
    migrated: int = 0


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def reaction_count(reaction: object) -> int:
    """How many reacted with this emoji (``count``; else the reactors listed)."""
    if not isinstance(reaction, dict):
        return 0
    count = reaction.get("count")
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    return len(as_list(reaction.get("recent")))


def raw_text(obj: object) -> str:
    try:
        return orjson.dumps(obj).decode()[:2000]
    except TypeError:
        return repr(obj)[:2000]


def why_ignored(msg: dict[str, Any]) -> str:
    """Why a message gave no event, as the summary lists it."""
    if msg.get("type") == "unsupported":
        return "Telegram messages the exporter marks 'unsupported'"
    if msg.get("type") == "service":
        action = msg.get("action") if isinstance(msg.get("action"), str) else "custom text"
        return f"Telegram service messages with no event ({action})"
    return "Telegram messages with nothing to import"
