"""Fixtures: real SQLite files and a real PostgreSQL server, the same tests on both."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from shequn.analytics import registry
from shequn.analytics.registry import Metric
from shequn.model.events import Event
from shequn.store.db import Store
from tests.pgcluster import postgres_cluster

REQUIRE_PG = os.environ.get("SHEQUN_REQUIRE_POSTGRES") == "1"
_db_counter = itertools.count()


@pytest.fixture(scope="session", autouse=True)
def _compiled_sql_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled SQL kept across processes goes to a folder of this run, never the real home
    (and a run starts with nothing kept, so tests stay independent of earlier runs)."""
    before = os.environ.get("SHEQUN_CACHE_DIR")
    os.environ["SHEQUN_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["SHEQUN_CACHE_DIR"]
    else:
        os.environ["SHEQUN_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the whole run (started on first use)."""
    try:
        cm = postgres_cluster()
        url = cm.__enter__()
    except Exception as e:
        if REQUIRE_PG:
            raise RuntimeError(f"PostgreSQL is required (SHEQUN_REQUIRE_POSTGRES=1): {e}") from e
        pytest.skip(f"PostgreSQL server not available: {e}")
    print(f"\n[postgres] throwaway cluster at {url}")
    try:
        yield url
    finally:
        cm.__exit__(None, None, None)


def new_pg_database(base_url: str) -> str:
    name = f"shequn_test_{os.getpid()}_{next(_db_counter)}"
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A fresh, empty database URL: a SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shequn.db'}"
    return new_pg_database(request.getfixturevalue("pg_base_url"))


@pytest.fixture
def pg_store(pg_base_url: str) -> Iterator[Store]:
    """A store on a new database of the test cluster, for what only PostgreSQL has (plans,
    statistics, page layout, extensions): tests using it carry ``pytest.mark.postgres``."""
    s = Store.open(new_pg_database(pg_base_url))
    yield s
    s.close()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.open(database_url)
    yield s
    s.close()


T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class EventFactory:
    """Makes valid events with little typing: ``ev("member.joined", "wechat:li", minutes=5)``."""

    def __init__(self, community: str = "study-circle", group: str = "main") -> None:
        self.community, self.group = community, group
        self._n = itertools.count(1)

    def __call__(
        self,
        kind: str,
        actor: str | None = None,
        *,
        subject: str | None = None,
        minutes: float = 0,
        group: str | None = "",
        source: str = "test",
        ref: str | None = None,
        **data: Any,
    ) -> Event:
        return Event(
            kind=kind,
            occurred_at=T0 + timedelta(minutes=minutes),
            community=self.community,
            group=self.group if group == "" else group,
            actor=actor,
            subject=subject,
            source=source,
            source_ref=ref or f"e{next(self._n)}",
            data=data,
        )

    def community_configured(self, *, minutes: float = -60) -> Event:
        return self(
            "community.configured",
            group=None,
            minutes=minutes,
            ref="cfg",
            source="blueprint:" + self.community,
            name="Study Circle",
            timezone="Asia/Shanghai",
            blueprint={"community": {"slug": self.community}},
        )


@pytest.fixture
def ev() -> EventFactory:
    return EventFactory()


def pytest_report_header(config: pytest.Config) -> str:
    mode = "required" if REQUIRE_PG else "used when its server binaries are installed"
    return f"shequn: PostgreSQL tests {mode} (throwaway cluster started by tests/pgcluster.py)"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many tests ran on the real PostgreSQL server, so CI output shows it."""
    ran = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in ran:
        for report in terminalreporter.stats.get(outcome, []):
            on_pg = "[postgresql" in getattr(report, "nodeid", "")
            if on_pg and (report.when == "call" or outcome == "skipped"):
                ran[outcome] += 1
    terminalreporter.write_line(
        f"PostgreSQL: {ran['passed']} passed, {ran['failed']} failed, "
        f"{ran['skipped']} skipped on a real server"
    )


@pytest.fixture
def replica_of(database_url: str) -> Iterator[Any]:
    """``replica_of(events) -> duckdb connection`` with the events recorded in a fresh store
    (SQLite and PostgreSQL) and mirrored into an in-memory replica."""
    from shequn.analytics.replica import Replica
    from shequn.engine.record import record
    from tests.analytics_helpers import configured

    opened: list[Any] = []

    def build(events: list[Event], *, blueprint: dict[str, Any] | None = None) -> Any:
        store = Store.open(database_url)
        record(store, [configured(blueprint=blueprint), *events])
        replica = Replica.open(store, ":memory:")
        opened.append((store, replica))
        return replica.con

    yield build
    for store, replica in opened:
        replica.close()
        store.close()


@pytest.fixture(autouse=True)
def _fresh_cli_language() -> Iterator[None]:
    """Each test starts with no language resolved by an earlier CLI command: the app's callback
    clears it per run, but tests that call a command's function directly bypass the callback,
    and a Chinese community's language would leak into them from the test before."""
    from shequn.cli.common import state

    state.lang = state.spoken = None
    yield
    state.lang = state.spoken = None


def _hand_written(con: Any, scope: Any) -> list[int]:
    """A metric in the replica's own SQL: what a metric not (yet) portable looks like."""
    sql = "SELECT count(*) FROM ev WHERE community = ? AND kind = 'community.configured'"
    return [con.execute(sql, [scope.community]).fetchone()[0]]


@pytest.fixture
def duckdb_only(monkeypatch: pytest.MonkeyPatch) -> str:
    """A metric registered only here and not in ``portable.PORTABLE``: every shipped metric
    is portable now, and the guard stays for those added later."""
    shipped = registry.all_metrics
    metric = Metric("hand_written", "Configurations of the community", (), _hand_written)
    monkeypatch.setattr(registry, "all_metrics", lambda: {**shipped(), metric.name: metric})
    return metric.name
