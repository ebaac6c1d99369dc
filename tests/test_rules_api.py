"""Moderation over the API as a client uses it: a member's appeal filed for them, decided by a
manager; a member's report of an activity that lets their announcement through (seed 004)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.rules_queries import events_by
from tests.test_api import C, Env, assert_problem, build_env


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Any:
    e = build_env(database_url, tmp_path)
    yield e
    e.close()


def _step(env: Env, member: str) -> int:
    step = Event("moderation.applied", datetime.now(UTC), C, "mx-mod", "s1", group="main",
                 subject=member, data={"step": "mute", "rule": "advert"})  # fmt: skip
    record(env.store, [step])
    with env.store.read() as conn:
        return events_by(conn, C, ("moderation.applied",))[-1][0]


def test_an_appeal_filed_through_the_api_then_granted(env: Env) -> None:
    owner = env.as_("owner")
    member = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][0]
    step = _step(env, member["key"])
    filed = owner.post(f"communities/{C}/moderation/steps/{step}/appeals",
                       json={"text": "我发的是活动通知，不是广告"})  # fmt: skip
    assert filed.status_code == 200
    assert (filed.json()["kind"], filed.json()["actor"]) == ("appeal.filed", member["key"])
    again = owner.post(f"communities/{C}/moderation/steps/{step}/appeals", json={"text": "再次"})
    assert_problem(again, 409)
    listed = owner.get(f"communities/{C}/moderation/appeals").json()
    assert [(a["member"], a["text"], a["outcome"]) for a in listed] == [
        (member["key"], "我发的是活动通知，不是广告", None)
    ]
    granted = owner.post(f"communities/{C}/moderation/steps/{step}/appeal",
                         json={"outcome": "granted", "reason": "误判"})  # fmt: skip
    assert granted.json()["data"]["outcome"] == "granted"
    steps = owner.get(f"communities/{C}/moderation/steps").json()
    assert {s["id"]: s["reversed"] for s in steps}[step] is True


def test_only_the_steps_member_may_appeal_it(env: Env) -> None:
    owner = env.as_("owner")
    one, other = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][:2]
    step = _step(env, one["key"])
    wrong = {"text": "x", "member": other["key"]}
    assert_problem(owner.post(f"communities/{C}/moderation/steps/{step}/appeals", json=wrong), 404)
    assert_problem(owner.post(f"communities/{C}/moderation/steps/{step}/appeals", json={}), 422)


def test_a_reported_activity_is_logged_for_its_member(env: Env) -> None:
    owner = env.as_("owner")
    member = owner.get(f"communities/{C}/members", params={"group": "main"}).json()["items"][0]
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = {"member": member["key"], "group": "main", "title": "周六读书会", "starts_at": starts,
            "ref": "r1"}  # fmt: skip
    first = owner.post(f"communities/{C}/moderation/activities", json=body).json()
    owner.post(f"communities/{C}/moderation/activities", json=body)  # the same report
    assert (first["kind"], first["actor"], first["data"]["title"]) == (
        "activity.reported", member["key"], "周六读书会",
    )  # fmt: skip
    with env.store.read() as conn:
        assert len(events_by(conn, C, ("activity.reported",))) == 1
    leader = env.as_("group_leader")
    elsewhere = {**body, "group": "camp-21"}
    assert_problem(leader.post(f"communities/{C}/moderation/activities", json=elsewhere), 404)
