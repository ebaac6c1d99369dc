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

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from shequn.store.db import Store

OVERLAP = 10_000
"""Ids below the replica's high-water mark that every sync reads again (see module doc)."""

BATCH_ROWS = 100_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id BIGINT PRIMARY KEY, kind VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL,
    community VARCHAR NOT NULL, grp VARCHAR, actor VARCHAR, subject VARCHAR,
    source VARCHAR NOT NULL, source_ref VARCHAR NOT NULL, data JSON
);
CREATE TABLE IF NOT EXISTS people (identity VARCHAR PRIMARY KEY, member VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    community VARCHAR, grp VARCHAR, name VARCHAR, platform VARCHAR, capacity INTEGER,
    stage VARCHAR, configured BOOLEAN, first_seen_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS communities (community VARCHAR PRIMARY KEY, timezone VARCHAR);
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
       coalesce(pa.member, e.actor) AS person,
       coalesce(ps.member, e.subject) AS subject_person,
       timezone(coalesce(c.timezone, 'UTC'), e.occurred_at::TIMESTAMPTZ) AS local_at
FROM events e
LEFT JOIN people pa ON pa.identity = e.actor
LEFT JOIN people ps ON ps.identity = e.subject
LEFT JOIN communities c ON c.community = e.community
"""


@dataclass(frozen=True, slots=True)
class SyncResult:
    copied: int
    total: int
    seconds: float


def default_path(store: Store) -> str:
    """``SHEQUN_ANALYTICS_PATH``, else next to a SQLite store, else ``shequn-analytics.duckdb``."""
    explicit = os.environ.get("SHEQUN_ANALYTICS_PATH")
    if explicit:
        return explicit
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).with_suffix(".analytics.duckdb"))
    return "shequn-analytics.duckdb"


class Replica:
    """A DuckDB copy of the log. ``Replica.open(store)`` syncs it and is ready to query."""

    def __init__(self, store: Store, con: Any) -> None:
        self.store, self.con = store, con

    @classmethod
    def open(cls, store: Store, path: str | None = None, *, sync: bool = True) -> Replica:
        import duckdb  # lazy: heavy, and only metrics need it

        con = duckdb.connect(path or default_path(store))
        con.execute("SET TimeZone = 'UTC'")
        con.execute(_SCHEMA)
        replica = cls(store, con)
        if sync:
            replica.sync()
        con.execute(_VIEW)
        return replica

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sync(self) -> SyncResult:
        """Copy new events (and refresh the small projections); returns rows copied."""
        start = time.perf_counter()
        ((hwm,),) = self.con.execute("SELECT coalesce(max(id), 0) FROM events").fetchall()
        low = max(0, int(hwm) - OVERLAP)
        copied = 0
        before = self._count()
        for batch in self._read(
            "SELECT id, kind, occurred_at, community_slug, group_slug, actor, subject, source, "
            "source_ref, data FROM events WHERE id > {p} ORDER BY id",
            low,
        ):
            self.con.register("incoming", batch)
            self.con.execute(
                "INSERT OR IGNORE INTO events SELECT id, kind, CAST(occurred_at AS TIMESTAMP), "
                "community_slug, group_slug, actor, subject, source, source_ref, "
                "CAST(data AS JSON) FROM incoming"
            )
            self.con.unregister("incoming")
        copied = self._count() - before
        self._refresh_projections()
        return SyncResult(copied, self._count(), time.perf_counter() - start)

    def _count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM events").fetchall()[0][0])

    def _refresh_projections(self) -> None:
        queries = {
            "people": "SELECT i.key, m.key FROM identities i JOIN members m ON m.id = i.member_id",
            "groups": "SELECT c.slug, g.slug, g.name, g.platform, g.capacity, g.stage, "
            "g.configured, g.first_seen_at FROM groups g "
            "JOIN communities c ON c.id = g.community_id",
            "communities": "SELECT slug, timezone FROM communities",
            "memberships": "SELECT c.slug, g.slug, i.key, m.key, gm.status, gm.joined_at, "
            "gm.left_at, gm.join_channel, inv.key FROM group_memberships gm "
            "JOIN groups g ON g.id = gm.group_id "
            "JOIN communities c ON c.id = g.community_id "
            "JOIN identities i ON i.id = gm.identity_id "
            "JOIN members m ON m.id = i.member_id "
            "LEFT JOIN identities inv ON inv.id = gm.inviter_identity_id",
        }
        self.con.execute("BEGIN")
        try:
            for table, sql in queries.items():
                self.con.execute(f"DELETE FROM {table}")  # noqa: S608  # fixed table names
                for batch in self._read(sql, None):
                    self.con.register("incoming", batch)
                    self.con.execute(f"INSERT INTO {table} SELECT * FROM incoming")  # noqa: S608
                    self.con.unregister("incoming")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def _read(self, sql: str, param: int | None) -> Iterator[Any]:
        """Run a query on the store through ADBC; yield Arrow record batches."""
        url = self.store.engine.url
        backend = url.get_backend_name()
        if backend == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc

            conn = adbc.connect(url.database or ":memory:")
            placeholder = "?"
        elif backend == "postgresql":
            import adbc_driver_postgresql.dbapi as adbc  # type: ignore[no-redef]

            plain = make_url(url).set(drivername="postgresql")
            conn = adbc.connect(plain.render_as_string(hide_password=False))
            placeholder = "$1"
        else:  # pragma: no cover - the store only opens these two
            raise ValueError(f"no analytics reader for {backend}")
        try:
            cur = conn.cursor()
            query = sql.replace("{p}", placeholder)
            cur.execute(query, parameters=(param,) if param is not None else None)
            reader = cur.fetch_record_batch()
            for batch in reader:
                if batch.num_rows:
                    yield _as_table(batch)
            cur.close()
        finally:
            conn.close()


def _as_table(batch: Any) -> Any:
    import pyarrow as pa

    return pa.Table.from_batches([batch])
