"""Opening the store: one URL, SQLite by default, migrated on first use.

``SHEQUN_DATABASE_URL`` picks the database; without it shequn uses ``sqlite:///shequn.db``
in the current directory, so a first try needs no server. SQLite connections get WAL
(readers do not block the writer) and foreign keys on (off by default in SQLite).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError, OperationalError

from shequn.errors import StoreError
from shequn.model.i18n import Said
from shequn.store.wal_checkpoint import Checkpointer

DEFAULT_URL = "sqlite:///shequn.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``SHEQUN_DATABASE_URL``, else the SQLite default."""
    url = url or os.environ.get("SHEQUN_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; spare users the dialect suffix.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module so _sqlite_begin decides how
    # each transaction starts.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # With WAL, NORMAL syncs at checkpoints only: a committed transaction survives the
    # process crashing; a power loss or OS crash may roll back the last few (the file stays
    # consistent). FULL would fsync every commit (issue 22 measured the commits:
    # docs/speed/joins.md).
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock up front (BEGIN IMMEDIATE) and so waits its turn
    # (busy_timeout) instead of failing with "database is locked" half-way through a
    # read-then-write transaction. Readers begin normally and never block anyone in WAL mode.
    # Sent on the driver's own connection: through ``exec_driver_sql`` SQLAlchemy's statement
    # machinery cost more than SQLite's BEGIN itself, twice per knock at the door.
    write = conn.get_execution_options().get("shequn_write", False)
    driver = conn.connection.driver_connection
    assert driver is not None  # noqa: S101  # a live connection: it is beginning
    try:
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except sqlite3.OperationalError as e:  # "database is locked" past busy_timeout
        raise StoreError(Said("database error: {error}", error=str(e))) from e


IDLE_PING_SECONDS = 30.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out."""
_IDLE_SINCE = "shequn_idle_since"


def _pg_checkin(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _pg_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """Hand out only a live PostgreSQL connection, without a round trip when it was just used.

    ``pool_pre_ping`` sent a ``SELECT 1`` at every checkout: a round trip per transaction,
    two per join at the door (issue 22). Instead a connection psycopg already knows is gone
    (``broken`` or ``closed``: it saw its server go during its last use) is replaced at once,
    and one that sat idle in the pool for ``IDLE_PING_SECONDS`` (a restarted server or a
    firewall may have dropped it meanwhile) is pinged first. ``DisconnectionError`` makes the
    pool open a fresh connection and try again. What is left uncovered is a connection that
    died within the idle window unnoticed: its next transaction fails with a database error,
    psycopg marks it broken, and the transaction after that gets a fresh one.
    """
    if getattr(dbapi_conn, "broken", False) or getattr(dbapi_conn, "closed", False):
        raise DisconnectionError("connection lost")
    since = record.info.get(_IDLE_SINCE) if record is not None else None
    if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
        return
    try:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SELECT 1")
        finally:
            cur.close()
        dbapi_conn.rollback()  # the ping's implicit transaction: the pool's hand-out is clean
    except Exception as e:  # any failure of a bare ping means the connection is unusable
        raise DisconnectionError("connection lost while idle") from e


class _KeptWriter:
    """A SQLite file: the connection a store's write transactions run on, kept between them.

    Checking a connection out of the pool and back in, with SQLAlchemy's ``Connection``
    around it and the pool's reset on return, cost ~50 µs of CPU a transaction — two per
    knock and its recorded join, more than SQLite's own ``BEGIN`` and empty ``COMMIT``
    (issue 22, docs/speed/joins.md "Session 38, sqknock2"). A store's SQLite writers take turns on
    the file's writer lock (``Store.transaction``), so one connection serves them all in
    turn, and SQLite forgets nothing between transactions that a pooled one would remember.
    It is not lent twice (a transaction opened inside another's block gets a pooled one, as
    before), never to a forked child (the parent's connection is not the child's to use),
    and dropped — back to the pool, which rolls it back — when a transaction raises.
    """

    def __init__(self) -> None:
        self.conn: Connection | None = None
        self.pid = 0
        self.lent = False

    def take(self, engine: Engine) -> Connection | None:
        """The kept connection, opened on first use; None when it is lent already."""
        if self.lent:
            return None
        if self.conn is None or self.pid != os.getpid():
            self.conn = engine.connect()  # a forked child's inherited one is left alone
            self.conn.execution_options(shequn_write=True)
            self.pid = os.getpid()
        self.lent = True
        return self.conn

    def give_back(self) -> None:
        self.lent = False

    def drop(self) -> None:
        """Close the kept connection (it returns to the pool); the next take opens one."""
        conn, self.conn, self.lent = self.conn, None, False
        if conn is not None and self.pid == os.getpid():
            conn.close()


_SQLITE_WRITERS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


class Store:
    """A migrated database. ``Store.open()`` is the way in; ``transaction()`` the way to write.

    Only the store's own append/rebuild functions and the engine write through it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer_lock: threading.RLock | None = None
        path = (engine.url.database or "") if engine.dialect.name == "sqlite" else ""
        on_file = bool(path) and path != ":memory:"
        self._checkpoints = Checkpointer(path) if on_file else None
        # ``:memory:``: SQLAlchemy's pool gives each thread its own connection (and database).
        self._writer = _KeptWriter() if on_file else None
        if self._writer is not None:  # a store dropped without close() gives it back too
            weakref.finalize(self, self._writer.drop)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        url = database_url(url)
        try:
            parsed = make_url(url)
            engine = create_engine(parsed)
        except (ArgumentError, NoSuchModuleError) as e:
            raise StoreError(
                Said("cannot use database URL {url!r}: {error}", url=_redact(url), error=str(e))
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif engine.dialect.name == "postgresql":
            event.listen(engine.pool, "checkin", _pg_checkin)
            event.listen(engine.pool, "checkout", _pg_checkout)
        store = cls(engine)
        if migrate:
            store.upgrade(only_if_fresh=True)
        return store

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
        if self._writer is not None:
            with self._writer_turn():  # not under a writer of another thread
                self._writer.drop()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite, writers of one process queue on a lock per database file before they ask
        SQLite for its write lock: SQLite's own waiting (``busy_timeout``) polls with growing
        sleeps, so under many threads a writer could wait seconds while others cut in; the
        lock makes them take turns. Other processes still wait on SQLite itself.
        """
        with self._writer_turn():
            writer = self._writer  # a SQLite file's kept connection (None: a pooled one)
            kept = writer.take(self.engine) if writer is not None else None
            try:
                with nullcontext(kept) if kept is not None else self.engine.connect() as conn:
                    if kept is None:
                        conn.execution_options(shequn_write=True)
                    with conn.begin():
                        yield conn
            except BaseException as e:
                if writer is not None and kept is not None:
                    writer.drop()  # rolled back; a fresh one next time
                if isinstance(e, OperationalError):
                    raise StoreError(Said("database error: {error}", error=str(e.orig))) from e
                raise
            if writer is not None and kept is not None:
                writer.give_back()
            if self._checkpoints is not None:  # SQLite's WAL synced off the commit path
                self._checkpoints.committed()

    def _writer_turn(self) -> AbstractContextManager[object]:
        if self.engine.dialect.name != "sqlite":
            return nullcontext()
        lock = self._writer_lock  # found once per store: realpath stats the disk
        if lock is None:
            path = self.engine.url.database or ""
            key = os.path.realpath(path) if path and path != ":memory:" else f"{id(self)}"
            with _LOCKS_GUARD:
                lock = _SQLITE_WRITERS.setdefault(key, threading.RLock())
            self._writer_lock = lock
        return lock

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def upgrade(self, revision: str = "head", *, only_if_fresh: bool = False) -> str | None:
        """Run Alembic migrations up to ``revision``; returns the revision reached.

        With ``only_if_fresh`` nothing happens unless the database has no tables yet —
        the first ``shequn`` command on a new file migrates it; later upgrades are explicit
        (``shequn db upgrade``) so a newer shequn never changes a database behind your back.
        """
        try:
            with self.engine.connect() as conn:
                names = set(inspect(conn).get_table_names())
        except OperationalError as e:
            raise StoreError(
                Said(
                    "cannot reach database {url}: {error}",
                    url=_redact(str(self.engine.url)),
                    error=str(e.orig),
                )
            ) from None
        if only_if_fresh and "alembic_version" in names:
            return None
        from alembic import command  # lazy: keeps `shequn --help` instant

        with self.engine.begin() as conn:
            cfg = _alembic_config(conn)
            command.upgrade(cfg, revision)
        return self.current_revision()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            rev = MigrationContext.configure(conn).get_current_revision()
        return rev


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("shequn.store") / "migrations"))
    cfg.attributes["connection"] = conn
    return cfg


def _redact(url: str) -> str:
    """Never print a password: ``postgresql://u:secret@h/db`` → ``postgresql://u:***@h/db``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
