"""One definition, two engines: the portable metrics on Spark equal the same metrics on DuckDB.

The demo community's simulated log is synced into the replica, exported with ``shequn export
parquet``, and read by a real PySpark ``local[2]`` session (one for the module: it takes
10–30 s to start); every portable metric (``analytics/portable.PORTABLE``) is computed by both
engines for several scopes and compared: counts exactly, ratios to 1e-9. Without PySpark or
Java the module skips — unless ``SHEQUN_REQUIRE_SPARK=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shequn.analytics.parquet import export
from shequn.analytics.portable import PORTABLE
from shequn.analytics.registry import all_metrics
from shequn.analytics.replica import Replica
from shequn.analytics.scope import Scope
from shequn.analytics.talk import concentration
from shequn.cli.app import app
from shequn.cli.plan import DEMO_BLUEPRINT, demo_params, run_simulation
from shequn.model.blueprint import load_blueprint
from shequn.store.db import Store
from tests.test_analytics_materialised import plain

REQUIRED = os.environ.get("SHEQUN_REQUIRE_SPARK") == "1"
SLUG = load_blueprint(DEMO_BLUEPRINT).community.slug


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"Spark is required (SHEQUN_REQUIRE_SPARK=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Path]]:
    """(the DuckDB replica's connection, a Spark engine over its export, the database file)."""
    try:
        import pyspark  # noqa: F401
    except ImportError as e:
        _unavailable(f"PySpark is not installed: {e}")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("no Java (PySpark needs Java 17+)")
    from shequn.analytics.spark import SparkEngine

    tmp = tmp_path_factory.mktemp("spark")
    bp = load_blueprint(DEMO_BLUEPRINT)
    db = tmp / "demo.db"
    with Store.open(f"sqlite:///{db}") as store:
        run_simulation(store, bp, demo_params(40), days=40, seed=7, hidden=True)
        with Replica.open(store, str(tmp / "r.duckdb")) as replica:
            export(replica.raw, tmp / "parquet")
            with SparkEngine.open(tmp / "parquet", "local[2]", cache=True) as spark:
                yield replica.con, spark, db


def close(a: Any, b: Any) -> bool:
    """Equal, floats within 1e-9 (a sum's last bits depend on how an engine splits it)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


SCOPES = [Scope(SLUG), Scope(SLUG, group="main", since=date(2025, 1, 10), until=date(2025, 2, 1))]


@pytest.mark.parametrize("name", PORTABLE)
def test_each_portable_metric_is_the_same_on_spark_and_duckdb(
    engines: tuple[Any, Any, Path], name: str
) -> None:
    duck, spark, _ = engines
    metric = all_metrics()[name]
    compared = 0
    for scope in SCOPES:
        on_duckdb = plain(metric.run(duck, scope, metric.check({})))
        on_spark = plain(metric.run(spark, scope, metric.check({})))
        assert close(on_spark, on_duckdb), f"{name} differs on Spark for {scope}"
        compared += len(on_duckdb) if isinstance(on_duckdb, list) else 1
    assert compared, f"{name} is empty in every scope: nothing compared"


def test_shequn_metrics_engine_spark_reads_the_export(engines: tuple[Any, Any, Path]) -> None:
    duck, _, db = engines
    runner = CliRunner()
    export_dir = db.parent / "parquet"
    args = ["metrics", "concentration", "--engine", "spark", "--parquet", str(export_dir)]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == json.loads(
        json.dumps([dataclasses.asdict(r) for r in concentration(duck, Scope(SLUG))])
    )
    refused = runner.invoke(
        app, ["metrics", "key_behaviour_leaders", "--engine", "spark", "--parquet", "x"]
    )
    assert refused.exit_code != 0
    assert "runs on DuckDB only so far; on Spark: activity, retention" in str(refused.exception)
