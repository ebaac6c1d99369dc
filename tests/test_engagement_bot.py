"""Engagement through a bot (P-ENG-3/5/7/8): a member checks in, asks, looks at their rank and
says /stop by writing to the bot in private — the same engine functions as the CLI decide,
the reply is in the community's language, and a re-delivered command records nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from shequn.engine.bot_commands import HELP, BotCommand, answer
from shequn.engine.engagement import knowledge, meetups
from shequn.engine.engagement.checkins import leaderboard
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.care import opted_out
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx

CAMP = (group("main", gates=["camp"], camp="camp"), group("camp"))


def say(store: Store, who: str, text: str, at: datetime, ref: str) -> str:
    """``who`` writes ``text`` to the bot; returns the bot's last reply to it."""
    name, _, args = text[1:].partition(" ")
    answer(store, COMMUNITY, [BotCommand(who, name, args, ref, at)], source="telegram-bot:1")
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, limit=500)
    return [a["payload"]["text"] for a in sent if a["payload"].get("command") == ref][-1]


def test_checkin_ask_rank_and_stop_through_the_bot(store):
    loaded(store, *CAMP)
    amy, bo = wx("amy"), wx("bo")
    record(store, [Event("member.joined", T0 - timedelta(days=1), COMMUNITY, "bot", f"j{k}",
                         group="camp", actor=k) for k in (amy,)])  # fmt: skip
    assert say(store, amy, "/checkin", T0, "u1") == "打卡成功！camp 已连续 1 天，累计 1 天。"
    say(store, amy, "/checkin", T0, "u1")  # the same update again: one check-in
    tomorrow = T0 + timedelta(days=1)
    assert say(store, amy, "/checkin camp", tomorrow, "u2").startswith("打卡成功！camp 已连续 2 天")
    [top] = leaderboard(store, COMMUNITY, "camp", now=tomorrow)
    assert (top.member, top.current, top.total) == (amy, 2, 2)
    assert say(store, bo, "/checkin", T0, "u3") == "你还没有加入打卡营。"

    knowledge.ask(store, COMMUNITY, amy, "怎么报名？", group="main", source="cli", ref="q1",
                  now=T0)  # fmt: skip
    knowledge.answer(store, COMMUNITY, "cli|q1", "看群公告", source="cli", now=T0)
    assert say(store, bo, "/ask 请问怎么报名", T0, "u4") == "这个问题之前有人答过：看群公告"
    assert say(store, bo, "/ask 几点开始？", T0, "u5") == "收到你的问题，会尽快有人回答。"
    assert say(store, amy, "/rank", tomorrow, "u6") == "你的积分：10；徽章：暂无"  # 2 check-ins
    assert say(store, bo, "/stop", T0, "u7").startswith("好的，不再给你发私信关怀")
    with store.read() as conn:
        assert opted_out(conn, COMMUNITY) == {bo}
    assert "/checkin" in HELP["zh"] and "/stop" in HELP["en"]


def test_a_member_answers_a_meetup_invitation_through_the_bot(store):
    loaded(store, group("main"), group("camp"))
    amy, bo, cy = wx("amy"), wx("bo"), wx("cy")
    record(store, [Event("member.joined", T0 - timedelta(days=1), COMMUNITY, "bot", f"j{k}",
                         group="main", actor=k) for k in (amy, bo)])  # fmt: skip
    start = T0 + timedelta(days=7)
    m, _ = meetups.plan_meetup(store, COMMUNITY, "main", title="读书会", venue="咖啡馆",
                               starts_at=start, capacity=1, now=T0)  # fmt: skip
    assert say(store, amy, "/rsvp 去", T0, "r1") == (
        "你会参加「读书会」（2026-05-08 10:00，咖啡馆），到时见！"
    )
    assert say(store, bo, "/rsvp yes", T0, "r2") == (
        "「读书会」名额已满：你在候补第 1 位，有空位时会通知你。"
    )
    say(store, bo, "/rsvp yes", T0, "r2")  # the same update again: one answer
    shown = meetups.show_meetup(store, COMMUNITY, m.plan.meetup)
    assert (shown.going, shown.waitlist) == ([amy], [bo])
    assert say(store, amy, "/rsvp 不去", T0, "r3") == "已记下：你不参加「读书会」。"
    shown = meetups.show_meetup(store, COMMUNITY, m.plan.meetup)
    assert (shown.going, shown.waitlist) == ([bo], [])  # the seat went to the first waiting
    assert say(store, cy, "/rsvp yes", T0, "r4") == "目前没有等你回复的线下活动。"  # not in main
    assert say(store, amy, "/rsvp", T0, "r5").startswith("请写 /rsvp 去、不去或待定")
    meetups.plan_meetup(store, COMMUNITY, "main", title="徒步", venue="香山",
                        starts_at=start + timedelta(days=1), now=T0)  # fmt: skip
    assert say(store, amy, "/rsvp maybe", T0, "r6") == (
        f"你有多个线下活动邀请：{m.plan.meetup}, main-20260509-1000。请写 /rsvp 去 活动编号。"
    )
    assert say(store, amy, "/rsvp 待定 main-20260509-1000", T0, "r7") == (
        "已记下：你可能参加「徒步」（2026-05-09 10:00）。"
    )
    assert "/rsvp" in HELP["zh"] and "/rsvp" in HELP["en"]
