"""The Telegram connector's outbound half: one action → one or a few Bot API calls.

Messages go to the bound chat of the action's group, or privately to each member in ``to``
(a member must have pressed Start in the bot's private chat first — Telegram's rule); a
poster goes to them the same way, as a photo (``sendPhoto``, uploaded) with its caption. An
admission approves the newcomer's join request, or, when they did not ask through Telegram,
sends them a one-use invite link (``member_limit=1``). Mutes, bans, unbans and deletes are
idempotent calls the worker may repeat, and so are promotions (a group leader made the chat's
admin) and demotions. What a bot cannot do (create a group, refund, judge an
application, take back a perk) is not in :attr:`kinds`, so the worker makes it an operator
task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from shequn.connectors.base import Call, Limits, Performed, Permanent, Rate, Uncertain
from shequn.connectors.telegram.client import BotClient
from shequn.connectors.telegram.inbound import ONE_USE
from shequn.connectors.telegram.links import sync_link
from shequn.model.i18n import Said

ChatOf = Callable[[str, str], str | None]
"""(community, group) → the bound Telegram chat id, or ``None``."""

UNPACED = frozenset({"link.sync"})
"""Calls that are no message in the group, so not counted against its 20 a minute."""

ADMIT_LINK_HOURS = 24
CAPTION_LIMIT = 1024
"""Telegram: a photo's caption holds at most 1,024 characters."""


class TelegramConnector:
    """Performs actions through one bot; ``chat_of`` resolves groups through the bindings."""

    name = "telegram"
    kinds = frozenset(
        {
            "message.send",
            "payment.request",
            "poster.send",
            "member.admit",
            "member.admit.cancel",
            "member.mute",
            "member.unmute",
            "member.ban",
            "member.unban",
            "message.delete",
            "message.pin",
            "message.unpin",
            "member.promote",
            "member.demote",
            "link.sync",
        }
    )
    can_check = False

    def __init__(
        self,
        token: str,
        *,
        chat_of: ChatOf,
        api_url: str | None = None,
        limits: Limits | None = None,
        client: BotClient | None = None,
    ) -> None:
        self.client = client or BotClient(token, api_url=api_url)
        self.chat_of = chat_of
        self.limits = (
            limits
            if limits is not None and (limits.per_target or limits.overall)
            else Limits(
                per_target=Rate(20, 60), overall=Rate(30, 1), per_target_kinds=self.kinds - UNPACED
            )
        )  # Telegram's published limits: ~20 messages a minute in one group, 30 a second

    def perform(self, call: Call) -> Performed:
        handler = _HANDLERS.get(call.kind)
        if handler is None:
            raise Permanent(Said("the Telegram connector does not do {kind}", kind=call.kind))
        return handler(self, call)

    def check(self, call: Call) -> Performed | None:
        return None  # never asked: can_check is False

    def close(self) -> None:
        self.client.close()

    # -- where -----------------------------------------------------------------------
    def chat(self, call: Call) -> int:
        chat = self.chat_of(call.community, call.group) if call.group else None
        if chat is None:
            raise Permanent(
                Said(
                    "group {group} has no Telegram chat bound: "
                    "shequn groups bind {slug} --platform telegram --chat -100…",
                    group=call.group or "(none)",
                    slug=call.group or "GROUP",
                )
            )
        return int(chat)

    # -- messages --------------------------------------------------------------------
    def send(self, call: Call) -> Performed:
        text = call.text or str(call.payload.get("text") or "")
        if not text:
            raise Permanent(Said("nothing to send: the action has no text"))
        people = recipients(call.payload.get("to"))
        if not people:
            sent = self.client.call(
                lambda bot: bot.send_message(chat_id=self.chat(call), text=text)
            )
            return Performed(str(sent.message_id), {"chat": str(sent.chat_id)})
        return self._each(people, lambda bot, chat: bot.send_message(chat_id=chat, text=text))

    def send_photo(self, call: Call) -> Performed:
        """The photo (a poster, drawn by the worker) privately to each member in ``to``."""
        photo, caption = call.photo, (call.text or "")[:CAPTION_LIMIT] or None
        if not photo:
            raise Permanent(Said("nothing to send: the action has no photo"))
        people = recipients(call.payload.get("to"))
        if not people:
            raise Permanent(Said("a photo goes to members privately: the action names nobody (to)"))
        return self._each(
            people, lambda bot, chat: bot.send_photo(chat_id=chat, photo=photo, caption=caption)
        )

    def _each(self, people: list[int], send: Callable[..., Awaitable[Any]]) -> Performed:
        """``send`` to each person in turn; one refused after others got it is uncertain."""
        ids: list[str] = []
        for person in people:
            try:
                sent = self.client.call(partial(send, chat=person))
            except Permanent as e:
                if ids:  # some got it: sending again would repeat it to them
                    raise Uncertain(
                        Said(
                            "sent to {n} of {total}; then: {why}",
                            n=len(ids),
                            total=len(people),
                            why=e.reason,
                        )
                    ) from e
                raise
            ids.append(str(sent.message_id))
        return Performed(",".join(ids), {"recipients": len(ids)})

    # -- the door --------------------------------------------------------------------
    def admit(self, call: Call) -> Performed:
        chat, user = self.chat(call), user_id(call.payload.get("identity"))
        try:
            self.client.call(lambda bot: bot.approve_chat_join_request(chat_id=chat, user_id=user))
            return Performed(f"approved:{chat}:{user}", {"approved": True})
        except Permanent as e:
            if "join request" not in e.reason and "already" not in e.reason.lower():
                raise
            if "already" in e.reason.lower() and "participant" in e.reason.lower():
                return Performed(f"member:{chat}:{user}", {"approved": True})
        expire = datetime.now(UTC) + timedelta(hours=ADMIT_LINK_HOURS)
        link = self.client.call(
            lambda bot: bot.create_chat_invite_link(
                chat_id=chat, member_limit=1, expire_date=expire, name=link_name(call)
            )
        )
        text = call.text or f"Welcome! Your one-time link: {link.invite_link}"
        if link.invite_link not in text:
            text = f"{text}\n{link.invite_link}"
        self.client.call(lambda bot: bot.send_message(chat_id=user, text=text))
        return Performed(link.invite_link, {"invite_link": link.invite_link})

    def decline(self, call: Call) -> Performed:
        chat, user = self.chat(call), user_id(call.payload.get("identity"))
        try:
            self.client.call(lambda bot: bot.decline_chat_join_request(chat_id=chat, user_id=user))
        except Permanent as e:
            if "join request" not in e.reason:
                raise
            return Performed(None, {"declined": False, "note": "no pending request"})
        return Performed(f"declined:{chat}:{user}", {"declined": True})

    # -- rules -----------------------------------------------------------------------
    def mute(self, call: Call, *, allowed: bool) -> Performed:
        from telegram import ChatPermissions

        chat, user = self.chat(call), user_id(call.payload.get("identity"))
        until = call.payload.get("until")
        permissions = (
            ChatPermissions.all_permissions() if allowed else ChatPermissions.no_permissions()
        )
        self.client.call(
            lambda bot: bot.restrict_chat_member(
                chat_id=chat,
                user_id=user,
                permissions=permissions,
                until_date=None if allowed or not until else datetime.fromisoformat(str(until)),
            )
        )
        return Performed(f"{'unmuted' if allowed else 'muted'}:{chat}:{user}")

    def ban(self, call: Call) -> Performed:
        chat, user = self.chat(call), user_id(call.payload.get("identity"))
        self.client.call(lambda bot: bot.ban_chat_member(chat_id=chat, user_id=user))
        return Performed(f"banned:{chat}:{user}")

    def unban(self, call: Call) -> Performed:
        chat, user = self.chat(call), user_id(call.payload.get("identity"))
        self.client.call(
            lambda bot: bot.unban_chat_member(chat_id=chat, user_id=user, only_if_banned=True)
        )
        return Performed(f"unbanned:{chat}:{user}")

    def delete(self, call: Call) -> Performed:
        chat, message = self.chat(call), message_id(call)
        self.client.call(lambda bot: bot.delete_message(chat_id=chat, message_id=message))
        return Performed(f"deleted:{chat}:{message}")

    def pin(self, call: Call) -> Performed:
        chat, message = self.chat(call), message_id(call)
        self.client.call(
            lambda bot: bot.pin_chat_message(
                chat_id=chat, message_id=message, disable_notification=True
            )
        )
        return Performed(f"pinned:{chat}:{message}")

    def unpin(self, call: Call) -> Performed:
        chat, message = self.chat(call), message_id(call)
        self.client.call(lambda bot: bot.unpin_chat_message(chat_id=chat, message_id=message))
        return Performed(f"unpinned:{chat}:{message}")

    # -- the pyramid -----------------------------------------------------------------
    def promote(self, call: Call, *, leads: bool) -> Performed:
        """``promoteChatMember`` with the rights the role needs (all false: demoted), then
        the role's name as the admin's title; a refused title leaves the promotion done."""
        chat, user = self.chat(call), user_id(call.payload.get("identity"))
        rights = admin_rights(str(call.payload.get("role")) if leads else None)
        self.client.call(lambda bot: bot.promote_chat_member(chat_id=chat, user_id=user, **rights))
        ref = f"{'promoted' if leads else 'demoted'}:{chat}:{user}"
        title = str(call.payload.get("name") or "")[:TITLE_MAX]
        if not leads or not call.payload.get("title") or not title:
            return Performed(ref, {"rights": sorted(r for r, on in rights.items() if on)})
        try:
            self.client.call(
                lambda bot: bot.set_chat_administrator_custom_title(
                    chat_id=chat, user_id=user, custom_title=title
                )
            )
        except Permanent as e:
            return Performed(ref, {"title": None, "title_refused": e.reason})
        return Performed(ref, {"title": title})


TITLE_MAX = 16
"""Telegram's limit on an admin's custom title."""
LEADER_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_restrict_members",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_video_chats",
)
"""What a group leader does on Telegram: delete, mute and remove, invite, pin, host the
weekly session (a video chat). Never ``can_promote_members``: admins are shequn's to make."""
MANAGER_RIGHTS = (*LEADER_RIGHTS, "can_change_info")
"""A manager (班长) also edits the group's name, photo and description."""
ALL_RIGHTS = (*MANAGER_RIGHTS, "can_promote_members")


def admin_rights(role: str | None) -> dict[str, bool]:
    """``promoteChatMember``'s rights for ``role`` (``None``: every right off — a demotion)."""
    on = MANAGER_RIGHTS if role == "manager" else LEADER_RIGHTS if role else ()
    return {right: right in on for right in ALL_RIGHTS}


def message_id(call: Call) -> int:
    """The Telegram message id of the action's ``message`` (an event's ``chat:id`` ref)."""
    ref = str(call.payload.get("message") or "")
    message = ref.rpartition(":")[2]
    if not message.isdigit():
        raise Permanent(
            Said("message {ref} is not a Telegram message of this bot's chats", ref=repr(ref))
        )
    return int(message)


def link_name(call: Call) -> str:
    """The one-use link carries the code of the link the newcomer came by and ends in
    ``(1)`` (Telegram keeps at most 32 characters), so the ``chat_member`` update of their
    join credits its owner — and is no second touch of the referral their knock was."""
    code = str(call.payload.get("link") or "")
    return f"{code[: 32 - len(ONE_USE)]}{ONE_USE}" if code else f"admit-{call.action_id}"


def recipients(to: Any) -> list[int]:
    """The Telegram user ids of ``to`` (one identity key or a list of them)."""
    keys = [to] if isinstance(to, str) else list(to or [])
    return [user_id(k) for k in keys]


def user_id(key: Any) -> int:
    """``telegram:123`` → 123; any other platform's key is a clear permanent error."""
    platform, _, uid = str(key or "").partition(":")
    if platform != "telegram" or not uid.lstrip("-").isdigit():
        raise Permanent(
            Said("{key} is not a Telegram member (no telegram:<id> identity)", key=repr(key))
        )
    return int(uid)


_HANDLERS: dict[str, Callable[[TelegramConnector, Call], Performed]] = {
    "message.send": TelegramConnector.send,
    "payment.request": TelegramConnector.send,
    "poster.send": TelegramConnector.send_photo,
    "member.admit": TelegramConnector.admit,
    "member.admit.cancel": TelegramConnector.decline,
    "member.mute": lambda c, call: c.mute(call, allowed=False),
    "member.unmute": lambda c, call: c.mute(call, allowed=True),
    "member.ban": TelegramConnector.ban,
    "member.unban": TelegramConnector.unban,
    "message.delete": TelegramConnector.delete,
    "message.pin": TelegramConnector.pin,
    "message.unpin": TelegramConnector.unpin,
    "member.promote": lambda c, call: c.promote(call, leads=True),
    "member.demote": lambda c, call: c.promote(call, leads=False),
    "link.sync": sync_link,
}
