"""Issue 15's first story end to end through the bot, on SQLite and PostgreSQL: a member's
referral link → a newcomer joins through it → attributed to the member → a progress message →
the third joiner unlocks the reward → the reward message; one of them leaves within 24 h → the
reward is clawed back and the member is told why.

Everything goes through ``shequn bot run telegram --worker`` on the fake Bot API: the member
asks for their link with ``/myinvites``, the ``telegram.links`` tick makes it a real chat invite
link, the newcomers' ``chat_member`` updates name that link, and the engine's messages go out
as ``sendMessage`` in private."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.growth_helpers import COMMUNITY, group
from tests.telegram_helpers import World, bot_run, member_update, private, telegram_world
from tests.telegram_updates import CHAT

LI = 7


@pytest.fixture
def world(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with telegram_world(database_url, capsys, monkeypatch, {"main": CHAT}, group("main")) as w:
        yield w


def test_referral_link_to_reward_and_claw_back_through_the_bot(world: World) -> None:
    cli, api, url, _ = world

    def then(*updates: dict[str, Any]) -> None:
        """The updates recorded and answered, then the next minute's ticks (a new run)."""
        api.push(*updates)
        bot_run(cli, url)
        bot_run(cli, url)

    def to_li() -> list[str]:
        """What Li was told of the campaign (badges and the rest aside)."""
        said = [m["text"] for m in api.called("sendMessage") if m["chat_id"] == LI]
        return [text for text in said if "邀请有礼" in text]

    cli.json(
        "campaign", "create", "invite3", "--name", "邀请有礼", "-g", "main", "--tier", "3=黑卡",
        "--community", COMMUNITY,
    )  # fmt: skip
    then(member_update(1, LI, "left", "member"), private(2, LI, "/myinvites"))
    [mine] = to_li()
    assert mine.startswith("「邀请有礼」：已计入 0 人；再邀 3 人可得「黑卡」\n你的邀请链接：")
    [link] = cli.json("link", "list", "--community", COMMUNITY)  # type: ignore[misc]
    assert (link["owner"], link["campaign"]) == (f"telegram:{LI}", "invite3")
    [made] = api.called("createChatInviteLink")  # the tick made it a real invite link
    assert (made["name"], made["chat_id"]) == (link["code"], CHAT)
    invite = api.links[next(iter(api.links))]

    then(member_update(3, 21, "left", "member", link=invite))
    shown: Any = cli.json("members", "show", "telegram:21", "--community", COMMUNITY)
    assert (shown["memberships"][0]["inviter"], shown["memberships"][0]["join_channel"]) == (
        f"telegram:{LI}",
        "referral",
    )
    assert to_li()[1:] == ["「邀请有礼」你已邀请 1 人，再邀请 2 人即可获得「黑卡」。"]

    then(member_update(4, 22, "left", "member", link=invite))
    then(member_update(5, 23, "left", "member", link=invite))
    assert to_li()[2:] == [
        "「邀请有礼」你已邀请 2 人，再邀请 1 人即可获得「黑卡」。",
        "恭喜！你在「邀请有礼」已邀请 3 人，获得「黑卡」。",
    ]
    [progress] = cli.json("campaign", "show", "invite3", "--member", f"telegram:{LI}",
                          "--community", COMMUNITY)  # type: ignore[misc]  # fmt: skip
    assert progress["counted"] == ["telegram:21", "telegram:22", "telegram:23"]

    then(member_update(6, 23, "member", "left"))  # within 24 hours: does not count
    assert to_li()[4:] == [
        "很抱歉，部分被邀请人已退群或未通过审核，现计 2 人，「邀请有礼」的奖励「黑卡」已收回。"
    ]
    [progress] = cli.json("campaign", "show", "invite3", "--member", f"telegram:{LI}",
                          "--community", COMMUNITY)  # type: ignore[misc]  # fmt: skip
    assert progress["uncounted"] == {"telegram:23": "left_quickly"}
    tasks: Any = cli.json("tasks", "list", "--community", COMMUNITY)
    assert any("获得的奖励 黑卡" in t["instruction"] for t in tasks)  # a person takes it back
