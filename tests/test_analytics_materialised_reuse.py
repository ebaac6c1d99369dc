"""Results computed at one replica watermark are reused until the replica changes."""

from __future__ import annotations

from pathlib import Path

from shequn.analytics.activity import activity
from shequn.analytics.replica import Replica
from shequn.analytics.scope import Scope
from shequn.engine.record import record
from shequn.store.db import Store
from tests.analytics_helpers import COMMUNITY, configured, join, post


def test_the_same_question_at_the_same_watermark_is_answered_from_what_was_kept(
    store: Store, tmp_path: Path
) -> None:
    record(store, [configured(), join("a", day=0), post("a", day=0), post("a", day=1)])
    path, scope = str(tmp_path / "r.duckdb"), Scope(COMMUNITY)
    with Replica.open(store, path) as replica:
        first = activity(replica.con, scope)
        computed = replica.con.misses
        again = activity(replica.con, scope)
        assert again == first
        assert (replica.con.misses, replica.con.hits) == (computed, computed)
    with Replica.open(store, path) as reopened:  # another request, nothing new: reused
        assert activity(reopened.con, scope) == first
        assert reopened.con.misses == 0

        record(store, [post("a", day=2), post("a", day=2, hour=13)])
        reopened.sync()  # the watermark moves: computed afresh, with the new posts
        latest = activity(reopened.con, scope)
        assert reopened.con.misses > 0
        assert [(d.day.day, d.messages) for d in latest][-1] == (3, 2)
        assert latest[: len(first)] == first


def test_writes_and_a_sync_with_nothing_new_leave_results_alone(store: Store) -> None:
    record(store, [configured(), join("a", day=0), post("a", day=0)])
    with Replica.open(store, ":memory:") as replica:
        activity(replica.con, Scope(COMMUNITY))
        replica.sync()  # nothing new: same watermark
        activity(replica.con, Scope(COMMUNITY))
        assert replica.con.hits > 0
        limits = []
        for size in ("1GB", "2GB"):  # settings are not the log: never kept
            replica.con.execute(f"SET memory_limit = '{size}'")
            limits.append(replica.con.execute("SELECT current_setting('memory_limit')").fetchall())
        assert limits[0] != limits[1]
