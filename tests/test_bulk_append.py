"""A batch of many newcomers goes in by the bulk forms (on PostgreSQL one statement of column
arrays: ``raw.insert_bound``, ``store/bulk.py``, ``identity_projection.insert_people``); a
batch of one by the small forms. Both must store the same people, names, memberships and
referrals."""

from __future__ import annotations

from shequn.engine.record import record
from shequn.store import bulk
from shequn.store.qa import get_entry, list_entries
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


def chat(ev):
    """Newcomers, then many of them asking and replying under new names: enough questions,
    answers and renames in one batch for the bulk forms. Each question is answered by the
    second reply to it (the first is the asker's own, which answers nothing), and a third
    reply comes too late to change the answer."""
    events = [ev.community_configured()]
    events += [
        ev("member.joined", f"wechat:p{k}", minutes=k, actor_name=f"成员 {k}")
        for k in range(NEWCOMERS)
    ]
    for k in range(NEWCOMERS):
        who, other, third = (
            f"wechat:p{k}",
            f"wechat:p{(k + 1) % NEWCOMERS}",
            f"wechat:p{(k + 2) % NEWCOMERS}",
        )
        asked, at = f"q{k}", 1000 + k
        events += [
            ev("message.posted", who, minutes=at, ref=asked, text=f"问题 {k} 怎么办?",
               is_question=True, actor_name=f"新名 {k}"),
            ev("message.posted", who, minutes=at + 0.2, text="自己", reply_to=asked),
            ev("message.posted", other, minutes=at + 0.3, text=f"答案 {k}", reply_to=asked),
            ev("message.posted", third, minutes=at + 0.4, text="晚了", reply_to=asked),
        ]  # fmt: skip
    return events


def test_many_questions_answers_and_names_in_one_batch_as_in_batches_of_one(store, ev, monkeypatch):
    record(store, chat(ev), batch_size=1)
    with store.read() as conn:
        one_by_one = snapshot(conn)
        entries = list_entries(conn, ev.community, limit=1000)
        answered = get_entry(conn, ev.community, "test|q7")
        assert get_member(conn, "wechat:p5").display_name == "新名 5"
    assert len(entries) == NEWCOMERS
    assert answered is not None
    assert (answered.status, answered.answer, answered.answerer) == (
        "answered",
        "答案 7",
        "wechat:p8",
    )
    # Replayed in two batches: the newcomers and the first half of the messages, then the
    # second half renaming people made in the first batch (the bulk forms of questions and
    # names in each).
    monkeypatch.setattr("shequn.store.rebuild.REPLAY_CHUNK", 1 + 3 * NEWCOMERS)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == one_by_one
