"""``shequn bot check telegram``: who the bot is and what stops it working, in plain words.

Asks Telegram (``getMe``, ``getWebhookInfo``, ``getChatMember`` for the bot in each bound
chat) and turns each answer into findings with the fix — the things that silently break a
bot: privacy mode hiding group messages, not being an admin (no ``chat_member`` updates, so
no joins; no approving, muting or links), a missing right, a webhook left behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shequn.connectors.base import ConnectorError
from shequn.connectors.telegram.client import BotClient
from shequn.model.i18n import N_, Said, listing

RIGHTS = {
    "can_restrict_members": N_("ban users (mute, remove)"),
    "can_invite_users": N_("invite users via link (one-time links, live codes)"),
    "can_delete_messages": N_("delete messages (rule enforcement)"),
    "can_pin_messages": N_("pin messages"),
    "can_promote_members": N_("add new admins (group leaders and monitors made admins)"),
}
"""Admin rights the playbook uses, and what each is for."""


@dataclass
class Report:
    """The bot and, per bound chat, whether it can do its work there. Each problem is
    :class:`Said`: English in ``--json``, the community's language on the command line."""

    bot: dict[str, Any] = field(default_factory=dict)
    chats: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Said] = field(default_factory=list)


def check(client: BotClient, bound: Iterable[tuple[str, str]], *, polling: bool) -> Report:
    """``bound``: (group, chat id) pairs. ``polling``: the bot is meant to run by long polling
    (then a webhook left set is a problem)."""
    report = Report()
    me = client.raw("getMe")
    report.bot = {k: me.get(k) for k in ("id", "username", "first_name")}
    if not me.get("can_read_all_group_messages"):
        report.problems.append(
            Said(
                "privacy mode is on: the bot sees only commands and replies to it in groups, "
                "so messages are not counted. Fix: BotFather → /setprivacy → Disable, then "
                "remove and re-add the bot to each group."
            )
        )
    hook = client.raw("getWebhookInfo")
    if polling and hook.get("url"):
        report.problems.append(
            Said("a webhook is set, so long polling gets nothing: `shequn bot webhook delete`")
        )
    for group, chat in bound:
        report.chats.append(_chat(client, int(me["id"]), group, chat, report.problems))
    return report


def _chat(
    client: BotClient, bot_id: int, group: str, chat: str, problems: list[Said]
) -> dict[str, Any]:
    try:
        member = client.raw("getChatMember", chat_id=int(chat), user_id=bot_id)
    except ConnectorError as e:
        problems.append(Said("{group} (chat {chat}): {why}", group=group, chat=chat, why=e.reason))
        return {"group": group, "chat": chat, "status": "unreachable"}
    status = member.get("status")
    missing = [right for right in RIGHTS if not member.get(right)]
    if status not in ("administrator", "creator"):
        problems.append(
            Said(
                "{group} (chat {chat}): the bot is not an admin, so it gets no joins or leaves "
                "and cannot approve, mute or make links. Fix: make it an admin with the "
                "rights {rights}.",
                group=group,
                chat=chat,
                rights=_rights(RIGHTS),
            )
        )
    elif missing and status != "creator":
        problems.append(
            Said(
                "{group} (chat {chat}): the bot lacks the admin rights {rights}. "
                "Fix: edit its admin rights in the group.",
                group=group,
                chat=chat,
                rights=_rights(missing),
            )
        )
    return {
        "group": group,
        "chat": chat,
        "status": status,
        "missing_rights": [RIGHTS[right] for right in missing],
    }


def _rights(rights: Iterable[str]) -> Said:
    return listing([Said(RIGHTS[right]) for right in rights])
