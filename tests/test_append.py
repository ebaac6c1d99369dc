"""Appending events: idempotent, atomic per batch, projections follow."""

from __future__ import annotations

import pytest

from shequn.engine.record import record
from shequn.errors import NotFound
from shequn.store.queries import count_events, get_member, list_groups, list_members


def test_same_events_twice_adds_nothing_the_second_time(store, ev):
    events = [
        ev.community_configured(),
        ev("member.joined", "wechat:li", actor_name="Li Lei", channel="qr"),
        ev("message.posted", "wechat:li", minutes=1, length=12, is_question=True),
    ]
    first = record(store, events)
    again = record(store, events)
    assert (first.new, first.duplicate) == (3, 0)
    assert (again.new, again.duplicate) == (0, 3)
    with store.read() as conn:
        assert count_events(conn) == 3


def test_duplicates_inside_one_batch_are_counted(store, ev):
    e = ev("member.joined", "wechat:li")
    result = record(store, [ev.community_configured(), e, e])
    assert (result.new, result.duplicate) == (2, 1)


def test_first_sight_creates_member_identity_group_and_membership(store, ev):
    record(
        store,
        [
            ev.community_configured(),
            ev("member.invited", "wechat:han", subject="wechat:li", channel="poster"),
            ev("member.joined", "wechat:li", minutes=3, actor_name="Li Lei"),
        ],
    )
    with store.read() as conn:
        [group] = list_groups(conn)
        li = get_member(conn, "wechat:li")
    assert (group.slug, group.configured, group.active_members) == ("main", False, 1)
    assert li.display_name == "Li Lei"
    [ship] = li.memberships
    assert (ship.status, ship.inviter, ship.join_channel) == ("active", "wechat:han", "poster")


def test_leave_and_rejoin(store, ev):
    record(
        store,
        [
            ev.community_configured(),
            ev("member.joined", "wechat:li"),
            ev("member.left", "wechat:li", minutes=10),
            ev("member.joined", "wechat:li", minutes=20, channel="link"),
        ],
    )
    with store.read() as conn:
        [ship] = get_member(conn, "wechat:li").memberships
    assert (ship.status, ship.times_joined, ship.join_channel) == ("active", 2, "link")


def test_out_of_order_batches_end_in_the_same_state(store, ev):
    late = [ev("member.left", "wechat:li", minutes=10)]
    early = [ev("member.joined", "wechat:li", minutes=0)]
    record(store, [ev.community_configured()])
    record(store, late)
    record(store, early)  # an older export imported afterwards must not resurrect Li
    with store.read() as conn:
        [ship] = get_member(conn, "wechat:li").memberships
    assert ship.status == "left"


def test_unknown_community_fails_and_writes_nothing(store, ev):
    with pytest.raises(NotFound, match="unknown community 'study-circle'"):
        record(store, [ev("member.joined", "wechat:li")])
    with store.read() as conn:
        assert count_events(conn) == 0
        assert list_members(conn) == []


def test_roles_follow_role_changed(store, ev):
    record(
        store,
        [
            ev.community_configured(),
            ev("member.joined", "wechat:li"),
            ev("role.changed", "wechat:boss", subject="wechat:li", role="group_leader", minutes=5),
        ],
    )
    with store.read() as conn:
        li = get_member(conn, "wechat:li")
    assert [(r.group, r.role) for r in li.roles] == [("main", "group_leader")]
