"""Compiled SQL kept per process (``analytics/compiled.py``): the same expression is compiled
once per engine, and any value that spells differently is compiled afresh — even one Ibis
(and Python) calls equal, such as ``-0.0`` and ``0.0``."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from shequn.analytics import compiled, compiled_store, portable
from tests.compiling_helpers import above, compilations


@pytest.fixture(autouse=True)
def empty(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing compiled in memory, and an empty store of SQL kept across processes."""
    monkeypatch.setenv("SHEQUN_CACHE_DIR", str(tmp_path / "cache"))
    compiled.clear()


class Spark:
    """What ``portable`` reads of a Spark connection: its dialect."""

    dialect = "pyspark"


def test_the_same_expression_built_twice_is_compiled_once(monkeypatch):
    asked = compilations(monkeypatch)
    first = portable.sql(None, above(50))
    again = portable.sql(None, above(50))
    assert again == first
    assert '"t0"."length" > 50' in first
    assert asked == ["duckdb"]


def test_minus_zero_is_not_served_the_sql_of_zero(monkeypatch):
    asked = compilations(monkeypatch)
    assert above(0.0).op() == above(-0.0).op()  # Ibis calls them equal ...
    zero = portable.sql(None, above(0.0))
    minus = portable.sql(None, above(-0.0))
    assert "> 0.0" in zero and "-0.0" not in zero  # ... their SQL is not
    assert "> -0.0" in minus
    assert portable.sql(None, above(0.0)) == zero
    assert portable.sql(None, above(-0.0)) == minus
    assert asked == ["duckdb", "duckdb"]


def test_a_value_in_a_shared_part_counts_where_it_is_used():
    t = portable.ev()

    def twice(a: float, b: float) -> Any:
        longer = t.filter(t.length > ibis.literal(a, type="float64"))
        other = t.filter(t.length > ibis.literal(b, type="float64"))
        return longer.count().as_table().union(other.count().as_table(), distinct=False)

    shared = t.filter(t.length > ibis.literal(0.0, type="float64"))
    both = shared.count().as_table().union(shared.count().as_table(), distinct=False)
    assert both.op() == twice(-0.0, 0.0).op()
    assert compiled.spelled(both.op()) != compiled.spelled(twice(-0.0, 0.0).op())
    kept = portable.sql(None, both)
    assert kept == ibis.to_sql(both, dialect="duckdb")
    # Ibis writes one filter for the two equal ones, with the value it met first
    assert portable.sql(None, twice(-0.0, 0.0)) == ibis.to_sql(twice(-0.0, 0.0), dialect="duckdb")
    assert "-0.0" in portable.sql(None, twice(-0.0, 0.0)) and "-0.0" not in kept


def test_each_engine_gets_its_own_dialect(monkeypatch):
    asked = compilations(monkeypatch)
    duck = portable.sql(None, above(50))
    spark = portable.sql(Spark(), above(50))
    assert '"length"' in duck and "`length`" in spark
    assert portable.sql(Spark(), above(50)) == spark
    assert asked == ["duckdb", "pyspark"]


def test_json_fields_built_twice_are_compiled_once(monkeypatch):
    asked = compilations(monkeypatch)

    def channel() -> Any:
        t = portable.ev()
        return t.select(channel=portable.field(None, t.data, "channel"))

    assert portable.sql(None, channel()) == portable.sql(None, channel())
    assert """"data" ->> '$.channel'""" in portable.sql(None, channel())
    assert asked == ["duckdb"]


def test_the_oldest_are_forgotten_past_the_size(monkeypatch):
    monkeypatch.setattr(compiled, "SIZE", 2)
    asked = compilations(monkeypatch)
    for limit in (1, 2, 3, 1):
        portable.sql(None, above(limit))
    # 1 was forgotten in memory when 3 came: the second time the store across processes
    # had it (compiled_store), so Ibis compiled it only once
    assert len(asked) == 3
    assert compiled_store.counts == {"hits": 1, "misses": 3}
