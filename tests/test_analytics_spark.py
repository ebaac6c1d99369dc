"""One definition, two engines: the portable metrics on Spark equal the same metrics on DuckDB.

The demo community's simulated log is synced into the replica, exported with ``shequn export
parquet``, and read by a real PySpark ``local[2]`` session (one for the module: it takes
10–30 s to start; the same query over the export is answered once per process,
``spark._ANSWERS``); every portable metric (``analytics/portable.PORTABLE``) is computed by both
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
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shequn.analytics.parquet import export
from shequn.analytics.portable import PORTABLE
from shequn.analytics.registry import all_metrics
from shequn.analytics.replica import Replica
from shequn.analytics.report import build_report
from shequn.analytics.scope import Scope
from shequn.analytics.talk import concentration
from shequn.cli.app import app
from shequn.cli.plan import DEMO_BLUEPRINT, demo_params, run_simulation
from shequn.engine.record import record
from shequn.model.blueprint import load_blueprint
from shequn.model.events import Event
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
        record(store, MEMBERSHIPS)
        with Replica.open(store, str(tmp / "r.duckdb")) as replica:
            export(replica.raw, tmp / "parquet")
            small = {"spark.sql.shuffle.partitions": "2"}  # two cores, a small log
            with SparkEngine.open(tmp / "parquet", "local[2]", small, cache=True) as spark:
                yield replica.con, spark, db


def _event(
    kind: str,
    who: str | None,
    on: str,
    ref: str = "",
    to: str | None = None,
    *,
    group: str | None = None,
    **data: Any,
) -> Event:
    at = on if "T" in on else f"{on}T04:00:00.250000+00:00"  # sub-second, like live events
    return Event(
        kind=kind,
        occurred_at=datetime.fromisoformat(at),
        community=SLUG,
        group=group,
        actor=who,
        subject=to,
        source="spark-test",
        source_ref=ref or f"{kind}-{who}-{on}",
        data=data,
    )


def _term(kind: str, who: str, on: str, **data: str) -> Event:
    return _event(f"membership.{kind}", who, on, **{"plan": "year", **data})


MEMBERSHIPS = [  # the simulated 40 days end no paid term: terms due in them, by hand
    _term("started", "sim:118", "2025-01-08", until="2025-01-25"),
    _term("renewed", "sim:118", "2025-01-24", until="2026-01-25"),  # renewed
    _term("started", "sim:116", "2025-01-08", until="2025-01-20"),
    _term("ended", "sim:116", "2025-01-19"),  # ended
    _term("started", "sim:224", "2025-01-09", until="2025-02-05"),  # grace running
    _term("started", "sim:472", "2025-01-07", plan="month", until="2025-01-12T10:00:00+08:00"),
    # paid terms (the simulation's memberships have no payment): recurring revenue, churn
    _event(
        "payment.made",
        "sim:300",
        "2025-01-06",
        "pay-300a",
        amount=29.9,
        amount_minor=2990,
        tier="mid",
    ),
    _term("started", "sim:300", "2025-01-06", plan="month", until="2025-02-06", payment="pay-300a"),
    _event("payment.made", "sim:300", "2025-02-01", "pay-300b", amount=29.9, tier="mid"),
    _term("renewed", "sim:300", "2025-02-01", plan="month", until="2025-03-06", payment="pay-300b"),
    _event(
        "payment.made",
        "sim:301",
        "2025-01-07",
        "pay-301",
        amount=199,
        amount_minor=19900,
        currency="USD",
    ),
    _term("started", "sim:301", "2025-01-07", until="2026-01-07", payment="pay-301"),
    _event(
        "payment.made",
        "sim:302",
        "2025-01-08",
        "pay-302",
        amount=29.9,
        amount_minor=2990,
        tier="high",
    ),
    _term("started", "sim:302", "2025-01-08", plan="month", until="2025-02-08", payment="pay-302"),
    _term("ended", "sim:302", "2025-01-26", plan="month"),
    # private offers, accepted after whole and fractional days, one never
    _event("offer.made", "sim:1", "2025-01-10", "o1", "sim:300", offer="o1", product="course"),
    _event("offer.accepted", "sim:300", "2025-01-12T09:30:00.9+00:00", offer="o1"),
    _event("offer.made", "sim:1", "2025-01-11", "o2", "sim:301", offer="o2", product="course"),
    _event("offer.accepted", "sim:301", "2025-01-20T04:00:01+00:00", offer="o2"),
    _event("offer.made", "sim:1", "2025-01-12", "o3", "sim:302", offer="o3", product="coaching"),
    # commission on those payments (the simulation pays none): two levels, one agent twice
    _event("commission.earned", "sim:1", "2025-01-07", "c1", "sim:110", amount=3.0, level=1,
           payment="pay-301"),
    _event("commission.earned", "sim:1", "2025-01-10", "c2", "sim:110", amount=1.5, level=2,
           payment="pay-302"),
    _event("commission.earned", "sim:1", "2025-01-12", "c3", "sim:272", amount=2.99, level=1,
           payment="pay-300a"),
    # dead-group tests (no engine ran): one the engine judged, one judged by the metric itself
    _event("redenvelope.sent", "sim:1", "2025-01-30T12:00:00.5+00:00", "t1", group="senior",
           envelope="t-senior", purpose="dead_group_test", count=10, amount=10.0),
    _event("redenvelope.grabbed", "sim:118", "2025-01-30T12:40:00+00:00", "t1g", group="senior",
           envelope="t-senior"),
    _event("envelope.judged", None, "2025-01-30T14:00:00.5+00:00", "t1j", "sim:1",
           group="senior", envelope="t-senior", verdict="dead", grabbed=1, shares=10, hours=2,
           sent_at="2025-01-30T12:00:00.5+00:00"),
    _event("redenvelope.sent", "sim:1", "2025-02-01T12:00:00+00:00", "t2", group="night-owls",
           envelope="t-owls", purpose="dead_group_test", count=5, amount=5.0),
    _event("redenvelope.grabbed", "sim:116", "2025-02-01T14:30:00+00:00", "t2g",
           group="night-owls", envelope="t-owls"),  # after the blueprint's 2 hours
]  # fmt: skip

PARAMS: dict[str, dict[str, Any]] = {
    "churn_backtest": {"baseline_weeks": 2, "recent_weeks": 1, "horizon_days": 10},
    # the simulation's talk is calm: looser bursts, so that both engines find chatter, and
    # every busier hour an alert, so that medians and the key members' weeks are compared
    "noise_vs_value": {"burst_messages": 3, "burst_minutes": 30, "short": 40},
    "over_activity": {
        "messages_per_hour": 2,
        "factor": 1.0,
        "chatter_share": 0.0,
        "burst_messages": 3,
        "burst_minutes": 30,
    },
}
"""Parameters for metrics whose defaults need more history (or more noise) than the small log
has."""


COUNTED = {"churn_backtest": "members", "acquisition_cost": "acquired", "referral_tree": "referred"}
"""What a metric giving one object counts, to tell that something was compared."""


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
        params = metric.check(PARAMS.get(name, {}))
        on_duckdb = plain(metric.run(duck, scope, params))
        on_spark = plain(metric.run(spark, scope, params))
        assert close(on_spark, on_duckdb), f"{name} differs on Spark for {scope}"
        if name == "life_cycle" and scope.group is None:  # the engine's verdict, and its own
            tests = [g["evidence"].get("envelope_test") or {} for g in on_duckdb]
            assert {"grabbed" in t for t in tests if t} == {True, False}
        # a list: its rows; one object: the members it judged, or acquired
        compared += len(on_duckdb) if isinstance(on_duckdb, list) else on_duckdb[COUNTED[name]]
    assert compared, f"{name} is empty in every scope: nothing compared"


def test_shequn_metrics_engine_spark_reads_the_export(
    engines: tuple[Any, Any, Path], duckdb_only: str
) -> None:
    duck, _, db = engines
    runner = CliRunner()
    export_dir = db.parent / "parquet"
    args = ["metrics", "concentration", "--engine", "spark", "--parquet", str(export_dir)]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == json.loads(
        json.dumps([dataclasses.asdict(r) for r in concentration(duck, Scope(SLUG))])
    )
    refused = runner.invoke(app, ["metrics", duckdb_only, "--engine", "spark", "--parquet", "x"])
    assert refused.exit_code != 0
    assert "runs on DuckDB only so far; on Spark: activity, retention" in str(refused.exception)


def test_the_report_on_spark_gives_the_portable_sections_and_names_the_rest(
    engines: tuple[Any, Any, Path],
) -> None:
    duck, spark, db = engines
    on_spark = plain(build_report(spark, Scope(SLUG), portable_only=True).to_dict())
    whole = plain(build_report(duck, Scope(SLUG)).to_dict())
    assert on_spark["as_of"] == whole["as_of"]
    assert sorted(on_spark["sections"]) == [
        "churn_risk", "concentration", "funnel", "k_factor", "key_behaviour_leaders", "retention"
    ]  # fmt: skip
    assert close(on_spark["sections"], {k: whole["sections"][k] for k in on_spark["sections"]})
    assert on_spark["duckdb_only"] == ["coverage"]
    assert close(on_spark["headline"], whole["headline"])  # members: the groups' life cycles
    assert on_spark["groups"] == whole["groups"] and len(on_spark["groups"]) >= 2
    # the life cycles' alerts; the pyramid's coverage alerts (P-ORG-4) are DuckDB's only
    assert on_spark["alerts"] == [a for a in whole["alerts"] if a["playbook"] != "P-ORG-4"]
    assert on_spark["alerts"], "no life-cycle alert compared"
    args = ["report", "--engine", "spark", "--parquet", str(db.parent / "parquet")]
    said = CliRunner().invoke(app, args)  # the demo community speaks Chinese
    assert said.exit_code == 0, said.output
    assert "骨干覆盖提醒：未在 Spark 上计算" in said.output
    assert "群：未在 Spark 上计算" not in said.output
    for group in whole["groups"]:
        assert group["group"] in said.output
