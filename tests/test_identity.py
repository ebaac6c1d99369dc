"""One person, many accounts: merges count them once and never rewrite history."""

from __future__ import annotations

import pytest

from shequn.engine import identity
from shequn.engine.record import record
from shequn.errors import Conflict, NotFound
from shequn.store.queries import count_events, count_members, get_member, list_groups


@pytest.fixture
def two_accounts(store, ev):
    record(
        store,
        [
            ev.community_configured(),
            ev("member.joined", "wechat:zw", actor_name="张伟"),
            ev("member.joined", "wecom:zhangwei", group="staff", minutes=1, actor_name="张伟"),
            ev("member.joined", "wechat:other", minutes=2, actor_name="王芳"),
        ],
    )
    return store


def test_merge_counts_the_person_once_and_keeps_history(two_accounts):
    store = two_accounts
    with store.read() as conn:
        assert count_members(conn) == 3
        before = count_events(conn)
    event = identity.merge(store, "wechat:zw", "wecom:zhangwei")
    assert event.kind == "identity.merged"
    assert event.data == {
        "into": "wechat:zw",
        "identities": ["wecom:zhangwei"],
        "reason": "operator",
    }
    with store.read() as conn:
        assert count_members(conn) == 2
        assert count_events(conn) == before + 1  # recorded, not rewritten
        zw = get_member(conn, "wecom:zhangwei")
        assert zw.key == "wechat:zw"
        assert zw.active_groups == ["study-circle/main", "study-circle/staff"]
        assert {g.slug: g.active_members for g in list_groups(conn)} == {"main": 2, "staff": 1}


def test_unmerge_restores_both(two_accounts):
    store = two_accounts
    identity.merge(store, "wechat:zw", "wecom:zhangwei")
    identity.unmerge(store, "wecom:zhangwei")
    with store.read() as conn:
        assert count_members(conn) == 3
        assert get_member(conn, "wecom:zhangwei").key == "wecom:zhangwei"


def test_merge_mistakes_are_refused(two_accounts):
    store = two_accounts
    with pytest.raises(Conflict, match="already the same member"):
        identity.merge(store, "wechat:zw", "wechat:zw")
    with pytest.raises(NotFound, match="no member 'wechat:nobody'"):
        identity.merge(store, "wechat:zw", "wechat:nobody")
    with pytest.raises(Conflict, match="not merged"):
        identity.unmerge(store, "wechat:other")


def test_merged_members_can_be_merged_again_through_their_new_owner(two_accounts):
    store = two_accounts
    identity.merge(store, "wechat:zw", "wecom:zhangwei")
    identity.merge(store, "wechat:other", "wecom:zhangwei")  # resolves to wechat:zw's member
    with store.read() as conn:
        assert count_members(conn) == 1
        assert {i.key for i in get_member(conn, "wechat:zw").identities} == {
            "wechat:zw",
            "wecom:zhangwei",
            "wechat:other",
        }


def test_suggestions_find_same_name_in_shared_group(store, ev):
    record(
        store,
        [
            ev.community_configured(),
            ev("member.joined", "wechat:a1", actor_name="小周"),
            ev("member.joined", "qq:10001", minutes=1, actor_name=" 小周 "),
            ev("member.joined", "wechat:b", minutes=2, actor_name="小周"),  # same name …
            ev("member.left", "wechat:b", minutes=3),
            ev(
                "member.joined", "wechat:c", group="other", minutes=4, actor_name="小周"
            ),  # … no shared group
        ],
    )
    with store.read() as conn:
        pairs = {frozenset((s.a.key, s.b.key)) for s in identity.suggestions(conn)}
    assert pairs == {
        frozenset(p)
        for p in [("wechat:a1", "qq:10001"), ("wechat:a1", "wechat:b"), ("qq:10001", "wechat:b")]
    }


def test_verified_phone_merges_automatically_and_only_once(store, ev):
    events = [
        ev.community_configured(),
        ev("member.joined", "wechat:zw"),
        ev("member.joined", "telegram:9", group="tg", minutes=1),
        ev("identity.verified", "wechat:zw", group=None, minutes=2, phone="+86 138 0000 1234"),
        ev("identity.verified", "telegram:9", group=None, minutes=3, phone="8613800001234"),
    ]
    record(store, events)
    record(store, events)
    with store.read() as conn:
        assert count_members(conn) == 1
        merges = [e for e in identity_events(conn) if e == "identity.merged"]
    assert len(merges) == 1


def identity_events(conn):
    from shequn.store.queries import tail_events

    return [e.kind for _, e in tail_events(conn, limit=100)]
