"""Fresh planner statistics for the tables a long run of batches fills (PostgreSQL).

An import into a new community starts with empty projection tables and fills them faster than
autovacuum analyses them (it looks at each database about once a minute; a 300,000-message
import takes ~15 s). Until then the server plans with no statistics, and keeps some plans for
the connection's life: the foreign-key checks' (a check of ``identities.member_id`` made while
``members`` was nearly empty scanned it whole for every new person afterwards: 3,557 scans,
4 M rows read in one import), and a fresh custom plan of the open questions' read
(``qa._open``) chose an index path that read ~4,500 buffers a call — 12.9 s of the server's
time over an import of 1,000,000 messages where autovacuum came only at the end, against
0.6 s where it came early (issue 22, session 36: docs/store.md, "Session 36, pgimport3").
``ANALYZE`` after the 1st, 2nd, 4th, 8th … batch that stored at least :data:`BULK` events
keeps the statistics within a factor of two of the tables' sizes; each new set of statistics
also invalidates the plans the server kept, which are made again with them. It cost 0.37 s
of the server in all in an import of 1,000,000 messages. Without the owner's rights the
server skips a table with a warning.
"""

from __future__ import annotations

from shequn.store.db import Store

TABLES = ("members", "identities", "group_memberships", "referrals", "qa_entries")
"""The projections an import fills and then reads or checks row by row (the event log itself
is only appended to: its own statistics are not read by the import)."""


BULK = 1000
"""Events a batch must store to count as a bulk load's (an import's batches hold 10,000); a
live bot's few events a call never ask for statistics."""


def due(batches: int) -> bool:
    """Whether statistics are due after ``batches`` bulk batches: 1, 2, 4, 8…"""
    return batches > 0 and batches & (batches - 1) == 0


def refresh(store: Store) -> None:
    """``ANALYZE`` the projections' tables, in a transaction of its own; nothing on SQLite
    (its planner reads no statistics it has not been told to gather)."""
    if store.dialect != "postgresql":
        return
    with store.transaction() as conn:
        conn.exec_driver_sql("ANALYZE " + ", ".join(TABLES))
