"""Content entries (P-CHN-3): an article or page that brings members in through its footer.

Seed 003's operators end every article with the group's QR code; to know which piece brought
whom, each piece gets a live code of its own. An entry is a ``content.entry_created`` event and
a ``link.created`` live code into the group whose channel is ``content:<entry>``; the door
routes a scan of it like any live code and puts that channel on the ``member.admit`` it asks
for, so the ``member.joined`` the platform reports — and the membership's ``join_channel`` —
name the piece. The joins per piece are read back from the memberships, and the funnel's
channel segments show them too. The footer block itself (HTML or Markdown, with the poster's
QR code) is drawn by ``api/content_footer.py``.

Creating the same entry again (the same id; by default the id comes from the URL) is one entry
with one live code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shequn.engine.decisions import Decision, apply, capped_ref
from shequn.engine.links import decide_link, link_url, new_code
from shequn.errors import InvalidEvent, NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.content_queries import joins_by_channel
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.rules_queries import events_by

PREFIX = "content:"
"""The join channel of an entry's live code: ``content:<entry>``."""
ENTRY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,47}")
"""An entry id: short enough for the 64-character join channel with its prefix."""


@dataclass(frozen=True, slots=True)
class ContentEntry:
    """One piece of content and its live code; ``joined`` and ``staying`` are the persons who
    joined the group through it and those of them still in it (filled when listed)."""

    entry: str
    title: str
    url: str
    group: str
    link: str
    at: datetime
    by: str | None = None
    joined: int = 0
    staying: int = 0
    link_url: str = ""

    @property
    def channel(self) -> str:
        return PREFIX + self.entry

    def to_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "title": self.title, "url": self.url, "group": self.group,
                "link": self.link, "link_url": self.link_url, "channel": self.channel,
                "at": self.at.isoformat(), "by": self.by, "joined": self.joined,
                "staying": self.staying}  # fmt: skip


def entry_id(url: str) -> str:
    """The default id: stable for a URL, so publishing the same piece twice is one entry."""
    return "e-" + hashlib.sha256(url.strip().encode()).hexdigest()[:10]


def decide_entry(bp: Blueprint, e: ContentEntry, source: str) -> Decision:
    """Pure: the piece's live code into its group and the ``content.entry_created`` naming it."""
    bp.group(e.group)  # NotFound names the group
    if not ENTRY_ID.fullmatch(e.entry):
        raise InvalidEvent(
            Said("an entry id is letters, digits, - and _ (at most 48)"), field="entry"
        )
    if not e.title.strip():
        raise InvalidEvent(Said("a content entry needs a title"), field="title")
    if not re.match(r"https?://\S+$", e.url.strip()):
        raise InvalidEvent(Said("the piece's URL must start with http:// or https://"), field="url")
    link = decide_link(bp, purpose="live_code", groups=[e.group], now=e.at, code=e.link,
                       channel=e.channel, source=source)  # fmt: skip
    data = {"entry": e.entry, "title": e.title.strip(), "url": e.url.strip(), "link": e.link,
            "channel": e.channel}  # fmt: skip
    created = Event("content.entry_created", e.at, bp.community.slug, source,
                    capped_ref(f"content-entry:{bp.community.slug}:{e.entry}"), group=e.group,
                    actor=e.by, data=data)  # fmt: skip
    return Decision(events=[*link.events, created])


def create_entry(
    store: Store, community: str, *, title: str, url: str, group: str, source: str,
    entry: str | None = None, by: str | None = None, now: datetime | None = None,
) -> tuple[ContentEntry, bool]:  # fmt: skip
    """Give a piece of content its entry; ``(entry, new)`` — ``new`` is false when that entry
    exists already (it keeps its live code; nothing is recorded again)."""
    at = now or datetime.now(UTC)
    wanted = entry or entry_id(url)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        known = _created(conn, community)
        new = wanted not in known
        if new:
            one = ContentEntry(wanted, title, url, group, new_code(), at, by)
            apply(conn, decide_entry(bp, one, source))
    return show(store, community, wanted), new


def _created(conn: Any, community: str) -> dict[str, ContentEntry]:
    found: dict[str, ContentEntry] = {}
    for _, e in events_by(conn, community, ("content.entry_created",)):
        d = e.data
        found.setdefault(str(d["entry"]), ContentEntry(
            str(d["entry"]), str(d["title"]), str(d["url"]), e.group or "", str(d["link"]),
            e.occurred_at, e.actor,
        ))  # fmt: skip
    return found


def list_entries(
    store: Store, community: str, groups: list[str] | None = None, *, entry: str | None = None
) -> list[ContentEntry]:
    """The entries (of ``groups``; every one when ``None``; only ``entry`` when named), newest
    first, with the persons each brought into its group and how many of them are still there.
    The joins are counted for the listed entries' channels only."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        found = [
            e
            for e in _created(conn, community).values()
            if (groups is None or e.group in groups) and (entry is None or e.entry == entry)
        ]
        counts = joins_by_channel(conn, community, [e.channel for e in found])
    return [
        _with(bp, e, *counts.get(e.channel, (0, 0)))
        for e in sorted(found, key=lambda e: (e.at, e.entry), reverse=True)
    ]


def _with(bp: Blueprint, e: ContentEntry, joined: int, staying: int) -> ContentEntry:
    return ContentEntry(e.entry, e.title, e.url, e.group, e.link, e.at, e.by, joined, staying,
                        link_url(bp, e.link))  # fmt: skip


def show(store: Store, community: str, entry: str) -> ContentEntry:
    """One entry with its joins; NotFound when there is none."""
    for e in list_entries(store, community, entry=entry):
        return e
    raise NotFound(
        Said("no content entry {entry!r} in {community!r}", entry=entry, community=community),
        entry=entry,
    )


__all__ = ["ContentEntry", "create_entry", "decide_entry", "entry_id", "list_entries", "show"]
