"""The platform role follows shequn's roles (P-ORG-1): a new group leader or monitor is made
the chat's admin, a leader who steps down loses the rights — on Telegram by the connector,
elsewhere as an operator task in the community's language."""

from __future__ import annotations

from sqlalchemy import select

from shequn.engine.bindings import bind
from shequn.engine.delegation import handover
from shequn.engine.organization import change_role
from shequn.engine.platform_roles_rules import Seat, decide_follow, seats, shown_role
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.tasks import list_tasks
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.org_helpers import DAY, ev
from tests.worker_helpers import FakeClock, Scripted, worker

TG = "telegram:7"
CHAT = "-1001234"


def actions(store: Store) -> list[tuple[str, str | None, dict]]:
    with store.read() as conn:
        q = select(t.actions).where(t.actions.c.kind.like("member.%mote")).order_by(t.actions.c.id)
        return [(r.kind, r.group_slug, r.payload) for r in conn.execute(q)]


def test_the_seat_shows_the_higher_of_the_group_and_community_role():
    assert shown_role({"main": "group_leader"}, "main") == "group_leader"
    assert shown_role({"main": "group_leader", None: "manager"}, "main") == "manager"
    assert shown_role({None: "manager"}, "camp") == "manager"  # a monitor leads every group
    assert shown_role({"main": "member", None: "owner"}, "main") is None  # the chat's creator
    before, after = {"main": "group_leader"}, {"main": "member", None: "manager"}
    assert seats(before, after, ["main"], {"main": TG}, "林") == [
        Seat("main", TG, "林", "group_leader", "manager")
    ]


def test_promote_demote_or_nothing():
    bp = blueprint(group("main"))
    up, same, down = (
        Seat("main", TG, "林", None, "group_leader"),
        Seat("main", TG, "林", "manager", "manager"),
        Seat("main", TG, "林", "group_leader", None),
    )
    promote, demote = decide_follow(bp, [up, same, down], T0)
    assert (promote.kind, promote.group) == ("member.promote", "main")
    assert promote.payload == {
        "identity": TG, "who": "林", "role": "group_leader", "name": "群主管", "title": True
    }  # fmt: skip
    assert demote.kind == "member.demote"
    assert demote.payload == {
        "identity": TG, "who": "林", "role": "member", "was": "group_leader", "name": "群主管"
    }  # fmt: skip
    off = blueprint(group("main"), extra="[organization.platform]\nfollow = false\n")
    assert decide_follow(off, [up, down], T0) == []
    english = blueprint(group("main"), extra="[organization.platform]\ntitles = false\n")
    english = english.model_copy(
        update={"community": english.community.model_copy(update={"language": "en"})}
    )
    (en,) = decide_follow(english, [up], T0)
    assert (en.payload["name"], en.payload["title"]) == ("group leader", False)


def test_roles_given_and_handed_over_are_followed_in_the_bound_chat(store: Store):
    loaded(store, group("main"), group("camp"))
    bind(store, COMMUNITY, "main", "telegram", CHAT, now=T0 - DAY)
    record(store, [ev("member.joined", T0 - DAY * 9, who) for who in (TG, wx("wang"))])
    change_role(store, COMMUNITY, TG, "group_leader", "main", now=T0)
    change_role(store, COMMUNITY, TG, "group_leader", "camp", now=T0)  # camp has no chat
    assert [(k, g, p["identity"], p["name"]) for k, g, p in actions(store)] == [
        ("member.promote", "main", TG, "群主管"),
        ("member.promote", "camp", TG, "群主管"),  # an operator task for whoever runs camp
    ]
    handover(store, COMMUNITY, TG, wx("wang"), now=T0 + DAY)
    handed = [(k, g, p["identity"]) for k, g, p in actions(store)[2:]]
    assert sorted(handed) == [
        ("member.demote", "camp", TG),
        ("member.demote", "main", TG),
        ("member.promote", "camp", wx("wang")),  # no Telegram identity: the task names him
        ("member.promote", "main", wx("wang")),
    ]
    change_role(store, COMMUNITY, wx("wang"), "manager", None, now=T0 + DAY * 2)
    (monitor,) = actions(store)[6:]  # a monitor: every group with a chat, here main
    assert (monitor[0], monitor[1], monitor[2]["role"], monitor[2]["name"]) == (
        "member.promote", "main", "manager", "班长"
    )  # fmt: skip


def test_a_role_the_platform_reported_is_not_sent_back(store: Store):
    loaded(store, group("main"))
    bind(store, COMMUNITY, "main", "telegram", CHAT, now=T0 - DAY)
    seen = Event("role.changed", T0, COMMUNITY, "telegram-bot:shequn", "u1", group="main",
                 subject=TG, data={"role": "group_leader"})  # fmt: skip
    record(store, [ev("member.joined", T0 - DAY, TG), seen])
    assert actions(store) == []
    owner = Event("role.changed", T0, COMMUNITY, "api:3", "u2", group="main", subject=TG,
                  data={"role": "member"})  # fmt: skip
    record(store, [owner])  # the owner's word over the API is followed
    assert [(k, p["was"]) for k, _, p in actions(store)] == [("member.demote", "group_leader")]


def test_without_a_connector_that_can_it_is_an_operator_task_in_the_community_language(
    store: Store,
):
    loaded(store, group("main"))
    record(store, [ev("member.joined", T0 - DAY, TG)])
    change_role(store, COMMUNITY, TG, "group_leader", "main", now=T0)
    worker(store, Scripted(), FakeClock()).run(once=True)
    with store.read() as conn:
        (task,) = list_tasks(conn, COMMUNITY)
    assert task["instruction"].startswith(f"在 main 把 {TG}（{TG}）设为管理员（群主管）：删除消息")
