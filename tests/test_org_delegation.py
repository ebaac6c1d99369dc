"""Delegation (P-ORG-4): who leads each group, the gaps — a group nobody leads, a silent
leader, an overdue small task — and a leaver's roles handed to a successor group by group."""

from __future__ import annotations

from pathlib import Path

import pytest

from shequn.engine.delegation import coverage, handover
from shequn.engine.delegation_rules import Gap, Holder, decide_handover, find_gaps
from shequn.engine.elections import nominate, open_election
from shequn.engine.organization import change_role
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.org_state import OrgTask
from shequn.store.org_queries import role_holders
from shequn.store.queries import list_members
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.org_helpers import DAY, ev
from tests.test_api import V1, C, Env, env  # noqa: F401 (the fixture)
from tests.test_cli import EXAMPLE, Cli, cli, joined, write_jsonl  # noqa: F401 (the fixture)

LIN, WANG, CHEN = wx("lin"), wx("wang"), wx("chen")


def test_gaps_are_unled_groups_silent_leaders_and_overdue_tasks():
    holders = [Holder(LIN, "group_leader", "main"), Holder(WANG, "manager", None)]
    seen = {LIN: T0 - DAY * 2, WANG: T0 - DAY * 10}
    late = OrgTask("t1", CHEN, "欢迎三位新人", T0 - DAY * 9, T0 - DAY * 2)
    done = OrgTask("t2", CHEN, "回答 5 个提问", T0 - DAY * 9, T0 - DAY * 2, done_at=T0 - DAY * 3)
    gaps = find_gaps(["main", "camp"], holders, seen, [late, done], 7, T0)
    assert gaps == [
        Gap("no_leader", "camp", None, None),  # a community-wide manager leads no group
        Gap("leader_inactive", None, WANG, 10),
        Gap("task_overdue", None, CHEN, 2),
    ]
    assert find_gaps(["main"], holders[:1], {}, [], 7, T0) == [
        Gap("leader_inactive", "main", LIN, None)  # not seen at all
    ]


def test_a_handover_gives_every_role_and_leaves_the_leaver_a_member():
    holders = [
        Holder(WANG, "manager", None),
        Holder(WANG, "group_leader", "main"),
        Holder(WANG, "group_leader", "camp"),
        Holder(LIN, "group_leader", "camp"),  # leads camp already
    ]
    d = decide_handover(COMMUNITY, WANG, LIN, holders, T0, source="operator:cli")
    changes = [(e.subject, e.data["role"], e.group) for e in d.events]
    assert changes == [
        (LIN, "manager", None), (WANG, "member", None),
        (LIN, "group_leader", "main"), (WANG, "member", "main"),
        (WANG, "member", "camp"),
    ]  # fmt: skip
    assert {e.data["reason"] for e in d.events} == {"handover"}
    with pytest.raises(Conflict, match="holds no role"):
        decide_handover(COMMUNITY, CHEN, LIN, holders, T0, source="operator:cli")
    with pytest.raises(Conflict, match="same member"):
        decide_handover(COMMUNITY, LIN, LIN, holders, T0, source="operator:cli")
    with pytest.raises(Conflict, match="owner"):
        decide_handover(COMMUNITY, CHEN, LIN, [Holder(CHEN, "owner", None)], T0, source="x")


def test_coverage_and_handover_through_the_store(store):
    loaded(store, group("main"), group("camp"))
    record(store, [ev("member.joined", T0 - DAY * 30, k) for k in (LIN, WANG, CHEN)])
    record(store, [ev("message.posted", T0 - DAY * 3, WANG), ev("message.posted", T0, CHEN)])
    change_role(store, COMMUNITY, WANG, "group_leader", "main", now=T0 - DAY * 20)
    found = coverage(store, COMMUNITY, now=T0)
    assert found["groups"] == {"main": [{"member": WANG, "role": "group_leader"}], "camp": []}
    assert found["gaps"] == [
        {"kind": "no_leader", "group": "camp", "member": None, "days": None, "duty": None}
    ]
    later = coverage(store, COMMUNITY, now=T0 + DAY * 4)  # a week without a word from wang
    assert later["gaps"][1] == {
        "kind": "leader_inactive",
        "group": "main",
        "member": WANG,
        "days": 7,
        "duty": None,
    }
    events = handover(store, COMMUNITY, WANG, CHEN, now=T0 + DAY * 4)
    assert [(e.subject, e.data["role"]) for e in events] == [
        (CHEN, "group_leader"),
        (WANG, "member"),
    ]
    with store.read() as conn:
        assert [(h["member"], h["group"]) for h in role_holders(conn, COMMUNITY)] == [
            (CHEN, "main")
        ]
    assert coverage(store, COMMUNITY, now=T0 + DAY * 4)["gaps"] == [
        {"kind": "no_leader", "group": "camp", "member": None, "days": None, "duty": None}
    ]
    with pytest.raises(Conflict):
        handover(store, COMMUNITY, WANG, CHEN, now=T0 + DAY * 4)  # nothing left to hand over


def test_roles_coverage_and_handover_through_the_cli(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    cli.json("events", "add", write_jsonl(tmp_path / "j.jsonl", [joined(n) for n in range(2)]))
    a, b = "wechat:u0", "wechat:u1"
    cli.json("roles", "set", a, "group_leader", "--group", "main")
    found = cli.json("roles", "coverage")
    assert found["groups"]["main"] == [{"member": a, "role": "group_leader"}]
    assert {g["kind"] for g in found["gaps"]} >= {"no_leader", "leader_inactive"}
    code, out, _ = cli.run("roles", "coverage")
    assert code == 0 and "这个群没有人负责" in out  # the community speaks Chinese
    code, out, _ = cli.run("roles", "handover", a, b, "--lang", "en")
    assert (code, out) == (0, f"{b} is now group_leader in main\n{a} is now member in main\n")
    code, _, err = cli.run("roles", "handover", a, b, "--lang", "en")
    assert code == 1 and "holds no role" in err


def test_coverage_over_the_api_is_scoped_and_a_nominee_accepts(env: Env) -> None:  # noqa: F811
    whole = env.as_("owner").get(f"{V1}/communities/{C}/coverage").json()
    mine = env.as_("group_leader").get(f"{V1}/communities/{C}/coverage").json()
    assert set(whole["groups"]) > {"main"} and set(mine["groups"]) == {"main"}
    assert mine["groups"]["main"] == whole["groups"]["main"]
    outside = [g for g in whole["gaps"] if g["group"] not in (None, "main")]
    assert outside and all(g["group"] in (None, "main") for g in mine["gaps"])
    with env.store.read() as conn:
        members = list_members(conn, community=C)
    main = [m.key for m in members if "main" in {s.group for s in m.memberships}][:2]
    el = open_election(env.store, C, "main")
    nominate(env.store, C, el.election, main[0], main[1])
    url = f"{V1}/communities/{C}/elections/{el.election}/acceptances"
    r = env.as_("group_leader").post(url, json={"nominee": main[1]})
    assert (r.status_code, r.json()) == (200, {"election": el.election, "accepted": main[1]})
    assert env.as_("group_leader").post(url, json={"nominee": main[1]}).status_code == 409
    r = env.as_("owner").post(
        f"{V1}/communities/{C}/handover", json={"leaver": main[0], "successor": main[1]}
    )
    assert r.status_code == 409 and "holds no role" in r.json()["detail"]


def test_a_duty_not_done_in_time_is_a_gap():
    from shequn.engine.delegation_rules import overdue_duties
    from shequn.model.blueprint_org import Duty

    weekly = Duty(name="每周分享", kind="session.held", every_days=7)
    review = Duty(name="打卡点评", kind="checkin.done", every_days=1, groups=["camp"])
    done = {("main", "session.held"): T0 - DAY * 3, ("camp", "session.held"): T0 - DAY * 9}
    assert overdue_duties(["main", "camp"], [weekly, review], done, T0) == [
        Gap("duty_overdue", "camp", None, 9, "每周分享"),
        Gap("duty_overdue", "camp", None, None, "打卡点评"),  # never seen in the look-back
    ]
    with pytest.raises(ValueError, match="unknown event kind"):
        Duty(name="x", kind="session.hosted", every_days=7)


def test_duties_from_the_blueprint_in_coverage(store):
    duties = (
        '[[organization.coverage.duties]]\nname = "weekly session"\nkind = "session.held"\n'
        "every_days = 7\n"
    )
    loaded(store, group("main"), group("camp"), extra=duties)
    record(store, [ev("session.held", T0 - DAY * 2, None, session="s1")])
    gaps = [g for g in coverage(store, COMMUNITY, now=T0)["gaps"] if g["kind"] == "duty_overdue"]
    assert gaps == [
        {
            "kind": "duty_overdue",
            "group": "camp",
            "member": None,
            "days": None,
            "duty": "weekly session",
        }
    ]
