"""SQLite's WAL checkpoints on a thread of their own, off the writers' commits.

With WAL and ``synchronous=NORMAL`` a commit only appends its pages to the ``-wal`` file; the
syncs happen at checkpoints, which SQLite runs inside whichever commit takes the WAL past
1,000 pages (``wal_autocheckpoint``): that commit copies every page back into the database
file and waits for two ``fdatasync``. A knock and its join write ~42 pages, so one join in
~24 paid for a checkpoint — ~1 ms of wall per join on average on the shared 2-core machine,
and the p99 (issue 22, docs/speed/joins.md "Session 37, sqknock").

Here every ``EVERY`` commits of a store wake one thread that runs a ``PASSIVE`` checkpoint
on its own connection: it takes no write lock, so writers go on while it copies and syncs
(the sqlite3 module releases the GIL around SQLite's calls). SQLite's own auto-checkpoint
stays on as a backstop for a WAL that outgrows the thread (a big import's commits, a thread
not scheduled) and for other processes. Durability is unchanged: the same pages are synced
by the same kind of checkpoint, only by another thread.

The thread holds no reference to its :class:`Checkpointer` (only to the small
:class:`_Signal` they share), so a store dropped without ``close()`` is still collected, and
collecting it stops the thread and closes the thread's connection (``weakref.finalize``): a
library user opening many stores does not leak a thread and a file handle per store.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from urllib.parse import quote

EVERY = 40
"""Commits between two background checkpoints: ~840 pages of knocks and joins, under SQLite's
1,000. Every 16 commits cost ~0.1 ms more CPU a join (pages copied more often) and won less."""


class _Signal:
    """What a checkpointer and its thread share: the wake-up and the request to stop."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.stop = False

    def halt(self) -> None:
        """Ask the thread to stop (it finishes a checkpoint under way first)."""
        self.stop = True
        self.wake.set()


class Checkpointer:
    """One background checkpointing thread for one SQLite database file."""

    def __init__(self, path: str) -> None:
        # absolute (a later chdir), and read-write only: never create a file that is gone
        self._uri = f"file:{quote(os.path.abspath(path))}?mode=rw"
        self._commits = 0
        self._signal = _Signal()
        self._halt = weakref.finalize(self, self._signal.halt)  # also when dropped unclosed
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
                target=_checkpoints,
                args=(self._uri, self._signal),
                name="shequn-wal-checkpoint",
                daemon=True,
            )
            self._thread.start()
        self._signal.wake.set()

    def close(self) -> None:
        """Stop the thread (it finishes a checkpoint under way first)."""
        self._halt()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=10)
        self._thread = None


def _checkpoints(uri: str, signal: _Signal) -> None:
    """The thread: a ``PASSIVE`` checkpoint at each wake-up until asked to stop."""
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error:  # the file went away: the writers' auto-checkpoint remains
        return
    try:
        while True:
            signal.wake.wait()
            signal.wake.clear()
            if signal.stop:
                return
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # busy or gone: the writers' auto-checkpoint remains
                continue
    finally:
        conn.close()
