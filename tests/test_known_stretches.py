"""The re-import quick check's questions to the store (engine/import_stretches.py): a first
import asks about every stretch of its export and finds none, so the digests stored are read
once and only a stretch among them costs a query (issue 22, session 39)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from shequn.engine.import_stretches import KnownStretches, keep_stretches
from shequn.store.db import Store


def _counting(store: Store) -> list[str]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "import_stretches" in statement:
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    return seen


def test_unknown_stretches_cost_one_query_in_all(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        known = KnownStretches(store, "c")
        asked = _counting(store)
        assert [known(f"{n:040x}") for n in range(50)] == [None] * 50
        assert len(asked) == 1
    finally:
        store.close()


def test_a_stored_stretch_is_found_with_its_account(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        keep_stretches(store, "c", [("a" * 40, '{"records": 3}'), ("b" * 40, '{"records": 4}')])
        keep_stretches(store, "other", [("c" * 40, '{"records": 5}')])
        known = KnownStretches(store, "c")
        asked = _counting(store)
        assert known("a" * 40) == '{"records": 3}'
        assert known("c" * 40) is None  # another community's
        assert known("d" * 40) is None
        assert known("b" * 40) == '{"records": 4}'
        assert len(asked) == 3  # the digests once, then each stretch found
    finally:
        store.close()
