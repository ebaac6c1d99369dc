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
on every sync; they are tiny next to the log.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shequn.analytics.reader import Query, read_all
from shequn.store.db import Store

OVERLAP = 10_000
"""Ids below the replica's high-water mark that every sync reads again (see module doc)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id BIGINT PRIMARY KEY, kind VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL,
    community VARCHAR NOT NULL, grp VARCHAR, actor VARCHAR, subject VARCHAR,
    source VARCHAR NOT NULL, source_ref VARCHAR NOT NULL, data JSON
);
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

# What every metric reads: events with the person (merges applied) and the community's local
# time, so "a day" is the community's day, not UTC's.
_VIEW = """
CREATE OR REPLACE VIEW ev AS
SELECT e.id, e.kind, e.occurred_at, e.community, e.grp, e.actor, e.subject, e.data,
       e.source, e.source_ref,
       coalesce(pa.member, e.actor) AS person,
       coalesce(ps.member, e.subject) AS subject_person,
       timezone(coalesce(c.timezone, 'UTC'), e.occurred_at::TIMESTAMPTZ) AS local_at
FROM events e
LEFT JOIN people pa ON pa.of_community = e.community AND pa.identity = e.actor
LEFT JOIN people ps ON ps.of_community = e.community AND ps.identity = e.subject
LEFT JOIN communities c ON c.community = e.community
"""


@dataclass(frozen=True, slots=True)
class SyncResult:
    copied: int
    total: int
    seconds: float


def prepare(con: Any) -> None:
    """Create the replica's tables and the ``ev`` view on a DuckDB connection (idempotent).
    Benchmarks and tests that fill a replica by other means start here."""
    con.execute("SET TimeZone = 'UTC'")
    columns = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'people'"
    ).fetchall()
    if columns and ("of_community",) not in columns:  # before communities were isolated
        con.execute("DROP TABLE people")  # copied whole on every sync: nothing is lost
    con.execute(_SCHEMA)
    con.execute(_VIEW)


def default_path(store: Store) -> str:
    """``SHEQUN_ANALYTICS_PATH``; else next to a SQLite store (``shequn.analytics.duckdb``);
    else one file per server database in the user's cache directory."""
    explicit = os.environ.get("SHEQUN_ANALYTICS_PATH")
    if explicit:
        return explicit
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).with_suffix(".analytics.duckdb"))
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shequn"
    cache.mkdir(parents=True, exist_ok=True)
    return str(cache / f"analytics-{_fingerprint(store)}.duckdb")


def _fingerprint(store: Store) -> str:
    """Names the source database (never its password)."""
    shown = store.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


class Replica:
    """A DuckDB copy of the log. ``Replica.open(store)`` syncs it and is ready to query."""

    def __init__(self, store: Store, con: Any) -> None:
        self.store, self.con = store, con

    @classmethod
    def open(cls, store: Store, path: str | None = None, *, sync: bool = True) -> Replica:
        import duckdb  # lazy: heavy, and only metrics need it

        con = duckdb.connect(path or default_path(store))
        prepare(con)
        replica = cls(store, con)
        if sync:
            replica.sync()
        return replica

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sync(self) -> SyncResult:
        """Copy new events and refresh the small projections, reading the store once."""
        start = time.perf_counter()
        origin = _fingerprint(self.store)
        known = self.con.execute("SELECT value FROM meta WHERE key = 'origin'").fetchall()
        last = self.con.execute(
            "SELECT id, source, source_ref FROM events ORDER BY id DESC LIMIT 1"
        ).fetchall()
        if not known or known[0][0] != origin:
            self._reset(origin)
            last = []
        hwm = int(last[0][0]) if last else 0
        sqlite = self.store.dialect == "sqlite"
        copies = [_EVENTS, *_PROJECTIONS]
        queries: list[Query] = [
            ("SELECT source, source_ref FROM events WHERE id = {p}", hwm),
            *((c.select(sqlite), max(0, hwm - OVERLAP) if c is _EVENTS else None) for c in copies),
        ]
        before = self._count()
        results = read_all(self.store.engine.url, queries)
        same = [tuple(r.values()) for t in next(results) for r in t.to_pylist()]
        if last and same != [(last[0][1], last[0][2])]:
            results.close()  # the store was re-created under us: copy it all again
            self._reset(origin)
            return self.sync()
        self.con.execute("BEGIN")
        try:
            for copy in copies:
                if copy is not _EVENTS:
                    self.con.execute(f"DELETE FROM {copy.table}")  # noqa: S608  # fixed names
                for table in next(results):
                    self._insert(copy.insert(sqlite), table)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            results.close()
            raise
        total = self._count()
        return SyncResult(total - before, total, time.perf_counter() - start)

    def _insert(self, sql: str, table: Any) -> None:
        self.con.register("incoming", table)
        try:
            self.con.execute(sql)
        finally:
            self.con.unregister("incoming")

    def _reset(self, origin: str) -> None:
        """Forget everything copied: this replica was filled from another database, or the
        store was re-created since (its event at our high-water mark is a different one)."""
        self.con.execute("DELETE FROM events")
        self.con.execute("INSERT OR REPLACE INTO meta VALUES ('origin', ?)", [origin])

    def _count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM events").fetchall()[0][0])


@dataclass(frozen=True, slots=True)
class _Copy:
    """One store query copied into one replica table, column by column.

    The SQLite ADBC driver infers each column's Arrow type from the first rows it reads, so a
    column that starts with NULLs (``subject`` in a chat log) would be typed wrongly and fail
    on its first value. On SQLite every nullable column therefore travels as a non-NULL
    sentinel ('' for text and times, -1 for numbers) and is turned back into NULL in DuckDB.
    """

    table: str
    source: str  # FROM … (and WHERE/ORDER) part of the store query
    columns: tuple[tuple[str, str], ...]  # (store expression, type: text|int|ts|json|bool)
    verb: str = "INSERT INTO"

    def select(self, sqlite: bool) -> str:
        cols = []
        for i, (expr, kind) in enumerate(self.columns):
            if sqlite and kind in ("text", "ts", "json"):
                expr = f"coalesce({expr}, '')"
            elif sqlite and kind in ("int", "bool"):
                expr = f"coalesce({expr}, -1)"
            cols.append(f"{expr} AS c{i}")
        return f"SELECT {', '.join(cols)} {self.source}"  # fixed fragments

    def insert(self, sqlite: bool) -> str:
        cols = []
        for i, (_, kind) in enumerate(self.columns):
            c = f"c{i}"
            if sqlite:
                c = f"nullif({c}, '')" if kind in ("text", "ts", "json") else f"nullif({c}, -1)"
            if kind == "ts":
                c = f"CAST({c} AS TIMESTAMP)"
            elif kind == "json":
                c = f"CAST({c} AS JSON)"
            elif kind == "bool":
                c = f"CAST({c} AS BOOLEAN)"
            cols.append(c)
        return f"{self.verb} {self.table} SELECT {', '.join(cols)} FROM incoming"  # noqa: S608


_T, _I, _TS = "text", "int", "ts"
_EVENTS = _Copy(
    "events",
    "FROM events WHERE id > {p} ORDER BY id",
    (
        ("id", _I),
        ("kind", _T),
        ("occurred_at", _TS),
        ("community_slug", _T),
        ("group_slug", _T),
        ("actor", _T),
        ("subject", _T),
        ("source", _T),
        ("source_ref", _T),
        ("data", "json"),
    ),
    verb="INSERT OR IGNORE INTO",
)
_PROJECTIONS = (
    _Copy(
        "people",
        "FROM identities i JOIN members m ON m.id = i.member_id "
        "JOIN communities c ON c.id = i.community_id",
        (("c.slug", _T), ("i.key", _T), ("m.key", _T)),
    ),
    _Copy(
        "groups",
        "FROM groups g JOIN communities c ON c.id = g.community_id",
        (
            ("c.slug", _T),
            ("g.slug", _T),
            ("g.name", _T),
            ("g.platform", _T),
            ("g.capacity", _I),
            ("g.stage", _T),
            ("g.configured", "bool"),
            ("g.first_seen_at", _TS),
        ),
    ),
    _Copy("communities", "FROM communities", (("slug", _T), ("timezone", _T))),
    _Copy(
        "memberships",
        "FROM group_memberships gm JOIN groups g ON g.id = gm.group_id "
        "JOIN communities c ON c.id = g.community_id "
        "JOIN identities i ON i.id = gm.identity_id JOIN members m ON m.id = i.member_id "
        "LEFT JOIN identities inv ON inv.id = gm.inviter_identity_id",
        (
            ("c.slug", _T),
            ("g.slug", _T),
            ("i.key", _T),
            ("m.key", _T),
            ("gm.status", _T),
            ("gm.joined_at", _TS),
            ("gm.left_at", _TS),
            ("gm.join_channel", _T),
            ("inv.key", _T),
        ),
    ),
)
"""Small projections, copied whole on every sync (they are tiny next to the log)."""
