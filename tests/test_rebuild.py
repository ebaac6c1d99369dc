"""Projections are a cache of the log: replaying it gives exactly what live appends built."""

from __future__ import annotations

from shequn.engine import identity
from shequn.engine.record import record
from shequn.store.queries import count_events, get_member
from shequn.store.rebuild import rebuild, snapshot


def busy_log(ev):
    """Joins, leaves, re-joins, invites, removals, role changes, renames and a merge input."""
    return [
        ev.community_configured(),
        ev(
            "group.configured",
            group="main",
            minutes=-50,
            name="主群",
            platform="wechat",
            capacity=500,
        ),
        ev("member.joined", "wechat:lin", channel="founder", actor_name="林老师"),
        ev("role.changed", "wechat:lin", subject="wechat:lin", group=None, role="owner", minutes=1),
        ev(
            "member.invited",
            "wechat:lin",
            subject="wechat:li",
            minutes=2,
            channel="poster",
            campaign="spring",
        ),
        ev("member.joined", "wechat:li", minutes=3, actor_name="李雷"),
        ev(
            "member.joined",
            "wechat:han",
            minutes=4,
            inviter="wechat:li",
            channel="invite",
            actor_name="韩梅梅",
        ),
        ev("message.posted", "wechat:han", minutes=5, length=30, is_question=True),
        ev("member.left", "wechat:han", minutes=60),
        ev("member.joined", "wechat:han", minutes=120, channel="link"),
        ev("role.changed", "wechat:lin", subject="wechat:li", minutes=130, role="group_leader"),
        ev("role.changed", "wechat:lin", subject="wechat:li", minutes=140, role="member"),
        ev("member.removed", "wechat:lin", subject="wechat:spam", minutes=150, reason="ads"),
        ev("member.renamed", "wechat:li", group=None, minutes=160, name="Li Lei"),
        ev("member.joined", "telegram:77", group="tg", minutes=170, actor_name="Li Lei"),
        ev("identity.verified", "wechat:li", group=None, minutes=180, phone="13800001234"),
        ev("identity.verified", "telegram:77", group=None, minutes=190, phone="13800001234"),
        ev("group.bound", group="tg", minutes=200, platform="telegram", chat="-100777"),
        ev("group.unbound", group="tg", minutes=210, platform="telegram", chat="-100777"),
        ev("group.bound", group="main", minutes=220, platform="telegram", chat="-100777"),
    ]


def test_rebuild_reproduces_live_projections(store, ev):
    record(store, busy_log(ev), batch_size=4)  # several batches, like a real import
    identity.merge(store, "wechat:lin", "wechat:han")
    identity.unmerge(store, "wechat:han")
    identity.merge(store, "wechat:lin", "wechat:han")
    with store.read() as conn:
        live = snapshot(conn)
        events = count_events(conn)
    assert rebuild(store) == events
    with store.read() as conn:
        assert snapshot(conn) == live


def test_rebuild_of_an_unchanged_store_is_stable(store, ev):
    record(store, busy_log(ev))
    rebuild(store)
    with store.read() as conn:
        first = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == first
        # the verified phone merged telegram:77 into wechat:li automatically
        li = get_member(conn, "telegram:77")
        assert li.key == "wechat:li"
        assert [i.key for i in li.identities] == ["wechat:li", "telegram:77"]
