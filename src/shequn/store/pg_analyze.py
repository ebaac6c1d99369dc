"""PostgreSQL: statistics for the join path's tables when they grow faster than autovacuum
looks (issue 22).

The planner picks its plans from each table's statistics, which only ``ANALYZE`` gathers.
Autovacuum analyses a table once ``autovacuum_analyze_threshold`` (50) + 10 % of its rows
changed, looking every ``autovacuum_naptime`` (a minute). A fresh community that admits
thousands in its first minute — a poster at an event, an import of members — runs with none:
the planner then takes a batch's ``key = ANY(100 keys)`` to match half a table and reads the
people by walking every identity of the community with the keys as a filter (measured in
docs/entry.md, "Session 36, pgbatch3": 1,900 rows read for 100 found at 2,000 identities,
growing with the community until the first analysis).

So the batched door looks, every :data:`CHECK_EVERY` knocks of a store (and on its first
batch), at ``pg_stat_user_tables`` for the tables its reads use, and analyses those whose
statistics describe less than half of what changed since (``n_mod_since_analyze`` at least
:data:`MIN_CHANGES` and at least half of ``n_live_tup``; a never analysed table counts all its
rows). Each analysis at least doubles what the statistics describe, so a growing table is
analysed a few times (at ~1k, ~3k, ~9k … rows) until autovacuum's 10 % keeps up by itself.
The analysis runs after the batch's commit, in a transaction of its own: the appenders' lock is
not held while it samples. Analysing a table another role owns is skipped by PostgreSQL with a
warning, not an error.
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from shequn.store import raw
from shequn.store.db import Store

CHECK_EVERY = 1_000
"""Knocks of one store between two looks at the tables' counters (one short read each)."""

MIN_CHANGES = 1_000
"""Rows changed since the last analysis below which a table is left to autovacuum."""

TABLES = ("identities", "members", "entries", "group_memberships", "referrals", "rewards", "links")
"""The tables the door's and a recorded join's reads plan over (metadata names only)."""

_STALE = (
    "SELECT relname FROM pg_stat_user_tables"
    " WHERE schemaname = current_schema() AND relname IN (?*)"
    " AND n_mod_since_analyze >= ? AND 2 * n_mod_since_analyze >= n_live_tup"
    " ORDER BY relname"
)

_since: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()
"""Knocks of each store's engine since its last look (absent: none yet, look now)."""
_guard = threading.Lock()


def after_batch(store: Store, knocks: int) -> list[str]:
    """Count ``knocks`` towards the next look; when due, analyse the tables that grew past
    their statistics. Returns the tables analysed (none on SQLite)."""
    if store.dialect != "postgresql" or not _due(store.engine, knocks):
        return []
    with store.transaction() as conn:
        stale = [r[0] for r in raw.rows(conn, _STALE, (list(TABLES), MIN_CHANGES))]
    if stale:
        names = ", ".join(f'"{t}"' for t in stale if t in TABLES)  # only our own table names
        with store.transaction() as conn:
            conn.exec_driver_sql(f"ANALYZE {names}")
    return stale


def _due(engine: Engine, knocks: int) -> bool:
    with _guard:
        seen = _since.get(engine)
        if seen is not None and seen + knocks < CHECK_EVERY:
            _since[engine] = seen + knocks
            return False
        _since[engine] = 0
        return True
