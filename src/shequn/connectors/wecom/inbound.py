"""WeCom callbacks → events: pure functions of the decrypted XML and what ``groupchat/get`` said.

A callback is parsed into a :class:`Callback` (every field as WeCom sent it), and
:func:`events_for` turns it into shequn events. Idempotency is on the *full* callback: the
``source_ref`` of each event hashes every field of the callback plus the member it is about, so
two distinct changes in one second (a join and a leave, two joins of one person between a
leave) stay two facts, while WeCom re-delivering the same callback adds nothing. (Keying on
``CreateTime`` alone, a second, is the known bug this avoids.)

Which group a chat is: the caller passes ``chat → group slug`` (the groups' ``chat_id``);
a chat no group claims yields no events — :func:`unbound_chat` says which, so the operator can
bind it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import defusedxml.ElementTree as SafeXML

from shequn.model.bindings import unbound_group
from shequn.model.events import Event
from shequn.model.i18n import Said

PLATFORM = "wecom"

JOIN_SCENES = {"0": "invited", "1": "invited", "2": "link", "3": "qr"}
"""``JoinScene``: 0 invited by a group member, 1 invited directly, 2 by the invite link,
3 by scanning the group's QR code (a live code too)."""
QUIT_SCENES = {"0": "left", "1": "removed"}
"""``QuitScene``: 0 left of their own accord, 1 removed by the owner."""
MEMBER_JOIN_SCENES = {1: "invited", 2: "link", 3: "qr"}
"""``groupchat/get``'s ``join_scene`` of a member (1 invited, 2 link, 3 QR code)."""


@dataclass(frozen=True, slots=True)
class Callback:
    """One decrypted callback: its XML fields by tag, and the ``MemChangeList`` items."""

    fields: dict[str, str]
    members: tuple[str, ...] = ()

    @property
    def event(self) -> str:
        return self.fields.get("Event", "")

    @property
    def change(self) -> str:
        return self.fields.get("ChangeType", "")

    @property
    def detail(self) -> str:
        return self.fields.get("UpdateDetail", "")

    @property
    def chat_id(self) -> str:
        return self.fields.get("ChatId", "")

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(int(self.fields.get("CreateTime") or 0), UTC)

    def needs_chat(self) -> bool:
        """Whether turning it into events needs ``groupchat/get`` (who joined, by which code)."""
        return self.event == "change_external_chat" and self.detail == "add_member"

    def digest(self) -> str:
        body = json.dumps([sorted(self.fields.items()), self.members], ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:20]


def parse(xml: bytes) -> Callback:
    """The decrypted callback's fields; raises ``ValueError`` for XML that is not one."""
    try:
        root = SafeXML.fromstring(xml)
    except Exception as e:
        raise ValueError(
            Said("the callback is not safe XML ({error})", error=type(e).__name__)
        ) from None
    fields: dict[str, str] = {}
    members: list[str] = []
    for child in root:
        if child.tag == "MemChangeList":
            members.extend((item.text or "").strip() for item in child if item.text)
        elif len(child) == 0:
            fields[str(child.tag)] = (child.text or "").strip()
    return Callback(fields, tuple(members))


@dataclass(frozen=True, slots=True)
class ChatMember:
    """A member of a customer group as ``groupchat/get`` lists them."""

    userid: str
    type: int = 2
    join_time: int = 0
    join_scene: int | None = None
    state: str | None = None
    invitor: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Context:
    """What the caller knows around the callback: the corp, the community, the chats."""

    corp_id: str
    community: str
    groups: Mapping[str, str]
    """WeCom chat id → group slug."""
    chat_members: Sequence[ChatMember] = ()
    """``groupchat/get``'s member list, for ``add_member``."""
    channels: Mapping[str, str] = field(default_factory=dict)
    """Live-code ``state`` → (channel, campaign) is ``state`` itself unless mapped here."""

    @property
    def source(self) -> str:
        return f"{PLATFORM}:{self.corp_id}"


def identity(userid: str) -> str:
    return f"{PLATFORM}:{userid}"


def unbound_chat(cb: Callback, ctx: Context) -> str | None:
    """The chat id of a group-chat callback no group is bound to (``None`` if bound or n/a)."""
    if cb.event == "change_external_chat" and cb.chat_id not in ctx.groups:
        return cb.chat_id
    return None


def events_for(cb: Callback, ctx: Context) -> list[Event]:
    """The events one callback means (none for kinds shequn does not track)."""
    if cb.event == "change_external_chat":
        return _chat_events(cb, ctx)
    if cb.event == "change_external_contact":
        return _contact_events(cb, ctx)
    return []


def _event(cb: Callback, ctx: Context, kind: str, ref: str, **kw: Any) -> Event:
    return Event(
        kind=kind,
        occurred_at=kw.pop("at", cb.at),
        community=ctx.community,
        source=ctx.source,
        source_ref=f"{ref}:{cb.digest()}",
        **kw,
    )


def _chat_events(cb: Callback, ctx: Context) -> list[Event]:
    group = ctx.groups.get(cb.chat_id)
    if group is None:
        return []
    ref = f"chat:{cb.chat_id}:{cb.change}:{cb.detail}"
    if cb.change == "update" and cb.detail == "add_member":
        return [_joined(cb, ctx, group, ref, m) for m in _joined_members(cb, ctx)]
    if cb.change == "update" and cb.detail == "del_member":
        scene = QUIT_SCENES.get(cb.fields.get("QuitScene", "0"), "left")
        kind = "member.removed" if scene == "removed" else "member.left"
        return [
            _event(
                cb,
                ctx,
                kind,
                f"{ref}:{m}",
                group=group,
                **(
                    {"subject": identity(m)} if kind == "member.removed" else {"actor": identity(m)}
                ),
                data={
                    "quit_scene": scene,
                    **(
                        {"reason": "removed by the group owner"} if kind == "member.removed" else {}
                    ),
                },
            )
            for m in cb.members
        ]
    if cb.change == "update" and cb.detail == "change_name":
        return []  # the new name needs groupchat/get: the caller adds group.renamed from it
    return []  # create and change_owner: owner_event; dismiss, change_notice: not facts


OWNER_REASONS = {"create": "created", "change_owner": "transferred"}


def needs_owner(cb: Callback) -> bool:
    """Whether the callback is about a chat's owner (its creation, a handover): recorded even
    for a chat no group claims yet, since WeCom makes groups itself (``auto_create_room``)."""
    return cb.event == "change_external_chat" and (
        cb.change == "create" or cb.detail == "change_owner"
    )


def owner_event(cb: Callback, ctx: Context, owner: str, known: str | None) -> Event | None:
    """``group.owner_changed`` when ``groupchat/get`` names an ``owner`` other than the one
    recorded (``known``); an unbound chat's goes to its ``unbound:wecom:…`` group."""
    if cb.event != "change_external_chat":
        return None
    reason = OWNER_REASONS.get(cb.change if cb.change == "create" else cb.detail, "read")
    ref = f"chat:{cb.chat_id}:owner:{owner}:{cb.digest()}"
    return owner_read(ctx, cb.chat_id, owner, known, at=cb.at, ref=ref, reason=reason)


def owner_read(
    ctx: Context,
    chat: str,
    owner: str,
    known: str | None,
    *,
    at: datetime,
    ref: str | None = None,
    reason: str = "read",
) -> Event | None:
    """``group.owner_changed`` for ``chat`` when ``owner`` differs from ``known`` (a callback's,
    or ``shequn wecom owners`` reading each group's details). Without a ``ref`` it is keyed on
    the change itself, so reading the same owner twice records it once."""
    if not owner or owner == known:
        return None
    data = {"platform": PLATFORM, "chat": chat, "owner": owner, "reason": reason}
    if known:
        data["previous"] = known
    return Event(
        kind="group.owner_changed",
        occurred_at=at,
        community=ctx.community,
        source=ctx.source,
        source_ref=ref or f"chat:{chat}:owner:{owner}:after:{known or '-'}:{at.date()}",
        group=ctx.groups.get(chat) or unbound_group(PLATFORM, chat),
        data=data,
    )


def _joined_members(cb: Callback, ctx: Context) -> list[ChatMember]:
    """Who joined: the ``MemChangeList`` when WeCom sent one, else the ``MemChangeCnt``
    members of the chat who joined last (never staff: ``type`` 1 is a corp member)."""
    customers = [m for m in ctx.chat_members if m.type == 2]
    if cb.members:
        by_id = {m.userid: m for m in customers}
        return [by_id.get(u, ChatMember(u)) for u in cb.members if u in by_id or u]
    count = int(cb.fields.get("MemChangeCnt") or 0)
    latest = sorted(customers, key=lambda m: (m.join_time, m.userid), reverse=True)
    return latest[:count]


def _joined(cb: Callback, ctx: Context, group: str, ref: str, m: ChatMember) -> Event:
    data: dict[str, Any] = {}
    scene = MEMBER_JOIN_SCENES.get(m.join_scene or 0) or JOIN_SCENES.get(
        cb.fields.get("JoinScene", ""), "invited"
    )
    data["join_scene"] = scene
    if m.state:
        data["channel"] = ctx.channels.get(m.state, m.state)
        data["campaign"] = m.state
    else:
        data["channel"] = scene
    if m.invitor:
        data["inviter"] = identity(m.invitor)
    if m.name:
        data["actor_name"] = m.name
    at = datetime.fromtimestamp(m.join_time, UTC) if m.join_time else cb.at
    return _event(
        cb,
        ctx,
        "member.joined",
        f"{ref}:{m.userid}",
        group=group,
        actor=identity(m.userid),
        data=data,
        at=at,
    )


def _contact_events(cb: Callback, ctx: Context) -> list[Event]:
    """A customer added or deleted a staff member (客户联系): not a group fact, so it is
    recorded only as the channel a person first came through (``entry.requested``)."""
    external = cb.fields.get("ExternalUserID")
    if not external or cb.change != "add_external_contact":
        return []
    state = cb.fields.get("State") or None
    data: dict[str, Any] = {"channel": ctx.channels.get(state, state) if state else "contact"}
    if state:
        data["campaign"] = state
    staff = cb.fields.get("UserID")
    if staff:
        data["inviter"] = identity(staff)
    return [
        _event(
            cb,
            ctx,
            "entry.requested",
            f"contact:{external}:{staff}",
            actor=identity(external),
            data=data,
        )
    ]
