"""The Q&A knowledge base (P-ENG-3): questions and replies recorded as events become entries,
a repeated question (Chinese or English, however phrased) gets the answer already given, an
unanswered question reaches the group's leader after the blueprint's hours, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine import engagement
from shequn.engine.engagement import knowledge
from shequn.engine.engagement.qa import Question, best_match, decide_repeat, decide_surface
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.templates import render_payload
from shequn.model.text import message_data
from shequn.model.text_match import search_terms, similarity
from shequn.store.outbox import list_actions
from shequn.store.qa import Entry, candidates, list_entries
from shequn.store.rebuild import rebuild, snapshot
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.worker_helpers import FakeClock, Scripted, worker

NOW = T0 + timedelta(days=1)
BOT = "telegram-bot:1"


def say(ref: str, who: str, text: str, at, reply_to: str | None = None) -> Event:
    data = message_data(text, reply_to=reply_to)
    return Event("message.posted", at, COMMUNITY, BOT, ref, group="main", actor=wx(who), data=data)


def entry(key: str, question: str, answer: str | None, at=T0, surfaced=None) -> Entry:
    status = "answered" if answer else "open"
    return Entry(key, "main", wx("a"), question, at, status, answer, wx("b") if answer else None,
                 "reply" if answer else None, None, surfaced)  # fmt: skip


# -- pure -----------------------------------------------------------------------------------


def test_the_same_question_matches_in_chinese_and_english_however_phrased():
    assert similarity("请问怎么报名？", "怎么报名呢") == 1.0  # fillers and particles dropped
    assert similarity("有人知道什么时候开课吗", "什么时候开课呀") == 1.0
    assert similarity("How do I join the book club?", "how can I join the book club") == 1.0
    assert similarity("读书会怎么报名参加？", "怎么参加读书会报名") > 0.5  # word order differs
    assert similarity("今天天气怎么样", "怎么报名") < 0.5
    assert similarity("Where is the meeting?", "How do I join?") == 0.0
    assert search_terms("怎么报名") == ["怎么报", "么报名"]  # trigrams: what the index looks up


def test_a_fresh_repeat_gets_the_earlier_answer_once_and_an_import_none():
    bp = blueprint(group("main"))
    kb = [entry("bot|1", "怎么报名呢", "点群公告里的链接"), entry("bot|2", "几点开始？", None)]
    asked = Question("bot|9", "main", wx("amy"), "请问怎么报名？", NOW - timedelta(minutes=1))
    match = best_match(bp, asked, kb)
    assert match is not None and match[0].question_ref == "bot|1" and match[1] == 1.0
    d = decide_repeat(bp, asked, match, NOW)
    assert d.events[0].data == {"question": "bot|9", "same_as": "bot|1", "score": 1.0}
    assert d.events[0].source_ref == f"qa-repeat:{COMMUNITY}:bot|9"  # once per question
    zh = render_payload(bp, d.actions[0].payload)
    assert zh == "@amy 这个问题之前有人问过：「怎么报名呢」\n答：点群公告里的链接"
    assert "to" not in d.actions[0].payload  # asked in the group: answered in the group
    private = Question("bot|10", None, wx("amy"), "怎么报名", NOW, private=True)
    assert decide_repeat(bp, private, match, NOW).actions[0].payload["to"] == wx("amy")
    old = Question("bot|11", "main", wx("amy"), "怎么报名", NOW - timedelta(days=30))
    assert not decide_repeat(bp, old, match, NOW)  # an imported question is history
    strict = blueprint(group("main"), extra="[engagement.qa]\nmatch = 0.9\n")
    near = Question("bot|12", "main", wx("amy"), "读书会怎么报名参加？", NOW)
    assert best_match(strict, near, [entry("bot|3", "怎么参加读书会报名", "x")]) is None


def test_unanswered_questions_surface_after_the_blueprints_hours_to_the_leaders():
    bp = blueprint(group("main"))
    waiting = [
        entry("bot|1", "几点开始？", None, at=NOW - timedelta(hours=13)),
        entry("bot|2", "在哪里？", None, at=NOW - timedelta(hours=1)),  # not yet 12 h
        entry("bot|3", "去年的问题？", None, at=NOW - timedelta(days=40)),  # history
        entry("bot|4", "已提醒？", None, at=NOW - timedelta(hours=20), surfaced=NOW),
    ]
    d = decide_surface(bp, "main", waiting, [wx("lead")], NOW)
    assert [e.data["question"] for e in d.events] == ["bot|1"]
    assert [(a.payload["to"], a.payload["questions"]) for a in d.actions] == [
        (wx("lead"), ["几点开始？"])
    ]
    nobody = decide_surface(bp, "main", waiting, [], NOW)  # no leader: an operator task
    assert [a.kind for a in nobody.actions] == ["qa.answer"]
    later = blueprint(group("main"), extra="[engagement.qa]\nsurface_after_hours = 24\n")
    assert not decide_surface(later, "main", waiting, [wx("lead")], NOW)


# -- through the store and the worker -------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    now = [NOW]
    monkeypatch.setattr(engagement, "clock", lambda: now[0])
    return now


def _sent(store, template: str) -> list[dict]:
    with store.transaction() as conn:
        rows = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    return [r["payload"] for r in rows if r["payload"].get("template") == template]


def test_a_reply_answers_a_question_and_the_base_finds_it_in_both_languages(store, clock):
    loaded(store, group("main"))
    at = T0 + timedelta(hours=1)
    record(store, [
        say("1", "amy", "怎么报名读书会？", at),
        say("2", "amy", "我自己补充一下", at, reply_to="1"),  # the asker's own: no answer
        say("3", "bo", "点群公告里的报名链接就行", at, reply_to="1"),
        say("4", "cy", "也可以找群主", at, reply_to="1"),  # the first reply is the answer
        say("5", "dan", "How do I join the reading club?", at),
        say("6", "amy", "Use the link in the group notice.", at, reply_to="5"),
        say("7", "eve", "几点开始？", at),
    ])  # fmt: skip
    base = knowledge.list_questions(store, COMMUNITY, status="answered")
    assert sorted((e.question, e.answer, e.answerer) for e in base) == [
        ("How do I join the reading club?", "Use the link in the group notice.", wx("amy")),
        ("怎么报名读书会？", "点群公告里的报名链接就行", wx("bo")),
    ]
    assert [e.question for e, _ in knowledge.search(store, COMMUNITY, "报名")] == [
        "怎么报名读书会？"
    ]
    found = knowledge.search(store, COMMUNITY, "读书会怎么报名")
    assert found[0][0].question == "怎么报名读书会？" and found[0][1] > 0.5
    assert [e.question for e, _ in knowledge.search(store, COMMUNITY, "join club")] == [
        "How do I join the reading club?"
    ]
    assert knowledge.search(store, COMMUNITY, "几点开始") == []  # open: not in the base yet
    marked = knowledge.answer(store, COMMUNITY, f"{BOT}|7", "晚上八点", source="operator:cli")
    assert (marked.status, marked.answer, marked.answered_by) == ("answered", "晚上八点", "marked")
    with store.read() as conn:
        before = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == before  # the log alone makes the base
    assert [e.question for e, _ in knowledge.search(store, COMMUNITY, "几点开始")] == ["几点开始？"]
    md = knowledge.export(store, COMMUNITY)  # 沉淀内容: the base as an FAQ, oldest first
    assert md.startswith("# 读书会 · 知识库\n\n共 3 条\n\n## main\n\n### 怎么报名读书会？\n\n答：")
    assert md.endswith("### 几点开始？\n\n答：晚上八点\n")


def test_a_repeat_gets_the_best_answer_by_the_rule_not_the_first_reply(store, clock):
    """The knowledge base shows the best answer (``[engagement.qa] best``: here the reply
    most members reacted to); the bot's answer to a repeat is that same one."""
    loaded(store, group("main"))
    history = T0 + timedelta(hours=1)
    liked = [
        Event(
            "message.reacted",
            history,
            COMMUNITY,
            BOT,
            f"r{who}",
            group="main",
            actor=wx(who),
            data={"message": "3", "emoji": "👍"},
        )
        for who in ("dan", "eve")
    ]
    record(store, [
        say("1", "amy", "怎么报名读书会？", history),
        say("2", "bo", "问群主", history, reply_to="1"),  # the first reply
        say("3", "cy", "点群公告里的报名链接", history, reply_to="1"),
        *liked,
    ])  # fmt: skip
    record(store, [say("8", "fay", "请问怎么报名读书会呢", NOW - timedelta(minutes=1))])
    (repeat,) = _sent(store, "qa_repeat")
    assert repeat["answer"] == "点群公告里的报名链接"


def test_a_repeated_question_gets_the_answer_and_an_open_one_reaches_the_leader(store, clock):
    loaded(store, group("main"))
    history = T0 + timedelta(hours=1)
    record(store, [
        say("1", "amy", "怎么报名读书会？", history),
        say("2", "bo", "点群公告里的报名链接", history, reply_to="1"),
        say("3", "old", "请问怎么报名读书会", history),  # an import's repeat: no answer sent
        Event("role.changed", history, COMMUNITY, "cli", "r1", group="main",
              subject=wx("lead"), data={"role": "group_leader"}),
    ])  # fmt: skip
    assert _sent(store, "qa_repeat") == []
    record(store, [say("8", "cy", "请问怎么报名读书会呢", NOW - timedelta(minutes=1))])
    record(store, [say("8", "cy", "请问怎么报名读书会呢", NOW - timedelta(minutes=1))])  # again
    (repeat,) = _sent(store, "qa_repeat")
    assert (repeat["answer"], repeat["asked"]) == ("点群公告里的报名链接", "怎么报名读书会？")
    mine = knowledge.show(store, COMMUNITY, f"{BOT}|8")
    assert (mine.status, mine.same_as) == ("repeated", f"{BOT}|1")
    asked = knowledge.ask(store, COMMUNITY, wx("dan"), "怎么报名读书会", group=None,
                          source="operator:cli", now=NOW)  # fmt: skip
    assert asked.status == "repeated"  # sent to the bot: the answer goes back privately
    assert _sent(store, "qa_repeat")[-1]["to"] == wx("dan")

    record(store, [say("9", "eve", "周末有活动吗？", NOW)])
    clock_ = FakeClock(NOW + timedelta(hours=11))
    connector = Scripted(clock=clock_)
    w = worker(store, connector, clock_, ticks=True)
    told: list[list[str]] = []
    for hours in (11, 12, 13):  # the tick runs every 15 minutes; each run once here
        clock_.t = NOW + timedelta(hours=hours, minutes=1)
        before = len(connector.calls)
        w.run(once=True)
        told += [c.payload["questions"] for c in connector.calls[before:]
                 if c.payload.get("template") == "qa_unanswered"]  # fmt: skip
    assert told == [["请问怎么报名读书会"], ["周末有活动吗？"]]  # each once, after 12 h
    assert {c.payload["to"] for c in connector.calls if "questions" in c.payload} == {wx("lead")}


def test_replies_in_many_batches_leave_the_text_index_as_the_entries_say(store, clock):
    """Replies answer their questions a batch at a time (an import's thousands): on SQLite the
    text index is fed for them by statement, not by the update trigger (migration 0255). The
    answers' words are found, a question only its asker replied to stays open and findable as
    before, and the index holds exactly what the entries hold."""
    loaded(store, group("main"))
    at = T0 + timedelta(hours=1)
    record(store, [
        say("1", "amy", "怎么报名读书会？", at),
        say("2", "bo", "读书会几点开始？", at),
        say("3", "cy", "Where is the reading club venue?", at),
        say("4", "bo", "我自己也想知道", at, reply_to="2"),  # the asker's own: no answer
        say("5", "dan", "点群公告里的报名链接", at, reply_to="1"),
    ], batch_size=2)  # fmt: skip
    record(store, [
        say("6", "eve", "The venue is the city library.", at, reply_to="3"),
        say("7", "fay", "我也想问问", at, reply_to="2"),  # later: the first other reply answers
        say("8", "gus", "也可以找群主", at, reply_to="1"),  # 1 is answered already
    ])  # fmt: skip
    with store.read() as conn:
        answers = {e.question: (e.status, e.answer) for e in list_entries(conn, COMMUNITY)}
        assert answers == {
            "怎么报名读书会？": ("answered", "点群公告里的报名链接"),
            "读书会几点开始？": ("answered", "我也想问问"),
            "Where is the reading club venue?": ("answered", "The venue is the city library."),
        }
        by_answer = candidates(conn, COMMUNITY, ["群公告里", "city library"])
        assert sorted(e.question for e in by_answer) == [
            "Where is the reading club venue?",
            "怎么报名读书会？",
        ]
        assert [e.question for e in candidates(conn, COMMUNITY, ["几点开始"])] == [
            "读书会几点开始？"
        ]
        if conn.dialect.name == "sqlite":  # the index against the entries, row by row
            conn.exec_driver_sql(
                "INSERT INTO qa_search (qa_search, rank) VALUES ('integrity-check', 1)"
            )
        before = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == before
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "INSERT INTO qa_search (qa_search, rank) VALUES ('integrity-check', 1)"
            )
