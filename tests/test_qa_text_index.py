"""The Q&A text search finds answered entries only, on both stores; on PostgreSQL its pg_trgm
indexes hold just those (migration 0300) and the search's condition can use them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shequn.engine.record import record
from shequn.store.qa import candidates


def asked_and_answered(ev):
    return [
        ev.community_configured(),
        ev("message.posted", "wechat:a", minutes=1, ref="q1", text="报名表在哪里下载?",
           is_question=True),
        ev("message.posted", "wechat:b", minutes=2, text="群公告里有报名表链接", reply_to="q1"),
        ev("message.posted", "wechat:c", minutes=3, ref="q2", text="报名表可以手写吗?",
           is_question=True),
    ]  # fmt: skip


def test_search_finds_the_answered_question_not_the_open_one(store, ev):
    record(store, asked_and_answered(ev))
    with store.read() as conn:
        found = candidates(conn, ev.community, ["报名表"])
    assert [(e.question_ref, e.answer) for e in found] == [("test|q1", "群公告里有报名表链接")]


@pytest.mark.postgres
def test_postgres_text_indexes_hold_answered_entries_for_the_search(pg_store, ev):
    store = pg_store
    record(store, asked_and_answered(ev))
    with store.read() as conn:
        defs = dict(conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'qa_entries'"
            " AND indexname LIKE '%trgm'"
        )).all())  # fmt: skip
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # The search's own condition (store/qa.candidates: the status as a literal).
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(
            "EXPLAIN SELECT id FROM qa_entries WHERE status = 'answered'"
            " AND (question ILIKE %s OR answer ILIKE %s)", ("%报名表%", "%报名表%")
        ))  # fmt: skip
    assert sorted(defs) == ["ix_qa_entries_answer_trgm", "ix_qa_entries_question_trgm"]
    assert all(d.endswith("WHERE ((status)::text = 'answered'::text)") for d in defs.values())
    assert "Bitmap Index Scan on ix_qa_entries_question_trgm" in plan
    assert "Bitmap Index Scan on ix_qa_entries_answer_trgm" in plan
