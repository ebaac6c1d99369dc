"""``/appeal`` in the bot's private chat: a member whose advert drew a step of the ladder
appeals it in their own words; it is filed once, for their newest standing step, and the
reply is in the community's language."""

from __future__ import annotations

from shequn.engine.bot_commands import BotCommand, answer
from shequn.engine.record import record
from shequn.engine.rules.appeal_command import TEXT
from shequn.engine.rules.manage import list_appeals
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from tests import test_rules_live as live
from tests.growth_helpers import COMMUNITY, loaded, wx
from tests.test_rules_live import ON, _fresh_now, said  # noqa: F401 -- _fresh_now: autouse here too


def appeal(store: Store, who: str, text: str, ref: str) -> str:
    answer(store, COMMUNITY, [BotCommand(wx(who), "appeal", text, ref, live.NOW)], source="bot")
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, limit=200)
    return [a["payload"]["text"] for a in sent if a["payload"].get("command") == ref][-1]


def test_a_member_appeals_their_latest_step_once(store: Store):
    loaded(store, extra=ON)
    record(store, [said("spam", 0, "m1"), said("spam", 1, "m2")])  # reminder, then warning
    assert appeal(store, "spam", "我只是转发朋友的消息", "chat:1") == (
        "已收到你对「警告」（main）的申诉，管理员会尽快答复。"
    )
    (filed,) = list_appeals(store, COMMUNITY)
    assert (filed["member"], filed["text"], filed["outcome"]) == (
        wx("spam"), "我只是转发朋友的消息", None,
    )  # fmt: skip
    assert appeal(store, "spam", "再说一次", "chat:2") == TEXT["zh"]["again"]
    assert appeal(store, "quiet", "", "chat:3") == TEXT["zh"]["none"]
    assert len(list_appeals(store, COMMUNITY)) == 1
