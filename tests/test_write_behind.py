"""Writes gathered inside ``append.gathered`` go with the next statement, in order
(``store/write_behind.py``): several as one statement on PostgreSQL, at once on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shequn.store import raw, write_behind
from shequn.store.append import gathered
from shequn.store.db import Store


def test_writes_to_distinct_tables_share_a_statement_and_a_repeated_table_starts_the_next():
    writes = [
        ("a", "INSERT INTO a (x) VALUES (?)", [1]),
        ("b", "UPDATE b SET x = ? WHERE id = ?", [2, 3]),
        ("a", "UPDATE a SET x = x + ?", [4]),
        ("c", "INSERT INTO c (x) VALUES ?**", [[(5,), (6,)]]),
    ]
    assert write_behind.combined(writes) == [
        (
            "WITH w0 AS (INSERT INTO a (x) VALUES (?)),"
            " w1 AS (UPDATE b SET x = ? WHERE id = ?) SELECT 0",
            [1, 2, 3],
        ),
        (
            "WITH w0 AS (UPDATE a SET x = x + ?), w1 AS (INSERT INTO c (x) VALUES ?**) SELECT 0",
            [4, [(5,), (6,)]],
        ),
    ]


def _tables(store: Store) -> None:
    with store.transaction() as conn:
        conn.exec_driver_sql("CREATE TABLE wb_a (id integer PRIMARY KEY, n integer)")
        conn.exec_driver_sql("CREATE TABLE wb_b (id integer PRIMARY KEY, n integer)")


def test_the_next_read_sees_every_gathered_write_in_order(store: Store):
    _tables(store)
    with store.transaction() as conn, gathered(conn):
        raw.later(conn, "wb_a", "INSERT INTO wb_a (id, n) VALUES (?, ?)", (1, 10))
        raw.later(conn, "wb_b", "INSERT INTO wb_b (id, n) VALUES ?**", [[(1, 7), (2, 8)]])
        raw.later_many(conn, "wb_a", "UPDATE wb_a SET n = n + ? WHERE id = ?", [(5, 1)])
        # gathered on PostgreSQL only; on SQLite every write ran at once
        assert write_behind.waiting(conn) is (store.dialect == "postgresql")
        # the update went in a later statement than the insert, so it saw the row
        assert raw.rows(conn, "SELECT n FROM wb_a WHERE id = ?", (1,)) == [(15,)]
        assert not write_behind.waiting(conn)
        raw.later(conn, "wb_b", "UPDATE wb_b SET n = ? WHERE id = ?", (70, 1))
        # SQLAlchemy's statements send them first too
        assert conn.execute(text("SELECT n FROM wb_b ORDER BY id")).all() == [(70,), (8,)]
        raw.later(conn, "wb_a", "DELETE FROM wb_a WHERE id = ?", (1,))
    with store.transaction() as conn:  # what was left went at the end of the block
        assert raw.rows(conn, "SELECT count(*) FROM wb_a") == [(0,)]


def test_a_block_that_raises_keeps_nothing_and_gathers_no_more(store: Store):
    _tables(store)
    with pytest.raises(RuntimeError), store.transaction() as conn, gathered(conn):
        raw.later(conn, "wb_a", "INSERT INTO wb_a (id, n) VALUES (?, ?)", (1, 10))
        raise RuntimeError("the decision failed")
    assert write_behind.GATHERING.get() is None
    with store.transaction() as conn:
        raw.later(conn, "wb_a", "INSERT INTO wb_a (id, n) VALUES (?, ?)", (2, 20))
        assert raw.rows(conn, "SELECT id, n FROM wb_a") == [(2, 20)]
