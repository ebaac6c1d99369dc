"""A batch of many newcomers goes in by the bulk forms (on PostgreSQL one statement of column
arrays: ``store/bulk.py``, ``identity_projection.insert_people``); a batch of one by the
small forms. Both must store the same people, names, memberships and referrals."""

from __future__ import annotations

from shequn.engine.record import record
from shequn.store import bulk
from shequn.store.queries import get_member
from shequn.store.rebuild import rebuild, snapshot

NEWCOMERS = 3 * bulk.UNNEST_FROM  # enough for the bulk forms in one batch


def crowd(ev):
    """Newcomers joining one a minute, all named; every third invited by the one before."""
    events = [ev.community_configured()]
    for k in range(NEWCOMERS):
        who = f"wechat:p{k}"
        if k % 3 == 2:
            inviter = f"wechat:p{k - 1}"
            events.append(ev("member.invited", inviter, subject=who, minutes=k, channel="poster"))
        events.append(ev("member.joined", who, minutes=k, actor_name=f"成员 {k}"))
    return events


def test_one_batch_of_many_stores_what_batches_of_one_store(store, ev):
    record(store, crowd(ev), batch_size=1)  # small forms: one newcomer per batch
    with store.read() as conn:
        one_by_one = snapshot(conn)
        assert get_member(conn, "wechat:p5").display_name == "成员 5"
    rebuild(store)  # replays the whole log in large batches: the bulk forms
    with store.read() as conn:
        assert snapshot(conn) == one_by_one
        member = get_member(conn, "wechat:p5")
        assert member.display_name == "成员 5"
        assert member.identities[0].key == "wechat:p5"
    assert len(one_by_one["referrals"]) == NEWCOMERS // 3
