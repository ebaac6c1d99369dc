"""SQLite's WAL is checkpointed by a background thread, not inside the writers' commits.

Issue 22: the commit that took the WAL past 1,000 pages ran the checkpoint and its two
fsyncs itself (one join in ~24 waited for it); now every ``EVERY`` commits wake a thread.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from pathlib import Path

from shequn.store import wal_checkpoint
from shequn.store.db import Store


def _file_rows(path: Path) -> int:
    """Rows of ``t`` in the database file itself, the WAL ignored (``immutable``)."""
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        found = con.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchall()
        return con.execute("SELECT count(*) FROM t").fetchone()[0] if found else 0
    finally:
        con.close()


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "shequn-wal-checkpoint"]


def test_commits_reach_the_database_file_without_a_writer_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    others = set(_threads())  # other tests' stores left open keep theirs: not this test's
    store = Store.open(f"sqlite:///{path}")
    with store.transaction() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    inserted = 2 * wal_checkpoint.EVERY - 1  # commit 2·EVERY wakes the thread again
    for i in range(inserted):  # a few pages: far below SQLite's auto-checkpoint of 1,000
        with store.transaction() as conn:
            conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", (i,))
    deadline = time.monotonic() + 10
    while _file_rows(path) < inserted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _file_rows(path) == inserted  # in the database file, not only in the WAL
    mine = [t for t in _threads() if t not in others]
    assert len(mine) == 1
    store.close()
    assert not mine[0].is_alive()


def test_memory_and_postgres_urls_start_no_thread() -> None:
    store = Store.open("sqlite://")
    before = len(_threads())
    for _ in range(2 * wal_checkpoint.EVERY):
        with store.transaction() as conn:
            conn.exec_driver_sql("SELECT 1")
    assert len(_threads()) == before
    store.close()


def test_a_store_dropped_without_close_stops_its_thread(tmp_path: Path) -> None:
    """A library user who opens many stores and forgets ``close()`` leaks no thread (nor the
    thread's connection): collecting the store stops it."""
    others = set(_threads())
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    for _ in range(wal_checkpoint.EVERY):  # the EVERY-th commit starts the thread
        with store.transaction() as conn:
            conn.exec_driver_sql("SELECT 1")
    mine = [t for t in _threads() if t not in others]
    assert len(mine) == 1
    del store, conn
    gc.collect()
    mine[0].join(timeout=10)
    assert not mine[0].is_alive()
