"""Fresh planner statistics for the tables a store fills faster than autovacuum looks
(PostgreSQL; issue 22).

The planner picks its plans from each table's statistics, which only ``ANALYZE`` gathers.
Autovacuum analyses a table once ``autovacuum_analyze_threshold`` (50) + 10 % of its rows
changed, looking at each database about once a minute (``autovacuum_naptime``). A new
community filled in its first minute — an import, a poster at an event admitting thousands —
runs on none, and the server keeps plans made then for the connection's life (psycopg
prepares a statement on its fifth run). Measured (docs/store.md and docs/entry.md, session 36):

- an import: a foreign-key check of ``identities.member_id`` planned while ``members`` was
  nearly empty scanned it whole for every new person (3,557 scans, 4 M rows read in one
  import), and a custom plan of the open questions' read (``qa._open``) read ~4,500 buffers a
  call — 12.9 s of the server's time over 1,000,000 messages where autovacuum came late;
- the batched door: a batch's ``key = ANY(100 keys)`` taken to match half of a table never
  analysed walked every identity of the community (1,900 rows read for 100 found at 2,000).

Two callers, two triggers, one way to analyse:

- :func:`after_bulk` — ``record()``: after the 1st, 2nd, 4th, 8th … batch that stored at
  least :data:`BULK` events, the tables an import fills (:data:`IMPORT_TABLES`); the batches
  double what the statistics describe, so no counters need reading (0.37 s of the server in
  all at 1M messages);
- :func:`after_knocks` — the door: on a store's first batch, then after :data:`FIRST_LOOK`
  knocks, a gap that doubles up to :data:`CHECK_EVERY`, it reads ``pg_stat_user_tables`` for
  :data:`DOOR_TABLES` and analyses those whose statistics describe less than half of what
  changed since (``n_mod_since_analyze`` at least :data:`MIN_CHANGES` and at least half of
  ``n_live_tup``; a never analysed table counts all its rows) — a growing table is analysed
  at ~100, ~300, ~700, ~1.5k … rows until autovacuum's 10 % keeps up by itself. The early
  looks matter because a plan made on a table of a few rows scans it: the door's read of a
  person's entries and the recorded join's read of their inviters were generic plans made
  while ``entries`` and ``referrals`` held a handful of rows, and each call read the whole
  table — 0.46–1.3 ms a knock by the thousandth knock (session 37), until the look at 1,000
  knocks analysed them.

Each analysis runs after the batch's commit, in a transaction of its own (the appenders' lock
is not held while it samples); new statistics also invalidate the plans the server kept.
Without the owner's rights the server skips a table with a warning, not an error. SQLite: its
planner reads no statistics it was not told to gather, so nothing is done there.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from shequn.store import raw
from shequn.store.db import Store

IMPORT_TABLES = ("members", "identities", "group_memberships", "referrals", "qa_entries")
"""The projections an import fills and then reads or checks row by row (the event log itself
is only appended to: its own statistics are not read by the import)."""

DOOR_TABLES = (
    "identities",
    "members",
    "entries",
    "group_memberships",
    "referrals",
    "rewards",
    "links",
)
"""The tables the door's and a recorded join's reads plan over."""

_OURS = frozenset(IMPORT_TABLES + DOOR_TABLES)

COLUMNS = {"qa_entries": ("id", "community_id", "question_ref", "status")}
"""Tables whose statistics are gathered for some columns only: what the plans of a bulk load
read (``qa._open``'s keys, the answers' join by id). ``qa_entries``' question and answer texts
cost most of its sampling and no plan of the import reads them (0.57 s of 1.2 s of the
server at 1M messages, session 37); autovacuum still analyses every column later."""

BULK = 1000
"""Events a batch must store to count as a bulk load's (an import's batches hold 10,000); a
live bot's few events a call never ask for statistics."""

CHECK_EVERY = 1_000
"""Most knocks of one store between two looks at the tables' counters (one short read each)."""

FIRST_LOOK = 100
"""Knocks between a store's first two looks; each gap after doubles, up to
:data:`CHECK_EVERY`."""

MIN_CHANGES = 100
"""Rows changed since the last analysis below which a table is left to autovacuum."""


def due(batches: int) -> bool:
    """Whether statistics are due after ``batches`` bulk batches: 1, 2, 4, 8…"""
    return batches > 0 and batches & (batches - 1) == 0


def after_bulk(store: Store, batches: int) -> None:
    """Analyse :data:`IMPORT_TABLES` when ``batches`` bulk batches make it :func:`due`."""
    if store.dialect == "postgresql" and due(batches):
        analyse(store, IMPORT_TABLES)


def after_knocks(store: Store, knocks: int) -> list[str]:
    """Count ``knocks`` towards the next look; when due, analyse the door's tables that grew
    past their statistics. Returns the tables analysed (none on SQLite)."""
    if store.dialect != "postgresql" or not _look_due(store.engine, knocks):
        return []
    with store.transaction() as conn:
        stale = [r[0] for r in raw.rows(conn, _STALE, (list(DOOR_TABLES), MIN_CHANGES))]
    analyse(store, stale)
    return stale


def analyse(store: Store, tables: Sequence[str]) -> None:
    """``ANALYZE`` ``tables`` (shequn's own only: names cannot be bound as parameters) in a
    transaction of its own."""
    names = ", ".join(_named(t) for t in tables if t in _OURS)
    if names:
        with store.transaction() as conn:
            conn.exec_driver_sql(f"ANALYZE {names}")


def _named(table: str) -> str:
    columns = COLUMNS.get(table)
    return f'"{table}"' + (f" ({', '.join(columns)})" if columns else "")


_STALE = (
    "SELECT relname FROM pg_stat_user_tables"
    " WHERE schemaname = current_schema() AND relname IN (?*)"
    " AND n_mod_since_analyze >= ? AND 2 * n_mod_since_analyze >= n_live_tup"
    " ORDER BY relname"
)

_since: WeakKeyDictionary[Engine, tuple[int, int]] = WeakKeyDictionary()
"""Per store's engine: knocks since its last look and the gap to the next (absent: none
yet, look now)."""
_guard = threading.Lock()


def _look_due(engine: Engine, knocks: int) -> bool:
    with _guard:
        found = _since.get(engine)
        if found is not None and found[0] + knocks < found[1]:
            _since[engine] = (found[0] + knocks, found[1])
            return False
        _since[engine] = (0, FIRST_LOOK if found is None else min(2 * found[1], CHECK_EVERY))
        return True
