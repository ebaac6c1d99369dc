"""The worker's ``care.at_risk`` tick: what ``shequn care at-risk`` does, once a day (P-ENG-7).

The churn-risk metric (``analytics.churn``) reads a DuckDB replica of the log. The API server
and ``shequn`` commands keep theirs in one file (``analytics.replica.default_path``), and DuckDB
lets one process at a time open a file for writing — a second process, even read-only, is
refused while it is held. So the tick never touches that file: it keeps its own replica beside
it (``….care.duckdb``), opened for the tick and closed after it, synced incrementally (only new
events are copied, so a daily run costs little after the first). Two workers ticking at once
contend for it only with each other: the one refused skips this round and writes nothing, and
what it would have written is written by the other (the messages are keyed once per decline).
Off unless ``[engagement.care] at_risk = true``: writing to members on a metric's word is the
operator's choice.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.engagement.caring import care_at_risk
from shequn.errors import NotFound
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint

SUFFIX = ".care.duckdb"
"""The tick's replica file: the default replica's path with this ending instead."""


def replica_path(store: Store) -> str:
    """Where the tick keeps its own replica: beside the shared one, never the same file."""
    from shequn.analytics.replica import default_path

    shared = default_path(store)
    return shared.removesuffix(".duckdb") + SUFFIX


def at_risk_tick(store: Store, community: str, now: datetime) -> int:
    """Write privately to the members the churn metric flags now (once per decline, at their
    own hour, never after /stop); returns how many. Nothing when the blueprint leaves it off
    or the tick's replica is held by another worker (the next round tries again)."""
    with store.read() as conn:
        try:
            care = get_blueprint(conn, community).engagement.care
        except (NotFound, ValueError):
            return 0
    if not (care.enabled and care.at_risk):
        return 0
    import duckdb

    from shequn.analytics.churn import churn_risk
    from shequn.analytics.replica import Replica
    from shequn.analytics.scope import Scope

    try:
        with Replica.open(store, replica_path(store)) as replica:
            flagged = churn_risk(replica.con, Scope(community))
    except duckdb.IOException:  # another worker holds the tick's replica: its round
        return 0
    rows = [(r.person, r.groups, r.last_active, r.ratio) for r in flagged]
    return len(care_at_risk(store, community, rows, now=now))


__all__ = ["SUFFIX", "at_risk_tick", "replica_path"]
