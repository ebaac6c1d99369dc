"""A long run of big batches leaves the planner fresh statistics of the tables it fills
(``store/planner_stats.py``): after the 1st, 2nd, 4th, 8th … batch that stored a bulk load's
many events; a few events a call never ask for them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shequn.engine.record import record
from shequn.store import planner_stats
from shequn.store.db import Store


def test_statistics_are_due_as_the_batches_double():
    assert [n for n in range(20) if planner_stats.due(n)] == [1, 2, 4, 8, 16]


def sizes(store: Store) -> dict[str, int]:
    """What the planner believes each projection table holds (-1: never analysed)."""
    sql = "SELECT relname, reltuples::int FROM pg_class WHERE relname IN ('members', 'qa_entries')"
    with store.read() as conn:
        return {name: int(n) for name, n in conn.execute(text(sql))}


@pytest.mark.postgres
def test_an_import_leaves_statistics_of_the_people_and_questions_it_stored(
    pg_store, ev, monkeypatch
):
    monkeypatch.setattr(planner_stats, "BULK", 10)  # an import's batches, scaled down
    assert sizes(pg_store) == {"members": -1, "qa_entries": -1}
    asking = [ev("message.posted", f"wechat:p{k}", minutes=k, text=f"第 {k} 课几点开始?",
                 is_question=True, actor_name=f"成员 {k}") for k in range(40)]  # fmt: skip
    # three batches: the community and 19 people asking, 20 more, 9 more (not a bulk one)
    record(pg_store, [ev.community_configured(), *asking[:39]], batch_size=20)
    assert sizes(pg_store) == {"members": 39, "qa_entries": 39}  # as of the second batch
    record(pg_store, asking[39:])  # one event: no statistics asked for
    assert sizes(pg_store) == {"members": 39, "qa_entries": 39}


@pytest.mark.postgres
def test_the_questions_texts_are_not_sampled(pg_store, ev, monkeypatch):
    monkeypatch.setattr(planner_stats, "BULK", 10)
    asking = [ev("message.posted", f"wechat:p{k}", minutes=k, text=f"第 {k} 课几点开始?",
                 is_question=True, actor_name=f"成员 {k}") for k in range(30)]  # fmt: skip
    record(pg_store, [ev.community_configured(), *asking], batch_size=20)
    sql = "SELECT attname FROM pg_stats WHERE tablename = 'qa_entries' ORDER BY attname"
    with pg_store.read() as conn:
        columns = [r[0] for r in conn.execute(text(sql))]
    assert columns == ["community_id", "id", "question_ref", "status"]
