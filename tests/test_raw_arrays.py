"""A batch's long lists and many rows go to PostgreSQL as arrays (``store/raw.py``): the
statement's text stays the same whatever the batch's size, and the rows read and written
are those the spread-out forms give (on SQLite nothing changes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table

from shequn.store import raw, sql_text
from shequn.store.db import Store

_meta = MetaData()
_rows = Table(
    "raw_arrays",
    _meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(32), unique=True),
    Column("n", Integer),
    Column("at", DateTime(timezone=True)),
    Column("data", JSON),
)
_NAMES = ("name", "n", "at", "data")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _row(k: int) -> dict[str, object]:
    data = None if k % 3 == 0 else {"said": f'加入 "g{k}", {k}', "gates": ["invited:3"]}
    return {
        "name": f"wechat:n{k}",
        "n": None if k % 4 == 0 else k,
        "at": T0 + timedelta(k),
        "data": data,
    }


def _insert(store: Store, rows: list[dict[str, object]], tail: str = "") -> None:
    with store.transaction() as conn:
        raw.insert_bound(conn, _rows, _NAMES, raw.bound(conn, _rows, _NAMES, rows), tail)


def _stored(store: Store) -> list[dict[str, object]]:
    with store.transaction() as conn:
        return raw.records(conn, _rows, ("id", *_NAMES), "ORDER BY id")


def test_many_rows_store_what_rows_one_at_a_time_store_in_the_order_given(store: Store) -> None:
    _meta.create_all(store.engine)
    rows = [_row(k) for k in (7, 3, 40, 0, 12, *range(13, 39))]  # not in the names' order
    _insert(store, rows)  # many at once: arrays on PostgreSQL
    many = _stored(store)
    with store.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM raw_arrays")
    for row in rows:
        _insert(store, [row])  # one at a time: VALUES on both stores
    one_by_one = _stored(store)
    assert [r["name"] for r in many] == [r["name"] for r in rows]  # ids follow the order given
    assert [{**r, "id": None} for r in many] == [{**r, "id": None} for r in one_by_one]
    assert [{k: r[k] for k in _NAMES} for r in many] == rows


def test_a_conflict_clause_applies_to_the_rows_sent_as_arrays(store: Store) -> None:
    _meta.create_all(store.engine)
    _insert(store, [_row(k) for k in range(20)])
    _insert(store, [_row(k) for k in range(10, 40)], "ON CONFLICT (name) DO NOTHING")
    assert [r["name"] for r in _stored(store)] == [f"wechat:n{k}" for k in range(40)]


def test_a_long_in_list_reads_what_short_ones_read(store: Store) -> None:
    _meta.create_all(store.engine)
    _insert(store, [_row(k) for k in range(50)])
    wanted = [f"wechat:n{k}" for k in range(0, 60, 2)]  # 30 names, 5 of them absent
    sql = "SELECT name, n FROM raw_arrays WHERE name IN (?*) AND n NOT IN (?*) ORDER BY name"
    skip = [*range(1, 41, 2), 8]  # 21 values: odd ones never match, 8 does
    with store.transaction() as conn:
        whole = raw.rows(conn, sql, [wanted, skip])
        parts = [raw.rows(conn, sql, [wanted[i : i + 3], [*skip[:3], 8]]) for i in range(0, 30, 3)]
    assert whole == sorted(r for part in parts for r in part)
    assert ("wechat:n8", 8) not in whole and ("wechat:n10", 10) in whole


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        (
            "SELECT 1 FROM x WHERE k IN (?*) AND y = ?",
            "SELECT 1 FROM x WHERE k = ANY(%b) AND y = %s",
        ),
        ("SELECT 1 FROM x WHERE k NOT IN (?*)", "SELECT 1 FROM x WHERE k <> ALL(%b)"),
    ],
)
def test_postgresql_text_of_a_long_list_does_not_grow_with_it(sql: str, text: str) -> None:
    params = [list(range(sql_text.ARRAY_FROM)), 1][: sql.count("?")]
    shape = tuple(sql_text.value_shape(p) for p in params)
    assert sql_text.expand(sql, shape, "%s") == text
    short = tuple(sql_text.value_shape(p) for p in [[1, 2], 1][: sql.count("?")])
    assert "%s, %s" in sql_text.expand(sql, short, "%s")  # a knock's few values stay spread


def test_a_long_list_outside_in_is_refused() -> None:
    with pytest.raises(ValueError, match="IN"):
        sql_text.expand(
            "SELECT ?*", (sql_text.value_shape(list(range(sql_text.ARRAY_FROM))),), "%s"
        )


def test_sqlite_text_of_a_long_list_does_not_grow_with_it() -> None:
    """SQLite: a long ``IN (?*)`` list goes as one JSON array, so the driver's statement cache
    keeps one prepared text for every length (spread, each new length was compiled anew)."""
    sql = "SELECT 1 FROM x WHERE k IN (?*) AND j NOT IN (?*) AND y = ?"
    n = sql_text.ARRAY_FROM
    texts = {
        sql_text.statement("sqlite", sql, [list(range(m)), [f"a:{i}" for i in range(m)], 1])[0]
        for m in (n, n + 1, 100)
    }
    assert texts == {
        "SELECT 1 FROM x WHERE k IN (SELECT value FROM json_each(?))"
        " AND j NOT IN (SELECT value FROM json_each(?)) AND y = ?"
    }
    _, values = sql_text.statement("sqlite", sql, [[1, 2] * 8, ['加入 "g"'] * n, 3])
    assert values == (
        "[1,2" + ",1,2" * 7 + "]",
        '["加入 \\"g\\""' + ',"加入 \\"g\\""' * (n - 1) + "]",
        3,
    )
    short = sql_text.statement("sqlite", sql, [[1, 2], ["a"], 3])[0]
    assert "IN (?, ?) AND j NOT IN (?) AND" in short  # a knock's few values stay spread
    for odd in (None, True, 1.5):  # not str or int only: spread as before
        mixed = [*range(n - 1), odd]
        assert sql_text.statement("sqlite", sql, [mixed, ["a"], 3])[0].count("?") == n + 2
