"""The best answer by the blueprint's rule (P-ENG-3): a manager's marking, then the reply most
members reacted to, then one by a member holding a role, then the first — or whatever order
``[engagement.qa] best`` gives. The knowledge base's lists, search and Markdown export read
it; the projection still keeps the first reply, so changing the rule needs no rebuild."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.engagement import knowledge
from shequn.engine.engagement.best_answer import Candidate, best_answer, with_best_answer
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.text import message_data
from shequn.store.qa import Entry
from shequn.store.qa_answers import Reply
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx

BOT = "telegram-bot:1"
DEFAULT = ("marked", "reactions", "key_member", "first")


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


# -- pure -----------------------------------------------------------------------------------


def test_the_default_rule_puts_the_marking_then_reactions_then_rank_then_time():
    first = Candidate("点公告链接", wx("bo"), at(1), "b|1")
    liked = Candidate("公告第二条有链接", wx("cy"), at(2), "b|2", reactions=3)
    leader = Candidate("我来发链接", wx("lead"), at(3), "b|3", key_member=True)
    marked = Candidate("报名已截止", wx("boss"), at(9), None, marked=True)
    assert best_answer(DEFAULT, [first, liked, leader, marked]) == marked
    assert best_answer(DEFAULT, [first, liked, leader]) == liked
    assert best_answer(DEFAULT, [first, leader]) == leader
    assert best_answer(DEFAULT, [leader, first]) == leader  # order given does not matter
    assert best_answer(DEFAULT, [first]) == first and best_answer(DEFAULT, []) is None
    rank_first = ("key_member", "reactions")  # a blueprint trusting its leaders more
    assert best_answer(rank_first, [first, liked, leader, marked]) == leader
    assert best_answer(("first",), [liked, marked, first]) == first


def test_an_entry_takes_its_best_reply_unless_its_marking_wins():
    entry = Entry(f"{BOT}|1", "main", wx("amy"), "怎么报名？", at(0), "answered", "点公告链接",
                  wx("bo"), "reply", None, None, at(1), f"{BOT}|2")  # fmt: skip
    replies = [Reply(f"{BOT}|2", wx("bo"), "点公告链接", at(1)),
               Reply(f"{BOT}|3", wx("cy"), "公告第二条有链接", at(2), reactions=2)]  # fmt: skip
    best = with_best_answer(DEFAULT, entry, replies)
    assert (best.answer, best.answerer, best.answer_ref, best.answered_by) == (
        "公告第二条有链接", wx("cy"), f"{BOT}|3", "reply")  # fmt: skip
    marked = Entry(f"{BOT}|1", "main", wx("amy"), "怎么报名？", at(0), "answered", "已截止",
                   wx("boss"), "marked", None, None, at(30))  # fmt: skip
    assert with_best_answer(DEFAULT, marked, replies) == marked
    assert with_best_answer(("reactions", "marked"), marked, replies).answer == "公告第二条有链接"
    assert with_best_answer(DEFAULT, entry, []) == entry


# -- through the store ----------------------------------------------------------------------


def say(ref: str, who: str, text: str, minutes: int, reply_to: str | None = None) -> Event:
    data = message_data(text, reply_to=reply_to)
    return Event("message.posted", at(minutes), COMMUNITY, BOT, ref, group="main", actor=wx(who),
                 data=data)  # fmt: skip


def react(ref: str, who: str, message: str, minutes: int) -> Event:
    return Event("message.reacted", at(minutes), COMMUNITY, BOT, ref, group="main",
                 actor=wx(who), data={"message": message, "emoji": "👍"})  # fmt: skip


RULE_KEY_FIRST = """
[engagement.qa]
best = ["key_member", "first"]
"""


@pytest.mark.parametrize("extra", ["", RULE_KEY_FIRST])
def test_the_base_lists_searches_and_exports_the_best_answer(store, extra):
    loaded(store, group("main"), extra=extra)
    promoted = Event("role.changed", at(0), COMMUNITY, "operator:cli", "role-lead", group="main",
                     subject=wx("lead"), data={"role": "group_leader"})  # fmt: skip
    record(store, [
        promoted,
        say("1", "amy", "怎么报名读书会？", 1),
        say("2", "bo", "点公告链接", 2, reply_to="1"),  # the first reply: the projection's answer
        say("3", "cy", "群公告第二条就是报名链接", 3, reply_to="1"),
        say("4", "lead", "我私聊发你报名表", 4, reply_to="1"),
        say("5", "amy", "谢谢大家", 5, reply_to="1"),  # the asker's own: never an answer
        react("r1", "dan", "3", 6), react("r2", "eve", "3", 6), react("r3", "dan", "3", 7),
        react("r4", "cy", "3", 7),  # one reaction per member; the author's own counts nothing
        react("r5", "fay", "2", 8),
        react("r6", "fay", "5", 8), react("r7", "dan", "5", 8), react("r8", "eve", "5", 8),
    ])  # fmt: skip
    want = ("群公告第二条就是报名链接", wx("cy")) if not extra else ("我私聊发你报名表", wx("lead"))
    (listed,) = knowledge.list_questions(store, COMMUNITY, status="answered")
    assert (listed.answer, listed.answerer) == want
    ((found, _),) = knowledge.search(store, COMMUNITY, "读书会报名")
    assert (found.answer, found.answerer) == want
    shown = knowledge.show(store, COMMUNITY, f"{BOT}|1")
    assert shown.to_dict()["answer"] == want[0] and shown.answered_by == "reply"
    assert knowledge.export(store, COMMUNITY).endswith(f"### 怎么报名读书会？\n\n答：{want[0]}\n")
    marked = knowledge.answer(store, COMMUNITY, f"{BOT}|1", "报名已截止", source="operator:cli")
    assert (marked.answer, marked.answered_by) == (
        ("报名已截止", "marked") if not extra else ("我私聊发你报名表", "reply")
    )
