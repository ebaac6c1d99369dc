"""Bot API update payloads of every kind shequn maps, written from the Bot API documentation
(core.telegram.org/bots/api#update): what ``getUpdates`` returns and the webhook receives."""

from __future__ import annotations

from typing import Any

from tests.telegram_fake import BOT_ID

CHAT = -1001234567890
DATE = 1_772_400_000  # 2026-03-01T21:20:00Z


def user(uid: int, first: str = "Li", last: str | None = None) -> dict[str, Any]:
    u: dict[str, Any] = {"id": uid, "is_bot": uid == BOT_ID, "first_name": first}
    if last:
        u["last_name"] = last
    return u


def group_chat(chat: int = CHAT, title: str = "读书会") -> dict[str, Any]:
    return {"id": chat, "type": "supergroup", "title": title}


def message(
    uid: int, sender: int, mid: int, text: str | None = None, *, chat: int = CHAT, **extra: Any
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "message_id": mid,
        "date": DATE + uid,
        "chat": group_chat(chat),
        "from": user(sender),
        **extra,
    }
    if text is not None:
        msg["text"] = text
    return {"update_id": uid, "message": msg}


def member(
    uid: int,
    who: int,
    old: str,
    new: str,
    *,
    by: int | None = None,
    link: dict[str, Any] | None = None,
    chat: int = CHAT,
) -> dict[str, Any]:
    change: dict[str, Any] = {
        "chat": group_chat(chat),
        "from": user(by or who),
        "date": DATE + uid,
        "old_chat_member": {"status": old, "user": user(who)},
        "new_chat_member": {"status": new, "user": user(who)},
    }
    if link:
        change["invite_link"] = link
    return {"update_id": uid, "chat_member": change}


def join_request(
    uid: int, who: int, *, link_name: str | None = None, chat: int = CHAT
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "chat": group_chat(chat),
        "from": user(who),
        "user_chat_id": who,
        "date": DATE + uid,
    }
    if link_name:
        request["invite_link"] = {
            "invite_link": "https://t.me/+abc",
            "name": link_name,
            "creator": user(BOT_ID),
            "creates_join_request": True,
            "is_primary": False,
            "is_revoked": False,
        }
    return {"update_id": uid, "chat_join_request": request}


def reaction(uid: int, who: int, mid: int, emoji: str = "👍") -> dict[str, Any]:
    return {
        "update_id": uid,
        "message_reaction": {
            "chat": group_chat(),
            "message_id": mid,
            "user": user(who),
            "date": DATE + uid,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": emoji}],
        },
    }


def every_kind() -> list[dict[str, Any]]:
    """One update of each kind, in a plausible order."""
    return [
        member(1, 7, "left", "member"),
        message(2, 7, 10, "有人读过《三体》吗？"),
        message(
            3,
            8,
            11,
            "see https://example.com",
            reply_to_message={"message_id": 10, "date": DATE, "chat": group_chat()},
        ),
        message(
            4,
            8,
            12,
            None,
            photo=[{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}],
            caption="our meetup",
        ),
        reaction(5, 7, 11),
        message(6, 7, 13, new_chat_title="读书会 2026"),
        message(7, 8, 14, pinned_message={"message_id": 10, "date": DATE, "chat": group_chat()}),
        join_request(8, 9),
        member(9, 7, "member", "left"),
        member(10, 8, "member", "kicked", by=5),
        message(11, BOT_ID, 15, "a message the bot sent itself"),
    ]
