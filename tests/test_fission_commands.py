"""``/myinvites`` and ``/leaderboard`` (P-FIS-2, P-FIS-3): a member asks the bot where they stand in
the running referral campaigns and who leads — counted by the same fission engine as the
progress messages, answered in the community's language."""

from __future__ import annotations

from shequn.engine.campaigns import configure_campaign
from shequn.engine.fission_commands import TEXT, handle, leaderboard_text, my_invites
from shequn.engine.record import record
from shequn.model.blueprint_growth import Campaign, RewardTier
from tests.growth_helpers import COMMUNITY, at, wx
from tests.test_fission import INVITE3, bring, campaign, joined  # noqa: F401 (the fixture)


def test_myinvites_says_what_counts_what_is_next_and_gives_the_link(campaign):  # noqa: F811
    store, bp, link = campaign
    for n, who in enumerate(["b1", "b2"]):
        bring(store, link, who, n * 10)
    reply = my_invites(store, bp, wx("ann"), "", at(30))
    first, second = reply.splitlines()
    assert first == "「邀请3人解锁」：已计入 2 人；再邀 1 人可得「black card」"
    assert second.startswith("你的邀请链接：") and link.code in second  # the same link as before
    for n, who in enumerate(["b3", "b4", "b5"]):
        bring(store, link, who, 40 + n * 10)
    done = my_invites(store, bp, wx("ann"), "", at(100)).splitlines()[0]
    assert done == "「邀请3人解锁」：已计入 5 人；所有奖励都已解锁，谢谢你！"


def test_the_leaderboard_shows_the_board_and_the_members_place(campaign):  # noqa: F811
    store, bp, link = campaign
    for n, who in enumerate(["b1", "b2"]):
        bring(store, link, who, n * 10)
    record(store, [joined("cy", -90)])
    board = leaderboard_text(store, bp, wx("ann"), "", at(30)).splitlines()
    assert board[0] == "「邀请3人解锁」排行榜："
    assert board[1].endswith(" — 2 人") and board[-1] == "你排第 1 名，已计入 2 人。"
    assert (
        leaderboard_text(store, bp, wx("cy"), "", at(30)).splitlines()[-1] == TEXT["zh"]["not_yet"]
    )
    assert leaderboard_text(store, bp, wx("ann"), "nope", at(30)) == "没有这个活动：nope"


def test_several_campaigns_ended_ones_and_strangers(campaign):  # noqa: F811
    store, bp, _ = campaign
    later = Campaign(
        slug="summer", name="夏季邀请", groups=["main"],
        tiers=[RewardTier(invites=1, reward="贴纸")], ends_at=at(20),
    )  # fmt: skip
    configure_campaign(store, COMMUNITY, later, now=at(-30))
    assert (
        leaderboard_text(store, bp, wx("ann"), "", at(10))
        == "有多个活动，请写明：/leaderboard 活动（invite3, summer）"
    )
    assert len(my_invites(store, bp, wx("ann"), "", at(10)).splitlines()) == 3  # two + the link
    assert len(my_invites(store, bp, wx("ann"), "", at(30)).splitlines()) == 2  # summer ended
    assert handle(store, bp, wx("nobody"), "myinvites", "", at(30)) == TEXT["zh"]["not_member"]
    assert handle(store, bp, wx("ann"), "start", "", at(30)) is None
    assert TEXT["zh"].keys() == TEXT["en"].keys()


def test_the_bot_answers_myinvites_once_however_often_it_is_delivered(campaign):  # noqa: F811
    from shequn.engine.bot_commands import HELP, BotCommand, answer
    from shequn.store.outbox import list_actions

    store, _bp, link = campaign
    bring(store, link, "b1", 0)
    asked = BotCommand(wx("ann"), "myinvites", "", "chat:ann:7", at(10))
    for _ in range(2):
        answer(store, COMMUNITY, [asked], source="bot")
    with store.read() as conn:
        sent = [a["payload"] for a in list_actions(conn, community=COMMUNITY, limit=100)]
    replies = [p["text"] for p in sent if p.get("command") == "chat:ann:7"]
    assert len(replies) == 1 and replies[0].startswith("「邀请3人解锁」：已计入 1 人")
    assert "/myinvites" in HELP["zh"] and "/leaderboard" in HELP["en"]
