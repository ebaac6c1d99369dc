"""Results computed at one replica watermark are reused until the replica changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_the_as_of_day_is_asked_once_per_watermark_on_a_bare_connection(store: Store) -> None:
    from datetime import timedelta

    from shequn.analytics.results import KEPT
    from shequn.analytics.scope import as_of

    def answers(con: Any) -> list[tuple[Any, ...]]:  # what the replica keeps for as_of
        return con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE database_name = ? AND"
            " column_name = 'max(\"day\")'",
            [KEPT],
        ).fetchall()

    record(store, [configured(), join("a", day=0), post("a", day=1)])
    with Replica.open(store, ":memory:") as replica:
        scope = Scope(COMMUNITY)
        first = as_of(replica.raw, scope)
        assert as_of(replica.raw, scope) == first  # read back, not asked again
        assert len(answers(replica.raw)) == 1
        assert as_of(replica.raw, Scope(COMMUNITY, group="g")) == first  # another question
        assert len(answers(replica.raw)) == 2

        record(store, [post("a", day=3)])
        replica.sync()  # a new watermark: asked afresh, the old answers dropped
        assert first is not None
        assert as_of(replica.raw, scope) == first + timedelta(days=2)
        assert len(answers(replica.raw)) == 1
