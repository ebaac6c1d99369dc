"""Care at scale (P-ENG-7) and points and badges (P-ENG-8): private messages at each member's
own hour, once per occasion, never after /stop; badge levels granted once from the same counts
the pyramid uses, revocable; points earned by rule and never spent below zero."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from shequn.engine.engagement import caring, honours
from shequn.engine.engagement.at_risk import at_risk_tick, replica_path
from shequn.engine.engagement.badges import decide_badges, decide_spend, earned, points
from shequn.engine.engagement.care import (
    AtRisk,
    Person,
    active_hour,
    card_variables,
    decide_at_risk,
    decide_care,
    parse_birthday,
)
from shequn.engine.engagement.checkins import remind
from shequn.engine.engagement.sessions import plan_session, summarize
from shequn.engine.intake import record_intake
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.events import Event
from shequn.model.templates import render_payload
from shequn.model.text import message_data
from shequn.store.care import opted_out
from shequn.store.outbox import list_actions
from tests.engagement_helpers import EVENING
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.test_cli import cli  # noqa: F401 (the fixture)

# T0 is 2026-05-01 10:00 in Shanghai
DAY3 = T0 + timedelta(days=2)


def person(name: str, **kw) -> Person:
    return Person(wx(name), "main", kw.pop("joined_at", T0 - timedelta(hours=1)), **kw)


# -- pure -----------------------------------------------------------------------------------


def test_care_finds_the_occasion_and_the_members_own_hour():
    bp = blueprint(group("main"))
    assert active_hour(bp, [21, 21, 9, 8]) == 21 and active_hour(bp, []) == 20
    people = [
        person("new", hours=(21, 21, 9)),  # day 3 today: at 21:00 local
        person("old", joined_at=T0 - timedelta(days=40), recent_posts=30,
               last_post=DAY3 - timedelta(days=15)),  # a key member silent 15 days
        person("chatty", joined_at=T0 - timedelta(days=40), recent_posts=3,
               last_post=DAY3 - timedelta(days=15)),  # not a key member: left alone
        person("bday", joined_at=T0 - timedelta(days=40), card={"birthday": "1990-05-03"}),
        person("quiet", opted_out=True),  # /stop: nothing, whatever the occasion
    ]  # fmt: skip
    decisions = decide_care(bp, people, DAY3)
    sent = [(d.actions[0].payload["to"], d.actions[0].payload["template"]) for d in decisions]
    assert sent == [(wx("new"), "care_newcomer"), (wx("old"), "care_silent"),
                    (wx("bday"), "care_birthday")]  # fmt: skip
    assert decisions[0].actions[0].due_at == T0 + timedelta(days=2, hours=11)  # 21:00 local
    assert decisions[1].actions[0].due_at == T0 + timedelta(days=2, hours=10)  # no hours: 20:00
    assert decisions[0].events[0].source_ref == f"care:{COMMUNITY}:{wx('new')}:newcomer:main"
    assert parse_birthday("1990-05-03") == parse_birthday("05-03") == "05-03"
    assert parse_birthday("3 May") is None
    later = blueprint(group("main"), extra="[engagement.care]\nnewcomer_day = 7\n")
    assert not decide_care(later, people[:1], DAY3)


def test_the_intake_card_is_a_care_variable_with_a_fallback_for_no_card():
    card = {"city": "杭州", "profession": "设计师", "birthday": "1990-05-03", "pets": 2}
    assert card_variables(card) == {"city": "杭州", "profession": "设计师", "company": "",
                                    "birthday": "05-03", "has_card": True}  # fmt: skip
    assert card_variables(None) == dict.fromkeys(("city", "profession", "company", "birthday"),
                                                 "") | {"has_card": False}  # fmt: skip
    text = ('{{ name }}，{% if has_card %}{{ city or "你那边" }}的{{ company or "同行" }}'
            '最近怎样？{% else %}还没填名片哦。{% endif %}')  # fmt: skip
    custom = blueprint(group("main"), extra=f"[templates.care_newcomer]\nzh = '{text}'\n")
    [with_card, without] = decide_care(custom, [
        replace(person("amy", card={"profession": "设计师", "company": "西湖书店"}), name="Amy"),
        replace(person("bo"), name="阿波"),
    ], DAY3)  # fmt: skip
    assert render_payload(custom, with_card.actions[0].payload) == "Amy，你那边的西湖书店最近怎样？"
    assert render_payload(custom, without.actions[0].payload) == "阿波，还没填名片哦。"
    bp = blueprint(group("main"))
    [shipped] = decide_care(bp, [person("cy", card={"city": "成都"})], DAY3)
    assert "成都最近怎么样？" in render_payload(bp, shipped.actions[0].payload)  # the default text
    [plain] = decide_care(bp, [person("dee")], DAY3)
    assert "最近怎么样" not in render_payload(bp, plain.actions[0].payload)


def test_badge_levels_points_and_spending():
    bp = blueprint(group("main"))
    mine = {"answer": 26, "streak": 8, "invite": 0, "checkins": 8}
    assert earned(bp, mine) == [("answers", 10), ("answers", 25), ("streak", 7)]
    d = decide_badges(bp, wx("amy"), None, mine, {("answers", 10)}, T0)
    assert [(e.data["badge"], e.data["level"]) for e in d.events] == [
        ("answers", 25), ("streak", 7)]  # fmt: skip
    assert d.actions[0].payload["badges"] == ["answers 25", "streak 7"]
    assert not decide_badges(bp, wx("amy"), None, mine, set(earned(bp, mine)), T0)
    assert points(bp, mine, spent=100) == 26 * 10 + 8 * 5 - 100
    with pytest.raises(Conflict):
        decide_spend(bp, wx("amy"), 50, 60, "书", T0, "r", None)
    lax = blueprint(group("main"), extra="[engagement.points]\nallow_negative = true\n")
    assert decide_spend(lax, wx("amy"), 50, 60, "书", T0, "r", None).events


# -- through the store and the worker -------------------------------------------------------


def _care(store) -> list[tuple[str, str]]:
    with store.read() as conn:
        rows = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    return [(r["payload"]["to"], r["payload"]["template"]) for r in rows
            if str(r["payload"].get("template", "")).startswith("care_")]  # fmt: skip


def test_care_reaches_a_newcomer_once_on_day_three_and_never_after_stop(store):
    loaded(store, group("main"))
    record(store, [Event("member.joined", T0, COMMUNITY, "bot", f"j{n}", group="main",
                         actor=wx(n)) for n in ("amy", "bo")])  # fmt: skip
    assert caring.set_opt_out(store, COMMUNITY, wx("bo"), source="bot", ref="stop-bo")
    record_intake(store, COMMUNITY, wx("amy"), card={"city": "杭州"}, now=T0, ref="card-amy")
    for hours in (0, 24, 48, 49):  # day 1, day 2, day 3 twice
        caring.send_care(store, COMMUNITY, T0 + timedelta(hours=hours))
    assert _care(store) == [(wx("amy"), "care_newcomer")]
    with store.read() as conn:  # her intake card's city, read by the tick
        [sent] = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    assert (sent["payload"]["city"], sent["payload"]["has_card"]) == ("杭州", True)
    caring.set_opt_out(store, COMMUNITY, wx("bo"), False, source="bot", ref="start-bo")
    with store.read() as conn:
        assert opted_out(conn, COMMUNITY) == set()


def test_badges_are_granted_once_from_answers_and_points_are_spent(store):
    loaded(store, group("main"))
    events = []
    for n in range(10):
        ask = message_data(f"第{n}个问题怎么办？")
        events.append(Event("message.posted", T0 + timedelta(minutes=n), COMMUNITY, "bot",
                            f"q{n}", group="main", actor=wx("bo"), data=ask))  # fmt: skip
        answer = message_data("这样做就行", reply_to=f"q{n}")
        at = T0 + timedelta(minutes=n, seconds=30)
        events.append(Event("message.posted", at, COMMUNITY, "bot", f"a{n}", group="main",
                            actor=wx("amy"), data=answer))  # fmt: skip
    record(store, events)
    assert honours.grant(store, COMMUNITY, T0 + timedelta(hours=1)) == 1  # the backfill
    assert honours.grant(store, COMMUNITY, T0 + timedelta(hours=2)) == 0  # once
    amy = honours.standing(store, COMMUNITY, wx("amy"), T0 + timedelta(hours=2))
    assert ([(b["badge"], b["level"]) for b in amy["badges"]], amy["points"]) == (
        [("answers", 10)], 100)  # fmt: skip
    assert honours.spend(store, COMMUNITY, wx("amy"), 30, "书签", now=T0 + timedelta(hours=2)) == 70
    with pytest.raises(Conflict):
        honours.spend(store, COMMUNITY, wx("amy"), 80, "书", now=T0 + timedelta(hours=2))
    assert honours.revoke(store, COMMUNITY, wx("amy"), "answers", 10, reason="刷答案")
    assert honours.grant(store, COMMUNITY, T0 + timedelta(hours=3)) == 0  # never again
    assert honours.standing(store, COMMUNITY, wx("amy"))["badges"] == []


def test_stop_is_honoured_by_the_check_in_reminder_and_the_session_summary(store):
    loaded(store, group("main", gates=["camp"], camp="camp"), group("camp"))
    before = T0 - timedelta(days=1)
    pairs = [(n, g) for n in ("amy", "bo") for g in ("camp", "main")]
    record(store, [Event("member.joined", before, COMMUNITY, "bot", f"j{n}{g}", group=g,
                         actor=wx(n)) for n, g in pairs])  # fmt: skip
    caring.set_opt_out(store, COMMUNITY, wx("bo"), source="bot", ref="stop", now=T0)
    assert remind(store, COMMUNITY, EVENING) == 1  # amy only
    s, _ = plan_session(store, COMMUNITY, "main", title="t", starts_at=T0 + timedelta(days=5),
                        now=T0)  # fmt: skip
    assert summarize(store, COMMUNITY, s.session, "要点", now=T0 + timedelta(days=6)) == 1


# -- care from the churn-risk metric ---------------------------------------------------------


def test_a_member_the_churn_metric_flags_hears_from_us_once_at_their_hour():
    bp = blueprint()
    flagged = [AtRisk(wx("amy"), "main", (T0 - timedelta(days=9)).date(), 0.0)]
    (d,) = decide_at_risk(bp, flagged, {wx("amy"): [21, 21, 9]}, T0)
    (sent,), (msg,) = d.events, d.actions
    assert (sent.data["trigger"], sent.subject) == ("at_risk", wx("amy"))
    assert sent.source_ref.endswith(":at_risk:2026-04-22")  # once per decline
    assert msg.due_at == T0 + timedelta(hours=11)  # 21:00 in Shanghai, her hour
    assert (msg.payload["template"], msg.payload["days"]) == ("care_at_risk", 9)
    off = blueprint(extra="[engagement.care]\nenabled = false\n")
    assert decide_at_risk(off, flagged, {}, T0) == []


def _decline(store) -> None:
    """amy posts daily for eight weeks, then stops; bo goes on to the as-of day (T0)."""
    start = T0 - timedelta(weeks=10)
    events = [
        Event("message.posted", start + timedelta(days=n, hours=h), COMMUNITY, "imp",
              f"{who}-{n}", group="main", actor=wx(who), data=message_data("今天读了十页"))
        for n in range(70)
        for who, h in (("amy", 11), ("bo", 1))
        if who == "bo" or n < 56
    ]  # fmt: skip
    record(store, events)


def test_care_at_risk_from_the_metric_through_the_cli(cli, store, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("SHEQUN_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    loaded(store, group("main"))
    _decline(store)
    dry = cli.json("care", "at-risk", "--dry-run", "--json", "--community", COMMUNITY)
    assert [(c["member"], c["group"], c["ratio"]) for c in dry] == [(wx("amy"), "main", 0.0)]
    with store.read() as conn:
        assert list_actions(conn, community=COMMUNITY, kind="message.send") == []
    sent = cli.json("care", "at-risk", "--json", "--community", COMMUNITY)
    assert [c["member"] for c in sent] == [wx("amy")]
    assert cli.json("care", "at-risk", "--json", "--community", COMMUNITY) == []  # once
    with store.read() as conn:
        (msg,) = list_actions(conn, community=COMMUNITY, kind="message.send")
    assert (msg["payload"]["template"], msg["payload"]["to"]) == ("care_at_risk", wx("amy"))


def test_care_at_risk_passes_over_a_member_who_said_stop(store):
    loaded(store, group("main"))
    caring.set_opt_out(store, COMMUNITY, wx("amy"), source="bot", ref="stop", now=T0)
    last = (T0 - timedelta(days=9)).date()
    flagged = [(wx("amy"), ("main",), last, 0.0), (wx("bo"), ("main",), last, 0.1)]
    chosen = caring.care_at_risk(store, COMMUNITY, flagged, now=T0)
    assert [c.member for c in chosen] == [wx("bo")]


def _hold(path: str) -> subprocess.Popen[str]:
    """Another process with the DuckDB file ``path`` open, as a running API server holds the
    replica; stopped by closing its stdin."""
    code = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    code += "sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", code, path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_the_worker_cares_for_members_at_risk_without_the_servers_replica(
    store, tmp_path, monkeypatch
):
    """The care.at_risk tick writes what ``shequn care at-risk`` would, once per decline, from
    its own replica: the shared one held by another process does not stop it; its own held
    (another worker's round) makes it skip."""
    shared = str(tmp_path / "a.duckdb")
    monkeypatch.setenv("SHEQUN_ANALYTICS_PATH", shared)
    loaded(store, group("main"))
    _decline(store)
    assert at_risk_tick(store, COMMUNITY, T0) == 0  # off unless the blueprint says so
    loaded(store, group("main"), extra="[engagement.care]\nat_risk = true\n")
    server = _hold(shared)
    try:
        other = _hold(replica_path(store))
        try:
            assert at_risk_tick(store, COMMUNITY, T0) == 0  # another worker's round
        finally:
            other.communicate("")
        assert at_risk_tick(store, COMMUNITY, T0) == 1
        assert at_risk_tick(store, COMMUNITY, T0 + timedelta(days=1)) == 0  # once per decline
    finally:
        server.communicate("")
    with store.read() as conn:
        (msg,) = list_actions(conn, community=COMMUNITY, kind="message.send")
    assert (msg["payload"]["template"], msg["payload"]["to"]) == ("care_at_risk", wx("amy"))
    assert replica_path(store) == str(tmp_path / "a.care.duckdb")


OWN_WORDS = """
[templates.care_silent]
zh = "{{ name }}，{{ last_active_days }} 天没说话了。入群 {{ joined_days }} 天，{{ messages }} 条。"
"""


def test_a_care_text_names_the_members_own_variables(store):
    """A key member silent for 15 days hears the community's own words with their display
    name, how long they have been in the group and quiet, and how much they had said."""
    bp = loaded(store, group("main"), extra=OWN_WORDS)
    joined = Event("member.joined", T0 - timedelta(days=40), COMMUNITY, "bot", "j-old",
                   group="main", actor=wx("old"), data={"actor_name": "老王"})  # fmt: skip
    said = [
        Event("message.posted", T0 - timedelta(days=15, minutes=n), COMMUNITY, "bot", f"m{n}",
              group="main", actor=wx("old"), data=message_data("今天读完了第三章"))
        for n in range(30)
    ]  # fmt: skip
    record(store, [joined, *said])
    assert caring.send_care(store, COMMUNITY, DAY3) == 1
    with store.read() as conn:
        (row,) = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    payload = row["payload"]
    assert (payload["name"], payload["joined_days"], payload["messages"]) == ("老王", 42, 30)
    assert render_payload(bp, payload) == "老王，17 天没说话了。入群 42 天，30 条。"
