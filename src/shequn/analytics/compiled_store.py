"""Compiled SQL kept across processes: a small SQLite file in the user's cache directory
(``cachedir``).

``shequn report`` runs as a fresh process (cron), and a fresh process compiles every query
of the suite again: about 1.3 of 7–8 CPU s on a 2M-event replica (docs/scale.md, "Compiled
SQL kept across processes"). The SQL depends only on the expression and the compilers, so
a key that spells the expression completely (``compiled.spelled``: every node's type, every
value's type and ``repr``, in walk order), the dialect and the installed versions of
ibis-framework and sqlglot names the same SQL in any process.

It is a cache and nothing more: every failure to read or write it (a read-only home, a
locked or corrupt file) falls back to compiling, logged at debug level only; a file that is
not a database is removed, so the next process starts a new one. Rows of other
compiler versions are dropped when a new row is written, and at most ``ROWS`` are kept.

The store holds SQL that is run, so it is used only when it is private: the folder and the
file owned by this user and writable by no one else (the folder is created ``0700``, the file
``0600``). A store someone else could write would let them put SQL in every later report; it
is then left alone, and every query compiled as before.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from shequn.analytics.cachedir import folder, made, private

log = logging.getLogger("shequn.analytics")

ROWS = 2048
"""Rows kept (the oldest written go first): a suite is 47 queries, a dashboard scope a few
more; the suite's SQL averages 2.4 kB a query (at most 15 kB), so the file stays a few MB."""

FILE = "compiled-sql.sqlite3"

_lock = threading.Lock()
_loaded: dict[str, str] | None = None
_writable = True
counts = {"hits": 0, "misses": 0}
"""Queries found in the store and compiled afresh in this process (the bench reports them)."""


@cache
def compilers() -> str:
    """The installed versions the SQL depends on besides the expression."""
    return "; ".join(f"{name} {_version(name)}" for name in ("ibis-framework", "sqlglot"))


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def key(dialect: str, spelling: tuple[object, ...]) -> str:
    """The store's key: sha256 over the compilers, the dialect and the full spelling."""
    text = repr((compilers(), dialect, spelling))
    return hashlib.sha256(text.encode()).hexdigest()


def _connect() -> sqlite3.Connection | None:
    """The store, or ``None`` when it is not private (module doc)."""
    where = made()
    path = where / FILE
    new = not path.exists()
    if not all(private(p) for p in ((where,) if new else (where, path))):
        log.debug("compiled SQL store %s is not private to this user: not used", path)
        return None
    con = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    if new:
        path.chmod(0o600)
    con.execute("PRAGMA synchronous = OFF")  # a cache: a torn write is a miss, not a loss
    con.execute(
        "CREATE TABLE IF NOT EXISTS compiled"
        " (key TEXT PRIMARY KEY, compilers TEXT NOT NULL, sql TEXT NOT NULL)"
    )
    return con


def get(k: str) -> str | None:
    """The SQL kept under ``k``; all rows of the current compilers are read at first use."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = {}
            try:
                con = _connect()
                if con is not None:
                    try:
                        rows = con.execute(
                            "SELECT key, sql FROM compiled WHERE compilers = ?", (compilers(),)
                        ).fetchall()
                    finally:
                        con.close()
                    _loaded = dict(rows)
            except (OSError, sqlite3.Error) as e:
                log.debug("compiled SQL store not read (%s): compiling", e)
                if type(e) is sqlite3.DatabaseError:  # "file is not a database": start anew
                    _drop()
        text = _loaded.get(k)
        counts["hits" if text is not None else "misses"] += 1
        return text


def put(k: str, sql: str) -> None:
    """Keep ``sql`` under ``k`` (once: a key already kept is left as it is)."""
    global _writable
    with _lock:
        if _loaded is not None:
            _loaded[k] = sql
        if not _writable:
            return
        try:
            con = _connect()
            if con is None:
                _writable = False
                return
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("DELETE FROM compiled WHERE compilers != ?", (compilers(),))
                con.execute(
                    "INSERT OR IGNORE INTO compiled (key, compilers, sql) VALUES (?, ?, ?)",
                    (k, compilers(), sql),
                )
                con.execute(
                    "DELETE FROM compiled WHERE rowid <= (SELECT MAX(rowid) FROM compiled) - ?",
                    (ROWS,),
                )
                con.execute("COMMIT")
            finally:
                con.close()
        except (OSError, sqlite3.Error) as e:
            # a read-only or corrupt store stays so for this process: stop trying
            _writable = False
            log.debug("compiled SQL store not written (%s): kept in memory only", e)


def _drop() -> None:
    """Remove a store SQLite cannot read (only a cache: the next write starts a new one)."""
    try:
        (folder() / FILE).unlink()
    except OSError as e:
        log.debug("unreadable compiled SQL store not removed (%s)", e)


def forget() -> None:
    """Read the store afresh at next use and zero the counts (tests: a new process)."""
    global _loaded, _writable
    with _lock:
        _loaded = None
        _writable = True
        counts.update(hits=0, misses=0)
