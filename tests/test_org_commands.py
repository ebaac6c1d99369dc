"""Rules of order through a bot (P-ORG-3): members move, second and vote on motions and
nominate, accept and cast secret ballots by writing to the bot in private — the same engine
functions as the CLI and the API decide, the reply is in the community's language, and a
re-delivered command changes nothing and is answered once."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from shequn.engine.bot_commands import BotCommand, answer
from shequn.engine.elections import audit, list_elections, open_election
from shequn.engine.motions import list_motions
from shequn.engine.org_commands import TEXT
from shequn.engine.record import record
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.org_helpers import DAY, ev

_n = iter(range(10**6))


def say(store: Store, who: str, text: str, at: datetime, *, ref: str | None = None) -> str:
    """``who`` writes ``text`` to the bot; returns the bot's reply."""
    name, _, args = text[1:].partition(" ")
    command = BotCommand(who, name, args, ref or f"chat:{next(_n)}", at)
    answer(store, COMMUNITY, [command], source="bot")
    return replies(store, command.ref)[-1]


def replies(store: Store, ref: str) -> list[str]:
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, limit=500)
    return [a["payload"]["text"] for a in sent if a["payload"].get("command") == ref]


def members(store: Store, *names: str) -> list[str]:
    keys = [wx(n) for n in names]
    record(store, [ev("member.joined", T0 - DAY, k) for k in keys])
    return keys


def test_a_motion_moved_seconded_and_voted_on_through_the_bot(store):
    loaded(store, group("main"))
    a, b, c = members(store, "a", "b", "c")
    moved = say(store, a, "/motion 每周六晚八点固定读书分享", T0)
    (motion,) = list_motions(store, COMMUNITY, now=T0)
    assert moved == f"动议 {motion['motion']} 已提出，需要有人附议（/second {motion['motion']}）。"
    assert motion["group"] == "main" and motion["mover"] == a  # the only group of the mover
    m = motion["motion"]
    assert say(store, a, f"/second {m}", T0) == "提出人不能附议自己的动议。"
    assert say(store, b, f"/vote {m} 赞成", T0) == "这个动议还没开始表决（需要先附议）。"
    assert say(store, b, f"/second {m}", T0 + timedelta(minutes=1)).startswith("你已附议")
    assert (
        say(store, b, f"/vote {m} 赞成", T0 + timedelta(hours=1))
        == f"已记录你对动议 {m} 的表决：赞成。"
    )
    assert (
        say(store, b, f"/vote {m} no", T0 + timedelta(hours=2))
        == f"你已对动议 {m} 表决过，以第一次为准。"
    )
    assert say(store, c, f"/vote {m}", T0) == TEXT["zh"]["usage_vote"]
    assert say(store, c, "/second m-nope", T0) == "没有编号为 m-nope 的动议。"
    (row,) = list_motions(store, COMMUNITY, now=T0 + timedelta(hours=3))
    assert (row["yes"], row["no"]) == (1, 0)


def test_a_redelivered_command_changes_nothing_and_is_answered_once(store):
    loaded(store, group("main"))
    a, b = members(store, "a", "b")
    say(store, a, "/motion 换群主", T0, ref="chat:a:1")
    (motion,) = list_motions(store, COMMUNITY, now=T0)
    say(store, b, f"/second {motion['motion']}", T0, ref="chat:b:1")
    for _ in range(2):  # the platform delivers both updates again
        answer(store, COMMUNITY, [BotCommand(a, "motion", "换群主", "chat:a:1", T0)], source="bot")
        seconded = BotCommand(b, "second", motion["motion"], "chat:b:1", T0)
        answer(store, COMMUNITY, [seconded], source="bot")
    assert len(list_motions(store, COMMUNITY, now=T0)) == 1
    assert len(replies(store, "chat:a:1")) == len(replies(store, "chat:b:1")) == 1
    assert replies(store, "chat:b:1")[0].startswith("你已附议")


def test_a_member_in_several_groups_names_the_group(store):
    loaded(store, group("main"), group("second"))
    (a,) = members(store, "a")
    joined = ev("member.joined", T0 - DAY, a)
    record(store, [replace(joined, group="second", source_ref=joined.source_ref + "b")])
    assert (
        say(store, a, "/motion 换群主", T0)
        == "你在多个群里，请写明群：/motion 群 动议内容（main, second）"
    )
    say(store, a, "/motion second 换群主", T0)
    assert [m["group"] for m in list_motions(store, COMMUNITY, now=T0)] == ["second"]
    assert say(store, wx("nobody"), "/motion 你好", T0) == TEXT["zh"]["no_group"]


def test_an_election_through_the_bot_keeps_the_ballot_secret(store):
    loaded(store, group("main"))
    lin, wang, voter = members(store, "lin", "wang", "voter")
    record(store, [ev("member.renamed", T0 - DAY, wang, name="王五")])
    el = open_election(store, COMMUNITY, "main", "group_leader", now=T0)
    e = el.election
    assert say(store, lin, f"/nominate {e}", T0) == f"已提名 {lin} 参加选举 {e}。"
    say(store, voter, f"/nominate {e} 王五", T0)  # by display name
    assert say(store, lin, f"/accept {e}", T0) == "你没有待接受的提名。"  # self: accepted
    assert say(store, wang, f"/accept {e}", T0) == f"你已接受选举 {e} 的提名。"
    assert say(store, voter, f"/ballot {e} 1", T0) == "现在不是投票时间。"
    voting = el.nominations_close + timedelta(minutes=1)
    listed = say(store, voter, f"/ballot {e}", voting)
    (row,) = list_elections(store, COMMUNITY, now=voting)
    number = row["candidates"].index(wang) + 1
    assert f"{number}. 王五" in listed and listed.endswith(f"投票：/ballot {e} 序号")
    assert say(store, voter, f"/ballot {e} {number}", voting) == "你的选票已投出（不记名）。"
    assert say(store, voter, f"/ballot {e} 王五", voting).startswith("你已在选举")
    assert [(b["voter"], b["candidate"]) for b in audit(store, COMMUNITY, e)] == [(voter, wang)]


def test_every_refusal_the_engine_names_has_words_in_both_languages():
    assert TEXT["zh"].keys() == TEXT["en"].keys()
    engine = Path(__file__).parents[1] / "src" / "shequn" / "engine"
    sources = "".join(
        (engine / f).read_text() for f in ("motions.py", "elections.py", "organization_levels.py")
    )
    reasons = set(re.findall(r'reason="(\w+)"', sources))
    assert reasons >= {"closed", "not_eligible", "no_ballots_now"}
    from shequn.engine.org_commands import REASON_KEYS

    assert {REASON_KEYS.get(r, r) for r in reasons} <= TEXT["zh"].keys()
