"""An import's many answering replies go in as one statement on PostgreSQL
(``store/qa._answer_at_once``) and leave what one statement per reply leaves: the first reply
by someone other than the asker answers, the asker's own and later replies do not."""

from __future__ import annotations

from typing import Any

import pytest

from shequn.engine.record import record
from shequn.store import qa
from shequn.store.db import Store
from shequn.store.rebuild import snapshot
from tests.conftest import new_pg_database
from tests.test_bulk_append import NEWCOMERS, chat


@pytest.mark.postgres
def test_one_batch_answers_at_once_as_replies_one_by_one(
    pg_store: Store, pg_base_url: str, ev: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_once: list[int] = []
    real = qa._answer_at_once
    monkeypatch.setattr(qa, "_answer_at_once", lambda p, firsts: (
        at_once.append(len(firsts)), real(p, firsts)))  # fmt: skip
    events = chat(ev)
    record(pg_store, events)  # one batch: every question and its replies together
    assert at_once == [NEWCOMERS]
    one_by_one = Store.open(new_pg_database(pg_base_url))  # one event a batch: a statement a reply
    try:
        record(one_by_one, events, batch_size=1)
        with pg_store.read() as a, one_by_one.read() as b:
            bulk_entries, single_entries = snapshot(a)["qa_entries"], snapshot(b)["qa_entries"]
    finally:
        one_by_one.close()
    assert bulk_entries == single_entries
    answered = [e for e in bulk_entries if "答案" in str(e)]
    assert len(answered) == NEWCOMERS
    assert not any("自己" in str(e) or "晚了" in str(e) for e in bulk_entries)
