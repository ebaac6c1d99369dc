"""The analytics replica: the event log mirrored into DuckDB, where metrics run.

Metrics scan millions of events; the OLTP store is built for appends, not scans. So the log is
copied, incrementally by event id, into a DuckDB file. Rows travel as Arrow record batches read
through ADBC (never one Python object per event), and are inserted with one ``INSERT … SELECT``
per batch.

Late commits: on PostgreSQL a lower id could in principle commit after a higher one. shequn's
appends serialize on an advisory lock and take their ids inside it, so ids become visible in
order; as a second line of defence every sync re-reads an overlap window of the last
``OVERLAP`` ids and inserts only rows it does not have (``INSERT OR IGNORE`` on the id key).

Small projections (who is who after merges, groups, communities' time zones) are copied whole
on every sync; they are tiny next to the log. What the metrics read, ``ev``, is derived from
the copied rows at sync time and kept true incrementally (``analytics/materialise.py``).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shequn.analytics import cachedir, materialise
from shequn.analytics.copies import EVENTS, PROJECTIONS
from shequn.analytics.reader import Query, read_all
from shequn.analytics.results import Reusing, fingerprint, grown, kept, remember
from shequn.errors import StoreError
from shequn.model.i18n import Said
from shequn.store.db import Store

OVERLAP = 10_000
"""Ids below the replica's high-water mark that every sync reads again (see module doc)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS people (  -- identity → member, within one community
    of_community VARCHAR, identity VARCHAR, member VARCHAR NOT NULL,
    PRIMARY KEY (of_community, identity)
);
CREATE TABLE IF NOT EXISTS groups (
    community VARCHAR, grp VARCHAR, name VARCHAR, platform VARCHAR, capacity INTEGER,
    stage VARCHAR, configured BOOLEAN, first_seen_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS communities (community VARCHAR PRIMARY KEY, timezone VARCHAR);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS memberships (
    community VARCHAR, grp VARCHAR, identity VARCHAR, member VARCHAR, status VARCHAR,
    joined_at TIMESTAMP, left_at TIMESTAMP, join_channel VARCHAR, inviter VARCHAR
);
"""


@dataclass(frozen=True, slots=True)
class SyncResult:
    copied: int
    total: int
    seconds: float


def prepare(con: Any) -> None:
    """Create the replica's tables, ``ev`` and the ``events`` view over it, on a DuckDB
    connection (idempotent). Benchmarks and tests that fill a replica by other means start
    here, then derive raw rows with ``materialise.append``."""
    con.execute("SET TimeZone = 'UTC'")
    columns = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'people'"
    ).fetchall()
    dropped = bool(columns) and ("of_community",) not in columns
    if dropped:  # before communities were isolated
        con.execute("DROP TABLE people")  # copied whole on every sync: nothing is lost
    con.execute(_SCHEMA)
    if materialise.create(con) or dropped:  # the watermark kept the log's count and
        con.execute("DELETE FROM meta WHERE key = 'watermark'")  # people's fingerprint


def default_path(store: Store) -> str:
    """``SHEQUN_ANALYTICS_PATH``; else next to a SQLite store (``shequn.analytics.duckdb``);
    else one file per server database in the user's cache directory (``cachedir``), used only
    while no one else can change it (a ``StoreError`` says what to do otherwise)."""
    explicit = os.environ.get("SHEQUN_ANALYTICS_PATH")
    if explicit:
        return explicit
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).with_suffix(".analytics.duckdb"))
    cache = cachedir.made()
    path = cache / f"analytics-{_fingerprint(store)}.duckdb"
    for held in (cache, path, path.with_name(path.name + ".wal")):  # docs/security.md
        if held.exists() and not cachedir.private(held):
            # someone else could put their own figures in every later report
            raise StoreError(
                Said(
                    "the analytics replica {path} can be changed by other users: make it"
                    " yours and writable by you alone (chmod 700 the folder, 600 the files),"
                    " or set SHEQUN_ANALYTICS_PATH or SHEQUN_CACHE_DIR to a private place",
                    path=str(held),
                ),
                path=str(held),
            )
    return str(path)


def _fingerprint(store: Store) -> str:
    """Names the source database (never its password)."""
    shown = store.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


class Replica:
    """A DuckDB copy of the log. ``Replica.open(store)`` syncs it and is ready to query."""

    def __init__(self, store: Store, con: Any) -> None:
        self.store, self.raw = store, con
        self.con = Reusing(con)
        """What callers query: results reused while nothing changed (``results.py``)."""

    @classmethod
    def open(cls, store: Store, path: str | None = None, *, sync: bool = True) -> Replica:
        import duckdb  # lazy: heavy, and only metrics need it

        target = path or default_path(store)
        fresh = not os.path.exists(target)
        con = duckdb.connect(target)
        if fresh and path is None and Path(target).parent == cachedir.folder():
            os.chmod(target, 0o600)  # the community's data, in a folder that may be older
        prepare(con)
        replica = cls(store, con)
        if sync:
            replica.sync()
        return replica

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sync(self) -> SyncResult:
        """Copy new events and refresh the small projections, reading the store once; then
        bring ``ev`` up to date (``materialise``: new rows derived, merges and time zones
        re-resolved where they changed)."""
        start = time.perf_counter()
        origin = _fingerprint(self.store)
        known = self.raw.execute("SELECT value FROM meta WHERE key = 'origin'").fetchall()
        last = self.raw.execute(
            "SELECT id, source, source_ref FROM ev WHERE id = (SELECT max(id) FROM ev)"
        ).fetchall()
        if not known or known[0][0] != origin:
            self._reset(origin)
            last = []
        hwm = int(last[0][0]) if last else 0
        sqlite = self.store.dialect == "sqlite"
        copies = [EVENTS, *PROJECTIONS]
        queries: list[Query] = [
            ("SELECT source, source_ref FROM events WHERE id = {p}", hwm),
            *((c.select(sqlite), max(0, hwm - OVERLAP) if c is EVENTS else None) for c in copies),
        ]
        results = read_all(self.store.engine.url, queries)
        same = [tuple(r.values()) for t in next(results) for r in t.to_pylist()]
        if last and same != [(last[0][1], last[0][2])]:
            results.close()  # the store was re-created under us: copy it all again
            self._reset(origin)
            return self.sync()
        self.raw.execute(materialise.RAW.format(temp="TEMP", name="staged_events"))
        for staged, like in _STAGED:
            self.raw.execute(
                f"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT * FROM {like} LIMIT 0"  # noqa: S608
            )
        self.raw.execute("BEGIN")
        try:
            for copy in copies:
                self.raw.execute(f"DELETE FROM {copy.table}")  # noqa: S608  # fixed names
                for table in next(results):
                    self._insert(copy.insert(sqlite), table)
            copied = settle(self.raw, "staged_events", "staged_people", "staged_communities")
            self.raw.execute("COMMIT")
        except BaseException:
            self.raw.execute("ROLLBACK")
            results.close()
            raise
        finally:
            self.con.forget()
            for staged, _ in (*_STAGED, ("staged_events", None)):
                self.raw.execute(f"DROP TABLE IF EXISTS {staged}")
        return SyncResult(copied, self._count(), time.perf_counter() - start)

    def _insert(self, sql: str, table: Any) -> None:
        self.raw.register("incoming", table)
        try:
            self.raw.execute(sql)
        finally:
            self.raw.unregister("incoming")

    def _reset(self, origin: str) -> None:
        """Forget everything copied: this replica was filled from another database, or the
        store was re-created since (its event at our high-water mark is a different one)."""
        materialise.clear(self.raw)
        self.raw.execute("DELETE FROM meta WHERE key = 'watermark'")  # ``results.grown``
        self.raw.execute("INSERT OR REPLACE INTO meta VALUES ('origin', ?)", [origin])

    def _count(self) -> int:
        return int(self.raw.execute("SELECT count(*) FROM ev").fetchall()[0][0])


def settle(con: Any, events: str, people: str, communities: str) -> int:
    """Bring the replica up to date from staged tables (raw ``events``, ``people`` and
    ``communities`` rows as the store holds them), inside the caller's transaction: time zones
    and merges re-derived where they changed, new events derived into ``ev``, the watermark
    kept. The number of events added. What a sync does once it has read the store (the
    benchmark times exactly this).

    ``people`` is fingerprinted once: compared with the fingerprint the last watermark kept
    (``results.kept``), kept in the new one, and told to ``materialise.append`` (which keeps
    the merged identities while it does not move), where each used to be a pass of its own."""
    materialise.refresh_communities(con, communities)
    staged = con.execute(fingerprint(people)).fetchall()[0][0]
    before = kept(con, "people") or con.execute(fingerprint("people")).fetchall()[0][0]
    materialise.refresh_people(con, people, same=staged == before)
    copied = materialise.append(con, events, people=staged)
    top = con.execute(f"SELECT max(id) FROM {events}").fetchall()[0][0]  # noqa: S608
    remember(con, people=staged, log=grown(con, top, copied))
    return copied


_STAGED = (("staged_people", "people"), ("staged_communities", "communities"))
"""Projections copied into staging tables first: ``ev`` is re-derived where they changed."""
