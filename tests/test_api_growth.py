"""Entry and fission over the API, the way a platform bot and an operator's tools use it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.test_api import C, assert_problem, build_env

INVITE2 = {"name": "邀请 2 人", "groups": ["main"], "tiers": [{"invites": 2, "reward": "书单"}]}


def joined(who: str, group: str, at: str, ref: str, **data: object) -> dict[str, object]:
    return {"kind": "member.joined", "occurred_at": at, "group": group, "actor": who,
            "source_ref": ref, "data": data}  # fmt: skip


@pytest.fixture
def api(database_url, tmp_path):
    e = build_env(database_url, tmp_path)
    yield e
    e.close()


def test_a_bot_runs_a_referral_campaign_through_the_api(api):
    env = api
    owner = env.as_("owner")
    r = owner.request("PUT", f"communities/{C}/campaigns/invite2", json=INVITE2)
    assert r.status_code == 200 and r.json()["changed"] is True
    again = owner.request("PUT", f"communities/{C}/campaigns/invite2", json=INVITE2)
    assert again.json()["changed"] is False
    bad = owner.request("PUT", f"communities/{C}/campaigns/x", json={"name": "x", "groups": []})
    assert_problem(bad, 422, "groups")

    poster = owner.post(
        f"communities/{C}/members/wechat:wxid_ess4divu2t011v/poster", params={"campaign": "invite2"}
    )
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(poster.content)).size == (750, 1334)
    code = poster.headers["X-Shequn-Link"]

    manager = env.as_("manager")  # the bot's token: a manager of ``main``
    for n in (1, 2):
        r = manager.post(
            f"communities/{C}/entries",
            json={"identity": f"wechat:new{n}", "link": code, "ref": f"k{n}"},
        )
        assert r.status_code == 200, r.text
        assert [(e["group"], e["status"]) for e in r.json()] == [("main", "queued")]  # waves of 20
    assert_problem(
        manager.post(f"communities/{C}/entries", json={"identity": "wechat:x", "link": "nope"}), 404
    )

    # the operator opens the wave early; the platform reports the joins
    from shequn.engine.entry import open_waves

    assert open_waves(env.store, C, force=True) == 1
    admits = manager.get(f"communities/{C}/actions", params={"kind": "member.admit"}).json()
    assert [a["payload"]["identity"] for a in admits] == ["wechat:new1", "wechat:new2"]
    assert {a["payload"]["link"] for a in admits} == {code}  # the join data to echo
    done = manager.post(
        f"communities/{C}/actions/{admits[0]['id']}/done", json={"result": {"ok": 1}}
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert_problem(manager.post(f"communities/{C}/actions/{admits[0]['id']}/done", json={}), 409)
    at = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()  # just after the knocks
    events = [
        joined(f"wechat:new{n}", "main", at, f"j{n}", inviter="wechat:wxid_ess4divu2t011v")
        for n in (1, 2)
    ]
    assert manager.post(f"communities/{C}/events", json={"events": events}).status_code == 200
    board = owner.get(f"communities/{C}/campaigns/invite2/leaderboard").json()
    assert [(p["inviter"], p["count"]) for p in board] == [("wechat:wxid_ess4divu2t011v", 2)]
    assert owner.get(f"communities/{C}/fraud-cases").json() == []
    assert_problem(manager.get(f"communities/{C}/fraud-cases"), 404)  # community-wide
