"""The join benchmark's baseline: three bare rows per join, inserted through the driver.

One transaction inserting 3 rows (shaped like entry.requested / member.invited /
entry.decided) into a bare table with a unique index via ``executemany`` (sqlite3 or
psycopg), one commit per ``per_commit`` joins. ``bench_join.py`` times it on the same
newcomers as shequn, slice by slice in turn with shequn (A/B interleaved), so both see the
same load on a shared machine.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shequn.engine.entry_rules import Request

BARE = """CREATE TABLE ev (id INTEGER PRIMARY KEY, kind TEXT, occurred_at TEXT, community TEXT,
 grp TEXT, actor TEXT, subject TEXT, source TEXT, source_ref TEXT, data TEXT,
 UNIQUE (source, source_ref))"""
_COLS = "kind, occurred_at, community, grp, actor, subject, source, source_ref, data"
_T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def bare_rows(community: str, reqs: Sequence[Request]) -> list[list[tuple[object, ...]]]:
    """Three rows per join, shaped like entry.requested / member.invited / entry.decided."""
    out = []
    for r in reqs:
        at = (r.at or _T0).isoformat()
        data = json.dumps({"link": r.link, "channel": "referral", "outcome": "admitted"})
        out.append(
            [
                (kind, at, community, "g01", r.identity, r.identity, "engine",
                 f"{kind}:{r.ref}", data)
                for kind in ("entry.requested", "member.invited", "entry.decided")
            ]
        )  # fmt: skip
    return out


def bare_table(
    url: str | None, path: Path | None, *, autocommit: bool = False
) -> tuple[Any, str, bool]:
    """A new ``BARE`` table (SQLite at ``path`` in WAL mode, or PostgreSQL at ``url``):
    ``(connection, insert statement, is PostgreSQL)``; ``autocommit`` leaves SQLite's
    transactions to the caller (``BEGIN IMMEDIATE`` … ``COMMIT``)."""
    if url is None:
        assert path is not None
        conn: Any = sqlite3.connect(path, isolation_level=None if autocommit else "")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(BARE)
        return conn, f"INSERT OR IGNORE INTO ev ({_COLS}) VALUES (?,?,?,?,?,?,?,?,?)", False
    import psycopg

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute(
        BARE.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY").replace(
            "data TEXT", "data JSONB"
        )
    )
    conn.commit()
    sql = f"INSERT INTO ev ({_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING"
    return conn, sql, True


class Baseline:
    """A bare table on its own database, kept open across the slices it is timed on."""

    def __init__(self, community: str, *, path: Path | None = None, url: str | None = None):
        self.community = community
        self.wall = 0.0
        self.cpu = 0.0
        self.joins = 0
        self.conn, self.sql, self.pg = bare_table(url, path, autocommit=True)

    def run(self, reqs: Sequence[Request], per_commit: int) -> None:
        """Insert the joins of ``reqs``, one commit per ``per_commit`` joins; add the time."""
        rows = bare_rows(self.community, reqs)
        w, c = time.perf_counter(), time.process_time()
        for i in range(0, len(rows), per_commit):
            if self.pg:
                with self.conn.cursor() as cur:
                    for three in rows[i : i + per_commit]:
                        cur.executemany(self.sql, three)
                self.conn.commit()
            else:
                self.conn.execute("BEGIN IMMEDIATE")
                for three in rows[i : i + per_commit]:
                    self.conn.executemany(self.sql, three)
                self.conn.execute("COMMIT")
        self.wall += time.perf_counter() - w
        self.cpu += time.process_time() - c
        self.joins += len(reqs)

    @property
    def per_join(self) -> float:
        """Wall seconds per join."""
        return self.wall / self.joins

    def close(self) -> None:
        self.conn.close()
