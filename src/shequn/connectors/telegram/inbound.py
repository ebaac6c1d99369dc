"""Telegram updates → events: pure, no I/O, the same for long polling and the webhook.

Takes the Bot API's JSON (``Update`` objects as documented at core.telegram.org/bots/api) and
yields :class:`Event`s for the interface to hand to ``engine.inbound.receive``. Chats become
groups through the community's bindings (an unbound chat's events are kept under
``unbound:telegram:<chat>``); people become identity keys ``telegram:<user id>``.

Idempotent by construction: ``source`` is ``telegram-bot:<bot id>``, ``source_ref`` is
``<chat>:<message id>`` for messages and ``<chat>:u<update id>`` for the rest, so an update
delivered twice (a webhook retry, a poll repeated after a crash) adds nothing.

Joins and leaves come from ``chat_member`` updates only (the bot must be an admin and ask for
them in ``allowed_updates``): they say who added whom and through which invite link. The
service messages ``new_chat_members`` / ``left_chat_member`` report the same moves a second
time under another id, so they are not mapped (``shequn bot check`` says when the bot is not
an admin and would miss joins).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shequn.model.bindings import group_for_chat
from shequn.model.bot_text import split_command
from shequn.model.events import Event
from shequn.model.text import message_data

PLATFORM = "telegram"

MEDIA_KEYS = frozenset(
    {"photo", "video", "animation", "audio", "voice", "video_note", "document", "sticker"}
)
PRESENT = frozenset({"member", "administrator", "creator"})
GONE = frozenset({"left", "kicked"})
ONE_USE = " (1)"
"""The end of a one-use admission link's name: ``<code> (1)``."""


@dataclass(frozen=True, slots=True)
class KnownLink:
    """One of our links, as the invite link's ``name`` carries its code: who gets the credit."""

    inviter: str | None = None
    channel: str | None = None
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A command a member wrote to the bot privately: ``/start ref-li``."""

    identity: str
    name: str
    args: str
    ref: str
    at: datetime


@dataclass(slots=True)
class Inbound:
    """What the mapper needs to know of the community: the bot, the bindings, our links."""

    community: str
    bot_id: int
    bindings: Mapping[str, str] = field(default_factory=dict)
    """Bot API chat id (text) → group slug."""
    links: Mapping[str, KnownLink] = field(default_factory=dict)
    """Invite-link name (our link code) → whom a join through it is attributed to."""

    @property
    def source(self) -> str:
        return f"telegram-bot:{self.bot_id}"

    def events(self, updates: Iterable[Mapping[str, Any]]) -> Iterator[Event]:
        """The events of ``updates`` in order; updates that carry no community fact (private
        chats, edits, the bot's own messages) yield nothing."""
        for update in updates:
            yield from self.of(update)

    def commands(self, updates: Iterable[Mapping[str, Any]]) -> Iterator[Command]:
        """``/name args`` written to the bot in private (groups' commands are talk); a plain
        text is a command without a name (``name`` ``""``, the text in ``args``: an answer
        to the intake card, say)."""
        for update in updates:
            msg = update.get("message") or {}
            text = str(msg.get("text") or "")
            if msg.get("chat", {}).get("type") != "private" or not text.strip():
                continue
            name, args = split_command(text)
            at = datetime.fromtimestamp(int(msg["date"]), UTC)
            ref = f"{msg['chat']['id']}:{msg['message_id']}"
            yield Command(user_key(msg["from"]), name, args, ref, at)

    def of(self, update: Mapping[str, Any]) -> list[Event]:
        uid = int(update["update_id"])
        if "message" in update:
            return self._message(update["message"])
        if "chat_member" in update:
            return self._member(update["chat_member"], uid)
        if "chat_join_request" in update:
            return self._join_request(update["chat_join_request"], uid)
        if "message_reaction" in update:
            return self._reaction(update["message_reaction"], uid)
        return []

    # -- helpers ---------------------------------------------------------------------
    def _group(self, chat: Mapping[str, Any]) -> str | None:
        if chat.get("type") not in ("group", "supergroup"):
            return None  # private chats and channels are not groups of the matrix
        return group_for_chat(self.bindings, PLATFORM, chat["id"])

    def _event(
        self,
        kind: str,
        payload: Mapping[str, Any],
        group: str,
        ref: str,
        actor: str | None,
        *,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        return Event(
            kind=kind,
            occurred_at=datetime.fromtimestamp(int(payload["date"]), UTC),
            community=self.community,
            group=group,
            source=self.source,
            source_ref=ref,
            actor=actor,
            subject=subject,
            data=data or {},
        )

    # -- messages --------------------------------------------------------------------
    def _message(self, msg: Mapping[str, Any]) -> list[Event]:
        chat = msg["chat"]
        group = self._group(chat)
        sender = msg.get("from")
        if group is None or sender is None or sender.get("id") == self.bot_id:
            return []
        ref = f"{chat['id']}:{msg['message_id']}"
        actor = user_key(sender)
        if "new_chat_title" in msg:
            title = {"name": str(msg["new_chat_title"])}
            return [self._event("group.renamed", msg, group, ref, actor, data=title)]
        if "pinned_message" in msg:
            pinned = f"{chat['id']}:{msg['pinned_message']['message_id']}"
            return [self._event("message.pinned", msg, group, ref, actor, data={"message": pinned})]
        if "text" not in msg and "caption" not in msg and MEDIA_KEYS.isdisjoint(msg):
            return []  # service messages (joins, leaves, migration) carry no talk
        return [self._event("message.posted", msg, group, ref, actor, data=message_of(msg))]

    def _reaction(self, r: Mapping[str, Any], uid: int) -> list[Event]:
        group, user = self._group(r["chat"]), r.get("user")
        if group is None or user is None or not r.get("new_reaction"):
            return []
        emoji = next((x.get("emoji") for x in r["new_reaction"] if x.get("emoji")), None)
        data: dict[str, Any] = {"message": f"{r['chat']['id']}:{r['message_id']}"}
        if emoji:
            data["emoji"] = emoji
        ref = f"{r['chat']['id']}:u{uid}"
        return [self._event("message.reacted", r, group, ref, user_key(user), data=data)]

    # -- members ---------------------------------------------------------------------
    def _member(self, u: Mapping[str, Any], uid: int) -> list[Event]:
        group = self._group(u["chat"])
        if group is None:
            return []
        old, new = u["old_chat_member"], u["new_chat_member"]
        user = new["user"]
        if user.get("id") == self.bot_id:
            return []  # the bot's own membership: my_chat_member, ``shequn bot check``
        ref, who = f"{u['chat']['id']}:u{uid}", user_key(user)
        by = user_key(u["from"])
        if not is_member(old) and is_member(new):
            data = self._join_data(u, who, by)
            joined = self._event("member.joined", u, group, ref, who, data=data)
            return [*self._touch(u, group, ref, who), joined]
        if is_member(old) and not is_member(new):
            if by == who:
                return [self._event("member.left", u, group, ref, who)]
            return [self._event("member.removed", u, group, ref, by, subject=who)]
        return []

    def _known(self, u: Mapping[str, Any]) -> tuple[str, KnownLink] | None:
        """The link of ours the join came by, from the invite link's name (a one-use admission
        link's name ends in :data:`ONE_USE`), with its code."""
        link = u.get("invite_link")
        name = str(link.get("name") or "") if link else ""
        code = name.removesuffix(ONE_USE)
        known = self.links.get(code)
        return (code, known) if known is not None else None

    def _touch(self, u: Mapping[str, Any], group: str, ref: str, who: str) -> list[Event]:
        """A join straight through one of our shared invite links is the referral's touch
        too (``member.invited``: it counts in the owner's campaign); a one-use admission link
        was sent after a knock that recorded the touch already."""
        found = self._known(u)
        name = str((u.get("invite_link") or {}).get("name") or "")
        if found is None or found[1].inviter is None or name.endswith(ONE_USE):
            return []
        code, known = found
        data = {"channel": known.channel, "link": code, "campaign": known.campaign}
        return [
            self._event(
                "member.invited", u, group, f"{ref}:i", known.inviter, subject=who,
                data={k: v for k, v in data.items() if v},
            )
        ]  # fmt: skip

    def _join_data(self, u: Mapping[str, Any], who: str, by: str) -> dict[str, Any]:
        data: dict[str, Any] = {"actor_name": display_name(u["new_chat_member"]["user"])}
        link = u.get("invite_link")
        found = self._known(u)
        known = found[1] if found else None
        if known is not None:
            credit = {"inviter": known.inviter, "channel": known.channel}
            data |= credit | {"campaign": known.campaign}
        elif link is not None:
            data["channel"] = "invite_link"
        elif by != who:
            data |= {"inviter": by, "channel": "added"}
        if u.get("via_join_request"):
            data.setdefault("channel", "join_request")
        return {k: v for k, v in data.items() if v}

    def _join_request(self, r: Mapping[str, Any], uid: int) -> list[Event]:
        group = self._group(r["chat"])
        if group is None:
            return []
        data: dict[str, Any] = {"actor_name": display_name(r["from"])}
        link = r.get("invite_link")
        if link and link.get("name") and str(link["name"]) in self.links:
            data["link"] = str(link["name"])
        ref = f"{r['chat']['id']}:u{uid}"
        return [
            self._event(
                "entry.requested",
                r,
                group,
                ref,
                user_key(r["from"]),
                data={k: v for k, v in data.items() if v},
            )
        ]


def user_key(user: Mapping[str, Any]) -> str:
    """The identity key of a Telegram user: ``telegram:<id>`` (the id never changes)."""
    return f"{PLATFORM}:{user['id']}"


def display_name(user: Mapping[str, Any]) -> str | None:
    name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k)).strip()
    return name or user.get("username") or None


def is_member(m: Mapping[str, Any]) -> bool:
    status = m.get("status")
    return status in PRESENT or (status == "restricted" and bool(m.get("is_member")))


def message_of(msg: Mapping[str, Any]) -> dict[str, Any]:
    """``message.posted`` data from a Bot API message: the importers' mapping
    (:func:`shequn.model.text.message_data`) fed with what the Bot API says."""
    text = str(msg.get("text") or msg.get("caption") or "")
    entities = list(msg.get("entities") or msg.get("caption_entities") or [])
    mentions = [user_key(e["user"]) for e in entities if e.get("type") == "text_mention"]
    reply = msg.get("reply_to_message")
    origin = msg.get("forward_origin")
    data = message_data(
        text,
        has_media=not MEDIA_KEYS.isdisjoint(msg),
        reply_to=f"{msg['chat']['id']}:{reply['message_id']}" if reply else None,
        mentions=list(dict.fromkeys(mentions)),
        forwarded_from=_origin_name(origin) if origin else None,
        actor_name=display_name(msg["from"]),
    )
    if any(e.get("type") in ("url", "text_link") for e in entities):
        data["has_link"] = True
    return data


def _origin_name(origin: Mapping[str, Any]) -> str:
    for key in ("sender_user", "sender_chat", "chat"):
        if key in origin:
            who = origin[key]
            return str(display_name(who) or who.get("title") or who.get("id"))
    return str(origin.get("sender_user_name") or "hidden")
