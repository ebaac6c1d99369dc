"""``raw.rows(..., plan_each=True)``: PostgreSQL plans the read for each call's values.

psycopg prepares a statement once it has run five times, and the server may then keep one
generic plan. An import fills ``qa_entries`` while it reads it (``qa._open``): a plan kept
from the import's start scanned the whole table later, and the import into PostgreSQL took
twice as long (docs/speed/import.md, "Session 35, the lead")."""

from __future__ import annotations

import pytest

from shequn.store import raw
from shequn.store.db import Store

pytestmark = pytest.mark.postgres

READ = "SELECT id FROM communities WHERE slug IN (?*) AND id > ?"


def prepared(conn) -> int:
    return len(raw.rows(conn, "SELECT name FROM pg_prepared_statements WHERE statement LIKE ?",
                        ["%slug IN%"]))  # fmt: skip


def test_a_read_planned_each_time_is_never_prepared(pg_store: Store):
    with pg_store.read() as conn:
        for _ in range(8):
            assert raw.rows(conn, READ, [["a", "b"], 0], plan_each=True) == []
        assert prepared(conn) == 0
        for _ in range(8):  # the same read without it: psycopg prepares it
            assert raw.rows(conn, READ, [["a", "b"], 0]) == []
        assert prepared(conn) == 1
