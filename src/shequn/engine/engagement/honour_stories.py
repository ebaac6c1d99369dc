"""Honours and role-model stories (P-ENG-8; seed 002: people follow an example they can see).

A manager names a member a role model with their story: ``honour.nominated`` keyed on the
honour's id, and the story published to the group as an action (``honour_story``) — an action
like every message, so it waits in ``shequn actions`` and can still be cancelled before the
worker sends it. Naming the same honour again is one honour and one story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shequn.engine.decisions import Decision, apply, capped_ref
from shequn.errors import Conflict, NotFound
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.org_queries import people
from shequn.store.queries import display_names
from shequn.store.rules_queries import events_by


@dataclass(frozen=True, slots=True)
class Honour:
    """One role model: who, as what, where, with which story, named when and by whom."""

    honour: str
    group: str
    member: str
    title: str
    story: str
    at: datetime
    by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"honour": self.honour, "group": self.group, "member": self.member,
                "title": self.title, "story": self.story, "at": self.at.isoformat(),
                "by": self.by}  # fmt: skip


def honour_id(group: str, member: str, at: datetime) -> str:
    """The default id: the group, the member's short key and the month (one a month each)."""
    short = re.sub(r"[^A-Za-z0-9_-]+", "-", member.split(":", 1)[-1]).strip("-") or "member"
    return f"{group}-{short}-{at:%Y-%m}"


def decide_honour(bp: Blueprint, h: Honour, name: str, source: str) -> Decision:
    """Pure: ``honour.nominated`` and the story published to the group at once."""
    bp.group(h.group)
    if not h.title.strip() or not h.story.strip():
        raise Conflict(Said("an honour needs a title and a story"), honour=h.honour)
    community = bp.community.slug
    data = {"honour": h.honour, "title": h.title.strip(), "story": h.story.strip()}
    event = Event("honour.nominated", h.at, community, source,
                  capped_ref(f"honour:{community}:{h.honour}"), group=h.group, actor=h.by,
                  subject=h.member, data=data)  # fmt: skip
    said = {"template": "honour_story", **data, "name": name}
    return Decision([event], [Action("message.send", community, h.at, h.group, said)])


def nominate(
    store: Store, community: str, member: str, group: str, *, title: str, story: str,
    source: str, honour: str | None = None, by: str | None = None, now: datetime | None = None,
) -> tuple[Honour, bool]:  # fmt: skip
    """Name ``member`` (of ``group``) a role model and publish their story; ``(honour, new)``
    — ``new`` is false when that honour was named before (nothing is published again)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        bp = get_blueprint(conn, community)
        owner_of, _ = people(conn, community)
        if member not in owner_of:
            raise NotFound(
                Said("no member {member!r} in {community!r}", member=member, community=community),
                member=member,
            )
        key = owner_of[member]
        name = display_names(conn, community, [member]).get(member) or key.split(":", 1)[-1]
        h = Honour(honour or honour_id(group, key, at), group, key, title, story, at, by)
        new = apply(conn, decide_honour(bp, h, name, source)).new > 0
    found = {x.honour: x for x in list_honours(store, community)}
    return found[h.honour], new


def list_honours(store: Store, community: str) -> list[Honour]:
    """Every honour, newest first."""
    with store.read() as conn:
        found = events_by(conn, community, ("honour.nominated",))
    out = [
        Honour(str(e.data["honour"]), e.group or "", e.subject or "", str(e.data["title"]),
               str(e.data["story"]), e.occurred_at, e.actor)
        for _, e in found
    ]  # fmt: skip
    return out[::-1]


__all__ = ["Honour", "decide_honour", "honour_id", "list_honours", "nominate"]
