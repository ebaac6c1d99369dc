"""Compiled SQL kept across processes (``analytics/compiled_store.py``): a fresh process (a
cron ``shequn report``) gets the SQL an earlier one compiled, without asking Ibis again; any
value that spells differently, or other compiler versions, is compiled afresh; a cache that
cannot be written changes nothing but the time."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest

from shequn.analytics import cachedir, compiled, compiled_store, portable
from tests.compiling_helpers import above, compilations

COMPILE = ibis.to_sql
"""Ibis's own compiler, for the SQL expected (the tests count the calls to ``ibis.to_sql``)."""


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder for each test, and a fresh "process" around it."""
    monkeypatch.setenv("SHEQUN_CACHE_DIR", str(tmp_path / "cache"))
    compiled.clear()
    yield tmp_path / "cache"
    compiled.clear()


def new_process() -> None:
    """What a new process starts with: nothing compiled in memory, the store not yet read."""
    compiled.clear()


def picked(value: Any) -> Any:
    """``value`` as a column of the log (its type as Ibis infers it)."""
    return portable.ev().select(x=ibis.literal(value))


def test_a_new_process_gets_the_sql_without_compiling(monkeypatch, own_cache):
    asked = compilations(monkeypatch)
    first = portable.sql(None, above(50))
    assert asked == ["duckdb"]
    assert compiled_store.counts == {"hits": 0, "misses": 1}
    assert (own_cache / compiled_store.FILE).exists()
    new_process()
    again = portable.sql(None, above(50))
    assert again == first
    assert '"t0"."length" > 50' in again
    assert asked == ["duckdb"]  # not compiled a second time
    assert compiled_store.counts == {"hits": 1, "misses": 0}


def test_values_python_calls_equal_are_kept_apart(monkeypatch):
    asked = compilations(monkeypatch)
    values = [0.0, -0.0, 1, 1.0, True]
    keys = {compiled_store.key("duckdb", compiled.spelled(picked(v).op())) for v in values}
    assert len(keys) == len(values)
    sql = [portable.sql(None, picked(v)) for v in values]
    assert len(asked) == len(values)
    new_process()
    for v, text in zip(values, sql, strict=True):  # each served its own SQL from the store
        assert portable.sql(None, picked(v)) == text == COMPILE(picked(v), dialect="duckdb")
    assert len(asked) == len(values)
    assert compiled_store.counts == {"hits": len(values), "misses": 0}
    assert "-0.0" in sql[1] and "-0.0" not in sql[0]
    assert [text.split(" AS ")[0].split()[-1] for text in sql[2:]] == ["1", "1.0", "TRUE"]


def test_the_same_expression_has_the_same_key_however_it_is_built():
    a = compiled.spelled(above(50).op())
    b = compiled.spelled(above(50).op())
    assert compiled_store.key("duckdb", a) == compiled_store.key("duckdb", b)
    assert compiled_store.key("duckdb", a) != compiled_store.key("pyspark", a)


def test_other_compiler_versions_miss_and_their_rows_are_dropped(monkeypatch, own_cache):
    asked = compilations(monkeypatch)
    portable.sql(None, above(50))
    new_process()
    monkeypatch.setattr(compiled_store, "compilers", lambda: "ibis-framework 99.0; sqlglot 1")
    portable.sql(None, above(50))
    assert asked == ["duckdb", "duckdb"]
    assert compiled_store.counts == {"hits": 0, "misses": 1}
    con = compiled_store._connect()
    try:
        rows = con.execute("SELECT compilers FROM compiled").fetchall()
    finally:
        con.close()
    assert rows == [("ibis-framework 99.0; sqlglot 1",)]


def test_only_the_newest_rows_are_kept(monkeypatch):
    monkeypatch.setattr(compiled_store, "ROWS", 2)
    asked = compilations(monkeypatch)
    for limit in (1, 2, 3):
        portable.sql(None, above(limit))
    new_process()
    for limit in (3, 2, 1):
        portable.sql(None, above(limit))
    assert len(asked) == 4  # 1 was dropped when 3 came
    assert compiled_store.counts == {"hits": 2, "misses": 1}


def test_an_unwritable_cache_folder_only_costs_compiling(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("a file where the folder would go")
    monkeypatch.setenv("SHEQUN_CACHE_DIR", str(tmp_path / "file" / "cache"))
    asked = compilations(monkeypatch)
    first = portable.sql(None, above(50))
    assert first == COMPILE(above(50), dialect="duckdb")
    assert portable.sql(None, above(50)) == first  # still kept in memory
    new_process()
    assert portable.sql(None, above(50)) == first
    assert asked == ["duckdb", "duckdb"]


def test_a_cache_folder_others_can_write_is_not_used(monkeypatch, own_cache):
    own_cache.mkdir()
    own_cache.chmod(0o777)  # anyone could put SQL in a store here: it is not read or written
    asked = compilations(monkeypatch)
    first = portable.sql(None, above(50))
    new_process()
    assert portable.sql(None, above(50)) == first == COMPILE(above(50), dialect="duckdb")
    assert asked == ["duckdb", "duckdb"]
    assert not (own_cache / compiled_store.FILE).exists()


def test_a_store_others_can_write_is_not_trusted(monkeypatch, own_cache):
    portable.sql(None, above(50))  # a private store, with this query's SQL in it
    store = own_cache / compiled_store.FILE
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(own_cache.stat().st_mode) == 0o700
    con = sqlite3.connect(store)
    con.execute("UPDATE compiled SET sql = ?", ("SELECT 'planted'",))
    con.commit()
    con.close()
    store.chmod(0o666)  # as if someone else could have written it
    new_process()
    asked = compilations(monkeypatch)
    assert portable.sql(None, above(50)) == COMPILE(above(50), dialect="duckdb")
    assert asked == ["duckdb"]


def test_a_corrupt_store_is_started_anew(monkeypatch, own_cache):
    own_cache.mkdir()
    (own_cache / compiled_store.FILE).write_bytes(b"not a database, " * 64)
    asked = compilations(monkeypatch)
    first = portable.sql(None, above(50))
    assert first == COMPILE(above(50), dialect="duckdb")
    new_process()  # the unreadable file was replaced by a new store, which has the SQL
    assert portable.sql(None, above(50)) == first
    assert asked == ["duckdb"]
    assert compiled_store.counts == {"hits": 1, "misses": 0}


def test_a_table_of_data_in_memory_is_not_shared(monkeypatch, own_cache):
    t = ibis.memtable({"x": [1, 2, 3]})
    spelling = compiled.spelled(t.count().as_table().op())
    assert not compiled.exact(spelling)
    assert compiled.exact(compiled.spelled(above(50).op()))


SCRIPT = """
import ibis
from shequn.analytics import compiled_store, portable
t = portable.ev()
print(portable.sql(None, t.drop("kind", "data", "length").limit(5)))
print(compiled_store.counts)
"""


def test_two_real_processes_with_other_string_hashing_share_the_sql(own_cache):
    """A set's order follows string hashing, which each process seeds anew (the columns
    dropped here are a set, in another order under each seed below): the second process
    must still find what the first compiled."""

    def run(seed: str) -> list[str]:
        env = {**os.environ, "PYTHONHASHSEED": seed, "SHEQUN_CACHE_DIR": str(own_cache)}
        env["PYTHONPATH"] = os.pathsep.join([str(Path(portable.__file__).parents[2])])
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip().rsplit("\n", 1)

    first_sql, first = run("1")
    again_sql, again = run("2")
    assert first == "{'hits': 0, 'misses': 1}"
    assert again == "{'hits': 1, 'misses': 0}"
    # Ibis writes the set in its own order (any order is the same SQL): the second process
    # is served the first one's
    assert again_sql == first_sql
    assert all(f'"{name}"' in first_sql for name in ("kind", "data", "length"))


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEQUN_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cachedir.folder() == tmp_path / "mine"
    monkeypatch.delenv("SHEQUN_CACHE_DIR")
    assert cachedir.folder() == tmp_path / "xdg" / "shequn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cachedir.folder() == tmp_path / "home" / ".cache" / "shequn"


def test_a_locked_store_only_costs_compiling(monkeypatch):
    portable.sql(None, above(1))  # the store exists
    new_process()
    asked = compilations(monkeypatch)
    other = compiled_store._connect()  # another process, in the middle of a long write
    other.execute("BEGIN EXCLUSIVE")
    try:
        first = portable.sql(None, above(50))
        assert first == COMPILE(above(50), dialect="duckdb")
        assert asked == ["duckdb"]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (cachedir.folder() / compiled_store.FILE).exists()  # locked is not corrupt: kept
