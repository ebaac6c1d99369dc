"""A SQLite file store's write transactions run on one connection, kept between them.

Issue 22: checking a connection out of the pool and back in for every transaction cost ~50 µs
of CPU, two per knock at the door and its recorded join. Writers take turns on the file's
writer lock, so one kept connection serves them in turn; a failed transaction drops it.
"""

from __future__ import annotations

import gc
import threading
import warnings
from pathlib import Path

import pytest
from sqlalchemy import event

from shequn.store.db import Store


def _checkouts(store: Store) -> list[int]:
    """Appends the driver connection's id at each checkout from the pool."""
    seen: list[int] = []
    event.listen(store.engine.pool, "checkout", lambda dbapi, *_: seen.append(id(dbapi)))
    return seen


def _table(store: Store) -> None:
    with store.transaction() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")


def _rows(store: Store) -> list[int]:
    with store.read() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT x FROM t ORDER BY x")]


def test_write_transactions_check_out_one_connection(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    seen = _checkouts(store)
    _table(store)
    for i in range(5):
        with store.transaction() as conn:
            conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", (i,))
    assert len(seen) == 1  # one checkout for six transactions (was one each)
    assert store.engine.pool.checkedout() == 1  # kept between them
    assert _rows(store) == [0, 1, 2, 3, 4]
    store.close()
    assert store.engine.pool.checkedout() == 0


def test_a_failed_transaction_rolls_back_and_drops_the_connection(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    seen = _checkouts(store)
    _table(store)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.exec_driver_sql("INSERT INTO t (x) VALUES (1)")
        raise RuntimeError("the engine refused")
    assert store.engine.pool.checkedout() == 0  # back in the pool, rolled back
    with store.transaction() as conn:
        conn.exec_driver_sql("INSERT INTO t (x) VALUES (2)")
    assert len(seen) == 2  # a fresh checkout after the failure
    assert _rows(store) == [2]
    store.close()


def test_threads_take_turns_on_the_kept_connection(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    _table(store)
    seen = _checkouts(store)
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(50):
                with store.transaction() as conn:
                    conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", (k * 100 + i,))
        except BaseException as e:  # reported after the join
            errors.append(e)

    pool = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    assert seen == []  # the connection kept since the table was made served every thread
    assert sorted(_rows(store)) == sorted(k * 100 + i for k in range(4) for i in range(50))
    store.close()


def test_memory_store_keeps_nothing() -> None:
    store = Store.open("sqlite://")  # a connection (and database) per thread: nothing kept
    seen = _checkouts(store)
    _table(store)
    with store.transaction() as conn:
        conn.exec_driver_sql("INSERT INTO t (x) VALUES (1)")
    assert len(seen) == 2  # checked out per transaction, as before
    assert _rows(store) == [1]
    store.close()


def test_a_store_dropped_without_close_gives_the_connection_back(tmp_path: Path) -> None:
    gc.collect()  # other tests' garbage first: its warnings are not this store's
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    kept = _checkouts(store)
    _table(store)
    engine = store.engine
    assert engine.pool.checkedout() == 1
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        del store
        gc.collect()
    assert engine.pool.checkedout() == 0
    mine = [str(w.message) for w in seen if hex(kept[0]) in str(w.message)]
    assert mine == []  # given back, not cleaned up by the collector
    engine.dispose()
