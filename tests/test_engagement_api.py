"""Sharing sessions and check-in boards over the API, used as a client would: plan, read,
ask, move, cancel and summarize through the same engine the CLI calls, read a camp's board; a
scoped token sees its groups only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shequn.engine.engagement import honours, meetups
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.text import message_data
from tests.test_api import C, Env, assert_problem, build_env


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Any:
    e = build_env(database_url, tmp_path)
    yield e
    e.close()


def test_a_session_through_the_api(env: Env) -> None:
    owner = env.as_("owner")
    body = {"group": "main", "title": "读书", "at": "2999-05-08T20:00", "speaker": "wechat:lin"}
    first = owner.post(f"communities/{C}/sessions", json=body).json()
    again = owner.post(f"communities/{C}/sessions", json=body).json()
    sid = first["session"]
    assert (first["new"], again["new"], again["session"]) == (True, False, sid)
    assert sid.startswith("main-29990508-")
    member = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][0]
    asked = {"member": member["key"], "text": "怎么坚持？", "ref": "m1"}
    answers = [owner.post(f"communities/{C}/sessions/{sid}/questions", json=asked).json()]
    answers.append(owner.post(f"communities/{C}/sessions/{sid}/questions", json=asked).json())
    assert [a["collected"] for a in answers] == [True, False]
    moved = owner.post(f"communities/{C}/sessions/{sid}/move", json={"at": "2999-05-09T20:00"})
    assert moved.json()["starts_at"] != first["starts_at"]
    shown = owner.get(f"communities/{C}/sessions/{sid}").json()
    assert (shown["questions"], shown["status"]) == (1, "planned")
    gone = owner.post(f"communities/{C}/sessions/{sid}/cancel", json={"reason": "下雨"}).json()
    assert gone["status"] == "cancelled"
    assert_problem(owner.post(f"communities/{C}/sessions/{sid}/summary", json={"text": "x"}), 409)
    assert_problem(
        owner.post(f"communities/{C}/sessions/{sid}/move", json={"at": "1900-01-01T20:00"}), 422
    )


def test_a_group_leader_sees_and_acts_in_their_groups_only(env: Env) -> None:
    owner, leader = env.as_("owner"), env.as_("group_leader")
    for g in ("main", "camp-21"):
        body = {"group": g, "title": g, "at": "2999-05-08T20:00", "session": f"s-{g}"}
        assert owner.post(f"communities/{C}/sessions", json=body).status_code == 200
    assert [s["session"] for s in leader.get(f"communities/{C}/sessions").json()] == ["s-main"]
    hidden = assert_problem(leader.get(f"communities/{C}/sessions/s-camp-21"), 404)
    missing = assert_problem(leader.get(f"communities/{C}/sessions/nothing"), 404)
    assert hidden["detail"].replace("s-camp-21", "X") == missing["detail"].replace("nothing", "X")
    move = {"at": "2999-06-01T20:00"}
    assert_problem(leader.post(f"communities/{C}/sessions/s-camp-21/move", json=move), 404)
    assert leader.post(f"communities/{C}/sessions/s-main/move", json=move).status_code == 200
    summary = leader.post(f"communities/{C}/sessions/s-main/summary", json={"text": "要点"})
    assert summary.json()["queued"] > 0


def test_a_camp_board_through_the_api(env: Env) -> None:
    owner, leader = env.as_("owner"), env.as_("group_leader")
    member = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][0]
    now = datetime.now(UTC)
    record(env.store, [Event("checkin.done", now, C, "bot", "ck1", group="main",
                             actor=member["key"], data={"camp": "main", "day": 1})])  # fmt: skip
    [row] = owner.get(f"communities/{C}/checkins/main/board").json()
    assert (row["member"], row["current"], row["total"]) == (member["key"], 1, 1)
    assert leader.get(f"communities/{C}/checkins/main/board").status_code == 200
    assert_problem(leader.get(f"communities/{C}/checkins/camp-21/board"), 404)


def test_points_spent_and_a_badge_revoked_through_the_api(env: Env) -> None:
    """A member who answered ten questions in ``main`` earns 100 points and the answers-10
    badge; a group leader of ``main`` spends 30 of the points (twice with one ref is once),
    more than is left is 409; revoking is a manager's, never a group leader's."""
    owner = env.as_("owner")
    member = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][0]
    asker = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][1]
    at = datetime.now(UTC).replace(microsecond=0)
    events = []
    for n in range(10):
        events.append(
            Event(
                "message.posted",
                at,
                C,
                "mx",
                f"q{n}",
                group="main",
                actor=asker["key"],
                data=message_data(f"第{n}个问题怎么办？"),
            )
        )
        events.append(
            Event(
                "message.posted",
                at,
                C,
                "mx",
                f"a{n}",
                group="main",
                actor=member["key"],
                data=message_data("这样做", reply_to=f"q{n}"),
            )
        )
    record(env.store, events)  # fmt: skip
    honours.grant(env.store, C)
    before = owner.get(f"communities/{C}/points/{member['key']}").json()
    assert ("answers", 10) in [(b["badge"], b["level"]) for b in before["badges"]]
    leader = env.as_("group_leader")
    spend = {"amount": 30, "reward": "书签", "ref": "gift-1"}
    after = leader.post(f"communities/{C}/points/{member['key']}/spend", json=spend).json()
    again = leader.post(f"communities/{C}/points/{member['key']}/spend", json=spend).json()
    assert after["points"] == again["points"] == before["points"] - 30
    too_much = {"amount": after["points"] + 1, "reward": "书"}
    assert_problem(leader.post(f"communities/{C}/points/{member['key']}/spend", json=too_much), 409)
    take = {"badge": "answers", "level": 10, "reason": "刷答案"}
    assert_problem(leader.post(f"communities/{C}/badges/{member['key']}/revoke", json=take), 403)
    gone = env.as_("manager").post(f"communities/{C}/badges/{member['key']}/revoke", json=take)
    assert gone.json()["revoked"] is True
    assert ("answers", 10) not in [(b["badge"], b["level"]) for b in gone.json()["badges"]]
    twice = owner.post(f"communities/{C}/badges/{member['key']}/revoke", json=take).json()
    assert twice["revoked"] is False


def test_members_answer_a_meetup_through_the_api(env: Env) -> None:
    owner, leader = env.as_("owner"), env.as_("group_leader")
    start = datetime(2999, 5, 8, 12, tzinfo=UTC)
    for g in ("main", "camp-21"):
        meetups.plan_meetup(env.store, C, g, title="读书会", venue="咖啡馆", starts_at=start,
                            capacity=1, meetup=f"m-{g}")  # fmt: skip
    listed = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"]
    main = [m["key"] for m in listed]
    answers = [
        leader.post(f"communities/{C}/meetups/m-main/rsvp",
                    json={"member": who, "answer": "yes", "ref": f"a-{who}"}).json()
        for who in (main[0], main[1], main[1])
    ]  # fmt: skip
    assert [a["stands"] for a in answers] == ["going", "waitlisted", "waitlisted"]
    shown = leader.get(f"communities/{C}/meetups/m-main").json()
    assert (shown["going"], shown["waitlist"], "code" in shown) == ([main[0]], [main[1]], False)
    gave_back = {"member": main[0], "answer": "no"}
    assert owner.post(f"communities/{C}/meetups/m-main/rsvp", json=gave_back).json()["stands"] == (
        "not going"
    )
    assert owner.get(f"communities/{C}/meetups/m-main").json()["going"] == [main[1]]
    assert [m["meetup"] for m in leader.get(f"communities/{C}/meetups").json()] == ["m-main"]
    assert_problem(leader.get(f"communities/{C}/meetups/m-camp-21"), 404)
    wrong = {"member": main[0], "answer": "perhaps"}
    assert_problem(owner.post(f"communities/{C}/meetups/m-main/rsvp", json=wrong), 422)


def test_a_meetup_planned_through_the_api_invites_its_region(env: Env, tmp_path: Path) -> None:
    """``POST …/meetups`` plans like ``shequn meetup plan``; ``region`` invites the other
    groups of the group's region, each of which the token must cover."""
    from shequn.engine.blueprint import load_into_store
    from shequn.model.blueprint import load_blueprint
    from tests.test_api import EXAMPLE

    owner, leader = env.as_("owner"), env.as_("group_leader")
    body = {"group": "main", "title": "读书会", "venue": "咖啡馆", "at": "2999-05-08T20:00"}
    first = owner.post(f"communities/{C}/meetups", json=body).json()
    again = owner.post(f"communities/{C}/meetups", json=body).json()
    assert (first["new"], again["new"], first["meetup"]) == (True, False, again["meetup"])
    assert first["invited"] == [] and "code" not in first  # the door code stays in the log
    assert_problem(leader.post(f"communities/{C}/meetups", json={**body, "group": "camp-21"}), 404)
    regional = {**body, "at": "2999-05-09T20:00", "region": True}
    assert_problem(owner.post(f"communities/{C}/meetups", json=regional), 409)  # no region yet

    toml = (EXAMPLE / "community.toml").read_text(encoding="utf-8")
    for slug in ("main", "camp-21"):  # both in one region
        toml = toml.replace(f'slug = "{slug}"\n', f'slug = "{slug}"\nregion = "北京"\n')
    bp_file = tmp_path / "regions.toml"
    bp_file.write_text(toml, encoding="utf-8")
    load_into_store(env.store, load_blueprint(bp_file))
    assert_problem(
        leader.post(f"communities/{C}/meetups", json=regional), 404
    )  # camp-21: not theirs
    planned = owner.post(f"communities/{C}/meetups", json=regional).json()
    assert planned["new"] and planned["invited"] == ["camp-21"]


def test_role_models_are_named_and_listed_through_the_api(env: Env) -> None:
    owner, leader = env.as_("owner"), env.as_("group_leader")
    first_of = {g: owner.get(f"communities/{C}/members", params={"group": g}).json()["items"][0]
                for g in ("main", "camp-21")}  # fmt: skip
    main, camp = first_of["main"]["key"], first_of["camp-21"]["key"]
    body = {"group": "main", "member": main, "title": "本月之星", "story": "每天都来答疑"}
    first = leader.post(f"communities/{C}/honours", json=body).json()
    again = leader.post(f"communities/{C}/honours", json=body).json()
    assert (first["new"], again["new"], first["honour"]) == (True, False, again["honour"])
    assert (first["member"], first["title"], first["group"]) == (main, "本月之星", "main")
    told = {**body, "group": "camp-21", "member": camp}
    assert_problem(leader.post(f"communities/{C}/honours", json=told), 404)  # not their group
    owner.post(f"communities/{C}/honours", json=told)
    assert [h["group"] for h in owner.get(f"communities/{C}/honours").json()] == ["camp-21", "main"]
    assert [h["group"] for h in leader.get(f"communities/{C}/honours").json()] == ["main"]
    blank = {**body, "story": ""}
    assert_problem(owner.post(f"communities/{C}/honours", json=blank), 422)


def test_content_entries_and_their_footer_through_the_api(env: Env) -> None:
    owner, leader = env.as_("owner"), env.as_("group_leader")
    body = {"title": "共读计划", "url": "https://mp.weixin.qq.com/s/plan", "group": "main"}
    first = leader.post(f"communities/{C}/content/entries", json=body).json()
    again = leader.post(f"communities/{C}/content/entries", json=body).json()
    assert (first["new"], again["new"], again["link"]) == (True, False, first["link"])
    assert first["channel"] == f"content:{first['entry']}" and first["joined"] == 0
    camp = {**body, "group": "camp-21", "url": "https://mp.weixin.qq.com/s/camp"}
    assert_problem(leader.post(f"communities/{C}/content/entries", json=camp), 404)
    other = owner.post(f"communities/{C}/content/entries", json=camp).json()
    assert [e["group"] for e in owner.get(f"communities/{C}/content/entries").json()] == [
        "camp-21", "main"]  # fmt: skip
    assert [e["group"] for e in leader.get(f"communities/{C}/content/entries").json()] == ["main"]
    md = leader.get(f"communities/{C}/content/entries/{first['entry']}/footer",
                    params={"format": "md"})  # fmt: skip
    assert md.headers["content-type"].startswith("text/markdown")
    assert "共读计划" in md.text and "](data:image/png;base64," in md.text
    html = owner.get(f"communities/{C}/content/entries/{other['entry']}/footer")
    assert html.headers["content-type"].startswith("text/html") and "<img src=" in html.text
    footer_of_camp = f"communities/{C}/content/entries/{other['entry']}/footer"
    assert_problem(leader.get(footer_of_camp), 404)  # another group's piece
    bad = {**body, "url": "not a url", "entry": "x"}
    assert_problem(owner.post(f"communities/{C}/content/entries", json=bad), 422)
