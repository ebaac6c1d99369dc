"""SQLite's WAL checkpoints on a thread of their own, off the writers' commits.

With WAL and ``synchronous=NORMAL`` a commit only appends its pages to the ``-wal`` file; the
syncs happen at checkpoints, which SQLite runs inside whichever commit takes the WAL past
1,000 pages (``wal_autocheckpoint``): that commit copies every page back into the database
file and waits for two ``fdatasync``. A knock and its join write ~42 pages, so one join in
~24 paid for a checkpoint — ~1 ms of wall per join on average on the shared 2-core machine,
and the p99 (issue 22, docs/entry.md "Session 37, sqknock").

Here every ``EVERY`` commits of a store wake one thread that runs a ``PASSIVE`` checkpoint
on its own connection: it takes no write lock, so writers go on while it copies and syncs
(the sqlite3 module releases the GIL around SQLite's calls). SQLite's own auto-checkpoint
stays on as a backstop for a WAL that outgrows the thread (a big import's commits, a thread
not scheduled) and for other processes. Durability is unchanged: the same pages are synced
by the same kind of checkpoint, only by another thread.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from urllib.parse import quote

EVERY = 40
"""Commits between two background checkpoints: ~840 pages of knocks and joins, under SQLite's
1,000. Every 16 commits cost ~0.1 ms more CPU a join (pages copied more often) and won less."""


class Checkpointer:
    """One background checkpointing thread for one SQLite database file."""

    def __init__(self, path: str) -> None:
        # absolute (a later chdir), and read-write only: never create a file that is gone
        self._uri = f"file:{quote(os.path.abspath(path))}?mode=rw"
        self._commits = 0
        self._wake = threading.Event()
        self._stop = False
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """Count a commit; every ``EVERY`` th wakes the thread (started on first use)."""
        self._commits += 1
        if self._commits % EVERY:
            return
        if self._thread is None or self._pid != os.getpid():  # first use, or a forked child
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, name="shequn-wal-checkpoint", daemon=True
            )
            self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread (it finishes a checkpoint under way first)."""
        self._stop = True
        self._wake.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._uri, uri=True, isolation_level=None)
        except sqlite3.Error:  # the file went away: the writers' auto-checkpoint remains
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:  # busy or gone: the writers' auto-checkpoint remains
                    continue
        finally:
            conn.close()
