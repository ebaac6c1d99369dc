"""A fresh PostgreSQL store has no statistics until autovacuum's first pass (a minute or more
after the rows arrive); the batched door analyses the tables its reads use once they hold far
more than their statistics describe, and looks again after ``FIRST_LOOK`` knocks, a gap that
doubles up to ``CHECK_EVERY``."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from shequn.engine.entry import Request, enter_many
from shequn.engine.record import record
from shequn.store import planner_stats
from shequn.store.db import Store
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx
from tests.test_fission import joined

MEMBERS = planner_stats.MIN_CHANGES + 100


def _analysed(store: Store) -> dict[str, int]:
    """Manual analyses per table so far (the counters the server keeps)."""
    with store.transaction() as conn:
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")  # this backend's counts now
    with store.read() as conn:
        found = conn.exec_driver_sql(
            "SELECT relname, analyze_count FROM pg_stat_user_tables"
            " WHERE relname IN ('identities', 'members', 'entries', 'group_memberships')"
        )
        return {name: count for name, count in found}


def _knocks(first: int, n: int) -> list[Request]:
    return [Request(wx(f"new{k}"), group="main", ref=f"k{k}", at=at(k)) for k in range(first, n)]


@pytest.mark.postgres
def test_the_first_batch_of_a_grown_store_analyses_its_tables_once(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # members who came some other way than an import's bulk batches (which analyse as they go)
    monkeypatch.setattr(planner_stats, "BULK", MEMBERS + 1)
    loaded(pg_store, group("main", capacity=MEMBERS + 100))
    record(pg_store, [joined(f"m{k}", -1000 + k / 10) for k in range(MEMBERS)])
    assert _analysed(pg_store) == dict.fromkeys(
        ("identities", "members", "entries", "group_memberships"), 0
    )

    entries = enter_many(pg_store, COMMUNITY, _knocks(0, 5))

    assert [e[0].status for e in entries] == ["admitted"] * 5
    analysed = _analysed(pg_store)
    # identities, members and memberships grew by MEMBERS rows; entries holds five
    assert analysed == {"identities": 1, "members": 1, "group_memberships": 1, "entries": 0}
    # the next batches count towards the next look; nothing is analysed again meanwhile
    enter_many(pg_store, COMMUNITY, _knocks(5, 10))
    assert _analysed(pg_store) == analysed


@pytest.mark.postgres
def test_a_look_finds_nothing_when_the_statistics_describe_the_tables(pg_store: Store) -> None:
    loaded(pg_store, group("main"))
    record(pg_store, [joined(f"m{k}", -100 + k) for k in range(10)])

    assert planner_stats.after_knocks(pg_store, 1) == []  # first look: tables far below MIN_CHANGES
    assert planner_stats.after_knocks(pg_store, planner_stats.FIRST_LOOK) == []  # the next look
    assert _analysed(pg_store)["identities"] == 0


def test_sqlite_has_nothing_to_analyse(tmp_path: object) -> None:
    with Store.open(f"sqlite:///{tmp_path}/s.db") as store:
        assert planner_stats.after_knocks(store, planner_stats.CHECK_EVERY) == []


def test_a_young_store_is_looked_at_early_and_then_every_check_every_knocks() -> None:
    engine = create_engine("sqlite://")
    looks = [k for k in range(1, 3_001) if planner_stats._look_due(engine, 1)]
    assert looks == [1, 101, 301, 701, 1501, 2501]  # gaps 100, 200, 400, 800, then 1,000
