"""Telegram service messages (joins, adds, removals, title changes, pins) → events.

Split from :mod:`shequn.ingest.telegram_map` (one module per kind of message keeps each
under the size the project allows); :class:`ServiceMessages` is the part of
:class:`~shequn.ingest.telegram_map.ChatMapper` that maps a message of ``"type": "service"``.
The table of what becomes which event is in docs/import/telegram.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from shequn.ingest.telegram_parts import Names, Tally, as_list, clean_name, peer_key
from shequn.model.events import Event


class ServiceMessages:
    """Maps service messages through the subclass's ``_event`` (the checks and the chat's
    community, source and group live there)."""

    names: Names
    tally: Tally

    _event: Callable[..., Event]  # ChatMapper._event: checks the event, names the chat

    def _service(self, msg: dict[str, Any], msg_id: int, at: datetime) -> Iterable[Event]:
        action = msg.get("action")
        actor_name = clean_name(msg.get("actor"))
        actor = peer_key(msg.get("actor_id"))
        if actor is None and actor_name is not None:
            actor = self.names.person(actor_name)
        ref = str(msg_id)
        named = {"actor_name": actor_name} if actor_name else {}
        if action in ("invite_members", "create_group"):
            members = as_list(msg.get("members"))
            if action == "create_group":
                if actor is not None:
                    yield self._event("member.joined", at, f"{ref}:joined", actor,
                                      data={"channel": "creator", **named})  # fmt: skip
                if title := clean_name(msg.get("title")):
                    yield self._event(
                        "group.renamed", at, ref, actor, data={"name": title, **named}
                    )
            elif (
                actor is not None
                and len(members) == 1
                and self._is_self(members[0], actor, actor_name)
            ):
                # Joined a public group by themselves (its @username, a t.me link, search).
                yield self._event("member.joined", at, ref, actor,
                                  data={"channel": "public", **named})  # fmt: skip
                return
            yield from self._added(members, actor, actor_name, at, ref)
        elif action == "join_group_by_link":
            if actor is None:
                self.tally.ignored_actions["join_group_by_link without actor"] += 1
                return
            data: dict[str, Any] = {"channel": "link", **named}
            inviter_name = clean_name(msg.get("inviter"))
            inviter = self.names.person(inviter_name) if inviter_name else None
            if inviter is not None and inviter != actor:
                data["inviter"] = inviter
            yield self._event("member.joined", at, ref, actor, data=data)
            if inviter is not None and inviter != actor:
                invited = {"channel": "link", "actor_name": inviter_name}
                if actor_name:
                    invited["subject_name"] = actor_name
                yield self._event(
                    "member.invited", at, f"{ref}:invited", inviter, subject=actor, data=invited
                )
        elif action == "join_group_by_request":
            if actor is not None:
                yield self._event("member.joined", at, ref, actor,
                                  data={"channel": "request", **named})  # fmt: skip
        elif action == "remove_members":
            members = as_list(msg.get("members"))
            yield from self._removed(members, actor, actor_name, at, ref)
        elif action in ("edit_group_title", "create_channel"):
            if title := clean_name(msg.get("title")):
                yield self._event("group.renamed", at, ref, actor, data={"name": title, **named})
        elif action == "pin_message":
            pinned = msg.get("message_id")
            if isinstance(pinned, int):
                yield self._event("message.pinned", at, ref, actor,
                                  data={"message": str(pinned), **named})  # fmt: skip
        else:
            label = action if isinstance(action, str) else "custom text" if (
                "information_text" in msg) else "unknown"  # fmt: skip
            self.tally.ignored_actions[label] += 1

    def _is_self(self, member: object, actor: str, actor_name: str | None) -> bool:
        """Whether a name in ``members`` is the actor: it resolves to the actor's id, or it is
        the actor's name and no id seen with that name rules the actor out."""
        name = clean_name(member)
        if name is None:
            return False
        found = self.names.ids.get(name)
        if found:
            return actor in found and (len(found) == 1 or name == actor_name)
        return name == actor_name

    def _added(
        self, members: list[Any], actor: str | None, actor_name: str | None, at: datetime, ref: str
    ) -> Iterable[Event]:
        """``member.joined`` (channel ``add``) and ``member.invited`` per added member; the
        export lists added members by name only (``SerializeMessage`` ``pushUserNames``)."""
        for n, member in enumerate(members):
            name = clean_name(member)
            if name is None:
                self.tally.nameless_members += 1
                continue
            if actor is not None and self._is_self(member, actor, actor_name):
                continue  # the creator listed among the first members
            who = self.names.person(name)
            joined: dict[str, Any] = {"channel": "add", "actor_name": name}
            if actor is not None:
                joined["inviter"] = actor
            yield self._event("member.joined", at, f"{ref}:joined:{n}", who, data=joined)
            if actor is not None:
                invited = {"channel": "add", "subject_name": name}
                if actor_name:
                    invited["actor_name"] = actor_name
                yield self._event(
                    "member.invited", at, f"{ref}:invited:{n}", actor, subject=who, data=invited
                )

    def _removed(
        self, members: list[Any], actor: str | None, actor_name: str | None, at: datetime, ref: str
    ) -> Iterable[Event]:
        """A member removing themselves left; anyone else was removed by the actor."""
        for n, member in enumerate(members):
            name = clean_name(member)
            one = ref if n == 0 else f"{ref}:{n}"
            if actor is not None and self._is_self(member, actor, actor_name):
                data = {"actor_name": actor_name} if actor_name else {}
                yield self._event("member.left", at, one, actor, data=data)
                continue
            if name is None:
                self.tally.nameless_members += 1
                continue
            removed: dict[str, Any] = {"subject_name": name}
            if actor_name:
                removed["actor_name"] = actor_name
            yield self._event(
                "member.removed", at, one, actor, subject=self.names.person(name), data=removed
            )
