"""``link.sync`` on Telegram: a referral link's or live code's chat invite link for one group,
created, edited or revoked as the seats change (``engine/invitelinks_rules.py`` decides).

``createChatInviteLink`` with ``name`` (the link's code, so the ``chat_member`` update of a
join through it names the link and the join is credited to its owner), ``member_limit`` and
``expire_date``; ``editChatInviteLink`` changes the limit of the same URL (what was shared keeps
working); ``revokeChatInviteLink`` when the group is full (a limit cannot be 0). The answer
carries the URL, which the worker records in ``link.published``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shequn.connectors.base import Call, Performed, Permanent
from shequn.model.i18n import Said

if TYPE_CHECKING:
    from shequn.connectors.telegram.connector import TelegramConnector


def sync_link(connector: TelegramConnector, call: Call) -> Performed:
    """Create, edit or revoke the invite link; the result names its URL and limit."""
    chat, p = connector.chat(call), call.payload
    existing = str(p.get("invite_link") or "") or None
    if p.get("revoke"):
        if existing is None:
            raise Permanent(Said("nothing to revoke: the action names no invite link"))
        connector.client.call(
            lambda bot: bot.revoke_chat_invite_link(chat_id=chat, invite_link=existing)
        )
        return Performed(existing, {"invite_link": existing, "revoked": True})
    limit = int(p.get("member_limit") or 0)
    if limit < 1:
        raise Permanent(Said("an invite link lets in 1 to 99,999 members, not {n}", n=limit))
    expires = datetime.fromisoformat(str(p["expires_at"])) if p.get("expires_at") else None
    options: dict[str, Any] = {"chat_id": chat, "member_limit": limit, "expire_date": expires}
    if existing is not None:
        made = connector.client.call(
            lambda bot: bot.edit_chat_invite_link(invite_link=existing, **options)
        )
    else:
        name = str(p.get("name") or p.get("link") or "")[:32] or None
        made = connector.client.call(lambda bot: bot.create_chat_invite_link(name=name, **options))
    return Performed(made.invite_link, {"invite_link": made.invite_link, "member_limit": limit})
