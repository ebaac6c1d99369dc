"""DiscordChatExporter's JSON export (one channel per file) → events.

DiscordChatExporter (Tyrrrz/DiscordChatExporter, ``-f Json``) writes one JSON document per
channel: ``guild`` and ``channel`` first, then ``dateRange``, ``exportedAt``, the ``messages``
array and ``messageCount`` last. The document is streamed with ``ijson`` so a channel with
millions of messages costs no more memory than one message.

What the file carries, and where it was learned (facts only, no code taken):

- ``DiscordChatExporter.Core/Exporting/JsonMessageWriter.cs`` (WritePreambleAsync,
  WriteMessageAsync, WriteUserAsync, WriteEmojiAsync): field names, nesting and order;
  ``reactions[].users`` exists since 2.40.4 (commit d00ecf0c, "Export reaction users in JSON
  format"); ``reference.type`` and ``forwardedMessage`` since 2.47 (commit b533e08d).
- ``DiscordChatExporter.Core/Discord/Data/MessageKind.cs``: ``type`` is the enum name
  (``Default``, ``RecipientAdd``, ``RecipientRemove``, ``Call``, ``ChannelNameChange``,
  ``ChannelIconChange``, ``ChannelPinnedMessage``, ``GuildMemberJoin``, ``ThreadCreated``,
  ``Reply``); kinds the enum does not name come out as their number (``"20"`` is a slash
  command's reply, per https://discord.com/developers/docs/resources/message#message-object-message-types).
- ``DiscordChatExporter.Core/Exporting/PlainTextMessageExtensions.cs`` (GetFallbackContent):
  system messages' ``content`` is a fixed English sentence; a rename reads
  ``"Changed the channel name: <new name>"``; a ``RecipientRemove`` whose author is the
  removed user means they left.
- ``DiscordChatExporter.Core/Discord/Data/Emoji.cs``: a standard emoji has ``id: ""`` and its
  character as ``name``; a custom emoji has its snowflake ``id`` and its name.

Mapping (see docs/import/discord.md): messages → ``message.posted``; ``GuildMemberJoin`` →
``member.joined``; ``RecipientAdd`` → ``member.joined`` + ``member.invited``;
``RecipientRemove`` → ``member.left`` or ``member.removed``; ``ChannelPinnedMessage`` →
``message.pinned``; ``ChannelNameChange`` → ``group.renamed``; one ``message.reacted`` per
reacting user listed. Everything else is counted in a note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ijson
import orjson

from shequn.errors import InputFormatError, InvalidEvent
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.shape import FOUND, cause, expect
from shequn.ingest.text import message_data
from shequn.model.events import Event, identity_key
from shequn.model.i18n import N_, Said

PLATFORM = "discord"
_MESSAGE_KINDS = {"Default", "Reply", "20", "23"}  # 20/23: slash and context-menu replies
_RENAME_PREFIX = "Changed the channel name: "


class DiscordImporter:
    """``shequn import`` for one DiscordChatExporter JSON file (one channel)."""

    name = "discord"
    description = "DiscordChatExporter JSON export (-f Json), versions 2.30 to 2.47"

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
        return (
            start.startswith(b"{")
            and b'"guild"' in start
            and b'"channel"' in start
            and (b'"messages"' in head or b'"exportedAt"' in start)
        )

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        try:
            fp = ctx.open(ctx.path)
        except OSError as e:
            raise InputFormatError(
                str(ctx.path), None, Said("cannot open: {error}", error=str(e))
            ) from None
        with fp:
            yield from _Reader(ctx).run(fp)


class _Reader:
    """One pass over one export: header first, then each message as it is parsed."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.guild: dict[str, Any] | None = None
        self.channel: dict[str, Any] | None = None
        self.channel_id = self.group = ""
        self.skipped: Counter[str] = Counter()
        self.reactions_without_users = 0

    def run(self, fp: Any) -> Iterator[Item]:
        index, where = 0, "$"
        builder: Any = None
        target = ""
        has_messages = False
        try:
            for prefix, event, value in ijson.parse(fp, use_float=True):
                if builder is None:
                    if prefix == "messages" and event in FOUND:
                        expect(
                            event, "start_array", str(self.ctx.path), "$.messages", N_("messages")
                        )
                        has_messages = True
                    if event != "start_map" or prefix not in ("guild", "channel", "messages.item"):
                        continue
                    builder, target = ijson.ObjectBuilder(), prefix
                    where = f"$.messages[{index}]" if prefix == "messages.item" else f"$.{prefix}"
                builder.event(event, value)
                if prefix == target and event == "end_map":
                    obj, builder = builder.value, None
                    if target == "guild":
                        self.guild = obj
                    elif target == "channel":
                        self.channel = obj
                    else:
                        yield from self._message(obj, where)
                        index += 1
                        where = f"$.messages[{index}]"  # a cut between messages: the next
        except (ijson.JSONError, UnicodeDecodeError, ValueError, OSError) as e:
            raise InputFormatError(
                str(self.ctx.path),
                where,
                Said("not a complete DiscordChatExporter JSON file: {error}", error=str(e)),
            ) from None
        if self.channel is None:
            raise InputFormatError(
                str(self.ctx.path),
                "$",
                Said("no channel object: is this a DiscordChatExporter export?"),
            )
        if not has_messages:
            raise InputFormatError(
                str(self.ctx.path), "$", Said("no 'messages' list in the export")
            )
        self._notes()

    # --- one message ----------------------------------------------------------------------

    def _message(self, raw: Any, where: str) -> Iterator[Item]:
        if not self.group:
            self._header(where)
        self.ctx.record()
        try:
            events = list(self._map(raw))
        except (KeyError, TypeError, ValueError, AttributeError, InvalidEvent) as e:
            why = Said("cannot map message: {reason}", reason=cause(e))
            yield Rejected(where, why, _raw(raw))
            return
        if not events:  # a kind with no event: counted by kind in self.skipped, and here
            kind = str(raw.get("type"))
            self.ctx.ignore(f"Discord messages with no event kind ({kind})")
        yield from events

    def _map(self, m: dict[str, Any]) -> Iterator[Event]:
        kind = str(m["type"])
        author = m["author"]
        actor = identity_key(PLATFORM, _id(author))
        name = _name(author)
        at = self._time(m["timestamp"])
        ref = _id(m)
        content = m.get("content") or ""
        if kind in _MESSAGE_KINDS:
            yield self._event("message.posted", at, ref, actor, data=self._posted(m, name))
            yield from self._reactions(m, at, ref, actor, name)
        elif kind == "GuildMemberJoin":
            yield self._event("member.joined", at, ref, actor, data={"actor_name": name})
        elif kind == "RecipientAdd":
            yield from self._recipient_add(m, at, ref, actor, name)
        elif kind == "RecipientRemove":
            yield from self._recipient_remove(m, at, ref, actor, name)
        elif kind == "ChannelPinnedMessage":
            data = {"actor_name": name}
            target = (m.get("reference") or {}).get("messageId")
            if target:
                data["message"] = str(target)
            yield self._event("message.pinned", at, ref, actor, data=data)
        elif kind == "ChannelNameChange":
            new = content.removeprefix(_RENAME_PREFIX).strip()
            if not new or new == "Changed the channel name.":
                self.skipped["ChannelNameChange without the new name"] += 1
                return
            data = {"name": new, "actor_name": name}
            yield self._event("group.renamed", at, ref, actor, data=data)
        else:
            self.skipped[kind] += 1

    def _posted(self, m: dict[str, Any], name: str) -> dict[str, Any]:
        text = m.get("content") or ""
        forwarded = m.get("forwardedMessage")
        reference = m.get("reference") or {}
        media = bool(m.get("attachments") or m.get("stickers"))
        forwarded_from = None
        if isinstance(forwarded, dict) or reference.get("type") == "Forward":
            forwarded_from = "discord:" + "/".join(
                str(reference.get(k) or "?") for k in ("guildId", "channelId", "messageId")
            )
            if isinstance(forwarded, dict):
                text = text or forwarded.get("content") or ""
                media = media or bool(forwarded.get("attachments") or forwarded.get("stickers"))
        reply_to = None
        same_channel = str(reference.get("channelId") or self.channel_id) == self.channel_id
        if m["type"] == "Reply" and reference.get("messageId") and same_channel:
            reply_to = str(reference["messageId"])
        mentions = list(
            dict.fromkeys(identity_key(PLATFORM, _id(u)) for u in m.get("mentions") or [])
        )
        data = message_data(
            text,
            has_media=media,
            reply_to=reply_to,
            mentions=mentions,
            forwarded_from=forwarded_from,
            actor_name=name,
        )
        if m.get("isPinned") is True:
            data["is_pinned"] = True
        if m["author"].get("isBot") is True:
            data["is_bot"] = True
        return data

    def _reactions(
        self, m: dict[str, Any], at: datetime, ref: str, author: str, author_name: str
    ) -> Iterator[Event]:
        for reaction in m.get("reactions") or []:
            emoji = reaction["emoji"]
            label = str(emoji.get("name") or emoji.get("code") or "?")
            key = str(emoji.get("id") or label)
            users = reaction.get("users")
            if users is None:
                self.reactions_without_users += int(reaction.get("count") or 0)
                continue
            for user in users:
                data = {"message": ref, "emoji": label, "subject_name": author_name}
                data["actor_name"] = _name(user)
                yield self._event(
                    "message.reacted",
                    at,
                    f"{ref}:reaction:{key}:{_id(user)}",
                    identity_key(PLATFORM, _id(user)),
                    subject=author,
                    data=data,
                )

    def _recipient_add(
        self, m: dict[str, Any], at: datetime, ref: str, actor: str, name: str
    ) -> Iterator[Event]:
        added = (m.get("mentions") or [None])[0]
        if not isinstance(added, dict):
            raise ValueError(Said("RecipientAdd without the added user in mentions"))
        invitee, invitee_name = identity_key(PLATFORM, _id(added)), _name(added)
        yield self._event(
            "member.joined",
            at,
            ref,
            invitee,
            data={"channel": "add", "inviter": actor, "actor_name": invitee_name},
        )
        yield self._event(
            "member.invited",
            at,
            f"{ref}:invited",
            actor,
            subject=invitee,
            data={"channel": "add", "actor_name": name, "subject_name": invitee_name},
        )

    def _recipient_remove(
        self, m: dict[str, Any], at: datetime, ref: str, actor: str, name: str
    ) -> Iterator[Event]:
        gone = (m.get("mentions") or [None])[0]
        if not isinstance(gone, dict):
            raise ValueError(Said("RecipientRemove without the removed user in mentions"))
        member = identity_key(PLATFORM, _id(gone))
        if member == actor:
            yield self._event("member.left", at, ref, actor, data={"actor_name": name})
        else:
            data = {"actor_name": name, "subject_name": _name(gone)}
            yield self._event("member.removed", at, ref, actor, subject=member, data=data)

    # --- helpers --------------------------------------------------------------------------

    def _header(self, where: str) -> None:
        """Channel id and group slug, once guild and channel (which precede messages) are read."""
        if not isinstance(self.guild, dict) or not isinstance(self.channel, dict):
            raise InputFormatError(
                str(self.ctx.path), where, Said("messages before guild and channel: not an export")
            )
        try:
            self.channel_id = _id(self.channel)
        except (KeyError, ValueError):
            raise InputFormatError(
                str(self.ctx.path), "$.channel.id", Said("no channel id")
            ) from None
        names = (self.guild.get("name"), self.channel.get("name"))
        title = " ".join(str(x) for x in names if x)
        self.group = self.ctx.group_for(self.channel_id, title or None)

    def _event(
        self,
        kind: str,
        at: datetime,
        ref: str,
        actor: str | None,
        *,
        subject: str | None = None,
        data: dict[str, Any],
    ) -> Event:
        return Event(
            kind=kind,
            occurred_at=at,
            community=self.ctx.community,
            source=f"discord-export:{self.channel_id}",
            source_ref=ref,
            group=self.group,
            actor=actor,
            subject=subject,
            data=data,
        )

    def _time(self, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError(Said("timestamp {value!r} is not text", value=value))
        at = datetime.fromisoformat(value)
        return at if at.tzinfo is not None else self.ctx.localize(at)

    def _notes(self) -> None:
        for kind, n in sorted(self.skipped.items()):
            self.ctx.note(
                Said("{n} Discord message(s) of type {kind} have no event kind: skipped", n=n,
                     kind=kind)
            )  # fmt: skip
        if self.reactions_without_users:
            self.ctx.note(
                Said(
                    "{n} reaction(s) without the list of who reacted (export made before "
                    "DiscordChatExporter 2.40.4): not imported",
                    n=self.reactions_without_users,
                )
            )


def _id(obj: Any) -> str:
    value = obj["id"]
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ValueError(Said("id {value!r} is not a Discord snowflake", value=value))
    return str(value)


def _name(user: dict[str, Any]) -> str:
    """The name people see: the server nickname (or global display name), else the username."""
    return str(user.get("nickname") or user.get("name") or user["id"])


def _raw(obj: Any) -> str:
    try:
        return orjson.dumps(obj, default=str).decode()[:2000]
    except TypeError:
        return repr(obj)[:2000]
