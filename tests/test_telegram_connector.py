"""The Telegram connector against a fake Bot API on 127.0.0.1: each action's calls, and
Telegram's errors mapped once (429 → Transient with retry_after, 403/400 → Permanent)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from shequn.connectors.base import Call, Permanent, Transient
from shequn.connectors.telegram.client import BotClient, map_error
from shequn.connectors.telegram.connector import TelegramConnector
from tests.telegram_fake import TOKEN, FakeBotApi, serve
from tests.telegram_updates import CHAT


@pytest.fixture
def fake() -> Iterator[tuple[FakeBotApi, str]]:
    api = FakeBotApi()
    server, url = serve(api)
    yield api, url
    server.shutdown()


@pytest.fixture
def connector(fake: tuple[FakeBotApi, str]) -> Iterator[TelegramConnector]:
    chats = {("study-circle", "main"): str(CHAT)}
    c = TelegramConnector(TOKEN, chat_of=lambda c, g: chats.get((c, g)), api_url=fake[1])
    yield c
    c.close()


def call(kind: str, text: str | None = None, group: str | None = "main", **payload: Any) -> Call:
    return Call(1, kind, "study-circle", group, None, payload, f"k-{kind}", text)


def test_send_to_the_group_and_privately(fake: Any, connector: TelegramConnector) -> None:
    api, _ = fake
    done = connector.perform(call("message.send", "欢迎新朋友"))
    assert api.called("sendMessage")[0] == {"chat_id": CHAT, "text": "欢迎新朋友"}
    assert done.platform_ref is not None and done.platform_ref.isdigit()
    private = connector.perform(call("message.send", "hi", to=["telegram:7", "telegram:8"]))
    assert [p["chat_id"] for p in api.called("sendMessage")[1:]] == [7, 8]
    assert private.result == {"recipients": 2}


def test_the_door_and_the_rules(fake: Any, connector: TelegramConnector) -> None:
    api, _ = fake
    api.requests |= {(CHAT, 9), (CHAT, 10)}  # two join requests wait
    assert connector.perform(call("member.admit", identity="telegram:9")).result["approved"]
    assert api.called("approveChatJoinRequest") == [{"chat_id": CHAT, "user_id": 9}]
    connector.perform(call("member.mute", identity="telegram:9", until="2026-03-02T10:00:00+00:00"))
    restrict = api.called("restrictChatMember")[0]
    assert restrict["permissions"]["can_send_messages"] is False and restrict["until_date"]
    connector.perform(call("member.ban", identity="telegram:9"))
    connector.perform(call("member.unban", identity="telegram:9"))
    assert api.called("unbanChatMember")[0]["only_if_banned"] is True
    connector.perform(call("message.delete", message=f"{CHAT}:15"))
    assert api.called("deleteMessage") == [{"chat_id": CHAT, "message_id": 15}]
    connector.perform(call("member.admit.cancel", identity="telegram:10"))
    assert api.called("declineChatJoinRequest") == [{"chat_id": CHAT, "user_id": 10}]
    assert connector.perform(call("member.admit.cancel", identity="telegram:10")).result == {
        "declined": False,
        "note": "no pending request",
    }  # repeated: nothing pending, nothing to do


def test_pin_a_message_quietly(fake: Any, connector: TelegramConnector) -> None:
    api, _ = fake
    assert connector.perform(call("message.pin", message=f"{CHAT}:15")).platform_ref == (
        f"pinned:{CHAT}:15"
    )
    assert api.called("pinChatMessage") == [
        {"chat_id": CHAT, "message_id": 15, "disable_notification": True}
    ]
    assert connector.perform(call("message.unpin", message=f"{CHAT}:15")).platform_ref == (
        f"unpinned:{CHAT}:15"
    )
    assert api.called("unpinChatMessage") == [{"chat_id": CHAT, "message_id": 15}]
    with pytest.raises(Permanent):
        connector.perform(call("message.pin", message="wechat:abc"))
    assert "group.slow_mode" not in connector.kinds  # the Bot API cannot set it: a task


def test_a_group_leader_is_made_admin_with_a_title_and_demoted(
    fake: Any, connector: TelegramConnector
) -> None:
    api, _ = fake
    leader = {"identity": "telegram:7", "role": "group_leader", "name": "群主管", "title": True}
    done = connector.perform(call("member.promote", **leader))
    assert done.platform_ref == f"promoted:{CHAT}:7" and done.result == {"title": "群主管"}
    rights = api.promoted[(CHAT, 7)]
    assert rights["can_restrict_members"] and rights["can_manage_video_chats"]
    assert "can_promote_members" not in rights and "can_change_info" not in rights
    assert rights["custom_title"] == "群主管"
    connector.perform(call("member.promote", **{**leader, "role": "manager", "name": "班长"}))
    assert api.promoted[(CHAT, 7)]["can_change_info"]  # a monitor edits the group's info too
    connector.perform(call("member.demote", identity="telegram:7", role="member"))
    [*_, demoted] = api.called("promoteChatMember")
    assert not any(v for k, v in demoted.items() if k.startswith("can_"))
    assert (CHAT, 7) not in api.promoted and not api.called("setChatAdministratorCustomTitle")[2:]


def test_a_bot_without_the_right_to_add_admins_is_told_so(
    fake: Any, connector: TelegramConnector
) -> None:
    api, _ = fake
    api.admins[CHAT] = {"can_restrict_members": True}  # no "add new admins"
    with pytest.raises(Permanent, match=r"not an admin with the rights .*add new admins"):
        connector.perform(call("member.promote", identity="telegram:7", role="group_leader"))
    api.admins[CHAT]["can_promote_members"] = True
    api.fail("setChatAdministratorCustomTitle", 400, "Bad Request: ADMIN_RANK_EMOJI_NOT_ALLOWED")
    done = connector.perform(
        call(
            "member.promote", identity="telegram:7", role="group_leader", name="群主管", title=True
        )
    )  # promoted all the same: the title is a nicety
    assert done.result["title"] is None and "emoji" in done.result["title_refused"].lower()
    api.fail("promoteChatMember", 400, "Bad Request: USER_NOT_PARTICIPANT")
    with pytest.raises(Permanent, match="not in the group"):
        connector.perform(call("member.promote", identity="telegram:8", role="group_leader"))


def test_admit_without_a_request_sends_a_one_use_link(
    fake: Any, connector: TelegramConnector
) -> None:
    api, _ = fake
    done = connector.perform(call("member.admit", "欢迎加入", identity="telegram:9"))
    [made] = api.called("createChatInviteLink")
    assert made["member_limit"] == 1 and made["chat_id"] == CHAT and made["expire_date"]
    [sent] = api.called("sendMessage")
    assert sent["chat_id"] == 9 and done.result["invite_link"] in sent["text"]


def png(width: int = 60, height: int = 100) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#c41d3a").save(out, format="PNG")
    return out.getvalue()


def test_a_poster_is_uploaded_as_a_photo_to_each_member(
    fake: Any, connector: TelegramConnector
) -> None:
    api, _ = fake
    poster = replace(call("poster.send", "你的海报", group=None, to=["telegram:7"]), photo=png())
    done = connector.perform(poster)
    [sent] = api.called("sendPhoto")
    assert (sent["chat_id"], sent["caption"], sent["photo"].data) == (7, "你的海报", png())
    assert done.result == {"recipients": 1} and done.platform_ref is not None
    not_an_image = replace(poster, photo=b"GIF89a...")
    with pytest.raises(Permanent, match=r"(?i)image_process_failed"):
        connector.perform(not_an_image)
    api.fail("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Permanent, match="blocked the bot"):
        connector.perform(poster)
    api.fail("sendPhoto", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(Transient) as slow:
        connector.perform(poster)
    assert slow.value.retry_after == 3
    with pytest.raises(Permanent, match="names nobody"):
        connector.perform(replace(poster, payload={}))
    with pytest.raises(Permanent, match="no photo"):
        connector.perform(replace(poster, photo=None))


def test_link_sync_creates_edits_and_revokes_one_invite_link(
    fake: Any, connector: TelegramConnector
) -> None:
    api, _ = fake
    made = connector.perform(call("link.sync", link="li-ref", name="li-ref", member_limit=3))
    url = made.platform_ref
    assert made.result == {"invite_link": url, "member_limit": 3}
    edited = connector.perform(call("link.sync", link="li-ref", invite_link=url, member_limit=2))
    assert edited.platform_ref == url and api.links[str(url)]["member_limit"] == 2
    connector.perform(call("link.sync", link="li-ref", invite_link=url, revoke=True))
    assert api.links[str(url)]["is_revoked"] is True
    with pytest.raises(Permanent, match="revoked or has expired"):
        connector.perform(call("link.sync", link="li-ref", invite_link=url, member_limit=2))
    with pytest.raises(Permanent, match="1 to 99,999"):
        connector.perform(call("link.sync", link="li-ref", member_limit=0))


def test_errors_are_mapped_once(fake: Any, connector: TelegramConnector) -> None:
    api, _ = fake
    api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(Transient) as slow:
        connector.perform(call("message.send", "hi"))
    assert slow.value.retry_after == 7
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Permanent, match="blocked the bot"):
        connector.perform(call("message.send", "hi", to="telegram:7"))
    api.fail(
        "banChatMember", 400, "Bad Request: not enough rights to restrict/unrestrict chat member"
    )
    with pytest.raises(Permanent, match="not an admin with the rights"):
        connector.perform(call("member.ban", identity="telegram:9"))
    with pytest.raises(Permanent, match="no Telegram chat bound"):
        connector.perform(call("message.send", "hi", group="senior"))
    with pytest.raises(Permanent, match="not a Telegram member"):
        connector.perform(call("member.ban", identity="wechat:li"))


def test_an_unreachable_api_is_transient_and_the_token_never_shows() -> None:
    client = BotClient(TOKEN, api_url="http://127.0.0.1:9/bot")  # nothing listens on port 9
    with pytest.raises(Transient) as down:
        client.raw("getMe")
    client.close()
    assert TOKEN not in down.value.reason
    assert type(map_error(ValueError("x"))).__name__ == "Uncertain"
